package catalogtest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pimkit/catalog"
)

func idemKeyHeader(key string) auth { return header(headerIdempotencyKey, key) }

// withKey sends a request with the default credentials and an
// Idempotency-Key.
func withKey(t *testing.T, s *Server, method, path string, body any, key string) answer {
	t.Helper()
	return send(t, s, method, path, body, defaultAuth, idemKeyHeader(key))
}

func wantReplayed(t *testing.T, a answer, want bool) {
	t.Helper()
	if got := a.header.Get(headerReplayed) == "true"; got != want {
		t.Errorf("%s: %q, want replayed %v", headerReplayed, a.header.Get(headerReplayed), want)
	}
}

func TestIdempotentReplay(t *testing.T) {
	for _, tt := range []struct {
		path   string
		status int
	}{{pathImportAPI, http.StatusOK}, {pathImportQueue, http.StatusAccepted}} {
		t.Run(tt.path, func(t *testing.T) {
			s := newTestServer(t)
			first := withKey(t, s, http.MethodPost, tt.path, oneProduct, "k1")
			first.wantStatus(t, tt.status, "")
			wantReplayed(t, first, false)
			again := withKey(t, s, http.MethodPost, tt.path, oneProduct, "k1")
			again.wantStatus(t, tt.status, "")
			wantReplayed(t, again, true)
			if !bytes.Equal(first.raw, again.raw) {
				t.Errorf("replay differs:\n%s\n%s", first.raw, again.raw)
			}
			waitJobs(t, s)
			wantJobs(t, s, 1)
			wantVersions(t, s, "A", 1)
			if n := s.IdempotentReplays(); n != 1 {
				t.Errorf("IdempotentReplays = %d, want 1", n)
			}
			if n := s.importRequestCount(); n != 1 {
				t.Errorf("importRequestCount = %d, want 1 (replays not counted)", n)
			}
			if r := lastRequest(t, s); r.Status != tt.status {
				t.Errorf("replay recorded with status %d", r.Status)
			}
		})
	}
}

func TestIdempotentReplayOfSourceCreation(t *testing.T) {
	s := newTestServer(t)
	src := map[string]any{"source_id": "erp"}
	withKey(t, s, http.MethodPost, pathSources, src, "k").wantStatus(t, http.StatusCreated, "")
	wantReplayed(t, withKey(t, s, http.MethodPost, pathSources, src, "k"), true)
	// Without the key, the second creation is a conflict.
	send(t, s, http.MethodPost, pathSources, src).wantStatus(t, http.StatusConflict, codeConflict)
}

func TestIdempotencyKeyReused(t *testing.T) {
	s := newTestServer(t)
	withKey(t, s, http.MethodPost, pathImportAPI, oneProduct, "k").wantStatus(t, http.StatusOK, "")

	other := importReq(DefaultSourceID, map[string]any{"entity_code": "B"})
	a := withKey(t, s, http.MethodPost, pathImportAPI, other, "k")
	a.wantStatus(t, http.StatusUnprocessableEntity, codeKeyReused)
	wantVersions(t, s, "B", 0)

	// The same body as JSON, spaced differently, is a different body.
	spaced := `{"source_id": "default",   "products": [{"entity_code": "A"}]}`
	withKey(t, s, http.MethodPost, pathImportAPI, spaced, "k").wantStatus(t, http.StatusUnprocessableEntity, codeKeyReused)

	a = withKey(t, s, http.MethodPost, pathImportQueue, oneProduct, "k")
	a.wantStatus(t, http.StatusUnprocessableEntity, codeKeyReused)
	if msg := a.body["error"].(string); !strings.Contains(msg, string(OpImportAPI)) {
		t.Errorf("message %q does not name the first operation", msg)
	}
	wantJobs(t, s, 1)
	wantVersions(t, s, "A", 1)
	if n := s.IdempotentReplays(); n != 0 {
		t.Errorf("IdempotentReplays = %d, want 0", n)
	}
}

func TestIdempotencyFailedAnswerNotStored(t *testing.T) {
	s := newTestServer(t)
	body := importReq("erp", map[string]any{"entity_code": "A"})
	withKey(t, s, http.MethodPost, pathImportAPI, body, "k").wantStatus(t, http.StatusNotFound, catalog.CodeSourceNotFound)
	if err := s.AddSource(catalog.Source{ID: "erp"}); err != nil {
		t.Fatal(err)
	}
	a := withKey(t, s, http.MethodPost, pathImportAPI, body, "k")
	a.wantStatus(t, http.StatusOK, "")
	wantReplayed(t, a, false)
	wantVersions(t, s, "A", 1)

	// A 400 frees the key for any body.
	withKey(t, s, http.MethodPost, pathImportAPI, `{"products": []}`, "k2").wantStatus(t, http.StatusBadRequest, codeValidation)
	withKey(t, s, http.MethodPost, pathImportAPI, oneProduct, "k2").wantStatus(t, http.StatusOK, "")
	wantVersions(t, s, "A", 2)
}

