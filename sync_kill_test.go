package catalog_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
	"github.com/pimkit/catalog/syncstate"
)

// The child process of TestSyncConvergesAfterKill reads its run from these
// variables.
const (
	killChildEnv   = "CATALOG_TEST_KILL_CHILD"    // set: this process is the child
	killURLEnv     = "CATALOG_TEST_KILL_URL"      // the parent's server
	killStateEnv   = "CATALOG_TEST_KILL_STATE"    // the state file
	killProdsEnv   = "CATALOG_TEST_KILL_PRODUCTS" // how many products of skuFeed
	killQtyEnv     = "CATALOG_TEST_KILL_QTY"      // their quantity
	killFullEnv    = "CATALOG_TEST_KILL_FULL"     // set: a full sync, else incremental
	killCommitEnv  = "CATALOG_TEST_KILL_COMMIT"   // n > 0: stop at the nth Commit that records hashes
	crashPointPath = "/crash-point"               // the child tells the parent it stopped where asked
)

// killSyncOpts are the options of every run of the kill test: checkpoints
// of 10 rows, one request each, one at a time.
func killSyncOpts(state catalog.SyncState, full bool) *catalog.SyncOptions {
	return &catalog.SyncOptions{Incremental: !full, State: state, CheckpointRows: 10, NoRemovalLimit: true,
		Bulk: &catalog.BulkOptions{MaxProducts: 10, Concurrency: 1}}
}

// TestSyncKilledChildProcess is not a test of its own: it is the process
// TestSyncConvergesAfterKill starts, runs a sync in and kills.
func TestSyncKilledChildProcess(t *testing.T) {
	if os.Getenv(killChildEnv) == "" {
		t.Skip("the child process of TestSyncConvergesAfterKill")
	}
	n, _ := strconv.Atoi(os.Getenv(killProdsEnv))
	qty, _ := strconv.ParseFloat(os.Getenv(killQtyEnv), 64)
	nth, _ := strconv.Atoi(os.Getenv(killCommitEnv))
	url := os.Getenv(killURLEnv)
	c, err := catalog.NewClient(url, catalog.WithAPIKey(catalogtest.DefaultAPIKeyID, catalogtest.DefaultAPISecret),
		catalog.WithLimiter(nil), catalog.WithRetries(0, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	file, err := syncstate.Open(os.Getenv(killStateEnv))
	if err != nil {
		t.Fatal(err)
	}
	state := &stoppingState{SyncState: file, nth: nth, url: url}
	_, err = c.Sync(context.Background(), catalog.Feed{SourceID: "default", Products: catalog.FromSlice(skuFeed(n, qty))},
		killSyncOpts(state, os.Getenv(killFullEnv) != ""))
	t.Fatalf("the sync ended (error %v): the parent should have killed this process", err)
}

// stoppingState stops the child at the nth Commit that records hashes,
// before it writes anything: it tells the parent and waits to be killed.
type stoppingState struct {
	catalog.SyncState
	nth, n int
	url    string
}

func (s *stoppingState) Commit(record map[string]string, forget []string) error {
	if len(record) > 0 {
		if s.n++; s.n == s.nth {
			resp, err := http.Get(s.url + crashPointPath) // answered only once this process is dead
			if err == nil {
				resp.Body.Close()
			}
			select {} // the parent kills this process
		}
	}
	return s.SyncState.Commit(record, forget)
}

// crashFront serves the fake platform to the child, and holds the
// request where the child is to be killed: the nth request of op, before
// or after the platform applied it, or the child's own call to
// crashPointPath. Held requests are never answered.
type crashFront struct {
	platform http.Handler
	op       catalogtest.Operation
	nth      int64
	applied  bool // hold after applying the request
	seen     atomic.Int64
	once     sync.Once
	reached  chan struct{} // closed when the child is held
	release  chan struct{} // closed when the test ends
}

func (f *crashFront) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == crashPointPath:
	case f.op != "" && r.Method+" "+r.URL.Path == string(f.op) && f.seen.Add(1) == f.nth:
		if f.applied {
			f.platform.ServeHTTP(httptest.NewRecorder(), r) // the answer goes nowhere
		}
	default:
		f.platform.ServeHTTP(w, r)
		return
	}
	f.once.Do(func() { close(f.reached) })
	<-f.release
}

// A sync killed at any point converges on the next run, even when the feed
// went back to the value the last completed run sent: the platform then
// holds exactly the feed. Each case kills a real child process with
// SIGKILL at one point of a run that changes 40 products from 14 to 15 in
// 4 requests, then reruns with 14 in this process.
func TestSyncConvergesAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	const n = 40
	for _, c := range []struct {
		name    string
		op      catalogtest.Operation // a request held...
		nth     int64
		applied bool // ...after the platform applied it
		commit  int  // or the child stopped at its nth Commit that records hashes
		full    bool // the child's sync is full and its feed lacks the last product
	}{
		{name: "the first import held before the platform applies it", op: catalogtest.OpImportAPI, nth: 1},
		{name: "the third import applied, its answer lost", op: catalogtest.OpImportAPI, nth: 3, applied: true},
		{name: "the second import answered, its hashes not committed", commit: 2},
		{name: "every import answered, the last hashes not committed", commit: 4},
		{name: "a full sync's removal applied, its answer lost", op: catalogtest.OpRemoveProducts, nth: 1, applied: true, full: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := fakeServer(t)
			front := &crashFront{platform: srv.Handler(), op: c.op, nth: c.nth, applied: c.applied,
				reached: make(chan struct{}), release: make(chan struct{})}
			hs := httptest.NewServer(front)
			t.Cleanup(hs.Close)
			t.Cleanup(func() { close(front.release) }) // before hs.Close, which waits for held requests
			path := filepath.Join(t.TempDir(), "state.json")
			client := fakeClient(t, srv, catalog.WithRetries(0, time.Millisecond, time.Millisecond))
			run := func(feed []catalog.Product, full bool) (*catalog.SyncReport, error) {
				t.Helper()
				state, err := syncstate.Open(path) // as a new process would
				if err != nil {
					t.Fatal(err)
				}
				return client.Sync(context.Background(), catalog.Feed{SourceID: "default", Products: catalog.FromSlice(feed)}, killSyncOpts(state, full))
			}
			if _, err := run(skuFeed(n, 14), c.full); err != nil {
				t.Fatal(err)
			}

			childN, childQty := n, "15"
			if c.full {
				childN, childQty = n-1, "14"
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestSyncKilledChildProcess$", "-test.count=1")
			cmd.Env = append(os.Environ(), killChildEnv+"=1", killURLEnv+"="+hs.URL, killStateEnv+"="+path,
				killProdsEnv+"="+strconv.Itoa(childN), killQtyEnv+"="+childQty, killCommitEnv+"="+strconv.Itoa(c.commit))
			if c.full {
				cmd.Env = append(cmd.Env, killFullEnv+"=1")
			}
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-front.reached:
				if err := cmd.Process.Kill(); err != nil {
					t.Fatal(err)
				}
				<-done
			case err := <-done:
				t.Fatalf("the child ended before its crash point: %v\n%s", err, out.String())
			}

			feed := skuFeed(n, 14)
			rep, err := run(feed, false)
			if err != nil {
				t.Errorf("the rerun: %v", err)
			}
			checkStage(t, "products", rep.Products)
			checkHolds(t, srv, feed)
			// And a run that changes everything again converges too.
			feed = skuFeed(n, 15)
			if _, err := run(feed, false); err != nil {
				t.Errorf("the run after: %v", err)
			}
			checkHolds(t, srv, feed)
		})
	}
}
