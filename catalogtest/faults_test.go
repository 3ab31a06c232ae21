package catalogtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pimkit/catalog"
)

// rawClient opens a new connection for every request, so that Go's
// transport never resends a request by itself after a dropped connection
// (it does so on reused connections for requests with an Idempotency-Key).
func rawClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
}

// outcome is what a plain client saw: a transport error, or an answer whose
// body may have failed to read.
type outcome struct {
	err     error // no answer at all
	resp    *http.Response
	body    []byte
	readErr error
}

// attempt sends one request with a plain client and reports what came
// back, failures included. body is as for send; a defaults to defaultAuth.
func attempt(t *testing.T, s *Server, method, path string, body any, a ...auth) outcome {
	t.Helper()
	req := newTestRequest(t, s, method, path, body, a...)
	resp, err := rawClient().Do(req)
	if err != nil {
		return outcome{err: err}
	}
	defer resp.Body.Close()
	raw, readErr := io.ReadAll(resp.Body)
	return outcome{resp: resp, body: raw, readErr: readErr}
}

// wantStatus fails unless a whole answer with this status came back.
func (o outcome) wantStatus(t *testing.T, status int) {
	t.Helper()
	switch {
	case o.err != nil:
		t.Fatalf("transport error %v, want status %d", o.err, status)
	case o.readErr != nil:
		t.Fatalf("reading the answer: %v, want a whole answer", o.readErr)
	case o.resp.StatusCode != status:
		t.Fatalf("status %d, want %d; body: %s", o.resp.StatusCode, status, o.body)
	}
}

func header(key, value string) auth {
	return func(r *http.Request) { r.Header.Set(key, value) }
}

var oneProduct = importReq(DefaultSourceID, map[string]any{"entity_code": "A"})

// lastRequest returns the last request the server recorded.
func lastRequest(t *testing.T, s *Server) Request {
	t.Helper()
	reqs := s.Requests()
	if len(reqs) == 0 {
		t.Fatal("no request recorded")
	}
	return reqs[len(reqs)-1]
}

func wantVersions(t *testing.T, s *Server, code string, n int) {
	t.Helper()
	if got := len(s.Versions(code)); got != n {
		t.Fatalf("%s has %d versions, want %d", code, got, n)
	}
}

func wantJobs(t *testing.T, s *Server, n int) {
	t.Helper()
	if got := len(s.Jobs()); got != n {
		t.Fatalf("%d jobs, want %d", got, n)
	}
}

func TestFaultStatus(t *testing.T) {
	s := newTestServer(t, WithFaults(Fault{Kind: FaultStatus, Status: http.StatusServiceUnavailable,
		RetryAfter: 1500 * time.Millisecond, Times: 1}))
	a := send(t, s, http.MethodPost, pathImportAPI, oneProduct)
	a.wantStatus(t, http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")
	if got := a.header.Get("Retry-After"); got != "2" {
		t.Errorf("Retry-After = %q, want 2 (1.5 s rounded up)", got)
	}
	wantVersions(t, s, "A", 0)
	wantJobs(t, s, 0)
	if r := lastRequest(t, s); r.Status != http.StatusServiceUnavailable || r.Fault != FaultStatus {
		t.Errorf("recorded status %d, fault %v", r.Status, r.Fault)
	}

	directImport(t, s, oneProduct) // Times: 1 is spent
	wantVersions(t, s, "A", 1)
	if r := lastRequest(t, s); r.Fault != 0 {
		t.Errorf("unfaulted request recorded with fault %v", r.Fault)
	}
}

func TestFaultStatusCodes(t *testing.T) {
	tests := []struct {
		status     int
		code       catalog.ErrorCode
		retryAfter time.Duration
		header     string
	}{
		{http.StatusTooManyRequests, codeRateLimited, time.Nanosecond, "1"},
		{http.StatusInternalServerError, codeInternal, 0, ""},
		{http.StatusBadGateway, "BAD_GATEWAY", 0, ""},
		{http.StatusGatewayTimeout, "GATEWAY_TIMEOUT", 3 * time.Second, "3"},
		{http.StatusTeapot, "I_M_A_TEAPOT", 0, ""},
		{599, "HTTP_599", 0, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			s := newTestServer(t, WithFaults(Fault{Kind: FaultStatus, Status: tt.status, RetryAfter: tt.retryAfter}))
			a := send(t, s, http.MethodGet, pathImportQueue, nil)
			a.wantStatus(t, tt.status, tt.code)
			if got := a.header.Get("Retry-After"); got != tt.header {
				t.Errorf("Retry-After = %q, want %q", got, tt.header)
			}
		})
	}
}

