package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Echoed secrets. Some gateways and misconfigured platforms echo what they
// were sent: "invalid credentials: key ak_1 with secret sk_live_...". The
// client knows its one secret (the API secret, the bearer token or the
// session cookie; the API key id is not secret), so it removes it from the
// server's text where that text becomes the client's own words, and only
// there:
//
//   - an error's message: an *APIError's fields (message, details, hint,
//     code, request id, technical details), the snippet of a malformed
//     answer, the attempt's network error and the *url.Error http.Client
//     builds around it (whose URL a redirect may have set);
//   - a log line: the logged path and error;
//   - a row error's reason and code (RowError.Reason, RowError.Code), in
//     every answer that lists row errors (reasonsOf).
//
// Answers themselves are never rewritten: they are decoded exactly as the
// server sent them, so a product whose description holds the word that is
// also the secret is stored and read back as it is, and an answer is never
// made malformed by a replacement. What an answer holds as data (a row's
// raw_data, a job's file name, a source's name) is the caller's data, and
// is handed back as sent.
//
// An echo is caught when it is:
//
//   - the secret as sent, anywhere in the text;
//   - its percent-encoded forms (url.QueryEscape, url.PathEscape);
//   - inside a JSON string, in any JSON escaping, in a text that is a
//     snippet of a body: a string literal that holds a backslash is
//     decoded (\/, \u and four hex digits in either case, surrogate pairs,
//     \" and the others) and, when the decoded text holds the secret,
//     re-encoded with the secret replaced. This covers PHP's "\/", Go's
//     "\u003c" and Python's ASCII-only output.
//
// It is not caught when the server transforms the secret otherwise: cut
// short or masked ("sk_live_...abcd"), with its case changed, base64- or
// hex-encoded, as HTML entities, split across fields, or \u-escaped in a
// body that is not JSON.
//
// Short and word-like credentials. A secret such as "t" or "secret" also
// occurs in text that has nothing to do with it ("context deadline
// exceeded", "/api/b2b/pim/import/api", "invalid secret"). Replacing every
// occurrence would garble every message, so such a secret (shorter than
// minSafeSecret bytes, or made of letters only) is replaced only where it
// stands as a whole token: not preceded or followed by a letter, a digit,
// '_' or '-' (when the secret itself begins or ends with one). An echo glued
// to other word characters is then not caught, which is why NewClient
// warns about such a credential (see warnWeakSecret) rather than refuse it:
// the credential is the platform's, test tenants and development sessions
// use short ones, and refusing it would leave the caller no client at all,
// while the data the client reads and writes is never at risk either way.
// A long credential with a digit or symbol in it is random enough never to
// occur by chance, and is replaced wherever it occurs.
//
// Cost: nothing for a client without a credential, nothing for an answer
// that succeeds with no row error. Texts are short (error fields are capped
// at maxErrorField, snippets at 200 bytes), so each costs one bytes.Index
// pass per form of the secret (one to three).
const redactMark = "[REDACTED]"

// redactor removes one secret, in its known forms, from texts. A nil
// *redactor (a client without a credential) leaves everything as it is.
type redactor struct {
	forms  [][]byte // the secret and its percent-encoded forms, longest first
	minLen int      // the length of the shortest form
	whole  bool     // replace only whole-token occurrences: the secret is short or word-like
}

// minSafeSecret is the length from which a secret with a character other
// than a letter is replaced wherever it occurs.
const minSafeSecret = 16

