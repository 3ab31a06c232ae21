package catalogtest

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/pimkit/catalog"
)

// The background worker runs queued jobs one at a time, oldest first. On
// a FakeClock it tells the clock when it is busy, so that Advance can
// wait for the work it released: the worker counts as busy from the
// moment a job is queued for it until it has nothing left to do or sleeps
// on the clock (WithJobDelay).

// workerState is what the worker is doing. Guarded by Server.mu.
type workerState int

const (
	workerIdle     workerState = iota // waiting for a job to be queued
	workerRunning                     // taking or running a job
	workerSleeping                    // waiting on the clock before running a job
)

// WithManualWorker stops the background worker: queued jobs stay pending
// until the test runs them, one at a time, with [Server.RunNextJob].
// WithJobDelay does not apply to them. [Server.SetManualWorker] switches
// it while the server runs.
func WithManualWorker() Option {
	return func(c *config) { c.manualWorker = true }
}

// SetManualWorker switches the manual worker on or off while the server
// runs. On, queued jobs stay pending until [Server.RunNextJob] runs them; a
// job the background worker has already taken goes on to its end. Off, the
// background worker takes the jobs waiting in the queue at once. Reset
// puts back the mode the options configured.
func (s *Server) SetManualWorker(manual bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setManualLocked(manual)
}

func (s *Server) setManualLocked(manual bool) {
	if s.manual == manual {
		return
	}
	s.manual = manual
	if !manual && len(s.queue) > 0 {
		s.nudgeLocked()
	}
	s.jobsChanged.broadcast()
}

// ErrNoPendingJob is returned by RunNextJob when no queued job is waiting.
var ErrNoPendingJob = errors.New("catalogtest: no pending job")

// RunNextJob runs the oldest pending queued job to its end, in the
// caller's goroutine, and returns it. It needs WithManualWorker; it
// returns ErrNoPendingJob when no job waits to run. Jobs that a
// [JobOutcome] holds pending or processing are set aside as the worker
// would, and the next job runs.
func (s *Server) RunNextJob() (catalog.Job, error) {
	s.mu.Lock()
	manual := s.manual
	s.mu.Unlock()
	if !manual {
		return catalog.Job{}, errors.New("catalogtest: RunNextJob needs the manual worker (WithManualWorker or SetManualWorker(true))")
	}
	js, req := s.takeNextJob(false)
	if js == nil {
		return catalog.Job{}, ErrNoPendingJob
	}
	job, _, _ := s.runImport(js, req)
	return job, nil
}

// setWorkerLocked changes the worker's state and tells a FakeClock when
// the worker becomes busy or stops being busy.
func (s *Server) setWorkerLocked(st workerState) {
	if s.worker == st {
		return
	}
	if fc, ok := s.cfg.clock.(*FakeClock); ok {
		if s.worker == workerRunning {
			fc.addBusy(-1)
		}
		if st == workerRunning {
			fc.addBusy(1)
		}
	}
	s.worker = st
}

// enqueue hands a pending job to the worker.
func (s *Server) enqueue(js *jobState, req *importRequest) {
	s.mu.Lock()
	js.req = req
	s.queue = append(s.queue, js.ID)
	s.nudgeLocked()
	s.mu.Unlock()
}

// nudgeLocked tells an idle worker that the queue has a job.
func (s *Server) nudgeLocked() {
	if s.manual || s.worker != workerIdle {
		return
	}
	s.setWorkerLocked(workerRunning)
	select {
	case s.wake <- struct{}{}:
	default: // the worker is already due to look at the queue
	}
}

// work is the background worker: it runs queued jobs one at a time, FIFO,
// until Close.
func (s *Server) work() {
	defer close(s.workerDone)
	defer func() {
		s.mu.Lock()
		s.setWorkerLocked(workerIdle)
		s.mu.Unlock()
	}()
	for {
		js, req := s.takeNextJob(true)
		if js == nil {
			select {
			case <-s.wake:
				continue
			case <-s.done:
				return
			}
		}
		if !s.pause(s.cfg.jobDelay) {
			return
		}
		s.runImport(js, req)
	}
}

// takeNextJob moves the oldest pending job to processing, for the
// background worker (byWorker) or RunNextJob. Jobs cleared by Reset are
// dropped and jobs held by their outcome parked on the way. With no job
// left, or the manual worker switched on, the background worker goes idle.
func (s *Server) takeNextJob(byWorker bool) (*jobState, *importRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.queue) > 0 && !(byWorker && s.manual) {
		js := s.jobs[s.queue[0]]
		s.queue = s.queue[1:]
		if js == nil || js.Status != catalog.JobPending {
			continue
		}
		if js.outcome != nil && js.outcome.Status == catalog.JobPending {
			js.parked = true
			s.jobsChanged.broadcast()
			continue
		}
		req := js.req
		js.req = nil
		js.Status, js.StartedAt = catalog.JobProcessing, s.cfg.clock.Now()
		s.jobsChanged.broadcast()
		if js.outcome != nil && js.outcome.Status == catalog.JobProcessing {
			js.parked = true
			continue
		}
		return js, req
	}
	if byWorker {
		s.setWorkerLocked(workerIdle)
	}
	return nil, nil
}

