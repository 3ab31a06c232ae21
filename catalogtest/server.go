package catalogtest

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/internal/fakehook"
)

// Credentials and identifiers the server accepts when no option says otherwise.
const (
	// DefaultAPIKeyID is the API key id accepted when no credential option is given.
	DefaultAPIKeyID = "ak_test_catalogtest"
	// DefaultAPISecret is the secret of DefaultAPIKeyID.
	DefaultAPISecret = "sk_test_catalogtest"
	// PermissionImport is the permission POST /api/b2b/pim/import/api requires.
	PermissionImport = "import"
	// DefaultSourceID is the ID of the import source every Server starts with.
	DefaultSourceID = "default"
)

// Machine codes of error answers, in the "code" field of the JSON body.
const (
	CodeValidation           = "VALIDATION_ERROR"       // 400
	CodeUnauthenticated      = "UNAUTHENTICATED"        // 401
	CodeForbidden            = "FORBIDDEN"              // 403
	CodeNotFound             = "NOT_FOUND"              // 404, unknown path
	CodeSourceNotFound       = "SOURCE_NOT_FOUND"       // 404, unknown source_id
	CodeJobNotFound          = "JOB_NOT_FOUND"          // 404, unknown job id
	CodeMethodNotAllowed     = "METHOD_NOT_ALLOWED"     // 405
	CodeConflict             = "CONFLICT"               // 409
	CodePayloadTooLarge      = "PAYLOAD_TOO_LARGE"      // 413
	CodeIdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED" // 422, an Idempotency-Key reused for another request
	CodeRateLimited          = "RATE_LIMITED"           // 429
	CodeInternal             = "INTERNAL_ERROR"         // 500
)

// Paths served, as seed 004 names them.
const (
	pathSources     = "/api/b2b/pim/sources"
	pathImportAPI   = "/api/b2b/pim/import/api"
	pathImportQueue = "/api/b2b/pim/import/queue"
	pathJob         = "/api/b2b/pim/jobs/{jobId}"
)

// Defaults, from seed 004 (products, threshold) and seed 001 (limits).
const (
	defaultLanguage    = "en"
	defaultRateN       = 40
	defaultRateWindow  = time.Minute
	defaultMaxBody     = 35_000_000
	defaultMaxProducts = 10_000
	sessionCookieName  = "vinc_b2b_session"
)

var defaultLanguages = []string{"en", "it", "de", "fr", "es"}

type credentialKind int

const (
	kindAPIKey credentialKind = iota
	kindBearer
	kindCookie
)

// credential is one accepted credential. For bearer tokens and cookies the
// value is in secret and id is empty.
type credential struct {
	kind        credentialKind
	id, secret  string
	permissions []string
}

type config struct {
	creds       []credential
	defaultLang string
	languages   []string
	rateN       int
	rateWindow  time.Duration
	maxBody     int64
	maxProducts int
	clock       Clock
	jobDelay    time.Duration
	searchSync  bool
	sources     []Source
	countOnly   bool
	faults      []Fault
	faultSeed   uint64
	noIdem      bool // WithoutIdempotency
}

// Option configures a Server. Pass options to NewServer.
type Option func(*config)

// WithAPIKey accepts the API key id and secret, sent as the headers
// x-auth-method: api-key, x-api-key-id and x-api-secret. With no
// permissions the key gets PermissionImport; given permissions replace it.
func WithAPIKey(id, secret string, permissions ...string) Option {
	return withCredential(credential{kind: kindAPIKey, id: id, secret: secret}, permissions)
}

// WithBearerToken accepts "Authorization: Bearer <token>". With no
// permissions the token gets PermissionImport; given permissions replace it.
func WithBearerToken(token string, permissions ...string) Option {
	return withCredential(credential{kind: kindBearer, secret: token}, permissions)
}

// WithSessionCookie accepts the vinc_b2b_session cookie with this value. With
// no permissions the session gets PermissionImport; given permissions
// replace it.
func WithSessionCookie(value string, permissions ...string) Option {
	return withCredential(credential{kind: kindCookie, secret: value}, permissions)
}

