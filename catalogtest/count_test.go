package catalogtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/internal/synth"
)

// Count mode says nothing is auto-published, so the servers compared with
// it do not auto-publish either; "erp" maps keys onto and away from the
// identity fields.
var (
	countDefault = catalog.Source{ID: DefaultSourceID, Name: "Default source"}
	countERP     = catalog.Source{ID: "erp", Name: "ERP", FieldMappings: map[string]string{
		"code": "entity_code", "entity_code": "erp_code", "family": "sku.family", "Prix": "pricing.list"}}
)

// twinServers returns a normal server and a count-mode one, alike otherwise.
func twinServers(t *testing.T, opts ...Option) (normal, counting *Server) {
	t.Helper()
	base := append([]Option{WithClock(NewFakeClock(t0)), WithoutRateLimit(),
		WithSource(countDefault), WithSource(countERP)}, opts...)
	return newTestServer(t, base...), newTestServer(t, append(slices.Clone(base), withCountOnly())...)
}

// withoutJobID drops what may differ between two servers for the same
// request: the random job id, wherever it appears.
func withoutJobID(a answer) map[string]any {
	out := make(map[string]any, len(a.body))
	for k, v := range a.body {
		out[k] = v
	}
	if id, ok := out["job_id"].(string); ok {
		out["job_id"] = "<id>"
		if msg, ok := out["message"].(string); ok {
			out["message"] = strings.ReplaceAll(msg, id, "<id>")
		}
	}
	if sum, ok := out["summary"].(map[string]any); ok {
		// Count mode keeps no product, so every successful row counts as
		// inserted there (see countonly.go): the split is not compared.
		sum = maps.Clone(sum)
		delete(sum, "inserted")
		delete(sum, "updated")
		out["summary"] = sum
	}
	return out
}

// mixedRows are product rows of every kind: with an identity, without, not
// objects, and keys that only look like identities; the rows from M-1 on
// are for the "erp" source's mappings.
const mixedRows = `[
	{"entity_code": "A-1", "name": "Valve", "price": 12.50},
	{"sku": "B-2", "price": 3.5},
	{"name": "no identity", "nested": {"entity_code": "X"}},
	{"entity_code": "", "sku": ""},
	{"entity_code": 5, "sku": "C-3"},
	{"entity_code": 5},
	{"entity_code": ["D"], "Entity_Code": "D"},
	"a string", null, [1, 2], 7,
	{"entity_code": "E-5", "entity_code": ""},
	{"entity\u005fcode": "F-6", "media": [{"type": "video", "url": "https:\/\/x"}]},
	{"code": "M-1"},
	{"entity_code": "M-2"},
	{"entity_code": "M-3", "sku": "S-3", "family": "x"},
	{"code": "", "sku": "S-5", "Prix": 4}
]`

func mixedImport(source string) string {
	return `{"source_id": "` + source + `", "merge_mode": "partial", "batch_id": "wk-17",
		"batch_metadata": {"batch_id": "wk-17", "batch_part": 2, "batch_total_parts": 4, "batch_total_items": 8000},
		"channel_metadata": {"b2b": {"tenant_id": "acme"}, "n": 1.50},
		"products": ` + mixedRows + `}`
}

