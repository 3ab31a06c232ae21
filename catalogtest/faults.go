package catalogtest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/internal/fakehook"
	"github.com/pimkit/catalog/internal/ratelimit"
)

// Operation names one endpoint of the API, as "METHOD pattern": the method
// and the path pattern the server routes it by.
type Operation string

// The operations a Fault can be limited to. They are spelled out, rather
// than built from the path constants, so that the documentation shows them.
const (
	OpCreateSource Operation = "POST /api/b2b/pim/sources"
	OpImportAPI    Operation = "POST /api/b2b/pim/import/api"
	OpImportQueue  Operation = "POST /api/b2b/pim/import/queue"
	OpQueueStatus  Operation = "GET /api/b2b/pim/import/queue"
	OpGetJob       Operation = "GET /api/b2b/pim/jobs/{jobId}"
	// The catalog calls whose wire is the project's reading.
	OpImportCategories Operation = "POST /api/b2b/pim/categories/import"
	OpListCategories   Operation = "GET /api/b2b/pim/categories"
	OpImportPromotions Operation = "POST /api/b2b/pim/promotions/import"
	OpListProducts     Operation = "GET /api/b2b/pim/products"
	OpRemoveProducts   Operation = "POST /api/b2b/pim/products/remove"
)

// FaultKind says how a Fault misbehaves.
type FaultKind int

// The kinds of fault. "Applied" means the request changed the server's
// state as it would without the fault: products and versions stored, a job
// created, a source added, an Idempotency-Key answer stored.
const (
	// FaultStatus answers Fault.Status with a JSON error body of the usual
	// shape, without applying the request. Its code is the one the server
	// uses for that status (RATE_LIMITED for 429, INTERNAL_ERROR for
	// 500, ...), else the status text in capitals (SERVICE_UNAVAILABLE,
	// BAD_GATEWAY, GATEWAY_TIMEOUT). With Fault.RetryAfter > 0 the answer
	// carries a Retry-After header.
	FaultStatus FaultKind = iota + 1
	// FaultDelay waits Fault.Delay on the real clock (not the server's
	// Clock), then serves the request normally. The request is served even
	// if the client gave up meanwhile, as a server that does not notice a
	// client timeout would: a rehearsal of "timed out, yet applied".
	FaultDelay
	// FaultResetBeforeApply reads the request body (up to the body limit),
	// then drops the connection (TCP RST) without applying the request. The
	// client sees a transport error after sending the whole request, exactly
	// as with FaultResetAfterApply: only the server state tells them apart.
	FaultResetBeforeApply
	// FaultResetAfterApply applies the request fully, then drops the
	// connection (TCP RST): the answer is lost.
	FaultResetAfterApply
	// FaultTruncatedJSON applies the request, then sends the status line,
	// the headers (Content-Length of the whole answer) and only the first
	// half of the JSON answer, and closes the connection. The client sees
	// a body that ends in the middle of the JSON (io.ErrUnexpectedEOF). The
	// close is an orderly one, not a reset, so that no operating system
	// discards the half that was sent.
	FaultTruncatedJSON
	// FaultHTML answers Fault.Status (502 when it is 0) with an HTML page
	// (Content-Type text/html), as a proxy in front of the platform would,
	// without applying the request.
	FaultHTML
	// FaultTrickle applies the request, then sends the answer a few bytes
	// at a time with Fault.Delay between writes: a slow server. The answer
	// goes in pieces of at least 16 bytes and at most 64 pieces, so it
	// takes at most 63 times Delay longer than usual.
	FaultTrickle
	// FaultGatewayAfterApply applies the request fully, then answers
	// Fault.Status (502 when it is 0) with the HTML error page of a proxy
	// (nginx) in front of the platform, Content-Type text/html, instead of
	// the JSON answer: a gateway that gave up on the platform's answer. The
	// client sees an error status although the request took effect.
	FaultGatewayAfterApply
)

