package catalogtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/pimkit/catalog/internal/clockhook"
)

// followed lets a FakeClock embed clockhook.Followed under an unexported
// field name: a client on a FakeClock (Server.Client, or
// catalog.WithClock) tells it when its calls run and sleep.
type followed = clockhook.Followed

// realClock is the wall clock, the default catalog.Clock of a Server.
type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// FakeClock is a catalog.Clock that moves only when the test moves it, with
// [FakeClock.Advance], [FakeClock.AdvanceUntilIdle] or [FakeClock.Run]. It
// is safe for concurrent use.
//
// The clock follows the parties that sleep on it: a Server's job worker,
// and the calls of every catalog.Client on it ([Server.Client] gives one):
// job polling (Jobs.Wait, and ImportAll's waits for queued jobs), waits
// for the client's rate limiter and waits between retries, Retry-After
// included. A party is busy from the instant the clock fires its timer (or
// from the start of its call) until it sleeps on the clock again or its
// call returns. The clock moves only while no party is busy, so every
// step sees all the work the last one released done: after Advance(d),
// every queued job that became due within d has been applied, and a
// client whose poll fell due has polled and slept again or returned.
//
// A client's goroutines are counted within its calls only: code of the
// test's own between two calls (and ImportAll between its requests) runs
// uncounted, so the clock does not wait for it.
type FakeClock struct {
	followed             // the client's calls join the clock as parties
	advancing sync.Mutex // one Advance at a time

	mu      sync.Mutex
	now     time.Time
	timers  []*fakeTimer
	changed signal // broadcast whenever a timer is added or fired
	busy    int    // parties busy: workers with work, client calls running
	idle    signal // broadcast when busy drops to 0
}

// DefaultIdleLimit is how far [FakeClock.AdvanceUntilIdle] and
// [FakeClock.Run] move the clock at most when given a limit of 0.
const DefaultIdleLimit = 24 * time.Hour

// ErrNotIdle is returned (wrapped) by [FakeClock.AdvanceUntilIdle] and
// [FakeClock.Run] when the clock reached its limit with timers still
// waiting: a party that sleeps again and again, such as a client polling a
// job that never ends.
var ErrNotIdle = errors.New("catalogtest: the fake clock reached its limit with parties still sleeping on it")

type fakeTimer struct {
	at    time.Time
	ch    chan time.Time
	task  bool       // a worker's sleep: firing it makes the worker busy
	party *fakeParty // a client call's sleep: firing it makes the call busy
	fired bool       // fired, or withdrawn by the party that slept on it
}

// NewFakeClock returns a FakeClock that reads start until it is advanced.
func NewFakeClock(start time.Time) *FakeClock {
	c := &FakeClock{now: start}
	c.followed = clockhook.Follow(func() clockhook.Party { return c.join() })
	return c
}

// Now returns the clock's current time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After returns a channel that receives the clock's time once the clock has
// been advanced by at least d. A d of zero or less fires at once.
func (c *FakeClock) After(d time.Duration) <-chan time.Time {
	return c.newTimer(d, false).ch
}

// afterTask is After for a worker's sleep; see cancelTask.
func (c *FakeClock) afterTask(d time.Duration) *fakeTimer { return c.newTimer(d, true) }

func (c *FakeClock) newTimer(d time.Duration, task bool) *fakeTimer {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.newTimerLocked(d, task)
}

func (c *FakeClock) newTimerLocked(d time.Duration, task bool) *fakeTimer {
	// Buffered so that firing never blocks Advance, even if nobody reads.
	t := &fakeTimer{at: c.now.Add(max(d, 0)), ch: make(chan time.Time, 1), task: task}
	if d <= 0 {
		t.fired = true
		t.ch <- c.now
		if task {
			c.busy++
		}
		return t
	}
	c.timers = append(c.timers, t)
	c.changed.broadcast()
	return t
}

