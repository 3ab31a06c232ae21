package catalog

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// RemovalReport accounts for the removals of one kind in a full sync:
// every key of Planned is removed (Succeeded), failed, unknown or not
// attempted. Rows are indexes in Planned, and Read is len(Planned).
type RemovalReport struct {
	// Planned lists what the feed no longer has, in the order it is
	// removed: products by entity code, sorted; categories by id,
	// children before their parents; promotions as "promo_code#promo_row",
	// sorted.
	Planned []string
	RowReport
	// Kept lists what the feed no longer has but must stay, each with why
	// (Reason), none of it in Planned nor counted by the limit: a category
	// a product of the feed references, or the parent of a category that
	// stays. Row is its index among the tenant's categories, sorted by id.
	Kept     []RowError
	Requests int // removal requests sent
	// Limit is the most the options allow to remove of this kind, the
	// stricter of SyncOptions.MaxRemovals and MaxRemovalPercent; -1 when
	// none.
	Limit int
	// Skipped says why nothing was removed, when nothing was: the limit
	// ("refused: N removals over the limit of M"), a feed that failed in
	// part, a dry run ("dry run" when the real run would remove; "would
	// refuse: N removals over the limit of M", "would skip: ..." when it
	// would not).
	Skipped string
}

// Sentinels for the errors of a full sync's removals.
var (
	// ErrRemovalLimit: more would have been removed than the limit allows,
	// so none was (in a dry run: a real run would refuse). The report's
	// RemovalReport says how many (len(Planned)) and the limit (Limit).
	ErrRemovalLimit = errors.New("catalog: removal limit exceeded")
	// ErrRemovalsSkipped: the feed was not applied in full (in a dry run:
	// a real run would refuse some of its rows), so nothing was removed.
	// The report's RemovalReport says which would have been (Planned) and
	// why none was (Skipped).
	ErrRemovalsSkipped = errors.New("catalog: removals skipped")
)

// defaultMaxRemovalPercent is the percentage limit of a full sync that
// leaves MaxRemovalPercent 0: 10% of what the tenant holds of each kind.
const defaultMaxRemovalPercent = 10.0

// removalKind is one kind of the tenant's entities that a full sync
// removes when the feed no longer has them.
type removalKind struct {
	name  string // plural, as errors and reasons name it: "products"
	phase string // the phase SyncOptions.Progress names
	rep   *RemovalReport
	base  int // how many the tenant held before the run: the percentage's base
	// send removes keys in one request and settles each key.
	send func(ctx context.Context, keys []string) []settledRow
}

// removals runs the removal stages of a full sync, one kind after the
// other, and returns their errors joined.
func (r *syncRun) removals(ctx context.Context) error {
	var errs []error
	for _, k := range r.removalKinds() {
		errs = append(errs, r.removeKind(ctx, k))
	}
	return errors.Join(errs...)
}

// removalKinds plans the removals of every kind the sync replaces, in the
// order that keeps references whole.
// Promotions go first, since they target products' packaging options;
// categories last, since products reference them; a kind the feed leaves
// nil is not replaced.
func (r *syncRun) removalKinds() []*removalKind {
	var kinds []*removalKind
	if r.feed.Promotions != nil {
		kinds = append(kinds, r.promotionRemovals())
	}
	kinds = append(kinds, r.productRemovals())
	if r.feed.Categories != nil {
		kinds = append(kinds, r.categoryRemovals())
	}
	return kinds
}

// listPromotions lists the tenant's promotions before the run: when a
// full sync replaces them, and when a dry run plans the feed's (an
// incremental one too: promotions are few, a request per page).
func (r *syncRun) listPromotions(ctx context.Context) error {
	full := !r.o.Incremental && r.feed.Promotions != nil
	if !full && !(r.o.DryRun && len(r.feed.Promotions) > 0) {
		return nil
	}
	for p, err := range r.c.Promotions.List(ctx) {
		if err != nil {
			return fmt.Errorf("catalog: sync: listing promotions: %w", err)
		}
		if r.promos == nil {
			r.promos = map[string]Promotion{}
		}
		r.promos[promotionKey(&p)] = Promotion{PromoCode: p.PromoCode, PromoRow: p.PromoRow} // what a removal names
	}
	return nil
}

// promotionRemovals plans the removal of the tenant's promotions the feed
// lacks (an ended sale): by promo_code and promo_row.
func (r *syncRun) promotionRemovals() *removalKind {
	rr := &r.rep.PromotionRemovals
	inFeed := make(map[string]bool, len(r.feed.Promotions))
	for i := range r.feed.Promotions {
		inFeed[promotionKey(&r.feed.Promotions[i])] = true
	}
	for key := range r.promos {
		if !inFeed[key] {
			rr.Planned = append(rr.Planned, key)
		}
	}
	slices.Sort(rr.Planned)
	return &removalKind{name: "promotions", phase: "promotion removals", rep: rr, base: len(r.promos),
		send: func(ctx context.Context, keys []string) []settledRow {
			ps := make([]Promotion, len(keys))
			for i, key := range keys {
				ps[i] = r.promos[key]
			}
			w, err := r.c.sendRemoval(ctx, promotionsRemovePath, promotionRemoval(ps))
			return keyedRows(keys, removalRows(promotionsRemovePath, keys, err, w))
		}}
}

