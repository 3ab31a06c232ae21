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
//
// and the platform's processing rules: field mappings, entity_code and sku
// fallback, multilingual wrapping, replace and partial merges, locked fields,
// versioning, auto-publish by completeness score and search-sync batches. It
// also enforces the platform's limits (requests per window, body size,
// products per request), which can be changed with options.
//
// Tests seed state with options such as [WithSource] and inspect it with
// methods that return copies: [Server.Product], [Server.Versions],
// [Server.Jobs], [Server.Requests]. A [FakeClock] passed to [WithClock]
// makes rate limits and job timing deterministic.
//
// A typical test:
//
//	func TestImport(t *testing.T) {
//		srv := catalogtest.NewServer(catalogtest.WithSource(catalogtest.Source{
//			ID:                 "erp",
//			Name:               "ERP feed",
//			FieldMappings:      map[string]string{"price": "pricing.list"},
//			AutoPublishEnabled: true,
//			RequiredFields:     []string{"name", "pricing.list"},
//		}))
//		t.Cleanup(srv.Close)
//
//		client, err := srv.Client()
//		if err != nil {
//			t.Fatal(err)
//		}
//		// ... run the code under test against client, or send requests
//		// to srv.URL with the credentials DefaultAPIKeyID and
//		// DefaultAPISecret ...
//
//		p, ok := srv.Product("SKU-1")
//		if !ok || p.Status != catalogtest.StatusPublished {
//			t.Errorf("SKU-1 = %+v, want a published product", p)
//		}
//	}
package catalogtest
