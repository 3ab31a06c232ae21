package catalog

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Product is one entry of an import request's products array: the full
// product payload of the catalog platform.
//
// Optional fields follow one rule: nil means not sent; anything else is
// sent. In partial merge mode this lets one payload say both "leave this
// field alone" (nil) and "set it to zero" (a pointer to 0, false or "", or
// an empty non-nil slice or map, sent as [] or {}). Scalars are pointers
// (build them with [Ptr]), multilingual fields are *[Text] ([PlainText],
// [Localized]), nested objects are pointers to structs, and values that
// may be a string or a number are of type any. A JSON null decodes to nil;
// a *time.Time holding the zero time is not sent. The identifiers
// EntityCode and SKU are plain strings, left out when empty.
//
// A feed fills Pricing (list price and currency), not the bare Price; keys
// of your own go in Extra. Import and ImportAll refuse a row, naming the
// field, when a number is NaN or infinite, when a price, quantity, measure,
// count or position is negative, or when a percentage (VAT rate,
// discounts, min_score_threshold) is outside 0 to 100.
type Product struct {
	// Identity.

	// EntityCode (entity_code) is the stable tenant-scoped product id; the
	// server falls back to SKU when it is empty.
	EntityCode string `json:"entity_code,omitempty"`
	// SKU (sku) is the stock-keeping unit; it defaults to EntityCode.
	SKU string `json:"sku,omitempty"`

	// Multilingual text.

	// Name (name) is the product name.
	Name *Text `json:"name,omitzero"`
	// Slug (slug) is the URL slug.
	Slug *Text `json:"slug,omitzero"`
	// Description (description) is the main description.
	Description *Text `json:"description,omitzero"`
	// ShortDescription (short_description) is a one-line summary.
	ShortDescription *Text `json:"short_description,omitzero"`
	// LongDescription (long_description) is the extended description.
	LongDescription *Text `json:"long_description,omitzero"`

	// Channels, visibility, kind and variant flags.

	// Channels (channels) lists the sales channels the product is visible
	// in; the server defaults to ["default"] when it is not sent.
	Channels []string `json:"channels,omitzero"`
	// NotVisible (not_visible) hides the product from the storefront even
	// when published.
	NotVisible *bool `json:"not_visible,omitzero"`
	// ItemCreationDate (item_creation_date) is when the item was first
	// inserted in the source ERP.
	ItemCreationDate *time.Time `json:"item_creation_date,omitzero"`
	// ProductKind (product_kind) is a topology hint for downstream flows;
	// the server default is [KindStandard].
	ProductKind *ProductKind `json:"product_kind,omitzero"`
	// IsParent (is_parent) is true for simple and parent products, false
	// for variant children; the server default is true.
	IsParent *bool `json:"is_parent,omitzero"`
	// IncludeFaceting (include_faceting) is false for parents that only
	// group variants; the server default is true.
	IncludeFaceting *bool `json:"include_faceting,omitzero"`
	// ShareImagesWithVariants (share_images_with_variants), on a parent,
	// makes its variants inherit its images in search results.
	ShareImagesWithVariants *bool `json:"share_images_with_variants,omitzero"`
	// ShareMediaWithVariants (share_media_with_variants), on a parent,
	// makes its variants inherit its media in search results.
	ShareMediaWithVariants *bool `json:"share_media_with_variants,omitzero"`

	// Inventory and status.

	// ProductModel (product_model) is the manufacturer's model code.
	ProductModel *string `json:"product_model,omitzero"`
	// EAN (ean) lists the EAN/GTIN barcodes.
	EAN []string `json:"ean,omitzero"`
	// ProductStatus (product_status) is the ERP status string.
	ProductStatus *string `json:"product_status,omitzero"`
	// ProductStatusDescription (product_status_description) is the
	// localized status label.
	ProductStatusDescription *Text `json:"product_status_description,omitzero"`
	// StockStatus (stock_status) is the storefront stock badge.
	StockStatus *StockStatus `json:"stock_status,omitzero"`
	// Quantity (quantity) is the available stock.
	Quantity *float64 `json:"quantity,omitzero"`
	// Sold (sold) is the lifetime sold counter.
	Sold *float64 `json:"sold,omitzero"`
	// Unit (unit) is the primary selling unit; the server default is "pcs".
	Unit *string `json:"unit,omitzero"`

	// Physical.

	// Weight (weight) is the weight, in WeightUOM.
	Weight *float64 `json:"weight,omitzero"`
	// WeightUOM (weight_uom) is the weight unit, such as "KG".
	WeightUOM *string `json:"weight_uom,omitzero"`
	// Volume (volume) is the volume, in VolumeUOM.
	Volume *float64 `json:"volume,omitzero"`
	// VolumeUOM (volume_uom) is the volume unit, such as "CM3".
	VolumeUOM *string `json:"volume_uom,omitzero"`
	// DimensionHeight (dimension_height) is the bounding-box height.
	DimensionHeight *float64 `json:"dimension_height,omitzero"`
	// DimensionWidth (dimension_width) is the bounding-box width.
	DimensionWidth *float64 `json:"dimension_width,omitzero"`
	// DimensionLength (dimension_length) is the bounding-box length.
	DimensionLength *float64 `json:"dimension_length,omitzero"`
	// DimensionUOM (dimension_uom) is the unit of the three dimensions,
	// such as "CM".
	DimensionUOM *string `json:"dimension_uom,omitzero"`

	// Taxonomy.

	// Brand (brand) is a snapshot of the product's brand.
	Brand *Brand `json:"brand,omitzero"`
	// Category (category) is the primary category, with its path and
	// hierarchy.
	Category *Category `json:"category,omitzero"`
	// ChannelCategories (channel_categories) are per-channel category
	// overrides.
	ChannelCategories []ChannelCategory `json:"channel_categories,omitzero"`
	// Collections (collections) are the marketing collections the product
	// belongs to.
	Collections []Collection `json:"collections,omitzero"`
	// ProductType (product_type) is the product type and its
	// technical-specification schema.
	ProductType *ProductType `json:"product_type,omitzero"`
	// Tags (tags) are marketing and SEO tags.
	Tags []Tag `json:"tags,omitzero"`
	// SynonymKeys (synonym_keys) reference synonym dictionaries, by key,
	// for search expansion.
	SynonymKeys []string `json:"synonym_keys,omitzero"`

	// Media.

	// Images (images) is the gallery; the first image is the cover. When
	// sent, it replaces the stored gallery wholesale, in partial mode too.
	Images []Image `json:"images,omitzero"`
	// Media (media) lists documents, videos and 3D models. In partial mode
	// the items sent replace the stored items of the same type only.
	Media []Media `json:"media,omitzero"`

	// Content.

	// Attributes (attributes) are typed attribute lists keyed by language
	// code.
	Attributes map[string][]Attribute `json:"attributes,omitzero"`
	// MarketingFeatures (marketing_features) are bullet-list highlights
	// keyed by language code.
	MarketingFeatures map[string][]string `json:"marketing_features,omitzero"`
	// TechnicalSpecifications (technical_specifications) is the spec sheet
	// keyed by language code.
	TechnicalSpecifications map[string][]TechnicalSpec `json:"technical_specifications,omitzero"`
	// Meta (meta) is free-form key/value metadata.
	Meta []MetaEntry `json:"meta,omitzero"`

	// Pricing and packaging.

	// Price (price) is a single number with no currency, stored as sent,
	// with per-channel overrides layered on by the platform. The platform
	// does not copy it into Pricing or back: send it only when the tenant's
	// storefront reads it, never as a stand-in for Pricing (it does not
	// satisfy a required "pricing.list").
	Price *float64 `json:"price,omitzero"`
	// Pricing (pricing) holds the product's prices: list, retail and sale,
	// currency and VAT (see [Pricing] for the fields that apply here). It is
	// the price the platform's auto-publish rules ("pricing.list") and
	// packaging options refer to, and the one a POS or ERP feed fills.
	Pricing *Pricing `json:"pricing,omitzero"`
	// PackagingOptions (packaging_options) are the sellable packagings,
	// with optional per-package pricing and promotions.
	PackagingOptions []PackagingOption `json:"packaging_options,omitzero"`
	// PackagingInfo (packaging_info) describes physical packagings; it is
	// informational only.
	PackagingInfo []PackagingInfo `json:"packaging_info,omitzero"`

	// Promotions.

	// Promotions (promotions) are the product-level promotions, the source
	// of truth that the platform computes into packagings.
	Promotions []Promotion `json:"promotions,omitzero"`
	// PromoCode (promo_code) lists promotion codes, denormalized for
	// storefront faceting.
	PromoCode []string `json:"promo_code,omitzero"`
	// PromoType (promo_type) lists promotion types, denormalized for
	// storefront faceting.
	PromoType []string `json:"promo_type,omitzero"`
	// HasActivePromo (has_active_promo) flags a running promotion, for
	// storefront filtering.
	HasActivePromo *bool `json:"has_active_promo,omitzero"`

	// Variants.

	// ParentSKU (parent_sku) is the parent's SKU; required for a variant.
	ParentSKU *string `json:"parent_sku,omitzero"`
	// ParentEntityCode (parent_entity_code) is the parent's entity code;
	// required for a variant.
	ParentEntityCode *string `json:"parent_entity_code,omitzero"`
	// VariantsSKU (variants_sku) lists the SKUs of a parent's variants.
	VariantsSKU []string `json:"variants_sku,omitzero"`
	// VariantsEntityCode (variants_entity_code) lists the entity codes of a
	// parent's variants.
	VariantsEntityCode []string `json:"variants_entity_code,omitzero"`
	// ParentProduct (parent_product) is a self-contained snapshot of the
	// parent, for variant rows.
	ParentProduct *ParentProduct `json:"parent_product,omitzero"`
	// SiblingVariants (sibling_variants) are the other variants of the same
	// parent, for storefront selectors.
	SiblingVariants []SiblingVariant `json:"sibling_variants,omitzero"`

	// SEO.

	// MetaTitle (meta_title) is the SEO page title.
	MetaTitle *Text `json:"meta_title,omitzero"`
	// MetaDescription (meta_description) is the SEO meta description.
	MetaDescription *Text `json:"meta_description,omitzero"`

	// Publishing.

	// AutoPublishEnabled (auto_publish_enabled) makes the product eligible
	// for auto-publish checks.
	AutoPublishEnabled *bool `json:"auto_publish_enabled,omitzero"`
	// MinScoreThreshold (min_score_threshold) is the completeness score
	// required for auto-publish; the server default is 80.
	MinScoreThreshold *float64 `json:"min_score_threshold,omitzero"`
	// RequiredFields (required_fields) are dotted paths, such as
	// "pricing.list", that must be populated for auto-publish.
	RequiredFields []string `json:"required_fields,omitzero"`

	// Extra holds top-level fields Product has no place for, such as the
	// columns an import source's field mappings rename ({"Prix": 12.5} for
	// a mapping {"Prix": "pricing.list"}, see [Source].FieldMappings). Each
	// entry is sent as one more top-level key, in sorted order, its value
	// encoded as encoding/json would (a [encoding/json.RawMessage] verbatim). A key
	// that is the JSON name of one of Product's fields (such as "price") is
	// refused, and so is a value that cannot be encoded. Decoding puts every
	// key Product does not know here, with encoding/json's usual types.
	Extra map[string]any `json:"-"`
}

