package catalog

import (
	"iter"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/pimkit/catalog/internal/benchhook"
)

// maxDefaultEncodeWorkers caps the default of BulkOptions.EncodeWorkers.
// Every row still passes through the one sequencer, which copies it into
// its request body: profiled on the 2-vCPU machine, that copy ran at about
// 1.7 GB/s, and one worker encodes full products at 530 to 650 MB/s, so
// beyond about three workers the sequencer is what they would wait on.
const maxDefaultEncodeWorkers = 4

// defaultEncodeWorkers is BulkOptions.EncodeWorkers when it is 0: 1 when
// runtime.GOMAXPROCS is at most three, else half of it, at most
// maxDefaultEncodeWorkers. Half, because importing on one encoding
// goroutine already keeps about 1.1 cores busy (sending, the collector),
// and more workers only help on cores nothing else needs. See the field's
// doc for the measurements.
func defaultEncodeWorkers() int { return encodeWorkersFor(runtime.GOMAXPROCS(0)) }

func init() { benchhook.EncodeWorkers = defaultEncodeWorkers } // for catalogbench's memory bound

// encodeWorkersFor is the default number of encoding workers for a
// process that may run on the given number of cores.
func encodeWorkersFor(cores int) int {
	if cores <= 2 {
		return 1
	}
	return min(cores/2, maxDefaultEncodeWorkers)
}

// The reader hands rows to the encoding workers in chunks of about
// chunkTargetBytes of JSON: enough rows that handing a chunk over costs
// little next to encoding it, few enough that the chunks in flight add
// little to the memory the request bodies take (in the burst scenario,
// 512 KiB chunks took about a tenth less CPU than 128 KiB ones, and 2 MiB
// no less). The first chunk has firstChunkRows rows; the sequencer sizes
// the next ones from the largest row encoded so far, between 1 and
// maxChunkRows. A chunk's buffer kept for reuse is dropped above twice the
// target, so each holds at most 1 MiB between chunks.
const (
	chunkTargetBytes = 512 << 10
	firstChunkRows   = 16
	maxChunkRows     = 256
)

// chunkRows is the size of the next chunk, given the largest row encoded
// so far: chunks are sized for rows that large, so that a stream whose
// rows vary does not overshoot the target by its average.
func chunkRows(largest int) int {
	return min(max(chunkTargetBytes/max(largest, 1), 1), maxChunkRows)
}

// encodeChunk is a run of consecutive stream rows: the reader fills
// products and streamErrs, a worker validates and encodes every row into
// buf, and the sequencer packs them in order.
type encodeChunk struct {
	first      int       // stream index of products[0]
	products   []Product // shallow copies: the caller promised not to modify what they point to
	streamErrs []error   // the stream's error for each row, or nil
	buf        []byte    // the encoded rows, back to back
	ends       []int     // row i is buf[ends[i-1]:ends[i]] (from 0 for row 0)
	rowErrs    []*RowError
	largest    int           // the size of the largest row in buf
	panicked   any           // what encoding a row panicked with, if it did
	done       chan struct{} // closed when a worker has encoded the chunk
}

func (c *encodeChunk) reset(first int) {
	c.first = first
	clear(c.products) // let the producer's memory go while the chunk waits for reuse
	c.products = c.products[:0]
	clear(c.streamErrs)
	c.streamErrs = c.streamErrs[:0]
	c.buf, c.ends, c.largest = c.buf[:0], c.ends[:0], 0
	if cap(c.buf) > 2*chunkTargetBytes {
		c.buf = nil // a huge row passed through: do not keep its memory for the rest of the run
	}
	clear(c.rowErrs)
	c.rowErrs = c.rowErrs[:0]
	c.panicked = nil
	c.done = make(chan struct{})
}

// encode validates and encodes every row of c, as read does for one row.
// A panic (say in the MarshalJSON of a value in Product.Extra) is kept for
// the sequencer, which raises it again on ImportAll's goroutine: with one
// worker it would have reached ImportAll's caller, and so it still does.
// encode reports false after a panic. Once it returns, c belongs to the
// sequencer.
func (c *encodeChunk) encode(enc *rowEncoder) (ok bool) {
	defer close(c.done)
	defer func() {
		if v := recover(); v != nil {
			c.panicked, ok = v, false
		}
	}()
	for i := range c.products {
		rowErr := streamRowError(c.streamErrs[i])
		if rowErr == nil {
			var raw []byte
			raw, rowErr = enc.encode(&c.products[i], nil)
			c.buf = append(c.buf, raw...)
			c.largest = max(c.largest, len(raw))
		}
		c.ends = append(c.ends, len(c.buf))
		c.rowErrs = append(c.rowErrs, rowErr)
	}
	return true
}

