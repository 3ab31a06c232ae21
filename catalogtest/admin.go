package catalogtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pimkit/catalog"
)

// AdminPrefix is the path prefix the server reserves for its admin API and
// its read-only page, for suites that drive the fake over HTTP rather than
// through Go methods (a standalone fake: catalogctl fake-server).
//
// The admin API offers the same operations as the Server's methods, under
// the same names (the operationId of each route in api/openapi.yaml), with
// JSON in and out:
//
//	GET    /_fake/state                  counts of products, jobs, requests, faults fired, ...
//	POST   /_fake/reset                  Reset
//	GET    /_fake/products               Products (current versions)
//	POST   /_fake/products               SeedProduct (the body is the product; ?source_id= SeedProductFrom)
//	GET    /_fake/products/{entityCode}  Product
//	GET    /_fake/products/{entityCode}/versions  Versions
//	POST   /_fake/versions               SeedVersions (one version or an array)
//	GET    /_fake/jobs                   Jobs
//	POST   /_fake/jobs                   SeedJob
//	GET    /_fake/jobs/{jobId}           Job
//	GET    /_fake/jobs/{jobId}/wait      WaitJob (?status=a,b; by default until it ended)
//	POST   /_fake/jobs/run-next          RunNextJob (the manual worker)
//	POST   /_fake/job-outcomes           ScriptJob
//	GET    /_fake/worker                 the worker: manual or not, idle, running or sleeping
//	PUT    /_fake/worker                 SetManualWorker ({"manual": true})
//	GET    /_fake/requests               Requests (?last=N for the last N)
//	GET    /_fake/requests/wait          WaitRequests (?count=N)
//	DELETE /_fake/requests               ResetRequests
//	GET    /_fake/wait-idle              until no request is being handled and no job can move (WaitForJobs)
//	GET    /_fake/clock                  the clock: fake or not, now, timers waiting
//	PUT    /_fake/clock                  move a FakeClock forward to {"now": "<RFC 3339>"}
//	POST   /_fake/clock/advance          FakeClock.Advance ({"by_ms": 1500})
//	POST   /_fake/clock/advance-until-idle  FakeClock.AdvanceUntilIdle (?limit_ms=, 24 h unless set)
//	GET    /_fake/faults                 the active faults and FaultsFired
//	POST   /_fake/faults                 AddFault
//	DELETE /_fake/faults                 ClearFaults
//	GET    /_fake/operations             the Op names faults and stubs take, and the fault kinds
//	GET    /_fake/sources                Sources
//	POST   /_fake/sources                AddSource
//	POST   /_fake/stubs                  Stub
//	DELETE /_fake/stubs                  ClearStubs
//	GET    /_fake/categories             Categories
//	POST   /_fake/categories             SeedCategory
//	GET    /_fake/categories/{categoryId}  Category
//	GET    /_fake/promotions             Promotions
//	POST   /_fake/promotions             SeedPromotion
//	GET    /_fake/search-sync            SearchSyncBatches and SearchSyncEntityCodes
//	GET    /_fake/ui                     the read-only page (also GET /_fake/ with Accept: text/html)
//
// A query parameter a route does not take is refused with 400, never
// ignored. The waits (.../wait, wait-idle, advance-until-idle) block until
// their condition holds, or answer 408 (code TIMEOUT) after ?timeout_ms=
// of real time (10,000 unless set). The clock routes need a server on a
// [FakeClock] (catalogctl fake-server --fake-clock) and answer 409 on the
// wall clock, but GET /_fake/clock.
//
// Admin requests need no credential, are not recorded (Requests does not
// list them), use no rate quota, and meet no fault or stub. Recorded
// requests come back with their credential headers (x-api-secret,
// Authorization, Cookie) replaced by "[redacted]".
const AdminPrefix = "/_fake/"

// redacted stands for a credential in the admin API's and the page's copy
// of a recorded request.
const redacted = "[redacted]"

// adminRoute is one route of the admin API: its pattern, the query
// parameters it takes (any other is refused) and its handler.
type adminRoute struct {
	pattern string
	params  []string
	handle  http.HandlerFunc
}

