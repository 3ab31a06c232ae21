package catalogtest

import (
	"bytes"
	"encoding/json"
	"fmt"
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
//	GET    /_fake/state                  counts of products, jobs, requests, faults fired
//	POST   /_fake/reset                  Reset
//	GET    /_fake/products               Products (current versions)
//	POST   /_fake/products               SeedProduct (the body is the product)
//	GET    /_fake/products/{entityCode}  Product
//	GET    /_fake/products/{entityCode}/versions  Versions
//	GET    /_fake/jobs                   Jobs
//	POST   /_fake/jobs                   SeedJob
//	GET    /_fake/jobs/{jobId}           Job
//	POST   /_fake/jobs/run-next          RunNextJob (WithManualWorker)
//	POST   /_fake/job-outcomes           ScriptJob
//	GET    /_fake/requests               Requests (?last=N for the last N)
//	DELETE /_fake/requests               ResetRequests
//	GET    /_fake/faults                 the active faults and FaultsFired
//	POST   /_fake/faults                 AddFault
//	DELETE /_fake/faults                 ClearFaults
//	GET    /_fake/sources                Sources
//	POST   /_fake/sources                AddSource
//	POST   /_fake/stubs                  Stub
//	DELETE /_fake/stubs                  ClearStubs
//	GET    /_fake/ui                     the read-only page (also GET /_fake/ with Accept: text/html)
//
// Admin requests need no credential, are not recorded (Requests does not
// list them), use no rate quota, and meet no fault or stub. Recorded
// requests come back with their credential headers (x-api-secret,
// Authorization, Cookie) replaced by "[redacted]".
const AdminPrefix = "/_fake/"

// redacted stands for a credential in the admin API's and the page's copy
// of a recorded request.
const redacted = "[redacted]"

// adminOr sends requests under AdminPrefix to the admin API, and the rest to
// platform, the fake platform's own chain (recording, faults, rate limit...).
func (s *Server) adminOr(platform http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_fake/{$}", s.adminIndex)
	mux.HandleFunc("GET /_fake/ui", s.adminPage)
	mux.HandleFunc("GET /_fake/state", s.adminState)
	mux.HandleFunc("POST /_fake/reset", adminDo(s.Reset))
	mux.HandleFunc("GET /_fake/products", s.adminProducts)
	mux.HandleFunc("POST /_fake/products", s.adminSeedProduct)
	mux.HandleFunc("GET /_fake/products/{entityCode}", s.adminProduct)
	mux.HandleFunc("GET /_fake/products/{entityCode}/versions", s.adminVersions)
	mux.HandleFunc("GET /_fake/jobs", s.adminJobs)
	mux.HandleFunc("POST /_fake/jobs", s.adminSeedJob)
	mux.HandleFunc("GET /_fake/jobs/{jobId}", s.adminJob)
	mux.HandleFunc("POST /_fake/jobs/run-next", s.adminRunNextJob)
	mux.HandleFunc("POST /_fake/job-outcomes", s.adminScriptJob)
	mux.HandleFunc("GET /_fake/requests", s.adminRequests)
	mux.HandleFunc("DELETE /_fake/requests", adminDo(s.ResetRequests))
	mux.HandleFunc("GET /_fake/faults", s.adminFaults)
	mux.HandleFunc("POST /_fake/faults", s.adminAddFault)
	mux.HandleFunc("DELETE /_fake/faults", adminDo(s.ClearFaults))
	mux.HandleFunc("GET /_fake/sources", s.adminSources)
	mux.HandleFunc("POST /_fake/sources", s.adminAddSource)
	mux.HandleFunc("POST /_fake/stubs", s.adminStub)
	mux.HandleFunc("DELETE /_fake/stubs", adminDo(s.ClearStubs))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, errorBody{Code: codeNotFound,
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
}

func (s *Server) counts() adminCounts {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := adminCounts{Products: len(s.products), Jobs: len(s.jobOrder), Requests: len(s.requests),
		Sources: len(s.sources), Faults: len(s.faults.active), FaultsFired: s.faults.fired, Stubs: len(s.stubs)}
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
		writeError(w, http.StatusNotFound, errorBody{Code: codeNotFound, Error: fmt.Sprintf("no product %q", code)})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"product": toAdminVersion(v)})
}

func (s *Server) adminVersions(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("entityCode")
	vs := s.Versions(code)
	if len(vs) == 0 {
		writeError(w, http.StatusNotFound, errorBody{Code: codeNotFound, Error: fmt.Sprintf("no product %q", code)})
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
	v, err := s.SeedProduct(p)
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
	reqs := s.lastRequests(last)
	out := make([]adminRequest, len(reqs))
	for i, req := range reqs {
		out[i] = toAdminRequest(req)
	}
	writeJSON(w, http.StatusOK, map[string]any{"requests": out})
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
