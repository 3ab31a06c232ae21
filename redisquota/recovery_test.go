package redisquota_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
	"github.com/pimkit/catalog/redisquota"
)

// fakeTime is a catalogtest.FakeClock whose time is also written to a
// Redis key, which limiters set up with redisquota.UseTestClock read
// instead of Redis's TIME: the fake platform, the clients and the shared
// quota then all follow one clock that only the test moves.
type fakeTime struct {
	*catalogtest.FakeClock
	rdb *redis.Client
	key string
}

func newFakeTime(t *testing.T, rdb *redis.Client, key string) *fakeTime {
	f := &fakeTime{FakeClock: catalogtest.NewFakeClock(time.Now()), rdb: rdb, key: key}
	f.publish(t)
	return f
}

// publish writes the clock's time to Redis (again, after a restart that
// restored an older value).
func (f *fakeTime) publish(t *testing.T) {
	t.Helper()
	if err := f.rdb.Set(context.Background(), f.key, f.Now().UnixMicro(), 0).Err(); err != nil {
		t.Fatal(err)
	}
}

func (f *fakeTime) advance(t *testing.T, d time.Duration) {
	t.Helper()
	f.Advance(d)
	f.publish(t)
}

// fakeLimiter is a Limiter of the quota key on the fake time, with its own
// Redis connection.
func fakeLimiter(t *testing.T, addr, key string, ft *fakeTime, opts redisquota.Options) *redisquota.Limiter {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: 2})
	t.Cleanup(func() { rdb.Close() })
	lim, err := redisquota.New(rdb, key, opts)
	if err != nil {
		t.Fatal(err)
	}
	redisquota.UseTestClock(lim, ft.key, ft.Now)
	return lim
}

// open opens a new quota key: its first use holds it closed for a lease.
func open(t *testing.T, lim *redisquota.Limiter, ft *fakeTime, lease time.Duration) {
	t.Helper()
	ok, wait, _, err := redisquota.TryAcquire(context.Background(), lim)
	if err != nil || ok || wait != lease {
		t.Fatalf("first use of a key: taken %v, wait %v, err %v; want closed for one lease (%v)", ok, wait, err, lease)
	}
	ft.advance(t, lease)
}

// importerEnv, in a child process of TestSharedQuotaAnyTimeout, tells it
// to be one importer: "redis address|quota key|clock key|base URL|prefix".
const importerEnv = "REDISQUOTA_TEST_IMPORTER"

// TestSharedQuotaAnyTimeout: four importer processes, each with its own
// Redis connection, limiter and client with WithTimeout(10s), share the
// platform's quota of 40 a minute and import 12 requests each: 40 go at
// once, the other 8 wait a minute (on the fake clock) for slots, and every
// row succeeds with no 429. The timeout bounds each exchange, not the wait
// for a slot; the lease (Window + WithTimeout + margin, by default) does
// not depend on the wait either. The importers are this test binary run
// again as child processes; the fake clock they share lives in Redis.
func TestSharedQuotaAnyTimeout(t *testing.T) {
	if spec := os.Getenv(importerEnv); spec != "" {
		runImporter(t, spec)
		return
	}
	addr := redisAddr(t)
	key := uniqueKey(t)
	ctl := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { ctl.Close() })
	ft := newFakeTime(t, ctl, key+":clock")
	srv := catalogtest.NewServer(catalogtest.WithClock(ft.FakeClock), catalogtest.WithRateLimit(40, time.Minute))
	t.Cleanup(srv.Close)
	lease := time.Minute + 2*time.Minute + 10*time.Second // the default
	open(t, fakeLimiter(t, addr, key, ft, redisquota.Options{}), ft, lease)

	const importers, requests = 4, 12
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmds := make([]*exec.Cmd, importers)
	outs := make([]*bytes.Buffer, importers)
	for i := range importers {
		spec := strings.Join([]string{addr, key, ft.key, srv.URL, fmt.Sprint("p", i)}, "|")
		cmds[i] = exec.CommandContext(ctx, os.Args[0], "-test.run=^TestSharedQuotaAnyTimeout$", "-test.count=1")
		cmds[i].Env = append(os.Environ(), importerEnv+"="+spec)
		outs[i] = &bytes.Buffer{}
		cmds[i].Stdout, cmds[i].Stderr = outs[i], outs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := srv.WaitRequests(ctx, 40); err != nil {
		t.Fatal(err)
	}
	ft.advance(t, time.Minute) // the first 40 slots free a minute after their answers
	want := fmt.Sprintf("importer: succeeded=%d not_attempted=0 unknown=0 failed=0 err=<nil>", requests)
	for i, cmd := range cmds {
		err := cmd.Wait()
		if err != nil || !strings.Contains(outs[i].String(), want) {
			t.Fatalf("importer %d: %v; want %q in its output:\n%s", i, err, want, outs[i])
		}
	}
	reqs := srv.Requests()
	if len(reqs) != importers*requests {
		t.Fatalf("server saw %d requests, want %d", len(reqs), importers*requests)
	}
	for _, r := range reqs {
		if r.Status != 200 {
			t.Fatalf("server answered %d to %s %s", r.Status, r.Method, r.Path)
		}
	}
}

