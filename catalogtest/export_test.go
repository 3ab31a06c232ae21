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
