package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The fuzz targets below feed arbitrary bytes to every decoder of a server
// answer, through the same code the client runs on a real answer: first the
// decoder alone (decodeBody, newResponseError, Text, Product), then the
// client's whole request pipeline (go-retryablehttp, the client's transport,
// the status check and the decoding) with an http.RoundTripper that answers
// with the fuzz input. The client has no rate limit and no retries, so one
// input is one request and no execution sleeps.
//
//	go test -run '^$' -fuzz '^FuzzImportAnswer$' -fuzztime 20s .
//
// Some seeds are megabytes long; -fuzzminimizetime 5s keeps the fuzzer
// from spending a minute minimizing each new input derived from them.
//
// Two faults are seeds now, fixed: "Retry-After: 9227000000", which the
// fuzzer found (the seconds overflowed a time.Duration), and a 100 kB
// "error", a hand-written seed (Error() had no bound).

// fzBase is the base URL of the fuzz clients; nothing listens there, the
// RoundTripper answers.
const fzBase = "http://catalog.test"

// fzMaxErrorText bounds the text of an error built from a server's answer:
// a log line, not the body.
const fzMaxErrorText = 4 << 10

// fzAnswer is an http.RoundTripper that answers every request with one
// canned response and records what it was asked.
type fzAnswer struct {
	status int
	header http.Header
	body   io.Reader

	calls   int
	method  string
	path    string
	reqKey  string // the request's Idempotency-Key
	reqBody []byte
}

func (a *fzAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	a.calls++
	a.method, a.path, a.reqKey = r.Method, r.URL.Path, r.Header.Get("Idempotency-Key")
	if r.Body != nil {
		body, err := io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err != nil {
			return nil, err
		}
		a.reqBody = body
	}
	header := a.header
	if header == nil {
		header = http.Header{"Content-Type": {"application/json"}}
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", a.status, http.StatusText(a.status)),
		StatusCode:    a.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        header,
		Body:          io.NopCloser(a.body),
		ContentLength: -1,
		Request:       r,
	}, nil
}

