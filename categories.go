package catalog

// CategoriesService is the home of category calls. Categories travel
// embedded in products today (Product.Category, Product.ChannelCategories);
// their own import, which must run before the products that reference
// them, comes with a later release.
type CategoriesService service

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
	// Hierarchy (hierarchy) lists the ancestors, from the root down.
	Hierarchy []CategoryRef `json:"hierarchy,omitzero"`
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

// CategoryRef is one entry of a category's hierarchy.
type CategoryRef struct {
	// CategoryID (category_id) is the category's id.
	CategoryID *string `json:"category_id,omitzero"`
	// Name (name) is the category name.
	Name *Text `json:"name,omitzero"`
	// Slug (slug) is the URL slug.
	Slug *Text `json:"slug,omitzero"`
	// Level (level) is the depth in the category tree; 0 is a root.
	Level *int `json:"level,omitzero"`
}
