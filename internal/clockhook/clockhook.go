// Package clockhook lets catalogtest's FakeClock follow the client's
// calls: when each runs and when it sleeps on the clock. The clock can
// then move time only once every call that time woke has slept again or
// returned, and a test needs no lockstep with the client.
//
// The client starts a Party for each call that may sleep on its clock (a
// request with its rate-limit and retry waits, a job's polling) and
// sleeps through After. Start returns nil unless the clock follows calls,
// which only catalogtest's FakeClock does (it embeds Followed), so the client
// costs nothing more on the system clock or on a user's own clock.
//
// A call that makes other calls (Jobs.Wait its polls) hands its party to
// them in its context (With), so that they nest in it; the transport
// reads no context value: a request's party travels on the request.
package clockhook

import (
	"context"
	"time"
)

// A Party is one call followed by a clock: it counts as running from
// its start until it sleeps on the clock, from the instant the clock fires
// its timer until it sleeps again, and not after Leave, nor while a call
// nested in it runs.
type Party interface {
	// Sleep stops counting the party as running until d has passed on the
	// clock: the channel receives then, and the party counts again from
	// the instant the clock fires the timer, before its goroutine runs. A
	// party that stops waiting for another reason calls wake, which
	// withdraws the timer and counts it again unless the timer fired.
	Sleep(d time.Duration) (fired <-chan time.Time, wake func())
	// Suspend stops counting the party while it waits for work it
	// handed to other goroutines; resume counts it again.
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

// Followed, embedded in a clock, makes the clock follow calls: Start joins
// a party on it through the function given to Follow. A clock embeds it
// under an unexported alias, so that the field stays out of its API; the
// method Start looks for is unexported, so only this package calls it.
type Followed struct{ join func() Party }

// Follow returns the Followed of a clock whose parties join returns.
func Follow(join func() Party) Followed { return Followed{join} }

func (f Followed) joinParty() Party {
	if f.join == nil {
		return nil
	}
	return f.join()
}

// follower is a clock that embeds Followed.
type follower interface{ joinParty() Party }

type key struct{}

// entered is what ctx carries inside a call: its clock and party.
type entered struct {
	clock any // only ever a clock that follows calls (a pointer), or nil
	party Party
}

// Start starts the party of a call on clock, running: nested in the call
// ctx carries on the same clock, if any. It returns nil when clock follows
// no calls. End it with End when the call returns.
func Start(ctx context.Context, clock any) Party {
	// e.clock is a pointer or nil, so the comparison cannot panic on a
	// clock of an incomparable type.
	if e, ok := ctx.Value(key{}).(entered); ok && e.party != nil && e.clock == clock {
		return e.party.Enter()
	}
	if f, ok := clock.(follower); ok {
		return f.joinParty()
	}
	return nil
}

// End ends a party Start returned; nil does nothing.
func End(p Party) {
	if p != nil {
		p.Leave()
	}
}

// With returns ctx carrying p, a party on clock, so that the calls made
// with it nest in p. A nil p gives ctx.
func With(ctx context.Context, clock any, p Party) context.Context {
	if p == nil {
		return ctx
	}
	return context.WithValue(ctx, key{}, entered{clock, p})
}

// Detach returns ctx without the party of With, for goroutines a call
// starts: their calls are parties of their own, while the call that
// started them is suspended with Suspend.
func Detach(ctx context.Context) context.Context {
	if e, ok := ctx.Value(key{}).(entered); !ok || e.party == nil {
		return ctx
	}
	return context.WithValue(ctx, key{}, entered{})
}

// Suspend stops counting the call ctx carries while it waits for work it
// handed to other goroutines; resume counts it again. Both do nothing
// outside such a call.
func Suspend(ctx context.Context) (resume func()) {
	if e, ok := ctx.Value(key{}).(entered); ok && e.party != nil {
		return e.party.Suspend()
	}
	return func() {}
}

// After is clock.After(d) for the goroutine of party p, about to wait for
// the channel: p stops being counted while it sleeps, and wake is non-nil:
// it must be called when the goroutine stops waiting before the channel
// received. With a nil p it is clock.After(d), and wake is nil.
func After(p Party, clock interface {
	After(time.Duration) <-chan time.Time
}, d time.Duration) (fired <-chan time.Time, wake func()) {
	if p == nil {
		return clock.After(d), nil
	}
	return p.Sleep(d)
}
