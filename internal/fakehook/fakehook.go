// Package fakehook lets this module's own tests wrap the handler of every
// catalogtest server, without catalogtest importing what does the wrapping:
// users' test binaries that import catalogtest must not compile the
// contract checker and its dependencies.
package fakehook

import (
	"context"
	"net/http"
	"sync/atomic"
)

// Wrap, when set, wraps the handler of every catalogtest server started
// afterwards. Set it before any server starts (in TestMain) and never
// change it while servers run. Nil outside this module's tests.
var Wrap func(http.Handler) http.Handler

type faultKey struct{}

// WithFaultNote returns ctx carrying a note that MarkFault sets, and a
// function that reports whether it was set. A wrapper uses it to tell
// injected faults, deliberate garbage, from real answers.
func WithFaultNote(ctx context.Context) (context.Context, func() bool) {
	fired := new(atomic.Bool)
	return context.WithValue(ctx, faultKey{}, fired), fired.Load
}

// MarkFault notes on ctx that an injected fault shapes this answer. It does
// nothing when no wrapper asked for a note.
func MarkFault(ctx context.Context) {
	if fired, ok := ctx.Value(faultKey{}).(*atomic.Bool); ok {
		fired.Store(true)
	}
}
