package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"

	"github.com/pimkit/catalog/internal/clockhook"
)

// JobsService reads import jobs and the import queue.
type JobsService service

// JobStatus is the state of an import job.
type JobStatus string

// Job states: a job goes pending -> processing -> completed,
// completed_with_errors or failed.
const (
	JobPending             JobStatus = "pending"
	JobProcessing          JobStatus = "processing"
	JobCompleted           JobStatus = "completed"
	JobCompletedWithErrors JobStatus = "completed_with_errors"
	JobFailed              JobStatus = "failed"
)

// ended reports whether a job in this state will not change again; a
// caller waits for that with JobsService.Wait.
func (s JobStatus) ended() bool {
	return s == JobCompleted || s == JobCompletedWithErrors || s == JobFailed
}

// Job is an import job: a file upload, a direct import (kept for audit) or a
// queued import. Fields the server leaves out stay zero.
type Job struct {
	ID              string     `json:"job_id"`                     // prefix "import_", "api_import_" or "queue_import_"
	Type            string     `json:"job_type,omitzero"`          // "api_import", "queue_import", ...
	SourceID        string     `json:"source_id,omitzero"`         // the import source applied
	Status          JobStatus  `json:"status"`                     // pending, processing, then a terminal state
	MergeMode       MergeMode  `json:"merge_mode,omitzero"`        // replace or partial
	TotalRows       int        `json:"total_rows"`                 // rows in the job
	ProcessedRows   int        `json:"processed_rows"`             // rows done so far
	SuccessfulRows  int        `json:"successful_rows"`            // rows stored as a new version (also read from created_rows + updated_rows)
	FailedRows      int        `json:"failed_rows"`                // rows rejected, see Errors (also read from error_rows)
	CreatedRows     int        `json:"created_rows"`               // successful rows that created a product
	UpdatedRows     int        `json:"updated_rows"`               // successful rows that updated one
	AutoPublished   int        `json:"auto_published"`             // rows that met the auto-publish rules
	Errors          []RowError `json:"import_errors,omitzero"`     // per-row failures; Row is the position in the job's products
	BatchID         string     `json:"batch_id,omitzero"`          // from the request's batch_id or batch_metadata
	BatchPart       int        `json:"batch_part,omitzero"`        // 1-based part of a multi-request batch
	BatchTotalParts int        `json:"batch_total_parts,omitzero"` // parts in the batch
	BatchTotalItems int        `json:"batch_total_items,omitzero"` // products in the whole batch
	FileName        string     `json:"file_name,omitzero"`         // file uploads only
	FileSize        int64      `json:"file_size,omitzero"`         // file uploads only, bytes
	FileURL         string     `json:"file_url,omitzero"`          // file uploads only: the stored file
	CreatedAt       time.Time  `json:"created_at,omitzero"`        // when the job was created
	StartedAt       time.Time  `json:"started_at,omitzero"`        // when processing began; zero before
	CompletedAt     time.Time  `json:"completed_at,omitzero"`      // when it ended; zero before
}

// wireJob is a job as the platform answers it. Some platforms count
// failed rows as error_rows, and stored rows as created_rows +
// updated_rows without successful_rows; job reads both namings into
// FailedRows and SuccessfulRows, so that every Job the client returns
// counts them there.
type wireJob struct {
	Job
	ErrorRows int `json:"error_rows"`
}

func (w *wireJob) job() *Job {
	j := w.Job
	j.FailedRows = max(j.FailedRows, w.ErrorRows)
	if j.SuccessfulRows == 0 {
		j.SuccessfulRows = j.CreatedRows + j.UpdatedRows
	}
	return &j
}

// jobsOf reads a list of wire jobs.
func jobsOf(ws []wireJob) []Job {
	if ws == nil {
		return nil
	}
	out := make([]Job, len(ws))
	for i := range ws {
		out[i] = *ws[i].job()
	}
	return out
}

