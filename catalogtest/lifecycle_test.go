package catalogtest_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

// TestJobLifecycle is the job-lifecycle test of the package documentation
// ("Time"), as a suite would write it: straight-line code, no channels, no
// loops over the clock. A second queued job waits while the worker runs
// the first, so its poller sees it pending, processing, then completed.
func TestJobLifecycle(t *testing.T) {
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clock := catalogtest.NewFakeClock(start)
	srv, client := catalogtest.Start(t, catalogtest.WithClock(clock), catalogtest.WithJobDelay(time.Minute))
	ctx := t.Context()

	if _, err := client.Products.Queue(ctx, catalogtest.DefaultSourceID, []catalog.Product{{EntityCode: "A"}}, nil); err != nil {
		t.Fatal(err)
	}
	queued, err := client.Products.Queue(ctx, catalogtest.DefaultSourceID, []catalog.Product{{EntityCode: "B"}, {EntityCode: "C"}}, nil)
	if err != nil {
		t.Fatal(err)
	}

	var seen []catalog.JobStatus // each status the polls saw, once
	var job *catalog.Job
	err = clock.Run(ctx, time.Hour, func(ctx context.Context) (err error) {
		job, err = client.Jobs.Wait(ctx, queued.JobID, &catalog.WaitOptions{Progress: func(j *catalog.Job) {
			if len(seen) == 0 || seen[len(seen)-1] != j.Status {
				seen = append(seen, j.Status)
			}
		}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	if want := []catalog.JobStatus{catalog.JobPending, catalog.JobProcessing, catalog.JobCompleted}; !slices.Equal(seen, want) {
		t.Errorf("the polls saw %v, want %v", seen, want)
	}
	if job.TotalRows != 2 || job.SuccessfulRows != 2 || job.CreatedRows != 2 || job.FailedRows != 0 {
		t.Errorf("job counts total %d, successful %d, created %d, failed %d; want 2, 2, 2, 0",
			job.TotalRows, job.SuccessfulRows, job.CreatedRows, job.FailedRows)
	}
	// The first job took a minute, this one the next; the client saw it
	// end at its next poll, at most MaxInterval (30 s) later.
	if got := job.CompletedAt.Sub(start); got != 2*time.Minute {
		t.Errorf("the job completed %s in, want 2m0s", got)
	}
	if waited := clock.Now().Sub(start); waited < 2*time.Minute || waited > 2*time.Minute+30*time.Second {
		t.Errorf("Wait returned %s in, want within 30 s of the job's end", waited)
	}
	if n := len(srv.Products()); n != 3 {
		t.Errorf("%d products stored, want 3", n)
	}
}
