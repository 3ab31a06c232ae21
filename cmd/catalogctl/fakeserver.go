package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

type fakeServerFlags struct {
	addr          string
	apiKeyID      string
	apiSecret     string
	token         string
	session       string
	sources       []string
	sourcesFile   string
	rateLimit     string
	defaultLang   string
	languages     []string
	faults        []string
	faultsFile    string
	faultSeed     uint64
	faultProb     float64
	jobDelay      time.Duration
	idSeed        uint64
	maxBody       int64
	maxProducts   int
	manualWorker  bool
	noIdempotency bool
	fakeClock     bool
	clockStart    string
}

// defaultClockStart is where --fake-clock starts unless --clock-start
// says otherwise: a fixed time, so that job ids (which hold the time) are
// the same on every run.
const defaultClockStart = "2026-01-01T00:00:00Z"

func (a *app) fakeServerCommand() *cobra.Command {
	var f fakeServerFlags
	cmd := &cobra.Command{
		Use:   "fake-server",
		Short: "Run the fake catalog platform (catalogtest) as a process, for test suites in any language",
		Long: `fake-server serves the in-memory fake of the catalog platform (package
catalogtest) on --addr, with what Go tests configure through options given as
flags, and an admin API and a read-only page under /_fake/ (routes: go doc github.com/pimkit/catalog/catalogtest AdminPrefix).

When ready it prints its URL and the credentials it accepts: TEST credentials
of this fake, never real ones (one line of JSON with --json). Without a
credential flag (--api-key-id and --api-secret, --token, --session: here
they set what the fake accepts) it accepts the API key ak_test_catalogtest /
sk_test_catalogtest. It stops cleanly on SIGINT or SIGTERM.

Sources are JSON objects as POST /api/b2b/pim/sources takes them
({"source_id": "erp", "field_mappings": {"Prix": "pricing.list"}, ...}), in a
file (--sources-file, one object or an array) or one per --source flag; a
--source value that is not JSON is a source id, with auto-publish on.

Faults are JSON objects as POST /_fake/faults takes them, in a file
(--faults-file) or one per --fault flag, which also takes the short form
kind=status,op=OpImportAPI,nth=1,status=503,retry_after_ms=1000
(keys kind, op, nth, probability, times, status, retry_after_ms, delay_ms).
--fault-probability P adds a 503 with Retry-After: 1 on every endpoint with
probability P, drawn from --fault-seed.

--fake-clock starts the fake on a clock that moves only when the admin API
moves it (POST /_fake/clock/advance, PUT /_fake/clock,
POST /_fake/clock/advance-until-idle), from --clock-start: job delays,
rate windows, Retry-After and the times stored then follow it, never the
wall clock.`,
		Example: `  catalogctl fake-server --addr 127.0.0.1:8080
  catalogctl fake-server --addr 127.0.0.1:0 --json --rate-limit off --source erp
  catalogctl fake-server --token test-token --fault kind=status,op=OpImportAPI,nth=1,status=503
  catalogctl fake-server --fake-clock --job-delay 5s --rate-limit off`,
		Args: exactArgs(),
		RunE: wrap(func(cmd *cobra.Command, _ []string) error { return a.runFakeServer(cmd.Context(), f) }),
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8080", "address to listen on (port 0 picks a free one)")
	fl.StringVar(&f.apiKeyID, "api-key-id", "", "test API key id the fake accepts (with --api-secret)")
	fl.StringVar(&f.apiSecret, "api-secret", "", "test API key secret the fake accepts")
	fl.StringVar(&f.token, "token", "", "test bearer token the fake accepts")
	fl.StringVar(&f.session, "session", "", "test session cookie value the fake accepts")
	fl.StringArrayVar(&f.sources, "source", nil, "an import source: a JSON object, or a source id (repeatable)")
	fl.StringVar(&f.sourcesFile, "sources-file", "", "a JSON file of import sources (an object or an array)")
	fl.StringVar(&f.rateLimit, "rate-limit", "", `requests the fake allows, "N/window" such as 40/1m (the default), or "off"`)
	fl.StringVar(&f.defaultLang, "default-language", "", "the tenant's default language (en unless set)")
	fl.StringSliceVar(&f.languages, "languages", nil, "the tenant's languages, comma-separated (en,it,de,fr,es unless set)")
	fl.StringArrayVar(&f.faults, "fault", nil, "a fault: a JSON object or key=value pairs (repeatable)")
	fl.StringVar(&f.faultsFile, "faults-file", "", "a JSON file of faults (an object or an array)")
	fl.Uint64Var(&f.faultSeed, "fault-seed", 1, "seed of the source that decides whether a fault with a probability fires")
	fl.Float64Var(&f.faultProb, "fault-probability", 0, "add a 503 (Retry-After: 1) on every endpoint with this probability")
	fl.DurationVar(&f.jobDelay, "job-delay", 0, "how long the worker holds a queued job in processing before applying it")
	fl.Uint64Var(&f.idSeed, "id-seed", 1, "seed of the random part of job ids")
	fl.Int64Var(&f.maxBody, "max-body-bytes", 0, "largest request body accepted (35,000,000 unless set)")
	fl.IntVar(&f.maxProducts, "max-products", 0, "most products per import request (10,000 unless set)")
	fl.BoolVar(&f.manualWorker, "manual-worker", false, "run queued jobs only on POST /_fake/jobs/run-next")
	fl.BoolVar(&f.noIdempotency, "no-idempotency", false, "ignore Idempotency-Key headers, as a platform that does not deduplicate")
	fl.BoolVar(&f.fakeClock, "fake-clock", false, "run on a fake clock that only the admin API moves (/_fake/clock)")
	fl.StringVar(&f.clockStart, "clock-start", "", "the fake clock's time at start, RFC 3339 ("+defaultClockStart+" unless set; needs --fake-clock)")
	return cmd
}

// fakeReady is what fake-server prints when it is ready.
type fakeReady struct {
	URL         string `json:"url"`
	AdminURL    string `json:"admin_url"`
	PageURL     string `json:"page_url"`
	APIKeyID    string `json:"api_key_id,omitempty"`
	APISecret   string `json:"api_secret,omitempty"`
	BearerToken string `json:"bearer_token,omitempty"`
	Session     string `json:"session,omitempty"`
	SourceID    string `json:"source_id"`
	// Clock is the fake clock's time at start, when --fake-clock is on.
	Clock string `json:"fake_clock,omitempty"`
	Note  string `json:"note"`
}

func (a *app) fakeOptions(f fakeServerFlags) ([]catalogtest.Option, fakeReady, error) {
	var opts []catalogtest.Option
	var ready fakeReady
	switch {
	case f.apiKeyID != "" && f.apiSecret != "":
		opts = append(opts, catalogtest.WithAPIKey(f.apiKeyID, f.apiSecret))
		ready.APIKeyID, ready.APISecret = f.apiKeyID, f.apiSecret
	case f.apiKeyID != "" || f.apiSecret != "":
		return nil, ready, usagef("a test API key needs both --api-key-id and --api-secret")
	}
	if f.token != "" {
		opts = append(opts, catalogtest.WithBearerToken(f.token))
		ready.BearerToken = f.token
	}
	if f.session != "" {
		opts = append(opts, catalogtest.WithSessionCookie(f.session))
		ready.Session = f.session
	}
	if len(opts) == 0 {
		ready.APIKeyID, ready.APISecret = catalogtest.DefaultAPIKeyID, catalogtest.DefaultAPISecret
	}

	sources, err := readFlagFile("sources-file", f.sourcesFile, catalogtest.DecodeSources)
	if err != nil {
		return nil, ready, err
	}
	for _, s := range f.sources {
		if strings.HasPrefix(strings.TrimSpace(s), "{") {
			srcs, err := catalogtest.DecodeSources([]byte(s))
			if err != nil {
				return nil, ready, usagef("--source: %v", err)
			}
			sources = append(sources, srcs...)
			continue
		}
		sources = append(sources, catalog.Source{ID: s, Name: s, AutoPublishEnabled: catalog.Ptr(true)})
	}
	for _, s := range sources {
		opts = append(opts, catalogtest.WithSource(s))
	}
	ready.SourceID = catalogtest.DefaultSourceID

	if f.rateLimit != "" {
		n, window, off, err := parseRate(f.rateLimit)
		if err != nil {
			return nil, ready, err
		}
		if off {
			opts = append(opts, catalogtest.WithoutRateLimit())
		} else {
			opts = append(opts, catalogtest.WithRateLimit(n, window))
		}
	}
	opts = append(opts, catalogtest.WithDefaultLanguage(f.defaultLang))
	if len(f.languages) > 0 {
		opts = append(opts, catalogtest.WithLanguages(f.languages...))
	}

	faults, err := readFlagFile("faults-file", f.faultsFile, catalogtest.DecodeFaults)
	if err != nil {
		return nil, ready, err
	}
	for _, spec := range f.faults {
		fs, err := parseFault(spec)
		if err != nil {
			return nil, ready, usagef("--fault %q: %v", spec, err)
		}
		faults = append(faults, fs...)
	}
	if f.faultProb < 0 || f.faultProb > 1 {
		return nil, ready, usagef("--fault-probability %v: want a number from 0 to 1", f.faultProb)
	}
	if f.faultProb > 0 {
		faults = append(faults, catalogtest.Fault{Kind: catalogtest.FaultStatus, Status: http.StatusServiceUnavailable,
			RetryAfter: time.Second, Probability: f.faultProb})
	}
	opts = append(opts, catalogtest.WithFaults(faults...), catalogtest.WithFaultSeed(f.faultSeed),
		catalogtest.WithJobDelay(f.jobDelay), catalogtest.WithIDSeed(f.idSeed),
		catalogtest.WithMaxBodyBytes(f.maxBody), catalogtest.WithMaxProducts(f.maxProducts))
	if f.manualWorker {
		opts = append(opts, catalogtest.WithManualWorker())
	}
	if f.noIdempotency {
		opts = append(opts, catalogtest.WithoutIdempotency())
	}
	clock, err := fakeClockOption(f)
	if err != nil {
		return nil, ready, err
	}
	if clock != nil {
		opts = append(opts, catalogtest.WithClock(clock))
		ready.Clock = clock.Now().UTC().Format(time.RFC3339Nano)
	}
	return opts, ready, nil
}

// fakeClockOption reads --fake-clock and --clock-start: the fake clock to
// start on, or nil for the wall clock.
func fakeClockOption(f fakeServerFlags) (*catalogtest.FakeClock, error) {
	if !f.fakeClock {
		if f.clockStart != "" {
			return nil, usagef("--clock-start needs --fake-clock")
		}
		return nil, nil
	}
	start := f.clockStart
	if start == "" {
		start = defaultClockStart
	}
	t, err := time.Parse(time.RFC3339Nano, start)
	if err != nil {
		return nil, usagef("--clock-start %q: want an RFC 3339 time, such as %s", start, defaultClockStart)
	}
	return catalogtest.NewFakeClock(t), nil
}

// parseFault reads a --fault value: JSON, or key=value pairs separated by
// commas, turned into the same JSON.
func parseFault(spec string) ([]catalogtest.Fault, error) {
	if strings.HasPrefix(strings.TrimSpace(spec), "{") {
		return catalogtest.DecodeFaults([]byte(spec))
	}
	obj := map[string]any{}
	for _, pair := range strings.Split(spec, ",") {
		k, v, ok := strings.Cut(pair, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%q is not key=value", pair)
		}
		switch k {
		case "kind", "op":
			obj[k] = v
		case "probability":
			p, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return nil, fmt.Errorf("probability %q is not a number", v)
			}
			obj[k] = p
		default:
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%s %q is not a whole number", k, v)
			}
			obj[k] = n
		}
	}
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	return catalogtest.DecodeFaults(data)
}

