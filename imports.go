package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
)

// FileImportsService analyses and uploads export files (CSV, XLSX, XLS,
// JSON, NDJSON) for the platform to import; it is Client.Imports. Product imports
// from Go values are on ProductsService.
//
// Files are streamed, never held in memory. Pass an *os.File (any
// io.ReadSeeker) where you can: its size is known up front, and a failed
// attempt is sent again from where the reader was at the call. A plain
// io.Reader is read once, so an attempt is sent again only if nothing of
// it was read.
//
//	f, err := os.Open("export.csv")
//	defer f.Close()
//	job, err := client.Imports.Upload(ctx, "erp", filepath.Base(f.Name()), f, nil)
//
// A file whose extension the platform does not take is refused before
// sending (*FileFormatError), as is a seeker over MaxFileBytes
// (*TooLargeError); a plain reader fails with *TooLargeError once it goes
// past MaxFileBytes, before the excess is sent. WithMaxBodyBytes does not
// apply to files; WithTimeout does, per attempt.
type FileImportsService service

// Paths of the file endpoints.
const (
	analyzePath = "/api/b2b/pim/import/analyze"
	uploadPath  = "/api/b2b/pim/import"
)

// Analyze sends a file to the platform's analyzer and returns its
// analysis: the columns of its header with their inferred type, sample
// values and counts, and its first rows. name is the file's name, whose
// extension says its type (see FileTypeOf); r is its content (see
// FileImportsService for an *os.File and for retries). Package importfile computes the same analysis locally, with no server.
//
// Analyze takes no progress callback. To watch a large file go out, pass a
// reader that wraps the file and counts the bytes read from it; give the
// wrapper a Seek method that forwards to the file (and restarts the count)
// to keep the size check and the retries of a seekable file.
//
// A file the server cannot read is answered with a *FileFormatError that
// locates the fault (errors.As; it matches ErrValidation). The analysis
// changes nothing on the server, so a lost answer is a plain error, not an
// *OutcomeUnknownError.
//
// POST /api/b2b/pim/import/analyze (operation analyzeFile in api/openapi.yaml)
func (s *FileImportsService) Analyze(ctx context.Context, name string, r io.Reader) (*FileAnalysis, error) {
	if r == nil {
		return nil, invalid("file", "required")
	}
	return s.analyze(ctx, name, r)
}

func (s *FileImportsService) analyze(ctx context.Context, name string, r io.Reader) (*FileAnalysis, error) {
	if _, err := FileTypeOf(name); err != nil {
		return nil, err
	}
	open, reopen, err := fileSource(name, r)
	if err != nil {
		return nil, err
	}
	var out wireAnalysis
	call := &apiCall{method: http.MethodPost, path: analyzePath, out: &out, safe: true,
		upload: newUploadBody(name, open, reopen, MaxFileBytes, nil)}
	if err := s.client.run(ctx, call); err != nil {
		return nil, fileError(name, err)
	}
	if out.Columns == nil {
		return nil, malformed(http.MethodPost, analyzePath, "no columns in the answer")
	}
	return out.analysis(), nil
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
	// generated when empty (see ProductImportOptions.IdempotencyKey).
	IdempotencyKey string
}

// Upload uploads a file of product rows for the platform to import through
// the source sourceID, and returns the job it queued (status pending);
// follow it with JobsService.Wait and read its row errors with
// JobsService.Errors. name is the file's name, whose extension says its
// type (see FileTypeOf); r is its content, streamed (see FileImportsService
// for an *os.File and for retries).
//
// Like every import, an upload whose answer is lost after the whole file
// was sent returns an *OutcomeUnknownError: the platform may have queued
// the job. One that failed before the file was sent whole was not applied.
// A file the server cannot read is answered with a *FileFormatError.
//
// POST /api/b2b/pim/import (operation uploadFile in api/openapi.yaml)
func (s *FileImportsService) Upload(ctx context.Context, sourceID, name string, r io.Reader, opts *UploadOptions) (*Job, error) {
	if r == nil {
		return nil, invalid("file", "required")
	}
	return s.upload(ctx, sourceID, name, r, opts)
}

