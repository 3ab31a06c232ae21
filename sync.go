package catalog

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"math"
	"slices"
)

// Feed is a whole catalog for Client.Sync: the categories, the products of
// one import source, and the promotions. A full sync replaces each kind the
// feed carries: the tenant's categories and promotions the feed lacks are
// removed, as are the source's products. A nil Categories or Promotions
// leaves that kind as the tenant has it; an empty, non-nil one says the
// catalog has none.
type Feed struct {
	SourceID string // the import source the products go through; required
	// Categories are imported in any order (parents are sent first); in a
	// full sync, when not nil, they are the whole tree.
	Categories []Category
	// Products is ranged once per Sync call, in order; rows are numbered
	// by their 0-based position in it. One Feed can serve a dry run and
	// then the real run when each range of Products starts again from the
	// first row, as FromSlice's do, and importfile.Products' over a file.
	Products iter.Seq2[Product, error]
	// Promotions are sent after the products they target; in a full sync,
	// when not nil, they are all the tenant's promotions.
	Promotions []Promotion
}

// SyncOptions tune Client.Sync. A nil *SyncOptions is a full sync with the
// defaults.
type SyncOptions struct {
	// Incremental, when set, sends only the products whose content hash
	// differs from the one State recorded, and removes nothing; categories
	// and promotions, which are few, are sent in full. When false, the
	// default, the sync is full: it sends every product of the feed and
	// removes the source's products that the feed no longer has (see
	// Client.Sync for when).
	Incremental bool
	// DryRun reads the feed and the tenant and reports what a real run
	// would do, without changing anything (no import, no removal, no state
	// commit): each stage fails the rows a real run would refuse before
	// sending, lists what it would create and update (StageReport.Creates,
	// Updates), and reports the rest not attempted; Removals.Planned lists
	// what it would remove.
	DryRun bool
	// State keeps content hashes between runs (see SyncState for the rule
	// that makes a run killed at any point safe to run again). Required by
	// an incremental sync; a full sync updates it when set, so that an
	// incremental run can follow a full one. A dry run leaves it as it is.
	State SyncState
	// MaxRemovals caps what a full sync may remove of each kind (0: no
	// absolute cap). It composes with MaxRemovalPercent: both apply and
	// the stricter wins. Over the limit nothing of that kind is removed
	// and Sync returns an error matching ErrRemovalLimit; a dry run
	// returns the same error, the real run's refusal.
	MaxRemovals int
	// MaxRemovalPercent caps what a full sync may remove of each kind as a
	// percentage of what the tenant held of it before the run (the
	// source's products, the tenant's categories and promotions), rounded
	// down. 0 means the default, 10%; a negative value turns the
	// percentage limit off, leaving MaxRemovals alone to apply.
	MaxRemovalPercent float64
	// NoRemovalLimit turns both limits off. Think twice.
	NoRemovalLimit bool
	// CheckpointRows is how many feed rows each ImportAll call takes
	// (default MaxProducts, 10,000, what one request takes, so that the
	// checkpoints cost no request more than the import). State is
	// committed once per checkpoint, before it is sent: the checkpoint's
	// recorded hashes are forgotten and the previous checkpoint's
	// confirmed ones recorded, in one write (and once more at the end of
	// the stage). A crash thus re-sends at most one checkpoint's products:
	// the one under way, or the one just confirmed.
	CheckpointRows int
	// RemovalBatch caps the keys of each removal request (default and
	// most: MaxProducts, so that removals cost the fewest requests).
	RemovalBatch int
	// Bulk tunes the product stage's ImportAll calls (request options,
	// concurrency, limits, queued mode). Its BatchID, when set, is
	// suffixed with the checkpoint number; Progress is called per call.
	// Its MergeMode, unless set (or an UpdateMask is), is MergeReplace, not
	// ImportAll's MergePartial, in both modes: a feed's products are whole,
	// so a field the export no longer has (an ended sale price) must go,
	// and full and incremental runs then hash alike, so that an
	// incremental run after a full one sends only what changed. Set
	// MergePartial for a feed of partial products.
	Bulk *BulkOptions
	// Progress, when set, is called as the sync goes, phase by phase:
	// "listing" (the source's products, Read counting them as the pages
	// come), "categories", "products", "promotions", then, in a full sync,
	// "promotion removals" (when Feed.Promotions is not nil), "removals"
	// (the products) and "category removals" (when Feed.Categories is not
	// nil), Read being the removals planned. p holds the phase's rows so far, not its
	// requests: for "products", the rows of the whole stage across its
	// ImportAll calls, an unchanged row counting as succeeded. It is
	// called at least once per phase that runs, from one goroutine at a
	// time.
	Progress func(phase string, p BulkProgress)
}

