package xls

import (
	"encoding/binary"
	"math"
	"unicode/utf16"
)

// A builder of BIFF8 workbooks in a compound file, for cases no writer at
// hand makes: booleans and errors as formula results, the 1904 date
// system, strings switching storage between records, hostile counts.

// rec is one record: type, then body.
func rec(typ uint16, body ...[]byte) []byte {
	var b []byte
	for _, p := range body {
		b = append(b, p...)
	}
	out := binary.LittleEndian.AppendUint16(nil, typ)
	out = binary.LittleEndian.AppendUint16(out, uint16(len(b)))
	return append(out, b...)
}

func u16(v int) []byte { return binary.LittleEndian.AppendUint16(nil, uint16(v)) }
func u32(v int) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(v)) }
func f64(v float64) []byte {
	return binary.LittleEndian.AppendUint64(nil, math.Float64bits(v))
}

// cellHead is the row, column and XF that open every cell record.
func cellHead(row, col, xf int) []byte {
	return append(append(u16(row), u16(col)...), u16(xf)...)
}

// latin1 is a string's characters, one byte each, with flags 0.
func latin1(s string) []byte { return append([]byte{0}, s...) }

// wide is a string's characters in UTF-16, with flags 1.
func wide(s string) []byte {
	b := []byte{1}
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

// xlString is an XLUnicodeString, stored one byte a character unless the
// string needs more.
func xlString(s string) []byte {
	r := []rune(s)
	for _, c := range r {
		if c > 0xFF {
			return append(u16(len(utf16.Encode(r))), wide(s)...)
		}
	}
	b := []byte{0}
	for _, c := range r {
		b = append(b, byte(c))
	}
	return append(u16(len(r)), b...)
}

func bof(dt int) []byte { return rec(recBOF, u16(biff8), u16(dt), make([]byte, 12)) }
func eof() []byte       { return rec(recEOF) }

// book is a workbook under construction.
type book struct {
	globals [][]byte // records between the globals' BOF and BOUNDSHEET
	sst     [][]byte // the SST record and its CONTINUE records, whole
	sheet   [][]byte // records between the sheet's BOF and EOF
	name    string
}

// xfs are the cell formats of every built workbook: 0 General, 1 the
// built-in date format 14, 2 the custom format 164, a date and time.
var xfs = [][]byte{
	rec(recFormat, u16(164), xlString("dd/mm/yyyy hh:mm")),
	rec(recXF, u16(0), u16(0), make([]byte, 16)),
	rec(recXF, u16(0), u16(14), make([]byte, 16)),
	rec(recXF, u16(0), u16(164), make([]byte, 16)),
}

// stream returns the Workbook stream.
func (b *book) stream() []byte {
	var g []byte
	g = append(g, bof(bofGlobals)...)
	for _, r := range xfs {
		g = append(g, r...)
	}
	for _, r := range b.globals {
		g = append(g, r...)
	}
	name := b.name
	if name == "" {
		name = "Sheet1"
	}
	sheetRec := func(pos int) []byte {
		s := xlString(name) // a 16-bit count: the short string's is 8 bits
		return rec(recBoundSheet, u32(pos), []byte{0, 0}, s[:1], s[2:])
	}
	after := len(sheetRec(0))
	for _, r := range b.sst {
		after += len(r)
	}
	after += len(eof())
	g = append(g, sheetRec(len(g)+after)...)
	for _, r := range b.sst {
		g = append(g, r...)
	}
	g = append(g, eof()...)
	g = append(g, bof(bofWorksheet)...)
	for _, r := range b.sheet {
		g = append(g, r...)
	}
	return append(g, eof()...)
}

// sstRecord is an SST of plain strings, in one record.
func sstRecord(strs ...string) []byte {
	body := append(u32(len(strs)), u32(len(strs))...)
	for _, s := range strs {
		body = append(body, xlString(s)...)
	}
	return rec(recSST, body)
}

// file wraps the book's stream in a compound file.
func (b *book) file() []byte { return compound("Workbook", b.stream()) }

// compound builds a version 3 compound file (512-byte sectors) holding one
// stream: sector 0 the FAT, sector 1 the directory, the stream after,
// padded to 4,096 bytes so that it lives in regular sectors.
func compound(name string, stream []byte) []byte {
	const ss = 512
	data := append([]byte(nil), stream...)
	for len(data) < 4096 || len(data)%ss != 0 {
		data = append(data, 0)
	}
	size := len(data) // under 4,096 bytes, a stream would be in the mini stream
	n := len(data) / ss
	if n > 126 {
		panic("stream too long for one FAT sector")
	}
	const endOfChain, fatSect, free, noStream = 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF, 0xFFFFFFFF
	hdr := make([]byte, ss)
	copy(hdr, cfbSignature)
	le := binary.LittleEndian
	le.PutUint16(hdr[24:], 0x3E)
	le.PutUint16(hdr[26:], 3)
	le.PutUint16(hdr[28:], 0xFFFE)
	le.PutUint16(hdr[30:], 9)
	le.PutUint16(hdr[32:], 6)
	le.PutUint32(hdr[44:], 1)          // FAT sectors
	le.PutUint32(hdr[48:], 1)          // directory start
	le.PutUint32(hdr[56:], 4096)       // mini stream cutoff
	le.PutUint32(hdr[60:], endOfChain) // mini FAT start
	le.PutUint32(hdr[68:], endOfChain) // DIFAT start
	le.PutUint32(hdr[76:], 0)          // DIFAT[0]: the FAT is sector 0
	for i := 80; i < ss; i += 4 {
		le.PutUint32(hdr[i:], free)
	}
	fat := make([]byte, ss)
	for i := range ss / 4 {
		v := uint32(free)
		switch {
		case i == 0:
			v = fatSect
		case i == 1:
			v = endOfChain
		case i >= 2 && i < 2+n-1:
			v = uint32(i + 1)
		case i == 2+n-1:
			v = endOfChain
		}
		le.PutUint32(fat[4*i:], v)
	}
	dir := make([]byte, ss)
	entry := func(i int, name string, typ byte, child uint32, start uint32, size int) {
		e := dir[128*i:]
		u := utf16.Encode([]rune(name))
		for j, c := range u {
			le.PutUint16(e[2*j:], c)
		}
		if name != "" {
			le.PutUint16(e[64:], uint16(2*len(u)+2))
		}
		e[66], e[67] = typ, 1
		le.PutUint32(e[68:], noStream)
		le.PutUint32(e[72:], noStream)
		le.PutUint32(e[76:], child)
		le.PutUint32(e[116:], start)
		le.PutUint32(e[120:], uint32(size))
	}
	entry(0, "Root Entry", 5, 1, endOfChain, 0)
	entry(1, name, 2, noStream, 2, size)
	entry(2, "", 0, noStream, 0, 0)
	entry(3, "", 0, noStream, 0, 0)
	out := append(append(hdr, fat...), dir...)
	return append(out, data...)
}
