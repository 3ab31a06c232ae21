package catalogtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"time"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // echo payload text as sent
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		fmt.Fprintf(&buf, `{"success":false,"error":"catalogtest: cannot encode answer","code":%q}`+"\n", codeInternal)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// readBody reads r's body within the server's byte limit.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.maxBody))
	if err != nil {
		return nil, s.readError(w, err)
	}
	return body, nil
}

// readJSON reads r's body within the byte limit and decodes it into v.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, v any) *apiError {
	return s.decodeBody(w, r, v, decodeJSON)
}

// decodeBody reads r's body within the byte limit and decodes it into v
// with decode; what does not decode is a validation error.
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request, v any, decode func([]byte, any) error) *apiError {
	body, e := s.readBody(w, r)
	if e != nil {
		return e
	}
	if err := decode(body, v); err != nil {
		return newAPIError(http.StatusBadRequest, codeValidation, "%v", err)
	}
	return nil
}

// decodeJSON decodes exactly one JSON value, keeping numbers as json.Number
// so their text survives, and says in plain words what is wrong.
func decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	return decodeOnly(dec, v)
}

// strictJSON decodes exactly one JSON value, refusing unknown keys, so
// that a misspelt field is not silently dropped.
func strictJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	return decodeOnly(dec, v)
}

// decodeOnly decodes dec's one value into v and refuses anything after it.
func decodeOnly(dec *json.Decoder, v any) error {
	if err := dec.Decode(v); err != nil {
		return describeJSONError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("invalid JSON: unexpected data after the top-level value")
	}
	return nil
}

func describeJSONError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return errors.New("request body is empty; expected a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("invalid JSON: unexpected end of input")
	case errors.As(err, &syntax):
		return fmt.Errorf("invalid JSON at byte offset %d: %v", syntax.Offset, syntax)
	case errors.As(err, &typ) && typ.Field == "":
		return fmt.Errorf("request body must be a JSON object, got %s", typ.Value)
	case errors.As(err, &typ):
		return fmt.Errorf("field %s must be %s, got %s", typ.Field, kindName(typ.Type), typ.Value)
	}
	return fmt.Errorf("invalid JSON: %v", err)
}

// kindName names a Go type the way a JSON user thinks of it.
func kindName(t reflect.Type) string {
	if t == nil {
		return "a different type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a " + t.String()
}

// timeLayout is the wire format of timestamps: RFC 3339, milliseconds, UTC.
const timeLayout = "2006-01-02T15:04:05.000Z"

// formatTime renders t on the wire, or "" for the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

// deepCopy copies the maps and slices of a decoded JSON value; the scalars
// (string, json.Number, bool, nil) are immutable.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return deepCopyMap(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

func deepCopyMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = deepCopy(v)
	}
	return out
}

// jsonKind names the JSON type of a decoded value, for error messages.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number, float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// marshalWire encodes v as writeJSON does (no HTML escaping), without the
// trailing newline.
func marshalWire(v any) json.RawMessage {
	b, err := encodeWire(v)
	if err != nil {
		return json.RawMessage("null")
	}
	return b
}

// encodeWire encodes v as JSON without HTML escaping ("<" and "&" stay as
// they are, as on the wire) and without the encoder's trailing newline.
// The result may have spare capacity; a caller keeping it clones it.
func encodeWire(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
