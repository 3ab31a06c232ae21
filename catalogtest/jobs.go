package catalogtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/pimkit/catalog"
)

// Job types, in a job's job_type.
const (
	JobTypeAPIImport   = "api_import"   // POST /api/b2b/pim/import/api
	JobTypeQueueImport = "queue_import" // POST /api/b2b/pim/import/queue
)

// ErrServerClosed is returned by WaitForJobs once the server is closed.
var ErrServerClosed = errors.New("catalogtest: server closed")

// jobState is a job as the server holds it. Guarded by Server.mu.
type jobState struct {
	catalog.Job                // Errors in row order; times as the clock gave them
	req         *importRequest // rows of a pending queued job; nil once taken
	outcome     *JobOutcome    // scripted by ScriptJob; queued jobs only
	// parked jobs are left alone by the worker and by WaitForJobs: seeded
	// jobs, and jobs a JobOutcome holds pending or processing.
	parked bool
}

// ended reports whether a job in state s will not change again.
func ended(s catalog.JobStatus) bool {
	return s == catalog.JobCompleted || s == catalog.JobCompletedWithErrors || s == catalog.JobFailed
}

// snapshot is the job as the client reads it from GET
// /api/b2b/pim/jobs/{jobId} with the default counters: times in UTC to the
// millisecond, an empty (not nil) Errors when no row failed; and, beyond
// what import_errors carries, each row error's Code (as GET
// .../jobs/{jobId}/errors gives it; "" for a JSON import's row). It shares
// no memory with the server.
func (j *jobState) snapshot() catalog.Job {
	job := j.Job
	job.CreatedAt, job.StartedAt, job.CompletedAt = wireTime(j.CreatedAt), wireTime(j.StartedAt), wireTime(j.CompletedAt)
	job.Errors = make([]catalog.RowError, len(j.Errors))
	for i, e := range j.Errors {
		e.RawData = slices.Clone(e.RawData)
		job.Errors[i] = e
	}
	return job
}

// count adds one row's outcome to the job's counters.
func (j *jobState) count(res rowResult) {
	j.ProcessedRows++
	switch {
	case res.err != nil:
		j.FailedRows++
		j.Errors = append(j.Errors, *res.err)
		return
	case res.created:
		j.CreatedRows++
	default:
		j.UpdatedRows++
	}
	j.SuccessfulRows++
	if res.published {
		j.AutoPublished++
	}
}

// finish sets the terminal status.
func (j *jobState) finish(now time.Time) {
	switch {
	case j.FailedRows == 0:
		j.Status = catalog.JobCompleted
	case j.SuccessfulRows == 0:
		j.Status = catalog.JobFailed
	default:
		j.Status = catalog.JobCompletedWithErrors
	}
	j.CompletedAt = now
}

// Jobs returns every job, oldest first.
func (s *Server) Jobs() []catalog.Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]catalog.Job, 0, len(s.jobOrder))
	for _, id := range s.jobOrder {
		out = append(out, s.jobs[id].snapshot())
	}
	return out
}

// Job returns the job with this ID, as client.Jobs.Get reads it (with the
// default counters), plus each row error's Code.
func (s *Server) Job(id string) (catalog.Job, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		return catalog.Job{}, false
	}
	return j.snapshot(), true
}

// WaitForJobs blocks until no job is pending or processing, ctx ends, or
// the server is closed. With a FakeClock and WithJobDelay, jobs only finish
// when the test advances the clock; with WithManualWorker, when
// RunNextJob runs them. Jobs that will not move by themselves are not
// waited for: seeded ones ([Server.SeedJob]) and those a [JobOutcome]
// holds pending or processing.
func (s *Server) WaitForJobs(ctx context.Context) error {
	return s.jobsChanged.await(ctx, &s.mu, s.done, func() bool { return !s.unfinishedLocked() })
}

// WaitJob blocks until the job with this ID is in one of states, and
// returns it; with no states, until it has ended (completed,
// completed_with_errors or failed). It fails at once when there is no
// such job (never created, or cleared by Reset), and when ctx ends or the
// server is closed first. It waits on the server's own signals, not by
// polling.
func (s *Server) WaitJob(ctx context.Context, id string, states ...catalog.JobStatus) (catalog.Job, error) {
	var job catalog.Job
	found := false
	err := s.jobsChanged.await(ctx, &s.mu, s.done, func() bool {
		js, ok := s.jobs[id]
		if found = ok; !ok {
			return true
		}
		job = js.snapshot()
		return len(states) == 0 && ended(job.Status) || slices.Contains(states, job.Status)
	})
	switch {
	case err == nil && !found:
		return catalog.Job{}, fmt.Errorf("catalogtest: no job %q", id)
	case err != nil && !errors.Is(err, ErrServerClosed):
		return job, fmt.Errorf("catalogtest: waiting for job %s (status %s): %w", id, job.Status, err)
	}
	return job, err
}

