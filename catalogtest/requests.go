package catalogtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/pimkit/catalog"
)

// HeaderRequestID is the header every answer of the server carries, with
// the id it gave the request: "req_1", "req_2", ... in arrival order, one
// sequence per Server, so a test sees the same ids on every run.
const HeaderRequestID = "X-Request-Id"

// Request is one HTTP request the server received, as recorded for tests.
type Request struct {
	// ID is the id the server gave the request, sent back in the
	// X-Request-Id header of its answer (see HeaderRequestID).
	ID     string
	Method string      // the HTTP method
	Path   string      // the URL path, without the query
	Header http.Header // as received; credential headers included
	// Body is the request body as received, up to the server's body limit;
	// for a 413 answer it is cut just past the limit. Of a multipart body
	// (a file analysis or upload), only the first 64 KiB are kept.
	Body []byte
	// Status is the HTTP status the server answered with. It is 0 when the
	// connection was dropped before a whole answer went out
	// (FaultResetBeforeApply, FaultResetAfterApply, FaultTruncatedJSON),
	// and while the request is still being handled.
	Status int
	// Time is the arrival time on the server's clock.
	Time time.Time
	// Fault is the kind of the fault that fired on this request, 0 if none.
	Fault FaultKind
	// Stubbed is true when a [Stub] answered the request.
	Stubbed bool
}

// recordedRequest is a Request as the log holds it. Guarded by Server.mu.
type recordedRequest struct {
	Request
	done bool // answered, or its connection dropped
}

// Requests returns every request received since the start, the last Reset
// or the last ResetRequests, in arrival order, including refused ones (401, 429, ...).
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requestsLocked()
}

func (s *Server) requestsLocked() []Request {
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = r.Request
		out[i].Header, out[i].Body = r.Header.Clone(), bytes.Clone(r.Body)
	}
	return out
}

// WaitRequests blocks until at least n of the requests recorded since the
// start, the last Reset or the last ResetRequests have been answered (or
// their connection dropped), and returns every recorded request, as
// Requests does. It fails when ctx ends first. It waits on the server's
// own signals, not by polling.
func (s *Server) WaitRequests(ctx context.Context, n int) ([]Request, error) {
	var out []Request
	done := 0
	err := s.requestsChanged.await(ctx, &s.mu, nil, func() bool {
		done = 0
		for _, r := range s.requests {
			if r.done {
				done++
			}
		}
		if done < n {
			return false
		}
		out = s.requestsLocked()
		return true
	})
	if err != nil {
		return s.Requests(), fmt.Errorf("catalogtest: waiting for %d requests, %d answered: %w", n, done, err)
	}
	return out, nil
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
	s.requestsChanged.broadcast()
}

// record gives each request its id, in the X-Request-Id header of the
// answer, appends it to the log on arrival, so the log keeps arrival
// order, and fills in its body, status and fault when it has been
// answered, or when a fault aborted it.
func (s *Server) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recordedRequest{Request: Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Time: s.cfg.clock.Now()}}
		s.mu.Lock()
		s.requestSeq++
		rec.ID = "req_" + strconv.Itoa(s.requestSeq)
		s.requests = append(s.requests, rec)
		s.requestsChanged.broadcast()
		s.mu.Unlock()
		w.Header().Set(HeaderRequestID, rec.ID)

		ex := &exchange{body: new(bytes.Buffer)}
		var keep io.Writer = ex.body
		if isMultipart(r) { // a file upload: up to 50 MB
			keep = &capped{buf: ex.body, n: multipartRecorded}
		}
		r.Body = readCloser{Reader: io.TeeReader(r.Body, keep), Closer: r.Body}
		r = r.WithContext(context.WithValue(r.Context(), exchangeKey{}, ex))
		sw := &statusWriter{ResponseWriter: w}
		ex.settle = func() { s.finishRecord(rec, ex, sw, true) }
		finished := false
		defer func() { s.finishRecord(rec, ex, sw, finished) }()
		next.ServeHTTP(sw, r)
		if !ex.dropped && ex.body != nil {
			// Keep the whole body for the test even when it was answered unread.
			s.drainBody(r, sw.status)
		}
		finished = true
	})
}

// finishRecord fills in rec once its request is over; finished is false
// when a panic (http.ErrAbortHandler) ended it.
func (s *Server) finishRecord(rec *recordedRequest, ex *exchange, sw *statusWriter, finished bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.done = true
	s.requestsChanged.broadcast()
	rec.Status, rec.Fault, rec.Stubbed = sw.statusCode(), ex.fault, ex.stubbed
	if ex.dropped || !finished {
		rec.Status = 0
	}
	if ex.body != nil {
		rec.Body = ex.body.Bytes()
	}
}