// cancelTask withdraws a task timer whose worker stopped waiting for it:
// it never fires, or, if it already has, the busy count it added goes.
func (c *FakeClock) cancelTask(t *fakeTimer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.fired {
		c.addBusyLocked(-1)
		return
	}
	c.timers = slices.DeleteFunc(c.timers, func(o *fakeTimer) bool { return o == t })
	c.changed.broadcast()
}

// addBusy counts a worker that becomes busy (+1) or stops being busy (-1).
func (c *FakeClock) addBusy(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.addBusyLocked(n)
}

func (c *FakeClock) addBusyLocked(n int) {
	c.busy += n
	if c.busy <= 0 {
		c.busy = 0
		c.idle.broadcast()
	}
}

// fakeParty is a client call on the clock (clockhook.Party). It counts
// as busy while it is awake (not asleep on the clock), not suspended by
// calls nested in it, and has not returned. Guarded by the clock's mu.
type fakeParty struct {
	c        *FakeClock
	parent   *fakeParty // the call this one is nested in, suspended by it
	awake    bool
	suspends int // nested calls running, and Suspend calls not resumed
	left     bool
}

// join starts a party, running.
func (c *FakeClock) join() *fakeParty {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := &fakeParty{c: c}
	p.changeLocked(func() { p.awake = true })
	return p
}

func (p *fakeParty) counts() bool { return p.awake && p.suspends == 0 && !p.left }

// changeLocked applies f to p and moves the clock's busy count by the
// change in whether p counts.
func (p *fakeParty) changeLocked(f func()) {
	before := p.counts()
	f()
	switch after := p.counts(); {
	case after && !before:
		p.c.busy++
	case before && !after:
		p.c.addBusyLocked(-1)
	}
}

func (p *fakeParty) Sleep(d time.Duration) (<-chan time.Time, func()) {
	c := p.c
	c.mu.Lock()
	defer c.mu.Unlock()
	// One step under the lock: the timer is waiting when the party stops
	// being busy, so Advance never sees the one without the other.
	t := c.newTimerLocked(d, false)
	if t.fired { // d <= 0
		return t.ch, func() {}
	}
	t.party = p
	p.changeLocked(func() { p.awake = false })
	return t.ch, func() { c.wakeEarly(t) }
}

func (p *fakeParty) Suspend() func() {
	p.c.mu.Lock()
	defer p.c.mu.Unlock()
	p.changeLocked(func() { p.suspends++ })
	return func() {
		p.c.mu.Lock()
		defer p.c.mu.Unlock()
		p.changeLocked(func() { p.suspends-- })
	}
}

func (p *fakeParty) Enter() clockhook.Party {
	p.c.mu.Lock()
	defer p.c.mu.Unlock()
	p.changeLocked(func() { p.suspends++ })
	child := &fakeParty{c: p.c, parent: p}
	child.changeLocked(func() { child.awake = true })
	return child
}

func (p *fakeParty) Leave() {
	p.c.mu.Lock()
	defer p.c.mu.Unlock()
	if p.left {
		return
	}
	// The parent resumes in the same step: on one goroutine, the call
	// that made the nested one runs on at once.
	p.changeLocked(func() { p.left = true })
	if q := p.parent; q != nil {
		q.changeLocked(func() { q.suspends-- })
	}
}

// wakeEarly withdraws the timer of a party that stopped sleeping for
// another reason (its context ended, a rate-limit slot freed), and counts
// the party busy again, unless the timer fired and counted it already.
func (c *FakeClock) wakeEarly(t *fakeTimer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.fired {
		return
	}
	t.fired = true
	c.timers = slices.DeleteFunc(c.timers, func(o *fakeTimer) bool { return o == t })
	t.party.changeLocked(func() { t.party.awake = true })
	c.changed.broadcast()
}

