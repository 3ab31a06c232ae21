package catalogtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

// newRequest builds a request with the server's default API key.
func newRequest(srv *catalogtest.Server, method, path, body string) *http.Request {
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-auth-method", "api-key")
	req.Header.Set("x-api-key-id", catalogtest.DefaultAPIKeyID)
	req.Header.Set("x-api-secret", catalogtest.DefaultAPISecret)
	return req
}

// call sends one request with the server's default API key and decodes the
// JSON answer.
func call(srv *catalogtest.Server, method, path, body string) (status int, answer map[string]any) {
	resp, err := http.DefaultClient.Do(newRequest(srv, method, path, body))
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		log.Fatal(err)
	}
	return resp.StatusCode, answer
}

func ExampleNewServer() {
	srv := catalogtest.NewServer()
	defer srv.Close()

	status, answer := call(srv, http.MethodPost, "/api/b2b/pim/import/api", `{
		"source_id": "default",
		"products": [
			{"entity_code": "SKU-1", "name": "Brass valve", "price": 12.5},
			{"name": "no entity code"}
		]
	}`)
	fmt.Println(status, answer["message"])
	fmt.Println(answer["errors"].([]any)[0].(map[string]any)["error"])

	p, _ := srv.Product("SKU-1")
	fmt.Println(p.EntityCode, p.Version, p.Status, p.Data["name"])
	// Output:
	// 200 Imported 1 of 2 products successfully, queued 1 search-sync batches
	// entity_code or sku is required
	// SKU-1 1 published map[en:Brass valve]
}

func ExampleWithSource() {
	srv := catalogtest.NewServer(catalogtest.WithSource(catalog.Source{
		ID:                 "erp",
		Name:               "ERP feed",
		FieldMappings:      map[string]string{"code": "entity_code", "price": "pricing.list"},
		AutoPublishEnabled: catalog.Ptr(true),
		RequiredFields:     []string{"name", "pricing.list", "images"},
	}))
	defer srv.Close()

	call(srv, http.MethodPost, "/api/b2b/pim/import/api",
		`{"source_id": "erp", "products": [{"code": "SKU-1", "name": "Valve", "price": 12.50}]}`)

	p, _ := srv.Product("SKU-1")
	fmt.Println(p.Data["pricing"], p.Score, p.Status)
	// Output:
	// map[list:12.50] 66.66666666666667 draft
}

func ExampleServer_WaitForJobs() {
	srv := catalogtest.NewServer()
	defer srv.Close()

	status, answer := call(srv, http.MethodPost, "/api/b2b/pim/import/queue",
		`{"source_id": "default", "products": [{"entity_code": "SKU-1"}, {"entity_code": "SKU-2"}]}`)
	fmt.Println(status, answer["status"])

	if err := srv.WaitForJobs(context.Background()); err != nil {
		log.Fatal(err)
	}
	_, answer = call(srv, http.MethodGet, "/api/b2b/pim/jobs/"+answer["job_id"].(string), "")
	job := answer["job"].(map[string]any)
	fmt.Println(job["status"], job["successful_rows"])
	// Output:
	// 202 queued
	// completed 2
}

func ExampleFakeClock() {
	clock := catalogtest.NewFakeClock(time.Date(2026, 4, 24, 12, 0, 0, 0, time.UTC))
	srv := catalogtest.NewServer(
		catalogtest.WithClock(clock),
		catalogtest.WithRateLimit(2, time.Minute))
	defer srv.Close()

	for range 3 {
		status, answer := call(srv, http.MethodGet, "/api/b2b/pim/import/queue", "")
		fmt.Println(status, answer["code"])
	}
	clock.Advance(time.Minute)
	status, _ := call(srv, http.MethodGet, "/api/b2b/pim/import/queue", "")
	fmt.Println(status)

	reqs := srv.Requests()
	fmt.Println(len(reqs), reqs[2].Status)
	// Output:
	// 200 <nil>
	// 200 <nil>
	// 429 RATE_LIMITED
	// 200
	// 4 429
}

