package catalog

import (
	"context"
	"time"
)

// Limiter decides when each HTTP attempt may start. The client asks it
// before every attempt, retries included, and tells it how the attempt
// ended. Implementations must be safe for concurrent use.
//
// Acquire blocks until an attempt may start, or ctx (the caller's) ends:
// then it returns ctx's error, or one wrapping it, and no release. The
// attempt's own timeout (WithTimeout) starts once Acquire returns, so a
// limiter may wait as long as the caller allows. On success the client
// calls release exactly once, with the time the attempt's answer arrived
// (its status line and headers), or the time it failed without an answer
// (the server may still have counted it), or the zero time when it never
// left the client (not counted: its slot may be given back). The times are
// on the client's Clock (WithClock).
//
// A limiter that counts starts, such as a token bucket, may ignore release
// (golang.org/x/time/rate's adapts in a few lines); one that counts windows
// of arrivals at the server holds a slot until a window after the answer
// (see WithRateLimit).
type Limiter interface {
	Acquire(ctx context.Context) (release func(answeredAt time.Time), err error)
}
