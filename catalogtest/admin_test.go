package catalogtest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

// adminCall builds one admin request with net/http, as a suite in another
// language would, and decodes the JSON answer.
func adminCall(t *testing.T, base, method, path, body string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return catalogtest.DoJSON(t, req)
}

func wantStatus(t *testing.T, what string, got, want int, body map[string]any) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: status %d, want %d; body %v", what, got, want, body)
	}
}

// platformClient is a client of srv that does not pace itself.
func platformClient(t *testing.T, srv *catalogtest.Server) *catalog.Client {
	t.Helper()
	c, err := srv.Client(catalog.WithLimiter(nil), catalog.WithRetries(0, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAdminReadsProductsVersionsJobsAndRequests(t *testing.T) {
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit())
	t.Cleanup(srv.Close)
	client := platformClient(t, srv)
	ctx := context.Background()
	for _, price := range []float64{10, 12} {
		_, err := client.Products.Import(ctx, catalogtest.DefaultSourceID, []catalog.Product{
			{EntityCode: "SKU-1", Name: catalog.PlainText("Valve"), Pricing: &catalog.Pricing{List: catalog.Ptr(price)}},
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
	}

	status, body := adminCall(t, srv.URL, "GET", "/_fake/products", "")
	wantStatus(t, "Products", status, 200, body)
	products := body["products"].([]any)
	if len(products) != 1 {
		t.Fatalf("Products: %d products, want 1: %v", len(products), body)
	}
	p := products[0].(map[string]any)
	if p["entity_code"] != "SKU-1" || p["version"] != 2.0 || p["is_current"] != true {
		t.Errorf("Products[0] = %v, want SKU-1 version 2, current", p)
	}
	if got := p["data"].(map[string]any)["pricing"].(map[string]any)["list"]; got != 12.0 {
		t.Errorf("stored price %v, want 12", got)
	}

	status, body = adminCall(t, srv.URL, "GET", "/_fake/products/SKU-1", "")
	wantStatus(t, "Product", status, 200, body)
	if body["product"].(map[string]any)["job_id"] == "" {
		t.Errorf("Product: no job_id in %v", body)
	}
	status, body = adminCall(t, srv.URL, "GET", "/_fake/products/SKU-1/versions", "")
	wantStatus(t, "Versions", status, 200, body)
	if vs := body["versions"].([]any); len(vs) != 2 || vs[0].(map[string]any)["version"] != 1.0 {
		t.Errorf("Versions = %v, want versions 1 and 2, oldest first", vs)
	}
	for _, unknown := range []string{"/_fake/products/NOPE", "/_fake/products/NOPE/versions", "/_fake/jobs/nope"} {
		status, body = adminCall(t, srv.URL, "GET", unknown, "")
		wantStatus(t, "GET "+unknown, status, 404, body)
	}

	status, body = adminCall(t, srv.URL, "GET", "/_fake/jobs", "")
	wantStatus(t, "Jobs", status, 200, body)
	jobs := body["jobs"].([]any)
	if len(jobs) != 2 {
		t.Fatalf("Jobs: %d, want 2", len(jobs))
	}
	id := jobs[0].(map[string]any)["job_id"].(string)
	status, body = adminCall(t, srv.URL, "GET", "/_fake/jobs/"+id, "")
	wantStatus(t, "Job", status, 200, body)
	if j := body["job"].(map[string]any); j["status"] != "completed" || j["successful_rows"] != 1.0 {
		t.Errorf("Job = %v, want completed with 1 successful row", j)
	}

	status, body = adminCall(t, srv.URL, "GET", "/_fake/requests", "")
	wantStatus(t, "Requests", status, 200, body)
	reqs := body["requests"].([]any)
	if len(reqs) != 2 {
		t.Fatalf("Requests: %d, want the 2 imports (admin requests are not recorded): %v", len(reqs), reqs)
	}
	r0 := reqs[0].(map[string]any)
	if r0["id"] != "req_1" || r0["path"] != "/api/b2b/pim/import/api" || r0["status"] != 200.0 {
		t.Errorf("Requests[0] = %v", r0)
	}
	if !strings.Contains(r0["body"].(string), `"SKU-1"`) {
		t.Errorf("Requests[0].body = %q, want the import body", r0["body"])
	}
	status, body = adminCall(t, srv.URL, "GET", "/_fake/requests?last=1", "")
	wantStatus(t, "Requests?last=1", status, 200, body)
	if reqs := body["requests"].([]any); len(reqs) != 1 || reqs[0].(map[string]any)["id"] != "req_2" {
		t.Errorf("Requests?last=1 = %v, want req_2 only", reqs)
	}
	status, body = adminCall(t, srv.URL, "GET", "/_fake/requests?last=x", "")
	wantStatus(t, "Requests?last=x", status, 400, body)

	status, body = adminCall(t, srv.URL, "GET", "/_fake/state", "")
	wantStatus(t, "State", status, 200, body)
	if body["products"] != 1.0 || body["versions"] != 2.0 || body["jobs"] != 2.0 || body["requests"] != 2.0 {
		t.Errorf("State = %v", body)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("Requests() = %d after the admin calls, want 2", n)
	}
}

// Admin requests use no rate quota and are not recorded: a server whose
// quota one platform request used up still answers them.
func TestAdminIsOutsideTheRateLimit(t *testing.T) {
	srv := catalogtest.NewServer(catalogtest.WithRateLimit(1, time.Hour))
	t.Cleanup(srv.Close)
	client := platformClient(t, srv) // does not pace itself: the server refuses
	if _, err := client.Jobs.QueueStatus(context.Background()); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		status, body := adminCall(t, srv.URL, "GET", "/_fake/state", "")
		wantStatus(t, "State", status, 200, body)
	}
	if _, err := client.Jobs.QueueStatus(context.Background()); err == nil {
		t.Fatal("second platform request: no error, want 429 (the quota is 1)")
	} else if !errors.Is(err, catalog.ErrRateLimited) {
		t.Fatalf("second platform request: %v, want 429", err)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("Requests() = %d, want the 2 platform requests", n)
	}
}

func TestAdminSeedsProductsAndJobs(t *testing.T) {
	srv := catalogtest.NewServer()
	t.Cleanup(srv.Close)
	status, body := adminCall(t, srv.URL, "POST", "/_fake/products", `{"entity_code":"A-1","name":"Pump","pricing":{"list":9.5}}`)
	wantStatus(t, "SeedProduct", status, 201, body)
	v, ok := srv.Product("A-1")
	if !ok || v.Version != 1 || v.JobID != "" {
		t.Fatalf("Product(A-1) = %+v, %v; want version 1 without a job", v, ok)
	}
	if n := len(srv.Jobs()) + len(srv.Requests()); n != 0 {
		t.Errorf("seeding added %d jobs and requests, want none", n)
	}
	status, body = adminCall(t, srv.URL, "POST", "/_fake/products", `[1]`)
	wantStatus(t, "SeedProduct of an array", status, 400, body)
	status, body = adminCall(t, srv.URL, "POST", "/_fake/products", `{"name":"no code"}`)
	wantStatus(t, "SeedProduct without entity_code", status, 400, body)

	status, body = adminCall(t, srv.URL, "POST", "/_fake/jobs",
		`{"job_id":"queue_import_x","status":"completed_with_errors","total_rows":2,"successful_rows":1,"failed_rows":1,
		  "import_errors":[{"row":1,"entity_code":"B","error":"bad price","raw_data":{"entity_code":"B"}}]}`)
	wantStatus(t, "SeedJob", status, 201, body)
	j, ok := srv.Job("queue_import_x")
	if !ok || j.Status != catalog.JobCompletedWithErrors || len(j.Errors) != 1 || j.Errors[0].Reason != "bad price" {
		t.Fatalf("Job = %+v, %v", j, ok)
	}
	status, body = adminCall(t, srv.URL, "POST", "/_fake/jobs", `{"job_id":"queue_import_x"}`)
	wantStatus(t, "SeedJob twice", status, 400, body)
	status, body = adminCall(t, srv.URL, "POST", "/_fake/jobs", `{"job_id":"y","stauts":"failed"}`)
	wantStatus(t, "SeedJob with a misspelt key", status, 400, body)
	if !strings.Contains(body["error"].(string), "stauts") {
		t.Errorf("error %q does not name the unknown key", body["error"])
	}
}

func TestAdminFaults(t *testing.T) {
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit())
	t.Cleanup(srv.Close)
	status, body := adminCall(t, srv.URL, "POST", "/_fake/faults", `{"kind":"status","op":"OpQueueStatus","nth":1,"status":503,"retry_after_ms":1000}`)
	wantStatus(t, "AddFault", status, 201, body)
	status, body = adminCall(t, srv.URL, "POST", "/_fake/faults", `{"kind":"FaultHTML","op":"GET /api/b2b/pim/jobs/{jobId}","times":1}`)
	wantStatus(t, "AddFault by constant name", status, 201, body)

	client := platformClient(t, srv)
	if _, err := client.Jobs.QueueStatus(context.Background()); err == nil {
		t.Fatal("QueueStatus: no error, want the injected 503")
	}
	status, body = adminCall(t, srv.URL, "GET", "/_fake/faults", "")
	wantStatus(t, "Faults", status, 200, body)
	faults := body["faults"].([]any)
	if body["fired"] != 1.0 || len(faults) != 2 {
		t.Fatalf("Faults = %v, want 2 active, 1 fired", body)
	}
	f0 := faults[0].(map[string]any)
	if f0["kind"] != "FaultStatus" || f0["op"] != string(catalogtest.OpQueueStatus) || f0["fired"] != 1.0 || f0["retry_after_ms"] != 1000.0 {
		t.Errorf("Faults[0] = %v", f0)
	}
	status, body = adminCall(t, srv.URL, "GET", "/_fake/requests", "")
	wantStatus(t, "Requests", status, 200, body)
	if r := body["requests"].([]any)[0].(map[string]any); r["fault"] != "FaultStatus" || r["status"] != 503.0 {
		t.Errorf("Requests[0] = %v, want the 503 of FaultStatus", r)
	}

	status, body = adminCall(t, srv.URL, "DELETE", "/_fake/faults", "")
	wantStatus(t, "ClearFaults", status, 200, body)
	if _, err := client.Jobs.QueueStatus(context.Background()); err != nil {
		t.Fatalf("QueueStatus after ClearFaults: %v", err)
	}
	if srv.FaultsFired() != 1 {
		t.Errorf("FaultsFired = %d, want 1", srv.FaultsFired())
	}

	for _, bad := range []string{`{"kind":"explode"}`, `{"kind":"status","op":"importProducts"}`, `{"kind":"status","nht":1}`, `{"kind":"status","fired":3}`, `{`} {
		status, body = adminCall(t, srv.URL, "POST", "/_fake/faults", bad)
		wantStatus(t, "AddFault "+bad, status, 400, body)
	}
}

func TestAdminSourcesStubsAndReset(t *testing.T) {
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit())
	t.Cleanup(srv.Close)
	status, body := adminCall(t, srv.URL, "POST", "/_fake/sources",
		`{"source_id":"erp","source_name":"ERP","field_mappings":{"Prix":"pricing.list"},"auto_publish_enabled":true}`)
	wantStatus(t, "AddSource", status, 201, body)
	if src := body["source"].(map[string]any); src["source_id"] != "erp" || src["created_at"] == "" {
		t.Errorf("AddSource answer %v", src)
	}
	status, body = adminCall(t, srv.URL, "POST", "/_fake/sources", `{"source_id":"erp"}`)
	wantStatus(t, "AddSource twice", status, 409, body)
	status, body = adminCall(t, srv.URL, "POST", "/_fake/sources", `{"source_name":"no id"}`)
	wantStatus(t, "AddSource without an id", status, 400, body)
	// Refused as the platform's endpoint refuses it.
	status, body = adminCall(t, srv.URL, "POST", "/_fake/sources", `{"source_id":"bad","field_mappings":{"Prix":"pricing..list"}}`)
	wantStatus(t, "AddSource with a mapping to no field", status, 400, body)
	status, body = adminCall(t, srv.URL, "GET", "/_fake/sources", "")
	wantStatus(t, "Sources", status, 200, body)
	if srcs := body["sources"].([]any); len(srcs) != 2 {
		t.Errorf("Sources = %v, want default and erp", srcs)
	}

	client := platformClient(t, srv)
	ctx := context.Background()
	if _, err := client.Products.Import(ctx, "erp", []catalog.Product{{EntityCode: "E-1", Extra: map[string]any{"Prix": 4}}}, nil); err != nil {
		t.Fatal(err)
	}
	if v, ok := srv.Product("E-1"); !ok || v.Data["pricing"] == nil {
		t.Errorf("E-1 = %+v, want the source's mapping applied", v)
	}

	status, body = adminCall(t, srv.URL, "POST", "/_fake/stubs", `{"op":"OpImportAPI","nth":1,"status":500,"code":"DB_DOWN","message":"database unavailable"}`)
	wantStatus(t, "Stub", status, 201, body)
	_, err := client.Products.Import(ctx, "erp", []catalog.Product{{EntityCode: "E-2"}}, nil)
	var apiErr *catalog.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 || apiErr.Code != "DB_DOWN" {
		t.Fatalf("Import under the stub: %v, want 500 DB_DOWN", err)
	}
	status, body = adminCall(t, srv.URL, "POST", "/_fake/stubs", `{"op":"OpQueueStatus","status":200,"body":{"queue_stats":{"waiting":7,"active":0,"completed":0,"failed":0},"pending_jobs":[],"processing_jobs":[]}}`)
	wantStatus(t, "Stub with a body", status, 201, body)
	q, err := client.Jobs.QueueStatus(ctx)
	if err != nil || !q.Live || q.Waiting != 7 {
		t.Fatalf("QueueStatus under the stub: %+v, %v", q, err)
	}
	status, body = adminCall(t, srv.URL, "DELETE", "/_fake/stubs", "")
	wantStatus(t, "ClearStubs", status, 200, body)
	status, body = adminCall(t, srv.URL, "POST", "/_fake/stubs", `{"body":{},"body_text":"x"}`)
	wantStatus(t, "Stub with two bodies", status, 400, body)

	status, body = adminCall(t, srv.URL, "DELETE", "/_fake/requests", "")
	wantStatus(t, "ResetRequests", status, 200, body)
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("Requests() = %d after ResetRequests", n)
	}

	status, body = adminCall(t, srv.URL, "POST", "/_fake/reset", "")
	wantStatus(t, "Reset", status, 200, body)
	if n := len(srv.Products()) + len(srv.Jobs()) + len(srv.Requests()); n != 0 {
		t.Errorf("after Reset: %d products, jobs and requests, want none", n)
	}
	if srcs := srv.Sources(); len(srcs) != 1 || srcs[0].ID != catalogtest.DefaultSourceID {
		t.Errorf("after Reset: sources %+v, want the default only", srcs)
	}
}

