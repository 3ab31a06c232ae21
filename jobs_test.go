package catalog

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jarcoal/httpmock"
)

func TestJobsGet(t *testing.T) {
	c, mt := newMockClient(t)
	mt.RegisterResponder("GET", testBase+"/api/b2b/pim/jobs/queue_import_1",
		httpmock.NewStringResponder(200, `{"job":{"job_id":"queue_import_1","job_type":"queue_import","source_id":"src","status":"completed_with_errors",
		"merge_mode":"partial","total_rows":3,"processed_rows":3,"successful_rows":2,"failed_rows":1,"created_rows":1,"updated_rows":1,"auto_published":2,
		"import_errors":[{"row":2,"entity_code":"C","error":"entity_code or sku is required","raw_data":{"name":"x"}}],
		"batch_id":"b","batch_part":1,"batch_total_parts":2,"batch_total_items":6,
		"created_at":"2026-04-24T12:58:55.123Z","started_at":"2026-04-24T12:58:56.000Z","completed_at":"2026-04-24T12:58:57.500Z"}}`))
	mt.RegisterResponder("GET", testBase+"/api/b2b/pim/jobs/nope", httpmock.NewStringResponder(404, `{"error":"job not found","code":"JOB_NOT_FOUND"}`))
	mt.RegisterResponder("GET", testBase+"/api/b2b/pim/jobs/empty", httpmock.NewStringResponder(200, `{}`))

	job, err := c.Jobs.Get(context.Background(), "queue_import_1")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	want := &Job{
		ID: "queue_import_1", Type: "queue_import", SourceID: "src", Status: JobCompletedWithErrors, MergeMode: MergePartial,
		TotalRows: 3, ProcessedRows: 3, SuccessfulRows: 2, FailedRows: 1, CreatedRows: 1, UpdatedRows: 1, AutoPublished: 2,
		Errors:  []RowError{{Row: 2, EntityCode: "C", Reason: "entity_code or sku is required", RawData: []byte(`{"name":"x"}`)}},
		BatchID: "b", BatchPart: 1, BatchTotalParts: 2, BatchTotalItems: 6,
		CreatedAt: at("2026-04-24T12:58:55.123Z"), StartedAt: at("2026-04-24T12:58:56Z"), CompletedAt: at("2026-04-24T12:58:57.5Z"),
	}
	if diff := cmp.Diff(want, job); diff != "" {
		t.Errorf("job (-want +got):\n%s", diff)
	}
	if _, err := c.Jobs.Get(context.Background(), "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown job: got %v, want ErrNotFound", err)
	}
	if _, err := c.Jobs.Get(context.Background(), "empty"); err == nil {
		t.Error("an answer without a job was accepted")
	}
	if _, err := c.Jobs.Get(context.Background(), ""); !errors.Is(err, ErrValidation) {
		t.Errorf("empty id: got %v, want ErrValidation", err)
	}
}

func TestJobsQueueMatchesSeedExample(t *testing.T) {
	c, mt := newMockClient(t)
	mt.RegisterResponder("GET", testBase+queuePath, httpmock.NewBytesResponder(200, readFixture(t, "queue_status_response.json")))
	q, err := c.Jobs.QueueStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	want := &QueueStatus{
		Stats: &QueueStats{Waiting: 2, Active: 1, Completed: 413, Failed: 6},
		PendingJobs: []Job{{ID: "queue_import_1714142335123_m3p7q2", SourceID: "supplier-weekly-feed", TotalRows: 2000, Status: JobPending,
			BatchID: "weekly-2026-17", BatchPart: 1, BatchTotalParts: 4, CreatedAt: at("2026-04-24T12:58:55.123Z")}},
		ProcessingJobs: []Job{{ID: "import_1714142000000_a4f9k2", SourceID: "supplier-weekly-feed", TotalRows: 1800, ProcessedRows: 1200,
			Status: JobProcessing, StartedAt: at("2026-04-24T12:55:10Z")}},
	}
	if diff := cmp.Diff(want, q); diff != "" {
		t.Errorf("queue status (-want +got):\n%s", diff)
	}
}

// scriptedJobs answers Get with the statuses in order, repeating the last.
type scriptedJobs struct {
	mu       sync.Mutex
	statuses []JobStatus
	polls    []time.Time
}

func (s *scriptedJobs) Get(_ context.Context, id string) (*Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.statuses[min(len(s.polls), len(s.statuses)-1)]
	s.polls = append(s.polls, time.Now())
	return &Job{ID: id, Status: st, FailedRows: 1, TotalRows: 2}, nil
}