func (a *app) runFakeServer(ctx context.Context, f fakeServerFlags) error {
	opts, ready, err := a.fakeOptions(f)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return usagef("listening on %s: %v", f.addr, err)
	}
	srv := catalogtest.NewServer(opts...)
	defer srv.Close()
	conns := newConnSet()
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 30 * time.Second, ConnState: conns.track}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()

	base := "http://" + ln.Addr().String()
	ready.URL, ready.AdminURL, ready.PageURL = base, base+catalogtest.AdminPrefix, base+catalogtest.AdminPrefix+"ui"
	ready.Note = "test credentials of the fake platform: never use real ones here"
	if a.json {
		a.emitJSON(ready)
	} else {
		fmt.Fprintf(a.stdout, "catalogctl fake-server ready at %s\n", ready.URL)
		fmt.Fprintf(a.stdout, "  admin API  %s   page %s\n", ready.AdminURL, ready.PageURL)
		if ready.APIKeyID != "" {
			fmt.Fprintf(a.stdout, "  test API key      id %s  secret %s\n", ready.APIKeyID, ready.APISecret)
		}
		if ready.BearerToken != "" {
			fmt.Fprintf(a.stdout, "  test bearer token %s\n", ready.BearerToken)
		}
		if ready.Session != "" {
			fmt.Fprintf(a.stdout, "  test session      %s\n", ready.Session)
		}
		fmt.Fprintf(a.stdout, "  import source     %s\n", ready.SourceID)
		if ready.Clock != "" {
			fmt.Fprintf(a.stdout, "  fake clock        %s (moved by POST %sclock/advance)\n", ready.Clock, ready.AdminURL)
		}
		fmt.Fprintln(a.stdout, "These are test credentials of the fake. Stop with Ctrl-C (SIGINT) or SIGTERM.")
	}

	select {
	case err := <-served:
		return fmt.Errorf("serving on %s: %w", f.addr, err)
	case <-ctx.Done():
	}
	stopServing(hs, ln, srv, conns)
	if !a.json {
		fmt.Fprintln(a.stderr, "catalogctl fake-server stopped")
	}
	return nil
}

