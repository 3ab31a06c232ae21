package catalog

import "testing"

// Content hashes are kept in users' state files between runs: the same
// product and options must keep the same hash across releases, or every
// incremental sync after an upgrade would send the whole catalog.
func TestContentHashIsStable(t *testing.T) {
	hash := func(p *Product, o RequestOptions) string {
		h, _ := contentHash(newRowEncoder(), hashPrefix(o), p)
		return h
	}
	p := Product{EntityCode: "P1", Name: PlainText("Valve"),
		Pricing: &Pricing{List: Ptr(12.5), Currency: Ptr("EUR")}}
	for _, tc := range []struct {
		opts RequestOptions
		want string
	}{
		{RequestOptions{}, "53a56567a1b6d0a8c67d7290f73c1658"},
		{RequestOptions{MergeMode: MergeReplace, UpdateMask: []string{"pricing"}}, "96fcc5649df59bc2b479fdb84eb2f41e"},
	} {
		if got := hash(&p, tc.opts); got != tc.want {
			t.Errorf("content hash with %+v = %q, want %q", tc.opts, got, tc.want)
		}
	}
	if got := hash(&Product{Price: Ptr(-1.0)}, RequestOptions{}); got != "" {
		t.Errorf("content hash of an invalid product = %q, want \"\"", got)
	}
}
