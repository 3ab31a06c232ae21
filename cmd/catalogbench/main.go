// Command catalogbench measures Products.ImportAll against the targets in
// docs/BENCHMARKS.md: throughput and client CPU against json.Marshal of each
// product alone, requests against the lower bound, peak heap and peak RSS
// while streaming, and use of the rate quota.
//
// The server is the sink (internal/sink), which counts rows without
// decoding or storing them. It runs in a child process (this program, with
// -sink), so that neither its CPU nor its memory is counted with the
// client's; the quota scenarios (quota.go) run it in process, to read when
// each request arrived.
//
//	go run ./cmd/catalogbench            # every scenario, as a table
//	go run ./cmd/catalogbench -json      # one JSON object per scenario
//	go run ./cmd/catalogbench -scenarios cpu-full,quota
//	go run ./cmd/catalogbench -scenarios burst
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
	"github.com/pimkit/catalog/internal/sink"
	"github.com/pimkit/catalog/internal/synth"
)

// Result is one scenario's figures; the -json output prints it as is.
type Result struct {
	Name       string `json:"name"`
	Products   int    `json:"products"`
	Bytes      int64  `json:"bytes"`       // encoded product bytes
	Requests   int    `json:"requests"`    // import requests sent
	LowerBound int    `json:"lower_bound"` // ceil(max(products/10,000, bytes/body limit))
	// Client CPU time (user + system) per product, and the baseline:
	// json.Marshal of each product alone, with encoding/json's standard
	// encoding of the same fields (a type with Product's fields and none of
	// its methods; Text and Brand keep theirs). In cpu scenarios both are
	// measured in the same process, alternating, -rounds times; the figures
	// are the medians, and the ratio's range over rounds says how noisy the
	// machine was.
	SDKNsPerProduct     float64 `json:"sdk_ns_per_product"`
	MarshalNsPerProduct float64 `json:"marshal_ns_per_product"`
	CPURatio            float64 `json:"cpu_ratio"` // median SDK / median baseline; target <= 1
	CPURatioMin         float64 `json:"cpu_ratio_min"`
	CPURatioMax         float64 `json:"cpu_ratio_max"`
	Rounds              int     `json:"rounds"`
	PeakHeapBytes       uint64  `json:"peak_heap_bytes"`      // heap objects, live and not yet collected
	PeakLiveHeapBytes   uint64  `json:"peak_live_heap_bytes"` // heap the collector found live
	HeapBoundBytes      uint64  `json:"heap_bound_bytes"`
	// PeakRSSBytes is the process's peak resident set (VmHWM, reset before
	// the import), what a container's memory limit sees; RSSBoundBytes is
	// the bound the SDK documents for it (see rssBound).
	PeakRSSBytes      uint64  `json:"peak_rss_bytes"`
	RSSBoundBytes     uint64  `json:"rss_bound_bytes"`
	RSSBeforeBytes    uint64  `json:"rss_before_bytes"` // the resident set when the import started
	GOGC              string  `json:"gogc"`             // "default", or the memory limit set
	ProductsPerSecond float64 `json:"products_per_second"`
	MBPerSecond       float64 `json:"mb_per_second"`
	Seconds           float64 `json:"seconds"`
}

var (
	asJSON      = flag.Bool("json", false, "print one JSON object per scenario")
	scenarios   = flag.String("scenarios", "cpu-minimal,cpu-full,stream-minimal,stream-full,quota,burst", "comma-separated scenarios to run")
	nMinimal    = flag.Int("minimal", 1_000_000, "products in stream-minimal")
	nFull       = flag.Int("full", 200_000, "products in stream-full")
	nCPU        = flag.Int("cpu-products", 20_000, "full products in cpu-full (cpu-minimal uses 10x as many)")
	concurrency = flag.Int("concurrency", 2, "requests in flight")
	cpuProfile  = flag.String("cpuprofile", "", "write a CPU profile of the client process to this file (go tool pprof reads it)")
	quotaN      = flag.Int("quota-requests", 160, "requests sent in the quota scenario")
	memLimit    = flag.Bool("memlimit", false, "in stream scenarios, set the Go memory limit (GOMEMLIMIT) to the heap bound, so the collector keeps garbage within it (default: the default GC settings)")
	rounds      = flag.Int("rounds", 5, "in cpu scenarios, times the baseline and the import are each measured, alternating")
	serveSink   = flag.Bool("sink", false, "internal: run the sink server (counts rows, answers every row applied) and print its URL")
)

