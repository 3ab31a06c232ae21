// Package xlsx reads XLSX workbooks (Excel 2007 and later) for package
// importfile, which reads CSV, JSON and NDJSON files without it so that a
// program that reads only those compiles no spreadsheet library. A program
// opts in by setting the reader in its options:
//
//	opts := &importfile.Options{XLSX: xlsx.Read}
//	products := importfile.Products(f, "export.xlsx", mapping, opts)
//
// Only the first sheet of a workbook is read, within importfile.Limits.
package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/importfile"
	"github.com/xuri/excelize/v2"
)

// xlsxSpillSize is the part size over which excelize streams a worksheet
// or the shared string table from a temporary file rather than hold it in
// memory; xlsxMemoryBudget bounds the parts it holds.
const (
	xlsxSpillSize    = 4 << 20
	xlsxMemoryBudget = 64 << 20
	xlsxMaxParts     = 10_000 // entries of the archive's directory
)

// xlsxMaxSharedStrings bounds the strings of the shared string table: the
// XLSX reader indexes each, at some 50 bytes apiece, even when it streams
// the table from a temporary file.
const xlsxMaxSharedStrings = 2_000_000

// Read reads the first sheet of an XLSX workbook, held whole in data, with
// excelize's row iterator, and calls yield with the sheet's name, each
// row's 1-based number and its cells' text until yield returns false. Set
// importfile.Options.XLSX to Read to have importfile read XLSX files.
//
// The archive is checked first, within lim: its directory size, the
// declared expanded size of each part and of all, then the actual expanded
// size of each part (declared sizes can lie), the longest text or tag of
// its XML parts and the count of shared strings. Only then does excelize
// open it. A bound exceeded is an *importfile.LimitError, a file that is
// not a workbook a *catalog.FileFormatError.
//
// Cells read as the spreadsheet shows them: booleans as TRUE and FALSE,
// numbers in a date format as ISO dates ("2006-01-02", with the time when
// the format shows one: "2006-01-02 15:04:05"), other numbers as they are
// stored, to the 15 significant digits spreadsheets keep ("12.5", whatever
// their display format), text as it is.
func Read(data []byte, file string, lim importfile.Limits, yield func(sheet string, line int, cells []string) bool) error {
	if err := checkArchive(file, data, lim); err != nil {
		return err
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return xlsxInvalid(file, "", 0, err)
	}
	show, err := newDisplay(zr)
	if err != nil {
		return xlsxInvalid(file, "", 0, err)
	}
	defer show.close()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		RawCellValue:      true,
		UnzipSizeLimit:    lim.MaxXLSXSize,
		UnzipXMLSizeLimit: min(xlsxSpillSize, lim.MaxXLSXSize),
	})
	if err != nil {
		return xlsxInvalid(file, "", 0, err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return formatError(file, "XLSX_NO_SHEET", 0, "The workbook has no sheet.", "Save the data on the first sheet.")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return xlsxInvalid(file, "", 0, err)
	}
	defer rows.Close()
	for n := 1; rows.Next(); n++ {
		if n > excelize.TotalRows { // a row numbered past Excel's last would be walked to, one by one
			return formatError(file, "XLSX_INVALID", n,
				"The first sheet has a row past Excel's last row ("+strconv.Itoa(excelize.TotalRows)+").", "Save the sheet again with Excel.")
		}
		rec, err := rows.Columns()
		if err != nil {
			return xlsxInvalid(file, "", n, err)
		}
		show.row(n, rec)
		if !yield(sheets[0], n, rec) {
			return nil
		}
	}
	if err := rows.Error(); err != nil {
		return xlsxInvalid(file, "", 0, err)
	}
	return nil
}

// formatError builds the *catalog.FileFormatError of a workbook.
func formatError(file, code string, line int, details, hint string) *catalog.FileFormatError {
	return &catalog.FileFormatError{File: file, Title: "XLSX Format Error", Code: code, Line: line, Details: details, Hint: hint}
}

func xlsxInvalid(file, part string, line int, err error) error {
	where := ""
	if part != "" {
		where = " (part " + strconv.Quote(part) + ")"
	}
	return formatError(file, "XLSX_INVALID", line,
		"Your file cannot be read as an XLSX workbook"+where+": "+err.Error()+".",
		"Save the sheet again as .xlsx (Excel 2007 or later), or as .csv.")
}