// SyncReport accounts for every row of the feed, stage by stage, and for
// every removal.
type SyncReport struct {
	Incremental bool          // the run was incremental (SyncOptions.Incremental)
	DryRun      bool          // the run was a dry run (SyncOptions.DryRun)
	Categories  StageReport   // rows are indexes in Feed.Categories
	Products    StageReport   // rows are positions in Feed.Products
	Promotions  StageReport   // rows are indexes in Feed.Promotions
	Removals    RemovalReport // the source's products the feed lacks; full mode only
	// CategoryRemovals and PromotionRemovals are the tenant's categories
	// and promotions the feed lacks, in a full sync whose Feed.Categories
	// (Feed.Promotions) is not nil.
	CategoryRemovals, PromotionRemovals RemovalReport
}

// StageReport accounts for every row of one stage: Read equals Succeeded +
// len(Unchanged) + len(Failed) + len(Unknown) + len(NotAttempted). Outcome
// returns RowSucceeded for an unchanged row, which needed nothing.
type StageReport struct {
	RowReport
	Unchanged []int // rows not sent, their content hash unchanged (incremental), sorted
	// Inserted and Updated split Succeeded as the platform counted it, in
	// every stage: new entities, and new versions of existing ones (for
	// products, BulkReport's counts summed over the checkpoints). They
	// cover the answered requests only: rows in Unknown count in neither.
	Inserted, Updated int
	Requests          int // requests sent
	// Creates and Updates, in a dry run, list the ids (categories), entity
	// codes (products) or "promo_code#promo_row" keys (promotions) a real
	// run would create and update, sorted. To tell a new promotion from
	// an existing one, every dry run with promotions lists the tenant's,
	// an incremental one too (a request per page; promotions are few).
	Creates, Updates []string
}

func (r *StageReport) sort() {
	r.RowReport.sort()
	slices.Sort(r.Unchanged)
	slices.Sort(r.Creates)
	slices.Sort(r.Updates)
}

// Sync brings the tenant in line with a whole catalog, in the order that
// keeps references whole: categories (parents first), products (through
// ProductsService.ImportAll, merge mode replace unless SyncOptions.Bulk
// says otherwise), promotions, then, in a full sync, the removals of what
// the feed lacks: promotions, the source's products, then categories,
// children first, never one a feed product references (RemovalReport.Kept).
// A product row is refused, unsent, when its category is neither in the
// tenant nor applied from this feed, when it repeats an earlier row's
// entity code, or when it fails validation. Removals happen only when every
// row was applied (else ErrRemovalsSkipped), and of each kind only within
// the stricter of MaxRemovals and MaxRemovalPercent (else ErrRemovalLimit).
// A dry run takes the same decisions by the same code and returns the same
// error. An incremental sync sends only what changed since State's record,
// and removes nothing.
//
// The report is always returned, accounting for every row. The error is
// nil only when the sync did its whole job; an error before it started
// leaves the report empty; otherwise it is a *SyncError.
func (c *Client) Sync(ctx context.Context, feed Feed, opts *SyncOptions) (*SyncReport, error) {
	o, err := syncDefaults(feed, opts)
	if err != nil {
		return &SyncReport{}, err
	}
	r := &syncRun{c: c, feed: feed, o: o, rep: &SyncReport{Incremental: o.Incremental, DryRun: o.DryRun}}
	if o.DryRun {
		r.rep.Removals.Skipped = "dry run"
	}
	if err := r.readTenant(ctx); err != nil {
		return r.rep, err
	}
	r.categories(ctx)
	r.products(ctx)
	if ctx.Err() == nil {
		r.promotions(ctx)
	} else {
		r.rep.Promotions.Read = len(feed.Promotions)
		for i := range feed.Promotions {
			r.rep.Promotions.NotAttempted = append(r.rep.Promotions.NotAttempted, i)
		}
	}
	var errs []error
	if !o.Incremental {
		errs = append(errs, r.removals(ctx))
	}
	r.rep.Categories.sort()
	r.rep.Products.sort()
	r.rep.Products.nameLines(r.o.Bulk.Lines)
	r.rep.Promotions.sort()
	if err := ctx.Err(); err != nil {
		errs = append(errs, fmt.Errorf("catalog: sync stopped: %w", err))
	}
	return r.rep, syncResult(r.rep, r.refused, append(errs, r.bulkErr, r.stateErr)...)
}