func main() {
	flag.Parse()
	log.SetFlags(0)
	if *cpuProfile != "" && !*serveSink {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		defer stop()
	}
	if *serveSink {
		runSink()
		return
	}
	for _, name := range strings.Split(*scenarios, ",") {
		if runQuotaScenario(strings.TrimSpace(name)) || runBurstScenario(strings.TrimSpace(name)) || runFakeScenario(strings.TrimSpace(name)) {
			continue
		}
		run, ok := map[string]func() (Result, error){
			"cpu-minimal":    func() (Result, error) { return cpuScenario("cpu-minimal", 10**nCPU, synth.Minimal) },
			"cpu-full":       func() (Result, error) { return cpuScenario("cpu-full", *nCPU, synth.Full) },
			"stream-minimal": func() (Result, error) { return streamScenario("stream-minimal", *nMinimal, synth.Minimal) },
			"stream-full":    func() (Result, error) { return streamScenario("stream-full", *nFull, synth.Full) },
		}[strings.TrimSpace(name)]
		if !ok {
			log.Fatalf("unknown scenario %q", name)
		}
		res, err := run()
		if err != nil {
			log.Fatalf("%s: %v", name, err)
		}
		printResult(res)
	}
}

// plainProduct has Product's fields and none of its methods, so that
// json.Marshal of one is encoding/json's standard encoding of the fields.
// (Product.MarshalJSON calls the SDK's own row encoder: marshalling a
// Product would compare the SDK with itself.)
type plainProduct catalog.Product

// cpuScenario compares the client's CPU time to import n products with the
// CPU time json.Marshal takes to encode each of them alone, alternating
// the two -rounds times in this one process. The products are built
// beforehand, so neither side pays for making them.
func cpuScenario(name string, n int, gen func(int) catalog.Product) (Result, error) {
	products := make([]catalog.Product, n)
	var bytes int64
	for i := range products {
		products[i] = gen(i)
		raw, err := json.Marshal((*plainProduct)(&products[i]))
		if err != nil {
			return Result{}, err
		}
		bytes += int64(len(raw))
	}
	client, stop, err := spawnClient()
	if err != nil {
		return Result{}, err
	}
	defer stop()
	var marshalCPU, sdkCPU, ratios []float64
	var rep *catalog.BulkReport
	var wall time.Duration
	for range max(*rounds, 1) {
		runtime.GC()
		cpu, _ := measure(func() error {
			for i := range products {
				if _, err := json.Marshal((*plainProduct)(&products[i])); err != nil {
					return err
				}
			}
			return nil
		})
		marshalCPU = append(marshalCPU, perProduct(cpu, n))
		runtime.GC()
		cpu, w := measure(func() error {
			var err error
			rep, err = client.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, catalog.FromSlice(products),
				&catalog.BulkOptions{Concurrency: *concurrency})
			return err
		})
		if err := checkAllSucceeded(rep, n); err != nil {
			return Result{}, err
		}
		sdkCPU = append(sdkCPU, perProduct(cpu, n))
		ratios = append(ratios, sdkCPU[len(sdkCPU)-1]/marshalCPU[len(marshalCPU)-1])
		if wall == 0 || w < wall {
			wall = w
		}
	}
	sdk, marshal := median(sdkCPU), median(marshalCPU)
	return Result{
		Name: name, Products: n, Bytes: bytes, Requests: rep.Requests, LowerBound: lowerBound(n, bytes),
		SDKNsPerProduct: sdk, MarshalNsPerProduct: marshal, CPURatio: sdk / marshal,
		CPURatioMin: slices.Min(ratios), CPURatioMax: slices.Max(ratios), Rounds: len(ratios),
		Seconds: wall.Seconds(), ProductsPerSecond: float64(n) / wall.Seconds(), MBPerSecond: float64(bytes) / 1e6 / wall.Seconds(),
	}, nil
}

