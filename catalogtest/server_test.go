package catalogtest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pimkit/catalog"
)

func TestAuthentication(t *testing.T) {
	s := newTestServer(t,
		WithAPIKey("ak_1", "sk_1"),
		WithBearerToken("jwt-1"),
		WithSessionCookie("sess-1"))
	tests := []struct {
		name string
		auth auth
		want int
	}{
		{"api key", apiKey("ak_1", "sk_1"), http.StatusOK},
		{"api key wrong secret", apiKey("ak_1", "sk_2"), http.StatusUnauthorized},
		{"api key wrong id", apiKey("ak_2", "sk_1"), http.StatusUnauthorized},
		{"api key without auth method", func(r *http.Request) {
			r.Header.Set("x-api-key-id", "ak_1")
			r.Header.Set("x-api-secret", "sk_1")
		}, http.StatusUnauthorized},
		{"bearer", bearer("jwt-1"), http.StatusOK},
		{"bearer lower-case scheme", func(r *http.Request) { r.Header.Set("Authorization", "bearer jwt-1") }, http.StatusOK},
		{"bearer wrong", bearer("jwt-2"), http.StatusUnauthorized},
		{"bearer empty", bearer(""), http.StatusUnauthorized},
		{"cookie", cookie("sess-1"), http.StatusOK},
		{"cookie wrong", cookie("sess-2"), http.StatusUnauthorized},
		{"none", noAuth, http.StatusUnauthorized},
		{"default key not accepted once others are set", defaultAuth, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := send(t, s, http.MethodGet, pathImportQueue, nil, tt.auth)
			if tt.want == http.StatusOK {
				a.wantStatus(t, http.StatusOK, "")
				return
			}
			a.wantStatus(t, http.StatusUnauthorized, codeUnauthenticated)
			if bytes.Contains(a.raw, []byte("sk_")) || bytes.Contains(a.raw, []byte("jwt-")) || bytes.Contains(a.raw, []byte("sess-")) {
				t.Errorf("401 answer echoes a credential: %s", a.raw)
			}
		})
	}
}

func TestDefaultCredentials(t *testing.T) {
	s := newTestServer(t)
	send(t, s, http.MethodGet, pathImportQueue, nil).wantStatus(t, http.StatusOK, "")
	// The default key may import.
	directImport(t, s, importReq(DefaultSourceID, map[string]any{"entity_code": "A"}))
}

func TestPermissions(t *testing.T) {
	s := newTestServer(t,
		WithAPIKey("ak_read", "sk_read", "read"),
		WithAPIKey("ak_all", "sk_all", "read", PermissionImport),
		WithBearerToken("jwt-read", "read"),
		WithSessionCookie("sess-import"))
	body := importReq(DefaultSourceID, map[string]any{"entity_code": "A"})
	tests := []struct {
		name   string
		auth   auth
		method string
		path   string
		body   any
		want   int
	}{
		{"explicit permissions replace import", apiKey("ak_read", "sk_read"), http.MethodPost, pathImportAPI, body, http.StatusForbidden},
		{"bearer without import", bearer("jwt-read"), http.MethodPost, pathImportAPI, body, http.StatusForbidden},
		{"key with import among others", apiKey("ak_all", "sk_all"), http.MethodPost, pathImportAPI, body, http.StatusOK},
		{"cookie gets import by default", cookie("sess-import"), http.MethodPost, pathImportAPI, body, http.StatusOK},
		// The platform checks the permission on the direct JSON endpoint only.
		{"queue needs no import permission", apiKey("ak_read", "sk_read"), http.MethodPost, pathImportQueue, body, http.StatusAccepted},
		{"sources need no import permission", apiKey("ak_read", "sk_read"), http.MethodPost, pathSources, map[string]any{"source_id": "s1"}, http.StatusCreated},
		{"403 comes before body checks", apiKey("ak_read", "sk_read"), http.MethodPost, pathImportAPI, "{not json", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := send(t, s, tt.method, tt.path, tt.body, tt.auth)
			var code catalog.ErrorCode
			if tt.want == http.StatusForbidden {
				code = codeForbidden
			}
			a.wantStatus(t, tt.want, code)
		})
	}
}

