package catalogtest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pimkit/catalog"
)

func TestCategoryImportAppliesTheTreeRules(t *testing.T) {
	s := newTestServer(t)
	a := send(t, s, http.MethodPost, pathCategoriesImport, map[string]any{"categories": []any{
		map[string]any{"category_id": "root"},
		map[string]any{"category_id": "child", "parent_id": "root"},
		map[string]any{"category_id": "lost", "parent_id": "nowhere"},
		map[string]any{"name": "no id"},
		map[string]any{"category_id": "root", "parent_id": "child"}, // would make a cycle
	}})
	a.wantStatus(t, http.StatusOK, "")
	sum := a.object(t, "summary")
	if sum["total"] != 5.0 || sum["successful"] != 2.0 || sum["failed"] != 3.0 || sum["inserted"] != 2.0 || sum["updated"] != 0.0 {
		t.Errorf("summary %v", sum)
	}
	errs, _ := a.body["errors"].([]any)
	want := map[float64]string{2: `parent category "nowhere" does not exist`, 3: "category_id is required", 4: "cycle"}
	for _, e := range errs {
		m := e.(map[string]any)
		if w, ok := want[m["row"].(float64)]; !ok || !strings.Contains(m["error"].(string), w) {
			t.Errorf("row %v: %v; want an error only on rows 2, 3 and 4", m["row"], m["error"])
		}
	}
	if len(errs) != 3 {
		t.Errorf("errors %v", errs)
	}
	if c, _ := s.Category("root"); c.ParentID != nil {
		t.Errorf("root was given a parent: %+v", c)
	}
	send(t, s, http.MethodPost, pathCategoriesImport, map[string]any{"source_id": "nope", "categories": []any{map[string]any{"category_id": "x"}}}).
		wantStatus(t, http.StatusNotFound, catalog.CodeSourceNotFound)
	send(t, s, http.MethodPost, pathCategoriesImport, map[string]any{"categories": []any{}}).wantStatus(t, http.StatusBadRequest, codeValidation)
	send(t, s, http.MethodPost, pathPromotionsImport, map[string]any{"promotions": "x"}).wantStatus(t, http.StatusBadRequest, codeValidation)
}

func TestListingsPage(t *testing.T) {
	s := newTestServer(t)
	for i := range 5 {
		if err := s.SeedCategory(catalog.Category{CategoryID: catalog.Ptr(fmt.Sprintf("c%d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	a := send(t, s, http.MethodGet, pathCategories+"?page=3&per_page=2", nil)
	a.wantStatus(t, http.StatusOK, "")
	data, _ := a.body["data"].([]any)
	if meta := a.object(t, "meta"); meta["total"] != 5.0 || meta["page"] != 3.0 || len(data) != 1 || data[0].(map[string]any)["category_id"] != "c4" {
		t.Errorf("page 3: %s", a.raw)
	}
	send(t, s, http.MethodGet, pathCategories+"?per_page=1001", nil).wantStatus(t, http.StatusBadRequest, codeValidation)
	send(t, s, http.MethodGet, pathProducts, nil).wantStatus(t, http.StatusBadRequest, codeValidation)
	send(t, s, http.MethodGet, pathProducts+"?source_id=nope", nil).wantStatus(t, http.StatusNotFound, catalog.CodeSourceNotFound)
	send(t, s, http.MethodPost, pathProductsRemove, map[string]any{"source_id": DefaultSourceID, "entity_codes": []any{}}).
		wantStatus(t, http.StatusBadRequest, codeValidation)
	s.Reset()
	if len(s.Categories()) != 0 {
		t.Error("Reset kept the categories")
	}
}

// A selective update leaves locked fields alone, and the identifiers
// cannot be masked.
func TestUpdateMaskKeepsLockedFields(t *testing.T) {
	s := newTestServer(t, WithSource(catalog.Source{ID: "erp", LockedFields: []string{"pricing.list"}}))
	body := func(mask []string, p map[string]any) map[string]any {
		return map[string]any{"source_id": "erp", "update_mask": mask, "products": []any{p}}
	}
	send(t, s, http.MethodPost, pathImportAPI, map[string]any{"source_id": "erp", "products": []any{
		map[string]any{"entity_code": "A", "pricing": map[string]any{"list": 10, "sale": 9}}}}).wantStatus(t, http.StatusOK, "")
	send(t, s, http.MethodPost, pathImportAPI, body([]string{"pricing"}, map[string]any{"entity_code": "A", "pricing": map[string]any{"list": 99}})).
		wantStatus(t, http.StatusOK, "")
	p, _ := s.Product("A")
	pricing := p.Data["pricing"].(map[string]any)
	if fmt.Sprint(pricing["list"]) != "10" || pricing["sale"] != nil {
		t.Errorf("pricing %v, want the locked list price 10 and no sale price", pricing)
	}
	send(t, s, http.MethodPost, pathImportAPI, body([]string{"sku"}, map[string]any{"entity_code": "A"})).wantStatus(t, http.StatusBadRequest, codeValidation)
}
