package catalog

import (
	"context"
	"iter"
	"time"

	"github.com/pimkit/catalog/internal/ratelimit"
)

// Hooks for the external tests and benchmarks (package catalog_test), which
// can import internal/synth: an internal test cannot, as synth imports
// catalog.

// ReceivedCredential is the credential a request carries, whatever its
// kind: what a server that echoes it in its answers would leak.
var ReceivedCredential = received

// JobErrorPages is Jobs.Errors asking for perPage row errors a request.
func JobErrorPages(ctx context.Context, c *Client, jobID string, perPage int) iter.Seq2[RowError, error] {
	return c.Jobs.errorPages(ctx, jobID, perPage)
}

// EncodeRows validates and encodes each product with one row encoder, the
// step Import and ImportAll take for every row, and returns the bytes
// encoded.
func EncodeRows(products []Product) (int, error) {
	enc := newRowEncoder()
	n := 0
	for i := range products {
		raw, rowErr := enc.encode(&products[i], nil)
		if rowErr != nil {
			return n, rowErr
		}
		n += len(raw)
	}
	return n, nil
}

// ValidateRow returns the first fault validation finds in p, or nil.
func ValidateRow(p *Product) error {
	if rowErr := validateProduct(p, nil); rowErr != nil {
		return rowErr
	}
	return nil
}

// EncodeRow returns p as Import and ImportAll send it.
func EncodeRow(p *Product) ([]byte, error) {
	raw, rowErr := newRowEncoder().encode(p, nil)
	if rowErr != nil {
		return nil, rowErr
	}
	return raw, nil
}

// WithLimiterClock runs the client's rate limiter on clock, so that tests
// in package catalog_test (which may use catalogtest.FakeClock) can check
// rate windows without depending on how busy the machine is.
func WithLimiterClock(clock ratelimit.Clock) Option {
	return func(c *config) error {
		c.clock = clock
		return nil
	}
}

// NewAutoClock is a fake clock for the external tests: it jumps ahead
// whenever asked to wait, so retries, polls and rate-limit waits pass at
// once.
func NewAutoClock(now time.Time) Clock { return &autoClock{now: now} }