// row returns row i's encoding, or its fault.
func (c *encodeChunk) row(i int) ([]byte, *RowError) {
	if c.rowErrs[i] != nil {
		return nil, c.rowErrs[i]
	}
	start := 0
	if i > 0 {
		start = c.ends[i-1]
	}
	return c.buf[start:c.ends[i]], nil
}

// readParallel is read with the validation and encoding of rows spread over
// workers goroutines. The calling goroutine takes rows from the stream into
// chunks; each chunk goes to a worker and, in stream order, to one
// sequencer, which waits for its encoding and then does for each row what
// read does after encoding (the size check, the key claim, packing,
// handing full batches over), so batches, reports and the first-copy-wins
// rule are those of read. At most workers+2 chunks are in flight.
func (r *bulkRun) readParallel(products iter.Seq2[Product, error], out chan<- *bulkBatch, workers int) {
	work := make(chan *encodeChunk, workers)
	order := make(chan *encodeChunk, workers)
	free := make(chan *encodeChunk, workers+2)
	var quit atomic.Bool  // the sequencer has stopped packing: stop reading
	var size atomic.Int64 // rows per chunk, from the sizes encoded so far
	size.Store(firstChunkRows)

	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			enc := newRowEncoder()
			for c := range work {
				if !c.encode(enc) {
					enc = newRowEncoder() // the panic may have left it midway
				}
			}
		}()
	}
	seqDone := make(chan struct{})
	var crash any // what a worker's encoding panicked with, set by the sequencer
	go func() {
		defer close(seqDone)
		crash = r.sequence(order, out, free, &quit, &size)
	}()
	returned := false
	defer func() { // also when the stream panics: no goroutine is left behind
		r.stopIfPanicking(&returned) // before the sequencer hands its last batch over
		close(work)
		close(order)
		wg.Wait()
		<-seqDone
		if crash != nil {
			panic(crash)
		}
	}()

	newChunk := func(first int) *encodeChunk {
		var c *encodeChunk
		select {
		case c = <-free:
		default:
			c = &encodeChunk{}
		}
		c.reset(first)
		return c
	}
	dispatch := func(c *encodeChunk) {
		order <- c // the sequencer drains order to the end, even once stopped
		work <- c
	}
	row := -1
	c := newChunk(0)
	for p, err := range products {
		row++
		r.rowsRead.Add(1)
		c.products = append(c.products, p)
		c.streamErrs = append(c.streamErrs, err)
		if r.stopped.Load() || quit.Load() {
			break // the sequencer reports this row and every one before it not packed
		}
		if len(c.products) >= int(size.Load()) {
			dispatch(c)
			c = newChunk(row + 1)
		}
	}
	if len(c.products) > 0 {
		dispatch(c)
	}
	returned = true
}

// sequence packs the encoded chunks in stream order, as read packs rows.
// Once the run stops, every row not packed is reported not attempted, and
// the chunks still coming are drained so that the reader never blocks. A
// chunk whose encoding panicked stops it too, with nothing more handed
// over, and its panic value is returned.
func (r *bulkRun) sequence(order <-chan *encodeChunk, out chan<- *bulkBatch, free chan<- *encodeChunk, quit *atomic.Bool, size *atomic.Int64) (crash any) {
	pk := r.newPacker(out)
	largest := 0 // the largest row encoded so far, in bytes
	stopped := false
	stopAt := func(c *encodeChunk, i int) { // rows i.. of c, and all later chunks, are not attempted
		stopped = true
		quit.Store(true)
		rows := make([]int, 0, len(c.products)-i)
		for j := i; j < len(c.products); j++ {
			rows = append(rows, c.first+j)
		}
		r.notAttempted(rows...)
	}
	for c := range order {
		if stopped {
			stopAt(c, 0) // not yet (or never to be) encoded: only first and the row count are read
			continue
		}
		<-c.done
		if c.panicked != nil {
			crash = c.panicked
			r.stop(errPanicked) // the reader stops at the stream's next row
			if pk.b != nil {
				r.notAttempted(pk.b.rows...)
				pk.b = nil
			}
			stopAt(c, 0)
			continue
		}
		largest = max(largest, c.largest)
		size.Store(int64(chunkRows(largest)))
		for i := range c.products {
			row := c.first + i
			if r.stopped.Load() {
				stopAt(c, i)
				break
			}
			raw, rowErr := c.row(i)
			if !pk.place(&c.products[i], row, raw, rowErr) {
				stopAt(c, i)
				break
			}
		}
		if !stopped {
			select {
			case free <- c:
			default:
			}
		}
	}
	pk.flush()
	return crash
}
