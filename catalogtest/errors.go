package catalogtest

import (
	"errors"
	"fmt"
	"net/http"
)

// Machine codes of error answers, in the "code" field of the JSON body.
const (
	CodeValidation           = "VALIDATION_ERROR"       // 400
	CodeUnauthenticated      = "UNAUTHENTICATED"        // 401
	CodeForbidden            = "FORBIDDEN"              // 403
	CodeNotFound             = "NOT_FOUND"              // 404, unknown path
	CodeSourceNotFound       = "SOURCE_NOT_FOUND"       // 404, unknown source_id
	CodeJobNotFound          = "JOB_NOT_FOUND"          // 404, unknown job id
	CodeMethodNotAllowed     = "METHOD_NOT_ALLOWED"     // 405
	CodeConflict             = "CONFLICT"               // 409
	CodePayloadTooLarge      = "PAYLOAD_TOO_LARGE"      // 413
	CodeIdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED" // 422, an Idempotency-Key reused for another request
	CodeRateLimited          = "RATE_LIMITED"           // 429
	CodeInternal             = "INTERNAL_ERROR"         // 500
)

// errorBody is the JSON shape of every error answer.
type errorBody struct {
	Success          bool           `json:"success"`
	Error            string         `json:"error"`
	Code             string         `json:"code"`
	Details          string         `json:"details,omitempty"`
	Hint             string         `json:"hint,omitempty"`
	TechnicalDetails map[string]any `json:"technicalDetails,omitempty"`
}

// apiError is an error answer on its way out of a handler.
type apiError struct {
	status int
	body   errorBody
}

func newAPIError(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, body: errorBody{Code: code, Error: fmt.Sprintf(format, args...)}}
}

func writeError(w http.ResponseWriter, status int, body errorBody) {
	body.Success = false
	writeJSON(w, status, body)
}

func writeAPIError(w http.ResponseWriter, e *apiError) { writeError(w, e.status, e.body) }

// readError answers a failure to read a body through MaxBytesReader: 413
// past the byte limit, 400 otherwise.
func (s *Server) readError(w http.ResponseWriter, err error) *apiError {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		// The rest of the body stays unread: the connection cannot be reused.
		w.Header().Set("Connection", "close")
		e := newAPIError(http.StatusRequestEntityTooLarge, CodePayloadTooLarge,
			"request body exceeds the limit of %d bytes", s.cfg.maxBody)
		e.body.TechnicalDetails = map[string]any{"limit_bytes": s.cfg.maxBody}
		return e
	}
	return newAPIError(http.StatusBadRequest, CodeValidation, "cannot read request body: %v", err)
}
