package catalogtest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/pimkit/catalog"
)

func fired(ch <-chan time.Time) (time.Time, bool) {
	select {
	case v := <-ch:
		return v, true
	default:
		return time.Time{}, false
	}
}

func TestFakeClockAfter(t *testing.T) {
	c := NewFakeClock(t0)
	if !c.Now().Equal(t0) {
		t.Fatalf("Now = %v, want %v", c.Now(), t0)
	}
	ch := c.After(10 * time.Second)
	c.Advance(9 * time.Second)
	if _, ok := fired(ch); ok {
		t.Fatal("timer fired before its deadline")
	}
	c.Advance(time.Second)
	v, ok := fired(ch)
	if !ok || !v.Equal(t0.Add(10*time.Second)) {
		t.Fatalf("timer at its deadline: fired %v with %v", ok, v)
	}
	if c.Timers() != 0 {
		t.Errorf("Timers = %d after firing, want 0", c.Timers())
	}
}

func TestFakeClockImmediateAndNegative(t *testing.T) {
	c := NewFakeClock(t0)
	if v, ok := fired(c.After(0)); !ok || !v.Equal(t0) {
		t.Errorf("After(0): fired %v with %v", ok, v)
	}
	if _, ok := fired(c.After(-time.Second)); !ok {
		t.Error("After(negative) did not fire at once")
	}
	c.Advance(-time.Hour)
	if !c.Now().Equal(t0) {
		t.Errorf("Advance(negative) moved the clock to %v", c.Now())
	}
}

func TestFakeClockFiresDueTimersOnly(t *testing.T) {
	c := NewFakeClock(t0)
	a, b, later := c.After(3*time.Second), c.After(time.Second), c.After(time.Minute)
	c.Advance(5 * time.Second)
	if _, ok := fired(a); !ok {
		t.Error("3 s timer did not fire")
	}
	if _, ok := fired(b); !ok {
		t.Error("1 s timer did not fire")
	}
	if _, ok := fired(later); ok {
		t.Error("1 min timer fired early")
	}
	if c.Timers() != 1 {
		t.Errorf("Timers = %d, want 1", c.Timers())
	}
}

func TestFakeClockWaitForTimers(t *testing.T) {
	c := NewFakeClock(t0)
	done := make(chan time.Time)
	go func() { done <- <-c.After(time.Second) }()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.WaitForTimers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Second)
	if v := <-done; !v.Equal(t0.Add(time.Second)) {
		t.Errorf("goroutine woke with %v", v)
	}

	short, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	if err := c.WaitForTimers(short, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitForTimers with no timer = %v, want DeadlineExceeded", err)
	}
}

func TestFakeClockConcurrentUse(t *testing.T) {
	c := NewFakeClock(t0)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				ch := c.After(time.Millisecond)
				c.Advance(time.Millisecond)
				<-ch // fired by this goroutine's Advance or another's
				_ = c.Now()
			}
		}()
	}
	wg.Wait()
	if want := t0.Add(800 * time.Millisecond); !c.Now().Equal(want) {
		t.Errorf("Now = %v, want %v", c.Now(), want)
	}
}

func TestRealClock(t *testing.T) {
	var c catalog.Clock = realClock{}
	before := time.Now()
	if c.Now().Before(before) {
		t.Error("real clock runs behind time.Now")
	}
	select {
	case <-c.After(time.Millisecond):
	case <-time.After(5 * time.Second):
		t.Error("real clock After did not fire")
	}
}
