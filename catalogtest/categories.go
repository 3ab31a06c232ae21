package catalogtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"

	"github.com/pimkit/catalog"
)

// Paths of the category calls. The wire is the project's reading: see
// importCategories and listCategories in api/openapi.yaml.
const (
	pathCategoriesImport = "/api/b2b/pim/categories/import"
	pathCategories       = "/api/b2b/pim/categories"
)

// Categories returns every stored category, sorted by id, as the client
// reads them from GET /api/b2b/pim/categories.
func (s *Server) Categories() []catalog.Category {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := s.categoryIDsLocked()
	out := make([]catalog.Category, 0, len(ids))
	for _, id := range ids {
		out = append(out, toCatalogCategory(s.categories[id]))
	}
	return out
}

// Category returns the stored category with this id.
func (s *Server) Category(id string) (catalog.Category, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, ok := s.categories[id]
	if !ok {
		return catalog.Category{}, false
	}
	return toCatalogCategory(data), true
}

// SeedCategory stores c as a category import would (it needs a
// CategoryID; its parent, when set, must be stored already), without a
// request: no recorded request, no rate quota.
func (s *Server) SeedCategory(c catalog.Category) error {
	data, err := normalizeObject(c)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, e := s.applyCategoryLocked(data); e != "" {
		return fmt.Errorf("catalogtest: SeedCategory: %s", e)
	}
	return nil
}

