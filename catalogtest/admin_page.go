package catalogtest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/pimkit/catalog"
)

// The read-only page at GET /_fake/ui (and GET /_fake/ for a browser): the
// server's state for a person debugging a failing suite. It is rendered on
// the server with html/template, which escapes every value, and needs no
// script; ?refresh=N reloads it every N seconds.

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

// pageRequests is how many of the last requests the page shows.
const pageRequests = 50

// pageProduct is one product on the page: its versions, newest first.
type pageProduct struct {
	Current  ProductVersion
	Versions []ProductVersion
}

type pageData struct {
	Host        string
	Refresh     int
	Counts      adminCounts
	Products    []pageProduct
	Jobs        []catalog.Job
	Requests    []Request // newest first
	Faults      []adminFault
	FaultsFired int
	Sources     []catalog.Source
	Rendered    time.Time
}

func (s *Server) adminPage(w http.ResponseWriter, r *http.Request) {
	refresh, _ := strconv.Atoi(r.URL.Query().Get("refresh"))
	d := pageData{Host: r.Host, Refresh: max(refresh, 0), Counts: s.counts(), Jobs: s.Jobs(),
		Sources: s.Sources(), Rendered: s.cfg.clock.Now()}
	for _, cur := range s.Products() {
		vs := s.Versions(cur.EntityCode)
		slices.Reverse(vs)
		d.Products = append(d.Products, pageProduct{Current: cur, Versions: vs})
	}
	slices.Reverse(d.Jobs)
	d.Requests = s.lastRequests(pageRequests)
	slices.Reverse(d.Requests)
	d.Faults, d.FaultsFired = s.activeFaults()
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
