package docpath

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSet(t *testing.T) {
	doc := map[string]any{"pricing": "not an object", "name": "x"}
	Set(doc, []string{"pricing", "list"}, 9.5)
	Set(doc, []string{"a", "b", "c"}, true)
	Set(doc, []string{"name"}, "y")
	want := map[string]any{
		"pricing": map[string]any{"list": 9.5},
		"a":       map[string]any{"b": map[string]any{"c": true}},
		"name":    "y",
	}
	if diff := cmp.Diff(want, doc); diff != "" {
		t.Errorf("document (-want +got):\n%s", diff)
	}
}
