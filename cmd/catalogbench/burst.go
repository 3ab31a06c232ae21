package main

// The burst scenario: the platform lets 40 requests through at once before
// its rate window bites, so how fast ImportAll turns a stream into 40
// bodies of 35 MB is the time of a catalog's first minute. It is measured
// against the sink (internal/sink), next to two
// bounds: the pipe (bodies of the same size, built beforehand, posted with
// plain net/http) and the CPU (json.Marshal on one goroutine, times
// GOMAXPROCS; and the same for the SDK's own row encoder).

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"iter"
	"log"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
	"github.com/pimkit/catalog/internal/sink"
	"github.com/pimkit/catalog/internal/synth"
)

var (
	burstRounds = flag.Int("burst-rounds", 3, "times the burst import and its transport bound are each run, alternating; the medians are reported")
	burstN      = flag.Int("burst-requests", 40, "requests of the burst scenario, each filled to the body limit: the platform's first burst is 40")
)

const (
	burstPool = 4_000 // distinct products, cycled through: making them must not weigh on the import
	// burstHead is room kept in each request for the envelope ahead of the
	// products (source_id, merge_mode, batch_id, batch_metadata), well over
	// what ImportAll writes.
	burstHead = 1_024
)

// intList parses a flag's comma-separated integers, each at least least.
func intList(name, value string, least int) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(value, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < least {
			return nil, fmt.Errorf("%s %q: want integers of at least %d, separated by commas", name, value, least)
		}
		out = append(out, n)
	}
	return out, nil
}

// BurstResult is the burst scenario; the -json output prints it as is.
// MB are of product JSON (10^6 bytes), without the envelope and commas.
type BurstResult struct {
	Name        string `json:"name"`
	Products    int    `json:"products"`
	Bytes       int64  `json:"bytes"`       // encoded product bytes, as the SDK encodes them
	LowerBound  int    `json:"lower_bound"` // ceil(max(products/10,000, bytes/body limit))
	BodyLimit   int64  `json:"body_limit"`
	Concurrency int    `json:"concurrency"`
	GOMAXPROCS  int    `json:"gomaxprocs"`
	Rounds      int    `json:"rounds"`
	// StreamSeconds is the time to take every product from the stream,
	// alone: what making the products costs each import.
	StreamSeconds float64   `json:"stream_seconds"`
	Import        BurstRate `json:"import"` // ImportAll
	// Transport posts Requests bodies of the size ImportAll fills, built
	// beforehand, with Concurrency in flight: the pipe's bound.
	Transport BurstRate `json:"transport"`
	// MarshalMBPerSecond is json.Marshal of each product (plainProduct) on
	// one goroutine, the best of a few passes over the pool; EncodeBound is
	// that times GOMAXPROCS, the CPU's bound. SDKEncodeMBPerSecond is the
	// same for the SDK's row encoder (Product.MarshalJSON, which adds a
	// copy of each row), the encoder ImportAll runs.
	MarshalMBPerSecond   float64 `json:"marshal_mb_per_second"`
	EncodeBound          float64 `json:"encode_bound_mb_per_second"`
	SDKEncodeMBPerSecond float64 `json:"sdk_encode_mb_per_second"`
	SDKEncodeBound       float64 `json:"sdk_encode_bound_mb_per_second"`
}

// BurstRate is the time r requests took, and the client's CPU for them:
// the medians over the rounds, with the range of the times.
type BurstRate struct {
	Seconds     float64 `json:"seconds"`
	SecondsMin  float64 `json:"seconds_min"`
	SecondsMax  float64 `json:"seconds_max"`
	MBPerSecond float64 `json:"mb_per_second"`
	Requests    int     `json:"requests"`
	BodyBytes   int64   `json:"body_bytes"` // request bodies sent, envelopes included
	CPUSeconds  float64 `json:"client_cpu_seconds"`
	// SinkCPUSeconds is the sink's CPU time meanwhile (in 10 ms ticks):
	// the share of the machine the server takes.
	SinkCPUSeconds float64 `json:"sink_cpu_seconds"`
}

// runBurstScenario runs the scenario "burst" and reports whether name was it.
func runBurstScenario(name string) bool {
	if name != "burst" {
		return false
	}
	res, err := burstScenario(*burstN)
	if err != nil {
		log.Fatalf("burst: %v", err)
	}
	printBurst(res)
	return true
}

