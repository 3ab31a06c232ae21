package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
	"github.com/pimkit/catalog/internal/contract"
)

// TestMain checks every exchange with a catalogtest server against
// api/openapi.yaml; a mismatch fails the run.
func TestMain(m *testing.M) { os.Exit(contract.RunTests(m)) }

// Distinctive test secrets: no output may contain them.
const (
	testKeyID  = "ak_ctl_test"
	testSecret = "sk_ctl_secret_5e1d9a77"
	testToken  = "tok_ctl_secret_c0ffee42"
)

// outputs gathers everything the runs of a test printed, for the secret check.
var (
	outputsMu sync.Mutex
	outputs   []string
)

type result struct {
	code           int
	stdout, stderr string
}

// ctl runs catalogctl in-process with args and env, as a shell would.
func ctl(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr, func(k string) string { return env[k] })
	outputsMu.Lock()
	outputs = append(outputs, stdout.String(), stderr.String())
	outputsMu.Unlock()
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func (r result) want(t *testing.T, code int) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	return r
}

// fake starts a catalogtest server with the test credentials.
func fake(t *testing.T, opts ...catalogtest.Option) (*catalogtest.Server, map[string]string) {
	t.Helper()
	srv := catalogtest.NewServer(append([]catalogtest.Option{catalogtest.WithoutRateLimit(),
		catalogtest.WithAPIKey(testKeyID, testSecret), catalogtest.WithBearerToken(testToken),
		catalogtest.WithSource(catalog.Source{ID: "erp", Name: "ERP", AutoPublishEnabled: catalog.Ptr(true)})}, opts...)...)
	t.Cleanup(srv.Close)
	env := map[string]string{envBaseURL: srv.URL, envAPIKeyID: testKeyID, envAPISecret: testSecret, envSourceID: "erp"}
	return srv, env
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const productsCSV = "Code;Titre;Prix\nA-1;Valve;12,50\nA-2;Pump;99\n"

// malformedJSON is not valid JSON on its third line.
const malformedJSON = "[\n{\"Code\": \"A-1\"},\n{\"Code\": }\n]\n"

var mapFlags = []string{"--map", "Code=entity_code", "--map", "Titre=name", "--map", "Prix=pricing.list"}

func TestImportCSVShowsASummary(t *testing.T) {
	srv, env := fake(t)
	csv := writeFile(t, "products.csv", productsCSV)
	r := ctl(t, env, append([]string{"import", csv, "--rate-limit", "off"}, mapFlags...)...).want(t, exitOK)
	for _, want := range []string{"Import of " + csv + " into source erp", "rows read       2", "succeeded       2 (2 inserted, 0 updated)", "All rows applied."} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	// Not a terminal: plain progress lines on stderr, no bar.
	if !strings.Contains(r.stderr, "importing: 2 read, 2 sent, 2 succeeded") {
		t.Errorf("stderr lacks the progress line:\n%s", r.stderr)
	}
	v, ok := srv.Product("A-2")
	if !ok || v.Source.SourceID != "erp" {
		t.Fatalf("A-2 = %+v, %v", v, ok)
	}
	if p, _ := v.Product(); p.Pricing == nil || p.Pricing.List == nil || *p.Pricing.List != 99 {
		t.Errorf("A-2 pricing = %+v", p.Pricing)
	}
}

func TestImportWithAMappingFileAndJSONOutput(t *testing.T) {
	srv, env := fake(t)
	csv := writeFile(t, "products.csv", productsCSV+"A-3;Hose;x\n")
	mapping := writeFile(t, "map.json", `{"Code":"entity_code","Titre":"name","Prix":"pricing.list"}`)
	r := ctl(t, env, "import", csv, "--mapping", mapping, "--json", "--rate-limit", "off").want(t, exitRows)
	var out struct {
		OK        bool `json:"ok"`
		Read      int  `json:"read"`
		Succeeded int  `json:"succeeded"`
		Failed    []struct {
			Row   int    `json:"row"`
			Error string `json:"error"`
		} `json:"failed"`
		JobIDs []string `json:"job_ids"`
	}
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("--json output does not parse: %v\n%s", err, r.stdout)
	}
	if dec.More() {
		t.Errorf("--json printed more than one document:\n%s", r.stdout)
	}
	if out.OK || out.Read != 3 || out.Succeeded != 2 || len(out.Failed) != 1 || out.Failed[0].Row != 2 || len(out.JobIDs) != 1 {
		t.Errorf("--json output = %+v", out)
	}
	if !strings.Contains(out.Failed[0].Error, "not a number") {
		t.Errorf("failed row's error %q does not say why", out.Failed[0].Error)
	}
	if r.stderr != "catalogctl: 1 of 3 rows not confirmed applied\n" {
		t.Errorf("--json stderr = %q, want only the error line (no progress)", r.stderr)
	}
	if len(srv.Products()) != 2 {
		t.Errorf("%d products stored, want 2", len(srv.Products()))
	}
}

