package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)

// maxInWindow returns the largest number of times that fall in one window
// (t-per, t], over every t: the window a server that counts arrivals
// checks. The fullest window can always be slid to end at an event.
func maxInWindow(times []time.Time, per time.Duration) int {
	times = slices.Clone(times)
	slices.SortFunc(times, time.Time.Compare)
	most, j := 0, 0
	for i := range times {
		for !times[j].After(times[i].Add(-per)) {
			j++
		}
		most = max(most, i-j+1)
	}
	return most
}

// simRequest is one request of a simulated import.
type simRequest struct {
	ready    time.Time // when it asks for a slot
	after    int       // it is ready only once request index-after was answered (0: no such rule)
	up, down time.Duration
	process  time.Duration

	start, arrival, answer time.Time
}

// simulate runs requests through l on a virtual clock, one event at a
// time: answers release their slots at their answer time, then waiting
// requests take slots in order. It is deterministic and needs no
// goroutines, so every window of every run can be checked exactly.
func simulate(t *testing.T, l *Limiter, clock *fakeClock, reqs []*simRequest) {
	t.Helper()
	type inflight struct {
		req     *simRequest
		release func(time.Time)
	}
	var queue []*simRequest // ready, waiting for a slot, in order
	var flying []inflight   // started, not answered
	pending := slices.Clone(reqs)
	for len(pending) > 0 || len(queue) > 0 || len(flying) > 0 {
		// The next instant anything happens.
		var next time.Time
		consider := func(x time.Time) {
			if !x.IsZero() && (next.IsZero() || x.Before(next)) {
				next = x
			}
		}
		for _, f := range flying {
			consider(f.req.answer)
		}
		for _, r := range pending {
			consider(readyAt(r, reqs))
		}
		if len(queue) > 0 && len(l.frees) > 0 {
			consider(l.frees[0])
		}
		if next.IsZero() {
			t.Fatalf("simulation stuck: %d queued, %d in flight, %d pending", len(queue), len(flying), len(pending))
		}
		clock.now = next
		// Answers first: a slot released now may serve a request now.
		flying = slices.DeleteFunc(flying, func(f inflight) bool {
			if f.req.answer.Equal(next) {
				f.release(next)
				return true
			}
			return false
		})
		pending = slices.DeleteFunc(pending, func(r *simRequest) bool {
			if at := readyAt(r, reqs); !at.IsZero() && !at.After(next) {
				queue = append(queue, r)
				return true
			}
			return false
		})
		for len(queue) > 0 {
			l.mu.Lock()
			ok := l.takeLocked(next)
			l.mu.Unlock()
			if !ok {
				break
			}
			r := queue[0]
			queue = queue[1:]
			r.start = next
			r.arrival = next.Add(r.up)
			r.answer = r.arrival.Add(r.process + r.down)
			flying = append(flying, inflight{r, l.releaser(next)})
		}
	}
}

// readyAt is when r asks for a slot, or zero while the request it follows
// has not been answered.
func readyAt(r *simRequest, reqs []*simRequest) time.Time {
	if r.after == 0 {
		return r.ready
	}
	i := slices.Index(reqs, r)
	prev := reqs[i-r.after]
	if prev.answer.IsZero() {
		return time.Time{}
	}
	if prev.answer.After(r.ready) {
		return prev.answer
	}
	return r.ready
}

