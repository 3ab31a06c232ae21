package catalogtest

import (
	"context"
	"slices"
	"sync"
	"time"
)

// realClock is the wall clock, the default catalog.Clock of a Server.
type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// FakeClock is a catalog.Clock that moves only when [FakeClock.Advance] is called.
// It is safe for concurrent use.
//
// A Server on a FakeClock tells it when its job worker is busy, so that
// Advance returns only once the work the time it released has been done:
// after Advance(d) every queued job that became due within d has been
// applied, and the worker is asleep on the clock or out of jobs.
type FakeClock struct {
	advancing sync.Mutex // one Advance at a time

	mu      sync.Mutex
	now     time.Time
	timers  []*fakeTimer
	changed signal // broadcast whenever a timer is added or fired
	busy    int    // workers busy with work the clock released or was handed
	idle    signal // broadcast when busy drops to 0
}

type fakeTimer struct {
	at    time.Time
	ch    chan time.Time
	task  bool // a worker's sleep: firing it makes the worker busy
	fired bool
}

// NewFakeClock returns a FakeClock that reads start until it is advanced.
func NewFakeClock(start time.Time) *FakeClock {
	return &FakeClock{now: start}
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

// Advance moves the clock forward by d, firing every timer that falls due
// on the way, and returns once the work those timers released is done. It
// moves in steps: to the earliest timer due, where it fires the timers due
// at that instant, waits until the servers' workers are idle or asleep on
// the clock again, and goes on from there, so that a worker that sleeps
// again (WithJobDelay, the next job) sleeps from the instant it woke. It
// first waits for work already handed to a worker (a job just queued), so
// that "queue a job, Advance by the delay" finds the job done. Advance(0)
// does only that. A negative d is treated as zero: the clock never goes
// back.
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
		if due[0].at.After(c.now) {
			c.now = due[0].at
		}
		for _, t := range due {
			t.fired = true
			t.ch <- c.now
			if t.task {
				c.busy++
			}
		}
		c.changed.broadcast()
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