// runImporter is one importer process of TestSharedQuotaAnyTimeout: it
// imports 12 requests of one product and prints its report's counts.
func runImporter(t *testing.T, spec string) {
	f := strings.Split(spec, "|")
	if len(f) != 5 {
		t.Fatalf("%s=%q: want 5 fields", importerEnv, spec)
	}
	addr, key, clockKey, base, prefix := f[0], f[1], f[2], f[3], f[4]
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	clock := redisClock{rdb: rdb, key: clockKey}
	lim, err := redisquota.New(rdb, key, redisquota.Options{})
	if err != nil {
		t.Fatal(err)
	}
	redisquota.UseTestClock(lim, clockKey, clock.Now)
	c, err := catalog.NewClient(base, catalog.WithAPIKey(catalogtest.DefaultAPIKeyID, catalogtest.DefaultAPISecret),
		catalog.WithLimiter(lim), catalog.WithTimeout(10*time.Second), catalog.WithRetries(0, 0, 0), catalog.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := c.Products.ImportAll(ctx, catalogtest.DefaultSourceID, catalog.FromSlice(products(12, prefix)),
		&catalog.BulkOptions{MaxProducts: 1, Concurrency: 2})
	if rep == nil {
		t.Fatalf("importer: no report: %v", err)
	}
	fmt.Printf("importer: succeeded=%d not_attempted=%d unknown=%d failed=%d err=%v\n",
		rep.Succeeded, len(rep.NotAttempted), len(rep.Unknown), len(rep.Failed), err)
}

// redisClock is a catalog.Clock that reads the fake time the parent test
// writes to Redis: the clock of an importer process.
type redisClock struct {
	rdb *redis.Client
	key string
}

// Now reads the time from Redis.
func (c redisClock) Now() time.Time {
	us, err := c.rdb.Get(context.Background(), c.key).Int64()
	if err != nil {
		panic(fmt.Sprintf("reading the test clock from Redis: %v", err))
	}
	return time.UnixMicro(us)
}

// After fires once the time in Redis has moved d on, looking every 10 ms.
func (c redisClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	at := c.Now().Add(d)
	go func() {
		for {
			if now := c.Now(); !now.Before(at) {
				ch <- now
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	return ch
}

// redisServer is a redis-server this test starts in its own directory, on
// a free loopback port, saving its RDB there, so that it can be restarted
// from its snapshot.
type redisServer struct {
	t    *testing.T
	bin  string
	dir  string
	addr string
	cmd  *exec.Cmd
}

// startRedisServer starts one, or skips the test when the binary is
// missing (fails with CATALOG_REQUIRE_REDIS=1).
func startRedisServer(t *testing.T) *redisServer {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		msg := "no redis-server binary on PATH: the Redis recovery tests start their own (Debian's redis-server package)"
		if os.Getenv("CATALOG_REQUIRE_REDIS") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &redisServer{t: t, bin: bin, dir: t.TempDir(), addr: addr}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *redisServer) start() {
	s.t.Helper()
	_, port, _ := net.SplitHostPort(s.addr)
	s.cmd = exec.Command(s.bin, "--port", port, "--bind", "127.0.0.1", "--dir", s.dir, "--dbfilename", "dump.rdb",
		"--save", "", "--appendonly", "no", "--logfile", filepath.Join(s.dir, "redis.log"))
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: s.addr})
	defer rdb.Close()
	// Ready when it answers PING; a start that fails shows in its log.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if rdb.Ping(context.Background()).Err() == nil {
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			s.t.Fatalf("redis-server on %s did not answer:\n%s", s.addr, log)
		}
	}
}

