package catalog

import "fmt"

// planCategories checks categories against each other and the tenant's
// tree (id -> parent id; nil when not listed, when every parent is in the
// call) and orders the accepted ones parents first.
func planCategories(categories []Category, tenant map[string]string) *entityBatch {
	b := &entityBatch{}
	refused := make(map[int]RowError)
	refuse := func(i int, field, reason string) {
		if _, done := refused[i]; !done {
			refused[i] = RowError{Row: i, EntityCode: deref(categories[i].CategoryID), Field: field, Reason: reason, Rejected: true}
		}
	}
	byID := make(map[string]int, len(categories))
	for i, c := range categories {
		id := deref(c.CategoryID)
		switch first, dup := byID[id]; {
		case id == "":
			refuse(i, "category_id", "required")
		case dup:
			refuse(i, "category_id", fmt.Sprintf("%q repeats row %d of the same call", id, first))
		default:
			byID[id] = i
		}
	}
	// parentOf resolves a parent in the call first, then in the tenant.
	parentOf := func(id string) (string, bool) {
		if i, ok := byID[id]; ok {
			return deref(categories[i].ParentID), true
		}
		p, ok := tenant[id]
		return p, ok
	}
	for i, c := range categories {
		if _, bad := refused[i]; bad {
			continue
		}
		id, parent := deref(c.CategoryID), deref(c.ParentID)
		if parent == "" {
			continue
		}
		if _, ok := parentOf(parent); !ok {
			refuse(i, "parent_id", fmt.Sprintf("parent category %q is neither in this import nor in the tenant", parent))
			continue
		}
		// Walk up: meeting id again is a cycle.
		cur := parent
		for steps := 0; cur != "" && steps <= len(byID)+len(tenant); steps++ {
			if cur == id {
				refuse(i, "parent_id", fmt.Sprintf("parent %q makes a cycle through %q", parent, id))
				break
			}
			cur, _ = parentOf(cur)
		}
	}
	// Parents first: a depth-first visit from each row in the caller's
	// order emits a category after its parent in the call. A category
	// whose parent was refused is refused too.
	state := make(map[int]int) // 1 visiting, 2 done
	var visit func(i int) bool
	visit = func(i int) bool {
		if _, bad := refused[i]; bad {
			return false
		}
		switch state[i] {
		case 1: // only a cycle leads back here, and cycles are refused above
			return false
		case 2:
			return true
		}
		state[i] = 1
		if p, inCall := byID[deref(categories[i].ParentID)]; inCall && deref(categories[i].ParentID) != "" {
			if !visit(p) {
				refuse(i, "parent_id", fmt.Sprintf("parent category %q was refused", deref(categories[i].ParentID)))
				state[i] = 2
				return false
			}
		}
		state[i] = 2
		b.sent = append(b.sent, i)
		b.rows = append(b.rows, &categories[i])
		return true
	}
	for i := range categories {
		visit(i)
	}
	for _, e := range refused {
		b.rejected = append(b.rejected, e)
	}
	return b
}