var faultKindNames = [...]string{"", "FaultStatus", "FaultDelay", "FaultResetBeforeApply",
	"FaultResetAfterApply", "FaultTruncatedJSON", "FaultHTML", "FaultTrickle", "FaultGatewayAfterApply"}

// String returns the constant's name, such as "FaultStatus".
func (k FaultKind) String() string {
	if k.valid() {
		return faultKindNames[k]
	}
	return "FaultKind(" + strconv.Itoa(int(k)) + ")"
}

func (k FaultKind) valid() bool { return k >= FaultStatus && k <= FaultGatewayAfterApply }

// Fault describes a failure to inject into requests, standing for the
// network and the proxies in front of the platform. Faults act before the
// rate limit and authentication: a request a fault answers without
// applying it uses none of the rate quota, and even a request without
// credentials can be faulted. Only requests that match an endpoint are
// faulted; unknown paths and methods get their usual 404 and 405.
//
// Each fault decides on its own whether it fires on a request; when
// several fire on the same request, the one added first wins, and only it
// counts as fired.
type Fault struct {
	// Kind is how the fault misbehaves. A Fault with an unknown Kind never
	// fires.
	Kind FaultKind
	// Op limits the fault to one endpoint; "" matches every endpoint. An Op
	// that names no endpoint matches nothing.
	Op Operation
	// Nth > 0 fires the fault on the Nth matching request only, counted
	// from 1 for this fault since it was added (requests another fault
	// took included).
	Nth int
	// Probability, when Nth <= 0, fires the fault on each matching request
	// with this probability, drawn from the server's seeded source (see
	// WithFaultSeed). 0 (and 1 or more) fires on every matching request; a
	// negative one never fires.
	Probability float64
	// Times > 0 fires the fault at most this many times; otherwise there
	// is no limit.
	Times int
	// Status is the answer's status for FaultStatus (required),
	// FaultHTML and FaultGatewayAfterApply (502 when 0). It must be from 400 to 599: any other value
	// is answered 500 with a message that names it.
	Status int
	// RetryAfter, for FaultStatus, sets the Retry-After header, in whole
	// seconds rounded up. 0 sends none.
	RetryAfter time.Duration
	// Delay is the wait before serving for FaultDelay and between writes
	// for FaultTrickle, on the real clock; 0 or less waits not at all.
	Delay time.Duration
}

// faultState is an active Fault and its counters. Guarded by Server.mu.
type faultState struct {
	Fault
	counted
}

// faultSet is the server's faults and their random source. Guarded by
// Server.mu.
type faultSet struct {
	active []*faultState
	rng    *rand.Rand
	fired  int // by every fault, cleared ones included
}

// defaultFaultSeed seeds the probability source unless WithFaultSeed says
// otherwise.
const defaultFaultSeed = 1

// WithFaults makes the faults active from the start, in this order; see
// Fault.
func WithFaults(faults ...Fault) Option {
	return func(c *config) { c.faults = append(c.faults, faults...) }
}

// WithFaultSeed seeds the source that decides whether a fault with a
// Probability fires (1 unless set). Requests sent one after another meet
// the same faults on every run with the same seed.
func WithFaultSeed(seed uint64) Option {
	return func(c *config) { c.faultSeed = seed }
}

// AddFault makes a fault active from now on, after the ones already
// active. Its Nth counts requests from now.
func (s *Server) AddFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.active = append(s.faults.active, &faultState{Fault: f})
}

// ClearFaults deactivates every fault. FaultsFired keeps its count.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.active = nil
}

// FaultsFired returns how many times any fault has fired since the server
// started, counting the faults cleared since.
func (s *Server) FaultsFired() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults.fired
}

func newFaultSet(faults []Fault, seed uint64) faultSet {
	fs := faultSet{rng: rand.New(rand.NewPCG(seed, seed))}
	for _, f := range faults {
		fs.active = append(fs.active, &faultState{Fault: f})
	}
	return fs
}

