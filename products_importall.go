package catalog

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"iter"
	"math"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pimkit/catalog/internal/clockhook"
)

// BulkOptions tune ProductsService.ImportAll. A nil *BulkOptions means the
// defaults: direct imports, two requests in flight, the platform's limits.
type BulkOptions struct {
	// Queued sends each batch to the queue (POST /import/queue) and waits
	// for every job at the end; otherwise batches go to the direct import.
	Queued bool
	// RequestOptions go on every request. BatchID is also sent as
	// batch_metadata.batch_id; one is generated when it is empty
	// ("bulk-<time>-<random>").
	RequestOptions
	// TotalItems, when known, is sent as batch_metadata.batch_total_items.
	TotalItems int
	// Concurrency is the number of requests in flight (default 2). They
	// all go through the client's one rate limiter.
	Concurrency int
	// MaxProducts caps products per request (default and most: MaxProducts).
	MaxProducts int
	// MaxBodyBytes caps each request body, envelope included (default and
	// most: the client's limit, see WithMaxBodyBytes).
	MaxBodyBytes int64
	// StopOnError stops at the first request that fails as a whole (after
	// retries): nothing more is read or sent. Row errors never stop. An
	// answer that every request would get (401, 403, 404, or 400 for the
	// request as a whole) stops the import even without it.
	StopOnError bool
	// ResendUnknown sends a request again, with the same body and
	// Idempotency-Key, when its outcome is unknown (the connection failed
	// after it was sent, or the answer was lost). Off by default: the
	// platform does not deduplicate, so unless the server confirms a replay
	// the rows are reported in BulkReport.MaybeTwice. When it is off, those
	// rows are reported Unknown. Queued batches are first looked up in the
	// queue by batch id and part, and adopted when found.
	ResendUnknown bool
	// DrainTimeout bounds how long requests already sent may take to finish
	// once ctx ends (default 1 minute). It is for answers on their way: no
	// request is retried after ctx ends.
	DrainTimeout time.Duration
	// Progress, when set, is called after every request and once at the
	// end, from one goroutine at a time.
	Progress func(BulkProgress)
	// Lines, when set, maps a row of the stream to its line in the file it
	// came from (importfile.Lines.Line does), so that the report's row
	// errors carry their Line and a repeated key names the line it repeats.
	Lines func(row int) int
	// Wait tunes the polling of queued jobs.
	Wait *WaitOptions
}

// BulkProgress is a snapshot of a running ImportAll, for progress bars.
type BulkProgress struct {
	Read         int   // rows taken from the stream
	Sent         int   // rows in requests sent
	Succeeded    int   // rows the server confirmed applied
	Failed       int   // rows rejected, by the client or the server
	Unknown      int   // rows sent whose fate no answer confirmed
	NotAttempted int   // rows read but never sent
	Inserted     int   // of Succeeded, rows the server counted as new products
	Updated      int   // of Succeeded, rows the server counted as new versions of existing ones
	Requests     int   // import requests sent
	Bytes        int64 // bytes of import request bodies sent
	// RateLimitWait is the time import requests spent waiting for the
	// client's rate limiter, summed over requests (waits of concurrent
	// requests overlap, so it can exceed the time elapsed).
	RateLimitWait time.Duration
}

// BulkReport accounts for every row ImportAll read (see RowReport). Rows
// are numbered by their 0-based position in the stream; rows read but never
// sent (ctx ended, or StopOnError) are NotAttempted.
type BulkReport struct {
	BatchID string // the batch id sent on every request
	RowReport
	// MaybeTwice lists rows that may have been applied twice: their first
	// request's outcome was unknown, ResendUnknown sent it again, and the
	// server did not confirm a replay. Each is also in Succeeded (the second
	// request was confirmed) or in Unknown. Sorted.
	MaybeTwice []int
	// Inserted and Updated split Succeeded as the server counted it: new
	// products, and new versions of existing ones, summed over the answers
	// (a direct import's summary, a queued job's created_rows and
	// updated_rows); the client never reckons them. They cover only the
	// requests whose answer settled their rows: a request with no answer,
	// or one whose counts cannot be followed, has its rows in Unknown, and
	// they count in neither. Both stay 0 against a server that does not
	// count.
	Inserted, Updated int
	Requests          int      // import requests sent
	Bytes             int64    // bytes of import request bodies sent
	JobIDs            []string // one job per request, in the order the answers came
	// RateLimitWait is BulkProgress.RateLimitWait at the end: how long
	// import requests waited for the client's rate limiter, summed.
	RateLimitWait time.Duration
}