// adminPageParams are the query parameters of the page.
var adminPageParams = []string{"refresh", "per_page", "products_page", "jobs_page", "requests_page", "faults_page", "sources_page"}

// adminRoutes lists the admin API; AdminPrefix's table documents it and
// api/openapi.yaml holds its contract.
func (s *Server) adminRoutes() []adminRoute {
	return []adminRoute{
		{"GET /_fake/{$}", adminPageParams, s.adminIndex},
		{"GET /_fake/ui", adminPageParams, s.adminPage},
		{"GET /_fake/state", nil, s.adminState},
		{"POST /_fake/reset", nil, adminDo(s.Reset)},
		{"GET /_fake/products", nil, s.adminProducts},
		{"POST /_fake/products", []string{"source_id"}, s.adminSeedProduct},
		{"GET /_fake/products/{entityCode}", nil, s.adminProduct},
		{"GET /_fake/products/{entityCode}/versions", nil, s.adminVersions},
		{"POST /_fake/versions", nil, s.adminSeedVersions},
		{"GET /_fake/jobs", nil, s.adminJobs},
		{"POST /_fake/jobs", nil, s.adminSeedJob},
		{"GET /_fake/jobs/{jobId}", nil, s.adminJob},
		{"GET /_fake/jobs/{jobId}/wait", []string{"status", "timeout_ms"}, s.adminWaitJob},
		{"POST /_fake/jobs/run-next", nil, s.adminRunNextJob},
		{"POST /_fake/job-outcomes", nil, s.adminScriptJob},
		{"GET /_fake/worker", nil, s.adminWorker},
		{"PUT /_fake/worker", nil, s.adminSetWorker},
		{"GET /_fake/requests", []string{"last"}, s.adminRequests},
		{"GET /_fake/requests/wait", []string{"count", "timeout_ms"}, s.adminWaitRequests},
		{"DELETE /_fake/requests", nil, adminDo(s.ResetRequests)},
		{"GET /_fake/wait-idle", []string{"timeout_ms"}, s.adminWaitIdle},
		{"GET /_fake/clock", nil, s.adminClock},
		{"PUT /_fake/clock", nil, s.adminSetClock},
		{"POST /_fake/clock/advance", nil, s.adminAdvance},
		{"POST /_fake/clock/advance-until-idle", []string{"limit_ms", "timeout_ms"}, s.adminAdvanceUntilIdle},
		{"GET /_fake/faults", nil, s.adminFaults},
		{"POST /_fake/faults", nil, s.adminAddFault},
		{"DELETE /_fake/faults", nil, adminDo(s.ClearFaults)},
		{"GET /_fake/operations", nil, s.adminOperations},
		{"GET /_fake/sources", nil, s.adminSources},
		{"POST /_fake/sources", nil, s.adminAddSource},
		{"POST /_fake/stubs", nil, s.adminStub},
		{"DELETE /_fake/stubs", nil, adminDo(s.ClearStubs)},
		{"GET /_fake/categories", nil, s.adminCategories},
		{"POST /_fake/categories", nil, s.adminSeedCategory},
		{"GET /_fake/categories/{categoryId}", nil, s.adminCategory},
		{"GET /_fake/promotions", nil, s.adminPromotions},
		{"POST /_fake/promotions", nil, s.adminSeedPromotion},
		{"GET /_fake/search-sync", nil, s.adminSearchSync},
	}
}

// adminOr sends requests under AdminPrefix to the admin API, and the rest to
// platform, the fake platform's own chain (recording, faults, rate limit...).
func (s *Server) adminOr(platform http.Handler) http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.adminRoutes() {
		mux.HandleFunc(rt.pattern, onlyParams(rt.params, rt.handle))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, errorBody{Code: catalog.CodeNotFound,
			Error: fmt.Sprintf("no admin endpoint %s %s", r.Method, r.URL.Path)})
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == strings.TrimSuffix(AdminPrefix, "/") || strings.HasPrefix(r.URL.Path, AdminPrefix) {
			mux.ServeHTTP(w, r)
			return
		}
		platform.ServeHTTP(w, r)
	})
}