// rowCounts is what a finished job of n rows says of them, read by its
// status first. When the job gives counters they are used. Without any,
// "completed" means all n were stored (the job finished successfully) and
// "completed_with_errors" that the listed errors failed and the rest were
// stored. Otherwise it says nothing (0, 0), which leaves the rows the
// errors do not name unknown.
func (j *Job) rowCounts(n int) (succeeded, failed int) {
	if s, f := j.SuccessfulRows, j.FailedRows; s+f > 0 {
		return s, f
	}
	switch {
	case j.Status == JobCompleted:
		return n, 0
	case j.Status == JobCompletedWithErrors && len(j.Errors) > 0:
		return n - len(j.Errors), len(j.Errors)
	}
	return 0, 0
}

// Get returns an import job.
//
// GET /api/b2b/pim/jobs/{jobId} (operation getJob in api/openapi.yaml)
func (s *JobsService) Get(ctx context.Context, jobID string) (*Job, error) {
	if jobID == "" {
		return nil, invalid("job_id", "required")
	}
	path := "/api/b2b/pim/jobs/" + url.PathEscape(jobID)
	var out struct {
		Job *wireJob `json:"job"`
	}
	if err := s.client.do(ctx, http.MethodGet, path, nil, &out); err != nil {
		return nil, err
	}
	if out.Job == nil || out.Job.ID == "" {
		return nil, malformed(http.MethodGet, path, "no job in the answer")
	}
	return out.Job.job(), nil
}

// QueueStatus is a snapshot of the import queue: its live counters and
// its recent jobs.
type QueueStatus struct {
	// Live is true when the server sent its live counters. A server whose
	// runtime counters are unavailable sends none: Live is then false and
	// the four counters are 0 without meaning that the queue is empty.
	Live           bool
	Waiting        int   // jobs waiting for a worker
	Active         int   // jobs being processed
	Completed      int   // jobs ended completed (with or without row errors)
	Failed         int   // jobs ended failed
	PendingJobs    []Job // up to 10 most recent, newest first
	ProcessingJobs []Job // up to 5
}

// wireQueueStatus is the queue's status as the platform answers it: the
// counters in queue_stats, null when it has none.
type wireQueueStatus struct {
	Stats *struct {
		Waiting   int `json:"waiting"`
		Active    int `json:"active"`
		Completed int `json:"completed"`
		Failed    int `json:"failed"`
	} `json:"queue_stats"`
	PendingJobs    []wireJob `json:"pending_jobs"`
	ProcessingJobs []wireJob `json:"processing_jobs"`
}

func (w *wireQueueStatus) status() *QueueStatus {
	q := &QueueStatus{PendingJobs: jobsOf(w.PendingJobs), ProcessingJobs: jobsOf(w.ProcessingJobs)}
	if s := w.Stats; s != nil {
		q.Live, q.Waiting, q.Active, q.Completed, q.Failed = true, s.Waiting, s.Active, s.Completed, s.Failed
	}
	return q
}

// QueueStatus returns the import queue's status: live counters and the recent
// pending and processing jobs, with their batch ids and parts.
//
// GET /api/b2b/pim/import/queue (operation getQueueStatus in api/openapi.yaml)
func (s *JobsService) QueueStatus(ctx context.Context) (*QueueStatus, error) {
	var out wireQueueStatus
	if err := s.client.do(ctx, http.MethodGet, queuePath, nil, &out); err != nil {
		return nil, err
	}
	return out.status(), nil
}

// WaitOptions tune JobsService.Wait. A nil *WaitOptions means the defaults.
type WaitOptions struct {
	// MinInterval is the delay after the first poll (default 1 s); each
	// further delay doubles, up to MaxInterval (default 30 s), with a
	// jitter of up to 25% either way.
	MinInterval time.Duration
	// MaxInterval is the longest delay between polls: no poll waits
	// longer, jitter included.
	MaxInterval time.Duration
	// Progress, when set, is called with the job after every poll, the
	// last one included.
	Progress func(*Job)

	clock Clock // the client's; nil: the system clock
}

