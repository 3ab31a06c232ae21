package catalog

import "testing"

// An EAN is checked by its form, as the platform's upload checks it (see
// internal/gtin): a malformed one is refused naming its index; a wrong
// check digit, which seed 004's own example carries, is taken.
func TestValidateEAN(t *testing.T) {
	p := &Product{EntityCode: "A", EAN: []string{"8001234567890", "4006381333932"}}
	if e := validateProduct(p, nil); e != nil {
		t.Fatalf("valid EANs refused: %v", e)
	}
	p.EAN = append(p.EAN, "invalid-ean")
	e := validateProduct(p, nil)
	if e == nil || e.Field != "ean[2]" || e.Reason != `invalid EAN "invalid-ean": an EAN/GTIN has 8, 12, 13 or 14 digits` {
		t.Fatalf("got %+v", e)
	}
}