func TestIdempotencyKeyInFlight(t *testing.T) {
	s := newTestServer(t)
	full, _ := io.ReadAll(requestBody(t, oneProduct))
	pr, pw := io.Pipe()
	first := make(chan outcome, 1)
	go func() {
		first <- attempt(t, s, http.MethodPost, pathImportAPI, struct{ io.Reader }{pr}, defaultAuth, idemKeyHeader("k"))
	}()
	if _, err := pw.Write(full[:5]); err != nil {
		t.Fatal(err)
	}
	waitKeyInFlight(t, s, "k")

	a := withKey(t, s, http.MethodPost, pathImportAPI, oneProduct, "k")
	a.wantStatus(t, http.StatusConflict, codeConflict)
	if msg := a.body["error"].(string); !strings.Contains(msg, "still being handled") {
		t.Errorf("409 message %q", msg)
	}

	_, _ = pw.Write(full[5:])
	pw.Close()
	(<-first).wantStatus(t, http.StatusOK)
	wantReplayed(t, withKey(t, s, http.MethodPost, pathImportAPI, oneProduct, "k"), true)
	wantVersions(t, s, "A", 1)
}

// waitKeyInFlight waits until a request with this key is being handled.
func waitKeyInFlight(t *testing.T, s *Server, key string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		inFlight := false
		for id, e := range s.idem {
			inFlight = inFlight || (id.key == key && !e.done)
		}
		s.mu.Unlock()
		if inFlight {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("no request with key %q in flight", key)
}

func TestIdempotencyAfterResetAfterApply(t *testing.T) {
	for _, tt := range []struct {
		op     Operation
		path   string
		status int
	}{{OpImportAPI, pathImportAPI, http.StatusOK}, {OpImportQueue, pathImportQueue, http.StatusAccepted}} {
		t.Run(string(tt.op), func(t *testing.T) {
			s := newTestServer(t, WithFaults(Fault{Kind: FaultResetAfterApply, Op: tt.op, Nth: 1}))
			if o := attempt(t, s, http.MethodPost, tt.path, oneProduct, defaultAuth, idemKeyHeader("k")); o.err == nil {
				t.Fatalf("status %d, want the answer lost", o.resp.StatusCode)
			}
			wantJobs(t, s, 1) // applied

			retry := attempt(t, s, http.MethodPost, tt.path, oneProduct, defaultAuth, idemKeyHeader("k"))
			retry.wantStatus(t, tt.status)
			if retry.resp.Header.Get(headerReplayed) != "true" {
				t.Error("retry not answered as a replay")
			}
			if id := s.Jobs()[0].ID; !strings.Contains(string(retry.body), id) {
				t.Errorf("replay %s does not name job %s", retry.body, id)
			}
			waitJobs(t, s)
			wantJobs(t, s, 1)
			wantVersions(t, s, "A", 1)
		})
	}
}

func TestWithoutIdempotency(t *testing.T) {
	s := newTestServer(t, WithoutIdempotency(), WithFaults(Fault{Kind: FaultResetAfterApply, Nth: 1}))
	if o := attempt(t, s, http.MethodPost, pathImportAPI, oneProduct, defaultAuth, idemKeyHeader("k")); o.err == nil {
		t.Fatalf("status %d, want the answer lost", o.resp.StatusCode)
	}
	a := withKey(t, s, http.MethodPost, pathImportAPI, oneProduct, "k")
	a.wantStatus(t, http.StatusOK, "")
	wantReplayed(t, a, false)
	withKey(t, s, http.MethodPost, pathImportAPI, `{"source_id": "default", "products": [{"sku": "A"}]}`, "k").wantStatus(t, http.StatusOK, "")
	wantVersions(t, s, "A", 3)
	wantJobs(t, s, 3)
	if n := s.IdempotentReplays(); n != 0 {
		t.Errorf("IdempotentReplays = %d, want 0", n)
	}
}

func TestIdempotencyAfterAuthAndBodyLimit(t *testing.T) {
	const limit = 200
	s := newTestServer(t, WithMaxBodyBytes(limit),
		WithAPIKey("ak_import", "sk_import"), WithAPIKey("ak_read", "sk_read", "read"))
	importer, reader := apiKey("ak_import", "sk_import"), apiKey("ak_read", "sk_read")
	send(t, s, http.MethodPost, pathImportAPI, oneProduct, importer, idemKeyHeader("k")).wantStatus(t, http.StatusOK, "")

	// A replay needs valid credentials...
	send(t, s, http.MethodPost, pathImportAPI, oneProduct, noAuth, idemKeyHeader("k")).wantStatus(t, http.StatusUnauthorized, codeUnauthenticated)
	// ...and keys are per credential: this one may not import.
	send(t, s, http.MethodPost, pathImportAPI, oneProduct, reader, idemKeyHeader("k")).wantStatus(t, http.StatusForbidden, codeForbidden)
	// A body past the limit is refused as usual.
	big := `{"source_id": "default", "products": [{"entity_code": "A"}]}` + strings.Repeat(" ", limit)
	send(t, s, http.MethodPost, pathImportAPI, big, importer, idemKeyHeader("k")).wantStatus(t, http.StatusRequestEntityTooLarge, codePayloadTooLarge)
	wantVersions(t, s, "A", 1)
	if n := s.IdempotentReplays(); n != 0 {
		t.Errorf("IdempotentReplays = %d, want 0", n)
	}
}

func TestIdempotencyIgnoredWhereItDoesNotApply(t *testing.T) {
	s := newTestServer(t)
	for range 2 {
		wantReplayed(t, withKey(t, s, http.MethodGet, pathImportQueue, nil, "k"), false)
		wantReplayed(t, withKey(t, s, http.MethodPost, pathImportAPI, oneProduct, ""), false)
	}
	wantVersions(t, s, "A", 2)
	if n := s.IdempotentReplays(); n != 0 {
		t.Errorf("IdempotentReplays = %d, want 0", n)
	}
}

func TestIdempotencyConcurrent(t *testing.T) {
	s := newTestServer(t, WithoutRateLimit())
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := attempt(t, s, http.MethodPost, pathImportAPI, oneProduct, defaultAuth, idemKeyHeader("k"))
			what := "error"
			if o.err == nil {
				what = fmt.Sprint(o.resp.StatusCode, " ", o.resp.Header.Get(headerReplayed))
			}
			mu.Lock()
			seen[what]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if seen["200 "] != 1 || seen["200 true"]+seen["409 "] != 11 {
		t.Errorf("answers %v, want one applied and the rest replays or 409", seen)
	}
	if n := s.IdempotentReplays(); n != seen["200 true"] {
		t.Errorf("IdempotentReplays = %d, want %d", n, seen["200 true"])
	}
	wantVersions(t, s, "A", 1)
}

// TestTransportResendsKeyedRequests shows the caveat in the package
// documentation: on a reused keep-alive connection, Go's transport resends
// a POST with an Idempotency-Key by itself when the connection drops before
// the answer, so the caller sees success. Only deduplication on the server
// keeps the rows from being applied twice.
func TestTransportResendsKeyedRequests(t *testing.T) {
	for _, tt := range []struct {
		name     string
		opts     []Option
		versions int
		replayed string
	}{
		{"deduplicated", nil, 1, "true"},
		{"WithoutIdempotency", []Option{WithoutIdempotency()}, 2, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, append(tt.opts, WithFaults(Fault{Kind: FaultResetAfterApply, Op: OpImportAPI, Nth: 1}))...)
			transport := &http.Transport{}
			defer transport.CloseIdleConnections()
			client := &http.Client{Transport: transport}
			do := func(method, path string, body any) *http.Response {
				req, err := http.NewRequest(method, s.URL+path, requestBody(t, body))
				if err != nil {
					t.Fatal(err)
				}
				defaultAuth(req)
				idemKeyHeader("k")(req)
				resp, err := client.Do(req)
				if err != nil {
					t.Fatalf("%s %s: %v", method, path, err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				return resp
			}
			do(http.MethodGet, pathImportQueue, nil) // opens the connection the import reuses
			resp := do(http.MethodPost, pathImportAPI, oneProduct)
			if resp.StatusCode != http.StatusOK || resp.Header.Get(headerReplayed) != tt.replayed {
				t.Errorf("status %d, %s %q; want 200, %q", resp.StatusCode, headerReplayed, resp.Header.Get(headerReplayed), tt.replayed)
			}
			if n := len(s.Requests()); n != 3 {
				t.Errorf("%d requests recorded, want 3 (the import twice)", n)
			}
			wantVersions(t, s, "A", tt.versions)
		})
	}
}