// FromSlice returns a stream over products, for ImportAll.
func FromSlice(products []Product) iter.Seq2[Product, error] {
	return func(yield func(Product, error) bool) {
		for _, p := range products {
			if !yield(p, nil) {
				return
			}
		}
	}
}

// ImportAll imports a catalog of any size from a stream, in the fewest
// requests the limits allow, and accounts for every row in the report:
//
//	rep, err := client.Products.ImportAll(ctx, "erp", catalog.FromSlice(products), nil)
//	for _, f := range rep.Failed {
//		log.Printf("row %d (%s): %s", f.Row, f.EntityCode, f.Reason)
//	}
//
// Each product is validated and encoded before the next is asked of the
// stream, so the stream may reuse a product's memory; at most
// Concurrency+1 request bodies are held (docs/DESIGN.md bounds memory). A
// row that fails validation, alone exceeds the body limit, repeats an
// earlier row's key (entity_code, else sku) or comes with a stream error is
// reported failed, and the rest goes on. A request that fails as a whole fails its rows with the cause
// (unknown, when it may have been applied); see StopOnError. When ctx
// ends, no new request starts and requests already sent get DrainTimeout
// to answer; a panic from the stream reaches the caller once they have
// ended. The report is always returned; the error is non-nil when the
// import stopped early or could not start. Operations importProducts, or
// queueProducts then getJob, in api/openapi.yaml.
func (s *ProductsService) ImportAll(ctx context.Context, sourceID string, products iter.Seq2[Product, error], opts *BulkOptions) (*BulkReport, error) {
	// Its goroutines make their calls in parallel: each call counts itself
	// on a fake clock (clockhook), the caller's goroutine waiting on them
	// is not counted.
	resume := clockhook.Suspend(ctx)
	defer resume()
	ctx = clockhook.Detach(ctx)
	run, err := s.newBulkRun(ctx, sourceID, opts)
	if err != nil {
		return &BulkReport{}, err
	}
	defer run.stop(nil) // finish stops it too; this is for a panic from the stream or the encoding
	run.pack(products)
	run.waitForJobs(ctx)
	return run.finish(ctx)
}

// pack reads the stream into batches and sends them, Concurrency at a
// time, returning once every batch handed over has been sent. The senders
// are waited for on every way out, a panic from the stream or the
// encoding included.
func (r *bulkRun) pack(products iter.Seq2[Product, error]) {
	batches := make(chan *bulkBatch) // unbuffered: the reader waits for a free sender
	var senders sync.WaitGroup
	for range r.o.Concurrency {
		senders.Add(1)
		go func() {
			defer senders.Done()
			for b := range batches {
				r.send(b)
			}
		}()
	}
	defer senders.Wait()
	defer close(batches)
	returned := false
	defer func() {
		if !returned { // a panic is on its way up: send nothing more, and give requests in flight DrainTimeout
			r.stop(errPanicked)
		}
	}()
	r.read(products, batches)
	returned = true
}

// errPanicked is the cause an import stops with when its stream or the
// encoding of a row panicked, on the panic's way up to the caller.
var errPanicked = errors.New("catalog: the stream or the encoding of a row panicked")

// bulkRun is the state of one ImportAll.
type bulkRun struct {
	s    *ProductsService
	ctx  context.Context // ends when the caller's ctx does, or at the first failure with StopOnError
	stop context.CancelCauseFunc
	o    BulkOptions
	env  envelope // the request fields but batch_metadata.batch_part

	free chan []byte // body buffers to reuse, so memory is sized by the data once

	rowsRead atomic.Int64 // rows taken from the stream; kept apart from mu, it changes for every row
	stopped  atomic.Bool  // ctx has ended: set once, read for every row

	mu       sync.Mutex // guards what follows, and serialises Progress calls
	rep      BulkReport
	progress BulkProgress
	jobs     []*bulkBatch // queued batches whose jobs are still to be waited on
}

