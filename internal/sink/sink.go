// Package sink is a server for benchmarks that answers direct imports and
// does nothing else. The count-only fake decodes every row with
// encoding/json, which on a 2-core machine would be slower than the client
// it measures; the sink only counts rows, with a byte scanner, so that the
// client's encoding and the pipe are what the burst scenario sees.
package sink

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/pimkit/catalog"
)

// ImportPath is the direct import (operation importProducts in
// api/openapi.yaml), the one request ImportAll sends when not queued.
const ImportPath = "/api/b2b/pim/import/api"

// NewHandler returns the sink's handler. A POST to the direct import is read
// to the end, its products counted, and answered as the platform answers a
// request whose every row was applied; the body limit is the platform's.
// Credentials are not checked. Every other request gets a 404.
func NewHandler() http.Handler {
	var jobs atomic.Int64
	// Bodies are read in 256 KiB pieces; a buffer per request in flight.
	bufs := sync.Pool{New: func() any { return new([256 << 10]byte) }}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != ImportPath {
			sinkError(w, http.StatusNotFound, "NOT_FOUND", "no such endpoint: "+r.Method+" "+r.URL.Path)
			return
		}
		buf := bufs.Get().(*[256 << 10]byte)
		defer bufs.Put(buf)
		var c rowCounter
		if _, err := io.CopyBuffer(&c, http.MaxBytesReader(w, r.Body, catalog.DefaultMaxBodySize), buf[:]); err != nil {
			if tooBig := new(http.MaxBytesError); errors.As(err, &tooBig) {
				sinkError(w, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE", err.Error())
			} else {
				sinkError(w, http.StatusBadRequest, "VALIDATION_ERROR", "reading the body: "+err.Error())
			}
			return
		}
		n, err := c.count()
		if err != nil {
			sinkError(w, http.StatusBadRequest, "VALIDATION_ERROR", err.Error())
			return
		}
		writeJSON(w, http.StatusOK, catalog.ImportResult{
			Success: true,
			JobID:   fmt.Sprintf("api_import_sink_%d", jobs.Add(1)),
			Summary: catalog.ImportSummary{Total: n, Successful: n, Inserted: n},
			Message: fmt.Sprintf("%d products counted, none stored", n),
		})
	})
}

// sinkError answers with the platform's error shape (Error in
// api/openapi.yaml).
func sinkError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"success": false, "error": msg, "code": code})
}

// writeJSON answers with status and v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	raw, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(raw)
}

// productsKey is the key of the top-level object whose array the sink
// counts. It is matched exactly: the SDK writes it so, without escapes.
const productsKey = "products"

// rowCounter counts the products of an import body written to it in
// pieces of any size: the objects that open directly inside the array
// that is the value of the top-level object's "products" key. It follows
// no more of the JSON than strings (with their escapes) and the nesting
// depth, so that it runs at several times the speed of the client's
// encoding; it assumes valid JSON, and checks only that the body ended.
// A repeated "products" key replaces the earlier one, as when decoding.
type rowCounter struct {
	rows     int
	depth    int  // nesting depth at the next byte: 1 is inside the top-level object
	inString bool // inside a string, but not a key of the top-level object
	inKey    bool // inside a key of the top-level object
	escaped  bool // inside a string or key: the next byte is escaped
	keyPos   int  // bytes of productsKey the current key has matched; -1: it does not match
	isValue  bool // at depth 1, past a key's colon: the value comes next
	products bool // at depth 1, the last key was productsKey
	inArray  bool // inside the products array: objects at depth 2 are rows
	seen     bool // a products array opened
}

// Write scans p; it never fails.
func (c *rowCounter) Write(p []byte) (int, error) {
	for i := 0; i < len(p); {
		if c.depth < 2 || c.escaped || c.inKey || len(p)-i < 8 {
			i = c.step(p, i)
			continue
		}
		if j := c.words(p, i); j > i {
			i = j
			continue
		}
		for end := i + 8; i < end; { // a backslash in the next word: its bytes one at a time
			i = c.step(p[:end], i)
		}
	}
	return len(p), nil
}

// step scans p from i a byte at a time, up to the next change between
// strings, keys and the rest, and returns where it stopped.
func (c *rowCounter) step(p []byte, i int) int {
	switch {
	case c.inString:
		return c.skipString(p, i)
	case c.inKey:
		return c.readKey(p, i)
	}
	return c.structure(p, i)
}

// Byte masks for words: a set high bit marks a byte of the word.
const (
	lows  = 0x0101010101010101
	highs = 0x8080808080808080
	rests = 0x7f7f7f7f7f7f7f7f // all but the high bits
)

// match marks the bytes of w equal to b (exactly: no carries cross bytes).
func match(w uint64, b byte) uint64 {
	t := w ^ lows*uint64(b)
	return ^((t&rests + rests) | t) & highs
}

