package importfile

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

var (
	errNotNumber = errors.New("not a number")
	errNotBool   = errors.New("not a boolean (true/false, yes/no, 1/0, oui/non, si/no, ja/nein)")
	errNotDate   = errors.New("not a date (2006-01-02, 2006-01-02T15:04:05Z07:00 or 02/01/2006)")
)

// ParseNumber reads a number as spreadsheets and exports write it, with
// either ',' or '.' as the decimal separator and '.', ',', spaces or
// apostrophes between thousands: "12,50", "1.234,50", "1,234.50",
// "1 234,5", "1'234.50", "-3", "1e3". With both ',' and '.', the last one
// is the decimal separator. A lone separator that occurs once is the
// decimal one: "1,234" reads 1.234; repeated ("1.234.567") it separates
// thousands. Groups of thousands must have three digits.
func ParseNumber(s string) (float64, error) {
	s = strings.TrimSpace(s)
	var b strings.Builder
	for _, r := range s {
		switch r {
		case ' ', '\u00a0', '\u202f', '\'', '’': // thousands, dropped
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	t := b.String()
	mant, exp := t, ""
	if i := strings.IndexAny(t, "eE"); i >= 0 {
		mant, exp = t[:i], t[i:]
	}
	sign := ""
	if len(mant) > 0 && (mant[0] == '-' || mant[0] == '+') {
		sign, mant = mant[:1], mant[1:]
	}
	dec := byte(0) // the decimal separator
	lastComma, lastDot := strings.LastIndexByte(mant, ','), strings.LastIndexByte(mant, '.')
	switch {
	case lastComma >= 0 && lastDot >= 0:
		dec = mant[max(lastComma, lastDot)]
	case lastComma >= 0 && strings.Count(mant, ",") == 1:
		dec = ','
	case lastDot >= 0 && strings.Count(mant, ".") == 1:
		dec = '.'
	}
	intPart, frac := mant, ""
	if dec != 0 {
		i := strings.LastIndexByte(mant, dec)
		intPart, frac = mant[:i], mant[i+1:]
	}
	digits, ok := ungroup(intPart)
	if !ok || (digits == "" && frac == "") || !allDigits(frac) {
		return 0, errNotNumber
	}
	if exp != "" {
		e := exp[1:]
		if len(e) > 0 && (e[0] == '-' || e[0] == '+') {
			e = e[1:]
		}
		if e == "" || !allDigits(e) {
			return 0, errNotNumber
		}
	}
	if digits == "" {
		digits = "0"
	}
	if frac != "" {
		digits += "." + frac
	}
	v, err := strconv.ParseFloat(sign+digits+exp, 64)
	if err != nil {
		return 0, errNotNumber
	}
	return v, nil
}

// ungroup removes the thousands separators of an integer part, checking
// that every group after the first has three digits.
func ungroup(s string) (string, bool) {
	groups := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '.' || r == '_' })
	if len(groups) == 0 {
		return "", s == ""
	}
	if strings.Trim(s, ",._") != s || strings.Contains(s, "__") {
		return "", false // a separator at an end, or doubled
	}
	seps := strings.Map(func(r rune) rune {
		if r == ',' || r == '.' || r == '_' {
			return r
		}
		return -1
	}, s)
	if len(seps) > 0 && strings.Trim(seps, seps[:1]) != "" {
		return "", false // mixed thousands separators
	}
	for i, g := range groups {
		if !allDigits(g) || g == "" || (i > 0 && len(g) != 3) || (i == 0 && len(groups) > 1 && len(g) > 3) {
			return "", false
		}
	}
	return strings.Join(groups, ""), true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ParseBool reads a boolean: true/false, yes/no, y/n, 1/0, oui/non,
// si/sì/no, ja/nein, vrai/faux, in any case.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "y", "1", "oui", "si", "sì", "ja", "vrai":
		return true, nil
	case "false", "no", "n", "0", "non", "nein", "faux":
		return false, nil
	}
	return false, errNotBool
}

// dateLayouts are the date forms a date cell may take.
var dateLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02", "02/01/2006"}

// ParseDate reads a date or time: RFC 3339, "2006-01-02", "2006-01-02
// 15:04:05" (UTC) or "02/01/2006" (day first).
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errNotDate
}

// SplitList splits a list cell on sep ("|" when empty), trimming each item
// and dropping empty ones.
func SplitList(s, sep string) []string {
	if sep == "" {
		sep = "|"
	}
	var out []string
	for item := range strings.SplitSeq(s, sep) {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
