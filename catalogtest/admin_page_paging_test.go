package catalogtest_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/pimkit/catalog/catalogtest"
)

// getPage fetches the page at path (and query) and returns its HTML.
func getPage(t *testing.T, base, pathAndQuery string) (int, string) {
	t.Helper()
	resp, err := http.Get(base + pathAndQuery)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(raw)
}

var (
	productRow = regexp.MustCompile(`data-entity-code="([^"]+)"`)
	jobRow     = regexp.MustCompile(`data-job-id="([^"]+)"`)
	olderLink  = regexp.MustCompile(`class="older" href="([^"]+)"`)
)

// The page shows one page per section, newest first, with links to the
// older pages that keep the other sections where they are.
func TestAdminPagePaginatesNewestFirst(t *testing.T) {
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit())
	t.Cleanup(srv.Close)
	for i := range 7 {
		if _, err := srv.SeedProduct(map[string]any{"entity_code": fmt.Sprintf("P-%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	// A new version of P-0 makes it the last stored.
	if _, err := srv.SeedProduct(map[string]any{"entity_code": "P-0", "name": "again"}); err != nil {
		t.Fatal(err)
	}
	var jobs []string
	for i := range 5 {
		jobs = append(jobs, queueOne(t, srv.URL, fmt.Sprintf("J-%d", i)))
	}
	if err := srv.WaitForJobs(context.Background()); err != nil {
		t.Fatal(err)
	}

	status, page := getPage(t, srv.URL, "/_fake/ui?per_page=3")
	if status != 200 {
		t.Fatalf("page: %d\n%s", status, page)
	}
	codes := func(page string) []string {
		var out []string
		for _, m := range productRow.FindAllStringSubmatch(page, -1) {
			out = append(out, m[1])
		}
		return out
	}
	// The queued jobs stored J-0..J-4 after the seeded products.
	if got := codes(page); fmt.Sprint(got) != "[J-4 J-3 J-2]" {
		t.Errorf("first products page = %v, want the last stored first", got)
	}
	if got := jobRow.FindAllStringSubmatch(page, -1); len(got) != 3 || got[0][1] != jobs[4] || got[2][1] != jobs[2] {
		t.Errorf("first jobs page = %v, want the 3 newest jobs, newest first", got)
	}
	if !strings.Contains(page, "1–3 of 12, newest first · page 1 of 4") {
		t.Errorf("page lacks the products' place: %s", page)
	}

	// Follow the products' older links to the end.
	var all []string
	next := "?per_page=3"
	for next != "" {
		status, page = getPage(t, srv.URL, "/_fake/ui"+next)
		if status != 200 {
			t.Fatalf("%s: %d", next, status)
		}
		all = append(all, codes(page)...)
		next = ""
		for _, m := range olderLink.FindAllStringSubmatch(page, -1) {
			if link := html.UnescapeString(m[1]); strings.Contains(link, "#products") {
				next = strings.TrimSuffix(link, "#products")
				if !strings.Contains(next, "per_page=3") {
					t.Fatalf("link %q lost per_page", link)
				}
			}
		}
	}
	if fmt.Sprint(all) != "[J-4 J-3 J-2 J-1 J-0 P-0 P-6 P-5 P-4 P-3 P-2 P-1]" {
		t.Errorf("products over every page = %v, want each once, the last stored first", all)
	}

	// A page past the end shows the last one.
	if _, page = getPage(t, srv.URL, "/_fake/ui?per_page=3&jobs_page=99"); !strings.Contains(page, "page 2 of 2") {
		t.Errorf("jobs page 99 of 2 does not show the last page")
	}
	for _, q := range []string{"per_page=0", "per_page=501", "products_page=0", "jobs_page=x", "refresh=-1"} {
		if status, _ := getPage(t, srv.URL, "/_fake/ui?"+q); status != http.StatusBadRequest {
			t.Errorf("?%s: status %d, want 400", q, status)
		}
	}
}

// A product with many versions shows its newest ones only.
func TestAdminPageShowsTheNewestVersions(t *testing.T) {
	srv := catalogtest.NewServer()
	t.Cleanup(srv.Close)
	for i := range 25 {
		if _, err := srv.SeedProduct(map[string]any{"entity_code": "MANY", "name": fmt.Sprintf("v%d", i+1)}); err != nil {
			t.Fatal(err)
		}
	}
	_, page := getPage(t, srv.URL, "/_fake/ui")
	if n := strings.Count(page, "<strong>v"); n != 20 {
		t.Errorf("page shows %d versions, want the newest 20", n)
	}
	if !strings.Contains(page, "<strong>v25</strong>") || strings.Contains(page, "<strong>v5</strong>") {
		t.Error("page does not show versions 6 to 25")
	}
	if !strings.Contains(page, "5 older version(s)") {
		t.Error("page does not say how many older versions it leaves out")
	}
}
