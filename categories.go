package catalog

import (
	"context"
	"fmt"
	"iter"
	"net/url"
)

// Paths of the category calls (the project's reading of the platform's
// category import; see api/openapi.yaml).
const (
	categoriesImportPath = "/api/b2b/pim/categories/import"
	categoriesPath       = "/api/b2b/pim/categories"
	categoriesRemovePath = "/api/b2b/pim/categories/remove"
)

// CategoriesService imports and lists the tenant's category tree. Import
// categories before the products that reference them: once a tenant has
// categories, the platform refuses a product row whose category
// (category.category_id, or a channel category's) is not in the tree,
// naming the category. A tenant that never imported a category keeps the
// categories embedded in products as sent.
type CategoriesService service

// Import creates or replaces categories by CategoryID, synchronously, and
// returns the outcome of every row.
//
// Client-side checks, each refusing the row (EntityImportResult.Rejected,
// naming the field) without sending it: a CategoryID is required and
// unique within the call; a ParentID must name a category of the call or
// of the tenant (the tenant is listed, once, only when a parent is not in
// the call); parents must not form a cycle; a category whose parent is
// refused is refused too. Parents are sent before their children: the
// rows are reordered (stably, so siblings keep the caller's order), and
// row numbers in the result are always the caller's indexes. An answer
// whose summary does not count every row sent is returned with an
// *OutcomeUnknownError: the rows it lists failed, the others may have been
// applied.
//
// POST /api/b2b/pim/categories/import (operation importCategories)
func (s *CategoriesService) Import(ctx context.Context, categories []Category, opts *EntityImportOptions) (*EntityImportResult, error) {
	if err := checkEntityCount("categories", len(categories)); err != nil {
		return nil, err
	}
	var tenant map[string]string
	if needsTenantTree(categories) {
		var err error
		if tenant, err = s.parents(ctx); err != nil {
			return nil, fmt.Errorf("catalog: listing the tenant's categories to check parents: %w", err)
		}
	}
	b := planCategories(categories, tenant)
	res, err := s.client.sendEntities(ctx, categoriesImportPath, "categories", b, opts.get())
	if err != nil {
		return nil, err
	}
	return res, uncounted(categoriesImportPath, res.Summary.Successful, res.Summary.Failed, len(b.sent))
}

// List yields every category of the tenant, sorted by id, fetching a page
// of 1,000 at a time.
//
// GET /api/b2b/pim/categories (operation listCategories)
func (s *CategoriesService) List(ctx context.Context) iter.Seq2[Category, error] {
	return listPages[Category](ctx, s.client, categoriesPath, url.Values{}, 1, 1000)
}

// Remove removes categories from the tenant by id, in the order given: at
// most MaxProducts ids, no repeats. The report's rows are the indexes of
// ids. The platform keeps, failing its row, a category that names none, one
// that still has a child category (list children before their parents),
// and one that a product still references, naming the product. An answer
// whose counts leave ids out comes with an *OutcomeUnknownError, the ids it
// does not list being Unknown. A full Client.Sync removes the categories
// its feed no longer has, within its removal limits.
//
// POST /api/b2b/pim/categories/remove (operation removeCategories)
func (s *CategoriesService) Remove(ctx context.Context, ids []string) (*RowReport, error) {
	return s.client.removeKeys(ctx, categoriesRemovePath, "category_ids", ids, map[string]any{"category_ids": ids})
}

// parents returns the tenant's tree: each category id to its parent id.
func (s *CategoriesService) parents(ctx context.Context) (map[string]string, error) {
	tree := map[string]string{}
	for c, err := range s.List(ctx) {
		if err != nil {
			return nil, err
		}
		tree[deref(c.CategoryID)] = deref(c.ParentID)
	}
	return tree, nil
}

func needsTenantTree(categories []Category) bool {
	inCall := make(map[string]bool, len(categories))
	for _, c := range categories {
		inCall[deref(c.CategoryID)] = true
	}
	for _, c := range categories {
		if p := deref(c.ParentID); p != "" && !inCall[p] {
			return true
		}
	}
	return false
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// Category is a category embedded in a product. It carries its path and
// hierarchy so that the product is self-contained.
type Category struct {
	// CategoryID (category_id) is the category's id.
	CategoryID *string `json:"category_id,omitzero"`
	// Name (name) is the category name.
	Name *Text `json:"name,omitzero"`
	// Slug (slug) is the URL slug.
	Slug *Text `json:"slug,omitzero"`
	// Details (details) describes the category.
	Details *Text `json:"details,omitzero"`
	// Image (image) is the category image.
	Image *CategoryImage `json:"image,omitzero"`
	// Icon (icon) is the icon name, such as "valve".
	Icon *string `json:"icon,omitzero"`
	// ParentID (parent_id) is the parent category's id.
	ParentID *string `json:"parent_id,omitzero"`
	// Level (level) is the depth in the category tree; 0 is a root.
	Level *int `json:"level,omitzero"`
	// Path (path) lists the slugs from the root category to this one.
	Path []string `json:"path,omitzero"`
	// Hierarchy (hierarchy) lists the ancestors, from the root down; an
	// entry usually sets only CategoryID, Name, Slug and Level.
	Hierarchy []Category `json:"hierarchy,omitzero"`
	// IsActive (is_active) reports whether the category is active.
	IsActive *bool `json:"is_active,omitzero"`
	// DisplayOrder (display_order) is the sort position.
	DisplayOrder *int `json:"display_order,omitzero"`
}

// CategoryImage is the image of a category.
type CategoryImage struct {
	// ID (id) is the image's id.
	ID *string `json:"id,omitzero"`
	// Thumbnail (thumbnail) is the thumbnail's URL.
	Thumbnail *string `json:"thumbnail,omitzero"`
	// Original (original) is the full-size image's URL.
	Original *string `json:"original,omitzero"`
}

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
