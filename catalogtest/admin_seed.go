package catalogtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/pimkit/catalog"
)

// The admin API's routes for what a Go test seeds and reads besides
// products and jobs: versions as given, categories, promotions, the
// worker's mode, the names faults and stubs take, search-sync batches.

// adminSeedVersion is a ProductVersion as POST /_fake/versions takes it.
type adminSeedVersion struct {
	EntityCode  string          `json:"entity_code"`
	SKU         string          `json:"sku"`
	Status      string          `json:"status"`
	PublishedAt string          `json:"published_at"`
	Score       float64         `json:"score"`
	Data        json.RawMessage `json:"data"`
	Source      struct {
		SourceID      string                 `json:"source_id"`
		SourceName    string                 `json:"source_name"`
		ImportedAt    string                 `json:"imported_at"`
		BatchID       string                 `json:"batch_id"`
		BatchMetadata *catalog.BatchMetadata `json:"batch_metadata"`
	} `json:"source"`
	JobID     string `json:"job_id"`
	CreatedAt string `json:"created_at"`
}

// version reads a as a ProductVersion; i is its place in the request.
func (a adminSeedVersion) version(i int) (ProductVersion, error) {
	v := ProductVersion{EntityCode: a.EntityCode, SKU: a.SKU, Status: a.Status, Score: a.Score, JobID: a.JobID,
		Source: VersionSource{SourceID: a.Source.SourceID, SourceName: a.Source.SourceName,
			BatchID: a.Source.BatchID, BatchMetadata: a.Source.BatchMetadata}}
	switch a.Status {
	case "", StatusPublished, StatusDraft:
	default:
		return v, fmt.Errorf("version %d: status %q is neither %s nor %s", i, a.Status, StatusPublished, StatusDraft)
	}
	for _, f := range []struct {
		name, text string
		to         *time.Time
	}{{"published_at", a.PublishedAt, &v.PublishedAt}, {"created_at", a.CreatedAt, &v.CreatedAt}, {"source.imported_at", a.Source.ImportedAt, &v.Source.ImportedAt}} {
		if f.text == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, f.text)
		if err != nil {
			return v, fmt.Errorf("version %d: %s %q is not an RFC 3339 time", i, f.name, f.text)
		}
		*f.to = t
	}
	if len(a.Data) > 0 && string(a.Data) != "null" {
		if err := decodeJSON(a.Data, &v.Data); err != nil || v.Data == nil {
			return v, fmt.Errorf("version %d: data must be a JSON object, the product", i)
		}
	}
	return v, nil
}

func (s *Server) adminSeedVersions(w http.ResponseWriter, r *http.Request) {
	body, e := s.readBody(w, r)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	var list []adminSeedVersion
	if err := decodeOneOrMany(body, &list); err != nil {
		writeError(w, http.StatusBadRequest, errorBody{Code: codeValidation, Error: "SeedVersions: " + err.Error()})
		return
	}
	vs := make([]ProductVersion, len(list))
	for i, a := range list {
		v, err := a.version(i)
		if err != nil {
			writeError(w, http.StatusBadRequest, errorBody{Code: codeValidation, Error: "SeedVersions: " + err.Error()})
			return
		}
		vs[i] = v
	}
	stored, err := s.seedVersions(vs)
	if err != nil {
		writeError(w, http.StatusBadRequest, errorBody{Code: codeValidation, Error: err.Error()})
		return
	}
	out := make([]ProductVersion, len(stored))
	for i := range stored {
		out[i] = stored[i].version()
	}
	writeJSON(w, http.StatusCreated, map[string]any{"versions": toAdminVersions(out)})
}

func (s *Server) adminCategories(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	out := make([]map[string]any, 0, len(s.categories))
	for _, id := range s.categoryIDsLocked() {
		out = append(out, deepCopyMap(s.categories[id]))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"categories": out})
}

// storedCategory returns a copy of the category stored with this id.
func (s *Server) storedCategory(id string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.categories[id]
	return deepCopyMap(c), ok
}

