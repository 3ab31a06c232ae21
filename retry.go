package catalog

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// retrier is the client's retry policy, its backoff and its wait, all on
// the client's Clock.
//
// go-retryablehttp runs a call's attempts: after each it asks CheckRetry
// whether to send again, then sleeps what Backoff says. That sleep is a
// time.Timer on the wall clock, and a context ending during it makes Do
// return the context's error without the answer it had. So Backoff says 0
// and check waits itself, on the client's Clock and under the caller's
// context: a test moves time with a fake clock, and a 429 cut short by
// the caller still reports the 429, which applied nothing.
type retrier struct {
	max   int              // retries after the first attempt
	wait  [2]time.Duration // min, max of the exponential backoff
	clock Clock
}

// client returns the go-retryablehttp client for one call's attempts,
// sent through hc.
func (r *retrier) client(hc *http.Client, a *apiCall) *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient: hc,
		RetryMax:   r.max,
		CheckRetry: func(ctx context.Context, resp *http.Response, err error) (bool, error) {
			return r.check(ctx, a, resp, err)
		},
		Backoff:      func(time.Duration, time.Duration, int, *http.Response) time.Duration { return 0 }, // check waited
		ErrorHandler: retryablehttp.PassthroughErrorHandler,                                              // the last answer becomes a typed error
	}
}

// check decides whether the attempt is sent again and, if so, waits first.
// A wait cut short by the caller's context ends the call with its error;
// Client.run then reports the last answer with it.
func (r *retrier) check(ctx context.Context, a *apiCall, resp *http.Response, err error) (bool, error) {
	if retry, checkErr := retryPolicy(ctx, a, resp, err); !retry || checkErr != nil {
		return retry, checkErr
	}
	if a.attempts > r.max {
		return true, nil // go-retryablehttp stops here: no retry left, no wait
	}
	if err := sleep(a.callerCtx(ctx), r.clock, r.backoff(a.attempts-1, resp)); err != nil {
		return false, err
	}
	return true, nil
}

// retryPolicy decides whether a failed attempt is sent again. The platform
// does not deduplicate imports (re-sending rows creates new versions and
// jobs), so a call that may apply something is retried only when the
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
func retryPolicy(ctx context.Context, a *apiCall, resp *http.Response, err error) (bool, error) {
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
	if a.upload != nil && a.upload.spent() {
		return false, nil // its body cannot be produced again
	}
	idempotent := !a.mayApply()
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
func (r *retrier) backoff(attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d := retryAfter(resp.Header, r.clock.Now()); d > 0 {
			return d
		}
	}
	minWait, maxWait := r.wait[0], r.wait[1]
	d := maxWait
	if attempt < 30 && minWait<<attempt < maxWait {
		d = minWait << attempt
	}
	return d/2 + rand.N(d/2+1)
}

// maxRetryAfter caps a Retry-After, in seconds (a day): larger values would
// overflow a time.Duration, and no import waits that long.
const maxRetryAfter = 24 * 60 * 60

// retryAfter parses a Retry-After header given in seconds, or as an HTTP
// date, which is read against now.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs >= 0 {
		return time.Duration(min(secs, maxRetryAfter)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}