// stopGrace bounds how long stopping waits for requests being handled.
const stopGrace = 10 * time.Second

// stopServing stops at once but for the requests being handled, which are
// answered: it stops accepting, ends the admin API's waits (srv.Close),
// closes the connections with no request on them, and waits for the
// others to finish their request. http.Server.Shutdown would poll for
// that, at up to half-second intervals, and wait up to 5 s for a
// connection on which no request has arrived yet (a browser opens such
// connections ahead of need).
func stopServing(hs *http.Server, ln net.Listener, srv *catalogtest.Server, conns *connSet) {
	hs.SetKeepAlivesEnabled(false) // each connection closes after its answer
	_ = ln.Close()
	srv.Close()
	select {
	case <-conns.stop():
	case <-time.After(stopGrace):
	}
	_ = hs.Close()
}

// connSet tracks a server's connections by state (http.Server.ConnState),
// so that stopping can close the idle ones and learn without polling when
// the last one closed.
type connSet struct {
	mu       sync.Mutex
	conns    map[net.Conn]http.ConnState
	stopping bool
	empty    chan struct{} // closed once stopping and no connection is left
}

func newConnSet() *connSet {
	return &connSet{conns: make(map[net.Conn]http.ConnState), empty: make(chan struct{})}
}

// track is the http.Server's ConnState hook.
func (cs *connSet) track(c net.Conn, st http.ConnState) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	switch st {
	case http.StateHijacked, http.StateClosed:
		delete(cs.conns, c)
	default:
		cs.conns[c] = st
		if cs.stopping && st == http.StateIdle {
			_ = c.Close()
		}
	}
	cs.checkEmptyLocked()
}

// stop closes the connections that carry no request and returns a channel
// closed once every connection is gone.
func (cs *connSet) stop() <-chan struct{} {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.stopping = true
	for c, st := range cs.conns {
		if st == http.StateIdle || st == http.StateNew {
			_ = c.Close()
		}
	}
	cs.checkEmptyLocked()
	return cs.empty
}

func (cs *connSet) checkEmptyLocked() {
	if cs.stopping && len(cs.conns) == 0 {
		select {
		case <-cs.empty:
		default:
			close(cs.empty)
		}
	}
}
