package catalog

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Sentinels for errors.Is. An *APIError matches the one for its status code;
// errors the client raises before sending match the sentinel of the answer
// the server would have given, so one check covers both.
var (
	ErrValidation   = errors.New("catalog: invalid request")   // 400
	ErrUnauthorized = errors.New("catalog: unauthenticated")   // 401
	ErrForbidden    = errors.New("catalog: forbidden")         // 403
	ErrNotFound     = errors.New("catalog: not found")         // 404
	ErrConflict     = errors.New("catalog: conflict")          // 409, e.g. a source id that exists
	ErrTooLarge     = errors.New("catalog: request too large") // 413
	ErrRateLimited  = errors.New("catalog: rate limited")      // 429
	ErrServer       = errors.New("catalog: server error")      // 5xx
	ErrJobFailed    = errors.New("catalog: import job failed") // a job ended "failed"
	// ErrOutcomeUnknown: an import may or may not have been applied (the
	// connection failed after the request was sent, or the answer was lost
	// or unreadable).
	ErrOutcomeUnknown = errors.New("catalog: outcome unknown")
)

// APIError is an answer with a status of 300 or more. Its fields come from
// the JSON error body when there is one:
//
//	{"error": "...", "code": "...", "details": "...", "hint": "...", "technicalDetails": {...}}
//
// A body that is empty, not JSON or cut short still yields an APIError with
// the status and the start of the body as Message. A 429 is an APIError
// too: it matches ErrRateLimited, and RetryAfter says when to come back.
type APIError struct {
	StatusCode       int            // HTTP status
	Method           string         // request method
	Path             string         // request path, without query
	Code             ErrorCode      // machine-readable code, from "code" or technicalDetails.code
	Message          string         // the body's "error" (or "message")
	Details          string         // the body's "details"; compact JSON when it is not a string
	Hint             string         // the body's "hint"
	TechnicalDetails map[string]any // the body's "technicalDetails"
	RequestID        string         // the answer's X-Request-Id header, for the platform's support; "" when none
	RetryAfter       time.Duration  // the answer's Retry-After (a 429's, or a 503's); 0 when none
}

// Error describes the call and the answer: method, path, status, code and message.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "catalog: %s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Code != "" {
		b.WriteString(" (" + string(e.Code) + ")")
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Details != "" {
		b.WriteString(": " + e.Details)
	}
	if e.RequestID != "" {
		b.WriteString(" (request id " + e.RequestID + ")")
	}
	if e.RetryAfter > 0 {
		b.WriteString(" (retry after " + e.RetryAfter.String() + ")")
	}
	return b.String()
}

// Is matches the sentinel for the status code.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrValidation:
		return e.StatusCode == http.StatusBadRequest
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrTooLarge:
		return e.StatusCode == http.StatusRequestEntityTooLarge
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrServer:
		return e.StatusCode >= 500
	}
	return false
}

// invalid is the error of a request the client refuses to send because the
// server would refuse it with a 400 (a missing source_id, an empty or
// oversized list, a bad option): it wraps ErrValidation and names the field
// at fault, as in "catalog: invalid request: source_id: required".
func invalid(field, reason string) error {
	return fmt.Errorf("%w: %s: %s", ErrValidation, field, reason)
}

// TooLargeError reports a request body or a file over a size limit,
// refused before the bytes past the limit were sent. It matches
// ErrTooLarge, like the server's 413.
type TooLargeError struct {
	Name  string // the file's name; "" for a request body
	Size  int64  // its size in bytes, or -1 when it is only known to exceed Limit
	Limit int64  // the limit: WithMaxBodyBytes for a body, MaxFileBytes for a file
}

// Error names the file (or the body), its size and the limit.
func (e *TooLargeError) Error() string {
	switch {
	case e.Name == "":
		return fmt.Sprintf("catalog: request body of %d bytes is over the %d-byte limit; nothing was sent", e.Size, e.Limit)
	case e.Size < 0:
		return fmt.Sprintf("catalog: %s: file larger than the limit of %d bytes", e.Name, e.Limit)
	}
	return fmt.Sprintf("catalog: %s: file of %d bytes is over the limit of %d bytes", e.Name, e.Size, e.Limit)
}

// Is matches ErrTooLarge.
func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }

// RowError is one input row that was not applied: rejected by the client's
// validation before sending (Rejected is true) or reported failed by the
// server. In a report (RowReport.Unknown) it is a row whose outcome is unknown.
type RowError struct {
	// Row is the row's 0-based index in the caller's input. For a server
	// report it is mapped back from the position in the request.
	Row int `json:"row"`
	// Line is the row's line in the file it came from, when the caller said
	// (BulkOptions.Lines); 0 otherwise. Error names the row by it.
	Line       int    `json:"-"`
	EntityCode string `json:"entity_code"` // the row's entity_code, when it has one
	// Field is the field at fault, for client-side rejections (e.g.
	// "pricing.list"): the first of Problems when the row has several.
	Field string `json:"-"`
	// Reason says why the row failed, in words for a person. For a row
	// that befell its request ("its request failed", "its request may have
	// been applied") the request's error is Cause, not repeated here; Error
	// prints both, once.
	Reason   string          `json:"error"`
	RawData  json.RawMessage `json:"raw_data,omitempty"` // the row as the server received it
	Rejected bool            `json:"-"`                  // true: refused by the client, never sent
	// Cause is the error of the request the row was in, when that request
	// failed as a whole (or its outcome is unknown), or the error a stream
	// yielded for the row (an importfile *CellError, say); nil for a row the
	// server or the client rejected on its own. Unwrap returns it, so
	// errors.Is(rowErr, ErrServer) sorts rows by what befell them, and
	// errors.As finds a cell's error.
	Cause error `json:"-"`
	// Code is the server's machine-readable code for the failure, such as
	// "validation_error", when it gives one (JobsService.Errors).
	Code string `json:"-"`
	// Problems lists every problem found in the row's fields, in field
	// order, each with its path, value and reason (seed 002 reports every
	// problem of a line). For a product the client refused, they are all
	// that its checks found, Problems[0] being Field and Reason; for a row
	// the server refused, all that it named ("problems" in
	// api/openapi.yaml), the first being what Reason says. It is nil for a
	// row whose request failed or whose outcome is unknown, and for a row
	// refused by a check of Sync or of a category or promotion import,
	// which Field and Reason say alone.
	Problems []FieldProblem `json:"problems,omitempty"`
}