// TestEveryWindowOfSimulatedImports drives the limiter through imports of
// hundreds of requests with random network delays and checks, from the
// recorded times alone:
//   - every window (t-per, t] of server arrivals holds at most n;
//   - no request waited while the limit allowed it: whenever one waited,
//     n slots were held by requests that were unanswered or answered less
//     than per before;
//   - a request that waited started the instant a slot freed.
func TestEveryWindowOfSimulatedImports(t *testing.T) {
	const n, per = 40, time.Minute
	patterns := map[string]func(i int, r *rand.Rand) (ready time.Duration, after int){
		"all at once":   func(int, *rand.Rand) (time.Duration, int) { return 0, 0 },
		"bursts of 40":  func(i int, _ *rand.Rand) (time.Duration, int) { return time.Duration(i/40) * 61 * time.Second, 0 },
		"bursts of 100": func(i int, _ *rand.Rand) (time.Duration, int) { return time.Duration(i/100) * 30 * time.Second, 0 },
		"steady 2/s":    func(i int, _ *rand.Rand) (time.Duration, int) { return time.Duration(i) * 500 * time.Millisecond, 0 },
		"random": func(_ int, r *rand.Rand) (time.Duration, int) {
			return time.Duration(r.Int64N(int64(10 * time.Minute))), 0
		},
		"2 in flight":      func(int, *rand.Rand) (time.Duration, int) { return 0, 2 },
		"50 in flight":     func(int, *rand.Rand) (time.Duration, int) { return 0, 50 },
		"7 in flight late": func(i int, _ *rand.Rand) (time.Duration, int) { return time.Duration(i) * 100 * time.Millisecond, 7 },
	}
	for name, pattern := range patterns {
		for _, slow := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/slow answers %v", name, slow), func(t *testing.T) {
				r := rand.New(rand.NewPCG(13, uint64(len(name))))
				clock := &fakeClock{now: t0}
				l := NewWithClock(n, per, clock)
				reqs := make([]*simRequest, 500)
				for i := range reqs {
					ready, after := pattern(i, r)
					if i < after {
						after = 0
					}
					req := &simRequest{ready: t0.Add(ready), after: after,
						up:      time.Duration(r.Int64N(int64(200 * time.Millisecond))),
						down:    time.Duration(r.Int64N(int64(200 * time.Millisecond))),
						process: time.Duration(r.Int64N(int64(2 * time.Second)))}
					if slow && i%17 == 0 {
						req.process = 90 * time.Second // an answer slower than the window
					}
					reqs[i] = req
				}
				simulate(t, l, clock, reqs)

				arrivals := make([]time.Time, len(reqs))
				for i, req := range reqs {
					arrivals[i] = req.arrival
				}
				if got := maxInWindow(arrivals, per); got > n {
					t.Fatalf("a %s window at the server holds %d arrivals, limit %d", per, got, n)
				}
				for i, req := range reqs {
					ready := readyAt(req, reqs)
					if req.start.Equal(ready) {
						continue
					}
					if busy := heldAt(reqs, ready, per); busy < n {
						t.Fatalf("request %d waited from %s with only %d slots held", i, ready.Sub(t0), busy)
					}
					freed := false
					for _, o := range reqs {
						if o.answer.Add(per).Equal(req.start) {
							freed = true
						}
					}
					if !freed {
						t.Fatalf("request %d started at %s, when no slot freed", i, req.start.Sub(t0))
					}
				}
			})
		}
	}
}

// heldAt counts the requests that hold a slot at time x: started at or
// before x and answered less than per before x (or not at all).
func heldAt(reqs []*simRequest, x time.Time, per time.Duration) int {
	busy := 0
	for _, o := range reqs {
		if !o.start.IsZero() && !o.start.After(x) && o.answer.Add(per).After(x) {
			busy++
		}
	}
	return busy
}

// TestExactBound: with instant answers, request i starts at
// floor(i/n) windows: the true bound, with nothing lost to spacing.
func TestExactBound(t *testing.T) {
	const n, per = 40, time.Minute
	clock := &fakeClock{now: t0}
	l := NewWithClock(n, per, clock)
	reqs := make([]*simRequest, 130)
	for i := range reqs {
		reqs[i] = &simRequest{ready: t0}
	}
	simulate(t, l, clock, reqs)
	for i, r := range reqs {
		if want := t0.Add(time.Duration(i/n) * per); !r.start.Equal(want) {
			t.Fatalf("request %d started at %s, want %s", i, r.start.Sub(t0), want.Sub(t0))
		}
	}
}

// fakeClock moves only when a test moves it. After registers a timer that
// Advance fires.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []fakeTimer
}

type fakeTimer struct {
	at time.Time
	ch chan time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.timers = append(c.timers, fakeTimer{c.now.Add(d), ch})
	return ch
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.timers = slices.DeleteFunc(c.timers, func(t fakeTimer) bool {
		if t.at.After(c.now) {
			return false
		}
		t.ch <- c.now
		return true
	})
}

