package catalogtest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pimkit/catalog"
)

func TestCreateSource(t *testing.T) {
	s := newTestServer(t, WithClock(NewFakeClock(t0)))
	body := map[string]any{
		"source_id": "erp", "source_name": "ERP feed",
		"field_mappings":       map[string]any{"code": "entity_code", "price": "pricing.list"},
		"locked_fields":        []any{"name"},
		"auto_publish_enabled": true, "min_score_threshold": 60,
		"required_fields": []any{"name", "pricing.list"},
	}
	a := send(t, s, http.MethodPost, pathSources, body)
	a.wantStatus(t, http.StatusCreated, "")
	wantSource := map[string]any{}
	for k, v := range body {
		wantSource[k] = v
	}
	wantSource["min_score_threshold"] = 60.0
	wantSource["created_at"] = "2026-04-24T12:58:55.123Z"
	if diff := cmp.Diff(map[string]any{"success": true, "source": wantSource}, a.body); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}

	// The new source drives imports: mapping, then score 100 >= 60.
	directImport(t, s, importReq("erp", map[string]any{"code": "A", "name": "Valve", "price": 3}))
	p := mustProduct(t, s, "A")
	if p.Status != StatusPublished || p.Source.SourceName != "ERP feed" {
		t.Errorf("product status %s from %q, want published from ERP feed", p.Status, p.Source.SourceName)
	}
}

func TestCreateSourceDefaults(t *testing.T) {
	s := newTestServer(t, WithClock(NewFakeClock(t0)))
	a := send(t, s, http.MethodPost, pathSources, map[string]any{"source_id": "bare"})
	a.wantStatus(t, http.StatusCreated, "")
	want := map[string]any{"source_id": "bare", "source_name": "", "field_mappings": map[string]any{},
		"locked_fields": []any{}, "auto_publish_enabled": false, "required_fields": []any{},
		"created_at": "2026-04-24T12:58:55.123Z"}
	if diff := cmp.Diff(want, a.object(t, "source")); diff != "" {
		t.Errorf("source (-want +got):\n%s", diff)
	}
}

func TestCreateSourceErrors(t *testing.T) {
	s := newTestServer(t)
	send(t, s, http.MethodPost, pathSources, map[string]any{"source_id": "erp"}).wantStatus(t, http.StatusCreated, "")
	tests := []struct {
		name    string
		body    any
		status  int
		code    catalog.ErrorCode
		wantMsg string
	}{
		{"duplicate", map[string]any{"source_id": "erp"}, http.StatusConflict, codeConflict, `source "erp" already exists`},
		{"duplicate of the default source", map[string]any{"source_id": DefaultSourceID}, http.StatusConflict, codeConflict, "already exists"},
		{"missing source_id", map[string]any{"source_name": "x"}, http.StatusBadRequest, codeValidation, "source_id is required"},
		{"empty mapping target", map[string]any{"source_id": "x", "field_mappings": map[string]any{"a": ""}}, http.StatusBadRequest, codeValidation, "not a valid target"},
		{"empty path segment", map[string]any{"source_id": "x", "field_mappings": map[string]any{"a": "pricing..list"}}, http.StatusBadRequest, codeValidation, "not a valid target"},
		{"mapping target not a string", map[string]any{"source_id": "x", "field_mappings": map[string]any{"a": 1}}, http.StatusBadRequest, codeValidation, "field field_mappings must be a string"},
		{"threshold out of range", map[string]any{"source_id": "x", "min_score_threshold": 150}, http.StatusBadRequest, codeValidation, "between 0 and 100"},
		{"bad JSON", `{"source_id": `, http.StatusBadRequest, codeValidation, "unexpected end of input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := send(t, s, http.MethodPost, pathSources, tt.body)
			a.wantStatus(t, tt.status, tt.code)
			if msg := a.body["error"].(string); !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("error = %q, want it to contain %q", msg, tt.wantMsg)
			}
		})
	}
	if n := len(s.Sources()); n != 2 {
		t.Errorf("%d sources after rejected creations, want 2", n)
	}
}

func TestSeededSources(t *testing.T) {
	clock := NewFakeClock(t0)
	earlier := t0.Add(-time.Hour)
	s := newTestServer(t, WithClock(clock),
		WithSource(catalog.Source{ID: "zeta", Name: "first"}),
		WithSource(catalog.Source{ID: "zeta", Name: "second", CreatedAt: earlier}),
		WithSource(catalog.Source{ID: "alpha", LockedFields: []string{"name"}}))
	if err := s.AddSource(catalog.Source{ID: "beta", RequiredFields: []string{"sku"}}); err != nil {
		t.Fatal(err)
	}
	want := []catalog.Source{
		{ID: "alpha", LockedFields: []string{"name"}, CreatedAt: t0},
		{ID: "beta", RequiredFields: []string{"sku"}, CreatedAt: t0},
		{ID: DefaultSourceID, Name: "Default source", AutoPublishEnabled: catalog.Ptr(true), CreatedAt: t0},
		{ID: "zeta", Name: "second", CreatedAt: earlier},
	}
	got := s.Sources()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Sources (-want +got):\n%s", diff)
	}
	got[0].LockedFields[0] = "changed"
	if s.Sources()[0].LockedFields[0] != "name" {
		t.Error("Sources returned the server's own slice")
	}
}

func TestReplaceDefaultSource(t *testing.T) {
	s := newTestServer(t, WithSource(catalog.Source{ID: DefaultSourceID, Name: "Mine", RequiredFields: []string{"name"}}))
	directImport(t, s, importReq(DefaultSourceID, map[string]any{"entity_code": "A"}))
	// Not auto-publishing any more, and name is required.
	if p := mustProduct(t, s, "A"); p.Status != StatusDraft || p.Score != 0 || p.Source.SourceName != "Mine" {
		t.Errorf("status %s, score %v, source %q", p.Status, p.Score, p.Source.SourceName)
	}
}

func TestAddSourceErrors(t *testing.T) {
	s := newTestServer(t)
	if err := s.AddSource(catalog.Source{}); err == nil {
		t.Error("AddSource with no ID succeeded")
	}
	if err := s.AddSource(catalog.Source{ID: DefaultSourceID}); err == nil {
		t.Error("AddSource with a taken ID succeeded")
	}
}

func TestSourceMutationAfterSeeding(t *testing.T) {
	src := catalog.Source{ID: "erp", FieldMappings: map[string]string{"a": "b"}}
	s := newTestServer(t, WithSource(src))
	src.FieldMappings["a"] = "c" // the caller's map is not shared with the server
	directImport(t, s, importReq("erp", map[string]any{"entity_code": "A", "a": 1}))
	if _, ok := mustProduct(t, s, "A").Data["b"]; !ok {
		t.Error("mapping changed through the caller's map")
	}
}
