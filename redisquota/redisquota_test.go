package redisquota

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// These tests run the scripts in miniredis, whose TIME the test sets: the
// scripts' decisions are checked on a clock that only the test moves.

var t0 = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)

func newMini(t *testing.T, opts Options) (*miniredis.Miniredis, *Limiter) {
	t.Helper()
	mr := miniredis.RunT(t)
	mr.SetTime(t0)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	if opts.Limit == 0 {
		opts.Limit = 3
	}
	if opts.Window == 0 {
		opts.Window = time.Minute
	}
	l, err := New(rdb, "quota", opts)
	if err != nil {
		t.Fatal(err)
	}
	l.noRunCheck = true // miniredis has no INFO server; the run id check is tested against a real Redis
	return mr, l
}

// take runs the acquire script once for a new member.
func take(t *testing.T, l *Limiter) (bool, time.Duration, func(time.Time)) {
	t.Helper()
	member := l.opts.Holder + ":" + time.Now().Format(time.RFC3339Nano)
	ok, wait, err := l.try(context.Background(), member)
	if err != nil {
		t.Fatal(err)
	}
	return ok, wait, l.releaser(member)
}

// TestFirstUseWaitsOneLease: a key with no open time (new, or lost with
// Redis's data) grants nothing for one lease.
func TestFirstUseWaitsOneLease(t *testing.T) {
	mr, l := newMini(t, Options{Lease: 3 * time.Minute})
	if ok, wait, _ := take(t, l); ok || wait != 3*time.Minute {
		t.Fatalf("first use: taken %v, wait %v; want a wait of one lease", ok, wait)
	}
	mr.SetTime(t0.Add(3*time.Minute - time.Millisecond))
	if ok, _, _ := take(t, l); ok {
		t.Fatal("a slot before the lease ended")
	}
	mr.SetTime(t0.Add(3 * time.Minute))
	if ok, _, _ := take(t, l); !ok {
		t.Fatal("no slot a lease after the first use")
	}
	// Redis loses its data: one lease again.
	mr.FlushAll()
	mr.SetTime(t0.Add(4 * time.Minute))
	if ok, wait, _ := take(t, l); ok || wait != 3*time.Minute {
		t.Fatalf("after a flush: taken %v, wait %v; want one lease", ok, wait)
	}
}

// TestScriptKeepsTheWindow: N slots at once, then none until a window
// after the first answer; a slot given back is free at once; a slot never
// released frees at its lease.
func TestScriptKeepsTheWindow(t *testing.T) {
	mr, l := newMini(t, Options{Lease: 5 * time.Minute})
	take(t, l)                          // the first use opens the key a lease later
	mr.SetTime(t0.Add(5 * time.Minute)) // past the first lease
	start := t0.Add(5 * time.Minute)
	var rel []func(time.Time)
	for i := range 3 {
		ok, _, r := take(t, l)
		if !ok {
			t.Fatalf("slot %d of 3 refused", i)
		}
		rel = append(rel, r)
	}
	ok, wait, _ := take(t, l)
	if ok || wait != 5*time.Minute {
		t.Fatalf("fourth: taken %v, wait %v; want refused until the first lease ends", ok, wait)
	}
	// The first is answered 2 s in (on Redis's clock), the second never
	// sent, the third never released (its holder crashed).
	mr.SetTime(start.Add(2 * time.Second))
	rel[0](time.Now())
	rel[1](time.Time{})
	if ok, _, _ := take(t, l); !ok {
		t.Fatal("the slot given back was not free")
	}
	ok, wait, _ = take(t, l)
	if ok || wait <= time.Minute-time.Millisecond || wait > time.Minute {
		t.Fatalf("taken %v, wait %v; want about one window (the answered slot)", ok, wait)
	}
	wantFreedAt(t, mr, l, start.Add(62*time.Second), "the answered slot, a window after its answer")
	// Now full again: the crashed holder's slot, the given-back one's
	// taker and the last; the crashed one frees at its lease.
	wantFreedAt(t, mr, l, start.Add(5*time.Minute), "the crashed holder's slot, at its lease")
}

// wantFreedAt checks, on Redis's clock, that no slot is free a millisecond
// before at and that one is at at: the moment the slot named by what frees.
func wantFreedAt(t *testing.T, mr *miniredis.Miniredis, l *Limiter, at time.Time, what string) {
	t.Helper()
	mr.SetTime(at.Add(-time.Millisecond))
	if ok, _, _ := take(t, l); ok {
		t.Fatalf("%s: a slot freed before", what)
	}
	mr.SetTime(at)
	if ok, _, _ := take(t, l); !ok {
		t.Fatalf("%s: not freed", what)
	}
}

// TestReleaseIsOnce: a second release of a slot does nothing.
func TestReleaseIsOnce(t *testing.T) {
	mr, l := newMini(t, Options{Limit: 1, Lease: 2 * time.Minute})
	take(t, l)
	mr.SetTime(t0.Add(2 * time.Minute))
	_, _, rel := take(t, l)
	rel(time.Now())
	rel(time.Time{}) // would free it at once if it counted
	if ok, _, _ := take(t, l); ok {
		t.Fatal("a second release freed the slot")
	}
}

// TestUnreachableFailsAfterBoundedWait: with nothing listening, Acquire
// fails with an *UnavailableError after UnavailableWait, not before and not
// never.
func TestUnreachableFailsAfterBoundedWait(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer rdb.Close()
	l, err := New(rdb, "quota", Options{UnavailableWait: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	rel, err := l.Acquire(context.Background())
	var ue *UnavailableError
	if rel != nil || !errors.As(err, &ue) || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("got %v, want an *UnavailableError", err)
	}
	if took := time.Since(start); took < 300*time.Millisecond || took > 10*time.Second {
		t.Fatalf("failed after %v, want after about 300ms", took)
	}
	// A context that ends first wins.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := l.Acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the context's error", err)
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	for name, o := range map[string]Options{
		"negative limit":   {Limit: -1},
		"lease too short":  {Window: time.Minute, Lease: time.Minute},
		"window too short": {Window: time.Microsecond},
	} {
		if _, err := New(rdb, "k", o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := New(rdb, "", Options{}); err == nil {
		t.Error("empty key accepted")
	}
}
