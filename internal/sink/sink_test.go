package sink

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/internal/synth"
)

// rowBodies are import bodies whose strings and nesting could mislead a
// scanner: braces, brackets, quotes and backslashes inside strings, a
// "products" key below the top level, keys that start like it, and a
// products key repeated.
var rowBodies = []string{
	`{"source_id":"s","products":[]}`,
	`{"products":[{"entity_code":"A"}],"source_id":"s"}`,
	`{"source_id":"s","products":[{"entity_code":"A"},{"entity_code":"B"},{"entity_code":"C"}]}`,
	` { "source_id" : "s" , "products" : [ { "a" : 1 } , { } ,{"b":[{},{}]} ] } `,
	`{"source_id":"{[","products":[{"name":"}{][","x":"]"},{"name":"\"{\"","y":"\\"},{"z":"\\\"}{"}]}`,
	`{"source_id":"\\","products":[{"d":"a\\\\\\\"}{\\\\"},{"e":"\u007b\"[{"}]}`,
	`{"source_id":"s","products":[{"products":[{"a":1},{"b":2}],"children":[{"c":[{"d":{}}]}]},{"e":null}]}`,
	`{"productsx":[{"a":1}],"xproducts":[{"a":1}],"products":[{"a":1},{"a":2}]}`,
	`{"source_id":"products","products":[{"a":1}],"batch_metadata":{"products":[{"a":1},{"b":2}]}}`,
	`{"products":[{"a":1},{"a":2},{"a":3}],"products":[{"a":1}]}`,
	`{"products":[1,"{",[{}],{"a":"[{"},null,{"b":"\\\\"}]}`,
	`{"channel_metadata":{"a":[1,{"products":[{}]}]},"products":[{"k":"v\"],\"products\":[{"}]}`,
	`{"products":[{"a":"x\\"},{"a":"\\\\"},{"a":"\\\\\\"}]}`,
}

// wantRows counts the objects in the top-level "products" array with
// encoding/json.
func wantRows(t *testing.T, body []byte) int {
	t.Helper()
	var env map[string]json.RawMessage
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("bad test body %s: %v", body, err)
	}
	var rows []json.RawMessage
	if err := json.Unmarshal(env["products"], &rows); err != nil {
		t.Fatalf("bad products in %s: %v", body, err)
	}
	n := 0
	for _, r := range rows {
		if bytes.HasPrefix(bytes.TrimSpace(r), []byte("{")) {
			n++
		}
	}
	return n
}

// countRows feeds body to a rowCounter in pieces of size piece.
func countRows(t *testing.T, body []byte, piece int) int {
	t.Helper()
	var c rowCounter
	for len(body) > 0 {
		k := min(piece, len(body))
		_, _ = c.Write(body[:k])
		body = body[k:]
	}
	n, err := c.count()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// fullBody is an import body of n synth.Full products, encoded by the SDK.
func fullBody(t testing.TB, n int) []byte {
	body := []byte(`{"source_id":"s","products":[`)
	for i := range n {
		raw, err := synth.Full(i).MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, raw...)
	}
	return append(body, "]}"...)
}

// TestRowCounter compares the counts with encoding/json's on tricky bodies
// and a body of full products, fed whole, in pieces of several sizes, and
// cut in two at every byte.
func TestRowCounter(t *testing.T) {
	bodies := append([]string{string(fullBody(t, 20))}, rowBodies...)
	for i, body := range bodies {
		want := wantRows(t, []byte(body))
		if i == 0 && want != 20 {
			t.Fatalf("full body: encoding/json counts %d rows, want 20", want)
		}
		for _, piece := range []int{len(body), 1, 2, 3, 7, 64, 4096} {
			if got := countRows(t, []byte(body), piece); got != want {
				t.Errorf("body %d in pieces of %d: %d rows, encoding/json counts %d: %.200s", i, piece, got, want, body)
			}
		}
		if len(body) > 1000 {
			continue
		}
		for cut := range len(body) { // every split in two
			var c rowCounter
			_, _ = c.Write([]byte(body[:cut]))
			_, _ = c.Write([]byte(body[cut:]))
			if got, err := c.count(); err != nil || got != want {
				t.Errorf("body %d cut at %d: %d rows (%v), want %d: %s", i, cut, got, err, want, body)
			}
		}
	}
}