// exchange is what the recording shares with the fault middleware about
// one request.
type exchange struct {
	body    *bytes.Buffer // the body read so far
	fault   FaultKind     // the fault that fired, if any
	stubbed bool          // a Stub answered
	dropped bool          // the connection was dropped without a whole answer
	settle  func()        // records the request as it stands
	op      *Operation    // the request's operation, once looked up (operationOf)
}

// drop notes that the connection is about to be dropped, and records the
// request now: once the client sees the connection fail, a test may look.
func (ex *exchange) drop() {
	ex.dropped = true
	if ex.settle != nil {
		ex.settle()
	}
}

type exchangeKey struct{}

// exchangeOf returns r's exchange; a request that did not come through
// record (which never happens) gets a throwaway one.
func exchangeOf(r *http.Request) *exchange {
	if ex, ok := r.Context().Value(exchangeKey{}).(*exchange); ok {
		return ex
	}
	return &exchange{}
}

type readCloser struct {
	io.Reader
	io.Closer
}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) statusCode() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// ImportBody is the body of an import request, direct or queued, decoded
// into the client's types; see [Request.Import].
type ImportBody struct {
	SourceID string // source_id
	// MergeMode is the merge_mode sent; "" when the request sent none, which
	// the platform reads as catalog.MergeReplace.
	MergeMode       catalog.MergeMode
	BatchID         string                 // batch_id
	BatchMetadata   *catalog.BatchMetadata // batch_metadata
	ChannelMetadata map[string]any         // channel_metadata
	UpdateMask      []string               // update_mask, the fields of a selective update
	UpdateOnly      bool                   // update_only
	// Products are the rows as sent, before mappings and wrapping: a name
	// sent as a plain string is a catalog.PlainText here, and keys the
	// model has no place for are in Product.Extra, as
	// ProductVersion.Product reads them.
	Products []catalog.Product
}

// Import decodes the body of a request to POST /api/b2b/pim/import/api or
// POST /api/b2b/pim/import/queue, so that a test can check what the code
// under test sent with the client's own types. It fails for a request to
// another endpoint, a body that is not such a JSON object (the server
// answered it 400), a row that does not fit catalog.Product (the error
// names it).
func (r Request) Import() (*ImportBody, error) {
	if r.Method != http.MethodPost || (r.Path != pathImportAPI && r.Path != pathImportQueue) {
		return nil, fmt.Errorf("catalogtest: request %s is %s %s, not an import", r.ID, r.Method, r.Path)
	}
	if r.Body == nil {
		return nil, fmt.Errorf("catalogtest: request %s has no recorded body", r.ID)
	}
	var env struct {
		SourceID        string                 `json:"source_id"`
		MergeMode       catalog.MergeMode      `json:"merge_mode"`
		BatchID         string                 `json:"batch_id"`
		BatchMetadata   *catalog.BatchMetadata `json:"batch_metadata"`
		ChannelMetadata map[string]any         `json:"channel_metadata"`
		UpdateMask      []string               `json:"update_mask"`
		UpdateOnly      bool                   `json:"update_only"`
		Products        []json.RawMessage      `json:"products"`
	}
	if err := json.Unmarshal(r.Body, &env); err != nil {
		return nil, fmt.Errorf("catalogtest: request %s: import body: %w", r.ID, err)
	}
	if env.Products == nil {
		return nil, errors.New("catalogtest: request " + r.ID + ": import body has no products array")
	}
	out := &ImportBody{SourceID: env.SourceID, MergeMode: env.MergeMode, BatchID: env.BatchID,
		BatchMetadata: env.BatchMetadata, ChannelMetadata: env.ChannelMetadata,
		UpdateMask: env.UpdateMask, UpdateOnly: env.UpdateOnly,
		Products: make([]catalog.Product, len(env.Products))}
	for i, raw := range env.Products {
		if err := json.Unmarshal(raw, &out.Products[i]); err != nil {
			return nil, fmt.Errorf("catalogtest: request %s: row %d does not fit catalog.Product: %w", r.ID, i, err)
		}
	}
	return out, nil
}

// multipartRecorded is how much of a multipart body the log keeps: an
// upload may carry 50 MB, which a test does not need to hold.
const multipartRecorded = 64 << 10

// capped writes to buf until it holds n bytes, and drops the rest.
type capped struct {
	buf *bytes.Buffer
	n   int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.n - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