// pickFault returns the fault that fires on a request to op, if any. Every
// matching fault counts the request and makes its draw, so that which
// fault fires depends only on the sequence of requests.
func (s *Server) pickFault(op Operation) (Fault, bool) {
	if op == "" {
		return Fault{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	winner, ok := pickFirst(s.faults.active, func(f *faultState) bool { return f.decide(op, s.faults.rng) })
	if !ok {
		return Fault{}, false
	}
	winner.fired++
	s.faults.fired++
	return winner.Fault, true
}

// decide counts a request to op and says whether the fault would fire.
func (f *faultState) decide(op Operation, rng *rand.Rand) bool {
	if !f.Kind.valid() || (f.Op != "" && f.Op != op) || !f.count(f.Nth, f.Times) {
		return false
	}
	switch {
	case f.Nth > 0:
		return true
	case f.Probability > 0 && f.Probability < 1:
		return rng.Float64() < f.Probability
	}
	return f.Probability == 0 || f.Probability >= 1 // NaN and negatives never fire
}

// counted is the Nth and Times rule that faults, stubs and job outcomes
// share: each counts what it matches from when it was registered and fires
// on the Nth of those (on every one when Nth is 0), at most Times times
// (with no bound when Times is 0).
type counted struct {
	seen  int // matches since registered
	fired int
}

// count counts one match and says whether nth and times let it fire.
func (c *counted) count(nth, times int) bool {
	c.seen++
	return (times <= 0 || c.fired < times) && (nth <= 0 || nth == c.seen)
}

// pickFirst asks every rule to decide on one request, so that each counts
// it, and returns the first that fires.
func pickFirst[T any](rules []T, decide func(T) bool) (winner T, ok bool) {
	for _, r := range rules {
		if decide(r) && !ok {
			winner, ok = r, true
		}
	}
	return winner, ok
}

// operationOf is operation(r), looked up once per request for the fault
// and stub middlewares both.
func (s *Server) operationOf(r *http.Request) Operation {
	ex := exchangeOf(r)
	if ex.op == nil {
		op := s.operation(r)
		ex.op = &op
	}
	return *ex.op
}

// operation names the endpoint r goes to, or "" when it goes to none.
func (s *Server) operation(r *http.Request) Operation {
	if !canonicalPath(r.URL.Path) {
		return "" // route answers 404
	}
	_, pattern := s.mux.Handler(r)
	if pattern == "" || pattern == "/" {
		return ""
	}
	return Operation(pattern)
}

// injectFaults is the fault middleware, right inside the recording.
func (s *Server) injectFaults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := s.pickFault(s.operationOf(r))
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		exchangeOf(r).fault = f.Kind
		if f.Kind != FaultDelay { // a delayed answer is a real one: check it
			fakehook.MarkFault(r.Context())
		}
		s.serveFault(w, r, next, f)
	})
}

func (s *Server) serveFault(w http.ResponseWriter, r *http.Request, next http.Handler, f Fault) {
	switch f.Kind {
	case FaultStatus:
		writeFaultStatus(w, f)
	case FaultHTML:
		writeFaultHTML(w, f)
	case FaultDelay:
		s.sleep(context.Background(), f.Delay)
		next.ServeHTTP(w, r)
	case FaultResetBeforeApply:
		s.drainBody(r, 0)
		resetConnection(w, r)
	default:
		s.applyThenMisbehave(w, r, next, f)
	}
}

// applyThenMisbehave runs the rest of the chain into a buffer, so the
// request is applied in full, then delivers the answer badly.
func (s *Server) applyThenMisbehave(w http.ResponseWriter, r *http.Request, next http.Handler, f Fault) {
	ans := newBufferedAnswer()
	next.ServeHTTP(ans, r)
	switch f.Kind {
	case FaultResetAfterApply:
		s.drainBody(r, ans.statusCode())
		resetConnection(w, r)
	case FaultTruncatedJSON:
		s.drainBody(r, ans.statusCode())
		truncateAnswer(w, r, ans)
	case FaultTrickle:
		s.trickle(w, r, ans, f.Delay)
	case FaultGatewayAfterApply:
		s.drainBody(r, ans.statusCode())
		writeGatewayPage(w, f)
	}
}

