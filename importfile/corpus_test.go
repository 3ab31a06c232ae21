package importfile_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/importfile"
	"github.com/pimkit/catalog/importfile/xls"
	"github.com/pimkit/catalog/importfile/xlsx"
)

// The corpus: files written by other programs' writers (LibreOffice's XLS,
// XLSX and CSV filters, Python's csv module), made by
// testdata/corpus/make.py from one table of typed cells. Each analyses to
// the values its writer wrote: booleans as TRUE and FALSE, dates as ISO
// dates, numbers as written, text whole.

var corpusHeader = []string{"sku", "name", "price", "qty", "active", "launched", "updated", "note", "total", "label", "instock"}

// corpusTypes are the column types of every file of the corpus.
var corpusTypes = []string{"string", "string", "number", "number", "boolean", "date", "date", "string", "number", "string", "boolean"}

// sheetRows are the first rows of the spreadsheets, as a spreadsheet shows
// them.
var sheetRows = [][]string{
	{"SKU-0001", "Brass valve", "12.5", "2", "TRUE", "2024-03-15", "2024-03-15 08:30:00", "first", "25", "SKU-0001-2", "TRUE"},
	{"SKU-0002", "Café crème", "0.25", "0", "FALSE", "1999-12-31", "2000-01-01 00:00:00", "", "0", "SKU-0002-0", "FALSE"},
	{"SKU-0003", "Ω-valve 日本", "42", "100000", "TRUE", "2024-02-29", "2024-02-29 23:59:59", "unicode", "4200000", "SKU-0003-100000", "TRUE"},
	{"SKU-0004", "Copper elbow, 90°", "3.75", "7", "FALSE", "1900-03-01", "2021-06-30 12:00:00", `say "hi"`, "26.25", "SKU-0004-7", "TRUE"},
	// A name of 9,005 characters crosses the records of the XLS shared
	// string table; the total is 1234567.891 x -3 to 15 digits.
	{"SKU-0005", "Long " + strings.Repeat("x", 9000), "1234567.891", "-3", "TRUE", "2030-01-01", "2030-01-01 06:07:08", "long name", "-3703703.673", "SKU-0005--3", "FALSE"},
}

// csvRows are the rows Python's csv module wrote, its floats as repr
// writes them.
var csvRows = [][]string{
	{"SKU-0001", "Brass valve", "12.5", "2", "TRUE", "2024-03-15", "2024-03-15 08:30:00", "first", "25.0", "SKU-0001-2", "TRUE"},
	{"SKU-0002", "Café crème", "0.25", "0", "FALSE", "1999-12-31", "2000-01-01 00:00:00", "", "0.0", "SKU-0002-0", "FALSE"},
	{"SKU-0003", "Ω-valve 日本", "42.0", "100000", "TRUE", "2024-02-29", "2024-02-29 23:59:59", "unicode", "4200000.0", "SKU-0003-100000", "TRUE"},
	{"SKU-0004", "Copper elbow, 90°", "3.75", "7", "FALSE", "1900-03-01", "2021-06-30 12:00:00", `say "hi"`, "26.25", "SKU-0004-7", "TRUE"},
	{"SKU-0005", "Two\nlines", "1", "1", "TRUE", "2030-01-01", "2030-01-01 06:07:08", "a;b,c\td", "1", "SKU-0005-1", "TRUE"},
}

