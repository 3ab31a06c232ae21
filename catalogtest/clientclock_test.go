package catalogtest

import (
	"context"
	"testing"
	"time"

	"github.com/pimkit/catalog"
)

// TestClientFollowsTheServersFakeClock: a server on a FakeClock gives a
// client on the same clock, so a 429's Retry-After is waited on the fake
// clock (here a sub-second one, sent as the 1 s the header can carry) and
// the retry goes out when the test advances it, not on the wall clock.
func TestClientFollowsTheServersFakeClock(t *testing.T) {
	clock := NewFakeClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	s := newTestServer(t, WithClock(clock), WithFaults(Fault{Kind: FaultStatus, Op: OpImportAPI, Nth: 1,
		Status: 429, RetryAfter: 300 * time.Millisecond}))
	c, err := s.Client()
	if err != nil {
		t.Fatal(err)
	}
	before := clock.Timers()
	done := make(chan error, 1)
	go func() {
		_, err := c.Products.Import(context.Background(), DefaultSourceID, []catalog.Product{{EntityCode: "A"}}, nil)
		done <- err
	}()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := clock.WaitForTimers(ctx, before+1); err != nil {
		t.Fatalf("the client never waited on the fake clock: %v", err)
	}
	if n := len(s.Requests()); n != 1 {
		t.Fatalf("%d requests before the clock moved, want 1 (the 429)", n)
	}
	clock.Advance(time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Product("A"); !ok || len(s.Requests()) != 2 {
		t.Errorf("stored %v after %d requests; want the retry applied", ok, len(s.Requests()))
	}
}
