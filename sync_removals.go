package catalog

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
)

// RemovalReport accounts for the removals of a full sync: every code of
// Planned is removed (Succeeded), failed, unknown or not attempted. Rows
// are indexes in Planned, and Read is len(Planned).
type RemovalReport struct {
	Planned []string // entity codes of the source absent from the feed, sorted
	RowReport
	Requests int // removal requests sent
	Limit    int // the most the options allow to remove; -1 when none
	// Skipped says why nothing was removed, when nothing was: the limit,
	// a feed that failed in part, a dry run.
	Skipped string
}

// Sentinels for the errors of a full sync's removals.
var (
	// ErrRemovalLimit: more products would have been removed than the
	// limit allows, so none was. SyncReport.Removals says how many
	// (len(Planned)) and the limit (Limit).
	ErrRemovalLimit = errors.New("catalog: removal limit exceeded")
	// ErrRemovalsSkipped: the feed was not applied in full, so no product
	// was removed. SyncReport.Removals says which would have been
	// (Planned) and why none was (Skipped).
	ErrRemovalsSkipped = errors.New("catalog: removals skipped")
)

// removalLimit is the most a full sync may remove; -1 when unlimited.
func (r *syncRun) removalLimit() int {
	if r.o.NoRemovalLimit {
		return -1
	}
	limit, pct := -1, r.o.MaxRemovalPercent
	if r.o.MaxRemovals == 0 && pct == 0 {
		pct = defaultMaxRemovalPercent
	}
	if r.o.MaxRemovals > 0 {
		limit = r.o.MaxRemovals
	}
	if pct > 0 {
		byPct := int(math.Floor(float64(len(r.existing)) * pct / 100))
		if limit < 0 || byPct < limit {
			limit = byPct
		}
	}
	return limit
}

// removals runs the removal stage of a full sync.
func (r *syncRun) removals(ctx context.Context) error {
	rr := &r.rep.Removals
	for code := range r.existing {
		if _, sent := r.inFeed[code]; !sent {
			rr.Planned = append(rr.Planned, code)
		}
	}
	slices.Sort(rr.Planned)
	rr.Read = len(rr.Planned)
	limit := r.removalLimit()
	rr.Limit = limit
	defer func() { r.progress("removals", rowProgress(&rr.RowReport, rr.Requests)) }()
	if r.o.DryRun {
		rr.NotAttempted = indexes(len(rr.Planned))
		return nil
	}
	if len(rr.Planned) == 0 {
		return nil
	}
	st := &r.rep.Products
	var why string
	switch {
	case ctx.Err() != nil:
		why = "the sync stopped early: " + ctx.Err().Error()
	case r.feedBroken:
		why = "the feed yielded an error"
	case !st.ok():
		why = fmt.Sprintf("%d product rows failed, %d have an unknown outcome, %d were not attempted",
			len(st.Failed), len(st.Unknown), len(st.NotAttempted))
	}
	if why != "" {
		rr.Skipped = why
		rr.NotAttempted = indexes(len(rr.Planned))
		return fmt.Errorf("%w: full sync removed none of %d products: %s", ErrRemovalsSkipped, len(rr.Planned), why)
	}
	if limit >= 0 && len(rr.Planned) > limit {
		rr.Skipped = fmt.Sprintf("would remove %d of %d products, over the limit of %d", len(rr.Planned), len(r.existing), limit)
		rr.NotAttempted = indexes(len(rr.Planned))
		return fmt.Errorf("%w: full sync %s: nothing removed", ErrRemovalLimit, rr.Skipped)
	}
	for from := 0; from < len(rr.Planned); from += r.o.RemovalBatch {
		to := min(from+r.o.RemovalBatch, len(rr.Planned))
		if ctx.Err() != nil {
			rr.NotAttempted = append(rr.NotAttempted, indexesFrom(from, to)...)
			continue
		}
		codes := rr.Planned[from:to]
		w, err := r.c.Products.remove(ctx, r.feed.SourceID, codes)
		rr.Requests++
		rows := removalRows(codes, err, w)
		var removed []string
		for pos, s := range rows {
			if s.outcome == RowSucceeded {
				removed = append(removed, codes[pos])
			}
		}
		rr.add(rows, func(pos int) int { return from + pos })
		r.progress("removals", rowProgress(&rr.RowReport, rr.Requests))
		if r.o.State != nil && len(removed) > 0 {
			if err := r.o.State.Commit(nil, removed); err != nil && r.stateErr == nil {
				r.stateErr = err
			}
		}
	}
	return nil
}

func indexes(n int) []int { return indexesFrom(0, n) }

func indexesFrom(from, to int) []int {
	out := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}
