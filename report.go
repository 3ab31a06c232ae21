package catalog

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// RowOutcome is what became of one input row.
type RowOutcome int

// Row outcomes. Every row read from the stream ends in exactly one.
const (
	RowSucceeded    RowOutcome = iota + 1 // applied: confirmed by the server
	RowFailed                             // not applied: rejected, with a reason
	RowUnknown                            // sent, but no answer said whether it was applied
	RowNotAttempted                       // read but never sent
)

// String names the outcome.
func (o RowOutcome) String() string {
	switch o {
	case RowSucceeded:
		return "succeeded"
	case RowFailed:
		return "failed"
	case RowUnknown:
		return "unknown"
	case RowNotAttempted:
		return "not attempted"
	}
	return fmt.Sprintf("RowOutcome(%d)", int(o))
}

// RowReport accounts for the rows of one call: every row read is
// succeeded, failed, unknown or not attempted, so Read equals Succeeded +
// len(Failed) + len(Unknown) + len(NotAttempted) (plus the rows a report
// counts apart, such as a stage's Unchanged). BulkReport, StageReport and
// RemovalReport embed it; rows are numbered as each of them says.
type RowReport struct {
	Read         int        // rows taken
	Succeeded    int        // rows confirmed applied
	Failed       []RowError // rows not applied, sorted by Row, each with its reason
	Unknown      []RowError // rows sent whose outcome no answer confirmed, sorted by Row, with the cause
	NotAttempted []int      // rows never sent, sorted
}

// Outcome returns what became of row. Rows outside 0..Read-1 were never
// read: RowNotAttempted; rows in no list succeeded. It relies on the
// lists being sorted, as the SDK returns them.
func (r *RowReport) Outcome(row int) RowOutcome {
	_, skipped := slices.BinarySearch(r.NotAttempted, row)
	switch {
	case row < 0 || row >= r.Read || skipped:
		return RowNotAttempted
	case hasRow(r.Failed, row):
		return RowFailed
	case hasRow(r.Unknown, row):
		return RowUnknown
	}
	return RowSucceeded
}

// add records the settled rows of one request; row maps a position in
// the request to the report's row number.
func (r *RowReport) add(settled []settledRow, row func(pos int) int) {
	for pos, s := range settled {
		s.err.Row = row(pos)
		switch s.outcome {
		case RowSucceeded:
			r.Succeeded++
		case RowFailed:
			r.Failed = append(r.Failed, s.err)
		case RowUnknown:
			r.Unknown = append(r.Unknown, s.err)
		}
	}
}

// nameLines sets each failed and unknown row's file Line, when lines
// (BulkOptions.Lines) knows it.
func (r *RowReport) nameLines(lines func(row int) int) {
	if lines == nil {
		return
	}
	for _, errs := range [][]RowError{r.Failed, r.Unknown} {
		for i := range errs {
			errs[i].Line = lines(errs[i].Row)
		}
	}
}

// rowCount is n rows in words: "1 row", "2 rows".
func rowCount(n int) string {
	if n == 1 {
		return "1 row"
	}
	return fmt.Sprintf("%d rows", n)
}

// rowName names a row as a user finds it: by its file line when lines
// knows it, else by its position.
func rowName(row int, lines func(row int) int) string {
	if lines != nil {
		if line := lines(row); line > 0 {
			return fmt.Sprintf("line %d", line)
		}
	}
	return fmt.Sprintf("row %d", row)
}

// sort puts the lists in row order.
func (r *RowReport) sort() {
	sortRows(r.Failed)
	sortRows(r.Unknown)
	slices.Sort(r.NotAttempted)
}

// sortRows sorts row errors by Row.
func sortRows(errs []RowError) []RowError {
	slices.SortFunc(errs, func(a, b RowError) int { return a.Row - b.Row })
	return errs
}

// hasRow reports whether errs, sorted by Row, holds an error for row.
func hasRow(errs []RowError, row int) bool {
	_, ok := slices.BinarySearchFunc(errs, row, func(e RowError, row int) int { return e.Row - row })
	return ok
}

