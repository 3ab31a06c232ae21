package xls

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/importfile"
	"github.com/pimkit/catalog/internal/memtest"
)

var testLimits = importfile.Limits{MaxColumns: 1024, MaxCellSize: 1 << 20}

type row struct {
	Line  int
	Cells []string
}

// readAll reads a workbook's rows.
func readAll(t testing.TB, data []byte, lim importfile.Limits) ([]row, string, error) {
	t.Helper()
	var rows []row
	sheet := ""
	err := Read(data, "book.xls", lim, func(s string, line int, cells []string) bool {
		sheet = s
		rows = append(rows, row{line, cells})
		return true
	})
	return rows, sheet, err
}

// Every kind of cell record reads as the spreadsheet shows it.
func TestCellRecords(t *testing.T) {
	formula := func(row, col, xf int, val []byte) []byte {
		return rec(recFormula, cellHead(row, col, xf), val, u16(0), u32(0), u16(0))
	}
	special := func(kind, v byte) []byte { return []byte{kind, 0, v, 0, 0, 0, 0xFF, 0xFF} }
	b := &book{name: "Données", sst: [][]byte{sstRecord("sku", "note", "X-1")}}
	b.sheet = [][]byte{
		rec(recLabelSST, cellHead(0, 0, 0), u32(0)),
		rec(recLabelSST, cellHead(0, 1, 0), u32(1)),
		rec(recLabelSST, cellHead(1, 0, 0), u32(2)),
		rec(recLabel, cellHead(1, 1, 0), xlString("Ω valve")),
		rec(recNumber, cellHead(1, 2, 0), f64(0.1+0.2)),
		rec(recRK, cellHead(1, 3, 0), u32(42<<2|2)),                                          // integer
		rec(recRK, cellHead(1, 4, 0), u32(1250<<2|2|1)),                                      // integer / 100
		rec(recMulRK, u16(1), u16(5), u16(1), u32(45366<<2|2), u16(0), u32(-3<<2|2), u16(6)), // a date, then -3
		rec(recBoolErr, cellHead(1, 7, 0), []byte{1, 0}),
		rec(recBoolErr, cellHead(1, 8, 0), []byte{0x2A, 1}),
		formula(1, 9, 2, f64(45366.5)),
		formula(1, 10, 0, special(0, 0)),
		rec(recString, xlString("from a formula")),
		formula(1, 11, 0, special(1, 0)),
		formula(1, 12, 0, special(2, 0x07)),
		formula(1, 13, 0, special(3, 0)),
		rec(recRK, cellHead(3, 0, 0), u32(7<<2|2)), // row 3 is empty
	}
	rows, sheet, err := readAll(t, b.file(), testLimits)
	if err != nil {
		t.Fatal(err)
	}
	want := []row{
		{1, []string{"sku", "note"}},
		{2, []string{"X-1", "Ω valve", "0.3", "42", "12.5", "2024-03-15", "-3", "TRUE", "#N/A", "2024-03-15 12:00:00", "from a formula", "FALSE", "#DIV/0!", ""}},
		{4, []string{"7"}},
	}
	if d := cmp.Diff(want, rows); d != "" || sheet != "Données" {
		t.Fatalf("sheet %q, rows (-want +got):\n%s", sheet, d)
	}
}

// Serial numbers count from 1904 when the workbook says so.
func TestDateMode1904(t *testing.T) {
	b := &book{globals: [][]byte{rec(recDateMode, u16(1))}, sheet: [][]byte{rec(recRK, cellHead(0, 0, 1), u32(0<<2|2)), rec(recRK, cellHead(0, 1, 1), u32(43904<<2|2))}}
	rows, _, err := readAll(t, b.file(), testLimits)
	if err != nil || len(rows) != 1 || !cmp.Equal(rows[0].Cells, []string{"1904-01-01", "2024-03-15"}) {
		t.Fatalf("rows %v, error %v", rows, err)
	}
}

