package catalog_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"testing"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

// TestWithRetriesZeroTurnsRetryingOff checks that 0 retries needs no waits,
// as its doc says, and that a 503 then goes unretried.
func TestWithRetriesZeroTurnsRetryingOff(t *testing.T) {
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit())
	t.Cleanup(srv.Close)
	srv.Stub(catalogtest.Stub{Op: catalogtest.OpImportAPI, Status: http.StatusServiceUnavailable,
		Header: http.Header{"Retry-After": {"1"}}})
	c, err := srv.Client(catalog.WithoutRateLimit(), catalog.WithRetries(0, 0, 0))
	if err != nil {
		t.Fatalf("WithRetries(0, 0, 0) refused: %v", err)
	}
	_, err = c.Products.Import(context.Background(), catalogtest.DefaultSourceID, []catalog.Product{{EntityCode: "A"}}, nil)
	if !errors.Is(err, catalog.ErrServer) {
		t.Fatalf("got %v, want the 503", err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests, want 1: no retry", n)
	}
	if _, err := catalog.NewClient(srv.URL, catalog.WithRetries(1, 0, 0)); err == nil {
		t.Error("WithRetries(1, 0, 0) accepted: a retry needs a wait")
	}
}

// TestRateLimitedThenCancelledIsNotApplied: the only answer was a 429, and
// the caller's context ended during the Retry-After wait. The server said
// it applied nothing, so the call is not "outcome unknown".
func TestRateLimitedThenCancelledIsNotApplied(t *testing.T) {
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit())
	t.Cleanup(srv.Close)
	srv.Stub(catalogtest.Stub{Op: catalogtest.OpImportAPI, Status: http.StatusTooManyRequests,
		Header: http.Header{"Retry-After": {"3600"}}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The attempt's log line is written once its answer is in: cancel
	// then, so the client is in its hour-long Retry-After wait.
	logger := slog.New(&onRecord{f: func(r slog.Record) {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "status" && a.Value.Int64() == http.StatusTooManyRequests {
				cancel()
			}
			return true
		})
	}})
	c, err := srv.Client(catalog.WithoutRateLimit(), catalog.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Products.Import(ctx, catalogtest.DefaultSourceID, []catalog.Product{{EntityCode: "A"}}, nil)
	if errors.Is(err, catalog.ErrOutcomeUnknown) {
		t.Fatalf("got %v: a 429 applied nothing", err)
	}
	if !errors.Is(err, catalog.ErrRateLimited) {
		t.Fatalf("got %v, want the 429: the last answer, which applied nothing", err)
	}
}

// onRecord is a slog handler that hands every record to f.
type onRecord struct{ f func(slog.Record) }

func (h *onRecord) Enabled(context.Context, slog.Level) bool      { return true }
func (h *onRecord) Handle(_ context.Context, r slog.Record) error { h.f(r); return nil }
func (h *onRecord) WithAttrs([]slog.Attr) slog.Handler            { return h }
func (h *onRecord) WithGroup(string) slog.Handler                 { return h }