// burstScenario imports as many full products as fill r requests to the
// body limit, against the sink, -burst-rounds times, alternating with the
// transport bound, then measures the encoding bounds.
func burstScenario(r int) (BurstResult, error) {
	if r < 1 {
		return BurstResult{}, fmt.Errorf("-burst-requests %d: at least 1", r)
	}
	pool, sizes, err := burstProducts()
	if err != nil {
		return BurstResult{}, err
	}
	n, bytes := burstSize(sizes, r)
	res := BurstResult{
		Name: "burst", Products: n, Bytes: bytes, LowerBound: lowerBound(n, bytes), BodyLimit: catalog.MaxBodyBytes,
		Concurrency: *concurrency, GOMAXPROCS: runtime.GOMAXPROCS(0),
	}
	if res.LowerBound != r {
		return res, fmt.Errorf("%d products of %d bytes need %d requests, not %d", n, bytes, res.LowerBound, r)
	}
	url, sinkPID, stop, err := spawnServer("-sink")
	if err != nil {
		return res, err
	}
	defer stop()
	client, err := catalog.NewClient(url, catalog.WithAPIKey(catalogtest.DefaultAPIKeyID, catalogtest.DefaultAPISecret),
		catalog.WithLimiter(nil))
	if err != nil {
		return res, err
	}

	start := time.Now()
	for range burstStream(pool, n) {
	}
	res.StreamSeconds = time.Since(start).Seconds()

	// A request's worth first, untimed: the first import of a process
	// would otherwise also pay for growing the heap and for the connections.
	if _, err := client.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, burstStream(pool, n/r),
		&catalog.BulkOptions{Concurrency: *concurrency}); err != nil {
		return res, err
	}

	// Rounds alternate the import and the transport bound, so that a spell
	// of other load on the machine falls on both. Each figure is the
	// median.
	var imports, transports []BurstRate
	for range max(*burstRounds, 1) {
		b, err := burstImport(client, sinkPID, pool, n)
		if err != nil {
			return res, err
		}
		if b.Requests != r {
			return res, fmt.Errorf("ImportAll: %d requests, want %d", b.Requests, r)
		}
		b.MBPerSecond = float64(bytes) / 1e6 / b.Seconds
		imports = append(imports, b)
		t, err := burstTransport(url, sinkPID, pool, r)
		if err != nil {
			return res, err
		}
		transports = append(transports, t)
	}
	res.Import = medianRate(imports)
	res.Transport = medianRate(transports)
	res.Rounds = max(*burstRounds, 1)
	res.MarshalMBPerSecond = encodeRate(pool, func(p *catalog.Product) ([]byte, error) { return json.Marshal((*plainProduct)(p)) })
	res.SDKEncodeMBPerSecond = encodeRate(pool, func(p *catalog.Product) ([]byte, error) { return p.MarshalJSON() })
	res.EncodeBound = res.MarshalMBPerSecond * float64(res.GOMAXPROCS)
	res.SDKEncodeBound = res.SDKEncodeMBPerSecond * float64(res.GOMAXPROCS)
	return res, nil
}

// burstCode is row i's entity code (and SKU). Its width is fixed, so a
// row's encoded size is its pool product's, measured with a code of the
// same width.
func burstCode(i int) string { return fmt.Sprintf("SKU-%09d", i) }

// burstProducts makes the pool, and each product's size as the SDK encodes
// it with a row's code.
func burstProducts() ([]catalog.Product, []int, error) {
	pool := make([]catalog.Product, burstPool)
	sizes := make([]int, burstPool)
	for i := range pool {
		pool[i] = synth.Full(i)
		pool[i].EntityCode = burstCode(i)
		pool[i].SKU = pool[i].EntityCode
		raw, err := pool[i].MarshalJSON()
		if err != nil {
			return nil, nil, err
		}
		sizes[i] = len(raw)
	}
	return pool, sizes, nil
}

// burstStream yields n products: a shallow copy of each pool product in
// turn, with the row's own entity code and SKU, since ImportAll sends only
// the first row of each key (entity_code, else sku). The pool's pointers,
// slices and maps are shared and never written.
func burstStream(pool []catalog.Product, n int) iter.Seq2[catalog.Product, error] {
	return synth.Seq(n, func(i int) catalog.Product {
		p := pool[i%len(pool)]
		p.EntityCode = burstCode(i)
		p.SKU = p.EntityCode
		return p
	})
}

