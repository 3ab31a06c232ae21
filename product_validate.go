package catalog

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/pimkit/catalog/internal/gtin"
)

// encode turns a product into checked bytes, the one step Import,
// ImportAll, the Batcher and Sync take for every row: it validates p (this
// file), then writes it (encodeProduct, product_json.go). It returns p's
// JSON, valid until the next call, or the row fault (Rejected, with every
// problem found, the first its Field, and EntityCode; the caller sets Row). seen maps the identities
// already in the request to their rows.
func (e *rowEncoder) encode(p *Product, seen map[string]int) ([]byte, *RowError) {
	rowErr := validateProduct(p, seen)
	if rowErr == nil {
		if err := e.encodeProduct(p); err != nil {
			rowErr = &RowError{Reason: "cannot be encoded: " + err.Error()}
			if xe, ok := err.(*extraError); ok {
				rowErr = refusal(atKey("extra", xe.key), "", "cannot be encoded: "+xe.err.Error())
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

// validateProduct returns every fault of a row, or nil: its Problems, in
// field order, the first also its Field and Reason. seen maps the keys of
// the rows accepted so far in the request to their index.
func validateProduct(p *Product, seen map[string]int) *RowError {
	var c checks
	if p.key() == "" {
		c.add("entity_code", "", "entity_code or sku is required")
	} else if first, dup := seen[p.key()]; dup {
		c.add("entity_code", p.key(), fmt.Sprintf("%q repeats row %d of the same request", p.key(), first))
	}
	for i, ean := range p.EAN {
		if !gtin.Valid(ean) { // the platform's rule, for JSON rows and file uploads alike: see internal/gtin
			c.add(at("ean", i), ean, gtin.Reason(ean))
		}
	}
	c.numbers(p)
	c.extraKeys(p.Extra)
	return c.rowError()
}

// refusal is the fault of a row the client refuses for one problem, of
// one field.
func refusal(field, value, reason string) *RowError {
	return &RowError{Field: field, Reason: reason, Rejected: true, Problems: []FieldProblem{{Field: field, Value: value, Reason: reason}}}
}

// checks gathers the problems of one row. It allocates only when it finds
// one: a valid row costs nothing.
type checks struct {
	problems []FieldProblem
}

func (c *checks) add(field, value, reason string) {
	c.problems = append(c.problems, FieldProblem{Field: field, Value: value, Reason: reason})
}

// rowError is the row fault of the problems found; nil when none.
func (c *checks) rowError() *RowError {
	if len(c.problems) == 0 {
		return nil
	}
	return &RowError{Field: c.problems[0].Field, Reason: c.problems[0].Reason, Problems: c.problems}
}

// mark is where the problems of a nested object start, for under.
func (c *checks) mark() int { return len(c.problems) }

// under prefixes the paths of the problems found since from with the
// object that holds them; the prefix is built only when there are some.
func (c *checks) under(from int, prefix string) {
	for i := from; i < len(c.problems); i++ {
		c.problems[i].Field = prefix + "." + c.problems[i].Field
	}
}

// underAt is under for the element i of the list name: under(from,
// "name[i]"), without building the name unless a problem needs it.
func (c *checks) underAt(from int, name string, i int) {
	if from < len(c.problems) {
		c.under(from, at(name, i))
	}
}

// Every number a product holds is checked before the row is sent: NaN and
// ±Inf cannot be written as JSON, and a negative stock, weight or price, or
// a percentage outside 0..100, is a fault in the feed that the platform
// would store as is. The walk below visits Product field by field, in
// declaration order, reports every number that breaks its rule, and
// allocates nothing unless it finds one: it runs once per row.
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
//     at any depth of a []any or map[string]any (one problem per value);
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

func (r numRule) reason(got string) string {
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

// badNumber records that the number v at field breaks rule.
func (c *checks) badNumber(field string, v float64, rule numRule) {
	got := strconv.FormatFloat(v, 'g', -1, 64)
	c.add(field, got, rule.reason(got))
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

// nums checks each named number against its rule.
func (c *checks) nums(nums ...num) {
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
			c.badNumber(n.name, v, n.rule)
		}
	}
}

// numbers walks p's numbers in field order and records every one that
// breaks its rule.
func (c *checks) numbers(p *Product) {
	c.nums(
		num{name: "quantity", f: p.Quantity, rule: ruleNonNeg},
		num{name: "sold", f: p.Sold, rule: ruleNonNeg},
		num{name: "weight", f: p.Weight, rule: ruleNonNeg},
		num{name: "volume", f: p.Volume, rule: ruleNonNeg},
		num{name: "dimension_height", f: p.DimensionHeight, rule: ruleNonNeg},
		num{name: "dimension_width", f: p.DimensionWidth, rule: ruleNonNeg},
		num{name: "dimension_length", f: p.DimensionLength, rule: ruleNonNeg},
	)
	from := c.mark()
	c.brand(p.Brand)
	c.under(from, "brand")
	from = c.mark()
	c.category(p.Category)
	c.under(from, "category")
	for i := range p.ChannelCategories {
		from := c.mark()
		c.category(p.ChannelCategories[i].Category)
		if from < c.mark() {
			c.under(from, at("channel_categories", i)+".category")
		}
	}
	for i := range p.Collections {
		from := c.mark()
		c.nums(num{name: "level", i: p.Collections[i].Level, rule: ruleIndex})
		c.underAt(from, "collections", i)
	}
	for i := range p.Images {
		im, from := &p.Images[i], c.mark()
		c.nums(num{name: "position", i: im.Position, rule: ruleIndex}, num{name: "size_bytes", i: im.SizeBytes, rule: ruleIndex})
		c.underAt(from, "images", i)
	}
	for i := range p.Media {
		m, from := &p.Media[i], c.mark()
		c.nums(num{name: "size_bytes", i: m.SizeBytes, rule: ruleIndex}, num{name: "position", i: m.Position, rule: ruleIndex})
		c.underAt(from, "media", i)
	}
	langLists(c, "attributes", p.Attributes, func(a *Attribute) any { return a.Value })
	langLists(c, "technical_specifications", p.TechnicalSpecifications, func(s *TechnicalSpec) any { return s.Value })
	for i := range p.Meta {
		if v, bad := badAny(p.Meta[i].Value); bad {
			c.badNumber(at("meta", i)+".value", v, ruleFinite)
		}
	}
	c.nums(num{name: "price", f: p.Price, rule: rulePrice})
	from = c.mark()
	c.pricing(p.Pricing)
	c.under(from, "pricing")
	for i := range p.PackagingOptions {
		from := c.mark()
		c.packagingOption(&p.PackagingOptions[i])
		c.underAt(from, "packaging_options", i)
	}
	for i := range p.PackagingInfo {
		from := c.mark()
		c.nums(num{name: "qty", f: p.PackagingInfo[i].Qty, rule: ruleNonNeg})
		c.underAt(from, "packaging_info", i)
	}
	for i := range p.Promotions {
		from := c.mark()
		c.promotion(&p.Promotions[i])
		c.underAt(from, "promotions", i)
	}
	if pp := p.ParentProduct; pp != nil {
		from := c.mark()
		c.nums(num{name: "price", f: pp.Price, rule: rulePrice})
		brandAt := c.mark()
		c.brand(pp.Brand)
		c.under(brandAt, "brand")
		categoryAt := c.mark()
		c.category(pp.Category)
		c.under(categoryAt, "category")
		c.under(from, "parent_product")
	}
	for i := range p.SiblingVariants {
		sv, from := &p.SiblingVariants[i], c.mark()
		c.anyMap("variant_attributes", sv.VariantAttributes)
		c.nums(num{name: "price", f: sv.Price, rule: rulePrice})
		c.underAt(from, "sibling_variants", i)
	}
	c.nums(num{name: "min_score_threshold", f: p.MinScoreThreshold, rule: rulePercent})
	c.anyMap("extra", p.Extra)
}

func (c *checks) brand(b *Brand) {
	if b == nil {
		return
	}
	c.nums(num{name: "product_count", i: b.ProductCount, rule: ruleIndex}, num{name: "level", i: b.Level, rule: ruleIndex})
	for i := range b.Hierarchy {
		from := c.mark()
		c.brand(&b.Hierarchy[i])
		c.underAt(from, "hierarchy", i)
	}
}

func (c *checks) category(cat *Category) {
	if cat == nil {
		return
	}
	c.nums(num{name: "level", i: cat.Level, rule: ruleIndex})
	for i := range cat.Hierarchy {
		from := c.mark()
		c.category(&cat.Hierarchy[i])
		c.underAt(from, "hierarchy", i)
	}
}

func (c *checks) pricing(pr *Pricing) {
	if pr == nil {
		return
	}
	c.nums(
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

func (c *checks) packagingOption(o *PackagingOption) {
	c.nums(num{name: "qty", f: o.Qty, rule: ruleNonNeg}, num{name: "position", i: o.Position, rule: ruleIndex})
	from := c.mark()
	c.pricing(o.Pricing)
	c.under(from, "pricing")
	for i := range o.Promotions {
		from := c.mark()
		c.promotion(&o.Promotions[i])
		c.underAt(from, "promotions", i)
	}
}

func (c *checks) promotion(pr *Promotion) {
	c.nums(
		num{name: "promo_row", i: pr.PromoRow, rule: ruleIndex},
		num{name: "discount_percentage", f: pr.DiscountPercentage, rule: rulePercent},
		num{name: "priority", i: pr.Priority, rule: ruleSortable},
		num{name: "min_quantity", f: pr.MinQuantity, rule: ruleNonNeg},
		num{name: "min_order_value", f: pr.MinOrderValue, rule: ruleNonNeg},
	)
}

// langLists checks the string-or-number values of lists keyed by
// language, such as attributes["en"][1].value. Map order is random, so the
// problems are recorded by language code, for the same answer on every
// run; the codes are sorted only when there is a problem.
func langLists[T any](c *checks, name string, m map[string][]T, value func(*T) any) {
	bad := func(list []T) bool {
		for i := range list {
			if _, isBad := badAny(value(&list[i])); isBad {
				return true
			}
		}
		return false
	}
	found := false
	for _, list := range m {
		if found = bad(list); found {
			break
		}
	}
	if !found {
		return
	}
	for _, lang := range slices.Sorted(maps.Keys(m)) {
		for i, item := range m[lang] {
			if v, isBad := badAny(value(&item)); isBad {
				c.badNumber(at(atKey(name, lang), i)+".value", v, ruleFinite)
			}
		}
	}
}

// anyMap records every key of m (the map field name) whose value holds a
// number that is not finite, by key, sorting the keys only when there is
// one.
func (c *checks) anyMap(name string, m map[string]any) {
	found := false
	for _, val := range m {
		if _, found = badAny(val); found {
			break
		}
	}
	if !found {
		return
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if v, bad := badAny(m[k]); bad {
			c.badNumber(atKey(name, k), v, ruleFinite)
		}
	}
}

// badAny reports a number that is not finite in a value of type any: a
// float, or the first one inside a []any or map[string]any (the smallest
// key's, for the same answer on every run).
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

// extraKeys records every Extra key that is the JSON name of a typed
// field, by key.
func (c *checks) extraKeys(extra map[string]any) {
	if _, bad := collidingExtraKey(extra); !bad {
		return
	}
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		if _, typed := productJSONNames[k]; typed {
			c.add(atKey("extra", k), "", collision(k))
		}
	}
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
