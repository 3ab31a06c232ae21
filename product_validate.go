package catalog

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/pimkit/catalog/internal/gtin"
)

// encode turns a product into checked bytes, the one step Import,
// ImportAll, the Batcher and Sync take for every row: it validates p (this
// file), then writes it (encodeProduct, product_json.go). It returns p's
// JSON, valid until the next call, or the row fault (Rejected, with the
// field and EntityCode; the caller sets Row). seen maps the identities
// already in the request to their rows.
func (e *rowEncoder) encode(p *Product, seen map[string]int) ([]byte, *RowError) {
	rowErr := validateProduct(p, seen)
	if rowErr == nil {
		if err := e.encodeProduct(p); err != nil {
			rowErr = &RowError{Reason: "cannot be encoded: " + err.Error()}
			if xe, ok := err.(*extraError); ok {
				rowErr.Field, rowErr.Reason = atKey("extra", xe.key), "cannot be encoded: "+xe.err.Error()
			}
		}
	}
	if rowErr != nil {
		rowErr.EntityCode, rowErr.Rejected = p.EntityCode, true
		return nil, rowErr
	}
	return e.w.b, nil
}

// checkRequest refuses what the server would refuse with a 400 as a whole.
func checkRequest(sourceID string, n int, mode MergeMode) error {
	switch {
	case sourceID == "":
		return invalid("source_id", "required")
	case n == 0:
		return invalid("products", "empty; send 1 to "+strconv.Itoa(MaxProducts)+" products")
	case n > MaxProducts:
		return invalid("products", fmt.Sprintf("%d products; at most %d per request", n, MaxProducts))
	}
	if mode != "" && mode != MergeReplace && mode != MergePartial {
		return invalid("merge_mode", fmt.Sprintf("%q; want %q or %q", mode, MergeReplace, MergePartial))
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
	for i, ean := range p.EAN {
		if !gtin.Valid(ean) { // the platform's rule, for JSON rows and file uploads alike: see internal/gtin
			return &RowError{Field: at("ean", i), Reason: gtin.Reason(ean)}
		}
	}
	if f, bad := firstBadNumber(p); bad {
		return f.rowError()
	}
	return checkExtraKeys(p.Extra)
}

// Every number a product holds is checked before the row is sent: NaN and
// ±Inf cannot be written as JSON, and a negative stock, weight or price, or
// a percentage outside 0..100, is a fault in the feed that the platform
// would store as is. The walk below visits Product field by field, in
// declaration order, and allocates nothing unless it finds a fault: it runs
// once per row.
//
// Rules, by field:
//   - prices (price, pricing's list, retail, sale and their _unit forms,
//     parent_product.price, sibling_variants[].price): finite, >= 0;
//   - percentages (pricing's vat_rate, list_discount_pct, sale_discount_pct;
//     promotions' discount_percentage; min_score_threshold): 0 to 100;
//   - quantities and measures (quantity, sold, weight, volume, the three
//     dimensions, packaging qty, promotions' min_quantity and
//     min_order_value): finite, >= 0;
//   - counts, sizes, depths and positions (brand product_count, level,
//     size_bytes, position, promo_row): >= 0;
//   - values that may be a string or a number (attribute, spec and meta
//     values, variant_attributes, Extra): finite when they hold a number,
//     at any depth of a []any or map[string]any;
//   - sort keys (display_order, order, priority) may be any integer.

// numRule is what one number must satisfy.
type numRule uint8

const (
	ruleFinite   numRule = iota // any finite number
	rulePrice                   // a finite number >= 0, named a price in the reason
	ruleNonNeg                  // a finite number >= 0
	rulePercent                 // a finite number from 0 to 100
	ruleIndex                   // an integer >= 0
	ruleSortable                // any integer
)

func (r numRule) holds(v float64) bool {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return false
	}
	switch r {
	case rulePrice, ruleNonNeg, ruleIndex:
		return v >= 0
	case rulePercent:
		return v >= 0 && v <= 100
	}
	return true
}

