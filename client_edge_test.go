package catalog_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

// TestWithRetriesZeroTurnsRetryingOff checks that 0 retries needs no waits,
// as its doc says, and that a 503 then goes unretried.
func TestWithRetriesZeroTurnsRetryingOff(t *testing.T) {
	srv := importsAnswer(t, http.StatusServiceUnavailable, "1")
	c, err := srv.Client(catalog.WithLimiter(nil), catalog.WithRetries(0, 0, 0))
	if err != nil {
		t.Fatalf("WithRetries(0, 0, 0) refused: %v", err)
	}
	_, err = c.Products.Import(context.Background(), catalogtest.DefaultSourceID, []catalog.Product{{EntityCode: "A"}}, nil)
	if !errors.Is(err, catalog.ErrServer) {
		t.Fatalf("got %v, want the 503", err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests, want 1: no retry", n)
	}
	if _, err := catalog.NewClient(srv.URL, catalog.WithRetries(1, 0, 0)); err == nil {
		t.Error("WithRetries(1, 0, 0) accepted: a retry needs a wait")
	}
}

// TestRateLimitedThenCancelledIsNotApplied: the only answer was a 429, and
// the caller's context ended during the Retry-After wait. The server said
// it applied nothing, so the call is not "outcome unknown": it reports the
// 429 and the cancellation.
func TestRateLimitedThenCancelledIsNotApplied(t *testing.T) {
	srv := importsAnswer(t, http.StatusTooManyRequests, "3600")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The client's only wait is the Retry-After: the clock ends the
	// context as that wait begins, and never fires.
	clock := cancelOnWait{cancel}
	c := fakeClient(t, srv, catalog.WithLimiter(nil), catalog.WithClock(clock))
	_, err := c.Products.Import(ctx, catalogtest.DefaultSourceID, []catalog.Product{{EntityCode: "A"}}, nil)
	if errors.Is(err, catalog.ErrOutcomeUnknown) {
		t.Fatalf("got %v: a 429 applied nothing", err)
	}
	if !errors.Is(err, catalog.ErrRateLimited) || !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want the 429 (the last answer, which applied nothing) and the cancellation", err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// importsAnswer starts a fake platform whose product imports all answer
// status with this Retry-After.
func importsAnswer(t *testing.T, status int, retryAfter string) *catalogtest.Server {
	t.Helper()
	srv := fakeServer(t)
	srv.Stub(catalogtest.Stub{Op: catalogtest.OpImportAPI, Status: status, Header: http.Header{"Retry-After": {retryAfter}}})
	return srv
}

// cancelOnWait is a clock whose waits end a context and never fire.
type cancelOnWait struct{ cancel context.CancelFunc }

func (cancelOnWait) Now() time.Time { return time.Unix(0, 0) }
func (c cancelOnWait) After(time.Duration) <-chan time.Time {
	c.cancel()
	return make(chan time.Time)
}

// TestImportAllDrainIsNotForRetries: once ImportAll's context ends, a
// request already answered (here a 429) is not retried during the drain:
// its rows fail with the 429, which applied nothing, and no second request
// is sent.
func TestImportAllDrainIsNotForRetries(t *testing.T) {
	srv := importsAnswer(t, http.StatusTooManyRequests, "1")
	c := fakeClient(t, srv, catalog.WithLimiter(nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		if _, err := srv.WaitRequests(context.Background(), 1); err == nil {
			cancel()
		}
	}()
	rep, err := c.Products.ImportAll(ctx, catalogtest.DefaultSourceID,
		catalog.FromSlice([]catalog.Product{{EntityCode: "A"}, {EntityCode: "B"}}),
		&catalog.BulkOptions{DrainTimeout: time.Hour})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want the cancellation", err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests, want 1: no retry once the import stopped", n)
	}
	if len(rep.Unknown) != 0 || rep.Succeeded != 0 || len(rep.Failed)+len(rep.NotAttempted) != 2 {
		t.Fatalf("report %+v: want both rows not applied (failed or not attempted), none unknown", rep)
	}
	for _, f := range rep.Failed {
		if !errors.Is(&f, catalog.ErrRateLimited) {
			t.Errorf("row %d failed with %v, want the 429", f.Row, f.Cause)
		}
	}
}
