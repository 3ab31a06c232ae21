package catalog

import (
	"context"
	"time"
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
// A limiter that counts starts, such as a token bucket, may ignore release
// (golang.org/x/time/rate's adapts in a few lines: Acquire calls its Wait
// and returns a release that does nothing);
// one that counts windows of arrivals at the server holds a slot until a
// window after answeredAt (see WithRateLimit). The times are on the
// client's Clock (WithClock), read just after the answer.
type Limiter interface {
	Acquire(ctx context.Context) (release func(answeredAt time.Time), err error)
}
