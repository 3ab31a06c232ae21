package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/pimkit/catalog"
)

// progress shows a running import: a bar on a terminal, plain lines
// otherwise, nothing with --json.
type progress interface {
	update(p catalog.BulkProgress)
	finish()
}

// newProgress picks the display for stderr. total is the number of rows
// when known, else -1.
func (a *app) newProgress(total int64, what string) progress {
	switch {
	case a.json:
		return noProgress{}
	case a.terminal(a.stderr):
		return &barProgress{bar: a.newBar(total, what, progressbar.OptionShowCount()), w: a.stderr}
	}
	return &lineProgress{w: a.stderr, what: what}
}

// newBar is the bar of every command, on stderr.
func (a *app) newBar(total int64, what string, opts ...progressbar.Option) *progressbar.ProgressBar {
	return progressbar.NewOptions64(total, append([]progressbar.Option{
		progressbar.OptionSetWriter(a.stderr),
		progressbar.OptionSetDescription(what),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100 * time.Millisecond),
	}, opts...)...)
}

type noProgress struct{}

func (noProgress) update(catalog.BulkProgress) {}
func (noProgress) finish()                     {}

type barProgress struct {
	bar *progressbar.ProgressBar
	w   io.Writer
}

func (b *barProgress) update(p catalog.BulkProgress) {
	done := p.Succeeded + p.Failed + p.Unknown + p.NotAttempted
	b.bar.Describe(fmt.Sprintf("%d ok, %d failed", p.Succeeded, p.Failed))
	_ = b.bar.Set(done)
}

func (b *barProgress) finish() {
	_ = b.bar.Finish()
	fmt.Fprintln(b.w) // the summary starts on a line of its own
}

// lineProgress prints one line per update, for logs and pipes.
type lineProgress struct {
	w    io.Writer
	what string
	last catalog.BulkProgress
}

func (l *lineProgress) update(p catalog.BulkProgress) {
	if p == l.last {
		return
	}
	l.last = p
	fmt.Fprintf(l.w, "%s: %d read, %d sent, %d succeeded, %d failed, %d unknown (%s)\n",
		l.what, p.Read, p.Sent, p.Succeeded, p.Failed, p.Unknown, plural(p.Requests, "request", "requests"))
}

func (l *lineProgress) finish() {}

// bytesProgress shows a file being sent, in bytes, with the display of
// newProgress: a bar on a terminal, plain lines otherwise, nothing with
// --json. sent is called from the goroutine that writes the request.
type bytesProgress struct {
	mu    sync.Mutex
	bar   *progressbar.ProgressBar // on a terminal
	w     io.Writer                // plain lines, when bar is nil
	what  string
	total int64
	quiet bool
	last  int64 // the bytes of the last line printed, -1 before any
	at    time.Time
	done  bool
}

// newBytesProgress shows the sending of total bytes.
func (a *app) newBytesProgress(total int64, what string) *bytesProgress {
	p := &bytesProgress{w: a.stderr, what: what, total: total, quiet: a.json, last: -1}
	if !a.json && a.terminal(a.stderr) {
		p.bar = a.newBar(total, what, progressbar.OptionShowBytes(true))
	}
	return p
}

// lineEvery is the least time between two plain progress lines, but for
// the last one.
const lineEvery = time.Second

func (p *bytesProgress) sent(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.quiet || p.done:
	case p.bar != nil:
		p.last = n
		_ = p.bar.Set64(n)
	case n != p.last && (n == p.total || time.Since(p.at) >= lineEvery):
		p.last, p.at = n, time.Now()
		pct := ""
		if p.total > 0 {
			pct = fmt.Sprintf(" (%d%%)", 100*n/p.total)
		}
		fmt.Fprintf(p.w, "%s: %s of %s sent%s\n", p.what, fmtBytes(n), fmtBytes(p.total), pct)
	}
}

// finish ends the display; calls of sent after it show nothing.
func (p *bytesProgress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return
	}
	p.done = true
	if p.bar != nil {
		if p.last == p.total {
			_ = p.bar.Finish()
		} else {
			_ = p.bar.Exit() // a failed send: the bar stays where it stopped
		}
		fmt.Fprintln(p.w) // the summary starts on a line of its own
	}
}

// syncProgress shows a sync phase by phase (catalog.SyncOptions.Progress),
// each phase with a display of its own: a count of the products listed,
// then a display of newProgress for each stage and the removals.
type syncProgress struct {
	a        *app
	what     string
	products int64 // the feed's rows, when known; else -1
	phase    string
	cur      progress
	listed   *progressbar.ProgressBar // the listing's count, on a terminal
	last     int                      // the listing's last count printed
}

func (s *syncProgress) update(phase string, p catalog.BulkProgress) {
	if s.a.json {
		return
	}
	if phase != s.phase {
		s.finish()
		s.phase, s.last = phase, -1
		switch {
		case phase == "listing" && s.a.terminal(s.a.stderr):
			s.listed = s.a.newBar(-1, s.what+": listing the source's products", progressbar.OptionShowCount())
		case phase == "listing":
		case phase == "products":
			s.cur = s.a.newProgress(s.products, s.what+" products")
		default:
			s.cur = s.a.newProgress(int64(p.Read), s.what+" "+phase)
		}
	}
	switch {
	case s.cur != nil:
		s.cur.update(p)
	case s.listed != nil:
		_ = s.listed.Set(p.Read)
	case p.Read != s.last:
		s.last = p.Read
		fmt.Fprintf(s.a.stderr, "%s: listing the source's products: %s\n", s.what, plural(p.Read, "product", "products"))
	}
}

// finish ends the display of the phase under way.
func (s *syncProgress) finish() {
	if s.cur != nil {
		s.cur.finish()
	}
	if s.listed != nil {
		_ = s.listed.Finish()
		fmt.Fprintln(s.a.stderr)
	}
	s.cur, s.listed = nil, nil
}
