package xls

import (
	"encoding/binary"
	"errors"
	"strconv"
	"unicode/utf16"
)

// The BIFF8 record types read ([MS-XLS] 2.3); all others are skipped.
const (
	recFormula    = 0x0006
	recEOF        = 0x000A
	recDateMode   = 0x0022
	recFilePass   = 0x002F
	recContinue   = 0x003C
	recBoundSheet = 0x0085
	recMulRK      = 0x00BD
	recRString    = 0x00D6
	recXF         = 0x00E0
	recSST        = 0x00FC
	recLabelSST   = 0x00FD
	recNumber     = 0x0203
	recLabel      = 0x0204
	recBoolErr    = 0x0205
	recString     = 0x0207
	recRK         = 0x027E
	recFormat     = 0x041E
	recBOF        = 0x0809
)

// record is one record of the Workbook stream.
type record struct {
	typ  uint16
	pos  int // offset of its header in the stream
	body []byte
}

// records walks the records of the Workbook stream.
type records struct {
	s   []byte
	pos int
}

var errCut = errors.New("cut short")

// next returns the next record; ok is false at the end of the stream.
func (rs *records) next() (rec record, ok bool, err error) {
	if rs.pos >= len(rs.s) {
		return record{}, false, nil
	}
	if len(rs.s)-rs.pos < 4 {
		return record{}, false, errors.New("the record at offset " + strconv.Itoa(rs.pos) + " is cut short")
	}
	typ := binary.LittleEndian.Uint16(rs.s[rs.pos:])
	n := int(binary.LittleEndian.Uint16(rs.s[rs.pos+2:]))
	if len(rs.s)-rs.pos-4 < n {
		return record{}, false, errors.New("record 0x" + strconv.FormatUint(uint64(typ), 16) + " at offset " + strconv.Itoa(rs.pos) + " is cut short")
	}
	rec = record{typ: typ, pos: rs.pos, body: rs.s[rs.pos+4 : rs.pos+4+n]}
	rs.pos += 4 + n
	return rec, true, nil
}

// continued returns the body of rec followed by those of the CONTINUE
// records after it, which it consumes.
func (rs *records) continued(rec record) *cont {
	c := &cont{segs: [][]byte{rec.body}}
	for len(rs.s)-rs.pos >= 4 && binary.LittleEndian.Uint16(rs.s[rs.pos:]) == recContinue {
		next, ok, err := rs.next()
		if !ok || err != nil {
			break
		}
		c.segs = append(c.segs, next.body)
	}
	return c
}

// cont reads data that a record continues in CONTINUE records: numbers
// and bytes run on from one record to the next, while the characters of a
// string that crosses into the next record start it with a byte of flags
// saying how they are stored.
type cont struct {
	segs  [][]byte
	seg   int
	off   int
	units []uint16 // reused between strings
}

// avail moves past exhausted segments and reports whether bytes are left.
func (c *cont) avail() bool {
	for c.seg < len(c.segs) && c.off >= len(c.segs[c.seg]) {
		c.seg++
		c.off = 0
	}
	return c.seg < len(c.segs)
}

func (c *cont) u8() (byte, error) {
	if !c.avail() {
		return 0, errCut
	}
	b := c.segs[c.seg][c.off]
	c.off++
	return b, nil
}

func (c *cont) u16() (uint16, error) {
	lo, err := c.u8()
	if err != nil {
		return 0, err
	}
	hi, err := c.u8()
	return uint16(lo) | uint16(hi)<<8, err
}

func (c *cont) u32() (uint32, error) {
	lo, err := c.u16()
	if err != nil {
		return 0, err
	}
	hi, err := c.u16()
	return uint32(lo) | uint32(hi)<<16, err
}

// skip passes over n bytes.
func (c *cont) skip(n int) error {
	for n > 0 {
		if !c.avail() {
			return errCut
		}
		k := min(n, len(c.segs[c.seg])-c.off)
		c.off += k
		n -= k
	}
	return nil
}

