// Command nightlysync is the nightly full-catalog sync of a POS or ERP:
// the category tree, every product and the promotions, in that order, then
// the removal of what the feed no longer has (promotions, products, then
// categories): the feed is the whole catalog. It is safe to run
// unattended: a dry run comes first, prints what would change and takes
// the real run's decisions; when it says the real run would refuse (more
// removals than the limits allow, here the stricter of 5% and 500 of each
// kind, or rows it would refuse), it prints the refusal and exits non-zero
// without running the real sync.
//
//	go run ./examples/nightlysync
//
// With no configuration it runs against an in-process fake server (package
// catalogtest), seeded with yesterday's catalog so that there is something
// to update and remove.
// To run it against a real tenant, set CATALOG_BASE_URL, one credential
// (CATALOG_TOKEN; or CATALOG_API_KEY_ID and CATALOG_API_SECRET; or
// CATALOG_SESSION) and the import source CATALOG_SOURCE_ID.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

func main() {
	log.SetFlags(0)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	client, sourceID, closeFn, err := connect()
	if err != nil {
		log.Fatal(err)
	}
	defer closeFn()
	if err := nightly(ctx, os.Stdout, client, sourceID); err != nil {
		log.Fatal(err)
	}
}

// Removal limits of the nightly run. Both apply, of each kind (products,
// categories, promotions), and the stricter wins: with 1,000 products, 5%
// (50) holds even though 500 is allowed; with 20,000, 500 holds.
const (
	maxRemovals       = 500
	maxRemovalPercent = 5.0
)

// nightly runs a dry run and prints its plan; when the dry run says the
// real run would refuse (too many removals, or rows it would refuse), it
// prints why and stops there, changing nothing. Otherwise it runs the sync
// for real.
func nightly(ctx context.Context, out io.Writer, client *catalog.Client, sourceID string) error {
	// A full sync (merge mode replace: the feed is the whole catalog),
	// removing at most the stricter of 500 and 5% of each kind.
	opts := catalog.SyncOptions{MaxRemovals: maxRemovals, MaxRemovalPercent: maxRemovalPercent}
	feed := todaysFeed(sourceID) // one Feed serves both runs

	// 1. Dry run: nothing changes, and it takes the real run's decisions,
	// returning the error the real run would (a *catalog.SyncError).
	dry := opts
	dry.DryRun = true
	rep, err := client.Sync(ctx, feed, &dry)
	if rep != nil {
		printPlan(out, rep)
	}
	if err != nil {
		return fmt.Errorf("stopped before the real run: %w", err)
	}

	// 2. The real run.
	rep, err = client.Sync(ctx, feed, &opts)
	printStage(out, "categories", rep.Categories)
	printStage(out, "products", rep.Products)
	printStage(out, "promotions", rep.Promotions)
	for _, k := range removalKinds(rep) {
		fmt.Fprintf(out, "%s removals: %d planned, %d removed in %d requests", k.name, len(k.rr.Planned), k.rr.Succeeded, k.rr.Requests)
		if k.rr.Skipped != "" {
			fmt.Fprintf(out, " (%s)", k.rr.Skipped)
		}
		fmt.Fprintln(out)
	}
	switch {
	case errors.Is(err, catalog.ErrRemovalLimit):
		return fmt.Errorf("nothing removed over the limit: %w", err)
	case errors.Is(err, catalog.ErrRemovalsSkipped):
		return fmt.Errorf("the feed was not applied in full, so nothing was removed: %w", err)
	case err != nil:
		return err
	}
	return nil
}

// removalKind is one kind a full sync removes, with its report.
type removalKind struct {
	name string
	rr   catalog.RemovalReport
}

// removalKinds lists the sync's removals in the order it runs them.
func removalKinds(rep *catalog.SyncReport) []removalKind {
	return []removalKind{{"promotion", rep.PromotionRemovals}, {"product", rep.Removals}, {"category", rep.CategoryRemovals}}
}

// printPlan prints what the dry run says the real run would do, and what
// it would refuse.
func printPlan(out io.Writer, rep *catalog.SyncReport) {
	cats, prods := rep.Categories, rep.Products
	fmt.Fprintf(out, "dry run: categories %d new, %d updated; products %d new, %d updated\n",
		len(cats.Creates), len(cats.Updates), len(prods.Creates), len(prods.Updates))
	for _, e := range prods.Failed {
		fmt.Fprintln(out, "  would refuse row:", e.Error())
	}
	for _, k := range removalKinds(rep) {
		fmt.Fprintf(out, "  %s removals: %d planned (limit %d)", k.name, len(k.rr.Planned), k.rr.Limit)
		if strings.HasPrefix(k.rr.Skipped, "would") {
			fmt.Fprintf(out, ", %s", k.rr.Skipped) // "would refuse: 62 removals over the limit of 5"
		}
		fmt.Fprintln(out)
		for _, e := range k.rr.Kept {
			fmt.Fprintf(out, "    %s stays: %s\n", e.EntityCode, e.Reason)
		}
	}
}