// Without --mapping or --map, columns named after product fields map to
// themselves.
func TestImportWithoutAMapping(t *testing.T) {
	srv, env := fake(t)
	ndjson := writeFile(t, "p.ndjson", `{"entity_code":"N-1","name":"Nut"}`+"\n"+`{"entity_code":"N-2","name":"Bolt"}`+"\n")
	ctl(t, env, "import", ndjson, "--rate-limit", "off").want(t, exitOK)
	if len(srv.Products()) != 2 {
		t.Errorf("%d products stored, want 2", len(srv.Products()))
	}
	csv := writeFile(t, "bad.csv", "Nonsense\nx\n")
	r := ctl(t, env, "import", csv).want(t, exitUsage)
	if !strings.Contains(r.stderr, "each column maps to the field of its own name") {
		t.Errorf("stderr = %q, want the hint about the default mapping", r.stderr)
	}
}

func TestExitCodes(t *testing.T) {
	srv, env := fake(t)
	csv := writeFile(t, "products.csv", productsCSV)
	wrongSecret := map[string]string{envBaseURL: srv.URL, envAPIKeyID: testKeyID, envAPISecret: "sk_wrong_ctl_8d2f", envSourceID: "erp"}
	// A port nothing listens on: bind one, then free it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + ln.Addr().String()
	ln.Close()
	noServer := map[string]string{envBaseURL: closedURL, envAPIKeyID: testKeyID, envAPISecret: testSecret}
	noCreds := map[string]string{envBaseURL: srv.URL}
	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		code int
	}{
		{"no command arguments", env, []string{"import"}, exitUsage},
		{"unknown flag", env, []string{"queue", "--nope"}, exitUsage},
		{"unknown command", env, []string{"frobnicate"}, exitUsage},
		{"no credential", noCreds, []string{"queue"}, exitUsage},
		{"two credentials", env, []string{"queue", "--token", testToken, "--api-key-id", testKeyID, "--api-secret", testSecret}, exitUsage},
		{"key id from the environment, secret from a flag", map[string]string{envBaseURL: srv.URL, envAPIKeyID: testKeyID},
			[]string{"queue", "--api-secret", testSecret}, exitOK},
		{"a token flag over the environment's API key", env, []string{"queue", "--token", testToken}, exitOK},
		{"bad rate limit", env, []string{"queue", "--rate-limit", "fast"}, exitUsage},
		{"missing file", env, []string{"import", "/nonexistent/file.csv", "--map", "a=name"}, exitUsage},
		{"wrong secret", wrongSecret, []string{"queue", "--retries", "0"}, exitRefused},
		{"unknown source", env, append([]string{"import", csv, "--source", "nope", "--retries", "0"}, mapFlags...), exitRefused},
		{"unknown job", env, []string{"jobs", "get", "nope", "--retries", "0"}, exitRefused},
		{"no server", noServer, []string{"queue", "--retries", "0"}, exitNetwork},
		{"remote analyze", env, []string{"analyze", csv, "--remote"}, exitOK},
		{"upload", env, []string{"upload", csv}, exitOK},
		{"upload without a source", noCreds, []string{"upload", csv}, exitUsage},
		{"upload of a file type the platform does not take", env, []string{"upload", writeFile(t, "notes.txt", "x\n")}, exitUsage},
		{"remote analyze of a malformed file", env, []string{"analyze", writeFile(t, "bad.json", malformedJSON), "--remote"}, exitRefused},
		{"jobs errors of an unknown job", env, []string{"jobs", "errors", "nope", "--retries", "0"}, exitRefused},
		{"incremental sync without state", env, []string{"sync", csv, "--rate-limit", "off", "--mode", "incremental"}, exitUsage},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := ctl(t, c.env, c.args...).want(t, c.code)
			if c.code != exitOK && !strings.Contains(r.stderr, "catalogctl: ") {
				t.Errorf("stderr %q does not give the error", r.stderr)
			}
		})
	}

	t.Run("server error", func(t *testing.T) {
		srv.Stub(catalogtest.Stub{Op: catalogtest.OpQueueStatus, Nth: 1, Status: 500, Code: "DB_DOWN"})
		ctl(t, env, "queue", "--retries", "0").want(t, exitServer)
	})
	t.Run("rate limited", func(t *testing.T) {
		srv.Stub(catalogtest.Stub{Op: catalogtest.OpQueueStatus, Nth: 1, Status: 429})
		ctl(t, env, "queue", "--retries", "0").want(t, exitRefused)
	})
	t.Run("source created twice", func(t *testing.T) {
		ctl(t, env, "sources", "create", "dup").want(t, exitOK)
		r := ctl(t, env, "sources", "create", "dup", "--json").want(t, exitRefused)
		var out map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || out["ok"] != false || out["exit_code"] != float64(exitRefused) {
			t.Errorf("--json error document = %q (%v)", r.stdout, err)
		}
	})
}

