package catalogtest

import (
	"fmt"
	"net/http"
	"sort"

	"github.com/pimkit/catalog"
)

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
	page, perPage, e := pageParams(r)
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
		if vs[len(vs)-1].Source.SourceID == sourceID {
			codes = append(codes, code)
		}
	}
	sort.Strings(codes)
	from, to := pageBounds(len(codes), page, perPage)
	data := make([]map[string]any, 0, to-from)
	for _, code := range codes[from:to] {
		v := s.products[code][len(s.products[code])-1]
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
	sum := catalog.RemoveSummary{Total: len(codes)}
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
		case vs[len(vs)-1].Source.SourceID != body.SourceID:
			fail(i, code, raw, fmt.Sprintf("product %q belongs to source %q", code, vs[len(vs)-1].Source.SourceID))
		default:
			delete(s.products, code)
			sum.Removed++
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, catalog.RemoveResult{Success: true, Summary: sum, Errors: errs,
		Message: fmt.Sprintf("Removed %d of %d products", sum.Removed, sum.Total)})
}