// weakSecret reports whether s may occur by chance in unrelated text: it
// is shorter than minSafeSecret or made of letters only.
func weakSecret(s string) bool {
	if len(s) < minSafeSecret {
		return true
	}
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// String hides the forms of the secret the redactor holds.
func (redactor) String() string { return redactMark }

// GoString hides them from %#v.
func (redactor) GoString() string { return redactMark }

func newRedactor(s secret) *redactor {
	if s == "" {
		return nil
	}
	r := &redactor{whole: weakSecret(string(s))}
	for _, f := range []string{string(s), url.QueryEscape(string(s)), url.PathEscape(string(s))} {
		if !slices.ContainsFunc(r.forms, func(b []byte) bool { return string(b) == f }) {
			r.forms = append(r.forms, []byte(f))
		}
	}
	// Longest first: a form that holds another is replaced whole.
	slices.SortStableFunc(r.forms, func(a, b []byte) int { return len(b) - len(a) })
	r.minLen = len(r.forms[len(r.forms)-1])
	return r
}

// contains reports whether b holds a form of the secret as it is.
func (r *redactor) contains(b []byte) bool {
	for _, f := range r.forms {
		if r.index(b, f, 0) >= 0 {
			return true
		}
	}
	return false
}

// index returns the index of the first occurrence of the form f in b at or
// after from that counts as an echo (a whole token, for a weak secret), or
// -1.
func (r *redactor) index(b, f []byte, from int) int {
	for from <= len(b) {
		i := bytes.Index(b[from:], f)
		if i < 0 {
			return -1
		}
		i += from
		if !r.whole || wholeToken(b, i, i+len(f)) {
			return i
		}
		from = i + 1
	}
	return -1
}

// wholeToken reports whether b[i:j] is not glued to word characters on
// either side: a side where the token itself has no word character at its
// edge is always a boundary.
func wholeToken(b []byte, i, j int) bool {
	if i > 0 && isWordByte(b[i]) && isWordByte(b[i-1]) {
		return false
	}
	if j < len(b) && isWordByte(b[j-1]) && isWordByte(b[j]) {
		return false
	}
	return true
}

// isWordByte reports a byte that may be part of a credential's token: an
// ASCII letter or digit, '_', '-', or any byte of a multi-byte character
// (a letter of another script).
func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c >= utf8.RuneSelf
}

// literal replaces every form of the secret found as it is; b is returned
// unchanged, without a copy, when there is none.
func (r *redactor) literal(b []byte) []byte {
	for _, f := range r.forms {
		i := r.index(b, f, 0)
		if i < 0 {
			continue
		}
		var out []byte
		done := 0
		for ; i >= 0; i = r.index(b, f, i+len(f)) {
			out = append(append(out, b[done:i]...), redactMark...)
			done = i + len(f)
		}
		b = append(out, b[done:]...)
	}
	return b
}

// bytes redacts an answer body: the secret as it is, then inside escaped
// JSON strings. b is returned unchanged, without a copy, when it holds
// none.
func (r *redactor) bytes(b []byte) []byte {
	if r == nil {
		return b
	}
	b = r.literal(b)
	if bytes.IndexByte(b, '\\') >= 0 {
		b = r.escapedStrings(b)
	}
	return b
}