// FieldProblem is one problem of one field of a row (see RowError.Problems).
type FieldProblem struct {
	// Field is the field's path from the product, as in
	// "packaging_options[1].pricing.sale" or `extra["Prix"]`.
	Field string `json:"field"`
	// Value is the field's value as text (a number as Go or JSON writes
	// it); "" when the field is missing.
	Value  string `json:"value,omitempty"`
	Reason string `json:"reason"` // what is wrong with it, in words for a person
}

// maxMoreFields bounds the other problems' fields RowError.Error names.
const maxMoreFields = 3

// Error names the row, its entity_code, the field and the reason. A row
// with several problems (Problems) is written by its first, then the
// number of the others and their fields:
//
//	catalog: row 3 (SKU-9): quantity: must be a finite number >= 0, got -1 (+2 more: weight, pricing.list)
func (e *RowError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "catalog: line %d", e.Line)
	} else {
		fmt.Fprintf(&b, "catalog: row %d", e.Row)
	}
	if e.EntityCode != "" {
		b.WriteString(" (" + e.EntityCode + ")")
	}
	if e.Field != "" {
		b.WriteString(": " + e.Field)
	}
	b.WriteString(": " + e.Reason)
	if more := len(e.Problems) - 1; more > 0 {
		fmt.Fprintf(&b, " (+%d more: ", more)
		for i, p := range e.Problems[1:min(len(e.Problems), 1+maxMoreFields)] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(p.Field)
		}
		if more > maxMoreFields {
			b.WriteString(", ...")
		}
		b.WriteString(")")
	}
	if e.Cause != nil {
		b.WriteString(": " + e.Cause.Error())
	}
	return b.String()
}

// Unwrap returns Cause.
func (e *RowError) Unwrap() error { return e.Cause }

// OutcomeUnknownError reports a POST that may have been applied: it failed
// after the request was sent, with no answer, an unreadable one, or a
// gateway's answer rather than the platform's (see the README's retry
// table); Err is then the gateway's *APIError, so ErrServer still matches. The
// platform does not deduplicate, so sending it again may apply it twice
// unless the server honours the request's Idempotency-Key. It matches
// ErrOutcomeUnknown and unwraps to the cause.
type OutcomeUnknownError struct {
	Method, Path string // the call
	Err          error  // what went wrong: a reset, a timeout, a truncated answer...
}

// Error says that the outcome is unknown, and why.
func (e *OutcomeUnknownError) Error() string {
	return fmt.Sprintf("catalog: %s %s: outcome unknown, the request may have been applied: %v", e.Method, e.Path, e.Err)
}

// Unwrap returns ErrOutcomeUnknown and the cause, so that errors.Is
// matches both and errors.As reaches the cause's type.
func (e *OutcomeUnknownError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrOutcomeUnknown}
	}
	return []error{ErrOutcomeUnknown, e.Err}
}

// unfollowable is the error of a 2xx answer whose body cannot be followed
// (a queue answer without job_id, counts that disagree with the rows
// sent): the platform took the request, so it may have applied it.
func unfollowable(method, path, what string) error {
	return &OutcomeUnknownError{Method: method, Path: path, Err: malformed(method, path, what)}
}

// uncounted checks that a 2xx import answer counts every row sent, as
// succeeded or failed; the rows it leaves out may have been applied.
func uncounted(path string, succeeded, failed, sent int) error {
	if succeeded+failed == sent {
		return nil
	}
	return unfollowable(http.MethodPost, path, fmt.Sprintf("the summary counts %d succeeded and %d failed of %d rows sent", succeeded, failed, sent))
}

// ErrorCode is the machine-readable code of an error answer, the "code" of
// its body (APIError.Code). Compare it with CodeSourceNotFound to tell a
// missing import source from a wrong path, both 404s:
//
//	if apiErr.Code == catalog.CodeSourceNotFound { /* create the source */ }
//
// The platform sends more codes (NOT_FOUND, VALIDATION_ERROR,
// RATE_LIMITED, IDEMPOTENCY_KEY_REUSED, ...); where the status says all a
// client can act on, the sentinels (ErrNotFound, ErrValidation,
// ErrRateLimited, ...) or the status (422: an Idempotency-Key used for
// another request) are the check to use, or catalog.ErrorCode("...").
type ErrorCode string

// CodeSourceNotFound is the code of a 404 for a source_id that names no
// import source: create the source. Any other 404 is a wrong path: check
// the base URL.
const CodeSourceNotFound ErrorCode = "SOURCE_NOT_FOUND"
