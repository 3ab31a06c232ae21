package catalogtest_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

// chromium finds Debian's headless browser. The test is skipped without
// it, unless CATALOG_REQUIRE_CHROMIUM=1 (CI installs it) makes that a
// failure.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CATALOG_REQUIRE_CHROMIUM") == "1" {
		t.Fatal("chromium is not installed, and CATALOG_REQUIRE_CHROMIUM=1 requires it (apt-get install -y chromium)")
	}
	t.Skip("chromium is not installed: apt-get install -y chromium runs this test of the admin page in a real browser")
	return ""
}

// headless runs chromium on url with the extra flags and returns what it
// printed. The timeout is generous: a loaded 2-core machine starts a
// browser slowly.
func headless(t *testing.T, bin, url string, extra ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir=" + t.TempDir()}, extra...)
	cmd := exec.CommandContext(ctx, bin, append(args, url)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %s: %v\nstderr:\n%s", url, err, stderr.String())
	}
	return string(out)
}

// The page, rendered by a real browser, shows a seeded product, a job and
// the fault a request met.
func TestAdminPageInHeadlessChromium(t *testing.T) {
	bin := chromium(t)
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit(),
		catalogtest.WithFaults(catalogtest.Fault{Kind: catalogtest.FaultStatus, Op: catalogtest.OpQueueStatus, Nth: 1, Status: 503}))
	t.Cleanup(srv.Close)
	if _, err := srv.SeedProduct(map[string]any{"entity_code": "SEEDED-VALVE-42", "name": "Brass valve <DN20>"}); err != nil {
		t.Fatal(err)
	}
	client := platformClient(t, srv)
	ctx := context.Background()
	res, err := client.Products.Import(ctx, catalogtest.DefaultSourceID, []catalog.Product{{EntityCode: "IMPORTED-PUMP-7"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Jobs.QueueStatus(ctx); err == nil {
		t.Fatal("QueueStatus: no error, want the injected 503")
	}

	dom := headless(t, bin, srv.URL+"/_fake/ui", "--dump-dom")
	for _, want := range []string{
		`data-entity-code="SEEDED-VALVE-42"`,
		`data-entity-code="IMPORTED-PUMP-7"`,
		`data-job-id="` + res.JobID + `"`,
		`<span class="tag bad fault">FaultStatus</span>`,
		"Brass valve &lt;DN20&gt;",
		"1 faults fired",
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered DOM lacks %s", want)
		}
	}
	if t.Failed() {
		t.Logf("DOM:\n%s", dom)
	}

	// One product a page: the last stored first, and a link to the older.
	dom = headless(t, bin, srv.URL+"/_fake/ui?per_page=1", "--dump-dom")
	if !strings.Contains(dom, `data-entity-code="IMPORTED-PUMP-7"`) || strings.Contains(dom, `data-entity-code="SEEDED-VALVE-42"`) ||
		!strings.Contains(dom, `products_page=2#products`) {
		t.Errorf("the first page of one product does not show the last stored alone with a link to the older:\n%s", dom)
	}
	if dir := os.Getenv("CATALOG_PAGE_SCREENSHOT"); dir != "" {
		// For a person to look at: CATALOG_PAGE_SCREENSHOT=/tmp go test -run InHeadless ./catalogtest
		headless(t, bin, srv.URL+"/_fake/ui", "--screenshot="+dir+"/fake-page.png", "--window-size=1280,1100", "--hide-scrollbars")
	}
}
