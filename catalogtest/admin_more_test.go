package catalogtest_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/api"
	"github.com/pimkit/catalog/catalogtest"
)

// platformCall sends a platform request with the default test API key,
// by hand, as a suite in another language would.
func platformCall(t *testing.T, base, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-auth-method", "api-key")
	req.Header.Set("x-api-key-id", catalogtest.DefaultAPIKeyID)
	req.Header.Set("x-api-secret", catalogtest.DefaultAPISecret)
	return catalogtest.DoJSON(t, req)
}

// queueOne queues an import of one product and returns its job id.
func queueOne(t *testing.T, base, code string) string {
	t.Helper()
	status, body := platformCall(t, base, "POST", "/api/b2b/pim/import/queue",
		`{"source_id":"default","products":[{"entity_code":"`+code+`"}]}`)
	wantStatus(t, "queue import", status, 202, body)
	id, _ := body["job_id"].(string)
	if id == "" {
		t.Fatalf("queue import answered no job_id: %v", body)
	}
	return id
}

func jobStatus(body map[string]any) any {
	j, _ := body["job"].(map[string]any)
	return j["status"]
}

// A suite in any language moves the fake clock and waits for a job over
// HTTP: the job delay holds the job in processing until the clock is
// advanced past it.
func TestAdminClockAndJobWait(t *testing.T) {
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit(), catalogtest.WithClock(catalogtest.NewFakeClock(start)),
		catalogtest.WithJobDelay(5*time.Second))
	t.Cleanup(srv.Close)

	status, body := adminCall(t, srv.URL, "GET", "/_fake/clock", "")
	wantStatus(t, "Clock", status, 200, body)
	if body["fake"] != true || body["now"] != "2026-03-01T09:00:00Z" {
		t.Fatalf("Clock = %v, want the fake clock at its start", body)
	}
	id := queueOne(t, srv.URL, "C-1")
	status, body = adminCall(t, srv.URL, "GET", "/_fake/jobs/"+id+"/wait?status=processing", "")
	wantStatus(t, "WaitJob processing", status, 200, body)
	status, body = adminCall(t, srv.URL, "GET", "/_fake/jobs/"+id+"/wait?timeout_ms=0", "")
	wantStatus(t, "WaitJob before the delay passed", status, 408, body)
	if body["code"] != "TIMEOUT" || !strings.Contains(body["details"].(string), "processing") {
		t.Errorf("timeout answer = %v, want code TIMEOUT naming the status seen", body)
	}

	status, body = adminCall(t, srv.URL, "POST", "/_fake/clock/advance", `{"by_ms":4999}`)
	wantStatus(t, "Advance", status, 200, body)
	if j, _ := srv.Job(id); j.Status != catalog.JobProcessing {
		t.Fatalf("after 4.999 s: job %s, want processing", j.Status)
	}
	status, body = adminCall(t, srv.URL, "POST", "/_fake/clock/advance", `{"by_ms":1}`)
	wantStatus(t, "Advance", status, 200, body)
	if body["now"] != "2026-03-01T09:00:05Z" {
		t.Errorf("clock after advancing 5 s = %v", body["now"])
	}
	status, body = adminCall(t, srv.URL, "GET", "/_fake/jobs/"+id+"/wait?timeout_ms=0", "")
	wantStatus(t, "WaitJob after the delay", status, 200, body)
	if jobStatus(body) != "completed" {
		t.Errorf("job = %v, want completed", body["job"])
	}

	status, body = adminCall(t, srv.URL, "PUT", "/_fake/clock", `{"now":"2026-03-01T08:00:00Z"}`)
	wantStatus(t, "SetClock back", status, 400, body)
	status, body = adminCall(t, srv.URL, "PUT", "/_fake/clock", `{"now":"2026-03-02T00:00:00.5Z"}`)
	wantStatus(t, "SetClock", status, 200, body)
	if got := srv.Requests(); len(got) != 1 {
		t.Fatalf("requests = %d", len(got))
	}
	if body["now"] != "2026-03-02T00:00:00.5Z" {
		t.Errorf("SetClock answered %v", body)
	}
	for _, bad := range []string{`{}`, `{"by_ms":-1}`, `{"by_ms":1,"ms":2}`} {
		status, body = adminCall(t, srv.URL, "POST", "/_fake/clock/advance", bad)
		wantStatus(t, "Advance "+bad, status, 400, body)
	}
	status, body = adminCall(t, srv.URL, "GET", "/_fake/jobs/nope/wait", "")
	wantStatus(t, "WaitJob of no job", status, 404, body)
	status, body = adminCall(t, srv.URL, "GET", "/_fake/jobs/"+id+"/wait?status=done", "")
	wantStatus(t, "WaitJob of an unknown status", status, 400, body)
}

