package main

import (
	"encoding/json"
	"errors"
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

// closedURL is the URL of a port nothing listens on: one bound, then freed.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return "http://" + ln.Addr().String()
}

// An import's exit code is the class of its failed rows' cause when every
// row failed for one class, with or without --stop-on-error; rows that
// failed for causes of several classes, or on their own, exit 2.
func TestImportExitCodeTellsTheFailureClass(t *testing.T) {
	csv := writeFile(t, "products.csv", productsCSV)
	mixed := writeFile(t, "mixed.csv", productsCSV+"A-3;Hose;x\n")
	for _, c := range []struct {
		name string
		stub *catalogtest.Stub // on every import request
		env  func(env map[string]string)
		file string
		code int
	}{
		{name: "401", env: func(env map[string]string) { env[envAPISecret] = "sk_wrong_ctl_8d2f" }, file: csv, code: exitRefused},
		{name: "403", stub: &catalogtest.Stub{Op: catalogtest.OpImportAPI, Status: 403}, file: csv, code: exitRefused},
		{name: "500", stub: &catalogtest.Stub{Op: catalogtest.OpImportAPI, Status: 500}, file: csv, code: exitServer},
		{name: "503", stub: &catalogtest.Stub{Op: catalogtest.OpImportAPI, Status: 503}, file: csv, code: exitServer},
		{name: "network", env: func(env map[string]string) { env[envBaseURL] = closedURL(t) }, file: csv, code: exitNetwork},
		{name: "500 and a rejected row", stub: &catalogtest.Stub{Op: catalogtest.OpImportAPI, Status: 500}, file: mixed, code: exitRows},
		{name: "a rejected row", file: mixed, code: exitRows},
	} {
		for _, stop := range []bool{false, true} {
			name := c.name
			if stop {
				name += " --stop-on-error"
			}
			t.Run(name, func(t *testing.T) {
				srv, env := fake(t)
				if c.stub != nil {
					srv.Stub(*c.stub)
				}
				if c.env != nil {
					c.env(env)
				}
				args := append([]string{"import", c.file, "--rate-limit", "off", "--retries", "0", "--concurrency", "1"}, mapFlags...)
				if stop {
					args = append(args, "--stop-on-error")
				}
				r := ctl(t, env, args...).want(t, c.code)
				if !strings.Contains(r.stderr, "catalogctl: ") {
					t.Errorf("stderr %q does not give the error", r.stderr)
				}
			})
		}
	}
}

// A sync's exit code follows the same rule over all its stages.
func TestSyncExitCodeTellsTheFailureClass(t *testing.T) {
	srv, env := fake(t)
	srv.Stub(catalogtest.Stub{Op: catalogtest.OpImportAPI, Status: 500})
	csv := writeFile(t, "catalog.csv", productsCSV)
	ctl(t, env, append([]string{"sync", csv, "--rate-limit", "off", "--retries", "0"}, mapFlags...)...).want(t, exitServer)
	env[envBaseURL] = closedURL(t)
	ctl(t, env, append([]string{"sync", csv, "--rate-limit", "off", "--retries", "0"}, mapFlags...)...).want(t, exitNetwork)
}

