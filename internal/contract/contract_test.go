package contract

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimkit/catalog/internal/fakehook"
)

func validator(t *testing.T) *Validator {
	t.Helper()
	v, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func request(method, path string, body []byte) *http.Request {
	r := httptest.NewRequest(method, "http://127.0.0.1:8080"+path, bytes.NewReader(body))
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	return r
}

func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json"}} }

// sampleAnswer is an answer of the platform to check against the contract;
// want, for an answer the contract must refuse, is what its report names.
type sampleAnswer struct {
	method, path string
	status       int
	body, want   string
}

// wantPass checks that the contract accepts every answer.
func wantPass(t *testing.T, answers []sampleAnswer) {
	t.Helper()
	v := validator(t)
	for _, c := range answers {
		if err := v.CheckResponse(request(c.method, c.path, nil), c.status, jsonHeader(), []byte(c.body)); err != nil {
			t.Errorf("%s %s %d: %v", c.method, c.path, c.status, Describe(err))
		}
	}
}

// wantReported checks that the contract refuses every answer with a
// report naming its want.
func wantReported(t *testing.T, answers []sampleAnswer) {
	t.Helper()
	v := validator(t)
	for _, c := range answers {
		err := v.CheckResponse(request(c.method, c.path, nil), c.status, jsonHeader(), []byte(c.body))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s %d %s: got %v, want a report naming %s", c.method, c.path, c.status, c.body, err, c.want)
		}
	}
}

func testdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Seed 004's examples, kept in testdata, are the contract's first test.
func TestSeedExamplesPass(t *testing.T) {
	v := validator(t)
	for _, c := range []struct {
		method, path, request string
		status                int
		response              string
	}{
		{"POST", "/api/b2b/pim/import/api", "direct_import_request.json", 200, "direct_import_response.json"},
		{"POST", "/api/b2b/pim/import/api", "full_payload.json", 400, "csv_error_response.json"},
		{"POST", "/api/b2b/pim/import/queue", "queue_import_request.json", 202, "queue_import_response.json"},
		{"GET", "/api/b2b/pim/import/queue", "", 200, "queue_status_response.json"},
	} {
		var body []byte
		if c.request != "" {
			body = testdata(t, c.request)
		}
		r := request(c.method, c.path, body)
		if err := v.CheckRequest(r, body); err != nil {
			t.Errorf("%s %s: request %s: %v", c.method, c.path, c.request, Describe(err))
		}
		if err := v.CheckResponse(r, c.status, jsonHeader(), testdata(t, c.response)); err != nil {
			t.Errorf("%s %s: %d %s: %v", c.method, c.path, c.status, c.response, Describe(err))
		}
	}
}

func TestProjectAnswersPass(t *testing.T) {
	wantPass(t, []sampleAnswer{
		{"GET", "/api/b2b/pim/jobs/queue_import_1", 200, `{"job":{"job_id":"queue_import_1","status":"completed_with_errors","total_rows":2,"successful_rows":1,"failed_rows":1,"import_errors":[{"row":1,"entity_code":"B","error":"bad price","raw_data":{"entity_code":"B"}}]}}`, ""},
		{"GET", "/api/b2b/pim/jobs/imp_01", 200, `{"job":{"job_id":"imp_01","status":"completed","total_rows":1250,"processed_rows":1250,"created_rows":980,"updated_rows":265,"error_rows":5}}`, ""},
		{"POST", "/api/b2b/pim/sources", 201, `{"success":true,"source":{"source_id":"erp","field_mappings":{"Prix":"pricing.list"}}}`, ""},
		{"POST", "/api/b2b/pim/import/api", 404, `{"success":false,"error":"import source \"x\" not found","code":"SOURCE_NOT_FOUND"}`, ""},
	})
}