// abandonedLocked reports whether js is a job the worker (or RunNextJob)
// runs and the server is closing: it stops between two rows and stays
// processing, so that Close does not wait for the rest of it. A direct
// import's job is its request's, which Close lets finish.
func (s *Server) abandonedLocked(js *jobState) bool {
	if js.Type == JobTypeAPIImport {
		return false
	}
	select {
	case <-s.stopping:
		return true
	default:
		return false
	}
}

// liveLocked reports whether js is still one of the server's jobs, that
// is, not cleared by Reset since it was created.
func (s *Server) liveLocked(js *jobState) bool { return s.jobs[js.ID] == js }

func (s *Server) unfinishedLocked() bool {
	for _, j := range s.jobs {
		if !j.parked && (j.Status == catalog.JobPending || j.Status == catalog.JobProcessing) {
			return true
		}
	}
	return false
}

// newJob registers a job for req: a direct import starts processing at
// once, a queued one waits as pending.
func (s *Server) newJob(typ string, req *importRequest) *jobState {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.clock.Now()
	js := &jobState{Job: catalog.Job{ID: s.newJobIDLocked(typ, now), Type: typ, SourceID: req.source.ID,
		Status: catalog.JobPending, MergeMode: req.mergeMode, TotalRows: req.rowCount(),
		BatchID: req.effectiveBatchID(), CreatedAt: now}}
	if m := req.batchMeta; m != nil {
		js.BatchPart, js.BatchTotalParts, js.BatchTotalItems = m.BatchPart, m.BatchTotalParts, m.BatchTotalItems
	}
	if typ == JobTypeAPIImport {
		js.Status, js.StartedAt = catalog.JobProcessing, now
	} else if typ == JobTypeQueueImport {
		js.outcome = s.pickOutcomeLocked()
	}
	s.jobs[js.ID] = js
	s.jobOrder = append(s.jobOrder, js.ID)
	s.jobsChanged.broadcast()
	return js
}

// newJobIDLocked returns "<type>_<unix ms>_<6 base36 chars>", unused so
// far. The characters come from the server's seeded source (WithIDSeed), so
// the same jobs on the same clock get the same ids on every run.
func (s *Server) newJobIDLocked(typ string, now time.Time) string {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
	for {
		suffix := make([]byte, 6)
		for i := range suffix {
			suffix[i] = alphabet[s.ids.IntN(len(alphabet))]
		}
		id := fmt.Sprintf("%s_%d_%s", typ, now.UnixMilli(), suffix)
		if _, taken := s.jobs[id]; !taken {
			return id
		}
	}
}