// fzClient returns a client whose every request a answers.
func fzClient(t *testing.T, a *fzAnswer) *Client {
	t.Helper()
	c, err := NewClient(fzBase,
		WithLimiter(nil),
		WithRetries(0, time.Millisecond, time.Millisecond),
		WithHTTPClient(&http.Client{Transport: a}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fzOK answers 200 with body.
func fzOK(body []byte) *fzAnswer {
	return &fzAnswer{status: http.StatusOK, body: bytes.NewReader(body)}
}

// fzCountingReader counts the bytes read through it.
type fzCountingReader struct {
	r io.Reader
	n int64
}

func (c *fzCountingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// fzEndless is a body that never ends: a server streaming garbage.
type fzEndless struct{}

func (fzEndless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// fzErrorBody is body, followed by an endless stream when endless is set.
func fzErrorBody(body []byte, endless bool) *fzCountingReader {
	var r io.Reader = bytes.NewReader(body)
	if endless {
		r = io.MultiReader(r, fzEndless{})
	}
	return &fzCountingReader{r: r}
}

// fzAnswerFixtures are the server answers of the repository's fixtures.
var fzAnswerFixtures = []string{
	"direct_import_response.json",
	"queue_import_response.json",
	"queue_status_response.json",
	"csv_error_response.json",
}

// fzHostile are inputs no server should send and every decoder must survive.
func fzHostile() [][]byte {
	huge := make([]byte, 2<<20)
	for i := range huge {
		huge[i] = 'a'
	}
	seeds := []string{
		"",
		" ",
		"\x00",
		"null",
		"true",
		"0",
		"-0",
		"[]",
		"{}",
		"{}{}",
		"{} trailing",
		`"just a string"`,
		"\xef\xbb\xbf{}", // byte order mark
		"<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>",
		"<!DOCTYPE html>\n<html>\n  <body>Service temporarily unavailable.</body>\n</html>\n",
		strings.Repeat("[", 10_000),
		strings.Repeat("[", 10_000) + strings.Repeat("]", 10_000),
		strings.Repeat(`{"a":`, 10_000),
		strings.Repeat(`{"job":`, 10_000) + "1" + strings.Repeat("}", 10_000),
		"123456789012345678901234567890123456789012345678901234567890",
		"1e999999999",
		"-1e400",
		"\xff\xfe\xfd",
		"{\"\xff\":\"\xfe\"}",
		`"\ud800"`,
		`{"a":"\u0000"}`,
		`"` + string(huge) + `"`,
		string(huge),
	}
	out := make([][]byte, len(seeds))
	for i, s := range seeds {
		out[i] = []byte(s)
	}
	return out
}

// fzSeeds adds the fixtures, their truncations, the hostile inputs and
// extra to a one-argument target.
func fzSeeds(f *testing.F, extra ...string) {
	f.Helper()
	for _, name := range fzAnswerFixtures {
		raw := readFixture(f, name)
		f.Add(raw)
		f.Add(raw[:len(raw)/2])
		f.Add(raw[:len(raw)-2])
	}
	for _, s := range fzHostile() {
		f.Add(s)
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

// fzImportRows is the input of the import target: rows 1 (no identity)
// and 3 (repeats row 0) are rejected by the client, so the request holds
// rows 0, 2 and 4.
func fzImportRows() []Product {
	return []Product{
		{EntityCode: "A", Name: PlainText("first")},
		{Name: PlainText("no identity")},
		{EntityCode: "B", SKU: "B-1"},
		{EntityCode: "A", Name: PlainText("repeat")},
		{SKU: "C"},
	}
}

var (
	fzImportSent     = []int{0, 2, 4}
	fzImportRejected = []int{1, 3}
)

// fzWantRow is where the client must map a row of the request: the caller's
// index, or -1 for a row the request did not have.
func fzWantRow(sent []int, row int) int {
	if row < 0 || row >= len(sent) {
		return -1
	}
	return sent[row]
}

func FuzzImportAnswer(f *testing.F) {
	fzSeeds(f,
		`{"success":true,"job_id":"api_import_1","summary":{"total":3,"successful":1,"failed":2},"errors":[{"row":0,"entity_code":"A","error":"bad"},{"row":2,"error":"worse","raw_data":{"x":1}}],"message":"ok"}`,
		`{"errors":[{"row":-1},{"row":3},{"row":1},{"row":9223372036854775807},{"row":-9223372036854775808}]}`,
		`{"errors":[{"row":9223372036854775808}]}`,
		`{"errors":[{"row":1e3}]}`,
		`{"errors":[{"row":"1"}]}`,
		`{"errors":[null,{},{"row":null}]}`,
		`{"errors":{"row":1}}`,
		`{"summary":{"total":1e400}}`,
		`{"summary":{"duration_seconds":1e308,"failed":-5}}`,
		`{"debug":{"batch_metadata":{"batch_part":"x"}}}`,
		`{"debug":{"first_product_source":{"imported_at":"not a time"}}}`,
		`{"debug":{"first_product_source":{"imported_at":"9999-12-31T23:59:59.999999999-23:59"}},"errors":[{"row":0,"raw_data":[`+strings.Repeat("[", 100)+strings.Repeat("]", 100)+`]}]}`,
		`{"success":true,"errors":[{"row":0,"error":"\ud83d\ude00 \xff"}]}`,
	)
	f.Fuzz(func(t *testing.T, body []byte) {
		// The decoder alone, and the row mapping for a batch of a few rows.
		var direct ProductImportResult
		decErr := decodeBody(bytes.NewReader(body), &direct, http.MethodPost, importAPIPath, nil)
		if decErr == nil && !json.Valid(body) {
			t.Fatalf("decodeBody accepted invalid JSON %q", body)
		}
		if decErr != nil && decErr.Error() == "" {
			t.Fatal("decodeBody failed with an empty message")
		}
		b := &batch{sent: fzImportSent}
		for _, e := range direct.Errors {
			got := b.callerRow(e.Row)
			if got != -1 && !slices.Contains(b.sent, got) {
				t.Fatalf("callerRow(%d) = %d: neither -1 nor a caller index of %v", e.Row, got, b.sent)
			}
			if want := fzWantRow(b.sent, e.Row); got != want {
				t.Fatalf("callerRow(%d) = %d, want %d", e.Row, got, want)
			}
		}

		// The whole pipeline: Products.Import against an answer of body.
		a := fzOK(body)
		c := fzClient(t, a)
		res, err := c.Products.Import(t.Context(), "src", fzImportRows(), nil)
		if a.calls != 1 || a.method != http.MethodPost || a.path != importAPIPath {
			t.Fatalf("sent %d requests, the last %s %s; want one POST %s", a.calls, a.method, a.path, importAPIPath)
		}
		if a.reqKey == "" {
			t.Fatal("the import was sent without an Idempotency-Key")
		}
		var sent struct {
			Products []json.RawMessage `json:"products"`
		}
		if err := json.Unmarshal(a.reqBody, &sent); err != nil || len(sent.Products) != len(fzImportSent) {
			t.Fatalf("request body %q: %d products, err %v; want %d", a.reqBody, len(sent.Products), err, len(fzImportSent))
		}
		// An answer whose counts leave sent rows out is as unreadable as
		// one that does not decode.
		uncounted := decErr == nil && direct.Summary.Successful+direct.Summary.Failed != len(fzImportSent)
		if (err != nil) != (decErr != nil || uncounted) {
			t.Fatalf("Import error %v, decodeBody error %v, counts %+v of %d rows: they disagree", err, decErr, direct.Summary, len(fzImportSent))
		}
		if err != nil {
			// The request was sent and the answer is unreadable or leaves
			// rows out: the rows may have been applied. An unreadable
			// answer has no result; one that leaves rows out comes with
			// its result, whose listed rows failed.
			if !errors.Is(err, ErrOutcomeUnknown) || (res == nil) != (decErr != nil) {
				t.Fatalf("Import returned %+v, %v; want an error matching ErrOutcomeUnknown, with the result only when it decoded", res, err)
			}
			if res == nil {
				return
			}
		}
		if res.Replayed {
			t.Fatal("Replayed is set, but the answer has no Idempotent-Replayed header")
		}
		if len(res.Errors) != len(direct.Errors) {
			t.Fatalf("Import returned %d row errors, the answer has %d", len(res.Errors), len(direct.Errors))
		}
		for i, e := range res.Errors {
			if want := fzWantRow(fzImportSent, direct.Errors[i].Row); e.Row != want {
				t.Fatalf("row error %d: Row %d, want %d (the answer says row %d)", i, e.Row, want, direct.Errors[i].Row)
			}
		}
		var rejected []int
		for _, e := range res.Rejected {
			rejected = append(rejected, e.Row)
		}
		if !slices.Equal(rejected, fzImportRejected) {
			t.Fatalf("Rejected rows %v, want %v", rejected, fzImportRejected)
		}
	})
}

// fzJobSeeds are job answers built from the queue fixture's jobs.
func fzJobSeeds(f *testing.F) [][]byte {
	f.Helper()
	var q struct {
		Pending    []json.RawMessage `json:"pending_jobs"`
		Processing []json.RawMessage `json:"processing_jobs"`
	}
	if err := json.Unmarshal(readFixture(f, "queue_status_response.json"), &q); err != nil {
		f.Fatal(err)
	}
	var out [][]byte
	for _, j := range append(q.Pending, q.Processing...) {
		out = append(out, []byte(`{"job":`+string(j)+`}`))
	}
	return out
}

func FuzzJobAnswer(f *testing.F) {
	const id = "queue_import_1714142335123_m3p7q2"
	for _, s := range fzJobSeeds(f) {
		f.Add(s, id)
	}
	for _, name := range fzAnswerFixtures {
		f.Add(readFixture(f, name), id)
	}
	for _, s := range fzHostile() {
		f.Add(s, id)
	}
	for _, s := range []string{
		`{"job":{"job_id":"queue_import_1","job_type":"queue_import","source_id":"src","status":"completed_with_errors","merge_mode":"partial","total_rows":3,"processed_rows":3,"successful_rows":2,"failed_rows":1,"created_rows":1,"updated_rows":1,"auto_published":2,"import_errors":[{"row":2,"entity_code":"C","error":"entity_code or sku is required","raw_data":{"name":"x"}}],"batch_id":"b","batch_part":1,"batch_total_parts":2,"batch_total_items":6,"file_size":123,"created_at":"2026-04-24T12:58:55.123Z","started_at":"2026-04-24T12:58:56.000Z","completed_at":"2026-04-24T12:58:57.500Z"}}`,
		`{"job":null}`,
		`{"job":{}}`,
		`{"job":{"job_id":""}}`,
		`{"job":{"job_id":null}}`,
		`{"job":{"job_id":1}}`,
		`{"job":[]}`,
		`{"job":"queue_import_1"}`,
		`{"job":{"job_id":"x","status":"failed","import_errors":null}}`,
		`{"job":{"job_id":"x","total_rows":1e400}}`,
		`{"job":{"job_id":"x","file_size":-9223372036854775808}}`,
		`{"job":{"job_id":"x","created_at":"0000-01-01T00:00:00+23:59"}}`,
		`{"job":{"job_id":"x","created_at":"2026-04-24"}}`,
		`{"job":{"job_id":"x"},"job":null}`,
		`{"job":{"job_id":"\u0000"}}`,
		`{"JOB":{"JOB_ID":"x"}}`,
	} {
		f.Add([]byte(s), id)
	}
	f.Add([]byte(`{"job":{"job_id":"x"}}`), "")
	f.Add([]byte(`{"job":{"job_id":"x"}}`), "../../import/queue")
	f.Add([]byte(`{"job":{"job_id":"x"}}`), "a/b?c#d %zz \xff")
	f.Fuzz(func(t *testing.T, body []byte, jobID string) {
		var direct struct {
			Job *Job `json:"job"`
		}
		decErr := decodeBody(bytes.NewReader(body), &direct, http.MethodGet, "/api/b2b/pim/jobs/x", nil)
		if decErr == nil && !json.Valid(body) {
			t.Fatalf("decodeBody accepted invalid JSON %q", body)
		}

		a := fzOK(body)
		c := fzClient(t, a)
		job, err := c.Jobs.Get(t.Context(), jobID)
		if jobID == "" {
			if !errors.Is(err, ErrValidation) || job != nil || a.calls != 0 {
				t.Fatalf("empty job id: got %v, %v after %d requests; want a validation error and no request", job, err, a.calls)
			}
			return
		}
		if wantPath := "/api/b2b/pim/jobs/" + jobID; a.calls != 1 || a.method != http.MethodGet || a.path != wantPath {
			t.Fatalf("sent %d requests, the last %s %q; want one GET %q", a.calls, a.method, a.path, wantPath)
		}
		wantOK := decErr == nil && direct.Job != nil && direct.Job.ID != ""
		switch {
		case err != nil && job != nil:
			t.Fatalf("Get returned both %+v and %v", job, err)
		case err == nil && (job == nil || job.ID == ""):
			t.Fatalf("Get returned %+v without an error: want a job with an id", job)
		case (err == nil) != wantOK:
			t.Fatalf("Get error %v; decoding alone gives %+v, %v", err, direct.Job, decErr)
		case err == nil && (job.ID != direct.Job.ID || job.Status != direct.Job.Status || len(job.Errors) != len(direct.Job.Errors)):
			t.Fatalf("Get returned %+v, decoding alone gives %+v", job, direct.Job)
		case err != nil && err.Error() == "":
			t.Fatal("Get failed with an empty message")
		}
	})
}

func FuzzQueueStatusAnswer(f *testing.F) {
	fzSeeds(f,
		`{"queue_stats":null,"pending_jobs":null,"processing_jobs":null}`,
		`{"queue_stats":{"waiting":-1,"active":1e400}}`,
		`{"queue_stats":{"waiting":"2"}}`,
		`{"queue_stats":[]}`,
		`{"pending_jobs":[null,{},{"job_id":1}]}`,
		`{"pending_jobs":{"job_id":"x"}}`,
		`{"processing_jobs":[{"job_id":"x","started_at":"yesterday"}]}`,
		`{"processing_jobs":[{"job_id":"x","import_errors":[{"row":"0"}]}]}`,
		`{"pending_jobs":[`+strings.Repeat(`{"job_id":"q","status":"pending"},`, 200)+`{}]}`,
	)
	f.Fuzz(func(t *testing.T, body []byte) {
		var wire wireQueueStatus
		decErr := decodeBody(bytes.NewReader(body), &wire, http.MethodGet, queuePath, nil)
		direct := wire.status()
		if decErr == nil && !json.Valid(body) {
			t.Fatalf("decodeBody accepted invalid JSON %q", body)
		}

		a := fzOK(body)
		c := fzClient(t, a)
		st, err := c.Jobs.QueueStatus(t.Context())
		if a.calls != 1 || a.method != http.MethodGet || a.path != queuePath {
			t.Fatalf("sent %d requests, the last %s %s; want one GET %s", a.calls, a.method, a.path, queuePath)
		}
		switch {
		case (err != nil) != (decErr != nil):
			t.Fatalf("Queue error %v, decodeBody error %v: they disagree", err, decErr)
		case err != nil && st != nil:
			t.Fatalf("Queue returned both %+v and %v", st, err)
		case err != nil && err.Error() == "":
			t.Fatal("Queue failed with an empty message")
		case err == nil && st == nil:
			t.Fatal("Queue returned neither a status nor an error")
		case err == nil && (len(st.PendingJobs) != len(direct.PendingJobs) || len(st.ProcessingJobs) != len(direct.ProcessingJobs) ||
			st.Live != direct.Live || [4]int{st.Waiting, st.Active, st.Completed, st.Failed} != [4]int{direct.Waiting, direct.Active, direct.Completed, direct.Failed}):
			t.Fatalf("Queue returned %+v, decoding alone gives %+v", st, direct)
		}
	})
}

// fzSentinels are the sentinels an *APIError may match.
var fzSentinels = []error{ErrValidation, ErrUnauthorized, ErrForbidden, ErrNotFound, ErrTooLarge, ErrRateLimited, ErrServer, ErrJobFailed}

// fzStatusSentinels names the one sentinel an answer with each status
// below 500 matches; a status missing here matches none.
var fzStatusSentinels = map[int]error{
	http.StatusBadRequest:            ErrValidation,
	http.StatusUnauthorized:          ErrUnauthorized,
	http.StatusForbidden:             ErrForbidden,
	http.StatusNotFound:              ErrNotFound,
	http.StatusRequestEntityTooLarge: ErrTooLarge,
	http.StatusTooManyRequests:       ErrRateLimited,
}

// fzSentinelFor is the one sentinel an answer with this status matches, or
// nil: ErrServer from 500 up, else fzStatusSentinels'.
func fzSentinelFor(status int) error {
	if status >= 500 {
		return ErrServer
	}
	return fzStatusSentinels[status]
}

// fzCheckAnswerError checks the error made of an answer with this status.
func fzCheckAnswerError(t *testing.T, err error, status int) *APIError {
	t.Helper()
	apiErr, ok := err.(*APIError)
	if !ok {
		t.Fatalf("a %d gave %T (%v), want *APIError", status, err, err)
	}
	if apiErr.RetryAfter < 0 {
		t.Fatalf("RetryAfter = %s, want >= 0", apiErr.RetryAfter)
	}
	if status == http.StatusTooManyRequests && !errors.Is(err, ErrRateLimited) {
		t.Fatalf("a 429 does not match ErrRateLimited: %v", err)
	}
	if apiErr.StatusCode != status {
		t.Fatalf("StatusCode = %d, want %d", apiErr.StatusCode, status)
	}
	want := fzSentinelFor(status)
	for _, s := range fzSentinels {
		if got := errors.Is(err, s); got != (s == want) {
			t.Fatalf("status %d: errors.Is(err, %q) = %t, want %t", status, s, got, !got)
		}
	}
	msg := err.Error()
	if msg == "" || len(msg) > fzMaxErrorText {
		t.Fatalf("Error() is %d bytes, want 1 to %d: %.300q...", len(msg), fzMaxErrorText, msg)
	}
	if !strings.Contains(msg, strconv.Itoa(status)) {
		t.Fatalf("Error() %.300q does not give the status %d", msg, status)
	}
	return apiErr
}

func FuzzErrorAnswer(f *testing.F) {
	type seed struct {
		status     uint16
		body       string
		retryAfter string
		endless    bool
	}
	csv := string(readFixture(f, "csv_error_response.json"))
	huge := strings.Repeat("a", 2<<20)
	for _, s := range []seed{
		{400, csv, "", false},
		{400, csv[:len(csv)/2], "", false},
		{401, `{"error":"unauthenticated","code":"UNAUTHENTICATED"}`, "", false},
		{403, `{"error":"this credential lacks the 'import' permission","code":"FORBIDDEN"}`, "", false},
		{404, `{"error":"job not found","code":"JOB_NOT_FOUND"}`, "", false},
		{405, `{"message":"method not allowed"}`, "", false},
		{413, `{"error":"request body over 35000000 bytes","code":"PAYLOAD_TOO_LARGE","hint":"split the import"}`, "", false},
		{429, `{"error":"rate limited"}`, "30", false},
		{429, "", "Wed, 21 Oct 2015 07:28:00 GMT", false},
		{429, "", "Fri, 31 Dec 9999 23:59:59 GMT", false},
		{429, "", "-1", false},
		{429, "", "9223372036", false},
		{429, "", "99999999999999999999", false},
		{429, "", " 0 ", false},
		{500, "", "", false},
		{500, `{"error":{"nested":["x",1,null]},"details":[1,2,{"a":"b"}],"technicalDetails":{"code":5}}`, "", false},
		{500, `{"technicalDetails":{"code":"DB_DOWN","stack":["a","b"]}}`, "", false},
		{500, `{"error":null,"message":"m","details":null,"technicalDetails":null}`, "", false},
		{500, `{"details":"` + strings.Repeat(`\"`, 50) + `"}`, "", false},
		{502, "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", "", false},
		{503, "upstream connect error or disconnect/reset before headers", "5", false},
		{504, "\xff\xfe\xfd", "", false},
		{599, strings.Repeat("[", 10_000), "", false},
		{507, `"` + huge + `"`, "", false},
		{500, huge, "", false},
		{500, `{"error":"endless`, "", true},
		{429, "", "1", true},
		{429, "", "9227000000", false},
		{400, `{"error":"` + strings.Repeat("é", 50_000) + `","code":"` + strings.Repeat("C", 100_000) + `"}`, "", false},
	} {
		f.Add(s.status-400, []byte(s.body), s.retryAfter, s.endless)
	}
	for _, s := range fzHostile() {
		f.Add(uint16(100), s, "", false)
	}
	f.Fuzz(func(t *testing.T, code uint16, body []byte, retryAfter string, endless bool) {
		status := 400 + int(code)%200
		header := http.Header{"Content-Type": {"application/json"}}
		if retryAfter != "" {
			header["Retry-After"] = []string{retryAfter}
		}
		const path = "/api/b2b/pim/jobs/job-1"

		// newResponseError alone, reading through a counting reader.
		cr := fzErrorBody(body, endless)
		resp := &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(cr)}
		_, direct := newResponseError(http.MethodGet, path, resp, time.Now(), nil)
		if cr.n > maxErrorBody {
			t.Fatalf("read %d bytes of the error answer, past the %d-byte cap", cr.n, maxErrorBody)
		}
		d := fzCheckAnswerError(t, direct, status)

		// The whole pipeline: Jobs.Get against the same answer.
		cr = fzErrorBody(body, endless)
		a := &fzAnswer{status: status, header: header, body: cr}
		c := fzClient(t, a)
		job, err := c.Jobs.Get(t.Context(), "job-1")
		if cr.n > maxErrorBody {
			t.Fatalf("the client read %d bytes of the error answer, past the %d-byte cap", cr.n, maxErrorBody)
		}
		if a.calls != 1 {
			t.Fatalf("sent %d requests, want 1", a.calls)
		}
		if job != nil {
			t.Fatalf("a %d answer gave a job: %+v", status, job)
		}
		p := fzCheckAnswerError(t, err, status)
		if p.Method != d.Method || p.Path != d.Path || p.Code != d.Code || p.Message != d.Message ||
			p.Details != d.Details || p.Hint != d.Hint || !reflect.DeepEqual(p.TechnicalDetails, d.TechnicalDetails) {
			t.Fatalf("the client's error %#v differs from newResponseError's %#v", p, d)
		}
	})
}

func FuzzText(f *testing.F) {
	for _, s := range []string{
		`"Brass ball valve"`,
		`""`,
		`{"en":"Brass ball valve","it":"Valvola a sfera"}`,
		`{}`,
		`null`,
		` "padded" `,
		"\t{\"en\":\"x\"}\n",
		`{"en":"a","en":"b"}`,
		`{"en":1}`,
		`{"en":null}`,
		`{"en":{"nested":"x"}}`,
		`["en","x"]`,
		`"<b>&amp;</b>"`,
		`"\u2028\u2029"`,
		`"\ud800"`,
		"\"\xff\"",
		"{\"\xff\":\"\xfe\"}",
		"\u00a0\"nbsp\"",
		`"unterminated`,
		`{"en":"x"`,
		`"a" "b"`,
	} {
		f.Add([]byte(s))
	}
	for _, s := range fzHostile() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var t1 Text
		err := t1.UnmarshalJSON(data)
		if json.Valid(data) {
			// encoding/json hands UnmarshalJSON the same value: it must
			// agree with the direct call.
			var viaJSON Text
			jsonErr := json.Unmarshal(data, &viaJSON)
			if (err == nil) != (jsonErr == nil) || (err == nil && !reflect.DeepEqual(t1, viaJSON)) {
				t.Fatalf("UnmarshalJSON: %#v, %v; json.Unmarshal: %#v, %v", t1, err, viaJSON, jsonErr)
			}
		}
		if err != nil {
			return
		}
		enc, err := t1.MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON of %#v: %v", t1, err)
		}
		if !json.Valid(enc) {
			t.Fatalf("MarshalJSON of %#v gave invalid JSON %q", t1, enc)
		}
		var t2 Text
		if err := t2.UnmarshalJSON(enc); err != nil {
			t.Fatalf("UnmarshalJSON(%q), of MarshalJSON's output: %v", enc, err)
		}
		if !reflect.DeepEqual(t1, t2) || isLocalized(&t1) != isLocalized(&t2) {
			t.Fatalf("round trip changed the value: %#v -> %q -> %#v", t1, enc, t2)
		}
		enc2, err := t2.MarshalJSON()
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("second encoding %q, %v; first %q", enc2, err, enc)
		}
	})
}

// fzProductSeeds are the products of the request fixtures.
func fzProductSeeds(f *testing.F) [][]byte {
	f.Helper()
	var out [][]byte
	for _, name := range []string{"full_payload.json", "direct_import_request.json", "queue_import_request.json"} {
		var req struct {
			Products []json.RawMessage `json:"products"`
		}
		if err := json.Unmarshal(readFixture(f, name), &req); err != nil {
			f.Fatal(err)
		}
		for _, p := range req.Products {
			out = append(out, p)
		}
	}
	return out
}

// fzJSONValue decodes JSON into a generic value, numbers kept as text.
func fzJSONValue(t *testing.T, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decoding %q: %v", data, err)
	}
	return v
}

func FuzzProductDecode(f *testing.F) {
	for _, p := range fzProductSeeds(f) {
		f.Add(p)
		f.Add(p[:len(p)/2])
	}
	for _, s := range fzHostile() {
		f.Add(s)
	}
	for _, s := range []string{
		`{"entity_code":"A","brand":""}`,
		`{"entity_code":"A","brand":"acme","parent_product":{"brand":{"label":"x"}}}`,
		`{"entity_code":"A","brand":{"label":"x","hierarchy":[{"level":0}]}}`,
		`{"entity_code":"A","brand":1}`,
		`{"entity_code":"A","item_creation_date":"0001-01-01T00:00:00Z"}`,
		`{"entity_code":"A","item_creation_date":"2026-04-24T12:58:55.123+02:00"}`,
		`{"entity_code":"A","item_creation_date":"9999-12-31T23:59:59.999999999-23:59"}`,
		`{"entity_code":"A","name":null,"images":[],"attributes":{},"channels":null}`,
		`{"entity_code":"A","name":{"en":1}}`,
		`{"entity_code":"A","name":{}}`,
		`{"sku":"S","price":-1,"pricing":{"list":-0,"sale":1e308}}`,
		`{"entity_code":"A","price":1e-400}`,
		`{"entity_code":"A","quantity":123456789012345678901234567890}`,
		`{"entity_code":"A","meta":[{"key":"k","value":12345678901234567890},{"value":null},{"value":[1,{"a":null}]}]}`,
		`{"entity_code":"A","sibling_variants":[{"variant_attributes":{"color":"red","size":[1,2,{"x":null}]}}]}`,
		`{"entity_code":"A","attributes":{"en":[{"key":"k","value":"v"}],"it":null}}`,
		`{"entity_code":"A","technical_specifications":{"en":[{"value":1.5,"uom":"bar"}]}}`,
		`{"entity_code":"A","packaging_options":[{"pricing":{"sale_unit":-3},"promotions":[{}]}]}`,
		`{"entity_code":"A","promotions":[{},null]}`,
		`{"entity_code":"A","category":{},"channel_categories":[{"category":null}]}`,
		"{\"entity_code\":\"\xff\",\"name\":\"\xfe\"}",
		`{"entity_code":"<&>","description":"<script>"}`,
		`{"entity_code":"A","entity_code":"B"}`,
		`{"ENTITY_CODE":"A","Name":"x"}`,
	} {
		f.Add([]byte(s))
	}
	client, err := NewClient(fzBase, WithLimiter(nil))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var p Product
		if err := json.Unmarshal(data, &p); err != nil {
			return
		}
		enc, err := encodeJSON(&p)
		if err != nil {
			t.Fatalf("re-encoding the product decoded from %q: %v", data, err)
		}
		var p2 Product
		if err := json.Unmarshal(enc, &p2); err != nil {
			t.Fatalf("decoding the re-encoded product %q: %v", enc, err)
		}
		enc2, err := encodeJSON(&p2)
		if err != nil {
			t.Fatalf("re-encoding %q a second time: %v", enc, err)
		}
		if v1, v2 := fzJSONValue(t, enc), fzJSONValue(t, enc2); !reflect.DeepEqual(v1, v2) {
			t.Fatalf("the round trip changed the product:\nfirst  %s\nsecond %s", enc, enc2)
		}

		// What the client does with the row: validate it and splice its
		// encoding into a request body, which must be JSON holding it.
		b, err := client.Products.prepare("src", []Product{p}, nil)
		if err != nil {
			t.Fatalf("prepare refused a request of one row: %v", err)
		}
		if len(b.sent)+len(b.rejected) != 1 {
			t.Fatalf("prepare accounted for %d sent and %d rejected rows, want 1 in all", len(b.sent), len(b.rejected))
		}
		if len(b.rejected) == 1 {
			if p.EntityCode != "" || p.SKU != "" {
				if b.rejected[0].Field == "entity_code" {
					t.Fatalf("a row with entity_code %q, sku %q was rejected for its identity", p.EntityCode, p.SKU)
				}
			}
			return
		}
		var req struct {
			SourceID string            `json:"source_id"`
			Products []json.RawMessage `json:"products"`
		}
		if err := json.Unmarshal(b.body, &req); err != nil {
			t.Fatalf("the request body %q is not JSON: %v", b.body, err)
		}
		if req.SourceID != "src" || len(req.Products) != 1 || !bytes.Equal(req.Products[0], enc) {
			t.Fatalf("the request body %q does not hold the product %q", b.body, enc)
		}
	})
}