// TestRowCounterRandom compares the counts on bodies of random rows whose
// strings are made of the bytes a scanner could misread, fed in random
// pieces, so that both the word-at-a-time and the byte-at-a-time paths
// meet every boundary.
func TestRowCounterRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = `"\\{}[]:,ab \x00é`
	str := func() string {
		b := make([]byte, rng.IntN(20))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	var value func(depth int) any
	value = func(depth int) any {
		switch k := rng.IntN(6); {
		case k == 0 || depth > 3:
			return str()
		case k == 1:
			return rng.IntN(1000)
		case k == 2:
			return nil
		case k == 3:
			a := make([]any, rng.IntN(4))
			for i := range a {
				a[i] = value(depth + 1)
			}
			return a
		default:
			m := map[string]any{}
			for range rng.IntN(5) {
				m[str()] = value(depth + 1)
			}
			return m
		}
	}
	for range 300 {
		rows := make([]any, rng.IntN(30))
		for i := range rows {
			if rng.IntN(10) == 0 {
				rows[i] = value(1) // not always an object
			} else {
				rows[i] = map[string]any{"entity_code": str(), "products": value(1), str(): value(1)}
			}
		}
		body, err := json.Marshal(map[string]any{str(): value(0), "products": rows, "source_id": str()})
		if err != nil {
			t.Fatal(err)
		}
		want := wantRows(t, body)
		var c rowCounter
		for p := body; len(p) > 0; {
			k := min(len(p), 1+rng.IntN(40))
			_, _ = c.Write(p[:k])
			p = p[k:]
		}
		if got, err := c.count(); err != nil || got != want {
			t.Fatalf("%d rows (%v), encoding/json counts %d: %s", got, err, want, body)
		}
	}
}

// TestRowCounterIncomplete checks that a body cut short, or without a
// products array, is an error rather than a count.
func TestRowCounterIncomplete(t *testing.T) {
	for _, body := range []string{``, `{"products":[{"a":1}]`, `{"products":[{"a":"}]}`, `{"source_id":"s"}`, `{"source_id":"products"}`} {
		var c rowCounter
		_, _ = c.Write([]byte(body))
		if n, err := c.count(); err == nil {
			t.Errorf("%s: %d rows, no error", body, n)
		}
	}
}

// TestSinkImport checks that ImportAll against the sink counts every row
// as succeeded, and that the sink answers other requests 404.
func TestSinkImport(t *testing.T) {
	srv := httptest.NewServer(New(0, 0))
	defer srv.Close()
	client, err := catalog.NewClient(srv.URL, catalog.WithAPIKey("id", "secret"), catalog.WithLimiter(nil))
	if err != nil {
		t.Fatal(err)
	}
	const n = 500
	rep, err := client.Products.ImportAll(t.Context(), "src", synth.Seq(n, synth.Full),
		&catalog.BulkOptions{MaxBodyBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Succeeded != n || rep.Requests < 4 {
		t.Fatalf("succeeded %d of %d in %d requests; failed %v, unknown %v", rep.Succeeded, n, rep.Requests, rep.Failed, rep.Unknown)
	}
	for _, path := range []string{"/api/b2b/pim/import/queue", "/api/b2b/pim/jobs/x", "/"} {
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(`{"products":[]}`))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", path, resp.StatusCode)
		}
	}
	resp, err := http.Get(srv.URL + ImportPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET %s: %d, want 404", ImportPath, resp.StatusCode)
	}
}

// TestSinkRateLimit checks that the sink admits at most limit imports in
// any window by arrival time, answers the others 429 with the seconds until
// a place frees, and records every arrival with its status.
func TestSinkRateLimit(t *testing.T) {
	s := New(2, 10*time.Second)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	s.now = func() time.Time { return now }
	post := func(at time.Duration) *httptest.ResponseRecorder {
		now = t0.Add(at)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, ImportPath, strings.NewReader(`{"products":[{}]}`)))
		return rec
	}
	post(0)
	post(4 * time.Second)
	if rec := post(5 * time.Second); rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "5" {
		t.Errorf("third import in the window: %d, Retry-After %q; want 429 and 5", rec.Code, rec.Header().Get("Retry-After"))
	}
	if rec := post(10 * time.Second); rec.Code != http.StatusOK { // the first has left the window
		t.Errorf("import once a place freed: %d, want 200", rec.Code)
	}
	want := []Arrival{{t0, 200}, {t0.Add(4 * time.Second), 200}, {t0.Add(5 * time.Second), 429}, {t0.Add(10 * time.Second), 200}}
	if got := s.Arrivals(); !slices.Equal(got, want) {
		t.Errorf("arrivals %v, want %v", got, want)
	}
}

// BenchmarkRowCounter measures the sink's scan of full products; compare
// its MB/s with the client's in the burst scenario.
func BenchmarkRowCounter(b *testing.B) {
	body := fullBody(b, 1000)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		var c rowCounter
		for p := body; len(p) > 0; p = p[min(len(p), 256<<10):] {
			_, _ = c.Write(p[:min(len(p), 256<<10)])
		}
		if n, err := c.count(); n != 1000 || err != nil {
			b.Fatal(fmt.Sprint(n, err))
		}
	}
}
