package xlsx_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/importfile"
	"github.com/pimkit/catalog/importfile/xlsx"
	"github.com/pimkit/catalog/internal/memtest"
)

// opts read XLSX files with this package.
var opts = &importfile.Options{XLSX: xlsx.Read}

// collect reads a whole row stream, XLSX files with this package.
func collect(t *testing.T, r io.Reader, name string, _ *importfile.Options) ([]importfile.Row, []error) {
	t.Helper()
	var rows []importfile.Row
	var errs []error
	for row, err := range importfile.Rows(r, name, opts) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rows = append(rows, row)
	}
	return rows, errs
}

func products(t *testing.T, r io.Reader, name string, m importfile.Mapping) ([]catalog.Product, []error) {
	t.Helper()
	var ps []catalog.Product
	var errs []error
	for p, err := range importfile.Products(r, name, m, opts) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ps = append(ps, p)
	}
	return ps, errs
}

var productCmp = cmp.Comparer(func(a, b *catalog.Text) bool { return a.String() == b.String() })

// Without Options.XLSX an XLSX file is refused, saying how to read it.
func TestXLSXNeedsOptIn(t *testing.T) {
	data := makeXLSX(t, map[string][][]any{"P": {{"sku"}, {"X1"}}}, "P")
	for _, err := range importfile.Rows(bytes.NewReader(data), "book.xlsx", nil) {
		var ue *importfile.UnsupportedError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "Options.XLSX") {
			t.Fatalf("got %v, want an *UnsupportedError naming Options.XLSX", err)
		}
	}
}

