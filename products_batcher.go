package catalog

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// ErrBatcherClosed is returned by Add and Flush once Close has been called.
var ErrBatcherClosed = errors.New("catalog: batcher closed")

// BatcherOptions tune a Batcher. A nil *BatcherOptions means the defaults.
type BatcherOptions struct {
	// RequestOptions go on every request (merge mode, update mask, ...).
	RequestOptions
	// MaxProducts flushes a batch when it holds this many changes
	// (default 500, at most the package's MaxProducts).
	MaxProducts int
	// MaxBodyBytes flushes a batch before the next change would make its
	// request body larger (default 1,000,000, at most the client's limit,
	// WithMaxBodyBytes).
	MaxBodyBytes int64
	// MaxDelay flushes a batch when its oldest change has waited this long
	// (default 5 s), on the client's clock (WithClock).
	MaxDelay time.Duration
	// QueueSize bounds the changes accepted but not yet in a batch
	// (default 2*MaxProducts). When the queue is full, Add waits: that is
	// the backpressure a slow platform puts on the callers. At most
	// QueueSize + MaxProducts changes are held in memory.
	QueueSize int
	// OnResult is called once for every change Add accepted, with its
	// outcome, from the batcher's one goroutine, in order within a batch:
	// count or retry there. It must not call the batcher's Flush or Close.
	// Without it, outcomes are not reported.
	OnResult func(BatchResult)
}

// BatchResult is the outcome of one change.
type BatchResult struct {
	Seq     uint64     // the change's number, from 1, in the order Add accepted them
	Product Product    // the change as added
	Outcome RowOutcome // RowSucceeded, RowFailed, RowUnknown or RowNotAttempted
	// Err says why, for every outcome but RowSucceeded: a *RowError (Row
	// -1; Seq names the change) for a row the platform refused, else the
	// request's error. A change whose request may have been applied (no
	// answer, or counts that disagree with the changes sent) is
	// RowUnknown, its Err matching ErrOutcomeUnknown.
	Err error
}

// Batcher sends a stream of single product changes (a price change at
// the till, a new product) as direct imports, a batch at a time: a batch
// is flushed when it reaches MaxProducts changes or MaxBodyBytes bytes, when its
// oldest change has waited MaxDelay, on Flush and on Close. One goroutine
// sends the batches, one request at a time, through the client, so the
// client's rate limit applies. Every change Add accepted ends in exactly
// one outcome, reported to OnResult; none is dropped. Two changes to the
// same product never share a request: the second starts a new batch, so
// they are applied in order.
//
// A Batcher is safe for concurrent use. Create it with
// ProductsService.NewBatcher and Close it when done.
type Batcher struct {
	s    *ProductsService
	o    BatcherOptions
	head []byte // the request body before the products: the same for every request

	queue   chan queued
	closing chan struct{} // closed by Close: blocked Adds give up
	stopped chan struct{} // closed when the loop has settled everything
	runCtx  context.Context
	cancel  context.CancelFunc

	mu     sync.Mutex
	closed bool
	adds   sync.WaitGroup // Adds between the closed check and their send
	seq    uint64         // changes taken so far; used by the loop only
}

// queued is a change, or a Flush or Close request, in the queue.
type queued struct {
	item *batchItem
	done chan struct{} // a Flush or Close: closed once every earlier change is settled
	stop bool          // Close
}

type batchItem struct {
	seq     uint64
	product Product
	key     string
	raw     []byte
}