// StockStatus is the storefront stock badge of a product.
type StockStatus string

// Stock statuses known to the platform.
const (
	StockInStock    StockStatus = "in_stock"
	StockOutOfStock StockStatus = "out_of_stock"
	StockPreOrder   StockStatus = "pre_order"
)

// ProductKind is a topology hint for downstream flows.
type ProductKind string

// Product kinds known to the platform.
const (
	KindStandard ProductKind = "standard"
	KindBookable ProductKind = "bookable"
	KindService  ProductKind = "service"
)

// Brand is a brand snapshot embedded in a product.
//
// It is sent as a JSON object, or, when Plain is set, as a plain JSON
// string such as "acme".
type Brand struct {
	// Plain, when non-empty, sends the brand as this plain JSON string
	// instead of an object, as in the short form "brand": "acme"; how the
	// server resolves it depends on the import source's field mappings.
	// It cannot be combined with the other fields: encoding fails. A brand
	// decoded from a JSON string has only Plain set.
	Plain string `json:"-"`

	// BrandID (brand_id) is the brand's id.
	BrandID *string `json:"brand_id,omitzero"`
	// Label (label) is the display name.
	Label *string `json:"label,omitzero"`
	// Slug (slug) is the URL slug.
	Slug *string `json:"slug,omitzero"`
	// Description (description) describes the brand.
	Description *string `json:"description,omitzero"`
	// LogoURL (logo_url) is the logo's URL.
	LogoURL *string `json:"logo_url,omitzero"`
	// WebsiteURL (website_url) is the brand's website.
	WebsiteURL *string `json:"website_url,omitzero"`
	// IsActive (is_active) reports whether the brand is active.
	IsActive *bool `json:"is_active,omitzero"`
	// ProductCount (product_count) is the number of products of the brand.
	ProductCount *int `json:"product_count,omitzero"`
	// DisplayOrder (display_order) is the sort position.
	DisplayOrder *int `json:"display_order,omitzero"`
	// ParentBrandID (parent_brand_id) is the parent brand's id, for
	// sub-brands.
	ParentBrandID *string `json:"parent_brand_id,omitzero"`
	// BrandFamily (brand_family) groups related brands.
	BrandFamily *string `json:"brand_family,omitzero"`
	// Level (level) is the depth in the brand hierarchy; 0 is a root.
	Level *int `json:"level,omitzero"`
	// Path (path) lists the slugs from the root brand to this one.
	Path []string `json:"path,omitzero"`
	// Hierarchy (hierarchy) lists the brands from the root to this one;
	// an entry usually sets only BrandID, Label, Slug, LogoURL and Level.
	Hierarchy []Brand `json:"hierarchy,omitzero"`
}

