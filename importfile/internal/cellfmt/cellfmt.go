// Package cellfmt turns the stored values of spreadsheet cells into the
// text a spreadsheet shows for them, as far as importing needs: booleans as
// TRUE and FALSE, dates and times (serial day numbers in a date format) as
// ISO 8601 text, numbers in their shortest exact form. The XLS and XLSX
// readers share it, so both formats read the same cell the same way.
package cellfmt

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Kind is what a number format shows of a serial number.
type Kind uint8

// The kinds of number formats.
const (
	Number   Kind = iota // not a date: the number itself
	Date                 // a date with no time of day
	DateTime             // a date and a time of day
	Time                 // a time of day, or a duration, with no date
	Boolean              // TRUE for a number other than 0, FALSE for 0
)

// Bool returns the text a spreadsheet shows for a boolean cell.
func Bool(b bool) string {
	if b {
		return "TRUE"
	}
	return "FALSE"
}

// BuiltinKind returns the kind of a built-in number format, by its id: the
// ids Excel reserves for dates and times (14 to 22, 45 to 47), and those of
// its East Asian editions (27 to 36, 50 to 58). A workbook may redefine a
// built-in id with a format of its own, which then takes precedence.
func BuiltinKind(id int) Kind {
	switch {
	case id >= 14 && id <= 17, id >= 27 && id <= 31, id >= 34 && id <= 36, id >= 50 && id <= 58:
		return Date
	case id == 22:
		return DateTime
	case id >= 18 && id <= 21, id == 32, id == 33, id >= 45 && id <= 47:
		return Time
	}
	return Number
}

// FormatKind reads a number format code ("dd/mm/yyyy", "0.00",
// "[$-409]h:mm AM/PM;@") and says what it shows of a number. Only the
// first section (for positive numbers) counts; quoted text, escaped
// characters and bracketed colours and locales are not format letters, but
// the elapsed-time brackets [h], [m] and [s] are.
//
// The format "TRUE";"TRUE";"FALSE" is Boolean: LibreOffice writes boolean
// cells as numbers in it.
func FormatKind(code string) Kind {
	if strings.EqualFold(code, `"TRUE";"TRUE";"FALSE"`) {
		return Boolean
	}
	var date, clock, month bool
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case ';':
			i = len(code)
		case '"':
			j := strings.IndexByte(code[i+1:], '"')
			if j < 0 {
				i = len(code)
			} else {
				i += j + 1
			}
		case '\\', '_', '*': // an escaped character, a padding width, a fill character
			i++
		case '[':
			j := strings.IndexByte(code[i+1:], ']')
			if j < 0 {
				i = len(code)
				break
			}
			inner := strings.ToLower(code[i+1 : i+1+j])
			if inner != "" && strings.Trim(inner, "hms") == "" {
				clock = true
			}
			i += j + 1
		case 'y', 'Y', 'd', 'D':
			date = true
		case 'm', 'M':
			month = true
		case 'h', 'H', 's', 'S':
			clock = true
		case 'A', 'a':
			if len(code)-i >= 5 && strings.EqualFold(code[i:i+5], "am/pm") {
				clock = true
				i += 4
			}
		}
	}
	if strings.EqualFold(strings.TrimSpace(code), "general") {
		return Number
	}
	if month && !clock {
		date = true // "mm" beside hours or seconds is minutes; alone it is a month
	}
	switch {
	case date && clock:
		return DateTime
	case date:
		return Date
	case clock:
		return Time
	}
	return Number
}

// The serial numbers of the dates spreadsheets can show: from the start
// of the epoch to 9999-12-31.
const (
	maxSerial1900 = 2958465
	maxSerial1904 = maxSerial1900 - 1462
)

// Serial returns the text of serial number v shown in a format of kind k:
// "2006-01-02" for a Date, "2006-01-02 15:04:05" for a DateTime,
// "15:04:05" for a Time (the time of day, as a format of hours shows it),
// Bool's text for a Boolean, and Float's text for a Number or a value no
// date can have (negative, past
// 9999, not finite). date1904 selects the 1904 date system. Times are
// rounded to the second, as spreadsheets show them by default.
//
// In the 1900 system, serial 60 is 1900-02-29, a day that did not exist
// but that Excel (after Lotus 1-2-3) counts; it is shown as Excel shows it.
func Serial(v float64, k Kind, date1904 bool) string {
	maxSerial := float64(maxSerial1900)
	if date1904 {
		maxSerial = maxSerial1904
	}
	if k == Boolean && !math.IsNaN(v) {
		return Bool(v != 0)
	}
	if k == Number || k == Boolean || math.IsNaN(v) || v < 0 || v >= maxSerial+1 {
		return Float(v)
	}
	secs := int64(math.Round(v * 86400))
	days, sec := secs/86400, secs%86400
	clock := time.Duration(sec) * time.Second
	hms := pad2(int64(clock/time.Hour)) + ":" + pad2(int64(clock/time.Minute%60)) + ":" + pad2(int64(clock/time.Second%60))
	if k == Time {
		return hms
	}
	var day string
	switch {
	case date1904:
		day = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(days)).Format(time.DateOnly)
	case days == 60:
		day = "1900-02-29"
	case days < 60: // before Excel's phantom day, serial 1 is 1900-01-01
		day = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(days)).Format(time.DateOnly)
	default:
		day = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(days)).Format(time.DateOnly)
	}
	if days == 0 && !date1904 {
		day = "1900-01-00" // serial 0 in a date format, as Excel shows it
	}
	if k == Date {
		return day
	}
	return day + " " + hms
}

func pad2(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

// Float returns a number's text as a spreadsheet's formula bar shows it:
// rounded to 15 significant digits, the precision spreadsheets keep, and
// then as short as it reads back: "12.5", "42", "-3703703.673" (stored as
// -3703703.6730000004); exponent form past 1e21 and under 1e-7, as
// JavaScript writes numbers ("1e+21"). XLSX files hold the same text, as
// spreadsheets write it.
func Float(v float64) string {
	if v == 0 {
		return "0" // and not "-0"
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	v, _ = strconv.ParseFloat(strconv.FormatFloat(v, 'g', 15, 64), 64)
	if a := math.Abs(v); a >= 1e21 || a < 1e-7 {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
