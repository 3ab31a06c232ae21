package catalog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

// firstErrorOnly is a transport that cuts every job answer's import_errors
// down to its first entry, as a platform that lists only the first errors
// of a job does.
type firstErrorOnly struct{ next http.RoundTripper }

func (f firstErrorOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := f.next.RoundTrip(req)
	if err != nil || req.Method != http.MethodGet || !strings.HasPrefix(req.URL.Path, "/api/b2b/pim/jobs/") ||
		strings.HasSuffix(req.URL.Path, "/errors") || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var answer map[string]map[string]any
	if err := json.Unmarshal(raw, &answer); err != nil {
		return nil, err
	}
	if errs, ok := answer["job"]["import_errors"].([]any); ok && len(errs) > 1 {
		answer["job"]["import_errors"] = errs[:1]
	}
	raw, _ = json.Marshal(answer)
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	resp.ContentLength = int64(len(raw))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// TestImportAllReadsEveryJobError: a finished job whose answer lists fewer
// errors than it counts failed is settled from the paged errors endpoint,
// so the rows it names fail and the rest succeed; none is left unknown.
func TestImportAllReadsEveryJobError(t *testing.T) {
	srv := fakeServer(t)
	if err := srv.ScriptJob(catalogtest.JobOutcome{Status: catalog.JobCompletedWithErrors, FailRows: []int{1, 3}, Message: "scripted failure"}); err != nil {
		t.Fatal(err)
	}
	c := fakeClient(t, srv, catalog.WithHTTPClient(&http.Client{Transport: firstErrorOnly{http.DefaultTransport}}))
	products := []catalog.Product{{EntityCode: "A"}, {EntityCode: "B"}, {EntityCode: "C"}, {EntityCode: "D"}}
	rep, err := c.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, catalog.FromSlice(products), &catalog.BulkOptions{Queued: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Succeeded != 2 || len(rep.Failed) != 2 || len(rep.Unknown) != 0 {
		t.Fatalf("succeeded %d, failed %v, unknown %v; want 2 succeeded, rows 1 and 3 failed, none unknown", rep.Succeeded, rep.Failed, rep.Unknown)
	}
	if rep.Failed[0].Row != 1 || rep.Failed[1].Row != 3 {
		t.Errorf("failed rows %d and %d, want 1 and 3", rep.Failed[0].Row, rep.Failed[1].Row)
	}
}

// TestImportAllReadsEveryDirectError: a direct import's answer names its
// first 100 failed rows; the rest are read from its audit job's errors, so
// that every failed row is failed, none unknown.
func TestImportAllReadsEveryDirectError(t *testing.T) {
	srv := fakeServer(t)
	c := fakeClient(t, srv)
	products := make([]catalog.Product, 150)
	for i := range products {
		products[i].EntityCode = fmt.Sprintf("NEW-%03d", i) // unknown: update-only refuses each
	}
	rep, err := c.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, catalog.FromSlice(products),
		&catalog.BulkOptions{RequestOptions: catalog.RequestOptions{UpdateOnly: true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Failed) != 150 || len(rep.Unknown) != 0 || rep.Requests != 1 {
		t.Fatalf("%d failed, %d unknown in %d requests; want all 150 failed, none unknown, in 1 request",
			len(rep.Failed), len(rep.Unknown), rep.Requests)
	}
}
