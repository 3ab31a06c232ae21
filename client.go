package catalog

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/pimkit/catalog/internal/clockhook"
)

// Limits the platform documents.
const (
	MaxBodyBytes = 35_000_000 // bytes per request body: the platform's 35 MB, read as decimal megabytes (the smaller reading)
	MaxProducts  = 10_000     // products per import request
)

// maxRequestsPerMinute is the platform's rate limit, requests per tenant
// in any minute: the client keeps to it unless told otherwise
// (WithRateLimit), and so does package redisquota.
const maxRequestsPerMinute = 40

// The client's defaults, stated in the docs of the options that change them.
const (
	rateWindow        = time.Minute     // the window of maxRequestsPerMinute (WithRateLimit)
	defaultTimeout    = 2 * time.Minute // per HTTP attempt (WithTimeout)
	defaultMaxRetries = 4               // retries after the first attempt (WithRetries)
	defaultRetryMin   = 500 * time.Millisecond
	defaultRetryMax   = 30 * time.Second
	maxResponseBody   = 256 << 20 // a success answer larger than this is refused
	userAgent         = "pimkit-catalog-go/1.0"
)

// Client talks to one tenant of the catalog platform. It is safe for
// concurrent use, and every call made through it shares one rate limit.
type Client struct {
	Products   *ProductsService    // product imports (direct, queued, streamed), listing, removal, the real-time batcher
	Categories *CategoriesService  // the category tree: import and listing
	Promotions *PromotionsService  // promotion imports
	Sources    *SourcesService     // import sources: mappings, locked fields, auto-publish
	Imports    *FileImportsService // file imports
	Jobs       *JobsService        // import jobs and the queue

	base    *url.URL
	http    func(*apiCall) *http.Client // what a call's attempts go out through (transport.go)
	retry   retrier                     // which attempts are sent again, and when (below)
	maxBody int64
	logger  *slog.Logger
	clock   Clock     // pacing, retry waits, job polling
	redact  *redactor // shared with the transport; also for the errors http.Client builds around it
	common  service
}

// service is what every service holds: a way back to the client.
type service struct{ client *Client }