// The contract says where null is allowed with a type beside each
// nullable (the OpenAPI linter's rule): null stays accepted there, and a
// value of another type stays refused.
func TestNullableValuesWithTheirTypes(t *testing.T) {
	direct := `{"summary":{"total":1},"debug":{"batch_metadata":null,"channel_metadata":null,"first_product_source":{"batch_metadata":null}}}`
	queued := `{"job_id":"queue_import_1","summary":{"batch_metadata":null}}`
	analysis := `{"fileName":"a.csv","fileSize":3,"fileType":"csv","totalRows":1,"columns":[],"previewRows":[{"a":null,"b":"x","c":1.5,"d":true}]}`
	wantPass(t, []sampleAnswer{
		{"POST", "/api/b2b/pim/import/api", 200, direct, ""},
		{"POST", "/api/b2b/pim/import/queue", 202, queued, ""},
		{"POST", "/api/b2b/pim/import/analyze", 200, analysis, ""},
	})
	wantReported(t, []sampleAnswer{
		{"POST", "/api/b2b/pim/import/api", 200, `{"summary":{},"debug":{"batch_metadata":"b1"}}`, "batch_metadata"},
		{"POST", "/api/b2b/pim/import/queue", 202, `{"job_id":"queue_import_1","summary":{"batch_metadata":7}}`, "batch_metadata"},
		{"POST", "/api/b2b/pim/import/analyze", 200, `{"fileName":"a.csv","fileSize":3,"fileType":"csv","totalRows":1,"columns":[],"previewRows":[{"a":[1]}]}`, "previewRows"},
	})
}

func TestUnknownMergeModeIsReported(t *testing.T) {
	body := []byte(`{"source_id":"erp","merge_mode":"merge","products":[{"entity_code":"A"}]}`)
	err := validator(t).CheckRequest(request("POST", "/api/b2b/pim/import/api", body), body)
	if err == nil || !strings.Contains(err.Error(), "merge_mode") {
		t.Fatalf("merge_mode \"merge\": got %v, want a report naming merge_mode", err)
	}
}

func TestRequestLimitsAreReported(t *testing.T) {
	v := validator(t)
	for name, body := range map[string]string{
		"no products":    `{"source_id":"erp","products":[]}`,
		"no source_id":   `{"products":[{"entity_code":"A"}]}`,
		"price a string": `{"source_id":"erp","products":[{"entity_code":"A","price":"12"}]}`,
	} {
		if err := v.CheckRequest(request("POST", "/api/b2b/pim/import/queue", []byte(body)), []byte(body)); err == nil {
			t.Errorf("%s: not reported", name)
		}
	}
}

func TestMissingRequiredAnswerFieldIsReported(t *testing.T) {
	wantReported(t, []sampleAnswer{
		{"POST", "/api/b2b/pim/import/queue", 202, `{"success":true,"status":"queued"}`, "job_id"},
		{"POST", "/api/b2b/pim/import/api", 200, `{"success":true,"job_id":"api_import_1"}`, "summary"},
		{"GET", "/api/b2b/pim/jobs/j1", 200, `{"job":{"job_id":"j1"}}`, "status"},
		{"GET", "/api/b2b/pim/jobs/j1", 200, `{"job_id":"j1","status":"pending"}`, "job"},
		{"GET", "/api/b2b/pim/jobs/j1", 200, `{"job":{"job_id":"j1","status":"done"}}`, "status"},
		{"POST", "/api/b2b/pim/import/api", 500, `{"message":"boom"}`, "error"},
	})
}

func TestUndeclaredStatusAndPathAreReported(t *testing.T) {
	v := validator(t)
	// 403 is the direct import's only (seed 004).
	if err := v.CheckResponse(request("POST", "/api/b2b/pim/import/queue", nil), 403, jsonHeader(), []byte(`{"error":"no"}`)); err == nil {
		t.Error("403 on the queued import: not reported")
	}
	err := v.CheckRequest(request("POST", "/api/b2b/pim/import/csv", nil), nil)
	if !errors.Is(err, ErrNoOperation) {
		t.Errorf("unknown path: got %v, want ErrNoOperation", err)
	}
}

