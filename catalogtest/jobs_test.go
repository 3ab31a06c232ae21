package catalogtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pimkit/catalog"
)

func queueJob(t *testing.T, s *Server, body map[string]any) string {
	t.Helper()
	a := send(t, s, http.MethodPost, pathImportQueue, body)
	a.wantStatus(t, http.StatusAccepted, "")
	return a.body["job_id"].(string)
}

// queueJobsOfA queues n jobs, each of product A with its own "n", and
// returns their ids in order.
func queueJobsOfA(t *testing.T, s *Server, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = queueJob(t, s, importReq(DefaultSourceID, map[string]any{"entity_code": "A", "n": i}))
	}
	return ids
}

func getJob(t *testing.T, s *Server, id string) map[string]any {
	t.Helper()
	a := send(t, s, http.MethodGet, "/api/b2b/pim/jobs/"+id, nil)
	a.wantStatus(t, http.StatusOK, "")
	return a.object(t, "job")
}

// jobView is the part of a wire job the lifecycle test follows.
func jobView(j map[string]any) map[string]any {
	out := map[string]any{}
	for _, k := range []string{"status", "processed_rows", "successful_rows", "failed_rows", "started_at", "completed_at"} {
		if v, ok := j[k]; ok {
			out[k] = v
		}
	}
	return out
}

func TestQueuedJobLifecycle(t *testing.T) {
	const delay = time.Minute
	clock := NewFakeClock(t0)
	s := newTestServer(t, WithClock(clock), WithJobDelay(delay))
	good := queueJob(t, s, importReq(DefaultSourceID, map[string]any{"entity_code": "A"}, map[string]any{"entity_code": "B"}))
	mixed := queueJob(t, s, importReq(DefaultSourceID, map[string]any{"entity_code": "C"}, map[string]any{"name": "no id"}))
	bad := queueJob(t, s, importReq(DefaultSourceID, 1, 2))

	ts := func(d time.Duration) string { return formatTime(t0.Add(d)) }
	pending := map[string]any{"status": "pending", "processed_rows": 0.0, "successful_rows": 0.0, "failed_rows": 0.0}
	processing := func(started time.Duration) map[string]any {
		return map[string]any{"status": "processing", "processed_rows": 0.0, "successful_rows": 0.0, "failed_rows": 0.0, "started_at": ts(started)}
	}
	steps := []struct {
		name string
		want map[string]map[string]any
	}{
		{"first job taken, others wait", map[string]map[string]any{
			good: processing(0), mixed: pending, bad: pending}},
		{"first done, second taken", map[string]map[string]any{
			good:  {"status": "completed", "processed_rows": 2.0, "successful_rows": 2.0, "failed_rows": 0.0, "started_at": ts(0), "completed_at": ts(delay)},
			mixed: processing(delay), bad: pending}},
		{"second done with errors, third taken", map[string]map[string]any{
			mixed: {"status": "completed_with_errors", "processed_rows": 2.0, "successful_rows": 1.0, "failed_rows": 1.0, "started_at": ts(delay), "completed_at": ts(2 * delay)},
			bad:   processing(2 * delay)}},
	}
	for i, step := range steps {
		if i > 0 {
			clock.Advance(delay)
		}
		waitTimers(t, clock, 1) // the worker has taken the next job and sleeps
		for id, want := range step.want {
			if diff := cmp.Diff(want, jobView(getJob(t, s, id))); diff != "" {
				t.Errorf("%s: job %s (-want +got):\n%s", step.name, id, diff)
			}
		}
	}
	if _, ok := s.Product("C"); !ok {
		t.Error("product C not stored once its job completed")
	}
	clock.Advance(delay)
	waitJobs(t, s)
	want := map[string]any{"status": "failed", "processed_rows": 2.0, "successful_rows": 0.0, "failed_rows": 2.0,
		"started_at": ts(2 * delay), "completed_at": ts(3 * delay)}
	if diff := cmp.Diff(want, jobView(getJob(t, s, bad))); diff != "" {
		t.Errorf("last job (-want +got):\n%s", diff)
	}
}

