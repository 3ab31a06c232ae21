package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jarcoal/httpmock"
)

// seedDirectProducts are the two products of seed 004's direct import
// example, built with the SDK's types.
func seedDirectProducts() []Product {
	return []Product{
		{
			EntityCode:  "SKU-0001",
			SKU:         "SKU-0001",
			Name:        Localized(map[string]string{"en": `Brass ball valve 1/2"`, "it": `Valvola a sfera 1/2"`}),
			Description: PlainText("Full-bore brass ball valve, threaded."),
			Price:       Ptr(12.5),
			Brand:       &Brand{Plain: "acme"},
			Images:      []Image{{URL: Ptr("https://cdn.example.com/sku-0001-front.jpg"), Position: Ptr(0)}},
		},
		{
			EntityCode: "SKU-0002",
			Name:       PlainText("Copper elbow 22mm"),
			Price:      Ptr(3.9),
			Brand:      &Brand{Plain: "acme"},
		},
	}
}

func TestImportMatchesSeedExample(t *testing.T) {
	c, mt := newMockClient(t)
	rec := &recorder{}
	mt.RegisterResponder("POST", testBase+importAPIPath, rec.respond(200, string(readFixture(t, "direct_import_response.json"))))

	res, err := c.Products.Import(context.Background(), "supplier-weekly-feed", seedDirectProducts(),
		&ProductImportOptions{RequestOptions: RequestOptions{MergeMode: MergePartial, BatchID: "weekly-2026-17"}})
	if err != nil {
		t.Fatal(err)
	}
	req := rec.reqs[0]
	if got := req.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}
	if diff := cmp.Diff(jsonOf(t, readFixture(t, "direct_import_request.json")), jsonOf(t, rec.bodies[0])); diff != "" {
		t.Errorf("body differs from seed 004's example (-want +got):\n%s", diff)
	}
	want := &ProductImportResult{
		Success: true,
		JobID:   "api_import_1714142335123_b7x2m1",
		Summary: ImportSummary{Total: 2, Successful: 2, AutoPublished: 1, DurationSeconds: 0.42, SyncBatchesQueued: 1},
		Errors:  []RowError{},
		Message: "Imported 2 of 2 products successfully, queued 1 search-sync batches",
	}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
}

func TestQueueMatchesSeedExample(t *testing.T) {
	c, mt := newMockClient(t)
	rec := &recorder{}
	mt.RegisterResponder("POST", testBase+queuePath, rec.respond(202, string(readFixture(t, "queue_import_response.json"))))
	meta := &BatchMetadata{BatchID: "weekly-2026-17", BatchPart: 1, BatchTotalParts: 4, BatchTotalItems: 8000}
	res, err := c.Products.Queue(context.Background(), "supplier-weekly-feed",
		[]Product{{EntityCode: "SKU-0001", Price: Ptr(12.5)}, {EntityCode: "SKU-0002", Price: Ptr(8.9)}},
		&ProductImportOptions{BatchMetadata: meta})
	if err != nil {
		t.Fatal(err)
	}
	// The example leaves merge_mode to the server (replace); the client
	// always says which mode it means, partial when none is given.
	want := jsonOf(t, readFixture(t, "queue_import_request.json")).(map[string]any)
	want["merge_mode"] = "partial"
	if diff := cmp.Diff(any(want), jsonOf(t, rec.bodies[0])); diff != "" {
		t.Errorf("body differs from seed 004's example (-want +got):\n%s", diff)
	}
	wantRes := &QueuedProductImport{
		Success: true, JobID: "queue_import_1714142335123_m3p7q2",
		ProductsQueued: 2,
		Message:        "Queued 2 products for import. Job ID: queue_import_1714142335123_m3p7q2",
	}
	if diff := cmp.Diff(wantRes, res); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
}