// eventually waits (in real time, briefly) for cond: goroutines reaching
// their blocking point. What is asserted never depends on how long it took.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// acquireAsync starts Acquire in a goroutine; the channel gets its result.
type result struct {
	release func(time.Time)
	err     error
}

func acquireAsync(ctx context.Context, l *Limiter) <-chan result {
	ch := make(chan result, 1)
	go func() {
		rel, err := l.Acquire(ctx)
		ch <- result{rel, err}
	}()
	return ch
}

// TestBurstGoesAtOnce: n requests at once all start at once, with no time
// passing; the next one waits.
func TestBurstGoesAtOnce(t *testing.T) {
	clock := &fakeClock{now: t0}
	l := NewWithClock(40, time.Minute, clock)
	var wg sync.WaitGroup
	releases := make(chan func(time.Time), 40)
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rel, err := l.Acquire(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			releases <- rel
		}()
	}
	wg.Wait()
	if len(releases) != 40 || !clock.Now().Equal(t0) {
		t.Fatalf("%d of 40 started, clock moved %s", len(releases), clock.Now().Sub(t0))
	}
	next := acquireAsync(context.Background(), l)
	eventually(t, "the 41st to wait", func() bool { return l.Waiting() == 1 })
	// Answers arrive 2 s in; the first slot frees 62 s in, not before.
	clock.Advance(2 * time.Second)
	for range 40 {
		(<-releases)(clock.Now())
	}
	clock.Advance(59*time.Second + 999*time.Millisecond)
	select {
	case r := <-next:
		t.Fatalf("the 41st started %s in, before its slot freed (err %v)", clock.Now().Sub(t0), r.err)
	default:
	}
	clock.Advance(time.Millisecond)
	if r := <-next; r.err != nil {
		t.Fatal(r.err)
	}
}

// TestSlowAnswerDelaysNextWindow: a slot is held until per after its
// answer, so a slow answer pushes back the request that needs its slot.
func TestSlowAnswerDelaysNextWindow(t *testing.T) {
	clock := &fakeClock{now: t0}
	l := NewWithClock(2, time.Minute, clock)
	fast, _ := l.Acquire(context.Background())
	slow, _ := l.Acquire(context.Background())
	clock.Advance(time.Second)
	fast(clock.Now()) // frees at 61 s
	third := acquireAsync(context.Background(), l)
	fourth := acquireAsync(context.Background(), l)
	eventually(t, "two waiters", func() bool { return l.Waiting() == 2 })
	clock.Advance(60 * time.Second) // 61 s: the fast one's slot frees
	var rel func(time.Time)
	select {
	case r := <-third:
		rel = r.release
	case r := <-fourth:
		rel, fourth = r.release, third
	}
	defer rel(time.Time{})
	clock.Advance(30 * time.Second) // 91 s: the slow answer comes now
	select {
	case <-fourth:
		t.Fatal("a slot was free before the slow request was answered")
	default:
	}
	slow(clock.Now()) // frees at 151 s
	eventually(t, "the waiter to sleep again", func() bool { return l.Waiting() == 1 && len(clock.timerList()) > 0 })
	clock.Advance(59 * time.Second)
	select {
	case <-fourth:
		t.Fatal("started before the slow request's slot freed")
	default:
	}
	clock.Advance(time.Second)
	if r := <-fourth; r.err != nil || !clock.Now().Equal(t0.Add(151*time.Second)) {
		t.Fatalf("fourth: %v at %s, want 151s", r.err, clock.Now().Sub(t0))
	}
}

func (c *fakeClock) timerList() []fakeTimer {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.timers)
}

// TestCancelWhileWaiting: a caller whose context ends while it waits takes
// no slot, and the others are not pushed back by it.
func TestCancelWhileWaiting(t *testing.T) {
	clock := &fakeClock{now: t0}
	l := NewWithClock(1, time.Minute, clock)
	first, _ := l.Acquire(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	waiter := acquireAsync(ctx, l)
	eventually(t, "the waiter", func() bool { return l.Waiting() == 1 })
	cancel()
	if r := <-waiter; !errors.Is(r.err, context.Canceled) || r.release != nil {
		t.Fatalf("got %v, want Canceled and no slot", r.err)
	}
	first(clock.Now())
	if got := l.InUse(); got != 1 {
		t.Fatalf("%d slots in use, want 1 (the answered request's)", got)
	}
	clock.Advance(time.Minute)
	if got := l.InUse(); got != 0 {
		t.Fatalf("%d slots in use after the window, want 0", got)
	}
	if rel, err := l.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	} else {
		rel(time.Time{})
	}
}

