package catalog

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/hashicorp/go-cleanhttp"

	"github.com/pimkit/catalog/internal/ratelimit"
)

// Option configures a Client. Options are applied in order, so a later
// one wins (a client has one credential: the last given); one that gets an
// invalid value makes NewClient fail.
type Option func(*config) error

type config struct {
	creds      credentials
	httpClient *http.Client
	timeout    time.Duration
	rateN      int // 0: no built-in rate limit
	ratePer    time.Duration
	limiter    Limiter // set by WithLimiter; replaces the built-in one
	maxBody    int64
	maxRetries int
	retryWait  [2]time.Duration // min, max
	logger     *slog.Logger
	plainHTTP  bool  // credentials may go over http:// to a host that is not loopback
	clock      Clock // the client's time source; nil: the system clock
}

func defaultConfig() config {
	return config{
		timeout:    defaultTimeout,
		rateN:      maxRequestsPerMinute,
		ratePer:    rateWindow,
		maxBody:    MaxBodyBytes,
		maxRetries: defaultMaxRetries,
		retryWait:  [2]time.Duration{defaultRetryMin, defaultRetryMax},
	}
}

// WithBearerToken authenticates with "Authorization: Bearer <token>" (an SSO
// access token or portal-user token).
func WithBearerToken(token string) Option {
	return withCredentials(credentials{kind: credBearer, secret: secret(token)})
}

// WithAPIKey authenticates with an API key: the headers x-auth-method:
// api-key, x-api-key-id (ak_...) and x-api-secret (sk_...).
func WithAPIKey(id, apiSecret string) Option {
	if id == "" {
		return func(*config) error { return errors.New("catalog: WithAPIKey: empty key id") }
	}
	return withCredentials(credentials{kind: credAPIKey, id: id, secret: secret(apiSecret)})
}

// WithSessionCookie authenticates with the B2B portal's session cookie,
// vinc_b2b_session.
func WithSessionCookie(value string) Option {
	return withCredentials(credentials{kind: credSession, secret: secret(value)})
}

func withCredentials(cr credentials) Option {
	return func(c *config) error {
		if cr.secret == "" {
			return fmt.Errorf("catalog: %s: empty credential", cr.kind)
		}
		c.creds = cr
		return nil
	}
}

// WithHTTPClient sends requests through hc's transport, cookie jar and
// timeout (hc.Timeout, when set, replaces WithTimeout's, with the same
// meaning: it bounds each attempt's exchange, not the wait for a
// rate-limit slot). The client wraps hc's transport with its rate limit and
// credentials; hc itself is not modified.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return errors.New("catalog: WithHTTPClient: nil client")
		}
		c.httpClient = hc
		return nil
	}
}

// WithTimeout bounds each HTTP attempt's exchange with the server (default
// 2 minutes): from the moment the attempt has its rate-limit slot until its
// answer's body has been read. Retries get a fresh timeout. The wait for a
// slot is not part of it: that wait is bounded by the call's context (and
// the limiter's own rules), so any timeout works with any quota, even one
// whose next slot is a minute away. The call as a whole is bounded by its
// context.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("catalog: WithTimeout(%s): must be positive", d)
		}
		c.timeout = d
		return nil
	}
}

// WithRateLimit sets the client-side limit to n requests in any window of
// length per (default 40 per minute, the platform's limit). Every attempt
// of every call through the client takes a slot, retries included, and
// holds it until per after its answer arrived. The
// server counts a request between its sending and its answer, so a slot
// frees no earlier than per after the server counted its request, whatever
// the network's delays: a server counting arrivals in a sliding window
// never sees more than n in one, with no margin for jitter, while n
// requests at once still start at once. When the call's context has a
// deadline before any slot can free, the attempt fails at once with an
// error wrapping context.DeadlineExceeded. It replaces a limiter set by
// WithLimiter.
func WithRateLimit(n int, per time.Duration) Option {
	return func(c *config) error {
		if n < 1 || per <= 0 {
			return fmt.Errorf("catalog: WithRateLimit(%d, %s): need n >= 1 and a positive window", n, per)
		}
		c.rateN, c.ratePer, c.limiter = n, per, nil
		return nil
	}
}

// WithLimiter paces the client's attempts with l instead of the built-in
// limiter: package redisquota for a quota shared by several processes, or
// one of your own (a golang.org/x/time/rate token bucket, for a server
// known to limit that way, takes a few lines). Within one process,
// share one Client: every call through it shares its limit.
//
// WithLimiter(nil) turns the client-side limit off: for tests, or when
// another layer paces the requests. The server's own limit still applies.
func WithLimiter(l Limiter) Option {
	return func(c *config) error {
		c.limiter, c.rateN = l, 0
		return nil
	}
}