// ChannelCategory overrides a product's category for one sales channel.
type ChannelCategory struct {
	// ChannelCode (channel_code) is the sales channel.
	ChannelCode *string `json:"channel_code,omitzero"`
	// Category (category) is the category used in that channel.
	Category *Category `json:"category,omitzero"`
}

// Collection is a marketing collection embedded in a product.
type Collection struct {
	// CollectionID (collection_id) is the collection's id.
	CollectionID *string `json:"collection_id,omitzero"`
	// Name (name) is the collection name.
	Name *Text `json:"name,omitzero"`
	// Slug (slug) is the URL slug.
	Slug *Text `json:"slug,omitzero"`
	// Description (description) describes the collection.
	Description *string `json:"description,omitzero"`
	// IsActive (is_active) reports whether the collection is active.
	IsActive *bool `json:"is_active,omitzero"`
	// DisplayOrder (display_order) is the sort position.
	DisplayOrder *int `json:"display_order,omitzero"`
	// Level (level) is the depth in the collection hierarchy; 0 is a root.
	Level *int `json:"level,omitzero"`
	// Path (path) lists the slugs from the root collection to this one.
	Path []string `json:"path,omitzero"`
}

// ProductType is a product type embedded in a product, with the schema of
// its technical specifications.
type ProductType struct {
	// ProductTypeID (product_type_id) is the product type's id.
	ProductTypeID *string `json:"product_type_id,omitzero"`
	// Code (code) is the tenant's code for the type, such as "037".
	Code *string `json:"code,omitzero"`
	// Name (name) is the type name.
	Name *Text `json:"name,omitzero"`
	// Slug (slug) is the URL slug.
	Slug *Text `json:"slug,omitzero"`
	// Description (description) describes the type.
	Description *string `json:"description,omitzero"`
	// IsActive (is_active) reports whether the type is active.
	IsActive *bool `json:"is_active,omitzero"`
	// TechnicalSpecifications (technical_specifications) is the schema of
	// the type's technical specifications.
	TechnicalSpecifications []SpecificationField `json:"technical_specifications,omitzero"`
}

