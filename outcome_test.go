package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/pimkit/catalog/internal/ratelimit"
)

// importOrQueue runs Products.Import or Products.Queue with one product.
func importOrQueue(ctx context.Context, c *Client, queued bool) error {
	p := []Product{{EntityCode: "A"}}
	if queued {
		_, err := c.Products.Queue(ctx, "src", p, nil)
		return err
	}
	_, err := c.Products.Import(ctx, "src", p, nil)
	return err
}

// TestContextEndedBeforeSendIsNotUnknown: a call whose context ended before
// anything was sent fails with the context's error, not as an outcome that
// may have been applied.
func TestContextEndedBeforeSendIsNotUnknown(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		want error
	}{{"cancelled", cancelled, context.Canceled}, {"expired", expired, context.DeadlineExceeded}} {
		for _, queued := range []bool{false, true} {
			c, mt := newMockClient(t)
			mt.RegisterResponder("POST", testBase+importAPIPath, httpmock.NewStringResponder(200, `{"success":true}`))
			mt.RegisterResponder("POST", testBase+queuePath, httpmock.NewStringResponder(202, `{"job_id":"q1"}`))
			err := importOrQueue(tc.ctx, c, queued)
			if !errors.Is(err, tc.want) || errors.Is(err, ErrOutcomeUnknown) {
				t.Errorf("%s, queued=%v: got %v, want %v and not ErrOutcomeUnknown", tc.name, queued, err, tc.want)
			}
			if n := mt.GetTotalCallCount(); n != 0 {
				t.Errorf("%s, queued=%v: %d requests sent", tc.name, queued, n)
			}
		}
	}
}

// dialFailing returns a client on https://tenant.invalid whose every dial
// fails with err, counting the dials; afterAttempt runs after each attempt.
func dialFailing(t *testing.T, err error, afterAttempt func(), opts ...Option) (*Client, *atomic.Int32) {
	t.Helper()
	var dials atomic.Int32
	var tr http.RoundTripper = &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return nil, err
	}}
	if afterAttempt != nil {
		tr = afterTransport{tr, afterAttempt}
	}
	base := []Option{WithHTTPClient(&http.Client{Transport: tr}), WithAPIKey(testKeyID, testSecret),
		WithRetries(3, time.Millisecond, 2*time.Millisecond)}
	c, cerr := NewClient("https://tenant.invalid", append(base, opts...)...)
	if cerr != nil {
		t.Fatal(cerr)
	}
	return c, &dials
}

// slotTaker is a limiter whose slots, when given back, go at once to
// another caller, which is then answered at once.
type slotTaker struct{ Limiter }

func (s slotTaker) Acquire(ctx context.Context) (func(time.Time), error) {
	release, err := s.Limiter.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	return func(at time.Time) {
		release(at)
		if at.IsZero() {
			if other, err := s.Limiter.Acquire(context.Background()); err == nil {
				other(time.Now())
			}
		}
	}, nil
}

type afterTransport struct {
	next  http.RoundTripper
	after func()
}

func (a afterTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	defer a.after()
	return a.next.RoundTrip(r)
}

// TestNoSuchHostIsNotRetried: a host name that does not resolve is reported
// at once, as what it is.
func TestNoSuchHostIsNotRetried(t *testing.T) {
	dnsErr := &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "tenant.invalid", IsNotFound: true}}
	c, dials := dialFailing(t, dnsErr, nil, WithLimiter(nil))
	err := importOrQueue(context.Background(), c, false)
	var dns *net.DNSError
	if !errors.As(err, &dns) || !strings.Contains(err.Error(), "no such host") || errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("got %v, want the DNS error, not an unknown outcome", err)
	}
	if n := dials.Load(); n != 1 {
		t.Fatalf("%d dials, want 1: no such host is not retried", n)
	}
}

// TestGivingUpNamesTheNetworkError: when the rate limiter or the context
// ends the retries, the error still names the network failure behind them.
func TestGivingUpNamesTheNetworkError(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
	t.Run("limiter has no slot before the deadline", func(t *testing.T) {
		// One slot an hour, a deadline in half an hour. The failed dial gives
		// its slot back, and another call takes it at once: the retry's
		// slot is refused at once, whatever the machine's speed.
		lim := ratelimit.New(1, time.Hour)
		c, dials := dialFailing(t, refused, nil, WithLimiter(slotTaker{lim}))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
		defer cancel()
		err := importOrQueue(ctx, c, false)
		var op *net.OpError
		if !errors.As(err, &op) || !strings.Contains(err.Error(), "connection refused") ||
			!errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrOutcomeUnknown) {
			t.Fatalf("got %v, want connection refused first, then the limiter's deadline", err)
		}
		if !strings.HasPrefix(err.Error(), "catalog: POST /api/b2b/pim/import/api: ") || strings.Index(err.Error(), "refused") > strings.Index(err.Error(), "rate limit") {
			t.Fatalf("the cause should come first: %v", err)
		}
		if n := dials.Load(); n != 1 {
			t.Fatalf("%d dials, want 1", n)
		}
	})
	t.Run("context cancelled during the retries", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		c, dials := dialFailing(t, refused, cancel, WithLimiter(nil), WithRetries(3, time.Hour, time.Hour))
		err := importOrQueue(ctx, c, true)
		if !strings.Contains(err.Error(), "connection refused") || !errors.Is(err, context.Canceled) || errors.Is(err, ErrOutcomeUnknown) {
			t.Fatalf("got %v, want connection refused and Canceled", err)
		}
		if n := dials.Load(); n != 1 {
			t.Fatalf("%d dials, want 1", n)
		}
	})
}