func TestValidationErrors(t *testing.T) {
	s := newTestServer(t, WithMaxProducts(3), WithRateLimit(0, 0))
	one := []any{map[string]any{"entity_code": "A"}}
	tests := []struct {
		name    string
		body    any
		wantMsg string
	}{
		{"malformed JSON", `{"source_id": "default", "products": [}`, "invalid JSON at byte offset 39"},
		{"truncated JSON", `{"source_id": "default"`, "unexpected end of input"},
		{"empty body", "", "request body is empty"},
		{"not an object", `[{"entity_code": "A"}]`, "must be a JSON object"},
		{"trailing data", `{"source_id": "default", "products": [{}]} {}`, "after the top-level value"},
		{"source_id of the wrong type", `{"source_id": 5, "products": [{}]}`, "field source_id must be a string"},
		{"batch_metadata of the wrong type", `{"source_id": "default", "products": [{}], "batch_metadata": {"batch_part": "one"}}`, "batch_metadata.batch_part must be an integer"},
		{"missing source_id", map[string]any{"products": one}, "source_id is required"},
		{"missing products", map[string]any{"source_id": DefaultSourceID}, "products is required"},
		{"null products", map[string]any{"source_id": DefaultSourceID, "products": nil}, "products is required"},
		{"products not an array", map[string]any{"source_id": DefaultSourceID, "products": map[string]any{"entity_code": "A"}}, "products must be an array, got an object"},
		{"empty products", map[string]any{"source_id": DefaultSourceID, "products": []any{}}, "products must not be empty"},
		{"too many products", map[string]any{"source_id": DefaultSourceID, "products": []any{1, 2, 3, 4}}, "products has 4 items; the limit is 3"},
		{"bad merge_mode", map[string]any{"source_id": DefaultSourceID, "products": one, "merge_mode": "upsert"}, `merge_mode must be "replace" or "partial", got "upsert"`},
	}
	for _, path := range []string{pathImportAPI, pathImportQueue} {
		for _, tt := range tests {
			t.Run(path+"/"+tt.name, func(t *testing.T) {
				a := send(t, s, http.MethodPost, path, tt.body)
				a.wantStatus(t, http.StatusBadRequest, codeValidation)
				if msg := a.body["error"].(string); !strings.Contains(msg, tt.wantMsg) {
					t.Errorf("error = %q, want it to contain %q", msg, tt.wantMsg)
				}
			})
		}
	}
	if n := len(s.Jobs()); n != 0 {
		t.Errorf("rejected requests created %d jobs", n)
	}
}

func TestTooManyProductsDetails(t *testing.T) {
	s := newTestServer(t, WithMaxProducts(2))
	a := send(t, s, http.MethodPost, pathImportAPI, importReq(DefaultSourceID, 1, 2, 3))
	a.wantStatus(t, http.StatusBadRequest, codeValidation)
	want := map[string]any{"limit": 2.0, "count": 3.0}
	if diff := cmp.Diff(want, a.object(t, "technicalDetails")); diff != "" {
		t.Errorf("technicalDetails (-want +got):\n%s", diff)
	}
}

func TestNotFound(t *testing.T) {
	s := newTestServer(t)
	tests := []struct {
		name         string
		method, path string
		body         any
		code         catalog.ErrorCode
	}{
		{"unknown source, direct", http.MethodPost, pathImportAPI, importReq("nope", map[string]any{"entity_code": "A"}), catalog.CodeSourceNotFound},
		{"unknown source, queue", http.MethodPost, pathImportQueue, importReq("nope", map[string]any{"entity_code": "A"}), catalog.CodeSourceNotFound},
		{"unknown job", http.MethodGet, "/api/b2b/pim/jobs/api_import_1_abcdef", nil, codeJobNotFound},
		{"unknown path", http.MethodGet, "/api/b2b/pim/nothing", nil, codeNotFound},
		{"root", http.MethodGet, "/", nil, codeNotFound},
		{"non-canonical path", http.MethodPost, "/api/b2b/pim//import/api", importReq(DefaultSourceID, map[string]any{"entity_code": "A"}), codeNotFound},
		{"dot segments", http.MethodGet, "/api/b2b/pim/x/../import/queue", nil, codeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			send(t, s, tt.method, tt.path, tt.body).wantStatus(t, http.StatusNotFound, tt.code)
		})
	}
}