func TestCountOnlyAnswersLikeNormalMode(t *testing.T) {
	for _, source := range []string{DefaultSourceID, "erp"} {
		body := mixedImport(source)
		t.Run(source+"/direct", func(t *testing.T) {
			normal, counting := twinServers(t)
			want := send(t, normal, http.MethodPost, pathImportAPI, body)
			want.wantStatus(t, http.StatusOK, "")
			if failed := want.object(t, "summary")["failed"]; failed == 0.0 {
				t.Error("no row failed; the test rows should make some fail")
			}
			got := send(t, counting, http.MethodPost, pathImportAPI, body)
			if diff := cmp.Diff(withoutJobID(want), withoutJobID(got)); diff != "" {
				t.Errorf("answer (-normal +count):\n%s", diff)
			}
		})
		// On fresh servers: the normal one would find the rows stored above.
		t.Run(source+"/queued", func(t *testing.T) {
			normal, counting := twinServers(t)
			want := send(t, normal, http.MethodPost, pathImportQueue, body)
			want.wantStatus(t, http.StatusAccepted, "")
			got := send(t, counting, http.MethodPost, pathImportQueue, body)
			if diff := cmp.Diff(withoutJobID(want), withoutJobID(got)); diff != "" {
				t.Errorf("answer (-normal +count):\n%s", diff)
			}
			waitJobs(t, normal)
			waitJobs(t, counting)
			wantJob := getJob(t, normal, want.body["job_id"].(string))
			gotJob := getJob(t, counting, got.body["job_id"].(string))
			delete(wantJob, "job_id")
			delete(gotJob, "job_id")
			if diff := cmp.Diff(wantJob, gotJob); diff != "" {
				t.Errorf("job (-normal +count):\n%s", diff)
			}
			wantQueue := send(t, normal, http.MethodGet, pathImportQueue, nil)
			gotQueue := send(t, counting, http.MethodGet, pathImportQueue, nil)
			if diff := cmp.Diff(wantQueue.body, gotQueue.body); diff != "" {
				t.Errorf("queue status (-normal +count):\n%s", diff)
			}
		})
	}
}