// The shared string table goes on in CONTINUE records: a string split
// between records changes its storage (one byte a character, then two),
// and formatting runs and phonetic data that cross a record are skipped.
func TestSharedStringsContinue(t *testing.T) {
	body := append(u32(3), u32(3)...)
	// "abc" + "Ωxy", split after "abc": the CONTINUE opens with flags 1.
	body = append(body, u16(6)...)
	body = append(body, latin1("abc")...)
	// A rich string with 2 runs and 3 bytes of phonetic data, its runs
	// cut by the record's end.
	cont1 := wide("Ωxy")
	cont1 = append(cont1, u16(4)...)
	cont1 = append(cont1, 0x04|0x08)
	cont1 = append(cont1, u16(2)...)
	cont1 = append(cont1, u32(3)...)
	cont1 = append(cont1, "rich"...)
	cont1 = append(cont1, 0, 0, 0, 0, 1, 0) // first run and part of the second
	cont2 := []byte{1, 0, 9, 8, 7}          // the rest of the runs, the phonetic data
	cont2 = append(cont2, xlString("last")...)
	b := &book{
		sst:   [][]byte{rec(recSST, body), rec(recContinue, cont1), rec(recContinue, cont2)},
		sheet: [][]byte{rec(recLabelSST, cellHead(0, 0, 0), u32(0)), rec(recLabelSST, cellHead(0, 1, 0), u32(1)), rec(recLabelSST, cellHead(0, 2, 0), u32(2))},
	}
	rows, _, err := readAll(t, b.file(), testLimits)
	if err != nil || len(rows) != 1 || !cmp.Equal(rows[0].Cells, []string{"abcΩxy", "rich", "last"}) {
		t.Fatalf("rows %q, error %v", rows, err)
	}
}

// The cells of a chart embedded in the sheet (a substream of its own)
// are not the sheet's.
func TestEmbeddedSubstreamSkipped(t *testing.T) {
	b := &book{sheet: [][]byte{
		rec(recRK, cellHead(0, 0, 0), u32(1<<2|2)),
		bof(0x0020), rec(recRK, cellHead(0, 1, 0), u32(2<<2|2)), eof(),
		rec(recRK, cellHead(1, 0, 0), u32(3<<2|2)),
	}}
	rows, _, err := readAll(t, b.file(), testLimits)
	want := []row{{1, []string{"1"}}, {2, []string{"3"}}}
	if d := cmp.Diff(want, rows); d != "" || err != nil {
		t.Fatalf("error %v, rows (-want +got):\n%s", err, d)
	}
}