func (s *Server) adminCategory(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("categoryId")
	c, ok := s.storedCategory(id)
	if !ok {
		writeError(w, http.StatusNotFound, errorBody{Code: codeNotFound, Error: fmt.Sprintf("no category %q", id)})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"category": c})
}

func (s *Server) adminSeedCategory(w http.ResponseWriter, r *http.Request) {
	var in catalog.Category
	if e := s.adminDecode(w, r, &in); e != nil {
		writeAPIError(w, e)
		return
	}
	if err := s.SeedCategory(in); err != nil {
		writeError(w, http.StatusBadRequest, errorBody{Code: codeValidation, Error: err.Error()})
		return
	}
	id := ""
	if in.CategoryID != nil {
		id = *in.CategoryID
	}
	c, _ := s.storedCategory(id)
	writeJSON(w, http.StatusCreated, map[string]any{"category": c})
}

func (s *Server) adminPromotions(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	keys := s.promotionKeysLocked()
	out := make([]map[string]any, len(keys))
	for i, k := range keys {
		out[i] = deepCopyMap(s.promotions[k])
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"promotions": out})
}

func (s *Server) adminSeedPromotion(w http.ResponseWriter, r *http.Request) {
	var in catalog.Promotion
	if e := s.adminDecode(w, r, &in); e != nil {
		writeAPIError(w, e)
		return
	}
	if err := s.SeedPromotion(in); err != nil {
		writeError(w, http.StatusBadRequest, errorBody{Code: codeValidation, Error: err.Error()})
		return
	}
	data, _ := normalizeObject(in) // SeedPromotion encoded it already
	key, _ := promotionKey(data)
	s.mu.Lock()
	stored := deepCopyMap(s.promotions[key])
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"promotion": stored})
}

// adminWorkerState is the answer of the worker routes.
type adminWorkerState struct {
	Manual bool   `json:"manual"`
	State  string `json:"state"`
}

func (s *Server) workerState() adminWorkerState {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := map[workerState]string{workerIdle: "idle", workerRunning: "running", workerSleeping: "sleeping"}
	return adminWorkerState{Manual: s.manual, State: names[s.worker]}
}

func (s *Server) adminWorker(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.workerState())
}

func (s *Server) adminSetWorker(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Manual *bool `json:"manual"`
	}
	if e := s.adminDecode(w, r, &in); e != nil {
		writeAPIError(w, e)
		return
	}
	if in.Manual == nil {
		writeError(w, http.StatusBadRequest, errorBody{Code: codeValidation, Error: `SetManualWorker: "manual" is required, true or false`})
		return
	}
	s.SetManualWorker(*in.Manual)
	writeJSON(w, http.StatusOK, s.workerState())
}

// adminOperation names an Operation for GET /_fake/operations.
type adminOperation struct {
	Name      string `json:"name"`
	Operation string `json:"operation"`
}

// adminFaultKind names a FaultKind for GET /_fake/operations.
type adminFaultKind struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
}

func (s *Server) adminOperations(w http.ResponseWriter, _ *http.Request) {
	ops := make([]adminOperation, 0, len(opNames))
	for name, op := range opNames {
		ops = append(ops, adminOperation{Name: name, Operation: string(op)})
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].Name < ops[j].Name })
	var kinds []adminFaultKind
	for k := FaultStatus; k.valid(); k++ {
		kinds = append(kinds, adminFaultKind{Name: k.String(), Kind: snakeCase(strings.TrimPrefix(k.String(), "Fault"))})
	}
	writeJSON(w, http.StatusOK, map[string]any{"operations": ops, "fault_kinds": kinds})
}

func (s *Server) adminSearchSync(w http.ResponseWriter, _ *http.Request) {
	codes := s.SearchSyncEntityCodes()
	if codes == nil {
		codes = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"batches": s.SearchSyncBatches(), "entity_codes": codes})
}