// answer is what the answer to one request that carried rows says of
// them, whichever call sent it (ImportAll, the Batcher, Sync's stages and
// removals) and whichever shape it came in (see directAnswer, jobAnswer,
// entityAnswer, removalRows).
type answer struct {
	method, path string
	// err is the request's error; nil for a 2xx answer.
	err error
	// succeeded and failed are the answer's counts of the rows sent.
	succeeded, failed int
	// errs are the rows it lists failed, Row being the position in the
	// request.
	errs []RowError
	// failedAll, when set, fails every row errs does not list, for it: a
	// job that ended failed without naming its rows.
	failedAll error
}

// The reasons of rows that befell their request; the request's error is
// the row's Cause, which RowError.Error prints after the reason.
const (
	reasonFailed  = "its request failed"
	reasonUnknown = "its request may have been applied"
)

// settledRow is one row's outcome; err, for every outcome but
// RowSucceeded, says why, with Row the position in the request.
type settledRow struct {
	outcome RowOutcome
	err     RowError
}

// settle is the one rule that turns an answer to a request of n rows into
// row outcomes, for every call that sends rows:
//
//   - an error that matches ErrOutcomeUnknown (no answer, or one from a
//     gateway rather than the platform): every row is unknown;
//   - any other error (the platform refused the request): every row failed;
//   - a 2xx answer: a row it lists failed with its error; the others
//     succeeded when the counts agree with that list (or failedAll fails
//     them). A 2xx answer whose body cannot be followed, its counts
//     disagreeing with the rows sent, may still have applied them: those
//     rows are unknown, and so are the rows of a 2xx queue answer without
//     a job_id (see unfollowable).
//
// Every row that failed or is unknown for the request's sake carries its
// cause (RowError.Cause), so errors.Is(rowErr, ErrServer) or
// errors.Is(rowErr, ErrOutcomeUnknown) sorts rows by what befell them; a
// row the platform refused on its own has its own reason and no cause.
func settle(n int, a answer) []settledRow {
	out := make([]settledRow, n)
	switch {
	case errors.Is(a.err, ErrOutcomeUnknown):
		for i := range out {
			out[i] = settledRow{RowUnknown, RowError{Reason: reasonUnknown, Cause: a.err}}
		}
		return out
	case a.err != nil:
		for i := range out {
			out[i] = settledRow{RowFailed, RowError{Reason: reasonFailed, Cause: a.err}}
		}
		return out
	}
	listed := 0
	for _, e := range a.errs {
		if e.Row >= 0 && e.Row < n && out[e.Row].outcome == 0 {
			out[e.Row] = settledRow{RowFailed, e}
			listed++
		}
	}
	var unknown error
	if a.failedAll == nil && (a.failed != listed || a.succeeded != n-listed) {
		unknown = unfollowable(a.method, a.path, fmt.Sprintf(
			"the server counted %d succeeded and %d failed of %d rows but listed %d failures", a.succeeded, a.failed, n, listed))
	}
	for i := range out {
		switch {
		case out[i].outcome != 0:
		case a.failedAll != nil:
			out[i] = settledRow{RowFailed, RowError{Reason: reasonFailed, Cause: a.failedAll}}
		case unknown != nil:
			out[i] = settledRow{RowUnknown, RowError{Reason: reasonUnknown, Cause: unknown}}
		default:
			out[i].outcome = RowSucceeded
		}
	}
	return out
}

// directAnswer is a direct import's answer, with every row error (see
// JobsService.allErrors).
func directAnswer(path string, err error, res *ProductImportResult, errs []RowError) answer {
	a := answer{method: http.MethodPost, path: path, err: err}
	if err == nil {
		a.succeeded, a.failed, a.errs = res.Summary.Successful, res.Summary.Failed, errs
	}
	return a
}

// jobAnswer is a finished job of n rows, read by status first (see
// Job.rowCounts), with every row error.
func jobAnswer(job *Job, n int, errs []RowError) answer {
	a := answer{method: http.MethodGet, path: jobPath(job.ID), errs: errs}
	a.succeeded, a.failed = job.rowCounts(n)
	if job.Status == JobFailed && len(job.Errors) == 0 {
		a.failedAll = jobFailed(job)
	}
	return a
}

