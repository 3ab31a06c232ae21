package catalogtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pimkit/catalog"
)

// t0 is the start of every FakeClock in these tests; it matches the
// timestamps in the platform documentation fixtures.
var t0 = time.Date(2026, 4, 24, 12, 58, 55, 123_000_000, time.UTC)

func newTestServer(t *testing.T, opts ...Option) *Server {
	t.Helper()
	s := NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}

// auth sets credentials on a request.
type auth func(*http.Request)

func apiKey(id, secret string) auth {
	return func(r *http.Request) {
		r.Header.Set("x-auth-method", "api-key")
		r.Header.Set("x-api-key-id", id)
		r.Header.Set("x-api-secret", secret)
	}
}

func bearer(token string) auth {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

func cookie(value string) auth {
	return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: sessionCookieName, Value: value}) }
}

func noAuth(*http.Request) {}

var defaultAuth = apiKey(DefaultAPIKeyID, DefaultAPISecret)

// answer is a decoded response.
type answer struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// newTestRequest builds a request to s; a defaults to defaultAuth.
func newTestRequest(t *testing.T, s *Server, method, path string, body any, a ...auth) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, s.URL+path, requestBody(t, body))
	if err != nil {
		t.Fatal(err)
	}
	if len(a) == 0 {
		a = []auth{defaultAuth}
	}
	for _, f := range a {
		f(req)
	}
	return req
}

// send makes one request. body may be nil, a string or []byte (sent as is),
// an io.Reader (sent chunked) or any value (JSON-encoded). Every answer must
// be a JSON object with Content-Type application/json.
func send(t *testing.T, s *Server, method, path string, body any, a ...auth) answer {
	t.Helper()
	return doJSON(t, newTestRequest(t, s, method, path, body, a...))
}

// doJSON sends req and decodes the answer, which must be a JSON object
// with Content-Type application/json.
func doJSON(t *testing.T, req *http.Request) answer {
	t.Helper()
	method, path := req.Method, req.URL.Path
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s %s: Content-Type %q, want application/json; body %s", method, path, ct, raw)
	}
	if !json.Valid(raw) || !bytes.HasPrefix(raw, []byte("{")) {
		t.Fatalf("%s %s: answer is not a JSON object:\n%s", method, path, raw)
	}
	var decoded map[string]any
	// A number beyond float64 (echoed raw data) is valid JSON; keep the rest.
	var typeErr *json.UnmarshalTypeError
	if err := json.Unmarshal(raw, &decoded); err != nil && !errors.As(err, &typeErr) {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, raw: raw, body: decoded}
}

func requestBody(t *testing.T, body any) io.Reader {
	t.Helper()
	switch b := body.(type) {
	case nil:
		return nil
	case string:
		return strings.NewReader(b)
	case []byte:
		return bytes.NewReader(b)
	case io.Reader:
		return b
	}
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(data)
}

// wantRateLimited fails the test unless the answer is a 429 whose
// Retry-After header is retryAfter.
func (a answer) wantRateLimited(t *testing.T, retryAfter string) {
	t.Helper()
	a.wantStatus(t, http.StatusTooManyRequests, codeRateLimited)
	if got := a.header.Get("Retry-After"); got != retryAfter {
		t.Errorf("Retry-After = %q, want %s", got, retryAfter)
	}
}

// wantStatus fails the test unless the answer has this status and, for
// errors, this code.
func (a answer) wantStatus(t *testing.T, status int, code catalog.ErrorCode) {
	t.Helper()
	if a.status != status {
		t.Fatalf("status = %d, want %d; body: %s", a.status, status, a.raw)
	}
	if code == "" {
		return
	}
	if a.body["success"] != false || a.body["code"] != string(code) {
		t.Fatalf("error body = %s, want success false and code %s", a.raw, code)
	}
	if msg, _ := a.body["error"].(string); msg == "" {
		t.Fatalf("error body has no message: %s", a.raw)
	}
}

// object returns the JSON object at a key of the answer.
func (a answer) object(t *testing.T, key string) map[string]any {
	t.Helper()
	m, ok := a.body[key].(map[string]any)
	if !ok {
		t.Fatalf("answer has no object %q: %s", key, a.raw)
	}
	return m
}

// importBodyJSON builds an import request body.
func importReq(sourceID string, products ...any) map[string]any {
	return map[string]any{"source_id": sourceID, "products": products}
}

// directImport posts products to the default source and expects 200.
func directImport(t *testing.T, s *Server, body map[string]any) answer {
	t.Helper()
	a := send(t, s, http.MethodPost, pathImportAPI, body)
	a.wantStatus(t, http.StatusOK, "")
	return a
}

// product decodes a JSON object literal the way the server does (numbers
// as json.Number), for comparisons with stored data.
func product(t *testing.T, literal string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := decodeJSON([]byte(literal), &m); err != nil {
		t.Fatalf("bad literal %s: %v", literal, err)
	}
	return m
}

func mustProduct(t *testing.T, s *Server, code string) ProductVersion {
	t.Helper()
	p, ok := s.Product(code)
	if !ok {
		t.Fatalf("product %q not stored", code)
	}
	return p
}

func waitJobs(t *testing.T, s *Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.WaitForJobs(ctx); err != nil {
		t.Fatalf("WaitForJobs: %v", err)
	}
}

func waitTimers(t *testing.T, c *FakeClock, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.WaitForTimers(ctx, n); err != nil {
		t.Fatalf("WaitForTimers(%d): %v", n, err)
	}
}