// TestGiveBack: a slot released with the zero time (the request was never
// sent) is free at once, for a caller already waiting.
func TestGiveBack(t *testing.T) {
	clock := &fakeClock{now: t0}
	l := NewWithClock(1, time.Minute, clock)
	first, _ := l.Acquire(context.Background())
	waiter := acquireAsync(context.Background(), l)
	eventually(t, "the waiter", func() bool { return l.Waiting() == 1 })
	first(time.Time{})
	r := <-waiter
	if r.err != nil || !clock.Now().Equal(t0) {
		t.Fatalf("waiter: %v after %s, want a slot at once", r.err, clock.Now().Sub(t0))
	}
	// Release is once: a second call does not free another slot.
	first(time.Time{})
	if got := l.InUse(); got != 1 {
		t.Fatalf("%d slots in use, want 1", got)
	}
}

// TestDeadlineFailsAtOnce: the deadline is far in the real future, so only
// the limiter's reading of it can refuse the request.
func TestDeadlineFailsAtOnce(t *testing.T) {
	clock := &fakeClock{now: time.Now()}
	start := clock.Now()
	l := NewWithClock(1, time.Hour, clock)
	ctx, cancel := context.WithDeadline(context.Background(), start.Add(50*time.Minute))
	defer cancel()
	first, err := l.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Unanswered: its slot frees an hour after its answer at the soonest.
	if _, err := l.Acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want DeadlineExceeded at once", err)
	}
	clock.Advance(20 * time.Minute)
	first(start) // answered at the start: frees at 60 min, after the deadline
	if _, err := l.Acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want DeadlineExceeded", err)
	}
	if l.InUse() != 1 {
		t.Fatalf("refused callers took slots: %d in use", l.InUse())
	}
}

// TestRealClockCancel runs on the wall clock.
func TestRealClockCancel(t *testing.T) {
	l := New(1, time.Hour)
	rel, _ := l.Acquire(context.Background())
	defer rel(time.Time{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(10 * time.Millisecond); cancel() }()
	if _, err := l.Acquire(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want Canceled", err)
	}
}

// TestReleaseWakesSleepingWaiters: a waiter that sleeps through
// AcquireSleeping is woken (its wake called) by the release that frees a
// slot, before it gets to run, so that a fake clock counts it busy from
// the release; it then takes the slot, and its timer is given up.
func TestReleaseWakesSleepingWaiters(t *testing.T) {
	clock := &fakeClock{now: time.Unix(0, 0)}
	l := NewWithClock(2, time.Minute, clock)
	ctx := context.Background()
	held, _ := l.Acquire(ctx)
	answered, _ := l.Acquire(ctx)
	answered(clock.Now()) // frees in a minute: the waiter sleeps until then

	var mu sync.Mutex
	slept, woken := 0, 0
	sleep := func(d time.Duration) (<-chan time.Time, func()) {
		mu.Lock()
		defer mu.Unlock()
		slept++
		return make(chan time.Time), func() { mu.Lock(); woken++; mu.Unlock() }
	}
	got := make(chan error, 1)
	go func() {
		_, err := l.AcquireSleeping(ctx, sleep)
		got <- err
	}()
	eventually(t, "the waiter to sleep", func() bool { mu.Lock(); defer mu.Unlock(); return slept == 1 })
	held(time.Time{}) // never sent: its slot frees at once
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	// Once by the release, once by the waiter itself after it woke (wake
	// is idempotent for a fake clock's party).
	if woken != 2 {
		t.Errorf("wake called %d times, want 2: by the release, then by the waiter", woken)
	}
	if len(clock.timerList()) != 0 {
		t.Errorf("the limiter's clock has %d timers; the waiter slept through its own sleep", len(clock.timerList()))
	}
}
