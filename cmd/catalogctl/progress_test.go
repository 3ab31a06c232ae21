package main

import (
	"strings"
	"testing"

	"github.com/pimkit/catalog/catalogtest"
)

// A sync shows its progress through every phase, by row: the listing's
// count, each stage, the removals; the product stage's counts add up over
// its checkpoints.
func TestSyncProgressShowsEveryPhase(t *testing.T) {
	srv, env := fake(t)
	for _, code := range []string{"OLD-1", "A-1"} {
		if err := srv.SeedVersions(catalogtest.ProductVersion{EntityCode: code, Source: catalogtest.VersionSource{SourceID: "erp"}}); err != nil {
			t.Fatal(err)
		}
	}
	csv := writeFile(t, "catalog.csv", productsCSV+"A-3;Hose;3\n")
	r := ctl(t, env, append([]string{"sync", csv, "--rate-limit", "off", "--checkpoint-rows", "1", "--max-removals", "1", "--max-removal-percent=-1"}, mapFlags...)...).want(t, exitOK)
	for _, want := range []string{
		"syncing: listing the source's products: 2 products\n",
		"syncing products: 3 read, 3 sent, 3 succeeded, 0 failed, 0 unknown (3 requests)\n",
		"syncing removals: 1 read, 1 sent, 1 succeeded, 0 failed, 0 unknown (1 request)\n",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}