func syncDefaults(feed Feed, opts *SyncOptions) (SyncOptions, error) {
	var o SyncOptions
	if opts != nil {
		o = *opts
	}
	switch {
	case feed.SourceID == "":
		return o, invalid("Feed.SourceID", "required")
	case o.Incremental && o.State == nil:
		return o, invalid("SyncOptions.State", "an incremental sync needs a state to compare with")
	case o.MaxRemovals < 0:
		return o, invalid("SyncOptions.MaxRemovals", "must be 0 (no absolute cap) or more")
	case o.MaxRemovalPercent > 100 || math.IsNaN(o.MaxRemovalPercent):
		return o, invalid("SyncOptions.MaxRemovalPercent", fmt.Sprintf("is %v: a number at most 100; 0 for the default 10%%, negative for none", o.MaxRemovalPercent))
	case o.CheckpointRows < 0:
		return o, invalid("SyncOptions.CheckpointRows", "must not be negative (0: the default, MaxProducts)")
	case o.RemovalBatch < 0 || o.RemovalBatch > MaxProducts:
		return o, invalid("SyncOptions.RemovalBatch", "must be 0 (the default) to MaxProducts")
	}
	o.CheckpointRows = cmp.Or(o.CheckpointRows, MaxProducts)
	o.RemovalBatch = cmp.Or(o.RemovalBatch, MaxProducts)
	bulk := BulkOptions{}
	if o.Bulk != nil {
		bulk = *o.Bulk // the caller's stays as it is
	}
	if bulk.MergeMode == "" && len(bulk.UpdateMask) == 0 {
		bulk.MergeMode = MergeReplace // the feed is the whole truth: see SyncOptions.Bulk
	}
	o.Bulk = &bulk
	if err := checkUpdateMask(o.Bulk.UpdateMask); err != nil {
		return o, err
	}
	return o, nil
}

// syncRun is the state of one Sync.
type syncRun struct {
	c       *Client
	feed    Feed
	o       SyncOptions
	rep     *SyncReport
	refused map[*RemovalReport]bool // removals not made, or in a dry run not to be (see refuse)

	tenantCats map[string]string    // category id -> parent id, before the run
	knownCats  map[string]string    // ids products may reference: why not, "" when fine
	existing   map[string]bool      // entity codes of the source before the run (full mode and dry runs)
	inFeed     map[string]int       // entity code -> first feed row
	usedCats   map[string]string    // category id -> the first feed product referencing it
	promos     map[string]Promotion // the tenant's promotions before the run, by promotionKey (see listPromotions)
	feedBroken bool                 // the feed yielded an error
	sent       BulkProgress         // the product stage's Sent and Bytes of the ImportAll calls done
	stateErr   error                // the first State.Commit failure
	bulkErr    error                // why ImportAll could not start, if it could not
	// recorded holds the hashes of products confirmed applied, not yet
	// committed: they go with the next Commit (see commitState).
	recorded map[string]string
}

// readTenant lists what the sync compares the feed with: the category
// tree, and (full mode or dry run) the source's products.
func (r *syncRun) readTenant(ctx context.Context) error {
	tree, err := r.c.Categories.parents(ctx)
	if err != nil {
		return fmt.Errorf("catalog: sync: listing categories: %w", err)
	}
	r.tenantCats = tree
	if err := r.listPromotions(ctx); err != nil {
		return err
	}
	if r.o.Incremental && !r.o.DryRun {
		return nil
	}
	r.existing = map[string]bool{}
	r.progress("listing", BulkProgress{})
	for ref, err := range r.c.Products.List(ctx, r.feed.SourceID) {
		if err != nil {
			return fmt.Errorf("catalog: sync: listing the source's products: %w", err)
		}
		r.existing[ref.EntityCode] = true
		if len(r.existing)%progressRows == 0 {
			r.progress("listing", BulkProgress{Read: len(r.existing)})
		}
	}
	r.progress("listing", BulkProgress{Read: len(r.existing)})
	return nil
}