// runImport applies a job's rows and finishes it. Each row takes the lock
// on its own, so progress (processed_rows) is visible while it runs. It
// returns the finished job, the run and the search-sync batches queued.
func (s *Server) runImport(js *jobState, req *importRequest) (catalog.Job, *importRun, int) {
	now := s.cfg.clock.Now()
	run := &importRun{req: req, jobID: js.ID, at: now, source: VersionSource{
		SourceID: req.source.ID, SourceName: req.source.Name, ImportedAt: now,
		BatchID: req.effectiveBatchID(), BatchMetadata: cloneBatchMetadata(req.batchMeta)}}
	if req.file != nil {
		return s.runFileImport(js, run, req.file)
	}
	var synced []string
	for i, raw := range req.rows {
		live := s.applyJobRow(js, &synced, func() rowResult {
			if js.outcome.fails(i, len(req.rows)) {
				return scriptedRowFailure(i, raw, js.outcome.message())
			}
			return s.applyRowLocked(run, i, raw)
		})
		if !live {
			break
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.finishJobLocked(js, run, synced)
}

// applyJobRow applies one row of a running job with apply, under the lock,
// and counts its outcome; a stored row's entity code joins synced. It
// returns false, applying nothing, when Reset has cleared the job.
func (s *Server) applyJobRow(js *jobState, synced *[]string, apply func() rowResult) bool {
	if s.cfg.beforeJobRow != nil {
		s.cfg.beforeJobRow(js.Type)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.liveLocked(js) || s.abandonedLocked(js) {
		return false
	}
	res := apply()
	js.count(res)
	if res.err == nil {
		*synced = append(*synced, res.entityCode)
	}
	return true
}

// finishJobLocked queues the search sync of the rows stored, unless Reset
// has cleared the job, finishes the job and returns what runImport
// returns.
func (s *Server) finishJobLocked(js *jobState, run *importRun, synced []string) (catalog.Job, *importRun, int) {
	if s.abandonedLocked(js) {
		return js.snapshot(), run, 0 // stays processing: see Close
	}
	batches := 0
	if s.liveLocked(js) {
		batches = s.queueSearchSyncLocked(synced)
	}
	js.finish(s.cfg.clock.Now())
	s.jobsChanged.broadcast()
	return js.snapshot(), run, batches
}

// JobCounters names the set of counters the server's job answers carry;
// see WithJobCounters.
type JobCounters int

const (
	// JobCountersDefault is the platform's set: total_rows,
	// processed_rows, successful_rows, failed_rows, created_rows,
	// updated_rows and auto_published.
	JobCountersDefault JobCounters = iota
	// JobCountersErrorRows is the set of import platforms that count
	// failures as error_rows and report no successes: total_rows,
	// processed_rows, created_rows, updated_rows and error_rows (the rows
	// that failed); no successful_rows, failed_rows or auto_published.
	JobCountersErrorRows
)

// wireJob is a job on the wire; unset batch fields and times are omitted.
type wireJob struct {
	JobID           string             `json:"job_id"`
	JobType         string             `json:"job_type"`
	SourceID        string             `json:"source_id"`
	Status          catalog.JobStatus  `json:"status"`
	MergeMode       catalog.MergeMode  `json:"merge_mode"`
	TotalRows       int                `json:"total_rows"`
	ProcessedRows   int                `json:"processed_rows"`
	SuccessfulRows  *int               `json:"successful_rows,omitempty"` // nil with JobCountersErrorRows
	FailedRows      *int               `json:"failed_rows,omitempty"`     // nil with JobCountersErrorRows
	CreatedRows     int                `json:"created_rows"`
	UpdatedRows     int                `json:"updated_rows"`
	ErrorRows       *int               `json:"error_rows,omitempty"`     // set with JobCountersErrorRows only
	AutoPublished   *int               `json:"auto_published,omitempty"` // nil with JobCountersErrorRows
	ImportErrors    []catalog.RowError `json:"import_errors"`
	BatchID         string             `json:"batch_id,omitempty"`
	BatchPart       int                `json:"batch_part,omitempty"`
	BatchTotalParts int                `json:"batch_total_parts,omitempty"`
	BatchTotalItems int                `json:"batch_total_items,omitempty"`
	CreatedAt       string             `json:"created_at,omitempty"`
	StartedAt       string             `json:"started_at,omitempty"`
	CompletedAt     string             `json:"completed_at,omitempty"`
	FileName        string             `json:"file_name,omitempty"`
	FileSize        int64              `json:"file_size,omitempty"`
	FileURL         string             `json:"file_url,omitempty"`
}

// toWireJob renders j with the counters c names.
func toWireJob(j catalog.Job, c JobCounters) wireJob {
	w := wireJob{JobID: j.ID, JobType: j.Type, SourceID: j.SourceID, Status: j.Status, MergeMode: j.MergeMode,
		TotalRows: j.TotalRows, ProcessedRows: j.ProcessedRows,
		CreatedRows: j.CreatedRows, UpdatedRows: j.UpdatedRows, ImportErrors: nonNil(j.Errors),
		BatchID: j.BatchID, BatchPart: j.BatchPart, BatchTotalParts: j.BatchTotalParts, BatchTotalItems: j.BatchTotalItems,
		CreatedAt: formatTime(j.CreatedAt), StartedAt: formatTime(j.StartedAt), CompletedAt: formatTime(j.CompletedAt),
		FileName: j.FileName, FileSize: j.FileSize, FileURL: j.FileURL}
	if c == JobCountersErrorRows {
		w.ErrorRows = &j.FailedRows
	} else {
		w.SuccessfulRows, w.FailedRows, w.AutoPublished = &j.SuccessfulRows, &j.FailedRows, &j.AutoPublished
	}
	return w
}

// handleGetJob serves GET /api/b2b/pim/jobs/{jobId}.
func (s *Server) handleGetJob(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("jobId")
	job, ok := s.Job(id)
	if !ok {
		writeAPIError(w, newAPIError(http.StatusNotFound, codeJobNotFound, "job %q not found", id))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"job": toWireJob(job, s.cfg.jobCounters)})
}

const (
	maxPendingListed    = 10
	maxProcessingListed = 5
)

type queueStatus struct {
	QueueStats     queueStats `json:"queue_stats"`
	PendingJobs    []wireJob  `json:"pending_jobs"`
	ProcessingJobs []wireJob  `json:"processing_jobs"`
}

type queueStats struct {
	Waiting   int `json:"waiting"`
	Active    int `json:"active"`
	Completed int `json:"completed"`
	Failed    int `json:"failed"`
}

// handleQueueStatus serves GET /api/b2b/pim/import/queue.
func (s *Server) handleQueueStatus(w http.ResponseWriter, r *http.Request) {
	jobs := s.Jobs()
	slices.Reverse(jobs) // newest first
	st := queueStatus{PendingJobs: []wireJob{}, ProcessingJobs: []wireJob{}}
	for _, j := range jobs {
		st.QueueStats.add(j)
		switch {
		case j.Status == catalog.JobPending && len(st.PendingJobs) < maxPendingListed:
			st.PendingJobs = append(st.PendingJobs, toWireJob(j, s.cfg.jobCounters))
		case j.Status == catalog.JobProcessing && len(st.ProcessingJobs) < maxProcessingListed:
			st.ProcessingJobs = append(st.ProcessingJobs, toWireJob(j, s.cfg.jobCounters))
		}
	}
	writeJSON(w, http.StatusOK, st)
}

// add counts a queued job; the counters ignore direct imports.
func (q *queueStats) add(j catalog.Job) {
	if j.Type != JobTypeQueueImport {
		return
	}
	switch j.Status {
	case catalog.JobPending:
		q.Waiting++
	case catalog.JobProcessing:
		q.Active++
	case catalog.JobCompleted, catalog.JobCompletedWithErrors:
		q.Completed++
	case catalog.JobFailed:
		q.Failed++
	}
}

// wireTime is t as it reads back from the wire: UTC, whole milliseconds.
func wireTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Millisecond)
}

