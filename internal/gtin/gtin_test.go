package gtin

import "testing"

func TestValid(t *testing.T) {
	for s, want := range map[string]bool{
		"96385074": true, "036000291452": true, "4006381333931": true, "10012345678902": true,
		"8001234567890": true, // seed 004's example: its check digit does not hold, and the platform takes it
		"4006381333932": true, // a wrong check digit is not checked
		"12345":         false, "40063813339A1": false, "invalid-ean": false, "": false, " 4006381333931": false,
	} {
		if Valid(s) != want {
			t.Errorf("Valid(%q) = %v, want %v", s, !want, want)
		}
	}
}
