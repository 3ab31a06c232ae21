package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ImportsService is the home of file imports: analysing a CSV, XLSX or JSON
// export and uploading it for the platform to import. Product imports from
// Go values are on ProductsService; import sources on SourcesService.
//
// Files are streamed: the client never holds one in memory, and a file is
// refused before anything is sent when its name has an extension the
// platform does not take (*FileTypeError) or, for a path, when it is over
// MaxFileSize (*FileTooLargeError). A plain io.Reader is counted as it is
// sent, and the request fails with a *FileTooLargeError once it goes past
// MaxFileSize, before the bytes past the limit leave the client. The
// client's body limit (WithMaxBodyBytes) is for JSON imports and does not
// apply to files; its per-attempt timeout (WithTimeout) does.
type ImportsService service

// Paths of the file endpoints.
const (
	analyzePath = "/api/b2b/pim/import/analyze"
	uploadPath  = "/api/b2b/pim/import"
)

// AnalyzeOptions tune ImportsService.Analyze. A nil *AnalyzeOptions means
// the defaults.
type AnalyzeOptions struct {
	// Progress, when set, is called with the file bytes sent so far, from
	// the goroutine that writes the request; keep it quick. A retried
	// request counts again from 0.
	Progress func(sent int64)
}

// Analyze sends a file to the platform's analyzer and returns its
// analysis: the columns of its header with their inferred type, sample
// values and counts, and its first rows. name is the file's name, whose
// extension says its type (see FileTypeOf); r is its content, read once.
// Package importfile computes the same analysis locally, with no server.
//
// A file the server cannot read is answered with a *FileFormatError that
// locates the fault (errors.As; it matches ErrValidation). The analysis
// changes nothing on the server, so a lost answer is a plain error, not an
// *OutcomeUnknownError.
//
// POST /api/b2b/pim/import/analyze (operation analyzeFile in api/openapi.yaml)
func (s *ImportsService) Analyze(ctx context.Context, name string, r io.Reader, opts *AnalyzeOptions) (*FileAnalysis, error) {
	if r == nil {
		return nil, &ValidationError{Field: "file", Reason: "required"}
	}
	return s.analyze(ctx, name, func() (io.Reader, error) { return r, nil }, false, opts)
}

// AnalyzeFile is Analyze for the file at path, opened for each attempt, so
// that a failed attempt can be sent again. A file over MaxFileSize is
// refused before it is opened.
//
// POST /api/b2b/pim/import/analyze (operation analyzeFile in api/openapi.yaml)
func (s *ImportsService) AnalyzeFile(ctx context.Context, path string, opts *AnalyzeOptions) (*FileAnalysis, error) {
	if err := checkFileSize(path); err != nil {
		return nil, err
	}
	return s.analyze(ctx, filepath.Base(path), openFile(path), true, opts)
}

func (s *ImportsService) analyze(ctx context.Context, name string, open func() (io.Reader, error), reopen bool, opts *AnalyzeOptions) (*FileAnalysis, error) {
	if _, err := FileTypeOf(name); err != nil {
		return nil, err
	}
	var progress func(int64)
	if opts != nil {
		progress = opts.Progress
	}
	var out FileAnalysis
	call := &apiCall{method: http.MethodPost, path: analyzePath, out: &out, safe: true,
		upload: newUploadBody(name, open, reopen, MaxFileSize, progress)}
	if err := s.client.run(ctx, call); err != nil {
		return nil, fileError(name, err)
	}
	if out.Columns == nil {
		return nil, malformed(http.MethodPost, analyzePath, "no columns in the answer")
	}
	return &out, nil
}

// UploadOptions are the optional fields of a file upload. A nil
// *UploadOptions sends none.
type UploadOptions struct {
	// FieldMappings maps the file's columns to product fields for this
	// upload only, over the source's field_mappings, in their dotted-path
	// language: {"EAN": "ean", "Titre": "name", "Prix": "pricing.list"}.
	// Sent as field_mappings, a JSON object in a form field.
	FieldMappings map[string]string
	// UpdateExisting is sent as update_existing when set: true updates the
	// existing products a row matches by EAN, false makes such rows fail.
	// Nil leaves it to the server, which updates (its default).
	UpdateExisting *bool
	// Progress, when set, is called with the file bytes sent so far, from
	// the goroutine that writes the request; keep it quick. A retried
	// request counts again from 0.
	Progress func(sent int64)
	// IdempotencyKey is sent as the Idempotency-Key header; one is
	// generated when empty (see ImportOptions.IdempotencyKey).
	IdempotencyKey string
}