func TestFaultStatusInvalid(t *testing.T) {
	for _, status := range []int{0, 200, 302, 600, -1} {
		s := newTestServer(t, WithFaults(Fault{Kind: FaultStatus, Status: status}))
		a := send(t, s, http.MethodPost, pathImportAPI, oneProduct)
		a.wantStatus(t, http.StatusInternalServerError, codeInternal)
		if !strings.Contains(a.body["error"].(string), fmt.Sprintf("Fault.Status %d", status)) {
			t.Errorf("Status %d: message %q does not name the bad status", status, a.body["error"])
		}
		wantVersions(t, s, "A", 0)
	}
}

func TestFaultDelay(t *testing.T) {
	const delay = 50 * time.Millisecond
	s := newTestServer(t, WithFaults(Fault{Kind: FaultDelay, Delay: delay}))
	start := time.Now()
	directImport(t, s, oneProduct)
	if elapsed := time.Since(start); elapsed < delay {
		t.Errorf("answered after %v, want at least %v", elapsed, delay)
	}
	wantVersions(t, s, "A", 1)
	if r := lastRequest(t, s); r.Status != http.StatusOK || r.Fault != FaultDelay {
		t.Errorf("recorded status %d, fault %v", r.Status, r.Fault)
	}
}

func TestFaultDelayCutShortByClose(t *testing.T) {
	s := NewServer(WithFaults(Fault{Kind: FaultDelay, Delay: time.Hour}))
	sent := make(chan outcome, 1)
	go func() { sent <- attempt(t, s, http.MethodGet, pathImportQueue, nil) }()
	for len(s.Requests()) == 0 {
		time.Sleep(time.Millisecond)
	}
	closed := make(chan struct{})
	go func() {
		s.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close waits for the fault's delay")
	}
	<-sent // answered or dropped, either is fine while closing
}

func TestFaultResetBeforeApply(t *testing.T) {
	for _, path := range []string{pathImportAPI, pathImportQueue} {
		s := newTestServer(t, WithFaults(Fault{Kind: FaultResetBeforeApply}))
		o := attempt(t, s, http.MethodPost, path, oneProduct)
		if o.err == nil {
			t.Fatalf("%s: got status %d, want a transport error", path, o.resp.StatusCode)
		}
		waitJobs(t, s)
		wantVersions(t, s, "A", 0)
		wantJobs(t, s, 0)
		r := lastRequest(t, s)
		if r.Status != 0 || r.Fault != FaultResetBeforeApply {
			t.Errorf("%s: recorded status %d, fault %v; want 0, FaultResetBeforeApply", path, r.Status, r.Fault)
		}
		if want, _ := json.Marshal(oneProduct); string(r.Body) != string(want) {
			t.Errorf("%s: recorded body %q, want the whole body", path, r.Body)
		}
	}
}