// onlyParams refuses a request with a query parameter the route does not
// take, so that a misspelt or unsupported one is never silently ignored.
func onlyParams(params []string, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for _, name := range slices.Sorted(maps.Keys(r.URL.Query())) {
			if slices.Contains(params, name) {
				continue
			}
			takes := "none"
			if len(params) > 0 {
				takes = strings.Join(params, ", ")
			}
			writeError(w, http.StatusBadRequest, errorBody{Code: codeValidation,
				Error: fmt.Sprintf("unknown query parameter %q for %s %s (it takes: %s)", name, r.Method, r.URL.Path, takes)})
			return
		}
		next(w, r)
	}
}

// adminIndex serves GET /_fake/: the page for a browser, the state
// otherwise.
func (s *Server) adminIndex(w http.ResponseWriter, r *http.Request) {
	if strings.Contains(r.Header.Get("Accept"), "text/html") {
		s.adminPage(w, r)
		return
	}
	s.adminState(w, r)
}

// adminCounts is the answer of GET /_fake/state.
type adminCounts struct {
	Products    int `json:"products"`
	Versions    int `json:"versions"`
	Jobs        int `json:"jobs"`
	Requests    int `json:"requests"`
	Sources     int `json:"sources"`
	Faults      int `json:"faults"` // active
	FaultsFired int `json:"faults_fired"`
	Stubs       int `json:"stubs"`
	Categories  int `json:"categories"`
	Promotions  int `json:"promotions"`
	Replays     int `json:"idempotent_replays"`
	SyncBatches int `json:"search_sync_batches"`
}

func (s *Server) counts() adminCounts {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := adminCounts{Products: len(s.products), Jobs: len(s.jobOrder), Requests: len(s.requests),
		Sources: len(s.sources), Faults: len(s.faults.active), FaultsFired: s.faults.fired, Stubs: len(s.stubs),
		Categories: len(s.categories), Promotions: len(s.promotions), Replays: s.replays, SyncBatches: s.syncBatches}
	for _, vs := range s.products {
		c.Versions += len(vs)
	}
	return c
}

// adminDo serves an admin request that does one thing and answers
// {"success": true}.
func adminDo(action func()) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		action()
		writeSuccess(w, http.StatusOK)
	}
}

// writeSuccess answers {"success": true} with status.
func writeSuccess(w http.ResponseWriter, status int) {
	writeJSON(w, status, map[string]any{"success": true})
}

func (s *Server) adminState(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.counts())
}

// adminVersion is a ProductVersion in the admin API's JSON.
type adminVersion struct {
	EntityCode  string            `json:"entity_code"`
	SKU         string            `json:"sku"`
	Version     int               `json:"version"`
	IsCurrent   bool              `json:"is_current"`
	Status      string            `json:"status"`
	PublishedAt string            `json:"published_at,omitempty"`
	Score       float64           `json:"score"`
	Data        map[string]any    `json:"data"`
	Source      wireVersionSource `json:"source"`
	JobID       string            `json:"job_id,omitempty"`
	CreatedAt   string            `json:"created_at"`
}

func toAdminVersion(v ProductVersion) adminVersion {
	data := v.Data
	if data == nil {
		data = map[string]any{}
	}
	return adminVersion{EntityCode: v.EntityCode, SKU: v.SKU, Version: v.Version, IsCurrent: v.IsCurrent,
		Status: v.Status, PublishedAt: formatTime(v.PublishedAt), Score: v.Score, Data: data,
		Source: wireVersionSource{SourceID: v.Source.SourceID, SourceName: v.Source.SourceName,
			ImportedAt: formatTime(v.Source.ImportedAt), BatchID: v.Source.BatchID, BatchMetadata: v.Source.BatchMetadata},
		JobID: v.JobID, CreatedAt: formatTime(v.CreatedAt)}
}

func toAdminVersions(vs []ProductVersion) []adminVersion {
	out := make([]adminVersion, len(vs))
	for i, v := range vs {
		out[i] = toAdminVersion(v)
	}
	return out
}