// A file the reader cannot read is refused with an error naming the
// fault, and the row when it is in one.
func TestRefusals(t *testing.T) {
	good := (&book{sheet: [][]byte{rec(recRK, cellHead(0, 0, 0), u32(1<<2|2))}}).stream()
	sheetAt := func(b *book) []byte { return b.file() }
	withHeader := func(off int, v uint32) []byte {
		f := compound("Workbook", good)
		f[off], f[off+1], f[off+2], f[off+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
		return f
	}
	biff5 := append([]byte(nil), good...)
	biff5[4], biff5[5] = 0x00, 0x05
	tests := []struct {
		name string
		data []byte
		code string // FileFormatError.Code; "" for a LimitError
		says string
		line int
	}{
		{"zip", []byte("PK\x03\x04 rest of an archive"), "XLS_NOT_A_WORKBOOK", "zip archive", 0},
		{"text", []byte("sku;name\nX1;Valve\n"), "XLS_NOT_A_WORKBOOK", "not an OLE2", 0},
		{"cut header", cfbSignature, "XLS_INVALID", "cut short", 0},
		{"FAT count", withHeader(44, 1<<30), "XLS_INVALID", "FAT sectors", 0},
		{"mini FAT count", withHeader(64, 1<<31), "XLS_INVALID", "mini FAT sectors", 0},
		{"no workbook", compound("WordDocument", good), "XLS_NOT_A_WORKBOOK", "no Workbook stream", 0},
		{"BIFF5", compound("Book", good), "XLS_BIFF5", "Excel 5.0/95", 0},
		{"BIFF version", compound("Workbook", biff5), "XLS_BIFF_VERSION", "0x500", 0},
		{"encrypted", sheetAt(&book{globals: [][]byte{rec(recFilePass, u16(1), make([]byte, 52))}}), "XLS_ENCRYPTED", "password", 0},
		{"no sheet", compound("Workbook", append(bof(bofGlobals), eof()...)), "XLS_NO_SHEET", "no worksheet", 0},
		{"shared string past the table", sheetAt(&book{sst: [][]byte{sstRecord("a")}, sheet: [][]byte{rec(recLabelSST, cellHead(4, 1, 0), u32(7))}}),
			"XLS_INVALID", "cell B5 refers to shared string 7 of 1", 5},
		{"rows out of order, past the cells held", sheetAt(&book{sheet: [][]byte{rec(recRK, cellHead(5, 0, 0), u32(6)), rec(recRK, cellHead(2, 0, 0), u32(6)),
			rec(recRK, cellHead(2, 1, 0), u32(6)), rec(recRK, cellHead(2, 2, 0), u32(6))}}), "", "out of order", 3},
		{"cell cut short", sheetAt(&book{sheet: [][]byte{rec(recNumber, cellHead(1, 0, 0), []byte{1, 2})}}), "XLS_INVALID", "cell A2 is cut short", 2},
		{"record cut short", compound("Workbook", append(bof(bofGlobals), 0xE0, 0, 0xFF, 0x7F, 1)), "XLS_INVALID", "cut short", 0},
		{"no EOF", compound("Workbook", bof(bofGlobals)), "XLS_INVALID", "no EOF", 0},
		{"string cut short", sheetAt(&book{sst: [][]byte{rec(recSST, u32(1), u32(1), u16(50), latin1("short"))}}), "XLS_INVALID", "shared string 0", 0},
		{"too many shared strings", sheetAt(&book{sst: [][]byte{rec(recSST, u32(1), u32(maxSharedStrings+1))}}), "", "shared strings", 0},
		{"column past the limit", sheetAt(&book{sheet: [][]byte{rec(recRK, cellHead(0, 2000, 0), u32(6))}}), "", "columns", 1},
	}
	defer func(n int) { maxHeldCells = n }(maxHeldCells)
	maxHeldCells = 3
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, _, err := readAll(t, tt.data, testLimits)
			var fe *catalog.FileFormatError
			var le *importfile.LimitError
			switch {
			case len(rows) > 0 && tt.line == 0:
				t.Fatalf("rows %v before the error", rows)
			case tt.code == "" && errors.As(err, &le):
				if !strings.Contains(le.What, tt.says) || le.Line != tt.line || le.File != "book.xls" {
					t.Fatalf("limit error %+v", le)
				}
			case tt.code != "" && errors.As(err, &fe):
				if fe.Code != tt.code || !strings.Contains(fe.Details, tt.says) || fe.Line != tt.line || fe.File != "book.xls" || !errors.Is(err, catalog.ErrValidation) {
					t.Fatalf("format error %+v", fe)
				}
				if strings.Contains(err.Error(), "internal fault") {
					t.Fatalf("a panic was raised: %v", err)
				}
			default:
				t.Fatalf("error %v, want code %q", err, tt.code)
			}
		})
	}
}

// A panic of the caller's yield is the caller's: it is not turned into
// the file's error.
func TestYieldPanicGoesOn(t *testing.T) {
	data := (&book{sheet: [][]byte{rec(recRK, cellHead(0, 0, 0), u32(6))}}).file()
	defer func() {
		if p := recover(); p != "caller's" {
			t.Fatalf("recovered %v", p)
		}
	}()
	Read(data, "book.xls", testLimits, func(string, int, []string) bool { panic("caller's") })
	t.Fatal("no panic")
}