func TestFaultResetAfterApply(t *testing.T) {
	s := newTestServer(t, WithFaults(Fault{Kind: FaultResetAfterApply}))
	if o := attempt(t, s, http.MethodPost, pathImportAPI, oneProduct); o.err == nil {
		t.Fatalf("got status %d, want a transport error", o.resp.StatusCode)
	}
	wantVersions(t, s, "A", 1)
	wantJobs(t, s, 1)
	if r := lastRequest(t, s); r.Status != 0 || r.Fault != FaultResetAfterApply {
		t.Errorf("recorded status %d, fault %v", r.Status, r.Fault)
	}

	if o := attempt(t, s, http.MethodPost, pathImportQueue, importReq(DefaultSourceID, map[string]any{"entity_code": "B"})); o.err == nil {
		t.Fatalf("queued: got status %d, want a transport error", o.resp.StatusCode)
	}
	waitJobs(t, s)
	wantJobs(t, s, 2)
	wantVersions(t, s, "B", 1)
}

func TestFaultTruncatedJSON(t *testing.T) {
	s := newTestServer(t, WithFaults(Fault{Kind: FaultTruncatedJSON}))
	o := attempt(t, s, http.MethodPost, pathImportAPI, oneProduct)
	if o.err != nil {
		t.Fatalf("transport error %v, want an answer with a truncated body", o.err)
	}
	if o.resp.StatusCode != http.StatusOK || o.resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("status %d, Content-Type %q", o.resp.StatusCode, o.resp.Header.Get("Content-Type"))
	}
	if !errors.Is(o.readErr, io.ErrUnexpectedEOF) {
		t.Errorf("reading the body: %v, want io.ErrUnexpectedEOF", o.readErr)
	}
	var v any
	if err := json.Unmarshal(o.body, &v); err == nil {
		t.Errorf("truncated body decodes: %s", o.body)
	}
	if int64(len(o.body)) != o.resp.ContentLength/2 {
		t.Errorf("got %d bytes of %d, want half", len(o.body), o.resp.ContentLength)
	}
	wantVersions(t, s, "A", 1)
	if r := lastRequest(t, s); r.Status != 0 || r.Fault != FaultTruncatedJSON {
		t.Errorf("recorded status %d, fault %v", r.Status, r.Fault)
	}
}

func TestFaultHTML(t *testing.T) {
	tests := []struct{ status, want int }{{0, http.StatusBadGateway}, {http.StatusGatewayTimeout, http.StatusGatewayTimeout}, {99, http.StatusInternalServerError}}
	for _, tt := range tests {
		s := newTestServer(t, WithFaults(Fault{Kind: FaultHTML, Status: tt.status}))
		o := attempt(t, s, http.MethodPost, pathImportAPI, oneProduct)
		o.wantStatus(t, tt.want)
		if ct := o.resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("Status %d: Content-Type %q, want text/html", tt.status, ct)
		}
		if !strings.HasPrefix(string(o.body), "<html>") || json.Valid(o.body) {
			t.Errorf("Status %d: body is not an HTML page: %s", tt.status, o.body)
		}
		wantVersions(t, s, "A", 0)
	}
}

func TestFaultGatewayAfterApply(t *testing.T) {
	const page = `<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>`
	s := newTestServer(t, WithFaults(Fault{Kind: FaultGatewayAfterApply, Nth: 1}))
	o := attempt(t, s, http.MethodPost, pathImportAPI, oneProduct)
	o.wantStatus(t, http.StatusBadGateway)
	if ct := o.resp.Header.Get("Content-Type"); ct != "text/html" {
		t.Errorf("Content-Type %q, want text/html", ct)
	}
	if string(o.body) != page {
		t.Errorf("body:\n%s\nwant:\n%s", o.body, page)
	}
	// Applied: the product is stored and the job exists, despite the 502.
	wantVersions(t, s, "A", 1)
	wantJobs(t, s, 1)
	if j := s.Jobs()[0]; j.Status != catalog.JobCompleted || j.SuccessfulRows != 1 {
		t.Errorf("job %s with %d successful rows, want completed with 1", j.Status, j.SuccessfulRows)
	}
	if r := lastRequest(t, s); r.Status != http.StatusBadGateway || r.Fault != FaultGatewayAfterApply || string(r.Body) == "" {
		t.Errorf("recorded status %d, fault %v, body %q", r.Status, r.Fault, r.Body)
	}
	// The fault fired once: the same request now gets the JSON answer, and
	// stores a second version, as re-sent rows do.
	attempt(t, s, http.MethodPost, pathImportAPI, oneProduct).wantStatus(t, http.StatusOK)
	wantVersions(t, s, "A", 2)

	// Another status, on a queued import.
	s = newTestServer(t, WithFaults(Fault{Kind: FaultGatewayAfterApply, Status: http.StatusGatewayTimeout}))
	o = attempt(t, s, http.MethodPost, pathImportQueue, oneProduct)
	o.wantStatus(t, http.StatusGatewayTimeout)
	if !strings.Contains(string(o.body), "<title>504 Gateway Timeout</title>") {
		t.Errorf("body %s, want the 504 page", o.body)
	}
	waitJobs(t, s)
	wantVersions(t, s, "A", 1)
}

