package main

import (
	"strings"
	"testing"
)

// Each mapping mistake is refused before a row is sent, saying what to do;
// a mapping that names what becomes of every column imports.
func TestImportMappingMistakes(t *testing.T) {
	srv, env := fake(t)
	csv := writeFile(t, "products.csv", "sku;price;colour\nA-1;12,50;red\n")
	for _, c := range []struct {
		name string
		args []string
		want []string
	}{
		{"mapped column the file lacks", []string{"--map", "sku=sku", "--map", "Prix=pricing.list", "--unmapped", "drop"},
			[]string{`mapped column "Prix" is not in the file`, `the file's columns: "sku", "price", "colour"`}},
		{"unmapped columns", []string{"--map", "sku=sku", "--map", "price=pricing.list"},
			[]string{`column "colour" is not mapped`}},
		{"object target", []string{"--map", "sku=sku", "--map", "colour=category", "--map", "price=pricing.list"},
			[]string{`"category" is an object: map its fields`, "category.name"}},
		{"unknown fate", []string{"--map", "sku=sku", "--unmapped", "keep"}, []string{"want error, drop, meta or extra"}},
		{"constant that does not convert", []string{"--map", "sku=sku", "--unmapped", "drop", "--constant", "pricing.vat_rate=high"},
			[]string{`"high"`, "not a number"}},
	} {
		args := append([]string{"import", csv, "--rate-limit", "off"}, c.args...)
		r := ctl(t, env, args...).want(t, exitUsage)
		for _, w := range c.want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("%s: stderr lacks %q:\n%s", c.name, w, r.stderr)
			}
		}
	}
	if _, ok := srv.Product("A-1"); ok {
		t.Fatal("a refused mapping imported a row")
	}
	r := ctl(t, env, "import", csv, "--rate-limit", "off", "--map", "sku=sku", "--map", "price=pricing.list",
		"--unmapped", "meta", "--constant", "pricing.currency=EUR").want(t, exitOK)
	if !strings.Contains(r.stderr, `columns not mapped (meta): ["colour"]`) {
		t.Errorf("stderr does not report the unmapped column:\n%s", r.stderr)
	}
	v, ok := srv.Product("A-1")
	if !ok {
		t.Fatal("A-1 not imported")
	}
	p, _ := v.Product()
	if p.Pricing == nil || p.Pricing.Currency == nil || *p.Pricing.Currency != "EUR" || len(p.Meta) != 1 || *p.Meta[0].Key != "colour" {
		t.Fatalf("A-1 = %+v, meta %+v", p.Pricing, p.Meta)
	}
}

// fields lists the paths a mapping may name.
func TestFieldsCommand(t *testing.T) {
	r := ctl(t, nil, "fields").want(t, exitOK)
	for _, w := range []string{"\npricing.currency\n", "\ncategory.name\n", "\nname.<lang>\n"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("stdout lacks %q", w)
		}
	}
	if strings.Contains(r.stdout, "\ncategory\n") {
		t.Error("fields lists the object category")
	}
}

// A binary file named .csv is refused as not a CSV before anything is sent.
func TestImportBinaryCSVRefused(t *testing.T) {
	_, env := fake(t)
	bin := writeFile(t, "export.csv", "PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00")
	r := ctl(t, env, "import", bin, "--rate-limit", "off").want(t, exitUsage)
	if !strings.Contains(r.stderr, "not a CSV") || !strings.Contains(r.stderr, "zip archive") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
}

// import takes a source's own JSON as its --mapping: the field_mappings
// that upload leaves to the platform map the columns locally.
func TestImportWithASourcesMappings(t *testing.T) {
	srv, env := fake(t)
	csv := writeFile(t, "products.csv", "sku;price\nS-1;7,25\n")
	source := writeFile(t, "source.json", `{"source_id":"erp","field_mappings":{"sku":"sku","price":"pricing.list"}}`)
	ctl(t, env, "import", csv, "--rate-limit", "off", "--mapping", source).want(t, exitOK)
	v, ok := srv.Product("S-1")
	if !ok {
		t.Fatal("S-1 not imported")
	}
	if p, err := v.Product(); err != nil || p.Pricing == nil || *p.Pricing.List != 7.25 {
		t.Fatalf("S-1 = %+v, %v; want the price mapped by the source's field_mappings", p, err)
	}
}
