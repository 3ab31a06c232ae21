package main

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

// BenchmarkFullSyncAtTheQuota measures what a full sync of 200,000
// products costs of the platform's quota, 40 requests in any sliding
// minute, against its lower bound. Client and fake share a FakeClock, so
// the quota's waits take no wall time: the benchmark runs in seconds and
// reports the virtual minutes the quota cost (virtual-min, and virtual-s
// in seconds), next to the requests sent and the bound. The clock moves in
// steps of 100 ms, so virtual-s may exceed the quota's cost by up to 0.1 s
// per wait.
//
// The tenant holds the source's 200,000 products and 5,000 the feed no
// longer has (within the 10% default limit). The bound is the fewest
// requests the job needs, one per 10,000 keys: the listing of 205,000
// products (21), the category tree (1, to check references), the import of
// 200,000 (20) and the removal of 5,000 (1), 43 requests; at 40 a minute
// the last 3 cannot start before a minute has passed, so the time bound is
// floor((43-1)/40) = 1 minute. Time advances only while the sync waits on
// the clock, and the sync sends one request at a time (Concurrency 1), so
// that no request is in flight while the clock moves: a request itself
// takes no virtual time, and the virtual minutes are the quota's alone.
//
//	go test -run '^$' -bench FullSyncAtTheQuota -benchtime 1x ./cmd/catalogbench
func BenchmarkFullSyncAtTheQuota(b *testing.B) {
	const (
		feedProducts = 200_000
		goneProducts = 5_000
		perRequest   = catalog.MaxProducts
		window       = time.Minute
		quota        = 40
	)
	for range b.N {
		b.StopTimer()
		clock := catalogtest.NewFakeClock(time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC))
		srv := catalogtest.NewServer(catalogtest.WithClock(clock), catalogtest.WithRateLimit(quota, window))
		feed := make([]catalog.Product, feedProducts)
		for i := range feed {
			feed[i] = catalog.Product{EntityCode: fmt.Sprintf("P%06d", i), Name: catalog.PlainText("Item"),
				Pricing: &catalog.Pricing{List: catalog.Ptr(float64(i%100) + 0.5)}}
			if _, err := srv.SeedProduct(feed[i]); err != nil {
				b.Fatal(err)
			}
		}
		for i := range goneProducts {
			if _, err := srv.SeedProduct(catalog.Product{EntityCode: fmt.Sprintf("GONE%05d", i)}); err != nil {
				b.Fatal(err)
			}
		}
		client, err := srv.Client() // 40 a minute, on the fake clock
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()

		start := clock.Now()
		rep, runErr := syncOnTheClock(clock, client, feed)
		virtual := clock.Now().Sub(start)

		b.StopTimer()
		if runErr != nil || rep.Products.Succeeded != feedProducts || rep.Removals.Succeeded != goneProducts {
			b.Fatalf("sync: %v; %d of %d products, %d of %d removals", runErr, rep.Products.Succeeded, feedProducts,
				rep.Removals.Succeeded, goneProducts)
		}
		requests, throttled := 0, 0
		for _, r := range srv.Requests() {
			requests++
			if r.Status == http.StatusTooManyRequests {
				throttled++
			}
		}
		ceil := func(n int) int { return (n + perRequest - 1) / perRequest }
		bound := ceil(feedProducts+goneProducts) + 1 + ceil(feedProducts) + ceil(goneProducts)
		b.ReportMetric(float64(requests), "requests")
		b.ReportMetric(float64(bound), "bound-requests")
		b.ReportMetric(virtual.Minutes(), "virtual-min")
		b.ReportMetric(virtual.Seconds(), "virtual-s")
		b.ReportMetric(float64((bound-1)/quota)*window.Minutes(), "bound-min")
		b.ReportMetric(float64(throttled), "429s")
		srv.Close()
	}
}

// syncOnTheClock runs a full sync of feed, advancing the fake clock in
// steps of 100 ms whenever the sync waits on it, and only then.
func syncOnTheClock(clock *catalogtest.FakeClock, client *catalog.Client, feed []catalog.Product) (*catalog.SyncReport, error) {
	const step = 100 * time.Millisecond
	idle := clock.Timers() // the server's own sleepers, if any
	ctx, cancel := context.WithCancel(context.Background())
	var rep *catalog.SyncReport
	var err error
	go func() {
		defer cancel()
		rep, err = client.Sync(context.Background(), catalog.Feed{SourceID: catalogtest.DefaultSourceID, Products: catalog.FromSlice(feed)},
			&catalog.SyncOptions{Bulk: &catalog.BulkOptions{Concurrency: 1}})
	}()
	for clock.WaitForTimers(ctx, idle+1) == nil && ctx.Err() == nil {
		clock.Advance(step)
	}
	<-ctx.Done()
	return rep, err
}