// TestImportBodyIsOneEncoding checks that splicing encoded products into the
// envelope gives the same document as encoding the request in one go.
func TestImportBodyIsOneEncoding(t *testing.T) {
	products := seedDirectProducts()
	opts := &ProductImportOptions{RequestOptions: RequestOptions{MergeMode: MergeReplace, BatchID: "b", ChannelMetadata: map[string]any{"b2c": map[string]any{"store_id": "main & co <1>"}}}, BatchMetadata: &BatchMetadata{BatchID: "b", BatchPart: 2}}
	var encoded [][]byte
	for i := range products {
		raw, err := encodeJSON(&products[i])
		if err != nil {
			t.Fatal(err)
		}
		encoded = append(encoded, raw)
	}
	got, err := importBody("src", opts, encoded)
	if err != nil {
		t.Fatal(err)
	}
	want, err := encodeJSON(struct {
		envelope
		Products []Product `json:"products"`
	}{envelope{SourceID: "src", MergeMode: opts.MergeMode, BatchID: opts.BatchID, BatchMetadata: opts.BatchMetadata, ChannelMetadata: opts.ChannelMetadata}, products})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("assembled body differs from a single encoding:\n got %s\nwant %s", got, want)
	}
	if !strings.Contains(string(got), "main & co <1>") {
		t.Fatalf("HTML characters were escaped: %s", got)
	}
}