// Upload uploads a file of product rows for the platform to import through
// the source sourceID, and returns the job it queued (status pending);
// follow it with JobsService.Wait and read its row errors with
// JobsService.Errors. name is the file's name, whose extension says its
// type (see FileTypeOf); r is its content, streamed and read once, so a
// failed attempt is not sent again unless nothing of r was read. Use
// UploadFile for a file on disk.
//
// Like every import, an upload whose answer is lost after the whole file
// was sent returns an *OutcomeUnknownError: the platform may have queued
// the job. One that failed before the file was sent whole was not applied.
// A file the server cannot read is answered with a *FileFormatError.
//
// POST /api/b2b/pim/import (operation uploadFile in api/openapi.yaml)
func (s *ImportsService) Upload(ctx context.Context, sourceID, name string, r io.Reader, opts *UploadOptions) (*Job, error) {
	if r == nil {
		return nil, &ValidationError{Field: "file", Reason: "required"}
	}
	return s.upload(ctx, sourceID, name, func() (io.Reader, error) { return r, nil }, false, opts)
}

// UploadFile is Upload for the file at path, opened for each attempt, so
// that an attempt the server refused without applying it (a 429, say) can
// be sent again. A file over MaxFileSize is refused before it is opened.
//
// POST /api/b2b/pim/import (operation uploadFile in api/openapi.yaml)
func (s *ImportsService) UploadFile(ctx context.Context, sourceID, path string, opts *UploadOptions) (*Job, error) {
	if err := checkFileSize(path); err != nil {
		return nil, err
	}
	return s.upload(ctx, sourceID, filepath.Base(path), openFile(path), true, opts)
}

func (s *ImportsService) upload(ctx context.Context, sourceID, name string, open func() (io.Reader, error), reopen bool, opts *UploadOptions) (*Job, error) {
	if sourceID == "" {
		return nil, &ValidationError{Field: "source_id", Reason: "required"}
	}
	if _, err := FileTypeOf(name); err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &UploadOptions{}
	}
	body := newUploadBody(name, open, reopen, MaxFileSize, opts.Progress)
	body.field("source_id", sourceID)
	if len(opts.FieldMappings) > 0 {
		for from, to := range opts.FieldMappings {
			if from == "" || !isFieldPath(to) {
				return nil, &ValidationError{Field: "field_mappings", Reason: strconv.Quote(from) + " -> " + strconv.Quote(to) + " is not a column and a dotted field path"}
			}
		}
		m, err := json.Marshal(opts.FieldMappings)
		if err != nil {
			return nil, err
		}
		body.field("field_mappings", string(m))
	}
	if opts.UpdateExisting != nil {
		body.field("update_existing", strconv.FormatBool(*opts.UpdateExisting))
	}
	var out struct {
		Job *Job `json:"job"`
	}
	call := &apiCall{method: http.MethodPost, path: uploadPath, out: &out, upload: body, idempotencyKey: opts.IdempotencyKey}
	if err := s.client.run(ctx, call); err != nil {
		return nil, fileError(name, err)
	}
	if out.Job == nil || out.Job.ID == "" {
		return nil, unfollowable(http.MethodPost, uploadPath, "no job in the answer")
	}
	return out.Job, nil
}

// checkFileSize refuses a file over MaxFileSize before it is opened for
// sending.
func checkFileSize(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.Size() > MaxFileSize {
		return &FileTooLargeError{Name: filepath.Base(path), Size: fi.Size(), Limit: MaxFileSize}
	}
	return nil
}

func openFile(path string) func() (io.Reader, error) {
	return func() (io.Reader, error) { return os.Open(path) }
}

// fileError turns the server's refusal of a file that it could not read,
// a 400 whose body locates the fault (technicalDetails with a line, or an
// error titled "... Format Error"), into a *FileFormatError.
func fileError(name string, err error) error {
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest {
		return err
	}
	_, hasLine := apiErr.TechnicalDetails["line"]
	if !hasLine && !strings.HasSuffix(apiErr.Message, "Format Error") {
		return err
	}
	fe := &FileFormatError{File: name, Title: apiErr.Message, Details: apiErr.Details, Hint: apiErr.Hint}
	fe.Code, _ = apiErr.TechnicalDetails["code"].(string)
	fe.Line = wholeNumber(apiErr.TechnicalDetails["line"])
	fe.Column = wholeNumber(apiErr.TechnicalDetails["column"])
	return fe
}

// wholeNumber reads a JSON number as an int; 0 for anything else.
func wholeNumber(v any) int {
	if f, ok := v.(float64); ok && f >= 0 && f <= 1<<31 {
		return int(f)
	}
	return 0
}
