package main

// Where a run's rows came from, and their failures printed for a person
// as catalog.RowReport.Summary groups them.

import (
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/importfile"
)

// rowLines says where the rows of a stream came from: the file line of
// each row read from a file (importfile.Lines, which ImportAll also reads
// through BulkOptions.Lines) and the column of each mapped field. A nil
// *rowLines names rows by their stream position.
type rowLines struct {
	lineOf  func(row int) int // importfile.Lines.Line; nil: no lines
	columns map[string]string // a product field's column, from the mapping
	// rowsAreLines says that rows are already file lines, as in the row
	// errors of a file upload's job.
	rowsAreLines bool
}

// line is the file line of row, or 0.
func (s *rowLines) line(row int) int {
	switch {
	case s == nil || row < 0:
		return 0
	case s.rowsAreLines:
		return row
	case s.lineOf == nil:
		return 0
	}
	return s.lineOf(row)
}

// fileProducts streams the products of a file with importfile.Products,
// noting in s the line of each row and the column of each field.
func fileProducts(r io.Reader, name string, m importfile.Mapping, opts importfile.Options, s *rowLines) iter.Seq2[catalog.Product, error] {
	s.columns = map[string]string{}
	for col, field := range m.Fields {
		s.columns[field] = col
	}
	opts.Lines = new(importfile.Lines)
	s.lineOf = opts.Lines.Line
	return importfile.Products(r, name, m, &opts)
}

// printFailures prints errs under title, one line per cause, as
// catalog.RowReport.Summary words them (the title stands for its heading),
// each field at fault (every problem of a row) named with the file's
// column that maps to it. Rows of a file upload's job are already file
// lines.
func printFailures(w io.Writer, title string, errs []catalog.RowError, s *rowLines) {
	if len(errs) == 0 {
		return
	}
	if s != nil {
		errs = slices.Clone(errs)
		for i, e := range errs {
			if s.rowsAreLines {
				errs[i].Line = e.Row
			}
			errs[i].Field = s.fieldName(e.Field)
			if e.Problems != nil {
				errs[i].Problems = slices.Clone(e.Problems)
				for j, p := range e.Problems {
					errs[i].Problems[j].Field = s.fieldName(p.Field)
				}
			}
		}
	}
	_, causes, _ := strings.Cut((&catalog.RowReport{Failed: errs}).Summary(), "\n")
	fmt.Fprintf(w, "%s:\n%s", title, causes)
}

// column is the file's column that maps to a product field; "" when
// none does, or the rows did not come from a mapped file.
func (s *rowLines) column(field string) string {
	if s == nil || field == "" {
		return ""
	}
	return s.columns[field]
}

// fieldName names a product field by the file's column that maps to it,
// as in `column "Stock" -> quantity`, when the mapping has one.
func (s *rowLines) fieldName(field string) string {
	if col := s.column(field); col != "" {
		return fmt.Sprintf("column %q -> %s", col, field)
	}
	return field
}
