package catalogtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
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
	tally       *rowTally // in count mode, instead of rows
	mergeMode   string
	batchID     string // as sent, for the debug echo
	batchMeta   *BatchMetadata
	channelMeta any
}

// rowCount is the number of rows the request carries.
func (r *importRequest) rowCount() int {
	if r.tally != nil {
		return r.tally.total
	}
	return len(r.rows)
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
	if s.cfg.countOnly {
		return s.parseCountedImport(w, r)
	}
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
	e := newAPIError(http.StatusNotFound, CodeSourceNotFound, "import source %q not found", id)
	e.body.Hint = "create it first with POST " + pathSources
	return e
}

// productsShape is what request validation looks at in the products value,
// so that count mode can validate without keeping the rows.
type productsShape struct {
	kind string // jsonKind of the value; "null" when it is absent too
	n    int    // number of items, when it is an array
}

// validateImport checks the request fields; the rows are left to the caller.
func (s *Server) validateImport(b importBody, products productsShape) (*importRequest, *apiError) {
	if b.SourceID == "" {
		return nil, newAPIError(http.StatusBadRequest, CodeValidation, "source_id is required")
	}
	if e := s.validateProducts(products); e != nil {
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
	return &importRequest{mergeMode: mode, batchID: b.BatchID,
		batchMeta: b.BatchMetadata, channelMeta: b.ChannelMetadata}, nil
}

func (s *Server) validateProducts(p productsShape) *apiError {
	limit := s.cfg.maxProducts
	switch {
	case p.kind == "null":
		return newAPIError(http.StatusBadRequest, CodeValidation,
			"products is required: send an array of 1 to %d products", limit)
	case p.kind != "an array":
		return newAPIError(http.StatusBadRequest, CodeValidation,
			"products must be an array, got %s", p.kind)
	case p.n == 0:
		return newAPIError(http.StatusBadRequest, CodeValidation,
			"products must not be empty: send 1 to %d products", limit)
	case p.n > limit:
		e := newAPIError(http.StatusBadRequest, CodeValidation,
			"products has %d items; the limit is %d per request", p.n, limit)
		e.body.Hint = "split the import into several requests, or use the queued import"
		e.body.TechnicalDetails = map[string]any{"limit": limit, "count": p.n}
		return e
	}
	return nil
}

// RowsReceived returns how many product rows the import requests answered
// 2xx (direct and queued) carried so far, each row counted once per
// request, rows that then failed included; replays of an Idempotency-Key
// are not counted. It counts in both modes, and is the number to watch in
// load tests made WithCountOnly.
func (s *Server) RowsReceived() int64 { return s.rowsReceived.Load() }

// ImportRequests returns how many import requests (direct and queued) were
// answered 2xx so far, replays of an Idempotency-Key not counted.
func (s *Server) ImportRequests() int { return int(s.importRequests.Load()) }

// accepted counts an import request about to be answered 2xx; counting
// before answering lets a client that has its answer read the counters.
func (s *Server) accepted(req *importRequest) {
	s.rowsReceived.Add(int64(req.rowCount()))
	s.importRequests.Add(1)
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
	s.accepted(req)
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
	n := req.rowCount()
	s.enqueue(js, req)
	s.accepted(req)
	writeJSON(w, http.StatusAccepted, queueResponse{
		Success: true, JobID: js.ID, Status: "queued",
		Summary: queueSummary{ProductsQueued: n, SourceID: req.source.ID, BatchMetadata: req.batchMeta},
		Message: fmt.Sprintf("Queued %d products for import. Job ID: %s", n, js.ID),
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

// Count mode (WithCountOnly) reads import bodies as a stream. The envelope
// fields are decoded as usual; the products array is walked one row at a
// time with json.Decoder, which hands each row's bytes, in its own reused
// buffer, to rowScanner.UnmarshalJSON. The scanner notes the few top-level
// keys that decide the row's identity and forgets the row, so memory stays
// at about one row whatever the body size.

// rowTally is all that count mode keeps of an import's rows.
type rowTally struct {
	total  int
	failed int
	errors []RowError // the first maxResponseErrors, with their raw data
}

// keyState is what the identity check needs to know of a top-level value.
type keyState uint8

const (
	keyAbsent keyState = iota
	keyText            // a non-empty string
	keyOther           // anything else, "" included
)

// Indexes of the identity keys in rowScanner.keys.
const (
	keyEntityCode = 0
	keySKU        = 1
)

// identityMove is one field mapping that takes entity_code or sku away, or
// writes to them.
type identityMove struct {
	from int  // the incoming key, an index in rowScanner.keys
	to   int  // keyEntityCode, keySKU, or -1 for a target elsewhere
	deep bool // the target is below entity_code or sku, which becomes an object
}

// identityRule decides identity the way one source's field mappings make
// applyRowLocked decide it, and tallies the rows under that rule. Sources
// without identity mappings share the rule with no moves.
type identityRule struct {
	moves []identityMove // in the order of applyMappings: by incoming key
	tally rowTally
}

// identified reports whether a row whose watched keys are in st has an
// entity_code or sku once the mappings are applied.
func (r *identityRule) identified(st []keyState) bool {
	id := [2]keyState{st[keyEntityCode], st[keySKU]}
	// applyMappings takes every mapped key out first...
	for _, m := range r.moves {
		if m.from <= keySKU && st[m.from] != keyAbsent {
			id[m.from] = keyAbsent
		}
	}
	// ...then sets the targets in order.
	for _, m := range r.moves {
		if v := st[m.from]; v != keyAbsent && m.to >= 0 {
			if m.deep {
				v = keyOther
			}
			id[m.to] = v
		}
	}
	return id[keyEntityCode] == keyText || id[keySKU] == keyText
}

// rowScanner tallies the rows of one count-mode request, for every import
// source at once: the source is known only once the whole body is read,
// since source_id may come after products.
type rowScanner struct {
	keys     []string          // entity_code, sku, then incoming keys of identity mappings
	rules    []identityRule    // rules[0] has no moves
	bySource map[string]int    // source ID to index in rules
	sources  map[string]Source // the sources when the request arrived
	limit    int               // rows past it are only counted: the request gets a 400
	n        int               // rows seen
	states   []keyState        // of the current row, by key index; reused
}

// newRowScanner prepares a scanner for the sources as they are now. The
// request then sees them so: a source added while its body is read is
// unknown to it (the normal mode would find it, having looked last).
func (s *Server) newRowScanner() *rowScanner {
	sc := &rowScanner{keys: []string{"entity_code", "sku"}, rules: []identityRule{{}},
		bySource: make(map[string]int), sources: make(map[string]Source), limit: s.cfg.maxProducts}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, src := range s.sources {
		sc.sources[id] = cloneSource(src)
		if moves := sc.identityMoves(src.FieldMappings); len(moves) > 0 {
			sc.bySource[id] = len(sc.rules)
			sc.rules = append(sc.rules, identityRule{moves: moves})
		}
	}
	sc.states = make([]keyState, len(sc.keys))
	return sc
}

// identityMoves picks the mappings that touch entity_code or sku.
func (sc *rowScanner) identityMoves(mappings map[string]string) []identityMove {
	var moves []identityMove
	for _, from := range slices.Sorted(maps.Keys(mappings)) {
		root, _, deep := strings.Cut(mappings[from], ".")
		to := slices.Index(sc.keys[:keySKU+1], root)
		if to < 0 && from != "entity_code" && from != "sku" {
			continue
		}
		k := slices.Index(sc.keys, from)
		if k < 0 {
			k = len(sc.keys)
			sc.keys = append(sc.keys, from)
		}
		moves = append(moves, identityMove{from: k, to: to, deep: deep && to >= 0})
	}
	return moves
}

// reset forgets the rows seen: a repeated "products" key replaces the
// earlier one, as it does when the body is decoded whole.
func (sc *rowScanner) reset() {
	sc.n = 0
	for i := range sc.rules {
		sc.rules[i].tally = rowTally{}
	}
}

// tally returns the rows as the source with this ID sees them.
func (sc *rowScanner) tally(sourceID string) *rowTally {
	t := sc.rules[sc.bySource[sourceID]].tally
	t.total = sc.n
	return &t
}

// UnmarshalJSON tallies one row. data is the decoder's buffer: it is read
// here, and copied (decoded) only for a row that fails.
func (sc *rowScanner) UnmarshalJSON(data []byte) error {
	row := sc.n
	sc.n++
	if row >= sc.limit {
		return nil
	}
	data = bytes.TrimLeft(data, " \t\r\n")
	if data[0] != '{' {
		sc.fail(row, data, "product must be a JSON object, got "+rawKind(data[0]), nil)
		return nil
	}
	clear(sc.states)
	sc.scanKeys(data)
	sc.fail(row, data, "entity_code or sku is required", sc.states)
	return nil
}

// fail counts the row as failed under every rule that does not identify it
// (all rules when st is nil), keeping its raw data while there is room.
func (sc *rowScanner) fail(row int, data []byte, msg string, st []keyState) {
	var raw any
	decoded := false
	for i := range sc.rules {
		r := &sc.rules[i]
		if st != nil && r.identified(st) {
			continue
		}
		r.tally.failed++
		if len(r.tally.errors) < maxResponseErrors {
			if !decoded {
				raw, decoded = decodeRow(data), true
			}
			r.tally.errors = append(r.tally.errors, RowError{Row: row, Error: msg, RawData: raw})
		}
	}
}

// decodeRow decodes a row for its raw_data. It is a function of its own so
// that the escaping variable is allocated only for rows that fail.
func decodeRow(data []byte) any {
	var raw any
	_ = decodeJSON(data, &raw) // valid JSON: the decoder checked it
	return raw
}

// scanKeys notes the state of each watched top-level key of the object in
// data, which the decoder has already checked to be valid JSON. A repeated
// key counts as its last value, as in a decoded map.
func (sc *rowScanner) scanKeys(data []byte) {
	for i := 1; ; { // past '{'
		i = skipSpace(data, i)
		if i >= len(data) || data[i] == '}' {
			return
		}
		if data[i] == ',' {
			i++
			continue
		}
		end := skipString(data, i)
		k := sc.keyIndex(data[i:end])
		i = skipSpace(data, end) + 1 // past ':'
		i = skipSpace(data, i)
		next := skipValue(data, i)
		if k >= 0 {
			st := keyOther
			if data[i] == '"' && next-i > 2 {
				st = keyText
			}
			sc.states[k] = st
		}
		i = next
	}
}

// keyIndex returns the index of a quoted key in sc.keys, or -1. Keys with
// escapes or invalid UTF-8 are decoded first, as the decoder would.
func (sc *rowScanner) keyIndex(quoted []byte) int {
	key := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(key, '\\') >= 0 || !utf8.Valid(key) {
		var s string
		if err := json.Unmarshal(quoted, &s); err != nil {
			return -1
		}
		return slices.Index(sc.keys, s)
	}
	for k, name := range sc.keys {
		if string(key) == name { // compared in place, not converted
			return k
		}
	}
	return -1
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n') {
		i++
	}
	return i
}

// skipString returns the index just past the string that starts at
// data[i], a quote.
func skipString(data []byte, i int) int {
	for j := i + 1; ; j++ {
		q := bytes.IndexByte(data[j:], '"')
		if q < 0 {
			return len(data)
		}
		j += q
		// The quote ends the string unless an odd run of backslashes escapes it.
		b := j - 1
		for data[b] == '\\' {
			b--
		}
		if (j-1-b)%2 == 0 {
			return j + 1
		}
	}
}

// skipValue returns the index just past the valid JSON value that starts
// at data[i].
func skipValue(data []byte, i int) int {
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				i = skipString(data, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(data) && !strings.ContainsRune(" \t\r\n,}]", rune(data[i])) {
		i++
	}
	return i
}

// rawKind names the JSON type of a value by its first byte, as jsonKind
// names a decoded one.
func rawKind(c byte) string {
	switch c {
	case 'n':
		return "null"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	}
	return "a number"
}

// discard skips a JSON value without keeping it: the decoder checks it and
// hands it over in its own buffer.
type discard struct{}

func (*discard) UnmarshalJSON([]byte) error { return nil }

// errTrailing is decodeJSON's complaint about data after the body, less
// the "invalid JSON: " that describeJSONError adds.
var errTrailing = errors.New("unexpected data after the top-level value")

// bodySyntaxError is a syntax error placed and worded as decoding the body
// whole (decodeJSON) would.
type bodySyntaxError struct {
	offset int64 // bytes up to and including the offending one
	msg    string
}

func (e *bodySyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte offset %d: %s", e.offset, e.msg)
}

// placeSyntaxError turns a syntax error of a streaming dec into what
// decodeJSON would report. A streaming Decoder counts offsets its own way:
// from Token, the index of the offending byte; from Decode, the bytes its
// scanner saw in this value and the earlier ones. And two of its messages
// are its own. Both the value and the offending byte are still in dec's
// buffer, at InputOffset.
func placeSyntaxError(dec *json.Decoder, err error) error {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return err
	}
	start := dec.InputOffset()
	var first [1]byte // the offending byte, for a Token error
	_, _ = dec.Buffered().Read(first[:])
	c := first[0]
	switch se.Error() {
	case "expected comma after array element":
		return &bodySyntaxError{start + 1, "invalid character " + quoteChar(c) + " after array element"}
	case "expected colon after object key":
		return &bodySyntaxError{start + 1, "invalid character " + quoteChar(c) + " after object key"}
	}
	// An error of Decode: scanning the value again, alone, places it.
	var again *json.SyntaxError
	if errors.As(json.NewDecoder(dec.Buffered()).Decode(&discard{}), &again) && again.Error() == se.Error() {
		return &bodySyntaxError{start + again.Offset, se.Error()}
	}
	// An error of Token: the offending byte is the next one. Token names no
	// context for the first key of an object; the scanner does.
	msg := se.Error()
	if msg == "invalid character "+quoteChar(c) {
		msg += " looking for beginning of object key string"
	}
	return &bodySyntaxError{start + 1, msg}
}

// quoteChar formats c as encoding/json's syntax errors do.
func quoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	s := strconv.Quote(string(c))
	return "'" + s[1:len(s)-1] + "'"
}

// parseCountedImport is parseImport in count mode: the same checks in the
// same order, answered the same way, with the rows tallied instead of kept.
func (s *Server) parseCountedImport(w http.ResponseWriter, r *http.Request) (*importRequest, *apiError) {
	sc := s.newRowScanner()
	body := http.MaxBytesReader(w, r.Body, s.cfg.maxBody)
	var b importBody
	products, err := streamImport(body, &b, sc)
	if err != nil {
		var tooBig *http.MaxBytesError
		if !isJSONError(err) || errors.As(err, &tooBig) {
			return nil, s.readError(w, err)
		}
		// The normal mode reads the whole body before decoding it, so an
		// oversized body gets its 413 whatever lies in it: read on to see.
		if _, derr := io.Copy(io.Discard, body); errors.As(derr, &tooBig) {
			return nil, s.readError(w, derr)
		}
		var placed *bodySyntaxError
		if !errors.As(err, &placed) {
			err = describeJSONError(err)
		}
		return nil, newAPIError(http.StatusBadRequest, CodeValidation, "%v", err)
	}
	req, e := s.validateImport(b, products)
	if e != nil {
		return nil, e
	}
	src, ok := sc.sources[b.SourceID]
	if !ok {
		return nil, sourceNotFound(b.SourceID)
	}
	req.source, req.tally = src, sc.tally(src.ID)
	return req, nil
}

// isJSONError reports whether err is about the body's JSON rather than
// about reading it.
func isJSONError(err error) bool {
	var syntax *bodySyntaxError
	var typ *json.UnmarshalTypeError
	return errors.As(err, &syntax) || errors.As(err, &typ) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, errTrailing)
}

// streamImport decodes an import body from r into b like decodeJSON does
// (keys matched case-insensitively, the first type error reported once the
// value is read, data after it refused), except that the products array
// goes through sc one row at a time.
func streamImport(r io.Reader, b *importBody, sc *rowScanner) (productsShape, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	products, err := streamBody(dec, b, sc)
	return products, placeSyntaxError(dec, err)
}

// streamBody does streamImport's work; syntax errors come back as dec
// reports them.
func streamBody(dec *json.Decoder, b *importBody, sc *rowScanner) (productsShape, error) {
	products := productsShape{kind: "null"}
	var typeErr error
	// field decodes one envelope field, keeping the first type error.
	field := func(name string, v any) error {
		err := dec.Decode(v)
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			if typeErr == nil {
				te.Field = strings.TrimSuffix(name+"."+te.Field, ".")
				typeErr = te
			}
			return nil
		}
		return err
	}
	tok, err := dec.Token()
	if err != nil {
		return products, err // io.EOF: an empty body
	}
	switch tok {
	case json.Delim('{'):
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return products, unexpectedEOF(err)
			}
			key, _ := tok.(string)
			switch {
			case strings.EqualFold(key, "products"):
				products, err = scanProducts(dec, sc)
			case strings.EqualFold(key, "source_id"):
				err = field("source_id", &b.SourceID)
			case strings.EqualFold(key, "merge_mode"):
				err = field("merge_mode", &b.MergeMode)
			case strings.EqualFold(key, "batch_id"):
				err = field("batch_id", &b.BatchID)
			case strings.EqualFold(key, "batch_metadata"):
				err = field("batch_metadata", &b.BatchMetadata)
			case strings.EqualFold(key, "channel_metadata"):
				err = field("channel_metadata", &b.ChannelMetadata)
			default:
				err = dec.Decode(&discard{})
			}
			if err != nil {
				return products, unexpectedEOF(err)
			}
		}
		if _, err := dec.Token(); err != nil {
			return products, unexpectedEOF(err)
		}
	case json.Delim('['):
		if err := skipRest(dec, false); err != nil {
			return products, unexpectedEOF(err)
		}
		typeErr = &json.UnmarshalTypeError{Value: "array", Type: reflect.TypeFor[importBody]()}
	case nil: // null decodes to an empty body
	default:
		typeErr = &json.UnmarshalTypeError{Value: literalName(tok), Type: reflect.TypeFor[importBody]()}
	}
	if typeErr != nil {
		return products, typeErr
	}
	if _, err := dec.Token(); err != io.EOF {
		return products, errTrailing
	}
	return products, nil
}

