package importfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"

	"github.com/pimkit/catalog"
)

// Row is one data row of a file.
type Row struct {
	// Line is where the row starts, 1-based, as a user sees it: in an editor
	// for CSV, JSON and NDJSON (the CSV header is line 1), the row number in
	// a spreadsheet for XLSX and XLS.
	Line int
	// Sheet is the name of the sheet the row is on, for XLSX and XLS; ""
	// otherwise.
	Sheet string
	// Cells are the row's cells in column order. For CSV, XLSX and XLS there is
	// one per header column, missing cells being empty; for JSON and NDJSON,
	// one per key of the row object.
	Cells []Cell
}

// Cell is one cell of a row.
type Cell struct {
	Column string // the column name: the header's cell, or the JSON key
	Index  int    // 1-based position in the row
	// Value is the cell's text. For JSON it is a string's content, "" for
	// null, and the JSON text of numbers, booleans, arrays and objects.
	Value string
	// Raw is, in JSON and NDJSON rows, the JSON text of a value that is not
	// a string (number, boolean, array, object); nil otherwise.
	Raw json.RawMessage
}

// Get returns the cell of a column.
func (r *Row) Get(column string) (Cell, bool) {
	i := r.index(column)
	if i < 0 {
		return Cell{}, false
	}
	return r.Cells[i], true
}

// index finds a column's position in r.Cells, or -1.
func (r *Row) index(column string) int {
	for i := range r.Cells {
		if r.Cells[i].Column == column {
			return i
		}
	}
	return -1
}

// Map returns the row's cells as a map from column name to text.
func (r *Row) Map() map[string]string {
	m := make(map[string]string, len(r.Cells))
	for _, c := range r.Cells {
		m[c.Column] = c.Value
	}
	return m
}

// Rows streams the data rows of a file, whose type comes from the
// extension of name (see catalog.FileTypeOf). CSV, JSON and NDJSON files
// are streamed: memory is bounded by Limits whatever the file's size. XLSX
// and XLS files (read when Options.XLSX and Options.XLS are set) are read
// whole, within Limits.MaxFileBytes, and only their first sheet is read.
//
// The stream goes on after a *CellError, which reports one row; any other
// error is the last: the file's type is not read (*UnsupportedError,
// *catalog.FileFormatError), a bound is exceeded (*LimitError), the file is
// malformed (*catalog.FileFormatError), or reading failed.
//
// Each range of the stream reads the file from its first row, so that one
// stream can serve a sync's dry run and then its real run: when r is an
// io.Seeker (an *os.File of a regular file), it is sought back to where
// the first range began; a reader that cannot seek back is read by the
// first range only, and a later range yields one error saying so.
func Rows(r io.Reader, name string, opts *Options) iter.Seq2[Row, error] {
	return rows(&rewinder{r: r}, name, opts, opts.limits(false), func([]string) error { return nil })
}

// rows streams the rows of a file from from (see Rows for its ranges); hdr is called with the column names of
// a CSV or XLSX header, before the first row; an error it returns is the
// stream's last.
func rows(from *rewinder, name string, opts *Options, lim Limits, hdr func([]string) error) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		if err := from.rewind(name); err != nil {
			yield(Row{}, err)
			return
		}
		r := from.r
		t, err := catalog.FileTypeOf(name)
		if err != nil {
			yield(Row{}, err)
			return
		}
		var delim rune
		strict := false
		if opts != nil {
			delim, strict = opts.Delimiter, opts.StrictColumns
		}
		switch t {
		case catalog.FileCSV:
			readCSV(r, name, delim, strict, lim, hdr, yield)
		case catalog.FileXLSX, catalog.FileXLS:
			read := sheetReader(opts, t)
			if read == nil {
				yield(Row{}, &UnsupportedError{File: name, Type: t})
				return
			}
			readSheet(r, name, t, read, lim, hdr, yield)
		case catalog.FileJSON:
			readJSON(r, name, lim, yield)
		case catalog.FileNDJSON:
			readNDJSON(r, name, lim, yield)
		default:
			yield(Row{}, &UnsupportedError{File: name, Type: t})
		}
	}
}

