package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/syncstate"
)

func (a *app) syncCommand() *cobra.Command {
	var (
		m              mappingFlags
		source         string
		mode           string
		statePath      string
		dryRun         bool
		maxRemovals    int
		maxRemovalPct  float64
		noRemovalLimit bool
		categoriesFile string
		promotionsFile string
		queued         bool
		checkpointRows int
	)
	cmd := &cobra.Command{
		Use:   "sync FILE",
		Short: "Bring the tenant in line with a whole catalog file (full or incremental)",
		Long: `sync sends the products of FILE (CSV, XLSX, XLS, JSON or NDJSON, mapped as for
import) to the import source, with the categories and promotions of
--categories and --promotions (JSON arrays), through Client.Sync.

--mode full (the default) sends every product, then removes the source's
products that FILE no longer has, but only when every row was applied and
within the removal limit: --max-removals N and --max-removal-percent P both
apply and the stricter wins (P is 10 unless given; --max-removal-percent=-1
leaves --max-removals alone), or --no-removal-limit. --mode incremental
sends only the products whose content changed since the last run, as
recorded in --state (required), and removes nothing. --dry-run changes nothing and prints what a
real run would do.

Exit 0 only when everything was applied: every row and every planned
removal. Exit 2 when rows failed, are unknown or were not attempted, or
when the removal limit or a partial feed kept the sync from removing (3, 4
or 5 when every row failed for a cause of that class, see --help). A dry
run exits as the real run would: 2 when the real run would refuse rows, or
would remove nothing for the removal limit (it says by which limit).`,
		Example: `  catalogctl sync catalog.csv --source erp --mapping map.json --dry-run
  catalogctl sync catalog.csv --source erp --mapping map.json --max-removals 50 --state sync-state.json
  catalogctl sync catalog.csv --source erp --mapping map.json --mode incremental --state sync-state.json`,
		Args: exactArgs("FILE"),
		RunE: wrap(func(cmd *cobra.Command, args []string) error {
			path := args[0]
			opts := &catalog.SyncOptions{DryRun: dryRun, MaxRemovals: maxRemovals, MaxRemovalPercent: maxRemovalPct,
				NoRemovalLimit: noRemovalLimit, CheckpointRows: checkpointRows}
			switch mode {
			case "full":
			case "incremental":
				opts.Incremental = true
				if statePath == "" {
					return usagef("--mode incremental needs --state FILE, where the last run's content hashes are kept")
				}
			default:
				return usagef("--mode %q: want full or incremental", mode)
			}
			if maxRemovals < 0 || maxRemovalPct > 100 {
				return usagef("--max-removals must be 0 or more, and --max-removal-percent at most 100 (negative: no percentage limit)")
			}
			var feed catalog.Feed
			if err := readJSONFlagFile("categories", categoriesFile, &feed.Categories, "a JSON array of categories"); err != nil {
				return err
			}
			if err := readJSONFlagFile("promotions", promotionsFile, &feed.Promotions, "a JSON array of promotions"); err != nil {
				return err
			}
			if statePath != "" {
				st, err := syncstate.Open(statePath)
				if err != nil {
					return &usageError{msg: err.Error()}
				}
				opts.State = st
			}
			pf, err := a.openProducts(path, source, &m, "syncing")
			if err != nil {
				return err
			}
			defer pf.Close()
			feed.SourceID, feed.Products = pf.source, pf.products
			opts.Bulk = &catalog.BulkOptions{Queued: queued, Lines: pf.lines.line}
			progress := &syncProgress{a: a, what: "syncing", products: pf.total}
			opts.Progress = progress.update
			report, runErr := pf.client.Sync(cmd.Context(), feed, opts)
			progress.finish()
			if report != nil {
				a.printSync(path, pf.source, report, opts, removalKindsOf(report, feed), pf.lines, runErr)
			}
			return syncExit(cmd.Context(), report, opts, runErr)
		}),
	}
	m.register(cmd)
	fl := cmd.Flags()
	addSourceFlag(cmd, &source)
	fl.StringVar(&mode, "mode", "full", "full or incremental")
	fl.StringVar(&statePath, "state", "", "a JSON file keeping content hashes between runs (required by incremental)")
	fl.BoolVar(&dryRun, "dry-run", false, "change nothing; print what a real run would do")
	fl.IntVar(&maxRemovals, "max-removals", 0, "most removals of each kind (products, categories, promotions) a full sync may make (0: no absolute cap)")
	fl.Float64Var(&maxRemovalPct, "max-removal-percent", 0, "most removals of each kind a full sync may make, as a percentage of what the tenant holds (0: 10; negative: none)")
	fl.BoolVar(&noRemovalLimit, "no-removal-limit", false, "lift both removal limits; think twice")
	fl.StringVar(&categoriesFile, "categories", "", "a JSON array of the catalog's categories")
	fl.StringVar(&promotionsFile, "promotions", "", "a JSON array of the catalog's promotions")
	fl.BoolVar(&queued, "queued", false, "send products through the platform's queue")
	fl.IntVar(&checkpointRows, "checkpoint-rows", 0, "feed rows per checkpoint of the state (10,000, one request, unless set)")
	return cmd
}