// progressRows is how many rows a phase takes between two calls of
// SyncOptions.Progress when nothing else calls it: a page of the listing.
const progressRows = 1000

// progress calls SyncOptions.Progress, when set.
func (r *syncRun) progress(phase string, p BulkProgress) {
	if r.o.Progress != nil {
		r.o.Progress(phase, p)
	}
}

// rowProgress is a stage's rows so far, as SyncOptions.Progress gets them;
// Sent counts the rows settled by an answer.
func rowProgress(rep *RowReport, requests int) BulkProgress {
	p := BulkProgress{Read: rep.Read, Succeeded: rep.Succeeded, Failed: len(rep.Failed), Unknown: len(rep.Unknown),
		NotAttempted: len(rep.NotAttempted), Requests: requests}
	p.Sent = p.Succeeded + p.Unknown
	for _, e := range rep.Failed {
		if !e.Rejected {
			p.Sent++
		}
	}
	return p
}

// productProgress is the product stage's rows so far, adding call, the
// progress of the ImportAll call under way, to the calls done.
func (r *syncRun) productProgress(call BulkProgress) BulkProgress {
	st := &r.rep.Products
	p := rowProgress(&st.RowReport, st.Requests)
	p.Succeeded += len(st.Unchanged) + call.Succeeded
	p.Failed += call.Failed
	p.Unknown += call.Unknown
	p.NotAttempted += call.NotAttempted
	p.Requests += call.Requests
	p.Sent, p.Bytes = r.sent.Sent+call.Sent, r.sent.Bytes+call.Bytes
	return p
}

// categories runs the category stage and settles which ids products may
// reference.
func (r *syncRun) categories(ctx context.Context) {
	st := &r.rep.Categories
	st.Read = len(r.feed.Categories)
	r.knownCats = map[string]string{}
	for id := range r.tenantCats {
		r.knownCats[id] = ""
	}
	if len(r.feed.Categories) == 0 {
		return
	}
	defer func() { r.progress("categories", rowProgress(&st.RowReport, st.Requests)) }()
	plan := planCategories(r.feed.Categories, r.tenantCats)
	st.Failed = append(st.Failed, plan.rejected...)
	for _, e := range plan.rejected {
		r.knownCats[e.EntityCode] = "was refused in this sync: " + e.Reason
	}
	if r.o.DryRun {
		for _, i := range plan.sent {
			id := deref(r.feed.Categories[i].CategoryID)
			r.knownCats[id] = ""
			_, exists := r.tenantCats[id]
			st.plan(id, exists)
		}
		st.NotAttempted = slices.Clone(plan.sent) // a dry run sends nothing
		return
	}
	r.sendEntityChunks(ctx, st, categoriesImportPath, "categories", plan, func(i int) string { return deref(r.feed.Categories[i].CategoryID) },
		func(id string, applied bool, why string) {
			if applied {
				r.knownCats[id] = ""
			} else {
				r.knownCats[id] = why
			}
		})
}

// promotions runs the promotion stage.
func (r *syncRun) promotions(ctx context.Context) {
	st := &r.rep.Promotions
	st.Read = len(r.feed.Promotions)
	if st.Read == 0 {
		return
	}
	defer func() { r.progress("promotions", rowProgress(&st.RowReport, st.Requests)) }()
	b := planPromotions(r.feed.Promotions, "of the feed")
	st.Failed = append(st.Failed, b.rejected...)
	if r.o.DryRun {
		for _, i := range b.sent {
			key := promotionKey(&r.feed.Promotions[i])
			_, held := r.promos[key]
			st.plan(key, held)
		}
		st.NotAttempted = slices.Clone(b.sent)
		return
	}
	r.sendEntityChunks(ctx, st, promotionsImportPath, "promotions", b, func(i int) string { return deref(r.feed.Promotions[i].PromoCode) }, nil)
}