// The real client reads count-mode answers as it reads normal ones.
func TestCountOnlyWithClient(t *testing.T) {
	s := newTestServer(t, withCountOnly(), WithoutRateLimit())
	client, err := s.Client()
	if err != nil {
		t.Fatal(err)
	}
	products := make([]catalog.Product, 50)
	for i := range products {
		products[i] = synth.Full(i)
	}
	res, err := client.Products.Import(context.Background(), DefaultSourceID, products, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.Total != 50 || res.Summary.Successful != 50 || res.Summary.SyncBatchesQueued != 1 {
		t.Errorf("summary = %+v, want 50 rows, all successful, 1 search-sync batch", res.Summary)
	}
	q, err := client.Products.Queue(context.Background(), DefaultSourceID, products[:10], nil)
	if err != nil {
		t.Fatal(err)
	}
	job, err := client.Jobs.Wait(context.Background(), q.JobID, &catalog.WaitOptions{MinInterval: time.Millisecond, MaxInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if job.Status != catalog.JobCompleted || job.SuccessfulRows != 10 || job.CreatedRows != 10 {
		t.Errorf("job = %s, %d successful, %d created; want completed, 10, 10", job.Status, job.SuccessfulRows, job.CreatedRows)
	}
	if got := s.rowsReceivedCount(); got != 60 {
		t.Errorf("rowsReceivedCount = %d, want 60", got)
	}
}

func TestCountOnlyStoresNothing(t *testing.T) {
	s := newTestServer(t, withCountOnly(), WithClock(NewFakeClock(t0)), WithoutRateLimit())
	rows := make([]any, 120)
	for i := range rows {
		rows[i] = map[string]any{"entity_code": fmt.Sprintf("SKU-%d", i), "name": "x"}
	}
	a := directImport(t, s, importReq(DefaultSourceID, rows...))
	summary := a.object(t, "summary")
	if summary["successful"] != 120.0 || summary["auto_published"] != 0.0 || summary["sync_batches_queued"] != 3.0 {
		t.Errorf("summary = %v, want 120 successful, 0 auto-published, 3 search-sync batches", summary)
	}
	queueJob(t, s, importReq(DefaultSourceID, rows[:5]...))
	waitJobs(t, s)

	if p := s.Products(); len(p) != 0 {
		t.Errorf("Products() = %d products, want none", len(p))
	}
	if _, ok := s.Product("SKU-1"); ok {
		t.Error("Product(SKU-1) found")
	}
	if v := s.Versions("SKU-1"); v != nil {
		t.Errorf("Versions(SKU-1) = %v, want nil", v)
	}
	if codes := s.SearchSyncEntityCodes(); len(codes) != 0 {
		t.Errorf("SearchSyncEntityCodes() = %d codes, want none", len(codes))
	}
	if n := s.SearchSyncBatches(); n != 4 {
		t.Errorf("SearchSyncBatches() = %d, want 4 (3 + 1)", n)
	}
	reqs := s.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests recorded, want 2", len(reqs))
	}
	for _, r := range reqs {
		if r.Body != nil || r.Method != http.MethodPost || r.Status/100 != 2 || !r.Time.Equal(t0) ||
			r.Header.Get("x-api-key-id") != DefaultAPIKeyID {
			t.Errorf("recorded %s %s: status %d, time %v, %d body bytes, key %q; want POST, 2xx, %v, no body, the key",
				r.Method, r.Path, r.Status, r.Time, len(r.Body), r.Header.Get("x-api-key-id"), t0)
		}
	}
	for _, j := range s.Jobs() {
		if j.CreatedRows != j.SuccessfulRows || j.UpdatedRows != 0 || j.AutoPublished != 0 {
			t.Errorf("job %s: created %d, updated %d, auto-published %d; want created = successful = %d, 0, 0",
				j.ID, j.CreatedRows, j.UpdatedRows, j.AutoPublished, j.SuccessfulRows)
		}
	}
}

// A job keeps its first 100 row errors; the counters count them all.
func TestCountOnlyKeepsFirstRowErrors(t *testing.T) {
	s := newTestServer(t, withCountOnly(), WithoutRateLimit())
	rows := make([]any, 150)
	for i := range rows {
		rows[i] = map[string]any{"name": i}
	}
	rows = append(rows, map[string]any{"sku": "OK"})
	a := directImport(t, s, importReq(DefaultSourceID, rows...))
	if got := a.object(t, "summary")["failed"]; got != 150.0 {
		t.Errorf("failed = %v, want 150", got)
	}
	errs, _ := a.body["errors"].([]any)
	if len(errs) != 100 {
		t.Fatalf("%d errors in the answer, want 100", len(errs))
	}
	want := map[string]any{"row": 99.0, "entity_code": "", "error": "entity_code or sku is required", "raw_data": map[string]any{"name": 99.0}}
	if diff := cmp.Diff(want, errs[99]); diff != "" {
		t.Errorf("errors[99] (-want +got):\n%s", diff)
	}
	job, _ := s.Job(a.body["job_id"].(string))
	if job.Status != catalog.JobCompletedWithErrors || job.FailedRows != 150 || len(job.Errors) != 100 {
		t.Errorf("job = %s, %d failed, %d errors; want completed_with_errors, 150, 100", job.Status, job.FailedRows, len(job.Errors))
	}
}

func TestCountOnlyQueuedJobLifecycle(t *testing.T) {
	const delay = time.Minute
	clock := NewFakeClock(t0)
	s := newTestServer(t, withCountOnly(), WithClock(clock), WithJobDelay(delay))
	good := queueJob(t, s, importReq(DefaultSourceID, map[string]any{"entity_code": "A"}, map[string]any{"sku": "B"}))
	bad := queueJob(t, s, importReq(DefaultSourceID, 1, map[string]any{"name": "no id"}))

	waitTimers(t, clock, 1) // the worker has taken the first job and sleeps
	if st := getJob(t, s, good)["status"]; st != string(catalog.JobProcessing) {
		t.Errorf("first job %v, want processing", st)
	}
	if st := getJob(t, s, bad)["status"]; st != string(catalog.JobPending) {
		t.Errorf("second job %v, want pending", st)
	}
	stats := send(t, s, http.MethodGet, pathImportQueue, nil).object(t, "queue_stats")
	if stats["waiting"] != 1.0 || stats["active"] != 1.0 {
		t.Errorf("queue_stats = %v, want 1 waiting, 1 active", stats)
	}
	clock.Advance(delay)
	waitTimers(t, clock, 1)
	clock.Advance(delay)
	waitJobs(t, s)
	if j := getJob(t, s, good); j["status"] != string(catalog.JobCompleted) || j["successful_rows"] != 2.0 || j["processed_rows"] != 2.0 {
		t.Errorf("first job = %v, want completed with 2 rows", j)
	}
	if j := getJob(t, s, bad); j["status"] != string(catalog.JobFailed) || j["failed_rows"] != 2.0 {
		t.Errorf("second job = %v, want failed with 2 failed rows", j)
	}
}

func TestRowsReceivedAndImportRequests(t *testing.T) {
	for _, mode := range []struct {
		name string
		opts []Option
	}{{"normal", nil}, {"count only", []Option{withCountOnly()}}} {
		t.Run(mode.name, func(t *testing.T) {
			s := newTestServer(t, append(mode.opts, WithoutRateLimit())...)
			one := map[string]any{"entity_code": "A"}
			directImport(t, s, importReq(DefaultSourceID, one, map[string]any{"sku": "B"}, map[string]any{"name": "fails"}))
			queueJob(t, s, importReq(DefaultSourceID, one, one))
			// Refused requests count nothing.
			send(t, s, http.MethodPost, pathImportAPI, importReq(DefaultSourceID)).wantStatus(t, http.StatusBadRequest, codeValidation)
			send(t, s, http.MethodPost, pathImportQueue, importReq("nope", one)).wantStatus(t, http.StatusNotFound, catalog.CodeSourceNotFound)
			send(t, s, http.MethodPost, pathImportAPI, importReq(DefaultSourceID, one), noAuth).wantStatus(t, http.StatusUnauthorized, codeUnauthenticated)
			send(t, s, http.MethodPost, pathImportAPI, `{"products": [`).wantStatus(t, http.StatusBadRequest, codeValidation)
			waitJobs(t, s)
			if got := s.rowsReceivedCount(); got != 5 {
				t.Errorf("rowsReceivedCount = %d, want 5", got)
			}
			if got := s.importRequestCount(); got != 2 {
				t.Errorf("importRequestCount = %d, want 2", got)
			}
		})
	}
}

// countModeBodies are request bodies, good and bad, that count mode must
// answer exactly as the normal mode does.
var countModeBodies = []string{
	``, ` `, `{`, `}`, `{0`, `{"a" 1}`, `{"a": 1 "b": 2}`, `[1 2]`, `tru`, `"abc`,
	`null`, `0`, `"x"`, `true`, `[]`, `[{"entity_code": "A"}]`, `{}`, "\x00\xff",
	`{"source_id": "default", "products": [{} {}]}`,
	`{"source_id": "default"`,
	`{"source_id": "default", "products": [}`,
	`{"source_id": "default", "products": [{"entity_code": "A"},]}`,
	`{"source_id": "default", "products": [{"entity_code": "A"}] `,
	`{"source_id": "default", "products": [{"entity_code": "A"}]} {}`,
	`{"source_id": "default", "products": [{"entity_code": "A"}]} x`,
	`{"source_id": "default", "products": [{"entity_code": "A" "sku": "B"}]}`,
	`{"source_id": "default", "products": [{"entity_code": "A"}], "extra": [1, {"a": [}]}`,
	`{"source_id": 5, "products": [{}]}`,
	`{"source_id": 5, "products": [{}]} trailing`,
	`{"source_id": 5, "products": [{]}`,
	`{"source_id": ["default"], "products": [{}]}`,
	`{"source_id": "default", "products": [{}], "batch_metadata": {"batch_part": "one"}}`,
	`{"source_id": "default", "batch_metadata": [], "products": [{}]}`,
	`{"source_id": "default", "merge_mode": 7, "products": [{}]}`,
	`{"source_id": "default", "merge_mode": "upsert", "products": [{"entity_code": "A"}]}`,
	`{"products": [{"entity_code": "A"}]}`,
	`{"source_id": "default"}`,
	`{"source_id": "default", "products": null}`,
	`{"source_id": "default", "products": {"entity_code": "A"}}`,
	`{"source_id": "default", "products": "A"}`,
	`{"source_id": "default", "products": 12}`,
	`{"source_id": "default", "products": []}`,
	`{"source_id": "default", "products": [1, 2, 3, 4]}`,
	`{"source_id": "nope", "products": [{"entity_code": "A"}]}`,
	`{"products": [{"sku": "late source"}], "source_id": "erp"}`,
	`{"SOURCE_ID": "default", "Products": [{"entity_code": "A"}]}`,
	`{"source_id": "default", "products": [{"entity_code": "A"}], "products": [{"name": "replaced"}]}`,
	`{"source_id": "default", "products": [1e999]}`,
	`{"source_id": "default", "channel_metadata": "anything", "products": [{"entity_code": "Z", "x": "\"}{]["}]}`,
	`{"source_id": "default", "products": [{"entity_code": "\\", "sku": ""}, {"sku": "\\\""}, {"entity_code": "\u00e9"}]}`,
	`{"source_id": "default", "products": [{"entity_code": "A", "name": [1, {"x": null}], "media": "x"}]}`,
	`{"source_id": "default", "products": [{"entity_code": {"a": 1}, "sku": []}, {"entity_code": true}, {"sku": null}]}`,
	`{"source_id": "erp", "products": [{"code": "C"}, {"entity_code": "E"}, {"code": 1, "sku": "S"}, {"sku": "S", "family": "f"}]}`,
	"{\"source_id\": \"default\", \"products\": [{\"entity_code\": \"A\", \"\xff\": 1}, {\"\xffsku\": \"B\"}]}",
}

// sameAnswer fails unless the two servers answer body alike.
func sameAnswer(t *testing.T, normal, counting *Server, path, body string) {
	t.Helper()
	want := send(t, normal, http.MethodPost, path, body)
	got := send(t, counting, http.MethodPost, path, body)
	if want.status != got.status {
		t.Fatalf("POST %s %q: count mode answered %d, normal mode %d:\n%s\n%s", path, body, got.status, want.status, got.raw, want.raw)
	}
	if diff := cmp.Diff(withoutJobID(want), withoutJobID(got)); diff != "" {
		t.Errorf("POST %s %q (-normal +count):\n%s", path, body, diff)
	}
}

func TestCountOnlyRejectsLikeNormalMode(t *testing.T) {
	normal, counting := twinServers(t, WithMaxProducts(3))
	for _, path := range []string{pathImportAPI, pathImportQueue} {
		for _, body := range countModeBodies {
			sameAnswer(t, normal, counting, path, body)
		}
	}
	// The malformed ones were 400s in both modes.
	if a := send(t, counting, http.MethodPost, pathImportAPI, `{"source_id": "default", "products": [{"entity_code": "A"},]}`); a.status != http.StatusBadRequest {
		t.Errorf("trailing comma: status %d, want 400", a.status)
	}
	if got := counting.importRequestCount(); got != normal.importRequestCount() {
		t.Errorf("importRequestCount: count mode %d, normal %d", got, normal.importRequestCount())
	}
}

// An oversized body gets 413 even when it is malformed early: the normal
// mode reads it all before decoding, count mode must read on to know.
func TestCountOnlyBodyLimit(t *testing.T) {
	const limit = 200
	normal, counting := twinServers(t, WithMaxBodyBytes(limit))
	small := `{"source_id": "default", "products": [{"entity_code": "A"}]}`
	atLimit := small[:len(small)-1] + strings.Repeat(" ", limit-len(small)) + "}"
	for _, body := range []string{
		atLimit,
		atLimit + " ",
		`{"source_id": "default", "products": [}` + strings.Repeat(" ", limit),
		`{"source_id": 5, "products": [{}]}` + strings.Repeat(" ", limit),
		`{"products": [{"entity_code": "A"}]}` + strings.Repeat(" ", limit),
		`{"source_id": "default", "products": [{"entity_code": "` + strings.Repeat("A", limit) + `"}]}`,
	} {
		sameAnswer(t, normal, counting, pathImportAPI, body)
	}
	reqs := counting.Requests()
	if last := reqs[len(reqs)-1]; last.Status != http.StatusRequestEntityTooLarge || last.Body != nil {
		t.Errorf("last request recorded with status %d and %d body bytes, want 413 and nil", last.Status, len(last.Body))
	}
}

var byteOffset = regexp.MustCompile(`at byte offset \d+`)

// FuzzCountOnly checks that count mode answers any body as the normal mode
// does. `go test` runs the seeds; `go test -fuzz FuzzCountOnly` explores.
func FuzzCountOnly(f *testing.F) {
	for _, body := range countModeBodies {
		f.Add(body)
	}
	f.Add(mixedImport(DefaultSourceID))
	f.Add(mixedImport("erp"))
	opts := []Option{WithClock(NewFakeClock(t0)), WithoutRateLimit(), WithMaxProducts(20),
		WithSource(countDefault), WithSource(countERP)}
	normal, counting := NewServer(opts...), NewServer(append(opts, withCountOnly())...)
	defer normal.Close()
	defer counting.Close()
	f.Fuzz(func(t *testing.T, body string) {
		serve := func(s *Server) (int, map[string]any) {
			req := httptest.NewRequest(http.MethodPost, pathImportAPI, strings.NewReader(body))
			defaultAuth(req)
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			var m map[string]any // numbers as json.Number: raw data may echo 1e999
			if err := decodeJSON(rec.Body.Bytes(), &m); err != nil {
				t.Fatalf("body %q: answer is not JSON: %s", body, rec.Body)
			}
			m = withoutJobID(answer{body: m})
			// The offset of a syntax error may differ (see withCountOnly).
			if msg, ok := m["error"].(string); ok {
				m["error"] = byteOffset.ReplaceAllString(msg, "at byte offset N")
			}
			return rec.Code, m
		}
		wantStatus, want := serve(normal)
		gotStatus, got := serve(counting)
		if wantStatus != gotStatus {
			t.Fatalf("body %q: count mode %d, normal %d", body, gotStatus, wantStatus)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("body %q (-normal +count):\n%s", body, diff)
		}
	})
}

// A 20 MB import in count mode allocates a small fraction of its size: the
// rows are scanned in the decoder's buffer, never decoded or kept.
func TestCountOnlyAllocatesLittle(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 20 MB body")
	}
	const size = 20 << 20
	var body bytes.Buffer
	body.WriteString(`{"source_id": "default", "products": [`)
	n := 0
	for ; body.Len() < size; n++ {
		if n > 0 {
			body.WriteByte(',')
		}
		p, err := json.Marshal(synth.Full(n))
		if err != nil {
			t.Fatal(err)
		}
		body.Write(p)
	}
	body.WriteString(`]}`)

	s := newTestServer(t, withCountOnly(), WithMaxProducts(n))
	req := httptest.NewRequest(http.MethodPost, pathImportAPI, bytes.NewReader(body.Bytes()))
	defaultAuth(req)
	rec := httptest.NewRecorder()

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s.Handler().ServeHTTP(rec, req)
	runtime.ReadMemStats(&after)

	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if got := s.rowsReceivedCount(); got != int64(n) {
		t.Errorf("rowsReceivedCount = %d, want %d", got, n)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d products, %d bytes: the request allocated %d bytes (%.2f%% of the body)",
		n, body.Len(), alloc, 100*float64(alloc)/float64(body.Len()))
	// The decoder's buffer holds about one row (9 KB); a generous bound
	// that still fails if rows were decoded or the body copied.
	if limit := uint64(body.Len() / 20); alloc > limit {
		t.Errorf("the request allocated %d bytes, want under %d (5%% of the body)", alloc, limit)
	}
}

// BenchmarkCountOnlyImport measures a direct import of 1,000 full products
// (about 9 MB) in count mode, through the handler.
func BenchmarkCountOnlyImport(b *testing.B) {
	var body bytes.Buffer
	body.WriteString(`{"source_id": "default", "products": [`)
	for i := range 1000 {
		if i > 0 {
			body.WriteByte(',')
		}
		p, err := json.Marshal(synth.Full(i))
		if err != nil {
			b.Fatal(err)
		}
		body.Write(p)
	}
	body.WriteString(`]}`)
	s := NewServer(withCountOnly(), WithoutRateLimit())
	defer s.Close()
	b.SetBytes(int64(body.Len()))
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, pathImportAPI, bytes.NewReader(body.Bytes()))
		defaultAuth(req)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

// Count mode reads every request field normal mode reads: an update mask
// the platform refuses gets the same answer.
func TestCountOnlyReadsEveryRequestField(t *testing.T) {
	body := `{"source_id": "default", "update_mask": ["sku"], "products": [{"entity_code": "A-1"}]}`
	normal, counting := twinServers(t)
	want := send(t, normal, http.MethodPost, pathImportAPI, body)
	want.wantStatus(t, http.StatusBadRequest, "")
	got := send(t, counting, http.MethodPost, pathImportAPI, body)
	if diff := cmp.Diff(withoutJobID(want), withoutJobID(got)); diff != "" {
		t.Errorf("answer (-normal +count):\n%s", diff)
	}
}
