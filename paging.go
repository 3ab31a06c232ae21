package catalog

import (
	"cmp"
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// listPages yields the items of a paged listing at path (with query q),
// asking for perPage items a page (0: the server's page size) from page
// first on. The listing ends at an empty page, a short one, or the page
// that reaches meta.total. A page without data is not an empty page but a
// malformed answer: taking it for the end would hide the rest of the list.
func listPages[T any](ctx context.Context, c *Client, path string, q url.Values, first, perPage int) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		q := cloneQuery(q)
		if perPage > 0 {
			q.Set("per_page", strconv.Itoa(perPage))
		}
		for page := max(first, 1); ; page++ {
			q.Set("page", strconv.Itoa(page))
			var out struct {
				Data []json.RawMessage `json:"data"`
				Meta struct {
					PerPage int `json:"per_page"`
					Total   int `json:"total"`
				} `json:"meta"`
			}
			if err := c.do(ctx, http.MethodGet, path+"?"+q.Encode(), nil, &out); err != nil {
				yield(zero, err)
				return
			}
			if out.Data == nil {
				yield(zero, malformed(http.MethodGet, path, "no data in the answer"))
				return
			}
			for _, raw := range out.Data {
				var v T
				if err := json.Unmarshal(raw, &v); err != nil {
					yield(zero, malformed(http.MethodGet, path, err.Error()))
					return
				}
				if !yield(v, nil) {
					return
				}
			}
			per := cmp.Or(out.Meta.PerPage, perPage)
			if len(out.Data) == 0 || (per > 0 && len(out.Data) < per) || (page-1)*per+len(out.Data) >= out.Meta.Total {
				return
			}
		}
	}
}

func cloneQuery(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}
