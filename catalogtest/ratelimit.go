package catalogtest

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/pimkit/catalog/internal/ratelimit"
)

// limitRate answers 429 to a request beyond the server's rate limit
// (WithRateLimit), counted by arrival time as the platform counts.
func (s *Server) limitRate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		wait := s.rate.Admit(s.cfg.clock.Now())
		s.mu.Unlock()
		if wait == 0 {
			next.ServeHTTP(w, r)
			return
		}
		secs := ratelimit.RetryAfterSeconds(wait)
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		writeError(w, http.StatusTooManyRequests, errorBody{Code: codeRateLimited,
			Error:            "rate limit exceeded: at most " + s.rate.String(),
			Hint:             fmt.Sprintf("retry after %d s", secs),
			TechnicalDetails: map[string]any{"retry_after_seconds": secs}})
	})
}
