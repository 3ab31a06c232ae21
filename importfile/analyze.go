package importfile

import (
	"io"
	"strings"

	"github.com/pimkit/catalog"
)

// The windows of the platform's analysis, which Analyze reproduces.
const (
	analysisRows = 15 // data rows read, at most
	previewRows  = 10 // rows in FileAnalysis.PreviewRows, at most
	sampleValues = 3  // values in ColumnAnalysis.SampleValues, at most
)

// Analyze computes, with no server, the analysis the platform's analyze
// endpoint answers: from the first 15 data rows, the header's columns with
// their inferred type, first distinct values and counts, and the first 10
// rows. It depends only on the file's bytes, its name and opts, so local
// and server answers agree.
//
// size is the file's size in bytes when known, or -1: the rest of the file
// is then read (and discarded) to count it. A size over Limits.MaxFileBytes
// (catalog.MaxFileBytes by default) is refused with a
// *catalog.TooLargeError before anything is read.
//
// Column types: a column is "number" when every non-empty cell reads with
// ParseNumber (so "12,50" counts), else "boolean" when every one reads
// with ParseBool, else "date" with ParseDate, else "string"; a column with
// no non-empty cell is "string". A cell is empty when it holds only
// spaces; missing cells of short rows are empty too.
//
// JSON and NDJSON files have no header: their columns are the keys of the
// rows read, in order of first appearance. An error of any row, even one
// the row stream would go on after, fails the analysis.
func Analyze(r io.Reader, name string, size int64, opts *Options) (*catalog.FileAnalysis, error) {
	lim := opts.limits(true)
	t, err := catalog.FileTypeOf(name)
	if err != nil {
		return nil, err
	}
	if lim.MaxFileBytes > 0 && size > lim.MaxFileBytes {
		return nil, &catalog.TooLargeError{Name: name, Size: size, Limit: lim.MaxFileBytes}
	}
	cr := &countingReader{r: r}
	a := &catalog.FileAnalysis{FileName: name, FileSize: size, FileType: t,
		Columns: []catalog.ColumnAnalysis{}, PreviewRows: []map[string]string{}}
	var cols columnStats
	for row, err := range rows(&rewinder{r: cr}, name, opts, lim, cols.addAll) {
		if err != nil {
			return nil, err
		}
		for _, c := range row.Cells {
			if cols.add(c.Column) && len(cols.names) > lim.MaxColumns {
				return nil, &LimitError{File: name, What: "columns", Limit: int64(lim.MaxColumns), Line: row.Line}
			}
		}
		cols.row(&row, a.TotalRows)
		if a.TotalRows < previewRows {
			a.PreviewRows = append(a.PreviewRows, row.Map())
		}
		if a.TotalRows++; a.TotalRows == analysisRows {
			break
		}
	}
	if size < 0 {
		max := lim.MaxFileBytes
		if max <= 0 {
			max = 1<<63 - 2
		}
		if _, err := io.Copy(io.Discard, io.LimitReader(cr, max+1-cr.n)); err != nil {
			return nil, readError(name, err)
		}
		if cr.n > max {
			return nil, &catalog.TooLargeError{Name: name, Size: -1, Limit: max}
		}
		a.FileSize = cr.n
	}
	for i, name := range cols.names {
		a.Columns = append(a.Columns, cols.stats[i].analysis(name))
	}
	return a, nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// columnStats gathers the statistics of the columns, in order.
type columnStats struct {
	names []string
	index map[string]int
	stats []*column
}

type column struct {
	seen    map[string]bool
	samples []string
	total   int // non-empty
	empty   int
	number  bool // every non-empty value so far reads as one
	boolean bool
	date    bool
}

func (s *columnStats) addAll(names []string) error {
	for _, n := range names {
		s.add(n)
	}
	return nil
}

// add adds a column, reporting whether it is new.
func (s *columnStats) add(name string) bool {
	if s.index == nil {
		s.index = make(map[string]int)
	}
	if _, ok := s.index[name]; ok {
		return false
	}
	s.index[name] = len(s.names)
	s.names = append(s.names, name)
	s.stats = append(s.stats, &column{seen: map[string]bool{}, number: true, boolean: true, date: true})
	return true
}

// row counts one row; before is the number of rows counted before it. A
// column missing from the row, or first seen in it (JSON), counts empty
// for every row it was missing from.
func (s *columnStats) row(r *Row, before int) {
	for _, c := range r.Cells {
		s.stats[s.index[c.Column]].value(c.Value)
	}
	for _, st := range s.stats {
		st.empty += before + 1 - st.total - st.empty
	}
}

func (c *column) value(v string) {
	t := strings.TrimSpace(v)
	if t == "" {
		c.empty++
		return
	}
	c.total++
	if !c.seen[v] {
		c.seen[v] = true
		if len(c.samples) < sampleValues {
			c.samples = append(c.samples, v)
		}
	}
	if c.number {
		_, err := ParseNumber(t)
		c.number = err == nil
	}
	if c.boolean {
		_, err := ParseBool(t)
		c.boolean = err == nil
	}
	if c.date {
		_, err := ParseDate(t)
		c.date = err == nil
	}
}

// The values of catalog.ColumnAnalysis.Type.
const (
	typeString  = "string"
	typeNumber  = "number"
	typeBoolean = "boolean"
	typeDate    = "date"
)

// analysis types the column as catalog.ColumnAnalysis.Type says: the first
// of number, boolean and date that every non-empty cell reads as, else
// string.
func (c *column) analysis(name string) catalog.ColumnAnalysis {
	typ := typeString
	switch {
	case c.total == 0:
	case c.number:
		typ = typeNumber
	case c.boolean:
		typ = typeBoolean
	case c.date:
		typ = typeDate
	}
	samples := c.samples
	if samples == nil {
		samples = []string{}
	}
	return catalog.ColumnAnalysis{Name: name, Type: typ, SampleValues: samples,
		TotalValues: c.total, UniqueCount: len(c.seen), EmptyCount: c.empty}
}