// A sync exits 0 only when it did its whole job; otherwise with the class
// of what befell its rows and removals (lost answers: 4; a removal's 500:
// 5), and 2 when rows were refused, in a dry run too, since the real run
// would refuse them. stderr says which stage and how many.
func TestSyncExitFollowsTheError(t *testing.T) {
	csv := writeFile(t, "catalog.csv", productsCSV)
	mixed := writeFile(t, "mixed.csv", productsCSV+"A-3;Hose;x\n")
	sync := append([]string{"--rate-limit", "off", "--retries", "0"}, mapFlags...)
	for _, c := range []struct {
		name  string
		fault *catalogtest.Fault
		stub  *catalogtest.Stub
		seed  bool // the source holds OLD-1, which the file lacks
		args  []string
		code  int
		want  string
	}{
		{name: "applied", args: []string{"sync", csv}, code: exitOK},
		{name: "answers lost", fault: &catalogtest.Fault{Kind: catalogtest.FaultResetAfterApply, Op: catalogtest.OpImportAPI},
			args: []string{"sync", csv}, code: exitNetwork, want: "products: 2 unknown of 2 rows"},
		{name: "removal 500", stub: &catalogtest.Stub{Op: catalogtest.OpRemoveProducts, Status: 500}, seed: true,
			args: []string{"sync", csv, "--no-removal-limit"}, code: exitServer, want: "removals: 1 failed of 1 planned"},
		{name: "a refused row", args: []string{"sync", mixed}, code: exitRows, want: "products: 1 failed of 3 rows"},
		{name: "a refused row, dry run", args: []string{"sync", mixed, "--dry-run"}, code: exitRows, want: "products: 1 failed of 3 rows"},
		{name: "removal limit", seed: true, args: []string{"sync", csv}, code: exitRows, want: "removal limit exceeded"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv, env := fake(t)
			if c.fault != nil {
				srv.AddFault(*c.fault)
			}
			if c.stub != nil {
				srv.Stub(*c.stub)
			}
			if c.seed {
				if err := srv.SeedVersions(catalogtest.ProductVersion{EntityCode: "OLD-1", Source: catalogtest.VersionSource{SourceID: "erp"}}); err != nil {
					t.Fatal(err)
				}
			}
			r := ctl(t, env, append(c.args, sync...)...).want(t, c.code)
			if !strings.Contains(r.stderr, c.want) {
				t.Errorf("stderr %q lacks %q", r.stderr, c.want)
			}
			j := ctl(t, env, append(append(c.args, sync...), "--json")...).want(t, c.code)
			if ok := strings.Contains(j.stdout, `"ok":true`); ok != (c.code == exitOK) {
				t.Errorf("--json says ok %v, exit %d:\n%s", ok, c.code, j.stdout)
			}
		})
	}
}

// The dry run says whether a real run would refuse to remove, and by which
// limit, and exits as that run would: 2.
func TestSyncDryRunSaysTheRemovalLimitWouldHold(t *testing.T) {
	srv, env := fake(t)
	for _, code := range []string{"OLD-1", "OLD-2", "A-1"} {
		if err := srv.SeedVersions(catalogtest.ProductVersion{EntityCode: code, Source: catalogtest.VersionSource{SourceID: "erp"}}); err != nil {
			t.Fatal(err)
		}
	}
	csv := writeFile(t, "catalog.csv", productsCSV)
	dry := append([]string{"sync", csv, "--rate-limit", "off", "--dry-run"}, mapFlags...)
	for _, c := range []struct {
		flags []string
		code  int
		want  string
	}{
		{nil, exitRows, "A real run would remove nothing: 2 products to remove is over the default limit, 10% of the source's products (0)"},
		{[]string{"--max-removals", "1", "--max-removal-percent=-1"}, exitRows, "over the limit of --max-removals 1;"},
		{[]string{"--max-removal-percent", "50"}, exitRows, "over the limit of --max-removal-percent 50, 1 product;"},
		{[]string{"--max-removals", "2", "--max-removal-percent=-1"}, exitOK, "remove 2 products (limit 2)."},
	} {
		r := ctl(t, env, append(dry, c.flags...)...).want(t, c.code)
		if !strings.Contains(r.stdout, c.want) {
			t.Errorf("%v: stdout lacks %q:\n%s", c.flags, c.want, r.stdout)
		}
		if c.code == exitRows && !strings.Contains(r.stderr, "a real run would remove nothing") {
			t.Errorf("%v: stderr = %q", c.flags, r.stderr)
		}
	}
	if _, ok := srv.Product("A-2"); ok {
		t.Fatal("the dry run stored A-2")
	}
	// The real run refuses as the dry run said.
	ctl(t, env, append([]string{"sync", csv, "--rate-limit", "off", "--max-removals", "1"}, mapFlags...)...).want(t, exitRows)
	if _, ok := srv.Product("OLD-1"); !ok {
		t.Error("OLD-1 removed despite the removal limit")
	}
}