// bulkBatch is one request: its body and the stream index of each product
// in it, in order.
type bulkBatch struct {
	part       int
	headLen    int // bytes of the body before the first product
	body       []byte
	rows       []int
	codes      []string // each row's entity_code ("" when it has none), for its row error
	jobID      string
	maybeTwice bool // sent again after an unknown outcome, without a confirmed replay
}

func (s *ProductsService) newBulkRun(ctx context.Context, sourceID string, opts *BulkOptions) (*bulkRun, error) {
	o := BulkOptions{}
	if opts != nil {
		o = *opts
	}
	if err := checkRequest(sourceID, 1, o.MergeMode); err != nil {
		return nil, err
	}
	limit := s.client.maxBody
	switch {
	case o.MaxBodyBytes < 0 || o.MaxBodyBytes > limit:
		return nil, invalid("MaxBodyBytes", fmt.Sprintf("%d; must be within the client's limit of %d", o.MaxBodyBytes, limit))
	case o.MaxProducts < 0 || o.MaxProducts > MaxProducts:
		return nil, invalid("MaxProducts", fmt.Sprintf("%d; at most %d", o.MaxProducts, MaxProducts))
	case o.Concurrency < 0:
		return nil, invalid("Concurrency", "must not be negative")
	}
	o.MaxBodyBytes = cmp.Or(o.MaxBodyBytes, limit)
	o.MaxProducts = cmp.Or(o.MaxProducts, MaxProducts)
	o.Concurrency = cmp.Or(o.Concurrency, 2)
	o.DrainTimeout = cmp.Or(o.DrainTimeout, time.Minute)
	if o.BatchID == "" {
		o.BatchID = newBatchID(s.client.clock.Now())
	}
	env := newEnvelope(sourceID, o.RequestOptions)
	if _, err := env.head(); err != nil {
		return nil, err
	}
	runCtx, stop := context.WithCancelCause(ctx)
	r := &bulkRun{
		s: s, ctx: runCtx, stop: stop, o: o, env: env,
		free: make(chan []byte, o.Concurrency+1),
		rep:  BulkReport{BatchID: o.BatchID},
	}
	context.AfterFunc(runCtx, func() { r.stopped.Store(true) })
	return r, nil
}

// newBatchID names an ImportAll run started at now: "bulk-<UTC time>-<random>".
func newBatchID(now time.Time) string {
	return "bulk-" + now.UTC().Format("20060102T150405Z") + "-" + randomHex(4)
}

// read takes rows from the stream one at a time, and validates and encodes
// each before asking for the next. A row fails when the stream yielded it
// with an error, when it cannot be encoded or is alone too large for a
// request, or when its key repeats an earlier row's; otherwise it joins the
// body being filled, which is first handed to a sender when the row does
// not fit. Reading stops when the run's context ends.
func (r *bulkRun) read(products iter.Seq2[Product, error], out chan<- *bulkBatch) {
	enc := newRowEncoder()
	keys := newStreamKeys(r.o.Lines) // identities taken so far: see streamKeys
	b := r.newBatch(1)
	cur := new(Product) // one for the whole stream: the encoder would move each row's copy to the heap
	row := -1
	for p, err := range products {
		row++
		r.rowsRead.Add(1)
		if r.stopped.Load() {
			r.notAttempted(row)
			break
		}
		*cur = p
		var raw []byte
		var rowErr *RowError
		if err != nil {
			rowErr = &RowError{Reason: "the stream yielded an error", Cause: err}
		} else {
			raw, rowErr = enc.encode(cur, nil)
		}
		switch {
		case rowErr != nil:
		case !b.fitsAlone(raw, r.o):
			rowErr = tooLarge(len(raw), r.o.MaxBodyBytes)
		default:
			rowErr = keys.claim(cur, row) // nil for the first copy of a key
		}
		if rowErr != nil {
			rowErr.Row = row
			if rowErr.EntityCode == "" && err == nil {
				rowErr.EntityCode = cur.EntityCode
			}
			r.failRows([]RowError{*rowErr})
			continue
		}
		if !b.fits(raw, r.o) { // b is full: send it and start the next
			if !r.handOver(b, out) { // the run ended: b's rows are reported not attempted
				r.notAttempted(row)
				return
			}
			b = r.newBatch(b.part + 1)
		}
		b.add(raw, row, cur.EntityCode, r.o.MaxBodyBytes)
	}
	if len(b.rows) > 0 {
		r.handOver(b, out) // once the run has ended, it reports b's rows not attempted
	}
}

