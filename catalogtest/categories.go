package catalogtest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"

	"github.com/pimkit/catalog"
)

// Paths of the category calls. The wire is the project's reading: see
// importCategories and listCategories in api/openapi.yaml.
const (
	pathCategoriesImport = "/api/b2b/pim/categories/import"
	pathCategories       = "/api/b2b/pim/categories"
	pathCategoriesRemove = "/api/b2b/pim/categories/remove"
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

// handleImportCategories serves POST /api/b2b/pim/categories/import: it
// applies every row, in order, before answering.
func (s *Server) handleImportCategories(w http.ResponseWriter, r *http.Request) {
	s.importEntities(w, r, "categories", "category", func(obj map[string]any) (string, bool, string) {
		id, _ := obj["category_id"].(string)
		created, msg := s.applyCategoryLocked(obj)
		return id, created, msg
	})
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
	page, perPage, e := pageParams(r, defaultPerPage, maxPerPage)
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

// handleRemoveCategories serves POST /api/b2b/pim/categories/remove: each
// id is removed in order, unless a category or a product still refers to
// it.
func (s *Server) handleRemoveCategories(w http.ResponseWriter, r *http.Request) {
	// Read at the first id, under the lock: category id -> a product
	// referencing it, and parent id -> its children still stored.
	var users map[string]string
	var children map[string]map[string]bool
	s.removeEach(w, r, "category_ids", "category", func(raw any) (string, string) {
		id, _ := raw.(string)
		if users == nil {
			users, children = s.categoryUsersLocked(), s.categoryChildrenLocked()
		}
		switch {
		case id == "":
			return id, "category id must be a non-empty string"
		case s.categories[id] == nil:
			return id, fmt.Sprintf("category %q not found", id)
		case users[id] != "":
			return id, fmt.Sprintf("category %q is referenced by product %q", id, users[id])
		case len(children[id]) > 0:
			return id, fmt.Sprintf("category %q has child category %q", id, slices.Min(slices.Collect(maps.Keys(children[id]))))
		}
		parent, _ := s.categories[id]["parent_id"].(string)
		delete(children[parent], id)
		delete(s.categories, id)
		return id, ""
	})
}

// categoryUsersLocked maps each category id that the current version of a
// stored product references to the first such product, by entity code.
func (s *Server) categoryUsersLocked() map[string]string {
	users := map[string]string{}
	for code, vs := range s.products {
		cur := current(vs)
		if !cur.has("category") { // nor a channel category's, whose key is "category" too
			continue
		}
		for _, r := range categoryRefs(cur.dataMap()) {
			if first, ok := users[r.id]; !ok || code < first {
				users[r.id] = code
			}
		}
	}
	return users
}

// categoryChildrenLocked maps each category id to the ids of its stored
// children.
func (s *Server) categoryChildrenLocked() map[string]map[string]bool {
	children := map[string]map[string]bool{}
	for id, data := range s.categories {
		if parent, _ := data["parent_id"].(string); parent != "" {
			if children[parent] == nil {
				children[parent] = map[string]bool{}
			}
			children[parent][id] = true
		}
	}
	return children
}

// categoryRef is one category a product's data references: data's
// category (index -1) or channel_categories[index].category, an object
// with a category_id.
type categoryRef struct {
	index int
	id    string
	cat   map[string]any // the category object itself, in the product's data
}

// field names where the reference is, for a row's problem.
func (r categoryRef) field() string {
	if r.index < 0 {
		return "category"
	}
	return fmt.Sprintf("channel_categories[%d].category", r.index)
}

// categoryRefs returns the categories a product's data references, in the
// order of its fields: category, then each channel category's.
func categoryRefs(data map[string]any) []categoryRef {
	var refs []categoryRef
	add := func(index int, c any) {
		if m, ok := c.(map[string]any); ok {
			if id, _ := m["category_id"].(string); id != "" {
				refs = append(refs, categoryRef{index: index, id: id, cat: m})
			}
		}
	}
	add(-1, data["category"])
	list, _ := data["channel_categories"].([]any)
	for i, item := range list {
		if m, ok := item.(map[string]any); ok {
			add(i, m["category"])
		}
	}
	return refs
}

// checkCategoryRefsLocked resolves the categories a product references
// (category and channel_categories[].category) against the tenant's tree.
// A tenant with no category yet keeps the embedded categories as sent;
// once it has a tree, each reference to an id it lacks is a problem of the
// row, naming the field and the category, and a known one is completed
// with the stored fields the product did not send.
func (s *Server) checkCategoryRefsLocked(data map[string]any) []catalog.FieldProblem {
	if len(s.categories) == 0 {
		return nil
	}
	var problems []catalog.FieldProblem
	for _, r := range categoryRefs(data) {
		stored, ok := s.categories[r.id]
		if !ok {
			problems = append(problems, catalog.FieldProblem{Field: r.field(), Value: r.id, Reason: fmt.Sprintf("category %q does not exist", r.id)})
			continue
		}
		for k, v := range stored {
			if _, sent := r.cat[k]; !sent {
				r.cat[k] = deepCopy(v)
			}
		}
	}
	return problems
}
