package catalog

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// The platform's three credential kinds.
const (
	credBearer  = "bearer token"
	credAPIKey  = "API key"
	credSession = "session cookie"
)

// secret is a credential value. It formats as [REDACTED] so that a secret
// printed by mistake, with any verb, shows nothing.
type secret string

// String hides the value.
func (secret) String() string { return "[REDACTED]" }

// GoString hides the value from %#v.
func (secret) GoString() string { return "[REDACTED]" }

type credentials struct {
	kind   string
	id     string // API key id: not a secret, and useful in logs
	secret secret
}

// apply sets the credential on r, which must be the transport's own clone.
func (c credentials) apply(r *http.Request) {
	switch c.kind {
	case credBearer:
		r.Header.Set("Authorization", "Bearer "+string(c.secret))
	case credAPIKey:
		r.Header.Set("x-auth-method", "api-key")
		r.Header.Set("x-api-key-id", c.id)
		r.Header.Set("x-api-secret", string(c.secret))
	case credSession:
		r.AddCookie(&http.Cookie{Name: "vinc_b2b_session", Value: string(c.secret)})
	}
}

// transport is the client's http.RoundTripper. For every attempt it waits
// for the rate limiter, adds the credentials (only for the base URL's
// origin, so a redirect to another host carries none), tells the limiter
// when the answer came, and logs the exchange.
type transport struct {
	next    http.RoundTripper
	origin  string
	creds   credentials
	limiter Limiter          // nil: no limit
	now     func() time.Time // the limiter's clock, read when an answer arrives
	logger  *slog.Logger     // nil: no logging
	redact  *redactor        // removes the secret from answers (redact.go); nil: no credential
}

// RoundTrip sends one attempt: wait for the limiter, authenticate, send,
// release the limiter's slot, log.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	c := callFrom(ctx)
	if c == nil {
		c = &call{idempotent: req.Method == http.MethodGet}
	}
	release, err := t.waitTurn(ctx, c)
	if err != nil {
		return nil, err
	}
	out := req.Clone(ctx) // a RoundTripper must not modify the caller's request
	if t.creds.kind != "" && origin(req.URL) == t.origin {
		t.creds.apply(out)
	}
	if req.Method != http.MethodGet {
		// net/http silently re-sends a request that carries an
		// Idempotency-Key when a reused connection fails, even after the
		// server may have applied it. Without GetBody it cannot: whether to
		// send again is the retry policy's call alone.
		out.GetBody = nil
	}
	start := time.Now()
	resp, err := t.next.RoundTrip(out)
	if release != nil {
		// The answer's status line has arrived (or the attempt failed): the
		// server counted the request by now, if at all. A dial failure
		// never reached it, so its slot goes back at once.
		if err != nil && notSent(err) {
			release(time.Time{})
		} else {
			release(t.now())
		}
	}
	t.redact.answer(resp) // before anything reads it: the one place answers are redacted
	err = t.redact.error(err)
	c.attempts++
	if err != nil {
		c.lastErr = err
		c.maybeApplied = c.maybeApplied || !notSent(err)
	}
	t.log(ctx, req, c, resp, err, time.Since(start))
	return resp, err
}

// waitTurn holds an attempt until it may go: the caller's context must not
// have ended, the rate limiter must grant a slot, and the send gate (when
// ImportAll set one) must be open. Otherwise the attempt is not sent, and
// a slot already granted is given back. The release it returns (nil
// without a limiter) is for the answer.
func (t *transport) waitTurn(ctx context.Context, c *call) (release func(time.Time), err error) {
	if err := ctx.Err(); err != nil {
		return nil, &notSentError{err}
	}
	if g := gateFrom(ctx); g != nil && c.attempts > 0 && g.stopped() {
		return nil, &notSentError{errNotStarted} // a retry after the caller stopped
	}
	if t.limiter != nil {
		start := t.now()
		release, err = t.limiter.Acquire(ctx)
		if err != nil {
			return nil, &notSentError{err}
		}
		waited := t.now().Sub(start)
		c.lastWait = waited
		c.limitWait += waited
	}
	giveBack := func(err error) (func(time.Time), error) {
		if release != nil {
			release(time.Time{})
		}
		return nil, &notSentError{err}
	}
	if err := ctx.Err(); err != nil {
		return giveBack(err) // ended while waiting for the slot
	}
	if g := gateFrom(ctx); g != nil && !g.open() {
		return giveBack(errNotStarted)
	}
	return release, nil
}

