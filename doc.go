// Package catalog is a client for a tenant's catalog platform: POS and ERP
// vendors use it to push their product catalogs, every night and on every
// change, without losing a row.
//
// One Client serves the whole tenant; the API's areas hang off it as
// services: Products (direct, queued and streamed imports, the real-time
// Batcher, listing and removal), Categories and Promotions (their own
// imports, listings and removals), Sources (import sources with mappings and locked fields),
// Imports (file analysis and upload) and Jobs (job status, waiting, row
// errors, the queue). Client.Sync runs a whole catalog in the safe order,
// in full or incremental mode; a full sync replaces the catalog, removing
// the products, categories and promotions the feed no longer has within
// its removal limits. The client keeps to the platform's limits
// (40 requests per minute, 35 MB per request, 10,000 products per request)
// and tells, for every row, whether it was applied.
//
// Package importfile reads CSV, XLSX, XLS, JSON and NDJSON exports into
// products; package catalogtest is an in-memory fake of the platform for
// tests. The wire contract both follow is api/openapi.yaml.
//
// # A minimal flow
//
// Build one client with a credential, then call a service. A Client is safe
// for concurrent use, and every call made through it shares one rate limiter.
//
//	client, err := catalog.NewClient("https://your-tenant.example.com",
//		catalog.WithAPIKey(keyID, secret))
//	if err != nil {
//		return err
//	}
//	rep, err := client.Products.ImportAll(ctx, "erp", catalog.FromSlice(products), nil)
//	if err != nil {
//		return err // the import stopped early; rep still accounts for every row read
//	}
//	for _, rowErr := range rep.Failed {
//		log.Print(rowErr.Error())
//	}
//
// Optional fields of the model are pointers, slices and maps: nil means not
// sent, anything else is sent ([Ptr] makes a pointer to a literal). This is
// what lets a partial import (MergePartial) change some fields and keep the
// others.
//
// # Errors
//
// An answer with a status of 300 or more is an [*APIError], which matches
// the sentinel of its status with errors.Is: [ErrValidation] (400),
// [ErrUnauthorized], [ErrForbidden], [ErrNotFound], [ErrConflict],
// [ErrTooLarge], [ErrRateLimited] (with [APIError.RetryAfter]),
// [ErrServer] (5xx). An error the client raises before sending matches the
// sentinel of the answer the server would have given, so one check covers
// both: a request it refuses wraps [ErrValidation] and names the field
// ("catalog: invalid request: source_id: required"); a body or file over
// its limit is a [*TooLargeError]; a file of a type the platform does not
// take is a [*FileFormatError].
//
// The platform does not deduplicate imports, so a POST is retried only when
// the answer says it was not applied (a refused connection, 408, 429, 503
// with Retry-After). When a POST may have been applied with no answer
// saying so (a reset after sending, a gateway's 502 or 504) the call fails
// with an [*OutcomeUnknownError], matching [ErrOutcomeUnknown] and
// unwrapping to the cause. A row that was not applied is a [RowError]: its
// Cause is the error of its request when that request failed as a whole,
// and it unwraps to it: errors.Is on a row error sorts rows by what befell
// them (ErrServer, ErrOutcomeUnknown, ...). A row refused for its fields,
// by the client's checks or the platform's, lists every problem in
// RowError.Problems (each field's path, value and reason), the first one
// being what its Error message says first.
//
// # The stream contract
//
// [ProductsService.ImportAll] and [Client.Sync] read products from an
// iter.Seq2[Product, error]: a database cursor, a file read by importfile,
// or [FromSlice]. Each call ranges the stream once, in order, and rows are
// numbered by their 0-based position in it. A stream given to a second
// call (a sync's dry run, then its real run) is ranged again: FromSlice's,
// and importfile's over a file, start again from the first row. A row yielded with a non-nil error is
// reported failed and the import goes on. Each product is validated and
// encoded before the next one is asked for, so the stream may reuse a
// product's memory once it is asked for the next product. A panic in the
// stream stops the import and reaches the caller once the requests in
// flight have ended. Every row read ends in exactly one outcome: succeeded,
// failed, unknown or not attempted (rep.Outcome(row), see [RowReport]).
// Every report (BulkReport, StageReport, RemovalReport) embeds RowReport.
//
// # Testing
//
// Package catalogtest serves the platform's wire protocol from memory, in
// the manner of net/http/httptest. Its Server.Client returns a *Client with
// the fake's credentials and limits; the server's methods then show what
// was stored:
//
//	srv := catalogtest.NewServer(catalogtest.WithSource(catalog.Source{ID: "erp"}))
//	t.Cleanup(srv.Close)
//	client, err := srv.Client()
//	if err != nil {
//		t.Fatal(err)
//	}
//	// ... run the code under test against client ...
//	v, ok := srv.Product("SKU-0001") // the stored version; v.Product() decodes it
//
// Faults (catalogtest.WithFaults) inject the failures of a network and of
// the gateways in front of the platform, and a catalogtest.FakeClock makes
// rate windows and job timing deterministic.
package catalog