func (s *Server) categoryIDsLocked() []string {
	ids := make([]string, 0, len(s.categories))
	for id := range s.categories {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func toCatalogCategory(data map[string]any) catalog.Category {
	var c catalog.Category
	raw, _ := json.Marshal(data)
	_ = json.Unmarshal(raw, &c) // stored categories were decoded from the same model's JSON
	return c
}

// entityImportBody is the body of the category and promotion imports.
type entityImportBody struct {
	SourceID   string `json:"source_id"`
	Categories any    `json:"categories"`
	Promotions any    `json:"promotions"`
}

// countEntityRow adds one row's outcome to r: e is its error message, ""
// when applied.
func countEntityRow(r *catalog.EntityImportResult, row int, key string, raw any, created bool, e string) {
	r.Summary.Total++
	switch {
	case e != "":
		r.Summary.Failed++
		r.Errors = append(r.Errors, catalog.RowError{Row: row, EntityCode: key, Reason: e, RawData: marshalWire(raw)})
	case created:
		r.Summary.Successful++
		r.Summary.Inserted++
	default:
		r.Summary.Successful++
		r.Summary.Updated++
	}
}

// readEntityRows reads the body of a category or promotion import and
// returns the rows of the array named field.
func (s *Server) readEntityRows(w http.ResponseWriter, r *http.Request, field string) ([]any, *apiError) {
	var body entityImportBody
	if e := s.readJSON(w, r, &body); e != nil {
		return nil, e
	}
	value := body.Categories
	if field == "promotions" {
		value = body.Promotions
	}
	rows, _ := value.([]any)
	switch {
	case value == nil:
		return nil, newAPIError(http.StatusBadRequest, codeValidation, "%s is required: send an array of 1 to %d items", field, s.cfg.maxProducts)
	case rows == nil:
		return nil, newAPIError(http.StatusBadRequest, codeValidation, "%s must be an array, got %s", field, jsonKind(value))
	case len(rows) == 0 || len(rows) > s.cfg.maxProducts:
		return nil, newAPIError(http.StatusBadRequest, codeValidation, "%s has %d items; send 1 to %d", field, len(rows), s.cfg.maxProducts)
	}
	if body.SourceID != "" {
		if _, ok := s.source(body.SourceID); !ok {
			return nil, sourceNotFound(body.SourceID)
		}
	}
	return rows, nil
}

// handleImportCategories serves POST /api/b2b/pim/categories/import: it
// applies every row, in order, before answering.
func (s *Server) handleImportCategories(w http.ResponseWriter, r *http.Request) {
	s.importEntities(w, r, "categories", "category", func(obj map[string]any) (string, bool, string) {
		id, _ := obj["category_id"].(string)
		created, msg := s.applyCategoryLocked(obj)
		return id, created, msg
	})
}

// importEntities serves a category or promotion import: it reads the rows
// of the array named field and applies each, in order and under the lock,
// with apply, which returns the row's code, whether it was new, or why it
// was refused; then it answers the summary.
func (s *Server) importEntities(w http.ResponseWriter, r *http.Request, field, noun string, apply func(obj map[string]any) (code string, created bool, refusal string)) {
	rows, e := s.readEntityRows(w, r, field)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	res := catalog.EntityImportResult{Success: true, Errors: []catalog.RowError{}}
	s.mu.Lock()
	for i, raw := range rows {
		obj, ok := raw.(map[string]any)
		if !ok {
			countEntityRow(&res, i, "", raw, false, noun+" must be a JSON object, got "+jsonKind(raw))
			continue
		}
		code, created, msg := apply(obj)
		countEntityRow(&res, i, code, raw, created, msg)
	}
	s.mu.Unlock()
	res.Message = fmt.Sprintf("Imported %d of %d %s", res.Summary.Successful, res.Summary.Total, field)
	writeJSON(w, http.StatusOK, res)
}

// applyCategoryLocked stores one category; it returns whether it was new,
// or why it was refused.
func (s *Server) applyCategoryLocked(obj map[string]any) (created bool, refusal string) {
	id, _ := obj["category_id"].(string)
	if id == "" {
		return false, "category_id is required"
	}
	parent, _ := obj["parent_id"].(string)
	if parent != "" {
		if _, ok := s.categories[parent]; !ok {
			return false, fmt.Sprintf("parent category %q does not exist", parent)
		}
		// Walk up from the parent: meeting id again means a cycle.
		for cur, steps := parent, 0; cur != "" && steps <= len(s.categories); steps++ {
			if cur == id {
				return false, fmt.Sprintf("parent %q would make a cycle: %q is among its ancestors", parent, id)
			}
			cur, _ = s.categories[cur]["parent_id"].(string)
		}
	}
	_, exists := s.categories[id]
	s.categories[id] = deepCopyMap(obj)
	return !exists, ""
}

// handleListCategories serves GET /api/b2b/pim/categories.
func (s *Server) handleListCategories(w http.ResponseWriter, r *http.Request) {
	page, perPage, e := pageParams(r)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	s.mu.Lock()
	ids := s.categoryIDsLocked()
	from, to := pageBounds(len(ids), page, perPage)
	data := make([]any, 0, to-from)
	for _, id := range ids[from:to] {
		data = append(data, deepCopyMap(s.categories[id]))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "meta": pageMeta{Page: page, PerPage: perPage, Total: len(ids)}})
}

type pageMeta struct {
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
	Total   int `json:"total"`
}

const (
	defaultPerPage = 100
	maxPerPage     = 1000
)

// pageParams reads page (default 1) and per_page (default 100, at most 1,000).
func pageParams(r *http.Request) (page, perPage int, e *apiError) {
	if page, e = queryInt(r, "page", 1, 1, 1<<30); e != nil {
		return 0, 0, e
	}
	perPage, e = queryInt(r, "per_page", defaultPerPage, 1, maxPerPage)
	return page, perPage, e
}

// pageBounds returns the slice bounds of a page over n items.
func pageBounds(n, page, perPage int) (from, to int) {
	from = min((page-1)*perPage, n)
	return from, min(from+perPage, n)
}

// checkCategoryRefsLocked resolves the categories a product references
// (category and channel_categories[].category) against the tenant's tree.
// A tenant with no category yet keeps the embedded categories as sent;
// once it has a tree, a reference to an id it lacks fails the row, naming
// the category, and a known one is completed with the stored fields the
// product did not send.
func (s *Server) checkCategoryRefsLocked(data map[string]any) string {
	if len(s.categories) == 0 {
		return ""
	}
	refs := []map[string]any{}
	if c, ok := data["category"].(map[string]any); ok {
		refs = append(refs, c)
	}
	if list, ok := data["channel_categories"].([]any); ok {
		for _, item := range list {
			if m, ok := item.(map[string]any); ok {
				if c, ok := m["category"].(map[string]any); ok {
					refs = append(refs, c)
				}
			}
		}
	}
	for _, ref := range refs {
		id, _ := ref["category_id"].(string)
		if id == "" {
			continue
		}
		stored, ok := s.categories[id]
		if !ok {
			return fmt.Sprintf("category %q does not exist", id)
		}
		for k, v := range stored {
			if _, sent := ref[k]; !sent {
				ref[k] = deepCopy(v)
			}
		}
	}
	return ""
}
