package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// Text is a multilingual value. On the wire it is either a plain string,
// which the server wraps as {<default language>: value}, or an object keyed
// by language code ({"en": "...", "it": "..."}).
//
// Text keeps the form it was built or decoded with and encodes back to that
// same form: the wrapping of plain strings is the server's job, not the
// client's. Build one with [PlainText] or [Localized]; fields of type *Text
// follow the package rule that nil means "not sent".
type Text struct {
	plain  string
	byLang map[string]string // non-nil exactly when the value is language-keyed
}

// PlainText returns a Text sent as a plain JSON string.
func PlainText(s string) *Text { return &Text{plain: s} }

// Localized returns a Text sent as a language-keyed object. The map is
// copied; a nil or empty map is sent as {}.
func Localized(byLang map[string]string) *Text {
	m := make(map[string]string, len(byLang))
	maps.Copy(m, byLang)
	return &Text{byLang: m}
}

// IsLocalized reports whether t is language-keyed rather than a plain string.
func (t *Text) IsLocalized() bool { return t != nil && t.byLang != nil }

// Plain returns the plain string and true, or "" and false when t is
// language-keyed or nil.
func (t *Text) Plain() (string, bool) {
	if t == nil || t.byLang != nil {
		return "", false
	}
	return t.plain, true
}

// Lang returns the value for one language code of a language-keyed Text.
func (t *Text) Lang(code string) (string, bool) {
	if t == nil {
		return "", false
	}
	v, ok := t.byLang[code]
	return v, ok
}

// Languages returns the language codes of a language-keyed Text, sorted.
func (t *Text) Languages() []string {
	if t == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(t.byLang))
}

// Equal reports whether t and u hold the same value in the same form (both
// plain, or both language-keyed with the same languages). Two nil Texts are
// equal. It lets go-cmp compare products without options.
func (t *Text) Equal(u *Text) bool {
	if t == nil || u == nil {
		return t == u
	}
	if t.IsLocalized() != u.IsLocalized() {
		return false
	}
	return t.plain == u.plain && maps.Equal(t.byLang, u.byLang)
}

// String returns the plain string, or the language-keyed values in the
// form en="..." it="...", sorted by language code.
func (t *Text) String() string {
	if t == nil {
		return ""
	}
	if t.byLang == nil {
		return t.plain
	}
	var b bytes.Buffer
	for i, code := range t.Languages() {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%q", code, t.byLang[code])
	}
	return b.String()
}

// MarshalJSON encodes t in the form it was built with, as encoding/json
// encodes a string or a map[string]string with HTML escaping off.
func (t Text) MarshalJSON() ([]byte, error) {
	return t.appendJSON(make([]byte, 0, t.sizeHint())), nil
}

// sizeHint is the length of t's JSON when nothing in it needs escaping.
func (t *Text) sizeHint() int {
	if t.byLang == nil {
		return len(t.plain) + 2
	}
	n := 2
	for code, v := range t.byLang {
		n += len(code) + len(v) + 6
	}
	return n
}

// UnmarshalJSON accepts a JSON string or an object of strings.
func (t *Text) UnmarshalJSON(data []byte) error {
	if s, ok, err := jsonString(data); ok || err != nil {
		*t = Text{plain: s}
		return err
	}
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("catalog: multilingual text must be a string or an object of strings: %w", err)
	}
	if m == nil { // JSON null
		m = map[string]string{}
	}
	*t = Text{byLang: m}
	return nil
}

// jsonString decodes data when it is a JSON string, for the types that take
// a string or an object; ok is false when data is something else.
func jsonString(data []byte) (s string, ok bool, err error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '"' {
		return "", false, nil
	}
	err = json.Unmarshal(data, &s)
	return s, true, err
}

// Ptr returns a pointer to v. Optional scalar fields are pointers, so that
// "not set" (nil, never sent) differs from a zero value that is sent:
//
//	catalog.Product{EntityCode: "SKU-1", Quantity: catalog.Ptr(0.0)}
func Ptr[T any](v T) *T { return &v }