// The middleware reports what breaks the contract, leaves the answer as the
// handler gave it, and keeps the request body readable for the handler.
func TestMiddleware(t *testing.T) {
	var reports []error
	var seen []byte
	h := Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, _ = readAll(r)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"success":true,"status":"queued"}`)) // no job_id
	}), func(err error) { reports = append(reports, err) })
	body := []byte(`{"source_id":"erp","merge_mode":"merge","products":[{"entity_code":"A"}]}`)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, request("POST", "/api/b2b/pim/import/queue", body))
	if !bytes.Equal(seen, body) {
		t.Errorf("handler read %q, want the body as sent", seen)
	}
	if rec.Code != http.StatusAccepted || rec.Body.String() != `{"success":true,"status":"queued"}` {
		t.Errorf("answer changed: %d %q", rec.Code, rec.Body)
	}
	var sides []string
	for _, err := range reports {
		var m *Mismatch
		if !errors.As(err, &m) || m.Status != http.StatusAccepted || m.Method != "POST" {
			t.Errorf("report %v: want a *Mismatch for POST ... 202", err)
			continue
		}
		sides = append(sides, m.Side)
	}
	if strings.Join(sides, ",") != "request,response" {
		t.Errorf("reports %v: want the request and the response", reports)
	}
}

func readAll(r *http.Request) ([]byte, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(r.Body)
	return b.Bytes(), err
}

// serve runs one request through the middleware and returns the reports.
func serve(t *testing.T, h http.HandlerFunc, r *http.Request) []error {
	t.Helper()
	var reports []error
	Middleware(h, func(err error) { reports = append(reports, err) }).ServeHTTP(httptest.NewRecorder(), r)
	return reports
}

func answerWith(status int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = readAll(r)
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

func TestMiddlewareExemptions(t *testing.T) {
	good := []byte(`{"source_id":"erp","products":[{"entity_code":"A"}]}`)
	badRow := []byte(`{"source_id":"erp","products":[{"entity_code":"A","price":"x"}]}`)
	queued := `{"success":true,"job_id":"queue_import_1","status":"queued"}`
	sdk := func(r *http.Request) *http.Request { r.Header.Set("User-Agent", sdkAgent+"0.1"); return r }

	fault := func(w http.ResponseWriter, r *http.Request) {
		fakehook.MarkFault(r.Context())
		answerWith(502, "text/html", "<html>bad gateway</html>")(w, r)
	}
	if got := serve(t, fault, request("POST", "/api/b2b/pim/import/queue", good)); len(got) != 0 {
		t.Errorf("injected fault: reported %v", got)
	}
	// A 400 answer exempts its request, not itself.
	got := serve(t, answerWith(400, "application/json", `{"code":"VALIDATION_ERROR"}`),
		request("POST", "/api/b2b/pim/import/queue", []byte(`{"products":7}`)))
	if len(got) != 1 || !strings.Contains(got[0].Error(), "response") {
		t.Errorf("400 with a body lacking error: got %v, want the response reported only", got)
	}
	// A malformed row passes in a hand-made request the fake accepted, not in the SDK's.
	if got := serve(t, answerWith(202, "application/json", queued), request("POST", "/api/b2b/pim/import/queue", badRow)); len(got) != 0 {
		t.Errorf("hand-made malformed row: reported %v", got)
	}
	if got := serve(t, answerWith(202, "application/json", queued), sdk(request("POST", "/api/b2b/pim/import/queue", badRow))); len(got) != 1 {
		t.Errorf("SDK request with a malformed row: got %v, want one report", got)
	}
	// Wrong paths answered 404 are tests of wrong paths; answered 200 the contract lacks them.
	if got := serve(t, answerWith(404, "application/json", `{"error":"no"}`), request("GET", "/api/b2b/pim/nope", nil)); len(got) != 0 {
		t.Errorf("404 on an unknown path: reported %v", got)
	}
	if got := serve(t, answerWith(200, "application/json", `{}`), request("GET", "/api/b2b/pim/nope", nil)); len(got) != 1 {
		t.Errorf("200 on an unknown path: got %v, want one report", got)
	}
}
