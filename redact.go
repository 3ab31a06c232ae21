package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Echoed secrets. Some gateways and misconfigured platforms echo what they
// were sent: "invalid credentials: key ak_1 with secret sk_live_...". The
// client knows its one secret (the API secret, the bearer token or the
// session cookie; the API key id is not secret), so it removes it from
// everything it takes from an answer before anything else reads it. That is
// done in one place, the transport (transport.RoundTrip, which also adds
// the credential), on every attempt's answer:
//
//   - the body is read there (at most maxErrorBody bytes of an answer of
//     300 or more, maxResponseBody of a success, the caps the client
//     applies anyway), every echo of the secret is replaced with
//     redactMark, and the rest of the pipeline (error building, decoding
//     into results, row errors and their raw_data, job errors, the
//     snippet of a malformed answer) reads only the redacted bytes;
//   - header values are redacted (X-Request-Id and the others the client
//     reads), except Set-Cookie, which only a cookie jar reads;
//   - the attempt's network error and the logged path are redacted, and
//     Client.run redacts the *url.Error http.Client builds around them,
//     whose URL a redirect chosen by the server may have set.
//
// An echo is caught when it is:
//
//   - the secret as sent, anywhere in the body or a header;
//   - its percent-encoded forms (url.QueryEscape, url.PathEscape);
//   - inside a JSON string, in any JSON escaping: a string literal that
//     holds a backslash is decoded (\/, \u and four hex digits in either case, surrogate
//     pairs, \" and the others) and, when the decoded text holds the
//     secret, re-encoded with the secret replaced. This covers PHP's
//     "\/", Go's "\u003c" and Python's ASCII-only output.
//
// It is not caught when the server transforms the secret otherwise: cut
// short or masked ("sk_live_...abcd"), with its case changed, base64- or
// hex-encoded, as HTML entities, split across fields, or \u-escaped in a
// body that is not JSON. A secret shorter than a few characters also
// redacts every unrelated occurrence of those characters in answers, and
// an occurrence outside a JSON string (a secret made of digits, read as a
// number) makes the answer malformed: credentials are long random strings,
// so neither happens in practice.
//
// Cost: nothing for a client without a credential. Otherwise, for each
// answer: one bytes.Index pass per form of the secret (one to three), and,
// only when the body holds a backslash, one pass over its JSON strings that
// decodes the ones with an escape and at least as long as the secret into a
// reused buffer. Memory grows only when a secret is found (the redacted
// copy); the body the transport read is the one decodeBody decodes, not a
// second copy. BenchmarkRedactAnswer, on two cores: 3.8 GB/s for an answer
// without a backslash (70 ms for the largest accepted, 256 MiB), 490 MB/s
// when every string holds an escape (0.55 s for 256 MiB).
const redactMark = "[REDACTED]"

// redactor removes one secret, in its known forms, from texts. A nil
// *redactor (a client without a credential) leaves everything as it is.
type redactor struct {
	forms  [][]byte // the secret and its percent-encoded forms, longest first
	minLen int      // the length of the shortest form
}

// String hides the forms of the secret the redactor holds.
func (redactor) String() string { return redactMark }

// GoString hides them from %#v.
func (redactor) GoString() string { return redactMark }

func newRedactor(s secret) *redactor {
	if s == "" {
		return nil
	}
	r := &redactor{}
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
		if bytes.Contains(b, f) {
			return true
		}
	}
	return false
}

// literal replaces every form of the secret found as it is; b is returned
// unchanged, without a copy, when there is none.
func (r *redactor) literal(b []byte) []byte {
	for _, f := range r.forms {
		if bytes.Contains(b, f) {
			b = bytes.ReplaceAll(b, f, []byte(redactMark))
		}
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

// answer redacts one attempt's answer in place: its header values but
// Set-Cookie's, and its body, which it reads (up to the client's caps) and
// replaces with the redacted bytes.
func (r *redactor) answer(resp *http.Response) {
	if r == nil || resp == nil {
		return
	}
	for k, vs := range resp.Header {
		if k == "Set-Cookie" {
			continue
		}
		for i, v := range vs {
			vs[i] = r.string(v)
		}
	}
	if resp.Body == nil || resp.Body == http.NoBody {
		return
	}
	limit := int64(maxResponseBody) + 1
	if resp.StatusCode >= 300 {
		limit = maxErrorBody // all newResponseError reads
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	resp.Body.Close()
	body := &redactedBody{err: err}
	if int64(len(raw)) > maxResponseBody {
		// decodeBody refuses it whole: keep none of it, redacted or not.
		raw, body.err = nil, fmt.Errorf("answer over %d bytes", maxResponseBody)
	}
	body.raw = r.bytes(raw)
	body.rest = body.raw
	resp.Body = body
}

// redactedBody is an answer body read and redacted by the transport. A
// read error met there is returned after the data, as the network would
// have.
type redactedBody struct {
	raw  []byte // the redacted body
	rest []byte // what Read has not returned yet
	err  error  // the read error after the data; nil: io.EOF
}

// Read returns the redacted body, then the read error or io.EOF.
func (b *redactedBody) Read(p []byte) (int, error) {
	if len(b.rest) == 0 {
		if b.err != nil {
			return 0, b.err
		}
		return 0, io.EOF
	}
	n := copy(p, b.rest)
	b.rest = b.rest[n:]
	return n, nil
}

// Close does nothing: the network body was closed once read.
func (b *redactedBody) Close() error { return nil }

// readAnswer reads at most limit bytes of an answer. A body the transport
// redacted is returned as it is, so a large answer is not copied twice.
func readAnswer(r io.Reader, limit int64) ([]byte, error) {
	if b, ok := r.(*redactedBody); ok && len(b.rest) == len(b.raw) && int64(len(b.raw)) <= limit {
		b.rest = nil
		return b.raw, b.err
	}
	return io.ReadAll(io.LimitReader(r, limit))
}