// Cells written out of row order (as some writers write them, in the
// order a program sets them) read as rows in order.
func TestRowsOutOfOrder(t *testing.T) {
	b := &book{sst: [][]byte{sstRecord("sku", "price", "X-2", "X-1")}, sheet: [][]byte{
		rec(recLabelSST, cellHead(0, 0, 0), u32(0)),
		rec(recLabelSST, cellHead(2, 0, 0), u32(2)),
		rec(recLabelSST, cellHead(1, 0, 0), u32(3)),
		rec(recLabelSST, cellHead(0, 1, 0), u32(1)), // column by column
		rec(recRK, cellHead(2, 1, 0), u32(5<<2|2)),
		rec(recRK, cellHead(1, 1, 0), u32(4<<2|2)),
	}}
	rows, _, err := readAll(t, b.file(), testLimits)
	want := []row{{1, []string{"sku", "price"}}, {2, []string{"X-1", "4"}}, {3, []string{"X-2", "5"}}}
	if d := cmp.Diff(want, rows); d != "" || err != nil {
		t.Fatalf("error %v, rows (-want +got):\n%s", err, d)
	}
}

// Reading stops when yield says so.
func TestYieldStops(t *testing.T) {
	b := &book{sheet: [][]byte{rec(recRK, cellHead(0, 0, 0), u32(6)), rec(recRK, cellHead(1, 0, 0), u32(6)), rec(recRK, cellHead(2, 0, 0), u32(6))}}
	n := 0
	err := Read(b.file(), "book.xls", testLimits, func(string, int, []string) bool { n++; return false })
	if err != nil || n != 1 {
		t.Fatalf("%d rows, error %v", n, err)
	}
}

// checkRead reads data as importfile does: it may fail, with a typed
// error, never a panic or a fault.
func checkRead(t *testing.T, data []byte) {
	opts := &importfile.Options{XLS: Read}
	for _, err := range importfile.Rows(bytes.NewReader(data), "fuzz.xls", opts) {
		if err == nil {
			continue
		}
		var fe *catalog.FileFormatError
		var le *importfile.LimitError
		var ce *importfile.CellError
		var tl *catalog.TooLargeError
		if !errors.As(err, &fe) && !errors.As(err, &le) && !errors.As(err, &ce) && !errors.As(err, &tl) {
			t.Fatalf("untyped error %T: %v", err, err)
		}
		if strings.Contains(err.Error(), "internal fault") {
			t.Fatalf("the reader panicked: %v", err)
		}
	}
}

func FuzzXLS(f *testing.F) {
	for _, name := range []string{"libreoffice.xls", "libreoffice-fromcsv.xls"} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "corpus", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add((&book{sst: [][]byte{sstRecord("sku", "X-1")}, sheet: [][]byte{
		rec(recLabelSST, cellHead(0, 0, 0), u32(0)), rec(recLabelSST, cellHead(1, 0, 0), u32(1)),
		rec(recMulRK, u16(1), u16(1), u16(1), u32(45366<<2|2), u16(0), u32(12<<2|2), u16(2)),
		rec(recFormula, cellHead(1, 3, 0), []byte{0, 0, 0, 0, 0, 0, 0xFF, 0xFF}, make([]byte, 8)), rec(recString, xlString("s")),
	}}).file())
	f.Fuzz(func(t *testing.T, data []byte) { checkRead(t, data) })
}