func TestFaultGatewayAfterApplyWithIdempotencyKey(t *testing.T) {
	s := newTestServer(t, WithFaults(Fault{Kind: FaultGatewayAfterApply, Nth: 1}))
	key := header("Idempotency-Key", "k1")
	attempt(t, s, http.MethodPost, pathImportAPI, oneProduct, defaultAuth, key).wantStatus(t, http.StatusBadGateway)
	o := attempt(t, s, http.MethodPost, pathImportAPI, oneProduct, defaultAuth, key)
	o.wantStatus(t, http.StatusOK)
	if o.resp.Header.Get("Idempotent-Replayed") != "true" {
		t.Error("the retry was not answered from the stored answer")
	}
	wantVersions(t, s, "A", 1)
}

func TestFaultTrickle(t *testing.T) {
	const delay = 2 * time.Millisecond
	s := newTestServer(t, WithFaults(Fault{Kind: FaultTrickle, Delay: delay}))
	start := time.Now()
	o := attempt(t, s, http.MethodPost, pathImportAPI, oneProduct)
	elapsed := time.Since(start)
	o.wantStatus(t, http.StatusOK)
	var answer map[string]any
	if err := json.Unmarshal(o.body, &answer); err != nil || answer["success"] != true {
		t.Fatalf("trickled answer %s: %v", o.body, err)
	}
	// The last byte goes on its own, without a wait.
	if pieces := (len(o.body) - 1 + trickleMinPiece - 1) / trickleMinPiece; elapsed < time.Duration(pieces-1)*delay {
		t.Errorf("%d bytes came in %v, want at least %v", len(o.body), elapsed, time.Duration(pieces-1)*delay)
	}
	wantVersions(t, s, "A", 1)
	if r := lastRequest(t, s); r.Status != http.StatusOK || r.Fault != FaultTrickle {
		t.Errorf("recorded status %d, fault %v", r.Status, r.Fault)
	}
}

// TestFaultCounting checks Nth (only the Nth matching request) and Times
// (at most that many firings).
func TestFaultCounting(t *testing.T) {
	tests := []struct {
		name      string
		fault     Fault
		want      []int
		wantFired int
	}{
		{"Nth", Fault{Kind: FaultStatus, Status: http.StatusBadGateway, Nth: 2}, []int{200, 502, 200, 200}, 1},
		{"Times", Fault{Kind: FaultStatus, Status: http.StatusBadGateway, Times: 2}, []int{502, 502, 200, 200}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, WithFaults(tt.fault))
			for i, want := range tt.want {
				if a := send(t, s, http.MethodGet, pathImportQueue, nil); a.status != want {
					t.Errorf("request %d: status %d, want %d", i+1, a.status, want)
				}
			}
			if n := s.FaultsFired(); n != tt.wantFired {
				t.Errorf("FaultsFired = %d, want %d", n, tt.wantFired)
			}
		})
	}
}

