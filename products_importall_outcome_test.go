package catalog_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

// newPlainClient returns a client for hs with no rate limit and fast retries.
func newPlainClient(t *testing.T, hs *httptest.Server, opts ...catalog.Option) *catalog.Client {
	t.Helper()
	base := []catalog.Option{catalog.WithAPIKey("ak_test", "sk_test"), catalog.WithLimiter(nil),
		catalog.WithRetries(1, time.Millisecond, 2*time.Millisecond)}
	c, err := catalog.NewClient(hs.URL, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestImportAllStopsOnAnswersThatFailEveryRequest: an answer that every
// request of the import would get stops it at once; a transient failure does
// not. Each failed row unwraps to its request's error.
func TestImportAllStopsOnAnswersThatFailEveryRequest(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   error
		stops  bool
	}{
		{http.StatusUnauthorized, catalog.ErrUnauthorized, true},
		{http.StatusForbidden, catalog.ErrForbidden, true},
		{http.StatusNotFound, catalog.ErrNotFound, true},
		{http.StatusBadRequest, catalog.ErrValidation, true},
		{http.StatusInternalServerError, catalog.ErrServer, false},
		{http.StatusConflict, catalog.ErrConflict, false},
	} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			var mu sync.Mutex
			requests := 0
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				requests++
				mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				fmt.Fprint(w, `{"error":"refused"}`)
			}))
			t.Cleanup(hs.Close)
			input := products(50, func(i int) catalog.Product { return catalog.Product{EntityCode: code(i)} })
			rep, err := newPlainClient(t, hs).Products.ImportAll(context.Background(), "src", catalog.FromSlice(input),
				&catalog.BulkOptions{MaxProducts: 10, Concurrency: 1})
			for i := range rep.Failed {
				if !errors.Is(&rep.Failed[i], tc.want) {
					t.Fatalf("failed row %+v does not unwrap to %v", rep.Failed[i], tc.want)
				}
			}
			if !tc.stops {
				if err != nil || requests != 5 || len(rep.Failed) != 50 {
					t.Fatalf("err %v, %d requests, %d failed: want the import to go on", err, requests, len(rep.Failed))
				}
				return
			}
			if !errors.Is(err, tc.want) || requests != 1 || len(rep.Failed) != 10 {
				t.Fatalf("err %v, %d requests, %d failed: want a stop after the first request", err, requests, len(rep.Failed))
			}
			// The rest were not attempted: read and left, or never read.
			for row := 10; row < len(input); row++ {
				if o := rep.Outcome(row); o != catalog.RowNotAttempted {
					t.Fatalf("row %d is %s, want not attempted", row, o)
				}
			}
		})
	}
}

// TestImportAllCountsRateLimitWaits: the time requests waited for the
// client's rate limiter shows in the progress figures and the report.
func TestImportAllCountsRateLimitWaits(t *testing.T) {
	srv := fakeServer(t)
	c := fakeClient(t, srv, catalog.WithRateLimit(1, time.Minute), catalog.WithLimiterClock(catalog.NewAutoClock(time.Now())))
	input := products(30, func(i int) catalog.Product { return catalog.Product{EntityCode: code(i)} })
	var last catalog.BulkProgress
	rep, err := c.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, catalog.FromSlice(input),
		&catalog.BulkOptions{MaxProducts: 10, Concurrency: 1, Progress: func(p catalog.BulkProgress) { last = p }})
	if err != nil || rep.Succeeded != 30 {
		t.Fatalf("err %v, report %+v", err, rep)
	}
	// Three requests, one slot a minute: the second and third wait a minute each.
	if rep.RateLimitWait != 2*time.Minute || last.RateLimitWait != 2*time.Minute {
		t.Fatalf("rate limit wait: report %v, progress %v; want 2m", rep.RateLimitWait, last.RateLimitWait)
	}
}

// seed003Server answers queued imports with one job each, whose answer the
// test gives: the counters of seed 003 or this project's.
func seed003Server(t *testing.T, job string) *httptest.Server {
	t.Helper()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/api/b2b/pim/import/queue":
			w.WriteHeader(http.StatusAccepted)
			fmt.Fprint(w, `{"success":true,"job_id":"queue_import_1","status":"queued"}`)
		case r.Method == http.MethodGet && r.URL.Path == "/api/b2b/pim/jobs/queue_import_1":
			fmt.Fprintf(w, `{"job":%s}`, job)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(hs.Close)
	return hs
}