func (t *transport) log(ctx context.Context, req *http.Request, c *call, resp *http.Response, err error, d time.Duration) {
	if t.logger == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", req.Method),
		slog.String("path", t.redact.string(req.URL.Path)), // a redirect's, which the server chose
		slog.Int("attempt", c.attempts),
		slog.Duration("duration", d),
	}
	if c.lastWait > 0 {
		// Waits for the client's own limit are the usual reason an import
		// is slower than the network: show them on the attempt they delayed.
		attrs = append(attrs, slog.Duration("rate_limit_wait", c.lastWait))
	}
	level := slog.LevelInfo
	if err != nil {
		level = slog.LevelWarn
		attrs = append(attrs, slog.String("error", err.Error()))
	} else {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
		if resp.StatusCode >= 400 {
			level = slog.LevelWarn
		}
	}
	t.logger.LogAttrs(ctx, level, "catalog: http request", attrs...)
}

func origin(u *url.URL) string { return u.Scheme + "://" + u.Host }

// notSentError is an attempt that never left the client: the caller's
// context ended, or the rate limiter had no slot before the context's
// deadline. It is not retried.
type notSentError struct{ err error }

// Error says why the attempt was not sent.
func (e *notSentError) Error() string { return "not sent: " + e.err.Error() }

// Unwrap returns the reason.
func (e *notSentError) Unwrap() error { return e.err }

// errNotStarted: the caller's context ended before the request was sent.
var errNotStarted = errors.New("the import was stopped")

// sendGate lets a request that has been sent outlive its caller's context,
// so that its answer can still be read, while one that has not been sent
// yet never starts. The first attempt opens the gate, unless the caller's
// context has closed it first; either way, that is decided once.
type sendGate struct {
	state     atomic.Int32    // gateWaiting, then gateOpen or gateClosed
	parent    context.Context // the caller's: once it ends, no new attempt starts
	ctx       context.Context
	cancel    context.CancelFunc
	stopWatch func() bool
}

const (
	gateWaiting int32 = iota
	gateOpen
	gateClosed
)

// newSendGate returns a gate whose ctx ends drain after parent does when
// the request was sent, and at once when it was not.
func newSendGate(parent context.Context, drain time.Duration) *sendGate {
	ctx, cancel := context.WithCancel(context.WithoutCancel(parent))
	g := &sendGate{parent: parent, ctx: ctx, cancel: cancel}
	g.stopWatch = context.AfterFunc(parent, func() {
		if g.state.CompareAndSwap(gateWaiting, gateClosed) {
			cancel()
			return
		}
		time.AfterFunc(drain, cancel)
	})
	return g
}

// open is called before each attempt: true when the request may go.
func (g *sendGate) open() bool {
	return g.state.CompareAndSwap(gateWaiting, gateOpen) || g.state.Load() == gateOpen
}

// stopped reports whether the caller's context has ended. The drain is for
// an answer already on its way, not for new attempts: a retry, or the wait
// before it, stops then.
func (g *sendGate) stopped() bool { return g.parent.Err() != nil }

// sent reports whether an attempt went out.
func (g *sendGate) sent() bool { return g.state.Load() == gateOpen }

func (g *sendGate) close() {
	g.stopWatch()
	g.cancel()
}

type gateKey struct{}

func withSendGate(ctx context.Context, g *sendGate) context.Context {
	return context.WithValue(ctx, gateKey{}, g)
}

func gateFrom(ctx context.Context) *sendGate {
	g, _ := ctx.Value(gateKey{}).(*sendGate)
	return g
}

// call is the state of one API call across its attempts, carried in the
// request's context from Client.run to the transport and the retry policy.
// Attempts of one call never overlap, and run reads it after the last one.
type call struct {
	idempotent bool // safe to send twice
	attempts   int  // attempts sent so far
	// maybeApplied: an attempt left the client and failed without an
	// answer, so the server may have applied it.
	maybeApplied bool
	lastErr      error         // the last attempt's network error: the cause to report
	lastWait     time.Duration // the last attempt's wait for the rate limiter
	limitWait    time.Duration // all waits for the rate limiter
	// spent, when set, reports a body that cannot be produced again (an
	// upload from a plain io.Reader, already read): no attempt follows.
	spent func() bool
}