// WithMaxBodyBytes sets the largest request body the client sends (default
// MaxBodyBytes, the platform's limit of 35,000,000 bytes). A larger body is refused before
// sending with a *TooLargeError.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("catalog: WithMaxBodyBytes(%d): must be positive", n)
		}
		c.maxBody = n
		return nil
	}
}

// WithRetries sets how many times a failed attempt is retried (default 4)
// and the bounds of the exponential backoff between attempts (default
// 500 ms to 30 s). A server's Retry-After takes precedence. maxRetries 0
// turns retries off.
func WithRetries(maxRetries int, minWait, maxWait time.Duration) Option {
	return func(c *config) error {
		switch {
		case maxRetries == 0 && minWait >= 0 && maxWait >= 0:
			// No retries: the waits are never used.
		case maxRetries < 0 || minWait <= 0 || maxWait < minWait:
			return fmt.Errorf("catalog: WithRetries(%d, %s, %s): need maxRetries >= 0 and 0 < minWait <= maxWait (any waits with 0 retries)", maxRetries, minWait, maxWait)
		}
		c.maxRetries, c.retryWait = maxRetries, [2]time.Duration{minWait, maxWait}
		return nil
	}
}

// WithClock makes the client follow clock instead of the system clock: the
// rate limiter's windows, the waits between retries and after a
// Retry-After, the polling of Jobs.Wait and a Batcher's MaxDelay. Tests pass a catalogtest.FakeClock (catalogtest's Server.Client
// does so when the server runs on one), so that a test moves time itself
// instead of sleeping. Each HTTP attempt's own timeout (WithTimeout) stays
// on the system clock.
func WithClock(clock Clock) Option {
	return func(c *config) error {
		if clock == nil {
			return errors.New("catalog: WithClock(nil)")
		}
		c.clock = clock
		return nil
	}
}

func (c *config) clockOrSystem() Clock {
	if c.clock == nil {
		return systemClock{}
	}
	return c.clock
}

// WithLogger logs every HTTP attempt (method, path, status, attempt,
// duration, and rate_limit_wait when the attempt waited for the client's
// rate limiter) to l, at Info, or Warn for a failure. Credentials are never logged. By default nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.logger = l
		return nil
	}
}

// WithInsecureHTTP allows credentials over plain http:// to a host that is
// not loopback. Without it NewClient refuses such a base URL, since anyone
// on the path could read the credential. Loopback hosts (localhost,
// 127.0.0.0/8, ::1), as used by catalogtest, need no option.
func WithInsecureHTTP() Option {
	return func(c *config) error {
		c.plainHTTP = true
		return nil
	}
}

// checkTransportSecurity refuses to send credentials in clear text over a
// network.
func (c *config) checkTransportSecurity(base *url.URL) error {
	if c.creds.kind == "" || base.Scheme != "http" || c.plainHTTP || isLoopback(base.Hostname()) {
		return nil
	}
	return fmt.Errorf("catalog: refusing to send a %s over plain http to %s: use https, or WithInsecureHTTP if this network is trusted", c.creds.kind, base.Host)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// httpClients builds the HTTP stack, and returns for each call the
// http.Client its attempts go out through: the same connections for
// every call, through the transport that does each attempt's work
// (transport.go).
func (c *config) httpClients(base *url.URL, redact *redactor) func(*apiCall) *http.Client {
	// No http.Client.Timeout: it would also bound the transport's wait for
	// a rate-limit slot. The transport bounds each attempt's exchange
	// itself, from the moment the slot is granted.
	hc := &http.Client{}
	timeout := c.timeout
	var next http.RoundTripper = cleanhttp.DefaultPooledTransport()
	if c.httpClient != nil {
		hc.Jar, hc.CheckRedirect = c.httpClient.Jar, c.httpClient.CheckRedirect
		if c.httpClient.Timeout > 0 {
			timeout = c.httpClient.Timeout
		}
		if c.httpClient.Transport != nil {
			next = c.httpClient.Transport
		} else {
			next = http.DefaultTransport
		}
	}
	clock := c.clockOrSystem()
	t := &transport{
		next:    next,
		origin:  origin(base),
		creds:   c.creds,
		limiter: c.limiter,
		now:     clock.Now,
		logger:  c.logger,
		redact:  redact,
		timeout: timeout,
	}
	if t.limiter == nil && c.rateN > 0 {
		t.limiter = ratelimit.NewWithClock(c.rateN, c.ratePer, clock)
	}
	return func(a *apiCall) *http.Client {
		call := *hc
		call.Transport = callAttempts{t, a}
		return &call
	}
}
