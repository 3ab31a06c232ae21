package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

// multiLineCSV has a quoted cell over two lines, so that rows and file
// lines part ways, and a price that is not a number on line 5.
const multiLineCSV = "Code;Titre;Prix\nA-1;\"Valve\nbrass\";12,50\nA-2;Pump;99\nA-3;Hose;x\nA-4;Nut;1\n"

// The summary groups failed rows by cause, one line each, names the file
// lines they came from, prints a cause once and a gateway's page as its
// status and title.
func TestImportSummaryGroupsRowsByCause(t *testing.T) {
	csv := writeFile(t, "products.csv", multiLineCSV)
	args := append([]string{"import", csv, "--rate-limit", "off", "--retries", "0", "--concurrency", "1"}, mapFlags...)
	for _, c := range []struct {
		name  string
		stub  *catalogtest.Stub
		env   map[string]string
		lines []string // the summary's lines, in order
		not   []string
	}{
		{name: "401", env: map[string]string{envAPISecret: "sk_wrong_ctl_8d2f"}, lines: []string{
			"Failed rows, by cause:",
			"  3 rows (lines 2, 4, 6): its request failed: 401 Unauthorized (UNAUTHENTICATED): invalid credentials: check the credential (API key, token or session)",
			`  line 5: the stream yielded an error: products.csv: line 5, column 3 "Prix" -> pricing.list: "x": not a number`,
		}, not: []string{"row "}},
		{name: "gateway page", stub: &catalogtest.Stub{Op: catalogtest.OpImportAPI, Status: 502, Header: http.Header{"Content-Type": {"text/html"}},
			Body: "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>"},
			lines: []string{
				`  line 5: the stream yielded an error: products.csv: line 5, column 3 "Prix" -> pricing.list: "x": not a number`,
				"Rows whose outcome is unknown (they may have been applied), by cause:",
				"  3 rows (lines 2, 4, 6): its request may have been applied: 502 Bad Gateway: the platform failed: try again later",
			}, not: []string{"<", "nginx"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv, env := fake(t)
			if c.stub != nil {
				srv.Stub(*c.stub)
			}
			for k, v := range c.env {
				env[k] = v
			}
			r := ctl(t, env, args...).want(t, exitRows) // mixed: a request's cause and a row of its own
			if !strings.Contains(r.stdout, strings.Join(c.lines, "\n")+"\n") {
				t.Errorf("stdout lacks\n%s\nin\n%s", strings.Join(c.lines, "\n"), r.stdout)
			}
			for _, s := range c.not {
				if strings.Contains(r.stdout, s) {
					t.Errorf("stdout has %q:\n%s", s, r.stdout)
				}
			}
			if n := strings.Count(r.stdout, "401 Unauthorized"); n > 1 { // not "401" alone: the temporary path may hold it
				t.Errorf("the cause is printed %d times:\n%s", n, r.stdout)
			}
			// --json names each row's file line too.
			r = ctl(t, env, append(args, "--json")...).want(t, exitRows)
			var out struct {
				Failed  []rowErrorOut `json:"failed"`
				Unknown []rowErrorOut `json:"unknown"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
				t.Fatal(err)
			}
			lines := map[int]bool{}
			for _, e := range append(out.Failed, out.Unknown...) {
				lines[e.Line] = true
			}
			if len(lines) != 4 || !lines[2] || !lines[4] || !lines[5] || !lines[6] {
				t.Errorf("--json lines = %v, want 2, 4, 5 and 6", lines)
			}
		})
	}
}

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "0 rows", 1: "1 row", 2: "2 rows", 2000: "2,000 rows", 1234567: "1,234,567 rows"} {
		if got := plural(n, "row", "rows"); got != want {
			t.Errorf("plural(%d) = %q, want %q", n, got, want)
		}
	}
}

// A row the client refuses names the file's column of the field at fault,
// with the row's file line.
func TestSummaryNamesTheColumn(t *testing.T) {
	_, env := fake(t)
	csv := writeFile(t, "stock.csv", "Code;Stock\nB-1;4\nB-2;-3\n")
	r := ctl(t, env, "import", csv, "--rate-limit", "off", "--map", "Code=entity_code", "--map", "Stock=quantity").want(t, exitRows)
	if want := `  line 3 (B-2): column "Stock" -> quantity: must be a finite number >= 0, got -3`; !strings.Contains(r.stdout, want) {
		t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
	}
}

// A row refused for several fields lists each, by its column, in the
// summary and in --json.
func TestSummaryListsEveryProblemOfARow(t *testing.T) {
	_, env := fake(t)
	csv := writeFile(t, "stock.csv", "Code;Stock;Prix;Poids\nB-1;4;1;1\nB-2;-3;-1;-2\n")
	args := []string{"import", csv, "--rate-limit", "off", "--map", "Code=entity_code", "--map", "Stock=quantity", "--map", "Prix=pricing.list", "--map", "Poids=weight"}
	r := ctl(t, env, args...).want(t, exitRows)
	want := `  line 3 (B-2): column "Stock" -> quantity: must be a finite number >= 0, got -3; ` +
		`column "Poids" -> weight: must be a finite number >= 0, got -2; ` +
		`column "Prix" -> pricing.list: price must be a finite number >= 0, got -1`
	if !strings.Contains(r.stdout, want) {
		t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
	}
	r = ctl(t, env, append(args, "--json")...).want(t, exitRows)
	var out struct {
		Failed []rowErrorOut `json:"failed"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Failed) != 1 || len(out.Failed[0].Problems) != 3 {
		t.Fatalf("--json failed rows %+v", out.Failed)
	}
	if p := out.Failed[0].Problems[2]; p != (problemOut{Field: "pricing.list", Column: "Prix", Value: "-1", Reason: "price must be a finite number >= 0, got -1"}) {
		t.Errorf("third problem %+v", p)
	}
}

// A job's row error with several problems is printed with each field.
func TestFormatRowErrorListsEveryProblem(t *testing.T) {
	e := catalog.RowError{Row: 3, EntityCode: "A-1", Reason: `invalid EAN "1"`, Code: "validation_error", Problems: []catalog.FieldProblem{
		{Field: "ean[0]", Value: "1", Reason: `invalid EAN "1"`}, {Field: "category", Value: "x", Reason: `category "x" does not exist`}}}
	want := `line 3 A-1: ean[0]: invalid EAN "1"; category: category "x" does not exist (validation_error)`
	if got := formatRowError("line", e); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	e.Problems = e.Problems[:1]
	if got, want := formatRowError("line", e), `line 3 A-1: invalid EAN "1" (validation_error)`; got != want {
		t.Errorf("one problem: got %q, want %q", got, want)
	}
}