// keyedRows names each settled row by its removal key (a promotion's
// promo_code#promo_row rather than the server's promo_code), so that the
// report names what Planned names.
func keyedRows(keys []string, rows []settledRow) []settledRow {
	for pos := range rows {
		if rows[pos].outcome != RowSucceeded {
			rows[pos].err.EntityCode = keys[pos]
		}
	}
	return rows
}

// categoryRemovals plans the removal of the tenant's categories the feed
// lacks, children before their parents. A category that a product of the
// feed references stays, and so does every ancestor of a category that
// stays; the platform refuses, too, to remove a category a stored product
// references.
func (r *syncRun) categoryRemovals() *removalKind {
	rr := &r.rep.CategoryRemovals
	inFeed := make(map[string]string, len(r.feed.Categories)) // id -> parent id
	for _, c := range r.feed.Categories {
		inFeed[deref(c.CategoryID)] = deref(c.ParentID)
	}
	why := map[string]string{} // tenant id the feed lacks -> why it stays
	var keep func(id, reason string)
	keep = func(id, reason string) {
		_, fed := inFeed[id]
		_, held := r.tenantCats[id]
		if _, done := why[id]; fed || !held || done {
			return
		}
		why[id] = reason
		keep(r.tenantCats[id], fmt.Sprintf("the parent of category %q, which stays", id))
	}
	for _, id := range slices.Sorted(maps.Keys(r.usedCats)) {
		keep(id, fmt.Sprintf("referenced by product %q of the feed", r.usedCats[id]))
	}
	for _, id := range slices.Sorted(maps.Keys(inFeed)) {
		keep(inFeed[id], fmt.Sprintf("the parent of category %q of the feed", id))
	}
	depth := map[string]int{}
	for row, id := range slices.Sorted(maps.Keys(r.tenantCats)) {
		_, fed := inFeed[id]
		switch reason, kept := why[id]; {
		case fed:
		case kept:
			rr.Kept = append(rr.Kept, RowError{Row: row, EntityCode: id, Field: "category_id", Reason: "kept: " + reason})
		default:
			rr.Planned = append(rr.Planned, id)
			depth[id] = treeDepth(r.tenantCats, id)
		}
	}
	slices.SortStableFunc(rr.Planned, func(a, b string) int { return cmp.Compare(depth[b], depth[a]) }) // children first
	return &removalKind{name: "categories", phase: "category removals", rep: rr, base: len(r.tenantCats),
		send: func(ctx context.Context, ids []string) []settledRow {
			w, err := r.c.sendRemoval(ctx, categoriesRemovePath, map[string]any{"category_ids": ids})
			return removalRows(categoriesRemovePath, ids, err, w)
		}}
}

// treeDepth is how many ancestors id has in tree (id -> parent id); a
// cycle, which the platform does not store, ends the walk.
func treeDepth(tree map[string]string, id string) int {
	d := 0
	for cur := tree[id]; cur != "" && d <= len(tree); cur = tree[cur] {
		d++
	}
	return d
}

// useCategory records that a product of the feed references category id.
func (r *syncRun) useCategory(id, product string) {
	if r.usedCats == nil {
		r.usedCats = map[string]string{}
	}
	if _, ok := r.usedCats[id]; !ok {
		r.usedCats[id] = product
	}
}

// productRemovals plans the removal of the source's products the feed
// lacks.
func (r *syncRun) productRemovals() *removalKind {
	rr := &r.rep.Removals
	for code := range r.existing {
		if _, sent := r.inFeed[code]; !sent {
			rr.Planned = append(rr.Planned, code)
		}
	}
	slices.Sort(rr.Planned)
	return &removalKind{name: "products", phase: "removals", rep: rr, base: len(r.existing),
		send: func(ctx context.Context, codes []string) []settledRow {
			w, err := r.c.sendRemoval(ctx, productsRemovePath, productRemoval(r.feed.SourceID, codes))
			return removalRows(productsRemovePath, codes, err, w)
		}}
}

// removalLimit is the most a full sync may remove of a kind the tenant
// held base of: the stricter of the absolute and the percentage limit,
// the percentage being 10% unless set or turned off; -1 when unlimited.
func removalLimit(o *SyncOptions, base int) int {
	if o.NoRemovalLimit {
		return -1
	}
	limit := -1
	if o.MaxRemovals > 0 {
		limit = o.MaxRemovals
	}
	if pct := removalPercent(o); pct >= 0 {
		byPct := int(math.Floor(float64(base) * pct / 100))
		if limit < 0 || byPct < limit {
			limit = byPct
		}
	}
	return limit
}

