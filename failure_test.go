package catalog_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pimkit/catalog"
)

// The failure table, in the manner of go-github's testNewRequestAndDoFailure:
// every service method meets every way a call can fail, and each cell
// asserts the sentinel (errors.Is) and typed error (errors.As), what the
// caller is told of the request's effect (applied, not applied, unknown;
// for ImportAll, the Batcher and Sync, each row's outcome), and that no
// credential the server echoes reaches an error, a row's reason or the log.
// The server answers the failure to every request, retries included, so the
// error asserted is the final one; retries wait on an instant clock.
//
//	go test -run TestFailureTable -v .

// Credentials, distinctive so that an echo of any of them is found.
const (
	failAPISecret = "sk_live_FAILTABLE_apisecret_7f3a9c0e"
	failBearer    = "tok_FAILTABLE_bearer_91be2d44"
	failCookie    = "sess_FAILTABLE_cookie_c04e5781"
)

var failCredentials = []struct {
	name, secret string
	opt          catalog.Option
}{
	{"api key", failAPISecret, catalog.WithAPIKey("ak_failtable", failAPISecret)},
	{"bearer", failBearer, catalog.WithBearerToken(failBearer)},
	{"session", failCookie, catalog.WithSessionCookie(failCookie)},
	// Short and word-like credentials: an echo is redacted where it stands
	// as a whole word (the only way it can be told from ordinary text).
	{"short bearer", "t", catalog.WithBearerToken("t")},
	{"word-like api secret", "secret", catalog.WithAPIKey("ak_failtable", "secret")},
	{"word-like session", "secret", catalog.WithSessionCookie("secret")},
}

// leaks reports whether text holds secret: anywhere for a long random
// one, as a whole word (not glued to a letter, digit, '_' or '-') for a
// short or word-like one, which ordinary text holds otherwise ("context
// deadline exceeded" holds "t").
func leaks(text, secret string) bool {
	if len(secret) >= 16 {
		return strings.Contains(text, secret)
	}
	word := func(c byte) bool {
		return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c >= 0x80
	}
	for i := 0; ; i++ {
		j := strings.Index(text[i:], secret)
		if j < 0 {
			return false
		}
		i += j
		end := i + len(secret)
		if (i == 0 || !word(text[i-1])) && (end == len(text) || !word(text[end])) {
			return true
		}
	}
}

// effect is what a failure tells the caller of a request's effect.
type effect int

const (
	notApplied effect = iota + 1 // the server refused it: a write reports its rows failed
	unknown                      // a write may have been applied: ErrOutcomeUnknown, rows unknown
)

// failure is one way a call fails; serve answers every request with it,
// echoing the request's credential (cred) where a careless server would.
type failure struct {
	name  string
	serve func(w http.ResponseWriter, r *http.Request, cred, missing string)
	// is is the one status sentinel every method's error matches (nil:
	// none); status the *APIError's status, 0 when there is no answer to
	// type.
	is     error
	status int
	// writes is the effect on a write; a read's error is never
	// ErrOutcomeUnknown.
	writes effect
}

// errorJSON answers status with the platform's JSON error body.
func errorJSON(status int, header ...string) func(http.ResponseWriter, *http.Request, string, string) {
	return func(w http.ResponseWriter, r *http.Request, cred, _ string) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "req-"+cred)
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":"refused for credential %s","code":"code_%d","details":"sent %s","hint":"%s"}`, cred, status, cred, cred)
	}
}

