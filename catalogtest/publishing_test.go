package catalogtest

import (
	"testing"
	"time"

	"github.com/pimkit/catalog"
)

// Seed 004's publishing rule, quoted in publication: "Auto-publish — a
// version with a sufficient completeness score is committed as published
// with published_at set. Otherwise it lands as draft." It is the rule of
// auto-publish, whose checks auto_publish_enabled turns on ("Enable
// auto-publish eligibility checks on this product").

// TestAutoPublishOffLeavesPublicationAlone: an update through a source
// with auto-publish off runs no eligibility check, so it neither publishes
// nor unpublishes: a published product stays published with its
// published_at (partial and replace alike), a draft stays a draft, and a
// new product lands as draft.
func TestAutoPublishOffLeavesPublicationAlone(t *testing.T) {
	clock := NewFakeClock(t0)
	s, c := Start(t, WithClock(clock), WithSource(catalog.Source{ID: "pos", Name: "POS prices", AutoPublishEnabled: catalog.Ptr(false)}))
	ctx := t.Context()
	if _, err := c.Products.Import(ctx, DefaultSourceID, []catalog.Product{{EntityCode: "A", Name: catalog.PlainText("Valve"), Price: catalog.Ptr(10.0)}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.SeedVersions(ProductVersion{EntityCode: "D", Status: StatusDraft}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	for _, mode := range []catalog.MergeMode{catalog.MergePartial, catalog.MergeReplace} {
		opts := &catalog.ProductImportOptions{RequestOptions: catalog.RequestOptions{MergeMode: mode}}
		res, err := c.Products.Import(ctx, "pos", []catalog.Product{{EntityCode: "A", Price: catalog.Ptr(12.5)}, {EntityCode: "D", Price: catalog.Ptr(1.0)}, {EntityCode: "N-" + string(mode), Price: catalog.Ptr(2.0)}}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if res.Summary.AutoPublished != 0 {
			t.Errorf("%s: auto_published %d, want 0: no row met the checks, none ran", mode, res.Summary.AutoPublished)
		}
		a := mustProduct(t, s, "A")
		if a.Status != StatusPublished || !a.PublishedAt.Equal(t0) || a.Data["price"] == nil {
			t.Errorf("%s price update of a published product: version %d %s, published_at %v; want published since %v",
				mode, a.Version, a.Status, a.PublishedAt, t0)
		}
		if d := mustProduct(t, s, "D"); d.Status != StatusDraft || !d.PublishedAt.IsZero() {
			t.Errorf("%s: the draft became %s (%v)", mode, d.Status, d.PublishedAt)
		}
		if n := mustProduct(t, s, "N-"+string(mode)); n.Status != StatusDraft {
			t.Errorf("%s: a new product through a source without auto-publish is %s, want draft", mode, n.Status)
		}
	}
}

// TestAutoPublishOnUnpublishesWhatFallsShort: with the checks on, the seed
// says a version without a sufficient score "lands as draft", so an update
// that leaves a required field empty unpublishes the product, and one that
// meets them publishes it anew.
func TestAutoPublishOnUnpublishesWhatFallsShort(t *testing.T) {
	clock := NewFakeClock(t0)
	s, c := Start(t, WithClock(clock), WithSource(catalog.Source{ID: "erp", AutoPublishEnabled: catalog.Ptr(true), RequiredFields: []string{"pricing.list"}}))
	ctx := t.Context()
	full := catalog.Product{EntityCode: "A", Pricing: &catalog.Pricing{List: catalog.Ptr(10.0)}}
	if _, err := c.Products.Import(ctx, "erp", []catalog.Product{full}, nil); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	replace := &catalog.ProductImportOptions{RequestOptions: catalog.RequestOptions{MergeMode: catalog.MergeReplace}}
	if _, err := c.Products.Import(ctx, "erp", []catalog.Product{{EntityCode: "A", Price: catalog.Ptr(3.0)}}, replace); err != nil { // no pricing.list
		t.Fatal(err)
	}
	if v := mustProduct(t, s, "A"); v.Status != StatusDraft || !v.PublishedAt.IsZero() {
		t.Errorf("replace without the required field: %s (%v), want draft", v.Status, v.PublishedAt)
	}
	clock.Advance(time.Hour)
	res, err := c.Products.Import(ctx, "erp", []catalog.Product{full}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := mustProduct(t, s, "A"); v.Status != StatusPublished || !v.PublishedAt.Equal(t0.Add(2*time.Hour)) || res.Summary.AutoPublished != 1 {
		t.Errorf("meeting the checks again: %s at %v, auto_published %d; want published now, 1", v.Status, v.PublishedAt, res.Summary.AutoPublished)
	}
}
