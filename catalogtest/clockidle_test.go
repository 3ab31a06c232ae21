package catalogtest

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pimkit/catalog"
)

// clockServer starts a server on a FakeClock at t0 and a client for it.
func clockServer(t *testing.T, opts ...Option) (*FakeClock, *Server, *catalog.Client) {
	t.Helper()
	clock := NewFakeClock(t0)
	s := newTestServer(t, append([]Option{WithClock(clock)}, opts...)...)
	c, err := s.Client()
	if err != nil {
		t.Fatal(err)
	}
	return clock, s, c
}

// TestAdvanceUntilIdleWaitsForAPollingClient: a client polling a job on
// another goroutine (as the code under test may) is a party on the clock:
// AdvanceUntilIdle returns only once its Wait has seen the job end and
// returned, with no lockstep in the test.
func TestAdvanceUntilIdleWaitsForAPollingClient(t *testing.T) {
	clock, s, c := clockServer(t, WithJobDelay(30*time.Second))
	ctx := t.Context()
	q, err := c.Products.Queue(ctx, DefaultSourceID, []catalog.Product{{EntityCode: "A"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var last atomic.Pointer[catalog.Job]
	var returned atomic.Bool
	go func() {
		defer returned.Store(true)
		_, _ = c.Jobs.Wait(ctx, q.JobID, &catalog.WaitOptions{Progress: func(j *catalog.Job) { last.Store(j) }})
	}()
	// The first poll has arrived: the poller is in its call, counted.
	if _, err := s.WaitRequests(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if err := clock.AdvanceUntilIdle(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	if j := last.Load(); j == nil || j.Status != catalog.JobCompleted {
		t.Fatalf("after AdvanceUntilIdle the poller last saw %+v, want the job completed", j)
	}
	if clock.Timers() != 0 {
		t.Errorf("%d timers still waiting", clock.Timers())
	}
	// The job ended 30 s in; the poller saw it at its next poll, no later
	// than 30 s plus one 30 s interval.
	if moved := clock.Now().Sub(t0); moved < 30*time.Second || moved > time.Minute {
		t.Errorf("the clock moved %s, want 30 s to 1 min", moved)
	}
}

// TestAdvanceUntilIdleWaitsForARetry: a 429's Retry-After is slept on the
// clock by a call on another goroutine; AdvanceUntilIdle fires it and
// returns once the retried request is applied and the call returned.
func TestAdvanceUntilIdleWaitsForARetry(t *testing.T) {
	clock, s, c := clockServer(t, WithFaults(Fault{Kind: FaultStatus, Op: OpImportAPI, Nth: 1,
		Status: 429, RetryAfter: 5 * time.Second}))
	ctx := t.Context()
	var returned atomic.Bool
	go func() {
		_, _ = c.Products.Import(ctx, DefaultSourceID, []catalog.Product{{EntityCode: "A"}}, nil)
		returned.Store(true)
	}()
	if _, err := s.WaitRequests(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := clock.AdvanceUntilIdle(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Product("A"); !ok {
		t.Fatal("the retry was not applied when AdvanceUntilIdle returned")
	}
	reqs := s.Requests()
	if len(reqs) != 2 || reqs[1].Time.Sub(reqs[0].Time) != 5*time.Second {
		t.Fatalf("requests %d, want the retry 5 s after the 429", len(reqs))
	}
}

// TestRunWaitsForTheRateLimiter: a call waiting for a slot of the client's
// rate limiter sleeps on the clock; Run moves it to the instant the slot
// frees.
func TestRunWaitsForTheRateLimiter(t *testing.T) {
	clock, s, c := clockServer(t, WithRateLimit(2, time.Minute))
	err := clock.Run(t.Context(), 0, func(ctx context.Context) error {
		for _, code := range []string{"A", "B", "C"} {
			if _, err := c.Products.Import(ctx, DefaultSourceID, []catalog.Product{{EntityCode: code}}, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	reqs := s.Requests()
	if len(reqs) != 3 || reqs[2].Time.Sub(t0) != time.Minute {
		t.Fatalf("%d requests, the third at %v; want it one window after the first", len(reqs), reqs[len(reqs)-1].Time.Sub(t0))
	}
}

// TestRunImportAllQueued: ImportAll's parallel senders each wait for a
// queued job; Run moves the clock for all of them until ImportAll returns.
func TestRunImportAllQueued(t *testing.T) {
	clock, s, c := clockServer(t, WithJobDelay(10*time.Second))
	var rep *catalog.BulkReport
	err := clock.Run(t.Context(), 0, func(ctx context.Context) (err error) {
		products := []catalog.Product{{EntityCode: "A"}, {EntityCode: "B"}, {EntityCode: "C"}}
		rep, err = c.Products.ImportAll(ctx, DefaultSourceID, catalog.FromSlice(products),
			&catalog.BulkOptions{Queued: true, MaxProducts: 1})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Succeeded != 3 || len(rep.JobIDs) != 3 {
		t.Fatalf("succeeded %d in %d jobs, want 3 in 3", rep.Succeeded, len(rep.JobIDs))
	}
	if n := len(s.Products()); n != 3 {
		t.Errorf("%d products stored, want 3", n)
	}
}

// TestRunStopsAtItsLimit: a job that never ends keeps its poller sleeping;
// Run gives up at the limit, cancels the call and says so.
func TestRunStopsAtItsLimit(t *testing.T) {
	clock, s, c := clockServer(t)
	if err := s.ScriptJob(JobOutcome{Nth: 1, Status: catalog.JobProcessing}); err != nil {
		t.Fatal(err)
	}
	err := clock.Run(t.Context(), 10*time.Minute, func(ctx context.Context) error {
		q, err := c.Products.Queue(ctx, DefaultSourceID, []catalog.Product{{EntityCode: "A"}}, nil)
		if err != nil {
			return err
		}
		_, err = c.Jobs.Wait(ctx, q.JobID, nil)
		return err
	})
	if !errors.Is(err, ErrNotIdle) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want ErrNotIdle and the Wait cancelled", err)
	}
	if got := clock.Now().Sub(t0); got != 10*time.Minute {
		t.Errorf("the clock moved %s, want the limit", got)
	}
	if err := clock.AdvanceUntilIdle(t.Context(), time.Second); err != nil {
		t.Errorf("after Run the cancelled poller left a party or timer behind: %v", err)
	}
}

// TestWaitNeverPollsPastMaxInterval: the jitter of the poll delay stays
// under MaxInterval (it used to reach 125% of it).
func TestWaitNeverPollsPastMaxInterval(t *testing.T) {
	for _, tc := range []struct{ min, max time.Duration }{
		{time.Second, time.Second},
		{time.Second, 4 * time.Second},
	} {
		clock, s, c := clockServer(t)
		if err := s.ScriptJob(JobOutcome{Nth: 1, Status: catalog.JobProcessing}); err != nil {
			t.Fatal(err)
		}
		const polls = 30
		err := clock.Run(t.Context(), 0, func(ctx context.Context) error {
			q, err := c.Products.Queue(ctx, DefaultSourceID, []catalog.Product{{EntityCode: "A"}}, nil)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			n := 0
			_, err = c.Jobs.Wait(ctx, q.JobID, &catalog.WaitOptions{MinInterval: tc.min, MaxInterval: tc.max,
				Progress: func(*catalog.Job) {
					if n++; n == polls {
						cancel()
					}
				}})
			return err
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run = %v, want the Wait cancelled after %d polls", err, polls)
		}
		var last time.Time
		for i, r := range s.Requests()[1:] { // after the queue request
			if i > 0 {
				if gap := r.Time.Sub(last); gap > tc.max {
					t.Errorf("Min %s Max %s: poll %d came %s after the one before", tc.min, tc.max, i+1, gap)
				}
			}
			last = r.Time
		}
	}
}
