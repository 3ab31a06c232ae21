package catalogtest

import (
	"net/http"
	"strconv"
)

// The platform's page sizes, the default and the largest: for listings,
// for a source's products (an import's most, so that listing costs no
// more requests than importing), and for a job's row errors.
const (
	defaultPerPage       = 100
	maxPerPage           = 1000
	maxProductsPerPage   = 10000
	defaultErrorsPerPage = 20
	maxErrorsPerPage     = 100
)

// pageMeta is the meta block of every paged answer.
type pageMeta struct {
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
	Total   int `json:"total"`
}

// pageParams reads page (default 1) and per_page (default def, at most
// most).
func pageParams(r *http.Request, def, most int) (page, perPage int, e *apiError) {
	if page, e = queryInt(r, "page", 1, 1, 1<<30); e != nil {
		return 0, 0, e
	}
	perPage, e = queryInt(r, "per_page", def, 1, most)
	return page, perPage, e
}

// pageBounds returns the slice bounds of a page over n items.
func pageBounds(n, page, perPage int) (from, to int) {
	from = min((page-1)*perPage, n)
	return from, min(from+perPage, n)
}

// queryInt reads an integer query parameter within [lo, hi].
func queryInt(r *http.Request, name string, def, lo, hi int) (int, *apiError) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		return 0, newAPIError(http.StatusBadRequest, codeValidation, "%s must be an integer from %d to %d, got %q", name, lo, hi, raw)
	}
	return n, nil
}