func (s *FileImportsService) upload(ctx context.Context, sourceID, name string, r io.Reader, opts *UploadOptions) (*Job, error) {
	if sourceID == "" {
		return nil, invalid("source_id", "required")
	}
	if _, err := FileTypeOf(name); err != nil {
		return nil, err
	}
	open, reopen, err := fileSource(name, r)
	if err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &UploadOptions{}
	}
	body := newUploadBody(name, open, reopen, MaxFileBytes, opts.Progress)
	body.field("source_id", sourceID)
	if len(opts.FieldMappings) > 0 {
		for from, to := range opts.FieldMappings {
			if from == "" || !isFieldPath(to) {
				return nil, invalid("field_mappings", strconv.Quote(from)+" -> "+strconv.Quote(to)+" is not a column and a dotted field path")
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
		Job *wireJob `json:"job"`
	}
	call := &apiCall{method: http.MethodPost, path: uploadPath, out: &out, upload: body, idempotencyKey: opts.IdempotencyKey}
	if err := s.client.run(ctx, call); err != nil {
		return nil, fileError(name, err)
	}
	if out.Job == nil || out.Job.ID == "" {
		return nil, unfollowable(http.MethodPost, uploadPath, "no job in the answer")
	}
	return out.Job.job(), nil
}

// fileSource returns how each attempt reads the file r. A reader that
// seeks (an *os.File, a bytes.Reader) is measured against MaxFileBytes and
// read again from its current offset by every attempt (reopen); any other,
// or one whose Seek fails (a pipe), is read once.
func fileSource(name string, r io.Reader) (open func() (io.Reader, error), reopen bool, err error) {
	once := func() (io.Reader, error) { return r, nil }
	rs, ok := r.(io.ReadSeeker)
	if !ok {
		return once, false, nil
	}
	start, err := rs.Seek(0, io.SeekCurrent)
	if err != nil {
		return once, false, nil
	}
	end, err := rs.Seek(0, io.SeekEnd)
	if err == nil {
		_, err = rs.Seek(start, io.SeekStart)
	}
	if err != nil {
		return nil, false, fmt.Errorf("catalog: measuring %s: %w", name, err)
	}
	if end-start > MaxFileBytes {
		return nil, false, &TooLargeError{Name: name, Size: end - start, Limit: MaxFileBytes}
	}
	return func() (io.Reader, error) {
		if _, err := rs.Seek(start, io.SeekStart); err != nil {
			return nil, err
		}
		return rs, nil
	}, true, nil
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
	code, _ := apiErr.TechnicalDetails["code"].(string)
	return &FileFormatError{File: name, Title: apiErr.Message, Details: apiErr.Details, Hint: apiErr.Hint, Code: code,
		Line: wholeNumber(apiErr.TechnicalDetails["line"]), Column: wholeNumber(apiErr.TechnicalDetails["column"])}
}

// wholeNumber reads a JSON number as an int; 0 for anything else.
func wholeNumber(v any) int {
	if f, ok := v.(float64); ok && f >= 0 && f <= 1<<31 {
		return int(f)
	}
	return 0
}

// FileType is the kind of an import file, named after its extension.
type FileType string

// The file types the import pipeline accepts. The analysis and upload
// endpoints take CSV and Excel files; JSON arrays and NDJSON are read by the
// SDK's file readers (package importfile) and accepted by uploads.
const (
	FileCSV    FileType = "csv"    // comma, semicolon or tab separated values
	FileXLSX   FileType = "xlsx"   // Excel 2007 and later; the first sheet is read
	FileXLS    FileType = "xls"    // Excel 97-2003 (BIFF8); the first sheet is read
	FileJSON   FileType = "json"   // a JSON array of objects, one per row
	FileNDJSON FileType = "ndjson" // one JSON object per line
)

// acceptedExtensions lists the file name extensions of the file types, in
// the form of an HTML accept attribute.
const acceptedExtensions = ".csv,.xlsx,.xls,.json,.ndjson"

// MaxFileBytes is the largest import file the server takes: "50 MB". The
// server does not say whether it counts in decimal or binary megabytes, so
// the client refuses from the smaller reading, 50,000,000 bytes, and never
// sends a file the server may refuse for its size.
const MaxFileBytes = 50_000_000

// FileTypeOf returns the file type of a file name, by its extension (case
// does not matter). Any other extension yields a *FileFormatError with
// Code "UNSUPPORTED_FILE_TYPE" whose Hint names the accepted extensions.
func FileTypeOf(name string) (FileType, error) {
	ext := strings.ToLower(path.Ext(strings.ReplaceAll(name, `\`, "/")))
	switch t := FileType(strings.TrimPrefix(ext, ".")); t {
	case FileCSV, FileXLSX, FileXLS, FileJSON, FileNDJSON:
		return t, nil
	}
	what := "the file name has no extension"
	if ext != "" {
		what = "the extension " + strconv.Quote(ext) + " is not one the platform reads"
	}
	return "", &FileFormatError{File: name, Title: "Unsupported file type", Code: codeUnsupportedFileType,
		Details: what, Hint: "save the file as one of " + acceptedExtensions}
}

// codeUnsupportedFileType is FileFormatError.Code for a file name with an
// extension the platform does not take.
const codeUnsupportedFileType = "UNSUPPORTED_FILE_TYPE"

// FileAnalysis is the analysis of an import file: its first rows, the
// columns found in its header and statistics about each, as answered by
// POST /api/b2b/pim/import/analyze and computed locally by
// importfile.Analyze.
type FileAnalysis struct {
	FileName string   `json:"fileName"` // the file name
	FileSize int64    `json:"fileSize"` // its size in bytes
	FileType FileType `json:"fileType"` // its type, from its extension
	// TotalRows is the number of data rows read, the header not counted:
	// the analysis reads at most 15 of them.
	TotalRows int `json:"totalRows"`
	// Columns are the columns of the header, in file order.
	Columns []ColumnAnalysis `json:"columns"`
	// PreviewRows are the first rows, at most 10, each mapping the column
	// names to the cells' text.
	PreviewRows []map[string]string `json:"previewRows"`
}

// ColumnAnalysis describes one column over the rows an analysis read.
type ColumnAnalysis struct {
	Name string `json:"name"` // the column name, from the header
	// Type is the type inferred from the column's non-empty cells:
	// "number", "boolean" or "date" when every one of them reads as that
	// type, the first of these three that fits when several do (cells of
	// "1" and "0" make a "number" column); "string" otherwise, and for a
	// column with no non-empty cell.
	Type         string   `json:"type"`
	SampleValues []string `json:"sampleValues"` // the first distinct non-empty values, at most 3
	TotalValues  int      `json:"totalValues"`  // cells that are not empty
	UniqueCount  int      `json:"uniqueCount"`  // distinct non-empty values
	EmptyCount   int      `json:"emptyCount"`   // empty or missing cells
}

// wireAnalysis is a FileAnalysis as the server answers it: its preview
// rows may hold numbers, booleans and nulls (some spreadsheet readers
// answer typed values), which read as their JSON text, null as "".
type wireAnalysis struct {
	FileAnalysis
	PreviewRows []previewRow `json:"previewRows"`
}

// analysis returns the FileAnalysis, with the preview rows as text.
func (w *wireAnalysis) analysis() *FileAnalysis {
	a := w.FileAnalysis
	if w.PreviewRows != nil {
		a.PreviewRows = make([]map[string]string, len(w.PreviewRows))
		for i, r := range w.PreviewRows {
			a.PreviewRows[i] = r
		}
	}
	return &a
}

// previewRow is one preview row of the server's answer.
type previewRow map[string]string

func (p *previewRow) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	if raw == nil {
		*p = nil
		return nil
	}
	out := make(previewRow, len(raw))
	for k, v := range raw {
		v = bytes.TrimSpace(v)
		switch {
		case len(v) > 0 && v[0] == '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return err
			}
			out[k] = s
		case string(v) == "null":
			out[k] = ""
		default:
			out[k] = string(v)
		}
	}
	*p = out
	return nil
}

// FileFormatError reports a file the platform cannot read as a product
// file: one whose extension is not a FileType ("Unsupported file type"), or
// one that cannot be read as its type says, such as a CSV file with
// inconsistent rows. The server answers the latter with this body:
//
//	{"error": "CSV Format Error", "details": "...", "hint": "...",
//	 "technicalDetails": {"code": "CSV_INCONSISTENT_RECORD_LENGTH", "line": 42, "column": 7}}
//
// The file readers of package importfile raise it too. It matches
// ErrValidation.
type FileFormatError struct {
	File    string `json:"-"`       // the file name; not in the server's body
	Title   string `json:"error"`   // a short title, such as "CSV Format Error"
	Details string `json:"details"` // what is wrong, in words for the user
	Hint    string `json:"hint"`    // how to fix it
	// Code is machine-readable, such as "CSV_INCONSISTENT_RECORD_LENGTH"
	// or "UNSUPPORTED_FILE_TYPE".
	Code   string `json:"code,omitempty"`
	Line   int    `json:"line,omitempty"`   // 1-based line of the fault; 0 when unknown
	Column int    `json:"column,omitempty"` // 1-based column of the fault; 0 when unknown
}

// Error reads: catalog: products.csv: line 42, column 7: CSV Format Error
// (CSV_INCONSISTENT_RECORD_LENGTH): details.
func (e *FileFormatError) Error() string {
	var b strings.Builder
	b.WriteString("catalog: ")
	if e.File != "" {
		b.WriteString(e.File + ": ")
	}
	if e.Line > 0 {
		b.WriteString("line " + strconv.Itoa(e.Line))
		if e.Column > 0 {
			b.WriteString(", column " + strconv.Itoa(e.Column))
		}
		b.WriteString(": ")
	}
	title := e.Title
	if title == "" {
		title = "file format error"
	}
	b.WriteString(title)
	if e.Code != "" {
		b.WriteString(" (" + e.Code + ")")
	}
	if e.Details != "" {
		b.WriteString(": " + e.Details)
	}
	return b.String()
}

// Is matches ErrValidation.
func (e *FileFormatError) Is(target error) bool { return target == ErrValidation }
