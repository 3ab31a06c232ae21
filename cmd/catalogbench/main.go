// Command catalogbench measures Products.ImportAll against the targets in
// BENCHMARKS.md: throughput and client CPU against a plain json.Marshal,
// requests against the lower bound, peak heap while streaming, and use of
// the rate quota.
//
// The fake server runs in a child process (this program, with -serve), in
// catalogtest's count-only mode: it reads and counts rows but stores nothing,
// so neither its CPU nor its memory is counted with the client's.
//
//	go run ./cmd/catalogbench            # every scenario, as a table
//	go run ./cmd/catalogbench -json      # one JSON object per scenario
//	go run ./cmd/catalogbench -scenarios cpu-full,quota
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
	"github.com/pimkit/catalog/internal/benchhook"
	"github.com/pimkit/catalog/internal/synth"
)

// Result is one scenario's figures; the -json output prints it as is.
type Result struct {
	Name                string  `json:"name"`
	Products            int     `json:"products"`
	Bytes               int64   `json:"bytes"`       // encoded product bytes
	Requests            int     `json:"requests"`    // import requests sent
	LowerBound          int     `json:"lower_bound"` // ceil(max(products/10,000, bytes/body limit))
	SDKNsPerProduct     float64 `json:"sdk_ns_per_product"`
	MarshalNsPerProduct float64 `json:"marshal_ns_per_product"`
	CPURatio            float64 `json:"cpu_ratio"`
	// The stricter baseline: json.Marshal of each product on its own, which
	// spares the one large, growing buffer a marshal of the whole slice needs.
	MarshalEachNsPerProduct float64 `json:"marshal_each_ns_per_product"`
	CPURatioEach            float64 `json:"cpu_ratio_each"`
	PeakHeapBytes           uint64  `json:"peak_heap_bytes"`      // heap objects, live and not yet collected
	PeakLiveHeapBytes       uint64  `json:"peak_live_heap_bytes"` // heap the collector found live
	HeapBoundBytes          uint64  `json:"heap_bound_bytes"`
	QuotaUsed               float64 `json:"quota_used"`
	HTTP429                 int64   `json:"http_429"`
	ProductsPerSecond       float64 `json:"products_per_second"`
	MBPerSecond             float64 `json:"mb_per_second"`
	Seconds                 float64 `json:"seconds"`
}

var (
	asJSON      = flag.Bool("json", false, "print one JSON object per scenario")
	scenarios   = flag.String("scenarios", "cpu-minimal,cpu-full,stream-minimal,stream-full,quota", "comma-separated scenarios to run")
	nMinimal    = flag.Int("minimal", 1_000_000, "products in stream-minimal")
	nFull       = flag.Int("full", 200_000, "products in stream-full")
	nCPU        = flag.Int("cpu-products", 20_000, "full products in cpu-full (cpu-minimal uses 10x as many)")
	concurrency = flag.Int("concurrency", 2, "requests in flight")
	quotaWindow = flag.Duration("quota-window", 3*time.Second, "the rate window in the quota scenario: the documented 40 per minute, scaled")
	quotaN      = flag.Int("quota-requests", 160, "requests sent in the quota scenario")
	memLimit    = flag.Bool("memlimit", true, "in stream scenarios, set the Go memory limit (GOMEMLIMIT) to the heap bound, so the collector keeps garbage within it")
	serve       = flag.Bool("serve", false, "internal: run the count-only fake server and print its URL")
	serveRate   = flag.Int("serve-rate", 0, "internal: the served fake's rate limit per -quota-window (0: none)")
)