func tooLarge(size int, limit int64) *RowError {
	return &RowError{Reason: fmt.Sprintf("too large: %d bytes encoded, more than fits in a %d-byte request", size, limit), Rejected: true}
}

// newBatch starts a request body, reusing a buffer when one is free.
func (r *bulkRun) newBatch(part int) *bulkBatch {
	var buf []byte
	select {
	case buf = <-r.free:
	default:
	}
	env := r.env
	env.BatchMetadata = &BatchMetadata{BatchID: r.o.BatchID, BatchPart: part, BatchTotalItems: r.o.TotalItems}
	head, _ := env.head() // checked in newBulkRun; only the part number differs
	return &bulkBatch{part: part, headLen: len(head), body: append(buf[:0], head...)}
}

// fitsAlone reports whether raw fits in a request of its own. One byte is
// kept for the part number growing a digit.
func (b *bulkBatch) fitsAlone(raw []byte, o BulkOptions) bool {
	return int64(b.headLen+1+len(raw)+len(bodyTail)) <= o.MaxBodyBytes
}

// fits reports whether raw can join b within both limits.
func (b *bulkBatch) fits(raw []byte, o BulkOptions) bool {
	size := len(b.body) + len(raw) + len(bodyTail)
	if len(b.rows) > 0 {
		size++ // the comma
	}
	return len(b.rows) < o.MaxProducts && int64(size) <= o.MaxBodyBytes
}

// add appends one encoded product. The caller has checked that it fits
// within limit bytes, so the buffer is grown to at most limit: append's own
// growth could reserve a quarter more than a request ever needs.
func (b *bulkBatch) add(raw []byte, row int, code string, limit int64) {
	need := len(b.body) + len(raw) + len(bodyTail)
	if len(b.rows) > 0 {
		need++ // the comma
	}
	if need > cap(b.body) {
		grown := make([]byte, len(b.body), min(max(2*cap(b.body), need), int(limit)))
		copy(grown, b.body)
		b.body = grown
	}
	if len(b.rows) > 0 {
		b.body = append(b.body, ',')
	}
	b.body = append(b.body, raw...)
	b.rows = append(b.rows, row)
	b.codes = append(b.codes, code)
}

// handOver closes b and passes it to a sender, waiting for one to be free.
// When the run ends first, b's rows are not attempted and handOver reports
// false.
func (r *bulkRun) handOver(b *bulkBatch, out chan<- *bulkBatch) bool {
	b.body = append(b.body, bodyTail...)
	select {
	case out <- b:
		return true
	case <-r.ctx.Done():
		r.notAttempted(b.rows...)
		r.release(b)
		return false
	}
}

// release gives b's buffer back for reuse.
func (r *bulkRun) release(b *bulkBatch) {
	select {
	case r.free <- b.body[:0]:
	default:
	}
	b.body = nil
}