// Advance moves the clock forward by d, firing every timer that falls due
// on the way, and returns once the work those timers released is done. It
// moves in steps: to the earliest timer due, where it fires the timers due
// at that instant, waits until no party is busy (the servers' workers are
// idle or asleep on the clock again, and the client calls on the clock
// asleep again or returned), and goes on from there, so that a party that
// sleeps again (WithJobDelay, the next job, the next poll) sleeps from the
// instant it woke. It first waits for work already handed to a worker (a
// job just queued) and for client calls running, so that "queue a job,
// Advance by the delay" finds the job done. Advance(0) does only that. A
// negative d is treated as zero: the clock never goes back. A client call
// that waits for something only the test will do after Advance returns
// keeps Advance waiting: make such calls with Run, or wait for them first.
func (c *FakeClock) Advance(d time.Duration) {
	c.advancing.Lock()
	defer c.advancing.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	target := c.now.Add(max(d, 0))
	for {
		c.waitIdleLocked()
		due := c.takeDueLocked(target)
		if len(due) == 0 {
			c.now = target
			return
		}
		c.fireLocked(due)
	}
}

// fireLocked moves the clock to the instant of due (timers due at one
// instant) and fires them; each party sleeping on one is busy from now.
func (c *FakeClock) fireLocked(due []*fakeTimer) {
	if due[0].at.After(c.now) {
		c.now = due[0].at
	}
	for _, t := range due {
		t.fired = true
		t.ch <- c.now
		switch {
		case t.task:
			c.busy++
		case t.party != nil:
			p := t.party
			p.changeLocked(func() { p.awake = true })
		}
	}
	c.changed.broadcast()
}

// AdvanceUntilIdle moves the clock forward from timer to timer, as Advance
// does, until no party on it is busy and no timer is waiting: the worker
// has run every queued job and its delays, and every client call on the
// clock has returned or waits for something other than time. The clock
// then reads the instant of the last timer fired.
//
// It moves the clock at most limit (DefaultIdleLimit when limit is 0 or
// less); when timers are still waiting there (a client polling a job that
// never ends), the clock reads the limit and the error matches ErrNotIdle.
// When ctx ends while a party is busy it returns ctx's error.
func (c *FakeClock) AdvanceUntilIdle(ctx context.Context, limit time.Duration) error {
	c.advancing.Lock()
	defer c.advancing.Unlock()
	return c.stepUntil(ctx, limit, nil)
}

// Run calls f on a goroutine of its own, with a context carrying ctx's
// values, and moves the clock from timer to timer while f runs, waiting
// at each step until no party is busy: f counts as one, busy but while a
// client call it makes sleeps on the clock. It returns f's error once f
// has returned. A job's whole life becomes straight-line code:
//
//	err := clock.Run(ctx, 0, func(ctx context.Context) (err error) {
//		job, err = client.Jobs.Wait(ctx, queued.JobID, nil)
//		return err
//	})
//
// The clock moves at most limit (DefaultIdleLimit when limit is 0 or
// less); at the limit f's context is cancelled and, once f has returned,
// Run returns an error matching ErrNotIdle and f's error. When ctx ends
// first, f's context ends with it and Run returns ctx's error once f has
// returned. f must not move the clock itself, and the clients it calls
// must be on this clock ([Server.Client] gives one): a call that waits on
// another clock keeps f busy, and Run waits for it. A panic in f is
// raised again on Run's goroutine.
func (c *FakeClock) Run(ctx context.Context, limit time.Duration, f func(ctx context.Context) error) error {
	c.advancing.Lock()
	defer c.advancing.Unlock()
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p := c.join() // f is busy from now
	fctx = clockhook.With(fctx, c, p)
	leave := p.Leave
	done := make(chan runResult, 1)
	go func() {
		var r runResult
		defer func() {
			r.panicked = recover()
			leave()
			done <- r
		}()
		r.err = f(fctx)
	}()
	err := c.stepUntil(ctx, limit, done)
	var r runResult
	if rr, ok := err.(runReturned); ok {
		r, err = runResult(rr), nil
	} else {
		cancel()
		r = <-done // f's calls end with its context
	}
	if r.panicked != nil {
		panic(r.panicked)
	}
	switch {
	case errors.Is(err, ErrNotIdle):
		return fmt.Errorf("%w: %w", err, r.err)
	case err != nil:
		return err
	}
	return r.err
}

