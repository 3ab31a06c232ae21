package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
	"github.com/pimkit/catalog/internal/synth"
)

// The fake scenario measures catalogtest itself at scale: the heap a fake
// holding -fake-products minimal products keeps live, how long its admin
// page takes to render, and how long Close takes, in process and, given
// -catalogctl, for the standalone fake-server to stop on SIGTERM.

var (
	nFake      = flag.Int("fake-products", 200_000, "in the fake scenario, minimal products imported into the fake")
	catalogctl = flag.String("catalogctl", "", "in the fake scenario, a catalogctl binary whose fake-server is timed from SIGTERM to exit")
)

// FakeResult is the fake scenario's figures.
type FakeResult struct {
	Name     string `json:"name"`
	Products int    `json:"products"`
	Requests int    `json:"requests"` // import requests that stored them
	// LiveHeapBytes is the heap the collector finds live once the
	// products are stored and the client gone, less the heap before the
	// server started.
	LiveHeapBytes uint64  `json:"live_heap_bytes"`
	ImportSeconds float64 `json:"import_seconds"`
	// PageSeconds is GET /_fake/ui from sending to the last byte, the
	// first page of every section; PageBytes its size.
	PageSeconds float64 `json:"page_seconds"`
	PageBytes   int     `json:"page_bytes"`
	// LastPageSeconds is the products section's last page.
	LastPageSeconds float64 `json:"last_page_seconds"`
	// CloseSeconds is Server.Close with the client's keep-alive
	// connections still open, just after queueing three imports of 10,000
	// products each.
	CloseSeconds float64 `json:"close_seconds"`
	// StandaloneRSSBytes is catalogctl fake-server's resident set once it
	// holds the products (VmRSS), and StandalonePeakRSSBytes its peak
	// (VmHWM), importing them (-catalogctl).
	StandaloneRSSBytes     uint64 `json:"standalone_rss_bytes,omitempty"`
	StandalonePeakRSSBytes uint64 `json:"standalone_peak_rss_bytes,omitempty"`
	// StandaloneStopSeconds is catalogctl fake-server from SIGTERM to
	// exit, after serving requests on keep-alive connections, with one
	// connection open that carries no request yet (-catalogctl).
	StandaloneStopSeconds float64 `json:"standalone_stop_seconds,omitempty"`
}

// runFakeScenario runs the scenario "fake" and reports whether name was it.
func runFakeScenario(name string) bool {
	if name != "fake" {
		return false
	}
	res, err := fakeScenario(*nFake)
	if err != nil {
		log.Fatalf("fake: %v", err)
	}
	if *catalogctl != "" {
		if err = standalone(*catalogctl, *nFake, &res); err != nil {
			log.Fatalf("fake: standalone: %v", err)
		}
	}
	if *asJSON {
		_ = json.NewEncoder(os.Stdout).Encode(res)
	} else {
		fmt.Printf("%-8s %9d products  live heap %6.1f MB  import %5.2f s  page %5.3f s (%d bytes, last page %5.3f s)  close %5.3f s  standalone: RSS %6.1f MB (peak %6.1f MB), stop %5.3f s\n",
			res.Name, res.Products, float64(res.LiveHeapBytes)/1e6, res.ImportSeconds, res.PageSeconds, res.PageBytes,
			res.LastPageSeconds, res.CloseSeconds, float64(res.StandaloneRSSBytes)/1e6, float64(res.StandalonePeakRSSBytes)/1e6, res.StandaloneStopSeconds)
	}
	return true
}