func FuzzQueuedImportAnswer(f *testing.F) {
	fzSeeds(f,
		`{"success":true,"job_id":"queue_import_1","status":"queued","summary":{"products_queued":3,"source_id":"src","batch_metadata":null}}`,
		`{"success":true,"job_id":""}`,
		`{"success":true,"job_id":null}`,
		`{"job_id":1}`,
		`{"job_id":"q","summary":{"products_queued":1e400}}`,
		`{"job_id":"q","summary":{"batch_metadata":{"batch_part":-1,"batch_total_items":"x"}}}`,
		`{"job_id":"q","status":{"nested":true}}`,
	)
	f.Fuzz(func(t *testing.T, body []byte) {
		var direct queuedWire
		decErr := decodeBody(bytes.NewReader(body), &direct, http.MethodPost, queuePath, nil)
		if decErr == nil && !json.Valid(body) {
			t.Fatalf("decodeBody accepted invalid JSON %q", body)
		}

		a := &fzAnswer{status: http.StatusAccepted, body: bytes.NewReader(body)}
		c := fzClient(t, a)
		res, err := c.Products.Queue(t.Context(), "src", fzImportRows(), nil)
		if a.calls != 1 || a.method != http.MethodPost || a.path != queuePath || a.reqKey == "" {
			t.Fatalf("sent %d requests, the last %s %s with Idempotency-Key %q; want one POST %s with a key", a.calls, a.method, a.path, a.reqKey, queuePath)
		}
		wantOK := decErr == nil && direct.JobID != ""
		switch {
		case err != nil && res != nil:
			t.Fatalf("Queue returned both %+v and %v", res, err)
		case (err == nil) != wantOK:
			t.Fatalf("Queue error %v; decoding alone gives %+v, %v", err, direct, decErr)
		case decErr != nil && !errors.Is(err, ErrOutcomeUnknown):
			// The batch was sent and the answer is unreadable: it may
			// have been queued.
			t.Fatalf("an unreadable answer gave %v, want an error matching ErrOutcomeUnknown", err)
		case err != nil && err.Error() == "":
			t.Fatal("Queue failed with an empty message")
		case err == nil && (res.JobID != direct.JobID || res.Replayed):
			t.Fatalf("Queue returned %+v, decoding alone gives %+v", res, direct)
		}
		if err != nil {
			return
		}
		var rejected []int
		for _, e := range res.Rejected {
			rejected = append(rejected, e.Row)
		}
		if !slices.Equal(rejected, fzImportRejected) {
			t.Fatalf("Rejected rows %v, want %v", rejected, fzImportRejected)
		}
	})
}