// send makes one import request and settles its rows. Once the run has
// stopped, no request starts (nor a retry, nor a wait for a slot); one
// already sent is given DrainTimeout to answer, so that its rows can be
// settled.
func (r *bulkRun) send(b *bulkBatch) {
	defer r.release(b)
	if r.ctx.Err() != nil {
		r.notAttempted(b.rows...)
		return
	}
	ctx, cancel := r.drainCtx()
	defer cancel()
	var direct ProductImportResult
	var queued queuedWire
	call := &apiCall{method: http.MethodPost, path: importAPIPath, body: b.body, out: &direct, caller: r.ctx}
	if r.o.Queued {
		call.path, call.out = queuePath, &queued
	}
	err := r.s.client.run(ctx, call)
	r.count(func(pr *BulkProgress) { pr.RateLimitWait += call.limitWait })
	if call.attempts == 0 {
		r.notAttempted(b.rows...)
		if err != nil && r.ctx.Err() == nil {
			// The rate limiter refused it (no slot before the deadline, a
			// shared quota out of reach): the other requests would wait
			// for the same refusal.
			r.stop(err)
		}
		return
	}
	r.count(func(pr *BulkProgress) { pr.Requests++; pr.Sent += len(b.rows); pr.Bytes += int64(len(b.body)) })
	if errors.Is(err, ErrOutcomeUnknown) {
		err = r.resolveUnknown(ctx, b, call, &queued, err)
	}
	switch {
	case errors.Is(err, ErrOutcomeUnknown):
		r.settle(b, answer{err: err})
	case err != nil:
		r.requestFailed(b, err)
	case r.o.Queued && queued.JobID == "":
		r.settle(b, answer{err: unfollowable(call.method, call.path, "no job_id in the answer")})
	case r.o.Queued:
		b.jobID, b.body = queued.JobID, nil
		r.mu.Lock()
		r.jobs = append(r.jobs, b)
		r.rep.JobIDs = append(r.rep.JobIDs, queued.JobID)
		r.mu.Unlock()
	default:
		r.addJobID(direct.JobID)
		r.settleDirect(b, &direct)
	}
	r.report()
}

// drainCtx returns the context a request of the run is sent under: it ends
// DrainTimeout after the run's context does.
func (r *bulkRun) drainCtx() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.ctx))
	stop := context.AfterFunc(r.ctx, func() { time.AfterFunc(r.o.DrainTimeout, cancel) })
	return ctx, func() {
		stop()
		cancel()
	}
}

// resolveUnknown handles a request that may have been applied. A queued
// batch found in the queue (by batch id and part) is adopted. Otherwise,
// with ResendUnknown, the request is sent again with the same body and
// Idempotency-Key: a replay confirmed by the server settles it cleanly,
// anything else leaves its rows possibly applied twice. The error returned
// still matches ErrOutcomeUnknown when the outcome stays unknown.
func (r *bulkRun) resolveUnknown(ctx context.Context, b *bulkBatch, call *apiCall, queued *queuedWire, cause error) error {
	if r.o.Queued {
		if id := r.findQueuedJob(ctx, b.part); id != "" {
			queued.JobID = id
			return nil
		}
	}
	if !r.o.ResendUnknown {
		return cause
	}
	call.caller = nil // the first request was sent: resolving it is part of its drain
	err := r.s.client.run(ctx, call)
	if err != nil {
		// The first request may still have been applied, so even a clear
		// refusal now leaves the outcome unknown; both may have been applied
		// only when the second's outcome is unknown too.
		b.maybeTwice = errors.Is(err, ErrOutcomeUnknown)
		return &OutcomeUnknownError{Method: call.method, Path: call.path, Err: fmt.Errorf("%w; sent again: %w", cause, err)}
	}
	b.maybeTwice = !call.replayed
	return nil
}

// findQueuedJob looks for this run's batch part among the queue's pending
// and processing jobs, and returns its job id, or "" when it is not there
// (never queued, already finished, or the lookup failed).
func (r *bulkRun) findQueuedJob(ctx context.Context, part int) string {
	q, err := r.s.client.Jobs.QueueStatus(ctx)
	if err != nil {
		return ""
	}
	for _, j := range slices.Concat(q.PendingJobs, q.ProcessingJobs) {
		if j.BatchID == r.o.BatchID && j.BatchPart == part {
			return j.ID
		}
	}
	return ""
}

// requestFailed settles the rows of a request that an answer, or the
// failure to send it, says was not applied (the client's one rule for that
// is answerOutcome; a request that may have been applied fails with
// ErrOutcomeUnknown and never gets here). It stops the import when asked
// to, or when every other request would fail the same way.
func (r *bulkRun) requestFailed(b *bulkBatch, err error) {
	r.settle(b, answer{err: err})
	if r.o.StopOnError || failsEveryRequest(err) {
		r.stop(err)
	}
}

