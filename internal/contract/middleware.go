package contract

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"maps"
	"net"
	"net/http"

	"github.com/pimkit/catalog/internal/fakehook"
)

// maxCapture bounds the request body kept for checking: above the fake's
// 35,000,000-byte limit, so that every body it accepts is checked whole.
const maxCapture = 64 << 20

// Middleware validates each request to h and h's answer against the
// contract, and hands every mismatch to report. The answer is held back
// until it has been checked, then written through unchanged. A panic in h
// (http.ErrAbortHandler, which drops the connection) passes through
// unchecked.
//
// Exemptions, each deliberate garbage or something no contract can judge:
//   - an answer shaped by an injected fault (fakehook.MarkFault): faults
//     stand for broken networks and proxies (HTML pages, truncated JSON,
//     resets, trickles) and are sent without buffering so that their
//     timing holds; the request is still checked when its body is whole;
//   - the request of a 400 answer: the fake refused it as malformed, which
//     is what the tests that send bad bodies are after (the 400 answer
//     itself is still checked);
//   - the request of a 413 answer: its body was cut at the fake's limit;
//   - a method and path not in the contract that the fake answered with
//     404 or 405: tests of wrong paths and methods. The contract not
//     having a path the fake serves any other way is reported.
func Middleware(h http.Handler, report func(error)) http.Handler {
	v, err := Load()
	if err != nil {
		panic(err) // the embedded document is broken: every test would be wrong
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, faulted := fakehook.WithFaultNote(r.Context())
		body := &capture{src: r.Body}
		inner := r.WithContext(ctx)
		inner.Body = body
		ans := &answer{w: w, header: make(http.Header), faulted: faulted}
		h.ServeHTTP(ans, inner)
		if ans.direct {
			if !ans.hijacked {
				v.checkRequestOnly(r, body, ans.statusCode(), report)
			}
			return
		}
		v.check(r, body, ans, report)
		ans.writeThrough()
	})
}

func (v *Validator) check(r *http.Request, body *capture, ans *answer, report func(error)) {
	status := ans.statusCode()
	fail := func(side string, err error) {
		report(&Mismatch{Method: r.Method, Path: r.URL.Path, Status: status, Side: side, Err: err})
	}
	if v.OperationID(r) == "" {
		if status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
			fail("route", ErrNoOperation)
		}
		return
	}
	v.checkRequestOnly(r, body, status, report)
	if err := v.CheckResponse(r, status, ans.header, ans.body.Bytes()); err != nil {
		fail("response", err)
	}
}

// checkRequestOnly checks the request of an answer with the given status,
// unless an exemption above applies.
func (v *Validator) checkRequestOnly(r *http.Request, body *capture, status int, report func(error)) {
	if status == http.StatusBadRequest || status == http.StatusRequestEntityTooLarge || v.OperationID(r) == "" {
		return
	}
	raw, whole := body.rest()
	if !whole {
		return
	}
	if err := v.CheckRequest(r, raw); err != nil {
		report(&Mismatch{Method: r.Method, Path: r.URL.Path, Status: status, Side: "request", Err: err})
	}
}

// capture keeps what the handler reads of a request body.
type capture struct {
	src  io.ReadCloser
	buf  bytes.Buffer
	over bool // more than maxCapture bytes
	eof  bool
	err  bool
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
	if c.over || c.buf.Len()+len(b) > maxCapture {
		c.over = true
		return
	}
	c.buf.Write(b)
}

func (c *capture) Close() error { return c.src.Close() }

// rest reads what the handler left unread (it answered before reading,
// e.g. a 401) and returns the whole body, or whole == false when it cannot
// be had.
func (c *capture) rest() (body []byte, whole bool) {
	if !c.eof && !c.err && !c.over {
		_, _ = io.Copy(io.Discard, io.LimitReader(c, maxCapture+1))
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
		if a.status != 0 {
			a.w.WriteHeader(a.status)
		}
		if a.body.Len() > 0 {
			_, _ = a.w.Write(a.body.Bytes())
		}
	}
	return a.direct
}

func (a *answer) WriteHeader(code int) {
	if a.goDirect() {
		a.w.WriteHeader(code)
		return
	}
	if a.status == 0 {
		a.status = code
	}
}

func (a *answer) Write(b []byte) (int, error) {
	if a.goDirect() {
		return a.w.Write(b)
	}
	if a.status == 0 {
		a.status = http.StatusOK
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
