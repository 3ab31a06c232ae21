package importfile

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/pimkit/catalog"
	"github.com/xuri/excelize/v2"
)

// xlsxMaxSharedStrings bounds the strings of the shared string table: the
// XLSX reader indexes each, at some 50 bytes apiece, even when it streams
// the table from a temporary file.
const xlsxMaxSharedStrings = 2_000_000

// readXLSX reads the first sheet of an XLSX file with excelize's row
// iterator. The archive is checked first: its directory size, the declared
// expanded size of each part and of all, then the actual expanded size of
// each part (declared sizes can lie), the longest text or tag of its XML
// parts and the count of shared strings. Only then does excelize open it.
//
// Cells are read raw: numbers as stored ("12.5", whatever their display
// format), dates as serial day numbers, booleans as "1" and "0".
func readXLSX(r io.Reader, file string, lim Limits, hdr func([]string), yield func(Row, error) bool) {
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
	if err := checkArchive(file, data, lim); err != nil {
		yield(Row{}, err)
		return
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		RawCellValue:      true,
		UnzipSizeLimit:    lim.MaxXLSXSize,
		UnzipXMLSizeLimit: min(xlsxSpillSize, lim.MaxXLSXSize),
	})
	data = nil
	if err != nil {
		yield(Row{}, xlsxInvalid(file, "", 0, err))
		return
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		yield(Row{}, formatError(file, "XLSX Format Error", "XLSX_NO_SHEET", 0, 0, "The workbook has no sheet.", "Save the data on the first sheet."))
		return
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		yield(Row{}, xlsxInvalid(file, "", 0, err))
		return
	}
	defer rows.Close()
	var cols []string
	for n := 1; rows.Next(); n++ {
		if n > excelize.TotalRows { // a row numbered past Excel's last would be walked to, one by one
			yield(Row{}, formatError(file, "XLSX Format Error", "XLSX_INVALID", n, 0,
				"The first sheet has a row past Excel's last row ("+strconv.Itoa(excelize.TotalRows)+").", "Save the sheet again with Excel."))
			return
		}
		rec, err := rows.Columns()
		if err != nil {
			yield(Row{}, xlsxInvalid(file, "", n, err))
			return
		}
		if len(rec) > lim.MaxColumns {
			yield(Row{}, &LimitError{File: file, What: "columns (" + strconv.Itoa(len(rec)) + ")", Limit: int64(lim.MaxColumns), Line: n})
			return
		}
		if blank(rec) {
			continue
		}
		if cols == nil {
			cols = header(rec)
			hdr(cols)
			continue
		}
		row, err := tableRow(file, n, cols, rec, lim.MaxCellSize)
		if !yield(row, err) {
			return
		}
	}
	if err := rows.Error(); err != nil {
		yield(Row{}, xlsxInvalid(file, "", 0, err))
		return
	}
	if cols == nil {
		yield(Row{}, formatError(file, "XLSX Format Error", "XLSX_EMPTY", 0, 0, "The first sheet has no header row.", "Put the column names on the first row of the first sheet."))
	}
}

func xlsxInvalid(file, part string, line int, err error) error {
	where := ""
	if part != "" {
		where = " (part " + strconv.Quote(part) + ")"
	}
	return formatError(file, "XLSX Format Error", "XLSX_INVALID", line, 0,
		"Your file cannot be read as an XLSX workbook"+where+": "+err.Error()+".",
		"Save the sheet again as .xlsx (Excel 2007 or later), or as .csv.")
}

// checkArchive applies the XLSX bounds to a zip archive, before excelize
// reads it.
func checkArchive(file string, data []byte, lim Limits) error {
	if n, ok := zipEntries(data); ok && n > xlsxMaxParts {
		return &LimitError{File: file, What: "archive entries (" + strconv.FormatUint(n, 10) + ")", Limit: xlsxMaxParts}
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return xlsxInvalid(file, "", 0, err)
	}
	if len(zr.File) > xlsxMaxParts {
		return &LimitError{File: file, What: "archive entries", Limit: xlsxMaxParts}
	}
	var total, inMemory uint64
	for _, zf := range zr.File {
		size := zf.UncompressedSize64
		if size > uint64(lim.MaxXLSXPartSize) {
			return &LimitError{File: file, Part: zf.Name, What: "declared expanded size (" + strconv.FormatUint(size, 10) + " bytes)", Limit: lim.MaxXLSXPartSize}
		}
		if total += size; total > uint64(lim.MaxXLSXSize) {
			return &LimitError{File: file, Part: zf.Name, What: "declared expanded size of the archive", Limit: lim.MaxXLSXSize}
		}
		if !spilled(zf.Name, size) {
			if inMemory += size; inMemory > xlsxMemoryBudget {
				return &LimitError{File: file, Part: zf.Name, What: "declared expanded size of the parts held in memory", Limit: xlsxMemoryBudget}
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
func checkPart(file string, zf *zip.File, lim Limits) error {
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
				return &LimitError{File: file, Part: zf.Name, What: "XML text or tag length", Limit: int64(lim.MaxRecordSize)}
			}
			if s.strings > xlsxMaxSharedStrings {
				return &LimitError{File: file, Part: zf.Name, What: "shared strings", Limit: xlsxMaxSharedStrings}
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if errors.Is(err, zip.ErrFormat) { // archive/zip's word for expanding past the declared size
				return &LimitError{File: file, Part: zf.Name, What: "expanded size past the declared " + strconv.FormatUint(zf.UncompressedSize64, 10) + " bytes", Limit: int64(zf.UncompressedSize64)}
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
