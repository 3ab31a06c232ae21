package catalogtest

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

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
	applyMappings(data, run.req.source.FieldMappings)
	code, ok := entityCode(data)
	if !ok {
		return rowFailure(row, "", raw, "entity_code or sku is required")
	}
	if eans, _ := data["ean"].([]any); eans != nil {
		for _, v := range eans {
			if ean, _ := v.(string); !gtin.Valid(ean) { // the client's rule too (validateProduct)
				return rowFailure(row, code, raw, gtin.Reason(fmt.Sprint(v)))
			}
		}
	}
	data["entity_code"] = code
	s.wrapMultilingual(data)

	history := s.products[code]
	if len(history) == 0 && run.req.updateOnly {
		return rowFailure(row, code, raw, fmt.Sprintf("product %q does not exist; update_only never creates one", code))
	}
	if storesCategories(run.req.updateMask) {
		if msg := s.checkCategoryRefsLocked(data); msg != "" {
			return rowFailure(row, code, raw, msg)
		}
	}
	next := data
	var prev map[string]any
	if n := len(history); n > 0 {
		prev = history[n-1].dataMap()
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
	v := s.newVersion(run, code, next)
	s.storeVersionLocked(v)
	return rowResult{entityCode: code, created: len(history) == 0, published: v.Status == StatusPublished}
}

func rowFailure(row int, code string, raw any, msg string) rowResult {
	return rowResult{entityCode: code, err: &catalog.RowError{Row: row, EntityCode: code, Reason: msg, RawData: marshalWire(raw)}}
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

// newVersion scores data and builds the version to store, published when
// auto-publish applies, else draft.
func (s *Server) newVersion(run *importRun, code string, data map[string]any) ProductVersion {
	sku, _ := data["sku"].(string)
	score, publish := autoPublish(data, run.req.source)
	v := ProductVersion{EntityCode: code, SKU: sku, IsCurrent: true, Status: StatusDraft,
		Score: score, Data: data, Source: run.source, JobID: run.jobID, CreatedAt: run.at}
	if publish {
		v.Status, v.PublishedAt = StatusPublished, run.at
	}
	return v
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

// autoPublish scores the product's completeness and says whether it is
// published: the product's auto-publish settings, else the source's.
func autoPublish(data map[string]any, src catalog.Source) (score float64, publish bool) {
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
	return score, enabled && score >= threshold
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
