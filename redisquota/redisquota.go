// Package redisquota shares one request quota among several processes or
// machines through Redis: a catalog.Limiter that keeps the platform's
// sliding window ("at most N requests in any window") exactly, across every
// client that uses the same Redis key.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "redis.internal:6379"})
//	lim, err := redisquota.New(rdb, "catalog-quota:tenant-42", redisquota.Options{})
//	client, err := catalog.NewClient(base, catalog.WithAPIKey(id, secret), catalog.WithLimiter(lim))
//
// # How it keeps the window
//
// The quota is a sorted set in Redis: one member per slot, keyed by holder
// (a random id per Limiter) and sequence number, scored by the time the
// slot frees, on Redis's clock. One Lua script, run atomically by Redis,
// reads Redis's clock (TIME), drops the slots that have freed, and takes a
// slot when fewer than N remain. A taken slot is scored first with its
// lease (below); when the request's answer arrives, a second script
// re-scores it to a window after the answer. As with the client's own
// limiter (catalog.WithRateLimit), the answer's arrival is an upper bound
// on when the server counted the request, so the server never sees more
// than N in a window, with no margin for network delays. The hosts' clocks are never
// compared: the release script takes Redis's TIME at the moment it runs,
// less the time the host measured (on its monotonic clock) since the
// answer, which is later than the answer really came. Redis's clock must
// not be stepped back (slewing is fine).
//
// A request that never left the client gives its slot back at once.
//
// # Crashed holders and the lease
//
// A slot taken but never released (its process crashed, or Redis could not
// be reached to release it) frees when its lease ends: Options.Lease after
// it was taken. The catalog client starts an attempt as soon as its slot is
// granted, and catalog.WithTimeout bounds that attempt's exchange alone
// (not the wait for the slot, which happens before the grant). So the
// request of a slot taken at g was counted by the server, if at all, by
// g + WithTimeout, and its window ends by g + WithTimeout + Window: the
// lease must exceed Window plus WithTimeout (plus a margin for clock rates
// and scheduling). The default, Window + 2 minutes (the client's default
// WithTimeout) + 10 s, fits the default client; a client with a longer
// WithTimeout needs a longer Lease, and a shorter WithTimeout allows a
// shorter one. The lease never depends on how long Acquire waited: any
// timeout works with any quota.
//
// # When Redis is lost
//
// When Redis cannot be reached, no request is sent. Acquire keeps trying
// for Options.UnavailableWait (30 s by default), then fails with an
// *UnavailableError. The catalog client reports that as an attempt not sent:
// the call fails without reaching the platform, and an ImportAll stops with
// its remaining rows NotAttempted, safe to send again. The alternatives
// were worse: sending without the shared count draws the 429 burst this
// package exists to prevent, and a local fallback at 1/k of the quota must
// guess k, and forgets the requests of the last window when Redis returns.
//
// # When Redis recovers with less than it had
//
// Redis can come back holding fewer slots than it granted: restarted
// without persistence (empty), restored from an RDB snapshot (the slots
// granted since the snapshot are gone), replayed from an append-only file
// that lags its last writes (appendfsync everysec loses up to a second),
// or failed over to a replica that had not received the last writes. In
// each case the data set was written by one life of a Redis server and is
// now served by another, or is empty. The scripts detect both, atomically,
// before they grant anything:
//
//   - empty: the key holding the quota's open time (Key+":open") is
//     missing;
//   - another server life: the acquire script reads the serving server's
//     run id (INFO server, run_id) and compares it with the one stored
//     under Key+":run" by the last grant. A Redis server draws a new run id
//     every time it starts, and a replica promoted by a failover has its
//     own, so a restart from an RDB file or an AOF, and a failover, all
//     show a run id the data set did not record. A run id is not data: no
//     snapshot, AOF or replica can bring the old one back with the slots.
//
// Either way the quota is closed for one Lease from that moment, and the
// new run id is recorded. Why one Lease is enough, whatever was lost: a
// lost slot was granted before the loss, at g. If its request was
// answered, it frees a Window after the answer, before now + Window. If
// its request is still in flight, its holder re-enters it when the answer
// comes (the release writes the slot again), by g + WithTimeout; and if
// its holder crashed, its request was counted by g + WithTimeout and its
// window ends before g + Lease, which the lease rule above makes the
// latest of the three. So after one Lease every request that Redis forgot
// is out of the server's window or back in the set, and the count Redis
// keeps is again an upper bound on the server's.
//
// What this costs: the first use of a key (indistinguishable from an empty
// data set) and every Redis restart or failover hold the quota closed for
// one Lease; a restart that lost nothing is held back too, since nothing
// can prove that it lost nothing. The check needs INFO: where a provider
// renames or blocks it, Acquire fails with a script error rather than
// grant slots it cannot vouch for. A clean restart is rare, and a quota
// over the limit draws 429s on every importer of the tenant.
//
// Redis's clock must not jump back across a restart or failover (hosts
// synchronised by NTP, slewing is fine): the slots are scored on it.
//
// With Redis Cluster, the three keys (Key, Key+":open" and Key+":run")
// must hash to the same slot: put a hash tag in the key, such as
// "{catalog-quota}".
package redisquota

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/pimkit/catalog"
)