// SpecificationField is one field of a product type's technical
// specification schema.
type SpecificationField struct {
	// TechnicalSpecificationID (technical_specification_id) is the field's
	// id.
	TechnicalSpecificationID *string `json:"technical_specification_id,omitzero"`
	// Key (key) is the specification key, matching [TechnicalSpec].Key.
	Key *string `json:"key,omitzero"`
	// Label (label) is the display label.
	Label *Text `json:"label,omitzero"`
	// Type (type) is the value type, such as "select" or "number".
	Type *string `json:"type,omitzero"`
	// Options (options) are the allowed values of a "select" field.
	Options []string `json:"options,omitzero"`
	// Unit (unit) is the unit of measure, such as "bar".
	Unit *string `json:"unit,omitzero"`
	// Required (required) reports whether products of the type must set
	// the field.
	Required *bool `json:"required,omitzero"`
	// DisplayOrder (display_order) is the sort position.
	DisplayOrder *int `json:"display_order,omitzero"`
}

// Tag is a marketing or SEO tag embedded in a product.
type Tag struct {
	// TagID (tag_id) is the tag's id.
	TagID *string `json:"tag_id,omitzero"`
	// Name (name) is the tag name.
	Name *Text `json:"name,omitzero"`
	// Slug (slug) is the URL slug.
	Slug *string `json:"slug,omitzero"`
	// Color (color) is the display color, such as "#ffb400".
	Color *string `json:"color,omitzero"`
	// IsActive (is_active) reports whether the tag is active.
	IsActive *bool `json:"is_active,omitzero"`
	// DisplayOrder (display_order) is the sort position.
	DisplayOrder *int `json:"display_order,omitzero"`
	// TagCategory (tag_category) classifies the tag, such as "marketing".
	TagCategory *string `json:"tag_category,omitzero"`
	// TagGroup (tag_group) groups tags for display, such as "highlights".
	TagGroup *string `json:"tag_group,omitzero"`
}