// advance-until-idle runs every delayed job without the suite knowing the
// delays.
func TestAdminAdvanceUntilIdle(t *testing.T) {
	clock := catalogtest.NewFakeClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit(), catalogtest.WithClock(clock),
		catalogtest.WithJobDelay(7*time.Second))
	t.Cleanup(srv.Close)
	ids := []string{queueOne(t, srv.URL, "U-1"), queueOne(t, srv.URL, "U-2")}
	status, body := adminCall(t, srv.URL, "POST", "/_fake/clock/advance-until-idle", "")
	wantStatus(t, "AdvanceUntilIdle", status, 200, body)
	for _, id := range ids {
		if j, _ := srv.Job(id); j.Status != catalog.JobCompleted {
			t.Errorf("job %s is %s, want completed", id, j.Status)
		}
	}
	if body["now"] != "2026-03-01T09:00:14Z" || body["timers"] != 0.0 {
		t.Errorf("clock = %v, want two delays later with no timer left", body)
	}

	// A client on the clock polling a job that never ends sleeps again
	// and again: the clock stops at the limit.
	status, body = adminCall(t, srv.URL, "POST", "/_fake/job-outcomes", `{"nth":1,"status":"pending"}`)
	wantStatus(t, "ScriptJob", status, 201, body)
	stuck := queueOne(t, srv.URL, "U-3")
	client, err := srv.Client(catalog.WithoutRateLimit())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	polled := make(chan error, 1)
	go func() {
		_, err := client.Jobs.Wait(ctx, stuck, nil)
		polled <- err
	}()
	if err := clock.WaitForTimers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	status, body = adminCall(t, srv.URL, "POST", "/_fake/clock/advance-until-idle?limit_ms=60000", "")
	wantStatus(t, "AdvanceUntilIdle with a client polling forever", status, 409, body)
	if body["code"] != "NOT_IDLE" {
		t.Errorf("answer = %v, want code NOT_IDLE", body)
	}
	if now := clock.Now(); !now.Equal(time.Date(2026, 3, 1, 9, 1, 14, 0, time.UTC)) {
		t.Errorf("clock reads %v, want the limit, a minute on", now)
	}
	cancel()
	if err := <-polled; !errors.Is(err, context.Canceled) {
		t.Errorf("Jobs.Wait = %v, want it cancelled", err)
	}
	status, body = adminCall(t, srv.URL, "POST", "/_fake/clock/advance-until-idle?limit_ms=0", "")
	wantStatus(t, "AdvanceUntilIdle with limit 0", status, 400, body)
}

// On the wall clock, the routes that move the clock answer 409.
func TestAdminClockOnTheWallClock(t *testing.T) {
	srv := catalogtest.NewServer()
	t.Cleanup(srv.Close)
	status, body := adminCall(t, srv.URL, "GET", "/_fake/clock", "")
	wantStatus(t, "Clock", status, 200, body)
	if body["fake"] != false {
		t.Errorf("Clock = %v, want fake false", body)
	}
	for _, c := range [][3]string{{"POST", "/_fake/clock/advance", `{"by_ms":1}`}, {"PUT", "/_fake/clock", `{"now":"2030-01-01T00:00:00Z"}`},
		{"POST", "/_fake/clock/advance-until-idle", ""}} {
		status, body = adminCall(t, srv.URL, c[0], c[1], c[2])
		wantStatus(t, c[0]+" "+c[1], status, 409, body)
	}
}