// NewBatcher starts a batcher of changes to the import source sourceID.
func (s *ProductsService) NewBatcher(sourceID string, opts *BatcherOptions) (*Batcher, error) {
	var o BatcherOptions
	if opts != nil {
		o = *opts
	}
	if err := checkRequest(sourceID, 1, o.MergeMode); err != nil {
		return nil, err
	}
	switch {
	case o.MaxProducts < 0 || o.MaxProducts > MaxProducts:
		return nil, invalid("MaxProducts", fmt.Sprintf("%d; 0 to %d", o.MaxProducts, MaxProducts))
	case o.MaxBodyBytes < 0 || o.MaxBodyBytes > s.client.maxBody:
		return nil, invalid("MaxBodyBytes", fmt.Sprintf("%d; at most the client's limit of %d", o.MaxBodyBytes, s.client.maxBody))
	case o.MaxDelay < 0 || o.QueueSize < 0:
		return nil, invalid("MaxDelay", "MaxDelay and QueueSize must not be negative")
	}
	o.MaxProducts = cmp.Or(o.MaxProducts, 500)
	o.MaxBodyBytes = cmp.Or(o.MaxBodyBytes, min(1_000_000, s.client.maxBody))
	o.MaxDelay = cmp.Or(o.MaxDelay, 5*time.Second)
	o.QueueSize = cmp.Or(o.QueueSize, 2*o.MaxProducts)
	head, err := newEnvelope(sourceID, o.RequestOptions).head()
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	b := &Batcher{s: s, o: o, head: head,
		queue: make(chan queued, o.QueueSize), closing: make(chan struct{}), stopped: make(chan struct{}),
		runCtx: runCtx, cancel: cancel}
	go b.loop()
	return b, nil
}

// Add validates and encodes one change and queues it. A change that fails
// validation (as in ProductsService.Import) or alone exceeds MaxBodyBytes is
// refused at once with a *RowError, and is not queued. When the queue is
// full, Add waits for room until ctx ends (it then returns ctx's error and
// the change is not queued); a change that finds room at once is queued
// whatever ctx's state. After Close it returns ErrBatcherClosed. A nil
// error means the change will be reported to OnResult.
func (b *Batcher) Add(ctx context.Context, p Product) error {
	enc := encoders.Get().(*rowEncoder)
	raw, rowErr := enc.encode(&p, nil)
	if rowErr == nil && int64(len(b.head)+len(raw)+len(bodyTail)) > b.o.MaxBodyBytes {
		rowErr = tooLarge(len(raw), b.o.MaxBodyBytes)
		rowErr.EntityCode = p.EntityCode
	}
	item := &batchItem{product: p, key: p.key()}
	if rowErr == nil {
		item.raw = append([]byte(nil), raw...)
	}
	encoders.Put(enc)
	if rowErr != nil {
		rowErr.Row = -1
		return rowErr
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return ErrBatcherClosed
	}
	b.adds.Add(1)
	b.mu.Unlock()
	defer b.adds.Done()
	if !b.enqueue(ctx, queued{item: item}) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return ErrBatcherClosed
	}
	return nil
}

// enqueue puts q in the queue, waiting for room; false when ctx ended
// first, or (for a change) the batcher is closing. A change that finds room
// at once is queued whatever ctx's state.
func (b *Batcher) enqueue(ctx context.Context, q queued) bool {
	select {
	case b.queue <- q:
		return true
	default:
	}
	closing := b.closing
	if q.item == nil {
		closing = nil // Flush and Close requests go in even while closing
	}
	select {
	case b.queue <- q:
		return true
	case <-ctx.Done():
		return false
	case <-closing:
		return false
	case <-b.stopped:
		return false
	}
}

// Flush sends every change added before it and returns once they are all
// settled (reported to OnResult), or when ctx ends. It returns
// ErrBatcherClosed after Close.
func (b *Batcher) Flush(ctx context.Context) error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return ErrBatcherClosed
	}
	b.mu.Unlock()
	done := make(chan struct{})
	if !b.enqueue(ctx, queued{done: done}) {
		if err := ctx.Err(); err != nil {
			return err
		}
		return nil // Close settled everything meanwhile
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-b.stopped:
		return nil // Close settled everything meanwhile
	}
}

