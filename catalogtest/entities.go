package catalogtest

import (
	"fmt"
	"net/http"

	"github.com/pimkit/catalog"
)

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

// removeEach serves a removal of categories or promotions: it reads the
// array named field (1 to the request limit of items), applies remove to
// each item in order under the lock, and answers the product removal's
// summary. remove returns the item's key, for the answer's errors, and
// why it was not removed, "" when it was.
func (s *Server) removeEach(w http.ResponseWriter, r *http.Request, field, noun string, remove func(raw any) (key, refusal string)) {
	var body map[string]any
	if e := s.readJSON(w, r, &body); e != nil {
		writeAPIError(w, e)
		return
	}
	items, _ := body[field].([]any)
	if len(items) == 0 || len(items) > s.cfg.maxProducts {
		writeAPIError(w, newAPIError(http.StatusBadRequest, codeValidation, "%s must be an array of 1 to %d items", field, s.cfg.maxProducts))
		return
	}
	sum := removeSummary{Total: len(items)}
	errs := []catalog.RowError{}
	seen := map[string]int{}
	s.mu.Lock()
	for i, raw := range items {
		key, msg := "", ""
		if k, ok := removalKey(raw); ok {
			if first, dup := seen[k]; dup {
				key, msg = k, fmt.Sprintf("%s %q repeats row %d", noun, k, first)
			} else {
				seen[k] = i
				key, msg = remove(raw)
			}
		} else {
			key, msg = remove(raw)
		}
		if msg != "" {
			sum.Failed++
			errs = append(errs, catalog.RowError{Row: i, EntityCode: key, Reason: msg, RawData: marshalWire(raw)})
			continue
		}
		sum.Removed++
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, removeResponse{Success: true, Summary: sum, Errors: errs,
		Message: fmt.Sprintf("Removed %d of %d %s", sum.Removed, sum.Total, field)})
}

// removalKey is an item's identity for spotting repeats: a category id, or
// a promotion's promo_code and promo_row.
func removalKey(raw any) (string, bool) {
	switch v := raw.(type) {
	case string:
		return v, v != ""
	case map[string]any:
		return promotionKey(v)
	}
	return "", false
}
