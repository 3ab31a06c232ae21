package catalogtest

import (
	"net/http"
	"testing"

	"github.com/pimkit/catalog"
)

// Close does not wait for the worker to run the queue: the jobs not yet
// taken stay pending, and a job being run stops between two rows and
// stays processing.
func TestCloseLeavesTheQueue(t *testing.T) {
	held, release := make(chan struct{}), make(chan struct{})
	first := true
	s := NewServer(WithoutRateLimit(), func(c *config) {
		c.beforeJobRow = func(typ string) {
			if typ == JobTypeQueueImport && first { // the worker's goroutine only
				first = false
				close(held)
				<-release
			}
		}
	})
	var ids []string
	for _, code := range []string{"A1", "B1", "C1"} {
		a := send(t, s, http.MethodPost, pathImportQueue, importReq(DefaultSourceID,
			map[string]any{"entity_code": code}, map[string]any{"entity_code": code + "-2"}))
		a.wantStatus(t, http.StatusAccepted, "")
		ids = append(ids, a.body["job_id"].(string))
	}
	<-held // the worker is about to apply the first job's first row
	closed := make(chan struct{})
	go func() {
		s.Close()
		close(closed)
	}()
	<-s.stopping
	close(release)
	<-closed

	want := []catalog.JobStatus{catalog.JobProcessing, catalog.JobPending, catalog.JobPending}
	for i, id := range ids {
		j, _ := s.Job(id)
		if j.Status != want[i] || j.SuccessfulRows != 0 {
			t.Errorf("job %d after Close: %s with %d rows applied, want %s with none", i+1, j.Status, j.SuccessfulRows, want[i])
		}
	}
	if n := len(s.Products()); n != 0 {
		t.Errorf("%d products stored after Close, want none", n)
	}
}