// string redacts a text.
func (r *redactor) string(s string) string {
	if r == nil || !r.contains([]byte(s)) && !strings.Contains(s, `\`) {
		return s
	}
	return string(r.bytes([]byte(s)))
}

// escapedStrings rewrites the JSON string literals of b that hold an
// escape and, decoded, a form of the secret. Text between quotes is taken
// for a string literal even when b is not JSON.
func (r *redactor) escapedStrings(b []byte) []byte {
	var out []byte // nil until a literal is rewritten
	var dec []byte // the decoded literal, reused
	done := 0      // b[:done] is in out
	for i := 0; i < len(b); {
		q := bytes.IndexByte(b[i:], '"')
		if q < 0 {
			break
		}
		start := i + q
		end, escaped := stringEnd(b, start+1)
		if end < 0 {
			break
		}
		i = end + 1
		// Escapes only lengthen a text: a shorter literal cannot hold it.
		if !escaped || end-start-1 < r.minLen {
			continue
		}
		dec = unescapeJSON(dec[:0], b[start+1:end])
		if !r.contains(dec) {
			continue
		}
		enc, err := json.Marshal(string(r.literal(dec)))
		if err != nil { // cannot happen for a string; drop the literal rather than keep the secret
			enc = []byte(`"` + redactMark + `"`)
		}
		out = append(append(out, b[done:start]...), enc...)
		done = end + 1
	}
	if out == nil {
		return b
	}
	return append(out, b[done:]...)
}

// stringEnd returns the index of the quote that ends the string literal
// whose text starts at b[i], and whether the text holds an escape; -1 when
// the literal is not closed.
func stringEnd(b []byte, i int) (end int, escaped bool) {
	q := -1 // the next quote at or after i, once found
	for {
		if q < i {
			n := bytes.IndexByte(b[i:], '"')
			if n < 0 {
				return -1, escaped
			}
			q = i + n
		}
		n := bytes.IndexByte(b[i:q], '\\')
		if n < 0 {
			return q, escaped
		}
		escaped = true
		i += n + 2 // the backslash and the character it escapes
		if i > len(b) {
			return -1, true
		}
	}
}

// unescapeJSON appends to dst the text of a JSON string literal without its
// quotes. It never fails: an escape that is not JSON's is kept as written,
// and a lone surrogate becomes U+FFFD, as encoding/json decodes it.
func unescapeJSON(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			dst = append(dst, c)
			i++
			continue
		}
		e := s[i+1]
		switch e {
		case '"', '\\', '/':
			dst = append(dst, e)
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r1, ok := hex4(s[i+2:])
			if !ok {
				dst = append(dst, c, e)
				break
			}
			i += 6
			if utf16.IsSurrogate(r1) {
				r2, ok := rune(-1), false
				if i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
					r2, ok = hex4(s[i+2:])
				}
				if p := utf16.DecodeRune(r1, r2); ok && p != utf8.RuneError {
					r1 = p
					i += 6
				} else {
					r1 = utf8.RuneError
				}
			}
			dst = utf8.AppendRune(dst, r1)
			continue
		default:
			dst = append(dst, c, e)
		}
		i += 2
	}
	return dst
}

// hex4 reads the four hex digits of a \u escape.
func hex4(s []byte) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range s[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// error redacts an error's text. A *url.Error in the chain has its URL
// redacted in place (http.Client builds one per call); when the text still
// holds the secret, the error is wrapped so that its text is redacted and
// errors.Is and errors.As still reach the causes.
func (r *redactor) error(err error) error {
	if r == nil || err == nil {
		return err
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = r.string(ue.URL)
	}
	if msg, red := err.Error(), r.string(err.Error()); red != msg {
		return &redactedError{msg: red, err: err}
	}
	return err
}

// redactedError is an error whose text held the secret.
type redactedError struct {
	msg string // the redacted text
	err error
}

// Error returns the redacted text.
func (e *redactedError) Error() string { return e.msg }

// GoString keeps %#v from printing the cause's fields.
func (e *redactedError) GoString() string { return fmt.Sprintf("catalog.redactedError(%q)", e.msg) }

// Unwrap returns the cause, whose own text is not redacted.
func (e *redactedError) Unwrap() error { return e.err }

// value redacts the strings of a decoded JSON value (an *APIError's
// technical details) in place: map values and slice elements, at any
// depth. Keys are redacted too, since they are printed with the values.
func (r *redactor) value(v any) any {
	if r == nil {
		return v
	}
	switch x := v.(type) {
	case string:
		return r.string(x)
	case map[string]any:
		renamed := map[string]string{}
		for k, e := range x {
			x[k] = r.value(e)
			if rk := r.string(k); rk != k {
				renamed[k] = rk
			}
		}
		for k, rk := range renamed {
			x[rk] = x[k]
			delete(x, k)
		}
	case []any:
		for i, e := range x {
			x[i] = r.value(e)
		}
	}
	return v
}

// rowError redacts a row error's reason and code, the server's words.
func (r *redactor) rowError(e *RowError) {
	if r == nil {
		return
	}
	e.Reason, e.Code = r.string(e.Reason), r.string(e.Code)
}

// reasonsOf redacts the reason and code of every RowError that a decoded
// answer (a pointer to it) holds, at any depth of its exported fields:
// ProductImportResult.Errors, a Job's Errors, a queue's jobs' Errors and
// any answer type added later. The rest of the answer stays as sent.
func (r *redactor) reasonsOf(v any) {
	if r == nil || v == nil {
		return
	}
	r.walkReasons(reflect.ValueOf(v))
}

func (r *redactor) walkReasons(v reflect.Value) {
	t := v.Type()
	if !holdsRowErrors(t) {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			r.walkReasons(v.Elem())
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			r.walkReasons(v.Index(i))
		}
	case reflect.Struct:
		if t == rowErrorType {
			if v.CanAddr() {
				r.rowError(v.Addr().Interface().(*RowError))
			}
			return
		}
		for i := range v.NumField() {
			if t.Field(i).IsExported() {
				r.walkReasons(v.Field(i))
			}
		}
	}
}

var rowErrorType = reflect.TypeFor[RowError]()

// rowErrorHolders caches holdsRowErrors by type.
var rowErrorHolders sync.Map // reflect.Type -> bool

// holdsRowErrors reports whether a value of type t can hold a RowError in
// its exported fields, pointers, slices and arrays (maps and interfaces
// are not searched: no answer type keeps row errors there).
func holdsRowErrors(t reflect.Type) bool {
	if h, ok := rowErrorHolders.Load(t); ok {
		return h.(bool)
	}
	h := typeHolds(t, map[reflect.Type]bool{})
	rowErrorHolders.Store(t, h)
	return h
}

func typeHolds(t reflect.Type, seen map[reflect.Type]bool) bool {
	if t == rowErrorType {
		return true
	}
	if seen[t] {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return typeHolds(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() && typeHolds(f.Type, seen) {
				return true
			}
		}
	}
	return false
}