// WaitRequests and WaitIdle block until the condition holds, or answer 408.
func TestAdminWaitRequestsAndIdle(t *testing.T) {
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit(), catalogtest.WithManualWorker())
	t.Cleanup(srv.Close)
	status, body := adminCall(t, srv.URL, "GET", "/_fake/requests/wait?count=1&timeout_ms=0", "")
	wantStatus(t, "WaitRequests before any", status, 408, body)

	type result struct {
		status int
		body   map[string]any
	}
	waited := make(chan result, 1)
	go func() {
		st, b := adminCall(t, srv.URL, "GET", "/_fake/requests/wait?count=1&timeout_ms=60000", "")
		waited <- result{st, b}
	}()
	id := queueOne(t, srv.URL, "W-1")
	r := <-waited
	wantStatus(t, "WaitRequests", r.status, 200, r.body)
	if reqs := r.body["requests"].([]any); len(reqs) != 1 || reqs[0].(map[string]any)["status"] != 202.0 {
		t.Errorf("requests = %v, want the queue import answered 202", reqs)
	}

	status, body = adminCall(t, srv.URL, "GET", "/_fake/wait-idle?timeout_ms=0", "")
	wantStatus(t, "WaitIdle with a job pending", status, 408, body)
	if !strings.Contains(body["details"].(string), id) {
		t.Errorf("timeout details %q do not name the pending job", body["details"])
	}
	status, body = adminCall(t, srv.URL, "POST", "/_fake/jobs/run-next", "")
	wantStatus(t, "RunNextJob", status, 200, body)
	status, body = adminCall(t, srv.URL, "GET", "/_fake/wait-idle?timeout_ms=0", "")
	wantStatus(t, "WaitIdle", status, 200, body)
	if body["jobs"] != 1.0 || body["requests"] != 1.0 {
		t.Errorf("WaitIdle answered %v", body)
	}
	for _, q := range []string{"count=-1", "", "count=1&timeout_ms=x", "count=1&timeout_ms=600001"} {
		status, body = adminCall(t, srv.URL, "GET", "/_fake/requests/wait?"+q, "")
		wantStatus(t, "WaitRequests?"+q, status, 400, body)
	}
}

// A wait does not hold up Close: it answers 503 at once.
func TestAdminWaitEndsOnClose(t *testing.T) {
	srv := catalogtest.NewServer()
	started := make(chan struct{})
	catalogtest.OnAdminWait(srv, func() { close(started) })
	waited := make(chan int, 1)
	go func() {
		resp, err := http.Get(srv.URL + "/_fake/requests/wait?count=1&timeout_ms=600000")
		if err != nil {
			waited <- 0
			return
		}
		resp.Body.Close()
		waited <- resp.StatusCode
	}()
	<-started
	srv.Close()
	if st := <-waited; st != http.StatusServiceUnavailable {
		t.Errorf("wait answered %d on Close, want 503", st)
	}
}