func (s *Server) adminProducts(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"products": toAdminVersions(s.Products())})
}

func (s *Server) adminProduct(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("entityCode")
	v, ok := s.Product(code)
	if !ok {
		writeError(w, http.StatusNotFound, errorBody{Code: catalog.CodeNotFound, Error: fmt.Sprintf("no product %q", code)})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"product": toAdminVersion(v)})
}

func (s *Server) adminVersions(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("entityCode")
	vs := s.Versions(code)
	if len(vs) == 0 {
		writeError(w, http.StatusNotFound, errorBody{Code: catalog.CodeNotFound, Error: fmt.Sprintf("no product %q", code)})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"versions": toAdminVersions(vs)})
}

func (s *Server) adminSeedProduct(w http.ResponseWriter, r *http.Request) {
	body, e := s.readBody(w, r)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	var p map[string]any
	if err := decodeJSON(body, &p); err != nil || p == nil {
		writeError(w, http.StatusBadRequest, errorBody{Code: codeValidation, Error: "SeedProduct: the body must be a JSON object, the product"})
		return
	}
	src := DefaultSourceID
	if r.URL.Query().Has("source_id") {
		src = r.URL.Query().Get("source_id")
		if _, ok := s.source(src); !ok {
			writeAPIError(w, sourceNotFound(src))
			return
		}
	}
	v, err := s.SeedProductFrom(src, p)
	if err != nil {
		writeError(w, http.StatusBadRequest, errorBody{Code: codeValidation, Error: err.Error()})
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"product": toAdminVersion(v)})
}

func (s *Server) adminJobs(w http.ResponseWriter, _ *http.Request) {
	jobs := s.Jobs()
	out := make([]wireJob, len(jobs))
	for i, j := range jobs {
		out[i] = toWireJob(j, JobCountersDefault)
	}
	writeJSON(w, http.StatusOK, map[string]any{"jobs": out})
}

func (s *Server) adminJob(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("jobId")
	j, ok := s.Job(id)
	if !ok {
		writeError(w, http.StatusNotFound, errorBody{Code: codeJobNotFound, Error: fmt.Sprintf("job %q not found", id)})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"job": toWireJob(j, JobCountersDefault)})
}

func (s *Server) adminSeedJob(w http.ResponseWriter, r *http.Request) {
	// The body is a catalog.Job in its JSON, the wire's names.
	var in catalog.Job
	if e := s.adminDecode(w, r, &in); e != nil {
		writeAPIError(w, e)
		return
	}
	j, err := s.SeedJob(in)
	if err != nil {
		writeError(w, http.StatusBadRequest, errorBody{Code: codeValidation, Error: err.Error()})
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"job": toWireJob(j, JobCountersDefault)})
}

