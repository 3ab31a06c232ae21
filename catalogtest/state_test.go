package catalogtest

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pimkit/catalog"
)

func TestSeedProductAddsNothingButTheVersion(t *testing.T) {
	s := newTestServer(t, WithClock(NewFakeClock(t0)), WithRateLimit(1, time.Minute))
	v, err := s.SeedProduct(catalog.Product{EntityCode: "A", Name: catalog.PlainText("Valve"),
		Pricing: &catalog.Pricing{List: catalog.Ptr(12.5)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SeedProduct(map[string]any{"entity_code": "A", "name": "Valve v2"}); err != nil {
		t.Fatal(err)
	}
	if v.Version != 1 || v.Status != StatusPublished || v.Score != 100 || v.JobID != "" || v.SKU != "A" {
		t.Errorf("seeded version = %+v", v)
	}
	if diff := cmp.Diff(map[string]any{"en": "Valve"}, v.Data["name"]); diff != "" {
		t.Errorf("name not wrapped as an import would (-want +got):\n%s", diff)
	}
	if n := len(s.Versions("A")); n != 2 {
		t.Errorf("%d versions, want the 2 seeded", n)
	}
	if n, r, b := len(s.Jobs()), len(s.Requests()), s.SearchSyncBatches(); n+r+b != 0 {
		t.Errorf("seeding left %d jobs, %d requests, %d search-sync batches; want none", n, r, b)
	}
	// The one request the rate limit allows is still there.
	send(t, s, http.MethodGet, pathImportQueue, nil).wantStatus(t, http.StatusOK, "")
	if _, err := s.SeedProduct("not an object"); err == nil {
		t.Error("SeedProduct(string) succeeded")
	}
	if _, err := s.SeedProduct(map[string]any{"name": "no id"}); err == nil {
		t.Error("SeedProduct without entity_code or sku succeeded")
	}
}

func TestSeedVersions(t *testing.T) {
	s := newTestServer(t, WithClock(NewFakeClock(t0)))
	err := s.SeedVersions(
		ProductVersion{EntityCode: "A", Status: StatusDraft, Score: 50, Data: map[string]any{"price": 10}},
		ProductVersion{EntityCode: "A", Data: map[string]any{"price": 12.5}},
		ProductVersion{EntityCode: "B", SKU: "sku-b"},
	)
	if err != nil {
		t.Fatal(err)
	}
	vs := s.Versions("A")
	if len(vs) != 2 || vs[0].Version != 1 || vs[0].IsCurrent || vs[0].Status != StatusDraft ||
		vs[1].Version != 2 || !vs[1].IsCurrent || vs[1].Status != StatusPublished || !vs[1].PublishedAt.Equal(t0) {
		t.Fatalf("versions of A = %+v", vs)
	}
	if diff := cmp.Diff(map[string]any{"entity_code": "A", "sku": "A", "price": json.Number("12.5")}, vs[1].Data); diff != "" {
		t.Errorf("Data (-want +got):\n%s", diff)
	}
	if b := mustProduct(t, s, "B"); b.SKU != "sku-b" || b.Data["sku"] != "sku-b" {
		t.Errorf("B = %+v", b)
	}
	// An import then adds version 3, merging onto the seeded one.
	body := importReq(DefaultSourceID, map[string]any{"entity_code": "A", "name": "Valve"})
	body["merge_mode"] = "partial"
	directImport(t, s, body)
	if a := mustProduct(t, s, "A"); a.Version != 3 || a.Data["price"] != json.Number("12.5") {
		t.Errorf("after a partial import, A = %+v", a)
	}
	if err := s.SeedVersions(ProductVersion{EntityCode: "C"}, ProductVersion{}); err == nil {
		t.Error("SeedVersions without EntityCode succeeded")
	}
	if _, ok := s.Product("C"); ok {
		t.Error("a failed SeedVersions stored part of its versions")
	}
}

func TestSeedJob(t *testing.T) {
	s := newTestServer(t, WithClock(NewFakeClock(t0)))
	client := fastClient(t, s)
	failed, err := s.SeedJob(catalog.Job{Status: catalog.JobFailed, TotalRows: 1, ProcessedRows: 1, FailedRows: 1,
		Errors: []catalog.RowError{{Row: 0, EntityCode: "A", Reason: "boom", RawData: json.RawMessage(`{"entity_code":"A"}`)}}})
	if err != nil {
		t.Fatal(err)
	}
	pending, err := s.SeedJob(catalog.Job{ID: "queue_import_1_abcdef", Status: catalog.JobPending, TotalRows: 5})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SeedJob(catalog.Job{ID: pending.ID}); err == nil {
		t.Error("SeedJob with a taken ID succeeded")
	}
	if _, err := s.SeedJob(catalog.Job{Status: statusQueued}); err == nil {
		t.Error("SeedJob with status queued succeeded")
	}
	got, err := client.Jobs.Get(context.Background(), failed.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(failed, *got); diff != "" {
		t.Errorf("seeded job as read (-want +got):\n%s", diff)
	}
	if got.Type != JobTypeQueueImport || got.SourceID != DefaultSourceID || !got.CompletedAt.Equal(t0) {
		t.Errorf("defaults not filled in: %+v", got)
	}
	waitJobs(t, s) // a seeded pending job is not waited for
	if j, _ := s.Job(pending.ID); j.Status != catalog.JobPending {
		t.Errorf("seeded pending job is %s", j.Status)
	}
	if len(s.Requests()) != 1 {
		t.Errorf("%d requests, want only the client's GET", len(s.Requests()))
	}
	st, err := client.Jobs.QueueStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !st.Live || st.Waiting != 1 || st.Failed != 1 {
		t.Errorf("queue status = %+v, want live counters: 1 waiting and 1 failed", *st)
	}
}

func TestResetForgetsEverything(t *testing.T) {
	clock := NewFakeClock(t0)
	s := newTestServer(t, WithClock(clock), WithRateLimit(3, time.Minute),
		WithSource(catalog.Source{ID: "erp", Name: "ERP"}),
		WithFaults(Fault{Kind: FaultStatus, Status: 503, Op: OpQueueStatus, Nth: 1}))
	fresh := func() (ids []string, answers []int) {
		send(t, s, http.MethodGet, pathImportQueue, nil).wantStatus(t, http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")
		req := newTestRequest(t, s, http.MethodPost, pathImportAPI, importReq("erp", map[string]any{"entity_code": "A"}))
		req.Header.Set(headerIdempotencyKey, "k1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		answers = append(answers, resp.StatusCode)
		ids = append(ids, queueJob(t, s, importReq("erp", map[string]any{"entity_code": "B"})))
		waitJobs(t, s)
		return ids, answers
	}
	ids1, answers1 := fresh()
	if err := s.AddSource(catalog.Source{ID: "extra"}); err != nil {
		t.Fatal(err)
	}
	s.AddFault(Fault{Kind: FaultStatus, Status: 500})
	s.Stub(Stub{Status: 500})
	if err := s.ScriptJob(JobOutcome{Status: catalog.JobFailed}); err != nil {
		t.Fatal(err)
	}

	s.Reset()
	if n := len(s.Products()) + len(s.Jobs()) + len(s.Requests()) + s.FaultsFired() + s.IdempotentReplays() +
		s.SearchSyncBatches() + len(s.SearchSyncEntityCodes()) + s.importRequestCount() + int(s.rowsReceivedCount()); n != 0 {
		t.Fatalf("state left after Reset: %d things", n)
	}
	if diff := cmp.Diff([]string{DefaultSourceID, "erp"}, sourceIDs(s.Sources())); diff != "" {
		t.Errorf("sources after Reset (-want +got):\n%s", diff)
	}
	// The same requests get the same answers (the rate window is empty, the
	// key unknown, the fault at its first request again, no stub or
	// outcome), the same request ids and the same job ids.
	ids2, answers2 := fresh()
	if diff := cmp.Diff(ids1, ids2); diff != "" {
		t.Errorf("job ids after Reset (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(answers1, answers2); diff != "" {
		t.Errorf("answers after Reset (-before +after):\n%s", diff)
	}
	if r := s.Requests(); r[0].ID != "req_1" || s.IdempotentReplays() != 0 {
		t.Errorf("first request after Reset is %s, replays %d", r[0].ID, s.IdempotentReplays())
	}
	if j, _ := s.Job(ids2[0]); j.Status != catalog.JobCompleted {
		t.Errorf("job after Reset = %s, want completed (the outcome is gone)", j.Status)
	}
}

func sourceIDs(srcs []catalog.Source) []string {
	var out []string
	for _, s := range srcs {
		out = append(out, s.ID)
	}
	return out
}

func TestResetAbandonsTheRunningJob(t *testing.T) {
	clock := NewFakeClock(t0)
	s := newTestServer(t, WithClock(clock), WithJobDelay(time.Second))
	queueJob(t, s, importReq(DefaultSourceID, map[string]any{"entity_code": "A"}))
	waitTimers(t, clock, 1) // the worker holds the job, asleep
	s.Reset()
	clock.Advance(time.Second) // it wakes to a job Reset cleared
	if _, ok := s.Product("A"); ok {
		t.Error("a job cleared by Reset stored its rows")
	}
	id := queueJob(t, s, importReq(DefaultSourceID, map[string]any{"entity_code": "B"}))
	clock.Advance(time.Second)
	if j, _ := s.Job(id); j.Status != catalog.JobCompleted {
		t.Errorf("job queued after Reset is %s, want completed", j.Status)
	}
}
