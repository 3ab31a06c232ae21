package catalogtest

import (
	"encoding/json"
	"reflect"
	"testing"
)

// A version kept as JSON reads back as the map it was stored from:
// numbers with their text, HTML characters, nesting, nulls, empty values.
func TestStoredVersionRoundTrip(t *testing.T) {
	var data map[string]any
	raw := `{"entity_code":"R-1","pricing":{"list":1.50,"big":12345678901234567890,"exp":1e3,"neg":-0.0},
		"name":{"en":"Valve <DN20> & \"co\" ü ☃"},"tags":[],"meta":{},"gone":null,"ok":true,"list":[1,"a",[null]]}`
	if err := decodeJSON([]byte(raw), &data); err != nil {
		t.Fatal(err)
	}
	sv := storeForm(ProductVersion{EntityCode: "R-1", Data: data})
	if sv.meta.Data != nil {
		t.Error("the kept version holds the decoded map too")
	}
	got := sv.version()
	if !reflect.DeepEqual(got.Data, data) {
		t.Errorf("read back %#v, want %#v", got.Data, data)
	}
	if n := got.Data["pricing"].(map[string]any)["list"].(json.Number); n.String() != "1.50" {
		t.Errorf("pricing.list reads %q, want the text sent, 1.50", n)
	}
	got.Data["entity_code"] = "changed"
	if again := sv.version(); again.Data["entity_code"] != "R-1" {
		t.Error("changing a read version changed the stored one")
	}
	if !sv.has("pricing") || sv.has("packaging_options") {
		t.Error("has does not tell which keys the product may hold")
	}
}