// MetaEntry is one free-form key/value metadata entry.
type MetaEntry struct {
	// Key (key) names the entry.
	Key *string `json:"key,omitzero"`
	// Value (value) is a string or a number; nil is not sent.
	Value any `json:"value,omitzero"`
}

// Image is one gallery image.
type Image struct {
	// URL (url) is the image's URL.
	URL *string `json:"url,omitzero"`
	// CDNKey (cdn_key) is the storage key on the CDN.
	CDNKey *string `json:"cdn_key,omitzero"`
	// Position (position) is the gallery position; 0 is the cover.
	Position *int `json:"position,omitzero"`
	// FileName (file_name) is the original file name.
	FileName *string `json:"file_name,omitzero"`
	// FileType (file_type) is the MIME type, such as "image/jpeg".
	FileType *string `json:"file_type,omitzero"`
	// SizeBytes (size_bytes) is the file size in bytes.
	SizeBytes *int `json:"size_bytes,omitzero"`
	// UploadedAt (uploaded_at) is when the file was uploaded.
	UploadedAt *time.Time `json:"uploaded_at,omitzero"`
	// UploadedBy (uploaded_by) is who uploaded the file.
	UploadedBy *string `json:"uploaded_by,omitzero"`
}

// Media is one document, video or 3D model of a product.
type Media struct {
	// Type (type) is the media type, such as "document", "video" or
	// "3d-model".
	Type *string `json:"type,omitzero"`
	// URL (url) is the file's or external link's URL.
	URL *string `json:"url,omitzero"`
	// S3Key (s3_key) is the storage key of an uploaded file.
	S3Key *string `json:"s3_key,omitzero"`
	// Label (label) is the display label.
	Label *Text `json:"label,omitzero"`
	// Language (language) is the language code of the content.
	Language *string `json:"language,omitzero"`
	// FileType (file_type) is the MIME type, such as "application/pdf".
	FileType *string `json:"file_type,omitzero"`
	// SizeBytes (size_bytes) is the file size in bytes.
	SizeBytes *int `json:"size_bytes,omitzero"`
	// Position (position) is the sort position.
	Position *int `json:"position,omitzero"`
	// IsExternalLink (is_external_link) marks a link to an external site,
	// such as YouTube or Vimeo, rather than a stored file.
	IsExternalLink *bool `json:"is_external_link,omitzero"`
}

