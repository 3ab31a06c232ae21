package catalogtest

import "testing"

// surelyFits answers "fits" only where decoding into catalog.Product
// succeeds, and does answer it for the usual well-typed rows (so they
// are not encoded and decoded again).
func TestSurelyFitsAgreesWithDecoding(t *testing.T) {
	rows := []struct {
		literal string
		quick   bool // surelyFits must say fits
	}{
		{`{"entity_code": "A", "name": "Valve", "price": 9.8, "custom": {"any": [1, "x"]}}`, true},
		{`{"name": {"en": "Valve", "it": null}, "Quantity": 3, "ean": ["4006381333931"], "brand": "acme"}`, true},
		{`{"brand": {"brand_id": "acme", "label": "Acme"}, "pricing": {"list": 1, "currency": "EUR"}, "images": [{"url": "a.jpg"}]}`, true},
		{`{"packaging_options": [{"code": "PZ", "qty": 1, "ean": "4006381333931", "pricing": {"list": 9.8}}]}`, true},
		{`{"quantity": null, "ean": null, "pricing": null}`, true},
		{`{"quantity": "x"}`, false},
		{`{"QUANTITY": "x"}`, false},
		{`{"ean": "4006381333931"}`, false},
		{`{"ean": [5]}`, false},
		{`{"quantity": 1e400}`, false},
		{`{"pricing": {"list": "x"}}`, false},
		{`{"pricing": "x"}`, false},
		{`{"brand": 5}`, false},
		{`{"brand": {"brand_id": 5}}`, false},
		{`{"name": {"en": 5}}`, false}, // wrapped texts are read as their JSON: decoding says
		{`{"images": "x"}`, false},
		{`{"packaging_options": [{"ean": 5}]}`, false},
		{`{"auto_publish_enabled": "yes"}`, false},
	}
	for _, r := range rows {
		data := product(t, r.literal)
		quick := structFits(data, productType)
		if quick != r.quick {
			t.Errorf("%s: surelyFits %v, want %v", r.literal, quick, r.quick)
		}
		if err := fitsProduct(data); quick && err != nil {
			t.Errorf("%s: surelyFits says it fits, decoding fails: %v", r.literal, err)
		}
	}
}