func TestCorpusAnalyzesAsWritten(t *testing.T) {
	// LibreOffice made a workbook of the CSV file: its cells typed, its
	// numbers as numbers.
	fromCSV := [][]string{sheetRows[0], sheetRows[1], sheetRows[2], sheetRows[3], csvRows[4]}
	// LibreOffice's semicolon CSV writes cells as formatted: its date
	// format is day first.
	semicolon := make([][]string, len(sheetRows))
	for i, r := range sheetRows {
		semicolon[i] = append([]string(nil), r...)
		d := r[5]
		semicolon[i][5] = d[8:10] + "/" + d[5:7] + "/" + d[0:4]
	}
	tests := []struct {
		file  string
		total int // data rows analysed: at most 15
		rows  [][]string
	}{
		{"libreoffice.xls", 15, sheetRows},
		{"libreoffice.xlsx", 15, sheetRows},
		{"libreoffice-fromcsv.xls", 5, fromCSV},
		{"libreoffice-semicolon.csv", 15, semicolon},
		{"python-crlf.csv", 5, csvRows},
		{"python-bom-quoted.csv", 5, csvRows},
		{"python-tab.csv", 5, csvRows},
		{"python-semicolon.csv", 5, csvRows},
	}
	opts := &importfile.Options{XLSX: xlsx.Read, XLS: xls.Read}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "corpus", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			a, err := importfile.Analyze(strings.NewReader(string(data)), tt.file, int64(len(data)), opts)
			if err != nil {
				t.Fatal(err)
			}
			if a.TotalRows != tt.total || a.FileSize != int64(len(data)) {
				t.Errorf("total rows %d, size %d; want %d, %d", a.TotalRows, a.FileSize, tt.total, len(data))
			}
			var names, types []string
			for _, c := range a.Columns {
				names, types = append(names, c.Name), append(types, c.Type)
			}
			if d := cmp.Diff(corpusHeader, names); d != "" {
				t.Errorf("columns (-want +got):\n%s", d)
			}
			if d := cmp.Diff(corpusTypes, types); d != "" {
				t.Errorf("column types (-want +got):\n%s", d)
			}
			if len(a.PreviewRows) < len(tt.rows) {
				t.Fatalf("%d preview rows, want %d at least", len(a.PreviewRows), len(tt.rows))
			}
			for i, want := range tt.rows {
				wantRow := map[string]string{}
				for j, v := range want {
					wantRow[corpusHeader[j]] = v
				}
				if d := cmp.Diff(wantRow, a.PreviewRows[i]); d != "" {
					t.Errorf("preview row %d (-want +got):\n%s", i+1, d)
				}
			}
		})
	}
}

// Every row of the workbooks reads, the last one too, with its line.
func TestCorpusWorkbooksReadWhole(t *testing.T) {
	opts := &importfile.Options{XLSX: xlsx.Read, XLS: xls.Read}
	for _, file := range []string{"libreoffice.xls", "libreoffice.xlsx"} {
		f, err := os.Open(filepath.Join("testdata", "corpus", file))
		if err != nil {
			t.Fatal(err)
		}
		var last importfile.Row
		n := 0
		for row, err := range importfile.Rows(f, file, opts) {
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			last, n = row, n+1
		}
		f.Close()
		want := map[string]string{"sku": "SKU-0035", "name": "Filler item number 35 with a longer name", "price": "35.5",
			"qty": "35", "active": "FALSE", "launched": "2025-01-08", "updated": "2025-01-08 10:00:00", "note": "",
			"total": "1242.5", "label": "SKU-0035-35", "instock": "TRUE"}
		if n != 35 || last.Line != 36 || last.Sheet != "Products" {
			t.Errorf("%s: %d rows, last on line %d of sheet %q; want 35, 36, Products", file, n, last.Line, last.Sheet)
		}
		if d := cmp.Diff(want, last.Map()); d != "" {
			t.Errorf("%s: last row (-want +got):\n%s", file, d)
		}
	}
}

// A workbook's booleans and dates map to typed product fields.
func TestCorpusWorkbookProducts(t *testing.T) {
	opts := &importfile.Options{XLSX: xlsx.Read, XLS: xls.Read}
	m := importfile.Mapping{
		Fields:   map[string]string{"sku": "sku", "price": "price", "active": "not_visible"},
		Unmapped: importfile.UnmappedDrop,
	}
	for _, file := range []string{"libreoffice.xls", "libreoffice.xlsx"} {
		f, err := os.Open(filepath.Join("testdata", "corpus", file))
		if err != nil {
			t.Fatal(err)
		}
		var got []catalog.Product
		for p, err := range importfile.Products(f, file, m, opts) {
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if len(got) < 2 {
				got = append(got, p)
			}
		}
		f.Close()
		want := []catalog.Product{
			{SKU: "SKU-0001", Price: catalog.Ptr(12.5), NotVisible: catalog.Ptr(true)},
			{SKU: "SKU-0002", Price: catalog.Ptr(0.25), NotVisible: catalog.Ptr(false)},
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: products (-want +got):\n%s", file, d)
		}
	}
}