// Every admin route refuses a query parameter it does not take, is in the
// contract with exactly the query parameters it takes, and is in
// AdminPrefix's table.
func TestAdminRoutesRefuseUnknownParamsAndAreDocumented(t *testing.T) {
	srv := catalogtest.NewServer(catalogtest.WithClock(catalogtest.NewFakeClock(time.Unix(0, 0))))
	t.Cleanup(srv.Close)
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(api.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	source, err := os.ReadFile("admin.go")
	if err != nil {
		t.Fatal(err)
	}
	_, table, _ := strings.Cut(string(source), "// AdminPrefix is")
	table, _, _ = strings.Cut(table, "const AdminPrefix")
	routes := catalogtest.AdminRoutes(srv)
	if len(routes) < 38 {
		t.Fatalf("%d admin routes, want at least 38", len(routes))
	}
	for _, rt := range routes {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		if path == "/_fake/{$}" {
			continue // the index: the page or the state, not in the contract
		}
		if !strings.Contains(table, method+strings.Repeat(" ", 7-len(method))+path+" ") {
			t.Errorf("AdminPrefix's table lacks %s %s", method, path)
		}
		item := doc.Paths.Find(path)
		var op *openapi3.Operation
		if item != nil {
			op = item.GetOperation(method)
		}
		if op == nil {
			t.Errorf("api/openapi.yaml lacks %s %s", method, path)
			continue
		}
		var declared []string
		for _, p := range op.Parameters {
			if p.Value.In == "query" {
				declared = append(declared, p.Value.Name)
			}
		}
		if !slices.Equal(slices.Sorted(slices.Values(declared)), slices.Sorted(slices.Values(rt.Params))) {
			t.Errorf("%s: the contract declares query parameters %v, the route takes %v", rt.Pattern, declared, rt.Params)
		}

		concrete := strings.NewReplacer("{entityCode}", "X", "{jobId}", "X", "{categoryId}", "X").Replace(path)
		body := ""
		if method != "GET" && method != "DELETE" {
			body = "{}"
		}
		status, answer := adminCall(t, srv.URL, method, concrete+"?bogus=1", body)
		wantStatus(t, rt.Pattern+"?bogus=1", status, 400, answer)
		if msg, _ := answer["error"].(string); !strings.Contains(msg, `unknown query parameter "bogus"`) {
			t.Errorf("%s?bogus=1: error %q does not name the parameter", rt.Pattern, msg)
		}
	}
}

// SeedVersions, categories, promotions, seeding through a named source,
// the operation names and search sync, over HTTP.
func TestAdminSeedsAndReadsWhatGoDoes(t *testing.T) {
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit(), catalogtest.WithSource(catalog.Source{ID: "erp", Name: "ERP",
		FieldMappings: map[string]string{"Prix": "pricing.list"}, AutoPublishEnabled: catalog.Ptr(false)}))
	t.Cleanup(srv.Close)

	status, body := adminCall(t, srv.URL, "POST", "/_fake/versions",
		`[{"entity_code":"V-1","status":"draft","data":{"name":{"en":"One"}},"created_at":"2025-01-02T03:04:05Z","source":{"source_id":"erp"}},
		  {"entity_code":"V-1","score":80}]`)
	wantStatus(t, "SeedVersions", status, 201, body)
	vs := body["versions"].([]any)
	first, second := vs[0].(map[string]any), vs[1].(map[string]any)
	if first["version"] != 1.0 || first["is_current"] != false || first["status"] != "draft" || first["created_at"] != "2025-01-02T03:04:05.000Z" ||
		second["version"] != 2.0 || second["is_current"] != true || second["status"] != "published" || second["score"] != 80.0 {
		t.Errorf("SeedVersions answered %v", vs)
	}
	if got := srv.Versions("V-1"); len(got) != 2 || got[0].Source.SourceID != "erp" || got[0].Data["sku"] != "V-1" {
		t.Errorf("Versions(V-1) = %+v", got)
	}
	for _, bad := range []string{`{"sku":"no code"}`, `{"entity_code":"V-2","status":"gone"}`, `{"entity_code":"V-2","created_at":"yesterday"}`,
		`{"entity_code":"V-2","colour":"red"}`, `{"entity_code":"V-2","data":[1]}`} {
		status, body = adminCall(t, srv.URL, "POST", "/_fake/versions", bad)
		wantStatus(t, "SeedVersions "+bad, status, 400, body)
	}

	status, body = adminCall(t, srv.URL, "POST", "/_fake/products?source_id=erp", `{"entity_code":"E-1","Prix":12.5}`)
	wantStatus(t, "SeedProduct through erp", status, 201, body)
	p := body["product"].(map[string]any)
	if p["status"] != "draft" || p["source"].(map[string]any)["source_id"] != "erp" || p["data"].(map[string]any)["pricing"] == nil {
		t.Errorf("SeedProduct through erp = %v, want a draft with the mapped price", p)
	}
	status, body = adminCall(t, srv.URL, "POST", "/_fake/products?source_id=nope", `{"entity_code":"E-2"}`)
	wantStatus(t, "SeedProduct through an unknown source", status, 404, body)
	status, body = adminCall(t, srv.URL, "POST", "/_fake/products?sourceid=erp", `{"entity_code":"E-2"}`)
	wantStatus(t, "SeedProduct with a misspelt parameter", status, 400, body)
	if _, ok := srv.Product("E-2"); ok {
		t.Error("E-2 stored, though its request was refused")
	}

	status, body = adminCall(t, srv.URL, "POST", "/_fake/categories", `{"category_id":"pumps","name":"Pumps"}`)
	wantStatus(t, "SeedCategory", status, 201, body)
	status, body = adminCall(t, srv.URL, "POST", "/_fake/categories", `{"category_id":"small","parent_id":"pumps"}`)
	wantStatus(t, "SeedCategory of a child", status, 201, body)
	status, body = adminCall(t, srv.URL, "POST", "/_fake/categories", `{"category_id":"orphan","parent_id":"none"}`)
	wantStatus(t, "SeedCategory with an unknown parent", status, 400, body)
	status, body = adminCall(t, srv.URL, "POST", "/_fake/categories", `{"category_id":"x","nmae":"typo"}`)
	wantStatus(t, "SeedCategory with a misspelt key", status, 400, body)
	status, body = adminCall(t, srv.URL, "GET", "/_fake/categories", "")
	wantStatus(t, "Categories", status, 200, body)
	if cs := body["categories"].([]any); len(cs) != 2 || cs[0].(map[string]any)["category_id"] != "pumps" {
		t.Errorf("Categories = %v", cs)
	}
	status, body = adminCall(t, srv.URL, "GET", "/_fake/categories/small", "")
	wantStatus(t, "Category", status, 200, body)
	if c := body["category"].(map[string]any); c["parent_id"] != "pumps" {
		t.Errorf("Category(small) = %v", c)
	}
	status, body = adminCall(t, srv.URL, "GET", "/_fake/categories/none", "")
	wantStatus(t, "Category of none", status, 404, body)

	status, body = adminCall(t, srv.URL, "POST", "/_fake/promotions", `{"promo_code":"SPRING","promo_row":2,"discount_percentage":15}`)
	wantStatus(t, "SeedPromotion", status, 201, body)
	if pr := body["promotion"].(map[string]any); pr["promo_code"] != "SPRING" || pr["discount_percentage"] != 15.0 {
		t.Errorf("SeedPromotion answered %v", pr)
	}
	status, body = adminCall(t, srv.URL, "POST", "/_fake/promotions", `{"promo_code":"BAD","discount_percentage":150}`)
	wantStatus(t, "SeedPromotion over 100%", status, 400, body)
	status, body = adminCall(t, srv.URL, "GET", "/_fake/promotions", "")
	wantStatus(t, "Promotions", status, 200, body)
	if ps := body["promotions"].([]any); len(ps) != 1 {
		t.Errorf("Promotions = %v", ps)
	}
	if got := srv.Promotions(); len(got) != 1 || got[0].PromoCode == nil || *got[0].PromoCode != "SPRING" {
		t.Errorf("Server.Promotions = %+v", got)
	}

	status, body = adminCall(t, srv.URL, "GET", "/_fake/operations", "")
	wantStatus(t, "Operations", status, 200, body)
	found := false
	for _, o := range body["operations"].([]any) {
		m := o.(map[string]any)
		if m["name"] == "OpImportAPI" && m["operation"] == string(catalogtest.OpImportAPI) {
			found = true
		}
		if _, err := catalogtest.ParseOperation(m["name"].(string)); err != nil {
			t.Errorf("operation %v does not parse: %v", m, err)
		}
	}
	if !found {
		t.Errorf("operations lack OpImportAPI: %v", body["operations"])
	}
	for _, k := range body["fault_kinds"].([]any) {
		if _, err := catalogtest.ParseFaultKind(k.(map[string]any)["kind"].(string)); err != nil {
			t.Errorf("fault kind %v does not parse: %v", k, err)
		}
	}

	platformCall(t, srv.URL, "POST", "/api/b2b/pim/import/api", `{"source_id":"default","products":[{"entity_code":"S-1"}]}`)
	status, body = adminCall(t, srv.URL, "GET", "/_fake/search-sync", "")
	wantStatus(t, "SearchSync", status, 200, body)
	if body["batches"] != 1.0 || len(body["entity_codes"].([]any)) != 1 {
		t.Errorf("SearchSync = %v", body)
	}
	status, body = adminCall(t, srv.URL, "GET", "/_fake/state", "")
	wantStatus(t, "State", status, 200, body)
	if body["categories"] != 2.0 || body["promotions"] != 1.0 || body["search_sync_batches"] != 1.0 {
		t.Errorf("State = %v", body)
	}
}

