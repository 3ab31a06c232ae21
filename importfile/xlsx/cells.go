package xlsx

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/pimkit/catalog/importfile/internal/cellfmt"
	"github.com/xuri/excelize/v2"
)

// Cells read as the spreadsheet shows them. excelize's row iterator gives
// each cell's stored text, but not its type or its number format: a
// boolean reads "1", a date its serial day number. A second, light pass
// over the first sheet's XML reads the type and style of each cell, and
// the workbook's styles say which styles are dates.

// display holds what turning stored text into shown text needs.
type display struct {
	kinds    []cellfmt.Kind // by cell style (cellXfs index)
	date1904 bool
	cells    *cellScan // the first sheet's cell types and styles; nil when it cannot be found
}

// newDisplay reads the workbook's styles and date system, and starts the
// pass over the first sheet. A workbook whose parts cannot be found reads
// raw, as excelize gives it.
func newDisplay(zr *zip.Reader) (*display, error) {
	d := &display{}
	wb, err := readWorkbook(zr)
	if err != nil {
		return nil, err
	}
	d.date1904 = wb.date1904
	if d.kinds, err = readStyles(zr); err != nil {
		return nil, err
	}
	if wb.firstSheet != "" {
		if zf := findPart(zr, wb.firstSheet); zf != nil {
			rc, err := zf.Open()
			if err != nil {
				return nil, err
			}
			d.cells = &cellScan{rc: rc, dec: xml.NewDecoder(rc)}
		}
	}
	return d, nil
}

// close releases the pass over the sheet.
func (d *display) close() {
	if d.cells != nil {
		d.cells.rc.Close()
	}
}

// row turns the stored text of row n's cells into their shown text.
func (d *display) row(n int, rec []string) {
	if d.cells == nil {
		return
	}
	for _, c := range d.cells.row(n) {
		i := c.col - 1
		if i < 0 || i >= len(rec) || rec[i] == "" {
			continue
		}
		rec[i] = d.cell(rec[i], c)
	}
}

// cell returns the shown text of one cell.
func (d *display) cell(raw string, c cellType) string {
	switch c.t {
	case "b":
		return cellfmt.Bool(raw != "0" && !strings.EqualFold(raw, "false"))
	case "d":
		return isoDate(raw)
	case "", "n":
		v, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
		if err != nil {
			return raw
		}
		k := cellfmt.Number
		if c.s >= 0 && c.s < len(d.kinds) {
			k = d.kinds[c.s]
		}
		return cellfmt.Serial(v, k, d.date1904)
	}
	return raw
}

// isoDate returns the shown text of a date cell (t="d"), which holds an
// ISO 8601 date: the date, and the time when it is not midnight. Text of
// another form is returned as it is.
func isoDate(raw string) string {
	for _, layout := range []string{"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		t, err := time.Parse(layout, strings.TrimSpace(raw))
		if err != nil {
			continue
		}
		if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
			return t.Format(time.DateOnly)
		}
		return t.Format(time.DateTime)
	}
	return raw
}

// workbook is what xl/workbook.xml says that reading cells needs.
type workbook struct {
	date1904   bool
	firstSheet string // the part of the first sheet, such as "xl/worksheets/sheet1.xml"
}

const relNS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

// readWorkbook reads the date system and the first sheet's part.
func readWorkbook(zr *zip.Reader) (workbook, error) {
	var wb workbook
	wbPath := "xl/workbook.xml"
	zf := findPart(zr, wbPath)
	if zf == nil {
		return wb, nil
	}
	var firstID string
	err := scanXML(zf, func(se xml.StartElement) bool {
		switch se.Name.Local {
		case "workbookPr":
			v := attr(se, "", "date1904")
			wb.date1904 = v == "1" || v == "true"
		case "sheet":
			firstID = attr(se, relNS, "id")
			return false
		}
		return true
	})
	if err != nil || firstID == "" {
		return wb, err
	}
	rels := findPart(zr, "xl/_rels/workbook.xml.rels")
	if rels == nil {
		return wb, nil
	}
	err = scanXML(rels, func(se xml.StartElement) bool {
		if se.Name.Local == "Relationship" && attr(se, "", "Id") == firstID {
			target := attr(se, "", "Target")
			if strings.HasPrefix(target, "/") {
				wb.firstSheet = strings.TrimPrefix(target, "/")
			} else {
				wb.firstSheet = path.Join(path.Dir(wbPath), target)
			}
			return false
		}
		return true
	})
	return wb, err
}