// statuses sends n queue-status requests and returns the statuses.
func statuses(t *testing.T, s *Server, n int) []int {
	t.Helper()
	out := make([]int, n)
	for i := range out {
		o := attempt(t, s, http.MethodGet, pathImportQueue, nil)
		if o.err != nil {
			t.Fatal(o.err)
		}
		out[i] = o.resp.StatusCode
	}
	return out
}

func TestFaultProbabilityIsReproducible(t *testing.T) {
	const n = 40
	f := Fault{Kind: FaultStatus, Status: http.StatusServiceUnavailable, Probability: 0.5}
	for _, seed := range []Option{WithFaultSeed(42), func(*config) {}} {
		a := statuses(t, newTestServer(t, WithoutRateLimit(), seed, WithFaults(f)), n)
		b := newTestServer(t, WithoutRateLimit(), seed, WithFaults(f))
		if got := statuses(t, b, n); fmt.Sprint(got) != fmt.Sprint(a) {
			t.Errorf("same seed, different faults:\n%v\n%v", a, got)
		}
		faulted := strings.Count(fmt.Sprint(a), "503")
		if faulted == 0 || faulted == n {
			t.Errorf("%d of %d requests faulted with probability 0.5", faulted, n)
		}
		if b.FaultsFired() != faulted {
			t.Errorf("FaultsFired = %d, want %d", b.FaultsFired(), faulted)
		}
	}
}

func TestFaultProbabilityBounds(t *testing.T) {
	for _, tt := range []struct {
		p    float64
		want int
	}{{1, 503}, {2, 503}, {-0.5, 200}} {
		s := newTestServer(t, WithFaults(Fault{Kind: FaultStatus, Status: 503, Probability: tt.p}))
		if got := statuses(t, s, 3); fmt.Sprint(got) != fmt.Sprint([]int{tt.want, tt.want, tt.want}) {
			t.Errorf("Probability %v: %v, want all %d", tt.p, got, tt.want)
		}
	}
}

func TestFaultOp(t *testing.T) {
	requests := map[Operation]func(t *testing.T, s *Server) answer{
		OpCreateSource: func(t *testing.T, s *Server) answer {
			return send(t, s, http.MethodPost, pathSources, map[string]any{"source_id": "new"})
		},
		OpImportAPI: func(t *testing.T, s *Server) answer { return send(t, s, http.MethodPost, pathImportAPI, oneProduct) },
		OpImportQueue: func(t *testing.T, s *Server) answer {
			return send(t, s, http.MethodPost, pathImportQueue, oneProduct)
		},
		OpQueueStatus: func(t *testing.T, s *Server) answer { return send(t, s, http.MethodGet, pathImportQueue, nil) },
		OpGetJob: func(t *testing.T, s *Server) answer {
			return send(t, s, http.MethodGet, "/api/b2b/pim/jobs/nope", nil)
		},
	}
	for op := range requests {
		t.Run(string(op), func(t *testing.T) {
			s := newTestServer(t, WithFaults(Fault{Kind: FaultStatus, Op: op, Status: http.StatusTeapot}))
			for other, req := range requests {
				a := req(t, s)
				if faulted := a.status == http.StatusTeapot; faulted != (other == op) {
					t.Errorf("%s: status %d", other, a.status)
				}
			}
			if n := s.FaultsFired(); n != 1 {
				t.Errorf("FaultsFired = %d, want 1", n)
			}
		})
	}
}

func TestFaultsSpareUnknownEndpoints(t *testing.T) {
	s := newTestServer(t, WithFaults(Fault{Kind: FaultResetBeforeApply}))
	send(t, s, http.MethodPost, "/api/b2b/pim/nope", oneProduct).wantStatus(t, http.StatusNotFound, codeNotFound)
	send(t, s, http.MethodDelete, pathImportAPI, nil).wantStatus(t, http.StatusMethodNotAllowed, codeMethodNotAllowed)
	send(t, s, http.MethodPost, "/api/b2b/pim//import/api", oneProduct).wantStatus(t, http.StatusNotFound, codeNotFound)
	send(t, s, http.MethodPost, pathImportAPI+"/", oneProduct).wantStatus(t, http.StatusNotFound, codeNotFound)
	if n := s.FaultsFired(); n != 0 {
		t.Errorf("FaultsFired = %d, want 0", n)
	}

	// An Op that names no endpoint matches nothing.
	s = newTestServer(t, WithFaults(Fault{Kind: FaultStatus, Op: "POST /nowhere", Status: 503}))
	directImport(t, s, oneProduct)
}

