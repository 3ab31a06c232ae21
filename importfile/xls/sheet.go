package xls

import (
	"encoding/binary"
	"maps"
	"math"
	"slices"
	"strconv"

	"github.com/pimkit/catalog/importfile"
	"github.com/pimkit/catalog/importfile/internal/cellfmt"
)

// globals is what the workbook globals substream says that reading the
// first worksheet needs.
type globals struct {
	date1904  bool
	xfKind    []cellfmt.Kind // what the number format of each cell format (XF) shows
	sst       []string       // the shared string table
	sheetName string
	sheetPos  int // stream offset of the first worksheet's BOF record
}

// BOF record versions and substream types.
const (
	biff8         = 0x0600
	bofGlobals    = 0x0005
	bofWorksheet  = 0x0010
	sheetTypeWork = 0x00 // BOUNDSHEET8 dt: worksheet or dialog sheet
)

// globals reads the workbook globals substream, which opens the stream.
func (r *reader) globals(stream []byte) (*globals, error) {
	rs := &records{s: stream}
	bof, ok, err := rs.next()
	switch {
	case err != nil:
		return nil, r.invalid(0, err.Error())
	case !ok || bof.typ != recBOF || len(bof.body) < 4:
		return nil, r.invalid(0, "its Workbook stream does not open with a BOF record")
	}
	if v := binary.LittleEndian.Uint16(bof.body); v != biff8 {
		return nil, r.formatError("XLS_BIFF_VERSION", 0, "Your file is a workbook of BIFF version 0x"+strconv.FormatUint(uint64(v), 16)+", not BIFF8 (Excel 97-2003).",
			"Open it in a spreadsheet and save it as .xlsx, or as .xls (Excel 97-2003).")
	}
	g := &globals{sheetPos: -1}
	var xfFormat []uint16
	formats := map[uint16]cellfmt.Kind{}
	sheets := 0
	for done := false; !done; {
		rec, ok, err := rs.next()
		if err != nil {
			return nil, r.invalid(0, err.Error())
		}
		if !ok {
			return nil, r.invalid(0, "its workbook globals have no EOF record")
		}
		switch rec.typ {
		case recEOF:
			done = true
		case recFilePass:
			return nil, r.formatError("XLS_ENCRYPTED", 0, "Your file is an encrypted (password-protected) workbook.",
				"Remove the password in a spreadsheet and save the file again.")
		case recDateMode:
			g.date1904 = len(rec.body) >= 2 && binary.LittleEndian.Uint16(rec.body) == 1
		case recXF:
			if len(rec.body) < 4 {
				return nil, r.invalid(0, "an XF record is cut short")
			}
			if len(xfFormat) >= maxXF {
				return nil, &importfile.LimitError{File: r.file, What: "cell formats (XF records)", Limit: maxXF}
			}
			xfFormat = append(xfFormat, binary.LittleEndian.Uint16(rec.body[2:]))
		case recFormat:
			if len(rec.body) < 2 {
				return nil, r.invalid(0, "a FORMAT record is cut short")
			}
			if len(formats) >= maxFormats {
				return nil, &importfile.LimitError{File: r.file, What: "number formats (FORMAT records)", Limit: maxFormats}
			}
			c := rs.continued(record{body: rec.body[2:]})
			code, err := c.unicodeString()
			if err != nil {
				return nil, r.invalid(0, "a FORMAT record: "+err.Error())
			}
			formats[binary.LittleEndian.Uint16(rec.body)] = cellfmt.FormatKind(code)
		case recBoundSheet:
			if sheets++; sheets > maxSheets {
				return nil, &importfile.LimitError{File: r.file, What: "sheets", Limit: maxSheets}
			}
			if len(rec.body) < 8 {
				return nil, r.invalid(0, "a BOUNDSHEET record is cut short")
			}
			if g.sheetPos >= 0 || rec.body[5] != sheetTypeWork {
				continue
			}
			name, err := (&cont{segs: [][]byte{rec.body[6:]}}).shortString()
			if err != nil {
				return nil, r.invalid(0, "a sheet's name: "+err.Error())
			}
			g.sheetName, g.sheetPos = name, int(binary.LittleEndian.Uint32(rec.body))
		case recSST:
			if g.sst, err = r.sharedStrings(rs.continued(rec)); err != nil {
				return nil, err
			}
		}
	}
	if g.sheetPos < 0 {
		return nil, r.formatError("XLS_NO_SHEET", 0, "The workbook has no worksheet.", "Save the data on the first sheet.")
	}
	g.xfKind = make([]cellfmt.Kind, len(xfFormat))
	for i, f := range xfFormat {
		k, ok := formats[f]
		if !ok {
			k = cellfmt.BuiltinKind(int(f))
		}
		g.xfKind[i] = k
	}
	return g, nil
}

