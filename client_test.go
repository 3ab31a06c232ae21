package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jarcoal/httpmock"
)

// testBase has a path prefix, so a call that resolved an absolute path
// against the host instead of the base URL would miss every responder.
const testBase = "https://tenant.test/prefix"

const (
	testKeyID  = "ak_acme_live_1234"
	testSecret = "sk_live_do_not_print_me"
)

// newMockClient returns a client whose requests go to an httpmock transport.
// Retries are fast and the rate limit is off unless opts say otherwise.
func newMockClient(t *testing.T, opts ...Option) (*Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	base := []Option{
		WithHTTPClient(&http.Client{Transport: mt}),
		WithAPIKey(testKeyID, testSecret),
		WithLimiter(nil),
		WithRetries(2, time.Millisecond, 5*time.Millisecond),
		WithClock(&autoClock{now: time.Now()}), // retry waits pass at once
	}
	c, err := NewClient(testBase, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, mt
}

// jsonOf decodes JSON into a generic value for comparison.
func jsonOf(t *testing.T, raw []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, raw)
	}
	return v
}

// readFixture reads a file of testdata.
func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// recorder is a responder that keeps each request and answers with status
// and body.
type recorder struct {
	reqs   []*http.Request
	bodies [][]byte
}

func (r *recorder) respond(status int, body string) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		raw := []byte{}
		if req.Body != nil {
			raw, _ = readAll(req)
		}
		r.reqs = append(r.reqs, req)
		r.bodies = append(r.bodies, raw)
		resp := httpmock.NewStringResponse(status, body)
		resp.Header.Set("Content-Type", "application/json")
		return resp, nil
	}
}

func readAll(req *http.Request) ([]byte, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(req.Body)
	return b.Bytes(), err
}

func TestNewClientRejectsBadInput(t *testing.T) {
	for name, tc := range map[string]struct {
		url  string
		opts []Option
	}{
		"relative URL":     {url: "/api"},
		"other scheme":     {url: "ftp://tenant.test"},
		"user info":        {url: "https://user:pw@tenant.test"},
		"empty token":      {url: testBase, opts: []Option{WithBearerToken("")}},
		"empty key id":     {url: testBase, opts: []Option{WithAPIKey("", "sk")}},
		"zero rate":        {url: testBase, opts: []Option{WithRateLimit(0, time.Minute)}},
		"zero window":      {url: testBase, opts: []Option{WithRateLimit(40, 0)}},
		"zero body limit":  {url: testBase, opts: []Option{WithMaxBodyBytes(0)}},
		"negative retries": {url: testBase, opts: []Option{WithRetries(-1, time.Second, time.Second)}},
		"max wait < min":   {url: testBase, opts: []Option{WithRetries(1, time.Second, time.Millisecond)}},
		"zero timeout":     {url: testBase, opts: []Option{WithTimeout(0)}},
		"nil http client":  {url: testBase, opts: []Option{WithHTTPClient(nil)}},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := NewClient(tc.url, tc.opts...)
			if err == nil {
				t.Fatalf("NewClient succeeded: %v", c)
			}
			if strings.Contains(err.Error(), "pw") {
				t.Fatalf("error shows the URL's password: %v", err)
			}
		})
	}
}

func TestCredentialHeaders(t *testing.T) {
	for name, tc := range map[string]struct {
		opt  Option
		want map[string]string
	}{
		"bearer": {WithBearerToken("jwt-abc"), map[string]string{"Authorization": "Bearer jwt-abc"}},
		"api key": {WithAPIKey(testKeyID, testSecret), map[string]string{
			"x-auth-method": "api-key", "x-api-key-id": testKeyID, "x-api-secret": testSecret,
		}},
		"session": {WithSessionCookie("sess-1"), map[string]string{"Cookie": "vinc_b2b_session=sess-1"}},
	} {
		t.Run(name, func(t *testing.T) {
			mt := httpmock.NewMockTransport()
			rec := &recorder{}
			mt.RegisterResponder("GET", testBase+"/api/b2b/pim/import/queue", rec.respond(200, `{"queue_stats":null,"pending_jobs":[],"processing_jobs":[]}`))
			c, err := NewClient(testBase, tc.opt, WithHTTPClient(&http.Client{Transport: mt}), WithLimiter(nil))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Jobs.QueueStatus(context.Background()); err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for k := range tc.want {
				got[k] = rec.reqs[0].Header.Get(k)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("credential headers (-want +got):\n%s", diff)
			}
			if h := rec.reqs[0].Header.Get("Accept"); h != "application/json" {
				t.Fatalf("Accept = %q", h)
			}
		})
	}
}