func withCredential(c credential, permissions []string) Option {
	if len(permissions) == 0 {
		permissions = []string{PermissionImport}
	}
	c.permissions = slices.Clone(permissions)
	return func(cfg *config) { cfg.creds = append(cfg.creds, c) }
}

// WithDefaultLanguage sets the tenant's default language ("en" unless set),
// the key plain strings in multilingual fields are wrapped under. An empty
// code is ignored.
func WithDefaultLanguage(code string) Option {
	return func(c *config) {
		if code != "" {
			c.defaultLang = code
		}
	}
}

// WithLanguages sets the tenant's languages (en, it, de, fr, es unless set).
// The default language is always one of them.
func WithLanguages(codes ...string) Option {
	return func(c *config) { c.languages = slices.Clone(codes) }
}

// WithRateLimit allows at most n requests in any window of length window
// (40 per minute unless set). n <= 0 or window <= 0 turns the limit off.
func WithRateLimit(n int, window time.Duration) Option {
	return func(c *config) { c.rateN, c.rateWindow = n, window }
}

// WithoutRateLimit turns the request limit off, for tests that are not
// about it. Client then returns clients without a limit either.
func WithoutRateLimit() Option { return WithRateLimit(0, 0) }

// WithMaxBodyBytes sets the largest request body accepted (35,000,000 bytes
// unless set); larger bodies get 413. n <= 0 keeps the default.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

// WithMaxProducts sets the most products one import request may carry
// (10,000 unless set). n <= 0 keeps the default.
func WithMaxProducts(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxProducts = n
		}
	}
}

// WithClock sets the server's clock; see [FakeClock]. A nil clock keeps the
// wall clock.
func WithClock(clock Clock) Option {
	return func(c *config) {
		if clock != nil {
			c.clock = clock
		}
	}
}

// WithJobDelay makes the background worker wait d, measured on the server's
// clock, between taking a queued job (status processing) and applying its
// rows. With a FakeClock this holds a job in processing until the test
// advances the clock.
func WithJobDelay(d time.Duration) Option {
	return func(c *config) { c.jobDelay = d }
}

// WithSearchSync turns search sync on (the default) or off. When off,
// imports queue no search-sync batches.
func WithSearchSync(enabled bool) Option {
	return func(c *config) { c.searchSync = enabled }
}

// WithCountOnly makes the server count imported rows instead of storing
// them, for load tests and benchmarks that send millions of products. It
// reads each import body as a stream and looks at no more of a row than
// the keys that decide its identity (entity_code, sku, and the keys the
// source maps onto them), so that a request holds about one row in memory
// whatever its size: a 35 MB body costs well under 1 MB.
// [Server.RowsReceived] and [Server.ImportRequests] say what arrived.
//
// The wire protocol is unchanged: credentials, the import permission, the
// rate and body limits (the body limit enforced while reading), the 400,
// 404 and 413 answers, the direct import's answer (summary, row errors for
// rows without entity_code and sku, job_id, debug, message), queued jobs
// run by the worker through pending, processing and a final status, GET
// jobs and the queue status. What differs:
//
//   - No product or version is stored: [Server.Product], [Server.Products]
//     and [Server.Versions] find nothing, and imports neither merge nor
//     keep locked fields.
//   - [Server.Requests] records method, path, header, status and time, but
//     Body is nil.
//   - Each successful row counts as created (nothing is stored, so no row
//     finds an earlier version), and none as auto-published (the
//     completeness score needs the product's content): the answer's
//     auto_published and a job's auto_published are 0.
//   - A job keeps its first 100 row errors only, the most a direct
//     import's answer shows; its failed count still counts them all.
//   - Search-sync batches are counted ([Server.SearchSyncBatches]), their
//     entity codes are not kept ([Server.SearchSyncEntityCodes] is empty).
//   - For some malformed bodies, the byte offset named in a 400's message
//     may differ, since the body is scanned rather than decoded whole.
//
// Field mappings of the import source still apply to entity_code and sku,
// so rows fail exactly when they would without this option.
func WithCountOnly() Option {
	return func(c *config) { c.countOnly = true }
}