func TestErrorBodyShape(t *testing.T) {
	s := newTestServer(t)
	a := send(t, s, http.MethodGet, "/api/b2b/pim/jobs/missing", nil)
	want := map[string]any{"success": false, "error": `job "missing" not found`, "code": string(codeJobNotFound)}
	if diff := cmp.Diff(want, a.body); diff != "" {
		t.Errorf("error body (-want +got):\n%s", diff)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	s := newTestServer(t)
	tests := []struct {
		method, path, allow string
	}{
		{http.MethodGet, pathImportAPI, "POST"},
		{http.MethodDelete, pathImportQueue, "GET, POST"},
		{http.MethodPost, "/api/b2b/pim/jobs/x", "GET"},
		{http.MethodGet, pathSources, "POST"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			a := send(t, s, tt.method, tt.path, nil)
			a.wantStatus(t, http.StatusMethodNotAllowed, codeMethodNotAllowed)
			if got := a.header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	const limit = 200
	s := newTestServer(t, WithMaxBodyBytes(limit))
	small := `{"source_id": "default", "products": [{"entity_code": "A"}]}`
	atLimit := small[:len(small)-1] + strings.Repeat(" ", limit-len(small)) + "}"
	send(t, s, http.MethodPost, pathImportAPI, atLimit).wantStatus(t, http.StatusOK, "")

	a := send(t, s, http.MethodPost, pathImportAPI, atLimit+" ")
	a.wantStatus(t, http.StatusRequestEntityTooLarge, codePayloadTooLarge)
	if diff := cmp.Diff(map[string]any{"limit_bytes": float64(limit)}, a.object(t, "technicalDetails")); diff != "" {
		t.Errorf("technicalDetails (-want +got):\n%s", diff)
	}
	send(t, s, http.MethodPost, pathImportQueue, atLimit+" ").wantStatus(t, http.StatusRequestEntityTooLarge, codePayloadTooLarge)
	send(t, s, http.MethodPost, pathSources, atLimit+" ").wantStatus(t, http.StatusRequestEntityTooLarge, codePayloadTooLarge)
}

func TestBodyLimitEnforcedWhileReading(t *testing.T) {
	const limit = 1000
	s := newTestServer(t, WithMaxBodyBytes(limit))
	// A chunked body (no Content-Length) of 1 MB: the server must stop
	// reading just past the limit rather than buffer it all.
	stream := struct{ io.Reader }{io.MultiReader(
		strings.NewReader(`{"source_id": "default", "products": [`),
		io.LimitReader(endless('{'), 1<<20))}
	req, err := http.NewRequest(http.MethodPost, s.URL+pathImportAPI, stream)
	if err != nil {
		t.Fatal(err)
	}
	defaultAuth(req)
	// The server answers and closes the connection while the client is
	// still writing, so the client may see either the 413 or a reset: what
	// counts is what the server did.
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 413", resp.StatusCode)
		}
	}
	reqs := s.Requests()
	last := reqs[len(reqs)-1]
	if last.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("server answered %d, want 413", last.Status)
	}
	if got := len(last.Body); got != limit+1 {
		t.Errorf("server read %d bytes of the body, want %d (limit + 1)", got, limit+1)
	}
}

// endless is a reader that repeats one byte forever.
type endless byte

func (e endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(e)
	}
	return len(p), nil
}