// removalPercent is the percentage limit in force; negative when off.
func removalPercent(o *SyncOptions) float64 {
	if o.MaxRemovalPercent == 0 {
		return defaultMaxRemovalPercent
	}
	return o.MaxRemovalPercent
}

// limitText says where a kind's limit comes from, for a refusal.
func limitText(o *SyncOptions, k *removalKind) string {
	var parts []string
	if pct := removalPercent(o); pct >= 0 {
		parts = append(parts, fmt.Sprintf("%g%% of %d %s", pct, k.base, k.name))
	}
	if o.MaxRemovals > 0 {
		parts = append(parts, fmt.Sprintf("MaxRemovals %d", o.MaxRemovals))
	}
	if len(parts) == 2 {
		return "the stricter of " + strings.Join(parts, " and ")
	}
	return strings.Join(parts, "")
}

// refuse notes that the removals of rr were not made, or in a dry run
// would not be: Sync's error counts them (see SyncError).
func (r *syncRun) refuse(rr *RemovalReport) {
	if r.refused == nil {
		r.refused = map[*RemovalReport]bool{}
	}
	r.refused[rr] = true
}

// removeKind runs the removals of one kind. A dry run takes the same
// decisions as a real run and stops before sending, so it refuses what a
// real run would refuse, with the same error.
func (r *syncRun) removeKind(ctx context.Context, k *removalKind) error {
	rr := k.rep
	rr.Read = len(rr.Planned)
	rr.Limit = removalLimit(&r.o, k.base)
	defer func() { r.progress(k.phase, rowProgress(&rr.RowReport, rr.Requests)) }()
	if len(rr.Planned) == 0 {
		return nil
	}
	if why := r.feedTrouble(ctx); why != "" {
		rr.NotAttempted = indexes(len(rr.Planned))
		r.refuse(rr)
		if r.o.DryRun {
			rr.Skipped = "would skip: " + why
			return fmt.Errorf("%w: %s: a real run would remove none of %d: %s", ErrRemovalsSkipped, k.name, len(rr.Planned), why)
		}
		rr.Skipped = why
		return fmt.Errorf("%w: %s: full sync removed none of %d: %s", ErrRemovalsSkipped, k.name, len(rr.Planned), why)
	}
	if rr.Limit >= 0 && len(rr.Planned) > rr.Limit {
		rr.NotAttempted = indexes(len(rr.Planned))
		r.refuse(rr)
		verb := "refused"
		if r.o.DryRun {
			verb = "would refuse"
		}
		rr.Skipped = fmt.Sprintf("%s: %d removals over the limit of %d", verb, len(rr.Planned), rr.Limit)
		return fmt.Errorf("%w: %s: %s (%s): nothing removed", ErrRemovalLimit, k.name, rr.Skipped, limitText(&r.o, k))
	}
	if r.o.DryRun {
		rr.Skipped = "dry run"
		rr.NotAttempted = indexes(len(rr.Planned))
		return nil
	}
	for from := 0; from < len(rr.Planned); from += r.o.RemovalBatch {
		to := min(from+r.o.RemovalBatch, len(rr.Planned))
		if ctx.Err() != nil {
			rr.NotAttempted = append(rr.NotAttempted, indexesFrom(from, to)...)
			continue
		}
		keys := rr.Planned[from:to]
		rows := k.send(ctx, keys)
		rr.Requests++
		rr.add(rows, func(pos int) int { return from + pos })
		r.progress(k.phase, rowProgress(&rr.RowReport, rr.Requests))
	}
	return nil
}

// feedTrouble says why the feed was not applied in full, or "": removals
// of any kind need every row of every stage applied. In a dry run it says
// why a real run's feed would not be: the rows it would refuse.
func (r *syncRun) feedTrouble(ctx context.Context) string {
	if err := ctx.Err(); err != nil {
		return "the sync stopped early: " + err.Error()
	}
	if r.feedBroken {
		return "the feed yielded an error"
	}
	if r.stateErr != nil {
		// The products to remove keep their hashes: removing them would
		// leave the state saying the platform holds them.
		return "the sync state could not be committed"
	}
	var parts []string
	for _, s := range []struct {
		name string
		st   *StageReport
	}{{"category", &r.rep.Categories}, {"product", &r.rep.Products}, {"promotion", &r.rep.Promotions}} {
		failed, unknown, skipped := len(s.st.Failed), len(s.st.Unknown), len(s.st.NotAttempted)
		if r.o.DryRun {
			skipped = 0 // a dry run attempts nothing
		}
		if failed+unknown+skipped == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s rows: %d failed, %d unknown, %d not attempted",
			s.name, failed, unknown, skipped))
	}
	return strings.Join(parts, "; ")
}

func indexes(n int) []int { return indexesFrom(0, n) }

func indexesFrom(from, to int) []int {
	out := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}
