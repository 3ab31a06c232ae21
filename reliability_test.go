package catalog

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
)

func TestCredentialsRefusedOverPlainHTTP(t *testing.T) {
	for _, tc := range []struct {
		url  string
		opts []Option
		ok   bool
	}{
		{"http://tenant.example.com", []Option{WithAPIKey("ak", "sk")}, false},
		{"http://10.0.0.8:8080", []Option{WithBearerToken("t")}, false},
		{"http://tenant.example.com", []Option{WithSessionCookie("s"), WithInsecureHTTP()}, true},
		{"http://tenant.example.com", nil, true}, // nothing to leak
		{"https://tenant.example.com", []Option{WithAPIKey("ak", "sk")}, true},
		{"http://127.0.0.1:8080", []Option{WithAPIKey("ak", "sk")}, true},
		{"http://localhost:8080", []Option{WithAPIKey("ak", "sk")}, true},
		{"http://[::1]:8080", []Option{WithAPIKey("ak", "sk")}, true},
	} {
		_, err := NewClient(tc.url, tc.opts...)
		if (err == nil) != tc.ok {
			t.Errorf("NewClient(%s): err %v, want ok=%v", tc.url, err, tc.ok)
		}
		if err != nil && strings.Contains(err.Error(), "sk") {
			t.Errorf("error shows the secret: %v", err)
		}
	}
}

// TestIdempotencyKeyStableAcrossRetries: one logical call keeps its key on
// every attempt; two calls have two keys; a caller's key is used as given.
func TestIdempotencyKeyStableAcrossRetries(t *testing.T) {
	c, mt := newMockClient(t)
	var keys []string
	mt.RegisterResponder("POST", testBase+queuePath, func(r *http.Request) (*http.Response, error) {
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		if len(keys) == 1 {
			resp := httpmock.NewStringResponse(503, `{"error":"busy"}`)
			resp.Header.Set("Retry-After", "0")
			return resp, nil
		}
		return httpmock.NewStringResponse(202, `{"success":true,"job_id":"queue_import_1","status":"queued"}`), nil
	})
	products := []Product{{EntityCode: "A"}}
	if _, err := c.Products.Queue(context.Background(), "src", products, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Products.Queue(context.Background(), "src", products, &ProductImportOptions{IdempotencyKey: "mine-1"}); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 3 || keys[0] == "" || keys[0] != keys[1] || keys[1] == keys[2] || keys[2] != "mine-1" {
		t.Fatalf("keys sent: %q; want the first twice (a retry), then the caller's", keys)
	}
}

func TestReplayedAnswerIsReported(t *testing.T) {
	c, mt := newMockClient(t)
	mt.RegisterResponder("POST", testBase+importAPIPath, httpmock.NewStringResponder(200, `{"success":true,"job_id":"api_import_1","summary":{"total":1,"successful":1}}`).
		HeaderSet(http.Header{"Idempotent-Replayed": {"true"}}))
	res, err := c.Products.Import(context.Background(), "src", []Product{{EntityCode: "A"}}, nil)
	if err != nil || !res.Replayed {
		t.Fatalf("got %+v, %v; want Replayed", res, err)
	}
}

// resetServer accepts connections and resets each one after reading the
// request: the request was sent, the answer never comes.
func resetServer(t *testing.T, requests *atomic.Int32) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		_ = conn.(*net.TCPConn).SetLinger(0)
		conn.Close()
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestResetAfterSendIsUnknownForPostAndRetriedForGet(t *testing.T) {
	var n atomic.Int32
	c, err := NewClient(resetServer(t, &n), WithLimiter(nil), WithRetries(2, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Products.Import(context.Background(), "src", []Product{{EntityCode: "A"}}, nil)
	var unknown *OutcomeUnknownError
	if !errors.Is(err, ErrOutcomeUnknown) || !errors.As(err, &unknown) || unknown.Path != importAPIPath || n.Load() != 1 {
		t.Fatalf("POST: got %v after %d requests; want one request and an *OutcomeUnknownError", err, n.Load())
	}
	n.Store(0)
	_, err = c.Jobs.Get(context.Background(), "j1")
	if err == nil || errors.Is(err, ErrOutcomeUnknown) || n.Load() != 3 {
		t.Fatalf("GET: got %v after %d requests; want a plain error after 3", err, n.Load())
	}
}

// TestStalledServerCannotHangACall: the per-attempt timeout ends a call to
// a server that never answers.
func TestStalledServerCannotHangACall(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	c, err := NewClient(srv.URL, WithLimiter(nil), WithTimeout(100*time.Millisecond), WithRetries(1, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.Jobs.Get(context.Background(), "j1")
	if err == nil || time.Since(start) > 10*time.Second {
		t.Fatalf("got %v after %v", err, time.Since(start))
	}
	_, err = c.Products.Queue(context.Background(), "src", []Product{{EntityCode: "A"}}, nil)
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("a POST that timed out: got %v, want ErrOutcomeUnknown", err)
	}
}

// Found by FuzzErrorAnswer: a huge Retry-After overflowed into a negative
// wait, and a long error text made Error() unbounded.
func TestHostileErrorAnswers(t *testing.T) {
	c, mt := newMockClient(t, WithRetries(0, time.Millisecond, time.Millisecond))
	mt.RegisterResponder("GET", testBase+"/api/b2b/pim/jobs/huge", httpmock.NewStringResponder(429, `{}`).
		HeaderSet(http.Header{"Retry-After": {"9227000000"}}))
	long := strings.Repeat("é", 100_000)
	mt.RegisterResponder("GET", testBase+"/api/b2b/pim/jobs/long", httpmock.NewStringResponder(400,
		`{"error":"`+long+`","details":"`+long+`","code":"`+long+`","hint":"`+long+`"}`))

	_, err := c.Jobs.Get(context.Background(), "huge")
	var rl *APIError
	if !errors.As(err, &rl) || rl.RetryAfter != 24*time.Hour {
		t.Fatalf("got %v, want RetryAfter capped at 24h", err)
	}
	_, err = c.Jobs.Get(context.Background(), "long")
	if n := len(err.Error()); n > 8<<10 || !strings.Contains(err.Error(), "é...") {
		t.Fatalf("Error() is %d bytes; want it clipped on a rune boundary", n)
	}
}
