package contract

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// multipartRequest builds a multipart request with a file part of size
// bytes and the given text fields.
func multipartRequest(t *testing.T, path string, size int, fields map[string]string) *http.Request {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, err := mw.CreateFormFile("file", "products.csv")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(fw, io.LimitReader(repeatReader('x'), int64(size)))
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	_ = mw.Close()
	r := request("POST", path, b.Bytes())
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

type repeatReader byte

func (c repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(c)
	}
	return len(p), nil
}

// The seeds' examples of the file endpoints pass: seed 004's analysis,
// upload answer and CSV error, seed 003's page of row errors.
func TestFileAnswersPass(t *testing.T) {
	wantPass(t, []sampleAnswer{
		{"POST", "/api/b2b/pim/import/analyze", 200, `{"fileName":"products.csv","fileSize":18423,"fileType":"csv","totalRows":15,
			"columns":[{"name":"sku","type":"string","sampleValues":["SKU-0001","SKU-0002","SKU-0003"],"totalValues":15,"uniqueCount":15,"emptyCount":0},
			{"name":"price","type":"number","sampleValues":["12.5","8.9","42"],"totalValues":14,"uniqueCount":14,"emptyCount":1}],
			"previewRows":[{"sku":"SKU-0001","name":"Brass valve","price":"12.5"},{"sku":"SKU-0002","name":"Copper elbow","price":"8.9"}]}`, ""},
		{"POST", "/api/b2b/pim/import/analyze", 400, `{"error":"CSV Format Error","details":"Your CSV file has inconsistent columns at line 42.",
			"hint":"Common fixes: ...","technicalDetails":{"code":"CSV_INCONSISTENT_RECORD_LENGTH","line":42,"column":7}}`, ""},
		{"POST", "/api/b2b/pim/import", 202, `{"job":{"job_id":"import_1714142335123_a4f9k2","source_id":"supplier-weekly-feed","file_name":"products.xlsx",
			"file_size":842517,"file_url":"https://cdn.vendereincloud.com/vinc-acme/pim-imports/products.xlsx","status":"pending","created_at":"2026-04-24T12:58:55.123Z"}}`, ""},
		{"POST", "/api/b2b/pim/import", 500, `{"success":false,"error":"CDN is not configured for this tenant","code":"INTERNAL_ERROR"}`, ""},
		{"GET", "/api/b2b/pim/jobs/imp_01/errors?page=1&per_page=20", 200, `{"data":[{"row":42,"ean":"invalid-ean","error":"validation_error","message":"Invalid EAN format."}],
			"meta":{"page":1,"per_page":20,"total":5}}`, ""},
	})
}

func TestFileAnswerMismatchesAreReported(t *testing.T) {
	wantReported(t, []sampleAnswer{
		{"POST", "/api/b2b/pim/import/analyze", 200, `{"fileName":"a.csv","fileSize":1,"fileType":"csv","totalRows":16,"columns":[],"previewRows":[]}`, "totalRows"},
		{"POST", "/api/b2b/pim/import", 202, `{"job":{"job_id":"queue_import_1","source_id":"s","file_name":"a.csv","file_size":1,"file_url":"u","status":"pending"}}`, "job_id"},
		{"GET", "/api/b2b/pim/jobs/j/errors", 200, `{"data":[{"row":1,"error":"validation_error"}]}`, "meta"},
		{"GET", "/api/b2b/pim/jobs/j/errors", 200, `{"data":[{"row":1}],"meta":{"page":1,"per_page":20,"total":1}}`, "error"},
	})
	if err := validator(t).CheckRequest(request("GET", "/api/b2b/pim/jobs/j/errors?per_page=500", nil), nil); err == nil {
		t.Error("per_page=500: not reported")
	}
}

// kin-openapi decodes multipart bodies: the fields are checked, and a
// missing source_id is reported.
func TestMultipartRequestsAreChecked(t *testing.T) {
	v := validator(t)
	ok := multipartRequest(t, "/api/b2b/pim/import", 100, map[string]string{"source_id": "erp", "update_existing": "false", "field_mappings": `{"EAN":"ean"}`})
	body, _ := io.ReadAll(ok.Body)
	if err := v.CheckRequest(ok, body); err != nil {
		t.Errorf("a valid upload: %v", Describe(err))
	}
	for name, fields := range map[string]map[string]string{
		"no source_id":                {},
		"update_existing not boolean": {"source_id": "erp", "update_existing": "sometimes"},
		"a field the contract lacks":  {"source_id": "erp", "format": "csv"},
	} {
		r := multipartRequest(t, "/api/b2b/pim/import", 100, fields)
		body, _ := io.ReadAll(r.Body)
		if err := v.CheckRequest(r, body); err == nil {
			t.Errorf("%s: not reported", name)
		}
	}
}

// The middleware keeps only the start of a file part, yet checks the
// other fields of a large upload, and the handler reads the body as sent.
func TestMiddlewareSqueezesFileParts(t *testing.T) {
	const size = 2 << 20
	var read int
	h := func(w http.ResponseWriter, r *http.Request) {
		b, _ := readAll(r)
		read = len(b)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"job":{"job_id":"import_1","source_id":"erp","file_name":"products.csv","file_size":1,"file_url":"u","status":"pending"}}`))
	}
	r := multipartRequest(t, "/api/b2b/pim/import", size, map[string]string{"source_id": "erp"})
	r.Header.Set("User-Agent", sdkAgent+"test")
	if reports := serve(t, h, r); len(reports) != 0 {
		t.Errorf("a valid upload of %d bytes: %v", size, reports)
	}
	if read < size {
		t.Errorf("handler read %d bytes, want the whole body (over %d)", read, size)
	}
	bad := multipartRequest(t, "/api/b2b/pim/import", size, map[string]string{"update_existing": "true"})
	reports := serve(t, h, bad)
	if len(reports) != 1 || !strings.Contains(reports[0].Error(), "source_id") {
		t.Errorf("an upload without source_id: reports %v, want one naming source_id", reports)
	}

	var c capture
	c.squeeze = newSqueezer(multipartRequest(t, "/api/b2b/pim/import", 0, nil))
	c.squeeze.write([]byte("--not the boundary"))
	if _, ok := c.squeeze.finish(false); ok {
		t.Error("a cut body: squeezer said it parsed")
	}
}
