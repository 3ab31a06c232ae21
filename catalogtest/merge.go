package catalogtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/internal/docpath"
	"github.com/pimkit/catalog/internal/gtin"
)

// defaultScoreThreshold is the completeness score that publishes a product
// when neither the product nor its source sets min_score_threshold.
const defaultScoreThreshold = 80

// multilingualFields are wrapped as {<default language>: value} unless they
// are already language-keyed.
var multilingualFields = []string{"name", "slug", "description", "short_description",
	"long_description", "meta_title", "meta_description", "product_status_description"}

// publishFlags are re-applied from the previous version in replace mode when
// the incoming product omits them.
var publishFlags = []string{"auto_publish_enabled", "min_score_threshold", "required_fields"}

// rowResult is the outcome of applying one row.
type rowResult struct {
	err        *catalog.RowError
	entityCode string
	created    bool
	published  bool
}

// applyRowLocked applies one incoming product; s.mu must be held. A bad
// row yields a row error and leaves the import going.
func (s *Server) applyRowLocked(run *importRun, row int, raw any) rowResult {
	obj, ok := raw.(map[string]any)
	if !ok {
		return rowFailure(row, "", raw, "product must be a JSON object, got "+jsonKind(raw))
	}
	data := deepCopyMap(obj)
	// Mapped values are checked below as the fields they became: seed 004
	// has each product "mapped through source.field_mappings first, then
	// the mapped object is persisted".
	applyMappings(data, run.req.source.FieldMappings)
	s.wrapMultilingual(data)
	// Every problem of the row's fields is reported, not only the first
	// (seed 002's InvalidLines): its identity, its EANs, its categories,
	// then the type of each other field.
	var problems []catalog.FieldProblem
	code, ok := entityCode(data)
	if !ok {
		problems = append(problems, catalog.FieldProblem{Field: "entity_code", Reason: "entity_code or sku is required"})
	}
	problems = append(problems, eanProblems(data["ean"])...)
	if storesCategories(run.req.updateMask) {
		problems = append(problems, s.checkCategoryRefsLocked(data)...)
	}
	problems = append(problems, typeProblems(data, problems)...)
	if len(problems) > 0 {
		return fieldFailure(row, code, raw, problems)
	}
	data["entity_code"] = code

	history := s.products[code]
	if len(history) == 0 && run.req.updateOnly {
		return rowFailure(row, code, raw, fmt.Sprintf("product %q does not exist; update_only never creates one", code))
	}
	next := data
	var prev map[string]any
	if n := len(history); n > 0 {
		prev = history[n-1].previous(run.req)
	}
	switch {
	case len(run.req.updateMask) > 0:
		next = maskVersion(prev, data, run.req.updateMask, run.req.source.LockedFields)
	case prev != nil:
		next = mergeVersion(prev, data, run.req.mergeMode, run.req.source.LockedFields)
	}
	if sku, _ := next["sku"].(string); sku == "" {
		next["sku"] = code
	}
	var cur *ProductVersion
	if n := len(history); n > 0 {
		m := history[n-1].meta()
		cur = &m
	}
	v, autoPublished := s.newVersion(run, code, next, cur)
	s.storeVersionLocked(v)
	return rowResult{entityCode: code, created: len(history) == 0, published: autoPublished}
}

func rowFailure(row int, code string, raw any, msg string) rowResult {
	return rowResult{entityCode: code, err: &catalog.RowError{Row: row, EntityCode: code, Reason: msg, RawData: marshalWire(raw)}}
}

// fieldFailure is the row error of a row with problems in its fields: its
// error is the first problem's reason, and problems lists them all.
func fieldFailure(row int, code string, raw any, problems []catalog.FieldProblem) rowResult {
	r := rowFailure(row, code, raw, problems[0].Reason)
	r.err.Problems = problems
	return r
}

// eanProblems names every entry of a product's ean list that is not a
// valid EAN, by the client's rule too (see internal/gtin).
func eanProblems(list any) []catalog.FieldProblem {
	eans, _ := list.([]any)
	var out []catalog.FieldProblem
	for i, v := range eans {
		if ean, _ := v.(string); !gtin.Valid(ean) {
			text := fmt.Sprint(v)
			out = append(out, catalog.FieldProblem{Field: fmt.Sprintf("ean[%d]", i), Value: text, Reason: gtin.Reason(text)})
		}
	}
	return out
}