// sleep waits d on the real clock. It returns false when ctx ends first;
// Close cuts the wait short (returning true) so that it never waits on a
// fault.
func (s *Server) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.stopping:
		return true
	case <-ctx.Done():
		return false
	}
}

// faultAnswerStatus returns the status a FaultStatus, FaultHTML or
// FaultGatewayAfterApply answers with, or 500 and the reason when f.Status
// is not an error status.
func faultAnswerStatus(f Fault) (status int, problem string) {
	status = f.Status
	if status == 0 && (f.Kind == FaultHTML || f.Kind == FaultGatewayAfterApply) {
		status = http.StatusBadGateway
	}
	if status < 400 || status > 599 {
		return http.StatusInternalServerError, fmt.Sprintf("catalogtest: Fault.Status %d is not an error status (400 to 599)", f.Status)
	}
	return status, ""
}

func writeFaultStatus(w http.ResponseWriter, f Fault) {
	status, problem := faultAnswerStatus(f)
	if problem != "" {
		writeError(w, status, errorBody{Code: codeInternal, Error: problem})
		return
	}
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(ratelimit.RetryAfterSeconds(f.RetryAfter), 10))
	}
	writeError(w, status, errorBody{Code: codeForStatus(status),
		Error: fmt.Sprintf("catalogtest: injected fault: %d %s", status, http.StatusText(status))})
}

// codeForStatus is the error code the server answers a status with: its
// own code where it has one, else the status text in capitals.
func codeForStatus(status int) catalog.ErrorCode {
	switch status {
	case http.StatusBadRequest:
		return codeValidation
	case http.StatusUnauthorized:
		return codeUnauthenticated
	case http.StatusForbidden:
		return codeForbidden
	case http.StatusNotFound:
		return codeNotFound
	case http.StatusMethodNotAllowed:
		return codeMethodNotAllowed
	case http.StatusConflict:
		return codeConflict
	case http.StatusRequestEntityTooLarge:
		return codePayloadTooLarge
	case http.StatusTooManyRequests:
		return codeRateLimited
	case http.StatusInternalServerError:
		return codeInternal
	}
	text := http.StatusText(status)
	if text == "" {
		return catalog.ErrorCode("HTTP_" + strconv.Itoa(status))
	}
	return catalog.ErrorCode(strings.Join(strings.FieldsFunc(strings.ToUpper(text), func(r rune) bool {
		return r < 'A' || r > 'Z'
	}), "_"))
}

func writeFaultHTML(w http.ResponseWriter, f Fault) {
	status, problem := faultAnswerStatus(f)
	title := fmt.Sprintf("%d %s", status, http.StatusText(status))
	if problem == "" {
		problem = "catalogtest: injected fault"
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s</h1></center>\r\n<hr><center>%s</center>\r\n</body>\r\n</html>\r\n",
		title, title, html.EscapeString(problem))
}

// writeGatewayPage answers with the error page nginx serves when it cannot
// pass on the upstream's answer. An invalid Fault.Status is answered 500,
// the page then naming the problem instead of nginx.
func writeGatewayPage(w http.ResponseWriter, f Fault) {
	status, problem := faultAnswerStatus(f)
	footer := "nginx"
	if problem != "" {
		footer = html.EscapeString(problem)
	}
	title := fmt.Sprintf("%d %s", status, http.StatusText(status))
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<html><head><title>%s</title></head><body><center><h1>%s</h1></center><hr><center>%s</center></body></html>",
		title, title, footer)
}

// drainBody reads the rest of r's body, so that it is recorded whole and
// the client has sent all of it when the connection drops. After a 413
// the body stays cut just past the limit, as the recording keeps it.
func (s *Server) drainBody(r *http.Request, status int) {
	if status == http.StatusRequestEntityTooLarge {
		return
	}
	limit := s.cfg.maxBody
	if read := exchangeOf(r).body; read != nil {
		limit -= int64(read.Len())
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, limit))
}

