package catalogtest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// Product statuses a version lands in.
const (
	StatusPublished = "published"
	StatusDraft     = "draft"
)

// Merge modes of an import.
const (
	MergeReplace = "replace"
	MergePartial = "partial"
)

const (
	defaultScoreThreshold = 80
	maxResponseErrors     = 100 // row errors in a direct import's answer
	syncBatchSize         = 50  // products per search-sync batch
)

// multilingualFields are wrapped as {<default language>: value} unless they
// are already language-keyed.
var multilingualFields = []string{"name", "slug", "description", "short_description",
	"long_description", "meta_title", "meta_description", "product_status_description"}

// publishFlags are re-applied from the previous version in replace mode when
// the incoming product omits them.
var publishFlags = []string{"auto_publish_enabled", "min_score_threshold", "required_fields"}

// ProductVersion is one stored version of a product.
type ProductVersion struct {
	EntityCode string
	SKU        string
	// Version counts from 1 for each entity code.
	Version int
	// IsCurrent is true for the newest version only.
	IsCurrent bool
	// Status is StatusPublished or StatusDraft.
	Status string
	// PublishedAt is set when Status is StatusPublished.
	PublishedAt time.Time
	// Score is the completeness score, 0 to 100.
	Score float64
	// Data is the stored product after mappings, wrapping, merging and
	// locked fields. Numbers are json.Number values holding the exact text
	// that was sent.
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
	SourceID      string
	SourceName    string
	ImportedAt    time.Time
	BatchID       string
	BatchMetadata *BatchMetadata
}

// BatchMetadata describes one part of a multi-request import, as sent in an
// import's batch_metadata.
type BatchMetadata struct {
	BatchID         string `json:"batch_id,omitempty"`
	BatchPart       int    `json:"batch_part,omitempty"`
	BatchTotalParts int    `json:"batch_total_parts,omitempty"`
	BatchTotalItems int    `json:"batch_total_items,omitempty"`
}

func (b *BatchMetadata) clone() *BatchMetadata {
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
	return vs[len(vs)-1].clone(), true
}

// Products returns the current version of every product, sorted by entity
// code.
func (s *Server) Products() []ProductVersion {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ProductVersion, 0, len(s.products))
	for _, vs := range s.products {
		out = append(out, vs[len(vs)-1].clone())
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
	for _, v := range s.products[entityCode] {
		out = append(out, v.clone())
	}
	return out
}

func (v ProductVersion) clone() ProductVersion {
	v.Data = deepCopyMap(v.Data)
	v.Source.BatchMetadata = v.Source.BatchMetadata.clone()
	return v
}

// SearchSyncBatches returns how many search-sync batches imports have
// queued so far.
func (s *Server) SearchSyncBatches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.syncBatches
}

// SearchSyncEntityCodes returns the entity codes queued for search sync, in
// the order they were queued; a product imported twice appears twice.
func (s *Server) SearchSyncEntityCodes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.syncCodes)
}

// importBody is the JSON body of both import endpoints.
type importBody struct {
	SourceID        string         `json:"source_id"`
	Products        any            `json:"products"`
	MergeMode       string         `json:"merge_mode"`
	BatchID         string         `json:"batch_id"`
	BatchMetadata   *BatchMetadata `json:"batch_metadata"`
	ChannelMetadata any            `json:"channel_metadata"`
}

// importRequest is a validated import, ready to apply.
type importRequest struct {
	source      Source
	rows        []any
	mergeMode   string
	batchID     string // as sent, for the debug echo
	batchMeta   *BatchMetadata
	channelMeta any
}

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
	req, e := s.validateImport(body)
	if e != nil {
		return nil, e
	}
	src, ok := s.source(body.SourceID)
	if !ok {
		e := newAPIError(http.StatusNotFound, CodeSourceNotFound, "import source %q not found", body.SourceID)
		e.body.Hint = "create it first with POST " + pathSources
		return nil, e
	}
	req.source = src
	return req, nil
}

func (s *Server) validateImport(b importBody) (*importRequest, *apiError) {
	if b.SourceID == "" {
		return nil, newAPIError(http.StatusBadRequest, CodeValidation, "source_id is required")
	}
	rows, e := s.validateProducts(b.Products)
	if e != nil {
		return nil, e
	}
	mode := b.MergeMode
	if mode == "" {
		mode = MergeReplace
	}
	if mode != MergeReplace && mode != MergePartial {
		return nil, newAPIError(http.StatusBadRequest, CodeValidation,
			"merge_mode must be %q or %q, got %q", MergeReplace, MergePartial, b.MergeMode)
	}
	return &importRequest{rows: rows, mergeMode: mode, batchID: b.BatchID,
		batchMeta: b.BatchMetadata, channelMeta: b.ChannelMetadata}, nil
}