func TestFaultUnknownKindNeverFires(t *testing.T) {
	s := newTestServer(t, WithFaults(Fault{}, Fault{Kind: FaultKind(99)}, Fault{Kind: FaultStatus, Status: 503, Nth: 1}))
	// The valid fault still sees request 1: the others count nothing.
	send(t, s, http.MethodGet, pathImportQueue, nil).wantStatus(t, http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")
	send(t, s, http.MethodGet, pathImportQueue, nil).wantStatus(t, http.StatusOK, "")
	if got := FaultKind(99).String(); got != "FaultKind(99)" {
		t.Errorf("String() = %q", got)
	}
	if got := FaultTruncatedJSON.String(); got != "FaultTruncatedJSON" {
		t.Errorf("String() = %q", got)
	}
}

func TestFaultFirstAddedWins(t *testing.T) {
	s := newTestServer(t, WithFaults(
		Fault{Kind: FaultStatus, Status: 503, Nth: 1},
		Fault{Kind: FaultStatus, Status: 504, Nth: 1}, // loses request 1, and fires on no other
		Fault{Kind: FaultStatus, Status: 502, Nth: 2},
		Fault{Kind: FaultHTML}, // every request the others leave
	))
	got := statuses(t, s, 3)
	if want := []int{503, 502, 502}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
	if r := lastRequest(t, s); r.Fault != FaultHTML {
		t.Errorf("last request's fault = %v, want FaultHTML", r.Fault)
	}
	if n := s.FaultsFired(); n != 3 {
		t.Errorf("FaultsFired = %d, want 3", n)
	}
}

func TestAddAndClearFaults(t *testing.T) {
	s := newTestServer(t)
	send(t, s, http.MethodGet, pathImportQueue, nil).wantStatus(t, http.StatusOK, "")
	s.AddFault(Fault{Kind: FaultStatus, Status: 503, Nth: 2}) // counts from now
	if got, want := statuses(t, s, 3), []int{200, 503, 200}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after AddFault: %v, want %v", got, want)
	}
	s.AddFault(Fault{Kind: FaultStatus, Status: 502})
	send(t, s, http.MethodGet, pathImportQueue, nil).wantStatus(t, http.StatusBadGateway, "BAD_GATEWAY")
	s.ClearFaults()
	send(t, s, http.MethodGet, pathImportQueue, nil).wantStatus(t, http.StatusOK, "")
	if n := s.FaultsFired(); n != 2 {
		t.Errorf("FaultsFired = %d, want 2 (cleared faults still count)", n)
	}
}