// sendEntityChunks sends the planned rows of a category or promotion stage
// in requests of at most MaxProducts rows, in plan order, and settles them.
func (r *syncRun) sendEntityChunks(ctx context.Context, st *StageReport, path, field string, plan *entityBatch,
	key func(int) string, settled func(key string, applied bool, why string)) {
	for from := 0; from < len(plan.sent); from += MaxProducts {
		to := min(from+MaxProducts, len(plan.sent))
		chunk := &entityBatch{sent: plan.sent[from:to], rows: plan.rows[from:to]}
		if ctx.Err() != nil {
			for _, i := range chunk.sent {
				st.NotAttempted = append(st.NotAttempted, i)
				if settled != nil {
					settled(key(i), false, "was not sent: "+ctx.Err().Error())
				}
			}
			continue
		}
		res, err := r.c.sendEntities(ctx, path, field, chunk, EntityImportOptions{SourceID: r.feed.SourceID})
		st.Requests++
		a := entityAnswer(path, err, res, chunk.sent)
		rows := settle(len(chunk.sent), a)
		inserted, updated := a.counts(rows)
		st.Inserted += inserted
		st.Updated += updated
		for pos, s := range rows {
			i := chunk.sent[pos]
			if s.err.EntityCode == "" && s.outcome != RowSucceeded {
				rows[pos].err.EntityCode = key(i)
			}
			switch {
			case settled == nil:
			case s.outcome == RowUnknown:
				settled(key(i), false, "may not have been applied: "+s.err.Reason)
			default:
				settled(key(i), s.outcome == RowSucceeded, s.err.Reason)
			}
		}
		st.add(rows, func(pos int) int { return chunk.sent[pos] })
	}
}

// categoryRefusal returns why a product's category references cannot be
// applied, or "".
func (r *syncRun) categoryRefusal(p *Product) string {
	ids := []string{}
	if p.Category != nil {
		ids = append(ids, deref(p.Category.CategoryID))
	}
	for _, cc := range p.ChannelCategories {
		if cc.Category != nil {
			ids = append(ids, deref(cc.Category.CategoryID))
		}
	}
	for _, id := range ids {
		if id == "" {
			continue
		}
		if !r.o.Incremental && r.feed.Categories != nil { // only a full sync replacing the tree reads it
			r.useCategory(id, p.key())
		}
		why, known := r.knownCats[id]
		switch {
		case !known:
			return fmt.Sprintf("category %q neither exists in the tenant nor is in this feed", id)
		case why != "":
			return fmt.Sprintf("category %q %s", id, why)
		}
	}
	return ""
}

// checkpoint is one slice of the feed's products: the rows to send, with
// their feed positions and hashes.
type checkpoint struct {
	products []Product
	rows     []int    // feed position of each product
	hashes   []string // content hash of each product
	forget   []string // keys of its products with a hash in State, to forget before sending
}

// products runs the product stage: checkpoint by checkpoint, one
// ImportAll call each, committing State after each.
func (r *syncRun) products(ctx context.Context) {
	st := &r.rep.Products
	r.inFeed = map[string]int{}
	defer r.settleState()
	if r.feed.Products == nil {
		return
	}
	defer func() { r.progress("products", r.productProgress(BulkProgress{})) }()
	bulk := *r.o.Bulk
	baseID := cmp.Or(bulk.BatchID, "sync-"+r.c.clock.Now().UTC().Format("20060102T150405Z"))
	cp := &checkpoint{}
	part := 0
	flush := func() {
		if len(cp.products) == 0 {
			return
		}
		part++
		if r.forgetBeforeSending(cp) {
			r.sendCheckpoint(ctx, cp, bulk, fmt.Sprintf("%s-%d", baseID, part))
		}
		cp = &checkpoint{}
	}
	enc, prefix := newRowEncoder(), hashPrefix(bulk.RequestOptions)
	row := -1
	for p, err := range r.feed.Products {
		row++
		st.Read++
		if st.Read%progressRows == 0 {
			r.progress("products", r.productProgress(BulkProgress{}))
		}
		if ctx.Err() != nil || r.stateErr != nil {
			st.NotAttempted = append(st.NotAttempted, row)
			break
		}
		if err != nil {
			r.feedBroken = true
			r.refuseProduct(RowError{Row: row, Reason: "the feed yielded an error", Cause: err})
			continue
		}
		key := p.key()
		if first, dup := r.inFeed[key]; dup && key != "" {
			r.refuseProduct(RowError{Row: row, EntityCode: p.EntityCode, Field: "entity_code",
				Reason: fmt.Sprintf("%q repeats %s of the feed", key, rowName(first, r.o.Bulk.Lines)), Rejected: true})
			continue
		}
		if key != "" {
			r.inFeed[key] = row
		}
		hash, rowErr := contentHash(enc, prefix, &p) // validates, once: the hash is of the encoded row
		if rowErr != nil {
			rowErr.Row = row
			r.refuseProduct(*rowErr)
			continue
		}
		if why := r.categoryRefusal(&p); why != "" {
			r.refuseProduct(RowError{Row: row, EntityCode: p.EntityCode, Field: "category", Reason: why, Rejected: true})
			continue
		}
		var recorded string
		if r.o.State != nil {
			recorded = r.o.State.Hash(key) // read once: State may be a remote store
		}
		if r.o.Incremental && recorded == hash {
			st.Unchanged = append(st.Unchanged, row)
			continue
		}
		if r.o.DryRun {
			st.plan(key, r.existing[key])
			st.NotAttempted = append(st.NotAttempted, row)
			continue
		}
		cp.products = append(cp.products, p)
		cp.rows = append(cp.rows, row)
		cp.hashes = append(cp.hashes, hash)
		if recorded != "" {
			cp.forget = append(cp.forget, key)
		}
		if len(cp.products) >= r.o.CheckpointRows {
			flush()
		}
	}
	flush()
}

