package ratelimit

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// maxInWindow returns the largest number of times that fall in one closed
// window [t, t+per], over every t. Checking windows that start at each event
// is enough: the fullest window can always be slid to start at an event.
func maxInWindow(times []time.Time, per time.Duration) int {
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	most, j := 0, 0
	for i := range times {
		for j < len(times) && !times[j].After(times[i].Add(per)) {
			j++
		}
		most = max(most, j-i)
	}
	return most
}

// TestNoWindowExceedsLimit drives the limiter on a virtual clock with callers
// arriving in bursts, steadily and at random, and checks every sliding window
// of the granted start times.
func TestNoWindowExceedsLimit(t *testing.T) {
	const n, per = 40, time.Minute
	start := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	patterns := map[string]func(i int, r *rand.Rand) time.Duration{
		"all at once":  func(int, *rand.Rand) time.Duration { return 0 },
		"bursts of 40": func(i int, _ *rand.Rand) time.Duration { return time.Duration(i/40) * 61 * time.Second },
		"steady 2/s":   func(i int, _ *rand.Rand) time.Duration { return time.Duration(i) * 500 * time.Millisecond },
		"random":       func(i int, r *rand.Rand) time.Duration { return time.Duration(r.Int64N(int64(10 * time.Minute))) },
	}
	for name, arrival := range patterns {
		t.Run(name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			arrivals := make([]time.Time, 500)
			for i := range arrivals {
				arrivals[i] = start.Add(arrival(i, r))
			}
			slices.SortFunc(arrivals, func(a, b time.Time) int { return a.Compare(b) })

			var now time.Time
			l := newWithClock(n, per, func() time.Time { return now })
			starts := make([]time.Time, 0, len(arrivals))
			for _, a := range arrivals {
				now = a
				_, delay, err := l.reserve(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				starts = append(starts, a.Add(delay))
			}
			if got := maxInWindow(starts, per); got > n {
				t.Fatalf("a %s window holds %d request starts, limit %d", per, got, n)
			}
			// The limit is also used: a long run keeps close to n per window.
			if name == "all at once" {
				span := starts[len(starts)-1].Sub(starts[0])
				perWindow := float64(len(starts)-1) / span.Minutes()
				if perWindow < 0.95*n {
					t.Fatalf("sustained %.1f requests per minute, want at least 95%% of %d", perWindow, n)
				}
			}
		})
	}
}

func TestWaitHonoursDeadline(t *testing.T) {
	l := New(2, time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := l.Wait(ctx); err != nil {
		t.Fatalf("first request: %v", err)
	}
	err := l.Wait(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second request within the hour: got %v, want DeadlineExceeded at once", err)
	}
	// The refused slot was given back: a caller without a deadline is not
	// pushed further out by it.
	now := time.Now()
	_, delay, err := l.reserve(context.Background())
	if err != nil || delay > time.Hour || delay < time.Hour-time.Since(now)-time.Second {
		t.Fatalf("next slot in %v (err %v), want about one hour", delay, err)
	}
}

func TestWaitCancelled(t *testing.T) {
	l := New(2, time.Hour)
	_ = l.Wait(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(10 * time.Millisecond); cancel() }()
	if err := l.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want Canceled", err)
	}
}