func TestAdminScriptJobAndRunNextJob(t *testing.T) {
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit(), catalogtest.WithManualWorker())
	t.Cleanup(srv.Close)
	status, body := adminCall(t, srv.URL, "POST", "/_fake/jobs/run-next", "")
	wantStatus(t, "RunNextJob with nothing queued", status, 409, body)
	status, body = adminCall(t, srv.URL, "POST", "/_fake/job-outcomes", `{"nth":1,"status":"failed","message":"scripted"}`)
	wantStatus(t, "ScriptJob", status, 201, body)
	status, body = adminCall(t, srv.URL, "POST", "/_fake/job-outcomes", `{"status":"done"}`)
	wantStatus(t, "ScriptJob with an unknown status", status, 400, body)
	status, body = adminCall(t, srv.URL, "POST", "/_fake/job-outcomes", `{"job_id":"nope","status":"failed"}`)
	wantStatus(t, "ScriptJob of an unknown job", status, 404, body)

	client := platformClient(t, srv)
	q, err := client.Products.Queue(context.Background(), catalogtest.DefaultSourceID, []catalog.Product{{EntityCode: "Q-1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	status, body = adminCall(t, srv.URL, "POST", "/_fake/jobs/run-next", "")
	wantStatus(t, "RunNextJob", status, 200, body)
	j := body["job"].(map[string]any)
	if j["job_id"] != q.JobID || j["status"] != "failed" {
		t.Fatalf("RunNextJob = %v, want job %s failed", j, q.JobID)
	}
	if errs := j["import_errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["error"] != "scripted" {
		t.Errorf("import_errors = %v", errs)
	}
	if _, ok := srv.Product("Q-1"); ok {
		t.Error("Q-1 stored, though its job failed")
	}
}

func TestAdminUnknownRoute(t *testing.T) {
	srv := catalogtest.NewServer()
	t.Cleanup(srv.Close)
	status, body := adminCall(t, srv.URL, "GET", "/_fake/nothing", "")
	wantStatus(t, "unknown admin path", status, 404, body)
	status, body = adminCall(t, srv.URL, "PUT", "/_fake/products", "")
	wantStatus(t, "unknown admin method", status, 404, body)
}

// Recorded requests come back with their credentials redacted.
func TestAdminRedactsCredentials(t *testing.T) {
	const secret = "sk_admin_redaction_9f3c"
	const token = "tok_admin_redaction_71b2"
	srv := catalogtest.NewServer(catalogtest.WithAPIKey("ak_1", secret), catalogtest.WithBearerToken(token))
	t.Cleanup(srv.Close)
	for _, set := range []func(*http.Request){
		func(r *http.Request) {
			r.Header.Set("x-auth-method", "api-key")
			r.Header.Set("x-api-key-id", "ak_1")
			r.Header.Set("x-api-secret", secret)
		},
		func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) },
	} {
		req, _ := http.NewRequest("GET", srv.URL+"/api/b2b/pim/import/queue", nil)
		set(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	for _, path := range []string{"/_fake/requests", "/_fake/ui"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(raw), secret) || strings.Contains(string(raw), token) {
			t.Errorf("%s shows a credential", path)
		}
		if !strings.Contains(string(raw), "[redacted]") {
			t.Errorf("%s: no [redacted] header in %s", path, raw)
		}
	}
}

// The page is served at /_fake/ui, and at /_fake/ to a browser; html/template
// escapes what suites stored.
func TestAdminPageEscapes(t *testing.T) {
	srv := catalogtest.NewServer()
	t.Cleanup(srv.Close)
	if _, err := srv.SeedProduct(map[string]any{"entity_code": "<script>alert(1)</script>", "name": "Valve & <b>co</b>"}); err != nil {
		t.Fatal(err)
	}
	// The checker of this module's tests routes no path with a trailing
	// slash, so GET /_fake/ is asked of the bare handler, as a standalone
	// fake serves it.
	bare := httptest.NewServer(srv.Handler())
	t.Cleanup(bare.Close)
	for _, c := range []struct{ base, path, accept string }{
		{srv.URL, "/_fake/ui", ""},
		{bare.URL, "/_fake/", "text/html,application/xhtml+xml"},
	} {
		req, _ := http.NewRequest("GET", c.base+c.path, nil)
		if c.accept != "" {
			req.Header.Set("Accept", c.accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page := string(raw)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("%s: %d %s", c.path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if strings.Contains(page, "<script>alert(1)") || strings.Contains(page, "<b>co</b>") {
			t.Errorf("%s: stored text is not escaped", c.path)
		}
		if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s: the escaped entity code is missing", c.path)
		}
	}
	// Without Accept: text/html, GET /_fake/ answers the state as JSON.
	status, body := adminCall(t, bare.URL, "GET", "/_fake/", "")
	wantStatus(t, "GET /_fake/ as JSON", status, 200, body)
	if body["products"] != 1.0 {
		t.Errorf("GET /_fake/ = %v, want 1 product", body)
	}
}

func TestDecodeFaultsAndSources(t *testing.T) {
	faults, err := catalogtest.DecodeFaults([]byte(`[{"kind":"reset_after_apply","op":"OpImportAPI","nth":2},
		{"kind":"FaultDelay","delay_ms":250,"probability":0.5}]`))
	if err != nil {
		t.Fatal(err)
	}
	want := []catalogtest.Fault{
		{Kind: catalogtest.FaultResetAfterApply, Op: catalogtest.OpImportAPI, Nth: 2},
		{Kind: catalogtest.FaultDelay, Delay: 250 * time.Millisecond, Probability: 0.5},
	}
	if len(faults) != 2 || faults[0] != want[0] || faults[1] != want[1] {
		t.Errorf("DecodeFaults = %+v, want %+v", faults, want)
	}
	if one, err := catalogtest.DecodeFaults([]byte(`{"kind":"gateway_after_apply","status":504}`)); err != nil || len(one) != 1 || one[0].Kind != catalogtest.FaultGatewayAfterApply {
		t.Errorf("DecodeFaults of one object = %+v, %v", one, err)
	}
	if _, err := catalogtest.DecodeFaults([]byte(`{"kind":"status","sttus":503}`)); err == nil {
		t.Error("DecodeFaults with a misspelt key: no error")
	}
	srcs, err := catalogtest.DecodeSources([]byte(`{"source_id":"erp","locked_fields":["name"]}`))
	if err != nil || len(srcs) != 1 || srcs[0].ID != "erp" || srcs[0].LockedFields[0] != "name" {
		t.Errorf("DecodeSources = %+v, %v", srcs, err)
	}
	if _, err := catalogtest.DecodeSources([]byte(`[{"source_name":"x"}]`)); err == nil {
		t.Error("DecodeSources without source_id: no error")
	}
}
