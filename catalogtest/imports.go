package catalogtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/importfile"
	"github.com/pimkit/catalog/importfile/xls"
	"github.com/pimkit/catalog/importfile/xlsx"
)

// Paths of the file endpoints.
const (
	pathImportAnalyze = "/api/b2b/pim/import/analyze"
	pathImportFile    = "/api/b2b/pim/import"
)

// Operations of the file endpoints, for faults.
const (
	OpAnalyzeFile Operation = "POST " + pathImportAnalyze
	OpUploadFile  Operation = "POST " + pathImportFile
)

// JobTypeFileImport is the job_type of a file upload's job, whose id
// starts "import_", as the platform names them.
const JobTypeFileImport = "import"

// formSlack is what a multipart upload may add to its file: the other
// fields, the part headers and boundaries.
const formSlack = 1 << 20

// WithoutCDN makes the tenant one without a CDN configured: file uploads
// are answered 500, as the platform does. File analysis still works.
func WithoutCDN() Option {
	return func(c *config) { c.noCDN = true }
}

// fileUpload is an uploaded file waiting for the worker, stored in a
// temporary file (the fake's CDN). Its fields are set before the job is
// queued and read by the worker only.
type fileUpload struct {
	path           string // the temporary file
	name           string
	mappings       map[string]string // the source's, with the upload's over them
	updateExisting bool
}

// uploads are the temporary files of uploads not yet imported, removed by
// Close.
type uploads struct {
	mu    sync.Mutex
	paths map[string]bool
}

func (u *uploads) add(path string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.paths == nil {
		u.paths = make(map[string]bool)
	}
	u.paths[path] = true
}

func (u *uploads) remove(path string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.paths, path)
	_ = os.Remove(path)
}

func (u *uploads) removeAll() {
	u.mu.Lock()
	defer u.mu.Unlock()
	for p := range u.paths {
		_ = os.Remove(p)
	}
	u.paths = nil
}

// form is what a multipart request carries besides the file.
type form struct {
	fields map[string]string
}

// readForm reads a multipart form whose body is bounded at
// catalog.MaxFileBytes plus formSlack by http.MaxBytesReader, and hands the
// file part to file as it streams; the other fields are read whole (64 KiB
// at most each). It answers the refusals itself: nil means an answer went
// out.
func (s *Server) readForm(w http.ResponseWriter, r *http.Request, file func(name string, content io.Reader) *apiError) (*form, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, catalog.MaxFileBytes+formSlack)
	mr, err := r.MultipartReader()
	if err != nil {
		writeAPIError(w, newAPIError(http.StatusBadRequest, codeValidation, "the body must be multipart/form-data: %v", err))
		return nil, false
	}
	f := &form{fields: make(map[string]string)}
	sawFile := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			writeAPIError(w, s.formError(w, err))
			return nil, false
		}
		name := part.FormName()
		if name == "file" {
			if sawFile {
				writeAPIError(w, newAPIError(http.StatusBadRequest, codeValidation, "only one file may be sent"))
				return nil, false
			}
			sawFile = true
			if e := file(part.FileName(), part); e != nil {
				if e.status == http.StatusBadRequest {
					w.Header().Set("Connection", "close") // the rest of the body stays unread
				}
				writeAPIError(w, e)
				return nil, false
			}
			continue
		}
		v, err := io.ReadAll(io.LimitReader(part, 64<<10))
		if err != nil {
			writeAPIError(w, s.formError(w, err))
			return nil, false
		}
		f.fields[name] = string(v)
	}
	if !sawFile {
		writeAPIError(w, newAPIError(http.StatusBadRequest, codeValidation, "file is required"))
		return nil, false
	}
	return f, true
}

// formError answers a body that failed while being read: over the limit,
// cut short or not a multipart form.
func (s *Server) formError(w http.ResponseWriter, err error) *apiError {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		w.Header().Set("Connection", "close")
		return fileTooLarge()
	}
	return newAPIError(http.StatusBadRequest, codeValidation, "cannot read the form: %v", err)
}

// fileTooLarge is the platform's refusal of a file over 50 MB: a 400.
func fileTooLarge() *apiError {
	e := newAPIError(http.StatusBadRequest, codeValidation, "file larger than %d bytes", catalog.MaxFileBytes)
	e.body.TechnicalDetails = map[string]any{"code": "FILE_TOO_LARGE", "limit_bytes": catalog.MaxFileBytes}
	return e
}

// fileOptions read uploads as the platform does, XLSX and XLS workbooks
// included.
var fileOptions = &importfile.Options{XLSX: xlsx.Read, XLS: xls.Read}

