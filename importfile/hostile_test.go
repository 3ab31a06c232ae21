package importfile

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/pimkit/catalog"
)

// memGrowth runs f and returns the bytes it allocated (TotalAlloc) and the
// growth of the heap in use, after a collection on both sides.
func memGrowth(f func()) (alloc, inuse int64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after) // no GC first: what f left live counts
	return int64(after.TotalAlloc - before.TotalAlloc), int64(after.HeapInuse) - int64(before.HeapInuse)
}

const memBound = 64 << 20

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
	alloc, inuse := memGrowth(func() {
		_, errs := collect(t, bytes.NewReader(z), "bomb.xlsx", nil)
		if len(errs) == 1 {
			err = errs[0]
		}
	})
	t.Logf("file %d bytes; allocated %d bytes, heap in use %+d bytes", len(z), alloc, inuse)
	var le *LimitError
	if !errors.As(err, &le) || le.Part != "xl/worksheets/sheet1.xml" || !errors.Is(err, catalog.ErrTooLarge) || !strings.Contains(err.Error(), "bomb.xlsx") {
		t.Fatalf("got %v, want a *LimitError naming the worksheet", err)
	}
	if alloc > memBound {
		t.Fatalf("allocated %d bytes, want under %d", alloc, memBound)
	}
}

// An XLSX whose worksheet declares a kilobyte and expands to over a
// gigabyte: the expansion stops at the declared size.
func TestXLSXExpandsPastDeclaredSize(t *testing.T) {
	z := bombXLSX(t, overGiB, 1000)
	var err error
	alloc, inuse := memGrowth(func() {
		_, err = Analyze(bytes.NewReader(z), "liar.xlsx", int64(len(z)), nil)
	})
	t.Logf("file %d bytes; allocated %d bytes, heap in use %+d bytes", len(z), alloc, inuse)
	var le *LimitError
	if !errors.As(err, &le) || le.Part != "xl/worksheets/sheet1.xml" || !strings.Contains(le.What, "past the declared 1000 bytes") {
		t.Fatalf("got %v, want a *LimitError for the worksheet", err)
	}
	if alloc > memBound {
		t.Fatalf("allocated %d bytes, want under %d", alloc, memBound)
	}
}

// A text node longer than the record bound, inside a part of legal size.
func TestXLSXLongXMLText(t *testing.T) {
	z := bombXLSX(t, 8000, 258*8000+1) // 2 MB of spaces, no markup
	_, errs := collect(t, bytes.NewReader(z), "long.xlsx", nil)
	var le *LimitError
	if len(errs) != 1 || !errors.As(errs[0], &le) || le.What != "XML text or tag length" {
		t.Fatalf("errors %v", errs)
	}
}

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
// refused once the record bound is reached: the rest is never read.
func TestHundredMegabyteRecord(t *testing.T) {
	for _, c := range []struct{ file, prefix string }{
		{"long.csv", "sku,name\nS1,ok\n"},
		{"big.json", "[\n{\"a\": 1},\n{\"a\": \""},
	} {
		t.Run(c.file, func(t *testing.T) {
			src := &repeat{prefix: c.prefix, c: 'x', n: 100_000_000}
			var rows []Row
			var errs []error
			alloc, inuse := memGrowth(func() { rows, errs = collect(t, src, c.file, nil) })
			t.Logf("read %d bytes; allocated %d bytes, heap in use %+d bytes", src.read, alloc, inuse)
			var le *LimitError
			if len(rows) != 1 || len(errs) != 1 || !errors.As(errs[0], &le) || le.Line != 3 || le.File != c.file || le.Limit != DefaultMaxRecordSize {
				t.Fatalf("rows %v, errors %v", rows, errs)
			}
			if src.read > 2*DefaultMaxRecordSize || alloc > memBound {
				t.Fatalf("read %d bytes, allocated %d", src.read, alloc)
			}
		})
	}
}

// A 100 MB NDJSON line fails its own row; the next line is read.
func TestNDJSONHundredMegabyteLine(t *testing.T) {
	src := io.MultiReader(strings.NewReader(`{"a": 1}`+"\n"), &repeat{c: ' ', n: 100_000_000}, strings.NewReader("\n"+`{"a": 2}`))
	var rows []Row
	var errs []error
	alloc, inuse := memGrowth(func() { rows, errs = collect(t, src, "long.ndjson", nil) })
	t.Logf("allocated %d bytes, heap in use %+d bytes", alloc, inuse)
	var ce *CellError
	if len(rows) != 2 || rows[1].Line != 3 || len(errs) != 1 || !errors.As(errs[0], &ce) || ce.Line != 2 || !errors.Is(errs[0], catalog.ErrTooLarge) {
		t.Fatalf("rows %v, errors %v", rows, errs)
	}
	if alloc > memBound {
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

// Streaming has no file size bound unless one is set; XLSX files do.
func TestFileSizeBounds(t *testing.T) {
	src := &repeat{prefix: "a\n", c: '\n', n: 200}
	_, errs := collect(t, src, "f.csv", &Options{Limits: Limits{MaxFileBytes: 100}})
	var tl *catalog.TooLargeError
	if len(errs) != 1 || !errors.As(errs[0], &tl) {
		t.Fatalf("errors %v", errs)
	}
	_, errs = collect(t, &repeat{c: 0, n: catalog.MaxFileBytes + 10}, "f.xlsx", nil)
	if len(errs) != 1 || !errors.As(errs[0], &tl) || tl.Limit != catalog.MaxFileBytes {
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