// TestImportAllReadsJobsByStatus: a finished job is read by its status
// first, with seed 003's counters as well as the project's; only when
// counters and errors disagree are rows unknown.
func TestImportAllReadsJobsByStatus(t *testing.T) {
	const rowErr = `"import_errors":[{"row":2,"entity_code":"SKU-0002","error":"bad price"}]`
	for _, tc := range []struct {
		name, job                  string
		succeeded, failed, unknown int
	}{
		{"completed, seed 003 counters", `{"job_id":"queue_import_1","status":"completed","total_rows":5,"processed_rows":5,"created_rows":3,"updated_rows":2,"error_rows":0}`, 5, 0, 0},
		{"completed, no row counters", `{"job_id":"queue_import_1","status":"completed","total_rows":5,"processed_rows":5}`, 5, 0, 0},
		{"completed, project counters", `{"job_id":"queue_import_1","status":"completed","total_rows":5,"successful_rows":5,"failed_rows":0}`, 5, 0, 0},
		{"completed_with_errors, seed 003 counters", `{"job_id":"queue_import_1","status":"completed_with_errors","total_rows":5,"created_rows":4,"error_rows":1,` + rowErr + `}`, 4, 1, 0},
		{"completed_with_errors, no row counters", `{"job_id":"queue_import_1","status":"completed_with_errors","total_rows":5,` + rowErr + `}`, 4, 1, 0},
		{"completed_with_errors, errors incomplete", `{"job_id":"queue_import_1","status":"completed_with_errors","total_rows":5,"created_rows":2,"error_rows":3,` + rowErr + `}`, 0, 1, 4},
		{"completed, counters disagree", `{"job_id":"queue_import_1","status":"completed","total_rows":5,"created_rows":3,"error_rows":2}`, 0, 0, 5},
		{"failed, no errors", `{"job_id":"queue_import_1","status":"failed","total_rows":5,"error_rows":5}`, 0, 5, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := seed003Server(t, tc.job)
			input := products(5, func(i int) catalog.Product { return catalog.Product{EntityCode: code(i)} })
			rep, err := newPlainClient(t, hs).Products.ImportAll(context.Background(), "src", catalog.FromSlice(input),
				&catalog.BulkOptions{Queued: true, Wait: &catalog.WaitOptions{MinInterval: time.Millisecond}})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Succeeded != tc.succeeded || len(rep.Failed) != tc.failed || len(rep.Unknown) != tc.unknown {
				t.Fatalf("succeeded %d, failed %d, unknown %d; want %d, %d, %d\n%+v",
					rep.Succeeded, len(rep.Failed), len(rep.Unknown), tc.succeeded, tc.failed, tc.unknown, rep)
			}
			if tc.failed == 1 && rep.Failed[0].Row != 2 {
				t.Fatalf("failed %+v, want row 2", rep.Failed)
			}
		})
	}
}

// gatewayPlatform is a platform written from the seed documents alone,
// behind a gateway: it ignores Idempotency-Key, applies every import it
// receives, and answers every 3rd import with the gateway's HTML 502 page
// after applying it. Queued imports become jobs that finish at once and
// answer with seed 003's counters only.
type gatewayPlatform struct {
	fault bool // the every-3rd 502

	mu      sync.Mutex
	imports int
	applied map[string]int // entity_code -> times applied
	jobs    map[string]int // job id -> rows
}

const nginx502 = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n</body>\r\n</html>\r\n"

func (p *gatewayPlatform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case r.Method == http.MethodPost && (r.URL.Path == "/api/b2b/pim/import/api" || r.URL.Path == "/api/b2b/pim/import/queue"):
		var body struct {
			Products []struct {
				EntityCode string `json:"entity_code"`
			} `json:"products"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, `{"error":"bad json"}`, http.StatusBadRequest)
			return
		}
		for _, prod := range body.Products {
			p.applied[prod.EntityCode]++
		}
		p.imports++
		n := len(body.Products)
		jobID := fmt.Sprintf("job_%d", p.imports)
		p.jobs[jobID] = n
		if p.fault && p.imports%3 == 0 {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprint(w, nginx502)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/queue") {
			w.WriteHeader(http.StatusAccepted)
			fmt.Fprintf(w, `{"success":true,"job_id":%q,"status":"queued","summary":{"products_queued":%d}}`, jobID, n)
			return
		}
		fmt.Fprintf(w, `{"success":true,"job_id":%q,"summary":{"total":%d,"successful":%d,"failed":0},"errors":[]}`, jobID, n, n)
	case r.Method == http.MethodGet && r.URL.Path == "/api/b2b/pim/import/queue":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"queue_stats":null,"pending_jobs":[],"processing_jobs":[]}`) // every job is done at once
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/b2b/pim/jobs/"):
		id := strings.TrimPrefix(r.URL.Path, "/api/b2b/pim/jobs/")
		n, ok := p.jobs[id]
		if !ok {
			http.Error(w, `{"error":"no such job"}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"job":{"job_id":%q,"status":"completed","total_rows":%d,"processed_rows":%d,"created_rows":%d,"updated_rows":0,"error_rows":0}}`, id, n, n, n)
	default:
		http.NotFound(w, r)
	}
}

