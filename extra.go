package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// productFields is Product without its JSON methods: the row encoder
// encodes it directly, so the hot path pays nothing for them.
type productFields Product

// productJSONNames maps each JSON name of Product's typed fields to the Go
// field's name, for refusing Extra keys that collide with them.
var productJSONNames = func() map[string]string {
	names := make(map[string]string)
	typ := reflect.TypeFor[Product]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names[name] = f.Name
		}
	}
	return names
}()

// collidingExtraKey returns the smallest Extra key that is the JSON name
// of a typed field of Product.
func collidingExtraKey(extra map[string]any) (key string, bad bool) {
	for k := range extra {
		if _, typed := productJSONNames[k]; typed && (!bad || k < key) {
			key, bad = k, true
		}
	}
	return key, bad
}

// checkExtraKeys refuses a row whose Extra has a key a typed field owns.
func checkExtraKeys(extra map[string]any) *RowError {
	if k, bad := collidingExtraKey(extra); bad {
		return &RowError{Field: atKey("extra", k), Reason: collision(k)}
	}
	return nil
}

func collision(key string) string {
	return "is the JSON name of Product." + productJSONNames[key] + "; set that field instead"
}

// MarshalJSON encodes p's typed fields, then the entries of Extra as more
// top-level keys in sorted order. It fails when an Extra key is the JSON
// name of a typed field or a value cannot be encoded.
func (p Product) MarshalJSON() ([]byte, error) {
	e := encoders.Get().(*rowEncoder)
	defer encoders.Put(e)
	e.product = p // encoding &p would move p to the heap
	err := e.encodeUnchecked(&e.product)
	e.product = Product{} // keep nothing of p in the pool
	if err != nil {
		return nil, err
	}
	return bytes.Clone(e.w.b), nil
}

// UnmarshalJSON decodes the typed fields and puts every other top-level key
// in Extra; Extra is nil when there is none. Like encoding/json, it matches
// a typed field's name without regard to case: "Price" sets Price and is
// not kept in Extra.
func (p *Product) UnmarshalJSON(data []byte) error {
	var fields productFields
	if err := json.Unmarshal(data, &fields); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	for k, raw := range all {
		if typedKey(k) {
			continue
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		if fields.Extra == nil {
			fields.Extra = make(map[string]any)
		}
		fields.Extra[k] = v
	}
	*p = Product(fields)
	return nil
}

// typedKey reports whether encoding/json decodes key into a typed field:
// it matches field names without regard to case ("Price" sets Price).
func typedKey(key string) bool {
	if _, typed := productJSONNames[key]; typed {
		return true
	}
	for name := range productJSONNames {
		if strings.EqualFold(key, name) {
			return true
		}
	}
	return false
}

// extraError reports an Extra entry that cannot be encoded, naming it.
type extraError struct {
	key string
	err error
}

func (e *extraError) Error() string {
	return "catalog: Product." + atKey("Extra", e.key) + ": " + e.err.Error()
}
func (e *extraError) Unwrap() error { return e.err }

// encodeUnchecked is encodeProduct for a product no row validation has
// seen (MarshalJSON): it first refuses an Extra key a typed field owns,
// which validation refuses for a row.
func (e *rowEncoder) encodeUnchecked(p *Product) error {
	if k, bad := collidingExtraKey(p.Extra); bad {
		return &extraError{key: k, err: errors.New(collision(k))}
	}
	return e.encodeProduct(p)
}

// encodeProduct leaves p's JSON in e.w.b. It takes the fast path, and the
// reference path when the fast one leaves the row to encoding/json. The
// caller has checked p's Extra keys (validateProduct, encodeUnchecked).
func (e *rowEncoder) encodeProduct(p *Product) error {
	e.w.b, e.w.err = e.w.b[:0], nil
	appendProduct(&e.w, p)
	if len(p.Extra) > 0 {
		e.w.b = e.w.b[:len(e.w.b)-1] // the closing brace
		var keys [8]string
		for _, k := range appendSortedKeys(keys[:0], p.Extra) {
			if e.w.b[len(e.w.b)-1] != '{' {
				e.w.b = append(e.w.b, ',')
			}
			e.w.b = appendJSONString(e.w.b, k)
			e.w.b = append(e.w.b, ':')
			e.w.value(p.Extra[k])
		}
		e.w.b = append(e.w.b, '}')
	}
	if e.w.err == nil {
		return nil
	}
	if err := e.encodeProductReflect(p); err != nil {
		return err
	}
	e.w.b = append(e.w.b[:0], e.buf.Bytes()...)
	return nil
}

// encodeProductReflect leaves p's JSON, as encoding/json writes it, in
// e.buf: the reference the fast path matches byte for byte, and its
// fallback.
func (e *rowEncoder) encodeProductReflect(p *Product) error {
	e.buf.Reset()
	if err := e.enc.Encode((*productFields)(p)); err != nil {
		return err
	}
	e.buf.Truncate(e.buf.Len() - 1) // the newline
	if len(p.Extra) == 0 {
		return nil
	}
	e.buf.Truncate(e.buf.Len() - 1) // the closing brace
	empty := e.buf.Len() == 1       // only "{" is left
	for _, k := range slices.Sorted(maps.Keys(p.Extra)) {
		if !empty {
			e.buf.WriteByte(',')
		}
		empty = false
		if err := e.encodeValue(k); err != nil {
			return &extraError{key: k, err: err}
		}
		e.buf.WriteByte(':')
		if err := e.encodeValue(p.Extra[k]); err != nil {
			return &extraError{key: k, err: err}
		}
	}
	e.buf.WriteByte('}')
	return nil
}

// encodeValue appends v's JSON to e.buf, without the encoder's newline.
func (e *rowEncoder) encodeValue(v any) error {
	if err := e.enc.Encode(v); err != nil {
		return err
	}
	e.buf.Truncate(e.buf.Len() - 1)
	return nil
}
