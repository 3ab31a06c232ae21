package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
	"github.com/pimkit/catalog/internal/ratelimit"
	"golang.org/x/time/rate"
)

// recordingLimiter grants every attempt and records how each was released.
type recordingLimiter struct {
	mu       sync.Mutex
	released []time.Time
}

func (r *recordingLimiter) Acquire(context.Context) (func(time.Time), error) {
	return func(at time.Time) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.released = append(r.released, at)
	}, nil
}

// TestLimiterIsToldOfAnswersAndGiveBacks: an answered attempt releases its
// slot with its answer time; one whose dial failed gives it back (the zero
// time).
func TestLimiterIsToldOfAnswersAndGiveBacks(t *testing.T) {
	srv := catalogtest.NewServer()
	t.Cleanup(srv.Close)
	lim := &recordingLimiter{}
	c := fakeClient(t, srv, catalog.WithLimiter(lim))
	before := time.Now()
	if _, err := c.Jobs.QueueStatus(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(lim.released) != 1 || lim.released[0].Before(before) || lim.released[0].After(time.Now()) {
		t.Fatalf("released %v, want one answer time", lim.released)
	}

	srv.Close() // nothing listens: the dial fails
	lim.released = nil
	c, err := catalog.NewClient(srv.URL, catalog.WithLimiter(lim), catalog.WithRetries(1, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Jobs.QueueStatus(context.Background()); err == nil {
		t.Fatal("a call to a closed server succeeded")
	}
	if len(lim.released) != 2 || !lim.released[0].IsZero() || !lim.released[1].IsZero() {
		t.Fatalf("released %v, want two give-backs (zero times)", lim.released)
	}
}

// bucket is a Limiter of the caller's own: a golang.org/x/time/rate token
// bucket, for a server known to limit that way. Release does nothing: a
// bucket cannot take a token back.
type bucket struct{ l *rate.Limiter }

func (b bucket) Acquire(ctx context.Context) (func(time.Time), error) {
	if err := b.l.Wait(ctx); err != nil {
		return nil, fmt.Errorf("rate limit: %w", err)
	}
	return func(time.Time) {}, nil
}

// TestLimiterOfYourOwn: a limiter of the caller's own paces the client; an
// error from it fails the call, unsent.
func TestLimiterOfYourOwn(t *testing.T) {
	srv := fakeServer(t)
	c := fakeClient(t, srv, catalog.WithLimiter(bucket{rate.NewLimiter(rate.Every(time.Hour), 1)}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := c.Jobs.QueueStatus(ctx); err != nil {
		t.Fatal(err)
	}
	// The next token is an hour away, past the deadline: rate.Limiter.Wait
	// says so at once.
	if _, err := c.Jobs.QueueStatus(ctx); err == nil {
		t.Fatal("second call sent, want the limiter's refusal")
	}
	if got := len(srv.Requests()); got != 1 {
		t.Fatalf("server saw %d requests, want 1", got)
	}
}

// TestSharedWindowLimiter: two clients given one window limiter (the one
// WithRateLimit builds) share its slots.
func TestSharedWindowLimiter(t *testing.T) {
	srv := fakeServer(t)
	lim := ratelimit.New(2, time.Hour)
	a, _ := srv.Client(catalog.WithLimiter(lim))
	b, _ := srv.Client(catalog.WithLimiter(lim))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, c := range []*catalog.Client{a, b} {
		if _, err := c.Jobs.QueueStatus(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Jobs.QueueStatus(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("third call: %v, want DeadlineExceeded (both slots held for an hour)", err)
	}
}

func TestLimiterOptionsRefuseBadValues(t *testing.T) {
	if _, err := catalog.NewClient("https://tenant.example.com", catalog.WithRateLimit(0, time.Minute)); err == nil {
		t.Error("WithRateLimit(0, 1m) accepted")
	}
}

// WithLimiter(nil) turns the client-side limit off, and as the last limit
// option it wins over an earlier WithRateLimit or WithLimiter: a limit of
// one request an hour would make the second call fail at once, its
// context's deadline coming before any slot could free.
func TestWithLimiterNilTurnsTheLimitOff(t *testing.T) {
	srv := fakeServer(t)
	for name, first := range map[string]catalog.Option{
		"after WithRateLimit": catalog.WithRateLimit(1, time.Hour),
		"after WithLimiter":   catalog.WithLimiter(ratelimit.New(1, time.Hour)),
	} {
		c, err := srv.Client(first, catalog.WithLimiter(nil))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		for i := range 3 {
			if _, err := c.Jobs.QueueStatus(ctx); err != nil {
				t.Errorf("%s: call %d: %v, want no client-side limit", name, i+1, err)
			}
		}
		cancel()
	}
}
