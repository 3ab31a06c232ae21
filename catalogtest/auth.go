package catalogtest

import (
	"context"
	"crypto/subtle"
	"net/http"
	"slices"
	"strings"
)

type credentialKind int

const (
	kindAPIKey credentialKind = iota
	kindBearer
	kindCookie
)

// credential is one accepted credential. For bearer tokens and cookies the
// value is in secret and id is empty.
type credential struct {
	kind        credentialKind
	id, secret  string
	permissions []string
}

type ctxKey struct{}

// authenticate admits requests that carry one valid credential and stores
// it in the request context.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cred, presented := s.credentialFor(r)
		if cred == nil {
			msg := "missing credentials"
			if presented {
				msg = "invalid credentials"
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="catalog"`)
			writeError(w, http.StatusUnauthorized, errorBody{Code: codeUnauthenticated, Error: msg,
				Hint: "send Authorization: Bearer <token>, the x-auth-method: api-key headers with x-api-key-id and x-api-secret, or the vinc_b2b_session cookie"})
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, cred)))
	})
}

// credentialFor returns the first valid credential on r, and whether r
// presented any credential at all.
func (s *Server) credentialFor(r *http.Request) (cred *credential, presented bool) {
	if token, ok := bearerToken(r); ok {
		presented = true
		if c := s.match(kindBearer, "", token); c != nil {
			return c, true
		}
	}
	if strings.EqualFold(r.Header.Get("x-auth-method"), "api-key") {
		presented = true
		if c := s.match(kindAPIKey, r.Header.Get("x-api-key-id"), r.Header.Get("x-api-secret")); c != nil {
			return c, true
		}
	}
	if cookie, err := r.Cookie(sessionCookieName); err == nil {
		presented = true
		if c := s.match(kindCookie, "", cookie.Value); c != nil {
			return c, true
		}
	}
	return nil, presented
}

func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(token), true
}

func (s *Server) match(kind credentialKind, id, secret string) *credential {
	for i := range s.cfg.creds {
		c := &s.cfg.creds[i]
		// Constant-time, as a real server would; empty never matches.
		if c.kind == kind && c.id == id && secret != "" &&
			subtle.ConstantTimeCompare([]byte(c.secret), []byte(secret)) == 1 {
			return c
		}
	}
	return nil
}

// credentialOf returns the credential authenticate admitted the request
// with, or nil.
func credentialOf(ctx context.Context) *credential {
	c, _ := ctx.Value(ctxKey{}).(*credential)
	return c
}

func hasPermission(ctx context.Context, perm string) bool {
	c := credentialOf(ctx)
	return c != nil && slices.Contains(c.permissions, perm)
}
