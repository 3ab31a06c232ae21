package catalog_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

// TestTimeoutBoundsTheExchangeNotTheWaitForASlot: with WithTimeout(10s)
// and the built-in limit of 40 a minute, four callers sending 12 imports
// each send 40, wait a minute (on the fake clock) for slots, and send the
// other 8: every call succeeds. The timeout used to bound the wait too, and
// the limiter refused the 41st request at once, since the timeout's
// deadline came before any slot could free.
func TestTimeoutBoundsTheExchangeNotTheWaitForASlot(t *testing.T) {
	clock := catalogtest.NewFakeClock(time.Now())
	srv := catalogtest.NewServer(catalogtest.WithClock(clock), catalogtest.WithRateLimit(40, time.Minute))
	t.Cleanup(srv.Close)
	c := fakeClient(t, srv, catalog.WithTimeout(10*time.Second), catalog.WithRetries(0, 0, 0))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	const callers, calls = 4, 12
	errs := make(chan error, callers*calls)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range calls {
				p := []catalog.Product{{EntityCode: fmt.Sprintf("P%d-%02d", i, j)}}
				_, err := c.Products.Import(ctx, catalogtest.DefaultSourceID, p, nil)
				errs <- err
			}
		}()
	}
	if _, err := srv.WaitRequests(ctx, 40); err != nil {
		t.Fatal(err)
	}
	// The 41st waits for the first slot to free, a minute after its answer.
	if err := clock.WaitForTimers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a call failed: %v", err)
		}
	}
	reqs := srv.Requests()
	if len(reqs) != callers*calls {
		t.Fatalf("server saw %d requests, want %d", len(reqs), callers*calls)
	}
	for _, q := range reqs {
		if q.Status != 200 {
			t.Fatalf("server answered %d to %s %s", q.Status, q.Method, q.Path)
		}
	}
}