// Attribute is one typed attribute of a product, in one language.
type Attribute struct {
	// Key (key) identifies the attribute across languages.
	Key *string `json:"key,omitzero"`
	// Label (label) is the display label in the list's language.
	Label *string `json:"label,omitzero"`
	// Value (value) is a string or a number; nil is not sent.
	Value any `json:"value,omitzero"`
}

// TechnicalSpec is one line of a product's spec sheet, in one language.
type TechnicalSpec struct {
	// Key (key) identifies the specification across languages.
	Key *string `json:"key,omitzero"`
	// Label (label) is the display label in the list's language.
	Label *string `json:"label,omitzero"`
	// Value (value) is a string or a number; nil is not sent.
	Value any `json:"value,omitzero"`
	// UOM (uom) is the unit of measure, such as "bar".
	UOM *string `json:"uom,omitzero"`
	// Category (category) groups lines on the sheet, such as
	// "Performance".
	Category *string `json:"category,omitzero"`
	// Order (order) is the sort position.
	Order *int `json:"order,omitzero"`
}

// Pricing holds prices, both of a product ([Product].Pricing) and of a
// packaging option ([PackagingOption].Pricing).
//
// List, Retail, Sale and VATIncluded apply to both. Currency and VATRate
// belong to the product. ListUnit, RetailUnit, SaleUnit, PriceRef,
// ListDiscountPct and SaleDiscountPct belong to packaging options.
type Pricing struct {
	// List (list) is the list price.
	List *float64 `json:"list,omitzero"`
	// Retail (retail) is the retail price.
	Retail *float64 `json:"retail,omitzero"`
	// Sale (sale) is the sale price.
	Sale *float64 `json:"sale,omitzero"`
	// Currency (currency) is the ISO 4217 currency code, such as "EUR".
	Currency *string `json:"currency,omitzero"`
	// VATRate (vat_rate) is the VAT rate in percent, such as 22.
	VATRate *float64 `json:"vat_rate,omitzero"`
	// VATIncluded (vat_included) reports whether the prices include VAT.
	VATIncluded *bool `json:"vat_included,omitzero"`
	// ListUnit (list_unit) is the list price per unit of the packaging.
	ListUnit *float64 `json:"list_unit,omitzero"`
	// RetailUnit (retail_unit) is the retail price per unit of the
	// packaging.
	RetailUnit *float64 `json:"retail_unit,omitzero"`
	// SaleUnit (sale_unit) is the sale price per unit of the packaging.
	SaleUnit *float64 `json:"sale_unit,omitzero"`
	// PriceRef (price_ref) is the code of the packaging whose prices this
	// one derives from, with ListDiscountPct and SaleDiscountPct applied.
	PriceRef *string `json:"price_ref,omitzero"`
	// ListDiscountPct (list_discount_pct) is the discount, in percent, on
	// the referenced packaging's list price.
	ListDiscountPct *float64 `json:"list_discount_pct,omitzero"`
	// SaleDiscountPct (sale_discount_pct) is the discount, in percent, on
	// the referenced packaging's sale price.
	SaleDiscountPct *float64 `json:"sale_discount_pct,omitzero"`
}