func TestNoCredentialsSendsNone(t *testing.T) {
	mt := httpmock.NewMockTransport()
	rec := &recorder{}
	mt.RegisterResponder("GET", testBase+"/api/b2b/pim/import/queue", rec.respond(401, `{"error":"Unauthorized","code":"UNAUTHENTICATED"}`))
	c, err := NewClient(testBase, WithHTTPClient(&http.Client{Transport: mt}), WithLimiter(nil))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Jobs.QueueStatus(context.Background())
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("got %v, want ErrUnauthorized from the server", err)
	}
	for _, h := range []string{"Authorization", "x-api-secret", "Cookie"} {
		if v := rec.reqs[0].Header.Get(h); v != "" {
			t.Fatalf("%s sent without credentials configured: %q", h, v)
		}
	}
}

// TestRedirectToOtherHostDropsCredentials uses two loopback servers: the
// tenant redirects to another origin, which must see no credential.
func TestRedirectToOtherHostDropsCredentials(t *testing.T) {
	var leaked http.Header
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked = r.Header.Clone()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"queue_stats":null,"pending_jobs":[],"processing_jobs":[]}`)
	}))
	defer other.Close()
	tenant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("x-api-secret") != testSecret {
			t.Errorf("tenant did not get the credential")
		}
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
	}))
	defer tenant.Close()
	// Same IP, other port: a different origin.
	c, err := NewClient(tenant.URL, WithAPIKey(testKeyID, testSecret), WithLimiter(nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Jobs.QueueStatus(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"x-api-secret", "x-api-key-id", "x-auth-method", "Authorization", "Cookie"} {
		if v := leaked.Get(h); v != "" {
			t.Errorf("redirect target got %s: %q", h, v)
		}
	}
}

// TestSecretsNeverPrinted formats everything that holds a credential, with
// every verb, and searches the output and the logs for the secret. A
// Client has no String method: fmt prints its fields, and every one that
// leads to the credential (the transport, the redactor) is a pointer or a
// func, printed as an address; a field that held the secret by value would
// show it here.
func TestSecretsNeverPrinted(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, opt := range []Option{WithAPIKey(testKeyID, testSecret), WithBearerToken(testSecret), WithSessionCookie(testSecret)} {
		for _, clock := range []Option{nil, WithClock(&autoClock{now: time.Now()})} {
			_, mt := newMockClient(t)
			opts := []Option{opt, WithHTTPClient(&http.Client{Transport: mt}), WithLimiter(nil), WithLogger(logger), WithRetries(1, time.Millisecond, time.Millisecond)}
			if clock != nil {
				opts = append(opts, clock)
			}
			c, err := NewClient(testBase, opts...)
			if err != nil {
				t.Fatal(err)
			}
			mt.RegisterResponder("GET", testBase+"/api/b2b/pim/jobs/j1", httpmock.NewStringResponder(500, `{"error":"boom"}`))
			_, callErr := c.Jobs.Get(context.Background(), "j1")
			var out strings.Builder
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
				fmt.Fprintf(&out, verb+"\n", c)
				fmt.Fprintf(&out, verb+"\n", *c)
				fmt.Fprintf(&out, verb+"\n", []any{c, *c}) // inside a value, as a caller's struct would print it
				fmt.Fprintf(&out, verb+"\n", callErr)
				fmt.Fprintf(&out, verb+"\n", c.Products)
			}
			for _, where := range []string{out.String(), logs.String()} {
				if strings.Contains(where, testSecret) {
					t.Fatalf("secret printed:\n%s", where)
				}
			}
		}
	}
	if !strings.Contains(logs.String(), "status=500") {
		t.Fatalf("logs lack the attempts:\n%s", logs.String())
	}
}

func TestLoggerRecordsAttempts(t *testing.T) {
	var logs bytes.Buffer
	c, mt := newMockClient(t, WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	mt.RegisterResponder("GET", testBase+"/api/b2b/pim/jobs/j1",
		httpmock.NewStringResponder(503, `{"error":"busy"}`).HeaderSet(http.Header{"Retry-After": {"0"}}).Once().
			Then(httpmock.NewStringResponder(200, `{"job":{"job_id":"j1","status":"completed"}}`)))
	if _, err := c.Jobs.Get(context.Background(), "j1"); err != nil {
		t.Fatal(err)
	}
	var lines []map[string]any
	for _, l := range bytes.Split(bytes.TrimSpace(logs.Bytes()), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatal(err)
		}
		delete(m, "time")
		if _, ok := m["duration"].(float64); !ok {
			t.Fatalf("no duration in %v", m)
		}
		delete(m, "duration")
		lines = append(lines, m)
	}
	want := []map[string]any{
		{"level": "WARN", "msg": "catalog: http request", "method": "GET", "path": "/prefix/api/b2b/pim/jobs/j1", "attempt": 1.0, "status": 503.0},
		{"level": "INFO", "msg": "catalog: http request", "method": "GET", "path": "/prefix/api/b2b/pim/jobs/j1", "attempt": 2.0, "status": 200.0},
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Fatalf("log lines (-want +got):\n%s", diff)
	}
}

func TestRetryPolicy(t *testing.T) {
	const path = "/api/b2b/pim/jobs/j1"
	ok := `{"job":{"job_id":"j1","status":"completed"}}`
	for name, tc := range map[string]struct {
		method     string // GET: Jobs.Get; POST: Products.Queue
		status     int
		retryAfter string
		wantCalls  int
	}{
		"GET 500 is retried":               {"GET", 500, "", 3},
		"GET 502 is retried":               {"GET", 502, "", 3},
		"POST 500 is not retried":          {"POST", 500, "", 1},
		"POST 502 is not retried":          {"POST", 502, "", 1},
		"POST 503 without Retry-After":     {"POST", 503, "", 1},
		"POST 503 with Retry-After":        {"POST", 503, "0", 3},
		"POST 429 is retried":              {"POST", 429, "0", 3},
		"POST 408 is retried":              {"POST", 408, "", 3},
		"POST 400 is never retried":        {"POST", 400, "", 1},
		"GET 404 is never retried":         {"GET", 404, "", 1},
		"GET 501 Not Implemented is final": {"GET", 501, "", 1},
	} {
		t.Run(name, func(t *testing.T) {
			c, mt := newMockClient(t)
			resp := httpmock.NewStringResponder(tc.status, `{"error":"nope"}`)
			if tc.retryAfter != "" {
				resp = resp.HeaderSet(http.Header{"Retry-After": {tc.retryAfter}})
			}
			var err error
			if tc.method == "GET" {
				mt.RegisterResponder("GET", testBase+path, resp)
				_, err = c.Jobs.Get(context.Background(), "j1")
			} else {
				mt.RegisterResponder("POST", testBase+queuePath, resp)
				_, err = c.Products.Queue(context.Background(), "src", []Product{{EntityCode: "A"}}, nil)
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tc.status {
				t.Fatalf("got %v, want an *APIError with status %d", err, tc.status)
			}
			if got := mt.GetTotalCallCount(); got != tc.wantCalls {
				t.Fatalf("%d calls, want %d", got, tc.wantCalls)
			}
		})
	}
	t.Run("retry succeeds", func(t *testing.T) {
		c, mt := newMockClient(t)
		mt.RegisterResponder("GET", testBase+path, httpmock.NewStringResponder(500, "").Once().Then(httpmock.NewStringResponder(200, ok)))
		if _, err := c.Jobs.Get(context.Background(), "j1"); err != nil {
			t.Fatal(err)
		}
	})
}

// TestPostRetriedWhenConnectionRefused: a refused connection means nothing
// was sent, so even a non-idempotent import is sent again.
func TestPostRetriedWhenConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	var attempts int
	c, err := NewClient("http://"+addr, WithLimiter(nil), WithRetries(2, time.Millisecond, 2*time.Millisecond),
		WithHTTPClient(&http.Client{Transport: countingTransport{&attempts, http.DefaultTransport}}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Products.Import(context.Background(), "src", []Product{{EntityCode: "A"}}, nil)
	if err == nil || attempts != 3 {
		t.Fatalf("err %v after %d attempts, want an error after 3", err, attempts)
	}
}

type countingTransport struct {
	n    *int
	next http.RoundTripper
}

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	*c.n++
	return c.next.RoundTrip(r)
}

func TestBackoff(t *testing.T) {
	now := time.Date(2026, 4, 24, 12, 0, 0, 0, time.UTC)
	r := &retrier{wait: [2]time.Duration{100 * time.Millisecond, time.Second}, clock: stoppedClock(now)}
	for attempt := range 10 {
		d := r.backoff(attempt, nil)
		ceil := min(100*time.Millisecond<<attempt, time.Second)
		if d < ceil/2 || d > ceil {
			t.Fatalf("attempt %d: %v outside [%v, %v]", attempt, d, ceil/2, ceil)
		}
	}
	resp := &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"7"}}}
	if d := r.backoff(0, resp); d != 7*time.Second {
		t.Fatalf("Retry-After 7: waited %v", d)
	}
	// An HTTP date is read against the client's clock.
	resp.Header.Set("Retry-After", now.Add(90*time.Second).Format(http.TimeFormat))
	if d := r.backoff(0, resp); d != 90*time.Second {
		t.Fatalf("Retry-After 90 s after the clock's now: waited %v", d)
	}
}

// stoppedClock reads one time and never fires.
type stoppedClock time.Time

func (c stoppedClock) Now() time.Time                     { return time.Time(c) }
func (stoppedClock) After(time.Duration) <-chan time.Time { return nil }

func TestCanceledContextStopsRetries(t *testing.T) {
	// The hour's wait never ends on this clock: the deadline ends it.
	c, mt := newMockClient(t, WithRetries(5, time.Hour, time.Hour), WithClock(stoppedClock{}))
	mt.RegisterResponder("GET", testBase+"/api/b2b/pim/jobs/j1", httpmock.NewStringResponder(500, ""))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Jobs.Get(ctx, "j1")
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 10*time.Second {
		t.Fatalf("got %v after %v, want DeadlineExceeded promptly", err, time.Since(start))
	}
}

// TestRetryWaitsOnTheClientsClock: the wait before a retry, a 429's
// Retry-After here, is asked of the client's Clock, not slept.
func TestRetryWaitsOnTheClientsClock(t *testing.T) {
	clock := &recordingClock{autoClock: autoClock{now: time.Now()}}
	c, mt := newMockClient(t, WithClock(clock))
	n := 0
	mt.RegisterResponder("GET", testBase+"/api/b2b/pim/jobs/j1", func(*http.Request) (*http.Response, error) {
		if n++; n == 1 {
			resp := httpmock.NewStringResponse(429, `{"error":"slow down"}`)
			resp.Header.Set("Retry-After", "30")
			return resp, nil
		}
		return httpmock.NewStringResponse(200, `{"job":{"job_id":"j1","status":"completed"}}`), nil
	})
	if _, err := c.Jobs.Get(context.Background(), "j1"); err != nil {
		t.Fatal(err)
	}
	if want := []time.Duration{30 * time.Second}; !slices.Equal(clock.waits, want) || n != 2 {
		t.Fatalf("waits %v in %d attempts, want %v then the retry", clock.waits, n, want)
	}
}

// recordingClock is an autoClock that notes every wait asked of it.
type recordingClock struct {
	autoClock
	waits []time.Duration
}

func (c *recordingClock) After(d time.Duration) <-chan time.Time {
	c.waits = append(c.waits, d)
	return c.autoClock.After(d)
}

// An HTML page (a gateway's) is reduced to its title in the error's
// message; other text keeps its start, on one line.
func TestErrorMessageOfAPage(t *testing.T) {
	page := "<!DOCTYPE html>\n<html><head><TITLE>502 Bad\n Gateway &amp; co</TITLE><style>" + strings.Repeat("x", 5000) + "</style></head><body><h1>Bad Gateway</h1></body></html>"
	for body, want := range map[string]string{
		page:                    "502 Bad Gateway & co",
		"upstream\n  timed out": "upstream timed out",
		"<html><body>no title":  "<html><body>no title",
	} {
		var e APIError
		fillFromBody(&e, []byte(body), nil)
		if e.Message != want {
			t.Errorf("message of %.40q = %q, want %q", body, e.Message, want)
		}
	}
}
