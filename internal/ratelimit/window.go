package ratelimit

import (
	"fmt"
	"time"
)

// Window is the platform's side of the rate limit, for the fake server and
// the benchmark sink: a sliding-window log that admits a request arriving
// at t when fewer than N admitted requests arrived in (t-Per, t]. A Window
// with N or Per at 0 admits every request. It is not safe for concurrent
// use; its server guards it with its own lock.
type Window struct {
	N   int
	Per time.Duration
	log []time.Time // admitted arrivals, oldest first
}

// Enabled reports whether the window limits anything.
func (w *Window) Enabled() bool { return w.N > 0 && w.Per > 0 }

// Admit admits a request arriving at now and returns 0, or refuses it and
// returns how long until the oldest admitted request leaves the window.
func (w *Window) Admit(now time.Time) (wait time.Duration) {
	if !w.Enabled() {
		return 0
	}
	cutoff := now.Add(-w.Per)
	i := 0
	for i < len(w.log) && !w.log[i].After(cutoff) {
		i++
	}
	w.log = w.log[i:]
	if len(w.log) < w.N {
		w.log = append(w.log, now)
		return 0
	}
	return w.log[0].Add(w.Per).Sub(now)
}

// Reset forgets every admitted request.
func (w *Window) Reset() { w.log = nil }

// String says the limit as the platform's 429 answer says it.
func (w *Window) String() string { return fmt.Sprintf("%d requests per %s", w.N, w.Per) }

// RetryAfterSeconds is a wait as a Retry-After header says it: in whole
// seconds, rounded up, at least 1.
func RetryAfterSeconds(d time.Duration) int64 {
	return max(int64((d+time.Second-1)/time.Second), 1)
}