func (r numRule) reason(v float64) string {
	got := strconv.FormatFloat(v, 'g', -1, 64)
	switch r {
	case rulePrice:
		return "price must be a finite number >= 0, got " + got
	case ruleNonNeg:
		return "must be a finite number >= 0, got " + got
	case rulePercent:
		return "must be a percentage from 0 to 100, got " + got
	case ruleIndex:
		return "must be >= 0, got " + got
	}
	return "must be a finite number, got " + got
}

// numFault is the first number of a row that breaks its rule.
type numFault struct {
	field string // path from the product, such as "packaging_options[1].qty"
	v     float64
	rule  numRule
}

func (f numFault) rowError() *RowError {
	return &RowError{Field: f.field, Reason: f.rule.reason(f.v)}
}

// under prefixes the fault's path with the object that holds it.
func (f numFault) under(prefix string) numFault {
	f.field = prefix + "." + f.field
	return f
}

// at names an element: at("images", 2) is "images[2]".
func at(name string, i int) string { return name + "[" + strconv.Itoa(i) + "]" }

// atKey names a map entry: atKey("extra", "Prix") is `extra["Prix"]`.
func atKey(name, key string) string { return name + "[" + strconv.Quote(key) + "]" }

// num is one named number of a struct; int fields go through num too.
type num struct {
	name string
	f    *float64
	i    *int
	rule numRule
}

func firstBadNum(nums ...num) (numFault, bool) {
	for _, n := range nums {
		var v float64
		switch {
		case n.f != nil:
			v = *n.f
		case n.i != nil:
			v = float64(*n.i)
		default:
			continue
		}
		if !n.rule.holds(v) {
			return numFault{field: n.name, v: v, rule: n.rule}, true
		}
	}
	return numFault{}, false
}