// What a file claims does not size what the reader allocates: a shared
// string table counting 2,000,000 strings in a few bytes, a compound file
// header counting millions of sectors in a file of eleven.
func TestHostileCountsAllocateLittle(t *testing.T) {
	claims := (&book{sst: [][]byte{rec(recSST, u32(maxSharedStrings), u32(maxSharedStrings), xlString("only one"))},
		sheet: [][]byte{rec(recLabelSST, cellHead(0, 0, 0), u32(0))}}).file()
	// 2,000,000 FAT sectors and 16,000,000 mini FAT sectors, the mini
	// stream starting at sector 2: the container library would make a
	// table of 16,000,000 sectors.
	fat := compound("Workbook", (&book{}).stream())
	binary.LittleEndian.PutUint32(fat[44:], 2_000_000)
	binary.LittleEndian.PutUint32(fat[60:], 0)
	binary.LittleEndian.PutUint32(fat[64:], 16_000_000)
	binary.LittleEndian.PutUint32(fat[1024+116:], 2)
	for name, data := range map[string][]byte{"shared strings": claims, "FAT sectors": fat} {
		var err error
		alloc, _ := memtest.Growth(func() { _, _, err = readAll(t, data, testLimits) })
		if alloc > 1<<20 {
			t.Errorf("%s: %d bytes allocated for a file of %d", name, alloc, len(data))
		}
		if name == "FAT sectors" && err == nil {
			t.Errorf("%s: read", name)
		}
		t.Logf("%s: %d bytes allocated, error %v", name, alloc, err)
	}
}

// FuzzBIFF fuzzes the record reader alone, on Workbook streams, with no
// container around them to break first and no recover: any panic of this
// package's reading fails it.
func FuzzBIFF(f *testing.F) {
	for _, name := range []string{"libreoffice.xls", "libreoffice-fromcsv.xls"} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "corpus", name))
		if err != nil {
			f.Fatal(err)
		}
		stream, err := (&reader{file: name, lim: testLimits}).workbookStream(data)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(stream)
	}
	f.Add((&book{sst: [][]byte{sstRecord("sku", "X-1")}, globals: [][]byte{rec(recDateMode, u16(1))}, sheet: [][]byte{
		rec(recLabelSST, cellHead(0, 0, 0), u32(0)), rec(recLabelSST, cellHead(1, 0, 0), u32(1)),
		rec(recMulRK, u16(1), u16(1), u16(1), u32(45366<<2|2), u16(0), u32(12<<2|2), u16(2)),
		rec(recFormula, cellHead(1, 3, 0), []byte{0, 0, 0, 0, 0, 0, 0xFF, 0xFF}, make([]byte, 8)), rec(recString, xlString("s")),
		rec(recBoolErr, cellHead(1, 4, 0), []byte{1, 0}), rec(recLabel, cellHead(1, 5, 0), xlString("Ω")),
		bof(0x20), rec(recNumber, cellHead(2, 0, 0), f64(1.5)), eof(),
	}}).stream())
	f.Fuzz(func(t *testing.T, stream []byte) {
		r := &reader{file: "fuzz.xls", lim: testLimits}
		g, err := r.globals(stream)
		if err != nil {
			return
		}
		err = r.sheet(stream, g, func(line int, cells []string) bool {
			if line < 1 || len(cells) == 0 || len(cells) > testLimits.MaxColumns {
				t.Fatalf("row %d of %d cells", line, len(cells))
			}
			return true
		})
		var fe *catalog.FileFormatError
		var le *importfile.LimitError
		if err != nil && !errors.As(err, &fe) && !errors.As(err, &le) {
			t.Fatalf("untyped error %T: %v", err, err)
		}
	})
}

// Surrogate pairs join into one character; a surrogate without its
// partner becomes U+FFFD rather than an invalid string.
func TestDecodeUnitsSurrogates(t *testing.T) {
	for _, tc := range []struct {
		units []uint16
		want  string
	}{
		{[]uint16{'a', 'b'}, "ab"},
		{[]uint16{0xE9, 0x3A9}, "éΩ"},
		{[]uint16{0xD83D, 0xDE00}, "😀"},
		{[]uint16{'a', 0xD83D}, "a\uFFFD"},
		{[]uint16{0xDE00, 'b'}, "\uFFFDb"},
		{[]uint16{0xD83D, 0xD83D, 0xDE00}, "\uFFFD😀"},
	} {
		if got := decodeUnits(tc.units); got != tc.want {
			t.Errorf("decodeUnits(%#x) = %q, want %q", tc.units, got, tc.want)
		}
	}
}
