package catalog

import (
	"fmt"
	"slices"
	"testing"
)

// A dry run's removals, not attempted by design, are part of its error
// only when their report says the real run would not make them; so for
// every kind of removal.
func TestDryRunErrorNamesRemovalsTheRealRunWouldRefuse(t *testing.T) {
	rep := &SyncReport{DryRun: true, Removals: RemovalReport{Planned: []string{"A", "B"},
		RowReport: RowReport{Read: 2, NotAttempted: []int{0, 1}}}}
	if err := syncResult(rep, nil); err != nil {
		t.Errorf("a dry run that would remove: %v", err)
	}
	rep.Removals.Skipped = "would refuse: 2 removals over the limit of 0"
	err := syncResult(rep, map[*RemovalReport]bool{&rep.Removals: true}, fmt.Errorf("%w: would remove 2 of 2 products, over the limit of 0", ErrRemovalLimit))
	se, ok := err.(*SyncError)
	if !ok || !slices.Equal(se.Stages, []string{"removals"}) {
		t.Fatalf("a dry run whose real run would refuse: %v", err)
	}
	if want := "catalog: sync incomplete: removals: 2 not attempted of 2 planned; catalog: removal limit exceeded: would remove 2 of 2 products, over the limit of 0"; err.Error() != want {
		t.Errorf("error\n%q, want\n%q", err, want)
	}
	// The same for categories and promotions, each judged by its own report.
	rep = &SyncReport{DryRun: true, Removals: RemovalReport{Skipped: "dry run"},
		CategoryRemovals: RemovalReport{Planned: []string{"c"}, Skipped: "would refuse: 1 removals over the limit of 0",
			RowReport: RowReport{Read: 1, NotAttempted: []int{0}}},
		PromotionRemovals: RemovalReport{Planned: []string{"p#1"}, Skipped: "dry run",
			RowReport: RowReport{Read: 1, NotAttempted: []int{0}}}}
	err = syncResult(rep, map[*RemovalReport]bool{&rep.CategoryRemovals: true}, fmt.Errorf("%w: categories", ErrRemovalLimit))
	if se, ok := err.(*SyncError); !ok || !slices.Equal(se.Stages, []string{"category removals"}) {
		t.Fatalf("a dry run whose real run would refuse the category removals: %v", err)
	}
}