// pause waits d on the server's clock; false means the server closed. On
// a FakeClock the worker is not busy while it sleeps: the timer that
// wakes it makes it busy again, as the clock fires it.
func (s *Server) pause(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	fc, ok := s.cfg.clock.(*FakeClock)
	if !ok {
		select {
		case <-s.cfg.clock.After(d):
			return true
		case <-s.done:
			return false
		}
	}
	t := fc.afterTask(d)
	s.mu.Lock()
	s.setWorkerLocked(workerSleeping)
	s.mu.Unlock()
	select {
	case <-t.ch:
		s.mu.Lock()
		s.worker = workerRunning // the clock counted it busy when it fired
		s.mu.Unlock()
		return true
	case <-s.done:
		fc.cancelTask(t)
		return false
	}
}

// JobOutcome scripts how a queued job ends, for tests of code that must
// cope with failed, partly failed or stuck jobs. Register one with
// [Server.ScriptJob]. Direct imports are not scripted.
type JobOutcome struct {
	// JobID names a pending job to script. Without it the outcome is for
	// the Nth queued job accepted from now on.
	JobID string
	// Nth > 0, without JobID, scripts the Nth queued job accepted after
	// the call, counted from 1; 0 scripts every queued job from now on.
	Nth int
	// Status is how the job ends:
	//   - catalog.JobFailed: every row fails with Message; nothing is stored.
	//   - catalog.JobCompletedWithErrors: the rows in FailRows fail with
	//     Message, the others are applied; with no FailRows, the last row
	//     fails (so a job of one row fails).
	//   - catalog.JobPending: the job stays pending; the worker passes it
	//     by. ScriptJob with its JobID and another Status queues it again.
	//   - catalog.JobProcessing: the job is taken and stays processing.
	//   - catalog.JobCompleted: the rows are applied as usual.
	Status catalog.JobStatus
	// FailRows are 0-based rows of the request, for
	// catalog.JobCompletedWithErrors.
	FailRows []int
	// Message is the error of each failed row; "" means
	// "catalogtest: scripted row failure".
	Message string
}

// outcomeState is a registered JobOutcome and the queued jobs it has seen.
// Guarded by Server.mu.
type outcomeState struct {
	JobOutcome
	counted
}

// ScriptJob registers a job outcome; see JobOutcome. When several
// outcomes want the same job, the one registered first wins. It fails for
// a Status it does not know, and for a JobID that names no pending job.
func (s *Server) ScriptJob(o JobOutcome) error {
	switch o.Status {
	case catalog.JobFailed, catalog.JobCompletedWithErrors, catalog.JobPending, catalog.JobProcessing, catalog.JobCompleted:
	default:
		return fmt.Errorf("catalogtest: JobOutcome.Status %q is not a job status the worker can end in", o.Status)
	}
	o.FailRows = slices.Clone(o.FailRows)
	s.mu.Lock()
	defer s.mu.Unlock()
	if o.JobID == "" {
		s.outcomes = append(s.outcomes, &outcomeState{JobOutcome: o})
		return nil
	}
	js, ok := s.jobs[o.JobID]
	if !ok || js.Status != catalog.JobPending || js.Type != JobTypeQueueImport || js.req == nil {
		return fmt.Errorf("catalogtest: no pending queued job %q to script", o.JobID)
	}
	js.outcome = &o
	if js.parked && o.Status != catalog.JobPending {
		js.parked = false
		s.queue = append(s.queue, js.ID)
		s.nudgeLocked()
		s.jobsChanged.broadcast()
	}
	return nil
}

// pickOutcomeLocked counts a newly queued job against the registered
// outcomes and returns the one for it, if any.
func (s *Server) pickOutcomeLocked() *JobOutcome {
	picked, ok := pickFirst(s.outcomes, func(o *outcomeState) bool { return o.count(o.Nth, 0) })
	if !ok {
		return nil
	}
	c := picked.JobOutcome
	return &c
}

// fails reports whether the outcome makes row i of n fail. A nil outcome
// fails nothing.
func (o *JobOutcome) fails(i, n int) bool {
	switch {
	case o == nil:
		return false
	case o.Status == catalog.JobFailed:
		return true
	case o.Status != catalog.JobCompletedWithErrors:
		return false
	case len(o.FailRows) == 0:
		return i == n-1
	}
	return slices.Contains(o.FailRows, i)
}

func (o *JobOutcome) message() string {
	if o.Message == "" {
		return "catalogtest: scripted row failure"
	}
	return o.Message
}

// scriptedRowFailure is the row error of a row a JobOutcome fails.
func scriptedRowFailure(row int, raw any, msg string) rowResult {
	code := ""
	if m, ok := raw.(map[string]any); ok {
		code, _ = entityCode(m)
	}
	return rowFailure(row, code, raw, msg)
}
