package cellfmt

import (
	"math"
	"testing"
)

func TestFormatKind(t *testing.T) {
	tests := []struct {
		code string
		want Kind
	}{
		{"General", Number},
		{"0.00", Number},
		{`#,##0.00 "days"`, Number}, // quoted text is not a format letter
		{`[$€-407] #,##0.00`, Number},
		{`0.0E+00`, Number},
		{`@`, Number},
		{"dd/mm/yyyy", Date},
		{"yyyy\\-mm\\-dd", Date},
		{"mmm-yy", Date},
		{"[$-409]d-mmm;@", Date},
		{"yyyy\\-mm\\-dd\\ hh:mm:ss", DateTime},
		{"m/d/yyyy h:mm", DateTime},
		{"hh:mm", Time},      // mm beside hours is minutes
		{"mm:ss", Time},      // and beside seconds
		{"[h]:mm:ss", Time},  // elapsed hours
		{"h:mm AM/PM", Time}, // "AM/PM" is no month
		{"[Red]0.00;[Blue]-0.00", Number},
		{`"TRUE";"TRUE";"FALSE"`, Boolean},
		{"0.00;dd/mm/yyyy", Number}, // only the first section counts
	}
	for _, tt := range tests {
		if got := FormatKind(tt.code); got != tt.want {
			t.Errorf("FormatKind(%q) = %d, want %d", tt.code, got, tt.want)
		}
	}
}

func TestBuiltinKind(t *testing.T) {
	for id, want := range map[int]Kind{0: Number, 2: Number, 14: Date, 15: Date, 18: Time, 21: Time, 22: DateTime, 45: Time, 49: Number, 57: Date} {
		if got := BuiltinKind(id); got != want {
			t.Errorf("BuiltinKind(%d) = %d, want %d", id, got, want)
		}
	}
}

func TestSerial(t *testing.T) {
	tests := []struct {
		v        float64
		k        Kind
		date1904 bool
		want     string
	}{
		{45366, Date, false, "2024-03-15"},
		{45366.354166666664, DateTime, false, "2024-03-15 08:30:00"},
		{45351.9999884259, DateTime, false, "2024-02-29 23:59:59"}, // as XLSX writers round it
		{45351.99999999, DateTime, false, "2024-03-01 00:00:00"},   // rounds to the next day
		{1, Date, false, "1900-01-01"},
		{59, Date, false, "1900-02-28"},
		{60, Date, false, "1900-02-29"}, // Excel's phantom day
		{61, Date, false, "1900-03-01"},
		{0, Date, false, "1900-01-00"},
		{0, Date, true, "1904-01-01"},
		{43904, Date, true, "2024-03-15"},
		{2958465, Date, false, "9999-12-31"},
		{2958466, Date, false, "2958466"}, // past 9999: the number
		{-1, Date, false, "-1"},
		{0.75, Time, false, "18:00:00"},
		{45366.75, Time, false, "18:00:00"},
		{1, Boolean, false, "TRUE"},
		{0, Boolean, false, "FALSE"},
		{12.5, Number, false, "12.5"},
		{math.NaN(), Date, false, "NaN"},
	}
	for _, tt := range tests {
		if got := Serial(tt.v, tt.k, tt.date1904); got != tt.want {
			t.Errorf("Serial(%v, %d, %v) = %q, want %q", tt.v, tt.k, tt.date1904, got, tt.want)
		}
	}
}

func TestFloat(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0", math.Copysign(0, -1): "0", 42: "42", -3: "-3", 12.5: "12.5", 0.1 + 0.2: "0.3",
		-3703703.6730000004: "-3703703.673", 1e21: "1e+21", 1e20: "100000000000000000000", 1e-8: "1e-08",
		0.0001: "0.0001", 4006381333931: "4006381333931", math.Inf(1): "+Inf",
	} {
		if got := Float(v); got != want {
			t.Errorf("Float(%v) = %q, want %q", v, got, want)
		}
	}
}