// burstSize returns the most products, and their bytes, that ImportAll
// surely packs into r requests. It fills each request until the next row
// does not fit, so each request but the last carries at least the limit,
// less the envelope and one row (a comma and the largest product); rows
// totalling r times that fit in r requests. The rows are counted with
// their exact sizes, since the pool's are not all the average.
func burstSize(sizes []int, r int) (int, int64) {
	room := int64(r) * (catalog.MaxBodyBytes - burstHead - 1 - int64(slices.Max(sizes)))
	var n int
	var bytes, used int64 // used counts a comma per row
	for n < r*catalog.MaxProducts {
		s := int64(sizes[n%len(sizes)])
		if used+s+1 > room {
			break
		}
		used += s + 1
		bytes += s
		n++
	}
	return n, bytes
}

// burstBody is one import body filled to the body limit with pool
// products encoded by the SDK, the number of rows in it, and their bytes.
func burstBody(pool []catalog.Product) ([]byte, int, int64, error) {
	body := []byte(`{"source_id":"` + catalogtest.DefaultSourceID + `","products":[`)
	rows, productBytes := 0, int64(0)
	for ; ; rows++ {
		p := pool[rows%len(pool)]
		p.EntityCode = burstCode(rows)
		p.SKU = p.EntityCode
		raw, err := p.MarshalJSON()
		if err != nil {
			return nil, 0, 0, err
		}
		if int64(len(body)+1+len(raw)+len("]}")) > catalog.MaxBodyBytes {
			break
		}
		if rows > 0 {
			body = append(body, ',')
		}
		body = append(body, raw...)
		productBytes += int64(len(raw))
	}
	return append(body, "]}"...), rows, productBytes, nil
}

// burstImport imports n products of the pool against the client's server,
// the sink with process id sinkPID.
func burstImport(client *catalog.Client, sinkPID int, pool []catalog.Product, n int) (BurstRate, error) {
	var rep *catalog.BulkReport
	freeHeap()
	sink0, err := procCPU(sinkPID)
	if err != nil {
		return BurstRate{}, err
	}
	cpu, wall := measure(func() error {
		var err error
		rep, err = client.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, burstStream(pool, n),
			&catalog.BulkOptions{Concurrency: *concurrency, TotalItems: n})
		return err
	})
	sink1, err := procCPU(sinkPID)
	if err != nil {
		return BurstRate{}, err
	}
	if err := checkAllSucceeded(rep, n); err != nil {
		return BurstRate{}, err
	}
	return BurstRate{Seconds: wall.Seconds(), Requests: rep.Requests, BodyBytes: rep.Bytes, CPUSeconds: cpu.Seconds(),
		SinkCPUSeconds: (sink1 - sink0).Seconds()}, nil
}

// freeHeap collects the garbage of the previous run and returns the freed
// memory to the OS, so that every run starts from the same heap, that of
// a process's first import: each then faults in its buffers (about 50,000
// minor faults, 200 MB, for a serial import). Without it a run's page
// faults depended on the run before (none after a run that had left its
// pages mapped, 56,000 after the transport run), which put two runs of the
// same import 12 to 16% apart.
func freeHeap() { debug.FreeOSMemory() }

// burstTransport posts r copies of a full import body (burstBody) to the
// sink at url with -concurrency in flight, through a plain net/http
// client: the time the bytes alone take, and the client's CPU for it.
// Every request sends the same buffer, built before the clock starts and
// dropped after, so that it does not weigh on the imports' heap.
func burstTransport(url string, sinkPID int, pool []catalog.Product, r int) (BurstRate, error) {
	body, rows, productBytes, err := burstBody(pool)
	if err != nil {
		return BurstRate{}, err
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *concurrency}}
	defer hc.CloseIdleConnections()
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	freeHeap()
	sink0, err := procCPU(sinkPID)
	if err != nil {
		return BurstRate{}, err
	}
	cpu, wall := measure(func() error {
		var wg sync.WaitGroup
		for range *concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= int64(r) {
					if err := postBody(hc, url+sink.ImportPath, body, rows); err != nil {
						once.Do(func() { firstErr = err })
						return
					}
				}
			}()
		}
		wg.Wait()
		return nil
	})
	sink1, err := procCPU(sinkPID)
	if err != nil {
		return BurstRate{}, err
	}
	if firstErr != nil {
		return BurstRate{}, firstErr
	}
	return BurstRate{Seconds: wall.Seconds(), MBPerSecond: float64(int64(r)*productBytes) / 1e6 / wall.Seconds(),
		Requests: r, BodyBytes: int64(r) * int64(len(body)), CPUSeconds: cpu.Seconds(), SinkCPUSeconds: (sink1 - sink0).Seconds()}, nil
}

