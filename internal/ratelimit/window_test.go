package ratelimit

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestWindowNeverExceedsLimit(t *testing.T) {
	const n, per = 5, 10 * time.Second
	rng := rand.New(rand.NewPCG(1, 2))
	w := Window{N: n, Per: per}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var admitted []time.Time
	for range 5000 {
		now = now.Add(time.Duration(rng.IntN(4000)) * time.Millisecond)
		if wait := w.Admit(now); wait > 0 {
			// The wait is exactly until the oldest admitted request leaves.
			if oldest := admitted[len(admitted)-n]; !oldest.Add(per).Equal(now.Add(wait)) {
				t.Fatalf("at %v: wait %v, want until %v", now, wait, oldest.Add(per))
			}
			continue
		}
		admitted = append(admitted, now)
		in := 0
		for _, at := range admitted {
			if at.After(now.Add(-per)) {
				in++
			}
		}
		if in > n {
			t.Fatalf("window ending %v holds %d requests, limit %d", now, in, n)
		}
	}
	if len(admitted) < 1000 {
		t.Fatalf("only %d of 5000 admitted; the test does not exercise the limit", len(admitted))
	}
}

func TestWindowDisabledAdmitsAll(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, w := range []Window{{}, {N: 3}, {Per: time.Second}} {
		for range 10 {
			if wait := w.Admit(now); wait != 0 {
				t.Fatalf("%+v refused a request (wait %v)", w, wait)
			}
		}
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want int64
	}{
		{0, 1}, {time.Millisecond, 1}, {time.Second, 1}, {time.Second + 1, 2}, {60 * time.Second, 60}, {7500 * time.Millisecond, 8},
	}
	for _, tt := range tests {
		if got := RetryAfterSeconds(tt.d); got != tt.want {
			t.Errorf("RetryAfterSeconds(%v) = %d, want %d", tt.d, got, tt.want)
		}
	}
}
