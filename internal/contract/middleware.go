package contract

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/pimkit/catalog/internal/fakehook"
)

// maxCapture bounds the request body kept for checking: above the fake's
// 35,000,000-byte limit, so that every body it accepts is checked whole.
const maxCapture = 64 << 20

// sdkAgent starts the User-Agent of the SDK's client (client.go); requests
// without it are written by hand in tests.
const sdkAgent = "pimkit-catalog-go/"

// Middleware validates each request to h and h's answer against the
// contract, and hands every mismatch to report. The answer is held back
// until it has been checked, then written through unchanged. A panic in h
// (http.ErrAbortHandler, which drops the connection) passes through
// unchecked. What is not checked is listed in exempt and skipRequest.
func Middleware(h http.Handler, report func(error)) http.Handler {
	v, err := Load()
	if err != nil {
		panic(err) // the embedded document is broken: every test would be wrong
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, faulted := fakehook.WithFaultNote(r.Context())
		body := &capture{src: r.Body, squeeze: newSqueezer(r)}
		defer body.release()
		inner := r.WithContext(ctx)
		inner.Body = body
		ans := &answer{w: w, header: make(http.Header), faulted: faulted}
		h.ServeHTTP(ans, inner)
		if ans.direct {
			// Exempt: an answer shaped by an injected fault. Faults stand
			// for broken networks and proxies (HTML pages, truncated JSON,
			// resets, trickles) and go out unbuffered so that their timing
			// holds. The request is still checked when its body is whole.
			if !ans.hijacked {
				v.checkRequest(r, body, ans.statusCode(), report)
			}
			return
		}
		v.check(r, body, ans, report)
		ans.writeThrough()
	})
}

func (v *Validator) check(r *http.Request, body *capture, ans *answer, report func(error)) {
	status := ans.statusCode()
	if v.OperationID(r) == "" {
		// Exempt: tests of wrong paths and methods, which the fake answers
		// 404 or 405. A path the fake serves otherwise is missing here.
		if status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
			report(&Mismatch{Method: r.Method, Path: r.URL.Path, Status: status, Side: "route", Err: ErrNoOperation})
		}
		return
	}
	v.checkRequest(r, body, status, report)
	err := v.CheckResponse(r, status, ans.header, ans.body.Bytes())
	if found := keep(Findings(err), func(f Finding) bool { return !beyondFloat64(f) }); len(found) > 0 {
		report(&Mismatch{Method: r.Method, Path: r.URL.Path, Status: status, Side: "response", Err: joined(found)})
	}
}

// checkRequest checks the request of an answer with the given status.
func (v *Validator) checkRequest(r *http.Request, body *capture, status int, report func(error)) {
	raw, whole := body.rest()
	if !whole || skipRequest(r, raw, status) || v.OperationID(r) == "" {
		return
	}
	if len(raw) > 0 && r.Header.Get("Content-Type") == "" {
		// The fake reads any body as JSON, and its own tests send JSON
		// without a Content-Type; the client always names it. Check the
		// body as the JSON it was read as.
		r = r.Clone(r.Context())
		r.Header.Set("Content-Type", "application/json")
	}
	found := Findings(v.CheckRequest(r, raw))
	found = keep(found, func(f Finding) bool { return !exempt(r, raw, status, f) })
	if len(found) > 0 {
		report(&Mismatch{Method: r.Method, Path: r.URL.Path, Status: status, Side: "request", Err: joined(found)})
	}
}

// skipRequest lists the requests left unchecked, each sent wrong on purpose.
func skipRequest(r *http.Request, raw []byte, status int) bool {
	switch {
	case status == http.StatusBadRequest:
		// The fake refused it as malformed, which is what the tests that
		// send bad bodies are after. The 400 answer itself is checked.
		return true
	case status == http.StatusRequestEntityTooLarge:
		// Its body was cut at the fake's limit.
		return true
	case status == http.StatusUnauthorized:
		// Credentials are checked before the body is read, so a 401 says
		// nothing about the body: tests of that order send any body.
		return true
	case status >= 400 && status < 500 && len(raw) > 0 && !json.Valid(raw):
		// Not JSON at all, refused before the body was read (403, 429):
		// tests that show the order of the fake's checks. Not JSON
		// answered 2xx is still reported.
		return true
	}
	return false
}

// exempt lists the findings on a request that do not count.
//
// Besides, a multipart/form-data body (file analysis and upload) is
// checked with each file part's content cut to its first 4 KiB (see
// squeezer): the contract types it as binary and says nothing of the rest,
// and holding whole 50 MB uploads to check them would cost their size in
// memory per request. Every other part, and every part's headers, are
// checked whole.
func exempt(r *http.Request, raw []byte, status int, f Finding) bool {
	if beyondFloat64(f) {
		return true
	}
	handMade := !strings.HasPrefix(r.Header.Get("User-Agent"), sdkAgent)
	if !handMade || status < 200 || status > 299 {
		return false
	}
	switch {
	case len(f.Pointer) >= 2 && f.Pointer[0] == "products" && isIndex(f.Pointer[1]):
		// A malformed row in a request written by hand in a test: the fake
		// accepts such rows and fails them one by one (never stop a sync
		// for one bad item), and its tests send them to check that. The
		// SDK's own requests get no such pass.
		return true
	case slices.Equal(f.Pointer, []string{"channel_metadata"}):
		// Known leniency of the fake (not changed here): it echoes any
		// channel_metadata, where seed 004 says object.
		return true
	case len(f.Pointer) == 1 && strings.Contains(f.Reason, "is missing") && hasKeyFold(raw, f.Pointer[0]):
		// Known leniency of the fake (not changed here): encoding/json
		// matches field names without regard to case, so "SOURCE_ID" is
		// read as source_id, where seed 004 names the fields exactly.
		return true
	}
	return false
}