// Options configures a Limiter. The zero value is the platform's quota, 40
// requests per minute.
type Options struct {
	// Limit is N, the requests allowed in any Window (default 40).
	Limit int
	// Window is the length of the sliding window (default one minute).
	Window time.Duration
	// Lease is how long a slot taken and never released is held, and how
	// long the quota stays closed after Redis lost slots: it must exceed
	// Window plus the clients' catalog.WithTimeout, which bounds one
	// attempt's exchange from the moment its slot is granted. Default
	// Window + 2 minutes (the client's default WithTimeout) + 10 s.
	Lease time.Duration
	// UnavailableWait is how long Acquire keeps trying while Redis cannot
	// be reached before it fails with an *UnavailableError (default 30 s).
	UnavailableWait time.Duration
	// Poll is the longest Acquire sleeps between two looks at a full quota,
	// for slots freed by other processes' answers (default Window/500,
	// between 5 ms and 100 ms). A slot whose free time is known is waited
	// for exactly.
	Poll time.Duration
	// CallTimeout bounds each call to Redis (default 2 s).
	CallTimeout time.Duration
	// Holder names this Limiter's slots in Redis (default random). Two
	// Limiters must not share one.
	Holder string
}

// platformLimit is the platform's quota, requests per tenant in any
// minute: the catalog client's default rate too (catalog.WithRateLimit).
const platformLimit = 40

// attemptTimeout is the catalog client's default per-attempt timeout
// (catalog.WithTimeout): a slot's default lease outlasts such an attempt.
const attemptTimeout = 2 * time.Minute

// ErrUnavailable is what an *UnavailableError matches with errors.Is.
var ErrUnavailable = errors.New("redisquota: Redis unreachable")

// UnavailableError says that Redis could not be reached for UnavailableWait:
// no slot was taken and the request was not sent.
type UnavailableError struct {
	Key   string        // the Redis key of the quota
	Tried time.Duration // how long Acquire kept trying
	Err   error         // the last error from Redis
}

// Error describes the failure.
func (e *UnavailableError) Error() string {
	return fmt.Sprintf("redisquota: shared quota %q: Redis unreachable for %s, request not sent: %v", e.Key, e.Tried.Round(time.Millisecond), e.Err)
}

// Unwrap returns the last error from Redis.
func (e *UnavailableError) Unwrap() error { return e.Err }

// Is matches ErrUnavailable.
func (e *UnavailableError) Is(target error) bool { return target == ErrUnavailable }

// Limiter is a catalog.Limiter whose slots live in Redis. It is safe for
// concurrent use.
type Limiter struct {
	rdb  redis.Scripter
	keys []string // the slots, the open time, the run id; tests add a clock
	opts Options
	seq  atomic.Uint64

	// Test hooks. noRunCheck turns the run id check off, for miniredis,
	// which has no INFO server. since measures the time since an answer,
	// on the clock the answer's time was read on (default time.Since).
	noRunCheck bool
	since      func(time.Time) time.Duration
}

var _ catalog.Limiter = (*Limiter)(nil)

// New returns a Limiter for the quota stored under key. Every process that
// shares the quota uses the same key, Limit and Window.
func New(rdb redis.Scripter, key string, opts Options) (*Limiter, error) {
	if rdb == nil || key == "" {
		return nil, errors.New("redisquota: New needs a Redis client and a key")
	}
	if opts.Limit == 0 {
		opts.Limit = platformLimit
	}
	if opts.Window == 0 {
		opts.Window = time.Minute
	}
	if opts.Limit < 1 || opts.Window < time.Millisecond {
		return nil, fmt.Errorf("redisquota: need Limit >= 1 and Window >= 1ms, got %d per %s", opts.Limit, opts.Window)
	}
	if opts.Lease == 0 {
		opts.Lease = opts.Window + attemptTimeout + 10*time.Second
	}
	if opts.Lease <= opts.Window {
		return nil, fmt.Errorf("redisquota: Lease %s must exceed Window %s plus the longest attempt", opts.Lease, opts.Window)
	}
	if opts.UnavailableWait <= 0 {
		opts.UnavailableWait = 30 * time.Second
	}
	if opts.Poll <= 0 {
		opts.Poll = min(max(opts.Window/500, 5*time.Millisecond), 100*time.Millisecond)
	}
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = 2 * time.Second
	}
	if opts.Holder == "" {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		opts.Holder = hex.EncodeToString(b)
	}
	return &Limiter{rdb: rdb, keys: []string{key, key + ":open", key + ":run"}, opts: opts, since: time.Since}, nil
}