// makeXLSX writes a workbook with the given sheets, in order.
func makeXLSX(t testing.TB, sheets map[string][][]any, order ...string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, name := range order {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for r, row := range sheets[name] {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(name, cell, &row); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Only the first sheet of a workbook is read; numbers come as stored,
// booleans as TRUE and FALSE.
func TestXLSXFirstSheetOnly(t *testing.T) {
	data := makeXLSX(t, map[string][][]any{
		"Products": {{"sku", "name", "price", "active"}, {"X1", "Valve", 12.5, true}, {}, {"X2", "Elbow", 1234, false}},
		"Notes":    {{"sku", "note"}, {"X9", "must not be read"}},
	}, "Products", "Notes")
	ps, errs := products(t, bytes.NewReader(data), "book.xlsx", importfile.Mapping{Fields: map[string]string{
		"sku": "sku", "name": "name", "price": "price", "active": "not_visible",
	}})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := []catalog.Product{
		{SKU: "X1", Name: catalog.PlainText("Valve"), Price: catalog.Ptr(12.5), NotVisible: catalog.Ptr(true)},
		{SKU: "X2", Name: catalog.PlainText("Elbow"), Price: catalog.Ptr(1234.0), NotVisible: catalog.Ptr(false)},
	}
	if d := cmp.Diff(want, ps, productCmp); d != "" {
		t.Fatalf("products (-want +got):\n%s", d)
	}
	rows, _ := collect(t, bytes.NewReader(data), "book.xlsx", nil)
	if len(rows) != 2 || rows[0].Line != 2 || rows[1].Line != 4 {
		t.Fatalf("rows %+v, want lines 2 and 4 (row 3 is empty)", rows)
	}
	a, err := importfile.Analyze(bytes.NewReader(data), "book.xlsx", int64(len(data)), opts)
	if err != nil {
		t.Fatal(err)
	}
	// Booleans read as the spreadsheet shows them.
	if a.TotalRows != 2 || len(a.Columns) != 4 || a.Columns[2].Type != "number" || a.Columns[3].Type != "boolean" ||
		!slices.Equal(a.Columns[3].SampleValues, []string{"TRUE", "FALSE"}) || a.PreviewRows[1]["active"] != "FALSE" {
		t.Fatalf("analysis %+v", a)
	}
}

// bits writes a raw deflate stream, least significant bit first.
type bits struct {
	buf  []byte
	acc  uint64
	nacc uint
}

func (b *bits) write(v uint64, n uint) {
	b.acc |= v << b.nacc
	b.nacc += n
	for b.nacc >= 8 {
		b.buf = append(b.buf, byte(b.acc))
		b.acc >>= 8
		b.nacc -= 8
	}
}

// code writes a Huffman code, which deflate packs most significant bit
// first.
func (b *bits) code(c uint64, n uint) {
	var r uint64
	for i := range n {
		r |= (c >> i & 1) << (n - 1 - i)
	}
	b.write(r, n)
}

// spaces returns a deflate stream that expands to 1+258*k spaces, built
// by hand (a fixed-Huffman block of one literal and k copies of 258 bytes
// at distance 1) so that a gigabyte costs a few megabytes and no time.
func spaces(k int) []byte {
	b := &bits{}
	b.write(1, 1)       // final block
	b.write(1, 2)       // fixed Huffman codes
	b.code(0x30+' ', 8) // literal ' '
	for range k {
		b.code(0xC0+5, 8) // length 258 (symbol 285)
		b.code(0, 5)      // distance 1
	}
	b.code(0, 7) // end of block
	b.write(0, 7)
	return b.buf
}

// bombXLSX returns an archive whose worksheet expands to 1+258*k bytes and
// declares declared bytes.
func bombXLSX(t testing.TB, k int, declared uint64) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("[Content_Types].xml")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`)
	raw, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate,
		CompressedSize64: uint64(len(spaces(0))), UncompressedSize64: declared})
	if err != nil {
		t.Fatal(err)
	}
	data := spaces(k)
	raw.Write(data)
	// CreateRaw took CompressedSize64 from the header: set the real one.
	zw.Close()
	out := buf.Bytes()
	return fixCompressedSize(t, out, uint64(len(data)))
}

// fixCompressedSize rewrites the one raw entry's compressed size, in its
// local header and in the central directory.
func fixCompressedSize(t testing.TB, z []byte, size uint64) []byte {
	t.Helper()
	name := []byte("xl/worksheets/sheet1.xml")
	for _, sig := range []struct {
		magic string
		off   int // offset of the compressed size from the signature
	}{{"PK\x03\x04", 18}, {"PK\x01\x02", 20}} {
		for i := 0; ; {
			j := bytes.Index(z[i:], []byte(sig.magic))
			if j < 0 {
				break
			}
			i += j
			nameOff := 30
			if sig.magic == "PK\x01\x02" {
				nameOff = 46
			}
			if i+nameOff+len(name) <= len(z) && bytes.Equal(z[i+nameOff:i+nameOff+len(name)], name) {
				putUint32(z[i+sig.off:], uint32(size))
			}
			i += 4
		}
	}
	return z
}

func putUint32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

const overGiB = 4_200_000 // 258*k+1 = 1,083,600,001 bytes > 1 GiB

// An XLSX whose worksheet honestly expands to over a gigabyte is refused
// from its declared size, before anything expands.
func TestXLSXDeclaredOverGigabyte(t *testing.T) {
	z := bombXLSX(t, overGiB, 258*overGiB+1)
	var err error
	alloc, inuse := memtest.Growth(func() {
		_, errs := collect(t, bytes.NewReader(z), "bomb.xlsx", nil)
		if len(errs) == 1 {
			err = errs[0]
		}
	})
	t.Logf("file %d bytes; allocated %d bytes, heap in use %+d bytes", len(z), alloc, inuse)
	var le *importfile.LimitError
	if !errors.As(err, &le) || le.Part != "xl/worksheets/sheet1.xml" || !errors.Is(err, catalog.ErrTooLarge) || !strings.Contains(err.Error(), "bomb.xlsx") {
		t.Fatalf("got %v, want a *importfile.LimitError naming the worksheet", err)
	}
	if alloc > memtest.Bound {
		t.Fatalf("allocated %d bytes, want under %d", alloc, memtest.Bound)
	}
}

// An XLSX whose worksheet declares a kilobyte and expands to over a
// gigabyte: the expansion stops at the declared size.
func TestXLSXExpandsPastDeclaredSize(t *testing.T) {
	z := bombXLSX(t, overGiB, 1000)
	var err error
	alloc, inuse := memtest.Growth(func() {
		_, err = importfile.Analyze(bytes.NewReader(z), "liar.xlsx", int64(len(z)), opts)
	})
	t.Logf("file %d bytes; allocated %d bytes, heap in use %+d bytes", len(z), alloc, inuse)
	var le *importfile.LimitError
	if !errors.As(err, &le) || le.Part != "xl/worksheets/sheet1.xml" || !strings.Contains(le.What, "past the declared 1000 bytes") {
		t.Fatalf("got %v, want a *importfile.LimitError for the worksheet", err)
	}
	if alloc > memtest.Bound {
		t.Fatalf("allocated %d bytes, want under %d", alloc, memtest.Bound)
	}
}

// A text node longer than the record bound, inside a part of legal size.
func TestXLSXLongXMLText(t *testing.T) {
	z := bombXLSX(t, 8000, 258*8000+1) // 2 MB of spaces, no markup
	_, errs := collect(t, bytes.NewReader(z), "long.xlsx", nil)
	var le *importfile.LimitError
	if len(errs) != 1 || !errors.As(errs[0], &le) || le.What != "XML text or tag length" {
		t.Fatalf("errors %v", errs)
	}
}

// rewritePart returns a copy of an archive with one part's text edited.
func rewritePart(t testing.TB, z []byte, part string, edit func(string) string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		if f.Name == part {
			data = []byte(edit(string(data)))
		}
		w, _ := zw.Create(f.Name)
		w.Write(data)
	}
	zw.Close()
	return buf.Bytes()
}

// A row numbered past Excel's last row is refused, not walked to.
func TestXLSXRowNumberPastExcel(t *testing.T) {
	z := makeXLSX(t, map[string][][]any{"P": {{"sku"}, {"X1"}}}, "P")
	z = rewritePart(t, z, "xl/worksheets/sheet1.xml", func(s string) string {
		return strings.Replace(s, `<row r="2"`, `<row r="2000000000"`, 1)
	})
	rows, errs := collect(t, bytes.NewReader(z), "far.xlsx", nil)
	var fe *catalog.FileFormatError
	if len(rows) != 0 || len(errs) != 1 || !errors.As(errs[0], &fe) || fe.Code != "XLSX_INVALID" || !strings.Contains(fe.Details, "past Excel's last row") {
		t.Fatalf("rows %v, errors %v", rows, errs)
	}
}

func FuzzXLSX(f *testing.F) {
	f.Add(makeXLSX(f, map[string][][]any{
		"P": {{"sku", "price"}, {"X1", 12.5}},
		"Q": {{"other"}, {"x"}},
	}, "P", "Q"))
	f.Add(bombXLSX(f, 100, 1000))
	f.Add(bombXLSX(f, 100, 258*100+1))
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Fuzz(func(t *testing.T, data []byte) { checkStream(t, data, "fuzz.xlsx") })
}

// An XLSX file is held whole, within the file size bound.
func TestFileSizeBound(t *testing.T) {
	_, errs := collect(t, &repeat{n: catalog.MaxFileBytes + 10}, "f.xlsx", nil)
	var tl *catalog.TooLargeError
	if len(errs) != 1 || !errors.As(errs[0], &tl) || tl.Limit != catalog.MaxFileBytes {
		t.Fatalf("errors %v", errs)
	}
}

// repeat streams n zero bytes without holding them.
type repeat struct{ n int64 }

func (r *repeat) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	k := int(min(int64(len(p)), r.n))
	clear(p[:k])
	r.n -= int64(k)
	return k, nil
}

// fuzzLimits keep each fuzz execution small and fast.
var fuzzLimits = importfile.Limits{MaxFileBytes: 1 << 20, MaxRecordSize: 4 << 10, MaxCellSize: 1 << 10, MaxColumns: 64,
	MaxXLSXSize: 8 << 20, MaxXLSXPartSize: 4 << 20}

// checkStream drives a row stream to its end: rows have lines and bounded
// cells, only *CellError lets the stream go on, errors name the file, and
// an analysis that succeeds keeps the platform's windows.
func checkStream(t *testing.T, data []byte, name string) {
	opts := &importfile.Options{Limits: fuzzLimits, XLSX: xlsx.Read}
	last := false
	for row, err := range importfile.Rows(bytes.NewReader(data), name, opts) {
		if last {
			t.Fatalf("stream went on after a final error")
		}
		if err != nil {
			if !strings.Contains(err.Error(), name) {
				t.Fatalf("error %q does not name the file", err)
			}
			var ce *importfile.CellError
			last = !errors.As(err, &ce)
			continue
		}
		if row.Line < 1 || len(row.Cells) > fuzzLimits.MaxColumns {
			t.Fatalf("row %+v", row)
		}
		for _, c := range row.Cells {
			if len(c.Value) > fuzzLimits.MaxCellSize {
				t.Fatalf("cell of %d bytes", len(c.Value))
			}
		}
	}
	if a, err := importfile.Analyze(bytes.NewReader(data), name, int64(len(data)), opts); err == nil {
		if a.TotalRows > 15 || len(a.PreviewRows) > 10 {
			t.Fatalf("analysis windows: %d rows, %d previews", a.TotalRows, len(a.PreviewRows))
		}
	}
}

// A workbook's rows and cell errors name their sheet and row.
func TestXLSXRowsNameTheirSheet(t *testing.T) {
	data := makeXLSX(t, map[string][][]any{"Products": {{"sku", "price"}, {"X1", "12x"}, {"X2", 3}}}, "Products")
	rows, _ := collect(t, bytes.NewReader(data), "book.xlsx", nil)
	if len(rows) != 2 || rows[0].Sheet != "Products" || rows[1].Line != 3 {
		t.Fatalf("rows %+v", rows)
	}
	_, errs := products(t, bytes.NewReader(data), "book.xlsx", importfile.Mapping{Fields: map[string]string{"sku": "sku", "price": "pricing.list"}})
	var ce *importfile.CellError
	if len(errs) != 1 || !errors.As(errs[0], &ce) || ce.Sheet != "Products" || ce.Line != 2 ||
		!strings.Contains(errs[0].Error(), `book.xlsx: sheet "Products", line 2, column 2 "price"`) {
		t.Fatalf("errors %v", errs)
	}
}

// Cells read as the spreadsheet shows them: booleans TRUE and FALSE, numbers
// in a date format (built in or the workbook's own) as ISO dates, with the
// time when the format shows one; the 1904 date system counts.
func TestXLSXCellsAsShown(t *testing.T) {
	for _, date1904 := range []bool{false, true} {
		f := excelize.NewFile()
		if date1904 {
			if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &date1904}); err != nil {
				t.Fatal(err)
			}
		}
		custom := "dd/mm/yyyy"
		dateStyle, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
		dayFirst, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &custom})
		timeStyle, _ := f.NewStyle(&excelize.Style{NumFmt: 22})
		serial := 45366.5
		if date1904 {
			serial -= 1462
		}
		rows := [][]any{{"sku", "active", "launched", "day first", "updated", "price"}, {"X1", true, serial, serial, serial, 0.1 + 0.2}, {"X2", false}}
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
				t.Fatal(err)
			}
		}
		for cell, style := range map[string]int{"C2": dateStyle, "D2": dayFirst, "E2": timeStyle} {
			if err := f.SetCellStyle("Sheet1", cell, cell, style); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			t.Fatal(err)
		}
		rs, errs := collect(t, bytes.NewReader(buf.Bytes()), "book.xlsx", nil)
		if len(errs) > 0 || len(rs) != 2 {
			t.Fatalf("rows %v, errors %v", rs, errs)
		}
		want := map[string]string{"sku": "X1", "active": "TRUE", "launched": "2024-03-15", "day first": "2024-03-15", "updated": "2024-03-15 12:00:00", "price": "0.3"}
		if d := cmp.Diff(want, rs[0].Map()); d != "" {
			t.Errorf("1904: %v: row 2 (-want +got):\n%s", date1904, d)
		}
		if v, _ := rs[1].Get("active"); v.Value != "FALSE" {
			t.Errorf("1904: %v: row 3 %v", date1904, rs[1])
		}
	}
}

// A date cell (t="d", an ISO 8601 text, as some writers store dates)
// reads as a date, with its time when it has one.
func TestXLSXDateCells(t *testing.T) {
	z := makeXLSX(t, map[string][][]any{"P": {{"sku", "day", "at"}, {"X1", "d1", "d2"}}}, "P")
	z = rewritePart(t, z, "xl/worksheets/sheet1.xml", func(s string) string {
		s = regexp.MustCompile(`<c r="B2"[^>]*>.*?</c>`).ReplaceAllString(s, `<c r="B2" t="d"><v>2024-03-15T00:00:00Z</v></c>`)
		return regexp.MustCompile(`<c r="C2"[^>]*>.*?</c>`).ReplaceAllString(s, `<c r="C2" t="d"><v>2024-03-15T08:30:00</v></c>`)
	})
	rows, errs := collect(t, bytes.NewReader(z), "d.xlsx", nil)
	if len(errs) > 0 || len(rows) != 1 || !cmp.Equal(rows[0].Map(), map[string]string{"sku": "X1", "day": "2024-03-15", "at": "2024-03-15 08:30:00"}) {
		t.Fatalf("rows %v, errors %v", rows, errs)
	}
}
