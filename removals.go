package catalog

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"time"
)

// Paths of the product listing and removal (the project's reading of the
// platform's full-catalog replace; see api/openapi.yaml).
const (
	productsPath       = "/api/b2b/pim/products"
	productsRemovePath = "/api/b2b/pim/products/remove"
)

// ProductRef is one product of a listing: its identity and current version.
type ProductRef struct {
	EntityCode string    `json:"entity_code"`
	SKU        string    `json:"sku"`
	SourceID   string    `json:"source_id"`  // the source of its current version
	Version    int       `json:"version"`    // the current version's number
	UpdatedAt  time.Time `json:"updated_at"` // when the current version was stored
}

// List yields the products whose current version came through the import
// source sourceID, sorted by entity code, fetching a page of 1,000 at a
// time. A full-catalog sync uses it to find the products a feed no longer
// sends.
//
// GET /api/b2b/pim/products (operation listProducts)
func (s *ProductsService) List(ctx context.Context, sourceID string) iter.Seq2[ProductRef, error] {
	if sourceID == "" {
		return func(yield func(ProductRef, error) bool) {
			yield(ProductRef{}, &ValidationError{Field: "source_id", Reason: "required"})
		}
	}
	return listPages[ProductRef](ctx, s.client, productsPath, url.Values{"source_id": {sourceID}}, 1, 1000)
}

// RemoveResult is the answer of a removal. Every code sent is counted in
// Summary; Errors lists the ones not removed, Row being the index in the
// caller's slice.
type RemoveResult struct {
	Success bool          `json:"success"`
	Summary RemoveSummary `json:"summary"`
	Errors  []RowError    `json:"errors"`
	Message string        `json:"message"`
}

// RemoveSummary counts the codes of a removal.
type RemoveSummary struct {
	Total   int `json:"total"`   // codes sent
	Removed int `json:"removed"` // products removed, with all their versions
	Failed  int `json:"failed"`  // codes not found, or of another source
}

// Remove removes products of the import source sourceID from the tenant,
// with all their versions, by entity code: at most MaxProducts codes, no
// repeats. A code that names no product, or a product whose current
// version came through another source, fails on its own (Errors).
// Removals cannot be undone; Client.Sync's full mode calls it only within
// its safety rules.
//
// POST /api/b2b/pim/products/remove (operation removeProducts)
func (s *ProductsService) Remove(ctx context.Context, sourceID string, entityCodes []string) (*RemoveResult, error) {
	if sourceID == "" {
		return nil, &ValidationError{Field: "source_id", Reason: "required"}
	}
	if err := checkEntityCount("entity_codes", len(entityCodes)); err != nil {
		return nil, err
	}
	seen := make(map[string]int, len(entityCodes))
	for i, code := range entityCodes {
		if code == "" {
			return nil, &ValidationError{Field: "entity_codes", Reason: fmt.Sprintf("entry %d is empty", i)}
		}
		if first, dup := seen[code]; dup {
			return nil, &ValidationError{Field: "entity_codes", Reason: fmt.Sprintf("%q repeats entry %d", code, first)}
		}
		seen[code] = i
	}
	body, err := encodeJSON(map[string]any{"source_id": sourceID, "entity_codes": entityCodes})
	if err != nil {
		return nil, err
	}
	var res RemoveResult
	if err := s.client.run(ctx, &apiCall{method: http.MethodPost, path: productsRemovePath, body: body, out: &res}); err != nil {
		return nil, err
	}
	return &res, uncounted(productsRemovePath, res.Summary.Removed, res.Summary.Failed, len(entityCodes))
}
