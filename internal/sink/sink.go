// Package sink is a server for benchmarks that answers direct imports and
// does nothing else. It only counts rows, with a byte scanner, so that the
// client's encoding and the pipe are what the benchmarks see, not the
// server's decoding; it can enforce the platform's rate window and record
// when each request arrived, for the quota scenarios.
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
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/internal/ratelimit"
)

// ImportPath is the direct import (operation importProducts in
// api/openapi.yaml), the one request ImportAll sends when not queued.
const ImportPath = "/api/b2b/pim/import/api"

// Sink is an http.Handler. A POST to the direct import is read to the end,
// its products counted, and answered as the platform answers a request
// whose every row was applied; the body limit is the platform's.
// Credentials are not checked. Every other request gets a 404.
type Sink struct {
	rate ratelimit.Window // the platform's rate window; N 0: no limit
	now  func() time.Time
	jobs atomic.Int64
	bufs sync.Pool // 256 KiB buffers to read bodies with, one per request in flight

	mu       sync.Mutex
	arrivals []Arrival
}

// Arrival is one request the sink received: when it arrived, and the
// status it was answered with (0 while it is being answered).
type Arrival struct {
	Time   time.Time
	Status int
}

// New returns a sink. With limit and window above 0 it enforces the
// platform's rate window by arrival time: an import arriving when limit
// imports were admitted in the window before it is answered 429, with a
// Retry-After of the seconds until the oldest of them leaves the window.
func New(limit int, window time.Duration) *Sink {
	return &Sink{rate: ratelimit.Window{N: limit, Per: window}, now: time.Now, bufs: sync.Pool{New: func() any { return new([256 << 10]byte) }}}
}

// Arrivals returns the requests received so far, in the order they arrived.
func (s *Sink) Arrivals() []Arrival {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.arrivals)
}

// ServeHTTP answers one request.
func (s *Sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	s.mu.Lock()
	i := len(s.arrivals)
	s.arrivals = append(s.arrivals, Arrival{Time: now})
	wait := s.rate.Admit(now)
	s.mu.Unlock()
	status := s.serve(w, r, wait)
	s.mu.Lock()
	s.arrivals[i].Status = status
	s.mu.Unlock()
}

// serve answers the request and returns the status it was answered with.
func (s *Sink) serve(w http.ResponseWriter, r *http.Request, wait time.Duration) int {
	if r.Method != http.MethodPost || r.URL.Path != ImportPath {
		return sinkError(w, http.StatusNotFound, "NOT_FOUND", "no such endpoint: "+r.Method+" "+r.URL.Path)
	}
	if wait > 0 {
		secs := ratelimit.RetryAfterSeconds(wait)
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		return sinkError(w, http.StatusTooManyRequests, "RATE_LIMITED",
			"rate limit exceeded: at most "+s.rate.String())
	}
	buf := s.bufs.Get().(*[256 << 10]byte)
	defer s.bufs.Put(buf)
	var c rowCounter
	if _, err := io.CopyBuffer(&c, http.MaxBytesReader(w, r.Body, catalog.MaxBodyBytes), buf[:]); err != nil {
		if tooBig := new(http.MaxBytesError); errors.As(err, &tooBig) {
			return sinkError(w, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE", err.Error())
		}
		return sinkError(w, http.StatusBadRequest, "VALIDATION_ERROR", "reading the body: "+err.Error())
	}
	n, err := c.count()
	if err != nil {
		return sinkError(w, http.StatusBadRequest, "VALIDATION_ERROR", err.Error())
	}
	return writeJSON(w, http.StatusOK, catalog.ProductImportResult{
		Success: true,
		JobID:   fmt.Sprintf("api_import_sink_%d", s.jobs.Add(1)),
		Summary: catalog.ImportSummary{Total: n, Successful: n, Inserted: n},
		Message: fmt.Sprintf("%d products counted, none stored", n),
	})
}

// sinkError answers with the platform's error shape (Error in
// api/openapi.yaml), and returns status.
func sinkError(w http.ResponseWriter, status int, code, msg string) int {
	return writeJSON(w, status, map[string]any{"success": false, "error": msg, "code": code})
}

// writeJSON answers with status and v as JSON, and returns the status sent.
func writeJSON(w http.ResponseWriter, status int, v any) int {
	raw, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(raw)
	return status
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
