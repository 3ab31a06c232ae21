package catalog

import (
	"context"
	"time"

	"github.com/pimkit/catalog/internal/clockhook"
)

// Clock is the client's time source: the rate limiter's windows, the waits
// between retries (Retry-After included), the polling of Jobs.Wait and a
// Batcher's MaxDelay all follow it. The default is the system clock.
// catalogtest's Server runs on a Clock too, and its FakeClock implements
// this one, so a single fake clock drives the client and the fake server
// (see WithClock and catalogtest.WithClock).
type Clock interface {
	Now() time.Time
	// After returns a channel that receives once d has passed.
	After(d time.Duration) <-chan time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// sleep waits d on clock, or until ctx ends. Within a call marked with
// clockhook.Enter, a clock that follows the client (catalogtest's) knows
// the goroutine sleeps.
func sleep(ctx context.Context, clock Clock, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	fired, wake := clockhook.After(ctx, clock, d)
	select {
	case <-fired:
		return nil
	case <-ctx.Done():
		if wake != nil {
			wake()
		}
		return ctx.Err()
	}
}