func TestRateLimit(t *testing.T) {
	clock := NewFakeClock(t0)
	s := newTestServer(t, WithClock(clock))
	for i := range 40 {
		if a := send(t, s, http.MethodGet, pathImportQueue, nil); a.status != http.StatusOK {
			t.Fatalf("request %d: status %d", i+1, a.status)
		}
	}
	send(t, s, http.MethodGet, pathImportQueue, nil).wantRateLimited(t, "60")

	clock.Advance(59*time.Second + 500*time.Millisecond)
	// Half a second before the window frees, Retry-After rounds up to 1.
	send(t, s, http.MethodGet, pathImportQueue, nil).wantRateLimited(t, "1")

	clock.Advance(500 * time.Millisecond)
	send(t, s, http.MethodGet, pathImportQueue, nil).wantStatus(t, http.StatusOK, "")
}

func TestRateLimitCountsEveryAdmittedRequest(t *testing.T) {
	clock := NewFakeClock(t0)
	s := newTestServer(t, WithClock(clock), WithRateLimit(3, 10*time.Second))
	send(t, s, http.MethodGet, pathImportQueue, nil, noAuth).wantStatus(t, http.StatusUnauthorized, codeUnauthenticated)
	clock.Advance(4 * time.Second)
	send(t, s, http.MethodGet, "/nowhere", nil).wantStatus(t, http.StatusNotFound, codeNotFound)
	send(t, s, http.MethodGet, pathImportQueue, nil).wantStatus(t, http.StatusOK, "")
	// Three admitted (a 401 and a 404 count too): the fourth waits for the
	// first, 6 s from now.
	send(t, s, http.MethodGet, pathImportQueue, nil).wantRateLimited(t, "6")
	// Refused requests do not count: once the first leaves, one slot opens.
	clock.Advance(6 * time.Second)
	send(t, s, http.MethodGet, pathImportQueue, nil).wantStatus(t, http.StatusOK, "")
	send(t, s, http.MethodGet, pathImportQueue, nil).wantStatus(t, http.StatusTooManyRequests, codeRateLimited)
}

func TestRateLimitBeforeAuthentication(t *testing.T) {
	s := newTestServer(t, WithClock(NewFakeClock(t0)), WithRateLimit(1, time.Minute))
	send(t, s, http.MethodGet, pathImportQueue, nil).wantStatus(t, http.StatusOK, "")
	send(t, s, http.MethodGet, pathImportQueue, nil, noAuth).wantStatus(t, http.StatusTooManyRequests, codeRateLimited)
}

func TestRateLimitDisabled(t *testing.T) {
	s := newTestServer(t, WithClock(NewFakeClock(t0)), WithRateLimit(0, time.Minute))
	for range 60 {
		send(t, s, http.MethodGet, pathImportQueue, nil).wantStatus(t, http.StatusOK, "")
	}
}

func TestRequests(t *testing.T) {
	clock := NewFakeClock(t0)
	s := newTestServer(t, WithClock(clock))
	body := `{"source_id": "default", "products": [{"entity_code": "A"}]}`
	send(t, s, http.MethodPost, pathImportAPI, body).wantStatus(t, http.StatusOK, "")
	clock.Advance(time.Second)
	send(t, s, http.MethodPost, pathImportQueue, body, noAuth).wantStatus(t, http.StatusUnauthorized, codeUnauthenticated)

	got := s.Requests()
	if len(got) != 2 {
		t.Fatalf("recorded %d requests, want 2", len(got))
	}
	want := []Request{
		{ID: "req_1", Method: http.MethodPost, Path: pathImportAPI, Body: []byte(body), Status: http.StatusOK, Time: t0},
		// The body of a request answered unread is still recorded.
		{ID: "req_2", Method: http.MethodPost, Path: pathImportQueue, Body: []byte(body), Status: http.StatusUnauthorized, Time: t0.Add(time.Second)},
	}
	if diff := cmp.Diff(want, got, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Header" }, cmp.Ignore())); diff != "" {
		t.Errorf("Requests (-want +got):\n%s", diff)
	}
	if got[0].Header.Get("x-api-key-id") != DefaultAPIKeyID {
		t.Errorf("recorded header x-api-key-id = %q", got[0].Header.Get("x-api-key-id"))
	}

	got[0].Body[0] = 'X' // a copy: the server's record is unchanged
	if s.Requests()[0].Body[0] != '{' {
		t.Error("Requests returned the server's own buffer")
	}
	s.ResetRequests()
	if n := len(s.Requests()); n != 0 {
		t.Errorf("after ResetRequests: %d requests", n)
	}
}

