package catalogtest

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The package documentation's statements about defaults, one test each.

func TestDefaultSourcePublishesEveryProduct(t *testing.T) {
	s := newTestServer(t)
	src, ok := s.source(DefaultSourceID)
	if !ok || !autoPublishOn(src) || len(src.RequiredFields) != 0 || len(src.FieldMappings) != 0 || len(src.LockedFields) != 0 {
		t.Fatalf("default source = %+v", src)
	}
	directImport(t, s, importReq(DefaultSourceID, map[string]any{"entity_code": "A"}, map[string]any{"sku": "B", "name": ""}))
	for _, code := range []string{"A", "B"} {
		if p := mustProduct(t, s, code); p.Status != StatusPublished || p.Score != 100 {
			t.Errorf("%s: %s with score %v, want published with 100", code, p.Status, p.Score)
		}
	}
}

func TestLanguageMapWithAnUnconfiguredKeyIsWrappedWhole(t *testing.T) {
	s := newTestServer(t, WithDefaultLanguage("it"), WithLanguages("it", "en"))
	directImport(t, s, importReq(DefaultSourceID,
		map[string]any{"entity_code": "A", "name": map[string]any{"it": "Valvola", "pt": "Válvula"}},
		map[string]any{"entity_code": "B", "name": map[string]any{"it": "Valvola", "en": "Valve"}}))
	want := map[string]any{"it": map[string]any{"it": "Valvola", "pt": "Válvula"}}
	if diff := cmp.Diff(want, mustProduct(t, s, "A").Data["name"]); diff != "" {
		t.Errorf("name with an unconfigured language (-want +got):\n%s", diff)
	}
	want = map[string]any{"it": "Valvola", "en": "Valve"}
	if diff := cmp.Diff(want, mustProduct(t, s, "B").Data["name"]); diff != "" {
		t.Errorf("name with configured languages only (-want +got):\n%s", diff)
	}
}

func TestCloseAppliesTheRequestInFlight(t *testing.T) {
	s := NewServer(WithFaults(Fault{Kind: FaultDelay, Op: OpImportAPI, Delay: time.Hour}))
	defer s.Close()
	answered := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(newTestRequest(t, s, http.MethodPost, pathImportAPI,
			importReq(DefaultSourceID, map[string]any{"entity_code": "A"})))
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := waitArrived(ctx, s, 1); err != nil {
		t.Fatal(err)
	}
	s.Close() // cuts the hour's delay short, then waits for the request
	if _, ok := s.Product("A"); !ok {
		t.Error("the request in flight at Close was not applied")
	}
	if status := <-answered; status != http.StatusOK {
		t.Errorf("the request in flight at Close was answered %d, want 200", status)
	}
}

// waitArrived waits until n requests have arrived, answered or not.
func waitArrived(ctx context.Context, s *Server, n int) error {
	return s.requestsChanged.await(ctx, &s.mu, nil, func() bool { return len(s.requests) >= n })
}
