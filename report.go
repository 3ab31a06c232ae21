package catalog

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
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
// entityAnswer, removalAnswer).
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

// removalAnswer is a removal's answer: a removed code succeeded. A 2xx
// answer comes with its result even when Remove found its counts wrong;
// settle then reads the counts itself.
func removalAnswer(err error, res *RemoveResult) answer {
	a := answer{method: http.MethodPost, path: productsRemovePath, err: err}
	if res != nil {
		a.err, a.succeeded, a.failed, a.errs = nil, res.Removed, res.Failed, res.Errors
	}
	return a
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
