package catalogtest

import (
	"net/http"
	"testing"
)

// DoJSON sends req for the black-box tests as send does for the others:
// the answer must be a JSON object with Content-Type application/json. It
// returns the answer's status and decoded body.
func DoJSON(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	a := doJSON(t, req)
	return a.status, a.body
}

// AdminRoute is one admin route for the black-box tests: its pattern and
// the query parameters it takes.
type AdminRoute struct {
	Pattern string
	Params  []string
}

// AdminRoutes lists s's admin API.
func AdminRoutes(s *Server) []AdminRoute {
	var out []AdminRoute
	for _, r := range s.adminRoutes() {
		out = append(out, AdminRoute{Pattern: r.pattern, Params: r.params})
	}
	return out
}

// OnAdminWait makes s call f when an admin wait starts, so that a test
// knows the wait is in flight. Set it before any request.
func OnAdminWait(s *Server, f func()) { s.onWait = f }