// rowsExit is the class of the rows' causes when they share one, else 2.
func TestRowsExit(t *testing.T) {
	api := func(status int) error { return &catalog.APIError{StatusCode: status, Method: "POST", Path: "/x"} }
	gateway := &catalog.OutcomeUnknownError{Method: "POST", Path: "/x", Err: api(502)}
	dial := &catalog.OutcomeUnknownError{Method: "POST", Path: "/x", Err: &url.Error{Op: "Post", URL: "http://x", Err: errors.New("connection refused")}}
	rows := func(causes ...error) catalog.RowReport {
		var r catalog.RowReport
		for i, c := range causes {
			r.Failed = append(r.Failed, catalog.RowError{Row: i, Reason: "r", Cause: c})
		}
		return r
	}
	for _, c := range []struct {
		name    string
		reports []catalog.RowReport
		want    int
	}{
		{"none", nil, 0},
		{"401 and 403", []catalog.RowReport{rows(api(401), api(403))}, exitRefused},
		{"500 and a gateway's 502", []catalog.RowReport{rows(api(500)), {Unknown: []catalog.RowError{{Cause: gateway}}}}, exitServer},
		{"network", []catalog.RowReport{{Unknown: []catalog.RowError{{Cause: dial}}}}, exitNetwork},
		{"401 and 500", []catalog.RowReport{rows(api(401)), rows(api(500))}, exitRows},
		{"a row rejected on its own", []catalog.RowReport{rows(api(500), nil)}, exitRows},
	} {
		if got := rowsExit(c.reports...); got != c.want {
			t.Errorf("%s: rowsExit = %d, want %d", c.name, got, c.want)
		}
	}
}

// With --categories the sync replaces the category tree: the dry run says
// when a real run would refuse the categories' removals, and the real run
// within the limit removes the categories the file no longer has.
func TestSyncReplacesCategories(t *testing.T) {
	srv, env := fake(t)
	for _, id := range []string{"valves", "old-1", "old-2"} {
		if err := srv.SeedCategory(catalog.Category{CategoryID: catalog.Ptr(id)}); err != nil {
			t.Fatal(err)
		}
	}
	csv := writeFile(t, "catalog.csv", productsCSV)
	cats := writeFile(t, "categories.json", `[{"category_id": "valves"}]`)
	base := append([]string{"sync", csv, "--rate-limit", "off", "--categories", cats}, mapFlags...)
	r := ctl(t, env, append(base, "--dry-run")...).want(t, exitRows)
	if want := "of the categories, it would refuse: 2 removals over the limit of 0"; !strings.Contains(r.stdout, want) {
		t.Errorf("dry run: stdout lacks %q:\n%s", want, r.stdout)
	}
	r = ctl(t, env, append(base, "--max-removals", "2", "--max-removal-percent=-1")...).want(t, exitOK)
	if want := "categories   2 removals planned, 2 removed"; !strings.Contains(r.stdout, want) {
		t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
	}
	if got := len(srv.Categories()); got != 1 {
		t.Errorf("%d categories stored, want 1", got)
	}
}

