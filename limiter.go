package catalog

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/time/rate"

	"github.com/pimkit/catalog/internal/ratelimit"
)

// Limiter decides when each HTTP attempt may start. The client asks it
// before every attempt, retries included, and tells it how the attempt
// ended. Implementations must be safe for concurrent use.
//
// Acquire blocks until an attempt may start, or ctx ends (then it returns
// ctx's error, or an error wrapping it, and no release). On success the
// client calls release exactly once:
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
// window after answeredAt (see NewWindowLimiter). The times are on the
// client's Clock (WithClock), read just after the answer.
type Limiter interface {
	Acquire(ctx context.Context) (release func(answeredAt time.Time), err error)
}

// NewWindowLimiter returns the client's default limiter: at most n attempts
// in any window of length per at the server, exactly. Pass one to several
// clients with WithLimiter to share one quota within a process; for
// several processes, see package redisquota.
//
// It keeps one slot per attempt and holds it until per after the attempt's
// answer arrived. The server counts a request between its sending and its
// answer, so the answer's arrival is an upper bound on when the server
// counted it, whatever the network's delays: a slot frees no earlier than
// per after the server counted its request, and so a server that counts
// arrivals in a sliding window never sees more than n in one. No margin for
// jitter is needed. An attempt waits only while n slots are held: n
// attempts at once start at once, and none is held back that the limit
// allows.
//
// When the context has a deadline before any slot can free, Acquire fails
// at once with an error wrapping context.DeadlineExceeded.
func NewWindowLimiter(n int, per time.Duration) (Limiter, error) {
	if n < 1 || per <= 0 {
		return nil, fmt.Errorf("catalog: NewWindowLimiter(%d, %s): need n >= 1 and a positive window", n, per)
	}
	return ratelimit.New(n, per), nil
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