// checkArchive applies the XLSX bounds to a zip archive, before excelize
// reads it.
func checkArchive(file string, data []byte, lim importfile.Limits) error {
	if n, ok := zipEntries(data); ok && n > xlsxMaxParts {
		return &importfile.LimitError{File: file, What: "archive entries (" + strconv.FormatUint(n, 10) + ")", Limit: xlsxMaxParts}
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return xlsxInvalid(file, "", 0, err)
	}
	if len(zr.File) > xlsxMaxParts {
		return &importfile.LimitError{File: file, What: "archive entries", Limit: xlsxMaxParts}
	}
	var total, inMemory uint64
	for _, zf := range zr.File {
		size := zf.UncompressedSize64
		if size > uint64(lim.MaxXLSXPartSize) {
			return &importfile.LimitError{File: file, Part: zf.Name, What: "declared expanded size (" + strconv.FormatUint(size, 10) + " bytes)", Limit: lim.MaxXLSXPartSize}
		}
		if total += size; total > uint64(lim.MaxXLSXSize) {
			return &importfile.LimitError{File: file, Part: zf.Name, What: "declared expanded size of the archive", Limit: lim.MaxXLSXSize}
		}
		if !spilled(zf.Name, size) {
			if inMemory += size; inMemory > xlsxMemoryBudget {
				return &importfile.LimitError{File: file, Part: zf.Name, What: "declared expanded size of the parts held in memory", Limit: xlsxMemoryBudget}
			}
		}
	}
	for _, zf := range zr.File {
		if err := checkPart(file, zf, lim); err != nil {
			return err
		}
	}
	return nil
}

// spilled reports whether excelize streams a part from a temporary file
// rather than hold it in memory: worksheets and the shared string table
// over its spill size.
func spilled(name string, size uint64) bool {
	n := strings.ToLower(strings.ReplaceAll(name, `\`, "/"))
	return (strings.HasPrefix(n, "xl/worksheets/sheet") || n == "xl/sharedstrings.xml") && size > xlsxSpillSize
}

// checkPart expands one part to nowhere: it must not expand past its
// declared size (archive/zip stops there, and reports it), its XML must
// hold no text or tag longer than MaxRecordSize, and the shared string
// table no more than xlsxMaxSharedStrings strings.
func checkPart(file string, zf *zip.File, lim importfile.Limits) error {
	if strings.HasSuffix(zf.Name, "/") {
		return nil
	}
	rc, err := zf.Open()
	if err != nil {
		return xlsxInvalid(file, zf.Name, 0, err)
	}
	defer rc.Close()
	name := strings.ToLower(zf.Name)
	s := &xmlScan{xml: strings.HasSuffix(name, ".xml") || strings.HasSuffix(name, ".rels"), sst: name == "xl/sharedstrings.xml"}
	buf := make([]byte, 32<<10)
	for {
		k, err := rc.Read(buf)
		if s.xml {
			s.scan(buf[:k])
			if s.maxRun > lim.MaxRecordSize {
				return &importfile.LimitError{File: file, Part: zf.Name, What: "XML text or tag length", Limit: int64(lim.MaxRecordSize)}
			}
			if s.strings > xlsxMaxSharedStrings {
				return &importfile.LimitError{File: file, Part: zf.Name, What: "shared strings", Limit: xlsxMaxSharedStrings}
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if errors.Is(err, zip.ErrFormat) { // archive/zip's word for expanding past the declared size
				return &importfile.LimitError{File: file, Part: zf.Name, What: "expanded size past the declared " + strconv.FormatUint(zf.UncompressedSize64, 10) + " bytes", Limit: int64(zf.UncompressedSize64)}
			}
			return xlsxInvalid(file, zf.Name, 0, err)
		}
	}
}

// xmlScan measures XML as it streams by: the longest run of bytes between
// markup delimiters (a text node or a tag, which an XML decoder holds
// whole), and the <si> elements of a shared string table.
type xmlScan struct {
	xml, sst bool
	run      int
	maxRun   int
	strings  int
	tail     [2]byte // the last bytes, for "<si" split across reads
	tailLen  int
}

func (s *xmlScan) scan(p []byte) {
	for _, c := range p {
		if c == '<' || c == '>' {
			s.run = 0
		} else if s.run++; s.run > s.maxRun {
			s.maxRun = s.run
		}
		if s.sst {
			if c == 'i' && s.tailLen == 2 && s.tail[0] == '<' && s.tail[1] == 's' {
				s.strings++
			}
			s.tail[0], s.tail[1] = s.tail[1], c
			s.tailLen = min(s.tailLen+1, 2)
		}
	}
}

// zipEntries reads the entry count of a zip archive's end records, so that
// a directory of millions of entries is refused before it is parsed.
func zipEntries(data []byte) (uint64, bool) {
	const eocdLen, maxComment = 22, 0xFFFF
	from := max(0, len(data)-eocdLen-maxComment)
	i := bytes.LastIndex(data[from:], []byte("PK\x05\x06"))
	if i < 0 {
		return 0, false
	}
	i += from
	if len(data)-i < eocdLen {
		return 0, false
	}
	n := uint64(binary.LittleEndian.Uint16(data[i+10:]))
	// A zip64 locator, 20 bytes before, points at the zip64 end record.
	if j := i - 20; j >= 0 && bytes.Equal(data[j:j+4], []byte("PK\x06\x07")) {
		off := binary.LittleEndian.Uint64(data[j+8:])
		if len(data) >= 56 && off <= uint64(len(data)-56) && bytes.Equal(data[off:off+4], []byte("PK\x06\x06")) {
			n = binary.LittleEndian.Uint64(data[off+32:])
		}
	}
	return n, true
}
