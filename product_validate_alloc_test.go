package catalog_test

import (
	"testing"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/internal/synth"
)

// Validation runs once per row: on a valid row, however full, it must not
// allocate.
func TestValidationAllocatesNothing(t *testing.T) {
	for name, p := range map[string]catalog.Product{"minimal": synth.Minimal(7), "full": synth.Full(7)} {
		if err := catalog.ValidateRow(&p); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if allocs := testing.AllocsPerRun(100, func() { _ = catalog.ValidateRow(&p) }); allocs != 0 {
			t.Errorf("%s product: %v allocations per validation, want 0", name, allocs)
		}
	}
}