// firstBadNumber walks p's numbers in field order and returns the first
// that breaks its rule.
func firstBadNumber(p *Product) (numFault, bool) {
	if f, bad := firstBadNum(
		num{name: "quantity", f: p.Quantity, rule: ruleNonNeg},
		num{name: "sold", f: p.Sold, rule: ruleNonNeg},
		num{name: "weight", f: p.Weight, rule: ruleNonNeg},
		num{name: "volume", f: p.Volume, rule: ruleNonNeg},
		num{name: "dimension_height", f: p.DimensionHeight, rule: ruleNonNeg},
		num{name: "dimension_width", f: p.DimensionWidth, rule: ruleNonNeg},
		num{name: "dimension_length", f: p.DimensionLength, rule: ruleNonNeg},
	); bad {
		return f, true
	}
	if f, bad := badBrand(p.Brand); bad {
		return f.under("brand"), true
	}
	if f, bad := badCategory(p.Category); bad {
		return f.under("category"), true
	}
	for i := range p.ChannelCategories {
		if f, bad := badCategory(p.ChannelCategories[i].Category); bad {
			return f.under(at("channel_categories", i) + ".category"), true
		}
	}
	for i := range p.Collections {
		if f, bad := firstBadNum(num{name: "level", i: p.Collections[i].Level, rule: ruleIndex}); bad {
			return f.under(at("collections", i)), true
		}
	}
	for i := range p.Images {
		im := &p.Images[i]
		if f, bad := firstBadNum(num{name: "position", i: im.Position, rule: ruleIndex}, num{name: "size_bytes", i: im.SizeBytes, rule: ruleIndex}); bad {
			return f.under(at("images", i)), true
		}
	}
	for i := range p.Media {
		m := &p.Media[i]
		if f, bad := firstBadNum(num{name: "size_bytes", i: m.SizeBytes, rule: ruleIndex}, num{name: "position", i: m.Position, rule: ruleIndex}); bad {
			return f.under(at("media", i)), true
		}
	}
	if f, bad := badLangLists("attributes", p.Attributes, func(a *Attribute) any { return a.Value }); bad {
		return f, true
	}
	if f, bad := badLangLists("technical_specifications", p.TechnicalSpecifications, func(s *TechnicalSpec) any { return s.Value }); bad {
		return f, true
	}
	for i := range p.Meta {
		if v, bad := badAny(p.Meta[i].Value); bad {
			return numFault{field: at("meta", i) + ".value", v: v}, true
		}
	}
	if f, bad := firstBadNum(num{name: "price", f: p.Price, rule: rulePrice}); bad {
		return f, true
	}
	if f, bad := badPricing(p.Pricing); bad {
		return f.under("pricing"), true
	}
	for i := range p.PackagingOptions {
		if f, bad := badPackagingOption(&p.PackagingOptions[i]); bad {
			return f.under(at("packaging_options", i)), true
		}
	}
	for i := range p.PackagingInfo {
		if f, bad := firstBadNum(num{name: "qty", f: p.PackagingInfo[i].Qty, rule: ruleNonNeg}); bad {
			return f.under(at("packaging_info", i)), true
		}
	}
	for i := range p.Promotions {
		if f, bad := badPromotion(&p.Promotions[i]); bad {
			return f.under(at("promotions", i)), true
		}
	}
	if pp := p.ParentProduct; pp != nil {
		if f, bad := firstBadNum(num{name: "price", f: pp.Price, rule: rulePrice}); bad {
			return f.under("parent_product"), true
		}
		if f, bad := badBrand(pp.Brand); bad {
			return f.under("parent_product.brand"), true
		}
		if f, bad := badCategory(pp.Category); bad {
			return f.under("parent_product.category"), true
		}
	}
	for i := range p.SiblingVariants {
		sv := &p.SiblingVariants[i]
		if key, v, bad := badAnyMap(sv.VariantAttributes); bad {
			return numFault{field: at("sibling_variants", i) + "." + atKey("variant_attributes", key), v: v}, true
		}
		if f, bad := firstBadNum(num{name: "price", f: sv.Price, rule: rulePrice}); bad {
			return f.under(at("sibling_variants", i)), true
		}
	}
	if f, bad := firstBadNum(num{name: "min_score_threshold", f: p.MinScoreThreshold, rule: rulePercent}); bad {
		return f, true
	}
	if key, v, bad := badAnyMap(p.Extra); bad {
		return numFault{field: atKey("extra", key), v: v}, true
	}
	return numFault{}, false
}

func badBrand(b *Brand) (numFault, bool) {
	if b == nil {
		return numFault{}, false
	}
	if f, bad := firstBadNum(num{name: "product_count", i: b.ProductCount, rule: ruleIndex}, num{name: "level", i: b.Level, rule: ruleIndex}); bad {
		return f, true
	}
	for i := range b.Hierarchy {
		if f, bad := badBrand(&b.Hierarchy[i]); bad {
			return f.under(at("hierarchy", i)), true
		}
	}
	return numFault{}, false
}

func badCategory(c *Category) (numFault, bool) {
	if c == nil {
		return numFault{}, false
	}
	if f, bad := firstBadNum(num{name: "level", i: c.Level, rule: ruleIndex}); bad {
		return f, true
	}
	for i := range c.Hierarchy {
		if f, bad := badCategory(&c.Hierarchy[i]); bad {
			return f.under(at("hierarchy", i)), true
		}
	}
	return numFault{}, false
}

func badPricing(pr *Pricing) (numFault, bool) {
	if pr == nil {
		return numFault{}, false
	}
	return firstBadNum(
		num{name: "list", f: pr.List, rule: rulePrice},
		num{name: "retail", f: pr.Retail, rule: rulePrice},
		num{name: "sale", f: pr.Sale, rule: rulePrice},
		num{name: "vat_rate", f: pr.VATRate, rule: rulePercent},
		num{name: "list_unit", f: pr.ListUnit, rule: rulePrice},
		num{name: "retail_unit", f: pr.RetailUnit, rule: rulePrice},
		num{name: "sale_unit", f: pr.SaleUnit, rule: rulePrice},
		num{name: "list_discount_pct", f: pr.ListDiscountPct, rule: rulePercent},
		num{name: "sale_discount_pct", f: pr.SaleDiscountPct, rule: rulePercent},
	)
}

