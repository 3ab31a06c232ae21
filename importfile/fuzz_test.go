package importfile

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

// fuzzLimits keep each fuzz execution small and fast.
var fuzzLimits = Limits{MaxFileBytes: 1 << 20, MaxRecordSize: 4 << 10, MaxCellSize: 1 << 10, MaxColumns: 64,
	MaxXLSXSize: 8 << 20, MaxXLSXPartSize: 4 << 20}

// Seeds shared by the text readers: the files of the tests.
var textSeeds = []string{
	"\uFEFFRéf;Désignation;Prix HT\r\nA-1;Vanne;1.234,50\r\n",
	"sku,description,price\nS1,\"Valve, brass\nthreaded 1/2\"\"\",12.5\n\nS2,bare \" quote,4\n",
	"a\tb\tc\n1\t2\n4\t5\t6\t7\n",
	`[{"id": "J1", "title": {"en": "Valve"}, "price": 12.5, "eans": ["4006381333931"]}, 7, {"a": null}]`,
	`{"id": "J1", "price": "8,90"}` + "\n\n" + `{"id": "J2", "hidden": true}`,
	`[{"a": 1}] [`, `{"a": 1}`, "", "\"", "a;b\n\"multi\nline;\";2\n",
}

// checkStream drives a row stream to its end and checks what any stream
// promises: rows have lines and bounded cells, only *CellError lets the
// stream go on, and errors name the file.
func checkStream(t *testing.T, data []byte, name string) {
	opts := &Options{Limits: fuzzLimits}
	last := false
	for row, err := range Rows(bytes.NewReader(data), name, opts) {
		if last {
			t.Fatalf("stream went on after a final error")
		}
		if err != nil {
			if !strings.Contains(err.Error(), name) {
				t.Fatalf("error %q does not name the file", err)
			}
			var ce *CellError
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
	if _, err := Analyze(bytes.NewReader(data), name, -1, opts); err == nil {
		// An analysis that succeeds is consistent.
		a, _ := Analyze(bytes.NewReader(data), name, int64(len(data)), opts)
		if a.TotalRows > analysisRows || len(a.PreviewRows) > previewRows {
			t.Fatalf("analysis windows: %d rows, %d previews", a.TotalRows, len(a.PreviewRows))
		}
		for _, c := range a.Columns {
			if c.TotalValues+c.EmptyCount != a.TotalRows || c.UniqueCount > c.TotalValues || len(c.SampleValues) > sampleValues {
				t.Fatalf("column %+v of %d rows", c, a.TotalRows)
			}
		}
	}
}

func FuzzCSV(f *testing.F) {
	for _, s := range textSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := detectDelimiter(data)
		if d != ';' && d != ',' && d != '\t' {
			t.Fatalf("delimiter %q", d)
		}
		checkStream(t, data, "fuzz.csv")
	})
}

func FuzzJSON(f *testing.F) {
	for _, s := range textSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkStream(t, data, "fuzz.json") })
}

func FuzzNDJSON(f *testing.F) {
	for _, s := range textSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkStream(t, data, "fuzz.ndjson") })
}

// FuzzMapping maps fuzzed cells into every kind of field: a row may fail,
// never panic, and a product that maps has its numbers finite.
func FuzzMapping(f *testing.F) {
	for _, s := range []string{"12,50", "1.234,50", "1 234,5", "oui", "2024-03-01", "a|b", `{"label": "x"}`, `[{"code": "BOX"}]`, "[NEW] valve", "1e999", "-0"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	mp, err := NewMapper(Mapping{Fields: map[string]string{
		"s": "sku", "n": "pricing.list", "i": "brand.level", "b": "not_visible", "d": "item_creation_date",
		"l": "ean", "t": "name", "tl": "description.it", "j": "packaging_options", "br": "brand.label", "m": "attributes",
	}, Unmapped: UnmappedMeta})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, v string, asJSON bool) {
		var cells []Cell
		for _, col := range []string{"s", "n", "i", "b", "d", "l", "t", "tl", "j", "br", "m", "other"} {
			c := Cell{Column: col, Value: v}
			if asJSON && (strings.HasPrefix(v, "{") || strings.HasPrefix(v, "[") || v == "true") {
				c.Raw = []byte(v)
			}
			cells = append(cells, c)
		}
		p, err := mp.Product("fuzz.csv", Row{Line: 2, Cells: cells})
		if err != nil {
			var ce *CellError
			if !errors.As(err, &ce) || ce.Line != 2 {
				t.Fatalf("error %v is not a *CellError of line 2", err)
			}
			return
		}
		if p.Pricing != nil && p.Pricing.List != nil && (math.IsInf(*p.Pricing.List, 0) || math.IsNaN(*p.Pricing.List)) {
			t.Fatalf("price %v", *p.Pricing.List)
		}
		if n, err := ParseNumber(v); err == nil && (math.IsInf(n, 0) || math.IsNaN(n)) {
			t.Fatalf("ParseNumber(%q) = %v", v, n)
		}
	})
}