// runResult is how Run's f ended.
type runResult struct {
	err      error
	panicked any
}

// runReturned is stepUntil's way of saying that Run's f returned.
type runReturned runResult

func (runReturned) Error() string { return "catalogtest: Run's function returned" }

// stepUntil is AdvanceUntilIdle, and Run's stepping while f runs (done
// non-nil: it stops when f returns, with a runReturned).
func (c *FakeClock) stepUntil(ctx context.Context, limit time.Duration, done <-chan runResult) error {
	if limit <= 0 {
		limit = DefaultIdleLimit
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	end := c.now.Add(limit)
	for {
		// Wait until no party is busy. With nothing due and f still
		// running, f waits for something other than time: wait for it,
		// or for a party to sleep on the clock.
		for c.busy > 0 || (done != nil && len(c.timers) == 0) {
			wake := c.idle.wait()
			if c.busy == 0 {
				wake = c.changed.wait()
			}
			c.mu.Unlock()
			var r runResult
			var returned, ended bool
			select {
			case <-wake:
			case r = <-done:
				returned = true
			case <-ctx.Done():
				ended = true
			}
			c.mu.Lock()
			switch {
			case returned:
				return runReturned(r)
			case ended:
				return ctx.Err()
			}
		}
		if done != nil {
			select {
			case r := <-done:
				return runReturned(r)
			default:
			}
		}
		due := c.takeDueLocked(end)
		if len(due) == 0 {
			if len(c.timers) == 0 {
				return nil
			}
			c.now = end
			return fmt.Errorf("%w (%s; %d timers still waiting)", ErrNotIdle, limit, len(c.timers))
		}
		c.fireLocked(due)
	}
}

// waitIdleLocked waits, with c.mu released, until no worker is busy.
func (c *FakeClock) waitIdleLocked() {
	for c.busy > 0 {
		idle := c.idle.wait()
		c.mu.Unlock()
		<-idle
		c.mu.Lock()
	}
}

// takeDueLocked removes and returns the timers due at the earliest
// deadline that is not after limit.
func (c *FakeClock) takeDueLocked(limit time.Time) []*fakeTimer {
	var first time.Time
	for _, t := range c.timers {
		if !t.at.After(limit) && (first.IsZero() || t.at.Before(first)) {
			first = t.at
		}
	}
	if first.IsZero() {
		return nil
	}
	var due, rest []*fakeTimer
	for _, t := range c.timers {
		if t.at.After(first) {
			rest = append(rest, t)
		} else {
			due = append(due, t)
		}
	}
	c.timers = rest
	return due
}

// Timers returns the number of timers waiting for the clock to advance.
func (c *FakeClock) Timers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// WaitForTimers blocks until at least n timers are waiting or ctx ends.
// Tests call it before Advance so that a goroutine about to sleep on the
// clock (such as the job worker) is known to be asleep when time moves.
func (c *FakeClock) WaitForTimers(ctx context.Context, n int) error {
	return c.changed.await(ctx, &c.mu, nil, func() bool { return len(c.timers) >= n })
}

// signal lets goroutines wait for "something changed". The owner's mutex
// must be held around wait and broadcast; the zero value is ready to use.
type signal struct {
	ch chan struct{}
}

// wait returns a channel that is closed by the next broadcast.
func (s *signal) wait() <-chan struct{} {
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

// await returns once ready, called with mu held, reports true; between
// checks it waits for the next broadcast. It returns ctx's error when ctx
// ends first, and ErrServerClosed when closed is closed first.
func (s *signal) await(ctx context.Context, mu *sync.Mutex, closed <-chan struct{}, ready func() bool) error {
	for {
		mu.Lock()
		ok, changed := ready(), s.wait()
		mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		case <-closed:
			return ErrServerClosed
		}
	}
}

// broadcast wakes every goroutine waiting on the current channel.
func (s *signal) broadcast() {
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}