// refuseProduct records a row refused before sending, in a dry run too:
// the real run would refuse it.
func (r *syncRun) refuseProduct(e RowError) {
	r.rep.Products.Failed = append(r.rep.Products.Failed, e)
}

// plan records, in a dry run, that a real run would create or update key.
func (r *StageReport) plan(key string, exists bool) {
	if exists {
		r.Updates = append(r.Updates, key)
	} else {
		r.Creates = append(r.Creates, key)
	}
}

// sendCheckpoint imports one checkpoint through ImportAll, maps its report
// back to feed rows and commits the confirmed hashes.
func (r *syncRun) sendCheckpoint(ctx context.Context, cp *checkpoint, bulk BulkOptions, batchID string) {
	st := &r.rep.Products
	bulk.BatchID = batchID
	bulk.TotalItems = 0
	bulk.Lines = nil      // the call's rows are the checkpoint's: the stage names feed rows below
	var last BulkProgress // the call's, at its end
	if callProgress := bulk.Progress; r.o.Progress != nil {
		bulk.Progress = func(p BulkProgress) {
			if callProgress != nil {
				callProgress(p)
			}
			last = p
			r.progress("products", r.productProgress(p))
		}
	}
	rep, err := r.c.Products.ImportAll(ctx, r.feed.SourceID, FromSlice(cp.products), &bulk)
	r.sent.Sent += last.Sent
	r.sent.Bytes += last.Bytes
	if err != nil && rep.Read == 0 && r.bulkErr == nil && ctx.Err() == nil {
		r.bulkErr = err // ImportAll could not start: its options are wrong
	}
	st.Requests += rep.Requests
	st.Inserted += rep.Inserted // the platform's counts, never the client's guess
	st.Updated += rep.Updated
	feedRow := func(i int) int {
		if i >= 0 && i < len(cp.rows) {
			return cp.rows[i]
		}
		return -1
	}
	toFeed := func(e RowError) RowError {
		if e.EntityCode == "" && e.Row >= 0 && e.Row < len(cp.products) {
			e.EntityCode = cp.products[e.Row].EntityCode
		}
		e.Row = feedRow(e.Row)
		return e
	}
	for _, e := range rep.Failed {
		st.Failed = append(st.Failed, toFeed(e))
	}
	for _, e := range rep.Unknown {
		st.Unknown = append(st.Unknown, toFeed(e))
	}
	for _, i := range rep.NotAttempted {
		st.NotAttempted = append(st.NotAttempted, feedRow(i))
	}
	// Rows ImportAll never read (it stopped early) were not attempted.
	for i := rep.Read; i < len(cp.rows); i++ {
		st.NotAttempted = append(st.NotAttempted, cp.rows[i])
	}
	for i := range cp.products {
		if i >= rep.Read || rep.Outcome(i) != RowSucceeded {
			continue
		}
		st.Succeeded++
		key := cp.products[i].key()
		r.record(key, cp.hashes[i])
	}
}
