// Package contract checks HTTP exchanges against the wire contract,
// api/openapi.yaml: requests the client sends and answers the fake server
// gives. It is for this module's tests only; catalogtest reaches it through
// internal/fakehook, so users' test binaries never compile it.
package contract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/pimkit/catalog/api"
)

// Validator checks exchanges against the contract. It is safe for
// concurrent use.
type Validator struct {
	router routers.Router
}

var loaded = sync.OnceValues(func() (*Validator, error) { return New(api.OpenAPI) })

// Load returns the validator for the embedded api/openapi.yaml, loading
// it once.
func Load() (*Validator, error) { return loaded() }

// New returns a validator for the OpenAPI document spec.
func New(spec []byte) (*Validator, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("contract: loading: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("contract: invalid document: %w", err)
	}
	// The servers entry is an example tenant; route by path alone so that
	// test servers on loopback ports match.
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("contract: router: %w", err)
	}
	return &Validator{router: router}, nil
}

// ErrNoOperation reports a method and path that the contract does not have.
var ErrNoOperation = errors.New("no operation in the contract")

// options: credentials are the server's business (the fake checks them),
// every mismatch is listed, undeclared statuses count, and the request
// seen by the handler is never rewritten with defaults.
func options() *openapi3filter.Options {
	return &openapi3filter.Options{
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
		IncludeResponseStatus: true,
		MultiError:            true,
		SkipSettingDefaults:   true,
	}
}

// input routes a request with the given body; the body is a fresh copy, so
// the caller's request is left as it was.
func (v *Validator) input(r *http.Request, body []byte) (*openapi3filter.RequestValidationInput, error) {
	req := r.Clone(context.Background())
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	route, params, err := v.findRoute(req)
	if err != nil {
		return nil, err
	}
	return &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: options()}, nil
}

// findRoute finds r's operation. The router forgives a trailing slash;
// the contract has no path with one, and the fake answers 404 to it.
func (v *Validator) findRoute(r *http.Request) (*routers.Route, map[string]string, error) {
	if strings.HasSuffix(r.URL.Path, "/") {
		return nil, nil, ErrNoOperation
	}
	route, params, err := v.router.FindRoute(r)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrNoOperation, err)
	}
	return route, params, nil
}

// OperationID returns the contract's operationId for r's method and path,
// or "" when there is none.
func (v *Validator) OperationID(r *http.Request) string {
	route, _, err := v.findRoute(r)
	if err != nil || route.Operation == nil {
		return ""
	}
	return route.Operation.OperationID
}

// CheckRequest validates a request (method, path, headers, query) with the
// given body against the contract. r.Body is not read.
func (v *Validator) CheckRequest(r *http.Request, body []byte) error {
	in, err := v.input(r, body)
	if err != nil {
		return err
	}
	return openapi3filter.ValidateRequest(context.Background(), in)
}

// CheckResponse validates an answer (status, headers, body) to request r
// against the contract; the request itself is not checked.
func (v *Validator) CheckResponse(r *http.Request, status int, header http.Header, body []byte) error {
	in, err := v.input(r, nil)
	if err != nil {
		return err
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status,
		Header: header, Options: options()}
	out.SetBodyBytes(body)
	return openapi3filter.ValidateResponse(context.Background(), out)
}

// Mismatch is one exchange that broke the contract.
type Mismatch struct {
	Method, Path string
	Status       int    // the answer's status
	Side         string // "request" or "response"
	Err          error  // the validator's finding
}

// maxMessage keeps a report readable when a large body fails many times.
const maxMessage = 4000

func (m *Mismatch) Error() string {
	msg := Describe(m.Err)
	if len(msg) > maxMessage {
		msg = msg[:maxMessage] + fmt.Sprintf("... (%d more bytes)", len(msg)-maxMessage)
	}
	return fmt.Sprintf("%s %s -> %d: %s: %s", m.Method, m.Path, m.Status, m.Side, msg)
}

func (m *Mismatch) Unwrap() error { return m.Err }

// Finding is one thing a validator error found wrong.
type Finding struct {
	Pointer []string // JSON path in the body, for a schema finding; nil otherwise
	Reason  string
	Value   any // the offending value, for a schema finding
}

func (f Finding) String() string {
	if f.Pointer == nil {
		return f.Reason
	}
	return "at /" + strings.Join(f.Pointer, "/") + ": " + f.Reason
}

// Findings flattens a validator error into its findings, with the JSON
// path of each schema failure instead of the schema's full dump.
func Findings(err error) []Finding {
	var out []Finding
	var walk func(error)
	walk = func(err error) {
		var multi openapi3.MultiError
		var schemaErr *openapi3.SchemaError
		var reqErr *openapi3filter.RequestError
		var respErr *openapi3filter.ResponseError
		switch {
		case err == nil:
		case errors.As(err, &multi):
			for _, e := range multi {
				walk(e)
			}
		case errors.As(err, &schemaErr):
			out = append(out, Finding{Pointer: append([]string{}, schemaErr.JSONPointer()...),
				Reason: schemaErr.Reason, Value: schemaErr.Value})
		case errors.As(err, &reqErr) && reqErr.Err != nil:
			walk(reqErr.Err)
		case errors.As(err, &respErr) && respErr.Err != nil:
			walk(respErr.Err)
		default:
			out = append(out, Finding{Reason: err.Error()})
		}
	}
	walk(err)
	return out
}

// Describe renders a validator error in one line.
func Describe(err error) string { return describe(Findings(err)) }

// describe renders findings in one line.
func describe(found []Finding) string {
	lines := make([]string, len(found))
	for i, f := range found {
		lines[i] = f.String()
	}
	return strings.Join(lines, "; ")
}