// runSink serves the sink on a loopback port until standard input closes.
func runSink() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: sink.New(0, 0)}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	fmt.Println("http://" + ln.Addr().String())
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// startCPUProfile profiles this process's CPU into path until stop.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// median is the middle value of v, or the mean of the two middle ones.
func median[T ~int64 | ~float64](v []T) T {
	v = slices.Sorted(slices.Values(v))
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// streamScenario streams n products made on the fly, with the process's
// memory limit set to the heap bound, and samples the heap throughout.
func streamScenario(name string, n int, gen func(int) catalog.Product) (Result, error) {
	bytes, err := encodedSize(n, gen)
	if err != nil {
		return Result{}, err
	}
	bound := uint64(*concurrency+1)*catalog.MaxBodyBytes + 64*uint64(n) + 64<<20 // the live heap: bodies, keys, 64 MiB
	client, stop, err := spawnClient()
	if err != nil {
		return Result{}, err
	}
	defer stop()

	// Twice: the first collection moves sync.Pool contents (encoding/json
	// keeps its last buffer) to a victim cache, the second frees them; then
	// the freed memory goes back to the OS, and the peak RSS starts afresh.
	runtime.GC()
	debug.FreeOSMemory()
	gogc := "default"
	if *memLimit {
		old := debug.SetMemoryLimit(int64(bound))
		defer debug.SetMemoryLimit(old)
		gogc = fmt.Sprintf("GOMEMLIMIT=%d", bound)
	}
	rssBefore, err := resetPeakRSS()
	if err != nil {
		return Result{}, err
	}
	peak, live, stopSampling := sampleHeap()
	var rep *catalog.BulkReport
	cpu, wall := measure(func() error {
		var err error
		rep, err = client.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, synth.Seq(n, gen),
			&catalog.BulkOptions{Concurrency: *concurrency, TotalItems: n})
		return err
	})
	stopSampling()
	if err := checkAllSucceeded(rep, n); err != nil {
		return Result{}, err
	}
	peakRSS, err := procStatus("self", "VmHWM")
	if err != nil {
		return Result{}, err
	}
	return Result{
		Name: name, Products: n, Bytes: bytes, Requests: rep.Requests, LowerBound: lowerBound(n, bytes),
		SDKNsPerProduct: perProduct(cpu, n), PeakHeapBytes: peak.Load(), PeakLiveHeapBytes: live.Load(), HeapBoundBytes: bound, Seconds: wall.Seconds(),
		PeakRSSBytes: peakRSS, RSSBoundBytes: rssBound(n), RSSBeforeBytes: rssBefore, GOGC: gogc,
		ProductsPerSecond: float64(n) / wall.Seconds(), MBPerSecond: float64(bytes) / 1e6 / wall.Seconds(),
	}, nil
}

func checkAllSucceeded(rep *catalog.BulkReport, n int) error {
	if rep.Succeeded != n {
		return fmt.Errorf("%d of %d products succeeded (failed %d, unknown %d, not attempted %d)",
			rep.Succeeded, n, len(rep.Failed), len(rep.Unknown), len(rep.NotAttempted))
	}
	return nil
}

// encodedSize is the total size of the products' JSON, for the lower bound.
func encodedSize(n int, gen func(int) catalog.Product) (int64, error) {
	var total int64
	for i := range n {
		raw, err := json.Marshal(gen(i))
		if err != nil {
			return 0, err
		}
		total += int64(len(raw))
	}
	return total, nil
}

// lowerBound is the fewest requests that can carry n products of the given
// total size: ceil(max(n / 10,000, bytes / body limit)).
func lowerBound(n int, bytes int64) int {
	return int(math.Ceil(max(float64(n)/catalog.MaxProducts, float64(bytes)/catalog.MaxBodyBytes)))
}

func perProduct(d time.Duration, n int) float64 { return float64(d.Nanoseconds()) / float64(n) }