// TestImportAllBehindAGateway runs the three imports of issue 9's table: a
// row is reported failed only when an answer says it was not applied, and a
// clean queued run against seed 003's counters is fully confirmed.
func TestImportAllBehindAGateway(t *testing.T) {
	for _, tc := range []struct {
		name          string
		queued, fault bool
	}{
		{"direct, every 3rd answered 502 after applying", false, true},
		{"queued, no fault", true, false},
		{"queued, every 3rd answered 502 after applying", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &gatewayPlatform{fault: tc.fault, applied: map[string]int{}, jobs: map[string]int{}}
			hs := httptest.NewServer(p)
			t.Cleanup(hs.Close)
			input := products(60, func(i int) catalog.Product { return catalog.Product{EntityCode: code(i)} })
			rep, err := newPlainClient(t, hs).Products.ImportAll(context.Background(), "src", catalog.FromSlice(input),
				&catalog.BulkOptions{Queued: tc.queued, MaxProducts: 10, Wait: &catalog.WaitOptions{MinInterval: time.Millisecond}})
			if err != nil {
				t.Fatal(err)
			}
			p.mu.Lock()
			defer p.mu.Unlock()
			applied := len(p.applied)
			if p.imports != 6 || applied != 60 {
				t.Fatalf("the server got %d imports and applied %d rows, want 6 and 60", p.imports, applied)
			}
			if !(rep.Succeeded <= applied && applied <= rep.Succeeded+len(rep.Unknown)) {
				t.Fatalf("imported %d, applied %d, unknown %d: want imported <= applied <= imported + unknown",
					rep.Succeeded, applied, len(rep.Unknown))
			}
			for _, f := range rep.Failed {
				if p.applied[input[f.Row].EntityCode] > 0 {
					t.Errorf("row %d reported failed but applied: %s", f.Row, f.Reason)
				}
			}
			for i := range rep.Unknown {
				if !errors.Is(&rep.Unknown[i], catalog.ErrOutcomeUnknown) || !errors.Is(&rep.Unknown[i], catalog.ErrServer) {
					t.Fatalf("unknown row %+v does not unwrap to the gateway's unknown outcome", rep.Unknown[i])
				}
			}
			wantUnknown := 0
			if tc.fault {
				wantUnknown = 20
			}
			if len(rep.Unknown) != wantUnknown || rep.Succeeded != 60-wantUnknown || len(rep.Failed) != 0 {
				t.Fatalf("succeeded %d, failed %d, unknown %d; want %d, 0, %d",
					rep.Succeeded, len(rep.Failed), len(rep.Unknown), 60-wantUnknown, wantUnknown)
			}
		})
	}
}

// TestResendRefusedIsNotMaybeTwice: with ResendUnknown, a re-send that the
// platform clearly refuses was not applied, so the rows were applied at most
// once: unknown, but not maybe twice. A re-send whose outcome is unknown too
// may have doubled them.
func TestResendRefusedIsNotMaybeTwice(t *testing.T) {
	for _, tc := range []struct {
		name       string
		status     int
		body       string
		maybeTwice bool
	}{
		{"re-send refused", http.StatusConflict, `{"error":"already importing"}`, false},
		{"re-send behind the gateway again", http.StatusBadGateway, nginx502, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			calls := 0
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				calls++
				first := calls == 1
				mu.Unlock()
				if first {
					w.WriteHeader(http.StatusBadGateway)
					fmt.Fprint(w, nginx502)
					return
				}
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.body)
			}))
			t.Cleanup(hs.Close)
			input := products(5, func(i int) catalog.Product { return catalog.Product{EntityCode: code(i)} })
			rep, err := newPlainClient(t, hs).Products.ImportAll(context.Background(), "src", catalog.FromSlice(input),
				&catalog.BulkOptions{ResendUnknown: true})
			if err != nil || calls != 2 || len(rep.Unknown) != 5 {
				t.Fatalf("err %v, %d calls, report %+v: want 2 calls and 5 unknown rows", err, calls, rep)
			}
			if got := len(rep.MaybeTwice) > 0; got != tc.maybeTwice {
				t.Fatalf("maybe twice: %v, want %v", rep.MaybeTwice, tc.maybeTwice)
			}
		})
	}
}