// TestAnswerOutcome: the one rule for what an error answer to an import says
// of it, seen through Products.Import and Products.Queue. A gateway's answer
// leaves the outcome unknown; the platform's own refusal does not.
func TestAnswerOutcome(t *testing.T) {
	const html = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
	const platform = `{"error":"worker crashed"}`
	for _, tc := range []struct {
		status     int
		body       string
		retryAfter string
		unknown    bool
	}{
		{502, html, "", true},
		{502, platform, "", true}, // a platform never answers 502 itself
		{504, "", "", true},
		{504, platform, "", true},
		{500, html, "", true},
		{500, `{"message":"Internal server error"}`, "", true}, // a gateway's JSON, not the platform's
		{500, platform, "", false},
		{503, html, "", true},
		{503, platform, "", false},
		{503, html, "0", false}, // retried, and not applied however often
		{400, html, "", false},
		{404, platform, "", false},
	} {
		for _, queued := range []bool{false, true} {
			c, mt := newMockClient(t)
			resp := httpmock.NewStringResponder(tc.status, tc.body)
			if tc.retryAfter != "" {
				resp = resp.HeaderSet(http.Header{"Retry-After": {tc.retryAfter}})
			}
			mt.RegisterResponder("POST", testBase+importAPIPath, resp)
			mt.RegisterResponder("POST", testBase+queuePath, resp)
			err := importOrQueue(context.Background(), c, queued)
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tc.status {
				t.Fatalf("%d %q queued=%v: got %v, want an *APIError", tc.status, tc.body, queued, err)
			}
			var unknown *OutcomeUnknownError
			if got := errors.As(err, &unknown); got != tc.unknown || errors.Is(err, ErrOutcomeUnknown) != tc.unknown {
				t.Errorf("%d %q queued=%v: unknown %v, want %v (%v)", tc.status, tc.body, queued, got, tc.unknown, err)
			}
			if tc.status >= 500 && !errors.Is(err, ErrServer) {
				t.Errorf("%d: %v does not match ErrServer", tc.status, err)
			}
		}
	}
}

// TestAPIErrorKeepsTheRequestID: the platform's request id is kept and
// shown, so a support ticket can name the request.
func TestAPIErrorKeepsTheRequestID(t *testing.T) {
	c, mt := newMockClient(t)
	mt.RegisterResponder("GET", testBase+"/api/b2b/pim/jobs/j1", httpmock.NewStringResponder(404, `{"error":"no such job"}`).
		HeaderSet(http.Header{"X-Request-Id": {"req-7f3a"}}))
	_, err := c.Jobs.Get(context.Background(), "j1")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.RequestID != "req-7f3a" || !strings.Contains(err.Error(), "request id req-7f3a") {
		t.Fatalf("got %v, want request id req-7f3a in the error and its text", err)
	}
	mt.RegisterResponder("GET", testBase+"/api/b2b/pim/jobs/j2", httpmock.NewStringResponder(404, `{"error":"no such job"}`))
	_, err = c.Jobs.Get(context.Background(), "j2")
	if strings.Contains(err.Error(), "request id") {
		t.Fatalf("no X-Request-Id, yet %v", err)
	}
}

// TestLoggerShowsRateLimitWaits: an attempt that waited for the client's
// rate limiter says so, with how long, on its log line.
func TestLoggerShowsRateLimitWaits(t *testing.T) {
	var logs bytes.Buffer
	c, mt := newMockClient(t, WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))),
		WithRateLimit(1, time.Minute), WithLimiterClock(&autoClock{now: time.Now()}))
	mt.RegisterResponder("GET", testBase+"/api/b2b/pim/jobs/j1", httpmock.NewStringResponder(200, `{"job":{"job_id":"j1","status":"completed"}}`))
	for range 2 {
		if _, err := c.Jobs.Get(context.Background(), "j1"); err != nil {
			t.Fatal(err)
		}
	}
	var waits []any
	for _, l := range bytes.Split(bytes.TrimSpace(logs.Bytes()), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatal(err)
		}
		if m["level"] != "INFO" {
			t.Fatalf("level %v, want INFO: %s", m["level"], l)
		}
		waits = append(waits, m["rate_limit_wait"])
	}
	if len(waits) != 2 || waits[0] != nil || waits[1] != float64(time.Minute) {
		t.Fatalf("rate_limit_wait per line: %v, want none then 1m", waits)
	}
}