func liveHeap() uint64 {
	runtime.GC()
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func fakeScenario(n int) (FakeResult, error) {
	res := FakeResult{Name: "fake", Products: n}
	before := liveHeap()
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit())
	closed := false
	defer func() {
		if !closed {
			srv.Close()
		}
	}()
	if err := fakeImport(srv, n, &res); err != nil {
		return res, err
	}
	if after := liveHeap(); after > before {
		res.LiveHeapBytes = after - before
	}
	if got := len(srv.Products()); got != n {
		return res, fmt.Errorf("the fake holds %d products, want %d", got, n)
	}

	var err error
	if res.PageSeconds, res.PageBytes, err = timeGet(srv.URL + catalogtest.AdminPrefix + "ui"); err != nil {
		return res, err
	}
	last := fmt.Sprintf("%sui?products_page=%d", catalogtest.AdminPrefix, (n+49)/50)
	if res.LastPageSeconds, _, err = timeGet(srv.URL + last); err != nil {
		return res, err
	}

	// Close with keep-alive connections open, as a suite leaves them, and
	// the worker busy.
	client, err := srv.Client()
	if err != nil {
		return res, err
	}
	batch := make([]catalog.Product, catalog.MaxProducts)
	for i := range batch {
		batch[i] = synth.Minimal(i)
	}
	for range 3 {
		if _, err := client.Products.Queue(context.Background(), catalogtest.DefaultSourceID, batch, nil); err != nil {
			return res, err
		}
	}
	start := time.Now()
	srv.Close()
	closed = true
	res.CloseSeconds = time.Since(start).Seconds()
	return res, nil
}

// fakeImport imports n minimal products into srv, 10,000 a request.
func fakeImport(srv *catalogtest.Server, n int, res *FakeResult) error {
	client, err := srv.Client()
	if err != nil {
		return err
	}
	start := time.Now()
	rep, err := client.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, synth.Seq(n, synth.Minimal), nil)
	if err != nil {
		return err
	}
	res.ImportSeconds = time.Since(start).Seconds()
	res.Requests = rep.Requests
	return checkAllSucceeded(rep, n)
}

// timeGet times one GET to its last byte.
func timeGet(url string) (float64, int, error) {
	start := time.Now()
	resp, err := http.Get(url)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return 0, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return time.Since(start).Seconds(), int(n), nil
}

// standalone starts bin's fake-server, imports n minimal products into it
// and reads its resident set, then opens one more connection without a
// request, and times SIGTERM to exit.
func standalone(bin string, n int, res *FakeResult) error {
	cmd := exec.Command(bin, "fake-server", "--addr", "127.0.0.1:0", "--json", "--rate-limit", "off")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Kill() }()
	var ready struct {
		URL       string `json:"url"`
		APIKeyID  string `json:"api_key_id"`
		APISecret string `json:"api_secret"`
	}
	line, err := bufio.NewReader(out).ReadBytes('\n')
	if err != nil {
		return err
	}
	if err := json.Unmarshal(line, &ready); err != nil {
		return err
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	client, err := catalog.NewClient(ready.URL, catalog.WithAPIKey(ready.APIKeyID, ready.APISecret), catalog.WithLimiter(nil))
	if err != nil {
		return err
	}
	rep, err := client.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, synth.Seq(n, synth.Minimal), nil)
	if err != nil {
		return err
	}
	if err := checkAllSucceeded(rep, n); err != nil {
		return err
	}
	if res.StandaloneRSSBytes, err = procStatus(strconv.Itoa(cmd.Process.Pid), "VmRSS"); err != nil {
		return err
	}
	if res.StandalonePeakRSSBytes, err = procStatus(strconv.Itoa(cmd.Process.Pid), "VmHWM"); err != nil {
		return err
	}
	// A connection with no request on it yet, as a browser opens ahead of
	// need: http.Server.Shutdown waits 5 s for such a one.
	idle, err := net.Dial("tcp", strings.TrimPrefix(ready.URL, "http://"))
	if err != nil {
		return err
	}
	defer idle.Close()
	time.Sleep(100 * time.Millisecond) // for the fake to accept it: a measurement, not a test
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	if err := cmd.Wait(); err != nil {
		return err
	}
	res.StandaloneStopSeconds = time.Since(start).Seconds()
	return nil
}