// With --categories and --promotions the dry run prints what a real run
// would remove of each kind, with each kind's limit and refusal, in text
// and --json, and the promotions it would create and update.
func TestSyncDryRunPrintsEveryKindsRemovals(t *testing.T) {
	srv, env := fake(t)
	for _, id := range []string{"valves", "old-1", "old-2"} {
		if err := srv.SeedCategory(catalog.Category{CategoryID: catalog.Ptr(id)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, code := range []string{"KEEP", "GONE"} {
		if err := srv.SeedPromotion(catalog.Promotion{PromoCode: catalog.Ptr(code), PromoRow: catalog.Ptr(1)}); err != nil {
			t.Fatal(err)
		}
	}
	csv := writeFile(t, "catalog.csv", productsCSV)
	cats := writeFile(t, "categories.json", `[{"category_id": "valves"}]`)
	promos := writeFile(t, "promotions.json", `[{"promo_code": "PN", "promo_row": 1}, {"promo_code": "KEEP", "promo_row": 1}]`)
	dry := append([]string{"sync", csv, "--rate-limit", "off", "--dry-run", "--categories", cats, "--promotions", promos}, mapFlags...)

	r := ctl(t, env, dry...).want(t, exitRows)
	for _, want := range []string{
		"create 0 and update 1 categories, create 1 and update 1 promotions, remove 0 products (limit 0), 1 promotions (limit 0), 2 categories (limit 0).",
		"A real run would remove nothing: of the promotions, it would refuse: 1 removals over the limit of 0;",
		"A real run would remove nothing: of the categories, it would refuse: 2 removals over the limit of 0;",
		"  would remove promotion GONE#1\n",
		"  would remove category old-1\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	within := append(dry, "--max-removals", "2", "--max-removal-percent=-1")
	r = ctl(t, env, within...).want(t, exitOK)
	if want := "remove 0 products (limit 2), 1 promotions (limit 2), 2 categories (limit 2).\n"; !strings.Contains(r.stdout, want) ||
		strings.Contains(r.stdout, "would remove nothing") {
		t.Errorf("within the limits: stdout lacks %q or refuses:\n%s", want, r.stdout)
	}

	var out struct {
		Plan struct {
			PromotionCreates  int      `json:"promotion_creates"`
			PromotionUpdates  int      `json:"promotion_updates"`
			PromotionRemovals []string `json:"promotion_removals"`
			PromotionLimit    *int     `json:"promotion_removal_limit"`
			PromotionRefused  string   `json:"promotion_removals_refused"`
			CategoryRemovals  []string `json:"category_removals"`
			CategoryLimit     *int     `json:"category_removal_limit"`
			CategoryRefused   string   `json:"category_removals_refused"`
		} `json:"plan"`
		CategoryRemovals struct {
			Limit *int `json:"limit"`
		} `json:"category_removals"`
	}
	j := ctl(t, env, append(dry, "--json")...).want(t, exitRows)
	if err := json.Unmarshal([]byte(j.stdout), &out); err != nil {
		t.Fatal(err)
	}
	p := out.Plan
	switch {
	case p.PromotionCreates != 1 || p.PromotionUpdates != 1:
		t.Errorf("promotions: %d creates, %d updates; want 1 and 1", p.PromotionCreates, p.PromotionUpdates)
	case len(p.PromotionRemovals) != 1 || p.PromotionLimit == nil || *p.PromotionLimit != 0 ||
		!strings.Contains(p.PromotionRefused, "would refuse: 1 removals over the limit of 0"):
		t.Errorf("promotion removals %v, limit %v, refused %q", p.PromotionRemovals, p.PromotionLimit, p.PromotionRefused)
	case len(p.CategoryRemovals) != 2 || p.CategoryLimit == nil || *p.CategoryLimit != 0 ||
		out.CategoryRemovals.Limit == nil || *out.CategoryRemovals.Limit != 0 ||
		!strings.Contains(p.CategoryRefused, "would refuse: 2 removals over the limit of 0"):
		t.Errorf("category removals %v, limit %v, refused %q:\n%s", p.CategoryRemovals, p.CategoryLimit, p.CategoryRefused, j.stdout)
	}
	if len(srv.Promotions()) != 2 || len(srv.Categories()) != 3 {
		t.Errorf("the dry run changed the tenant: %d promotions, %d categories", len(srv.Promotions()), len(srv.Categories()))
	}
}