func TestImportRejectsBadRowsAndSendsTheRest(t *testing.T) {
	c, mt := newMockClient(t)
	rec := &recorder{}
	// The server fails the request's row 1, which is the caller's row 5.
	mt.RegisterResponder("POST", testBase+importAPIPath, rec.respond(200, `{"success":true,"job_id":"api_import_1","summary":{"total":2,"successful":1,"failed":1},
		"errors":[{"row":1,"entity_code":"E","error":"invalid EAN","raw_data":{"entity_code":"E"}}],"message":"m"}`))
	products := []Product{
		{EntityCode: "A", Price: Ptr(0.0)}, // 0: sent; a zero price is valid
		{Name: PlainText("no id")},         // 1: no entity_code nor sku
		{SKU: "A"},                         // 2: same identity as row 0
		{EntityCode: "C", Pricing: &Pricing{List: Ptr(-1.0)}},                                                // 3: negative price
		{EntityCode: "D", PackagingOptions: []PackagingOption{{}, {Pricing: &Pricing{SaleUnit: Ptr(-0.5)}}}}, // 4
		{EntityCode: "E"}, // 5: sent, fails on the server
	}
	res, err := c.Products.Import(context.Background(), "src", products, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantRejected := []RowError{
		{Row: 1, Field: "entity_code", Reason: "entity_code or sku is required", Rejected: true,
			Problems: []FieldProblem{{Field: "entity_code", Reason: "entity_code or sku is required"}}},
		{Row: 2, Field: "entity_code", Reason: `"A" repeats row 0 of the same request`, Rejected: true,
			Problems: []FieldProblem{{Field: "entity_code", Value: "A", Reason: `"A" repeats row 0 of the same request`}}},
		{Row: 3, EntityCode: "C", Field: "pricing.list", Reason: "price must be a finite number >= 0, got -1", Rejected: true,
			Problems: []FieldProblem{{Field: "pricing.list", Value: "-1", Reason: "price must be a finite number >= 0, got -1"}}},
		{Row: 4, EntityCode: "D", Field: "packaging_options[1].pricing.sale_unit", Reason: "price must be a finite number >= 0, got -0.5", Rejected: true,
			Problems: []FieldProblem{{Field: "packaging_options[1].pricing.sale_unit", Value: "-0.5", Reason: "price must be a finite number >= 0, got -0.5"}}},
	}
	if diff := cmp.Diff(wantRejected, res.Rejected); diff != "" {
		t.Errorf("rejected rows (-want +got):\n%s", diff)
	}
	wantErrors := []RowError{{Row: 5, EntityCode: "E", Reason: "invalid EAN", RawData: json.RawMessage(`{"entity_code":"E"}`)}}
	if diff := cmp.Diff(wantErrors, res.Errors); diff != "" {
		t.Errorf("server row errors (-want +got):\n%s", diff)
	}
	sent := jsonOf(t, rec.bodies[0]).(map[string]any)["products"]
	if diff := cmp.Diff([]any{map[string]any{"entity_code": "A", "price": 0.0}, map[string]any{"entity_code": "E"}}, sent); diff != "" {
		t.Errorf("products sent (-want +got):\n%s", diff)
	}
	if got := res.Summary.Total + len(res.Rejected); got != len(products) {
		t.Errorf("rows accounted: %d, input %d", got, len(products))
	}
	msg := res.Rejected[3].Error()
	if !strings.Contains(msg, "row 4") || !strings.Contains(msg, "packaging_options[1].pricing.sale_unit") {
		t.Errorf("row error message does not name row and field: %s", msg)
	}
}

func TestImportWithEveryRowRejectedSendsNothing(t *testing.T) {
	c, mt := newMockClient(t)
	res, err := c.Products.Import(context.Background(), "src", []Product{{}, {Price: Ptr(-1.0)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rejected) != 2 || mt.GetTotalCallCount() != 0 {
		t.Fatalf("rejected %d rows after %d calls; want 2 rows and no call", len(res.Rejected), mt.GetTotalCallCount())
	}
}

func TestRequestRefusedBeforeSending(t *testing.T) {
	many := make([]Product, MaxProducts+1)
	for i := range many {
		many[i].EntityCode = "P" + string(rune('a'+i%26)) + strings.Repeat("x", i%7)
	}
	big := []Product{{EntityCode: "A", Description: PlainText(strings.Repeat("x", 500))}}
	for name, tc := range map[string]struct {
		source   string
		products []Product
		opts     *ProductImportOptions
		clientOp []Option
		want     error
		field    string
	}{
		"no source":      {"", []Product{{EntityCode: "A"}}, nil, nil, ErrValidation, "source_id"},
		"no products":    {"src", nil, nil, nil, ErrValidation, "products"},
		"too many":       {"src", many, nil, nil, ErrValidation, "products"},
		"bad merge mode": {"src", []Product{{EntityCode: "A"}}, &ProductImportOptions{RequestOptions: RequestOptions{MergeMode: "merge"}}, nil, ErrValidation, "merge_mode"},
		"bad channel metadata": {"src", []Product{{EntityCode: "A"}}, &ProductImportOptions{RequestOptions: RequestOptions{ChannelMetadata: map[string]any{"f": func() {}}}},
			nil, ErrValidation, "channel_metadata"},
		"body over limit": {"src", big, nil, []Option{WithMaxBodyBytes(300)}, ErrTooLarge, ""},
	} {
		t.Run(name, func(t *testing.T) {
			c, mt := newMockClient(t, tc.clientOp...)
			_, errImport := c.Products.Import(context.Background(), tc.source, tc.products, tc.opts)
			_, errQueue := c.Products.Queue(context.Background(), tc.source, tc.products, tc.opts)
			for _, err := range []error{errImport, errQueue} {
				if !errors.Is(err, tc.want) {
					t.Fatalf("got %v, want %v", err, tc.want)
				}
				if tc.field != "" && !strings.Contains(err.Error(), "invalid request: "+tc.field+": ") {
					t.Fatalf("got %v, want a refusal naming %s", err, tc.field)
				}
				var tl *TooLargeError
				if tc.want == ErrTooLarge && (!errors.As(err, &tl) || tl.Limit != 300 || tl.Size <= 300) {
					t.Fatalf("got %#v, want a *TooLargeError", err)
				}
			}
			if n := mt.GetTotalCallCount(); n != 0 {
				t.Fatalf("%d requests sent", n)
			}
		})
	}
}

func TestErrorAnswers(t *testing.T) {
	csvErr := string(readFixture(t, "csv_error_response.json"))
	for name, tc := range map[string]struct {
		status   int
		body     string
		header   http.Header
		sentinel error
		check    func(t *testing.T, e *APIError)
	}{
		"400": {400, `{"success":false,"error":"products must not be empty","code":"VALIDATION_ERROR"}`, nil, ErrValidation, nil},
		"401": {401, `{"error":"Unauthorized"}`, nil, ErrUnauthorized, nil},
		"403": {403, `{"error":"API key lacks the import permission","code":"FORBIDDEN"}`, nil, ErrForbidden, nil},
		"404": {404, `{"error":"source not found","code":"SOURCE_NOT_FOUND"}`, nil, ErrNotFound, nil},
		"413": {413, `{"error":"too large"}`, nil, ErrTooLarge, nil},
		"429": {429, `{"error":"slow down"}`, http.Header{"Retry-After": {"60"}}, ErrRateLimited, nil},
		"500": {500, `{"error":"CDN not configured"}`, nil, ErrServer, nil},
		"502": {502, `<html><body>Bad gateway</body></html>`, nil, ErrServer, nil},
		"seed CSV error": {400, csvErr, nil, ErrValidation, func(t *testing.T, e *APIError) {
			if e.Message != "CSV Format Error" || e.Code != "CSV_INCONSISTENT_RECORD_LENGTH" ||
				!strings.HasPrefix(e.Details, "Your CSV file has inconsistent columns at line 42") ||
				!strings.HasPrefix(e.Hint, "Common fixes") || e.TechnicalDetails["line"] != 42.0 {
				t.Errorf("fields not read from the body: %#v", e)
			}
		}},
		"details as object": {400, `{"error":"bad","details":{"field":"products"}}`, nil, ErrValidation, func(t *testing.T, e *APIError) {
			if e.Details != `{"field":"products"}` {
				t.Errorf("Details = %q", e.Details)
			}
		}},
		"message spelling": {404, `{"message":"no such job"}`, nil, ErrNotFound, func(t *testing.T, e *APIError) {
			if e.Message != "no such job" {
				t.Errorf("Message = %q", e.Message)
			}
		}},
		"empty body": {500, ``, nil, ErrServer, nil},
		"truncated JSON": {400, `{"error": "cut sh`, nil, ErrValidation, func(t *testing.T, e *APIError) {
			if !strings.Contains(e.Message, "cut sh") {
				t.Errorf("Message = %q, want the start of the body", e.Message)
			}
		}},
		"JSON null":  {400, `null`, nil, ErrValidation, nil},
		"JSON array": {400, `[1,2]`, nil, ErrValidation, nil},
		"error is a number": {400, `{"error": 42}`, nil, ErrValidation, func(t *testing.T, e *APIError) {
			if e.Message != "42" {
				t.Errorf("Message = %q", e.Message)
			}
		}},
	} {
		t.Run(name, func(t *testing.T) {
			c, mt := newMockClient(t, WithRetries(0, time.Millisecond, time.Millisecond))
			resp := httpmock.NewStringResponder(tc.status, tc.body)
			if tc.header != nil {
				resp = resp.HeaderSet(tc.header)
			}
			mt.RegisterResponder("POST", testBase+importAPIPath, resp)
			_, err := c.Products.Import(context.Background(), "src", []Product{{EntityCode: "A"}}, nil)
			if !errors.Is(err, tc.sentinel) {
				t.Fatalf("got %v, want %v", err, tc.sentinel)
			}
			for _, other := range []error{ErrValidation, ErrUnauthorized, ErrForbidden, ErrNotFound, ErrTooLarge, ErrRateLimited, ErrServer} {
				if other != tc.sentinel && errors.Is(err, other) {
					t.Fatalf("%v also matches %v", err, other)
				}
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tc.status || apiErr.Path != importAPIPath || apiErr.Method != "POST" {
				t.Fatalf("got %#v, want an *APIError for POST %s with status %d", err, importAPIPath, tc.status)
			}
			if !strings.Contains(err.Error(), http.StatusText(tc.status)) {
				t.Fatalf("message lacks the status: %v", err)
			}
			if tc.status == 429 {
				if apiErr.RetryAfter != time.Minute {
					t.Fatalf("got %#v, want an *APIError with RetryAfter 1m", err)
				}
			}
			if tc.check != nil {
				tc.check(t, apiErr)
			}
		})
	}
}

func TestMalformedSuccessAnswer(t *testing.T) {
	for name, body := range map[string]string{
		"HTML":      `<html>maintenance</html>`,
		"truncated": `{"success":true,"job_id":"q`,
		"no job id": `{"success":true}`,
	} {
		t.Run(name, func(t *testing.T) {
			c, mt := newMockClient(t)
			mt.RegisterResponder("POST", testBase+queuePath, httpmock.NewStringResponder(202, body))
			_, err := c.Products.Queue(context.Background(), "src", []Product{{EntityCode: "A"}}, nil)
			if err == nil || !strings.Contains(err.Error(), "malformed answer") {
				t.Fatalf("got %v, want a malformed-answer error", err)
			}
		})
	}
}