// words scans p from i, inside a value of the top-level object (depth 2 or
// more), eight bytes at a time: the quotes of each word mark which of its
// bytes are in strings (the parity of the quotes up to each byte, and
// whether the word starts in one), and only the brackets and braces
// outside strings are looked at, one by one. A word with a backslash is
// left to the byte-at-a-time path. It returns where it stopped: at a word
// with a backslash, past a bracket that closes back to depth 1, or with
// fewer than eight bytes left.
func (c *rowCounter) words(p []byte, i int) int {
	for ; len(p)-i >= 8; i += 8 {
		w := binary.LittleEndian.Uint64(p[i:])
		if match(w, '\\') != 0 {
			return i
		}
		in := match(w, '"')
		in ^= in << 8 // prefix parity of the quotes, byte by byte
		in ^= in << 16
		in ^= in << 32
		if c.inString {
			in ^= highs
		}
		folded := w | lows*0x20 // '[' to '{', ']' to '}'
		for s := (match(folded, '{') | match(folded, '}')) &^ in; s != 0; s &= s - 1 {
			k := bits.TrailingZeros64(s) >> 3
			switch p[i+k] {
			case '{':
				if c.inArray && c.depth == 2 {
					c.rows++
				}
				c.depth++
			case '[':
				c.depth++
			default: // '}' or ']'
				c.depth--
				if c.depth < 2 { // a value of the top-level object ends: outside strings
					c.inString, c.inArray = false, false
					return i + k + 1
				}
			}
		}
		c.inString = in>>63 != 0
	}
	return i
}

// count returns the products counted, or an error when the body did not
// end where its top-level value does or had no products array.
func (c *rowCounter) count() (int, error) {
	switch {
	case c.depth != 0 || c.inString || c.inKey:
		return 0, errors.New("the body ended inside a JSON value")
	case !c.seen:
		return 0, errors.New(`no "products" array in the body`)
	}
	return c.rows, nil
}

// structure scans p from i outside strings, and returns where a string
// starts (just past its quote) or len(p).
func (c *rowCounter) structure(p []byte, i int) int {
	for i < len(p) {
		b := p[i]
		i++
		switch b {
		case '"':
			if c.depth == 1 && !c.isValue { // a key of the top-level object
				c.inKey, c.keyPos = true, 0
			} else {
				c.inString, c.products = true, false
			}
			return i
		case '{':
			if c.inArray && c.depth == 2 {
				c.rows++
			}
			c.products = false
			c.depth++
		case '[':
			if c.depth == 1 && c.isValue && c.products {
				c.inArray, c.seen, c.rows = true, true, 0
			}
			c.products = false
			c.depth++
		case '}', ']':
			c.depth--
			if c.depth <= 1 {
				c.inArray = false
			}
			if c.depth == 0 {
				c.isValue = false
			}
		case ':':
			if c.depth == 1 {
				c.isValue = true
			}
		case ',':
			if c.depth == 1 {
				c.isValue, c.products = false, false
			}
		}
	}
	return i
}

// readKey matches a key of the top-level object against productsKey, byte
// by byte: there are only a few such keys in a body.
func (c *rowCounter) readKey(p []byte, i int) int {
	for i < len(p) {
		b := p[i]
		i++
		switch {
		case c.escaped:
			c.escaped = false
		case b == '\\':
			c.escaped, c.keyPos = true, -1
		case b == '"':
			c.inKey, c.products = false, c.keyPos == len(productsKey)
			return i
		case c.keyPos >= 0 && c.keyPos < len(productsKey) && b == productsKey[c.keyPos]:
			c.keyPos++
		default:
			c.keyPos = -1
		}
	}
	return i
}

// skipString skips the rest of a string from p[i], and returns the index
// just past its closing quote, or len(p). Quotes are found with
// bytes.IndexByte, which reads many bytes at a time; a quote is escaped
// when an odd run of backslashes precedes it. Each search starts at a byte
// that no backslash escapes, so the run that matters is within the bytes
// searched (or, at the end of p, carried over in c.escaped).
func (c *rowCounter) skipString(p []byte, i int) int {
	if c.escaped { // the previous piece ended with an escaping backslash
		c.escaped = false
		i++
	}
	for i < len(p) {
		q := bytes.IndexByte(p[i:], '"')
		if q < 0 {
			c.escaped = oddBackslashes(p[i:])
			return len(p)
		}
		if !oddBackslashes(p[i : i+q]) {
			c.inString = false
			return i + q + 1
		}
		i += q + 1 // an escaped quote
	}
	return i
}

// oddBackslashes reports whether s ends with an odd run of backslashes.
func oddBackslashes(s []byte) bool {
	n := 0
	for n < len(s) && s[len(s)-1-n] == '\\' {
		n++
	}
	return n%2 == 1
}