var failures = []failure{
	{name: "network error", writes: unknown, serve: func(w http.ResponseWriter, r *http.Request, _, _ string) {
		// The whole request arrived; the connection drops before an answer.
		_, _ = io.Copy(io.Discard, r.Body)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}},
	{name: "400", is: catalog.ErrValidation, status: 400, writes: notApplied, serve: errorJSON(400)},
	{name: "401", is: catalog.ErrUnauthorized, status: 401, writes: notApplied, serve: errorJSON(401)},
	{name: "403", is: catalog.ErrForbidden, status: 403, writes: notApplied, serve: errorJSON(403)},
	{name: "404", is: catalog.ErrNotFound, status: 404, writes: notApplied, serve: errorJSON(404)},
	{name: "409", is: catalog.ErrConflict, status: 409, writes: notApplied, serve: errorJSON(409)},
	{name: "429", is: catalog.ErrRateLimited, status: 429, writes: notApplied, serve: errorJSON(429, "Retry-After", "1")},
	{name: "500", is: catalog.ErrServer, status: 500, writes: notApplied, serve: errorJSON(500)},
	{name: "502 HTML page", is: catalog.ErrServer, status: 502, writes: unknown, serve: func(w http.ResponseWriter, r *http.Request, cred, _ string) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintf(w, "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>upstream said: %s</p></body></html>", cred)
	}},
	{name: "503", is: catalog.ErrServer, status: 503, writes: notApplied, serve: errorJSON(503, "Retry-After", "1")},
	{name: "malformed 200", writes: unknown, serve: func(w http.ResponseWriter, r *http.Request, cred, _ string) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"success":true,"message":"%s","job":{"id":"job-%s"`, cred, cred)
	}},
	{name: "200 missing a required field", writes: unknown, serve: func(w http.ResponseWriter, r *http.Request, _, missing string) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, missing)
	}},
}

// statusSentinels are the sentinels of answers: an error matches the one of
// its failure and no other.
var statusSentinels = []error{catalog.ErrValidation, catalog.ErrUnauthorized, catalog.ErrForbidden, catalog.ErrNotFound,
	catalog.ErrConflict, catalog.ErrTooLarge, catalog.ErrRateLimited, catalog.ErrServer, catalog.ErrJobFailed}

// result is what a method's call gave.
type result struct {
	err             error
	rows            []catalog.RowOutcome // report methods: each input row's outcome, in input order
	failed, unknown []catalog.RowError   // report methods: the rows failed, and those unknown
}

// method is one service method, called on two rows where it takes rows.
type method struct {
	name string
	// write: the method may change the server's state, so an answer that
	// may have applied it is reported unknown.
	write bool
	// missing is a 200 answer without the field the method needs;
	// lenient, when set, says why the method rightly accepts it.
	missing, lenient string
	// only, when set, is the HTTP method of the requests that fail; the
	// others are answered with an empty listing page.
	only string
	call func(ctx context.Context, c *catalog.Client) result
}

// failProducts are the rows of every product call.
var failProducts = []catalog.Product{{EntityCode: "FT-1", SKU: "FT-1"}, {EntityCode: "FT-2", SKU: "FT-2"}}

func failCategories() []catalog.Category {
	id1, id2, name := "ft-c1", "ft-c2", catalog.PlainText("Failures")
	return []catalog.Category{{CategoryID: &id1, Name: name}, {CategoryID: &id2, ParentID: &id1, Name: name}}
}

func failPromotions() []catalog.Promotion {
	code, row1, row2 := "FT-PROMO", 1, 2
	return []catalog.Promotion{{PromoCode: &code, PromoRow: &row1}, {PromoCode: &code, PromoRow: &row2}}
}

// firstErr drains a listing and returns its error.
func firstErr[T any](seq func(func(T, error) bool)) result {
	for _, err := range seq {
		if err != nil {
			return result{err: err}
		}
	}
	return result{}
}

// outcomeReport is the report of a call that settles rows.
type outcomeReport interface {
	Outcome(row int) catalog.RowOutcome
}

// reportResult is the result of a call that returned a report of n rows.
func reportResult(err error, n int, r outcomeReport, failed, unknown []catalog.RowError) result {
	rows := make([]catalog.RowOutcome, n)
	for i := range rows {
		rows[i] = r.Outcome(i)
	}
	return result{err: err, rows: rows, failed: failed, unknown: unknown}
}

func failMethods(t *testing.T) []method {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "products.csv")
	if err := os.WriteFile(csvPath, []byte("entity_code,name\nFT-1,one\nFT-2,two\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	csv := func() io.Reader { return strings.NewReader("entity_code,name\nFT-1,one\nFT-2,two\n") }
	wait := &catalog.WaitOptions{MinInterval: time.Millisecond}
	const src = "ft-source"
	okJob := `{"job":{"status":"completed"}}`

	return []method{
		{name: "Products.Import", write: true, missing: `{"success":true,"job_id":"api_import_1"}`,
			call: func(ctx context.Context, c *catalog.Client) result {
				_, err := c.Products.Import(ctx, src, failProducts, nil)
				return result{err: err}
			}},
		{name: "Products.Queue", write: true, missing: `{"success":true,"status":"queued"}`,
			call: func(ctx context.Context, c *catalog.Client) result {
				_, err := c.Products.Queue(ctx, src, failProducts, nil)
				return result{err: err}
			}},
		{name: "Products.ImportAll", write: true, missing: `{"success":true,"job_id":"api_import_1"}`,
			call: func(ctx context.Context, c *catalog.Client) result {
				rep, err := c.Products.ImportAll(ctx, src, catalog.FromSlice(failProducts), nil)
				if rep == nil {
					return result{err: err}
				}
				return reportResult(err, len(failProducts), rep, rep.Failed, rep.Unknown)
			}},
		{name: "Products.List", missing: `{"meta":{"page":1,"per_page":1000,"total":2}}`,
			call: func(ctx context.Context, c *catalog.Client) result {
				return firstErr(c.Products.List(ctx, src))
			}},
		{name: "Products.Remove", write: true, missing: `{"success":true}`,
			call: func(ctx context.Context, c *catalog.Client) result {
				_, err := c.Products.Remove(ctx, src, []string{"FT-1", "FT-2"})
				return result{err: err}
			}},
		{name: "Products.NewBatcher", write: true, missing: `{"success":true,"job_id":"api_import_1"}`,
			call: func(ctx context.Context, c *catalog.Client) result {
				res := result{rows: make([]catalog.RowOutcome, len(failProducts))}
				b, err := c.Products.NewBatcher(src, &catalog.BatcherOptions{MaxProducts: len(failProducts) + 1, OnResult: func(r catalog.BatchResult) {
					res.rows[r.Seq-1] = r.Outcome
					rowErr := catalog.RowError{Row: int(r.Seq - 1), Reason: fmt.Sprint(r.Err), Cause: r.Err}
					switch r.Outcome {
					case catalog.RowFailed:
						res.failed = append(res.failed, rowErr)
					case catalog.RowUnknown:
						res.unknown = append(res.unknown, rowErr)
					}
				}})
				if err != nil {
					return result{err: err}
				}
				for _, p := range failProducts {
					if err := b.Add(ctx, p); err != nil {
						return result{err: err}
					}
				}
				res.err = errors.Join(b.Flush(ctx), b.Close(ctx))
				return res
			}},
		{name: "Categories.Import", write: true, missing: `{"success":true}`,
			call: func(ctx context.Context, c *catalog.Client) result {
				_, err := c.Categories.Import(ctx, failCategories(), nil)
				return result{err: err}
			}},
		{name: "Categories.List", missing: `{"meta":{"page":1,"per_page":1000,"total":2}}`,
			call: func(ctx context.Context, c *catalog.Client) result {
				return firstErr(c.Categories.List(ctx))
			}},
		{name: "Promotions.Import", write: true, missing: `{"success":true}`,
			call: func(ctx context.Context, c *catalog.Client) result {
				_, err := c.Promotions.Import(ctx, failPromotions(), nil)
				return result{err: err}
			}},
		{name: "Imports.Analyze", missing: `{"fileName":"products.csv"}`,
			call: func(ctx context.Context, c *catalog.Client) result {
				_, err := c.Imports.Analyze(ctx, "products.csv", csv())
				return result{err: err}
			}},
		{name: "Imports.Analyze of an *os.File", missing: `{"fileName":"products.csv"}`,
			call: func(ctx context.Context, c *catalog.Client) result {
				f, err := os.Open(csvPath)
				if err != nil {
					return result{err: err}
				}
				defer f.Close()
				_, err = c.Imports.Analyze(ctx, "products.csv", f)
				return result{err: err}
			}},
		{name: "Imports.Upload", write: true, missing: `{"success":true}`,
			call: func(ctx context.Context, c *catalog.Client) result {
				_, err := c.Imports.Upload(ctx, src, "products.csv", csv(), nil)
				return result{err: err}
			}},
		{name: "Imports.Upload of an *os.File", write: true, missing: `{"success":true}`,
			call: func(ctx context.Context, c *catalog.Client) result {
				f, err := os.Open(csvPath)
				if err != nil {
					return result{err: err}
				}
				defer f.Close()
				_, err = c.Imports.Upload(ctx, src, "products.csv", f, nil)
				return result{err: err}
			}},
		{name: "Jobs.Get", missing: okJob,
			call: func(ctx context.Context, c *catalog.Client) result {
				_, err := c.Jobs.Get(ctx, "job-1")
				return result{err: err}
			}},
		{name: "Jobs.Errors", missing: `{"meta":{"page":1,"per_page":100,"total":2}}`,
			call: func(ctx context.Context, c *catalog.Client) result {
				return firstErr(c.Jobs.Errors(ctx, "job-1"))
			}},
		{name: "Jobs.Wait", missing: okJob,
			call: func(ctx context.Context, c *catalog.Client) result {
				_, err := c.Jobs.Wait(ctx, "job-1", wait)
				return result{err: err}
			}},
		{name: "Jobs.QueueStatus", missing: `{}`, lenient: "every field of the queue's status is optional: {} is an empty queue",
			call: func(ctx context.Context, c *catalog.Client) result {
				_, err := c.Jobs.QueueStatus(ctx)
				return result{err: err}
			}},
		{name: "Sources.Create", write: true, missing: `{"success":true}`,
			call: func(ctx context.Context, c *catalog.Client) result {
				_, err := c.Sources.Create(ctx, &catalog.Source{ID: src})
				return result{err: err}
			}},
		// Sync's listings are answered; its imports fail.
		{name: "Client.Sync", write: true, missing: `{"success":true,"job_id":"api_import_1"}`, only: http.MethodPost,
			call: func(ctx context.Context, c *catalog.Client) result {
				return syncResult(c.Sync(ctx, catalog.Feed{SourceID: src, Products: catalog.FromSlice(failProducts)}, fullSync))
			}},
		{name: "Client.Sync entities", write: true, missing: `{"success":true}`, only: http.MethodPost,
			call: func(ctx context.Context, c *catalog.Client) result {
				return syncResult(c.Sync(ctx, catalog.Feed{SourceID: src, Categories: failCategories(), Promotions: failPromotions()}, fullSync))
			}},
	}
}

var fullSync = &catalog.SyncOptions{NoRemovalLimit: true}

// syncResult is every stage's rows, in the order Sync sends them.
func syncResult(rep *catalog.SyncReport, err error) result {
	res := result{err: err}
	if rep == nil {
		return res
	}
	for _, st := range []*catalog.StageReport{&rep.Categories, &rep.Products, &rep.Promotions} {
		r := reportResult(err, st.Read, st, st.Failed, st.Unknown)
		res.rows = append(res.rows, r.rows...)
		res.failed = append(res.failed, r.failed...)
		res.unknown = append(res.unknown, r.unknown...)
	}
	return res
}

func TestFailureTable(t *testing.T) {
	for _, m := range failMethods(t) {
		for _, f := range failures {
			t.Run(m.name+"/"+f.name, func(t *testing.T) {
				for _, cred := range failCredentials {
					checkFailure(t, m, f, cred.name, cred.secret, cred.opt)
				}
			})
		}
	}
}

func checkFailure(t *testing.T, m method, f failure, credName, secret string, credOpt catalog.Option) {
	t.Helper()
	var received atomic.Value // the credential, as the server received it
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received.Store(catalog.ReceivedCredential(r))
		if m.only != "" && r.Method != m.only {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"data":[],"meta":{"page":1,"per_page":1000,"total":0}}`)
			return
		}
		f.serve(w, r, catalog.ReceivedCredential(r), m.missing)
	}))
	defer srv.Close()
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := catalog.NewClient(srv.URL, credOpt, catalog.WithLogger(logger), catalog.WithLimiter(nil),
		catalog.WithClock(catalog.NewAutoClock(time.Now())), catalog.WithRetries(2, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	got := m.call(t.Context(), c)
	where := credName
	if received.Load() != secret {
		t.Fatalf("%s: the server received the credential %q, not %q: nothing to echo", where, received.Load(), secret)
	}

	applied := f.writes
	if !m.write {
		applied = notApplied
	}
	rowsOnly := got.rows != nil && got.err == nil // a report's failures are in its rows
	switch {
	case m.lenient != "" && f.name == "200 missing a required field":
		if got.err != nil {
			t.Errorf("%s: %v; want none: %s", where, got.err, m.lenient)
		}
	case rowsOnly:
	case got.err == nil:
		t.Fatalf("%s: no error", where)
	default:
		for _, s := range statusSentinels {
			if want := s == f.is; errors.Is(got.err, s) != want {
				t.Errorf("%s: errors.Is(err, %v) = %t, want %t; err: %v", where, s, !want, want, got.err)
			}
		}
		if want := applied == unknown; errors.Is(got.err, catalog.ErrOutcomeUnknown) != want {
			t.Errorf("%s: errors.Is(err, ErrOutcomeUnknown) = %t, want %t; err: %v", where, !want, want, got.err)
		}
		checkTyped(t, where, got.err, f, applied)
		if leaks(got.err.Error(), secret) {
			t.Errorf("%s: the secret is in err.Error(): %v", where, got.err)
		}
	}
	if got.rows != nil {
		wantRow := catalog.RowFailed
		if applied == unknown {
			wantRow = catalog.RowUnknown
		}
		want := make([]string, len(got.rows))
		gotRows := make([]string, len(got.rows))
		for i, o := range got.rows {
			want[i], gotRows[i] = wantRow.String(), o.String()
		}
		if diff := cmp.Diff(want, gotRows); diff != "" {
			t.Errorf("%s: row outcomes (-want +got):\n%s", where, diff)
		}
		for _, rowErr := range slices.Concat(got.failed, got.unknown) {
			if leaks(rowErr.Reason, secret) || leaks(rowErr.Error(), secret) {
				t.Errorf("%s: the secret is in row %d's reason: %s", where, rowErr.Row, rowErr.Reason)
			}
			if f.is != nil && !errors.Is(&rowErr, f.is) {
				t.Errorf("%s: row %d: errors.Is(rowErr, %v) = false; row: %v", where, rowErr.Row, f.is, rowErr)
			}
		}
		// A row is unknown exactly when its error says so.
		for _, rowErr := range got.failed {
			if errors.Is(&rowErr, catalog.ErrOutcomeUnknown) {
				t.Errorf("%s: failed row %d matches ErrOutcomeUnknown: %v", where, rowErr.Row, rowErr)
			}
		}
		for _, rowErr := range got.unknown {
			if !errors.Is(&rowErr, catalog.ErrOutcomeUnknown) {
				t.Errorf("%s: unknown row %d: errors.Is(rowErr, ErrOutcomeUnknown) = false; row: %v", where, rowErr.Row, rowErr)
			}
		}
	}
	if leaks(logs.String(), secret) {
		t.Errorf("%s: the secret is in the log:\n%s", where, logs.String())
	}
}

// checkTyped checks the typed error a failure's error unwraps to.
func checkTyped(t *testing.T, where string, err error, f failure, applied effect) {
	t.Helper()
	if applied == unknown {
		var unk *catalog.OutcomeUnknownError
		if !errors.As(err, &unk) {
			t.Errorf("%s: errors.As(err, *OutcomeUnknownError) = false; err: %v", where, err)
		}
	}
	if f.status == 0 {
		return
	}
	var apiErr *catalog.APIError
	if !errors.As(err, &apiErr) {
		t.Errorf("%s: errors.As(err, *APIError) = false; err: %v", where, err)
	} else if apiErr.StatusCode != f.status {
		t.Errorf("%s: APIError.StatusCode = %d, want %d", where, apiErr.StatusCode, f.status)
	}
	if f.status == http.StatusTooManyRequests {
		if apiErr != nil && apiErr.RetryAfter != time.Second {
			t.Errorf("%s: RetryAfter = %s, want 1s", where, apiErr.RetryAfter)
		}
	}
}