func TestQueuedJobNotAppliedBeforeDelay(t *testing.T) {
	clock := NewFakeClock(t0)
	s := newTestServer(t, WithClock(clock), WithJobDelay(time.Second))
	id := queueJob(t, s, importReq(DefaultSourceID, map[string]any{"entity_code": "A"}))
	waitTimers(t, clock, 1)
	if _, ok := s.Product("A"); ok {
		t.Error("product stored while its job is still processing")
	}
	clock.Advance(time.Second)
	waitJobs(t, s)
	mustProduct(t, s, "A")
	if j, _ := s.Job(id); j.Status != catalog.JobCompleted || j.Type != JobTypeQueueImport {
		t.Errorf("job = %s %s, want queue_import completed", j.Type, j.Status)
	}
}

func TestQueuedJobWireShape(t *testing.T) {
	s := newTestServer(t, WithClock(NewFakeClock(t0)))
	body := importReq(DefaultSourceID, map[string]any{"entity_code": "A"}, "x")
	body["merge_mode"] = catalog.MergePartial
	body["batch_metadata"] = map[string]any{"batch_id": "wk-17", "batch_part": 2, "batch_total_parts": 4, "batch_total_items": 8000}
	id := queueJob(t, s, body)
	waitJobs(t, s)
	want := map[string]any{
		"job_id": id, "job_type": "queue_import", "source_id": "default", "status": "completed_with_errors",
		"merge_mode": "partial", "total_rows": 2.0, "processed_rows": 2.0, "successful_rows": 1.0,
		"failed_rows": 1.0, "created_rows": 1.0, "updated_rows": 0.0, "auto_published": 1.0,
		"batch_id": "wk-17", "batch_part": 2.0, "batch_total_parts": 4.0, "batch_total_items": 8000.0,
		"created_at": formatTime(t0), "started_at": formatTime(t0), "completed_at": formatTime(t0),
		"import_errors": []any{map[string]any{"row": 1.0, "entity_code": "", "error": "product must be a JSON object, got a string", "raw_data": "x"}},
	}
	if diff := cmp.Diff(want, getJob(t, s, id)); diff != "" {
		t.Errorf("job (-want +got):\n%s", diff)
	}
	// Versions of a queued job carry its batch.
	if p := mustProduct(t, s, "A"); p.Source.BatchID != "wk-17" || p.JobID != id {
		t.Errorf("version source batch %q, job %q", p.Source.BatchID, p.JobID)
	}
}

func TestQueueStatus(t *testing.T) {
	clock := NewFakeClock(t0)
	s := newTestServer(t, WithClock(clock), WithJobDelay(time.Minute))
	directImport(t, s, importReq(DefaultSourceID, map[string]any{"entity_code": "D"})) // not counted
	var ids []string
	for i := range 13 {
		clock.Advance(time.Millisecond) // distinct created_at
		body := importReq(DefaultSourceID, map[string]any{"entity_code": fmt.Sprint("Q", i)})
		body["batch_id"] = fmt.Sprint("batch-", i)
		ids = append(ids, queueJob(t, s, body))
	}
	waitTimers(t, clock, 1)

	a := send(t, s, http.MethodGet, pathImportQueue, nil)
	a.wantStatus(t, http.StatusOK, "")
	if diff := cmp.Diff(map[string]any{"waiting": 12.0, "active": 1.0, "completed": 0.0, "failed": 0.0}, a.object(t, "queue_stats")); diff != "" {
		t.Errorf("queue_stats (-want +got):\n%s", diff)
	}
	var pendingIDs []string
	for _, j := range a.body["pending_jobs"].([]any) {
		pendingIDs = append(pendingIDs, j.(map[string]any)["job_id"].(string))
	}
	wantPending := []string{ids[12], ids[11], ids[10], ids[9], ids[8], ids[7], ids[6], ids[5], ids[4], ids[3]}
	if diff := cmp.Diff(wantPending, pendingIDs); diff != "" {
		t.Errorf("pending_jobs: the 10 newest first (-want +got):\n%s", diff)
	}
	processing := a.body["processing_jobs"].([]any)
	if len(processing) != 1 || processing[0].(map[string]any)["job_id"] != ids[0] || processing[0].(map[string]any)["batch_id"] != "batch-0" {
		t.Errorf("processing_jobs = %v, want the first queued job", processing)
	}

	for range 13 {
		waitTimers(t, clock, 1) // advance only once the worker sleeps on its next job
		clock.Advance(time.Minute)
	}
	waitJobs(t, s)
	a = send(t, s, http.MethodGet, pathImportQueue, nil)
	if diff := cmp.Diff(map[string]any{"waiting": 0.0, "active": 0.0, "completed": 13.0, "failed": 0.0}, a.object(t, "queue_stats")); diff != "" {
		t.Errorf("queue_stats after the jobs ran (-want +got):\n%s", diff)
	}
	if len(a.body["pending_jobs"].([]any)) != 0 || len(a.body["processing_jobs"].([]any)) != 0 {
		t.Errorf("lists not empty: %s", a.raw)
	}
}

