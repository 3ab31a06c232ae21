package catalog

import (
	"fmt"
	"strings"
)

// SyncError is Client.Sync's error when the sync ran but did not do its
// whole job: a row of some stage failed, has an unknown outcome or was not
// attempted, a removal was not made, ctx ended or the state could not be
// committed. A dry run's is the real run's: the rows it would refuse, the
// removals it would not make. It holds the report Sync returns too.
//
// It unwraps to the run's errors (one matching ErrRemovalsSkipped or
// ErrRemovalLimit, the context's, the state's) and to every failed or
// unknown row (a *RowError, which unwraps to its cause). So
// errors.Is(err, ErrOutcomeUnknown) tells whether some row may have been
// applied, errors.Is(err, ErrValidation) whether some row was refused,
// errors.Is(err, ErrServer) whether a request failed with a 5xx, and
// errors.As finds the first *RowError:
//
//	var se *catalog.SyncError
//	if errors.As(err, &se) {
//		log.Print(se) // which stages, how many rows, why
//	}
type SyncError struct {
	// Stages names the stages that did not do their whole job, in the
	// order they ran: "categories", "products", "promotions", "promotion
	// removals", "removals" (the source's products), "category removals".
	// It is empty when only the run's errors say what went wrong (the
	// state's last commit failed, say).
	Stages []string
	Report *SyncReport // the report Sync returned: every row of every stage
	errs   []error     // the run's errors
	// refused holds the removal reports whose removals were not made,
	// or in a dry run would not be.
	refused map[*RemovalReport]bool
}

// syncStage is one stage of a report, by the name SyncError gives it.
type syncStage struct {
	name    string
	rows    *RowReport
	removal *RemovalReport // the stage's removals, for a removal stage
}

// stages lists the report's stages in the order a sync runs them.
func (r *SyncReport) stages() []syncStage {
	return []syncStage{
		{"categories", &r.Categories.RowReport, nil},
		{"products", &r.Products.RowReport, nil},
		{"promotions", &r.Promotions.RowReport, nil},
		{"promotion removals", &r.PromotionRemovals.RowReport, &r.PromotionRemovals},
		{"removals", &r.Removals.RowReport, &r.Removals},
		{"category removals", &r.CategoryRemovals.RowReport, &r.CategoryRemovals},
	}
}

// unit is what a row of the stage is, for Error.
func (st syncStage) unit() string {
	if st.removal != nil {
		return "planned"
	}
	return "rows"
}

// undone is how many rows of the stage were not done: failed, unknown,
// and not attempted. A dry run attempts nothing by design: its rows not
// attempted count only for removals the real run would not make.
func (e *SyncError) undone(st syncStage) (failed, unknown, notAttempted int) {
	failed, unknown = len(st.rows.Failed), len(st.rows.Unknown)
	if !e.Report.DryRun || e.refused[st.removal] {
		notAttempted = len(st.rows.NotAttempted)
	}
	return failed, unknown, notAttempted
}

// syncResult is Sync's error for a run that got past its start, with errs
// the run's errors: nil when every stage did its whole job and errs are
// all nil, else a *SyncError.
func syncResult(rep *SyncReport, refused map[*RemovalReport]bool, errs ...error) error {
	se := &SyncError{Report: rep, refused: refused}
	for _, err := range errs {
		if err != nil {
			se.errs = append(se.errs, err)
		}
	}
	for _, st := range rep.stages() {
		if f, u, n := se.undone(st); f+u+n > 0 {
			se.Stages = append(se.Stages, st.name)
		}
	}
	if len(se.Stages) == 0 && len(se.errs) == 0 {
		return nil
	}
	return se
}

// Error says which stages did not do their whole job, with their counts,
// the run's errors, and the first failed or unknown row:
//
//	catalog: sync incomplete: products: 297 unknown, 3 failed of 300 rows; removals: 19 not attempted of 19 planned;
//	catalog: removals skipped: ...; first row: catalog: row 0 (P000): its request may have been applied: ...
func (e *SyncError) Error() string {
	var b strings.Builder
	b.WriteString("catalog: sync incomplete")
	sep := ": "
	var first *RowError
	for _, st := range e.stages() {
		f, u, n := e.undone(st)
		if f+u+n == 0 {
			continue
		}
		var counts []string
		for _, c := range []struct {
			n    int
			what string
		}{{u, "unknown"}, {f, "failed"}, {n, "not attempted"}} {
			if c.n > 0 {
				counts = append(counts, fmt.Sprintf("%d %s", c.n, c.what))
			}
		}
		fmt.Fprintf(&b, "%s%s: %s of %d %s", sep, st.name, strings.Join(counts, ", "), st.rows.Read, st.unit())
		sep = "; "
		if first == nil {
			first = firstRow(st.rows)
		}
	}
	for _, err := range e.errs {
		b.WriteString(sep + err.Error())
		sep = "; "
	}
	if first != nil {
		b.WriteString(sep + "first row: " + first.Error())
	}
	return b.String()
}

// stages is the report's stages; none for a SyncError built by hand
// without a report.
func (e *SyncError) stages() []syncStage {
	if e.Report == nil {
		return nil
	}
	return e.Report.stages()
}

// firstRow is the lowest failed or unknown row of a stage, or nil.
func firstRow(rows *RowReport) *RowError {
	var first *RowError
	for _, list := range [][]RowError{rows.Failed, rows.Unknown} {
		if len(list) > 0 && (first == nil || list[0].Row < first.Row) {
			first = &list[0]
		}
	}
	return first
}

// Unwrap returns the run's errors, then every failed and unknown row of
// every stage, in stage order. A row refused on its own (no cause: by the
// client's checks or by the platform) matches ErrValidation.
func (e *SyncError) Unwrap() []error {
	out := append([]error(nil), e.errs...)
	for _, st := range e.stages() {
		for _, list := range [][]RowError{st.rows.Failed, st.rows.Unknown} {
			for i := range list {
				if list[i].Cause == nil {
					out = append(out, refusedRow{&list[i]})
				} else {
					out = append(out, &list[i])
				}
			}
		}
	}
	return out
}

// refusedRow is a row refused on its own, as SyncError unwraps it: it
// matches ErrValidation, as the platform's 400 would, and unwraps to the
// *RowError.
type refusedRow struct{ *RowError }

func (r refusedRow) Is(target error) bool { return target == ErrValidation }
func (r refusedRow) Unwrap() error        { return r.RowError }