// measure returns the CPU time (user + system, all threads) and the wall
// time that f took.
func measure(f func() error) (cpu, wall time.Duration) {
	c0, t0 := cpuTime(), time.Now()
	if err := f(); err != nil {
		log.Fatal(err)
	}
	return cpuTime() - c0, time.Since(t0)
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		log.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// sampleHeap records the largest heap seen, every millisecond, until stop
// is called: all heap objects, and the heap the last collection found live.
func sampleHeap() (peak, live *atomic.Uint64, stop func()) {
	peak, live = new(atomic.Uint64), new(atomic.Uint64)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(samples)
			for i, max := range []*atomic.Uint64{peak, live} {
				if v := samples[i].Value.Uint64(); v > max.Load() {
					max.Store(v)
				}
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return peak, live, func() { close(done); <-finished }
}

// spawnClient starts the sink in a child process and returns a client for
// it, with no rate limit.
func spawnClient() (*catalog.Client, func(), error) {
	url, _, stop, err := spawnServer("-sink")
	if err != nil {
		return nil, nil, err
	}
	client, err := catalog.NewClient(url,
		catalog.WithAPIKey(catalogtest.DefaultAPIKeyID, catalogtest.DefaultAPISecret), catalog.WithLimiter(nil))
	if err != nil {
		stop()
		return nil, nil, err
	}
	return client, stop, nil
}

// spawnServer runs this program with args in a child process, a server
// that prints its URL and serves until its standard input closes, and
// returns the URL, the child's process id and a func that stops it.
func spawnServer(args ...string) (string, int, func(), error) {
	exe, err := os.Executable()
	if err != nil {
		return "", 0, nil, err
	}
	cmd := exec.Command(exe, args...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe() // the child exits when this closes
	if err != nil {
		return "", 0, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", 0, nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", 0, nil, err
	}
	stop := func() { stdin.Close(); _ = cmd.Wait() }
	url, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		stop()
		return "", 0, nil, fmt.Errorf("starting the server (%s): %w", args[0], err)
	}
	return strings.TrimSpace(url), cmd.Process.Pid, stop, nil
}

func printResult(r Result) {
	if *asJSON {
		_ = json.NewEncoder(os.Stdout).Encode(r)
		return
	}
	if r.Bytes > 0 {
		fmt.Printf("%s: %d products, %.1f MB, %.1f s: %.0f products/s, %.1f MB/s\n",
			r.Name, r.Products, float64(r.Bytes)/1e6, r.Seconds, r.ProductsPerSecond, r.MBPerSecond)
	} else {
		fmt.Printf("%s: %d products, %.1f s: %.0f products/s\n", r.Name, r.Products, r.Seconds, r.ProductsPerSecond)
	}
	fmt.Printf("  requests %d, lower bound %d\n", r.Requests, r.LowerBound)
	if r.MarshalNsPerProduct > 0 {
		fmt.Printf("  client CPU %.0f ns/product, json.Marshal of each product alone %.0f ns/product: ratio %.2f (target <= 1; %.2f to %.2f over %d rounds)\n",
			r.SDKNsPerProduct, r.MarshalNsPerProduct, r.CPURatio, r.CPURatioMin, r.CPURatioMax, r.Rounds)
	}
	if r.HeapBoundBytes > 0 {
		fmt.Printf("  peak heap %.1f MB (live %.1f MB), heap bound %.1f MB; GC: %s\n",
			float64(r.PeakHeapBytes)/1e6, float64(r.PeakLiveHeapBytes)/1e6, float64(r.HeapBoundBytes)/1e6, r.GOGC)
		fmt.Printf("  peak RSS %.1f MB (%.1f MB before the import), bound %.1f MB\n",
			float64(r.PeakRSSBytes)/1e6, float64(r.RSSBeforeBytes)/1e6, float64(r.RSSBoundBytes)/1e6)
	}
}

// resetPeakRSS returns the process's resident set and makes VmHWM, its
// peak, start again from it (Linux: "5" written to /proc/self/clear_refs).
func resetPeakRSS() (uint64, error) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return 0, fmt.Errorf("resetting the peak RSS (Linux only): %w", err)
	}
	return procStatus("self", "VmRSS")
}

// procCPU is the CPU time (user + system) process pid has used so far,
// from /proc/<pid>/stat (Linux), in clock ticks of 10 ms.
func procCPU(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The fields after the command name, which is in parentheses and may
	// hold spaces: state is field 3 of stat(5), utime 14, stime 15.
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	var ticks uint64
	for _, s := range f[11:13] {
		t, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += t
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil // USER_HZ is 100 on Linux
}

// procStatus reads one of the kB figures of /proc/<pid>/status, in
// bytes; pid is "self" for this process.
func procStatus(pid, field string) (uint64, error) {
	raw, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(raw)) {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%s/status", field, pid)
}

// rssBound is the peak RSS of a whole process running ImportAll over keys
// distinct keys under the default GC settings that the SDK documents (see
// ImportAll's doc), without the products the stream keeps live.
func rssBound(keys int) uint64 {
	return 2*(uint64(*concurrency+1)*catalog.MaxBodyBytes+64*uint64(keys)) + 64<<20
}
