package catalogtest

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/internal/fakehook"
	"github.com/pimkit/catalog/internal/ratelimit"
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

// Paths served, as the platform names them.
const (
	pathSources     = "/api/b2b/pim/sources"
	pathImportAPI   = "/api/b2b/pim/import/api"
	pathImportQueue = "/api/b2b/pim/import/queue"
	pathJob         = "/api/b2b/pim/jobs/{jobId}"
)

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

	mu              sync.Mutex
	sources         map[string]catalog.Source
	products        map[string][]storedVersion // by entity code, oldest first
	storeSeq        uint64                     // versions stored, ever
	categories      map[string]map[string]any  // by category_id
	promotions      map[string]map[string]any  // by promotionKey
	jobs            map[string]*jobState
	jobOrder        []string // job ids, oldest first
	queue           []string // ids of pending queued jobs, FIFO
	jobsChanged     signal
	requests        []*recordedRequest
	requestsChanged signal
	requestSeq      int // requests received, for their ids
	rate            ratelimit.Window
	syncBatches     int
	syncCodes       []string
	faults          faultSet
	idem            map[idemKey]*idemEntry
	replays         int
	ids             *rand.Rand // the random part of job ids; see WithIDSeed
	worker          workerState
	manual          bool            // the manual worker is on: see SetManualWorker
	outcomes        []*outcomeState // ScriptJob outcomes for queued jobs to come
	stubs           []*stubState
	uploads         uploads // files uploaded, not yet imported

	onWait func() // tests only: called when an admin wait starts

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
		sources:    make(map[string]catalog.Source),
		products:   make(map[string][]storedVersion),
		categories: make(map[string]map[string]any),
		promotions: make(map[string]map[string]any),
		jobs:       make(map[string]*jobState),
		rate:       ratelimit.Window{N: cfg.rateN, Per: cfg.rateWindow},
		faults:     newFaultSet(cfg.faults, cfg.faultSeed),
		idem:       make(map[idemKey]*idemEntry),
		ids:        newIDSource(cfg.idSeed),
		manual:     cfg.manualWorker,
	}
	s.seedSourcesLocked() // nothing else can reach s yet
	s.handler = s.buildHandler()
	served := s.handler
	if fakehook.Wrap != nil { // this module's contract checks
		served = fakehook.Wrap(served)
	}
	s.httpSrv = httptest.NewServer(served)
	s.URL = s.httpSrv.URL
	// The worker runs even with the manual worker on, which
	// SetManualWorker may switch off.
	go s.work()
	return s
}

func newIDSource(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed)) }

func languageSet(def string, codes []string) map[string]bool {
	set := map[string]bool{def: true}
	for _, c := range codes {
		set[c] = true
	}
	return set
}

// Close shuts the server down: it stops accepting requests, waits for the
// ones in flight, which are applied and answered (the waits of FaultDelay
// and FaultTrickle cut short), and stops the job worker. Jobs still
// pending stay pending. Close may be called more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.stopping)
		s.httpSrv.Close()
		close(s.done)
		<-s.workerDone
		s.uploads.removeAll()
	})
}

// Handler returns the server's HTTP handler, so the same fake can be served
// by another http.Server (for example a standalone process for non-Go
// suites). It shares state with s.
func (s *Server) Handler() http.Handler { return s.handler }

// Client returns a catalog client for this server, authenticated with the
// server's first API key (else its first bearer token, else its session
// cookie) and configured with the server's rate and body limits. A server
// on a clock of the test's (a FakeClock, see WithClock) gives a client on
// the same clock (catalog.WithClock): its
// pacing, retry waits, Retry-After sleeps and job polling move when the
// test advances the clock, never on the wall clock. The client's limiter
// lets a burst of up to the server's limit go at once, so a short test
// waits for nothing. opts are applied after those and may override them.
func (s *Server) Client(opts ...catalog.Option) (*catalog.Client, error) {
	rate := catalog.WithoutRateLimit()
	if s.rate.Enabled() {
		rate = catalog.WithRateLimit(s.cfg.rateN, s.cfg.rateWindow)
	}
	base := []catalog.Option{s.clientCredential(), rate, catalog.WithMaxBodyBytes(s.cfg.maxBody)}
	if _, wall := s.cfg.clock.(realClock); !wall {
		// The client paces, waits for retries and polls on the server's
		// clock, so a test that advances it sees both move together.
		base = append(base, catalog.WithClock(s.cfg.clock))
	}
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
// authentication, stubs, Idempotency-Key. Faults stand for the network and
// proxies in front of the platform, so they come before everything the
// platform itself does; the key check needs to know the credential.
func (s *Server) buildHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+pathSources, s.handleCreateSource)
	mux.HandleFunc("POST "+pathImportAPI, s.handleDirectImport)
	mux.HandleFunc("POST "+pathImportQueue, s.handleQueueImport)
	mux.HandleFunc("GET "+pathImportQueue, s.handleQueueStatus)
	mux.HandleFunc("GET "+pathJob, s.handleGetJob)
	mux.HandleFunc("POST "+pathCategoriesImport, s.handleImportCategories)
	mux.HandleFunc("GET "+pathCategories, s.handleListCategories)
	mux.HandleFunc("POST "+pathPromotionsImport, s.handleImportPromotions)
	mux.HandleFunc("GET "+pathProducts, s.handleListProducts)
	mux.HandleFunc("POST "+pathProductsRemove, s.handleRemoveProducts)
	mux.HandleFunc("POST "+pathImportAnalyze, s.handleAnalyze)
	mux.HandleFunc("POST "+pathImportFile, s.handleUpload)
	mux.HandleFunc("GET "+pathJobErrors, s.handleJobErrors)
	mux.HandleFunc("/", s.handleUnrouted)
	s.mux = mux
	platform := s.record(s.injectFaults(recoverPanics(s.limitRate(s.authenticate(s.answerStubs(s.deduplicate(http.HandlerFunc(s.route))))))))
	// The admin API (admin.go) sits outside the platform's chain: not
	// recorded, not rate limited, never faulted.
	return s.adminOr(platform)
}

// route dispatches to the mux. A non-canonical path (such as "//api" or
// "/a/../b") gets a JSON 404 where ServeMux would redirect: a redirected
// POST becomes a GET, and the fake should expose the client's bad path.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	if !canonicalPath(r.URL.Path) {
		writeError(w, http.StatusNotFound, errorBody{Code: catalog.CodeNotFound, Error: "no endpoint at " + r.URL.Path})
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
		writeError(w, http.StatusMethodNotAllowed, errorBody{Code: codeMethodNotAllowed,
			Error: fmt.Sprintf("method %s is not allowed on %s", r.Method, r.URL.Path)})
		return
	}
	writeError(w, http.StatusNotFound, errorBody{Code: catalog.CodeNotFound, Error: "no endpoint at " + r.URL.Path})
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
				writeError(w, http.StatusInternalServerError, errorBody{Code: codeInternal,
					Error: "internal error in catalogtest", Details: fmt.Sprint(v)})
			}
		}()
		next.ServeHTTP(w, r)
	})
}