type stageOut struct {
	rowsOut
	Unchanged int `json:"unchanged"`
	Inserted  int `json:"inserted"`
	Updated   int `json:"updated"`
	Requests  int `json:"requests"`
}

// syncExit is the error sync exits with. A sync that ran but did not do
// its whole job (a *catalog.SyncError) exits as its rows say: with the
// class of their causes when they share one (3, 4 or 5), else 2, as when
// only rows not attempted or removals not made are left; a dry run whose
// real run would remove nothing exits 2 too. An error before the sync ran
// exits by its own class.
func syncExit(ctx context.Context, report *catalog.SyncReport, opts *catalog.SyncOptions, runErr error) error {
	var se *catalog.SyncError
	switch {
	case runErr != nil && ctx.Err() == nil && errors.As(runErr, &se):
		rows := []catalog.RowReport{report.Categories.RowReport, report.Products.RowReport,
			report.Promotions.RowReport, report.PromotionRemovals.RowReport, report.Removals.RowReport,
			report.CategoryRemovals.RowReport}
		msg := runErr.Error()
		if why := wouldRefuseRemovals(report, opts); report.DryRun && why != "" {
			msg = "a real run would remove nothing: " + why
		}
		return &rowsError{msg: msg, code: rowsExit(rows...)}
	case runErr != nil:
		return runErr
	case report.DryRun:
		if why := wouldRefuseRemovals(report, opts); why != "" {
			return &rowsError{msg: "a real run would remove nothing: " + why}
		}
	}
	return nil
}

// wouldRefuseRemovals says why the real run of a dry run r, run with
// opts, would remove nothing of some kind: the first kind's reason, in the
// order products, promotions, categories; "" when it would remove all it
// plans.
func wouldRefuseRemovals(r *catalog.SyncReport, opts *catalog.SyncOptions) string {
	if r.Incremental {
		return ""
	}
	if why := productRemovalsRefused(r, opts); why != "" {
		return why
	}
	return otherRemovalsRefused(r)
}

// productRemovalsRefused says why the real run of a dry run r would not
// remove the source's products it plans: the removal limit, naming the
// option that sets it, or rows it would refuse; "" when it would.
func productRemovalsRefused(r *catalog.SyncReport, opts *catalog.SyncOptions) string {
	rr := r.Removals
	switch {
	case len(rr.Planned) == 0:
		return ""
	case len(r.Products.Failed) > 0:
		return plural(len(r.Products.Failed), "product row", "product rows") + " would be refused, and a sync removes only after a feed applied in full"
	case rr.Limit < 0 || len(rr.Planned) <= rr.Limit:
		return kindRefused("products", rr) // rows of another stage it would refuse
	}
	limit := fmt.Sprintf("the default limit, 10%% of the source's products (%d)", rr.Limit)
	switch {
	case opts.MaxRemovals > 0 && rr.Limit == opts.MaxRemovals:
		limit = fmt.Sprintf("the limit of --max-removals %d", rr.Limit)
	case opts.MaxRemovalPercent > 0:
		limit = fmt.Sprintf("the limit of --max-removal-percent %g, %s", opts.MaxRemovalPercent, plural(rr.Limit, "product", "products"))
	}
	return fmt.Sprintf("%s to remove is over %s; raise it with --max-removals or --max-removal-percent, or lift it with --no-removal-limit",
		plural(len(rr.Planned), "product", "products"), limit)
}

// removalKind is one kind of removals as sync prints them.
type removalKind struct {
	name, one string // plural and singular: "categories", "category"
	rr        catalog.RemovalReport
	ran       bool // the sync replaced this kind: full, and (but for products) the feed carried it
}

// removalKindsOf lists the removal kinds of a sync of feed, in the order
// sync prints them: products, promotions, categories.
func removalKindsOf(r *catalog.SyncReport, feed catalog.Feed) []removalKind {
	full := !r.Incremental
	return []removalKind{
		{name: "products", one: "product", rr: r.Removals, ran: full},
		{name: "promotions", one: "promotion", rr: r.PromotionRemovals, ran: full && feed.Promotions != nil},
		{name: "categories", one: "category", rr: r.CategoryRemovals, ran: full && feed.Categories != nil},
	}
}

