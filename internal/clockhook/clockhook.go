// Package clockhook lets catalogtest's FakeClock follow the client's
// calls: when each runs and when it sleeps on the clock. The clock can
// then move time only once every call that time woke has slept again or
// returned, and a test needs no lockstep with the client.
//
// The client marks each call that may sleep on its clock (a request with
// its rate-limit waits and retry waits, a job's polling) with Enter, and
// sleeps through After. Both do nothing unless the clock follows calls,
// which only catalogtest's FakeClock does (through Join), so the client
// costs nothing more on the system clock or on a user's own clock.
package clockhook

import (
	"context"
	"time"
)

// A Party is one call followed by a clock: it counts as running from
// Join until it sleeps on the clock, from the instant the clock fires its
// timer until it sleeps again, and not after Leave, nor while a call
// nested in it runs.
type Party interface {
	// Sleep stops counting the party as running until d has passed on the
	// clock: the channel receives then, and the party counts again from
	// the instant the clock fires the timer, before its goroutine runs. A
	// party that stops waiting for another reason calls wake, which
	// withdraws the timer and counts it again unless the timer fired.
	Sleep(d time.Duration) (fired <-chan time.Time, wake func())
	// Suspend stops counting the party while it waits for work it
	// handed to other parties; resume counts it again.
	Suspend() (resume func())
	// Enter starts a call nested in this one, running, and suspends this
	// one until the nested call's Leave. A call nested on the same
	// goroutine is the one that runs; one on a goroutine the call started
	// is counted apart, and the call waiting for it is suspended.
	Enter() Party
	// Leave stops counting the party (its call returned) and resumes the
	// call it was nested in, in one step.
	Leave()
}

// Join, set by catalogtest, starts a Party on clock, counted as running,
// or returns nil when clock follows no calls. It is nil in a program that
// does not link catalogtest.
var Join func(clock any) Party

type key struct{}

// entered is what ctx carries inside a call marked with Enter.
type entered struct {
	clock any // only ever a clock Join followed (a pointer), or nil
	party Party
}

func from(ctx context.Context) (entered, bool) {
	e, ok := ctx.Value(key{}).(entered)
	return e, ok && e.party != nil
}

// Enter marks the calling goroutine as running a call on clock until
// leave is called. Inside an outer call on the same clock (ctx carries
// it) the call is nested in the outer one (Party.Enter).
func Enter(ctx context.Context, clock any) (_ context.Context, leave func()) {
	if e, ok := from(ctx); ok && e.clock == clock {
		p := e.party.Enter()
		return context.WithValue(ctx, key{}, entered{clock, p}), p.Leave
	}
	if Join == nil {
		return ctx, func() {}
	}
	p := Join(clock)
	if p == nil {
		return ctx, func() {}
	}
	return context.WithValue(ctx, key{}, entered{clock, p}), p.Leave
}

// Detach returns ctx without the mark of Enter, for a goroutine the call
// starts: its calls are parties of their own, while the goroutine that
// started it is suspended with Suspend.
func Detach(ctx context.Context) context.Context {
	if _, ok := from(ctx); !ok {
		return ctx
	}
	return context.WithValue(ctx, key{}, entered{})
}

// Suspend stops counting the call ctx is in while it waits for work it
// handed to other goroutines; resume counts it again. Both do nothing
// outside a call marked with Enter.
func Suspend(ctx context.Context) (resume func()) {
	if e, ok := from(ctx); ok {
		return e.party.Suspend()
	}
	return func() {}
}

// After is clock.After(d) for the calling goroutine, which is about to
// wait for the channel: inside a call marked with Enter on clock the call
// stops being counted while it sleeps, and wake is non-nil: it must be
// called when the goroutine stops waiting before the channel received.
// Elsewhere wake is nil.
func After(ctx context.Context, clock interface {
	After(time.Duration) <-chan time.Time
}, d time.Duration) (fired <-chan time.Time, wake func()) {
	// e.clock is a pointer or nil, so the comparison cannot panic on a
	// clock of an incomparable type.
	if e, ok := from(ctx); ok && e.clock == any(clock) {
		return e.party.Sleep(d)
	}
	return clock.After(d), nil
}

// Carry returns dst carrying the mark of Enter that src carries, if any:
// for a call whose waits end with another context than its requests.
func Carry(dst, src context.Context) context.Context {
	if e, ok := from(src); ok {
		return context.WithValue(dst, key{}, e)
	}
	return dst
}
