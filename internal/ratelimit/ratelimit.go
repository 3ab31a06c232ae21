// Package ratelimit keeps request starts within "at most n in any window of
// length per", exactly, against a server that counts requests when they
// arrive.
//
// The limiter holds one slot per request. A slot is taken when the request
// may start and is held until per after the request's answer arrived; a
// request that never left the client gives its slot back at once. A new
// request starts only while fewer than n slots are held.
//
// Why that is safe: the server counts a request at some instant between the
// client sending it and the client receiving its answer, so the answer's
// arrival is an upper bound on the counting instant, whatever the network's
// delays in either direction. A slot therefore frees no earlier than per
// after the server counted its request, and every request that starts
// later arrives later still: the server never sees more than n arrivals in
// any window of length per. No margin for jitter is needed, because no
// assumption about the delays is made.
//
// Why nothing is held back needlessly: a request is delayed only while n
// slots are held, and the client cannot know that any of their requests
// was counted more than per ago. Requests that the limit allows go at once:
// n requests at once start at once.
package ratelimit

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Clock is the limiter's time source. Tests pass a fake one so that
// assertions about time never depend on how busy the machine is.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives once d has passed.
	After(d time.Duration) <-chan time.Time
}

type wallClock struct{}

func (wallClock) Now() time.Time                         { return time.Now() }
func (wallClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Limiter admits at most n request starts in any window of length per,
// holding each slot until per after its request was answered. It is safe
// for concurrent use; one Limiter is shared by every call of a client, or
// by several clients that share a quota within one process.
type Limiter struct {
	n     int
	per   time.Duration
	clock Clock

	mu      sync.Mutex
	held    int           // slots of requests not answered yet
	frees   []time.Time   // slots of answered requests: when each frees, sorted
	changed chan struct{} // closed when a slot is released; nil when nobody waits
	waiting int           // callers blocked in Acquire, for tests
}

// New returns a Limiter for n requests per window, on the wall clock. n
// must be at least 1 and per positive.
func New(n int, per time.Duration) *Limiter {
	return NewWithClock(n, per, nil)
}

// NewWithClock is New on the given clock; nil means the wall clock.
func NewWithClock(n int, per time.Duration, clock Clock) *Limiter {
	if clock == nil {
		clock = wallClock{}
	}
	return &Limiter{n: n, per: per, clock: clock}
}

// String describes the limit, for logs and errors.
func (l *Limiter) String() string { return fmt.Sprintf("%d requests per %s", l.n, l.per) }

// Acquire blocks until a request may start, or ctx ends, and takes a slot
// for it. The caller must call release exactly once: with the time the
// request's answer arrived (or the time it failed, if no answer came), or
// with the zero time when the request was never sent, which gives the slot
// back at once. Times are on the limiter's clock.
//
// When ctx has a deadline before any slot can free, Acquire returns at once
// with an error wrapping context.DeadlineExceeded rather than waiting in
// vain. A slot of a request still waiting for its answer frees no sooner
// than per from now.
func (l *Limiter) Acquire(ctx context.Context) (release func(answeredAt time.Time), err error) {
	// The timer for the first answered slot to free, kept across wake-ups
	// while that slot stays first, so that a waiter has one timer at most.
	var timer <-chan time.Time
	var timerAt time.Time
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		l.mu.Lock()
		now := l.clock.Now()
		if l.takeLocked(now) {
			l.mu.Unlock()
			return l.releaser(now), nil
		}
		var next time.Time // when the first answered slot frees; zero: none is answered
		if len(l.frees) > 0 {
			next = l.frees[0]
		}
		if dl, ok := ctx.Deadline(); ok {
			soonest := now.Add(l.per)
			if !next.IsZero() && next.Before(soonest) {
				soonest = next
			}
			if soonest.After(dl) {
				l.mu.Unlock()
				return nil, fmt.Errorf("catalog: rate limit (%s) leaves no slot before the deadline: %w", l, context.DeadlineExceeded)
			}
		}
		if l.changed == nil {
			l.changed = make(chan struct{})
		}
		changed := l.changed
		l.waiting++
		l.mu.Unlock()

		if !next.Equal(timerAt) {
			timer, timerAt = nil, next
			if !next.IsZero() {
				timer = l.clock.After(next.Sub(now))
			}
		}
		select {
		case <-timer:
			timer, timerAt = nil, time.Time{}
		case <-changed:
		case <-ctx.Done():
		}
		l.mu.Lock()
		l.waiting--
		l.mu.Unlock()
	}
}

// takeLocked drops the slots that have freed by now and takes one if fewer
// than n are held. A slot that frees at t is free at t: the server's window
// at an arrival a holds the requests counted after a-per, and this one was
// counted at or before t-per.
func (l *Limiter) takeLocked(now time.Time) bool {
	i := 0
	for i < len(l.frees) && !l.frees[i].After(now) {
		i++
	}
	l.frees = l.frees[i:]
	if l.held+len(l.frees) >= l.n {
		return false
	}
	l.held++
	return true
}

// releaser returns the release function of a slot taken at start.
func (l *Limiter) releaser(start time.Time) func(time.Time) {
	var once sync.Once
	return func(answeredAt time.Time) {
		once.Do(func() { l.release(start, answeredAt) })
	}
}

func (l *Limiter) release(start, answeredAt time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.held--
	if !answeredAt.IsZero() {
		// An answer cannot come before its request started; a time from
		// another clock is not trusted below that.
		if answeredAt.Before(start) {
			answeredAt = start
		}
		free := answeredAt.Add(l.per)
		i, _ := slices.BinarySearchFunc(l.frees, free, time.Time.Compare)
		l.frees = slices.Insert(l.frees, i, free)
	}
	if l.changed != nil {
		close(l.changed)
		l.changed = nil
	}
}

// Waiting returns the number of callers blocked in Acquire, so that tests
// on a fake clock know when to move it.
func (l *Limiter) Waiting() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.waiting
}

// InUse returns the slots held now: by requests waiting for their answer,
// and by answered ones whose window has not passed.
func (l *Limiter) InUse() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	n := l.held
	for _, f := range l.frees {
		if f.After(now) {
			n++
		}
	}
	return n
}
