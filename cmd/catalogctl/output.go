package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"
)

// scrubber replaces the secrets of a run wherever they would be printed: a
// second guard behind the client's own redaction and behind never
// printing them.
type scrubber struct {
	mu      sync.Mutex
	secrets []string
}

func (s *scrubber) add(secret string) {
	if len(secret) < 4 { // too short to tell from ordinary text
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secrets = append(s.secrets, secret)
}

func (s *scrubber) clean(text []byte) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, secret := range s.secrets {
		text = bytes.ReplaceAll(text, []byte(secret), []byte("[redacted]"))
	}
	return text
}

func (s *scrubber) writer(w io.Writer) io.Writer { return &scrubWriter{w: w, s: s} }

// scrubWriter is an output with the secrets taken out.
type scrubWriter struct {
	mu sync.Mutex
	w  io.Writer
	s  *scrubber
}

func (w *scrubWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.w.Write(w.s.clean(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// emitJSON prints the run's JSON document on stdout.
func (a *app) emitJSON(v any) {
	a.printedJSON = true
	writeJSON(a.stdout, v)
}

// writeJSON prints v as one line of JSON.
func writeJSON(w io.Writer, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		buf.Reset()
		buf.WriteString(`{"ok":false,"error":"cannot encode the output"}` + "\n")
	}
	_, _ = w.Write(buf.Bytes())
}

// rowErrorOut is a row error as --json prints it.
type rowErrorOut struct {
	Row        int    `json:"row"`
	Line       int    `json:"line,omitempty"` // the file line the row came from, when known
	EntityCode string `json:"entity_code,omitempty"`
	Error      string `json:"error"`
	Code       string `json:"code,omitempty"` // the platform's code, such as validation_error
	// Problems lists every problem of the row's fields, when it has any
	// (catalog.RowError.Problems), with the file's column of each.
	Problems []problemOut `json:"problems,omitempty"`
}

// problemOut is one problem of a row's field, as --json prints it.
type problemOut struct {
	Field  string `json:"field"`
	Column string `json:"column,omitempty"` // the file's column that maps to Field, when known
	Value  string `json:"value,omitempty"`
	Reason string `json:"reason"`
}

// plural is a count with its noun and its thousands separated: "1 row",
// "2,000 rows".
func plural(n int, one, many string) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if n == 1 {
		return s + " " + one
	}
	return s + " " + many
}

func contextWithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}

// readFile reads a local file named on the command line.
func readFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &usageError{msg: err.Error()}
	}
	return data, nil
}

// readFlagFile reads the local file that the flag --name names and decodes
// it with decode; a file that cannot be read or decoded is a usage error
// naming the flag and the file. An empty path reads nothing.
func readFlagFile[T any](name, path string, decode func(data []byte) (T, error)) (T, error) {
	var v T
	if path == "" {
		return v, nil
	}
	data, err := readFile(path)
	if err != nil {
		return v, err
	}
	if v, err = decode(data); err != nil {
		return v, usagef("--%s %s: %v", name, path, err)
	}
	return v, nil
}

// readJSONFlagFile is readFlagFile for a JSON file decoded into v with
// jsonUnmarshalStrict; want, when set, says what the file should hold.
func readJSONFlagFile(name, path string, v any, want string) error {
	_, err := readFlagFile(name, path, func(data []byte) (any, error) {
		err := jsonUnmarshalStrict(data, v)
		if err != nil && want != "" {
			err = fmt.Errorf("want %s: %w", want, err)
		}
		return v, err
	})
	return err
}

// jsonUnmarshalStrict decodes one JSON value into v, refusing unknown keys.
func jsonUnmarshalStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}