// The manual worker is switched while the server runs, over HTTP and in Go.
func TestAdminSwitchesTheManualWorker(t *testing.T) {
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit())
	t.Cleanup(srv.Close)
	status, body := adminCall(t, srv.URL, "GET", "/_fake/worker", "")
	wantStatus(t, "Worker", status, 200, body)
	if body["manual"] != false {
		t.Fatalf("Worker = %v, want automatic", body)
	}
	status, body = adminCall(t, srv.URL, "PUT", "/_fake/worker", `{"manual":true}`)
	wantStatus(t, "SetManualWorker", status, 200, body)
	first, second := queueOne(t, srv.URL, "M-1"), queueOne(t, srv.URL, "M-2")
	status, body = adminCall(t, srv.URL, "POST", "/_fake/jobs/run-next", "")
	wantStatus(t, "RunNextJob", status, 200, body)
	if j := body["job"].(map[string]any); j["job_id"] != first || j["status"] != "completed" {
		t.Fatalf("RunNextJob = %v, want %s completed", j, first)
	}
	if j, _ := srv.Job(second); j.Status != catalog.JobPending {
		t.Fatalf("second job is %s with the manual worker on, want pending", j.Status)
	}
	status, body = adminCall(t, srv.URL, "PUT", "/_fake/worker", `{"manual":false}`)
	wantStatus(t, "SetManualWorker off", status, 200, body)
	status, body = adminCall(t, srv.URL, "GET", "/_fake/jobs/"+second+"/wait?timeout_ms=60000", "")
	wantStatus(t, "WaitJob after the switch", status, 200, body)
	if jobStatus(body) != "completed" {
		t.Errorf("second job = %v, want completed by the background worker", body["job"])
	}
	status, body = adminCall(t, srv.URL, "POST", "/_fake/jobs/run-next", "")
	wantStatus(t, "RunNextJob without the manual worker", status, 409, body)
	for _, bad := range []string{`{}`, `{"manual":"yes"}`, `{"manual":true,"x":1}`} {
		status, body = adminCall(t, srv.URL, "PUT", "/_fake/worker", bad)
		wantStatus(t, "SetManualWorker "+bad, status, 400, body)
	}

	srv.SetManualWorker(true)
	queued := queueOne(t, srv.URL, "M-3")
	srv.Reset() // back to the automatic worker the options configured
	if _, ok := srv.Job(queued); ok {
		t.Fatal("Reset kept a job")
	}
	after := queueOne(t, srv.URL, "M-4")
	if j, err := srv.WaitJob(context.Background(), after); err != nil || j.Status != catalog.JobCompleted {
		t.Errorf("after Reset: job %+v, %v; want completed by the background worker", j, err)
	}
}