// medianRate is the median of each figure of the rounds, and the range of
// their times.
func medianRate(rounds []BurstRate) BurstRate {
	pick := func(f func(BurstRate) float64) []float64 {
		v := make([]float64, len(rounds))
		for i, b := range rounds {
			v[i] = f(b)
		}
		return v
	}
	secs := pick(func(b BurstRate) float64 { return b.Seconds })
	return BurstRate{
		Seconds: median(secs), SecondsMin: slices.Min(secs), SecondsMax: slices.Max(secs),
		MBPerSecond:    median(pick(func(b BurstRate) float64 { return b.MBPerSecond })),
		CPUSeconds:     median(pick(func(b BurstRate) float64 { return b.CPUSeconds })),
		SinkCPUSeconds: median(pick(func(b BurstRate) float64 { return b.SinkCPUSeconds })),
		Requests:       rounds[0].Requests, BodyBytes: rounds[0].BodyBytes,
	}
}

// postBody posts one import body and checks that the sink counted rows.
func postBody(hc *http.Client, url string, body []byte, rows int) error {
	resp, err := hc.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var res catalog.ProductImportResult
	if err := json.Unmarshal(raw, &res); err != nil || resp.StatusCode != http.StatusOK || res.Summary.Successful != rows {
		return fmt.Errorf("POST %s: %s: %.200s, want %d rows counted", url, resp.Status, raw, rows)
	}
	return nil
}

// encodeRate is the MB/s of encode over the pool on this one goroutine:
// the best of at least three passes and one second, so that a moment of
// other load on the machine counts least.
func encodeRate(pool []catalog.Product, encode func(*catalog.Product) ([]byte, error)) float64 {
	best := 0.0
	runtime.GC()
	for pass, start := 0, time.Now(); pass < 3 || time.Since(start) < time.Second; pass++ {
		var bytes int64
		t0 := time.Now()
		for i := range pool {
			raw, err := encode(&pool[i])
			if err != nil {
				log.Fatal(err)
			}
			bytes += int64(len(raw))
		}
		best = max(best, float64(bytes)/1e6/time.Since(t0).Seconds())
	}
	return best
}

// printBurst prints the burst scenario as a table, or as one JSON object.
func printBurst(r BurstResult) {
	if *asJSON {
		_ = json.NewEncoder(os.Stdout).Encode(r)
		return
	}
	fmt.Printf("%s: %d full products, %.1f MB, lower bound %d requests of at most %.0f MB; concurrency %d, GOMAXPROCS %d; the stream alone %.3f s\n",
		r.Name, r.Products, float64(r.Bytes)/1e6, r.LowerBound, float64(r.BodyLimit)/1e6, r.Concurrency, r.GOMAXPROCS, r.StreamSeconds)
	fmt.Printf("  %-38s %8s %15s %10s %9s %11s %11s\n", fmt.Sprintf("(medians of %d rounds)", r.Rounds), "seconds", "(range)", "MB/s", "requests", "client CPU", "sink CPU")
	row := func(label string, b BurstRate) {
		fmt.Printf("  %-38s %8.2f %15s %10.1f %9d %9.2f s %9.2f s\n", label, b.Seconds,
			fmt.Sprintf("(%.2f-%.2f)", b.SecondsMin, b.SecondsMax), b.MBPerSecond, b.Requests, b.CPUSeconds, b.SinkCPUSeconds)
	}
	row("ImportAll", r.Import)
	row("transport bound (bodies built before)", r.Transport)
	fmt.Printf("  %-38s %8s %15s %10.1f   (json.Marshal %.1f MB/s on one goroutine x %d)\n", "encoding bound", "", "", r.EncodeBound, r.MarshalMBPerSecond, r.GOMAXPROCS)
	fmt.Printf("  %-38s %8s %15s %10.1f   (Product.MarshalJSON %.1f MB/s on one goroutine x %d)\n", "SDK row encoder x GOMAXPROCS", "", "", r.SDKEncodeBound, r.SDKEncodeMBPerSecond, r.GOMAXPROCS)
}
