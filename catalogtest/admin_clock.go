package catalogtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pimkit/catalog"
)

// The admin API's clock and waits: a suite in another language moves a
// fake clock and blocks until something happened, as a Go test does with
// FakeClock.Advance, WaitJob and WaitRequests.

// Codes of the admin API's own answers: a wait that ran out (408), and
// an advance until idle that reached its limit with parties still
// sleeping on the clock (409).
const (
	codeTimeout catalog.ErrorCode = "TIMEOUT"
	codeNotIdle catalog.ErrorCode = "NOT_IDLE"
)

// Bounds of timeout_ms, the real time an admin wait may take.
const (
	defaultWaitTimeout = 10 * time.Second
	maxWaitTimeout     = 10 * time.Minute
)

// adminClockState is the answer of the clock routes.
type adminClockState struct {
	Fake   bool   `json:"fake"`
	Now    string `json:"now"`
	Timers int    `json:"timers"`
}

func (s *Server) clockState() adminClockState {
	st := adminClockState{Now: s.cfg.clock.Now().UTC().Format(time.RFC3339Nano)}
	if fc, ok := s.cfg.clock.(*FakeClock); ok {
		st.Fake, st.Timers = true, fc.Timers()
	}
	return st
}

func (s *Server) adminClock(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.clockState())
}

// fakeClock returns the server's FakeClock, or answers 409 when it runs
// on another clock.
func (s *Server) fakeClock(w http.ResponseWriter) (*FakeClock, bool) {
	fc, ok := s.cfg.clock.(*FakeClock)
	if !ok {
		writeError(w, http.StatusConflict, errorBody{Code: codeConflict,
			Error: "the fake runs on the wall clock, which the admin API cannot move",
			Hint:  "start it on a fake clock: catalogctl fake-server --fake-clock, or catalogtest.WithClock(catalogtest.NewFakeClock(start))"})
	}
	return fc, ok
}

func (s *Server) adminSetClock(w http.ResponseWriter, r *http.Request) {
	fc, ok := s.fakeClock(w)
	if !ok {
		return
	}
	var in struct {
		Now *string `json:"now"`
	}
	if e := s.adminDecode(w, r, &in); e != nil {
		writeAPIError(w, e)
		return
	}
	if in.Now == nil {
		writeError(w, http.StatusBadRequest, errorBody{Code: codeValidation, Error: `SetClock: "now" is required, an RFC 3339 time`})
		return
	}
	at, err := time.Parse(time.RFC3339Nano, *in.Now)
	if err != nil {
		writeError(w, http.StatusBadRequest, errorBody{Code: codeValidation, Error: fmt.Sprintf("SetClock: now %q is not an RFC 3339 time", *in.Now)})
		return
	}
	if now := fc.Now(); at.Before(now) {
		writeError(w, http.StatusBadRequest, errorBody{Code: codeValidation,
			Error: fmt.Sprintf("SetClock: the clock never goes back: %s is before its %s", *in.Now, now.UTC().Format(time.RFC3339Nano))})
		return
	}
	fc.Advance(at.Sub(fc.Now()))
	writeJSON(w, http.StatusOK, s.clockState())
}

func (s *Server) adminAdvance(w http.ResponseWriter, r *http.Request) {
	fc, ok := s.fakeClock(w)
	if !ok {
		return
	}
	var in struct {
		ByMS *int64 `json:"by_ms"`
	}
	if e := s.adminDecode(w, r, &in); e != nil {
		writeAPIError(w, e)
		return
	}
	switch {
	case in.ByMS == nil:
		writeError(w, http.StatusBadRequest, errorBody{Code: codeValidation, Error: `Advance: "by_ms" is required, the milliseconds to advance by, 0 or more`})
		return
	case *in.ByMS < 0:
		writeError(w, http.StatusBadRequest, errorBody{Code: codeValidation, Error: fmt.Sprintf(`Advance: "by_ms" is %d: the clock never goes back; 0 or more`, *in.ByMS)})
		return
	}
	fc.Advance(time.Duration(*in.ByMS) * time.Millisecond)
	writeJSON(w, http.StatusOK, s.clockState())
}

func (s *Server) adminAdvanceUntilIdle(w http.ResponseWriter, r *http.Request) {
	fc, ok := s.fakeClock(w)
	if !ok {
		return
	}
	limit := time.Duration(0) // DefaultIdleLimit
	if q := r.URL.Query().Get("limit_ms"); q != "" {
		ms, err := strconv.ParseInt(q, 10, 64)
		if err != nil || ms < 1 || ms > math.MaxInt64/int64(time.Millisecond) {
			writeError(w, http.StatusBadRequest, errorBody{Code: codeValidation, Error: fmt.Sprintf("AdvanceUntilIdle: limit_ms %q: want whole milliseconds, 1 or more", q)})
			return
		}
		limit = time.Duration(ms) * time.Millisecond
	}
	ctx, cancel, e := s.waitContext(r)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	defer cancel()
	err := fc.AdvanceUntilIdle(ctx, limit)
	switch {
	case errors.Is(err, ErrNotIdle):
		writeError(w, http.StatusConflict, errorBody{Code: codeNotIdle, Error: "AdvanceUntilIdle: " + err.Error(),
			Details: fmt.Sprintf("the clock reads %s with %d timers waiting", fc.Now().UTC().Format(time.RFC3339Nano), fc.Timers())})
	case err != nil:
		s.writeWaitError(w, "AdvanceUntilIdle", "the clock reads "+fc.Now().UTC().Format(time.RFC3339Nano))
	default:
		writeJSON(w, http.StatusOK, s.clockState())
	}
}

