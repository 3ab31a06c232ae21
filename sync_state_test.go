package catalog_test

import (
	"testing"

	"github.com/pimkit/catalog"
)

// ContentHash values are kept in users' state files between runs: the
// same product and options must keep the same hash across releases, or
// every incremental sync after an upgrade would send the whole catalog.
func TestContentHashIsStable(t *testing.T) {
	p := catalog.Product{EntityCode: "P1", Name: catalog.PlainText("Valve"),
		Pricing: &catalog.Pricing{List: catalog.Ptr(12.5), Currency: catalog.Ptr("EUR")}}
	for _, tc := range []struct {
		opts catalog.RequestOptions
		want string
	}{
		{catalog.RequestOptions{}, "53a56567a1b6d0a8c67d7290f73c1658"},
		{catalog.RequestOptions{MergeMode: catalog.MergeReplace, UpdateMask: []string{"pricing"}}, "96fcc5649df59bc2b479fdb84eb2f41e"},
	} {
		if got := catalog.ContentHash(&p, tc.opts); got != tc.want {
			t.Errorf("ContentHash with %+v = %q, want %q", tc.opts, got, tc.want)
		}
	}
	if got := catalog.ContentHash(&catalog.Product{Price: catalog.Ptr(-1.0)}, catalog.RequestOptions{}); got != "" {
		t.Errorf("ContentHash of an invalid product = %q, want \"\"", got)
	}
}