func TestHandlerServesSameState(t *testing.T) {
	s := newTestServer(t)
	other := httptest.NewServer(s.Handler())
	defer other.Close()
	req, _ := http.NewRequest(http.MethodPost, other.URL+pathImportAPI,
		strings.NewReader(`{"source_id": "default", "products": [{"entity_code": "A"}]}`))
	defaultAuth(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	mustProduct(t, s, "A")
}

func TestMalformedBodiesNeverPanic(t *testing.T) {
	s := newTestServer(t, WithRateLimit(0, 0))
	bodies := []string{
		`null`, `0`, `"x"`, `true`, `[]`, `{}`, `{"products": null}`,
		`{"source_id": "default", "products": [null, 1, "x", [], true, {}]}`,
		`{"source_id": "default", "products": [{"entity_code": {"a": 1}, "sku": []}]}`,
		`{"source_id": "default", "products": [{"entity_code": "A", "name": [1, {"x": null}], "media": "x", "images": 3}]}`,
		`{"source_id": "default", "merge_mode": 7, "products": [{}]}`,
		`{"source_id": "default", "products": [{"entity_code": "A", "required_fields": [1, null], "min_score_threshold": "x", "auto_publish_enabled": "yes"}]}`,
		`{"source_id": ["default"], "products": [{}]}`,
		`{"source_id": "default", "batch_metadata": [], "products": [{}]}`,
		`{"source_id": "default", "channel_metadata": "anything", "products": [{"entity_code": "Z"}]}`,
		"\x00\xff", `{"a":`, `{"source_id": "default", "products": [1e999]}`,
	}
	for _, path := range []string{pathImportAPI, pathImportQueue, pathSources} {
		for _, b := range bodies {
			a := send(t, s, http.MethodPost, path, b)
			if a.status >= 500 {
				t.Errorf("POST %s %q: status %d: %s", path, b, a.status, a.raw)
			}
		}
	}
	waitJobs(t, s)
}

// FuzzImport checks that no body makes the direct import fail with a 5xx
// or a non-JSON answer. `go test` runs the seeds; `go test -fuzz` explores.
func FuzzImport(f *testing.F) {
	for _, seed := range []string{
		`{"source_id": "default", "products": [{"entity_code": "A", "name": "x"}]}`,
		`{"source_id": "default", "merge_mode": "partial", "products": [{"sku": "B", "media": [{"type": "video"}]}]}`,
		`{"source_id": "default", "products": [1, null, {"entity_code": ""}]}`,
		`{"source_id": "default"`,
	} {
		f.Add(seed)
	}
	s := NewServer(WithRateLimit(0, 0), WithSource(catalog.Source{ID: "m", FieldMappings: map[string]string{"a": "x.y", "b": "x"},
		LockedFields: []string{"x.y.z", "name"}}))
	defer s.Close()
	h := s.Handler()
	f.Fuzz(func(t *testing.T, body string) {
		for _, src := range []string{"", `"source_id": "m", `} {
			b := body
			if src != "" && strings.HasPrefix(b, "{") {
				b = "{" + src + b[1:]
			}
			req := httptest.NewRequest(http.MethodPost, pathImportAPI, strings.NewReader(b))
			defaultAuth(req)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code >= 500 || rec.Header().Get("Content-Type") != "application/json" {
				t.Fatalf("body %q: status %d, %s", b, rec.Code, rec.Body)
			}
		}
	})
}

func TestClose(t *testing.T) {
	clock := NewFakeClock(t0)
	s := NewServer(WithClock(clock), WithJobDelay(time.Hour))
	send(t, s, http.MethodPost, pathImportQueue, importReq(DefaultSourceID, map[string]any{"entity_code": "A"})).
		wantStatus(t, http.StatusAccepted, "")
	waitTimers(t, clock, 1) // the worker sleeps on the clock
	done := make(chan struct{})
	go func() {
		s.Close()
		s.Close() // twice is fine
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hangs while the worker waits on the clock")
	}
	if err := s.WaitForJobs(context.Background()); err != ErrServerClosed {
		t.Errorf("WaitForJobs after Close = %v, want ErrServerClosed", err)
	}
}

func TestClient(t *testing.T) {
	for _, opts := range [][]Option{nil, {WithBearerToken("t")}, {WithSessionCookie("c"), WithRateLimit(0, 0)}} {
		s := newTestServer(t, opts...)
		if c, err := s.Client(); err != nil || c == nil {
			t.Errorf("Client() = %v, %v", c, err)
		}
	}
}

// Every answer carries X-Request-Id, and the recorded request has the same
// id: success, refusal, unknown path, injected faults, replay.
func TestRequestIDs(t *testing.T) {
	s := newTestServer(t, WithFaults(
		Fault{Kind: FaultHTML, Op: OpQueueStatus, Nth: 1},
		Fault{Kind: FaultTruncatedJSON, Op: OpImportQueue, Nth: 1}))
	body := importReq(DefaultSourceID, map[string]any{"entity_code": "A"})
	withKey := func(r *http.Request) { defaultAuth(r); r.Header.Set("Idempotency-Key", "k1") }

	var got []string
	got = append(got, send(t, s, http.MethodPost, pathImportAPI, body, withKey).header.Get(HeaderRequestID))
	got = append(got, send(t, s, http.MethodPost, pathImportAPI, body, withKey).header.Get(HeaderRequestID)) // a replay
	got = append(got, send(t, s, http.MethodPost, pathSources, "{}", noAuth).header.Get(HeaderRequestID))
	got = append(got, send(t, s, http.MethodGet, "/api/b2b/pim/nowhere", nil).header.Get(HeaderRequestID))
	for _, path := range []string{pathImportQueue, pathImportQueue} { // the HTML page, then 200
		resp, err := http.DefaultClient.Do(newTestRequest(t, s, http.MethodGet, path, nil))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got = append(got, resp.Header.Get(HeaderRequestID))
	}
	resp, err := http.DefaultClient.Do(newTestRequest(t, s, http.MethodPost, pathImportQueue, body)) // cut short
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Error("FaultTruncatedJSON: the answer was read whole")
	}
	resp.Body.Close()
	got = append(got, resp.Header.Get(HeaderRequestID))

	want := []string{"req_1", "req_2", "req_3", "req_4", "req_5", "req_6", "req_7"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("X-Request-Id of the answers (-want +got):\n%s", diff)
	}
	var recorded []string
	for _, r := range s.Requests() {
		recorded = append(recorded, r.ID)
	}
	if diff := cmp.Diff(want, recorded); diff != "" {
		t.Errorf("Request.ID of the recorded requests (-want +got):\n%s", diff)
	}
	if s.IdempotentReplays() != 1 || s.FaultsFired() != 2 {
		t.Errorf("replays %d, faults fired %d; want 1 and 2", s.IdempotentReplays(), s.FaultsFired())
	}

	// Ids go on after ResetRequests: they are unique for the server's life.
	s.ResetRequests()
	if id := send(t, s, http.MethodGet, pathImportQueue, nil).header.Get(HeaderRequestID); id != "req_8" || s.Requests()[0].ID != "req_8" {
		t.Errorf("after ResetRequests: id %q, recorded %q; want req_8", id, s.Requests()[0].ID)
	}
}