// scanProducts reads the value of "products": an array goes through sc row
// by row; anything else is only named, for validateProducts.
func scanProducts(dec *json.Decoder, sc *rowScanner) (productsShape, error) {
	sc.reset()
	tok, err := dec.Token()
	if err != nil {
		return productsShape{}, err
	}
	switch tok {
	case json.Delim('['):
		for dec.More() {
			if err := dec.Decode(sc); err != nil {
				return productsShape{}, err
			}
		}
		_, err := dec.Token()
		return productsShape{kind: "an array", n: sc.n}, err
	case json.Delim('{'):
		return productsShape{kind: "an object"}, skipRest(dec, true)
	}
	return productsShape{kind: jsonKind(tok)}, nil // nil is "null"
}

// skipRest consumes the rest of the object or array whose opening
// delimiter Token just returned.
func skipRest(dec *json.Decoder, object bool) error {
	for dec.More() {
		if object {
			if _, err := dec.Token(); err != nil {
				return err
			}
		}
		if err := dec.Decode(&discard{}); err != nil {
			return err
		}
	}
	_, err := dec.Token()
	return err
}

// unexpectedEOF turns the io.EOF that Token returns for a body cut short
// into the io.ErrUnexpectedEOF that decoding it whole reports.
func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// literalName names a top-level literal the way json.UnmarshalTypeError
// does.
func literalName(tok json.Token) string {
	switch tok.(type) {
	case string:
		return "string"
	case bool:
		return "bool"
	}
	return "number"
}
