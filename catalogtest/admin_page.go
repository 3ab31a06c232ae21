package catalogtest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/pimkit/catalog"
)

// The read-only page at GET /_fake/ui (and GET /_fake/ for a browser): the
// server's state for a person debugging a failing suite. It is rendered on
// the server with html/template, which escapes every value, and needs no
// script; ?refresh=N reloads it every N seconds.
//
// Every section shows one page of its entries, newest first, so that the
// page costs the same at any size: the state is read under the lock as
// keys and order only, and just the entries shown are copied and decoded.

//go:embed admin_page.html
var adminPageHTML string

var adminPageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("15:04:05.000")
	},
	"json": func(v any) string {
		// Not escaped for HTML here: the template escapes what it prints.
		var b bytes.Buffer
		if raw, ok := v.(json.RawMessage); ok { // a stored product: compact JSON, keys sorted
			if err := json.Indent(&b, raw, "", "  "); err != nil {
				return err.Error()
			}
			return b.String() + "\n" // as the encoder ends it
		}
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			return err.Error()
		}
		return b.String()
	},
	"autoPublish": autoPublishOn,
	"faultName": func(k FaultKind) string {
		if k == 0 {
			return ""
		}
		return k.String()
	},
	"cut": func(b []byte, n int) string {
		if len(b) <= n {
			return string(b)
		}
		return string(b[:n]) + " … (" + strconv.Itoa(len(b)-n) + " more bytes)"
	},
	"headers": func(r Request) string { return redactedHeaders(r) },
}).Parse(adminPageHTML))

// Entries per section's page, and the versions shown per product.
const (
	pagePerPage     = 50
	pageMaxPerPage  = 500
	pageMaxVersions = 20
)

// pageProduct is one product on the page: its newest versions, newest
// first, and how many older ones are not shown.
type pageProduct struct {
	Current  pageVersion
	Versions []pageVersion
	Older    int
}

// pageVersion is a stored version as the page shows it: Data is the
// stored JSON, indented by the template's json rather than decoded and
// encoded again, so that a page of products decodes none.
type pageVersion struct {
	ProductVersion // its Data is unset; Data below shadows it
	Data           json.RawMessage
}

// pageNav is one section's place among its pages, with links to the
// newer and older pages ("" when there is none).
type pageNav struct {
	Page, Pages, Total int
	First, Last        int // the entries shown, counted from 1, newest first
	Newer, Older       string
}

type pageData struct {
	Host        string
	Refresh     int
	Counts      adminCounts
	Products    []pageProduct
	Jobs        []catalog.Job
	Requests    []Request
	Faults      []adminFault
	FaultsFired int
	Sources     []catalog.Source
	Nav         map[string]pageNav // by section
	Rendered    time.Time
}

// pageQuery is the page's query: the entries per page and each section's
// page number.
type pageQuery struct {
	query   url.Values
	perPage int
}

func readPageQuery(r *http.Request) (pageQuery, *apiError) {
	q := pageQuery{query: r.URL.Query(), perPage: pagePerPage}
	for _, name := range adminPageParams {
		lo, hi := 1, 1<<30
		switch name {
		case "refresh":
			lo = 0
		case "per_page":
			hi = pageMaxPerPage
		}
		n, e := queryInt(r, name, 0, lo, hi)
		if e != nil {
			return q, e
		}
		if name == "per_page" && n > 0 {
			q.perPage = n
		}
	}
	return q, nil
}

// window returns the bounds of section's page among total entries,
// newest first, and its navigation.
func (q pageQuery) window(section string, total int) (from, to int, nav pageNav) {
	pages := max(1, (total+q.perPage-1)/q.perPage)
	page, _ := strconv.Atoi(q.query.Get(section + "_page"))
	page = min(max(page, 1), pages)
	from, to = pageBounds(total, page, q.perPage)
	nav = pageNav{Page: page, Pages: pages, Total: total, First: from + 1, Last: to}
	if page > 1 {
		nav.Newer = q.link(section, page-1)
	}
	if page < pages {
		nav.Older = q.link(section, page+1)
	}
	return from, to, nav
}