// unobserved is the error of a queued job whose end was not seen (ctx
// ended, or polling failed): its rows may have been applied.
func unobserved(jobID string, err error) error {
	what := fmt.Errorf("queued as job %s; its end was not observed", jobID)
	if err != nil {
		what = fmt.Errorf("%w: %w", what, err)
	}
	return &OutcomeUnknownError{Method: http.MethodGet, Path: jobPath(jobID), Err: what}
}

func jobPath(id string) string { return "/api/b2b/pim/jobs/" + url.PathEscape(id) }

// entityAnswer is a category or promotion import's answer; sent maps a
// position in the request to the caller's index, which the answer's row
// errors name.
func entityAnswer(path string, err error, res *EntityImportResult, sent []int) answer {
	a := answer{method: http.MethodPost, path: path, err: err}
	if err != nil {
		return a
	}
	pos := make(map[int]int, len(sent))
	for p, i := range sent {
		pos[i] = p
	}
	a.succeeded, a.failed = res.Summary.Successful, res.Summary.Failed
	for _, e := range res.Errors {
		if p, ok := pos[e.Row]; ok {
			e.Row = p
			a.errs = append(a.errs, e)
		}
	}
	return a
}

// removalRows settles a removal of codes (its answer w, or the request's
// error): a removed code succeeded, and every other row names its code.
func removalRows(codes []string, err error, w *removeWire) []settledRow {
	a := answer{method: http.MethodPost, path: productsRemovePath, err: err}
	if w != nil {
		a.succeeded, a.failed, a.errs = w.Summary.Removed, w.Summary.Failed, w.Errors
	}
	rows := settle(len(codes), a)
	for pos := range rows {
		if rows[pos].outcome != RowSucceeded && rows[pos].err.EntityCode == "" {
			rows[pos].err.EntityCode = codes[pos]
		}
	}
	return rows
}

// allErrors returns every row error of a job whose answer listed only
// some: a direct import's answer names the first 100, and a job answer may
// list only the first ones too. When listed names fewer rows than failed,
// the paged errors endpoint is read to the end, so that the rows it names
// fail and the others succeed rather than all turning unknown. If that
// read fails, the errors listed are all there is.
func (s *JobsService) allErrors(ctx context.Context, jobID string, listed []RowError, failed int) []RowError {
	if len(listed) >= failed || jobID == "" {
		return listed
	}
	var all []RowError
	for e, err := range s.Errors(ctx, jobID) {
		if err != nil {
			return listed
		}
		all = append(all, e)
	}
	if len(all) < len(listed) {
		return listed
	}
	return all
}

// Summary tells a person what befell the rows that were not applied, in a
// few lines: the failed rows, then the unknown ones, one line per cause,
// the cause with most rows first, naming the rows by their file lines
// when the report knows them (BulkOptions.Lines), then the rows not
// attempted. It is "" when every row was applied. A cause is written once,
// with what to do about it:
//
//	3 rows failed:
//	  2 rows (lines 2-3): its request failed: 401 Unauthorized (UNAUTHENTICATED): check the credential
//	  line 7 (SKU-0005): quantity: must be a finite number >= 0, got -3
func (r *RowReport) Summary() string {
	var b strings.Builder
	section := func(errs []RowError, title string) {
		if len(errs) == 0 {
			return
		}
		fmt.Fprintf(&b, "%s %s:\n", rowCount(len(errs)), title)
		groups := groupByCause(errs)
		for i, g := range groups {
			if i == maxCauses {
				fmt.Fprintf(&b, "  ... and %d more causes\n", len(groups)-maxCauses)
				break
			}
			who := rowsNamed(g.rows)
			switch {
			case len(g.rows) == 1 && g.rows[0].EntityCode != "":
				who += " (" + g.rows[0].EntityCode + ")"
			case len(g.rows) > 1:
				who = rowCount(len(g.rows)) + " (" + who + ")"
			}
			fmt.Fprintf(&b, "  %s: %s\n", who, g.cause)
		}
	}
	section(r.Failed, "failed")
	section(r.Unknown, "may have been applied (no answer said)")
	if n := len(r.NotAttempted); n > 0 {
		rows := make([]RowError, n)
		for i, row := range r.NotAttempted {
			rows[i].Row = row
		}
		fmt.Fprintf(&b, "%s not attempted (%s)\n", rowCount(n), rowsNamed(rows))
	}
	return b.String()
}