func (o *WaitOptions) withDefaults() WaitOptions {
	w := WaitOptions{MinInterval: time.Second, MaxInterval: 30 * time.Second}
	if o != nil {
		if o.MinInterval > 0 {
			w.MinInterval = o.MinInterval
		}
		if o.MaxInterval > 0 {
			w.MaxInterval = o.MaxInterval
		}
		w.Progress = o.Progress
	}
	w.MaxInterval = max(w.MaxInterval, w.MinInterval)
	return w
}

// Wait polls a job until it ends and returns its final state. It polls at
// once, then after delays growing from MinInterval to MaxInterval; ctx bounds
// the whole wait, and when ctx has a deadline the last poll is made just
// before it rather than skipped.
//
// A job that ends "completed" or "completed_with_errors" is returned with a
// nil error (check Job.FailedRows); one that ends "failed" is returned with
// an error matching ErrJobFailed that names the job and its failed rows
// (the job's Errors list them). When ctx ends first, the last job seen is returned with
// an error wrapping ctx.Err().
//
// Polls GET /api/b2b/pim/jobs/{jobId} (operation getJob in api/openapi.yaml).
func (s *JobsService) Wait(ctx context.Context, jobID string, opts *WaitOptions) (*Job, error) {
	o := opts.withDefaults()
	o.clock = s.client.clock
	job, err := waitForJob(ctx, s, jobID, o)
	return job, s.client.redact.error(err) // it names the job and its first reason, the server's words
}

// jobGetter is what waitForJob needs, so tests can script the answers.
type jobGetter interface {
	Get(ctx context.Context, jobID string) (*Job, error)
}

func waitForJob(ctx context.Context, jobs jobGetter, jobID string, o WaitOptions) (*Job, error) {
	delay := o.MinInterval
	clock := o.clock
	if clock == nil {
		clock = systemClock{}
	}
	// A fake clock follows the wait as one call, its polls nested in it.
	party := clockhook.Start(ctx, clock)
	defer clockhook.End(party)
	ctx = clockhook.With(ctx, clock, party)
	var last *Job
	failures := 0 // polls in a row that got no usable answer
	for final := false; ; {
		job, err := jobs.Get(ctx, jobID)
		if err != nil {
			if ctx.Err() != nil && last != nil {
				return last, waitEnded(jobID, last, ctx.Err())
			}
			if failures++; !transient(err) || failures > maxPollFailures || final {
				return last, err
			}
			if err := sleep(ctx, clock, party, delay); err != nil {
				return last, err
			}
			continue
		}
		failures = 0
		last = job
		if o.Progress != nil {
			o.Progress(job)
		}
		switch {
		case job.Status == JobFailed:
			return job, jobFailed(job)
		case job.Status.ended():
			return job, nil
		case final: // the deadline leaves no time for another poll
			<-ctx.Done()
			return job, waitEnded(jobID, job, ctx.Err())
		}
		var wait time.Duration
		wait, final = nextPoll(ctx, clock, delay, o.MaxInterval)
		if err := sleep(ctx, clock, party, wait); err != nil {
			return job, waitEnded(jobID, job, err)
		}
		delay = min(delay*2, o.MaxInterval)
	}
}

// maxPollFailures is how many polls in a row may fail transiently (after
// the transport's own retries) before Wait gives up.
const maxPollFailures = 5

// transient reports a failure worth polling again: no answer, an
// unreadable answer, or a server error. A 4xx (a job that does not exist,
// a credential refused) will not change by waiting.
func transient(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode >= 500 || apiErr.StatusCode == http.StatusTooManyRequests
	}
	return !errors.Is(err, ErrValidation) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// nextPoll returns how long to sleep before the next poll: delay with
