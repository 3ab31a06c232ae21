package catalogtest

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pimkit/catalog"
)

// fastClient is a client for s that does not pace itself: the tests here
// are not about the rate limit.
func fastClient(t *testing.T, s *Server) *catalog.Client {
	t.Helper()
	c, err := catalog.NewClient(s.URL, catalog.WithAPIKey(DefaultAPIKeyID, DefaultAPISecret), catalog.WithLimiter(nil))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRequestImportDecodesTheBody(t *testing.T) {
	s := newTestServer(t)
	client := fastClient(t, s)
	sent := []catalog.Product{
		{EntityCode: "A", Name: catalog.PlainText("Valve"), Pricing: &catalog.Pricing{List: catalog.Ptr(12.5)}},
		{SKU: "B", Name: catalog.Localized(map[string]string{"it": "Valvola"})},
	}
	opts := &catalog.ProductImportOptions{
		RequestOptions: catalog.RequestOptions{MergeMode: catalog.MergeReplace, BatchID: "wk-17",
			ChannelMetadata: map[string]any{"channel": "pos"}},
		BatchMetadata: &catalog.BatchMetadata{BatchID: "wk-17", BatchPart: 1, BatchTotalParts: 2, BatchTotalItems: 4},
	}
	if _, err := client.Products.Queue(context.Background(), DefaultSourceID, sent, opts); err != nil {
		t.Fatal(err)
	}
	reqs := s.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	got, err := reqs[0].Import()
	if err != nil {
		t.Fatal(err)
	}
	want := &ImportBody{SourceID: DefaultSourceID, MergeMode: catalog.MergeReplace, BatchID: "wk-17",
		BatchMetadata: opts.BatchMetadata, ChannelMetadata: map[string]any{"channel": "pos"}, Products: sent}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Import() (-want +got):\n%s", diff)
	}
}

func TestRequestImportRefusesOtherRequests(t *testing.T) {
	s := newTestServer(t)
	send(t, s, http.MethodGet, pathImportQueue, nil)
	send(t, s, http.MethodPost, pathImportAPI, `{"source_id": "default", "products": "x"}`)
	send(t, s, http.MethodPost, pathImportAPI, `{"source_id": "default", "products": [{"entity_code": "A", "name": 7}]}`)
	for _, r := range s.Requests() {
		if body, err := r.Import(); err == nil {
			t.Errorf("%s %s %s: Import() = %+v, want an error", r.ID, r.Method, r.Path, body)
		}
	}
}

func TestJobIsWhatTheClientReads(t *testing.T) {
	clock := NewFakeClock(t0)
	s := newTestServer(t, WithClock(clock))
	client := fastClient(t, s)
	body := importReq(DefaultSourceID, map[string]any{"entity_code": "A", "name": "<b>"}, map[string]any{"name": "no id <&>"}, nil)
	body["batch_metadata"] = map[string]any{"batch_id": "b1", "batch_part": 1, "batch_total_parts": 1, "batch_total_items": 3}
	id := queueJob(t, s, body)
	waitJobs(t, s)
	direct := directImport(t, s, importReq(DefaultSourceID, map[string]any{"entity_code": "B"})).body["job_id"].(string)

	for _, id := range []string{id, direct} {
		read, err := client.Jobs.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		j, _ := s.Job(id)
		if diff := cmp.Diff(*read, j); diff != "" {
			t.Errorf("job %s: client.Jobs.Get (-) vs Server.Job (+):\n%s", id, diff)
		}
	}
}

func TestJobIDsAreTheSameOnEveryRun(t *testing.T) {
	run := func(opts ...Option) []string {
		s := newTestServer(t, append([]Option{WithClock(NewFakeClock(t0))}, opts...)...)
		var ids []string
		for range 3 {
			ids = append(ids, directImport(t, s, importReq(DefaultSourceID, map[string]any{"entity_code": "A"})).body["job_id"].(string))
			ids = append(ids, queueJob(t, s, importReq(DefaultSourceID, map[string]any{"entity_code": "A"})))
			waitJobs(t, s)
		}
		return ids
	}
	first, second := run(), run()
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("job ids differ between two runs (-first +second):\n%s", diff)
	}
	if other := run(WithIDSeed(99)); cmp.Equal(first, other) {
		t.Errorf("WithIDSeed(99) gave the ids of the default seed: %v", other)
	}
	if same := run(WithIDSeed(defaultIDSeed)); !cmp.Equal(first, same) {
		t.Errorf("WithIDSeed(%d) = %v, want the default ids %v", defaultIDSeed, same, first)
	}
}