// sharedStrings reads the shared string table (SST) and its CONTINUE
// records.
func (r *reader) sharedStrings(c *cont) ([]string, error) {
	if err := c.skip(4); err != nil { // cstTotal: the cells that use them
		return nil, r.invalid(0, "the shared string table is cut short")
	}
	n, err := c.u32()
	if err != nil {
		return nil, r.invalid(0, "the shared string table is cut short")
	}
	if n > maxSharedStrings {
		return nil, &importfile.LimitError{File: r.file, What: "shared strings (" + strconv.FormatUint(uint64(n), 10) + ")", Limit: maxSharedStrings}
	}
	size := 0
	for _, s := range c.segs {
		size += len(s)
	}
	// Each string takes 3 bytes at least: allocate for what the records
	// can hold, not what the count claims.
	sst := make([]string, 0, min(int(n), size/3))
	for range n {
		if !c.avail() {
			break // fewer strings than counted: cells that refer past them fail alone
		}
		s, err := c.richString()
		if err != nil {
			return nil, r.invalid(0, "shared string "+strconv.Itoa(len(sst))+": "+err.Error())
		}
		sst = append(sst, s)
	}
	return sst, nil
}

// rowBuffer gathers the cells of one row, as records come, and hands the
// row on when a cell of a later row comes. When the sheet's cells are not
// in row order (writers that write cells as a program sets them), it holds
// every row, within maxHeldCells, and hands them on in order at the end.
type rowBuffer struct {
	r     *reader
	row   int // 0-based row number; -1 before the first cell
	cells []string
	yield func(line int, cells []string) bool
	held  map[int][]string // every row so far, by number, when out of order
	nHeld int              // the cells set in held
}

// maxHeldCells bounds the cells of a sheet held whole because its rows are
// out of order: some 40 MB of strings.
var maxHeldCells = 1_000_000

// set puts a cell's text in its row, first handing on the row before
// when the cell is on a later one. It returns false when yield did.
func (b *rowBuffer) set(row, col int, text string) (bool, error) {
	if col >= b.r.lim.MaxColumns {
		return false, &importfile.LimitError{File: b.r.file, What: "columns (a cell in column " + strconv.Itoa(col+1) + ")", Limit: int64(b.r.lim.MaxColumns), Line: row + 1}
	}
	if b.held != nil {
		if b.nHeld++; b.nHeld > maxHeldCells {
			return false, &importfile.LimitError{File: b.r.file, What: "cells of a sheet whose rows are out of order", Limit: int64(maxHeldCells), Line: row + 1}
		}
		b.held[row] = setCell(b.held[row], col, text)
		return true, nil
	}
	if row != b.row {
		if row < b.row { // rowsInOrder said otherwise: a fault of this package
			return false, b.r.invalid(row+1, "row "+strconv.Itoa(row+1)+" comes after row "+strconv.Itoa(b.row+1))
		}
		if !b.flush() {
			return false, nil
		}
		b.row = row
	}
	b.cells = setCell(b.cells, col, text)
	return true, nil
}

// setCell sets a row's cell, growing the row as needed.
func setCell(cells []string, col int, text string) []string {
	for len(cells) <= col {
		cells = append(cells, "")
	}
	cells[col] = text
	return cells
}