func ExampleWithFaults() {
	srv := catalogtest.NewServer(catalogtest.WithFaults(catalogtest.Fault{
		Kind:       catalogtest.FaultStatus,
		Op:         catalogtest.OpImportAPI,
		Nth:        1, // the first direct import only
		Status:     http.StatusServiceUnavailable,
		RetryAfter: 2 * time.Second,
	}))
	defer srv.Close()

	body := `{"source_id": "default", "products": [{"entity_code": "SKU-1"}]}`
	for range 2 {
		resp, err := http.DefaultClient.Do(newRequest(srv, http.MethodPost, "/api/b2b/pim/import/api", body))
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Printf("%d Retry-After=%q\n", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	fmt.Println(len(srv.Versions("SKU-1")), srv.FaultsFired(), srv.Requests()[0].Fault)
	// Output:
	// 503 Retry-After="2"
	// 200 Retry-After=""
	// 1 1 FaultStatus
}

func ExampleServer_IdempotentReplays() {
	// The first direct import is applied, then its answer is lost.
	srv := catalogtest.NewServer(catalogtest.WithFaults(catalogtest.Fault{
		Kind: catalogtest.FaultResetAfterApply, Op: catalogtest.OpImportAPI, Nth: 1,
	}))
	defer srv.Close()

	send := func() (*http.Response, error) {
		req := newRequest(srv, http.MethodPost, "/api/b2b/pim/import/api",
			`{"source_id": "default", "products": [{"entity_code": "SKU-1"}]}`)
		req.Header.Set("Idempotency-Key", "nightly-2026-04-24-part-1")
		return http.DefaultClient.Do(req)
	}
	if _, err := send(); err != nil {
		fmt.Println("first attempt: no answer")
	}
	resp, err := send() // the same key and body: a replay, not a second import
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Idempotent-Replayed"))
	fmt.Println(len(srv.Versions("SKU-1")), srv.IdempotentReplays())
	// Output:
	// first attempt: no answer
	// 200 true
	// 1 1
}

func ExampleProductVersion_Product() {
	srv := catalogtest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}

	sent := catalog.Product{
		EntityCode: "SKU-1",
		Name:       catalog.PlainText("Brass valve"),
		Pricing:    &catalog.Pricing{List: catalog.Ptr(12.5), Currency: catalog.Ptr("EUR")},
	}
	if _, err := client.Products.Import(context.Background(), catalogtest.DefaultSourceID, []catalog.Product{sent}, nil); err != nil {
		log.Fatal(err)
	}

	v, _ := srv.Product("SKU-1")
	got, err := v.Product()
	if err != nil {
		log.Fatal(err)
	}
	// The server sets the SKU from the entity code and wraps plain text in
	// the tenant's default language.
	want := sent
	want.SKU = "SKU-1"
	want.Name = catalog.Localized(map[string]string{"en": "Brass valve"})
	fmt.Printf("diff: %q\n", cmp.Diff(want, got))
	fmt.Println(got.Name, *got.Pricing.List)
	// Output:
	// diff: ""
	// en="Brass valve" 12.5
}

// newClient returns a client for srv that does not pace itself, as
// examples and tests that are not about the rate limit want.
func newClient(srv *catalogtest.Server) *catalog.Client {
	client, err := catalog.NewClient(srv.URL,
		catalog.WithAPIKey(catalogtest.DefaultAPIKeyID, catalogtest.DefaultAPISecret),
		catalog.WithoutRateLimit())
	if err != nil {
		log.Fatal(err)
	}
	return client
}

func ExampleServer_Reset() {
	// One server shared by several tests, reset between them.
	srv := catalogtest.NewServer()
	defer srv.Close()
	client := newClient(srv)
	ctx := context.Background()

	for _, test := range []string{"first test", "second test"} {
		srv.Reset()
		p := catalog.Product{EntityCode: "SKU-1", Name: catalog.PlainText("Valve")}
		if _, err := client.Products.Import(ctx, catalogtest.DefaultSourceID, []catalog.Product{p}, nil); err != nil {
			log.Fatal(err)
		}
		reqs := srv.Requests()
		fmt.Println(test+":", len(srv.Versions("SKU-1")), "version,", len(srv.Jobs()), "job,", len(reqs), "request", reqs[0].ID)
	}
	// Output:
	// first test: 1 version, 1 job, 1 request req_1
	// second test: 1 version, 1 job, 1 request req_1
}

func ExampleServer_SeedProduct() {
	srv := catalogtest.NewServer()
	defer srv.Close()
	// Seeding stores a version without a request, a job or rate quota.
	if _, err := srv.SeedProduct(catalog.Product{EntityCode: "SKU-1", Name: catalog.PlainText("Brass valve"),
		Pricing: &catalog.Pricing{List: catalog.Ptr(12.5)}}); err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(srv.Jobs()), len(srv.Requests()))

	// The code under test sends a price update, merged onto the seeded product.
	client := newClient(srv)
	update := catalog.Product{EntityCode: "SKU-1", Pricing: &catalog.Pricing{List: catalog.Ptr(13.9)}}
	if _, err := client.Products.Import(context.Background(), catalogtest.DefaultSourceID, []catalog.Product{update},
		&catalog.ProductImportOptions{RequestOptions: catalog.RequestOptions{MergeMode: catalog.MergePartial}}); err != nil {
		log.Fatal(err)
	}
	v, _ := srv.Product("SKU-1")
	got, err := v.Product()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v.Version, got.Name, *got.Pricing.List)

	sent, err := srv.Requests()[0].Import() // the request, with the client's types
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sent.MergeMode, *sent.Products[0].Pricing.List)
	// Output:
	// 0 0
	// 2 en="Brass valve" 13.9
	// partial 13.9
}