func badPackagingOption(o *PackagingOption) (numFault, bool) {
	if f, bad := firstBadNum(num{name: "qty", f: o.Qty, rule: ruleNonNeg}, num{name: "position", i: o.Position, rule: ruleIndex}); bad {
		return f, true
	}
	if f, bad := badPricing(o.Pricing); bad {
		return f.under("pricing"), true
	}
	for i := range o.Promotions {
		if f, bad := badPromotion(&o.Promotions[i]); bad {
			return f.under(at("promotions", i)), true
		}
	}
	return numFault{}, false
}

func badPromotion(pr *Promotion) (numFault, bool) {
	return firstBadNum(
		num{name: "promo_row", i: pr.PromoRow, rule: ruleIndex},
		num{name: "discount_percentage", f: pr.DiscountPercentage, rule: rulePercent},
		num{name: "priority", i: pr.Priority, rule: ruleSortable},
		num{name: "min_quantity", f: pr.MinQuantity, rule: ruleNonNeg},
		num{name: "min_order_value", f: pr.MinOrderValue, rule: ruleNonNeg},
	)
}

// badLangLists checks the string-or-number values of lists keyed by
// language, such as name["en"][1].value. Map order is random, so of several
// faulty languages the smallest code is reported, for the same answer on
// every run.
func badLangLists[T any](name string, m map[string][]T, value func(*T) any) (numFault, bool) {
	var found numFault
	var foundLang string
	bad := false
	for lang, list := range m {
		if bad && lang >= foundLang {
			continue
		}
		for i := range list {
			if v, isBad := badAny(value(&list[i])); isBad {
				found, foundLang, bad = numFault{field: at(atKey(name, lang), i) + ".value", v: v}, lang, true
				break
			}
		}
	}
	return found, bad
}

// badAnyMap returns the smallest key of m whose value holds a number that
// is not finite.
func badAnyMap(m map[string]any) (key string, v float64, bad bool) {
	for k, val := range m {
		if bad && k >= key {
			continue
		}
		if bv, isBad := badAny(val); isBad {
			key, v, bad = k, bv, true
		}
	}
	return key, v, bad
}

// badAny reports a number that is not finite in a value of type any: a
// float, or one inside a []any or map[string]any.
func badAny(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, math.IsNaN(x) || math.IsInf(x, 0)
	case float32:
		f := float64(x)
		return f, math.IsNaN(f) || math.IsInf(f, 0)
	case *float64:
		if x != nil {
			return badAny(*x)
		}
	case []any:
		for _, e := range x {
			if f, bad := badAny(e); bad {
				return f, true
			}
		}
	case map[string]any:
		_, f, bad := badAnyMap(x)
		return f, bad
	}
	return 0, false
}

// checkUpdateMask refuses a mask the platform could not apply as meant: an
// empty or malformed path, a repeated one, one whose first segment is no
// field of Product (a typo would clear nothing and update nothing), or the
// identifiers.
func checkUpdateMask(mask []string) error {
	seen := make(map[string]bool, len(mask))
	for _, path := range mask {
		top, _, _ := strings.Cut(path, ".")
		switch {
		case !isFieldPath(path):
			return invalid("update_mask", fmt.Sprintf("%q is not a field path", path))
		case top == "entity_code" || top == "sku":
			return invalid("update_mask", top+" identifies the product and cannot be masked")
		case productJSONNames[top] == "":
			return invalid("update_mask", fmt.Sprintf("%q: no product field %q", path, top))
		case seen[path]:
			return invalid("update_mask", fmt.Sprintf("%q is listed twice", path))
		}
		seen[path] = true
	}
	return nil
}

// isFieldPath reports whether s is a dotted field path: non-empty segments
// joined by single dots.
func isFieldPath(s string) bool {
	return s != "" && !strings.HasPrefix(s, ".") && !strings.HasSuffix(s, ".") && !strings.Contains(s, "..")
}