// chars reads n characters stored one byte each (Latin-1) or, when high,
// as UTF-16 code units.
func (c *cont) chars(n int, high bool) (string, error) {
	c.units = c.units[:0]
	for n > 0 {
		if c.seg >= len(c.segs) {
			return "", errCut
		}
		seg := c.segs[c.seg][c.off:]
		if len(seg) == 0 {
			// The characters go on in the next record, which opens with
			// their flags.
			c.seg++
			c.off = 0
			if c.seg >= len(c.segs) || len(c.segs[c.seg]) == 0 {
				return "", errCut
			}
			high = c.segs[c.seg][0]&0x01 != 0
			c.off = 1
			continue
		}
		if high {
			k := min(n, len(seg)/2)
			if k == 0 {
				return "", errors.New("a character is split between two records")
			}
			for i := range k {
				c.units = append(c.units, binary.LittleEndian.Uint16(seg[2*i:]))
			}
			c.off += 2 * k
			n -= k
		} else {
			k := min(n, len(seg))
			for _, b := range seg[:k] {
				c.units = append(c.units, uint16(b))
			}
			c.off += k
			n -= k
		}
	}
	return decodeUnits(c.units), nil
}

// decodeUnits turns UTF-16 code units into a string; an unpaired
// surrogate becomes U+FFFD.
func decodeUnits(u []uint16) string {
	ascii := true
	for _, v := range u {
		if v >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		b := make([]byte, len(u))
		for i, v := range u {
			b[i] = byte(v)
		}
		return string(b)
	}
	return string(utf16.Decode(u))
}

// String flags ([MS-XLS] 2.5.293 XLUnicodeRichExtendedString).
const (
	fHighByte = 0x01
	fExtSt    = 0x04
	fRichSt   = 0x08
)

// strHeader reads the head every BIFF8 string opens with: the count of
// characters (8 bits wide when short, else 16) and the flags byte.
func (c *cont) strHeader(short bool) (n int, flags byte, err error) {
	if short {
		var b byte
		b, err = c.u8()
		n = int(b)
	} else {
		var w uint16
		w, err = c.u16()
		n = int(w)
	}
	if err != nil {
		return 0, 0, err
	}
	flags, err = c.u8()
	return n, flags, err
}

// plainString reads the characters of a string with no formatting runs
// or phonetic data after its header.
func (c *cont) plainString(short bool) (string, error) {
	n, flags, err := c.strHeader(short)
	if err != nil {
		return "", err
	}
	return c.chars(n, flags&fHighByte != 0)
}

// unicodeString reads an XLUnicodeString: a 16-bit count of characters,
// flags, the characters.
func (c *cont) unicodeString() (string, error) { return c.plainString(false) }

// shortString reads a ShortXLUnicodeString: an 8-bit count of characters,
// flags, the characters.
func (c *cont) shortString() (string, error) { return c.plainString(true) }

// richString reads an XLUnicodeRichExtendedString, as the shared string
// table holds them: its formatting runs and phonetic data are skipped.
func (c *cont) richString() (string, error) {
	n, flags, err := c.strHeader(false)
	if err != nil {
		return "", err
	}
	var runs uint16
	var ext uint32
	if flags&fRichSt != 0 {
		if runs, err = c.u16(); err != nil {
			return "", err
		}
	}
	if flags&fExtSt != 0 {
		if ext, err = c.u32(); err != nil {
			return "", err
		}
	}
	s, err := c.chars(n, flags&fHighByte != 0)
	if err != nil {
		return "", err
	}
	if err := c.skip(4 * int(runs)); err != nil {
		return "", err
	}
	if ext > 1<<30 {
		return "", errors.New("a string's phonetic data declares " + strconv.FormatUint(uint64(ext), 10) + " bytes")
	}
	return s, c.skip(int(ext))
}
