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

			clock := &stepClock{}
			l := NewWithClock(n, per, clock)
			starts := make([]time.Time, 0, len(arrivals))
			for _, a := range arrivals {
				clock.now = a
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

// stepClock is a clock that moves only when a test sets now, or when
// After is asked to sleep: it records the sleep, moves now past it and fires
// at once. Not safe for concurrent use.
type stepClock struct {
	now    time.Time
	waited []time.Duration
}

func (c *stepClock) Now() time.Time { return c.now }

func (c *stepClock) After(d time.Duration) <-chan time.Time {
	c.waited = append(c.waited, d)
	c.now = c.now.Add(d)
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch
}

// TestWaitHonoursDeadline runs on a fake clock: the deadline is far in the
// real future, so only the limiter's reading of it can refuse the request.
func TestWaitHonoursDeadline(t *testing.T) {
	start := time.Now()
	clock := &stepClock{now: start}
	l := NewWithClock(2, time.Hour, clock)
	ctx, cancel := context.WithDeadline(context.Background(), start.Add(50*time.Minute))
	defer cancel()
	if waited, err := l.Wait(ctx); err != nil || waited != 0 {
		t.Fatalf("first request: waited %v, err %v", waited, err)
	}
	_, err := l.Wait(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || len(clock.waited) != 0 {
		t.Fatalf("second request within the hour: got %v after sleeping %v, want DeadlineExceeded at once", err, clock.waited)
	}
	// The refused slot was given back: a caller without a deadline is not
	// pushed further out by it.
	clock.now = start.Add(time.Minute)
	if _, delay, err := l.reserve(context.Background()); err != nil || delay != 59*time.Minute {
		t.Fatalf("next slot in %v (err %v), want 59m", delay, err)
	}
}

// TestWaitReportsItsWait: Wait returns the time it slept for its slot, so
// that callers can log it and add it up.
func TestWaitReportsItsWait(t *testing.T) {
	clock := &stepClock{now: time.Now()}
	l := NewWithClock(3, time.Minute, clock) // a slot every 30 s
	if waited, err := l.Wait(context.Background()); err != nil || waited != 0 {
		t.Fatalf("first request: waited %v, err %v", waited, err)
	}
	clock.now = clock.now.Add(10 * time.Second)
	waited, err := l.Wait(context.Background())
	if err != nil || waited != 20*time.Second || len(clock.waited) != 1 {
		t.Fatalf("second request: waited %v (slept %v), err %v; want 20s", waited, clock.waited, err)
	}
}

func TestWaitCancelled(t *testing.T) {
	l := New(2, time.Hour)
	_, _ = l.Wait(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(10 * time.Millisecond); cancel() }()
	if _, err := l.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want Canceled", err)
	}
}
