package catalogtest

import (
	"slices"
	"time"

	"github.com/pimkit/catalog"
)

// Defaults: the platform's languages, request limits (40 requests per
// minute, 35 MB per body, read as 35,000,000 bytes) and products per request.
const (
	defaultLanguage    = "en"
	defaultRateN       = 40
	defaultRateWindow  = time.Minute
	defaultMaxBody     = 35_000_000
	defaultMaxProducts = 10_000
	sessionCookieName  = "vinc_b2b_session"
)

var defaultLanguages = []string{"en", "it", "de", "fr", "es"}

type config struct {
	creds        []credential
	defaultLang  string
	languages    []string
	rateN        int
	rateWindow   time.Duration
	maxBody      int64
	maxProducts  int
	clock        catalog.Clock
	jobDelay     time.Duration
	searchSync   bool
	sources      []catalog.Source
	faults       []Fault
	faultSeed    uint64
	noIdem       bool // WithoutIdempotency
	jobCounters  JobCounters
	idSeed       uint64
	manualWorker bool
	noCDN        bool // WithoutCDN
	// beforeJobRow, tests only, is called before each row of a job is
	// applied, with the job's type, outside the server's lock.
	beforeJobRow func(jobType string)
}

// Option configures a Server. Pass options to NewServer.
type Option func(*config)

// WithAPIKey accepts the API key id and secret, sent as the headers
// x-auth-method: api-key, x-api-key-id and x-api-secret. With no
// permissions the key gets PermissionImport; given permissions replace it.
func WithAPIKey(id, secret string, permissions ...string) Option {
	return withCredential(credential{kind: kindAPIKey, id: id, secret: secret}, permissions)
}

// WithBearerToken accepts "Authorization: Bearer <token>". With no
// permissions the token gets PermissionImport; given permissions replace it.
func WithBearerToken(token string, permissions ...string) Option {
	return withCredential(credential{kind: kindBearer, secret: token}, permissions)
}

// WithSessionCookie accepts the vinc_b2b_session cookie with this value. With
// no permissions the session gets PermissionImport; given permissions
// replace it.
func WithSessionCookie(value string, permissions ...string) Option {
	return withCredential(credential{kind: kindCookie, secret: value}, permissions)
}

func withCredential(c credential, permissions []string) Option {
	if len(permissions) == 0 {
		permissions = []string{PermissionImport}
	}
	c.permissions = slices.Clone(permissions)
	return func(cfg *config) { cfg.creds = append(cfg.creds, c) }
}

// WithDefaultLanguage sets the tenant's default language ("en" unless set),
// the key plain strings in multilingual fields are wrapped under. An empty
// code is ignored.
func WithDefaultLanguage(code string) Option {
	return func(c *config) {
		if code != "" {
			c.defaultLang = code
		}
	}
}

// WithLanguages sets the tenant's languages (en, it, de, fr, es unless set).
// The default language is always one of them.
func WithLanguages(codes ...string) Option {
	return func(c *config) { c.languages = slices.Clone(codes) }
}

// WithRateLimit allows at most n requests in any window of length window
// (40 per minute unless set). n <= 0 or window <= 0 turns the limit off.
func WithRateLimit(n int, window time.Duration) Option {
	return func(c *config) { c.rateN, c.rateWindow = n, window }
}

// WithoutRateLimit turns the request limit off, for tests that are not
// about it. Client then returns clients without a limit either.
func WithoutRateLimit() Option { return WithRateLimit(0, 0) }

// WithMaxBodyBytes sets the largest request body accepted (35,000,000 bytes
// unless set); larger bodies get 413. n <= 0 keeps the default.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

// WithMaxProducts sets the most products one import request may carry
// (10,000 unless set). n <= 0 keeps the default.
func WithMaxProducts(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxProducts = n
		}
	}
}

// WithClock sets the server's clock; see [FakeClock]. A nil clock keeps the
// wall clock.
func WithClock(clock catalog.Clock) Option {
	return func(c *config) {
		if clock != nil {
			c.clock = clock
		}
	}
}

// WithJobDelay makes the background worker wait d, measured on the server's
// clock, between taking a queued job (status processing) and applying its
// rows. With a FakeClock this holds a job in processing until the test
// advances the clock.
func WithJobDelay(d time.Duration) Option {
	return func(c *config) { c.jobDelay = d }
}

// WithSearchSync turns search sync on (the default) or off. When off,
// imports queue no search-sync batches.
func WithSearchSync(enabled bool) Option {
	return func(c *config) { c.searchSync = enabled }
}

// WithJobCounters sets the counters of the jobs the server answers with,
// in GET /api/b2b/pim/jobs/{jobId} and in the pending and processing jobs
// of GET /api/b2b/pim/import/queue (JobCountersDefault unless set).
// JobCountersErrorRows rehearses a platform that names them as other import
// APIs do:
//
//	{"job": {"job_id": "...", "status": "completed_with_errors", "total_rows": 3,
//		"processed_rows": 3, "created_rows": 1, "updated_rows": 1, "error_rows": 1, ...}}
//
// The other fields of a job, its row errors (import_errors) among them,
// are unchanged; so are the answers of the import endpoints, and the Job
// values [Server.Job] returns.
func WithJobCounters(c JobCounters) Option {
	return func(cfg *config) { cfg.jobCounters = c }
}

// defaultIDSeed seeds the job id source unless WithIDSeed says otherwise.
const defaultIDSeed = 1

// WithIDSeed seeds the source of the random part of job ids (1 unless
// set). A job id is "<job type>_<unix ms>_<6 base36 chars>": on a
// [FakeClock], a server that gets the same requests one after another
// gives its jobs the same ids on every run, so golden files can hold them.
// Servers with different seeds give different ids. [Server.Reset] starts
// the sequence again.
func WithIDSeed(seed uint64) Option {
	return func(c *config) { c.idSeed = seed }
}

// WithSource seeds an import source. A source with the ID of an earlier one,
// including DefaultSourceID, replaces it.
func WithSource(src catalog.Source) Option {
	return func(c *config) { c.sources = append(c.sources, cloneSource(src)) }
}

func defaultConfig() config {
	return config{
		defaultLang: defaultLanguage,
		languages:   slices.Clone(defaultLanguages),
		rateN:       defaultRateN,
		rateWindow:  defaultRateWindow,
		maxBody:     defaultMaxBody,
		maxProducts: defaultMaxProducts,
		clock:       realClock{},
		searchSync:  true,
		faultSeed:   defaultFaultSeed,
		idSeed:      defaultIDSeed,
	}
}