// The path of a job's row errors.
const pathJobErrors = "/api/b2b/pim/jobs/{jobId}/errors"

// OpListJobErrors is the operation of GET .../jobs/{jobId}/errors, for
// faults.
const OpListJobErrors Operation = "GET " + pathJobErrors

// Codes of row errors, in the "error" field of GET .../jobs/{jobId}/errors.
const (
	RowCodeValidation = "validation_error" // a cell that does not convert, an invalid EAN, a row without identity
	RowCodeExists     = "already_exists"   // update_existing false and the product exists
	RowCodeFile       = "file_error"       // the file could not be read past this row
	RowCodeImport     = "import_error"     // a JSON import's row error
)

// wireFileRowError is a row error on GET .../jobs/{jobId}/errors.
type wireFileRowError struct {
	Row        int             `json:"row"`
	EntityCode string          `json:"entity_code,omitempty"`
	EAN        string          `json:"ean,omitempty"`
	Error      string          `json:"error"`
	Message    string          `json:"message"`
	RawData    json.RawMessage `json:"raw_data,omitempty"`
	// Problems lists every problem of the row's fields (api/openapi.yaml,
	// FileRowError).
	Problems []catalog.FieldProblem `json:"problems,omitempty"`
}

// handleJobErrors serves GET /api/b2b/pim/jobs/{jobId}/errors: the job's
// row errors, a page at a time.
func (s *Server) handleJobErrors(w http.ResponseWriter, r *http.Request) {
	page, per, e := pageParams(r, defaultErrorsPerPage, maxErrorsPerPage)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	s.writeErrorPage(w, r.PathValue("jobId"), page, per)
}

func (s *Server) writeErrorPage(w http.ResponseWriter, id string, page, per int) {
	job, ok := s.Job(id)
	if !ok {
		writeAPIError(w, newAPIError(http.StatusNotFound, codeJobNotFound, "job %q not found", id))
		return
	}
	data := []wireFileRowError{}
	from, to := pageBounds(len(job.Errors), page, per)
	for _, e := range job.Errors[from:to] {
		code := e.Code
		if code == "" {
			code = RowCodeImport
		}
		we := wireFileRowError{Row: e.Row, EntityCode: e.EntityCode, Error: code, Message: e.Reason, Problems: e.Problems}
		if string(e.RawData) != "null" {
			we.RawData = e.RawData
		}
		var m map[string]any
		if json.Unmarshal(e.RawData, &m) == nil {
			we.EAN = firstEAN(m)
		}
		data = append(data, we)
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data,
		"meta": pageMeta{Page: page, PerPage: per, Total: len(job.Errors)}})
}

// firstEAN is a raw row's EAN, under a column named ean (any case).
func firstEAN(row map[string]any) string {
	for k, v := range row {
		if strings.EqualFold(k, "ean") {
			s, _ := v.(string)
			return s
		}
	}
	return ""
}
