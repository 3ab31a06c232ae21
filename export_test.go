package catalog

import "github.com/pimkit/catalog/internal/ratelimit"

// WithLimiterClock runs the client's rate limiter on clock, so that tests
// in package catalog_test (which may use catalogtest.FakeClock) can check
// rate windows without depending on how busy the machine is.
func WithLimiterClock(clock ratelimit.Clock) Option {
	return func(c *config) error {
		c.clock = clock
		return nil
	}
}
