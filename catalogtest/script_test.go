package catalogtest

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pimkit/catalog"
)

func TestStubAnswersTheNthCall(t *testing.T) {
	s := newTestServer(t)
	s.Stub(Stub{Op: OpImportAPI, Nth: 2, Status: 500, Code: "DB_DOWN", Message: "database unavailable"})
	body := importReq(DefaultSourceID, map[string]any{"entity_code": "A"})
	directImport(t, s, body)
	a := send(t, s, http.MethodPost, pathImportAPI, body)
	a.wantStatus(t, http.StatusInternalServerError, "DB_DOWN")
	if a.body["error"] != "database unavailable" {
		t.Errorf("error = %v", a.body["error"])
	}
	directImport(t, s, body)
	if n := len(s.Versions("A")); n != 2 {
		t.Errorf("%d versions, want 2: the stubbed call applies nothing", n)
	}
	var stubbed []bool
	for _, r := range s.Requests() {
		stubbed = append(stubbed, r.Stubbed)
	}
	if diff := cmp.Diff([]bool{false, true, false}, stubbed); diff != "" {
		t.Errorf("Request.Stubbed (-want +got):\n%s", diff)
	}
}

func TestStubBodiesAndOrder(t *testing.T) {
	s := newTestServer(t)
	s.Stub(Stub{Op: OpGetJob, Times: 1, Body: map[string]any{"job": map[string]any{"job_id": "x", "status": "failed"}},
		Header: http.Header{"Retry-After": {"3"}}})
	s.Stub(Stub{Op: OpGetJob, Times: 1, Status: 503, Body: `{"oops": true}`})
	s.Stub(Stub{Op: OpGetJob, Status: 99})
	a := send(t, s, http.MethodGet, "/api/b2b/pim/jobs/x", nil)
	a.wantStatus(t, http.StatusOK, "")
	if a.object(t, "job")["status"] != "failed" || a.header.Get("Retry-After") != "3" {
		t.Errorf("first answer %s, Retry-After %q", a.raw, a.header.Get("Retry-After"))
	}
	a = send(t, s, http.MethodGet, "/api/b2b/pim/jobs/x", nil)
	if a.status != 503 || string(a.raw) != `{"oops": true}` {
		t.Errorf("second answer %d %s", a.status, a.raw)
	}
	send(t, s, http.MethodGet, "/api/b2b/pim/jobs/x", nil).wantStatus(t, 500, codeInternal)
	s.ClearStubs()
	send(t, s, http.MethodGet, "/api/b2b/pim/jobs/x", nil).wantStatus(t, 404, codeJobNotFound)
}

func TestStubComesAfterAuthentication(t *testing.T) {
	s := newTestServer(t)
	s.Stub(Stub{Status: 200})
	send(t, s, http.MethodGet, pathImportQueue, nil, noAuth).wantStatus(t, http.StatusUnauthorized, codeUnauthenticated)
	if r := s.Requests(); r[0].Stubbed {
		t.Error("an unauthenticated request was stubbed")
	}
}

func TestScriptedJobOutcomes(t *testing.T) {
	s := newTestServer(t, WithManualWorker())
	for _, o := range []JobOutcome{
		{Nth: 1, Status: catalog.JobFailed, Message: "worker crashed"},
		{Nth: 2, Status: catalog.JobCompletedWithErrors, FailRows: []int{0}},
		{Nth: 3, Status: catalog.JobCompletedWithErrors},
		{Nth: 4, Status: catalog.JobPending},
		{Nth: 5, Status: catalog.JobProcessing},
	} {
		if err := s.ScriptJob(o); err != nil {
			t.Fatal(err)
		}
	}
	two := importReq(DefaultSourceID, map[string]any{"entity_code": "A"}, map[string]any{"entity_code": "B"})
	var ids []string
	for range 6 {
		ids = append(ids, queueJob(t, s, two))
	}
	var ran []string
	for {
		j, err := s.RunNextJob()
		if errors.Is(err, ErrNoPendingJob) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ran = append(ran, j.ID)
	}
	if diff := cmp.Diff([]string{ids[0], ids[1], ids[2], ids[5]}, ran); diff != "" {
		t.Errorf("jobs run (-want +got):\n%s", diff)
	}
	type view struct {
		Status          catalog.JobStatus
		Success, Failed int
		Errors          []string
	}
	var got []view
	for _, id := range ids {
		j, _ := s.Job(id)
		v := view{Status: j.Status, Success: j.SuccessfulRows, Failed: j.FailedRows}
		for _, e := range j.Errors {
			v.Errors = append(v.Errors, e.EntityCode+": "+e.Reason)
		}
		got = append(got, v)
	}
	want := []view{
		{catalog.JobFailed, 0, 2, []string{"A: worker crashed", "B: worker crashed"}},
		{catalog.JobCompletedWithErrors, 1, 1, []string{"A: catalogtest: scripted row failure"}},
		{catalog.JobCompletedWithErrors, 1, 1, []string{"B: catalogtest: scripted row failure"}},
		{Status: catalog.JobPending},
		{Status: catalog.JobProcessing},
		{Status: catalog.JobCompleted, Success: 2},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("jobs (-want +got):\n%s", diff)
	}
	// Versions: job 2 stored B, job 3 stored A, job 6 both; job 1 nothing.
	if a, b := len(s.Versions("A")), len(s.Versions("B")); a != 2 || b != 2 {
		t.Errorf("versions: A %d, B %d; want 2 and 2", a, b)
	}
	waitJobs(t, s) // held jobs are not waited for

	// The held job runs once scripted again.
	if err := s.ScriptJob(JobOutcome{JobID: ids[3], Status: catalog.JobCompleted}); err != nil {
		t.Fatal(err)
	}
	if j, err := s.RunNextJob(); err != nil || j.ID != ids[3] || j.Status != catalog.JobCompleted {
		t.Errorf("RunNextJob after release = %s %s, %v", j.ID, j.Status, err)
	}
	if err := s.ScriptJob(JobOutcome{JobID: ids[0], Status: catalog.JobFailed}); err == nil {
		t.Error("ScriptJob of a finished job succeeded")
	}
	if err := s.ScriptJob(JobOutcome{Status: "queued"}); err == nil {
		t.Error("ScriptJob with status queued succeeded")
	}
}