func TestQueueStatusCountsFailed(t *testing.T) {
	s := newTestServer(t)
	queueJob(t, s, importReq(DefaultSourceID, 1))
	queueJob(t, s, importReq(DefaultSourceID, map[string]any{"entity_code": "A"}, 2))
	waitJobs(t, s)
	a := send(t, s, http.MethodGet, pathImportQueue, nil)
	if diff := cmp.Diff(map[string]any{"waiting": 0.0, "active": 0.0, "completed": 1.0, "failed": 1.0}, a.object(t, "queue_stats")); diff != "" {
		t.Errorf("queue_stats (-want +got):\n%s", diff)
	}
}

func TestJobsOrderAndCopies(t *testing.T) {
	clock := NewFakeClock(t0)
	s := newTestServer(t, WithClock(clock))
	first := directImport(t, s, importReq(DefaultSourceID, map[string]any{"sku": 1})).body["job_id"].(string)
	clock.Advance(time.Second)
	second := queueJob(t, s, importReq(DefaultSourceID, map[string]any{"entity_code": "A"}))
	waitJobs(t, s)

	jobs := s.Jobs()
	if len(jobs) != 2 || jobs[0].ID != first || jobs[1].ID != second {
		t.Fatalf("Jobs() = %v, want oldest first", jobs)
	}
	copy(jobs[0].Errors[0].RawData, "changed")
	j, ok := s.Job(first)
	if !ok || bytes.HasPrefix(j.Errors[0].RawData, []byte("changed")) {
		t.Error("Job returned the server's own row error data")
	}
	if _, ok := s.Job("nope"); ok {
		t.Error("Job(unknown) reported a job")
	}
}

func TestWaitForJobsHonoursContext(t *testing.T) {
	clock := NewFakeClock(t0)
	s := newTestServer(t, WithClock(clock), WithJobDelay(time.Hour))
	queueJob(t, s, importReq(DefaultSourceID, map[string]any{"entity_code": "A"}))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.WaitForJobs(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitForJobs = %v, want DeadlineExceeded while the clock stands still", err)
	}
	waitTimers(t, clock, 1)
	clock.Advance(time.Hour)
	waitJobs(t, s)
}

func TestWorkerRunsJobsFIFO(t *testing.T) {
	clock := NewFakeClock(t0)
	s := newTestServer(t, WithClock(clock), WithJobDelay(time.Second))
	// The worker sleeps on the first job while the others pile up behind it.
	ids := queueJobsOfA(t, s, 6)
	for range ids {
		waitTimers(t, clock, 1)
		clock.Advance(time.Second)
	}
	waitJobs(t, s)
	vs := s.Versions("A")
	if len(vs) != len(ids) {
		t.Fatalf("%d versions, want %d", len(vs), len(ids))
	}
	for i, v := range vs {
		if v.JobID != ids[i] {
			t.Errorf("version %d written by job %s, want %s (FIFO)", i+1, v.JobID, ids[i])
		}
	}
}

