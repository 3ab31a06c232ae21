package importfile

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pimkit/catalog"
)

// ErrXLSUnsupported is matched (errors.Is) by the error for an .xls file
// read with no Options.XLS: XLS workbooks are read by package
// importfile/xls, which a program opts into.
var ErrXLSUnsupported = errors.New("XLS (Excel 97-2003) files are read when Options.XLS is set (to xls.Read, of package importfile/xls)")

// UnsupportedError reports a file of a type the readers do not read, or an
// XLSX or XLS file when Options.XLSX or Options.XLS is not set. It
// matches ErrXLSUnsupported for .xls files and catalog.ErrValidation.
type UnsupportedError struct {
	File string           // the file name
	Type catalog.FileType // its type
}

// Error names the file and says what to do.
func (e *UnsupportedError) Error() string {
	switch e.Type {
	case catalog.FileXLS:
		return "importfile: " + e.File + ": " + ErrXLSUnsupported.Error()
	case catalog.FileXLSX:
		return "importfile: " + e.File + ": XLSX files are read when Options.XLSX is set (to xlsx.Read, of package importfile/xlsx)"
	}
	return fmt.Sprintf("importfile: %s: files of type %q are not read", e.File, e.Type)
}

// Is matches ErrXLSUnsupported (for XLS) and catalog.ErrValidation.
func (e *UnsupportedError) Is(target error) bool {
	return target == catalog.ErrValidation || (target == ErrXLSUnsupported && e.Type == catalog.FileXLS)
}

// LimitError reports a bound of Limits that a file exceeded. It matches
// catalog.ErrTooLarge.
type LimitError struct {
	File  string // the file name
	What  string // what exceeded: "record", "cell", "columns", "row object", "expanded size", "part", ...
	Limit int64  // the bound
	Line  int    // 1-based line (spreadsheet row for XLSX and XLS) where it happened; 0 when not in a row
	Part  string // XLSX: the archive part, such as "xl/worksheets/sheet1.xml"
}

// Error names the file, the place and the bound.
func (e *LimitError) Error() string {
	var b strings.Builder
	b.WriteString("importfile: " + e.File)
	if e.Part != "" {
		b.WriteString(": part " + strconv.Quote(e.Part))
	}
	if e.Line > 0 {
		b.WriteString(": line " + strconv.Itoa(e.Line))
	}
	fmt.Fprintf(&b, ": %s over the limit of %d", e.What, e.Limit)
	return b.String()
}

// Is matches catalog.ErrTooLarge.
func (e *LimitError) Is(target error) bool { return target == catalog.ErrTooLarge }

// CellError reports one row that cannot be read or converted: a cell that
// is not a number, a row that is not a JSON object, a cell over the size
// limit. The row is skipped and the stream goes on. It unwraps to its cause
// when there is one (a *LimitError, a strconv error, ...).
type CellError struct {
	File   string // the file name
	Line   int    // 1-based line as an editor shows it (the header is line 1); for XLSX and XLS, the spreadsheet row
	Sheet  string // XLSX and XLS: the sheet's name; "" otherwise
	Column string // the column name; "" when the fault is the row's
	Index  int    // 1-based column position; 0 when unknown (JSON) or the fault is the row's
	Field  string // the product field the column maps to, such as "pricing.list"; "" when reading rows
	Value  string // the cell's text, cut to 64 bytes
	Reason string // what is wrong
	Err    error  // the cause, or nil
}

// Error reads: importfile: products.csv: line 3, column 2 "Prix" -> pricing.list: "12,5x": not a number.
func (e *CellError) Error() string {
	var b strings.Builder
	b.WriteString("importfile: " + e.File + ": ")
	if e.Sheet != "" {
		b.WriteString("sheet " + strconv.Quote(e.Sheet) + ", ")
	}
	b.WriteString("line " + strconv.Itoa(e.Line))
	if e.Column != "" || e.Index > 0 {
		b.WriteString(", column ")
		if e.Index > 0 {
			b.WriteString(strconv.Itoa(e.Index) + " ")
		}
		b.WriteString(strconv.Quote(e.Column))
	}
	if e.Field != "" {
		b.WriteString(" -> " + e.Field)
	}
	if e.Value != "" {
		b.WriteString(": " + strconv.Quote(e.Value))
	}
	b.WriteString(": " + e.Reason)
	return b.String()
}

// Unwrap returns the cause.
func (e *CellError) Unwrap() error { return e.Err }

// cut shortens a cell's text for an error message.
func cut(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && s[i]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		i--
	}
	return s[:i] + "..."
}

// formatError builds the *catalog.FileFormatError of a file.
func formatError(file, title, code string, line, column int, details, hint string) *catalog.FileFormatError {
	return &catalog.FileFormatError{
		File: file, Title: title, Details: details, Hint: hint, Code: code, Line: line, Column: column,
	}
}

// readError wraps an I/O error of the file's reader.
func readError(file string, err error) error {
	return fmt.Errorf("importfile: %s: %w", file, err)
}
