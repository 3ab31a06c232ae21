package main

// The summary of a run's failed rows, for a person: the rows grouped by
// cause, one line per cause, naming the file lines the rows came from.
// Built on the root package's report types only, so that it can move into
// the library.

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
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

// failureGroup is the rows that failed for one cause.
type failureGroup struct {
	cause string // what befell the rows, and what to do, on one line
	rows  []int
	codes []string // the rows' entity codes, when they have one
}

// groupFailures groups errs by cause, the largest group first.
func groupFailures(errs []catalog.RowError, s *rowLines) []failureGroup {
	var groups []failureGroup
	at := map[string]int{}
	for _, e := range errs {
		cause := rowCause(e, s)
		i, ok := at[cause]
		if !ok {
			i = len(groups)
			at[cause] = i
			groups = append(groups, failureGroup{cause: cause})
		}
		groups[i].rows = append(groups[i].rows, e.Row)
		groups[i].codes = append(groups[i].codes, e.EntityCode)
	}
	slices.SortStableFunc(groups, func(a, b failureGroup) int { return len(b.rows) - len(a.rows) })
	return groups
}

// printFailures prints errs under title, one line per cause:
//
//	2,000 rows (lines 2-2001): 401 unauthorized: check the credential
//	line 4 (A-3): column "Prix" -> pricing.list: "x": not a number
func printFailures(w io.Writer, title string, errs []catalog.RowError, s *rowLines) {
	if len(errs) == 0 {
		return
	}
	fmt.Fprintf(w, "%s:\n", title)
	groups := groupFailures(errs, s)
	for i, g := range groups {
		if i == maxListed {
			fmt.Fprintf(w, "  ... and %s more (--json lists every row)\n", plural(len(groups)-maxListed, "cause", "causes"))
			break
		}
		who := where(g.rows, s)
		if len(g.rows) == 1 && g.codes[0] != "" {
			who += " (" + g.codes[0] + ")"
		} else if len(g.rows) > 1 {
			who = plural(len(g.rows), "row", "rows") + " (" + who + ")"
		}
		fmt.Fprintf(w, "  %s: %s\n", who, g.cause)
	}
}

// where names rows by their file lines ("lines 2-5, 9"), or by their
// stream positions when no line is known, the first few only.
func where(rows []int, s *rowLines) string {
	const most = 8 // ranges named
	nums, one, many := rows, "row ", "rows "
	if lines := lineNumbers(rows, s); lines != nil {
		nums, one, many = lines, "line ", "lines "
	}
	nums = slices.Compact(slices.Sorted(slices.Values(nums)))
	var parts []string
	for i := 0; i < len(nums); {
		j := i
		for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
			j++
		}
		if len(parts) == most {
			return many + strings.Join(parts, ", ") + " and " + strconv.Itoa(len(nums)-i) + " more"
		}
		part := strconv.Itoa(nums[i])
		if j > i {
			part += "-" + strconv.Itoa(nums[j])
		}
		parts = append(parts, part)
		i = j + 1
	}
	if len(nums) == 1 {
		return one + parts[0]
	}
	return many + strings.Join(parts, ", ")
}

// lineNumbers is the file line of every row; nil when one is not known.
func lineNumbers(rows []int, s *rowLines) []int {
	lines := make([]int, len(rows))
	for i, r := range rows {
		if lines[i] = s.line(r); lines[i] == 0 {
			return nil
		}
	}
	return lines
}

// rowCause is why a row failed, on one line, printed once: the file's
// error for a row the file could not give, else the cause of the request
// it was in, else the row's own field and reason.
func rowCause(e catalog.RowError, s *rowLines) string {
	var ce *importfile.CellError
	if errors.As(e.Cause, &ce) {
		return cellCause(ce)
	}
	if e.Cause != nil {
		return describeCause(e.Cause)
	}
	reason := strings.Join(strings.Fields(e.Reason), " ")
	if e.Field != "" && !strings.HasPrefix(reason, e.Field) {
		field := e.Field
		if s != nil && s.columns[field] != "" {
			field = fmt.Sprintf("column %q -> %s", s.columns[field], field)
		}
		reason = field + ": " + reason
	}
	if e.Code != "" {
		reason += " (" + e.Code + ")"
	}
	return reason
}

// cellCause is a cell's error without its file and line, which the
// summary names apart.
func cellCause(e *importfile.CellError) string {
	var b strings.Builder
	if e.Column != "" {
		fmt.Fprintf(&b, "column %q", e.Column)
	}
	if e.Field != "" {
		b.WriteString(" -> " + e.Field)
	}
	if e.Value != "" {
		fmt.Fprintf(&b, ": %q", e.Value)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	return strings.TrimSpace(b.String())
}

// describeCause is what befell a request, on one line, with what to do
// next: "401 unauthorized: check the credential". A gateway's page is
// reduced to its status and title. Whether the rows may have been applied
// is the title's to say: the rows' list (failed or unknown) tells.
func describeCause(err error) string {
	var (
		apiErr *catalog.APIError
		urlErr *url.Error
	)
	switch {
	case errors.As(err, &apiErr):
		return describeAnswer(apiErr)
	case errors.As(err, &urlErr):
		return "no answer: " + urlErr.Err.Error() + ": check the base URL and the network"
	}
	return strings.TrimPrefix(strings.TrimPrefix(err.Error(), "catalog: "), "importfile: ")
}

// describeAnswer is an error answer on one line: its status, the
// platform's code and message (a page's title), and what to do.
func describeAnswer(e *catalog.APIError) string {
	parts := []string{fmt.Sprintf("%d %s", e.StatusCode, strings.ToLower(http.StatusText(e.StatusCode)))}
	if e.Code != "" {
		parts[0] += " (" + string(e.Code) + ")"
	}
	msg := e.Message // a gateway's page is already its title
	if msg != "" && !strings.EqualFold(msg, http.StatusText(e.StatusCode)) && !strings.Contains(parts[0], strings.ToLower(msg)) {
		parts = append(parts, msg)
	}
	if advice := answerAdvice(e); advice != "" {
		parts = append(parts, advice)
	}
	return strings.Join(parts, ": ")
}

// answerAdvice says what to do about an error answer.
func answerAdvice(e *catalog.APIError) string {
	switch {
	case e.Code == catalog.CodeSourceNotFound:
		return "create the import source (catalogctl sources create) or check --source"
	case e.StatusCode == http.StatusUnauthorized:
		return "check the credential (API key, token or session)"
	case e.StatusCode == http.StatusForbidden:
		return "the credential may not import: ask for the permission"
	case e.StatusCode == http.StatusNotFound:
		return "check the base URL"
	case e.StatusCode == http.StatusTooManyRequests:
		return "rate limited: lower --rate-limit, or run again later"
	case e.StatusCode >= 500:
		return "the platform failed: run again later"
	}
	return ""
}