// typeProblems names each field of data whose value does not fit its type
// in catalog.Product (a quantity "x", an ean that is one string), so that
// every stored version reads back through ProductVersion.Product. Fields
// already named in found are left out, so a row names each field once,
// and so are entity_code and sku, which the identity rule settles (a sku
// that is not text is replaced by the entity code).
//
// A single string is not wrapped into a one-element ean list: seed 004
// types ean as "ean[] | string[]" and says "Plain strings are
// auto-wrapped" only of the multilingual fields (which wrapMultilingual
// has wrapped by now).
func typeProblems(data map[string]any, found []catalog.FieldProblem) []catalog.FieldProblem {
	if structFits(data, productType) { // the usual row, answered without decoding
		return nil
	}
	skip := map[string]bool{"entity_code": true, "sku": true}
	for _, p := range found {
		skip[topField(p.Field)] = true
	}
	var out []catalog.FieldProblem
	for _, key := range slices.Sorted(maps.Keys(data)) {
		if skip[key] {
			continue
		}
		if err := fitsProduct(map[string]any{key: data[key]}); err != nil {
			out = append(out, typeProblem(data, key, err))
		}
	}
	return out
}

// productShape is catalog.Product without its JSON methods: decoding into
// it is the first step of Product.UnmarshalJSON, the only one that can
// fail on valid JSON (the rest collects the other keys into Extra), at
// half the cost.
type productShape catalog.Product

// fitsProduct decodes data as ProductVersion.Product reads a stored
// version, returning the error that read would fail with.
func fitsProduct(data map[string]any) error {
	raw, err := json.Marshal(textsAsStored(data))
	if err != nil {
		return err
	}
	var p productShape
	return json.Unmarshal(raw, &p)
}

// typeProblem describes err, the failure to decode data's key, as the
// fake's 400 answers describe a request field of the wrong type, naming the
// innermost field: the list entry ("packaging_options[1].ean") and the key
// as sent (a "Quantity" is the quantity field but its value is under
// "Quantity").
func typeProblem(data map[string]any, key string, err error) catalog.FieldProblem {
	field, v := key, data[key]
	if list, ok := v.([]any); ok {
		for i, item := range list {
			if itemErr := fitsProduct(map[string]any{key: []any{item}}); itemErr != nil {
				field, v, err = fmt.Sprintf("%s[%d]", key, i), item, itemErr
				break
			}
		}
	}
	found := true
	var typ *json.UnmarshalTypeError
	if !errors.As(err, &typ) {
		return catalog.FieldProblem{Field: field, Value: valueText(v), Reason: fmt.Sprintf("field %s: %v", field, err)}
	}
	if _, inner, nested := strings.Cut(typ.Field, "."); nested {
		field += "." + inner
		obj, _ := v.(map[string]any)
		v, found = getPath(obj, inner)
	}
	p := catalog.FieldProblem{Field: field, Reason: fmt.Sprintf("field %s must be %s, got %s", field, kindName(typ.Type), typ.Value)}
	if found {
		p.Value = valueText(v)
	}
	return p
}

// valueText is a FieldProblem's Value: a string as it is, anything else
// as its JSON.
func valueText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return jsonText(v)
}

// topField is the top-level key of a problem's field path: "ean" of
// "ean[1]", "category" of "category.category_id".
func topField(path string) string {
	if i := strings.IndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return path
}

// entityCode is the product's identity: entity_code, else sku.
func entityCode(data map[string]any) (string, bool) {
	for _, key := range []string{"entity_code", "sku"} {
		if s, ok := data[key].(string); ok && s != "" {
			return s, true
		}
	}
	return "", false
}

// mergeVersion builds the next version from the previous one and the
// incoming product: replace stores what was sent, keeping the publish
// flags it omits; partial deep-merges it onto prev; locked fields come back
// from prev in both modes. prev is not modified.
func mergeVersion(prev, incoming map[string]any, mode catalog.MergeMode, locked []string) map[string]any {
	next := incoming
	if mode == catalog.MergePartial {
		next = mergeProduct(deepCopyMap(prev), incoming)
	} else {
		for _, flag := range publishFlags {
			if _, sent := incoming[flag]; !sent {
				copyPath(next, prev, flag)
			}
		}
	}
	for _, path := range locked {
		copyPath(next, prev, path)
	}
	return next
}

