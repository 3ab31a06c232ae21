package catalog

import (
	"fmt"
	"strconv"
)

// checkRequest refuses what the server would refuse with a 400 as a whole.
func checkRequest(sourceID string, n int, mode MergeMode) error {
	switch {
	case sourceID == "":
		return &ValidationError{Field: "source_id", Reason: "required"}
	case n == 0:
		return &ValidationError{Field: "products", Reason: "empty; send 1 to " + strconv.Itoa(MaxProducts) + " products"}
	case n > MaxProducts:
		return &ValidationError{Field: "products", Reason: fmt.Sprintf("%d products; at most %d per request", n, MaxProducts)}
	}
	if mode != "" && mode != MergeReplace && mode != MergePartial {
		return &ValidationError{Field: "merge_mode", Reason: fmt.Sprintf("%q; want %q or %q", mode, MergeReplace, MergePartial)}
	}
	return nil
}

// key is the identity the platform matches versions by: entity_code,
// falling back to sku.
func (p *Product) key() string {
	if p.EntityCode != "" {
		return p.EntityCode
	}
	return p.SKU
}

// validateProduct returns the first fault of a row, or nil. seen maps the
// keys of the rows accepted so far in the request to their index.
func validateProduct(p *Product, seen map[string]int) *RowError {
	if p.key() == "" {
		return &RowError{Field: "entity_code", Reason: "entity_code or sku is required"}
	}
	if first, dup := seen[p.key()]; dup {
		return &RowError{Field: "entity_code", Reason: fmt.Sprintf("%q repeats row %d of the same request", p.key(), first)}
	}
	if f, bad := firstBadNumber(p); bad {
		return f.rowError()
	}
	return checkExtraKeys(p.Extra)
}
