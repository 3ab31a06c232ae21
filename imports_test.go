package catalog_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
	"github.com/pimkit/catalog/importfile"
)

// uploadAndWait uploads a file and waits, on the server's own signal, for
// its job to end; it returns the job as the client reads it.
func uploadAndWait(t *testing.T, srv *catalogtest.Server, c *catalog.Client, source, name string, data []byte, opts *catalog.UploadOptions) *catalog.Job {
	t.Helper()
	ctx := context.Background()
	job, err := c.Imports.Upload(ctx, source, name, bytes.NewReader(data), opts)
	if err != nil {
		t.Fatalf("upload %s: %v", name, err)
	}
	if job.Status != catalog.JobPending || !strings.HasPrefix(job.ID, "import_") || job.FileName != name || job.FileSize != int64(len(data)) || job.FileURL == "" {
		t.Fatalf("upload answer: %+v", job)
	}
	waitCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if _, err := srv.WaitJob(waitCtx, job.ID); err != nil {
		t.Fatal(err)
	}
	final, err := c.Jobs.Get(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	return final
}

// rowErrors reads every row error of a job through the paged endpoint.
func rowErrors(t *testing.T, c *catalog.Client, jobID string, perPage int) []catalog.RowError {
	t.Helper()
	var out []catalog.RowError
	for e, err := range catalog.JobErrorPages(context.Background(), c, jobID, perPage) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// stored returns the current version of a product as the client's type.
func stored(t *testing.T, srv *catalogtest.Server, code string) catalog.Product {
	t.Helper()
	v, ok := srv.Product(code)
	if !ok {
		t.Fatalf("product %s not stored", code)
	}
	p, err := v.Product()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func name(t *testing.T, p catalog.Product) string {
	t.Helper()
	names, _ := p.Name.Localized()
	return names["en"]
}

func price(p catalog.Product) float64 {
	if p.Pricing == nil || p.Pricing.List == nil {
		return -1
	}
	return *p.Pricing.List
}

// A French ERP export: BOM, semicolons, comma decimals, thousands
// separators; the source maps two columns, the upload one more.
func TestUploadSemicolonCSVWithBOM(t *testing.T) {
	srv, c := newFake(t, catalogtest.WithSource(catalog.Source{ID: "erp",
		FieldMappings: map[string]string{"Code": "entity_code", "Titre": "name"}}))
	data := []byte("\xEF\xBB\xBFCode;Titre;Prix;EAN\n" +
		"A-1;Vanne laiton;12,50;4006381333931\n" +
		"A-2;Coude cuivre;1.234,75;\n")
	var progress []int64
	job := uploadAndWait(t, srv, c, "erp", "export.csv", data, &catalog.UploadOptions{
		FieldMappings: map[string]string{"Prix": "pricing.list", "EAN": "ean"},
		Progress:      func(sent int64) { progress = append(progress, sent) },
	})
	if job.Status != catalog.JobCompleted || job.TotalRows != 2 || job.ProcessedRows != 2 || job.CreatedRows != 2 || job.FailedRows != 0 {
		t.Fatalf("job: %+v", job)
	}
	a1, a2 := stored(t, srv, "A-1"), stored(t, srv, "A-2")
	if name(t, a1) != "Vanne laiton" || price(a1) != 12.5 || !cmp.Equal(a1.EAN, []string{"4006381333931"}) {
		t.Errorf("A-1 stored as %+v", a1)
	}
	if name(t, a2) != "Coude cuivre" || price(a2) != 1234.75 || len(a2.EAN) != 0 {
		t.Errorf("A-2 stored as %+v", a2)
	}
	if len(progress) == 0 || progress[len(progress)-1] != int64(len(data)) {
		t.Errorf("progress %v: want it to end at the file's %d bytes", progress, len(data))
	}
}

// Quoted cells holding commas and line breaks, and rows shorter and
// longer than the header, are read as the server's relaxed parser does;
// row errors name the file's line.
func TestUploadQuotedFieldsAndRaggedRows(t *testing.T) {
	srv, c := newFake(t)
	data := []byte("entity_code,name,description,price\n" +
		"Q-1,\"Valve, brass\",\"Line one\nline two\",9.90\n" + // lines 2-3
		"Q-2,Short row\n" + // line 4: missing cells are empty
		"Q-3,Long row,desc,1.5,extra,cells\n" + // line 5: extra cells dropped
		"Q-4,Bad price,,12x\n") // line 6: does not convert
	job := uploadAndWait(t, srv, c, catalogtest.DefaultSourceID, "quoted.csv", data, nil)
	if job.Status != catalog.JobCompletedWithErrors || job.TotalRows != 4 || job.SuccessfulRows != 3 || job.FailedRows != 1 {
		t.Fatalf("job: %+v", job)
	}
	q1 := stored(t, srv, "Q-1")
	if d, _ := q1.Description.Localized(); name(t, q1) != "Valve, brass" || d["en"] != "Line one\nline two" || q1.Price == nil || *q1.Price != 9.9 {
		t.Errorf("Q-1 stored as %+v", q1)
	}
	if q2 := stored(t, srv, "Q-2"); name(t, q2) != "Short row" || q2.Price != nil {
		t.Errorf("Q-2 stored as %+v", q2)
	}
	if q3 := stored(t, srv, "Q-3"); q3.Price == nil || *q3.Price != 1.5 {
		t.Errorf("Q-3 stored as %+v", q3)
	}
	if _, ok := srv.Product("Q-4"); ok {
		t.Error("Q-4 stored despite its price")
	}
	errs := rowErrors(t, c, job.ID, 0)
	if len(errs) != 1 || errs[0].Row != 6 || errs[0].Code != "validation_error" || !strings.Contains(errs[0].Reason, `"12x"`) {
		t.Errorf("row errors: %+v", errs)
	}
}

// Only the first sheet of a workbook is imported; numbers come typed.
func TestUploadXLSXFirstSheet(t *testing.T) {
	srv, c := newFake(t)
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "Articles"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.NewSheet("Notes"); err != nil {
		t.Fatal(err)
	}
	rows := map[string][][]any{
		"Articles": {{"entity_code", "name", "price", "ean"}, {"X-1", "Valve", 12.5, "96385074"}, {"X-2", "Elbow", 1234, ""}},
		"Notes":    {{"entity_code", "name"}, {"X-9", "must not be read"}},
	}
	for sheet, rs := range rows {
		for i, r := range rs {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow(sheet, cell, &r); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	job := uploadAndWait(t, srv, c, catalogtest.DefaultSourceID, "catalog.xlsx", buf.Bytes(), nil)
	if job.Status != catalog.JobCompleted || job.TotalRows != 2 {
		t.Fatalf("job: %+v", job)
	}
	x1, x2 := stored(t, srv, "X-1"), stored(t, srv, "X-2")
	if x1.Price == nil || *x1.Price != 12.5 || !cmp.Equal(x1.EAN, []string{"96385074"}) || x2.Price == nil || *x2.Price != 1234 {
		t.Errorf("stored %+v and %+v", x1, x2)
	}
	if _, ok := srv.Product("X-9"); ok {
		t.Error("a row of the second sheet was imported")
	}
}

// JSON and NDJSON exports import alike, typed values kept; seed 003's
// mapping language maps their keys.
func TestUploadJSONAndNDJSON(t *testing.T) {
	for _, c := range []struct{ name, data string }{
		{"export.json", `[{"ref":"J-1","title":"Valve","cost":12.5,"active":true},
 {"ref":"J-2","title":"Elbow","cost":"3,90"}]`},
		{"export.ndjson", `{"ref":"J-1","title":"Valve","cost":12.5,"active":true}
{"ref":"J-2","title":"Elbow","cost":"3,90"}
`},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv, client := newFake(t)
			job := uploadAndWait(t, srv, client, catalogtest.DefaultSourceID, c.name, []byte(c.data), &catalog.UploadOptions{
				FieldMappings: map[string]string{"ref": "entity_code", "title": "name", "cost": "pricing.list"},
			})
			if job.Status != catalog.JobCompleted || job.CreatedRows != 2 {
				t.Fatalf("job: %+v", job)
			}
			j1, j2 := stored(t, srv, "J-1"), stored(t, srv, "J-2")
			if name(t, j1) != "Valve" || price(j1) != 12.5 || name(t, j2) != "Elbow" || price(j2) != 3.9 {
				t.Errorf("stored %+v and %+v", j1, j2)
			}
			if j1.Extra["active"] != nil {
				t.Errorf("an unmapped key that names no product field was stored: %v", j1.Extra)
			}
		})
	}
}

// Invalid EANs and GTINs fail their rows with validation_error and the
// row's line; valid EAN-8, UPC-A, EAN-13 and GTIN-14 pass, and so does a
// wrong check digit, which the platform does not check (see internal/gtin:
// seed 004's own example carries one).
func TestUploadInvalidEANs(t *testing.T) {
	srv, c := newFake(t)
	data := []byte("entity_code,ean\n" +
		"E-8,96385074\n" + // EAN-8
		"E-12,036000291452\n" + // UPC-A
		"E-13,4006381333931\n" + // EAN-13
		"E-14,10012345678902\n" + // GTIN-14
		"CHK-1,4006381333932\n" + // wrong check digit: taken, as the platform does
		"BAD-1,40063813339\n" + // wrong length
		"BAD-2,12345\n" + // wrong length
		"BAD-3,40063813339A1\n" + // not digits
		"BAD-4,96385074|4006381333-30\n") // one bad in a list
	job := uploadAndWait(t, srv, c, catalogtest.DefaultSourceID, "eans.csv", data, nil)
	if job.Status != catalog.JobCompletedWithErrors || job.SuccessfulRows != 5 || job.FailedRows != 4 {
		t.Fatalf("job: %+v", job)
	}
	for _, code := range []string{"E-8", "E-12", "E-13", "E-14", "CHK-1"} {
		stored(t, srv, code)
	}
	errs := rowErrors(t, c, job.ID, 0)
	var got []string
	for _, e := range errs {
		got = append(got, fmt.Sprintf("%d %s %s", e.Row, e.Code, e.EntityCode))
		if !strings.Contains(e.Reason, "invalid EAN") {
			t.Errorf("line %d: reason %q", e.Row, e.Reason)
		}
	}
	want := []string{"7 validation_error BAD-1", "8 validation_error BAD-2", "9 validation_error BAD-3", "10 validation_error BAD-4"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("row errors (-want +got):\n%s", diff)
	}
	for _, code := range []string{"BAD-1", "BAD-2", "BAD-3", "BAD-4"} {
		if _, ok := srv.Product(code); ok {
			t.Errorf("%s stored", code)
		}
	}
}

// update_existing matches existing products by EAN (seed 003): a row with
// no entity_code updates the product its EAN names; with update_existing
// false, such a row fails with already_exists and nothing changes.
func TestUploadUpdateExistingByEAN(t *testing.T) {
	srv, c := newFake(t)
	importOK(t, c, catalogtest.DefaultSourceID, catalog.MergeReplace, catalog.Product{
		EntityCode: "VALVE-1", Name: catalog.PlainText("Old name"), EAN: []string{"4006381333931"}})
	data := []byte("EAN;Titre;Prix\n4006381333931;New name;15,00\n96385074;Brand new;2,00\n")
	mapping := map[string]string{"EAN": "ean", "Titre": "name", "Prix": "pricing.list"}

	no := false
	job := uploadAndWait(t, srv, c, catalogtest.DefaultSourceID, "update.csv", data, &catalog.UploadOptions{FieldMappings: mapping, UpdateExisting: &no})
	if job.Status != catalog.JobCompletedWithErrors || job.CreatedRows != 1 || job.UpdatedRows != 0 || job.FailedRows != 1 {
		t.Fatalf("update_existing false: job %+v", job)
	}
	if errs := rowErrors(t, c, job.ID, 0); len(errs) != 1 || errs[0].Row != 2 || errs[0].Code != "already_exists" || errs[0].EntityCode != "VALVE-1" {
		t.Errorf("update_existing false: row errors %+v", errs)
	}
	if p := stored(t, srv, "VALVE-1"); name(t, p) != "Old name" {
		t.Errorf("update_existing false changed VALVE-1: %+v", p)
	}
	if p := stored(t, srv, "96385074"); name(t, p) != "Brand new" {
		t.Errorf("a row without entity_code is stored under its EAN: %+v", p)
	}

	job = uploadAndWait(t, srv, c, catalogtest.DefaultSourceID, "update.csv", data, &catalog.UploadOptions{FieldMappings: mapping})
	if job.Status != catalog.JobCompleted || job.UpdatedRows != 2 || job.CreatedRows != 0 {
		t.Fatalf("update_existing by default: job %+v", job)
	}
	if p := stored(t, srv, "VALVE-1"); name(t, p) != "New name" || price(p) != 15 || len(srv.Versions("VALVE-1")) != 2 {
		t.Errorf("VALVE-1 after the update: %+v", p)
	}
}

// Row errors are read page by page, lazily: a loop that stops early
// fetches no further page.
func TestJobErrorsPaging(t *testing.T) {
	srv, c := newFake(t)
	var b strings.Builder
	b.WriteString("entity_code,price\n")
	for i := range 7 {
		fmt.Fprintf(&b, "P-%d,not a number %d\n", i, i)
	}
	b.WriteString("P-OK,1\n")
	job := uploadAndWait(t, srv, c, catalogtest.DefaultSourceID, "paged.csv", []byte(b.String()), nil)
	if job.FailedRows != 7 || job.SuccessfulRows != 1 {
		t.Fatalf("job: %+v", job)
	}
	srv.ResetRequests()
	errs := rowErrors(t, c, job.ID, 3)
	var lines []int
	for _, e := range errs {
		lines = append(lines, e.Row)
	}
	if !cmp.Equal(lines, []int{2, 3, 4, 5, 6, 7, 8}) {
		t.Errorf("lines %v", lines)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("%d requests for 7 errors by 3, want 3", n)
	}

	srv.ResetRequests()
	seen := 0
	for _, err := range catalog.JobErrorPages(context.Background(), c, job.ID, 3) {
		if err != nil {
			t.Fatal(err)
		}
		if seen++; seen == 4 {
			break
		}
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("stopping after 4 errors made %d requests, want 2", n)
	}
	for _, err := range c.Jobs.Errors(context.Background(), "import_nope") {
		if !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("unknown job: %v", err)
		}
	}
}

// The server's analysis is importfile.Analyze's: given the same file, the
// two answers agree.
func TestAnalyzeLocalAndServerAgree(t *testing.T) {
	_, c := newFake(t)
	var b strings.Builder
	b.WriteString("\xEF\xBB\xBFsku;name;price;active;since\n")
	for i := range 20 {
		fmt.Fprintf(&b, "SKU-%02d;Item %d;%d,50;%v;2024-01-%02d\n", i, i%4, i, i%2 == 0, i+1)
	}
	data := []byte(b.String())
	local, err := importfile.Analyze(bytes.NewReader(data), "items.csv", int64(len(data)), nil)
	if err != nil {
		t.Fatal(err)
	}
	remote, err := c.Imports.Analyze(context.Background(), "items.csv", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(local, remote); diff != "" {
		t.Errorf("local and server analyses differ (-local +server):\n%s", diff)
	}
	if remote.TotalRows != 15 || len(remote.PreviewRows) != 10 || remote.Columns[2].Type != "number" {
		t.Errorf("analysis: %+v", remote)
	}

	path := filepath.Join(t.TempDir(), "items.csv")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fromPath, err := c.Imports.Analyze(context.Background(), "items.csv", f)
	if err != nil || !cmp.Equal(fromPath, remote) {
		t.Errorf("Analyze of an *os.File: %v, %+v", err, fromPath)
	}
}

// A CSV the server cannot read comes back as a *catalog.FileFormatError
// with seed 004's details, hint and location.
func TestAnalyzeFormatError(t *testing.T) {
	_, c := newFake(t)
	_, err := c.Imports.Analyze(context.Background(), "broken.csv", strings.NewReader(""))
	var fe *catalog.FileFormatError
	if !errors.As(err, &fe) || !errors.Is(err, catalog.ErrValidation) || fe.File != "broken.csv" || fe.Code != "CSV_EMPTY" || fe.Title != "CSV Format Error" || fe.Details == "" {
		t.Fatalf("empty CSV: %#v", err)
	}
	_, err = c.Imports.Analyze(context.Background(), "broken.json", strings.NewReader("[{\"a\":1},\n{\"a\":"))
	if !errors.As(err, &fe) || fe.Code != "JSON_UNEXPECTED_END" || fe.Line != 2 {
		t.Fatalf("cut JSON: %#v", err)
	}
}

// Files of another type, or over the limit when their size is known, are
// refused before anything is sent.
func TestUploadRefusedBeforeSending(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	_, err := c.Imports.Upload(ctx, "default", "catalog.pdf", strings.NewReader("x"), nil)
	var te *catalog.FileFormatError
	if !errors.As(err, &te) || te.Code != "UNSUPPORTED_FILE_TYPE" || !errors.Is(err, catalog.ErrValidation) {
		t.Errorf("a .pdf: %v", err)
	}
	path := filepath.Join(t.TempDir(), "huge.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(catalog.MaxFileBytes + 1); err != nil { // sparse: nothing written
		t.Fatal(err)
	}
	f.Close()
	if f, err = os.Open(path); err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = c.Imports.Upload(ctx, "default", "huge.csv", f, nil)
	var tl *catalog.TooLargeError
	if !errors.As(err, &tl) || tl.Size != catalog.MaxFileBytes+1 || !errors.Is(err, catalog.ErrTooLarge) {
		t.Errorf("a file over the limit: %v", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

// endlessCSV is a CSV export that never ends, made as it is read.
type endlessCSV struct {
	head bool
	line []byte
	off  int // in line
}

func (e *endlessCSV) Read(p []byte) (int, error) {
	if !e.head {
		e.head = true
		return copy(p, "entity_code,name,price\n"), nil
	}
	n := 0
	for n < len(p) {
		c := copy(p[n:], e.line[e.off:])
		n += c
		e.off = (e.off + c) % len(e.line)
	}
	return n, nil
}

// A plain reader with no known size is counted as it is sent: past the
// limit the upload fails with a *TooLargeError, the bytes past it
// never leave the client, and neither side holds the file.
func TestUploadOverLimitStreamed(t *testing.T) {
	srv, c := newFake(t)
	src := &endlessCSV{line: []byte("SKU-000000,A product of some length,12.50\n")}
	var sent atomic.Int64
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := c.Imports.Upload(context.Background(), "default", "stream.csv", src, &catalog.UploadOptions{
		Progress: func(n int64) { sent.Store(n) },
	})
	runtime.ReadMemStats(&after)
	var tl *catalog.TooLargeError
	if !errors.As(err, &tl) || tl.Size != -1 || tl.Limit != catalog.MaxFileBytes || errors.Is(err, catalog.ErrOutcomeUnknown) {
		t.Fatalf("got %v, want a *TooLargeError", err)
	}
	if s := sent.Load(); s > catalog.MaxFileBytes || s < catalog.MaxFileBytes-64<<10 {
		t.Errorf("%d bytes sent, want up to the limit of %d", s, catalog.MaxFileBytes)
	}
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("streamed %d bytes; %d bytes allocated meanwhile, client and server together", sent.Load(), allocated)
	if allocated > 24<<20 {
		t.Errorf("%d bytes allocated while streaming %d: the file was held somewhere", allocated, sent.Load())
	}
	if len(srv.Jobs()) != 0 {
		t.Errorf("jobs created: %+v", srv.Jobs())
	}
}

// The server enforces the limit while it reads: a hand-made request of
// more than 50 MB is refused with seed 004's 400 without being held.
func TestServerRefusesOverLimitWhileReading(t *testing.T) {
	srv, _ := newFake(t)
	pr, pw := io.Pipe()
	go func() {
		fmt.Fprint(pw, "--b\r\nContent-Disposition: form-data; name=\"source_id\"\r\n\r\ndefault\r\n"+
			"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n\r\n")
		_, err := io.Copy(pw, io.LimitReader(&endlessCSV{line: []byte("A,B,1\n")}, catalog.MaxFileBytes+formExtra))
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/b2b/pim/import", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
	req.Header.Set("x-auth-method", "api-key")
	req.Header.Set("x-api-key-id", catalogtest.DefaultAPIKeyID)
	req.Header.Set("x-api-secret", catalogtest.DefaultAPISecret)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	resp, err := http.DefaultClient.Do(req)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "FILE_TOO_LARGE") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d bytes allocated while the server read and refused the upload", allocated)
	if allocated > 24<<20 {
		t.Errorf("%d bytes allocated: the server held the file", allocated)
	}
	if len(srv.Jobs()) != 0 {
		t.Errorf("jobs created: %+v", srv.Jobs())
	}
}

// formExtra takes a hand-made upload past the file limit.
const formExtra = 2 << 20

// A tenant without a CDN answers an upload 500 (seed 004): the platform's
// own refusal, so not an unknown outcome.
func TestUploadWithoutCDN(t *testing.T) {
	srv, c := newFake(t, catalogtest.WithoutCDN())
	_, err := c.Imports.Upload(context.Background(), "default", "a.csv", strings.NewReader("entity_code\nA\n"), nil)
	var apiErr *catalog.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 || !errors.Is(err, catalog.ErrServer) || errors.Is(err, catalog.ErrOutcomeUnknown) {
		t.Fatalf("got %v, want the platform's 500", err)
	}
	if len(srv.Jobs()) != 0 {
		t.Error("a job was created")
	}
	if _, err := c.Imports.Analyze(context.Background(), "a.csv", strings.NewReader("entity_code\nA\n")); err != nil {
		t.Errorf("analysis without a CDN: %v", err)
	}
}

// An upload from an *os.File is sent again after a refusal that applied
// nothing; one from a plain reader is sent once.
func TestUploadRetries(t *testing.T) {
	for _, fromPath := range []bool{true, false} {
		t.Run(fmt.Sprint("path=", fromPath), func(t *testing.T) {
			srv := fakeServer(t, catalogtest.WithFaults(catalogtest.Fault{
				Kind: catalogtest.FaultStatus, Op: catalogtest.OpUploadFile, Status: 503, RetryAfter: time.Second, Nth: 1}))
			c := fakeClient(t, srv, catalog.WithRetries(2, time.Millisecond, time.Millisecond))
			data := []byte("entity_code,name\nR-1,Retried\n")
			var (
				job *catalog.Job
				err error
			)
			if fromPath {
				path := filepath.Join(t.TempDir(), "retry.csv")
				if err := os.WriteFile(path, data, 0o644); err != nil {
					t.Fatal(err)
				}
				f, openErr := os.Open(path)
				if openErr != nil {
					t.Fatal(openErr)
				}
				defer f.Close()
				job, err = c.Imports.Upload(context.Background(), "default", "retry.csv", f, nil)
			} else {
				plain := struct{ io.Reader }{bytes.NewReader(data)} // no Seek
				job, err = c.Imports.Upload(context.Background(), "default", "retry.csv", plain, nil)
			}
			reqs := srv.Requests()
			if fromPath {
				if err != nil || len(reqs) != 2 || !bytes.Equal(reqs[0].Body, reqs[1].Body) {
					t.Fatalf("from a path: %v after %d requests", err, len(reqs))
				}
				if _, err := srv.WaitJob(context.Background(), job.ID); err != nil {
					t.Fatal(err)
				}
				stored(t, srv, "R-1")
				return
			}
			if !errors.Is(err, catalog.ErrServer) || len(reqs) != 1 {
				t.Fatalf("from a reader: %v after %d requests", err, len(reqs))
			}
		})
	}
}

// An upload follows the imports' outcome rules: a connection dropped after
// the whole file was sent leaves the outcome unknown (the job was queued).
func TestUploadLostAnswerIsUnknown(t *testing.T) {
	srv, c := newFake(t, catalogtest.WithFaults(catalogtest.Fault{Kind: catalogtest.FaultResetAfterApply, Op: catalogtest.OpUploadFile}))
	_, err := c.Imports.Upload(context.Background(), "default", "a.csv", strings.NewReader("entity_code\nLOST-1\n"), nil)
	if !errors.Is(err, catalog.ErrOutcomeUnknown) {
		t.Fatalf("got %v, want an unknown outcome", err)
	}
	if jobs := srv.Jobs(); len(jobs) != 1 || jobs[0].Type != catalogtest.JobTypeFileImport {
		t.Errorf("jobs: %+v", jobs)
	}
}

// A file within 50 MB that one of the readers' own limits refuses (here a
// CSV line over the record limit) is refused for that limit, by name, not
// as a file over 50 MB.
func TestAnalyzeNamesTheLimitHit(t *testing.T) {
	c := fakeClient(t, fakeServer(t))
	csv := "entity_code,name\nA," + strings.Repeat("x", 2<<20) + "\n"
	_, err := c.Imports.Analyze(context.Background(), "long.csv", strings.NewReader(csv))
	if !errors.Is(err, catalog.ErrValidation) || !strings.Contains(err.Error(), "over the limit of") || strings.Contains(err.Error(), "larger than") {
		t.Fatalf("error %v, want a refusal naming the record limit", err)
	}
}

// An XLS workbook (Excel 97-2003) written by another program is analysed
// and imported as the platform does: cells as the spreadsheet shows them.
func TestAnalyzeAndUploadXLS(t *testing.T) {
	srv, c := newFake(t)
	data, err := os.ReadFile(filepath.Join("importfile", "testdata", "corpus", "libreoffice.xls"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.Imports.Analyze(context.Background(), "export.xls", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"sku": "SKU-0001", "name": "Brass valve", "price": "12.5", "qty": "2", "active": "TRUE",
		"launched": "2024-03-15", "updated": "2024-03-15 08:30:00", "note": "first", "total": "25", "label": "SKU-0001-2", "instock": "TRUE"}
	if a.FileType != catalog.FileXLS || a.TotalRows != 15 || len(a.PreviewRows) == 0 || !cmp.Equal(a.PreviewRows[0], want) {
		t.Fatalf("analysis %+v", a)
	}
	job := uploadAndWait(t, srv, c, catalogtest.DefaultSourceID, "export.xls", data, &catalog.UploadOptions{
		FieldMappings: map[string]string{"sku": "entity_code", "name": "name", "price": "pricing.list"},
	})
	if job.Status != catalog.JobCompleted || job.TotalRows != 35 {
		t.Fatalf("job: %+v", job)
	}
	if p := stored(t, srv, "SKU-0003"); name(t, p) != "Ω-valve 日本" || price(p) != 42 {
		t.Errorf("stored %+v", p)
	}
}
