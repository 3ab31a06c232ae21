package catalog

import (
	"context"
	"encoding/json"
	"iter"
	"net/url"
	"strconv"
)

// MaxErrorsPerPage is the largest page of row errors the server gives.
const MaxErrorsPerPage = 100

// JobErrorsOptions tune JobsService.Errors. A nil *JobErrorsOptions means
// the defaults.
type JobErrorsOptions struct {
	// PerPage is the number of row errors asked for per request, 1 to
	// MaxErrorsPerPage; 0 leaves it to the server (20).
	PerPage int
	// Page is the first page to read, counted from 1; 0 means 1.
	Page int
}

// wireRowError is a row error as the errors endpoint gives it: error is a
// code such as validation_error and message the text; a server that gives
// no message has put the text in error.
type wireRowError struct {
	Row        int             `json:"row"`
	EntityCode string          `json:"entity_code"`
	Error      string          `json:"error"`
	Message    string          `json:"message"`
	RawData    json.RawMessage `json:"raw_data"`
}

func (w wireRowError) rowError() RowError {
	e := RowError{Row: w.Row, EntityCode: w.EntityCode, Reason: w.Error, RawData: w.RawData}
	if w.Message != "" {
		e.Code, e.Reason = w.Error, w.Message
	}
	return e
}

// Errors returns the row errors of a job, fetching a page at a time as the
// loop asks for more. For a file upload, RowError.Row is the row's line in
// the file (1-based, the CSV header being line 1; the row number of the
// sheet for XLSX); for a JSON import, the row's 0-based index in the
// request. Code is the server's code, such as "validation_error", and
// Reason its message. A failed page ends the sequence with its error.
//
//	for rowErr, err := range client.Jobs.Errors(ctx, job.ID, nil) {
//		if err != nil {
//			return err
//		}
//		fmt.Printf("line %d: %s\n", rowErr.Row, rowErr.Reason)
//	}
//
// GET /api/b2b/pim/jobs/{jobId}/errors (operation listJobErrors in api/openapi.yaml)
func (s *JobsService) Errors(ctx context.Context, jobID string, opts *JobErrorsOptions) iter.Seq2[RowError, error] {
	var o JobErrorsOptions
	if opts != nil {
		o = *opts
	}
	return func(yield func(RowError, error) bool) {
		if jobID == "" {
			yield(RowError{}, &ValidationError{Field: "job_id", Reason: "required"})
			return
		}
		if o.PerPage < 0 || o.PerPage > MaxErrorsPerPage {
			yield(RowError{}, &ValidationError{Field: "per_page", Reason: "must be between 1 and " + strconv.Itoa(MaxErrorsPerPage)})
			return
		}
		path := "/api/b2b/pim/jobs/" + url.PathEscape(jobID) + "/errors"
		for w, err := range listPages[wireRowError](ctx, s.client, path, nil, o.Page, o.PerPage) {
			if err != nil {
				yield(RowError{}, err)
				return
			}
			if !yield(w.rowError(), nil) {
				return
			}
		}
	}
}

// allErrors returns every row error of a job whose answer listed only
// some: a direct import's answer names the first 100, and a job answer may
// list only the first ones too. When listed names fewer rows than failed,
// the paged errors endpoint is read to the end, so that the rows it names
// fail and the others succeed rather than all turning unknown. If that
// read fails, the errors listed are all there is.
func (s *JobsService) allErrors(ctx context.Context, jobID string, listed []RowError, failed int) []RowError {
	if len(listed) >= failed || jobID == "" {
		return listed
	}
	var all []RowError
	for e, err := range s.Errors(ctx, jobID, &JobErrorsOptions{PerPage: MaxErrorsPerPage}) {
		if err != nil {
			return listed
		}
		all = append(all, e)
	}
	if len(all) < len(listed) {
		return listed
	}
	return all
}