// failsEveryRequest reports an answer that the import's other requests
// would get too, since they share the credential, the source and the
// request fields: the credential refused (401), no import permission
// (403), an unknown source (404), or the request refused as a whole (400).
func failsEveryRequest(err error) bool {
	return errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrForbidden) ||
		errors.Is(err, ErrNotFound) || errors.Is(err, ErrValidation)
}

// settleDirect settles the rows of a direct import from its answer. The
// answer lists at most 100 row errors; when more rows failed, the audit job
// lists them all.
func (r *bulkRun) settleDirect(b *bulkBatch, res *ProductImportResult) {
	errs := r.s.client.Jobs.allErrors(r.ctx, res.JobID, res.Errors, res.Summary.Failed)
	r.settle(b, directAnswer(importAPIPath, nil, res, errs))
}

// settle assigns each row of b its outcome from the answer to its request
// (see settle, the one rule), and adds the answer's inserted and updated
// counts (see answer.counts). Rows of a request sent twice (b.maybeTwice)
// that may have been applied are also MaybeTwice.
func (r *bulkRun) settle(b *bulkBatch, a answer) {
	settled := settle(len(b.rows), a)
	nameCodes(settled, b.codes)
	inserted, updated := a.counts(settled)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rep.Inserted += inserted
	r.rep.Updated += updated
	r.progress.Inserted += inserted
	r.progress.Updated += updated
	rep := &r.rep.RowReport
	succeeded, failed, unknown := rep.Succeeded, len(rep.Failed), len(rep.Unknown)
	rep.add(settled, func(pos int) int { return b.rows[pos] })
	if b.maybeTwice {
		for pos, s := range settled {
			if s.outcome == RowSucceeded || s.outcome == RowUnknown {
				r.rep.MaybeTwice = append(r.rep.MaybeTwice, b.rows[pos])
			}
		}
	}
	r.progress.Succeeded += rep.Succeeded - succeeded
	r.progress.Failed += len(rep.Failed) - failed
	r.progress.Unknown += len(rep.Unknown) - unknown
}

// waitForJobs follows the queued jobs to their end, oldest first: by the
// time the last batch is sent most have finished, so each costs one poll.
func (r *bulkRun) waitForJobs(ctx context.Context) {
	for _, b := range r.jobs {
		if ctx.Err() != nil {
			r.settle(b, answer{err: unobserved(b.jobID, ctx.Err())})
			continue
		}
		job, err := r.s.client.Jobs.Wait(ctx, b.jobID, r.o.Wait)
		switch {
		case job != nil && job.Status.ended():
			r.settleJob(b, job)
		default:
			r.settle(b, answer{err: unobserved(b.jobID, err)})
		}
		r.report()
	}
}

// settleJob settles a queued batch from its finished job.
func (r *bulkRun) settleJob(b *bulkBatch, job *Job) {
	errs := r.s.client.Jobs.allErrors(r.ctx, job.ID, job.Errors, job.FailedRows)
	a := jobAnswer(job, len(b.rows), errs)
	a.failedAll = r.s.client.redact.error(a.failedAll) // it names the job, as the server did
	r.settle(b, a)
}

func (r *bulkRun) failRows(errs []RowError) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rep.Failed = append(r.rep.Failed, errs...)
	r.progress.Failed += len(errs)
}

func (r *bulkRun) notAttempted(rows ...int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rep.NotAttempted = append(r.rep.NotAttempted, rows...)
	r.progress.NotAttempted += len(rows)
}

func (r *bulkRun) addJobID(id string) {
	if id == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rep.JobIDs = append(r.rep.JobIDs, id)
}

func (r *bulkRun) count(f func(*BulkProgress)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(&r.progress)
}

// report calls the Progress callback with a snapshot.
func (r *bulkRun) report() {
	if r.o.Progress == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.progress
	p.Read = int(r.rowsRead.Load())
	r.o.Progress(p)
}

