package importfile

import "github.com/pimkit/catalog"

// Options configure the readers. The zero value, or a nil *Options, reads
// with the defaults.
type Options struct {
	// Delimiter is the CSV field delimiter; 0 detects ';', ',' or tab from
	// the first lines of the file.
	Delimiter rune
	// StrictColumns refuses a CSV row whose number of cells differs from the
	// header's with a *catalog.FileFormatError (CSV_INCONSISTENT_RECORD_LENGTH).
	// By default ragged rows are read, as the server does: missing cells are
	// empty and cells past the header are dropped.
	StrictColumns bool
	// Limits bound what one file may make the reader hold; zero fields take
	// the defaults.
	Limits Limits
	// XLSX reads XLSX workbooks. Nil refuses them with an
	// *UnsupportedError: set it to xlsx.Read, from package
	// github.com/pimkit/catalog/importfile/xlsx, to read them. Only a
	// program that does so compiles a spreadsheet library.
	XLSX SheetReader
	// XLS reads XLS workbooks (Excel 97-2003). Nil refuses them with an
	// *UnsupportedError matching ErrXLSUnsupported: set it to xls.Read,
	// from package github.com/pimkit/catalog/importfile/xls, to read them.
	XLS SheetReader
	// Lines, when set, records the file line of every row Products
	// yields, so that a report numbering rows by stream position names
	// lines: see Lines.
	Lines *Lines
}

// A SheetReader reads the first sheet of a workbook held whole in data,
// within lim, calling yield with the sheet's name, each row's 1-based
// number and its cells' text until yield returns false. It returns a
// *catalog.FileFormatError for a file it cannot read and a *LimitError for
// a bound exceeded. xlsx.Read is the one for XLSX files, xls.Read the one
// for XLS files.
type SheetReader func(data []byte, file string, lim Limits, yield func(sheet string, line int, cells []string) bool) error

// Limits bound what a file, whatever it says, may make a reader read or
// hold. Each bound exceeded is a *LimitError naming the file and the place.
type Limits struct {
	// MaxFileBytes bounds the bytes read from the file. Zero means
	// catalog.MaxFileBytes for Analyze (the server's limit) and for XLSX
	// and XLS files, which are held in memory whole, and no limit when streaming the
	// rows of CSV, JSON and NDJSON files, which are never held whole.
	MaxFileBytes int64
	// MaxRecordSize bounds one CSV record (a line, or several when quoted
	// cells hold line breaks), one NDJSON line and one element of a JSON
	// array. Default: DefaultMaxRecordSize.
	MaxRecordSize int
	// MaxCellSize bounds one cell; in JSON, one value of a row object.
	// Default: DefaultMaxCellSize.
	MaxCellSize int
	// MaxColumns bounds the cells of a row and the columns of a file.
	// Default: DefaultMaxColumns.
	MaxColumns int
	// MaxXLSXSize bounds the expanded size of an XLSX archive, all parts
	// together. Default: DefaultMaxXLSXSize.
	MaxXLSXSize int64
	// MaxXLSXPartSize bounds the expanded size of each part of an XLSX
	// archive. Default: DefaultMaxXLSXPartSize. Besides, the parts that
	// xlsx.Read holds in memory (all but large worksheets and large shared
	// string tables, which it streams from temporary files) may expand to
	// 64 MiB together.
	MaxXLSXPartSize int64
}

// Default limits.
const (
	DefaultMaxRecordSize   = 1 << 20   // 1 MiB
	DefaultMaxCellSize     = 128 << 10 // 128 KiB: Excel's 32,767 characters at 4 bytes each fit
	DefaultMaxColumns      = 1024
	DefaultMaxXLSXSize     = 512 << 20 // 512 MiB
	DefaultMaxXLSXPartSize = 256 << 20 // 256 MiB
)

// limits returns the options' limits with defaults filled in. analyze
// selects the file size default of Analyze.
func (o *Options) limits(analyze bool) Limits {
	var l Limits
	if o != nil {
		l = o.Limits
	}
	if l.MaxFileBytes == 0 && analyze {
		l.MaxFileBytes = catalog.MaxFileBytes
	}
	if l.MaxRecordSize <= 0 {
		l.MaxRecordSize = DefaultMaxRecordSize
	}
	if l.MaxCellSize <= 0 {
		l.MaxCellSize = DefaultMaxCellSize
	}
	if l.MaxColumns <= 0 {
		l.MaxColumns = DefaultMaxColumns
	}
	if l.MaxXLSXSize <= 0 {
		l.MaxXLSXSize = DefaultMaxXLSXSize
	}
	if l.MaxXLSXPartSize <= 0 {
		l.MaxXLSXPartSize = DefaultMaxXLSXPartSize
	}
	return l
}
