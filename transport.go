package catalog

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/pimkit/catalog/internal/clockhook"
	"github.com/pimkit/catalog/internal/ratelimit"
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

// transport does the work of every HTTP attempt: it waits for the rate
// limiter, adds the credentials (only for the base URL's origin, so a
// redirect to another host carries none), tells the limiter when the
// answer came, redacts the answer and logs the exchange. One transport
// serves the whole client; each call sees it through its own attempts.
type transport struct {
	next    http.RoundTripper
	origin  string
	creds   credentials
	limiter Limiter          // nil: no limit
	now     func() time.Time // the client's clock
	logger  *slog.Logger     // nil: no logging
	redact  *redactor        // removes the secret from what the client writes of answers (redact.go); nil: no credential
	// timeout bounds one attempt's exchange with the server (WithTimeout):
	// from the moment its rate-limit slot is granted to the end of its
	// answer's body. The wait for the slot is not part of it.
	timeout time.Duration
}

// callAttempts is the transport as one call's attempts go through it: each
// adds what it did to the call.
type callAttempts struct {
	t *transport
	a *apiCall
}

// RoundTrip sends one attempt of the call.
func (x callAttempts) RoundTrip(req *http.Request) (*http.Response, error) {
	return x.t.roundTrip(req, x.a)
}

// roundTrip sends one attempt: wait for the limiter, authenticate, send,
// release the limiter's slot, log.
func (t *transport) roundTrip(req *http.Request, a *apiCall) (*http.Response, error) {
	ctx := req.Context()
	release, waited, err := t.waitTurn(a.callerCtx(ctx), a.party)
	if err != nil {
		return nil, err
	}
	a.limitWait += waited
	// The attempt's own deadline starts now that it has its slot: however
	// long the limiter made it wait, the exchange gets the whole timeout.
	actx, stop := context.WithTimeoutCause(ctx, t.timeout, &attemptTimeoutError{t.timeout})
	out := req.Clone(actx) // a RoundTripper must not modify the caller's request
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
	start := t.now()
	resp, err := t.next.RoundTrip(out)
	if resp != nil && resp.Body != nil {
		resp.Body = &timedBody{ReadCloser: resp.Body, stop: stop} // the deadline covers reading it
	} else {
		stop()
	}
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
	// The answer is left as the server sent it (redact.go); only the
	// network error, which becomes the call's error, is redacted.
	err = t.redact.error(err)
	a.attempts++
	if err != nil {
		a.lastErr = err
		a.maybeApplied = a.maybeApplied || !notSent(err)
	}
	t.log(ctx, req, a.attempts, waited, resp, err, t.now().Sub(start))
	return resp, err
}

// waitTurn holds an attempt until it may go: ctx (the caller's) must not
// have ended, and the rate limiter must grant a slot. Otherwise the
// attempt is not sent, and a slot already granted is given back. It
// returns the slot's release (nil without a limiter), for the answer, and
// how long it waited for it.
//
// On a clock that follows calls (party non-nil), the default limiter's
// wait for a slot sleeps through the call's party.
func (t *transport) waitTurn(ctx context.Context, party clockhook.Party) (release func(time.Time), waited time.Duration, err error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, &notSentError{err}
	}
	if t.limiter != nil {
		start := t.now()
		if release, err = t.acquire(ctx, party); err != nil {
			return nil, 0, &notSentError{err}
		}
		waited = t.now().Sub(start)
	}
	if err := ctx.Err(); err != nil { // ended while waiting for the slot
		if release != nil {
			release(time.Time{})
		}
		return nil, 0, &notSentError{err}
	}
	return release, waited, nil
}

func (t *transport) log(ctx context.Context, req *http.Request, attempt int, limitWait time.Duration, resp *http.Response, err error, d time.Duration) {
	if t.logger == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", req.Method),
		slog.String("path", t.redact.string(req.URL.Path)), // a redirect's, which the server chose
		slog.Int("attempt", attempt),
		slog.Duration("duration", d),
	}
	if limitWait > 0 {
		// Waits for the client's own limit are the usual reason an import
		// is slower than the network: show them on the attempt they delayed.
		attrs = append(attrs, slog.Duration("rate_limit_wait", limitWait))
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

// acquire takes a slot of the limiter; the default limiter's wait sleeps
// through party when there is one.
func (t *transport) acquire(ctx context.Context, party clockhook.Party) (func(time.Time), error) {
	if l, ok := t.limiter.(*ratelimit.Limiter); ok && party != nil {
		return l.AcquireSleeping(ctx, party.Sleep)
	}
	return t.limiter.Acquire(ctx)
}

// attemptTimeoutError is the cause of an attempt that outlasted
// WithTimeout. Like http.Client's own timeout error, it is a net.Error
// whose Timeout is true and it matches context.DeadlineExceeded.
type attemptTimeoutError struct{ d time.Duration }

// Error says which limit the attempt reached.
func (e *attemptTimeoutError) Error() string {
	return fmt.Sprintf("attempt timed out after %s (WithTimeout)", e.d)
}

// Timeout reports true: a net.Error timeout.
func (e *attemptTimeoutError) Timeout() bool { return true }

// Temporary reports true, as net/http's timeouts do.
func (e *attemptTimeoutError) Temporary() bool { return true }

// Is matches context.DeadlineExceeded.
func (e *attemptTimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// timedBody is an answer's body read under its attempt's deadline; the
// deadline's timer stops when the body is closed.
type timedBody struct {
	io.ReadCloser
	stop context.CancelFunc
}

// Close closes the body and stops the attempt's deadline.
func (b *timedBody) Close() error {
	err := b.ReadCloser.Close()
	b.stop()
	return err
}