// counterFields returns the counter fields of a raw job object, as their
// JSON text; the job must keep its import_errors.
func counterFields(t *testing.T, raw json.RawMessage) map[string]string {
	t.Helper()
	var job map[string]json.RawMessage
	if err := json.Unmarshal(raw, &job); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, k := range []string{"status", "total_rows", "processed_rows", "successful_rows", "failed_rows",
		"created_rows", "updated_rows", "error_rows", "auto_published"} {
		if v, ok := job[k]; ok {
			out[k] = string(v)
		}
	}
	if _, ok := job["import_errors"]; !ok {
		t.Error("job has no import_errors")
	}
	return out
}

func TestWithJobCounters(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		want map[string]string
	}{
		{"default", nil, map[string]string{"status": `"completed_with_errors"`, "total_rows": "3", "processed_rows": "3",
			"successful_rows": "2", "failed_rows": "1", "created_rows": "1", "updated_rows": "1", "auto_published": "2"}},
		{"error rows", []Option{WithJobCounters(JobCountersErrorRows)}, map[string]string{"status": `"completed_with_errors"`,
			"total_rows": "3", "processed_rows": "3", "created_rows": "1", "updated_rows": "1", "error_rows": "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, tt.opts...)
			directImport(t, s, importReq(DefaultSourceID, map[string]any{"entity_code": "A"}))
			id := directImport(t, s, importReq(DefaultSourceID, map[string]any{"entity_code": "A"},
				map[string]any{"entity_code": "B"}, map[string]any{"name": "no id"})).body["job_id"].(string)
			var got struct{ Job json.RawMessage }
			if err := json.Unmarshal(send(t, s, http.MethodGet, "/api/b2b/pim/jobs/"+id, nil).raw, &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, counterFields(t, got.Job)); diff != "" {
				t.Errorf("GET job counters (-want +got):\n%s", diff)
			}
			if j, _ := s.Job(id); j.SuccessfulRows != 2 || j.FailedRows != 1 {
				t.Errorf("Server.Job: %d successful, %d failed; want 2 and 1 whatever the wire names", j.SuccessfulRows, j.FailedRows)
			}
		})
	}
}

func TestWithJobCountersInQueueStatus(t *testing.T) {
	clock := NewFakeClock(t0)
	s := newTestServer(t, WithJobCounters(JobCountersErrorRows), WithClock(clock), WithJobDelay(time.Minute))
	queueJob(t, s, importReq(DefaultSourceID, map[string]any{"entity_code": "A"}))
	queueJob(t, s, importReq(DefaultSourceID, map[string]any{"entity_code": "B"}))
	waitTimers(t, clock, 1) // the first job is processing, the second pending
	var got struct {
		PendingJobs    []json.RawMessage `json:"pending_jobs"`
		ProcessingJobs []json.RawMessage `json:"processing_jobs"`
	}
	if err := json.Unmarshal(send(t, s, http.MethodGet, pathImportQueue, nil).raw, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.PendingJobs) != 1 || len(got.ProcessingJobs) != 1 {
		t.Fatalf("%d pending, %d processing; want 1 and 1", len(got.PendingJobs), len(got.ProcessingJobs))
	}
	for _, raw := range []json.RawMessage{got.PendingJobs[0], got.ProcessingJobs[0]} {
		c := counterFields(t, raw)
		delete(c, "status")
		want := map[string]string{"total_rows": "1", "processed_rows": "0", "created_rows": "0", "updated_rows": "0", "error_rows": "0"}
		if diff := cmp.Diff(want, c); diff != "" {
			t.Errorf("queued job counters (-want +got):\n%s", diff)
		}
	}
}
