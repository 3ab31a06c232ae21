package main

import (
	"fmt"
	"io"
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
		bar := progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(a.stderr),
			progressbar.OptionSetDescription(what),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
		)
		return &barProgress{bar: bar, w: a.stderr}
	}
	return &lineProgress{w: a.stderr, what: what}
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
