package catalog

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/time/rate"
)

// Limiter decides when each HTTP attempt may start. The client asks it
// before every attempt, retries included, and tells it how the attempt
// ended. Implementations must be safe for concurrent use.
//
// Acquire blocks until an attempt may start, or ctx ends (then it returns
// ctx's error, or an error wrapping it, and no release). ctx is the
// caller's: the attempt's own timeout (WithTimeout) starts only once
// Acquire has returned, so a limiter may wait as long as the caller
// allows, and a slot a minute away is no reason to fail an attempt with a
// 10 s timeout. On success the client calls release exactly once:
//
//   - with the time the attempt's answer arrived (its status line and
//     headers), read just after they did;
//   - with the time the attempt failed, when it got no answer (a timeout, a
//     reset connection): the server may still have counted it;
//   - with the zero time when the attempt never left the client (the dial
//     failed, or the caller's context ended before sending): it was not
//     counted, and its slot may be given back.
//
// A limiter that counts starts, such as a token bucket, may ignore release;
// one that counts windows of arrivals at the server holds a slot until a
// window after answeredAt (see WithRateLimit). The times are on the
// client's Clock (WithClock), read just after the answer.
type Limiter interface {
	Acquire(ctx context.Context) (release func(answeredAt time.Time), err error)
}

// TokenBucket adapts a golang.org/x/time/rate limiter, for a server known to
// limit with a token bucket: each attempt takes one token, waiting for it
// as rate.Limiter.Wait does (and failing at once when the context's
// deadline comes first). Release does nothing: a token taken for an
// attempt that was never sent is not given back, since a bucket cannot
// return a token once its time has come.
func TokenBucket(l *rate.Limiter) Limiter { return tokenBucket{l} }

type tokenBucket struct{ l *rate.Limiter }

func (b tokenBucket) Acquire(ctx context.Context) (func(time.Time), error) {
	if b.l == nil {
		return nil, errors.New("catalog: TokenBucket: nil *rate.Limiter")
	}
	if err := b.l.Wait(ctx); err != nil {
		if _, ok := ctx.Deadline(); ok && ctx.Err() == nil {
			// The wait would outlast the deadline: say so as a context error.
			return nil, fmt.Errorf("catalog: rate limit: %v: %w", err, context.DeadlineExceeded)
		}
		return nil, fmt.Errorf("catalog: rate limit: %w", err)
	}
	return func(time.Time) {}, nil
}