func TestFaultsComeBeforeAuthAndRateLimit(t *testing.T) {
	clock := NewFakeClock(t0)
	s := newTestServer(t, WithClock(clock), WithRateLimit(1, time.Minute),
		WithFaults(Fault{Kind: FaultStatus, Status: 503, Nth: 1}))
	// Faulted without credentials, and without using the quota.
	send(t, s, http.MethodGet, pathImportQueue, nil, noAuth).wantStatus(t, http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")
	send(t, s, http.MethodGet, pathImportQueue, nil).wantStatus(t, http.StatusOK, "")
	send(t, s, http.MethodGet, pathImportQueue, nil).wantStatus(t, http.StatusTooManyRequests, codeRateLimited)
}

// TestFaultsWithoutHijacking serves the fake over HTTP/2, where no
// connection can be taken over: resets and truncation abort the stream.
func TestFaultsWithoutHijacking(t *testing.T) {
	s := newTestServer(t, WithFaults(Fault{Kind: FaultResetAfterApply, Nth: 1}, Fault{Kind: FaultTruncatedJSON, Nth: 2}))
	h2 := httptest.NewUnstartedServer(s.Handler())
	h2.EnableHTTP2 = true
	h2.StartTLS()
	defer h2.Close()
	for i, code := range []string{"A", "B"} {
		req, err := http.NewRequest(http.MethodPost, h2.URL+pathImportAPI, requestBody(t, importReq(DefaultSourceID, map[string]any{"entity_code": code})))
		if err != nil {
			t.Fatal(err)
		}
		defaultAuth(req)
		resp, err := h2.Client().Do(req)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.ProtoMajor != 2 {
				t.Fatalf("served over HTTP/%d, want 2", resp.ProtoMajor)
			}
		}
		if err == nil {
			t.Errorf("request %d: whole answer, want an aborted stream", i+1)
		}
		wantVersions(t, s, code, 1)
		if r := lastRequest(t, s); r.Status != 0 || r.Fault == 0 {
			t.Errorf("request %d: recorded status %d, fault %v", i+1, r.Status, r.Fault)
		}
	}
}

func TestFaultResetInRecorderPanicsWithErrAbortHandler(t *testing.T) {
	s := newTestServer(t, WithFaults(Fault{Kind: FaultResetBeforeApply}))
	req := httptest.NewRequest(http.MethodGet, pathImportQueue, nil)
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler", v)
		}
		if r := lastRequest(t, s); r.Status != 0 || r.Fault != FaultResetBeforeApply {
			t.Errorf("recorded status %d, fault %v", r.Status, r.Fault)
		}
	}()
	s.Handler().ServeHTTP(httptest.NewRecorder(), req)
}

func TestFaultsConcurrent(t *testing.T) {
	s := newTestServer(t, WithoutRateLimit(), WithFaults(
		Fault{Kind: FaultStatus, Status: 503, Probability: 0.3},
		Fault{Kind: FaultResetAfterApply, Op: OpImportAPI, Probability: 0.2},
		Fault{Kind: FaultDelay, Delay: time.Millisecond, Probability: 0.2, Times: 5},
	))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				if i%2 == 0 {
					attempt(t, s, http.MethodGet, pathImportQueue, nil)
					continue
				}
				attempt(t, s, http.MethodPost, pathImportAPI, importReq(DefaultSourceID, map[string]any{"entity_code": fmt.Sprint(g, "-", i)}))
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 20 {
			s.AddFault(Fault{Kind: FaultHTML, Nth: 3})
			s.FaultsFired()
		}
	}()
	wg.Wait()
	faulted := 0
	for _, r := range s.Requests() {
		if r.Fault != 0 {
			faulted++
		}
	}
	if n := s.FaultsFired(); n != faulted || n == 0 {
		t.Errorf("FaultsFired = %d, requests recorded with a fault: %d", n, faulted)
	}
}

// TestRecoverPanicsLetsAbortThrough checks that the panic guard turns bugs
// into 500 answers but lets http.ErrAbortHandler, a deliberate abort, reach
// net/http.
func TestRecoverPanicsLetsAbortThrough(t *testing.T) {
	bug := recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("bug") }))
	rec := httptest.NewRecorder()
	bug.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("a bug answered %d, want 500", rec.Code)
	}

	abort := recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }))
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler", v)
		}
	}()
	abort.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	t.Error("http.ErrAbortHandler did not go through")
}

// Every Operation the admin API names is the route the server takes for
// a request to it.
func TestOperationsMatchRoutes(t *testing.T) {
	s := newTestServer(t)
	for name, op := range opNames {
		method, path, _ := strings.Cut(string(op), " ")
		path = strings.ReplaceAll(path, "{jobId}", "job-1")
		if got := s.operation(httptest.NewRequest(method, path, nil)); got != op {
			t.Errorf("%s: a %s %s takes the route %q, want %q", name, method, path, got, op)
		}
	}
}