// String describes the quota, for logs.
func (l *Limiter) String() string {
	return fmt.Sprintf("%d requests per %s shared through Redis key %q", l.opts.Limit, l.opts.Window, l.keys[0])
}

// acquireScript takes a slot when fewer than ARGV[1] are held, unless the
// quota is closed after a loss (see the package doc).
// KEYS: the slots, the open time, the run id [, a test clock].
// ARGV: limit, lease (µs), member, check the run id (1 or 0).
// Returns {1, 0} when taken, or {0, µs until the first slot frees}.
var acquireScript = redis.NewScript(`
if redis.replicate_commands then redis.replicate_commands() end
local now
if KEYS[4] then
  now = tonumber(redis.call('GET', KEYS[4]) or '0')
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local run = ''
if ARGV[4] == '1' then
  local ok, info = pcall(redis.call, 'INFO', 'server')
  run = ok and type(info) == 'string' and string.match(info, 'run_id:(%w+)')
  if not run then
    return redis.error_reply('redisquota: INFO server gives no run_id, so a Redis restart or failover that lost slots cannot be detected')
  end
end
local open = tonumber(redis.call('GET', KEYS[2]) or '0')
if open == 0 or redis.call('GET', KEYS[3]) ~= run then
  -- An empty data set, or one another server life wrote: slots may be lost.
  open = math.max(open, now + tonumber(ARGV[2]))
  redis.call('SET', KEYS[2], string.format('%d', open))
  redis.call('SET', KEYS[3], run)
end
if now < open then
  return {0, open - now}
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  return {1, 0}
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, math.max(tonumber(first[2]) - now, 0)}
`)

// releaseScript frees a slot a window after its answer, or at once.
// KEYS: the slots [, a test clock]. ARGV: member, µs since the answer (-1:
// never sent), window (µs).
var releaseScript = redis.NewScript(`
if redis.replicate_commands then redis.replicate_commands() end
local since = tonumber(ARGV[2])
if since < 0 then
  return redis.call('ZREM', KEYS[1], ARGV[1])
end
local now
if KEYS[2] then
  now = tonumber(redis.call('GET', KEYS[2]) or '0')
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
return redis.call('ZADD', KEYS[1], now - since + tonumber(ARGV[3]), ARGV[1])
`)

// Acquire waits for a slot of the shared quota; see catalog.Limiter.
func (l *Limiter) Acquire(ctx context.Context) (func(time.Time), error) {
	member := l.opts.Holder + ":" + strconv.FormatUint(l.seq.Add(1), 10)
	var failingSince time.Time
	backoff := 50 * time.Millisecond
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		taken, wait, err := l.try(ctx, member)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if failingSince.IsZero() {
				failingSince = time.Now()
			}
			tried := time.Since(failingSince)
			if tried >= l.opts.UnavailableWait {
				return nil, &UnavailableError{Key: l.keys[0], Tried: tried, Err: err}
			}
			wait, backoff = min(backoff, l.opts.UnavailableWait-tried), min(2*backoff, time.Second)
		} else {
			failingSince, backoff = time.Time{}, 50*time.Millisecond
			if taken {
				return l.releaser(member), nil
			}
			wait = min(wait, l.opts.Poll)
		}
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return nil, ctx.Err()
		}
	}
}

// try runs the acquire script once.
func (l *Limiter) try(ctx context.Context, member string) (taken bool, wait time.Duration, err error) {
	cctx, cancel := context.WithTimeout(ctx, l.opts.CallTimeout)
	defer cancel()
	check := "1"
	if l.noRunCheck {
		check = "0"
	}
	res, err := acquireScript.Run(cctx, l.rdb, l.keys, l.opts.Limit, l.opts.Lease.Microseconds(), member, check).Int64Slice()
	if err != nil {
		return false, 0, err
	}
	if len(res) != 2 {
		return false, 0, fmt.Errorf("redisquota: unexpected script answer %v", res)
	}
	return res[0] == 1, time.Duration(res[1]) * time.Microsecond, nil
}

// releaser returns the release function of a slot: once, with the answer
// time (measured back from Redis's clock by the time since, on this host's
// monotonic clock) or the zero time for a request never sent. If Redis
// cannot be reached, the slot keeps its lease.
func (l *Limiter) releaser(member string) func(time.Time) {
	var done atomic.Bool
	return func(answeredAt time.Time) {
		if done.Swap(true) {
			return
		}
		since := int64(-1)
		if !answeredAt.IsZero() {
			since = max(l.since(answeredAt).Microseconds(), 0)
		}
		ctx, cancel := context.WithTimeout(context.Background(), l.opts.CallTimeout)
		defer cancel()
		keys := l.keys[:1]
		if len(l.keys) > 3 { // a test clock
			keys = []string{l.keys[0], l.keys[3]}
		}
		_ = releaseScript.Run(ctx, l.rdb, keys, member, since, l.opts.Window.Microseconds()).Err()
	}
}