// PackagingOption is one sellable packaging of a product, such as a piece
// or a box of 10.
type PackagingOption struct {
	// PkgID (pkg_id) is the packaging's id, referenced by
	// [Promotion].TargetPkgIDs.
	PkgID *string `json:"pkg_id,omitzero"`
	// Code (code) is the packaging code, such as "PZ" or "BOX".
	Code *string `json:"code,omitzero"`
	// Label (label) is the display label.
	Label *Text `json:"label,omitzero"`
	// Qty (qty) is the number of units in the packaging.
	Qty *float64 `json:"qty,omitzero"`
	// UOM (uom) is the unit that Qty counts, such as "PZ".
	UOM *string `json:"uom,omitzero"`
	// IsDefault (is_default) marks the default packaging.
	IsDefault *bool `json:"is_default,omitzero"`
	// IsSmallest (is_smallest) marks the smallest packaging.
	IsSmallest *bool `json:"is_smallest,omitzero"`
	// IsSellable (is_sellable) reports whether the packaging can be sold.
	IsSellable *bool `json:"is_sellable,omitzero"`
	// EAN (ean) is the packaging's EAN/GTIN barcode.
	EAN *string `json:"ean,omitzero"`
	// Position (position) is the sort position.
	Position *int `json:"position,omitzero"`
	// Pricing (pricing) holds the packaging's prices; see [Pricing] for the
	// fields that apply here.
	Pricing *Pricing `json:"pricing,omitzero"`
	// Promotions (promotions) are promotions of this packaging.
	Promotions []Promotion `json:"promotions,omitzero"`
}

// PackagingInfo describes one physical packaging of a product; it is
// informational only.
type PackagingInfo struct {
	// PackagingID (packaging_id) is the packaging's id.
	PackagingID *string `json:"packaging_id,omitzero"`
	// Code (code) is the packaging code, such as "PZ" or "BOX".
	Code *string `json:"code,omitzero"`
	// Description (description) describes the packaging.
	Description *string `json:"description,omitzero"`
	// Qty (qty) is the number of units in the packaging.
	Qty *float64 `json:"qty,omitzero"`
	// UOM (uom) is the unit that Qty counts, such as "PZ".
	UOM *string `json:"uom,omitzero"`
	// IsDefault (is_default) marks the default packaging.
	IsDefault *bool `json:"is_default,omitzero"`
	// IsSmallest (is_smallest) marks the smallest packaging.
	IsSmallest *bool `json:"is_smallest,omitzero"`
}

// ParentProduct is a self-contained snapshot of a variant's parent.
type ParentProduct struct {
	// EntityCode (entity_code) is the parent's entity code.
	EntityCode *string `json:"entity_code,omitzero"`
	// SKU (sku) is the parent's SKU.
	SKU *string `json:"sku,omitzero"`
	// Name (name) is the parent's name.
	Name *Text `json:"name,omitzero"`
	// Slug (slug) is the parent's URL slug.
	Slug *Text `json:"slug,omitzero"`
	// CoverImageURL (cover_image_url) is the URL of the parent's cover
	// image.
	CoverImageURL *string `json:"cover_image_url,omitzero"`
	// Price (price) is the parent's price.
	Price *float64 `json:"price,omitzero"`
	// Brand (brand) is the parent's brand.
	Brand *Brand `json:"brand,omitzero"`
	// Category (category) is the parent's primary category.
	Category *Category `json:"category,omitzero"`
}