// SeedProductFrom applies the named source's rules; SeedPromotion stores
// a promotion as its import would.
func TestSeedProductFromAndSeedPromotion(t *testing.T) {
	srv := catalogtest.NewServer(catalogtest.WithSource(catalog.Source{ID: "erp", Name: "ERP",
		FieldMappings: map[string]string{"Prix": "pricing.list"}, RequiredFields: []string{"pricing.list"}, AutoPublishEnabled: catalog.Ptr(true)}))
	t.Cleanup(srv.Close)
	v, err := srv.SeedProductFrom("erp", map[string]any{"entity_code": "F-1", "Prix": 3})
	if err != nil {
		t.Fatal(err)
	}
	if v.Source.SourceID != "erp" || v.Status != catalogtest.StatusPublished || v.Data["pricing"] == nil || v.Data["Prix"] != nil {
		t.Errorf("SeedProductFrom = %+v, want the mapped price, published through erp", v)
	}
	if v, _ := srv.SeedProductFrom("erp", map[string]any{"entity_code": "F-2"}); v.Status != catalogtest.StatusDraft {
		t.Errorf("without its required field: %s, want a draft", v.Status)
	}
	if _, err := srv.SeedProductFrom("nope", map[string]any{"entity_code": "F-3"}); err == nil || !strings.Contains(err.Error(), `no source "nope"`) {
		t.Errorf("SeedProductFrom an unknown source: %v", err)
	}
	if err := srv.SeedPromotion(catalog.Promotion{PromoCode: catalog.Ptr("P"), TargetPkgIDs: []string{"PKG-1"}}); err == nil {
		t.Error("SeedPromotion targeting an unknown packaging: no error")
	}
	if err := srv.SeedPromotion(catalog.Promotion{DiscountPercentage: catalog.Ptr(5.0)}); err == nil {
		t.Error("SeedPromotion without promo_code: no error")
	}
	if err := srv.SeedPromotion(catalog.Promotion{PromoCode: catalog.Ptr("P"), DiscountPercentage: catalog.Ptr(5.0)}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Promotions(); len(got) != 1 || *got[0].DiscountPercentage != 5 {
		t.Errorf("Promotions = %+v", got)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("seeding recorded %d requests", n)
	}
}
