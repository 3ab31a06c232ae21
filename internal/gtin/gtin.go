// Package gtin holds the one rule for EAN/GTIN barcodes that every path
// into the platform applies: the client's validation of ImportAll, the
// Batcher and Sync rows, and the fake platform's JSON import and file
// upload (package catalogtest), whose rows come from importfile.
//
// The rule is read from the seeds. Seed 004, the primary wire protocol,
// types ean as "EAN/GTIN barcodes" and its own example product carries
// 8001234567890 and 8001234567891, whose GS1 check digits would be 7: the
// platform takes barcodes whose check digit does not hold. Seed 003
// answers a malformed one ("invalid-ean") with "Invalid EAN format.". So
// an EAN is valid when it has the form of one (8, 12, 13 or 14 digits,
// the lengths of EAN-8, UPC-A, EAN-13 and GTIN-14), and its check digit is
// not checked.
package gtin

import "strconv"

// Valid reports whether s has the form of an EAN/GTIN: 8, 12, 13 or 14
// ASCII digits.
func Valid(s string) bool {
	switch len(s) {
	case 8, 12, 13, 14:
	default:
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Reason is the row error's reason for an EAN that is not Valid.
func Reason(s string) string {
	return "invalid EAN " + strconv.Quote(s) + ": an EAN/GTIN has 8, 12, 13 or 14 digits"
}