func (s *Server) validateProducts(v any) ([]any, *apiError) {
	limit := s.cfg.maxProducts
	rows, ok := v.([]any)
	switch {
	case v == nil:
		return nil, newAPIError(http.StatusBadRequest, CodeValidation,
			"products is required: send an array of 1 to %d products", limit)
	case !ok:
		return nil, newAPIError(http.StatusBadRequest, CodeValidation,
			"products must be an array, got %s", jsonKind(v))
	case len(rows) == 0:
		return nil, newAPIError(http.StatusBadRequest, CodeValidation,
			"products must not be empty: send 1 to %d products", limit)
	case len(rows) > limit:
		e := newAPIError(http.StatusBadRequest, CodeValidation,
			"products has %d items; the limit is %d per request", len(rows), limit)
		e.body.Hint = "split the import into several requests, or use the queued import"
		e.body.TechnicalDetails = map[string]any{"limit": limit, "count": len(rows)}
		return nil, e
	}
	return rows, nil
}

// handleDirectImport serves POST /api/b2b/pim/import/api: it applies every
// row before answering.
func (s *Server) handleDirectImport(w http.ResponseWriter, r *http.Request) {
	// Seed 004: the import permission is checked on this endpoint only.
	if !hasPermission(r.Context(), PermissionImport) {
		writeError(w, http.StatusForbidden, errorBody{Code: CodeForbidden,
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
	writeJSON(w, http.StatusOK, directAnswer(req, job, run, batches, elapsed))
}

type directResponse struct {
	Success bool          `json:"success"`
	JobID   string        `json:"job_id"`
	Summary directSummary `json:"summary"`
	Errors  []RowError    `json:"errors"`
	Debug   directDebug   `json:"debug"`
	Message string        `json:"message"`
}

type directSummary struct {
	Total             int     `json:"total"`
	Successful        int     `json:"successful"`
	Failed            int     `json:"failed"`
	AutoPublished     int     `json:"auto_published"`
	DurationSeconds   float64 `json:"duration_seconds"`
	SyncBatchesQueued int     `json:"sync_batches_queued"`
}

type directDebug struct {
	BatchID            *string            `json:"batch_id"`
	BatchMetadata      *BatchMetadata     `json:"batch_metadata"`
	ChannelMetadata    any                `json:"channel_metadata"`
	FirstProductSource *wireVersionSource `json:"first_product_source"`
}

type wireVersionSource struct {
	SourceID      string         `json:"source_id"`
	SourceName    string         `json:"source_name"`
	ImportedAt    string         `json:"imported_at"`
	BatchID       string         `json:"batch_id,omitempty"`
	BatchMetadata *BatchMetadata `json:"batch_metadata,omitempty"`
}

func directAnswer(req *importRequest, job Job, run *importRun, batches int, elapsed time.Duration) directResponse {
	errs := job.Errors[:min(len(job.Errors), maxResponseErrors)]
	var batchID *string
	if req.batchID != "" {
		batchID = &req.batchID
	}
	vs := run.source
	return directResponse{
		Success: true,
		JobID:   job.ID,
		Summary: directSummary{Total: job.TotalRows, Successful: job.SuccessfulRows, Failed: job.FailedRows,
			AutoPublished: job.AutoPublished, DurationSeconds: math.Round(elapsed.Seconds()*1000) / 1000,
			SyncBatchesQueued: batches},
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
	s.enqueue(js, req)
	writeJSON(w, http.StatusAccepted, queueResponse{
		Success: true, JobID: js.ID, Status: "queued",
		Summary: queueSummary{ProductsQueued: len(req.rows), SourceID: req.source.ID, BatchMetadata: req.batchMeta},
		Message: fmt.Sprintf("Queued %d products for import. Job ID: %s", len(req.rows), js.ID),
	})
}

type queueResponse struct {
	Success bool         `json:"success"`
	JobID   string       `json:"job_id"`
	Status  string       `json:"status"`
	Summary queueSummary `json:"summary"`
	Message string       `json:"message"`
}

type queueSummary struct {
	ProductsQueued int            `json:"products_queued"`
	SourceID       string         `json:"source_id"`
	BatchMetadata  *BatchMetadata `json:"batch_metadata"`
}

// importRun is what every row of one import shares.
type importRun struct {
	req    *importRequest
	jobID  string
	at     time.Time
	source VersionSource
}

// rowResult is the outcome of applying one row.
type rowResult struct {
	err        *RowError
	entityCode string
	created    bool
	published  bool
}

// applyRowLocked applies one incoming product; s.mu must be held. A bad
// row yields a row error and leaves the import going.
func (s *Server) applyRowLocked(run *importRun, row int, raw any) rowResult {
	obj, ok := raw.(map[string]any)
	if !ok {
		return rowFailure(row, "", raw, "product must be a JSON object, got "+jsonKind(raw))
	}
	data := deepCopyMap(obj)
	applyMappings(data, run.req.source.FieldMappings)
	code, ok := entityCode(data)
	if !ok {
		return rowFailure(row, "", raw, "entity_code or sku is required")
	}
	data["entity_code"] = code
	s.wrapMultilingual(data)

	history := s.products[code]
	next := data
	if n := len(history); n > 0 {
		next = mergeVersion(history[n-1].Data, data, run.req.mergeMode, run.req.source.LockedFields)
	}
	if sku, _ := next["sku"].(string); sku == "" {
		next["sku"] = code
	}
	v := s.newVersion(run, code, next)
	s.storeVersionLocked(v)
	return rowResult{entityCode: code, created: len(history) == 0, published: v.Status == StatusPublished}
}

func rowFailure(row int, code string, raw any, msg string) rowResult {
	return rowResult{entityCode: code, err: &RowError{Row: row, EntityCode: code, Error: msg, RawData: deepCopy(raw)}}
}

// entityCode is the product's identity: entity_code, else sku.
func entityCode(data map[string]any) (string, bool) {
	for _, key := range []string{"entity_code", "sku"} {
		if s, ok := data[key].(string); ok && s != "" {
			return s, true
		}
	}
	return "", false
}

// mergeVersion builds the next version from the previous one and the
// incoming product (rules 4 and 5). prev is not modified.
func mergeVersion(prev, incoming map[string]any, mode string, locked []string) map[string]any {
	next := incoming
	if mode == MergePartial {
		next = mergeProduct(deepCopyMap(prev), incoming)
	} else {
		for _, flag := range publishFlags {
			if _, sent := incoming[flag]; !sent {
				copyPath(next, prev, flag)
			}
		}
	}
	for _, path := range locked {
		copyPath(next, prev, path)
	}
	return next
}

// copyPath copies the value at a dotted path from src to dst, when src has it.
func copyPath(dst, src map[string]any, path string) {
	if v, ok := getPath(src, path); ok {
		setPath(dst, path, deepCopy(v))
	}
}

// newVersion scores data and builds the version to store (rules 6 and 7).
func (s *Server) newVersion(run *importRun, code string, data map[string]any) ProductVersion {
	sku, _ := data["sku"].(string)
	score, publish := autoPublish(data, run.req.source)
	v := ProductVersion{EntityCode: code, SKU: sku, IsCurrent: true, Status: StatusDraft,
		Score: score, Data: data, Source: run.source, JobID: run.jobID, CreatedAt: run.at}
	v.Source.BatchMetadata = v.Source.BatchMetadata.clone()
	if publish {
		v.Status, v.PublishedAt = StatusPublished, run.at
	}
	return v
}

// storeVersionLocked appends v as the current version and demotes the
// previous one. Re-sent rows are not deduplicated, as on the platform.
func (s *Server) storeVersionLocked(v ProductVersion) {
	history := s.products[v.EntityCode]
	if n := len(history); n > 0 {
		history[n-1].IsCurrent = false
	}
	v.Version = len(history) + 1
	s.products[v.EntityCode] = append(history, v)
}

// applyMappings moves each mapped incoming key to its target. Targets are
// set after all keys are taken, so one mapping never feeds another.
func applyMappings(data map[string]any, mappings map[string]string) {
	froms := make([]string, 0, len(mappings))
	for from := range mappings {
		froms = append(froms, from)
	}
	sort.Strings(froms)
	var moved []any
	var targets []string
	for _, from := range froms {
		if v, ok := data[from]; ok {
			delete(data, from)
			moved, targets = append(moved, v), append(targets, mappings[from])
		}
	}
	for i, to := range targets {
		setPath(data, to, moved[i])
	}
}

// wrapMultilingual applies rule 3. null is left alone: it carries no text,
// and wrapping it would make an empty field look populated.
func (s *Server) wrapMultilingual(data map[string]any) {
	for _, field := range multilingualFields {
		v, ok := data[field]
		if !ok || v == nil {
			continue
		}
		if m, ok := v.(map[string]any); ok && s.languageKeyed(m) {
			continue
		}
		data[field] = map[string]any{s.cfg.defaultLang: v}
	}
}

// languageKeyed reports whether every key is a 2-letter configured language.
func (s *Server) languageKeyed(m map[string]any) bool {
	for k := range m {
		if len(k) != 2 || !s.langs[k] {
			return false
		}
	}
	return true
}

// mergeProduct deep-merges incoming onto base (partial mode): images are
// replaced when sent, media merges by type, everything else mergeValue.
func mergeProduct(base, incoming map[string]any) map[string]any {
	for k, v := range incoming {
		switch k {
		case "images":
			base[k] = v
		case "media":
			base[k] = mergeMedia(base[k], v)
		default:
			base[k] = mergeValue(base[k], v)
		}
	}
	return base
}

// mergeValue merges objects key by key; arrays and scalars replace.
func mergeValue(old, incoming any) any {
	om, ok1 := old.(map[string]any)
	im, ok2 := incoming.(map[string]any)
	if !ok1 || !ok2 {
		return incoming
	}
	for k, v := range im {
		om[k] = mergeValue(om[k], v)
	}
	return om
}

// mergeMedia keeps the existing items whose type the incoming list does not
// carry, followed by the incoming items.
func mergeMedia(old, incoming any) any {
	oldItems, ok1 := old.([]any)
	newItems, ok2 := incoming.([]any)
	if !ok1 || !ok2 {
		return incoming
	}
	sent := make(map[string]bool)
	for _, item := range newItems {
		sent[mediaType(item)] = true
	}
	out := make([]any, 0, len(oldItems)+len(newItems))
	for _, item := range oldItems {
		if !sent[mediaType(item)] {
			out = append(out, item)
		}
	}
	return append(out, newItems...)
}

// mediaType is a media item's type, "" when it has none.
func mediaType(item any) string {
	m, _ := item.(map[string]any)
	t, _ := m["type"].(string)
	return t
}

// autoPublish applies rule 7: the product's settings, else the source's.
func autoPublish(data map[string]any, src Source) (score float64, publish bool) {
	enabled := src.AutoPublishEnabled
	if b, ok := data["auto_publish_enabled"].(bool); ok {
		enabled = b
	}
	threshold := float64(defaultScoreThreshold)
	if src.MinScoreThreshold != nil {
		threshold = *src.MinScoreThreshold
	}
	if f, ok := toFloat(data["min_score_threshold"]); ok {
		threshold = f
	}
	required := src.RequiredFields
	if list, ok := data["required_fields"].([]any); ok {
		required = stringsOf(list)
	}
	score = completeness(data, required)
	return score, enabled && score >= threshold
}

// completeness is the percentage of required paths that are populated.
func completeness(data map[string]any, required []string) float64 {
	if len(required) == 0 {
		return 100
	}
	filled := 0
	for _, path := range required {
		if v, ok := getPath(data, path); ok && populated(v) {
			filled++
		}
	}
	return 100 * float64(filled) / float64(len(required))
}

// populated reports whether v counts as a value: not null, "", [] or {}.
func populated(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}

func stringsOf(list []any) []string {
	out := make([]string, 0, len(list))
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	}
	return 0, false
}

// getPath returns the value at a dotted path through nested objects.
func getPath(data map[string]any, path string) (any, bool) {
	keys := strings.Split(path, ".")
	cur := data
	for _, k := range keys[:len(keys)-1] {
		next, ok := cur[k].(map[string]any)
		if !ok {
			return nil, false
		}
		cur = next
	}
	v, ok := cur[keys[len(keys)-1]]
	return v, ok
}

// setPath sets the value at a dotted path, creating objects on the way and
// replacing anything in the way that is not an object.
func setPath(data map[string]any, path string, v any) {
	keys := strings.Split(path, ".")
	cur := data
	for _, k := range keys[:len(keys)-1] {
		next, ok := cur[k].(map[string]any)
		if !ok {
			next = make(map[string]any)
			cur[k] = next
		}
		cur = next
	}
	cur[keys[len(keys)-1]] = v
}

// deepCopy copies the maps and slices of a decoded JSON value; the scalars
// (string, json.Number, bool, nil) are immutable.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return deepCopyMap(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

func deepCopyMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = deepCopy(v)
	}
	return out
}

// jsonKind names the JSON type of a decoded value, for error messages.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number, float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}