// storesCategories reports whether a request with this update mask stores
// the categories its products send: always without a mask.
func storesCategories(mask []string) bool {
	for _, path := range mask {
		top, _, _ := strings.Cut(path, ".")
		if top == "category" || top == "channel_categories" {
			return true
		}
	}
	return len(mask) == 0
}

// maskVersion builds the next version of a selective update: prev (an
// empty product when there is none) with each path of mask set to the
// incoming value, or removed when the incoming product does not have it.
// Paths outside the mask keep their stored value; locked fields come back
// from prev. prev is not modified.
func maskVersion(prev, incoming map[string]any, mask, locked []string) map[string]any {
	next := map[string]any{}
	if prev != nil {
		next = deepCopyMap(prev)
	}
	for _, key := range []string{"entity_code", "sku"} {
		if v, ok := incoming[key]; ok {
			next[key] = v
		}
	}
	for _, path := range mask {
		if v, ok := getPath(incoming, path); ok {
			setDotted(next, path, deepCopy(v))
		} else {
			deletePath(next, path)
		}
	}
	if prev != nil {
		for _, path := range locked {
			copyPath(next, prev, path)
		}
	}
	return next
}

// deletePath removes the value at a dotted path, when it is there.
func deletePath(data map[string]any, path string) {
	keys := strings.Split(path, ".")
	cur := data
	for _, k := range keys[:len(keys)-1] {
		next, ok := cur[k].(map[string]any)
		if !ok {
			return
		}
		cur = next
	}
	delete(cur, keys[len(keys)-1])
}

// copyPath copies the value at a dotted path from src to dst, when src has it.
func copyPath(dst, src map[string]any, path string) {
	if v, ok := getPath(src, path); ok {
		setDotted(dst, path, deepCopy(v))
	}
}

// newVersion scores data and builds the version to store after current
// (nil for a new product); its status follows seed 004's auto-publish
// rule, see publication. autoPublished reports that the rule published it.
func (s *Server) newVersion(run *importRun, code string, data map[string]any, current *ProductVersion) (v ProductVersion, autoPublished bool) {
	sku, _ := data["sku"].(string)
	score, checked, publish := autoPublish(data, run.req.source)
	v = ProductVersion{EntityCode: code, SKU: sku, IsCurrent: true, Status: StatusDraft,
		Score: score, Data: data, Source: run.source, JobID: run.jobID, CreatedAt: run.at}
	v.Status, v.PublishedAt = publication(checked, publish, current, run.at)
	return v, checked && publish
}

// publication is a new version's status and published_at, by seed 004's
// rule: "Auto-publish — a version with a sufficient completeness score is
// committed as published with published_at set. Otherwise it lands as
// draft." The rule is auto-publish's, and seed 004 has it run only where
// auto-publish is on: auto_publish_enabled is "Enable auto-publish
// eligibility checks on this product" (the source's setting by default).
// So with the checks on (checked) the score decides, and a version that
// falls short lands as draft even when the product was published. With
// them off, nothing publishes or unpublishes the product: the version
// keeps the status and published_at of the current one (a price update
// through a source without auto-publish leaves a published product
// published), and a new product lands as draft.
func publication(checked, publish bool, current *ProductVersion, at time.Time) (string, time.Time) {
	switch {
	case checked && publish:
		return StatusPublished, at
	case checked, current == nil:
		return StatusDraft, time.Time{}
	}
	return current.Status, current.PublishedAt
}

// applyMappings moves each mapped incoming key to its target. Targets are
// set after all keys are taken, so one mapping never feeds another.
func applyMappings(data map[string]any, mappings map[string]string) {
	froms := make([]string, 0, len(mappings))
	for from := range mappings {
		froms = append(froms, from)
	}
	sort.Strings(froms)
	var moved []any
	var targets []string
	for _, from := range froms {
		if v, ok := data[from]; ok {
			delete(data, from)
			moved, targets = append(moved, v), append(targets, mappings[from])
		}
	}
	for i, to := range targets {
		setDotted(data, to, moved[i])
	}
}