// Close stops taking changes, sends every change accepted so far and
// returns once each is settled. When ctx ends first, the request in flight
// is cancelled and every change not yet settled is reported
// RowNotAttempted (or RowUnknown, when its request may have been
// applied); Close then returns ctx's error. Close may be called more than
// once.
func (b *Batcher) Close(ctx context.Context) error {
	b.mu.Lock()
	first := !b.closed
	b.closed = true
	b.mu.Unlock()
	gaveUp := false
	if first {
		close(b.closing)
		b.adds.Wait() // every Add has queued its change or given up
		if !b.enqueue(ctx, queued{done: make(chan struct{}), stop: true}) {
			gaveUp = true
			b.cancel() // the loop now settles fast: let it make room
			b.queue <- queued{done: make(chan struct{}), stop: true}
		}
	}
	select {
	case <-b.stopped:
	case <-ctx.Done():
		select {
		case <-b.stopped: // settled in time after all
		default:
			gaveUp = true
			b.cancel()
			<-b.stopped
		}
	}
	if gaveUp {
		return ctx.Err()
	}
	return nil
}

// loop takes changes from the queue into the current batch and flushes it
// by count, bytes, delay, Flush and Close.
func (b *Batcher) loop() {
	defer close(b.stopped)
	defer b.cancel()
	var (
		batch []*batchItem
		keys  = map[string]bool{}
		size  int // request body bytes with the current batch
		timer <-chan time.Time
	)
	flush := func() {
		if len(batch) > 0 {
			b.send(batch)
		}
		batch, size, timer = nil, 0, nil
		clear(keys)
	}
	for {
		select {
		case <-timer:
			flush()
		case q := <-b.queue:
			if q.done != nil {
				flush()
				close(q.done)
				if q.stop {
					return
				}
				continue
			}
			it := q.item
			b.seq++
			it.seq = b.seq
			if len(batch) > 0 && (keys[it.key] || int64(size+len(it.raw)+1) > b.o.MaxBodyBytes) {
				flush()
			}
			grown := size + len(it.raw) + 1
			if len(batch) == 0 {
				grown = len(b.head) + len(it.raw) + len(bodyTail)
				timer = b.s.client.clock.After(b.o.MaxDelay)
			}
			batch, size = append(batch, it), grown
			keys[it.key] = true
			if len(batch) >= b.o.MaxProducts {
				flush()
			}
		}
	}
}

// send makes one direct import of batch and reports every change.
func (b *Batcher) send(batch []*batchItem) {
	if err := b.runCtx.Err(); err != nil { // Close gave up waiting: send nothing more
		b.settleAll(batch, RowNotAttempted, fmt.Errorf("catalog: batcher closed before sending: %w", err))
		return
	}
	raws := make([][]byte, len(batch))
	for i, it := range batch {
		raws[i] = it.raw
	}
	var res ProductImportResult
	call := &apiCall{method: http.MethodPost, path: importAPIPath, body: joinBody(b.head, raws), out: &res}
	err := b.s.client.run(b.runCtx, call)
	if err != nil && !errors.Is(err, ErrOutcomeUnknown) && b.runCtx.Err() != nil && notSentOrCanceled(err) {
		b.settleAll(batch, RowNotAttempted, err)
		return
	}
	var errs []RowError
	if err == nil {
		errs = b.s.client.Jobs.allErrors(b.runCtx, res.JobID, res.Errors, res.Summary.Failed)
	}
	settled := settle(len(batch), directAnswer(importAPIPath, err, &res, errs))
	codes := make([]string, len(batch))
	for pos, it := range batch {
		codes[pos] = it.product.EntityCode
	}
	nameCodes(settled, codes)
	for pos, s := range settled {
		if s.outcome == RowSucceeded || s.err.Cause != nil {
			b.settle(batch[pos], s.outcome, s.err.Cause)
			continue
		}
		s.err.Row = -1
		b.settle(batch[pos], s.outcome, &s.err)
	}
}

// notSentOrCanceled reports an error of a request that did not leave, or
// was cancelled before any answer could have applied it.
func notSentOrCanceled(err error) bool {
	return notSent(err) || errors.Is(err, context.Canceled)
}

func (b *Batcher) settleAll(batch []*batchItem, o RowOutcome, err error) {
	for _, it := range batch {
		b.settle(it, o, err)
	}
}

func (b *Batcher) settle(it *batchItem, o RowOutcome, err error) {
	if b.o.OnResult != nil {
		b.o.OnResult(BatchResult{Seq: it.seq, Product: it.product, Outcome: o, Err: err})
	}
}