// maxCauses bounds the causes a Summary lists.
const maxCauses = 10

// causeGroup is the rows that befell one cause.
type causeGroup struct {
	cause string
	rows  []RowError
}

// groupByCause groups rows by causeOf, the largest group first.
func groupByCause(errs []RowError) []causeGroup {
	var groups []causeGroup
	at := map[string]int{}
	for _, e := range errs {
		cause := causeOf(&e)
		i, ok := at[cause]
		if !ok {
			i, at[cause] = len(groups), len(groups)
			groups = append(groups, causeGroup{cause: cause})
		}
		groups[i].rows = append(groups[i].rows, e)
	}
	slices.SortStableFunc(groups, func(a, b causeGroup) int { return len(b.rows) - len(a.rows) })
	return groups
}

// causeOf is why a row was not applied, on one line, without the row's
// name: its field and reason, then what befell its request, said once.
func causeOf(e *RowError) string {
	reason := strings.Join(strings.Fields(e.Reason), " ")
	if e.Field != "" && !strings.HasPrefix(reason, e.Field) {
		reason = e.Field + ": " + reason
	}
	if e.Code != "" {
		reason += " (" + e.Code + ")"
	}
	if e.Cause != nil {
		reason += ": " + describe(e.Cause)
	}
	return reason
}

// describe is an error on one line with what to do about it: an answer by
// its status, code, message and advice; no answer by what the network did.
func describe(err error) string {
	var apiErr *APIError
	var urlErr *url.Error
	switch {
	case errors.As(err, &apiErr):
		s := fmt.Sprintf("%d %s", apiErr.StatusCode, http.StatusText(apiErr.StatusCode))
		if apiErr.Code != "" {
			s += " (" + string(apiErr.Code) + ")"
		}
		if m := apiErr.Message; m != "" && !strings.EqualFold(m, http.StatusText(apiErr.StatusCode)) && !strings.Contains(s, m) {
			s += ": " + m
		}
		if advice := adviceFor(apiErr); advice != "" {
			s += ": " + advice
		}
		return s
	case errors.As(err, &urlErr):
		return "no answer: " + urlErr.Err.Error() + ": check the base URL and the network"
	}
	return strings.TrimPrefix(strings.TrimPrefix(err.Error(), "catalog: "), "importfile: ")
}

// adviceFor says what to do about an error answer; "" when the answer says it.
func adviceFor(e *APIError) string {
	switch {
	case e.Code == CodeSourceNotFound:
		return "create the import source, or check its id"
	case e.StatusCode == http.StatusUnauthorized:
		return "check the credential (API key, token or session)"
	case e.StatusCode == http.StatusForbidden:
		return "the credential may not import: ask for the permission"
	case e.StatusCode == http.StatusNotFound:
		return "check the base URL"
	case e.StatusCode == http.StatusTooManyRequests:
		return "rate limited: lower the client's rate limit, or try again later"
	case e.StatusCode >= 500:
		return "the platform failed: try again later"
	}
	return ""
}

// rowsNamed names rows by their file lines ("lines 2-5, 9") when each has
// one, else by their positions ("rows 3, 12"), the first few ranges only.
func rowsNamed(rows []RowError) string {
	const most = 8 // ranges named
	nums, one, many := make([]int, len(rows)), "line ", "lines "
	for i, e := range rows {
		if nums[i] = e.Line; e.Line <= 0 {
			nums, one, many = nil, "row ", "rows "
			break
		}
	}
	if nums == nil {
		for _, e := range rows {
			nums = append(nums, e.Row)
		}
	}
	nums = slices.Compact(slices.Sorted(slices.Values(nums)))
	var parts []string
	for i := 0; i < len(nums); {
		j := i
		for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
			j++
		}
		if len(parts) == most {
			return many + strings.Join(parts, ", ") + fmt.Sprintf(" and %d more", len(nums)-i)
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