// resetConnection drops the connection with a TCP RST. Where there is no
// connection to take over (HTTP/2, or a ResponseRecorder), it aborts the
// handler with http.ErrAbortHandler, as net/http handlers do to drop a
// connection or reset a stream.
func resetConnection(w http.ResponseWriter, r *http.Request) {
	exchangeOf(r).drop()
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	tcp := conn
	if inner, ok := conn.(interface{ NetConn() net.Conn }); ok { // *tls.Conn
		tcp = inner.NetConn()
	}
	if c, ok := tcp.(*net.TCPConn); ok {
		_ = c.SetLinger(0) // Close then sends RST instead of FIN
	}
	_ = conn.Close()
}

// truncateAnswer sends ans with a Content-Length of the whole body but only
// its first half, then closes the connection.
func truncateAnswer(w http.ResponseWriter, r *http.Request, ans *bufferedAnswer) {
	exchangeOf(r).drop()
	body := ans.body.Bytes()
	half := body[:len(body)/2]
	header := ans.header.Clone()
	header.Set(HeaderRequestID, w.Header().Get(HeaderRequestID))
	header.Del("Transfer-Encoding")
	header.Set("Content-Length", strconv.Itoa(len(body)))
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		abortAfterHalf(w, header, ans.statusCode(), half)
		return
	}
	defer conn.Close()
	header.Set("Connection", "close")
	writeRawResponse(rw.Writer, ans.statusCode(), header, half)
}

// abortAfterHalf is truncateAnswer without a connection of its own: it
// sends the half through w, then aborts the handler.
func abortAfterHalf(w http.ResponseWriter, header http.Header, status int, half []byte) {
	maps.Copy(w.Header(), header)
	w.WriteHeader(status)
	_, _ = w.Write(half)
	_ = http.NewResponseController(w).Flush()
	panic(http.ErrAbortHandler)
}

// writeRawResponse writes an HTTP/1.1 response head and body to bw.
func writeRawResponse(bw *bufio.Writer, status int, header http.Header, body []byte) {
	fmt.Fprintf(bw, "HTTP/1.1 %03d %s\r\n", status, http.StatusText(status))
	_ = header.Write(bw)
	_, _ = bw.WriteString("\r\n")
	_, _ = bw.Write(body)
	_ = bw.Flush()
}

// Pieces of a trickled answer.
const (
	trickleMinPiece  = 16
	trickleMaxPieces = 64
)

// trickle sends ans in pieces with delay between them. It stops early when
// the client goes away.
func (s *Server) trickle(w http.ResponseWriter, r *http.Request, ans *bufferedAnswer, delay time.Duration) {
	body := ans.body.Bytes()
	maps.Copy(w.Header(), ans.header)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(ans.statusCode())
	if len(body) == 0 {
		return
	}
	// The last byte stays in net/http's buffer until the handler returns, so
	// the request is recorded before the client has the whole answer.
	last := len(body) - 1
	piece := max(trickleMinPiece, (len(body)+trickleMaxPieces-1)/trickleMaxPieces)
	rc := http.NewResponseController(w)
	for start := 0; start < last; start += piece {
		if start > 0 && !s.sleep(r.Context(), delay) {
			return
		}
		if _, err := w.Write(body[start:min(start+piece, last)]); err != nil {
			return
		}
		_ = rc.Flush()
	}
	_, _ = w.Write(body[last:])
}

// bufferedAnswer is a ResponseWriter that keeps the answer, for the
// faults that apply a request before misbehaving.
type bufferedAnswer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newBufferedAnswer() *bufferedAnswer { return &bufferedAnswer{header: make(http.Header)} }

func (a *bufferedAnswer) Header() http.Header { return a.header }

func (a *bufferedAnswer) WriteHeader(code int) {
	if a.status == 0 {
		a.status = code
	}
}

func (a *bufferedAnswer) Write(b []byte) (int, error) {
	a.WriteHeader(http.StatusOK)
	return a.body.Write(b)
}

func (a *bufferedAnswer) statusCode() int {
	if a.status == 0 {
		return http.StatusOK
	}
	return a.status
}