// SiblingVariant is a snapshot of another variant of the same parent.
type SiblingVariant struct {
	// EntityCode (entity_code) is the variant's entity code.
	EntityCode *string `json:"entity_code,omitzero"`
	// SKU (sku) is the variant's SKU.
	SKU *string `json:"sku,omitzero"`
	// Name (name) is the variant's name.
	Name *Text `json:"name,omitzero"`
	// VariantAttributes (variant_attributes) are the attributes that tell
	// the variants apart, such as {"color": "red"}.
	VariantAttributes map[string]any `json:"variant_attributes,omitzero"`
	// CoverImageURL (cover_image_url) is the URL of the variant's cover
	// image.
	CoverImageURL *string `json:"cover_image_url,omitzero"`
	// Price (price) is the variant's price.
	Price *float64 `json:"price,omitzero"`
	// StockStatus (stock_status) is the variant's stock badge.
	StockStatus *StockStatus `json:"stock_status,omitzero"`
	// IsActive (is_active) reports whether the variant is active.
	IsActive *bool `json:"is_active,omitzero"`
}

// Text is a multilingual value. On the wire it is either a plain string,
// which the server wraps as {<default language>: value}, or an object keyed
// by language code ({"en": "...", "it": "..."}).
//
// Text keeps the form it was built or decoded with and encodes back to that
// same form: the wrapping of plain strings is the server's job, not the
// client's. Build one with [PlainText] or [Localized]; fields of type *Text
// follow the package rule that nil means "not sent".
type Text struct {
	plain  string
	byLang map[string]string // non-nil exactly when the value is language-keyed
}

// PlainText returns a Text sent as a plain JSON string.
func PlainText(s string) *Text { return &Text{plain: s} }

// Localized returns a Text sent as a language-keyed object. The map is
// copied; a nil or empty map is sent as {}.
func Localized(byLang map[string]string) *Text {
	m := make(map[string]string, len(byLang))
	maps.Copy(m, byLang)
	return &Text{byLang: m}
}

// Plain returns the plain string and true, or "" and false when t is
// language-keyed or nil: t is language-keyed when it is not nil and ok is
// false.
func (t *Text) Plain() (string, bool) {
	if t == nil || t.byLang != nil {
		return "", false
	}
	return t.plain, true
}

// Localized returns the language-keyed values, by language code, and true;
// or nil and false when t is plain or nil. The map is a copy: changing it
// leaves t as it was. One language is m["it"]; the codes in order,
// slices.Sorted(maps.Keys(m)).
func (t *Text) Localized() (map[string]string, bool) {
	if t == nil || t.byLang == nil {
		return nil, false
	}
	return maps.Clone(t.byLang), true
}

// Equal reports whether t and u hold the same value in the same form (both
// plain, or both language-keyed with the same languages). Two nil Texts are
// equal. It lets go-cmp compare products without options.
func (t *Text) Equal(u *Text) bool {
	if t == nil || u == nil {
		return t == u
	}
	if (t.byLang == nil) != (u.byLang == nil) {
		return false
	}
	return t.plain == u.plain && maps.Equal(t.byLang, u.byLang)
}

// String returns the plain string, or the language-keyed values in the
// form en="..." it="...", sorted by language code.
func (t *Text) String() string {
	if t == nil {
		return ""
	}
	if t.byLang == nil {
		return t.plain
	}
	var b bytes.Buffer
	for i, code := range slices.Sorted(maps.Keys(t.byLang)) {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%q", code, t.byLang[code])
	}
	return b.String()
}

// Ptr returns a pointer to v. Optional scalar fields are pointers, so that
// "not set" (nil, never sent) differs from a zero value that is sent:
//
//	catalog.Product{EntityCode: "SKU-1", Quantity: catalog.Ptr(0.0)}
func Ptr[T any](v T) *T { return &v }