// removalsRefused says why the real run of a dry run r would not remove
// kind k's planned removals; "" when it would.
func removalsRefused(r *catalog.SyncReport, opts *catalog.SyncOptions, k removalKind) string {
	if k.name == "products" {
		return productRemovalsRefused(r, opts)
	}
	return kindRefused(k.name, k.rr)
}

// removalsOut is one kind's removals as --json prints them; limit is null
// when the sync did not replace the kind.
func removalsOut(k removalKind) map[string]any {
	rr := k.rr
	return map[string]any{"planned": len(rr.Planned), "removed": rr.Succeeded,
		"failed": rowErrorsOut(rr.Failed, nil), "unknown": rowErrorsOut(rr.Unknown, nil),
		"kept": rowErrorsOut(rr.Kept, nil), "skipped": rr.Skipped, "limit": limitOut(k)}
}

// limitOut is kind k's removal limit as --json prints it: -1 for none,
// null when the sync did not replace the kind.
func limitOut(k removalKind) any {
	if !k.ran {
		return nil
	}
	return k.rr.Limit
}

// otherRemovalsRefused says why the real run of a dry run r would not
// remove the categories or promotions it replaces (--categories,
// --promotions): the first kind's reason; "" when it would.
func otherRemovalsRefused(r *catalog.SyncReport) string {
	if why := kindRefused("promotions", r.PromotionRemovals); why != "" {
		return why
	}
	return kindRefused("categories", r.CategoryRemovals)
}

// kindRefused says, from its Skipped, why the real run of a dry run would
// not remove the name kind's planned removals; "" when it would.
func kindRefused(name string, rr catalog.RemovalReport) string {
	switch {
	case strings.HasPrefix(rr.Skipped, "would refuse"):
		return fmt.Sprintf("of the %s, it %s; raise the limit with --max-removals or --max-removal-percent, or lift it with --no-removal-limit",
			name, rr.Skipped)
	case strings.HasPrefix(rr.Skipped, "would "):
		return fmt.Sprintf("of the %s, it %s", name, rr.Skipped)
	}
	return ""
}

func toStageOut(s catalog.StageReport, lines *rowLines) stageOut {
	return stageOut{rowsOut: toRowsOut(s.RowReport, lines), Unchanged: len(s.Unchanged), Inserted: s.Inserted,
		Updated: s.Updated, Requests: s.Requests}
}

// syncMode names the run's mode as --mode spells it.
func syncMode(r *catalog.SyncReport) string {
	if r.Incremental {
		return "incremental"
	}
	return "full"
}

// printSync prints a sync's report; kinds are its removal kinds
// (removalKindsOf).
func (a *app) printSync(path, source string, r *catalog.SyncReport, opts *catalog.SyncOptions, kinds []removalKind, lines *rowLines, runErr error) {
	refusal := ""
	if r.DryRun {
		refusal = wouldRefuseRemovals(r, opts)
	}
	if a.json {
		a.emitJSON(syncJSON(path, source, r, opts, kinds, lines, runErr == nil && refusal == ""))
		return
	}
	w := a.stdout
	verb := "Synced"
	if r.DryRun {
		verb = "Dry run of the sync of"
	}
	fmt.Fprintf(w, "%s %s into source %s (%s)\n", verb, path, source, syncMode(r))
	printStage(w, "categories", r.Categories)
	printStage(w, "products", r.Products)
	printStage(w, "promotions", r.Promotions)
	if !r.Incremental {
		printRemovals(w, r)
	}
	if r.DryRun {
		printPlan(w, r, opts, kinds)
		printFailures(w, "Products a real run would refuse, by cause", r.Products.Failed, lines)
	} else {
		printFailures(w, "Failed product rows, by cause", r.Products.Failed, lines)
	}
	printFailures(w, "Product rows whose outcome is unknown, by cause", r.Products.Unknown, lines)
	printFailures(w, "Failed category rows, by cause", r.Categories.Failed, nil)
	printFailures(w, "Failed promotion rows, by cause", r.Promotions.Failed, nil)
	printFailures(w, "Removals that failed or whose outcome is unknown, by cause", slices.Concat(r.PromotionRemovals.Failed, r.PromotionRemovals.Unknown,
		r.Removals.Failed, r.Removals.Unknown, r.CategoryRemovals.Failed, r.CategoryRemovals.Unknown), nil)
}