// readStyles reads which cell styles show dates, times or booleans: the
// number format of each <xf> of <cellXfs>, built in or from <numFmts>.
func readStyles(zr *zip.Reader) ([]cellfmt.Kind, error) {
	zf := findPart(zr, "xl/styles.xml")
	if zf == nil {
		return nil, nil
	}
	custom := map[int]cellfmt.Kind{}
	var xfs []int
	inCellXfs := false
	err := scanXML(zf, func(se xml.StartElement) bool {
		switch se.Name.Local {
		case "numFmt":
			if id, err := strconv.Atoi(attr(se, "", "numFmtId")); err == nil {
				custom[id] = cellfmt.FormatKind(attr(se, "", "formatCode"))
			}
		case "cellXfs":
			inCellXfs = true
		case "cellStyles", "dxfs":
			inCellXfs = false
		case "xf":
			if inCellXfs {
				id, _ := strconv.Atoi(attr(se, "", "numFmtId"))
				xfs = append(xfs, id)
			}
		}
		return true
	})
	kinds := make([]cellfmt.Kind, len(xfs))
	for i, id := range xfs {
		k, ok := custom[id]
		if !ok {
			k = cellfmt.BuiltinKind(id)
		}
		kinds[i] = k
	}
	return kinds, err
}

// findPart returns the archive's part of a name, case aside, or nil.
func findPart(zr *zip.Reader, name string) *zip.File {
	for _, zf := range zr.File {
		if strings.EqualFold(strings.ReplaceAll(zf.Name, `\`, "/"), name) {
			return zf
		}
	}
	return nil
}

// scanXML calls f with each start element of a part until f returns false.
func scanXML(zf *zip.File, f func(xml.StartElement) bool) error {
	rc, err := zf.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	dec := xml.NewDecoder(rc)
	for {
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if se, ok := tok.(xml.StartElement); ok && !f(se) {
			return nil
		}
	}
}

// attr returns an attribute's value; space "" matches an attribute with
// no prefix, relNS one with the relationships prefix ("r:id").
func attr(se xml.StartElement, space, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local != local {
			continue
		}
		if space == "" && a.Name.Space == "" || space != "" && a.Name.Space != "" {
			return a.Value
		}
	}
	return ""
}

// cellType is a cell's column, type (the t attribute) and style (s).
type cellType struct {
	col int
	t   string
	s   int
}

// cellScan reads the cells' types and styles row by row, numbering rows
// and cells as excelize's row iterator does: by their r attribute, else
// one past the one before.
type cellScan struct {
	rc   io.ReadCloser
	dec  *xml.Decoder
	at   int        // the number of the row in next, or 0
	next []cellType // the row read ahead
	done bool
}

// row returns the cells of row n; rows are asked for in increasing order.
func (s *cellScan) row(n int) []cellType {
	for !s.done && s.at < n {
		s.readRow()
	}
	if s.at == n {
		return s.next
	}
	return nil
}

// readRow reads the next <row> element's cells into next.
func (s *cellScan) readRow() {
	s.next = s.next[:0]
	col := 0
	inRow := false
	for {
		tok, err := s.dec.RawToken()
		if err != nil {
			s.done = true
			return
		}
		switch el := tok.(type) {
		case xml.StartElement:
			switch el.Name.Local {
			case "row":
				s.at++
				if r, err := strconv.Atoi(attr(el, "", "r")); err == nil && r > 0 {
					s.at = r
				}
				inRow = true
			case "c":
				if !inRow {
					continue
				}
				col++
				if ref := attr(el, "", "r"); ref != "" {
					if c, _, err := excelize.CellNameToCoordinates(ref); err == nil {
						col = c
					}
				}
				st := -1
				if v, err := strconv.Atoi(attr(el, "", "s")); err == nil {
					st = v
				}
				if len(s.next) < maxScanCells {
					s.next = append(s.next, cellType{col: col, t: attr(el, "", "t"), s: st})
				}
			}
		case xml.EndElement:
			if el.Name.Local == "row" && inRow {
				return
			}
			if el.Name.Local == "sheetData" {
				s.done = true
				return
			}
		}
	}
}

// maxScanCells bounds the cell types kept for one row: Excel's columns.
const maxScanCells = excelize.MaxColumns