func TestRunNextJobNeedsAManualWorker(t *testing.T) {
	s := newTestServer(t)
	if _, err := s.RunNextJob(); err == nil || errors.Is(err, ErrNoPendingJob) {
		t.Errorf("RunNextJob on an automatic worker = %v", err)
	}
}

func TestManualWorkerLeavesJobsPending(t *testing.T) {
	s := newTestServer(t, WithManualWorker(), WithJobDelay(time.Hour))
	id := queueJob(t, s, importReq(DefaultSourceID, map[string]any{"entity_code": "A"}))
	if j, _ := s.Job(id); j.Status != catalog.JobPending {
		t.Fatalf("job is %s before RunNextJob", j.Status)
	}
	if j, err := s.RunNextJob(); err != nil || j.Status != catalog.JobCompleted {
		t.Fatalf("RunNextJob = %s, %v (WithJobDelay must not apply)", j.Status, err)
	}
	mustProduct(t, s, "A")
}

func TestWaitJob(t *testing.T) {
	clock := NewFakeClock(t0)
	s := newTestServer(t, WithClock(clock), WithJobDelay(time.Minute))
	id := queueJob(t, s, importReq(DefaultSourceID, map[string]any{"entity_code": "A"}))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if j, err := s.WaitJob(ctx, id, catalog.JobProcessing); err != nil || j.Status != catalog.JobProcessing {
		t.Fatalf("WaitJob(processing) = %s, %v", j.Status, err)
	}
	done := make(chan catalog.Job)
	go func() {
		j, err := s.WaitJob(ctx, id)
		if err != nil {
			t.Error(err)
		}
		done <- j
	}()
	clock.Advance(time.Minute)
	if j := <-done; j.Status != catalog.JobCompleted {
		t.Errorf("WaitJob = %s, want completed", j.Status)
	}
	if _, err := s.WaitJob(ctx, "nope"); err == nil {
		t.Error("WaitJob(unknown) succeeded")
	}
	short, cancelShort := context.WithCancel(context.Background())
	cancelShort()
	if _, err := s.WaitJob(short, id, catalog.JobFailed); !errors.Is(err, context.Canceled) {
		t.Errorf("WaitJob with a cancelled context = %v", err)
	}
}

func TestWaitRequests(t *testing.T) {
	s := newTestServer(t)
	client := fastClient(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for range 3 {
			if _, err := client.Jobs.QueueStatus(ctx); err != nil {
				t.Error(err)
			}
		}
	}()
	defer func() { <-sent }()
	reqs, err := s.WaitRequests(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) < 3 || reqs[2].Status != http.StatusOK {
		t.Fatalf("WaitRequests = %d requests, third status %d", len(reqs), reqs[2].Status)
	}
	short, cancelShort := context.WithCancel(context.Background())
	cancelShort()
	if _, err := s.WaitRequests(short, 4); !errors.Is(err, context.Canceled) {
		t.Errorf("WaitRequests(4) with a cancelled context = %v", err)
	}
}

func TestAdvanceReturnsOnceTheJobIsApplied(t *testing.T) {
	clock := NewFakeClock(t0)
	s := newTestServer(t, WithClock(clock), WithJobDelay(time.Minute))
	ids := queueJobsOfA(t, s, 3)
	// No WaitForTimers, no WaitForJobs: Advance itself waits for the worker.
	clock.Advance(time.Minute)
	if j, _ := s.Job(ids[0]); j.Status != catalog.JobCompleted || len(s.Versions("A")) != 1 {
		t.Fatalf("after one delay: first job %s, %d versions", j.Status, len(s.Versions("A")))
	}
	if j, _ := s.Job(ids[1]); j.Status != catalog.JobProcessing || !j.StartedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("second job %s started %v, want processing since %v", j.Status, j.StartedAt, t0.Add(time.Minute))
	}
	// Two delays at once run both remaining jobs, each a delay after the last.
	clock.Advance(2 * time.Minute)
	for i, id := range ids {
		j, _ := s.Job(id)
		if want := t0.Add(time.Duration(i+1) * time.Minute); j.Status != catalog.JobCompleted || !j.CompletedAt.Equal(want) {
			t.Errorf("job %d: %s at %v, want completed at %v", i, j.Status, j.CompletedAt, want)
		}
	}
	if !clock.Now().Equal(t0.Add(3 * time.Minute)) {
		t.Errorf("clock at %v", clock.Now())
	}
}

func TestAdvanceZeroWaitsForQueuedWork(t *testing.T) {
	clock := NewFakeClock(t0)
	s := newTestServer(t, WithClock(clock))
	for range 5 {
		id := queueJob(t, s, importReq(DefaultSourceID, map[string]any{"entity_code": "A"}))
		clock.Advance(0)
		if j, _ := s.Job(id); j.Status != catalog.JobCompleted {
			t.Fatalf("after Advance(0) the job is %s", j.Status)
		}
	}
}
