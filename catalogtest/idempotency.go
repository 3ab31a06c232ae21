package catalogtest

import (
	"bytes"
	"crypto/sha256"
	"io"
	"maps"
	"net/http"
)

// Idempotency keys are this project's extension of the protocol: a POST
// may carry an Idempotency-Key header, and the fake answers a retry with
// the same key from memory instead of applying it again.

// Headers of the idempotency extension.
const (
	headerIdempotencyKey = "Idempotency-Key"
	headerReplayed       = "Idempotent-Replayed"
)

// WithoutIdempotency makes the server ignore the Idempotency-Key header, to
// rehearse a platform that does not deduplicate (the platform's own
// protocol has no such key): every retry is applied again.
func WithoutIdempotency() Option {
	return func(c *config) { c.noIdem = true }
}

// IdempotentReplays returns how many requests were answered with the
// stored answer of an earlier request with the same Idempotency-Key.
func (s *Server) IdempotentReplays() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.replays
}

// idemKey scopes a key to the credential that sent it, so that one
// credential can never replay what another was allowed to do (a direct
// import needs the import permission).
type idemKey struct {
	cred *credential
	key  string
}

// idemEntry is the state of one key. Guarded by Server.mu; fields other
// than done never change once done is set.
type idemEntry struct {
	op          string // method and path of the first request
	done        bool   // false while the first request is being handled
	sum         [sha256.Size]byte
	status      int
	contentType string
	body        []byte
}

// deduplicate is the Idempotency-Key middleware. It runs after
// authentication, before the handlers.
func (s *Server) deduplicate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get(headerIdempotencyKey)
		if s.cfg.noIdem || r.Method != http.MethodPost || key == "" {
			next.ServeHTTP(w, r)
			return
		}
		id := idemKey{cred: credentialOf(r.Context()), key: key}
		op := r.Method + " " + r.URL.Path
		entry, fresh := s.claimKey(id, op)
		switch {
		case fresh:
			s.handleFirst(w, r, next, id)
		case !entry.done:
			e := newAPIError(http.StatusConflict, codeConflict,
				"a request with Idempotency-Key %q is still being handled", key)
			e.body.Hint = "retry once it has been answered"
			writeAPIError(w, e)
		default:
			s.replay(w, r, entry, op)
		}
	})
}

// claimKey returns the key's entry, or reserves the key for this request
// (fresh) when it has none.
func (s *Server) claimKey(id idemKey, op string) (entry idemEntry, fresh bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.idem[id]; ok {
		return *e, false
	}
	s.idem[id] = &idemEntry{op: op}
	return idemEntry{}, true
}

// handleFirst serves the first request with a key, hashing its body as the
// handler reads it. The answer is held back until the key is settled, so a
// client that has the answer never finds the key still in flight.
func (s *Server) handleFirst(w http.ResponseWriter, r *http.Request, next http.Handler, id idemKey) {
	hash := sha256.New()
	body := r.Body
	hashed := r.WithContext(r.Context()) // a shallow copy, whose Body is its own
	hashed.Body = readCloser{Reader: io.TeeReader(body, hash), Closer: body}
	ans := newBufferedAnswer()
	settled := false
	defer func() {
		if !settled { // a panic: free the key for a retry
			s.releaseKey(id)
		}
	}()
	next.ServeHTTP(ans, hashed)
	if ans.statusCode()/100 == 2 {
		// A 2xx handler read the body to its end; read on in case it did not.
		_, _ = io.Copy(hash, io.LimitReader(hashed.Body, s.cfg.maxBody+1))
		s.storeAnswer(id, [sha256.Size]byte(hash.Sum(nil)), ans)
	} else {
		s.releaseKey(id) // nothing applied: the client may retry with the key
	}
	settled = true
	sendBuffered(w, ans)
}

func (s *Server) releaseKey(id idemKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.idem, id)
}

func (s *Server) storeAnswer(id idemKey, sum [sha256.Size]byte, ans *bufferedAnswer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.idem[id]
	if e == nil { // Reset forgot the key meanwhile
		return
	}
	e.done, e.sum, e.status = true, sum, ans.statusCode()
	e.contentType, e.body = ans.header.Get("Content-Type"), bytes.Clone(ans.body.Bytes())
}

// sendBuffered writes a buffered answer to w.
func sendBuffered(w http.ResponseWriter, ans *bufferedAnswer) {
	maps.Copy(w.Header(), ans.header)
	w.WriteHeader(ans.statusCode())
	_, _ = w.Write(ans.body.Bytes())
}

// replay answers a request whose key has a stored answer: the answer again
// when the operation and body are the same, 422 otherwise.
func (s *Server) replay(w http.ResponseWriter, r *http.Request, entry idemEntry, op string) {
	key := r.Header.Get(headerIdempotencyKey)
	if op != entry.op {
		e := newAPIError(http.StatusUnprocessableEntity, codeKeyReused,
			"Idempotency-Key %q was first used for %s, not %s", key, entry.op, op)
		e.body.Hint = "use a new key for each distinct request"
		writeAPIError(w, e)
		return
	}
	hash := sha256.New()
	if _, err := io.Copy(hash, http.MaxBytesReader(w, r.Body, s.cfg.maxBody)); err != nil {
		writeAPIError(w, s.readError(w, err))
		return
	}
	if [sha256.Size]byte(hash.Sum(nil)) != entry.sum {
		e := newAPIError(http.StatusUnprocessableEntity, codeKeyReused,
			"Idempotency-Key %q was first used with a different request body", key)
		e.body.Hint = "use a new key for each distinct request"
		writeAPIError(w, e)
		return
	}
	s.mu.Lock()
	s.replays++
	s.mu.Unlock()
	if entry.contentType != "" {
		w.Header().Set("Content-Type", entry.contentType)
	}
	w.Header().Set(headerReplayed, "true")
	w.WriteHeader(entry.status)
	_, _ = w.Write(entry.body)
}
