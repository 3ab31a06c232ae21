package importfile_test

import (
	"strings"
	"testing"

	"github.com/pimkit/catalog/importfile"
)

// A column may not fill a field inside another column's field: the error
// names both, the same ones on every run.
func TestMapperRefusesNestedTargets(t *testing.T) {
	m := importfile.Mapping{Fields: map[string]string{"Features": "marketing_features", "IT": "marketing_features.it", "Code": "entity_code"}}
	for range 5 {
		_, err := importfile.NewMapper(m)
		if err == nil || !strings.Contains(err.Error(), `column "IT" fills "marketing_features.it", inside "marketing_features" filled by column "Features"`) {
			t.Fatalf("NewMapper: %v, want the nested marketing_features.it refused", err)
		}
	}
}