// flush hands on the row gathered so far, if any; or, when rows are
// held, every row, in order.
func (b *rowBuffer) flush() bool {
	if b.held != nil {
		rows := slices.Sorted(maps.Keys(b.held))
		for _, n := range rows {
			if !b.yield(n+1, b.held[n]) {
				return false
			}
		}
		b.held = nil
		return true
	}
	if b.cells == nil {
		return true
	}
	cells := b.cells
	b.cells = nil
	return b.yield(b.row+1, cells)
}

// rowsInOrder reports whether the cells of the sheet starting at pos come
// in row order, as Excel and LibreOffice write them. A record it cannot
// read ends the look: the reading proper reports it.
func rowsInOrder(stream []byte, pos int) bool {
	rs := &records{s: stream, pos: pos}
	last, depth := 0, 0
	for {
		rec, ok, err := rs.next()
		if !ok || err != nil {
			return true
		}
		switch rec.typ {
		case recBOF:
			depth++
		case recEOF:
			if depth--; depth <= 0 {
				return true
			}
		case recLabelSST, recLabel, recRString, recNumber, recRK, recBoolErr, recFormula, recMulRK:
			if depth != 1 || len(rec.body) < 2 {
				continue
			}
			row := int(binary.LittleEndian.Uint16(rec.body))
			if row < last {
				return false
			}
			last = row
		}
	}
}

// Error values of BOOLERR and FORMULA cells, as Excel shows them.
var errorText = map[byte]string{
	0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!",
	0x1D: "#NAME?", 0x24: "#NUM!", 0x2A: "#N/A", 0x2B: "#GETTING_DATA",
}

func errText(code byte) string {
	if s, ok := errorText[code]; ok {
		return s
	}
	return "#ERR" + strconv.Itoa(int(code))
}

// sheet reads the first worksheet's substream, yielding its rows.
func (r *reader) sheet(stream []byte, g *globals, yield func(line int, cells []string) bool) error {
	if g.sheetPos >= len(stream) {
		return r.invalid(0, "the first sheet starts at offset "+strconv.Itoa(g.sheetPos)+", past the end of the Workbook stream")
	}
	rs := &records{s: stream, pos: g.sheetPos}
	bof, ok, err := rs.next()
	if err != nil || !ok || bof.typ != recBOF || len(bof.body) < 4 || binary.LittleEndian.Uint16(bof.body[2:]) != bofWorksheet {
		return r.invalid(0, "the first sheet does not open with a worksheet's BOF record")
	}
	buf := &rowBuffer{r: r, row: -1, yield: yield}
	if !rowsInOrder(stream, g.sheetPos) {
		buf.held = map[int][]string{}
	}
	pending := -1 // the formula cell whose string result the next STRING record holds: row<<16 | col
	depth := 1    // substreams nest: an embedded chart has its own BOF ... EOF
	for {
		rec, ok, err := rs.next()
		if err != nil {
			return r.invalid(buf.row+1, err.Error())
		}
		if !ok {
			return r.invalid(buf.row+1, "the first sheet has no EOF record")
		}
		switch rec.typ {
		case recBOF:
			depth++
			continue
		case recEOF:
			if depth--; depth == 0 {
				buf.flush()
				return nil
			}
			continue
		}
		if depth != 1 {
			continue
		}
		more, err := r.cell(rs, rec, g, buf, &pending)
		if err != nil || !more {
			return err
		}
	}
}