// jitter, never above most, shortened so that one more poll fits before
// ctx's deadline, read on clock. final is true when that poll is the last
// one the deadline allows.
func nextPoll(ctx context.Context, clock Clock, delay, most time.Duration) (sleep time.Duration, final bool) {
	// 75% to 125% of delay, capped after the jitter: MaxInterval is a
	// promise to the caller (a test advances a fake clock by it).
	sleep = min(delay*3/4+rand.N(delay/2+1), most)
	dl, ok := ctx.Deadline()
	if !ok {
		return sleep, false
	}
	left := dl.Sub(clock.Now())
	reserve := min(left/4, time.Second) // time for the last request itself
	if sleep < left-reserve {
		return sleep, false
	}
	return max(left-reserve, 0), true
}

// jobFailed is the error of a job that ended "failed": it matches
// ErrJobFailed and names the job, its failed rows and the first reason.
func jobFailed(job *Job) error {
	first := ""
	if len(job.Errors) > 0 {
		first = " (first: " + job.Errors[0].Reason + ")"
	}
	return fmt.Errorf("%w: job %s: %d of %d rows failed%s", ErrJobFailed, job.ID, job.FailedRows, job.TotalRows, first)
}

func waitEnded(jobID string, job *Job, cause error) error {
	return fmt.Errorf("catalog: waiting for job %s (last status %q): %w", jobID, job.Status, cause)
}

// malformed reports a 2xx answer that lacks what the API promises.
func malformed(method, path, what string) error {
	return fmt.Errorf("catalog: %s %s: malformed answer: %s", method, path, what)
}

// maxErrorsPerPage is the largest page of row errors the server gives.
const maxErrorsPerPage = 100

// wireRowError is a row error as the errors endpoint gives it: error is a
// code such as validation_error and message the text; a server that gives
// no message has put the text in error.
type wireRowError struct {
	Row        int             `json:"row"`
	EntityCode string          `json:"entity_code"`
	Error      string          `json:"error"`
	Message    string          `json:"message"`
	RawData    json.RawMessage `json:"raw_data"`
	Problems   []FieldProblem  `json:"problems"`
}

func (w wireRowError) rowError() RowError {
	e := RowError{Row: w.Row, EntityCode: w.EntityCode, Reason: w.Error, RawData: w.RawData, Problems: w.Problems}
	if w.Message != "" {
		e.Code, e.Reason = w.Error, w.Message
	}
	return e
}

// Errors returns every row error of a job, fetching a page (of 100, the
// largest the server gives) at a time as the loop asks for more. For a file upload, RowError.Row is the row's line in
// the file (1-based, the CSV header being line 1; the row number of the
// sheet for XLSX and XLS); for a JSON import, the row's 0-based index in the
// request. Code is the server's code, such as "validation_error", and
// Reason its message. A failed page ends the sequence with its error.
//
//	for rowErr, err := range client.Jobs.Errors(ctx, job.ID) {
//		if err != nil {
//			return err
//		}
//		fmt.Printf("line %d: %s\n", rowErr.Row, rowErr.Reason)
//	}
//
// GET /api/b2b/pim/jobs/{jobId}/errors (operation listJobErrors in api/openapi.yaml)
func (s *JobsService) Errors(ctx context.Context, jobID string) iter.Seq2[RowError, error] {
	return s.errorPages(ctx, jobID, maxErrorsPerPage)
}

// errorPages is Errors asking for perPage row errors a request.
func (s *JobsService) errorPages(ctx context.Context, jobID string, perPage int) iter.Seq2[RowError, error] {
	return func(yield func(RowError, error) bool) {
		if jobID == "" {
			yield(RowError{}, invalid("job_id", "required"))
			return
		}
		path := "/api/b2b/pim/jobs/" + url.PathEscape(jobID) + "/errors"
		for w, err := range listPages[wireRowError](ctx, s.client, path, nil, 1, perPage) {
			if err != nil {
				yield(RowError{}, err)
				return
			}
			e := w.rowError()
			s.client.redact.rowError(&e)
			if !yield(e, nil) {
				return
			}
		}
	}
}