func printStage(out io.Writer, name string, st catalog.StageReport) {
	fmt.Fprintf(out, "%s: %d read, %d applied (%d new, %d updated), %d failed, %d unknown, %d not attempted\n",
		name, st.Read, st.Succeeded, st.Inserted, st.Updated, len(st.Failed), len(st.Unknown), len(st.NotAttempted))
	for _, e := range st.Failed {
		fmt.Fprintln(out, "  ", e.Error())
	}
}

// todaysFeed is tonight's export: a two-level category tree, the products
// and a promotion on a packaging option.
func todaysFeed(sourceID string) catalog.Feed {
	category := func(id, parent, en string) catalog.Category {
		c := catalog.Category{CategoryID: catalog.Ptr(id), Name: catalog.PlainText(en), IsActive: catalog.Ptr(true)}
		if parent != "" {
			c.ParentID = catalog.Ptr(parent)
		}
		return c
	}
	product := func(code, en, categoryID string, list float64) catalog.Product {
		return catalog.Product{
			EntityCode: code,
			Name:       catalog.PlainText(en),
			Category:   &catalog.Category{CategoryID: catalog.Ptr(categoryID)},
			Pricing:    &catalog.Pricing{List: catalog.Ptr(list), Currency: catalog.Ptr("EUR")},
			PackagingOptions: []catalog.PackagingOption{
				{PkgID: catalog.Ptr(code + "-PZ"), Code: catalog.Ptr("PZ"), Qty: catalog.Ptr(1.0), IsDefault: catalog.Ptr(true)},
			},
		}
	}
	// SKU-0001 to SKU-0038 go on; SKU-0039 and SKU-0040 were
	// discontinued; SKU-0041 is new.
	var products []catalog.Product
	for i := 1; i <= 41; i++ {
		if i == 39 || i == 40 {
			continue
		}
		categoryID := "cat_valves_ball"
		if i%2 == 0 {
			categoryID = "cat_valves"
		}
		products = append(products, product(fmt.Sprintf("SKU-%04d", i), fmt.Sprintf("Valve model %d", i), categoryID, 10+float64(i)))
	}
	start := time.Now().UTC().Truncate(24 * time.Hour)
	end := start.AddDate(0, 0, 30)
	return catalog.Feed{
		SourceID: sourceID,
		Categories: []catalog.Category{
			category("cat_valves_ball", "cat_valves", "Ball valves"), // children may come first: Sync sends parents first
			category("cat_valves", "", "Valves"),
		},
		Products: catalog.FromSlice(products),
		Promotions: []catalog.Promotion{{
			PromoCode: catalog.Ptr("SPRING"), PromoRow: catalog.Ptr(1), IsActive: catalog.Ptr(true),
			DiscountPercentage: catalog.Ptr(10.0), StartDate: &start, EndDate: &end,
			TargetPkgIDs: []string{"SKU-0001-PZ"},
		}},
	}
}

// seedYesterday gives a fresh fake server yesterday's catalog: SKU-0001
// to SKU-0040.
func seedYesterday(srv *catalogtest.Server) error {
	for i := 1; i <= 40; i++ {
		code := fmt.Sprintf("SKU-%04d", i)
		if _, err := srv.SeedProduct(catalog.Product{EntityCode: code, Name: catalog.PlainText(code)}); err != nil {
			return err
		}
	}
	return nil
}

// connect returns a client and the import source to use, and a function to
// call when done. Without CATALOG_BASE_URL it starts an in-process fake of
// the platform (package catalogtest), so the program runs anywhere; with
// it, catalog.NewClientFromEnv reads one credential (CATALOG_TOKEN; or
// CATALOG_API_KEY_ID and CATALOG_API_SECRET; or CATALOG_SESSION), and
// CATALOG_SOURCE_ID names the import source.
func connect(opts ...catalog.Option) (*catalog.Client, string, func(), error) {
	if os.Getenv("CATALOG_BASE_URL") == "" {
		// Yesterday's 40 products: 5% of them lets the two discontinued
		// ones go.
		srv := catalogtest.NewServer()
		if err := seedYesterday(srv); err != nil {
			srv.Close()
			return nil, "", nil, err
		}
		client, err := srv.Client(opts...)
		if err != nil {
			srv.Close()
			return nil, "", nil, err
		}
		fmt.Printf("using an in-process fake server at %s (set CATALOG_BASE_URL for a real tenant)\n", srv.URL)
		return client, catalogtest.DefaultSourceID, srv.Close, nil
	}
	sourceID := os.Getenv("CATALOG_SOURCE_ID")
	if sourceID == "" {
		return nil, "", nil, errors.New("CATALOG_SOURCE_ID is not set: name the import source to apply")
	}
	client, err := catalog.NewClientFromEnv(os.Getenv, opts...)
	if err != nil {
		return nil, "", nil, err
	}
	return client, sourceID, func() {}, nil
}