// checkFileName refuses a file whose extension the platform does not take.
func checkFileName(name string) *apiError {
	if _, err := catalog.FileTypeOf(name); err != nil {
		e := newAPIError(http.StatusBadRequest, codeValidation, "%v", err) // the client's own refusal, with its hint
		e.body.TechnicalDetails = map[string]any{"code": "UNSUPPORTED_FILE_TYPE"}
		return e
	}
	return nil
}

// fileReadError answers what the file readers refused: a format error
// with the platform's CSV error body, a file over the limit, any other fault.
func fileReadError(name string, err error) *apiError {
	var fe *catalog.FileFormatError
	var le *importfile.LimitError
	switch {
	case errors.As(err, &le):
		// The limit the readers hit (a record, a cell, an XLSX part's
		// expansion), not the 50 MB of the file: name it.
		e := newAPIError(http.StatusBadRequest, codeValidation, "%v", le)
		e.body.TechnicalDetails = map[string]any{"code": "LIMIT_EXCEEDED", "what": le.What, "limit": le.Limit, "line": le.Line}
		return e
	case errors.As(err, &fe):
		e := newAPIError(http.StatusBadRequest, codeValidation, "%s", fe.Title)
		e.body.Details, e.body.Hint = fe.Details, fe.Hint
		e.body.TechnicalDetails = map[string]any{"code": fe.Code, "line": fe.Line, "column": fe.Column}
		return e
	case errors.Is(err, catalog.ErrTooLarge):
		return fileTooLarge()
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return fileTooLarge()
	}
	return newAPIError(http.StatusBadRequest, codeValidation, "%s: %v", name, err)
}

// handleAnalyze serves POST /api/b2b/pim/import/analyze with
// importfile.Analyze, the SDK's local analysis, so both agree.
func (s *Server) handleAnalyze(w http.ResponseWriter, r *http.Request) {
	var analysis *catalog.FileAnalysis
	_, ok := s.readForm(w, r, func(name string, content io.Reader) *apiError {
		if e := checkFileName(name); e != nil {
			return e
		}
		a, err := importfile.Analyze(content, name, -1, fileOptions)
		if err != nil {
			return fileReadError(name, err)
		}
		analysis = a
		return nil
	})
	if ok {
		writeJSON(w, http.StatusOK, analysis)
	}
}

// handleUpload serves POST /api/b2b/pim/import: the file goes to a
// temporary file (the fake's CDN) as it is read, and a job is queued for
// the background worker.
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	var up fileUpload
	var size int64
	f, ok := s.readForm(w, r, func(name string, content io.Reader) *apiError {
		if e := checkFileName(name); e != nil {
			return e
		}
		tmp, err := os.CreateTemp("", "catalogtest-upload-*")
		if err != nil {
			return newAPIError(http.StatusInternalServerError, codeInternal, "storing the file: %v", err)
		}
		s.uploads.add(tmp.Name())
		up.path, up.name = tmp.Name(), name
		size, err = io.Copy(tmp, io.LimitReader(content, catalog.MaxFileBytes+1))
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		switch {
		case err != nil:
			return fileReadError(name, err)
		case size > catalog.MaxFileBytes:
			return fileTooLarge()
		}
		return nil
	})
	if !ok {
		if up.path != "" {
			s.uploads.remove(up.path)
		}
		return
	}
	job, e := s.queueUpload(f, &up, size)
	if e != nil {
		s.uploads.remove(up.path)
		writeAPIError(w, e)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"success": true, "job": toWireJob(job, s.cfg.jobCounters)})
}

