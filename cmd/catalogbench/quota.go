package main

// The rate-quota scenarios: wall time of imports against a server that
// enforces the platform's window by arrival time, compared with the true
// time bound, and one quota shared by four importers through Redis. These
// measure time, not CPU, so the server (the sink, enforcing the window)
// runs in this process, where its record of arrival times can be read.

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
	"github.com/pimkit/catalog/internal/sink"
	"github.com/pimkit/catalog/internal/synth"
	"github.com/pimkit/catalog/redisquota"
)

var (
	rateWindow = flag.Duration("rate-window", 6*time.Second, "the window of the quota scenarios: the platform's 40 per 60 s, scaled")
	rateSizes  = flag.String("rate-requests", "10,48,100", "import sizes of the quota scenario, in requests of 10,000 minimal products")
	rateRepeat = flag.Int("rate-repeat", 7, "runs of each unlimited import (and of imports within one window); the median is reported")
	redisAddr  = flag.String("redis", os.Getenv("CATALOG_REDIS_ADDR"), "redis-server for the shared-quota run (default $CATALOG_REDIS_ADDR; empty: skipped)")
)

// QuotaResult is one import of the quota scenario.
type QuotaResult struct {
	Name       string `json:"name"`
	Requests   int    `json:"requests"`
	LowerBound int    `json:"lower_bound"` // ceil(products / 10,000)
	Products   int    `json:"products"`
	// Scaled: the sink and the client both allow 40 per WindowSeconds.
	WindowSeconds      float64 `json:"window_seconds"`
	NoLimitSeconds     float64 `json:"no_limit_seconds"`  // the same import, no limit on either side
	TailSeconds        float64 `json:"tail_seconds"`      // no-limit time of the requests after the last full window
	BoundSeconds       float64 `json:"bound_seconds"`     // floor((R-1)/40) x window + tail
	LimitedSeconds     float64 `json:"limited_seconds"`   // with the client's limiter, against the enforcing sink
	RatioToBound       float64 `json:"ratio_to_bound"`    // limited / bound
	RatioToNoLimit     float64 `json:"ratio_to_no_limit"` // limited / no limit
	Bound60Seconds     float64 `json:"bound_60s_seconds"` // the bound at the platform's 60 s window
	Limited60Projected float64 `json:"limited_60s_projected_seconds"`
	HTTP429            int     `json:"http_429"`
	MaxInWindow        int     `json:"max_in_window"` // most arrivals the sink saw in one window
}

// SharedResult is the shared-quota run.
type SharedResult struct {
	Name          string  `json:"name"`
	Skipped       string  `json:"skipped,omitempty"`
	Importers     int     `json:"importers"`
	Requests      int     `json:"requests"`
	WindowSeconds float64 `json:"window_seconds"`
	SpanSeconds   float64 `json:"span_seconds"` // first to last arrival at the sink
	WallSeconds   float64 `json:"wall_seconds"` // including the first use of the key, which holds back one window
	// QuotaUsed: requests / (40 x (floor(span/window)+1)), the most any
	// client could have had counted over the span.
	QuotaUsed       float64 `json:"quota_used"`
	PerWindowAfter1 float64 `json:"per_window_after_first"` // (requests-40) / (span/window)
	HTTP429         int     `json:"http_429"`
	MaxInWindow     int     `json:"max_in_window"`
}

// runQuotaScenario runs the scenario "quota" and reports whether name was it.
func runQuotaScenario(name string) bool {
	if name != "quota" {
		return false
	}
	sizes, err := intList("-rate-requests", *rateSizes, 1)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range sizes {
		res, err := boundScenario(r)
		if err != nil {
			log.Fatalf("quota-%d: %v", r, err)
		}
		printQuota(res)
	}
	res, err := sharedScenario()
	if err != nil {
		log.Fatalf("quota-shared: %v", err)
	}
	printQuota(res)
	return true
}

const (
	windowLimit     = 40 // the platform's requests per tenant in any minute
	quotaPerRequest = catalog.MaxProducts
)

