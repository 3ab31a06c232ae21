package catalog_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
	"github.com/pimkit/catalog/internal/sink"
	"github.com/pimkit/catalog/internal/synth"
)

// The benchmarks import against the sink (internal/sink) over loopback
// HTTP, so their figures include the sink's counting of each body.
// cmd/catalogbench runs it in another process to measure the client alone.

// newBenchClient starts the sink and returns a client for it.
func newBenchClient(b *testing.B) *catalog.Client {
	srv := httptest.NewServer(sink.New(0, 0))
	b.Cleanup(srv.Close)
	client, err := catalog.NewClient(srv.URL,
		catalog.WithAPIKey(catalogtest.DefaultAPIKeyID, catalogtest.DefaultAPISecret), catalog.WithLimiter(nil))
	if err != nil {
		b.Fatal(err)
	}
	return client
}

func benchmarkImportAll(b *testing.B, n int, gen func(int) catalog.Product) {
	client := newBenchClient(b)
	rows := products(n, gen)
	benchRows(b, n, jsonBytes(rows), func() error { return importAllOf(client, catalogtest.DefaultSourceID, rows) })
}

func benchmarkMarshal(b *testing.B, n int, gen func(int) catalog.Product) {
	rows := products(n, gen)
	raw, _ := json.Marshal(rows)
	benchRows(b, n, int64(len(raw)), func() error {
		_, err := json.Marshal(rows)
		return err
	})
}

// benchRows measures op, which handles n products of size bytes in all, in
// products/s beside bytes/s.
func benchRows(b *testing.B, n int, size int64, op func() error) {
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		if err := op(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "products/s")
}

// jsonBytes is the size of the JSON of each value, summed.
func jsonBytes[T any](vs []T) int64 {
	var size int64
	for i := range vs {
		raw, _ := json.Marshal(&vs[i])
		size += int64(len(raw))
	}
	return size
}

// importAllOf imports products with ImportAll and fails unless all of them
// succeed.
func importAllOf(client *catalog.Client, sourceID string, products []catalog.Product) error {
	rep, err := client.Products.ImportAll(context.Background(), sourceID, catalog.FromSlice(products), nil)
	if err != nil || rep.Succeeded != len(products) {
		return fmt.Errorf("%v: %d of %d succeeded", err, rep.Succeeded, len(products))
	}
	return nil
}

// plainProduct has Product's fields without its methods: json.Marshal of
// one is encoding/json's standard encoding of the same fields (Text and
// Brand keep their MarshalJSON). Product.MarshalJSON itself calls the row
// encoder, so marshalling a Product would measure the SDK, not the baseline.
type plainProduct catalog.Product

// benchmarkMarshalEach is the fair baseline for the client's CPU per
// product: json.Marshal of each product on its own.
func benchmarkMarshalEach(b *testing.B, n int, gen func(int) catalog.Product) {
	products := make([]plainProduct, n)
	for i := range products {
		products[i] = plainProduct(gen(i))
	}
	benchRows(b, n, jsonBytes(products), func() error {
		for i := range products {
			if _, err := json.Marshal(&products[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

func BenchmarkImportAllMinimal(b *testing.B) { benchmarkImportAll(b, 50_000, synth.Minimal) }
func BenchmarkImportAllFull(b *testing.B)    { benchmarkImportAll(b, 2_000, synth.Full) }

func BenchmarkMarshalMinimal(b *testing.B) { benchmarkMarshal(b, 50_000, synth.Minimal) }
func BenchmarkMarshalFull(b *testing.B)    { benchmarkMarshal(b, 2_000, synth.Full) }

// benchmarkEncodeRows measures the row encoder alone: validation and
// encoding of each product, the client's per-row work in Import and
// ImportAll, without HTTP or the fake.
func benchmarkEncodeRows(b *testing.B, n int, gen func(int) catalog.Product) {
	rows := products(n, gen)
	size, err := catalog.EncodeRows(rows)
	if err != nil {
		b.Fatal(err)
	}
	benchRows(b, n, int64(size), func() error {
		_, err := catalog.EncodeRows(rows)
		return err
	})
}

func BenchmarkMarshalEachMinimal(b *testing.B) { benchmarkMarshalEach(b, 50_000, synth.Minimal) }
func BenchmarkMarshalEachFull(b *testing.B)    { benchmarkMarshalEach(b, 2_000, synth.Full) }

func BenchmarkEncodeRowsMinimal(b *testing.B) { benchmarkEncodeRows(b, 50_000, synth.Minimal) }
func BenchmarkEncodeRowsFull(b *testing.B)    { benchmarkEncodeRows(b, 2_000, synth.Full) }

// inProcess is an http.RoundTripper that serves each request with h in
// this process: no socket, no kernel copy, no server process taking a
// core. What is left of an import is the client's own work.
type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// BenchmarkImportAllInProcess is ImportAll against the sink served in
// process: the client's own work alone. 20,000 full products, 183 MB of
// JSON, 6 requests.
func BenchmarkImportAllInProcess(b *testing.B) {
	client, err := catalog.NewClient("http://sink.test",
		catalog.WithHTTPClient(&http.Client{Transport: inProcess{sink.New(0, 0)}}),
		catalog.WithAPIKey(catalogtest.DefaultAPIKeyID, catalogtest.DefaultAPISecret), catalog.WithInsecureHTTP(), catalog.WithLimiter(nil))
	if err != nil {
		b.Fatal(err)
	}
	rows := products(20_000, synth.Full)
	benchRows(b, len(rows), jsonBytes(rows), func() error { return importAllOf(client, "s", rows) })
}