// queueUpload checks the form's fields and queues the file's job.
func (s *Server) queueUpload(f *form, up *fileUpload, size int64) (catalog.Job, *apiError) {
	sourceID := f.fields["source_id"]
	if sourceID == "" {
		return catalog.Job{}, newAPIError(http.StatusBadRequest, codeValidation, "source_id is required")
	}
	var mapping map[string]string
	for _, key := range []string{"field_mappings", "mapping"} {
		raw, sent := f.fields[key]
		if !sent {
			continue
		}
		if err := json.Unmarshal([]byte(raw), &mapping); err != nil {
			return catalog.Job{}, newAPIError(http.StatusBadRequest, codeValidation, "%s must be a JSON object of strings: %v", key, err)
		}
		if err := checkMappings(key, mapping); err != nil {
			return catalog.Job{}, newAPIError(http.StatusBadRequest, codeValidation, "%s", err)
		}
		break
	}
	up.updateExisting = true // the platform's default
	if raw, sent := f.fields["update_existing"]; sent {
		v, err := strconv.ParseBool(raw)
		if err != nil {
			return catalog.Job{}, newAPIError(http.StatusBadRequest, codeValidation, "update_existing must be true or false, got %q", raw)
		}
		up.updateExisting = v
	}
	src, ok := s.source(sourceID)
	if !ok {
		return catalog.Job{}, sourceNotFound(sourceID)
	}
	if s.cfg.noCDN {
		return catalog.Job{}, newAPIError(http.StatusInternalServerError, codeInternal, "CDN is not configured for this tenant: file uploads need one")
	}
	up.mappings = maps.Clone(src.FieldMappings)
	if up.mappings == nil {
		up.mappings = make(map[string]string)
	}
	maps.Copy(up.mappings, mapping)
	src.FieldMappings = nil // applied by the file mapper, before the rows are stored
	req := &importRequest{source: src, file: up, mergeMode: catalog.MergeReplace}
	js := s.newJob(JobTypeFileImport, req)
	s.mu.Lock()
	js.FileName, js.FileSize = up.name, size
	js.FileURL = "https://cdn.catalogtest.invalid/pim-imports/" + url.PathEscape(js.ID) + "/" + url.PathEscape(up.name)
	job := js.snapshot()
	s.mu.Unlock()
	s.enqueue(js, req)
	return job, nil
}