// boundScenario imports r requests of minimal products with no limit, then
// with the client's limiter against a sink that enforces 40 per window.
// Imports that fit in one window are as short as the unlimited ones, so
// both are run -rate-repeat times, alternately, and the medians compared.
func boundScenario(r int) (QuotaResult, error) {
	w := *rateWindow
	full := (r - 1) / windowLimit
	tailReqs := r - full*windowLimit
	if _, _, err := importOnce(min(r, 10), 0); err != nil { // warm up
		return QuotaResult{}, err
	}
	var noLimits, tails, limits []time.Duration
	var srv *sink.Sink
	for range max(*rateRepeat, 1) {
		d, _, err := importOnce(r, 0)
		if err != nil {
			return QuotaResult{}, err
		}
		noLimits = append(noLimits, d)
		if full == 0 {
			if d, srv, err = importOnce(r, w); err != nil {
				return QuotaResult{}, err
			}
			limits = append(limits, d)
		} else if d, _, err = importOnce(tailReqs, 0); err != nil {
			return QuotaResult{}, err
		} else {
			tails = append(tails, d)
		}
	}
	if full > 0 { // one run: the windows dominate it
		d, s, err := importOnce(r, w)
		if err != nil {
			return QuotaResult{}, err
		}
		limits, srv = append(limits, d), s
	} else {
		tails = noLimits
	}
	noLimit, tail, limited := median(noLimits), median(tails), median(limits)
	n429, most := serverView(srv, w)
	bound := time.Duration(full)*w + tail
	bound60 := time.Duration(full)*time.Minute + tail
	return QuotaResult{
		Name: fmt.Sprintf("quota-%d", r), Requests: r, LowerBound: r, Products: r * quotaPerRequest,
		WindowSeconds: w.Seconds(), NoLimitSeconds: noLimit.Seconds(), TailSeconds: tail.Seconds(),
		BoundSeconds: bound.Seconds(), LimitedSeconds: limited.Seconds(),
		RatioToBound: float64(limited) / float64(bound), RatioToNoLimit: float64(limited) / float64(noLimit),
		Bound60Seconds: bound60.Seconds(), Limited60Projected: (limited - time.Duration(full)*w + time.Duration(full)*time.Minute).Seconds(),
		HTTP429: n429, MaxInWindow: most,
	}, nil
}

// importOnce imports r requests' worth of minimal products against a fresh
// sink (window 0: no limit on either side) and returns the wall time and
// the sink, whose arrivals can still be read.
func importOnce(r int, window time.Duration) (time.Duration, *sink.Sink, error) {
	clientLimit := catalog.WithLimiter(nil)
	if window > 0 {
		clientLimit = catalog.WithRateLimit(windowLimit, window)
	}
	s := sink.New(windowLimit, window)
	hs := httptest.NewServer(s)
	defer hs.Close()
	c, err := sinkClient(hs.URL, clientLimit)
	if err != nil {
		return 0, nil, err
	}
	n := r * quotaPerRequest
	start := time.Now()
	rep, err := c.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, synth.Seq(n, synth.Minimal),
		&catalog.BulkOptions{Concurrency: *concurrency, TotalItems: n})
	took := time.Since(start)
	if err != nil {
		return 0, nil, err
	}
	if err := checkAllSucceeded(rep, n); err != nil {
		return 0, nil, err
	}
	if rep.Requests != r {
		return 0, nil, fmt.Errorf("%d requests, want %d", rep.Requests, r)
	}
	return took, s, nil
}

// sinkClient returns a client for the sink at url.
func sinkClient(url string, opts ...catalog.Option) (*catalog.Client, error) {
	return catalog.NewClient(url, append([]catalog.Option{catalog.WithAPIKey(catalogtest.DefaultAPIKeyID, catalogtest.DefaultAPISecret)}, opts...)...)
}