func main() {
	flag.Parse()
	log.SetFlags(0)
	if *serve {
		runServer()
		return
	}
	for _, name := range strings.Split(*scenarios, ",") {
		if runQuotaScenario(strings.TrimSpace(name)) {
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

// cpuScenario compares the client's CPU time to import n products with the
// CPU time json.Marshal takes to encode the same slice. The products are
// built beforehand, so neither side pays for making them.
func cpuScenario(name string, n int, gen func(int) catalog.Product) (Result, error) {
	products := make([]catalog.Product, n)
	for i := range products {
		products[i] = gen(i)
	}
	var encoded []byte
	marshalCPU, _ := measure(func() error {
		var err error
		encoded, err = json.Marshal(products)
		return err
	})
	bytes := int64(len(encoded)) - 2 - int64(n-1) // the products, without brackets and commas
	encoded = nil
	runtime.GC()
	eachCPU, _ := measure(func() error {
		for i := range products {
			if _, err := json.Marshal(&products[i]); err != nil {
				return err
			}
		}
		return nil
	})
	runtime.GC()

	client, stop, err := spawnClient(0)
	if err != nil {
		return Result{}, err
	}
	defer stop()
	var rep *catalog.BulkReport
	sdkCPU, wall := measure(func() error {
		var err error
		rep, err = client.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, catalog.FromSlice(products),
			&catalog.BulkOptions{Concurrency: *concurrency})
		return err
	})
	if err := checkAllSucceeded(rep, n); err != nil {
		return Result{}, err
	}
	return Result{
		Name: name, Products: n, Bytes: bytes, Requests: rep.Requests, LowerBound: lowerBound(n, bytes),
		SDKNsPerProduct: perProduct(sdkCPU, n), MarshalNsPerProduct: perProduct(marshalCPU, n),
		CPURatio: float64(sdkCPU) / float64(marshalCPU), Seconds: wall.Seconds(),
		MarshalEachNsPerProduct: perProduct(eachCPU, n), CPURatioEach: float64(sdkCPU) / float64(eachCPU),
		ProductsPerSecond: float64(n) / wall.Seconds(), MBPerSecond: float64(bytes) / 1e6 / wall.Seconds(),
	}, nil
}

// streamScenario streams n products made on the fly, with the process's
// memory limit set to the heap bound, and samples the heap throughout.
func streamScenario(name string, n int, gen func(int) catalog.Product) (Result, error) {
	bytes, err := encodedSize(n, gen)
	if err != nil {
		return Result{}, err
	}
	bound := uint64(*concurrency+1)*catalog.DefaultMaxBodySize + 64<<20
	client, stop, err := spawnClient(0)
	if err != nil {
		return Result{}, err
	}
	defer stop()

	// Twice: the first collection moves sync.Pool contents (encoding/json
	// keeps its last buffer, up to the size of a whole marshalled slice in
	// the cpu scenarios) to a victim cache, the second frees them.
	runtime.GC()
	runtime.GC()
	if *memLimit {
		old := debug.SetMemoryLimit(int64(bound))
		defer debug.SetMemoryLimit(old)
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
	return Result{
		Name: name, Products: n, Bytes: bytes, Requests: rep.Requests, LowerBound: lowerBound(n, bytes),
		SDKNsPerProduct: perProduct(cpu, n), PeakHeapBytes: peak.Load(), PeakLiveHeapBytes: live.Load(), HeapBoundBytes: bound, Seconds: wall.Seconds(),
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
	return int(math.Ceil(max(float64(n)/catalog.MaxProducts, float64(bytes)/catalog.DefaultMaxBodySize)))
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

// spawnClient starts the count-only fake in a child process and returns a
// client for it. rate is the fake's limit per -quota-window (0: none);
// without options the client's own limit is off.
func spawnClient(rate int, opts ...catalog.Option) (*catalog.Client, func(), error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.Command(exe, "-serve", fmt.Sprint("-serve-rate=", rate), fmt.Sprint("-quota-window=", *quotaWindow))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe() // the child exits when this closes
	if err != nil {
		return nil, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	stop := func() { stdin.Close(); _ = cmd.Wait() }
	url, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		stop()
		return nil, nil, fmt.Errorf("starting the fake server: %w", err)
	}
	if len(opts) == 0 {
		opts = []catalog.Option{catalog.WithoutRateLimit()}
	}
	client, err := catalog.NewClient(strings.TrimSpace(url),
		append([]catalog.Option{catalog.WithAPIKey(catalogtest.DefaultAPIKeyID, catalogtest.DefaultAPISecret)}, opts...)...)
	if err != nil {
		stop()
		return nil, nil, err
	}
	return client, stop, nil
}

// runServer serves the count-only fake until standard input closes.
func runServer() {
	rate := catalogtest.WithoutRateLimit()
	if *serveRate > 0 {
		rate = catalogtest.WithRateLimit(*serveRate, *quotaWindow)
	}
	srv := catalogtest.NewServer(benchhook.CountOnly().(catalogtest.Option), catalogtest.WithoutIdempotency(), rate)
	defer srv.Close()
	fmt.Println(srv.URL)
	_, _ = io.Copy(io.Discard, os.Stdin)
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
		fmt.Printf("  client CPU %.0f ns/product, json.Marshal %.0f ns/product: ratio %.2f (target <= 1.30)\n",
			r.SDKNsPerProduct, r.MarshalNsPerProduct, r.CPURatio)
		fmt.Printf("  json.Marshal of each product alone %.0f ns/product: ratio %.2f\n", r.MarshalEachNsPerProduct, r.CPURatioEach)
	}
	if r.HeapBoundBytes > 0 {
		fmt.Printf("  peak heap %.1f MB (live %.1f MB), bound %.1f MB (memory limit at the bound: %v)\n",
			float64(r.PeakHeapBytes)/1e6, float64(r.PeakLiveHeapBytes)/1e6, float64(r.HeapBoundBytes)/1e6, *memLimit)
	}
}