// waitContext is the context of an admin wait: it ends after the request's
// timeout_ms of real time, when the caller goes away, or when the server
// starts closing, so that Close never waits for a wait.
func (s *Server) waitContext(r *http.Request) (context.Context, context.CancelFunc, *apiError) {
	timeout := defaultWaitTimeout
	if q := r.URL.Query().Get("timeout_ms"); q != "" {
		ms, err := strconv.ParseInt(q, 10, 64)
		if err != nil || ms < 0 || time.Duration(ms)*time.Millisecond > maxWaitTimeout {
			return nil, nil, newAPIError(http.StatusBadRequest, codeValidation,
				"timeout_ms %q: want whole milliseconds from 0 to %d", q, maxWaitTimeout.Milliseconds())
		}
		timeout = time.Duration(ms) * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	if s.onWait != nil {
		s.onWait()
	}
	go func() {
		select {
		case <-s.stopping:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel, nil
}

// writeWaitError answers an admin wait that ended before its condition:
// 503 when the server is closing, 408 (TIMEOUT) otherwise, with what was
// seen last.
func (s *Server) writeWaitError(w http.ResponseWriter, op, seen string) {
	select {
	case <-s.stopping:
		writeError(w, http.StatusServiceUnavailable, errorBody{Code: catalog.ErrorCode("UNAVAILABLE"), Error: op + ": the server is closing"})
		return
	default:
	}
	writeError(w, http.StatusRequestTimeout, errorBody{Code: codeTimeout,
		Error: op + ": the wait ran out (timeout_ms)", Details: seen})
}

// jobStatuses reads the status query parameter of a job wait: statuses
// comma-separated or repeated.
func jobStatuses(r *http.Request) ([]catalog.JobStatus, *apiError) {
	var out []catalog.JobStatus
	for _, v := range r.URL.Query()["status"] {
		for _, name := range strings.Split(v, ",") {
			st := catalog.JobStatus(strings.TrimSpace(name))
			switch st {
			case catalog.JobPending, catalog.JobProcessing, catalog.JobCompleted, catalog.JobCompletedWithErrors, catalog.JobFailed:
				out = append(out, st)
			default:
				return nil, newAPIError(http.StatusBadRequest, codeValidation,
					"status %q is not a job status (pending, processing, completed, completed_with_errors, failed)", name)
			}
		}
	}
	return out, nil
}

func (s *Server) adminWaitJob(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("jobId")
	states, e := jobStatuses(r)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	ctx, cancel, e := s.waitContext(r)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	defer cancel()
	if _, ok := s.Job(id); !ok {
		writeError(w, http.StatusNotFound, errorBody{Code: codeJobNotFound, Error: fmt.Sprintf("job %q not found", id)})
		return
	}
	job, err := s.WaitJob(ctx, id, states...)
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, map[string]any{"job": toWireJob(job, JobCountersDefault)})
	case ctx.Err() != nil || errors.Is(err, ErrServerClosed):
		s.writeWaitError(w, "WaitJob", fmt.Sprintf("job %s is %s", id, job.Status))
	default: // cleared by Reset meanwhile
		writeError(w, http.StatusNotFound, errorBody{Code: codeJobNotFound, Error: err.Error()})
	}
}

func (s *Server) adminWaitRequests(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("count")
	n, err := strconv.Atoi(q)
	if err != nil || n < 0 {
		writeError(w, http.StatusBadRequest, errorBody{Code: codeValidation, Error: fmt.Sprintf("WaitRequests: count %q: want a whole number, 0 or more", q)})
		return
	}
	ctx, cancel, e := s.waitContext(r)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	defer cancel()
	reqs, err := s.WaitRequests(ctx, n)
	if err != nil {
		s.writeWaitError(w, "WaitRequests", fmt.Sprintf("%d requests recorded, %d answered, want %d answered", len(reqs), answered(reqs), n))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"requests": toAdminRequests(reqs)})
}

// answered counts the requests answered (or dropped), as WaitRequests does.
func answered(reqs []Request) int {
	n := 0
	for _, r := range reqs {
		if r.Status != 0 {
			n++
		}
	}
	return n
}

func (s *Server) adminWaitIdle(w http.ResponseWriter, r *http.Request) {
	ctx, cancel, e := s.waitContext(r)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	defer cancel()
	if err := s.waitIdle(ctx); err != nil {
		c := s.counts()
		s.writeWaitError(w, "WaitIdle", fmt.Sprintf("%d jobs, %d requests recorded; %s", c.Jobs, c.Requests, s.busyWith()))
		return
	}
	writeJSON(w, http.StatusOK, s.counts())
}

// waitIdle blocks until no platform request is being handled and no job
// that can move is pending or processing (as WaitForJobs), or ctx ends.
func (s *Server) waitIdle(ctx context.Context) error {
	for {
		s.mu.Lock()
		idle := !s.unfinishedLocked() && s.inFlightLocked() == 0
		jobs, reqs := s.jobsChanged.wait(), s.requestsChanged.wait()
		s.mu.Unlock()
		if idle {
			return nil
		}
		select {
		case <-jobs:
		case <-reqs:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// inFlightLocked counts the recorded requests not yet answered.
func (s *Server) inFlightLocked() int {
	n := 0
	for _, r := range s.requests {
		if !r.done {
			n++
		}
	}
	return n
}

// busyWith says what keeps the server from being idle.
func (s *Server) busyWith() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var jobs []string
	for _, id := range s.jobOrder {
		if j := s.jobs[id]; !j.parked && (j.Status == catalog.JobPending || j.Status == catalog.JobProcessing) {
			jobs = append(jobs, id+" "+string(j.Status))
		}
	}
	return fmt.Sprintf("%d requests being handled; jobs that can move: %v", s.inFlightLocked(), jobs)
}