// wrapMultilingual wraps a plain value of a multilingual field as
// {<default language>: value}, leaving language-keyed objects as they are.
// null is left alone: it carries no text,
// and wrapping it would make an empty field look populated.
func (s *Server) wrapMultilingual(data map[string]any) {
	for _, field := range multilingualFields {
		v, ok := data[field]
		if !ok || v == nil {
			continue
		}
		if m, ok := v.(map[string]any); ok && s.languageKeyed(m) {
			continue
		}
		data[field] = map[string]any{s.cfg.defaultLang: v}
	}
}

// languageKeyed reports whether every key is a 2-letter configured language.
func (s *Server) languageKeyed(m map[string]any) bool {
	for k := range m {
		if len(k) != 2 || !s.langs[k] {
			return false
		}
	}
	return true
}

// mergeProduct deep-merges incoming onto base (partial mode): images are
// replaced when sent, media merges by type, everything else mergeValue.
func mergeProduct(base, incoming map[string]any) map[string]any {
	for k, v := range incoming {
		switch k {
		case "images":
			base[k] = v
		case "media":
			base[k] = mergeMedia(base[k], v)
		default:
			base[k] = mergeValue(base[k], v)
		}
	}
	return base
}

// mergeValue merges objects key by key; arrays and scalars replace.
func mergeValue(old, incoming any) any {
	om, ok1 := old.(map[string]any)
	im, ok2 := incoming.(map[string]any)
	if !ok1 || !ok2 {
		return incoming
	}
	for k, v := range im {
		om[k] = mergeValue(om[k], v)
	}
	return om
}

// mergeMedia keeps the existing items whose type the incoming list does not
// carry, followed by the incoming items.
func mergeMedia(old, incoming any) any {
	oldItems, ok1 := old.([]any)
	newItems, ok2 := incoming.([]any)
	if !ok1 || !ok2 {
		return incoming
	}
	sent := make(map[string]bool)
	for _, item := range newItems {
		sent[mediaType(item)] = true
	}
	out := make([]any, 0, len(oldItems)+len(newItems))
	for _, item := range oldItems {
		if !sent[mediaType(item)] {
			out = append(out, item)
		}
	}
	return append(out, newItems...)
}

// mediaType is a media item's type, "" when it has none.
func mediaType(item any) string {
	m, _ := item.(map[string]any)
	t, _ := m["type"].(string)
	return t
}

// autoPublish scores the product's completeness and says whether the
// auto-publish checks run (the product's auto_publish_enabled, else the
// source's) and whether the product meets them.
func autoPublish(data map[string]any, src catalog.Source) (score float64, checked, publish bool) {
	enabled := autoPublishOn(src)
	if b, ok := data["auto_publish_enabled"].(bool); ok {
		enabled = b
	}
	threshold := float64(defaultScoreThreshold)
	if src.MinScoreThreshold != nil {
		threshold = *src.MinScoreThreshold
	}
	if f, ok := toFloat(data["min_score_threshold"]); ok {
		threshold = f
	}
	required := src.RequiredFields
	if list, ok := data["required_fields"].([]any); ok {
		required = stringsOf(list)
	}
	score = completeness(data, required)
	return score, enabled, enabled && score >= threshold
}

// completeness is the percentage of required paths that are populated.
func completeness(data map[string]any, required []string) float64 {
	if len(required) == 0 {
		return 100
	}
	filled := 0
	for _, path := range required {
		if v, ok := getPath(data, path); ok && populated(v) {
			filled++
		}
	}
	return 100 * float64(filled) / float64(len(required))
}

// populated reports whether v counts as a value: not null, "", [] or {}.
func populated(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}

func stringsOf(list []any) []string {
	out := make([]string, 0, len(list))
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	}
	return 0, false
}

// getPath returns the value at a dotted path through nested objects.
func getPath(data map[string]any, path string) (any, bool) {
	keys := strings.Split(path, ".")
	cur := data
	for _, k := range keys[:len(keys)-1] {
		next, ok := cur[k].(map[string]any)
		if !ok {
			return nil, false
		}
		cur = next
	}
	v, ok := cur[keys[len(keys)-1]]
	return v, ok
}

// setDotted stores v at the dotted path in data (see docpath.Set).
func setDotted(data map[string]any, path string, v any) {
	docpath.Set(data, strings.Split(path, "."), v)
}
