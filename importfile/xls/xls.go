// Package xls reads XLS workbooks (Excel 97-2003, the BIFF8 format) for
// package importfile, which reads CSV, JSON and NDJSON files without it. A
// program opts in by setting the reader in its options:
//
//	opts := &importfile.Options{XLS: xls.Read}
//	products := importfile.Products(f, "export.xls", mapping, opts)
//
// The workbook is an OLE2 compound file, opened with
// github.com/richardlehane/mscfb; the records of its Workbook stream are
// read by this package. Only the first worksheet is read, within
// importfile.Limits, and cells read as the spreadsheet shows them: text,
// numbers in their shortest exact form, booleans as TRUE and FALSE, dates
// as ISO dates (with the time when the cell's format shows one), the cached
// result of formulas, errors as Excel writes them (#N/A).
//
// Older formats (BIFF5 and before, Excel 95), encrypted workbooks and
// files that are not workbooks are refused with a *catalog.FileFormatError
// saying so. Whatever a file holds, no panic reaches the caller: a fault
// in the container library or in this package's reading is an error too.
//
// Memory is bounded by the file, never by what it claims: importfile holds
// the file whole (within Limits.MaxFileBytes), the reader copies its
// Workbook stream once (never larger than the file) and keeps the shared
// string table (at most 2,000,000 strings, each read from the stream's
// bytes) and one row at a time (at most Limits.MaxColumns cells), or, for
// a sheet whose cells do not come in row order, the whole sheet (at most
// 1,000,000 cells) to hand its rows on in order. The
// counts of the container's header are checked against the file's size
// before the container library sizes anything by them.
package xls

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/importfile"
	"github.com/richardlehane/mscfb"
)

// Read reads the first worksheet of an XLS workbook, held whole in data,
// and calls yield with the sheet's name, each row's 1-based number and its
// cells' text until yield returns false. Rows with no cell are not
// yielded. Set importfile.Options.XLS to Read to have importfile read XLS
// files.
//
// A file that is not a BIFF8 workbook, or is malformed, is a
// *catalog.FileFormatError naming the fault (with the row, when in one); a
// bound of lim exceeded is an *importfile.LimitError.
func Read(data []byte, file string, lim importfile.Limits, yield func(sheet string, line int, cells []string) bool) (err error) {
	r := &reader{file: file, lim: lim}
	defer func() {
		// A fault in reading the file is the file's error; a panic in
		// yield is the caller's, and goes on.
		if p := recover(); p != nil {
			if r.inYield {
				panic(p)
			}
			err = r.invalid(0, fmt.Sprintf("%v", errPanic{p}))
		}
	}()
	stream, err := r.workbookStream(data)
	if err != nil {
		return err
	}
	g, err := r.globals(stream)
	if err != nil {
		return err
	}
	return r.sheet(stream, g, func(line int, cells []string) bool {
		r.inYield = true
		ok := yield(g.sheetName, line, cells)
		r.inYield = false
		return ok
	})
}

// errPanic is a fault of this package that reading a malformed file
// raised as a panic; it becomes a *catalog.FileFormatError. The fuzz
// target refuses any. (Faults of the container library are recovered
// too, and named as its.)
type errPanic struct{ v any }

func (e errPanic) String() string { return fmt.Sprintf("internal fault: %v", e.v) }

// Bounds of what a workbook may make the reader hold, past the file itself.
const (
	maxSharedStrings = 2_000_000 // strings of the shared string table
	maxXF            = 1 << 16   // cell formats (an XF index is 16 bits)
	maxFormats       = 1 << 16   // number formats (a format id is 16 bits)
	maxSheets        = 1 << 16   // sheets of the workbook
)

// reader holds the state of one Read.
type reader struct {
	file    string
	lim     importfile.Limits
	inYield bool
}

// formatError builds the *catalog.FileFormatError of a workbook.
func (r *reader) formatError(code string, line int, details, hint string) *catalog.FileFormatError {
	return &catalog.FileFormatError{File: r.file, Title: "XLS Format Error", Code: code, Line: line, Details: details, Hint: hint}
}