// WithSource seeds an import source. A source with the ID of an earlier one,
// including DefaultSourceID, replaces it.
func WithSource(src Source) Option {
	return func(c *config) { c.sources = append(c.sources, cloneSource(src)) }
}

func defaultConfig() config {
	return config{
		defaultLang: defaultLanguage,
		languages:   slices.Clone(defaultLanguages),
		rateN:       defaultRateN,
		rateWindow:  defaultRateWindow,
		maxBody:     defaultMaxBody,
		maxProducts: defaultMaxProducts,
		clock:       realClock{},
		searchSync:  true,
		faultSeed:   defaultFaultSeed,
	}
}

// Server is an in-memory fake of the catalog platform's import API, served
// over HTTP on a local port. Create one with NewServer and stop it with
// Close. All methods are safe for concurrent use, and every method that
// returns state returns a deep copy.
type Server struct {
	// URL is the base URL of the server, such as "http://127.0.0.1:41234",
	// with no trailing slash.
	URL string

	cfg     config
	langs   map[string]bool
	handler http.Handler
	mux     *http.ServeMux
	httpSrv *httptest.Server

	wake       chan struct{} // nudges the worker; capacity 1
	stopping   chan struct{} // closed when Close starts: cuts fault delays short
	done       chan struct{} // closed by Close once no request is in flight
	workerDone chan struct{}
	closeOnce  sync.Once

	mu          sync.Mutex
	sources     map[string]Source
	products    map[string][]ProductVersion
	jobs        map[string]*jobState
	jobOrder    []string // job ids, oldest first
	queue       []string // ids of pending queued jobs, FIFO
	jobsChanged signal
	requests    []*Request
	rate        slidingWindow
	syncBatches int
	syncCodes   []string
	faults      faultSet
	idem        map[idemKey]*idemEntry
	replays     int

	rowsReceived   atomic.Int64 // rows of the import requests answered 2xx
	importRequests atomic.Int64 // import requests answered 2xx
}

// NewServer starts a fake server on a local port and its background job
// worker. Call Close when done, typically with t.Cleanup(s.Close).
func NewServer(opts ...Option) *Server {
	cfg := defaultConfig()
	for _, opt := range opts {
		opt(&cfg)
	}
	if len(cfg.creds) == 0 {
		cfg.creds = []credential{{kind: kindAPIKey, id: DefaultAPIKeyID, secret: DefaultAPISecret, permissions: []string{PermissionImport}}}
	}
	s := &Server{
		cfg:        cfg,
		langs:      languageSet(cfg.defaultLang, cfg.languages),
		wake:       make(chan struct{}, 1),
		stopping:   make(chan struct{}),
		done:       make(chan struct{}),
		workerDone: make(chan struct{}),
		sources:    make(map[string]Source),
		products:   make(map[string][]ProductVersion),
		jobs:       make(map[string]*jobState),
		rate:       slidingWindow{n: cfg.rateN, window: cfg.rateWindow},
		faults:     newFaultSet(cfg.faults, cfg.faultSeed),
		idem:       make(map[idemKey]*idemEntry),
	}
	s.seedSources()
	s.handler = s.buildHandler()
	served := s.handler
	if fakehook.Wrap != nil { // this module's contract checks
		served = fakehook.Wrap(served)
	}
	s.httpSrv = httptest.NewServer(served)
	s.URL = s.httpSrv.URL
	go s.work()
	return s
}

func languageSet(def string, codes []string) map[string]bool {
	set := map[string]bool{def: true}
	for _, c := range codes {
		set[c] = true
	}
	return set
}

// Close shuts the server down: it stops accepting requests, waits for the
// ones in flight (cutting the waits of FaultDelay and FaultTrickle short),
// and stops the job worker. Jobs still pending stay pending. Close may be
// called more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.stopping)
		s.httpSrv.Close()
		close(s.done)
		<-s.workerDone
	})
}

// Handler returns the server's HTTP handler, so the same fake can be served
// by another http.Server (for example a standalone process for non-Go
// suites). It shares state with s.
func (s *Server) Handler() http.Handler { return s.handler }

