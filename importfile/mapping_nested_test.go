package importfile_test

import (
	"strings"
	"testing"

	"github.com/pimkit/catalog/importfile"
)

// A column may not fill a field inside another column's field: the error
// names both, the same ones on every run.
func TestMapperRefusesNestedTargets(t *testing.T) {
	m := importfile.Mapping{Fields: map[string]string{"Prices": "pricing", "List": "pricing.list", "Code": "entity_code"}}
	for range 5 {
		_, err := importfile.NewMapper(m)
		if err == nil || !strings.Contains(err.Error(), `column "List" fills "pricing.list", inside "pricing" filled by column "Prices"`) {
			t.Fatalf("NewMapper: %v, want the nested pricing.list refused", err)
		}
	}
}