// serverView returns the 429s the sink answered and the most arrivals it
// saw in one window (t-window, t].
func serverView(srv *sink.Sink, window time.Duration) (n429, most int) {
	var times []time.Time
	for _, r := range srv.Arrivals() {
		if r.Status == 429 {
			n429++
		}
		times = append(times, r.Time)
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	j := 0
	for i := range times {
		for !times[j].After(times[i].Add(-window)) {
			j++
		}
		most = max(most, i-j+1)
	}
	return n429, most
}

// sharedScenario: four importers, each with its own Redis connection and
// redisquota.Limiter, import at once against one sink enforcing 40 per
// window; -quota-requests requests in all, of 500 minimal products.
func sharedScenario() (SharedResult, error) {
	const importers, perRequest = 4, 500
	w := *rateWindow
	res := SharedResult{Name: "quota-shared", Importers: importers, WindowSeconds: w.Seconds()}
	if *redisAddr == "" {
		res.Skipped = "no redis-server: pass -redis host:port or set CATALOG_REDIS_ADDR"
		return res, nil
	}
	srv := sink.New(windowLimit, w)
	hs := httptest.NewServer(srv)
	defer hs.Close()
	key := fmt.Sprintf("{catalogbench-%d}", time.Now().UnixNano())
	per := *quotaN / importers
	var wg sync.WaitGroup
	errs := make(chan error, importers)
	start := time.Now()
	for i := range importers {
		rdb := redis.NewClient(&redis.Options{Addr: *redisAddr})
		defer rdb.Close()
		// The lease exceeds the window plus the attempt timeout, as it
		// must; the key is new, so its first use holds the quota closed
		// for one lease.
		lim, err := redisquota.New(rdb, key, redisquota.Options{Limit: windowLimit, Window: w, Lease: 2 * w})
		if err != nil {
			return res, err
		}
		c, err := sinkClient(hs.URL, catalog.WithLimiter(lim), catalog.WithTimeout(w/2))
		if err != nil {
			return res, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := per * perRequest
			gen := func(j int) catalog.Product { return synth.Minimal(i*n + j) }
			rep, err := c.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, synth.Seq(n, gen),
				&catalog.BulkOptions{Concurrency: *concurrency, MaxProducts: perRequest})
			if err == nil {
				err = checkAllSucceeded(rep, n)
			}
			errs <- err
		}()
	}
	wg.Wait()
	res.WallSeconds = time.Since(start).Seconds()
	close(errs)
	for err := range errs {
		if err != nil {
			return res, err
		}
	}
	reqs := srv.Arrivals()
	res.Requests = len(reqs)
	res.HTTP429, res.MaxInWindow = serverView(srv, w)
	first, last := reqs[0].Time, reqs[0].Time
	for _, r := range reqs {
		first, last = minTime(first, r.Time), maxTime(last, r.Time)
	}
	span := last.Sub(first)
	res.SpanSeconds = span.Seconds()
	res.QuotaUsed = float64(len(reqs)) / float64(windowLimit*(int(span/w)+1))
	res.PerWindowAfter1 = float64(len(reqs)-windowLimit) / (float64(span) / float64(w))
	return res, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func printQuota(r any) {
	if *asJSON {
		_ = json.NewEncoder(os.Stdout).Encode(r)
		return
	}
	switch r := r.(type) {
	case QuotaResult:
		fmt.Printf("%s: %d requests (lower bound %d), window %.0f s scaled from 60 s\n", r.Name, r.Requests, r.LowerBound, r.WindowSeconds)
		fmt.Printf("  no limit %.2f s; with the limiter %.2f s; bound %.2f s (tail %.2f s): %.3fx the bound, %.3fx no limit\n",
			r.NoLimitSeconds, r.LimitedSeconds, r.BoundSeconds, r.TailSeconds, r.RatioToBound, r.RatioToNoLimit)
		fmt.Printf("  at 60 s: bound %.1f s, projected %.1f s; 429 answers %d; most arrivals in a window %d\n",
			r.Bound60Seconds, r.Limited60Projected, r.HTTP429, r.MaxInWindow)
	case SharedResult:
		if r.Skipped != "" {
			fmt.Printf("%s: skipped: %s\n", r.Name, r.Skipped)
			return
		}
		fmt.Printf("%s: %d importers, %d requests, window %.0f s: span %.2f s (wall %.2f s with the key's first lease)\n",
			r.Name, r.Importers, r.Requests, r.WindowSeconds, r.SpanSeconds, r.WallSeconds)
		fmt.Printf("  quota used %.1f%% (target >= 95%%), %.2f requests per window after the first; 429 answers %d; most arrivals in a window %d\n",
			100*r.QuotaUsed, r.PerWindowAfter1, r.HTTP429, r.MaxInWindow)
	}
}
