package catalogtest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/internal/fakehook"
)

// Stub is a scripted answer of the platform: for the requests it matches,
// the server answers Status with Body instead of handling the request,
// and applies nothing. Register stubs with [Server.Stub].
//
// Unlike a [Fault], which stands for the network and the proxies in front
// of the platform, a stub is the platform answering: it acts after the
// rate limit and authentication (a stubbed request uses rate quota, and a
// request refused with 401 or 429 is not stubbed), and before the
// Idempotency-Key check (a stubbed answer is never stored under a key).
// Each recorded [Request] says whether a stub answered it.
//
// Each stub decides on its own whether it fires on a request; when several
// fire on the same request, the one registered first answers.
type Stub struct {
	// Op limits the stub to one endpoint; "" matches every endpoint.
	Op Operation
	// Nth > 0 answers the Nth matching request only, counted from 1 since
	// the stub was registered; 0 answers every matching request.
	Nth int
	// Times > 0 answers at most this many requests.
	Times int
	// Status is the answer's status; 0 means 200. A status outside 200 to
	// 599 is answered 500 with a message that names it.
	Status int
	// Code and Message make the error body {"success": false, "error":
	// Message, "code": Code} when Body is nil and Status is 400 or more.
	// An empty Code is the one the server uses for that status
	// (RATE_LIMITED for 429, INTERNAL_ERROR for 500, ...); an empty
	// Message says the answer was stubbed.
	Code    catalog.ErrorCode
	Message string // the answer's "error"
	// Body, when not nil, is the answer's body: a string, []byte or
	// json.RawMessage is sent as is, anything else encoded as JSON. A nil
	// Body with a status below 400 sends {"success": true}.
	Body any
	// Header is added to the answer's headers. Content-Type is
	// application/json, unless Header sets another for a string or []byte
	// Body.
	Header http.Header
}

// stubState is a registered Stub and its counters. Guarded by Server.mu.
type stubState struct {
	Stub
	counted
}

// Stub registers a scripted answer, after the ones already registered;
// see [Stub]. Its Nth counts requests from now. Reset removes it.
func (s *Server) Stub(st Stub) {
	st.Header = st.Header.Clone()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stubs = append(s.stubs, &stubState{Stub: st})
}

// ClearStubs removes every registered Stub.
func (s *Server) ClearStubs() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stubs = nil
}

// pickStub returns the stub that answers a request to op, if any. Every
// matching stub counts the request.
func (s *Server) pickStub(op Operation) (Stub, bool) {
	if op == "" {
		return Stub{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	winner, ok := pickFirst(s.stubs, func(st *stubState) bool {
		return (st.Op == "" || st.Op == op) && st.count(st.Nth, st.Times)
	})
	if !ok {
		return Stub{}, false
	}
	winner.fired++
	return winner.Stub, true
}

// answerStubs is the stub middleware, right after authentication.
func (s *Server) answerStubs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, ok := s.pickStub(s.operationOf(r))
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		exchangeOf(r).stubbed = true
		if st.Body != nil {
			// A body the test wrote itself: this module's contract checks
			// leave it alone, like an injected fault.
			fakehook.MarkFault(r.Context())
		}
		writeStub(w, st)
	})
}

func writeStub(w http.ResponseWriter, st Stub) {
	status := st.Status
	if status == 0 {
		status = http.StatusOK
	}
	if status < 200 || status > 599 {
		writeError(w, http.StatusInternalServerError, errorBody{Code: codeInternal,
			Error: fmt.Sprintf("catalogtest: Stub.Status %d is not a status to answer with (200 to 599)", st.Status)})
		return
	}
	maps.Copy(w.Header(), st.Header)
	var raw []byte
	switch b := st.Body.(type) {
	case nil:
		if status < 400 {
			writeSuccess(w, status)
			return
		}
		code, msg := st.Code, st.Message
		if code == "" {
			code = codeForStatus(status)
		}
		if msg == "" {
			msg = fmt.Sprintf("catalogtest: stubbed answer: %d %s", status, http.StatusText(status))
		}
		writeError(w, status, errorBody{Code: code, Error: msg})
		return
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	case json.RawMessage:
		raw = b
	default:
		writeJSON(w, status, b)
		return
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = w.Write(raw)
}