// sheetReader returns the options' reader of workbooks of type t, or nil.
func sheetReader(opts *Options, t catalog.FileType) SheetReader {
	switch {
	case opts == nil:
		return nil
	case t == catalog.FileXLS:
		return opts.XLS
	}
	return opts.XLSX
}

// readSheet reads the first sheet of a workbook with read: the file is held
// whole (a zip archive and a compound file need random access) within
// MaxFileBytes, the first non-blank row is the header, blank rows are
// skipped.
func readSheet(r io.Reader, file string, t catalog.FileType, read SheetReader, lim Limits, hdr func([]string) error, yield func(Row, error) bool) {
	maxFile := lim.MaxFileBytes
	if maxFile <= 0 {
		maxFile = catalog.MaxFileBytes
	}
	data, err := io.ReadAll(io.LimitReader(r, maxFile+1))
	if err != nil {
		yield(Row{}, readError(file, err))
		return
	}
	if int64(len(data)) > maxFile {
		yield(Row{}, &catalog.TooLargeError{Name: file, Size: -1, Limit: maxFile})
		return
	}
	var cols []string
	stopped := false
	err = read(data, file, lim, func(sheet string, line int, rec []string) bool {
		if len(rec) > lim.MaxColumns {
			yield(Row{}, &LimitError{File: file, What: "columns (" + strconv.Itoa(len(rec)) + ")", Limit: int64(lim.MaxColumns), Line: line})
			stopped = true
			return false
		}
		if blank(rec) {
			return true
		}
		if cols == nil {
			cols = header(rec)
			if err := hdr(cols); err != nil {
				yield(Row{}, err)
				stopped = true
				return false
			}
			return true
		}
		row, err := tableRow(file, line, cols, rec, lim.MaxCellSize)
		row.Sheet = sheet
		if ce, ok := err.(*CellError); ok {
			ce.Sheet = sheet
		}
		stopped = !yield(row, err)
		return !stopped
	})
	switch {
	case stopped:
	case err != nil:
		yield(Row{}, err)
	case cols == nil:
		kind := strings.ToUpper(string(t))
		yield(Row{}, formatError(file, kind+" Format Error", kind+"_EMPTY", 0, 0, "The first sheet has no header row.", "Put the column names on the first row of the first sheet."))
	}
}

// header turns a header row into column names: trimmed, an empty name
// becomes "column_N" (N its 1-based position) and a repeated one gets
// "_2", "_3", ... so that no column is lost.
func header(cells []string) []string {
	names := make([]string, len(cells))
	seen := make(map[string]bool, len(cells))
	for i, c := range cells {
		name := strings.TrimSpace(c)
		if name == "" {
			name = "column_" + strconv.Itoa(i+1)
		}
		base := name
		for k := 2; seen[name]; k++ {
			name = base + "_" + strconv.Itoa(k)
		}
		seen[name] = true
		names[i] = name
	}
	return names
}

// tableRow builds the row of a CSV or XLSX record: one cell per column,
// missing cells empty, cells past the header dropped. A cell over the size
// bound makes a *CellError.
func tableRow(file string, line int, cols []string, rec []string, maxCell int) (Row, error) {
	row := Row{Line: line, Cells: make([]Cell, len(cols))}
	for i, name := range cols {
		row.Cells[i] = Cell{Column: name, Index: i + 1}
		if i < len(rec) {
			if len(rec[i]) > maxCell {
				return row, cellTooLarge(file, line, name, i+1, rec[i], maxCell)
			}
			row.Cells[i].Value = rec[i]
		}
	}
	return row, nil
}