func TestJobsAndQueue(t *testing.T) {
	srv, env := fake(t)
	client, err := srv.Client(catalog.WithLimiter(nil))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := srv.ScriptJob(catalogtest.JobOutcome{Nth: 1, Status: catalog.JobCompletedWithErrors, FailRows: []int{1}, Message: "price refused"}); err != nil {
		t.Fatal(err)
	}
	q, err := client.Products.Queue(ctx, "erp", []catalog.Product{{EntityCode: "J-1"}, {EntityCode: "J-2"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.WaitJob(ctx, q.JobID, catalog.JobCompletedWithErrors); err != nil {
		t.Fatal(err)
	}

	r := ctl(t, env, "jobs", "get", q.JobID).want(t, exitOK)
	if !strings.Contains(r.stdout, "completed_with_errors") || !strings.Contains(r.stdout, "price refused") {
		t.Errorf("jobs get:\n%s", r.stdout)
	}
	r = ctl(t, env, "jobs", "wait", q.JobID, "--min-interval", "1ms", "--max-interval", "1ms").want(t, exitRows)
	if !strings.Contains(r.stdout, "1 failed") {
		t.Errorf("jobs wait:\n%s", r.stdout)
	}
	r = ctl(t, env, "jobs", "errors", q.JobID, "--json").want(t, exitOK)
	var out struct {
		Errors []rowErrorOut `json:"errors"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out.Errors) != 1 || out.Errors[0].EntityCode != "J-2" {
		t.Errorf("jobs errors --json = %s (%v)", r.stdout, err)
	}
	r = ctl(t, env, "queue").want(t, exitOK)
	if !strings.Contains(r.stdout, "1 completed") {
		t.Errorf("queue:\n%s", r.stdout)
	}
	// With the token from a flag instead of the environment's API key.
	tokenOnly := map[string]string{envBaseURL: srv.URL}
	ctl(t, tokenOnly, "queue", "--json", "--token", testToken).want(t, exitOK)
}

func TestSourcesCreate(t *testing.T) {
	srv, env := fake(t)
	r := ctl(t, env, "sources", "create", "shop", "--name", "Shop feed", "--map", "Prix=pricing.list",
		"--locked", "name", "--auto-publish", "--required", "name,pricing.list").want(t, exitOK)
	if !strings.Contains(r.stdout, "created source shop (Shop feed)") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	var got catalog.Source
	for _, s := range srv.Sources() {
		if s.ID == "shop" {
			got = s
		}
	}
	if got.FieldMappings["Prix"] != "pricing.list" || len(got.LockedFields) != 1 || len(got.RequiredFields) != 2 || got.AutoPublishEnabled == nil || !*got.AutoPublishEnabled {
		t.Errorf("stored source = %+v", got)
	}
}

func TestSyncDryRunAndFull(t *testing.T) {
	srv, env := fake(t)
	for _, code := range []string{"OLD-1", "A-1"} {
		if err := srv.SeedVersions(catalogtest.ProductVersion{EntityCode: code, Source: catalogtest.VersionSource{SourceID: "erp"}}); err != nil {
			t.Fatal(err)
		}
	}
	csv := writeFile(t, "catalog.csv", productsCSV)
	r := ctl(t, env, append([]string{"sync", csv, "--rate-limit", "off", "--dry-run", "--no-removal-limit"}, mapFlags...)...).want(t, exitOK)
	if !strings.Contains(r.stdout, "would remove OLD-1") || !strings.Contains(r.stdout, "create 1 and update 1 products") {
		t.Errorf("dry run:\n%s", r.stdout)
	}
	if _, ok := srv.Product("A-2"); ok {
		t.Fatal("the dry run stored A-2")
	}
	// One removal of two products is over a 10% limit: nothing removed, exit 2.
	r = ctl(t, env, append([]string{"sync", csv, "--rate-limit", "off"}, mapFlags...)...).want(t, exitRows)
	if _, ok := srv.Product("OLD-1"); !ok {
		t.Error("OLD-1 removed despite the removal limit")
	}
	state := filepath.Join(t.TempDir(), "state.json")
	r = ctl(t, env, append([]string{"sync", csv, "--rate-limit", "off", "--max-removals", "1", "--max-removal-percent=-1", "--state", state, "--json"}, mapFlags...)...).want(t, exitOK)
	if _, ok := srv.Product("OLD-1"); ok {
		t.Errorf("OLD-1 still there after a full sync that allows one removal:\n%s", r.stdout)
	}
	r = ctl(t, env, append([]string{"sync", csv, "--rate-limit", "off", "--mode", "incremental", "--state", state}, mapFlags...)...).want(t, exitOK)
	if !strings.Contains(r.stdout, "2 unchanged") {
		t.Errorf("incremental sync after a full one:\n%s", r.stdout)
	}
}

func TestAnalyzeLocally(t *testing.T) {
	_, env := fake(t)
	csv := writeFile(t, "products.csv", productsCSV)
	r := ctl(t, env, "analyze", csv).want(t, exitOK)
	if !strings.Contains(r.stdout, "Titre") || !strings.Contains(r.stdout, `["Valve","Pump"]`) {
		t.Errorf("analyze:\n%s", r.stdout)
	}
	r = ctl(t, nil, "analyze", csv, "--json").want(t, exitOK) // local: no credential needed
	var out struct {
		Analysis catalog.FileAnalysis `json:"analysis"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out.Analysis.Columns) != 3 {
		t.Errorf("analyze --json = %s (%v)", r.stdout, err)
	}
}

// The platform's analysis of a file (--remote) prints as the local one,
// in text and in JSON; a file it cannot read is refused with the details,
// the hint and the line.
func TestAnalyzeRemoteAgreesWithLocal(t *testing.T) {
	_, env := fake(t)
	csv := writeFile(t, "products.csv", productsCSV)
	local := ctl(t, env, "analyze", csv).want(t, exitOK)
	remote := ctl(t, env, "analyze", csv, "--remote").want(t, exitOK)
	if remote.stdout != local.stdout {
		t.Errorf("remote analysis:\n%s\nlocal:\n%s", remote.stdout, local.stdout)
	}
	var docs [2]struct {
		OK       bool                 `json:"ok"`
		Analysis catalog.FileAnalysis `json:"analysis"`
	}
	for i, args := range [][]string{{"analyze", csv, "--json"}, {"analyze", csv, "--json", "--remote"}} {
		r := ctl(t, env, args...).want(t, exitOK)
		if err := json.Unmarshal([]byte(r.stdout), &docs[i]); err != nil || !docs[i].OK {
			t.Fatalf("%v: %s (%v)", args, r.stdout, err)
		}
	}
	if diff := cmp.Diff(docs[0], docs[1]); diff != "" {
		t.Errorf("--json analyses differ (-local +remote):\n%s", diff)
	}

	bad := writeFile(t, "bad.json", malformedJSON)
	r := ctl(t, env, "analyze", bad, "--remote").want(t, exitRefused)
	for _, want := range []string{"bad.json: JSON Format Error (JSON_SYNTAX_ERROR)", "line 3", "details: Your JSON file is not valid JSON", "hint: "} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	r = ctl(t, env, "analyze", bad, "--remote", "--json").want(t, exitRefused)
	var out struct {
		OK        bool                     `json:"ok"`
		ExitCode  int                      `json:"exit_code"`
		FileError *catalog.FileFormatError `json:"file_error"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || out.OK || out.ExitCode != exitRefused ||
		out.FileError == nil || out.FileError.Line != 3 || out.FileError.Hint == "" {
		t.Errorf("--json of a malformed file = %s (%v)", r.stdout, err)
	}
	// The same file analysed locally: the same report, as a usage error.
	r = ctl(t, env, "analyze", bad).want(t, exitUsage)
	if !strings.Contains(r.stderr, "line 3") {
		t.Errorf("local analysis of a malformed file:\n%s", r.stderr)
	}
	ctl(t, env, "analyze", csv, "--remote", "--delimiter", ";").want(t, exitUsage)
}

// eanCSV has a valid EAN on line 2 and one that is not digits on line 3.
const eanCSV = "EAN;Titre;Prix\n8001234567897;Valve;12,50\n800123456789X;Pump;99\n"

var eanMap = []string{"--map", "EAN=ean", "--map", "Titre=name", "--map", "Prix=pricing.list"}

var fastWait = []string{"--min-interval", "1ms", "--max-interval", "1ms", "--rate-limit", "off"}

func TestUploadWaitPrintsTheSummaryAndRowErrors(t *testing.T) {
	srv, env := fake(t)
	csv := writeFile(t, "products.csv", eanCSV)
	args := append(append([]string{"upload", csv, "--wait"}, eanMap...), fastWait...)
	r := ctl(t, env, args...).want(t, exitRows)
	for _, want := range []string{
		"Uploaded " + csv + " (", ") into source erp",
		"(import, source erp): completed_with_errors",
		"rows 2: 2 processed, 1 succeeded (1 created, 0 updated), 1 failed",
		"Row errors:\n  line 3: invalid EAN \"800123456789X\"",
		"(validation_error)",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "All rows imported") {
		t.Errorf("stdout says all rows were imported:\n%s", r.stdout)
	}
	// Not a terminal: the bytes sent as a plain line, then the job's progress.
	if !strings.Contains(r.stderr, "uploading: 63 B of 63 B sent (100%)") || !strings.Contains(r.stderr, "rows processed") {
		t.Errorf("stderr lacks the progress lines:\n%s", r.stderr)
	}
	if _, ok := srv.Product("8001234567897"); !ok {
		t.Error("the row with a valid EAN was not imported")
	}

	// --json: one document with the job and its row errors.
	r = ctl(t, env, append(args, "--json")...).want(t, exitRows)
	var out struct {
		OK     bool          `json:"ok"`
		Bytes  int64         `json:"bytes"`
		Job    catalog.Job   `json:"job"`
		Errors []rowErrorOut `json:"errors"`
	}
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	if err := dec.Decode(&out); err != nil || dec.More() {
		t.Fatalf("--json output is not one document: %v\n%s", err, r.stdout)
	}
	if out.OK || out.Bytes != int64(len(eanCSV)) || out.Job.Status != catalog.JobCompletedWithErrors || len(out.Errors) != 1 ||
		out.Errors[0].Row != 3 || out.Errors[0].Code != "validation_error" || !strings.Contains(out.Errors[0].Error, "invalid EAN") {
		t.Errorf("--json output = %+v", out)
	}
	if strings.Contains(r.stderr, "uploading") {
		t.Errorf("--json printed progress:\n%s", r.stderr)
	}

	// --update-existing=false: the valid row now matches a product by EAN
	// and fails; without it, the platform updates it.
	r = ctl(t, env, append(args, "--update-existing=false")...).want(t, exitRows)
	if !strings.Contains(r.stdout, "update_existing is false (already_exists)") {
		t.Errorf("--update-existing=false:\n%s", r.stdout)
	}
	ok := writeFile(t, "ok.csv", "EAN;Titre\n8001234567897;Valve 2\n")
	r = ctl(t, env, append(append([]string{"upload", ok, "--wait"}, eanMap...), fastWait...)...).want(t, exitOK)
	if !strings.Contains(r.stdout, "1 succeeded (0 created, 1 updated)") || !strings.Contains(r.stdout, "All rows imported.") {
		t.Errorf("upload that updates:\n%s", r.stdout)
	}
}

// Without --wait, upload prints the queued job and how to follow it; the
// job's row errors are then read with jobs errors, a page at a time.
func TestUploadThenJobsErrorsPages(t *testing.T) {
	srv, env := fake(t)
	var b strings.Builder
	b.WriteString("EAN;Titre\n")
	for i := range 5 {
		fmt.Fprintf(&b, "800123456789%c;Bad %d\n", 'A'+i, i) // not digits
	}
	csv := writeFile(t, "bad-eans.csv", b.String())
	r := ctl(t, env, append([]string{"upload", csv, "--json", "--rate-limit", "off"}, eanMap[:4]...)...).want(t, exitOK)
	var up struct {
		OK  bool        `json:"ok"`
		Job catalog.Job `json:"job"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &up); err != nil || !up.OK || up.Job.ID == "" {
		t.Fatalf("upload --json = %s (%v)", r.stdout, err)
	}
	if _, err := srv.WaitJob(context.Background(), up.Job.ID, catalog.JobFailed); err != nil {
		t.Fatal(err)
	}
	srv.ResetRequests()
	r = ctl(t, env, "jobs", "errors", up.Job.ID, "--rate-limit", "off").want(t, exitOK)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 6 || lines[0] != "job "+up.Job.ID+": failed, 5 failed rows" {
		t.Fatalf("jobs errors:\n%s", r.stdout)
	}
	for i, l := range lines[1:] {
		if want := fmt.Sprintf("  line %d: invalid EAN \"800123456789%c\"", i+2, 'A'+i); !strings.HasPrefix(l, want) || !strings.HasSuffix(l, "(validation_error)") {
			t.Errorf("line %d = %q, want %q...(validation_error)", i+1, l, want)
		}
	}
	pages := 0
	for _, req := range srv.Requests() {
		if strings.HasSuffix(req.Path, "/errors") {
			pages++
		}
	}
	if pages != 1 {
		t.Errorf("%d requests for the row errors, want 1 page (of up to 100)", pages)
	}

	r = ctl(t, env, "jobs", "errors", up.Job.ID, "--json", "--rate-limit", "off").want(t, exitOK)
	var out struct {
		OK     bool          `json:"ok"`
		Status string        `json:"status"`
		Errors []rowErrorOut `json:"errors"`
	}
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	if err := dec.Decode(&out); err != nil || dec.More() || !out.OK || out.Status != "failed" || len(out.Errors) != 5 || out.Errors[4].Row != 6 {
		t.Errorf("jobs errors --json = %s (%v)", r.stdout, err)
	}
}

// Every command has --help, and exits 0 with it.
func TestHelpForEveryCommand(t *testing.T) {
	var walk func(c *cobra.Command, path []string)
	n := 0
	walk = func(c *cobra.Command, path []string) {
		args := append(append([]string{}, path...), "--help")
		r := ctl(t, nil, args...).want(t, exitOK)
		if !strings.Contains(r.stdout, "Usage:") {
			t.Errorf("%v: no usage in\n%s", args, r.stdout)
		}
		n++
		for _, sub := range c.Commands() {
			if sub.Name() == "help" {
				continue
			}
			walk(sub, append(append([]string{}, path...), sub.Name()))
		}
	}
	a := &app{getenv: func(string) string { return "" }, scrub: &scrubber{}}
	root := a.rootCommand()
	root.InitDefaultCompletionCmd()
	walk(root, nil)
	if n < 12 {
		t.Errorf("walked %d commands, want every one", n)
	}
	r := ctl(t, nil, "--help").want(t, exitOK)
	for _, want := range []string{"Exit codes:", "CATALOG_API_SECRET", "130  interrupted"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("root help lacks %q", want)
		}
	}
	ctl(t, nil, "completion", "bash").want(t, exitOK)
}

// The fake server runs as a command, prints its URL and test credentials,
// serves the platform and the admin API, and stops cleanly when its
// context ends (as on SIGINT).
func TestFakeServerCommand(t *testing.T) {
	sources := writeFile(t, "sources.json", `[{"source_id":"shop","auto_publish_enabled":false}]`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outR, outW := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"fake-server", "--addr", "127.0.0.1:0", "--json", "--rate-limit", "off",
			"--token", "fake-test-token", "--sources-file", sources, "--source", "erp",
			"--fault", "kind=status,op=OpQueueStatus,nth=1,status=503", "--id-seed", "7"},
			outW, &stderr, func(string) string { return "" })
		outW.Close()
	}()
	line, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the ready line: %v (stderr %s)", err, stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, outR) }()
	var ready fakeReady
	if err := json.Unmarshal([]byte(line), &ready); err != nil || ready.URL == "" || ready.BearerToken != "fake-test-token" {
		t.Fatalf("ready line %q: %+v, %v", line, ready, err)
	}
	if !strings.Contains(ready.Note, "test credentials") {
		t.Errorf("ready line does not say these are test credentials: %q", line)
	}

	env := map[string]string{envBaseURL: ready.URL, envToken: ready.BearerToken}
	ctl(t, env, "queue", "--retries", "0").want(t, exitServer) // the scripted fault
	ctl(t, env, "queue", "--retries", "0").want(t, exitOK)
	csv := writeFile(t, "products.csv", "Code;Prix\nS-1;5\n")
	ctl(t, env, "import", csv, "--source", "shop", "--map", "Code=entity_code", "--map", "Prix=pricing.list", "--rate-limit", "off").want(t, exitOK)

	resp, err := http.Get(ready.AdminURL + "products/S-1")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Product struct {
			Status string         `json:"status"`
			Data   map[string]any `json:"data"`
		} `json:"product"`
	}
	err = json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if err != nil || got.Product.Status != "draft" || got.Product.Data["pricing"] == nil {
		t.Errorf("admin product = %+v (%v), want a draft (the shop source does not publish) with its price", got, err)
	}
	resp, err = http.Get(ready.AdminURL + "faults")
	if err != nil {
		t.Fatal(err)
	}
	var faults struct {
		Fired int `json:"fired"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&faults)
	resp.Body.Close()
	if faults.Fired != 1 {
		t.Errorf("faults fired = %d, want 1", faults.Fired)
	}

	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("fake-server exited %d after its context ended, want 0; stderr %s", code, stderr.String())
	}
}

// No secret reaches any output: every run of this package's tests is
// checked, after they all ran, and the help of commands whose secret flags
// were given.
func TestZZNoSecretInAnyOutput(t *testing.T) {
	_, env := fake(t)
	env[envToken] = "" // the key from the environment
	csv := writeFile(t, "products.csv", productsCSV)
	// Secrets given as flags, in runs that fail and succeed.
	ctl(t, env, "queue", "--api-key-id", testKeyID, "--api-secret", "sk_flag_secret_77aa31", "--retries", "0").want(t, exitRefused)
	ctl(t, env, "queue", "--token", "tok_flag_secret_9b9b12", "--retries", "0", "--json").want(t, exitRefused)
	ctl(t, env, "queue", "--session", "sess_flag_secret_4c4c", "--help").want(t, exitOK)
	ctl(t, env, "import", "--api-secret", "sk_flag_secret_77aa31", "--json").want(t, exitUsage)
	ctl(t, env, append([]string{"import", csv, "--json", "--rate-limit", "off"}, mapFlags...)...).want(t, exitOK)
	outputsMu.Lock()
	defer outputsMu.Unlock()
	for _, secret := range []string{testSecret, testToken, "sk_wrong_ctl_8d2f", "sk_flag_secret_77aa31", "tok_flag_secret_9b9b12", "sess_flag_secret_4c4c"} {
		for _, out := range outputs {
			if strings.Contains(out, secret) {
				t.Errorf("a secret reached an output:\n%s", out)
			}
		}
	}
	// The outputs are read after the last-resort scrubber, which replaces
	// every registered secret: a command that printed one shows as the
	// scrubber's mark.
	for _, out := range outputs {
		if strings.Contains(out, "[redacted]") {
			t.Errorf("a command printed a secret, which only the output scrubber caught:\n%s", out)
		}
	}
}

// --delimiter takes one character, or \t for a tab, which a shell makes
// hard to type.
func TestDelimiterFlag(t *testing.T) {
	for in, want := range map[string]rune{`\t`: '\t', ";": ';', "|": '|'} {
		opts, err := (&mappingFlags{delimiter: in}).options()
		if err != nil || opts == nil || opts.Delimiter != want {
			t.Errorf("--delimiter %q: %+v, %v; want %q", in, opts, err, want)
		}
	}
	if _, err := (&mappingFlags{delimiter: ";;"}).options(); err == nil {
		t.Error(`--delimiter ";;": no error, want "want one character"`)
	}
}

// An incremental sync with a new state file, of products the source
// already holds, reports them updated as the platform counted them: none
// inserted.
func TestIncrementalSyncOfExistingProductsInsertsNone(t *testing.T) {
	srv, env := fake(t)
	for _, code := range []string{"A-1", "A-2"} {
		if err := srv.SeedVersions(catalogtest.ProductVersion{EntityCode: code, Source: catalogtest.VersionSource{SourceID: "erp"}}); err != nil {
			t.Fatal(err)
		}
	}
	csv := writeFile(t, "catalog.csv", productsCSV)
	state := filepath.Join(t.TempDir(), "state.json")
	r := ctl(t, env, append([]string{"sync", csv, "--rate-limit", "off", "--mode", "incremental", "--state", state, "--json"}, mapFlags...)...).want(t, exitOK)
	var out struct {
		Products struct {
			Succeeded, Inserted, Updated int
		} `json:"products"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v:\n%s", err, r.stdout)
	}
	if p := out.Products; p.Succeeded != 2 || p.Inserted != 0 || p.Updated != 2 {
		t.Errorf("products %+v, want 2 succeeded, 0 inserted, 2 updated:\n%s", p, r.stdout)
	}
	r = ctl(t, env, append([]string{"sync", csv, "--rate-limit", "off", "--mode", "incremental", "--state", filepath.Join(t.TempDir(), "s.json")}, mapFlags...)...).want(t, exitOK)
	if !strings.Contains(r.stdout, "(0 inserted, 2 updated)") {
		t.Errorf("summary:\n%s", r.stdout)
	}
}

// An XLS workbook analyses locally and on the platform alike, its cells
// as the spreadsheet shows them.
func TestAnalyzeXLS(t *testing.T) {
	_, env := fake(t)
	data, err := os.ReadFile(filepath.Join("..", "..", "importfile", "testdata", "corpus", "libreoffice.xls"))
	if err != nil {
		t.Fatal(err)
	}
	xls := writeFile(t, "export.xls", string(data))
	local := ctl(t, env, "analyze", xls).want(t, exitOK)
	remote := ctl(t, env, "analyze", xls, "--remote").want(t, exitOK)
	if remote.stdout != local.stdout {
		t.Errorf("remote analysis:\n%s\nlocal:\n%s", remote.stdout, local.stdout)
	}
	for _, want := range []string{`["TRUE","FALSE"]`, `["2024-03-15","1999-12-31","2024-02-29"]`, "boolean", "date"} {
		if !strings.Contains(local.stdout, want) {
			t.Errorf("analysis lacks %s:\n%s", want, local.stdout)
		}
	}
}