// stop ends the server without saving.
func (s *redisServer) stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// countGrants tries n slots at the current time and returns how many were
// granted, releasing each as answered now.
func countGrants(t *testing.T, lim *redisquota.Limiter, ft *fakeTime, n int) int {
	t.Helper()
	granted := 0
	for range n {
		ok, _, release, err := redisquota.TryAcquire(context.Background(), lim)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			granted++
			release(ft.Now())
		}
	}
	return granted
}

// TestQuotaSurvivesRedisRecovery: 40 slots are granted in one window, 10
// of them before an RDB snapshot; Redis then restarts from the snapshot
// (holding 10 slots and the quota's open time, but not the 30 granted
// since), or restarts empty. Either way no slot is granted until the
// window of those 40 has passed: the quota is closed for one lease from
// the restart, detected by the new run id. It opens again after that.
// (Before, a restore kept the open time, and Redis granted 30 more: 70 in
// one window.) A lagging AOF replay or a failover to a lagging replica
// shows Redis the same way, a data set written under another run id.
func TestQuotaSurvivesRedisRecovery(t *testing.T) {
	for _, restore := range []string{"snapshot", "empty"} {
		t.Run(restore, func(t *testing.T) {
			srv := startRedisServer(t)
			ctl := redis.NewClient(&redis.Options{Addr: srv.addr})
			t.Cleanup(func() { ctl.Close() })
			key := "{quota}"
			ft := newFakeTime(t, ctl, key+":clock")
			const lease = 2 * time.Minute
			lim := fakeLimiter(t, srv.addr, key, ft, redisquota.Options{Window: time.Minute, Lease: lease})
			open(t, lim, ft, lease)

			start := ft.Now()
			if got := countGrants(t, lim, ft, 10); got != 10 {
				t.Fatalf("granted %d of the first 10", got)
			}
			if err := ctl.Save(context.Background()).Err(); err != nil {
				t.Fatal(err)
			}
			ft.advance(t, 5*time.Second)
			if got := countGrants(t, lim, ft, 30); got != 30 {
				t.Fatalf("granted %d of the next 30", got)
			}
			if got := countGrants(t, lim, ft, 1); got != 0 {
				t.Fatal("a 41st slot in one window")
			}

			srv.stop()
			if restore == "empty" {
				if err := os.Remove(filepath.Join(srv.dir, "dump.rdb")); err != nil {
					t.Fatal(err)
				}
			}
			srv.start()
			ft.advance(t, 5*time.Second) // the snapshot restored an older clock key too
			n, err := ctl.ZCard(context.Background(), key).Result()
			if err != nil {
				t.Fatal(err)
			}
			if want := map[string]int64{"snapshot": 10, "empty": 0}[restore]; n != want {
				t.Fatalf("Redis restarted with %d slots, want %d: the restart did not %s", n, want, restore)
			}
			restarted := ft.Now()

			// The window of the 40 ends a minute after the last answer:
			// nothing may be granted in it, at its start or its end.
			if got := countGrants(t, lim, ft, 40); got != 0 {
				t.Fatalf("after the restart, %d more slots in the window of 40: %d in one window", got, 40+got)
			}
			ft.advance(t, start.Add(time.Minute+5*time.Second-time.Millisecond).Sub(ft.Now()))
			if got := countGrants(t, lim, ft, 40); got != 0 {
				t.Fatalf("%d slots granted before the window of 40 ended", got)
			}
			// Closed for one lease from the restart, then open again.
			ft.advance(t, restarted.Add(lease).Sub(ft.Now()))
			if got := countGrants(t, lim, ft, 40); got != 40 {
				t.Fatalf("a lease after the restart, %d of 40 slots granted; want the quota open", got)
			}
		})
	}
}
