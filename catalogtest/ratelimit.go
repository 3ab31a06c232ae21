package catalogtest

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// slidingWindow is a sliding-window log: it admits a request at time t when
// fewer than n admitted requests fall in (t-window, t]. Guarded by Server.mu.
type slidingWindow struct {
	n      int
	window time.Duration
	log    []time.Time // admitted times, oldest first
}

func (l *slidingWindow) enabled() bool { return l.n > 0 && l.window > 0 }

// take admits a request at now, or says how long until the oldest admitted
// request leaves the window.
func (l *slidingWindow) take(now time.Time) (ok bool, wait time.Duration) {
	if !l.enabled() {
		return true, 0
	}
	cutoff := now.Add(-l.window)
	i := 0
	for i < len(l.log) && !l.log[i].After(cutoff) {
		i++
	}
	l.log = l.log[i:]
	if len(l.log) < l.n {
		l.log = append(l.log, now)
		return true, 0
	}
	return false, l.log[0].Add(l.window).Sub(now)
}

// retryAfterSeconds rounds d up to whole seconds, at least 1.
func retryAfterSeconds(d time.Duration) int64 {
	secs := int64((d + time.Second - 1) / time.Second)
	return max(secs, 1)
}

func (s *Server) limitRate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		ok, wait := s.rate.take(s.cfg.clock.Now())
		s.mu.Unlock()
		if ok {
			next.ServeHTTP(w, r)
			return
		}
		secs := retryAfterSeconds(wait)
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		writeError(w, http.StatusTooManyRequests, errorBody{Code: codeRateLimited,
			Error:            fmt.Sprintf("rate limit exceeded: at most %d requests per %s", s.rate.n, s.rate.window),
			Hint:             fmt.Sprintf("retry after %d s", secs),
			TechnicalDetails: map[string]any{"retry_after_seconds": secs}})
	})
}
