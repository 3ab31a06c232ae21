package redisquota

import (
	"context"
	"strconv"
	"time"
)

// UseTestClock makes l read the time from the Redis key clockKey (µs since
// the Unix epoch, which the test sets) instead of Redis's TIME, and measure
// the time since an answer on now: tests against a real redis-server then
// run on a fake clock. clockKey must hash like l's key (same hash tag).
func UseTestClock(l *Limiter, clockKey string, now func() time.Time) {
	l.keys = append(l.keys[:3:3], clockKey)
	l.since = func(t time.Time) time.Duration { return now().Sub(t) }
}

// TryAcquire runs the acquire script once for a new slot: whether it was
// taken, else how long until the first slot frees, and its release.
func TryAcquire(ctx context.Context, l *Limiter) (bool, time.Duration, func(time.Time), error) {
	member := l.opts.Holder + ":" + strconv.FormatUint(l.seq.Add(1), 10)
	ok, wait, err := l.try(ctx, member)
	return ok, wait, l.releaser(member), err
}
