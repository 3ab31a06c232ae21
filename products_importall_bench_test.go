package catalog_test

import (
	"context"
	"encoding/json"
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
		catalog.WithAPIKey(catalogtest.DefaultAPIKeyID, catalogtest.DefaultAPISecret), catalog.WithoutRateLimit())
	if err != nil {
		b.Fatal(err)
	}
	return client
}

func benchmarkImportAll(b *testing.B, n int, gen func(int) catalog.Product) {
	benchmarkImportAllWith(b, n, gen, nil)
}

func benchmarkImportAllWith(b *testing.B, n int, gen func(int) catalog.Product, opts *catalog.BulkOptions) {
	client := newBenchClient(b)
	products := make([]catalog.Product, n)
	var size int64
	for i := range products {
		products[i] = gen(i)
		raw, _ := json.Marshal(products[i])
		size += int64(len(raw))
	}
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		rep, err := client.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, catalog.FromSlice(products), opts)
		if err != nil || rep.Succeeded != n {
			b.Fatalf("%v: %+v", err, rep)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "products/s")
}

func benchmarkMarshal(b *testing.B, n int, gen func(int) catalog.Product) {
	products := make([]catalog.Product, n)
	for i := range products {
		products[i] = gen(i)
	}
	raw, _ := json.Marshal(products)
	b.SetBytes(int64(len(raw)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := json.Marshal(products); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "products/s")
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
	var size int64
	for i := range products {
		products[i] = plainProduct(gen(i))
		raw, _ := json.Marshal(&products[i])
		size += int64(len(raw))
	}
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		for i := range products {
			if _, err := json.Marshal(&products[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "products/s")
}

func BenchmarkImportAllMinimal(b *testing.B) { benchmarkImportAll(b, 50_000, synth.Minimal) }
func BenchmarkImportAllFull(b *testing.B)    { benchmarkImportAll(b, 2_000, synth.Full) }

func BenchmarkMarshalMinimal(b *testing.B) { benchmarkMarshal(b, 50_000, synth.Minimal) }
func BenchmarkMarshalFull(b *testing.B)    { benchmarkMarshal(b, 2_000, synth.Full) }

// benchmarkEncodeRows measures the row encoder alone: validation and
// encoding of each product, the client's per-row work in Import and
// ImportAll, without HTTP or the fake.
func benchmarkEncodeRows(b *testing.B, n int, gen func(int) catalog.Product) {
	products := make([]catalog.Product, n)
	for i := range products {
		products[i] = gen(i)
	}
	size, err := catalog.EncodeRows(products)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(size))
	b.ResetTimer()
	for b.Loop() {
		if _, err := catalog.EncodeRows(products); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "products/s")
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
		catalog.WithAPIKey(catalogtest.DefaultAPIKeyID, catalogtest.DefaultAPISecret), catalog.WithInsecureHTTP(), catalog.WithoutRateLimit())
	if err != nil {
		b.Fatal(err)
	}
	products := make([]catalog.Product, 20_000)
	var size int64
	for i := range products {
		products[i] = synth.Full(i)
		raw, _ := json.Marshal(products[i])
		size += int64(len(raw))
	}
	b.SetBytes(size)
	for b.Loop() {
		rep, err := client.Products.ImportAll(context.Background(), "s", catalog.FromSlice(products), nil)
		if err != nil || rep.Succeeded != len(products) {
			b.Fatalf("%v: %d of %d succeeded", err, rep.Succeeded, len(products))
		}
	}
	b.ReportMetric(float64(len(products))*float64(b.N)/b.Elapsed().Seconds(), "products/s")
}