// beyondFloat64 is a validator limitation, not a mismatch: kin-openapi
// cannot judge a JSON number outside float64's range (1e999), which is
// still valid JSON and is echoed as received in raw_data.
func beyondFloat64(f Finding) bool {
	if strings.Contains(f.Reason, "cannot convert json.Number") {
		return true
	}
	n, ok := f.Value.(json.Number)
	if !ok {
		return false
	}
	_, err := n.Float64()
	return err != nil
}

func isIndex(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

// hasKeyFold reports whether the JSON object raw has a key that equals
// name without regard to case but is not name.
func hasKeyFold(raw []byte, name string) bool {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return false
	}
	for k := range obj {
		if k != name && strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

func keep(found []Finding, ok func(Finding) bool) []Finding {
	out := found[:0]
	for _, f := range found {
		if ok(f) {
			out = append(out, f)
		}
	}
	return out
}

// joined is the findings as one error.
func joined(found []Finding) error { return errors.New(describe(found)) }

// capture keeps what the handler reads of a request body.
type capture struct {
	src     io.ReadCloser
	buf     bytes.Buffer
	squeeze *squeezer // for a multipart body, instead of buf
	over    bool      // more than maxCapture bytes
	eof     bool
	err     bool
	ended   bool // squeeze finished
	kept    []byte
	keptOK  bool
}

func (c *capture) Read(p []byte) (int, error) {
	n, err := c.src.Read(p)
	c.keep(p[:n])
	switch {
	case err == io.EOF:
		c.eof = true
	case err != nil:
		c.err = true
	}
	return n, err
}

func (c *capture) keep(b []byte) {
	if c.squeeze != nil {
		c.squeeze.write(b)
		return
	}
	if c.over || c.buf.Len()+len(b) > maxCapture {
		c.over = true
		return
	}
	c.buf.Write(b)
}

func (c *capture) Close() error { return c.src.Close() }

// release ends a multipart body's squeezer when the request was not checked.
func (c *capture) release() {
	if c.squeeze != nil && !c.ended {
		c.ended = true
		c.kept, c.keptOK = c.squeeze.finish(false)
	}
}

// rest reads what the handler left unread (it answered before reading,
// e.g. a 401) and returns the whole body, or whole == false when it cannot
// be had.
func (c *capture) rest() (body []byte, whole bool) {
	if !c.eof && !c.err && !c.over {
		_, _ = io.Copy(io.Discard, io.LimitReader(c, maxCapture+1))
	}
	if c.squeeze != nil {
		if !c.ended {
			c.ended = true
			c.kept, c.keptOK = c.squeeze.finish(c.eof && !c.err)
		}
		return c.kept, c.keptOK && c.eof && !c.err
	}
	if c.err || c.over || !c.eof {
		return nil, false
	}
	return c.buf.Bytes(), true
}

// answer holds a handler's answer back for checking, or passes it straight
// through once a fault has been marked.
type answer struct {
	w        http.ResponseWriter
	header   http.Header
	status   int
	body     bytes.Buffer
	faulted  func() bool
	direct   bool // writing straight to w: no check
	hijacked bool
}

func (a *answer) Header() http.Header {
	if a.direct {
		return a.w.Header()
	}
	return a.header
}

// goDirect switches to passing through when a fault has been marked.
func (a *answer) goDirect() bool {
	if !a.direct && a.faulted() {
		maps.Copy(a.w.Header(), a.header)
		a.direct = true
		if a.body.Len() > 0 { // only when a fault is marked mid-answer, which none is
			a.w.WriteHeader(a.status)
			_, _ = a.w.Write(a.body.Bytes())
		}
	}
	return a.direct
}

func (a *answer) WriteHeader(code int) {
	if a.status == 0 {
		a.status = code
	}
	if a.goDirect() {
		a.w.WriteHeader(code)
	}
}

func (a *answer) Write(b []byte) (int, error) {
	if a.status == 0 {
		a.status = http.StatusOK
	}
	if a.goDirect() {
		return a.w.Write(b)
	}
	return a.body.Write(b)
}

// FlushError flushes only a fault's answer: a checked one goes out whole.
func (a *answer) FlushError() error {
	if a.goDirect() {
		return http.NewResponseController(a.w).Flush()
	}
	return nil
}

// Hijack hands the connection to a fault that drops it.
func (a *answer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if !a.goDirect() {
		return nil, nil, errors.New("contract: hijacking an answer that is not a fault's")
	}
	a.hijacked = true
	return http.NewResponseController(a.w).Hijack()
}

// Unwrap gives http.ResponseController the rest (deadlines, full duplex).
func (a *answer) Unwrap() http.ResponseWriter { return a.w }

func (a *answer) statusCode() int {
	if a.status == 0 {
		return http.StatusOK
	}
	return a.status
}

func (a *answer) writeThrough() {
	maps.Copy(a.w.Header(), a.header)
	a.w.WriteHeader(a.statusCode())
	_, _ = a.w.Write(a.body.Bytes()) // an error means the client went away
}
