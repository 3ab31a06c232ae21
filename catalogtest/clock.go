package catalogtest

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Clock is the time source of a Server. The rate limiter, the job worker's
// delay and every timestamp the fake writes read it, so a test that passes a
// [FakeClock] to [WithClock] controls all of them.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// After returns a channel that receives the time once d has passed.
	After(d time.Duration) <-chan time.Time
}

// realClock is the wall clock, the default.
type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// FakeClock is a Clock that moves only when [FakeClock.Advance] is called.
// It is safe for concurrent use.
type FakeClock struct {
	mu      sync.Mutex
	now     time.Time
	timers  []fakeTimer
	changed signal // broadcast whenever a timer is added or fired
}

type fakeTimer struct {
	at time.Time
	ch chan time.Time
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
	c.mu.Lock()
	defer c.mu.Unlock()
	// Buffered so that firing never blocks Advance, even if nobody reads.
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.timers = append(c.timers, fakeTimer{at: c.now.Add(d), ch: ch})
	c.changed.broadcast()
	return ch
}

// Advance moves the clock forward by d and fires, in deadline order, every
// timer that is now due. A negative d is treated as zero: the clock never
// goes back.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.now = c.now.Add(d)
	}
	due := c.takeDueLocked()
	for _, t := range due {
		t.ch <- c.now
	}
	if len(due) > 0 {
		c.changed.broadcast()
	}
}

// takeDueLocked removes and returns the timers due at c.now, earliest first.
func (c *FakeClock) takeDueLocked() []fakeTimer {
	var due, rest []fakeTimer
	for _, t := range c.timers {
		if t.at.After(c.now) {
			rest = append(rest, t)
		} else {
			due = append(due, t)
		}
	}
	c.timers = rest
	slices.SortStableFunc(due, func(a, b fakeTimer) int { return a.at.Compare(b.at) })
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
	for {
		c.mu.Lock()
		count, changed := len(c.timers), c.changed.wait()
		c.mu.Unlock()
		if count >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
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

// broadcast wakes every goroutine waiting on the current channel.
func (s *signal) broadcast() {
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}
