// Package ratelimit paces requests so that no sliding window ever holds more
// than the allowed number of request starts.
//
// A token bucket with burst b and refill rate r admits up to b + r*w events in
// a closed window of length w: a full bucket drains at once, then refills. The
// platform's limit is "n requests in any 60 s", so a bucket with a burst of n
// would let 2n through around a window boundary. This package uses burst 1
// and r = (n-1)/w, which gives b + r*w = n exactly: requests are spaced
// w/(n-1) apart, and the one interval of slack absorbs network jitter between
// the client's send time and the server's arrival time.
package ratelimit

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/time/rate"
)

// Limiter admits at most N request starts in any window of length Per.
// It is safe for concurrent use; one Limiter is shared by every call of a client.
type Limiter struct {
	n     int
	per   time.Duration
	lim   *rate.Limiter
	clock Clock
}

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

// New returns a Limiter for n requests per window. n must be at least 1 and
// per positive.
func New(n int, per time.Duration) *Limiter {
	return NewWithClock(n, per, nil)
}

// NewWithClock is New on the given clock; nil means the wall clock.
func NewWithClock(n int, per time.Duration, clock Clock) *Limiter {
	if clock == nil {
		clock = wallClock{}
	}
	return &Limiter{n: n, per: per, lim: rate.NewLimiter(rate.Every(Interval(n, per)), 1), clock: clock}
}

// Interval is the spacing between two request starts: per/(n-1), or a
// little over per when n is 1 (one request per window).
func Interval(n int, per time.Duration) time.Duration {
	if n <= 1 {
		return per + time.Millisecond
	}
	return per / time.Duration(n-1)
}

// String describes the limit, for logs and errors.
func (l *Limiter) String() string { return fmt.Sprintf("%d requests per %s", l.n, l.per) }

// Wait blocks until one request may start or ctx ends, and returns how long
// it waited for its turn. When ctx has a deadline that comes before the
// request's turn, Wait returns at once with an error wrapping
// context.DeadlineExceeded rather than sleeping in vain.
func (l *Limiter) Wait(ctx context.Context) (time.Duration, error) {
	r, delay, err := l.reserve(ctx)
	if err != nil || delay == 0 {
		return 0, err
	}
	select {
	case <-l.clock.After(delay):
		return delay, nil
	case <-ctx.Done():
		r.CancelAt(l.clock.Now()) // give the unused slot back to the other callers
		return 0, ctx.Err()
	}
}

// reserve takes the next slot and says how long until it comes. A slot that
// cannot be used before ctx's deadline is given back at once.
func (l *Limiter) reserve(ctx context.Context) (*rate.Reservation, time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	now := l.clock.Now()
	r := l.lim.ReserveN(now, 1)
	delay := r.DelayFrom(now)
	if dl, ok := ctx.Deadline(); ok && now.Add(delay).After(dl) {
		r.CancelAt(now)
		return nil, 0, fmt.Errorf("catalog: rate limit (%s) leaves no slot before the deadline: %w", l, context.DeadlineExceeded)
	}
	return r, delay, nil
}
