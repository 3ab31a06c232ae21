package catalog

import (
	"context"
	"errors"
	"strings"
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
		Live: true, Waiting: 2, Active: 1, Completed: 413, Failed: 6,
		PendingJobs: []Job{{ID: "queue_import_1714142335123_m3p7q2", SourceID: "supplier-weekly-feed", TotalRows: 2000, Status: JobPending,
			BatchID: "weekly-2026-17", BatchPart: 1, BatchTotalParts: 4, CreatedAt: at("2026-04-24T12:58:55.123Z")}},
		ProcessingJobs: []Job{{ID: "import_1714142000000_a4f9k2", SourceID: "supplier-weekly-feed", TotalRows: 1800, ProcessedRows: 1200,
			Status: JobProcessing, StartedAt: at("2026-04-24T12:55:10Z")}},
	}
	if diff := cmp.Diff(want, q); diff != "" {
		t.Errorf("queue status (-want +got):\n%s", diff)
	}
}

func TestJobsQueueWithoutLiveCounters(t *testing.T) {
	c, mt := newMockClient(t)
	for _, body := range []string{`{"queue_stats":null,"pending_jobs":[]}`, `{"queue_stats":{"waiting":0,"active":0,"completed":0,"failed":0}}`} {
		mt.RegisterResponder("GET", testBase+queuePath, httpmock.NewStringResponder(200, body))
		q, err := c.Jobs.QueueStatus(context.Background())
		if want := strings.Contains(body, "waiting"); err != nil || q.Live != want {
			t.Errorf("%s: got %+v, %v; want Live %t", body, q, err, want)
		}
	}
}

// scriptedJobs answers Get with the statuses in order, repeating the last,
// and notes the clock's time of each poll.
type scriptedJobs struct {
	mu       sync.Mutex
	clock    Clock
	statuses []JobStatus
	polls    []time.Time
}

func (s *scriptedJobs) Get(_ context.Context, id string) (*Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.statuses[min(len(s.polls), len(s.statuses)-1)]
	s.polls = append(s.polls, s.clock.Now())
	return &Job{ID: id, Status: st, FailedRows: 1, TotalRows: 2}, nil
}

// waitOn returns opts with their defaults, polling on clock.
func waitOn(clock Clock, opts WaitOptions) WaitOptions {
	o := opts.withDefaults()
	o.clock = clock
	return o
}

func TestWaitPollsToTheEnd(t *testing.T) {
	clock := &autoClock{now: time.Now()}
	jobs := &scriptedJobs{clock: clock, statuses: []JobStatus{JobPending, JobProcessing, JobProcessing, JobCompletedWithErrors}}
	var seen []JobStatus
	opts := WaitOptions{MinInterval: 10 * time.Second, MaxInterval: 20 * time.Second, Progress: func(j *Job) { seen = append(seen, j.Status) }}
	job, err := waitForJob(context.Background(), jobs, "j", waitOn(clock, opts))
	if err != nil || job.Status != JobCompletedWithErrors {
		t.Fatalf("got %v, %v; want the completed_with_errors job and no error", job, err)
	}
	if diff := cmp.Diff(jobs.statuses, seen); diff != "" {
		t.Fatalf("progress calls (-want +got):\n%s", diff)
	}
	// Delays grow from MinInterval: the gaps are 75% to 125% of 10, 20, 20 s.
	for i, d := range []time.Duration{10 * time.Second, 20 * time.Second, 20 * time.Second} {
		if gap := jobs.polls[i+1].Sub(jobs.polls[i]); gap < d*3/4 || gap > d*5/4 {
			t.Fatalf("gap %d is %v, want %v to %v", i, gap, d*3/4, d*5/4)
		}
	}
}

func TestWaitReturnsFailedJobAsError(t *testing.T) {
	clock := &autoClock{now: time.Now()}
	jobs := &scriptedJobs{clock: clock, statuses: []JobStatus{JobProcessing, JobFailed}}
	job, err := waitForJob(context.Background(), jobs, "j", waitOn(clock, WaitOptions{}))
	if !errors.Is(err, ErrJobFailed) || !strings.Contains(err.Error(), "job j:") || job == nil || job.Status != JobFailed {
		t.Fatalf("got %v, %v; want the failed job and an error naming it that matches ErrJobFailed", job, err)
	}
}

// TestWaitMakesALastPollBeforeTheDeadline: with a deadline shorter than the
// first interval, Wait still polls a second time before giving up.
func TestWaitMakesALastPollBeforeTheDeadline(t *testing.T) {
	clock := &autoClock{now: time.Now()}
	jobs := &scriptedJobs{clock: clock, statuses: []JobStatus{JobProcessing}}
	deadline := clock.Now().Add(time.Minute)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	// The deadline is on the system clock, which the test does not wait
	// for: once the second poll is made, the context ends as it would.
	opts := WaitOptions{MinInterval: time.Hour, Progress: func(*Job) {
		if len(jobs.polls) == 2 {
			cancel()
		}
	}}
	job, err := waitForJob(ctx, jobs, "j", waitOn(clock, opts))
	if !errors.Is(err, context.Canceled) || job == nil || job.Status != JobProcessing {
		t.Fatalf("got %v, %v; want the last job and the context's end", job, err)
	}
	if len(jobs.polls) != 2 {
		t.Fatalf("%d polls, want 2 (one at once, one just before the deadline)", len(jobs.polls))
	}
	if last := jobs.polls[1]; !last.Before(deadline) || last.Before(deadline.Add(-2*time.Second)) {
		t.Fatalf("last poll at %v, want it in the 2 s before the deadline %v", last, deadline)
	}
}

func TestWaitCancelled(t *testing.T) {
	clock := &autoClock{now: time.Now()}
	jobs := &scriptedJobs{clock: clock, statuses: []JobStatus{JobPending}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	polls := 0
	opts := WaitOptions{MinInterval: 5 * time.Millisecond, MaxInterval: 5 * time.Millisecond, Progress: func(*Job) {
		if polls++; polls == 6 {
			cancel()
		}
	}}
	_, err := waitForJob(ctx, jobs, "j", waitOn(clock, opts))
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
	o := waitOn(&autoClock{now: time.Now()}, WaitOptions{MinInterval: time.Millisecond, MaxInterval: time.Millisecond})
	jobs := &flakyJobs{failFirst: maxPollFailures}
	if job, err := waitForJob(context.Background(), jobs, "j", o); err != nil || job.Status != JobCompleted {
		t.Fatalf("after %d failures: got %v, %v; want the completed job", maxPollFailures, job, err)
	}
	jobs = &flakyJobs{failFirst: maxPollFailures + 1}
	if _, err := waitForJob(context.Background(), jobs, "j", o); err == nil || jobs.calls != maxPollFailures+1 {
		t.Fatalf("after %d failures: got %v in %d polls; want Wait to give up", maxPollFailures+1, err, jobs.calls)
	}
}