// cell reads one record of the worksheet, setting the cells it holds. It
// returns false when the reading is to stop.
func (r *reader) cell(rs *records, rec record, g *globals, buf *rowBuffer, pending *int) (bool, error) {
	b := rec.body
	switch rec.typ {
	case recLabelSST, recLabel, recRString, recNumber, recRK, recBoolErr, recFormula, recMulRK:
		if len(b) < 6 {
			return false, r.invalid(buf.row+1, "a cell record (0x"+strconv.FormatUint(uint64(rec.typ), 16)+") is cut short")
		}
	case recString:
		if *pending < 0 {
			return true, nil // a string result of no formula read: nothing to set
		}
		row, col := *pending>>16, *pending&0xFFFF
		*pending = -1
		s, err := rs.continued(rec).unicodeString()
		if err != nil {
			return false, r.invalid(row+1, "a formula's string result: "+err.Error())
		}
		return buf.set(row, col, s)
	default:
		return true, nil
	}
	row, col := int(binary.LittleEndian.Uint16(b)), int(binary.LittleEndian.Uint16(b[2:]))
	kind := g.kind(binary.LittleEndian.Uint16(b[4:]))
	short := func() (bool, error) {
		return false, r.invalid(row+1, "the record of cell "+cellName(row, col)+" is cut short")
	}
	switch rec.typ {
	case recLabelSST:
		if len(b) < 10 {
			return short()
		}
		i := binary.LittleEndian.Uint32(b[6:])
		if uint64(i) >= uint64(len(g.sst)) {
			return false, r.invalid(row+1, "cell "+cellName(row, col)+" refers to shared string "+strconv.FormatUint(uint64(i), 10)+" of "+strconv.Itoa(len(g.sst)))
		}
		return buf.set(row, col, g.sst[i])
	case recLabel, recRString:
		c := rs.continued(record{body: b[6:]})
		s, err := c.unicodeString()
		if err != nil {
			return false, r.invalid(row+1, "the text of cell "+cellName(row, col)+": "+err.Error())
		}
		return buf.set(row, col, s)
	case recNumber:
		if len(b) < 14 {
			return short()
		}
		v := math.Float64frombits(binary.LittleEndian.Uint64(b[6:]))
		return buf.set(row, col, cellfmt.Serial(v, kind, g.date1904))
	case recRK:
		if len(b) < 10 {
			return short()
		}
		return buf.set(row, col, cellfmt.Serial(rk(binary.LittleEndian.Uint32(b[6:])), kind, g.date1904))
	case recMulRK:
		// rw, colFirst, then 6 bytes a cell (XF, RK), then colLast.
		n := (len(b) - 6) / 6
		if n <= 0 || (len(b)-6)%6 != 0 {
			return short()
		}
		for i := range n {
			at := 4 + 6*i
			k := g.kind(binary.LittleEndian.Uint16(b[at:]))
			v := rk(binary.LittleEndian.Uint32(b[at+2:]))
			if more, err := buf.set(row, col+i, cellfmt.Serial(v, k, g.date1904)); !more || err != nil {
				return more, err
			}
		}
		return true, nil
	case recBoolErr:
		if len(b) < 8 {
			return short()
		}
		if b[7] != 0 {
			return buf.set(row, col, errText(b[6]))
		}
		return buf.set(row, col, cellfmt.Bool(b[6] != 0))
	}
	// FORMULA: the cached result, 8 bytes after the cell's XF.
	if len(b) < 14 {
		return short()
	}
	val := b[6:14]
	if val[6] != 0xFF || val[7] != 0xFF {
		return buf.set(row, col, cellfmt.Serial(math.Float64frombits(binary.LittleEndian.Uint64(val)), kind, g.date1904))
	}
	switch val[0] {
	case 0: // a string, in the STRING record that follows
		*pending = row<<16 | col
		return true, nil
	case 1:
		return buf.set(row, col, cellfmt.Bool(val[2] != 0))
	case 2:
		return buf.set(row, col, errText(val[2]))
	}
	return buf.set(row, col, "") // 3: the empty string
}

// kind returns what the number format of cell format xf shows; a format
// the workbook lacks shows numbers.
func (g *globals) kind(xf uint16) cellfmt.Kind {
	if int(xf) < len(g.xfKind) {
		return g.xfKind[xf]
	}
	return cellfmt.Number
}

// rk decodes an RK number: a 30-bit integer or the high 30 bits of a
// float64, either divided by 100 when its low bit says so.
func rk(v uint32) float64 {
	var f float64
	if v&0x02 != 0 {
		f = float64(int32(v) >> 2)
	} else {
		f = math.Float64frombits(uint64(v&0xFFFFFFFC) << 32)
	}
	if v&0x01 != 0 {
		f /= 100
	}
	return f
}

// cellName names a cell as a spreadsheet does: "C12".
func cellName(row, col int) string {
	name := ""
	for c := col + 1; c > 0; c = (c - 1) / 26 {
		name = string(rune('A'+(c-1)%26)) + name
	}
	return name + strconv.Itoa(row+1)
}
