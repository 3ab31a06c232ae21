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
// # Crashed holders
//
// A slot taken but never released (its process crashed, or Redis could not
// be reached to release it) frees when its lease ends: Options.Lease after
// it was taken, by default the window plus the client's default attempt
// timeout (2 minutes, see catalog.WithTimeout) plus 10 s.
// The lease must exceed the window plus the longest attempt (WithTimeout),
// so that a slow request still in flight is never reclaimed.
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
// When Redis comes back empty (restarted without persistence), the slots of
// the last window are lost. The first script run on an empty key notes the
// time, and no slot is granted for one window after it: by then every slot
// answered before the loss has freed, and every request in flight re-enters
// the set when it is released. This also holds back the very first use of
// a key for one window; a key is never deleted by this package, so that
// happens once per Redis data set.
//
// With Redis Cluster, the two keys (Key and Key+":epoch") must hash to the
// same slot: put a hash tag in the key, such as "{catalog-quota}".
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
	// Lease is how long a slot taken and never released is held: it must
	// exceed Window plus the longest attempt. Default Window + 2 minutes
	// (the client's default attempt timeout, catalog.WithTimeout) + 10 s.
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
	keys []string // the slots, the epoch
	opts Options
	seq  atomic.Uint64
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
	return &Limiter{rdb: rdb, keys: []string{key, key + ":epoch"}, opts: opts}, nil
}

// String describes the quota, for logs.
func (l *Limiter) String() string {
	return fmt.Sprintf("%d requests per %s shared through Redis key %q", l.opts.Limit, l.opts.Window, l.keys[0])
}

// acquireScript takes a slot when fewer than ARGV[1] are held.
// KEYS: the slots, the epoch. ARGV: limit, lease (µs), member, window (µs).
// Returns {1, 0} when taken, or {0, µs until the first slot frees}.
var acquireScript = redis.NewScript(`
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local open = tonumber(redis.call('GET', KEYS[2]) or '0')
if open == 0 then
  -- An empty data set: the slots of the last window, if any, are lost.
  open = now + tonumber(ARGV[4])
  redis.call('SET', KEYS[2], string.format('%d', open))
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
// KEYS: the slots. ARGV: member, µs since the answer (-1: never sent),
// window (µs).
var releaseScript = redis.NewScript(`
if redis.replicate_commands then redis.replicate_commands() end
local since = tonumber(ARGV[2])
if since < 0 then
  return redis.call('ZREM', KEYS[1], ARGV[1])
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
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
	res, err := acquireScript.Run(cctx, l.rdb, l.keys, l.opts.Limit, l.opts.Lease.Microseconds(), member, l.opts.Window.Microseconds()).Int64Slice()
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
			since = max(time.Since(answeredAt).Microseconds(), 0)
		}
		ctx, cancel := context.WithTimeout(context.Background(), l.opts.CallTimeout)
		defer cancel()
		_ = releaseScript.Run(ctx, l.rdb, l.keys[:1], member, since, l.opts.Window.Microseconds()).Err()
	}
}