func ExampleServer_Stub() {
	srv := catalogtest.NewServer()
	defer srv.Close()
	// The second direct import is refused, as the platform would refuse it.
	srv.Stub(catalogtest.Stub{Op: catalogtest.OpImportAPI, Nth: 2, Status: http.StatusBadRequest,
		Code: "PRICE_LIST_LOCKED", Message: "the price list is being recalculated"})

	client := newClient(srv)
	p := []catalog.Product{{EntityCode: "SKU-1"}}
	for range 2 {
		_, err := client.Products.Import(context.Background(), catalogtest.DefaultSourceID, p, nil)
		var apiErr *catalog.APIError
		if errors.As(err, &apiErr) {
			fmt.Println(apiErr.StatusCode, apiErr.Code, errors.Is(err, catalog.ErrValidation))
			continue
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("imported")
	}
	fmt.Println(len(srv.Versions("SKU-1")), srv.Requests()[1].Stubbed)
	// Output:
	// imported
	// 400 PRICE_LIST_LOCKED true
	// 1 true
}

func ExampleServer_ScriptJob() {
	srv := catalogtest.NewServer()
	defer srv.Close()
	// The next queued job fails: every row, with this message.
	if err := srv.ScriptJob(catalogtest.JobOutcome{Nth: 1, Status: catalog.JobFailed, Message: "worker crashed"}); err != nil {
		log.Fatal(err)
	}

	client := newClient(srv)
	ctx := context.Background()
	q, err := client.Products.Queue(ctx, catalogtest.DefaultSourceID, []catalog.Product{{EntityCode: "SKU-1"}}, nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := srv.WaitJob(ctx, q.JobID); err != nil {
		log.Fatal(err)
	}
	job, err := client.Jobs.Wait(ctx, q.JobID, nil)
	fmt.Println(job.Status, job.Errors[0].Reason, errors.Is(err, catalog.ErrJobFailed))
	_, stored := srv.Product("SKU-1")
	fmt.Println(stored)
	// Output:
	// failed worker crashed true
	// false
}

func ExampleServer_WaitJob() {
	clock := catalogtest.NewFakeClock(time.Date(2026, 4, 24, 12, 0, 0, 0, time.UTC))
	srv := catalogtest.NewServer(catalogtest.WithClock(clock), catalogtest.WithJobDelay(time.Minute))
	defer srv.Close()

	client := newClient(srv)
	ctx := context.Background()
	q, err := client.Products.Queue(ctx, catalogtest.DefaultSourceID, []catalog.Product{{EntityCode: "SKU-1"}}, nil)
	if err != nil {
		log.Fatal(err)
	}
	// On a FakeClock job ids are the same on every run.
	fmt.Println(q.JobID)

	job, err := srv.WaitJob(ctx, q.JobID, catalog.JobProcessing)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(job.Status)

	clock.Advance(time.Minute) // returns once the worker has applied the job
	job, _ = srv.Job(q.JobID)
	fmt.Println(job.Status, job.CompletedAt.Format(time.TimeOnly))
	// Output:
	// queue_import_1777032000000_z3vwax
	// processing
	// completed 12:01:00
}

func ExampleFakeClock_Run() {
	start := time.Date(2026, 4, 24, 12, 0, 0, 0, time.UTC)
	clock := catalogtest.NewFakeClock(start)
	srv := catalogtest.NewServer(catalogtest.WithClock(clock), catalogtest.WithJobDelay(time.Minute))
	defer srv.Close()

	client, err := srv.Client() // on the server's clock
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	q, err := client.Products.Queue(ctx, catalogtest.DefaultSourceID, []catalog.Product{{EntityCode: "SKU-1"}}, nil)
	if err != nil {
		log.Fatal(err)
	}
	var job *catalog.Job
	err = clock.Run(ctx, time.Hour, func(ctx context.Context) (err error) {
		job, err = client.Jobs.Wait(ctx, q.JobID, nil)
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(job.Status, job.SuccessfulRows, job.CompletedAt.Sub(start))
	// Output:
	// completed 1 1m0s
}
