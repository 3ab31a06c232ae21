// Package catalogtest is an in-memory fake of the catalog platform's import
// API, for your own integration tests, in the way net/http/httptest serves
// real HTTP handlers.
//
// A Server listens on a local port and speaks the platform's wire protocol:
// the same paths, credentials, JSON bodies, status codes and error shapes,
// so the real client (or any HTTP client, in any language, through
// [Server.Handler]) is what gets tested. It implements:
//
//   - POST /api/b2b/pim/sources: create an import source
//   - POST /api/b2b/pim/import/api: direct (synchronous) JSON import
//   - POST /api/b2b/pim/import/queue: queued JSON import, applied by a
//     background worker
//   - GET /api/b2b/pim/import/queue: queue status
//   - GET /api/b2b/pim/jobs/{jobId}: job status and row errors
//   - GET /api/b2b/pim/jobs/{jobId}/errors: a job's row errors, page by page
//   - POST /api/b2b/pim/import/analyze: a file's columns, types and preview
//   - POST /api/b2b/pim/import: a file upload (CSV, XLSX, XLS, JSON, NDJSON),
//     imported by the background worker ([WithoutCDN] refuses it with 500)
//   - POST /api/b2b/pim/categories/import, GET /api/b2b/pim/categories and
//     POST /api/b2b/pim/categories/remove: the category tree
//     ([Server.Categories], [Server.SeedCategory]); a category still
//     referenced by a product or a child category is not removed
//   - POST /api/b2b/pim/promotions/import, GET /api/b2b/pim/promotions and
//     POST /api/b2b/pim/promotions/remove: promotions ([Server.Promotions])
//   - GET /api/b2b/pim/products?source_id= and POST
//     /api/b2b/pim/products/remove: a source's products, and their removal
//
// and the platform's processing rules: field mappings, entity_code and sku
// fallback, multilingual wrapping, replace and partial merges, selective
// updates (update_mask) and update-only mode, locked fields, versioning,
// category references (once the tenant has a category tree, a product
// whose category is not in it fails, naming the category), field checks
// after mapping (an invalid EAN, or a value that does not fit its type in
// catalog.Product such as a string quantity or an ean that is one string
// rather than a list, fails the row, naming the field), promotion
// packaging targets, auto-publish by completeness score and search-sync
// batches. It
// also enforces the platform's limits (requests per window, body size,
// products per request), which can be changed with options.
//
// Tests seed state with options such as [WithSource] and inspect it with
// methods that return copies: [Server.Product], [Server.Versions],
// [Server.Jobs], [Server.Requests]. [ProductVersion.Product] reads a stored
// product as the client's catalog.Product, to compare with what was sent;
// [Request.Import] decodes a recorded import request into the client's
// types. Sources, jobs and error codes are the client's own types
// (catalog.Source, catalog.Job with its catalog.RowError rows,
// catalog.ErrorCode): [Server.Job] returns a job as client.Jobs.Get reads
// it. Every answer has an X-Request-Id header ([HeaderRequestID]), which
// the recorded [Request] keeps as its ID. A [FakeClock] (a catalog.Clock)
// passed to [WithClock] makes rate limits and job timing deterministic,
// and [Server.Client] puts the client on the same clock. [WithJobCounters] changes the names
// of the counters jobs are answered with.
//
// A typical test:
//
//	func TestImport(t *testing.T) {
//		srv := catalogtest.NewServer(catalogtest.WithSource(catalog.Source{
//			ID:                 "erp",
//			Name:               "ERP feed",
//			FieldMappings:      map[string]string{"price": "pricing.list"},
//			AutoPublishEnabled: catalog.Ptr(true),
//			RequiredFields:     []string{"name", "pricing.list"},
//		}))
//		t.Cleanup(srv.Close)
//
//		// The client has the server's credentials and limits; up to 40
//		// requests go at once, so a short test waits for nothing.
//		client, err := srv.Client()
//		if err != nil {
//			t.Fatal(err)
//		}
//		// ... run the code under test against client, or send requests
//		// to srv.URL with the credentials DefaultAPIKeyID and
//		// DefaultAPISecret ...
//
//		v, ok := srv.Product("SKU-1")
//		if !ok || v.Status != catalogtest.StatusPublished {
//			t.Fatalf("SKU-1 = %+v, want a published product", v)
//		}
//		got, err := v.Product() // a catalog.Product
//		if err != nil {
//			t.Fatal(err)
//		}
//		// ... compare got with the product sent, e.g. with cmp.Diff ...
//	}
//
// # Defaults
//
// Every server starts with the import source DefaultSourceID: auto-publish
// on, no required fields, no mappings and no locked fields, so every
// product imported through it is published with a completeness score of
// 100. One background worker runs queued jobs, one at a time, in the order
// they were queued. Close lets a request in flight finish, and applies it:
// a test that closes the server while the code under test is importing
// finds the rows stored. A multilingual field (name, description, ...) is
// stored as sent when it is an object whose keys are all configured
// languages ([WithLanguages]); any other value but null is wrapped whole
// under the default language, as the platform does, so with the default language
// "it" and no "pt" configured, {"it": "Valvola", "pt": "Válvula"} is
// stored as {"it": {"it": "Valvola", "pt": "Válvula"}}.
//
// # State you set and reset
//
// [Server.SeedProduct] stores a product as a replace import through the
// default source would ([Server.SeedProductFrom] through a named one),
// [Server.SeedVersions] stores versions exactly as given,
// [Server.SeedCategory] and [Server.SeedPromotion] a category and a
// promotion as their imports would, [Server.AddSource] adds a source and
// [Server.SeedJob] a job in any status. None of them goes through the API:
// they add no request, no job (but the seeded one), no search-sync batch,
// and use no rate quota.
//
// [Server.Reset] puts a server back as NewServer left it: no products,
// jobs, recorded requests, Idempotency-Keys, stubs, job outcomes or
// counters; the configured sources, faults and worker mode; an empty rate
// window; the request and job id sequences from the start. A suite can share one server
// and reset it between tests. There are no namespaces within a server:
// tests that run in parallel start a server each, which costs a local
// listener and a goroutine.
//
// # Scripted answers and jobs
//
// A [Stub] makes the platform answer a chosen status, code and body on the
// Nth call to an operation (or on every call), without handling it;
// register one with [Server.Stub]. A [JobOutcome], registered with
// [Server.ScriptJob], makes a queued job fail, end with errors, stay
// pending or stay processing. [WithManualWorker] stops the background
// worker, so that the test runs queued jobs one at a time with
// [Server.RunNextJob]; [Server.SetManualWorker] switches it while the
// server runs.
//
//	srv.Stub(catalogtest.Stub{Op: catalogtest.OpImportAPI, Nth: 2,
//		Status: 500, Code: "DB_DOWN", Message: "database unavailable"})
//	err := srv.ScriptJob(catalogtest.JobOutcome{Nth: 1, Status: catalog.JobFailed})
//
// # Waiting without polling
//
// [Server.WaitJob] waits until a job reaches a status, [Server.WaitRequests]
// until a number of requests have been answered, [Server.WaitForJobs] until
// the worker has nothing left to run. On a FakeClock,
// [FakeClock.Advance] returns once every party on the clock (the worker,
// and the calls of clients on it: job polls, rate-limit waits, retry
// waits) has done what the time it released made due and sleeps again or
// has returned, so a test can queue a job, advance the clock by the job
// delay and find the job completed. [FakeClock.AdvanceUntilIdle] moves
// the clock from timer to timer until no party has anything left to wait
// for, and [FakeClock.Run] does so while a function of the test's runs,
// so that a client call that sleeps on the clock is one line of the test.
//
// A suite in another language does the same over HTTP, against the
// standalone fake (catalogctl fake-server --fake-clock): the admin API
// ([AdminPrefix]) reads, advances and sets the clock and advances it until
// idle, and blocks until a job ends, until requests arrived or until the
// fake is idle, each with a timeout in real time.
//
// # Time
//
// [Start] starts a server for a test, with a client on the server's
// clock. A job's whole life on a FakeClock is straight-line code: here a
// second job waits while the worker spends its minute on the first, and
// the client's polls see it pending, processing, then completed
// (TestJobLifecycle in this package runs it).
//
//	clock := catalogtest.NewFakeClock(start)
//	srv, client := catalogtest.Start(t, catalogtest.WithClock(clock), catalogtest.WithJobDelay(time.Minute))
//	client.Products.Queue(ctx, catalogtest.DefaultSourceID, []catalog.Product{{EntityCode: "A"}}, nil)
//	queued, err := client.Products.Queue(ctx, catalogtest.DefaultSourceID, batch, nil)
//	// ...
//	var seen []catalog.JobStatus
//	var job *catalog.Job
//	err = clock.Run(ctx, time.Hour, func(ctx context.Context) (err error) {
//		job, err = client.Jobs.Wait(ctx, queued.JobID, &catalog.WaitOptions{
//			Progress: func(j *catalog.Job) { seen = append(seen, j.Status) },
//		})
//		return err
//	})
//	// seen: pending..., processing..., completed; job.SuccessfulRows == len(batch);
//	// clock.Now() is at most 30 s (MaxInterval) after the job's CompletedAt.
//
// Run moves the clock only while every party is asleep on it, so the
// worker's delays, the client's polls, its rate-limit waits and its retry
// waits (Retry-After included) all happen at their instants, and Run
// returns as soon as Wait does. For code under test that calls the client
// on goroutines of its own, [FakeClock.AdvanceUntilIdle] returns once
// those calls have returned or wait for something other than time. Both
// stop at a limit (an error matching [ErrNotIdle]), so a job that never
// ends fails the test instead of hanging it.
//
// # Determinism
//
// Request ids are "req_1", "req_2", ... per server. Job ids are
// "<job type>_<unix ms>_<6 chars>", the characters drawn from a source
// seeded by [WithIDSeed] (1 unless set): on a FakeClock, the same requests
// sent one after another get the same job ids on every run, so they can go
// in golden files. Batch ids are the client's: catalog's ImportAll makes up
// a random one unless the options give one.
//
// # Rehearsing failures
//
// Faults stand for the network and the proxies in front of the platform,
// so that a suite can check what its code does when things go wrong.
// [WithFaults] makes them active from the start; [Server.AddFault] and
// [Server.ClearFaults] change them while a test runs. A [Fault] says how it
// misbehaves (an error status, a delay, a connection reset before or after
// the request is applied, a truncated JSON answer, an HTML error page, a
// trickled answer, a gateway's HTML page after the request is applied: see
// [FaultKind]), which endpoint it hits ([Operation]),
// and when: on the Nth matching request, or with a probability drawn from
// a seeded source ([WithFaultSeed]), at most Times times.
// [Server.FaultsFired] counts them, and each recorded [Request] names the
// fault it met.
//
//	srv := catalogtest.NewServer(catalogtest.WithFaults(
//		// The first direct import is applied, but its answer is lost.
//		catalogtest.Fault{Kind: catalogtest.FaultResetAfterApply, Op: catalogtest.OpImportAPI, Nth: 1},
//		// About one request in ten gets 503 with Retry-After: 2.
//		catalogtest.Fault{Kind: catalogtest.FaultStatus, Status: 503,
//			RetryAfter: 2 * time.Second, Probability: 0.1},
//	))
//
// Faults act before the rate limit and authentication. A fault that drops
// the connection takes it over through http.Hijacker; where it cannot
// (HTTP/2, or an httptest.ResponseRecorder) it panics with
// http.ErrAbortHandler, as net/http handlers do to abort a response.
//
// Go's http.Transport sends a request again by itself, once, when a reused
// keep-alive connection fails before the first byte of the answer and it
// deems the request safe to repeat: a GET, or a request with an
// Idempotency-Key header and a body it can rewind. Such a request meets a
// fault without the code under test seeing it fail; [Server.Requests]
// shows both attempts. A transport with DisableKeepAlives sees every
// dropped connection.
//
// # Idempotency keys
//
// A POST may carry an Idempotency-Key header, an extension of the
// platform's protocol that this project's client sends and the fake
// honours. The server keeps, per key, the 2xx answer of the first request,
// with its endpoint and a SHA-256 of its body. A later request with the
// same key, endpoint and body gets that answer again, byte for byte, with
// the header Idempotent-Replayed: true, and is not applied again; with
// another body or endpoint it gets 422 IDEMPOTENCY_KEY_REUSED, and while
// the first request is still being handled, 409 CONFLICT. An answer that is
// not 2xx is not kept (nothing was applied), so the request may be retried
// with its key. Keys belong to the credential that sent them, are checked
// after authentication and the body limit, and never expire. So a retry
// after [FaultResetAfterApply] is answered from memory, and the rows are
// stored once. [WithoutIdempotency] rehearses a platform that does not
// deduplicate; [Server.IdempotentReplays] counts replays.
package catalogtest
