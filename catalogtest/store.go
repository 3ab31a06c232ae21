package catalogtest

import (
	"bytes"
	"encoding/json"
)

// storedVersion is a ProductVersion as the server keeps it: the product
// (Data) as compact JSON rather than the decoded map, decoded again on
// each read. A decoded map of a minimal product costs about 1 KB on the
// heap, its JSON about 100 bytes, so that a fake holding 200,000 products
// fits in a small part of the memory (docs/BENCHMARKS.md). Stored
// versions are never modified, but for IsCurrent, so their Source's
// BatchMetadata is shared by the versions of one import.
type storedVersion struct {
	meta ProductVersion // Data is nil
	data []byte         // Data as JSON; numbers keep their text (json.Number)
	seq  uint64         // the order versions were stored in, for the page
}

// storeForm encodes v for keeping.
func storeForm(v ProductVersion) storedVersion {
	data := v.Data
	v.Data = nil
	return storedVersion{meta: v, data: encodeStored(data)}
}

// encodeStored writes data as JSON, keys sorted, without HTML escaping.
// Every value was decoded from JSON (json.Number for numbers), so it
// encodes; nil becomes {}.
func encodeStored(data map[string]any) []byte {
	if data == nil {
		return []byte("{}")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(data); err != nil {
		panic("catalogtest: a stored product does not encode: " + err.Error()) // a bug: only decoded JSON is stored
	}
	return bytes.Clone(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// dataMap decodes the stored product into a new map the caller owns.
func (sv *storedVersion) dataMap() map[string]any {
	var m map[string]any
	if err := decodeJSON(sv.data, &m); err != nil {
		panic("catalogtest: a stored product does not decode: " + err.Error()) // a bug: encodeStored wrote it
	}
	if m == nil {
		m = map[string]any{}
	}
	return m
}

// version returns a copy of the stored version the caller owns.
func (sv *storedVersion) version() ProductVersion {
	v := sv.meta
	v.Data = sv.dataMap()
	v.Source.BatchMetadata = cloneBatchMetadata(v.Source.BatchMetadata)
	return v
}

// has reports whether the stored product may hold key at its top level:
// false means it surely does not, so that a scan of every product decodes
// only the few that might.
func (sv *storedVersion) has(key string) bool {
	return bytes.Contains(sv.data, []byte(`"`+key+`"`))
}

// current returns the current version of a product's history.
func current(history []storedVersion) *storedVersion { return &history[len(history)-1] }