// Client returns a catalog client for this server, authenticated with the
// server's first API key (else its first bearer token, else its session
// cookie) and configured with the server's rate and body limits. opts are
// applied after those and may override them.
func (s *Server) Client(opts ...catalog.Option) (*catalog.Client, error) {
	rate := catalog.WithoutRateLimit()
	if s.rate.enabled() {
		rate = catalog.WithRateLimit(s.cfg.rateN, s.cfg.rateWindow)
	}
	base := []catalog.Option{s.clientCredential(), rate, catalog.WithMaxBodyBytes(s.cfg.maxBody)}
	return catalog.NewClient(s.URL, append(base, opts...)...)
}

// clientCredential picks the credential Client uses: API keys first.
func (s *Server) clientCredential() catalog.Option {
	for _, kind := range []credentialKind{kindAPIKey, kindBearer, kindCookie} {
		for _, c := range s.cfg.creds {
			if c.kind != kind {
				continue
			}
			switch kind {
			case kindAPIKey:
				return catalog.WithAPIKey(c.id, c.secret)
			case kindBearer:
				return catalog.WithBearerToken(c.secret)
			default:
				return catalog.WithSessionCookie(c.secret)
			}
		}
	}
	return catalog.WithAPIKey(DefaultAPIKeyID, DefaultAPISecret) // unreachable: NewServer always sets one
}

// buildHandler wires the routes and the checks every request goes through,
// outermost first: recording, faults, panic guard, rate limit,
// authentication, Idempotency-Key. Faults stand for the network and
// proxies in front of the platform, so they come before everything the
// platform itself does; the key check needs to know the credential.
func (s *Server) buildHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+pathSources, s.handleCreateSource)
	mux.HandleFunc("POST "+pathImportAPI, s.handleDirectImport)
	mux.HandleFunc("POST "+pathImportQueue, s.handleQueueImport)
	mux.HandleFunc("GET "+pathImportQueue, s.handleQueueStatus)
	mux.HandleFunc("GET "+pathJob, s.handleGetJob)
	mux.HandleFunc("/", s.handleUnrouted)
	s.mux = mux
	return s.record(s.injectFaults(recoverPanics(s.limitRate(s.authenticate(s.deduplicate(http.HandlerFunc(s.route)))))))
}

// route dispatches to the mux. A non-canonical path (such as "//api" or
// "/a/../b") gets a JSON 404 where ServeMux would redirect: a redirected
// POST becomes a GET, and the fake should expose the client's bad path.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	if !canonicalPath(r.URL.Path) {
		writeError(w, http.StatusNotFound, errorBody{Code: CodeNotFound, Error: "no endpoint at " + r.URL.Path})
		return
	}
	s.mux.ServeHTTP(w, r)
}

// canonicalPath reports whether p is already clean, trailing slash aside.
func canonicalPath(p string) bool {
	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	return clean == p
}

// handleUnrouted answers what no route matched: 405 when the path exists
// for another method, 404 otherwise, both as JSON (ServeMux answers text).
func (s *Server) handleUnrouted(w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, http.StatusMethodNotAllowed, errorBody{Code: CodeMethodNotAllowed,
			Error: fmt.Sprintf("method %s is not allowed on %s", r.Method, r.URL.Path)})
		return
	}
	writeError(w, http.StatusNotFound, errorBody{Code: CodeNotFound, Error: "no endpoint at " + r.URL.Path})
}

// Request is one HTTP request the server received, as recorded for tests.
type Request struct {
	Method string
	Path   string
	Header http.Header
	// Body is the request body as received, up to the server's body limit;
	// for a 413 answer it is cut just past the limit. It is nil on a server
	// made WithCountOnly, which keeps no bodies.
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
}