func TestWaitPollsToTheEnd(t *testing.T) {
	jobs := &scriptedJobs{statuses: []JobStatus{JobPending, JobProcessing, JobProcessing, JobCompletedWithErrors}}
	var seen []JobStatus
	opts := WaitOptions{MinInterval: 10 * time.Millisecond, MaxInterval: 20 * time.Millisecond, Progress: func(j *Job) { seen = append(seen, j.Status) }}
	job, err := waitForJob(context.Background(), jobs, "j", opts.withDefaults())
	if err != nil || job.Status != JobCompletedWithErrors {
		t.Fatalf("got %v, %v; want the completed_with_errors job and no error", job, err)
	}
	if diff := cmp.Diff(jobs.statuses, seen); diff != "" {
		t.Fatalf("progress calls (-want +got):\n%s", diff)
	}
	// Delays grow from MinInterval: the gaps are at least 75% of 10, 20, 20 ms.
	for i, floor := range []time.Duration{7500 * time.Microsecond, 15 * time.Millisecond, 15 * time.Millisecond} {
		if gap := jobs.polls[i+1].Sub(jobs.polls[i]); gap < floor {
			t.Fatalf("gap %d is %v, want at least %v", i, gap, floor)
		}
	}
}

func TestWaitReturnsFailedJobAsError(t *testing.T) {
	jobs := &scriptedJobs{statuses: []JobStatus{JobProcessing, JobFailed}}
	job, err := waitForJob(context.Background(), jobs, "j", (&WaitOptions{MinInterval: time.Millisecond}).withDefaults())
	var jf *JobFailedError
	if !errors.Is(err, ErrJobFailed) || !errors.As(err, &jf) || jf.Job != job || job.Status != JobFailed {
		t.Fatalf("got %v, %v; want the failed job and a *JobFailedError", job, err)
	}
}

// TestWaitMakesALastPollBeforeTheDeadline: with a deadline shorter than the
// first interval, Wait still polls a second time before giving up.
func TestWaitMakesALastPollBeforeTheDeadline(t *testing.T) {
	jobs := &scriptedJobs{statuses: []JobStatus{JobProcessing}}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	job, err := waitForJob(ctx, jobs, "j", (&WaitOptions{MinInterval: time.Hour}).withDefaults())
	if !errors.Is(err, context.DeadlineExceeded) || job == nil || job.Status != JobProcessing {
		t.Fatalf("got %v, %v; want the last job and DeadlineExceeded", job, err)
	}
	if len(jobs.polls) != 2 {
		t.Fatalf("%d polls, want 2 (one at once, one just before the deadline)", len(jobs.polls))
	}
}

func TestWaitCancelled(t *testing.T) {
	jobs := &scriptedJobs{statuses: []JobStatus{JobPending}}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(30 * time.Millisecond); cancel() }()
	_, err := waitForJob(ctx, jobs, "j", (&WaitOptions{MinInterval: 5 * time.Millisecond, MaxInterval: 5 * time.Millisecond}).withDefaults())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want Canceled", err)
	}
}

func TestWaitStopsOnGetError(t *testing.T) {
	c, mt := newMockClient(t)
	mt.RegisterResponder("GET", testBase+"/api/b2b/pim/jobs/j", httpmock.NewStringResponder(404, `{"error":"job not found"}`))
	if _, err := c.Jobs.Wait(context.Background(), "j", nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
}

// flakyJobs fails its first polls with an unreadable answer, then completes.
type flakyJobs struct{ calls, failFirst int }

func (f *flakyJobs) Get(_ context.Context, id string) (*Job, error) {
	f.calls++
	if f.calls <= f.failFirst {
		return nil, errors.New("catalog: GET /api/b2b/pim/jobs/j: malformed answer")
	}
	return &Job{ID: id, Status: JobCompleted}, nil
}

func TestWaitPollsThroughTransientFailures(t *testing.T) {
	o := (&WaitOptions{MinInterval: time.Millisecond, MaxInterval: time.Millisecond}).withDefaults()
	jobs := &flakyJobs{failFirst: maxPollFailures}
	if job, err := waitForJob(context.Background(), jobs, "j", o); err != nil || job.Status != JobCompleted {
		t.Fatalf("after %d failures: got %v, %v; want the completed job", maxPollFailures, job, err)
	}
	jobs = &flakyJobs{failFirst: maxPollFailures + 1}
	if _, err := waitForJob(context.Background(), jobs, "j", o); err == nil || jobs.calls != maxPollFailures+1 {
		t.Fatalf("after %d failures: got %v in %d polls; want Wait to give up", maxPollFailures+1, err, jobs.calls)
	}
}