func (s *Server) adminRunNextJob(w http.ResponseWriter, _ *http.Request) {
	j, err := s.RunNextJob()
	if err != nil {
		writeError(w, http.StatusConflict, errorBody{Code: codeConflict, Error: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"job": toWireJob(j, JobCountersDefault)})
}

// adminOutcome is a JobOutcome in the admin API's JSON, field for field.
type adminOutcome struct {
	JobID    string            `json:"job_id"`
	Nth      int               `json:"nth"`
	Status   catalog.JobStatus `json:"status"`
	FailRows []int             `json:"fail_rows"`
	Message  string            `json:"message"`
}

func (s *Server) adminScriptJob(w http.ResponseWriter, r *http.Request) {
	var in adminOutcome
	if e := s.adminDecode(w, r, &in); e != nil {
		writeAPIError(w, e)
		return
	}
	err := s.ScriptJob(JobOutcome(in))
	if err != nil {
		status, code := http.StatusBadRequest, codeValidation
		if in.JobID != "" && (ended(in.Status) || in.Status == catalog.JobPending || in.Status == catalog.JobProcessing) {
			status, code = http.StatusNotFound, codeJobNotFound
		}
		writeError(w, status, errorBody{Code: code, Error: err.Error()})
		return
	}
	writeSuccess(w, http.StatusCreated)
}

// adminRequest is a recorded Request in the admin API's JSON.
type adminRequest struct {
	ID      string              `json:"id"`
	Method  string              `json:"method"`
	Path    string              `json:"path"`
	Status  int                 `json:"status"`
	Time    string              `json:"time"`
	Fault   string              `json:"fault,omitempty"` // the FaultKind's name
	Stubbed bool                `json:"stubbed"`
	Header  map[string][]string `json:"header"`
	Body    string              `json:"body"`
}

// credentialHeaders are the request headers that carry a credential.
var credentialHeaders = []string{"X-Api-Secret", "Authorization", "Cookie"}

// redactHeader returns a copy of h with its credentials replaced.
func redactHeader(h http.Header) http.Header {
	h = h.Clone()
	if h == nil {
		h = http.Header{}
	}
	for _, k := range credentialHeaders {
		if _, ok := h[k]; ok {
			h[k] = []string{redacted}
		}
	}
	return h
}

func toAdminRequest(r Request) adminRequest {
	out := adminRequest{ID: r.ID, Method: r.Method, Path: r.Path, Status: r.Status, Time: formatTime(r.Time),
		Stubbed: r.Stubbed, Header: redactHeader(r.Header), Body: string(r.Body)}
	if r.Fault != 0 {
		out.Fault = r.Fault.String()
	}
	return out
}

// lastRequests returns the last n recorded requests (all when n <= 0).
func (s *Server) lastRequests(n int) []Request {
	reqs := s.Requests()
	if n > 0 && len(reqs) > n {
		reqs = reqs[len(reqs)-n:]
	}
	return reqs
}

func (s *Server) adminRequests(w http.ResponseWriter, r *http.Request) {
	last := 0
	if q := r.URL.Query().Get("last"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, errorBody{Code: codeValidation, Error: "last must be a whole number, 0 or more"})
			return
		}
		last = n
	}
	writeJSON(w, http.StatusOK, map[string]any{"requests": toAdminRequests(s.lastRequests(last))})
}

func toAdminRequests(reqs []Request) []adminRequest {
	out := make([]adminRequest, len(reqs))
	for i, req := range reqs {
		out[i] = toAdminRequest(req)
	}
	return out
}

// adminFault is a Fault in the admin API's JSON; see DecodeFaults.
type adminFault struct {
	Kind         string  `json:"kind"`
	Op           string  `json:"op,omitempty"`
	Nth          int     `json:"nth,omitempty"`
	Probability  float64 `json:"probability,omitempty"`
	Times        int     `json:"times,omitempty"`
	Status       int     `json:"status,omitempty"`
	RetryAfterMS int64   `json:"retry_after_ms,omitempty"`
	DelayMS      int64   `json:"delay_ms,omitempty"`
	// Answers only: the fault's count of matching requests and firings.
	Seen  *int `json:"seen,omitempty"`
	Fired *int `json:"fired,omitempty"`
}

// opNames are the Operation constants by name, for the admin API's JSON.
var opNames = map[string]Operation{
	"OpCreateSource": OpCreateSource, "OpImportAPI": OpImportAPI, "OpImportQueue": OpImportQueue,
	"OpQueueStatus": OpQueueStatus, "OpGetJob": OpGetJob, "OpImportCategories": OpImportCategories,
	"OpListCategories": OpListCategories, "OpImportPromotions": OpImportPromotions,
	"OpListProducts": OpListProducts, "OpRemoveProducts": OpRemoveProducts,
	"OpAnalyzeFile": OpAnalyzeFile, "OpUploadFile": OpUploadFile, "OpListJobErrors": OpListJobErrors,
}