// Requests returns every request received since the start or the last
// ResetRequests, in arrival order, including refused ones (401, 429, ...).
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = Request{Method: r.Method, Path: r.Path, Header: r.Header.Clone(),
			Body: bytes.Clone(r.Body), Status: r.Status, Time: r.Time, Fault: r.Fault}
	}
	return out
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// record appends each request to the log on arrival, so the log keeps
// arrival order, and fills in its body, status and fault when it has been
// answered, or when a fault aborted it. In count mode it keeps no body: a
// copy would cost what count mode saves.
func (s *Server) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Time: s.cfg.clock.Now()}
		s.mu.Lock()
		s.requests = append(s.requests, rec)
		s.mu.Unlock()

		ex := &exchange{}
		if !s.cfg.countOnly {
			ex.body = new(bytes.Buffer)
			r.Body = readCloser{Reader: io.TeeReader(r.Body, ex.body), Closer: r.Body}
		}
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
func (s *Server) finishRecord(rec *Request, ex *exchange, sw *statusWriter, finished bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.Status, rec.Fault = sw.statusCode(), ex.fault
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
	body    *bytes.Buffer // the body read so far; nil in count mode
	fault   FaultKind     // the fault that fired, if any
	dropped bool          // the connection was dropped without a whole answer
	settle  func()        // records the request as it stands
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

// recoverPanics turns a bug in the fake into a 500 answer instead of a
// dropped connection, so the test that hit it sees why.
func recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				writeError(w, http.StatusInternalServerError, errorBody{Code: CodeInternal,
					Error: "internal error in catalogtest", Details: fmt.Sprint(v)})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// slidingWindow is a sliding-window log: it admits a request at time t when
// fewer than n admitted requests fall in (t-window, t]. Guarded by Server.mu.
type slidingWindow struct {
	n      int
	window time.Duration
	log    []time.Time // admitted times, oldest first
}

func (l *slidingWindow) enabled() bool { return l.n > 0 && l.window > 0 }

// take admits a request at now, or says how long until the oldest admitted
// request leaves the window.
func (l *slidingWindow) take(now time.Time) (ok bool, wait time.Duration) {
	if !l.enabled() {
		return true, 0
	}
	cutoff := now.Add(-l.window)
	i := 0
	for i < len(l.log) && !l.log[i].After(cutoff) {
		i++
	}
	l.log = l.log[i:]
	if len(l.log) < l.n {
		l.log = append(l.log, now)
		return true, 0
	}
	return false, l.log[0].Add(l.window).Sub(now)
}

// retryAfterSeconds rounds d up to whole seconds, at least 1.
func retryAfterSeconds(d time.Duration) int64 {
	secs := int64((d + time.Second - 1) / time.Second)
	return max(secs, 1)
}

func (s *Server) limitRate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		ok, wait := s.rate.take(s.cfg.clock.Now())
		s.mu.Unlock()
		if ok {
			next.ServeHTTP(w, r)
			return
		}
		secs := retryAfterSeconds(wait)
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		writeError(w, http.StatusTooManyRequests, errorBody{Code: CodeRateLimited,
			Error:            fmt.Sprintf("rate limit exceeded: at most %d requests per %s", s.rate.n, s.rate.window),
			Hint:             fmt.Sprintf("retry after %d s", secs),
			TechnicalDetails: map[string]any{"retry_after_seconds": secs}})
	})
}

type ctxKey struct{}