func cellTooLarge(file string, line int, column string, index int, v string, max int) *CellError {
	return &CellError{
		File: file, Line: line, Column: column, Index: index, Value: cut(v),
		Reason: "cell of " + strconv.Itoa(len(v)) + " bytes over the limit of " + strconv.Itoa(max),
		Err:    &LimitError{File: file, What: "cell size", Limit: int64(max), Line: line},
	}
}

// blank reports whether every field of a record is empty.
func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// meter is the reader under a parser's buffer. It counts the bytes it
// delivers, refuses to deliver past stop (the bound of the current record)
// and past the file size bound, and, when lines is set, keeps the bytes
// delivered since the last lineAt so that lines can be counted lazily.
type meter struct {
	r       io.Reader
	n       int64 // bytes delivered
	stop    int64 // deliver no byte at or past this offset; < 0: no bound
	fileMax int64 // > 0: the file size bound
	err     error // sticky

	newlines int // line breaks delivered

	lines bool
	pend  []byte // bytes delivered from base on, not yet counted
	base  int64
	line  int // line number at offset base
}

var (
	errRecordBound = errors.New("record bound reached")
	errFileBound   = errors.New("file size bound reached")
)

func newMeter(r io.Reader, fileMax int64, lines bool) *meter {
	return &meter{r: r, stop: -1, fileMax: fileMax, lines: lines, line: 1}
}

func (m *meter) Read(p []byte) (int, error) {
	if m.err != nil {
		return 0, m.err
	}
	if m.stop >= 0 {
		left := m.stop - m.n
		if left <= 0 {
			return 0, errRecordBound
		}
		if int64(len(p)) > left {
			p = p[:left]
		}
	}
	n, err := m.r.Read(p)
	m.n += int64(n)
	if m.fileMax > 0 && m.n > m.fileMax {
		m.err = errFileBound
		return 0, m.err
	}
	if m.lines {
		m.pend = append(m.pend, p[:n]...)
	}
	m.newlines += bytes.Count(p[:n], []byte{'\n'})
	if err != nil && err != io.EOF {
		m.err = err
	}
	return n, err
}

// lineAt returns the line of a byte offset at or after the last one asked
// about, and drops the bytes before it.
func (m *meter) lineAt(off int64) int {
	k := off - m.base
	if k <= 0 {
		return m.line
	}
	if k > int64(len(m.pend)) {
		k = int64(len(m.pend))
	}
	m.line += bytes.Count(m.pend[:k], []byte{'\n'})
	m.pend = m.pend[k:]
	m.base += k
	return m.line
}

// boundErr turns the meter's sentinels into the file's errors; other errors
// are wrapped as read errors.
func boundErr(file string, err error, lim Limits, line int, what string) error {
	switch {
	case errors.Is(err, errRecordBound):
		return &LimitError{File: file, What: what, Limit: int64(lim.MaxRecordSize), Line: line}
	case errors.Is(err, errFileBound):
		return &catalog.TooLargeError{Name: file, Size: -1, Limit: lim.MaxFileBytes}
	}
	return readError(file, err)
}

// rewinder starts each range of a stream where the first one began.
type rewinder struct {
	r      io.Reader
	ranged bool  // a range has begun
	start  int64 // where the first range began; -1 when r cannot seek
}

// rewind readies r for a range: the first as it is, a later one sought
// back to the first's start, or an error when r cannot seek.
func (w *rewinder) rewind(file string) error {
	s, ok := w.r.(io.Seeker)
	if !w.ranged {
		w.ranged, w.start = true, -1
		if ok {
			if pos, err := s.Seek(0, io.SeekCurrent); err == nil { // fails on a pipe: read once
				w.start = pos
			}
		}
		return nil
	}
	if w.start < 0 {
		return fmt.Errorf("importfile: %s: the stream was read already, and its reader cannot seek back to read it again: give an io.ReadSeeker, such as the *os.File of a regular file", file)
	}
	if _, err := s.Seek(w.start, io.SeekStart); err != nil {
		return fmt.Errorf("importfile: %s: seeking back to read the stream again: %w", file, err)
	}
	return nil
}
