package catalogtest

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/pimkit/catalog"
)

// Codes of error answers, in the "code" field of the JSON body, besides
// catalog.CodeSourceNotFound.
const (
	codeNotFound         catalog.ErrorCode = "NOT_FOUND"              // 404, no such path
	codeKeyReused        catalog.ErrorCode = "IDEMPOTENCY_KEY_REUSED" // 422, an Idempotency-Key used for another request
	codeJobNotFound      catalog.ErrorCode = "JOB_NOT_FOUND"          // 404, an unknown job id
	codeValidation       catalog.ErrorCode = "VALIDATION_ERROR"       // 400
	codeUnauthenticated  catalog.ErrorCode = "UNAUTHENTICATED"        // 401
	codeForbidden        catalog.ErrorCode = "FORBIDDEN"              // 403
	codeMethodNotAllowed catalog.ErrorCode = "METHOD_NOT_ALLOWED"     // 405
	codeConflict         catalog.ErrorCode = "CONFLICT"               // 409
	codePayloadTooLarge  catalog.ErrorCode = "PAYLOAD_TOO_LARGE"      // 413
	codeRateLimited      catalog.ErrorCode = "RATE_LIMITED"           // 429
	codeInternal         catalog.ErrorCode = "INTERNAL_ERROR"         // 500
)

// errorBody is the JSON shape of every error answer.
type errorBody struct {
	Success          bool              `json:"success"`
	Error            string            `json:"error"`
	Code             catalog.ErrorCode `json:"code"`
	Details          string            `json:"details,omitempty"`
	Hint             string            `json:"hint,omitempty"`
	TechnicalDetails map[string]any    `json:"technicalDetails,omitempty"`
}

// apiError is an error answer on its way out of a handler.
type apiError struct {
	status int
	body   errorBody
}

func newAPIError(status int, code catalog.ErrorCode, format string, args ...any) *apiError {
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
		e := newAPIError(http.StatusRequestEntityTooLarge, codePayloadTooLarge,
			"request body exceeds the limit of %d bytes", s.cfg.maxBody)
		e.body.TechnicalDetails = map[string]any{"limit_bytes": s.cfg.maxBody}
		return e
	}
	return newAPIError(http.StatusBadRequest, codeValidation, "cannot read request body: %v", err)
}
