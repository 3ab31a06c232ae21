package catalogtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
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
	sv := storeForm(ProductVersion{EntityCode: "R-1", Data: data}, nil)
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

// The log the page lists products from drops its stale entries as it
// grows, and still names every product once, the last stored first.
func TestStoreLogStaysSmall(t *testing.T) {
	s := NewServer()
	t.Cleanup(s.Close)
	for i := range 3000 {
		if _, err := s.SeedProduct(map[string]any{"entity_code": fmt.Sprintf("P%d", i%10), "n": i}); err != nil {
			t.Fatal(err)
		}
	}
	s.mu.Lock()
	logged := len(s.storeLog)
	s.mu.Unlock()
	if logged > 2*10+1024+1 {
		t.Errorf("the log holds %d entries for 10 products", logged)
	}
	d := pageData{Nav: map[string]pageNav{}}
	s.pageProducts(pageQuery{query: url.Values{}, perPage: 50}, &d)
	var got []string
	for _, p := range d.Products {
		got = append(got, p.Current.EntityCode)
	}
	if want := "[P9 P8 P7 P6 P5 P4 P3 P2 P1 P0]"; fmt.Sprint(got) != want {
		t.Errorf("products listed %v, want %s", got, want)
	}

	send(t, s, http.MethodPost, pathProductsRemove, map[string]any{"source_id": DefaultSourceID, "entity_codes": []string{"P9", "P5"}}).
		wantStatus(t, http.StatusOK, "")
	d = pageData{Nav: map[string]pageNav{}}
	s.pageProducts(pageQuery{query: url.Values{"products_page": {"2"}}, perPage: 3}, &d)
	got = got[:0]
	for _, p := range d.Products {
		got = append(got, p.Current.EntityCode)
	}
	if want := "[P4 P3 P2]"; fmt.Sprint(got) != want || d.Nav["products"].Total != 8 {
		t.Errorf("page 2 after removing P9 and P5: %v of %d, want %s of 8", got, d.Nav["products"].Total, want)
	}
}