// authenticate admits requests that carry one valid credential and stores
// it in the request context.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cred, presented := s.credentialFor(r)
		if cred == nil {
			msg := "missing credentials"
			if presented {
				msg = "invalid credentials"
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="catalog"`)
			writeError(w, http.StatusUnauthorized, errorBody{Code: CodeUnauthenticated, Error: msg,
				Hint: "send Authorization: Bearer <token>, the x-auth-method: api-key headers with x-api-key-id and x-api-secret, or the vinc_b2b_session cookie"})
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, cred)))
	})
}

// credentialFor returns the first valid credential on r, and whether r
// presented any credential at all.
func (s *Server) credentialFor(r *http.Request) (cred *credential, presented bool) {
	if token, ok := bearerToken(r); ok {
		presented = true
		if c := s.match(kindBearer, "", token); c != nil {
			return c, true
		}
	}
	if strings.EqualFold(r.Header.Get("x-auth-method"), "api-key") {
		presented = true
		if c := s.match(kindAPIKey, r.Header.Get("x-api-key-id"), r.Header.Get("x-api-secret")); c != nil {
			return c, true
		}
	}
	if cookie, err := r.Cookie(sessionCookieName); err == nil {
		presented = true
		if c := s.match(kindCookie, "", cookie.Value); c != nil {
			return c, true
		}
	}
	return nil, presented
}

func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(token), true
}

func (s *Server) match(kind credentialKind, id, secret string) *credential {
	for i := range s.cfg.creds {
		c := &s.cfg.creds[i]
		// Constant-time, as a real server would; empty never matches.
		if c.kind == kind && c.id == id && secret != "" &&
			subtle.ConstantTimeCompare([]byte(c.secret), []byte(secret)) == 1 {
			return c
		}
	}
	return nil
}

// credentialOf returns the credential authenticate admitted the request
// with, or nil.
func credentialOf(ctx context.Context) *credential {
	c, _ := ctx.Value(ctxKey{}).(*credential)
	return c
}

func hasPermission(ctx context.Context, perm string) bool {
	c := credentialOf(ctx)
	return c != nil && slices.Contains(c.permissions, perm)
}

// errorBody is the JSON shape of every error answer.
type errorBody struct {
	Success          bool           `json:"success"`
	Error            string         `json:"error"`
	Code             string         `json:"code"`
	Details          string         `json:"details,omitempty"`
	Hint             string         `json:"hint,omitempty"`
	TechnicalDetails map[string]any `json:"technicalDetails,omitempty"`
}

// apiError is an error answer on its way out of a handler.
type apiError struct {
	status int
	body   errorBody
}

func newAPIError(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, body: errorBody{Code: code, Error: fmt.Sprintf(format, args...)}}
}

func writeError(w http.ResponseWriter, status int, body errorBody) {
	body.Success = false
	writeJSON(w, status, body)
}

func writeAPIError(w http.ResponseWriter, e *apiError) { writeError(w, e.status, e.body) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // echo payload text as sent
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		fmt.Fprintf(&buf, `{"success":false,"error":"catalogtest: cannot encode answer","code":%q}`+"\n", CodeInternal)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// readJSON reads r's body within the byte limit and decodes it into v.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, v any) *apiError {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.maxBody))
	if err != nil {
		return s.readError(w, err)
	}
	if err := decodeJSON(body, v); err != nil {
		return newAPIError(http.StatusBadRequest, CodeValidation, "%v", err)
	}
	return nil
}

// readError answers a failure to read a body through MaxBytesReader: 413
// past the byte limit, 400 otherwise.
func (s *Server) readError(w http.ResponseWriter, err error) *apiError {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		// The rest of the body stays unread: the connection cannot be reused.
		w.Header().Set("Connection", "close")
		e := newAPIError(http.StatusRequestEntityTooLarge, CodePayloadTooLarge,
			"request body exceeds the limit of %d bytes", s.cfg.maxBody)
		e.body.TechnicalDetails = map[string]any{"limit_bytes": s.cfg.maxBody}
		return e
	}
	return newAPIError(http.StatusBadRequest, CodeValidation, "cannot read request body: %v", err)
}

// decodeJSON decodes exactly one JSON value, keeping numbers as json.Number
// so their text survives, and says in plain words what is wrong.
func decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return describeJSONError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("invalid JSON: unexpected data after the top-level value")
	}
	return nil
}

func describeJSONError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return errors.New("request body is empty; expected a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("invalid JSON: unexpected end of input")
	case errors.As(err, &syntax):
		return fmt.Errorf("invalid JSON at byte offset %d: %v", syntax.Offset, syntax)
	case errors.As(err, &typ) && typ.Field == "":
		return fmt.Errorf("request body must be a JSON object, got %s", typ.Value)
	case errors.As(err, &typ):
		return fmt.Errorf("field %s must be %s, got %s", typ.Field, kindName(typ.Type), typ.Value)
	}
	return fmt.Errorf("invalid JSON: %v", err)
}

// kindName names a Go type the way a JSON user thinks of it.
func kindName(t reflect.Type) string {
	if t == nil {
		return "a different type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a " + t.String()
}

// timeLayout is the wire format of timestamps: RFC 3339, milliseconds, UTC.
const timeLayout = "2006-01-02T15:04:05.000Z"

// formatTime renders t on the wire, or "" for the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}
