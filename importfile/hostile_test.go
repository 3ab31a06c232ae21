package importfile

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/internal/memtest"
)

// repeat streams n bytes of c, after a prefix, without holding them.
type repeat struct {
	prefix string
	c      byte
	n      int64
	read   int64 // bytes handed out
}

func (r *repeat) Read(p []byte) (int, error) {
	if r.prefix != "" {
		k := copy(p, r.prefix)
		r.prefix = r.prefix[k:]
		r.read += int64(k)
		return k, nil
	}
	if r.n == 0 {
		return 0, io.EOF
	}
	k := int64(len(p))
	k = min(k, r.n)
	for i := range p[:k] {
		p[i] = r.c
	}
	r.n -= k
	r.read += k
	return int(k), nil
}

// A record of 100 MB, a single CSV line or a JSON array element, is
// refused once the record bound is reached: a JSON file's rest is never
// read; a CSV line fails its row and is skipped without being held, and
// the next line is read (see TestCSVLongLineSkipped).
func TestHundredMegabyteRecord(t *testing.T) {
	for _, c := range []struct{ file, prefix string }{
		{"long.csv", "sku,name\nS1,ok\n"},
		{"big.json", "[\n{\"a\": 1},\n{\"a\": \""},
	} {
		t.Run(c.file, func(t *testing.T) {
			src := &repeat{prefix: c.prefix, c: 'x', n: 100_000_000}
			var rows []Row
			var errs []error
			alloc, inuse := memtest.Growth(func() { rows, errs = collect(t, src, c.file, nil) })
			t.Logf("read %d bytes; allocated %d bytes, heap in use %+d bytes", src.read, alloc, inuse)
			var le *LimitError
			if len(rows) != 1 || len(errs) != 1 || !errors.As(errs[0], &le) || le.Line != 3 || le.File != c.file || le.Limit != DefaultMaxRecordSize {
				t.Fatalf("rows %v, errors %v", rows, errs)
			}
			if (c.file == "big.json" && src.read > 2*DefaultMaxRecordSize) || alloc > memtest.Bound {
				t.Fatalf("read %d bytes, allocated %d", src.read, alloc)
			}
		})
	}
}

// A CSV line over the record bound fails its own row, named by its line;
// the next line is read, and keeps its line number.
func TestCSVLongLineSkipped(t *testing.T) {
	src := io.MultiReader(strings.NewReader("sku,name\nS1,ok\nS2,"), &repeat{c: 'x', n: 3 * DefaultMaxRecordSize}, strings.NewReader("\nS3,\"two\nlines\"\nS4,last\n"))
	rows, errs := collect(t, src, "long.csv", nil)
	var ce *CellError
	var le *LimitError
	if len(errs) != 1 || !errors.As(errs[0], &ce) || ce.Line != 3 || !errors.As(errs[0], &le) || !errors.Is(errs[0], catalog.ErrTooLarge) ||
		!strings.Contains(errs[0].Error(), "long.csv: line 3: record over the limit") {
		t.Fatalf("errors %v", errs)
	}
	if d := cmp.Diff(map[int]map[string]string{2: {"sku": "S1", "name": "ok"}, 4: {"sku": "S3", "name": "two\nlines"}, 6: {"sku": "S4", "name": "last"}}, rowMaps(rows)); d != "" {
		t.Fatalf("rows (-want +got):\n%s", d)
	}
}

// A binary file named .csv is refused as not a CSV, saying how it was
// detected; its bytes never become column names.
func TestCSVBinaryRefused(t *testing.T) {
	for _, c := range []struct{ data, how string }{
		{"PK\x03\x04\x14\x00\x06\x00", "zip archive"},
		{"\x00\x01\x02\x03sku\x00\x00,x\n", "control characters"},
		{"\xff\xfes\x00k\x00u\x00", "UTF-16"},
	} {
		rows, errs := collect(t, strings.NewReader(c.data), "export.csv", nil)
		var fe *catalog.FileFormatError
		if len(rows) != 0 || len(errs) != 1 || !errors.As(errs[0], &fe) || fe.Code != "CSV_NOT_TEXT" ||
			!strings.Contains(fe.Details, "not a CSV") || !strings.Contains(fe.Details, c.how) {
			t.Errorf("%q: rows %v, errors %v", c.data, rows, errs)
		}
	}
	// A stray control character in text is read as such.
	rows, errs := collect(t, strings.NewReader("sku,name\nS1,a\x00b\n"+strings.Repeat("S2,plain text\n", 10)), "export.csv", nil)
	if len(errs) != 0 || len(rows) != 11 {
		t.Fatalf("rows %d, errors %v", len(rows), errs)
	}
}

// A 100 MB NDJSON line fails its own row; the next line is read.
func TestNDJSONHundredMegabyteLine(t *testing.T) {
	src := io.MultiReader(strings.NewReader(`{"a": 1}`+"\n"), &repeat{c: ' ', n: 100_000_000}, strings.NewReader("\n"+`{"a": 2}`))
	var rows []Row
	var errs []error
	alloc, inuse := memtest.Growth(func() { rows, errs = collect(t, src, "long.ndjson", nil) })
	t.Logf("allocated %d bytes, heap in use %+d bytes", alloc, inuse)
	var ce *CellError
	if len(rows) != 2 || rows[1].Line != 3 || len(errs) != 1 || !errors.As(errs[0], &ce) || ce.Line != 2 || !errors.Is(errs[0], catalog.ErrTooLarge) {
		t.Fatalf("rows %v, errors %v", rows, errs)
	}
	if alloc > memtest.Bound {
		t.Fatalf("allocated %d bytes", alloc)
	}
}

// Cells and columns over their bounds.
func TestCellAndColumnBounds(t *testing.T) {
	file := "a,b\n1," + strings.Repeat("y", DefaultMaxCellSize+1) + "\n2,ok\n"
	rows, errs := collect(t, strings.NewReader(file), "cells.csv", nil)
	var ce *CellError
	if len(rows) != 1 || rows[0].Line != 3 || len(errs) != 1 || !errors.As(errs[0], &ce) || ce.Line != 2 || ce.Column != "b" || !errors.Is(errs[0], catalog.ErrTooLarge) {
		t.Fatalf("rows %v, errors %v", rows, errs)
	}
	wide := strings.Repeat("c,", 2000) + "c\n"
	_, errs = collect(t, strings.NewReader(wide), "wide.csv", nil)
	var le *LimitError
	if len(errs) != 1 || !errors.As(errs[0], &le) || le.Line != 1 || le.Limit != DefaultMaxColumns {
		t.Fatalf("errors %v", errs)
	}
	// A small record bound holds even within the parser's buffer.
	_, errs = collect(t, strings.NewReader("a\n"+strings.Repeat("z", 100)+"\n"), "small.csv", &Options{Limits: Limits{MaxRecordSize: 50}})
	if len(errs) != 1 || !errors.As(errs[0], &le) || le.Line != 2 {
		t.Fatalf("errors %v", errs)
	}
}

// Streaming has no file size bound unless one is set (XLSX files do: see
// package xlsx).
func TestFileSizeBounds(t *testing.T) {
	src := &repeat{prefix: "a\n", c: '\n', n: 200}
	_, errs := collect(t, src, "f.csv", &Options{Limits: Limits{MaxFileBytes: 100}})
	var tl *catalog.TooLargeError
	if len(errs) != 1 || !errors.As(errs[0], &tl) {
		t.Fatalf("errors %v", errs)
	}
}