// invalid reports a file that cannot be read as a BIFF8 workbook.
func (r *reader) invalid(line int, what string) *catalog.FileFormatError {
	return r.formatError("XLS_INVALID", line, "Your file cannot be read as an XLS workbook: "+what+".",
		"Save the sheet again as .xls (Excel 97-2003), .xlsx or .csv.")
}

// cfbSignature opens every OLE2 compound file.
var cfbSignature = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// workbookStream returns the bytes of the compound file's Workbook stream.
func (r *reader) workbookStream(data []byte) ([]byte, error) {
	if !bytes.HasPrefix(data, cfbSignature) {
		what := "it is not an OLE2 compound file"
		if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
			what = "it is a zip archive, as XLSX workbooks are (name it .xlsx)"
		}
		return nil, r.formatError("XLS_NOT_A_WORKBOOK", 0, "Your file is not an XLS workbook: "+what+".",
			"Save the sheet as .xls (Excel 97-2003), .xlsx or .csv.")
	}
	if err := checkHeader(data); err != nil {
		return nil, r.invalid(0, "its compound file header "+err.Error())
	}
	doc, err := openCFB(data)
	if err != nil {
		return nil, r.invalid(0, "its compound file: "+err.Error())
	}
	var entry *mscfb.File
	for f, err := doc.Next(); err == nil; f, err = doc.Next() {
		if len(f.Path) != 0 { // streams of storages inside the root are not the workbook
			continue
		}
		switch {
		case strings.EqualFold(f.Name, "Workbook"):
			entry = f
		case strings.EqualFold(f.Name, "Book") && entry == nil:
			return nil, r.formatError("XLS_BIFF5", 0, "Your file is an Excel 5.0/95 workbook (BIFF5), an older format than XLS 97-2003.",
				"Open it in a spreadsheet and save it as .xlsx, or as .xls (Excel 97-2003).")
		}
	}
	if entry == nil {
		return nil, r.formatError("XLS_NOT_A_WORKBOOK", 0, "Your file is an OLE2 compound file with no Workbook stream (another Office document?).",
			"Save the sheet as .xls (Excel 97-2003), .xlsx or .csv.")
	}
	// A stream's sectors are the file's: a stream larger than the file is
	// a chain of sectors that loops.
	if entry.Size <= 0 || entry.Size > int64(len(data)) {
		return nil, r.invalid(0, "its Workbook stream declares "+strconv.FormatInt(entry.Size, 10)+" bytes in a file of "+strconv.Itoa(len(data)))
	}
	b, err := readStream(entry)
	if err != nil {
		return nil, r.invalid(0, err.Error())
	}
	return b, nil
}

// checkHeader checks the compound file header's counts before mscfb reads
// it: mscfb allocates by some of them, and a file can hold no more sectors
// than its size allows.
func checkHeader(data []byte) error {
	const headerLen = 512
	if len(data) < headerLen {
		return errors.New("is cut short")
	}
	shift := binary.LittleEndian.Uint16(data[30:])
	if shift != 9 && shift != 12 {
		return errors.New("has a sector size of 2^" + strconv.Itoa(int(shift)))
	}
	sectors := uint64(len(data)) >> shift
	for _, f := range []struct {
		name string
		off  int
	}{{"directory sectors", 40}, {"FAT sectors", 44}, {"mini FAT sectors", 64}, {"DIFAT sectors", 72}} {
		if n := uint64(binary.LittleEndian.Uint32(data[f.off:])); n > sectors {
			return errors.New("counts " + strconv.FormatUint(n, 10) + " " + f.name + " in a file of " + strconv.FormatUint(sectors, 10) + " sectors")
		}
	}
	return nil
}

// openCFB opens the compound file with mscfb, turning a panic of the
// library on a malformed file into an error.
func openCFB(data []byte) (doc *mscfb.Reader, err error) {
	defer func() {
		if p := recover(); p != nil {
			doc, err = nil, fmt.Errorf("the container library failed: %v", p)
		}
	}()
	return mscfb.New(bytes.NewReader(data))
}

// readStream reads a stream whole, turning a panic of the library into an
// error.
func readStream(f *mscfb.File) (b []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			b, err = nil, fmt.Errorf("reading the Workbook stream, the container library failed: %v", p)
		}
	}()
	b = make([]byte, f.Size)
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, fmt.Errorf("reading the Workbook stream: %w", err)
	}
	return b, nil
}
