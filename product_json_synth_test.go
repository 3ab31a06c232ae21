package catalog_test

import (
	"bytes"
	"testing"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/internal/synth"
)

// TestEncodeRowMatchesEncodingJSONOnSynth compares the row encoder with
// encoding/json over the benchmarks' products, full and minimal.
func TestEncodeRowMatchesEncodingJSONOnSynth(t *testing.T) {
	for i := range 500 {
		for _, p := range []catalog.Product{synth.Full(i * 7919), synth.Minimal(i * 7919)} {
			want, err := catalog.EncodeRowReference(&p)
			if err != nil {
				t.Fatal(err)
			}
			got, err := catalog.EncodeRow(&p)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("product %d (%s): the row encoder differs from encoding/json:\n%s\n%s", i, p.EntityCode, got, want)
			}
		}
	}
}