func FuzzSourceAnswer(f *testing.F) {
	fzSeeds(f,
		`{"source":{"source_id":"erp","source_name":"ERP","field_mappings":{"Prix":"pricing.list"},"locked_fields":["name"],"auto_publish_enabled":true,"min_score_threshold":80,"required_fields":["name","pricing.list"],"created_at":"2026-04-24T12:58:55.123Z"}}`,
		`{"source":null}`,
		`{"source":{}}`,
		`{"source":[]}`,
		`{"source":{"source_id":"erp","field_mappings":{"a":1}}}`,
		`{"source":{"source_id":"erp","min_score_threshold":1e400}}`,
		`{"source":{"source_id":"erp","created_at":"now"}}`,
	)
	f.Fuzz(func(t *testing.T, body []byte) {
		const path = "/api/b2b/pim/sources"
		var direct struct {
			Source *Source `json:"source"`
		}
		decErr := decodeBody(bytes.NewReader(body), &direct, http.MethodPost, path, nil)
		if decErr == nil && !json.Valid(body) {
			t.Fatalf("decodeBody accepted invalid JSON %q", body)
		}

		a := &fzAnswer{status: http.StatusCreated, body: bytes.NewReader(body)}
		c := fzClient(t, a)
		src, err := c.Sources.Create(t.Context(), &Source{ID: "erp", FieldMappings: map[string]string{"Prix": "pricing.list"}})
		if a.calls != 1 || a.method != http.MethodPost || a.path != path {
			t.Fatalf("sent %d requests, the last %s %s; want one POST %s", a.calls, a.method, a.path, path)
		}
		wantOK := decErr == nil && direct.Source != nil && direct.Source.ID != ""
		switch {
		case err != nil && src != nil:
			t.Fatalf("Sources.Create returned both %+v and %v", src, err)
		case (err == nil) != wantOK:
			t.Fatalf("Sources.Create error %v; decoding alone gives %+v, %v", err, direct.Source, decErr)
		case decErr != nil && !errors.Is(err, ErrOutcomeUnknown):
			t.Fatalf("an unreadable answer gave %v, want an error matching ErrOutcomeUnknown", err)
		case err != nil && err.Error() == "":
			t.Fatal("Sources.Create failed with an empty message")
		case err == nil && (src.ID != direct.Source.ID || !reflect.DeepEqual(src.FieldMappings, direct.Source.FieldMappings)):
			t.Fatalf("Sources.Create returned %+v, decoding alone gives %+v", src, direct.Source)
		}
	})
}
