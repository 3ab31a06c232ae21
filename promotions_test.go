package catalog_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/pimkit/catalog"
)

func TestPromotionsImport(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	importOK(t, c, "default", catalog.MergeReplace, catalog.Product{EntityCode: "V1",
		PackagingOptions: []catalog.PackagingOption{{PkgID: catalog.Ptr("V1-BOX"), Code: catalog.Ptr("BOX")}}})
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 1, 0)
	promo := func(code string, row int) catalog.Promotion {
		return catalog.Promotion{PromoCode: catalog.Ptr(code), PromoRow: catalog.Ptr(row), DiscountPercentage: catalog.Ptr(10.0),
			StartDate: &start, EndDate: &end, TargetPkgIDs: []string{"V1-BOX"}}
	}
	backwards := promo("BACK", 1)
	backwards.StartDate, backwards.EndDate = &end, &start
	tooMuch := promo("MUCH", 1)
	tooMuch.DiscountPercentage = catalog.Ptr(120.0)
	nan := promo("NAN", 1)
	nan.DiscountPercentage = catalog.Ptr(math.NaN())
	ghost := promo("GHOST", 1)
	ghost.TargetPkgIDs = []string{"NO-SUCH-PKG"}
	negativeRow := promo("NEG", -1) // refused inside a product too

	res, err := c.Promotions.Import(ctx, []catalog.Promotion{
		promo("SUMMER", 1), backwards, tooMuch, promo("SUMMER", 1), ghost, promo("SUMMER", 2), nan, {Label: catalog.PlainText("no code")}, negativeRow,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rejected := rowReasons(res.Rejected)
	for row, want := range map[int]string{1: "start_date", 2: "discount_percentage", 3: "repeats row 0", 6: "discount_percentage", 7: "promo_code: required", 8: "promo_row"} {
		if !strings.Contains(rejected[row], want) {
			t.Errorf("row %d: %q, want %q", row, rejected[row], want)
		}
	}
	// The platform checks the packaging targets.
	if len(res.Errors) != 1 || res.Errors[0].Row != 4 || !strings.Contains(res.Errors[0].Reason, `"NO-SUCH-PKG" does not exist`) {
		t.Errorf("server errors %+v", res.Errors)
	}
	if res.Summary.Total != 3 || res.Summary.Inserted != 2 || res.Summary.Failed != 1 {
		t.Errorf("summary %+v", res.Summary)
	}
	stored := srv.Promotions()
	if len(stored) != 2 || *stored[0].PromoCode != "SUMMER" || *stored[1].PromoRow != 2 {
		t.Errorf("stored %+v", stored)
	}
	// Sent again: replaced, counted as updated.
	res, err = c.Promotions.Import(ctx, []catalog.Promotion{promo("SUMMER", 1)}, nil)
	if err != nil || res.Summary.Updated != 1 {
		t.Errorf("second import %+v %v", res, err)
	}
}