// NewClient returns a client for the tenant at baseURL, for example
// "https://your-tenant.example.com". Paths such as /api/b2b/pim/import/api
// are resolved under it, so a base URL with a path prefix works too.
func NewClient(baseURL string, opts ...Option) (*Client, error) {
	base, err := parseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	cfg := defaultConfig()
	for _, opt := range opts {
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	if err := cfg.checkTransportSecurity(base); err != nil {
		return nil, err
	}
	c := &Client{base: base, maxBody: cfg.maxBody, logger: cfg.logger, redact: newRedactor(cfg.creds.secret), clock: cfg.clockOrSystem()}
	c.warnWeakSecret(cfg.creds)
	c.http = cfg.httpClients(base, c.redact)
	c.retry = retrier{max: cfg.maxRetries, wait: cfg.retryWait, clock: c.clock}
	c.common.client = c
	c.Products = (*ProductsService)(&c.common)
	c.Categories = (*CategoriesService)(&c.common)
	c.Promotions = (*PromotionsService)(&c.common)
	c.Sources = (*SourcesService)(&c.common)
	c.Imports = (*FileImportsService)(&c.common)
	c.Jobs = (*JobsService)(&c.common)
	return c, nil
}

// warnWeakSecret logs, once at construction, that the credential is short
// or word-like, so that an echo of it is removed from errors and logs only
// where it stands as a whole token (redact.go). The credential is still
// used: it is the platform's, and the data is never touched either way.
// Neither the value nor its length is logged.
func (c *Client) warnWeakSecret(cr credentials) {
	if c.logger == nil || cr.secret == "" || !weakSecret(string(cr.secret)) {
		return
	}
	what := cr.kind
	if cr.kind == credAPIKey {
		what = "private part of the API key" // the key id is public
	}
	c.logger.Warn("catalog: the "+what+" is shorter than 16 characters or made of letters only: "+
		"an echo of it in the server's error texts is redacted only where it stands as a whole word",
		slog.String("credential", what))
}

// NewClientFromEnv returns a client configured the way the examples and
// catalogctl configure theirs, from variables read with getenv (os.Getenv,
// or a lookup that puts command-line flags first):
//
//   - CATALOG_BASE_URL, the tenant's base URL;
//   - one credential: CATALOG_TOKEN (a bearer token), CATALOG_API_KEY_ID
//     with CATALOG_API_SECRET, or CATALOG_SESSION (a session cookie).
//
// opts apply after them. The import source is the caller's: the examples
// read it from CATALOG_SOURCE_ID. A missing or ambiguous variable is an
// error naming the variables; no value is ever printed.
//
//	client, err := catalog.NewClientFromEnv(os.Getenv, catalog.WithLogger(slog.Default()))
func NewClientFromEnv(getenv func(string) string, opts ...Option) (*Client, error) {
	base := getenv("CATALOG_BASE_URL")
	if base == "" {
		return nil, errors.New("catalog: CATALOG_BASE_URL is not set: the tenant's base URL")
	}
	token, keyID, keySecret, session := getenv("CATALOG_TOKEN"), getenv("CATALOG_API_KEY_ID"), getenv("CATALOG_API_SECRET"), getenv("CATALOG_SESSION")
	var creds []Option
	if token != "" {
		creds = append(creds, WithBearerToken(token))
	}
	if keyID != "" || keySecret != "" {
		if keyID == "" || keySecret == "" {
			return nil, errors.New("catalog: an API key needs both CATALOG_API_KEY_ID and CATALOG_API_SECRET")
		}
		creds = append(creds, WithAPIKey(keyID, keySecret))
	}
	if session != "" {
		creds = append(creds, WithSessionCookie(session))
	}
	switch len(creds) {
	case 0:
		return nil, errors.New("catalog: no credential: set CATALOG_TOKEN, CATALOG_API_KEY_ID and CATALOG_API_SECRET, or CATALOG_SESSION")
	case 1:
		return NewClient(base, append(creds, opts...)...)
	}
	return nil, errors.New("catalog: more than one credential: set only one of CATALOG_TOKEN, CATALOG_API_KEY_ID and CATALOG_API_SECRET, CATALOG_SESSION")
}

func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("catalog: base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("catalog: base URL %q must be an absolute http or https URL", u.Redacted())
	}
	if u.User != nil {
		return nil, errors.New("catalog: base URL must not carry credentials; use WithAPIKey, WithBearerToken or WithSessionCookie")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

// apiCall is one call through the pipeline, and what its attempts did.
type apiCall struct {
	method, path string
	body         []byte // the encoded JSON request, or nil
	out          any    // where the JSON answer goes, or nil
	// idempotencyKey is sent as Idempotency-Key on a POST, the same on
	// every retry; one is generated when it is empty.
	idempotencyKey string
	// upload, when set, produces the body of each attempt instead of body:
	// a multipart form streamed from a file (imports_upload.go). The file's own
	// limit applies to it rather than the client's body limit.
	upload *uploadBody
	// safe: the call changes nothing on the server (a file analysis), so
	// it is retried and its failures reported like a GET's.
	safe bool
	// caller, when set, is the caller's context, while run's own context
	// may outlive it so that an answer on its way can still be read
	// (ImportAll's drain): once caller ends, no attempt starts and no
	// retry is waited for.
	caller context.Context

	// What the attempts did; send resets it.
	attempts     int           // attempts sent
	maybeApplied bool          // an attempt left the client and got no answer: the server may have applied it
	lastErr      error         // the last attempt's network error: the cause to report
	limitWait    time.Duration // time the attempts waited for the rate limiter
	replayed     bool          // the server answered with a replay of an earlier request with the key

	// party is the call on a clock that follows calls (catalogtest's
	// FakeClock, see clockhook): the rate-limit and retry waits sleep
	// through it. nil on any other clock.
	party clockhook.Party
}

// mayApply reports whether the call can change the server's state.
func (a *apiCall) mayApply() bool { return a.method != http.MethodGet && !a.safe }

// callerCtx returns the context whose end stops the call's attempts and
// the waits between them: the caller's, or ctx.
func (a *apiCall) callerCtx(ctx context.Context) context.Context {
	if a.caller != nil {
		return a.caller
	}
	return ctx
}

// do runs a call without options; see run.
func (c *Client) do(ctx context.Context, method, path string, body []byte, out any) error {
	return c.run(ctx, &apiCall{method: method, path: path, body: body, out: out})
}

// run is the only way requests leave the client. It reads top down:
//
//	limit   the body's size, here; the request rate, per attempt (transport.go)
//	send    and retry: which failures, how often, how long apart (retrier, below)
//	check   the status: a typed error for anything but 2xx (newResponseError, below)
//	decode  the JSON answer into a.out
//
// A POST that may have been applied without an answer saying so (no
// answer, an unreadable one, or a gateway's; see answerOutcome) returns an
// *OutcomeUnknownError: the platform does not deduplicate, so only the
// caller can decide what to do about it.
func (c *Client) run(ctx context.Context, a *apiCall) error {
	a.party = clockhook.Start(ctx, c.clock) // a fake clock follows the call while it runs
	defer clockhook.End(a.party)
	if size := int64(len(a.body)); a.upload == nil && size > c.maxBody {
		return &TooLargeError{Size: size, Limit: c.maxBody}
	}
	resp, err := c.send(ctx, a)
	if err != nil {
		return c.sendFailed(ctx, a, resp, err)
	}
	defer resp.Body.Close()
	if err := c.check(a, resp); err != nil {
		return err
	}
	return c.decode(a, resp)
}

// send sends the call's request, attempt after attempt as the retry policy
// says, each through the transport.
func (c *Client) send(ctx context.Context, a *apiCall) (*http.Response, error) {
	a.attempts, a.maybeApplied, a.lastErr, a.limitWait, a.replayed = 0, false, nil, 0, false
	req, err := c.newRequest(ctx, a)
	if err != nil {
		return nil, err
	}
	return c.retry.client(c.http(a), a).Do(req)
}

// sendFailed explains a send that ended without an answer to return.
func (c *Client) sendFailed(ctx context.Context, a *apiCall, resp *http.Response, err error) error {
	if resp == nil {
		return c.transportError(ctx, a, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 300 {
		return c.transportError(ctx, a, err)
	}
	// An answer came, then the caller's context ended while waiting to
	// retry it: the answer says what the server did, the context why the
	// call stopped. Both match with errors.Is.
	_, apiErr := newResponseError(a.method, a.path, resp, c.clock.Now(), c.redact)
	return fmt.Errorf("%w; stopped before retrying: %w", apiErr, c.redact.error(err)) // a *url.Error names a URL a redirect may have set
}

// check returns the typed error of an answer other than 2xx.
func (c *Client) check(a *apiCall, resp *http.Response) error {
	if resp.StatusCode < 300 {
		return nil
	}
	outcome, apiErr := newResponseError(a.method, a.path, resp, c.clock.Now(), c.redact)
	if outcome == outcomeUnknown && a.mayApply() {
		return &OutcomeUnknownError{Method: a.method, Path: a.path, Err: apiErr}
	}
	return apiErr
}

// decode reads a success answer into a.out, as the server sent it; only
// the reasons of the row errors it lists, and the error of an answer that
// cannot be read, are redacted.
func (c *Client) decode(a *apiCall, resp *http.Response) error {
	a.replayed = resp.Header.Get("Idempotent-Replayed") == "true"
	if err := decodeBody(resp.Body, a.out, a.method, a.path, c.redact); err != nil {
		err = c.redact.error(err)
		if a.mayApply() {
			return &OutcomeUnknownError{Method: a.method, Path: a.path, Err: err}
		}
		return err
	}
	c.redact.reasonsOf(a.out)
	return nil
}

// newRequest builds the call's request, the same for every attempt.
func (c *Client) newRequest(ctx context.Context, a *apiCall) (*retryablehttp.Request, error) {
	var raw any // a nil []byte would still send an empty body
	switch {
	case a.upload != nil:
		raw = retryablehttp.ReaderFunc(a.upload.body)
	case a.body != nil:
		raw = a.body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, a.method, c.base.String()+a.path, raw)
	if err != nil {
		return nil, fmt.Errorf("catalog: %s %s: %w", a.method, a.path, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	switch {
	case a.upload != nil:
		req.Header.Set("Content-Type", a.upload.contentType())
	case a.body != nil:
		req.Header.Set("Content-Type", "application/json")
	}
	if a.method == http.MethodPost {
		if a.idempotencyKey == "" {
			a.idempotencyKey = newIdempotencyKey()
		}
		req.Header.Set("Idempotency-Key", a.idempotencyKey)
	}
	return req, nil
}

// newIdempotencyKey returns 128 random bits, hex-encoded.
func newIdempotencyKey() string { return randomHex(16) }

// randomHex returns n random bytes, hex-encoded: the random part of every
// id the client makes up (idempotency keys, batch ids).
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// transportError explains a call that got no answer. It names the last
// attempt's network error (no such host, connection refused...) even when
// the context or the rate limiter is what ended the retries, since that is
// what the caller has to fix. Only a POST that may have reached the server
// has an unknown outcome; one never sent fails with the reason, and so does
// an upload whose body was cut short (its file failed to read, or grew past
// its limit): a multipart body without its end is never applied.
func (c *Client) transportError(ctx context.Context, a *apiCall, err error) error {
	if a.upload != nil {
		a.upload.wait()
		if srcErr := a.upload.failure(); srcErr != nil {
			return srcErr
		}
	}
	err = c.redact.error(err) // a *url.Error names the last URL, which a redirect may have set
	if last := a.lastErr; last != nil && !errors.Is(err, last) {
		err = fmt.Errorf("%w; then gave up: %w", last, err)
	}
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		err = fmt.Errorf("%w; %w", err, ctxErr)
	}
	if a.mayApply() && a.maybeApplied && (a.upload == nil || a.upload.complete()) {
		return &OutcomeUnknownError{Method: a.method, Path: a.path, Err: err}
	}
	return fmt.Errorf("catalog: %s %s: %w", a.method, a.path, err)
}

// decodeBody decodes a success answer into out, reading at most
// maxResponseBody bytes. The snippet of a malformed answer, which becomes
// part of the error, is redacted with r.
func decodeBody(r io.Reader, out any, method, path string, red *redactor) error {
	raw, err := io.ReadAll(io.LimitReader(r, maxResponseBody+1))
	if err != nil {
		return fmt.Errorf("catalog: %s %s: reading answer: %w", method, path, err)
	}
	if len(raw) > maxResponseBody {
		return fmt.Errorf("catalog: %s %s: answer over %d bytes", method, path, maxResponseBody)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("catalog: %s %s: malformed answer (%s): %w", method, path, snippet(raw, red), err)
	}
	return nil
}

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
	if err := sleep(a.callerCtx(ctx), r.clock, a.party, r.backoff(a.attempts-1, resp)); err != nil {
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
	return d/2 + mrand.N(d/2+1)
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

// maxErrorBody caps how much of an error answer is read, so a broken or
// hostile server cannot make the client allocate without end.
const maxErrorBody = 1 << 20

// maxErrorField caps each text taken from an error body, so that Error()
// stays a log line whatever the server sends.
const maxErrorField = 1 << 10

// errorBody is the platform's JSON error shape (that of its CSV format
// errors, and the "message" spelling some endpoints use).
type errorBody struct {
	Error            json.RawMessage `json:"error"`
	Message          string          `json:"message"`
	Code             string          `json:"code"`
	Details          json.RawMessage `json:"details"`
	Hint             string          `json:"hint"`
	TechnicalDetails map[string]any  `json:"technicalDetails"`
}

// newResponseError reads at most maxErrorBody bytes of an error answer and
// builds the typed error for it, with what the answer says of the request;
// a Retry-After date is read against now.
func newResponseError(method, path string, resp *http.Response, now time.Time, red *redactor) (outcome, error) {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := &APIError{StatusCode: resp.StatusCode, Method: method, Path: path, RequestID: clip(red.string(resp.Header.Get("X-Request-Id")), 200),
		RetryAfter: retryAfter(resp.Header, now)}
	// The body is read as sent, so whether it is the platform's own error
	// never depends on the secret; the texts taken from it are redacted.
	fromPlatform := fillFromBody(e, raw, red)
	return answerOutcome(resp.StatusCode, resp.Header, fromPlatform), e
}

// outcome is what an answer says about a request's effect.
type outcome int

const (
	outcomeApplied    outcome = iota + 1 // the request took effect
	outcomeNotApplied                    // the server refused it: nothing was applied
	outcomeUnknown                       // no answer from the platform itself: it may have been applied
)

// answerOutcome is the one rule, for every POST, of what an answer says
// (the README's retry table). A 5xx the platform wrote itself, with its
// JSON error body, is a real refusal. A gateway in front of it answers 502
// or 504 when the platform was slow or died mid-request, and any 5xx page
// of its own (HTML, or JSON without "error"), after the platform may have
// applied the request. A 503 with Retry-After asks to come back later:
// nothing was done.
func answerOutcome(status int, h http.Header, fromPlatform bool) outcome {
	switch {
	case status < 300:
		return outcomeApplied
	case status == http.StatusBadGateway, status == http.StatusGatewayTimeout:
		return outcomeUnknown
	case status == http.StatusServiceUnavailable && h.Get("Retry-After") != "":
		return outcomeNotApplied
	case status >= 500 && !fromPlatform:
		return outcomeUnknown
	}
	return outcomeNotApplied
}

// fillFromBody fills e from an error body and reports whether the body is
// the platform's JSON error, an object with "error".
func fillFromBody(e *APIError, raw []byte, red *redactor) bool {
	var body errorBody
	if json.Unmarshal(raw, &body) != nil {
		e.Message = snippet(raw, red)
		return false
	}
	e.Message = textOf(body.Error)
	if e.Message == "" {
		e.Message = body.Message
	}
	code := body.Code
	if tc, ok := body.TechnicalDetails["code"].(string); ok && code == "" {
		code = tc
	}
	e.Code = ErrorCode(clip(red.string(code), maxErrorField))
	e.Details = textOf(body.Details)
	e.Hint = body.Hint
	e.TechnicalDetails, _ = red.value(body.TechnicalDetails).(map[string]any)
	for _, f := range []*string{&e.Message, &e.Details, &e.Hint} {
		*f = clip(red.string(*f), maxErrorField) // redacted whole, then cut
	}
	return len(body.Error) > 0 && string(body.Error) != "null"
}

// textOf returns a JSON string's value, or the compact JSON of anything else.
func textOf(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return snippet(raw, nil)
	}
	return b.String()
}

// snippet is what a person needs of a body that is not the expected JSON,
// on one line: an HTML page's title (a gateway's "502 Bad Gateway"), else
// the body's start.
func snippet(raw []byte, red *redactor) string {
	head := red.bytes(raw[:min(len(raw), 4*maxErrorField)])
	if m := pageTitle.FindSubmatch(head); m != nil {
		if title := strings.Join(strings.Fields(html.UnescapeString(string(m[1]))), " "); title != "" {
			return clip(title, 200)
		}
	}
	return clip(strings.Join(strings.Fields(string(head)), " "), 200)
}

// pageTitle finds an HTML page's title.
var pageTitle = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)

// clip cuts s to at most n bytes, on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.ToValidUTF8(s[:cut], "") + "..."
}