// syncJSON is a sync's report as --json prints it; a dry run adds its
// plan, with each kind's removals, limit and refusal.
func syncJSON(path, source string, r *catalog.SyncReport, opts *catalog.SyncOptions, kinds []removalKind, lines *rowLines, ok bool) map[string]any {
	out := map[string]any{"ok": ok,
		"command": "sync", "file": path, "source_id": source, "mode": syncMode(r), "dry_run": r.DryRun,
		"categories": toStageOut(r.Categories, nil), "products": toStageOut(r.Products, lines), "promotions": toStageOut(r.Promotions, nil),
		"removals": removalsOut(kinds[0]), "promotion_removals": removalsOut(kinds[1]), "category_removals": removalsOut(kinds[2])}
	if !r.DryRun {
		return out
	}
	plan := map[string]any{"product_creates": len(r.Products.Creates), "product_updates": len(r.Products.Updates),
		"unchanged": len(r.Products.Unchanged), "removals_refused": wouldRefuseRemovals(r, opts),
		"category_creates": len(r.Categories.Creates), "category_updates": len(r.Categories.Updates),
		"promotion_creates": len(r.Promotions.Creates), "promotion_updates": len(r.Promotions.Updates),
		"refused_products": rowErrorsOut(r.Products.Failed, lines)}
	// Each kind's planned removals, limit (null when not replaced) and
	// refusal: "removals", "removal_limit", "product_removals_refused";
	// "promotion_removals", ...
	for _, k := range kinds {
		prefix := k.one + "_"
		if k.name == "products" {
			prefix = "" // the names plan had before promotions and categories were replaced
		}
		plan[prefix+"removals"] = nonNilStrings(k.rr.Planned)
		plan[prefix+"removal_limit"] = limitOut(k)
		plan[k.one+"_removals_refused"] = removalsRefused(r, opts, k)
	}
	out["plan"] = plan
	return out
}

// printRemovals prints a full sync's removals, kind by kind.
func printRemovals(w io.Writer, r *catalog.SyncReport) {
	fmt.Fprintf(w, "  removals     %d planned, %d removed, %d failed, %d unknown", len(r.Removals.Planned),
		r.Removals.Succeeded, len(r.Removals.Failed), len(r.Removals.Unknown))
	if r.Removals.Skipped != "" {
		fmt.Fprintf(w, "; skipped: %s", r.Removals.Skipped)
	}
	fmt.Fprintln(w)
	for _, k := range []struct {
		name string
		rr   catalog.RemovalReport
	}{{"promotions", r.PromotionRemovals}, {"categories", r.CategoryRemovals}} {
		if len(k.rr.Planned) == 0 && len(k.rr.Kept) == 0 {
			continue
		}
		fmt.Fprintf(w, "  %-12s %d removals planned, %d removed, %d failed, %d unknown, %d kept", k.name, len(k.rr.Planned),
			k.rr.Succeeded, len(k.rr.Failed), len(k.rr.Unknown), len(k.rr.Kept))
		if k.rr.Skipped != "" {
			fmt.Fprintf(w, "; skipped: %s", k.rr.Skipped)
		}
		fmt.Fprintln(w)
	}
}

// printPlan prints what the real run of dry run r would do: what it would
// create and update, what it would remove of each kind it replaces, with
// the kind's limit, and why it would remove nothing of a kind.
func printPlan(w io.Writer, r *catalog.SyncReport, opts *catalog.SyncOptions, kinds []removalKind) {
	p := r.Products
	fmt.Fprintf(w, "A real run would create %d and update %d products (%d unchanged), create %d and update %d categories, create %d and update %d promotions",
		len(p.Creates), len(p.Updates), len(p.Unchanged), len(r.Categories.Creates), len(r.Categories.Updates),
		len(r.Promotions.Creates), len(r.Promotions.Updates))
	sep := ", remove "
	for _, k := range kinds {
		if !k.ran {
			continue
		}
		fmt.Fprintf(w, "%s%d %s", sep, len(k.rr.Planned), k.name)
		if k.rr.Limit >= 0 {
			fmt.Fprintf(w, " (limit %d)", k.rr.Limit)
		}
		sep = ", "
	}
	fmt.Fprintln(w, ".")
	for _, k := range kinds {
		if why := removalsRefused(r, opts, k); k.ran && why != "" {
			fmt.Fprintf(w, "A real run would remove nothing: %s.\n", why)
		}
	}
	for _, k := range kinds {
		for i, key := range k.rr.Planned {
			if i == maxListed {
				fmt.Fprintf(w, "  ... and %d more %s\n", len(k.rr.Planned)-maxListed, k.name)
				break
			}
			if k.name == "products" {
				fmt.Fprintf(w, "  would remove %s\n", key)
			} else {
				fmt.Fprintf(w, "  would remove %s %s\n", k.one, key)
			}
		}
	}
}

func printStage(w io.Writer, name string, s catalog.StageReport) {
	if s.Read == 0 && name != "products" {
		return
	}
	fmt.Fprintf(w, "  %-12s %d read, %d succeeded (%d inserted, %d updated), %d unchanged, %d failed, %d unknown, %d not attempted\n",
		name, s.Read, s.Succeeded, s.Inserted, s.Updated, len(s.Unchanged), len(s.Failed), len(s.Unknown), len(s.NotAttempted))
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