type callKey struct{}

func withCall(ctx context.Context, c *call) context.Context {
	return context.WithValue(ctx, callKey{}, c)
}

func callFrom(ctx context.Context) *call {
	c, _ := ctx.Value(callKey{}).(*call)
	return c
}

// retrier is the client's retry policy and its wait: go-retryablehttp asks
// check after every attempt; when it says retry, it has already waited the
// backoff (or the answer's Retry-After) on the client's clock.
type retrier struct {
	max   int              // retries after the first attempt
	wait  [2]time.Duration // min, max of the exponential backoff
	clock Clock
}

// check decides whether the attempt is sent again and, if so, waits first.
// A wait cut short by ctx ends the call with ctx's error; Client.run then
// reports the last answer with it, so a 429 that applied nothing is not
// mistaken for an unknown outcome.
func (r *retrier) check(ctx context.Context, resp *http.Response, err error) (bool, error) {
	retry, checkErr := retryPolicy(ctx, resp, err)
	if !retry || checkErr != nil {
		return retry, checkErr
	}
	attempts := 1
	if c := callFrom(ctx); c != nil {
		attempts = c.attempts
	}
	if attempts > r.max {
		return true, nil // go-retryablehttp stops here: no retry left, no wait
	}
	waitCtx := ctx
	if g := gateFrom(ctx); g != nil {
		waitCtx = g.parent // ImportAll stopped: no retry, so no wait for one
	}
	if err := sleep(waitCtx, r.clock, backoff(r.wait[0], r.wait[1], attempts-1, resp)); err != nil {
		return false, err
	}
	return true, nil
}

// retryPolicy decides whether a failed attempt is sent again. The platform
// does not deduplicate imports (re-sending rows creates new
// versions and jobs), so a non-idempotent call is retried only when the
// answer says it was not applied:
//
//	connection refused or other dial failure   retried (nothing was sent)
//	no such host (DNS)                          never retried: it will not appear
//	408 Request Timeout, 429 Too Many Requests retried
//	503 with Retry-After                        retried
//	other 5xx, timeouts, resets                 retried for GET only
//	other 4xx                                   never retried
//
// Once ctx has ended nothing is retried; an answer already received stays
// the call's result.
func retryPolicy(ctx context.Context, resp *http.Response, err error) (bool, error) {
	var ns *notSentError
	if errors.As(err, &ns) {
		return false, err
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		if err != nil {
			return false, ctxErr
		}
		return false, nil
	}
	idempotent := true
	if c := callFrom(ctx); c != nil {
		if c.spent != nil && c.spent() {
			return false, nil
		}
		idempotent = c.idempotent
	}
	if err != nil {
		switch {
		case noSuchHost(err):
			return false, nil
		case notSent(err):
			return true, nil
		case idempotent:
			return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
		}
		return false, nil
	}
	switch code := resp.StatusCode; {
	case code == http.StatusRequestTimeout, code == http.StatusTooManyRequests:
		return true, nil
	case code == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "":
		return true, nil
	case code >= 500 && code != http.StatusNotImplemented:
		return idempotent, nil
	}
	return false, nil
}

// notSent reports a failure to connect: the request never left the client.
func notSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// noSuchHost reports a host name that does not resolve: a typing mistake
// or a missing DNS record, which retrying seconds later will not fix.
func noSuchHost(err error) bool {
	var dns *net.DNSError
	return errors.As(err, &dns) && dns.IsNotFound
}

// backoff is the wait before retry number attempt+1: the server's
// Retry-After when a 429 or 503 gives one, otherwise min*2^attempt capped
// at max, with jitter over its upper half so that clients spread out.
func backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d := retryAfter(resp.Header); d > 0 {
			return d
		}
	}
	d := maxWait
	if attempt < 30 && minWait<<attempt < maxWait {
		d = minWait << attempt
	}
	return d/2 + rand.N(d/2+1)
}