// ParseOperation reads an Operation as the admin API takes it: the name of
// one of the Op constants ("OpImportAPI") or the operation itself ("POST
// /api/b2b/pim/import/api"); "" is every operation.
func ParseOperation(name string) (Operation, error) {
	if name == "" {
		return "", nil
	}
	if op, ok := opNames[name]; ok {
		return op, nil
	}
	method, path, ok := strings.Cut(name, " ")
	if !ok || method == "" || method != strings.ToUpper(method) || !strings.HasPrefix(path, "/") {
		return "", fmt.Errorf("catalogtest: %q is not an operation: give an Op constant's name, such as OpImportAPI, or \"METHOD /path\"", name)
	}
	return Operation(name), nil
}

// ParseFaultKind reads a FaultKind by its constant's name ("FaultStatus")
// or that name without "Fault" in snake case ("status", "reset_after_apply").
func ParseFaultKind(name string) (FaultKind, error) {
	for k := FaultStatus; k.valid(); k++ {
		long := k.String()
		if name == long || name == snakeCase(strings.TrimPrefix(long, "Fault")) {
			return k, nil
		}
	}
	return 0, fmt.Errorf("catalogtest: %q is not a fault kind (status, delay, reset_before_apply, reset_after_apply, truncated_json, html, trickle, gateway_after_apply)", name)
}

func snakeCase(s string) string {
	var b strings.Builder
	for i, c := range s {
		if c >= 'A' && c <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			c += 'a' - 'A'
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (a adminFault) fault() (Fault, error) {
	kind, err := ParseFaultKind(a.Kind)
	if err != nil {
		return Fault{}, err
	}
	op, err := ParseOperation(a.Op)
	if err != nil {
		return Fault{}, err
	}
	return Fault{Kind: kind, Op: op, Nth: a.Nth, Probability: a.Probability, Times: a.Times, Status: a.Status,
		RetryAfter: time.Duration(a.RetryAfterMS) * time.Millisecond, Delay: time.Duration(a.DelayMS) * time.Millisecond}, nil
}

func toAdminFault(f *faultState) adminFault {
	seen, fired := f.seen, f.fired
	return adminFault{Kind: f.Kind.String(), Op: string(f.Op), Nth: f.Nth, Probability: f.Probability,
		Times: f.Times, Status: f.Status, RetryAfterMS: f.RetryAfter.Milliseconds(), DelayMS: f.Delay.Milliseconds(),
		Seen: &seen, Fired: &fired}
}

// DecodeFaults reads faults in the admin API's JSON: one object or an
// array of them, each with "kind" (ParseFaultKind), and optionally "op"
// (ParseOperation), "nth", "probability", "times", "status",
// "retry_after_ms" and "delay_ms", as in Fault. Unknown keys are refused.
func DecodeFaults(data []byte) ([]Fault, error) {
	var list []adminFault
	if err := decodeOneOrMany(data, &list); err != nil {
		return nil, fmt.Errorf("catalogtest: faults: %w", err)
	}
	out := make([]Fault, len(list))
	for i, a := range list {
		f, err := a.fault()
		if err != nil {
			return nil, fmt.Errorf("fault %d: %w", i, err)
		}
		out[i] = f
	}
	return out, nil
}

// DecodeSources reads import sources in the JSON of POST
// /api/b2b/pim/sources: one object or an array of them, with "source_id"
// (required), "source_name", "field_mappings", "locked_fields",
// "auto_publish_enabled", "min_score_threshold" and "required_fields".
// Unknown keys are refused.
func DecodeSources(data []byte) ([]catalog.Source, error) {
	var list []wireSource
	if err := decodeOneOrMany(data, &list); err != nil {
		return nil, fmt.Errorf("catalogtest: sources: %w", err)
	}
	out := make([]catalog.Source, len(list))
	for i, w := range list {
		if w.SourceID == "" {
			return nil, fmt.Errorf("catalogtest: source %d has no source_id", i)
		}
		out[i] = w.source()
	}
	return out, nil
}

// decodeOneOrMany decodes a JSON object, or an array of objects, into
// *list, refusing unknown keys.
func decodeOneOrMany[T any](data []byte, list *[]T) error {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		return strictJSON(trimmed, list)
	}
	var one T
	if err := strictJSON(trimmed, &one); err != nil {
		return err
	}
	*list = []T{one}
	return nil
}

// adminDecode reads an admin request's JSON body into v, refusing unknown
// keys, so that a misspelt field is not silently dropped.
func (s *Server) adminDecode(w http.ResponseWriter, r *http.Request, v any) *apiError {
	return s.decodeBody(w, r, v, strictJSON)
}

// activeFaults returns the active faults with their counts, and how many
// times any fault fired.
func (s *Server) activeFaults() ([]adminFault, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]adminFault, len(s.faults.active))
	for i, f := range s.faults.active {
		out[i] = toAdminFault(f)
	}
	return out, s.faults.fired
}