// finish sorts the report and says why the run stopped early, if it did.
func (r *bulkRun) finish(ctx context.Context) (*BulkReport, error) {
	r.report()
	r.mu.Lock()
	defer r.mu.Unlock()
	rep := &r.rep
	rep.Read, rep.Requests, rep.Bytes = int(r.rowsRead.Load()), r.progress.Requests, r.progress.Bytes
	rep.RateLimitWait = r.progress.RateLimitWait
	rep.sort()
	rep.nameLines(r.o.Lines)
	slices.Sort(rep.MaybeTwice)
	var err error
	if cause := context.Cause(r.ctx); cause != nil {
		if ctx.Err() != nil {
			cause = ctx.Err()
		}
		err = fmt.Errorf("catalog: import stopped after %s: %w", rowCount(rep.Read), cause)
	}
	r.stop(nil)
	return rep, err
}

// streamKeys remembers the identity (entity_code, falling back to sku) of
// every row ImportAll has taken into a request, so that a key repeated
// anywhere in the stream is caught, not only within one request: otherwise
// both copies would be applied, each as a new version, and which one ends
// current would depend on where the requests happen to split.
//
// The first copy of a key wins: it is sent, and every later copy is a
// failed row (Rejected, Field "entity_code") whose reason names the row it
// repeats. A copy that fails for another reason (validation, size) does not
// count: the next copy of its key is then the first.
//
// Memory. Keys are not kept: each is reduced to a 64-bit hash, which places
// it in an open-addressing table, plus an independent 32-bit check hash and
// the row number, 16 bytes a slot. The table doubles when three quarters
// full, so it holds between 21 and 43 bytes per distinct key; measured with
// runtime.MemStats over 1,000,000 keys: 33.5 bytes per key
// (TestStreamKeysMemory), so a 10-million-row stream needs at most 430 MB
// for it, whatever the length of its keys.
//
// Collisions. Two distinct keys share a slot only when both hashes agree:
// 96 bits, chosen with random seeds for each ImportAll. Then the later key
// would be wrongly refused as a repeat. Over n distinct keys the chance that
// this happens at all is about n²/2^97: 6e-18 for a million keys, 6e-14 for
// a hundred million. A distinct key colliding on the 64-bit hash alone is
// told apart by the check hash and kept. The seeds change every run, so such
// a refusal would not recur on a retry.
type streamKeys struct {
	seed, checkSeed maphash.Seed
	slots           []keySlot // length a power of two, or 0 before the first key
	n               int
	lines           func(row int) int // names rows by their file line; nil: by row
}

type keySlot struct {
	hash  uint64 // 0 marks an empty slot
	check uint32
	row   uint32 // the first copy's row, saturated at math.MaxUint32
}

func newStreamKeys(lines func(row int) int) *streamKeys {
	return &streamKeys{seed: maphash.MakeSeed(), checkSeed: maphash.MakeSeed(), lines: lines}
}

// claim records p's key for row, or returns the row error of a later copy.
func (s *streamKeys) claim(p *Product, row int) *RowError {
	key := p.key()
	h := max(maphash.String(s.seed, key), 1) // 0 marks an empty slot
	check := uint32(maphash.String(s.checkSeed, key))
	if (s.n+1)*4 > len(s.slots)*3 {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		sl := &s.slots[i]
		switch {
		case sl.hash == 0:
			*sl = keySlot{hash: h, check: check, row: uint32(min(row, math.MaxUint32))}
			s.n++
			return nil
		case sl.hash == h && sl.check == check:
			first := rowName(int(sl.row), s.lines)
			if sl.row == math.MaxUint32 {
				first = "an earlier row"
			}
			return refusal("entity_code", key, fmt.Sprintf("%q repeats %s: ImportAll sends only the first copy of a key", key, first))
		}
	}
}

// grow doubles the table (64 slots to start) and re-places every key.
func (s *streamKeys) grow() {
	old := s.slots
	s.slots = make([]keySlot, max(64, 2*len(old)))
	mask := uint64(len(s.slots) - 1)
	for _, sl := range old {
		if sl.hash == 0 {
			continue
		}
		i := sl.hash & mask
		for s.slots[i].hash != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = sl
	}
}