// runFileImport imports an uploaded file's rows, in the worker: it counts
// them first (total_rows), then maps, converts and applies them one at a
// time, so that processed_rows moves as it goes. A row that does not
// convert or validate is a row error; a file that cannot be read past a
// row ends the job with the rows read so far applied.
func (s *Server) runFileImport(js *jobState, run *importRun, up *fileUpload) (catalog.Job, *importRun, int) {
	defer s.uploads.remove(up.path)
	total, readErr := countRows(up)
	s.mu.Lock()
	js.TotalRows = total
	s.jobsChanged.broadcast()
	s.mu.Unlock()

	fm := newFileMapper(up)
	var synced []string
	f, err := os.Open(up.path)
	if err != nil {
		readErr = err
	} else {
		defer f.Close()
		for row, err := range importfile.Rows(f, up.name, fileOptions) {
			var cellErr *importfile.CellError
			if err != nil && !errors.As(err, &cellErr) {
				break // counted by countRows
			}
			live := s.applyJobRow(js, &synced, func() rowResult {
				if err != nil {
					return fileRowFailure(cellErr.Line, "", nil, RowCodeValidation, cellErr.Error())
				}
				return s.applyFileRowLocked(run, fm, up, row)
			})
			if !live {
				break
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if readErr != nil && s.liveLocked(js) {
		line := 0
		var fe *catalog.FileFormatError
		if errors.As(readErr, &fe) {
			line = fe.Line
		}
		js.FailedRows++
		js.Errors = append(js.Errors, catalog.RowError{Row: line, Reason: readErr.Error(), RawData: marshalWire(nil), Code: RowCodeFile})
	}
	return s.finishJobLocked(js, run, synced)
}

// countRows counts the data rows of an upload, and returns the error that
// stops the reader, if any.
func countRows(up *fileUpload) (int, error) {
	f, err := os.Open(up.path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	for _, err := range importfile.Rows(f, up.name, fileOptions) {
		var cellErr *importfile.CellError
		if err != nil && !errors.As(err, &cellErr) {
			return n, err
		}
		n++
	}
	return n, nil
}

// fileMapper maps the rows of one upload to products with importfile's
// Mapper: the mappings name a column's field, and a column they do not
// name goes to the product field of its own name when there is one (a
// file with an "ean" column needs no mapping); other columns are dropped.
type fileMapper struct {
	mappings map[string]string
	fieldOK  map[string]bool               // column name -> is a product field
	mappers  map[string]*importfile.Mapper // by the row's columns
}

func newFileMapper(up *fileUpload) *fileMapper {
	return &fileMapper{mappings: up.mappings, fieldOK: make(map[string]bool), mappers: make(map[string]*importfile.Mapper)}
}

// mapper returns the mapper for a row's columns.
func (fm *fileMapper) mapper(row importfile.Row) (*importfile.Mapper, error) {
	cols := make([]string, len(row.Cells))
	for i, c := range row.Cells {
		cols[i] = c.Column
	}
	key := strings.Join(cols, "\x00")
	if m, ok := fm.mappers[key]; ok {
		return m, nil
	}
	fields := make(map[string]string, len(cols))
	for _, col := range cols {
		if to, ok := fm.mappings[col]; ok {
			fields[col] = to
			continue
		}
		ok, seen := fm.fieldOK[col]
		if !seen {
			_, err := importfile.NewMapper(importfile.Mapping{Fields: map[string]string{col: col}})
			ok = err == nil
			fm.fieldOK[col] = ok
		}
		if ok {
			fields[col] = col
		}
	}
	m, err := importfile.NewMapper(importfile.Mapping{Fields: fields, Unmapped: importfile.UnmappedDrop})
	if err != nil {
		return nil, err
	}
	fm.mappers[key] = m
	return m, nil
}

// applyFileRowLocked maps, converts, validates and applies one row of an
// upload; s.mu must be held. Row errors name the row's line.
func (s *Server) applyFileRowLocked(run *importRun, fm *fileMapper, up *fileUpload, row importfile.Row) rowResult {
	raw := rawRow(row)
	m, err := fm.mapper(row)
	if err != nil {
		return fileRowFailure(row.Line, "", raw, RowCodeValidation, err.Error())
	}
	p, err := m.Product(up.name, row)
	if err != nil {
		return fileRowFailure(row.Line, "", raw, RowCodeValidation, err.Error())
	}
	eans := make([]any, len(p.EAN))
	for i, ean := range p.EAN {
		eans[i] = ean
	}
	if problems := eanProblems(eans); len(problems) > 0 { // the rule of the JSON import too (applyRowLocked)
		r := fieldFailure(row.Line, p.EntityCode, raw, problems)
		r.err.Code = RowCodeValidation
		return r
	}
	if match, ok := s.productByEANLocked(p.EAN); ok {
		if !up.updateExisting {
			return fileRowFailure(row.Line, match, raw, RowCodeExists,
				fmt.Sprintf("a product with EAN %s exists (%s) and update_existing is false", strings.Join(p.EAN, ", "), match))
		}
		p.EntityCode = match // the row updates the product its EAN names
	}
	if p.EntityCode == "" && p.SKU == "" && len(p.EAN) > 0 {
		p.EntityCode = p.EAN[0]
	}
	code := p.EntityCode
	if code == "" {
		code = p.SKU
	}
	if code == "" {
		return fileRowFailure(row.Line, "", raw, RowCodeValidation, "entity_code, sku or ean is required")
	}
	if !up.updateExisting && len(s.products[code]) > 0 {
		return fileRowFailure(row.Line, code, raw, RowCodeExists,
			fmt.Sprintf("product %s exists and update_existing is false", code))
	}
	doc, err := normalizeObject(p)
	if err != nil {
		return fileRowFailure(row.Line, code, raw, RowCodeValidation, err.Error())
	}
	res := s.applyRowLocked(run, row.Line, doc)
	if res.err != nil {
		res.err.Code, res.err.RawData = RowCodeValidation, marshalWire(raw)
	}
	return res
}

// productByEANLocked finds the current product that lists one of eans:
// the least entity code of those that do, so that the match is the same
// on every run. The stored bytes of most products hold none of the EANs
// quoted (EANs are digits, valid by now, so their JSON text is the Go
// quoted form), so only the few that might are decoded.
func (s *Server) productByEANLocked(eans []string) (string, bool) {
	if len(eans) == 0 {
		return "", false
	}
	quoted := make([][]byte, len(eans))
	for i, e := range eans {
		quoted[i] = []byte(strconv.Quote(e))
	}
	var match string
	found := false
	for code, history := range s.products {
		if len(history) == 0 || (found && code >= match) {
			continue
		}
		cur := current(history)
		if !slices.ContainsFunc(quoted, func(q []byte) bool { return bytes.Contains(cur.data, q) }) {
			continue
		}
		list, _ := cur.dataMap()["ean"].([]any)
		if slices.ContainsFunc(list, func(v any) bool { ean, ok := v.(string); return ok && slices.Contains(eans, ean) }) {
			match, found = code, true
		}
	}
	return match, found
}

// rawRow is a row as its cells' texts, for raw_data.
func rawRow(row importfile.Row) map[string]any {
	out := make(map[string]any, len(row.Cells))
	for _, c := range row.Cells {
		out[c.Column] = c.Value
	}
	return out
}

func fileRowFailure(line int, code string, raw any, errCode, msg string) rowResult {
	r := rowFailure(line, code, raw, msg)
	r.err.Code = errCode
	return r
}

// isMultipart reports a multipart/form-data request.
func isMultipart(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "multipart/form-data"
}