func (s *Server) adminFaults(w http.ResponseWriter, _ *http.Request) {
	faults, fired := s.activeFaults()
	writeJSON(w, http.StatusOK, map[string]any{"faults": faults, "fired": fired})
}

func (s *Server) adminAddFault(w http.ResponseWriter, r *http.Request) {
	var in adminFault
	if e := s.adminDecode(w, r, &in); e != nil {
		writeAPIError(w, e)
		return
	}
	if in.Seen != nil || in.Fired != nil {
		writeError(w, http.StatusBadRequest, errorBody{Code: codeValidation, Error: "AddFault: seen and fired are counts the server keeps"})
		return
	}
	f, err := in.fault()
	if err != nil {
		writeError(w, http.StatusBadRequest, errorBody{Code: codeValidation, Error: err.Error()})
		return
	}
	s.AddFault(f)
	writeSuccess(w, http.StatusCreated)
}

func (s *Server) adminSources(w http.ResponseWriter, _ *http.Request) {
	srcs := s.Sources()
	out := make([]wireSource, len(srcs))
	for i, src := range srcs {
		out[i] = toWireSource(src)
	}
	writeJSON(w, http.StatusOK, map[string]any{"sources": out})
}

func (s *Server) adminAddSource(w http.ResponseWriter, r *http.Request) {
	var in wireSource
	if e := s.adminDecode(w, r, &in); e != nil {
		writeAPIError(w, e)
		return
	}
	if err := s.AddSource(in.source()); err != nil {
		writeAPIError(w, sourceError(err, in.SourceID))
		return
	}
	src, _ := s.source(in.SourceID)
	writeJSON(w, http.StatusCreated, map[string]any{"source": toWireSource(src)})
}

// adminStubBody is a Stub in the admin API's JSON. Body is sent as the
// JSON it is; BodyText, for an answer that is not JSON, as text.
type adminStubBody struct {
	Op       string            `json:"op"`
	Nth      int               `json:"nth"`
	Times    int               `json:"times"`
	Status   int               `json:"status"`
	Code     catalog.ErrorCode `json:"code"`
	Message  string            `json:"message"`
	Body     json.RawMessage   `json:"body"`
	BodyText *string           `json:"body_text"`
	Header   map[string]string `json:"header"`
}

func (s *Server) adminStub(w http.ResponseWriter, r *http.Request) {
	var in adminStubBody
	if e := s.adminDecode(w, r, &in); e != nil {
		writeAPIError(w, e)
		return
	}
	op, err := ParseOperation(in.Op)
	if err != nil {
		writeError(w, http.StatusBadRequest, errorBody{Code: codeValidation, Error: err.Error()})
		return
	}
	if in.Body != nil && in.BodyText != nil {
		writeError(w, http.StatusBadRequest, errorBody{Code: codeValidation, Error: "Stub: give body or body_text, not both"})
		return
	}
	st := Stub{Op: op, Nth: in.Nth, Times: in.Times, Status: in.Status, Code: in.Code, Message: in.Message}
	switch {
	case in.BodyText != nil:
		st.Body = *in.BodyText
	case in.Body != nil && !bytes.Equal(bytes.TrimSpace(in.Body), []byte("null")):
		st.Body = slices.Clone(in.Body)
	}
	if len(in.Header) > 0 {
		st.Header = http.Header{}
		for k, v := range in.Header {
			st.Header.Set(k, v)
		}
	}
	s.Stub(st)
	writeSuccess(w, http.StatusCreated)
}
