package catalogtest

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/http"
	"sort"
	"time"

	"github.com/pimkit/catalog"
)

// Product statuses a version lands in.
const (
	StatusPublished = "published"
	StatusDraft     = "draft"
)

const maxResponseErrors = 100 // row errors in a direct import's answer

// ProductVersion is one stored version of a product.
type ProductVersion struct {
	EntityCode string // the product's key
	SKU        string // the stored sku (EntityCode when none was sent)
	// Version counts from 1 for each entity code.
	Version int
	// IsCurrent is true for the newest version only.
	IsCurrent bool
	// Status is StatusPublished or StatusDraft. Where auto-publish is on
	// (the product's auto_publish_enabled, else its source's), the
	// completeness score decides it, as seed 004 says; where it is off,
	// the version keeps the status and PublishedAt of the one before (a new
	// product is a draft).
	Status string
	// PublishedAt is set when Status is StatusPublished.
	PublishedAt time.Time
	// Score is the completeness score, 0 to 100.
	Score float64
	// Data is the stored product after mappings, wrapping, merging and
	// locked fields. Numbers are json.Number values holding the exact text
	// that was sent. [ProductVersion.Product] reads it as a catalog.Product;
	// Data also holds the fields that model has no place for.
	Data map[string]any
	// Source says where and when the version came from.
	Source VersionSource
	// JobID is the import job that wrote the version.
	JobID string
	// CreatedAt is when the version was stored, on the server's clock.
	CreatedAt time.Time
}

// VersionSource is the source block stored with each product version.
type VersionSource struct {
	SourceID      string                 // the import source the version came through
	SourceName    string                 // that source's name
	ImportedAt    time.Time              // when the version was stored, on the server's clock
	BatchID       string                 // the request's batch_id
	BatchMetadata *catalog.BatchMetadata // the request's batch_metadata
}

// cloneBatchMetadata copies the batch_metadata an import sent.
func cloneBatchMetadata(b *catalog.BatchMetadata) *catalog.BatchMetadata {
	if b == nil {
		return nil
	}
	c := *b
	return &c
}

// Product returns the current version of the product with this entity code.
func (s *Server) Product(entityCode string) (ProductVersion, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	vs := s.products[entityCode]
	if len(vs) == 0 {
		return ProductVersion{}, false
	}
	return current(vs).version(), true
}

// Products returns the current version of every product, sorted by entity
// code.
func (s *Server) Products() []ProductVersion {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ProductVersion, 0, len(s.products))
	for _, vs := range s.products {
		out = append(out, current(vs).version())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].EntityCode < out[j].EntityCode })
	return out
}

// Versions returns every version of the product with this entity code,
// oldest first, or nil when there is none.
func (s *Server) Versions(entityCode string) []ProductVersion {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ProductVersion
	for i := range s.products[entityCode] {
		out = append(out, s.products[entityCode][i].version())
	}
	return out
}

// Product decodes the stored product (Data) into the client's model, so
// that a test can compare it with what it sent, for example with go-cmp.
// Multilingual fields come back language-keyed, as the server stores them
// ([catalog.Localized]), and SKU is set, falling back to the entity code;
// keys the model does not have come back in Product.Extra.
//
// A multilingual value the server wrapped whole under the default language
// (an object with a language the server is not configured for, or a value
// that is not text) is stored as {"it": <the value as sent>}, which text
// cannot hold: each language's value that is not text comes back as its
// JSON, so {"it": {"it": "Valvola", "pt": "Válvula"}} reads as
// Localized({"it": `{"it":"Valvola","pt":"Válvula"}`}), and a test
// comparing with what it sent sees that the platform did not store the
// Portuguese text as Portuguese. Data keeps the stored shape. Product
// fails when another stored value does not fit the model's type, such as
// a price that is not a number (SeedVersions stores anything).
func (v ProductVersion) Product() (catalog.Product, error) {
	raw, err := json.Marshal(textsAsStored(v.Data))
	if err != nil {
		return catalog.Product{}, fmt.Errorf("catalogtest: product %q version %d: %w", v.EntityCode, v.Version, err)
	}
	var p catalog.Product
	if err := json.Unmarshal(raw, &p); err != nil {
		return catalog.Product{}, fmt.Errorf("catalogtest: product %q version %d does not fit catalog.Product: %w", v.EntityCode, v.Version, err)
	}
	return p, nil
}

