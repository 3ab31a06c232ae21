package main

// An integration test of the vendor's own sync code against the fake
// platform: the template for testing a nightly job before it runs
// unattended.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

func newSeeded(t *testing.T) (*catalogtest.Server, *catalog.Client) {
	t.Helper()
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit())
	t.Cleanup(srv.Close)
	if err := seedYesterday(srv); err != nil {
		t.Fatal(err)
	}
	client, err := srv.Client(catalog.WithRetries(0, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return srv, client
}

func TestNightlySync(t *testing.T) {
	srv, client := newSeeded(t)
	if err := nightly(context.Background(), io.Discard, client, catalogtest.DefaultSourceID); err != nil {
		t.Fatal(err)
	}
	for code, want := range map[string]bool{"SKU-0001": true, "SKU-0039": false, "SKU-0040": false, "SKU-0041": true} {
		if _, ok := srv.Product(code); ok != want {
			t.Errorf("%s stored: %v, want %v", code, ok, want)
		}
	}
	if n := len(srv.Categories()); n != 2 {
		t.Errorf("%d categories stored, want 2", n)
	}
	if n := len(srv.Promotions()); n != 1 {
		t.Errorf("%d promotions stored, want 1", n)
	}
}

// When the product import fails, the nightly job reports it and removes
// nothing.
func TestNightlySyncFailedImportRemovesNothing(t *testing.T) {
	srv, client := newSeeded(t)
	srv.Stub(catalogtest.Stub{Op: catalogtest.OpImportAPI, Status: http.StatusServiceUnavailable})
	err := nightly(context.Background(), io.Discard, client, catalogtest.DefaultSourceID)
	if !errors.Is(err, catalog.ErrRemovalsSkipped) {
		t.Fatalf("error %v, want ErrRemovalsSkipped", err)
	}
	if n := len(srv.Products()); n != 40 {
		t.Errorf("%d products stored, want yesterday's 40", n)
	}
}

// When the export lost most of the catalog, the dry run says the real run
// would refuse, and the job stops there: nothing is imported or removed.
func TestNightlySyncStopsAtTheDryRunsRefusal(t *testing.T) {
	srv, client := newSeeded(t)
	for i := range 60 { // yesterday had 100 products; tonight's export lists 39 of them
		if _, err := srv.SeedProduct(catalog.Product{EntityCode: fmt.Sprintf("OLD-%03d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	err := nightly(context.Background(), &out, client, catalogtest.DefaultSourceID)
	if !errors.Is(err, catalog.ErrRemovalLimit) {
		t.Fatalf("error %v, want ErrRemovalLimit", err)
	}
	// 62 gone of 100: the stricter limit is 5% (5), not 500.
	if want := "product removals: 62 planned (limit 5), would refuse: 62 removals over the limit of 5"; !strings.Contains(out.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, out.String())
	}
	for _, r := range srv.Requests() {
		if r.Method != http.MethodGet {
			t.Errorf("the job went on past the dry run: %s %s", r.Method, r.Path)
		}
	}
	if n := len(srv.Products()); n != 100 {
		t.Errorf("%d products stored, want yesterday's 100", n)
	}
}
