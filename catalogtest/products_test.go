package catalogtest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pimkit/catalog"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("../testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func unmarshalFixture(t *testing.T, name string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(readFixture(t, name), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

var supplierFeed = catalog.Source{ID: "supplier-weekly-feed", Name: "Supplier weekly feed",
	AutoPublishEnabled: catalog.Ptr(true), RequiredFields: []string{"name", "images"}}

// The platform documentation's direct and queued import examples, answered
// in their exact shape.
func TestImportMatchesSeedExample(t *testing.T) {
	tests := []struct {
		name, path, jobType, fixture string
		status                       int
		adjust                       func(want map[string]any, id string)
	}{
		{"direct", pathImportAPI, "api_import", "direct_import", http.StatusOK, func(want map[string]any, _ string) {
			summary := want["summary"].(map[string]any)
			summary["duration_seconds"] = 0.0 // a FakeClock does not move
			// The project's extension of the summary: rows that created a
			// product and rows that updated one.
			summary["inserted"] = 2.0
			summary["updated"] = 0.0
		}},
		{"queued", pathImportQueue, "queue_import", "queue_import", http.StatusAccepted, func(want map[string]any, id string) {
			want["message"] = "Queued 2 products for import. Job ID: " + id
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, WithClock(NewFakeClock(t0)), WithSource(supplierFeed))
			a := send(t, s, http.MethodPost, tt.path, readFixture(t, tt.fixture+"_request.json"))
			a.wantStatus(t, tt.status, "")
			id, _ := a.body["job_id"].(string)
			if !regexp.MustCompile(fmt.Sprintf(`^%s_%d_[0-9a-z]{6}$`, tt.jobType, t0.UnixMilli())).MatchString(id) {
				t.Errorf("job_id = %q, want %s_<unix ms>_<6 base36>", id, tt.jobType)
			}
			want := unmarshalFixture(t, tt.fixture+"_response.json")
			want["job_id"] = id
			tt.adjust(want, id)
			if diff := cmp.Diff(want, a.body); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDirectImportRecordsJob(t *testing.T) {
	s := newTestServer(t, WithClock(NewFakeClock(t0)))
	directImport(t, s, importReq(DefaultSourceID, map[string]any{"entity_code": "A"}))
	a := directImport(t, s, importReq(DefaultSourceID, map[string]any{"entity_code": "A"}, map[string]any{"entity_code": "B"}, 7))
	id := a.body["job_id"].(string)

	got := send(t, s, http.MethodGet, "/api/b2b/pim/jobs/"+id, nil)
	got.wantStatus(t, http.StatusOK, "")
	want := map[string]any{"job": map[string]any{
		"job_id": id, "job_type": "api_import", "source_id": "default", "status": "completed_with_errors",
		"merge_mode": "replace", "total_rows": 3.0, "processed_rows": 3.0, "successful_rows": 2.0,
		"failed_rows": 1.0, "created_rows": 1.0, "updated_rows": 1.0, "auto_published": 2.0,
		"created_at": formatTime(t0), "started_at": formatTime(t0), "completed_at": formatTime(t0),
		"import_errors": []any{map[string]any{"row": 2.0, "entity_code": "", "error": "product must be a JSON object, got a number", "raw_data": 7.0}},
	}}
	if diff := cmp.Diff(want, got.body); diff != "" {
		t.Errorf("job (-want +got):\n%s", diff)
	}
}

func TestDirectImportAllRowsFailed(t *testing.T) {
	s := newTestServer(t)
	rows := make([]any, 150)
	for i := range rows {
		rows[i] = map[string]any{"name": fmt.Sprint("no id ", i)}
	}
	a := directImport(t, s, importReq(DefaultSourceID, rows...))
	if a.body["success"] != true {
		t.Errorf("success = %v, want true even when rows fail", a.body["success"])
	}
	errs := a.body["errors"].([]any)
	if len(errs) != 100 {
		t.Errorf("answer has %d row errors, want the first 100", len(errs))
	}
	if last := errs[len(errs)-1].(map[string]any); last["row"] != 99.0 {
		t.Errorf("last error row = %v, want 99", last["row"])
	}
	job, _ := s.Job(a.body["job_id"].(string))
	if job.Status != catalog.JobFailed || len(job.Errors) != 150 {
		t.Errorf("job status %q with %d errors, want failed with all 150", job.Status, len(job.Errors))
	}
}

func TestEmptyErrorsIsAnArray(t *testing.T) {
	s := newTestServer(t)
	a := directImport(t, s, importReq(DefaultSourceID, map[string]any{"entity_code": "A"}))
	if !strings.Contains(string(a.raw), `"errors":[]`) {
		t.Errorf("errors is not an empty array: %s", a.raw)
	}
}

// Field mappings move incoming keys to their targets.
func TestRuleFieldMappings(t *testing.T) {
	s := newTestServer(t, WithSource(catalog.Source{ID: "erp", FieldMappings: map[string]string{
		"code": "entity_code", "title": "name", "price": "pricing.list", "currency": "pricing.currency",
		"a": "b", "b": "c", "weight_kg": "dims.weight",
	}}))
	directImport(t, s, importReq("erp", product(t, `{"code": "A", "title": "Valve", "price": 12.50,
		"currency": "EUR", "a": 1, "b": 2, "brand": "acme", "dims": 5, "weight_kg": 0.23}`)))
	want := product(t, `{"entity_code": "A", "sku": "A", "name": {"en": "Valve"},
		"pricing": {"list": 12.50, "currency": "EUR"}, "b": 1, "c": 2, "brand": "acme",
		"dims": {"weight": 0.23}}`)
	if diff := cmp.Diff(want, mustProduct(t, s, "A").Data); diff != "" {
		t.Errorf("stored data (-want +got):\n%s", diff)
	}
}

// entity_code and sku fall back to each other; a row without
// either fails alone.
func TestRuleEntityCodeFallback(t *testing.T) {
	s := newTestServer(t)
	rows := []any{
		map[string]any{"entity_code": "A"},
		map[string]any{"sku": "B"},
		map[string]any{"name": "no id"},
		map[string]any{"entity_code": "", "sku": ""},
		map[string]any{"entity_code": 5},
		"not an object",
		map[string]any{"entity_code": "C", "sku": "C-SKU"},
		map[string]any{"entity_code": 7, "sku": "D"},
	}
	a := directImport(t, s, importReq(DefaultSourceID, rows...))
	noID := []any{map[string]any{"field": "entity_code", "reason": "entity_code or sku is required"}}
	wantErrs := []any{
		map[string]any{"row": 2.0, "entity_code": "", "error": "entity_code or sku is required", "raw_data": map[string]any{"name": "no id"}, "problems": noID},
		map[string]any{"row": 3.0, "entity_code": "", "error": "entity_code or sku is required", "raw_data": map[string]any{"entity_code": "", "sku": ""}, "problems": noID},
		map[string]any{"row": 4.0, "entity_code": "", "error": "entity_code or sku is required", "raw_data": map[string]any{"entity_code": 5.0}, "problems": noID},
		map[string]any{"row": 5.0, "entity_code": "", "error": "product must be a JSON object, got a string", "raw_data": "not an object"},
	}
	if diff := cmp.Diff(wantErrs, a.body["errors"]); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	var got [][2]string
	for _, p := range s.Products() {
		got = append(got, [2]string{p.EntityCode, p.SKU})
		if p.Data["entity_code"] != p.EntityCode || p.Data["sku"] != p.SKU {
			t.Errorf("%s: data entity_code/sku = %v/%v", p.EntityCode, p.Data["entity_code"], p.Data["sku"])
		}
	}
	want := [][2]string{{"A", "A"}, {"B", "B"}, {"C", "C-SKU"}, {"D", "D"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(entity_code, sku) (-want +got):\n%s", diff)
	}
}

// Multilingual fields are wrapped unless already language-keyed.
func TestRuleMultilingualWrap(t *testing.T) {
	tests := []struct {
		name  string
		opts  []Option
		field string
		in    string
		want  string
	}{
		{"plain string", nil, "name", `"Valve"`, `{"en": "Valve"}`},
		{"language-keyed kept", nil, "description", `{"en": "A", "it": "B"}`, `{"en": "A", "it": "B"}`},
		{"unknown 2-letter key wrapped", nil, "slug", `{"en": "a", "xx": "b"}`, `{"en": {"en": "a", "xx": "b"}}`},
		{"long key wrapped", nil, "meta_title", `{"english": "A"}`, `{"en": {"english": "A"}}`},
		{"number wrapped", nil, "short_description", `42`, `{"en": 42}`},
		{"empty object kept", nil, "long_description", `{}`, `{}`},
		{"null kept", nil, "meta_description", `null`, `null`},
		{"every multilingual field", nil, "product_status_description", `"Available"`, `{"en": "Available"}`},
		{"other fields untouched", nil, "brand", `"acme"`, `"acme"`},
		{"default language", []Option{WithDefaultLanguage("it")}, "name", `"Valvola"`, `{"it": "Valvola"}`},
		{"configured language kept", []Option{WithLanguages("en", "pt")}, "name", `{"pt": "Válvula"}`, `{"pt": "Válvula"}`},
		{"unconfigured language wrapped", []Option{WithLanguages("en", "pt")}, "name", `{"de": "Ventil"}`, `{"en": {"de": "Ventil"}}`},
		{"default language always configured", []Option{WithDefaultLanguage("nl"), WithLanguages("en")}, "name", `{"nl": "Klep", "en": "Valve"}`, `{"nl": "Klep", "en": "Valve"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, tt.opts...)
			directImport(t, s, importReq(DefaultSourceID, product(t, `{"entity_code": "A", "`+tt.field+`": `+tt.in+`}`)))
			want := product(t, `{"v": `+tt.want+`}`)["v"]
			if diff := cmp.Diff(want, mustProduct(t, s, "A").Data[tt.field]); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.field, diff)
			}
		})
	}
}

// Replace stores the payload; partial deep-merges, with images
// replaced when sent and media merged by type. The first two cases are
// the platform documentation's own "Partial vs replace" example.
func TestRuleMerge(t *testing.T) {
	existing := `{"entity_code": "SKU-0001", "name": {"en": "Valve", "it": "Valvola"}, "description": "old",
		"price": 10, "media": [{"type": "image", "url": "m.jpg"}]}`
	rich := `{"entity_code": "A", "name": {"en": "Valve", "it": "Valvola"}, "price": 10,
		"pricing": {"list": 10, "currency": "EUR"}, "ean": ["96385074", "4006381333931"],
		"images": [{"url": "a.jpg"}, {"url": "b.jpg"}],
		"media": [{"type": "document", "url": "d1"}, {"type": "video", "url": "v1"}, {"type": "video", "url": "v2"}, {"url": "untyped"}]}`
	tests := []struct {
		name     string
		existing string
		mode     catalog.MergeMode
		incoming string
		want     string
	}{
		{"seed example, partial", existing, catalog.MergePartial, `{"entity_code": "SKU-0001", "price": 12.5}`,
			`{"entity_code": "SKU-0001", "sku": "SKU-0001", "name": {"en": "Valve", "it": "Valvola"},
			"description": {"en": "old"}, "price": 12.5, "media": [{"type": "image", "url": "m.jpg"}]}`},
		{"seed example, replace", existing, catalog.MergeReplace, `{"entity_code": "SKU-0001", "price": 12.5}`,
			`{"entity_code": "SKU-0001", "sku": "SKU-0001", "price": 12.5}`},
		{"replace is the default", existing, "", `{"entity_code": "SKU-0001", "price": 12.5}`,
			`{"entity_code": "SKU-0001", "sku": "SKU-0001", "price": 12.5}`},
		{"partial merges objects deeply, arrays replace", rich, catalog.MergePartial,
			`{"entity_code": "A", "name": {"de": "Ventil"}, "pricing": {"list": 12}, "ean": ["036000291452"]}`,
			`{"entity_code": "A", "sku": "A", "name": {"en": "Valve", "it": "Valvola", "de": "Ventil"}, "price": 10,
			"pricing": {"list": 12, "currency": "EUR"}, "ean": ["036000291452"],
			"images": [{"url": "a.jpg"}, {"url": "b.jpg"}],
			"media": [{"type": "document", "url": "d1"}, {"type": "video", "url": "v1"}, {"type": "video", "url": "v2"}, {"url": "untyped"}]}`},
		{"partial replaces images wholesale", rich, catalog.MergePartial,
			`{"entity_code": "A", "images": [{"url": "c.jpg"}]}`,
			`{"entity_code": "A", "sku": "A", "name": {"en": "Valve", "it": "Valvola"}, "price": 10,
			"pricing": {"list": 10, "currency": "EUR"}, "ean": ["96385074", "4006381333931"], "images": [{"url": "c.jpg"}],
			"media": [{"type": "document", "url": "d1"}, {"type": "video", "url": "v1"}, {"type": "video", "url": "v2"}, {"url": "untyped"}]}`},
		{"partial merges media by type", rich, catalog.MergePartial,
			`{"entity_code": "A", "media": [{"type": "video", "url": "v3"}, {"type": "3d-model", "url": "m1"}]}`,
			`{"entity_code": "A", "sku": "A", "name": {"en": "Valve", "it": "Valvola"}, "price": 10,
			"pricing": {"list": 10, "currency": "EUR"}, "ean": ["96385074", "4006381333931"], "images": [{"url": "a.jpg"}, {"url": "b.jpg"}],
			"media": [{"type": "document", "url": "d1"}, {"url": "untyped"}, {"type": "video", "url": "v3"}, {"type": "3d-model", "url": "m1"}]}`},
		{"partial keeps an existing sku", `{"entity_code": "A", "sku": "S-1"}`, catalog.MergePartial,
			`{"entity_code": "A", "price": 1}`, `{"entity_code": "A", "sku": "S-1", "price": 1}`},
		{"partial matches by sku", `{"entity_code": "S-1", "price": 1}`, catalog.MergePartial,
			`{"sku": "S-1", "brand": "acme"}`, `{"entity_code": "S-1", "sku": "S-1", "price": 1, "brand": "acme"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			directImport(t, s, importReq(DefaultSourceID, product(t, tt.existing)))
			in := product(t, tt.incoming)
			body := importReq(DefaultSourceID, in)
			if tt.mode != "" {
				body["merge_mode"] = tt.mode
			}
			directImport(t, s, body)
			code, _ := entityCode(in)
			vs := s.Versions(code)
			if len(vs) != 2 {
				t.Fatalf("%d versions, want 2", len(vs))
			}
			if diff := cmp.Diff(product(t, tt.want), vs[1].Data); diff != "" {
				t.Errorf("new version (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(product(t, tt.existing)["price"], vs[0].Data["price"]); diff != "" {
				t.Errorf("merging changed the previous version (-want +got):\n%s", diff)
			}
		})
	}
}

// Locked fields come back from the previous version in both modes;
// in replace mode so do omitted auto-publish flags.
func TestRuleLockedFields(t *testing.T) {
	s := newTestServer(t, WithSource(catalog.Source{ID: "erp", LockedFields: []string{"name", "pricing.list", "missing.path"}}))
	imp := func(mode catalog.MergeMode, literal string) {
		body := importReq("erp", product(t, literal))
		body["merge_mode"] = mode
		directImport(t, s, body)
	}
	imp(catalog.MergeReplace, `{"entity_code": "A", "name": "Original", "pricing": {"list": 10, "retail": 12}}`)
	imp(catalog.MergeReplace, `{"entity_code": "A", "name": "Changed", "pricing": {"list": 99, "retail": 15}, "brand": "x"}`)
	imp(catalog.MergePartial, `{"entity_code": "A", "name": {"it": "Nuovo"}, "pricing": {"list": 1, "sale": 9}}`)
	imp(catalog.MergeReplace, `{"entity_code": "A"}`)

	want := []string{
		`{"entity_code": "A", "sku": "A", "name": {"en": "Original"}, "pricing": {"list": 10, "retail": 12}}`,
		`{"entity_code": "A", "sku": "A", "name": {"en": "Original"}, "pricing": {"list": 10, "retail": 15}, "brand": "x"}`,
		`{"entity_code": "A", "sku": "A", "name": {"en": "Original"}, "pricing": {"list": 10, "retail": 15, "sale": 9}, "brand": "x"}`,
		`{"entity_code": "A", "sku": "A", "name": {"en": "Original"}, "pricing": {"list": 10}}`,
	}
	vs := s.Versions("A")
	if len(vs) != len(want) {
		t.Fatalf("%d versions, want %d", len(vs), len(want))
	}
	for i, w := range want {
		if diff := cmp.Diff(product(t, w), vs[i].Data); diff != "" {
			t.Errorf("version %d (-want +got):\n%s", i+1, diff)
		}
	}
}

func TestRulePublishFlagsKeptInReplace(t *testing.T) {
	s := newTestServer(t)
	directImport(t, s, importReq(DefaultSourceID, product(t, `{"entity_code": "A",
		"auto_publish_enabled": false, "min_score_threshold": 50, "required_fields": ["name"]}`)))
	directImport(t, s, importReq(DefaultSourceID, product(t, `{"entity_code": "A", "name": "x"}`)))
	directImport(t, s, importReq(DefaultSourceID, product(t, `{"entity_code": "A", "auto_publish_enabled": true, "required_fields": []}`)))

	vs := s.Versions("A")
	want := []string{
		`{"entity_code": "A", "sku": "A", "name": {"en": "x"}, "auto_publish_enabled": false, "min_score_threshold": 50, "required_fields": ["name"]}`,
		`{"entity_code": "A", "sku": "A", "auto_publish_enabled": true, "min_score_threshold": 50, "required_fields": []}`,
	}
	for i, w := range want {
		if diff := cmp.Diff(product(t, w), vs[i+1].Data); diff != "" {
			t.Errorf("version %d (-want +got):\n%s", i+2, diff)
		}
	}
	// The re-applied flag keeps version 2 a draft although the source
	// publishes everything.
	if vs[1].Status != StatusDraft || vs[2].Status != StatusPublished {
		t.Errorf("statuses = %s, %s; want draft, published", vs[1].Status, vs[2].Status)
	}
}

// Every upsert is a new version; re-sent rows are not deduplicated.
func TestRuleVersioning(t *testing.T) {
	clock := NewFakeClock(t0)
	s := newTestServer(t, WithClock(clock), WithSource(supplierFeed))
	row := map[string]any{"entity_code": "A", "name": "Valve"}
	meta := &catalog.BatchMetadata{BatchID: "b-1", BatchPart: 2, BatchTotalParts: 3, BatchTotalItems: 30}
	var jobIDs []string
	for i := range 3 {
		body := importReq(supplierFeed.ID, row)
		body["batch_metadata"] = meta
		if i == 2 {
			body["batch_id"] = "explicit"
		}
		jobIDs = append(jobIDs, directImport(t, s, body).body["job_id"].(string))
		clock.Advance(time.Second)
	}

	vs := s.Versions("A")
	var want []ProductVersion
	for i := range 3 {
		at := t0.Add(time.Duration(i) * time.Second)
		batchID := "b-1"
		if i == 2 {
			batchID = "explicit"
		}
		want = append(want, ProductVersion{EntityCode: "A", SKU: "A", Version: i + 1, IsCurrent: i == 2,
			Status: StatusDraft, Score: 50, Data: product(t, `{"entity_code": "A", "sku": "A", "name": {"en": "Valve"}}`),
			Source: VersionSource{SourceID: supplierFeed.ID, SourceName: supplierFeed.Name, ImportedAt: at,
				BatchID: batchID, BatchMetadata: meta},
			JobID: jobIDs[i], CreatedAt: at})
	}
	if diff := cmp.Diff(want, vs); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}
	if cur := mustProduct(t, s, "A"); cur.Version != 3 {
		t.Errorf("current version = %d, want 3", cur.Version)
	}
	first, _ := s.Job(jobIDs[0])
	second, _ := s.Job(jobIDs[1])
	if first.CreatedRows != 1 || first.UpdatedRows != 0 || second.CreatedRows != 0 || second.UpdatedRows != 1 {
		t.Errorf("created/updated = %d/%d then %d/%d, want 1/0 then 0/1",
			first.CreatedRows, first.UpdatedRows, second.CreatedRows, second.UpdatedRows)
	}
}

func TestStateIsCopied(t *testing.T) {
	s := newTestServer(t)
	directImport(t, s, importReq(DefaultSourceID, product(t, `{"entity_code": "A", "pricing": {"list": 1}}`)))
	p := mustProduct(t, s, "A")
	p.Data["pricing"].(map[string]any)["list"] = "changed"
	s.Versions("A")[0].Data["sku"] = "changed"
	s.Products()[0].Data["entity_code"] = "changed"
	want := product(t, `{"entity_code": "A", "sku": "A", "pricing": {"list": 1}}`)
	if diff := cmp.Diff(want, mustProduct(t, s, "A").Data); diff != "" {
		t.Errorf("stored data changed through a returned copy (-want +got):\n%s", diff)
	}
}

// Auto-publish by completeness score.
func TestRuleAutoPublish(t *testing.T) {
	fifty := 50.0
	sources := []Option{
		WithSource(catalog.Source{ID: "strict", AutoPublishEnabled: catalog.Ptr(true), RequiredFields: []string{"name", "sku", "pricing.list", "images"}}),
		WithSource(catalog.Source{ID: "lenient", AutoPublishEnabled: catalog.Ptr(true), MinScoreThreshold: &fifty, RequiredFields: []string{"name", "sku", "pricing.list", "images"}}),
		WithSource(catalog.Source{ID: "off", RequiredFields: []string{"name"}}),
	}
	const full = `"name": "Valve", "pricing": {"list": 1}, "images": [{"url": "a.jpg"}]`
	tests := []struct {
		name      string
		source    string
		product   string
		wantScore float64
		wantPub   bool
	}{
		{"all required fields", "strict", full, 100, true},
		{"one of four missing", "strict", `"name": "Valve", "pricing": {"list": 1}`, 75, false},
		{"empty array is not populated", "strict", `"name": "Valve", "pricing": {"list": 1}, "images": []`, 75, false},
		{"empty string is not populated", "strict", `"name": "Valve", "pricing": {"list": 1, "currency": ""}, "required_fields": ["name", "sku", "pricing.list", "pricing.currency"]`, 75, false},
		{"null is not populated", "strict", `"name": "Valve", "pricing": {"list": null}, "images": [{"url": "a.jpg"}]`, 75, false},
		{"dotted path through a missing object", "strict", `"name": "Valve", "pricing": {}, "images": [{"url": "a.jpg"}]`, 75, false},
		{"product threshold", "strict", `"name": "Valve", "pricing": {"list": 1}, "min_score_threshold": 75`, 75, true},
		{"product disables", "strict", full + `, "auto_publish_enabled": false`, 100, false},
		{"product required fields", "strict", `"required_fields": ["brand"], "brand": {}`, 0, false},
		{"product required fields met", "strict", `"required_fields": ["brand"], "brand": {"id": 1}`, 100, true},
		{"source threshold", "lenient", `"name": "Valve"`, 50, true},
		{"source disabled", "off", `"name": "Valve"`, 100, false},
		{"product enables", "off", `"name": "Valve", "auto_publish_enabled": true`, 100, true},
		{"no required fields", DefaultSourceID, `"brand": "acme"`, 100, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, append([]Option{WithClock(NewFakeClock(t0))}, sources...)...)
			a := directImport(t, s, importReq(tt.source, product(t, `{"entity_code": "A", `+tt.product+`}`)))
			p := mustProduct(t, s, "A")
			want := ProductVersion{Score: tt.wantScore, Status: StatusDraft}
			wantPublished := 0.0
			if tt.wantPub {
				want.Status, want.PublishedAt, wantPublished = StatusPublished, t0, 1
			}
			got := ProductVersion{Score: p.Score, Status: p.Status, PublishedAt: p.PublishedAt}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if n := a.object(t, "summary")["auto_published"]; n != wantPublished {
				t.Errorf("summary.auto_published = %v, want %v", n, wantPublished)
			}
		})
	}
}

// Search sync batches of 50 successful rows.
func TestRuleSearchSync(t *testing.T) {
	rows := func(n int, prefix string) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = map[string]any{"entity_code": fmt.Sprintf("%s%03d", prefix, i)}
		}
		return out
	}
	s := newTestServer(t)
	a := directImport(t, s, importReq(DefaultSourceID, rows(120, "A")...))
	if got := a.object(t, "summary")["sync_batches_queued"]; got != 3.0 {
		t.Errorf("sync_batches_queued = %v, want 3", got)
	}
	if got := a.body["message"]; got != "Imported 120 of 120 products successfully, queued 3 search-sync batches" {
		t.Errorf("message = %q", got)
	}
	// Failed rows are not synced: 50 good rows make one batch.
	withBad := append(rows(50, "B"), map[string]any{"name": "no id"})
	a = directImport(t, s, importReq(DefaultSourceID, withBad...))
	if got := a.object(t, "summary")["sync_batches_queued"]; got != 1.0 {
		t.Errorf("sync_batches_queued = %v, want 1", got)
	}
	// Queued imports sync too.
	send(t, s, http.MethodPost, pathImportQueue, importReq(DefaultSourceID, rows(1, "C")...)).wantStatus(t, http.StatusAccepted, "")
	waitJobs(t, s)
	if got := s.SearchSyncBatches(); got != 5 {
		t.Errorf("SearchSyncBatches = %d, want 5", got)
	}
	codes := s.SearchSyncEntityCodes()
	if len(codes) != 171 || codes[0] != "A000" || codes[170] != "C000" {
		t.Errorf("SearchSyncEntityCodes: %d codes from %v to %v, want 171 from A000 to C000", len(codes), codes[0], codes[len(codes)-1])
	}

	off := newTestServer(t, WithSearchSync(false))
	a = directImport(t, off, importReq(DefaultSourceID, rows(120, "A")...))
	if got := a.object(t, "summary")["sync_batches_queued"]; got != 0.0 || off.SearchSyncBatches() != 0 {
		t.Errorf("with search sync off: sync_batches_queued = %v, counter %d; want 0", got, off.SearchSyncBatches())
	}
}

// The platform documentation's full product payload is imported and stored as sent.
func TestFullPayload(t *testing.T) {
	clock := NewFakeClock(t0)
	s := newTestServer(t, WithClock(clock), WithSource(catalog.Source{ID: "supplier-weekly-feed", Name: "Supplier weekly feed"}))
	raw := readFixture(t, "full_payload.json")
	a := send(t, s, http.MethodPost, pathImportAPI, raw)
	a.wantStatus(t, http.StatusOK, "")
	summary := map[string]any{"total": 1.0, "successful": 1.0, "failed": 0.0, "auto_published": 1.0,
		"duration_seconds": 0.0, "sync_batches_queued": 1.0, "inserted": 1.0, "updated": 0.0}
	if diff := cmp.Diff(summary, a.object(t, "summary")); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	debug := map[string]any{
		"batch_id":         "weekly-2026-17",
		"batch_metadata":   map[string]any{"batch_id": "weekly-2026-17", "batch_part": 1.0, "batch_total_parts": 4.0, "batch_total_items": 8000.0},
		"channel_metadata": map[string]any{"b2b": map[string]any{"tenant_id": "acme"}, "b2c": map[string]any{"store_id": "store_main"}},
		"first_product_source": map[string]any{"source_id": "supplier-weekly-feed", "source_name": "Supplier weekly feed",
			"imported_at": "2026-04-24T12:58:55.123Z", "batch_id": "weekly-2026-17",
			"batch_metadata": map[string]any{"batch_id": "weekly-2026-17", "batch_part": 1.0, "batch_total_parts": 4.0, "batch_total_items": 8000.0}},
	}
	if diff := cmp.Diff(debug, a.object(t, "debug")); diff != "" {
		t.Errorf("debug (-want +got):\n%s", diff)
	}

	var req map[string]any
	if err := decodeJSON(raw, &req); err != nil {
		t.Fatal(err)
	}
	sent := req["products"].([]any)[0].(map[string]any)
	p := mustProduct(t, s, "SKU-0001")
	// Every multilingual field is already keyed by configured languages, so
	// the payload is stored exactly as sent, numbers keeping their text.
	if diff := cmp.Diff(sent, p.Data); diff != "" {
		t.Errorf("stored data (-want +got):\n%s", diff)
	}
	if p.Status != StatusPublished || p.Score != 100 {
		t.Errorf("status %s, score %v; want published, 100", p.Status, p.Score)
	}
	job, _ := s.Job(a.body["job_id"].(string))
	if job.BatchID != "weekly-2026-17" || job.BatchPart != 1 || job.BatchTotalParts != 4 || job.BatchTotalItems != 8000 {
		t.Errorf("job batch fields = %q %d %d %d", job.BatchID, job.BatchPart, job.BatchTotalParts, job.BatchTotalItems)
	}
}

func TestNumbersKeepTheirText(t *testing.T) {
	s := newTestServer(t)
	body := `{"source_id": "default", "products": [{"entity_code": "A", "price": 9.80, "qty": 1e3, "big": 12345678901234567890}]}`
	send(t, s, http.MethodPost, pathImportAPI, body).wantStatus(t, http.StatusOK, "")
	want := map[string]any{"entity_code": "A", "sku": "A", "price": json.Number("9.80"), "qty": json.Number("1e3"),
		"big": json.Number("12345678901234567890")}
	if diff := cmp.Diff(want, mustProduct(t, s, "A").Data); diff != "" {
		t.Errorf("stored data (-want +got):\n%s", diff)
	}
}

func TestConcurrentImports(t *testing.T) {
	s := newTestServer(t, WithRateLimit(0, 0))
	const workers, perWorker = 8, 10
	post := func(path string, body string) error {
		req, err := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(body))
		if err != nil {
			return err
		}
		defaultAuth(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			return fmt.Errorf("%s: status %d", path, resp.StatusCode)
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker*2)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				path := pathImportAPI
				if i%2 == 1 {
					path = pathImportQueue
				}
				body := fmt.Sprintf(`{"source_id": "default", "merge_mode": "partial", "products": [
					{"entity_code": "SHARED", "w%d": %d}, {"entity_code": "G%d", "i": %d}]}`, w, i, w, i)
				errs <- post(path, body)
				_ = s.Products()
				_ = s.Jobs()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	waitJobs(t, s)

	vs := s.Versions("SHARED")
	if len(vs) != workers*perWorker {
		t.Fatalf("SHARED has %d versions, want %d", len(vs), workers*perWorker)
	}
	for i, v := range vs {
		if v.Version != i+1 || v.IsCurrent != (i == len(vs)-1) {
			t.Errorf("version %d: number %d, current %v", i+1, v.Version, v.IsCurrent)
		}
	}
	// Partial merges lost nothing: the last version has every worker's key.
	for w := range workers {
		if _, ok := vs[len(vs)-1].Data[fmt.Sprint("w", w)]; !ok {
			t.Errorf("current SHARED lacks w%d", w)
		}
	}
	if n := len(s.Products()); n != workers+1 {
		t.Errorf("%d products, want %d", n, workers+1)
	}
}

func TestProductVersionProduct(t *testing.T) {
	s := newTestServer(t, WithSource(catalog.Source{ID: "erp", FieldMappings: map[string]string{"Prix": "pricing.list"}}))
	directImport(t, s, importReq("erp", product(t, `{"entity_code": "A", "name": "Valve",
		"description": {"en": "Brass valve", "it": "Valvola in ottone"}, "Prix": 12.50,
		"pricing": {"currency": "EUR"}, "ean": ["8001234567890"], "quantity": 3, "warehouse_note": "aisle 4"}`)))
	partial := importReq("erp", product(t, `{"entity_code": "A", "name": {"it": "Valvola"}, "quantity": 0}`))
	partial["merge_mode"] = catalog.MergePartial
	directImport(t, s, partial)

	v := mustProduct(t, s, "A")
	got, err := v.Product()
	if err != nil {
		t.Fatal(err)
	}
	want := catalog.Product{
		EntityCode:  "A",
		SKU:         "A",
		Name:        catalog.Localized(map[string]string{"en": "Valve", "it": "Valvola"}),
		Description: catalog.Localized(map[string]string{"en": "Brass valve", "it": "Valvola in ottone"}),
		Pricing:     &catalog.Pricing{List: catalog.Ptr(12.5), Currency: catalog.Ptr("EUR")},
		EAN:         []string{"8001234567890"},
		Quantity:    catalog.Ptr(0.0),
		Extra:       map[string]any{"warehouse_note": "aisle 4"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stored product mismatch (-want +got):\n%s", diff)
	}
	if v.Data["warehouse_note"] != "aisle 4" {
		t.Errorf("Data[warehouse_note] = %v, want the key the model lacks kept in Data", v.Data["warehouse_note"])
	}

	// The first version reads back as it was stored then.
	first, err := s.Versions("A")[0].Product()
	if err != nil {
		t.Fatal(err)
	}
	if names, _ := first.Name.Localized(); !maps.Equal(names, map[string]string{"en": "Valve"}) || *first.Quantity != 3 {
		t.Errorf("first version: name %v, quantity %v; want en=\"Valve\" only and 3", first.Name, *first.Quantity)
	}
}

// TestProductVersionProductMismatch: a stored value that does not fit the
// model (a quantity that is not a number) fails, naming the version. An
// import refuses such a row (TestMappedInvalidEANAndQuantityRefused), so
// only SeedVersions stores one. (A name of 5 is read as the text "5": see
// TestProductReadsWrappedTexts.)
func TestProductVersionProductMismatch(t *testing.T) {
	s := newTestServer(t)
	if err := s.SeedVersions(ProductVersion{EntityCode: "A", Data: map[string]any{"quantity": "many"}}); err != nil {
		t.Fatal(err)
	}
	_, err := mustProduct(t, s, "A").Product()
	if err == nil || !strings.Contains(err.Error(), `product "A" version 1 does not fit catalog.Product`) {
		t.Errorf("Product() error = %v, want one naming product A, version 1", err)
	}
}
