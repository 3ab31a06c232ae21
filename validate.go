package catalog

import (
	"fmt"
	"math"
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
// keys of the rows accepted so far to their index.
func validateProduct(p *Product, seen map[string]int) *RowError {
	if p.key() == "" {
		return &RowError{Field: "entity_code", Reason: "entity_code or sku is required"}
	}
	if first, dup := seen[p.key()]; dup {
		return &RowError{Field: "entity_code", Reason: fmt.Sprintf("%q repeats row %d of the same request", p.key(), first)}
	}
	if field, v, bad := firstBadPrice(p); bad {
		return &RowError{Field: field, Reason: fmt.Sprintf("price must be a finite number >= 0, got %v", v)}
	}
	return nil
}

// firstBadPrice finds the first price of p, in field order, that is negative
// or not finite. It allocates nothing on the way: it runs once per row.
func firstBadPrice(p *Product) (field string, v float64, bad bool) {
	if badPrice(p.Price) {
		return "price", *p.Price, true
	}
	if f, v, bad := firstBadPricing(p.Pricing); bad {
		return "pricing." + f, v, true
	}
	for i := range p.PackagingOptions {
		if f, v, bad := firstBadPricing(p.PackagingOptions[i].Pricing); bad {
			return fmt.Sprintf("packaging_options[%d].pricing.%s", i, f), v, true
		}
	}
	if p.ParentProduct != nil && badPrice(p.ParentProduct.Price) {
		return "parent_product.price", *p.ParentProduct.Price, true
	}
	for i := range p.SiblingVariants {
		if badPrice(p.SiblingVariants[i].Price) {
			return fmt.Sprintf("sibling_variants[%d].price", i), *p.SiblingVariants[i].Price, true
		}
	}
	return "", 0, false
}

func firstBadPricing(pr *Pricing) (field string, v float64, bad bool) {
	if pr == nil {
		return "", 0, false
	}
	for _, f := range [...]struct {
		name string
		v    *float64
	}{
		{"list", pr.List}, {"retail", pr.Retail}, {"sale", pr.Sale},
		{"list_unit", pr.ListUnit}, {"retail_unit", pr.RetailUnit}, {"sale_unit", pr.SaleUnit},
	} {
		if badPrice(f.v) {
			return f.name, *f.v, true
		}
	}
	return "", 0, false
}

func badPrice(v *float64) bool {
	return v != nil && (*v < 0 || math.IsNaN(*v) || math.IsInf(*v, 0))
}

// envelope is every request field but products, which importBody splices in
