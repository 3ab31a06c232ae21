// Package clockhook lets catalogtest's FakeClock follow the client's
// goroutines: which of them run and which sleep on it. The clock can then
// move time only once every goroutine that time woke has slept again or
// returned, and a test needs no lockstep with the client.
//
// The client marks each call that may sleep on its clock (a request with
// its rate-limit waits and retry waits, a job's polling) with Enter, and
// sleeps through After. Both do nothing unless the clock has a Tracker,
// which only catalogtest's FakeClock has (through For), so the client
// costs nothing more on the system clock or on a user's own clock.
package clockhook

import (
	"context"
	"time"
)

// A Tracker counts the client's goroutines that run on one clock.
type Tracker interface {
	// Add counts n more goroutines running (n < 0: fewer).
	Add(n int)
	// Sleep stops counting the calling goroutine until d has passed on
	// the clock. The channel receives then, and the clock counts the
	// goroutine again from the instant it fires the timer, before the
	// goroutine has run. A goroutine that stops waiting for another reason
	// must call wake, which withdraws the timer and counts the goroutine
	// again unless the timer has fired.
	Sleep(d time.Duration) (fired <-chan time.Time, wake func())
}

// For returns the Tracker of clock, or nil when clock follows no
// goroutines. catalogtest sets it in an init function; it is nil in a
// program that does not link catalogtest.
var For func(clock any) Tracker

type key struct{}

// entered is what ctx carries inside a call marked with Enter.
type entered struct {
	clock   any
	tracker Tracker
}

// Enter marks the calling goroutine as running a call on clock, until
// leave is called. Inside an outer call on the same clock (ctx carries
// it) it adds nothing: the goroutine is counted once.
func Enter(ctx context.Context, clock any) (_ context.Context, leave func()) {
	if e, ok := ctx.Value(key{}).(entered); ok && e.clock == clock {
		return ctx, func() {}
	}
	if For == nil {
		return ctx, func() {}
	}
	t := For(clock)
	if t == nil {
		return ctx, func() {}
	}
	t.Add(1)
	return context.WithValue(ctx, key{}, entered{clock, t}), func() { t.Add(-1) }
}

// Detach returns ctx without the mark of Enter, for a goroutine that the
// call starts: it counts its own calls, while the goroutine that started
// it is suspended with Suspend.
func Detach(ctx context.Context) context.Context {
	if _, ok := ctx.Value(key{}).(entered); !ok {
		return ctx
	}
	return context.WithValue(ctx, key{}, entered{})
}

// Suspend stops counting the calling goroutine while it waits for work it
// handed to other goroutines (which count themselves); resume counts it
// again. Both do nothing outside a call marked with Enter.
func Suspend(ctx context.Context) (resume func()) {
	e, ok := ctx.Value(key{}).(entered)
	if !ok || e.tracker == nil {
		return func() {}
	}
	e.tracker.Add(-1)
	return func() { e.tracker.Add(1) }
}

// After is clock.After(d) for the calling goroutine, which is about to
// wait for the channel: inside a call marked with Enter on clock the
// goroutine stops being counted while it sleeps, and wake is non-nil: it
// must be called when the goroutine stops waiting before the channel
// received. Elsewhere wake is nil.
func After(ctx context.Context, clock interface {
	After(time.Duration) <-chan time.Time
}, d time.Duration) (fired <-chan time.Time, wake func()) {
	// e.clock is only ever a clock with a Tracker (a pointer) or nil, so
	// the comparison cannot panic on a clock of an incomparable type.
	if e, ok := ctx.Value(key{}).(entered); ok && e.tracker != nil && e.clock == any(clock) {
		return e.tracker.Sleep(d)
	}
	return clock.After(d), nil
}

// Carry returns dst carrying the mark of Enter that src carries, if any:
// for a call whose waits end with another context than its requests.
func Carry(dst, src context.Context) context.Context {
	if e, ok := src.Value(key{}).(entered); ok {
		return context.WithValue(dst, key{}, e)
	}
	return dst
}