// link is the page's URL with section on page n, the others unchanged.
func (q pageQuery) link(section string, n int) string {
	v := url.Values{}
	for k, vs := range q.query {
		v[k] = vs
	}
	v.Set(section+"_page", strconv.Itoa(n))
	return "?" + v.Encode() + "#" + section
}

func (s *Server) adminPage(w http.ResponseWriter, r *http.Request) {
	q, e := readPageQuery(r)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	refresh, _ := strconv.Atoi(q.query.Get("refresh"))
	d := pageData{Host: r.Host, Refresh: refresh, Counts: s.counts(), Nav: map[string]pageNav{}, Rendered: s.cfg.clock.Now()}
	s.pageProducts(q, &d)
	s.pageJobsAndRequests(q, &d)
	faults, fired := s.activeFaults()
	slices.Reverse(faults)
	from, to, nav := q.window("faults", len(faults))
	d.Faults, d.FaultsFired, d.Nav["faults"] = faults[from:to], fired, nav
	sources := s.Sources()
	slices.SortStableFunc(sources, func(a, b catalog.Source) int { return b.CreatedAt.Compare(a.CreatedAt) })
	from, to, nav = q.window("sources", len(sources))
	d.Sources, d.Nav["sources"] = sources[from:to], nav

	var buf bytes.Buffer
	if err := adminPageTmpl.Execute(&buf, d); err != nil {
		writeError(w, http.StatusInternalServerError, errorBody{Code: codeInternal, Error: "catalogtest: page: " + err.Error()})
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// pageProducts fills in the products section's page: the products whose
// current version was stored last come first. It reads the log of stored
// versions from its newest end only as far as the page.
func (s *Server) pageProducts(q pageQuery, d *pageData) {
	s.mu.Lock()
	defer s.mu.Unlock()
	from, to, nav := q.window("products", len(s.products))
	d.Nav["products"] = nav
	n := 0 // current versions passed, newest first
	for i := len(s.storeLog) - 1; i >= 0 && n < to; i-- {
		r := s.storeLog[i]
		if !s.currentRefLocked(r) {
			continue
		}
		if n++; n <= from {
			continue
		}
		vs := s.products[r.code]
		shown := vs[max(0, len(vs)-pageMaxVersions):]
		p := pageProduct{Older: len(vs) - len(shown)}
		for i := len(shown) - 1; i >= 0; i-- {
			p.Versions = append(p.Versions, pageVersion{ProductVersion: shown[i].meta(), Data: shown[i].data})
		}
		p.Current = p.Versions[0] // shown ends with the current version
		d.Products = append(d.Products, p)
	}
}

// pageJobsAndRequests fills in the jobs' and requests' pages, newest first.
func (s *Server) pageJobsAndRequests(q pageQuery, d *pageData) {
	s.mu.Lock()
	defer s.mu.Unlock()
	from, to, nav := q.window("jobs", len(s.jobOrder))
	d.Nav["jobs"] = nav
	for i := from; i < to; i++ {
		d.Jobs = append(d.Jobs, s.jobs[s.jobOrder[len(s.jobOrder)-1-i]].snapshot())
	}
	from, to, nav = q.window("requests", len(s.requests))
	d.Nav["requests"] = nav
	for i := from; i < to; i++ {
		r := s.requests[len(s.requests)-1-i].Request
		r.Header, r.Body = r.Header.Clone(), bytes.Clone(r.Body)
		d.Requests = append(d.Requests, r)
	}
}

// redactedHeaders renders a recorded request's headers, one a line, with
// credentials replaced.
func redactedHeaders(r Request) string {
	var b bytes.Buffer
	h := redactHeader(r.Header)
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			b.WriteString(k + ": " + v + "\n")
		}
	}
	return b.String()
}