// textsAsStored returns data with every multilingual value in a shape
// catalog.Text reads: a language's value that is not a string, and a
// whole value that is neither a string nor an object, become their JSON
// text. data itself is not changed.
func textsAsStored(data map[string]any) map[string]any {
	out := maps.Clone(data)
	for _, field := range multilingualFields {
		switch v := out[field].(type) {
		case nil, string:
		case map[string]any:
			byLang := maps.Clone(v)
			for lang, text := range byLang {
				if _, ok := text.(string); !ok && text != nil {
					byLang[lang] = jsonText(text)
				}
			}
			out[field] = byLang
		default:
			out[field] = jsonText(v)
		}
	}
	return out
}

// jsonText is v's JSON encoding as a string, "<" and "&" left as they
// are; v came from decoded JSON, so it encodes.
func jsonText(v any) string {
	b, err := encodeWire(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// importBody is the JSON body of both import endpoints.
type importBody struct {
	SourceID        string                 `json:"source_id"`
	Products        any                    `json:"products"`
	MergeMode       catalog.MergeMode      `json:"merge_mode"`
	BatchID         string                 `json:"batch_id"`
	BatchMetadata   *catalog.BatchMetadata `json:"batch_metadata"`
	ChannelMetadata any                    `json:"channel_metadata"`
	UpdateMask      []string               `json:"update_mask"`
	UpdateOnly      bool                   `json:"update_only"`
}

// importRequest is a validated import, ready to apply.
type importRequest struct {
	source      catalog.Source
	rows        []any
	file        *fileUpload // for a file upload, instead of rows
	mergeMode   catalog.MergeMode
	batchID     string // as sent, for the debug echo
	batchMeta   *catalog.BatchMetadata
	channelMeta any
	updateMask  []string // selective update: the paths to overwrite or clear
	updateOnly  bool     // never create a product
}

// rowCount is the number of rows the request carries.
func (r *importRequest) rowCount() int { return len(r.rows) }

// effectiveBatchID is the batch id stamped on versions and jobs: the
// top-level batch_id, else the one in batch_metadata.
func (r *importRequest) effectiveBatchID() string {
	if r.batchID == "" && r.batchMeta != nil {
		return r.batchMeta.BatchID
	}
	return r.batchID
}

// parseImport runs the checks after authentication, in order: body limit,
// JSON, request validation, source lookup.
func (s *Server) parseImport(w http.ResponseWriter, r *http.Request) (*importRequest, *apiError) {
	var body importBody
	if e := s.readJSON(w, r, &body); e != nil {
		return nil, e
	}
	rows, _ := body.Products.([]any)
	req, e := s.validateImport(body, productsShape{kind: jsonKind(body.Products), n: len(rows)})
	if e != nil {
		return nil, e
	}
	src, ok := s.source(body.SourceID)
	if !ok {
		return nil, sourceNotFound(body.SourceID)
	}
	req.source, req.rows = src, rows
	return req, nil
}

func sourceNotFound(id string) *apiError {
	e := newAPIError(http.StatusNotFound, catalog.CodeSourceNotFound, "import source %q not found", id)
	e.body.Hint = "create it first with POST " + pathSources
	return e
}

// productsShape is what request validation looks at in the products value.
type productsShape struct {
	kind string // jsonKind of the value; "null" when it is absent too
	n    int    // number of items, when it is an array
}

// validateImport checks the request fields; the rows are left to the caller.
func (s *Server) validateImport(b importBody, products productsShape) (*importRequest, *apiError) {
	if b.SourceID == "" {
		return nil, newAPIError(http.StatusBadRequest, codeValidation, "source_id is required")
	}
	if e := s.validateProducts(products); e != nil {
		return nil, e
	}
	mode := b.MergeMode
	if mode == "" {
		mode = catalog.MergeReplace
	}
	if mode != catalog.MergeReplace && mode != catalog.MergePartial {
		return nil, newAPIError(http.StatusBadRequest, codeValidation,
			"merge_mode must be %q or %q, got %q", catalog.MergeReplace, catalog.MergePartial, b.MergeMode)
	}
	for _, path := range b.UpdateMask {
		if path == "" || !validPath(path) || path == "entity_code" || path == "sku" {
			return nil, newAPIError(http.StatusBadRequest, codeValidation,
				"update_mask entry %q is not a field path (entity_code and sku identify the product and cannot be masked)", path)
		}
	}
	return &importRequest{mergeMode: mode, batchID: b.BatchID,
		batchMeta: b.BatchMetadata, channelMeta: b.ChannelMetadata,
		updateMask: b.UpdateMask, updateOnly: b.UpdateOnly}, nil
}

func (s *Server) validateProducts(p productsShape) *apiError {
	limit := s.cfg.maxProducts
	switch {
	case p.kind == "null":
		return newAPIError(http.StatusBadRequest, codeValidation,
			"products is required: send an array of 1 to %d products", limit)
	case p.kind != "an array":
		return newAPIError(http.StatusBadRequest, codeValidation,
			"products must be an array, got %s", p.kind)
	case p.n == 0:
		return newAPIError(http.StatusBadRequest, codeValidation,
			"products must not be empty: send 1 to %d products", limit)
	case p.n > limit:
		e := newAPIError(http.StatusBadRequest, codeValidation,
			"products has %d items; the limit is %d per request", p.n, limit)
		e.body.Hint = "split the import into several requests, or use the queued import"
		e.body.TechnicalDetails = map[string]any{"limit": limit, "count": p.n}
		return e
	}
	return nil
}

// rowsReceivedCount returns how many product rows the import requests
// answered 2xx (direct and queued) carried so far, each row counted once per
// request, rows that then failed included; replays of an Idempotency-Key
// are not counted.
func (s *Server) rowsReceivedCount() int64 { return s.rowsReceived.Load() }

// importRequestCount returns how many import requests (direct and queued) were
// answered 2xx so far, replays of an Idempotency-Key not counted.
func (s *Server) importRequestCount() int { return int(s.importRequests.Load()) }

// accepted counts an import request about to be answered 2xx; counting
// before answering lets a client that has its answer read the counters.
func (s *Server) accepted(req *importRequest) {
	s.rowsReceived.Add(int64(req.rowCount()))
	s.importRequests.Add(1)
}

// handleDirectImport serves POST /api/b2b/pim/import/api: it applies every
// row before answering.
func (s *Server) handleDirectImport(w http.ResponseWriter, r *http.Request) {
	// The platform checks the import permission on this endpoint only.
	if !hasPermission(r.Context(), PermissionImport) {
		writeError(w, http.StatusForbidden, errorBody{Code: codeForbidden,
			Error: "this credential lacks the '" + PermissionImport + "' permission"})
		return
	}
	req, e := s.parseImport(w, r)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	start := s.cfg.clock.Now()
	js := s.newJob(JobTypeAPIImport, req)
	job, run, batches := s.runImport(js, req)
	elapsed := s.cfg.clock.Now().Sub(start)
	s.accepted(req)
	writeJSON(w, http.StatusOK, directAnswer(req, job, run, batches, elapsed))
}

// directResponse is catalog.ProductImportResult as the platform writes it: its
// debug block (directDebug) sends batch_id as null when the request had
// none, channel_metadata as sent, and the stored source with its batch
// fields; the client no longer reads the debug block.
type directResponse struct {
	Success bool                  `json:"success"`
	JobID   string                `json:"job_id"`
	Summary catalog.ImportSummary `json:"summary"`
	Errors  []catalog.RowError    `json:"errors"`
	Debug   directDebug           `json:"debug"`
	Message string                `json:"message"`
}

type directDebug struct {
	BatchID            *string                `json:"batch_id"`
	BatchMetadata      *catalog.BatchMetadata `json:"batch_metadata"`
	ChannelMetadata    any                    `json:"channel_metadata"`
	FirstProductSource *wireVersionSource     `json:"first_product_source"`
}

type wireVersionSource struct {
	SourceID      string                 `json:"source_id"`
	SourceName    string                 `json:"source_name"`
	ImportedAt    string                 `json:"imported_at"`
	BatchID       string                 `json:"batch_id,omitempty"`
	BatchMetadata *catalog.BatchMetadata `json:"batch_metadata,omitempty"`
}

func directAnswer(req *importRequest, job catalog.Job, run *importRun, batches int, elapsed time.Duration) directResponse {
	errs := job.Errors[:min(len(job.Errors), maxResponseErrors)]
	var batchID *string
	if req.batchID != "" {
		batchID = &req.batchID
	}
	vs := run.source
	return directResponse{
		Success: true,
		JobID:   job.ID,
		Summary: catalog.ImportSummary{Total: job.TotalRows, Successful: job.SuccessfulRows, Failed: job.FailedRows,
			AutoPublished: job.AutoPublished, DurationSeconds: math.Round(elapsed.Seconds()*1000) / 1000,
			SyncBatchesQueued: batches, Inserted: job.CreatedRows, Updated: job.UpdatedRows},
		Errors: nonNil(errs),
		Debug: directDebug{BatchID: batchID, BatchMetadata: req.batchMeta, ChannelMetadata: req.channelMeta,
			FirstProductSource: &wireVersionSource{SourceID: vs.SourceID, SourceName: vs.SourceName,
				ImportedAt: formatTime(vs.ImportedAt), BatchID: vs.BatchID, BatchMetadata: vs.BatchMetadata}},
		Message: fmt.Sprintf("Imported %d of %d products successfully, queued %d search-sync batches",
			job.SuccessfulRows, job.TotalRows, batches),
	}
}

// handleQueueImport serves POST /api/b2b/pim/import/queue: it stores the
// job as pending for the worker and answers 202 at once.
func (s *Server) handleQueueImport(w http.ResponseWriter, r *http.Request) {
	req, e := s.parseImport(w, r)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	js := s.newJob(JobTypeQueueImport, req)
	n := req.rowCount()
	s.enqueue(js, req)
	s.accepted(req)
	writeJSON(w, http.StatusAccepted, queueResponse{
		Success: true, JobID: js.ID, Status: statusQueued,
		Summary: queueSummary{ProductsQueued: n, SourceID: req.source.ID, BatchMetadata: req.batchMeta},
		Message: fmt.Sprintf("Queued %d products for import. Job ID: %s", n, js.ID),
	})
}

// statusQueued is the status of the queue's answer: the job is queued,
// and pending once the worker sees it.
const statusQueued catalog.JobStatus = "queued"

// queueResponse is the queue's answer as the platform writes it: the
// client's QueuedProductImport keeps only what a client reads of it.
type queueResponse struct {
	Success bool              `json:"success"`
	JobID   string            `json:"job_id"`
	Status  catalog.JobStatus `json:"status"`
	Summary queueSummary      `json:"summary"`
	Message string            `json:"message"`
}

type queueSummary struct {
	ProductsQueued int                    `json:"products_queued"`
	SourceID       string                 `json:"source_id"`
	BatchMetadata  *catalog.BatchMetadata `json:"batch_metadata"`
}

// importRun is what every row of one import shares.
type importRun struct {
	req    *importRequest
	jobID  string
	at     time.Time
	source VersionSource
}

// storeVersionLocked appends v as the current version and demotes the
// previous one. Re-sent rows are not deduplicated, as on the platform.
func (s *Server) storeVersionLocked(v ProductVersion) {
	history := s.products[v.EntityCode]
	if n := len(history); n > 0 {
		history[n-1].isCurrent = false
	}
	v.Version = len(history) + 1
	sv := storeForm(v, s.lastOrigin)
	s.lastOrigin = sv.origin
	s.storeSeq++
	sv.seq = s.storeSeq
	s.products[v.EntityCode] = append(history, sv)
	s.logStoredLocked(v.EntityCode, sv.seq)
}

// Paths of the product listing and removal; the wire is the project's
// reading (listProducts and removeProducts in api/openapi.yaml).
const (
	pathProducts       = "/api/b2b/pim/products"
	pathProductsRemove = "/api/b2b/pim/products/remove"
)

// handleListProducts serves GET /api/b2b/pim/products?source_id=...: the
// products whose current version came through that source.
func (s *Server) handleListProducts(w http.ResponseWriter, r *http.Request) {
	sourceID := r.URL.Query().Get("source_id")
	if sourceID == "" {
		writeAPIError(w, newAPIError(http.StatusBadRequest, codeValidation, "source_id is required"))
		return
	}
	page, perPage, e := pageParams(r, defaultPerPage, maxProductsPerPage)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	if _, ok := s.source(sourceID); !ok {
		writeAPIError(w, sourceNotFound(sourceID))
		return
	}
	s.mu.Lock()
	var codes []string
	for code, vs := range s.products {
		if current(vs).origin.source.SourceID == sourceID {
			codes = append(codes, code)
		}
	}
	sort.Strings(codes)
	from, to := pageBounds(len(codes), page, perPage)
	data := make([]map[string]any, 0, to-from)
	for _, code := range codes[from:to] {
		v := current(s.products[code]).meta()
		data = append(data, map[string]any{"entity_code": v.EntityCode, "sku": v.SKU, "source_id": v.Source.SourceID,
			"version": v.Version, "updated_at": formatTime(v.CreatedAt)})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "meta": pageMeta{Page: page, PerPage: perPage, Total: len(codes)}})
}

type removeBody struct {
	SourceID    string `json:"source_id"`
	EntityCodes any    `json:"entity_codes"`
}

// handleRemoveProducts serves POST /api/b2b/pim/products/remove: each code
// of the source is removed with all its versions.
func (s *Server) handleRemoveProducts(w http.ResponseWriter, r *http.Request) {
	var body removeBody
	if e := s.readJSON(w, r, &body); e != nil {
		writeAPIError(w, e)
		return
	}
	codes, _ := body.EntityCodes.([]any)
	switch {
	case body.SourceID == "":
		writeAPIError(w, newAPIError(http.StatusBadRequest, codeValidation, "source_id is required"))
		return
	case len(codes) == 0 || len(codes) > s.cfg.maxProducts:
		writeAPIError(w, newAPIError(http.StatusBadRequest, codeValidation, "entity_codes must be an array of 1 to %d codes", s.cfg.maxProducts))
		return
	}
	if _, ok := s.source(body.SourceID); !ok {
		writeAPIError(w, sourceNotFound(body.SourceID))
		return
	}
	sum := removeSummary{Total: len(codes)}
	errs := []catalog.RowError{}
	fail := func(row int, code string, raw any, msg string) {
		sum.Failed++
		errs = append(errs, catalog.RowError{Row: row, EntityCode: code, Reason: msg, RawData: marshalWire(raw)})
	}
	seen := map[string]int{}
	s.mu.Lock()
	for i, raw := range codes {
		code, _ := raw.(string)
		if first, dup := seen[code]; dup {
			fail(i, code, raw, fmt.Sprintf("%q repeats row %d", code, first))
			continue
		}
		seen[code] = i
		vs := s.products[code]
		switch {
		case code == "":
			fail(i, code, raw, "entity code must be a non-empty string")
		case len(vs) == 0:
			fail(i, code, raw, fmt.Sprintf("product %q not found", code))
		case current(vs).origin.source.SourceID != body.SourceID:
			fail(i, code, raw, fmt.Sprintf("product %q belongs to source %q", code, current(vs).origin.source.SourceID))
		default:
			delete(s.products, code)
			sum.Removed++
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, removeResponse{Success: true, Summary: sum, Errors: errs,
		Message: fmt.Sprintf("Removed %d of %d products", sum.Removed, sum.Total)})
}

// removeResponse is the removal's answer as the platform writes it, with
// its summary nested (the client reads it into a report).
type removeResponse struct {
	Success bool               `json:"success"`
	Summary removeSummary      `json:"summary"`
	Errors  []catalog.RowError `json:"errors"`
	Message string             `json:"message"`
}

type removeSummary struct {
	Total   int `json:"total"`
	Removed int `json:"removed"`
	Failed  int `json:"failed"`
}
