package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"time"
)

// Paths of seed 004's JSON imports.
const (
	importAPIPath = "/api/b2b/pim/import/api"
	queuePath     = "/api/b2b/pim/import/queue"
)

// ProductsService imports products: synchronously (Import) or through the
// platform's queue (Queue).
type ProductsService service

// MergeMode says how an imported product meets its current version.
type MergeMode string

// Merge modes (seed 004).
const (
	// MergeReplace stores the product as sent: fields not sent are dropped
	// (locked fields and auto-publish flags excepted). The server's default.
	MergeReplace MergeMode = "replace"
	// MergePartial deep-merges the fields sent onto the current version;
	// fields not sent are kept. See Product for how to leave a field out.
	MergePartial MergeMode = "partial"
)

// ImportOptions are the optional request fields of a direct or queued
// import. A nil *ImportOptions sends none of them.
type ImportOptions struct {
	MergeMode       MergeMode      // "" leaves it to the server (replace)
	BatchID         string         // stored on each product's source.batch_id
	BatchMetadata   *BatchMetadata // stored on the products (direct) or the job (queued)
	ChannelMetadata map[string]any // echoed in the debug block; reserved by the platform
	// IdempotencyKey is sent as the Idempotency-Key header; one is
	// generated when empty. Send the same key again only with the same
	// products and options: a server that honours keys then answers with
	// the first result instead of applying the request twice. (Keys are
	// this SDK's extension of the protocol; see the README.)
	IdempotencyKey string
}

// BatchMetadata describes one part of a catalog sent in several requests.
type BatchMetadata struct {
	BatchID         string `json:"batch_id,omitzero"`          // correlation id shared by the parts
	BatchPart       int    `json:"batch_part,omitzero"`        // 1-based
	BatchTotalParts int    `json:"batch_total_parts,omitzero"` // parts in the batch
	BatchTotalItems int    `json:"batch_total_items,omitzero"` // products in the whole batch
}

// ImportResult is the answer of a direct import. Every input row is in
// exactly one place: sent rows are counted in Summary (Summary.Total), rows
// the client refused are listed in Rejected.
type ImportResult struct {
	Success bool          `json:"success"` // true even when some rows failed: see Summary.Failed
	JobID   string        `json:"job_id"`  // the audit job, prefix "api_import_"
	Summary ImportSummary `json:"summary"` // counts of the rows sent
	// Errors are the server's row failures (the first 100), with Row
	// mapped back to the index in the caller's slice.
	Errors   []RowError   `json:"errors"`
	Debug    *ImportDebug `json:"debug"`   // the server's echo of the request metadata
	Message  string       `json:"message"` // a one-line summary from the server
	Rejected []RowError   `json:"-"`       // rows refused by client-side validation, never sent
	// Replayed is true when the server answered with the stored result of
	// an earlier request with the same idempotency key: nothing was applied
	// again.
	Replayed bool `json:"-"`
}

// ImportSummary counts the rows of a direct import.
type ImportSummary struct {
	Total             int     `json:"total"`               // rows attempted
	Successful        int     `json:"successful"`          // rows persisted
	Failed            int     `json:"failed"`              // rows rejected by the server
	AutoPublished     int     `json:"auto_published"`      // rows that met the auto-publish rules
	DurationSeconds   float64 `json:"duration_seconds"`    // server-side processing time
	SyncBatchesQueued int     `json:"sync_batches_queued"` // search-sync batches of 50
}

// ImportDebug is the server's echo of the request's metadata.
type ImportDebug struct {
	BatchID            string         `json:"batch_id"`             // the request's batch_id
	BatchMetadata      *BatchMetadata `json:"batch_metadata"`       // the request's batch_metadata
	ChannelMetadata    map[string]any `json:"channel_metadata"`     // the request's channel_metadata
	FirstProductSource *ProductSource `json:"first_product_source"` // the source block stored on the first product
}

// ProductSource is the source block the platform stores on a product version.
type ProductSource struct {
	SourceID   string    `json:"source_id"`   // the import source applied
	SourceName string    `json:"source_name"` // its name
	ImportedAt time.Time `json:"imported_at"` // when the version was stored
	BatchID    string    `json:"batch_id"`    // the request's batch_id
}

// QueuedImport is the answer of a queued import: the job to follow with
// JobsService.Wait.
type QueuedImport struct {
	Success  bool         `json:"success"` // true when the batch was queued
	JobID    string       `json:"job_id"`  // prefix "queue_import_"
	Status   JobStatus    `json:"status"`  // "queued"
	Summary  QueueSummary `json:"summary"` // what was queued
	Message  string       `json:"message"` // a one-line summary from the server
	Rejected []RowError   `json:"-"`       // rows refused by client-side validation, never sent
	Replayed bool         `json:"-"`       // the answer is a replay for the same idempotency key: no second job
}

// QueueSummary describes what a queued import accepted.
type QueueSummary struct {
	ProductsQueued int            `json:"products_queued"` // rows accepted into the job
	SourceID       string         `json:"source_id"`       // the import source to apply
	BatchMetadata  *BatchMetadata `json:"batch_metadata"`  // as sent
}

// Import applies products synchronously and returns the outcome of every
// row. Rows that fail client-side validation (no entity_code nor sku, an
// entity_code repeated within the call, a negative or non-finite price) are
// not sent and come back in ImportResult.Rejected; the others are sent in one
// request. The call is refused before sending, with an error matching
// ErrValidation or ErrTooLarge, when sourceID is empty, products is empty or
// longer than MaxProducts, or the body exceeds the client's byte limit.
//
// POST /api/b2b/pim/import/api (operation importProducts in api/openapi.yaml)
func (s *ProductsService) Import(ctx context.Context, sourceID string, products []Product, opts *ImportOptions) (*ImportResult, error) {
	b, err := s.prepare(sourceID, products, opts)
	if err != nil {
		return nil, err
	}
	if len(b.sent) == 0 {
		return &ImportResult{Rejected: b.rejected}, nil
	}
	var res ImportResult
	call := &apiCall{method: http.MethodPost, path: importAPIPath, body: b.body, out: &res, idempotencyKey: opts.key()}
	if err := s.client.run(ctx, call); err != nil {
		return nil, err
	}
	res.Replayed = call.replayed
	for i := range res.Errors {
		res.Errors[i].Row = b.callerRow(res.Errors[i].Row)
	}
	res.Rejected = b.rejected
	return &res, nil
}

// Queue hands products to the platform's background worker and returns the
// queued job at once; follow it with JobsService.Wait. Validation and
// refusals are those of Import.
//
// POST /api/b2b/pim/import/queue (operation queueProducts in api/openapi.yaml)
func (s *ProductsService) Queue(ctx context.Context, sourceID string, products []Product, opts *ImportOptions) (*QueuedImport, error) {
	b, err := s.prepare(sourceID, products, opts)
	if err != nil {
		return nil, err
	}
	if len(b.sent) == 0 {
		return &QueuedImport{Rejected: b.rejected}, nil
	}
	var res QueuedImport
	call := &apiCall{method: http.MethodPost, path: queuePath, body: b.body, out: &res, idempotencyKey: opts.key()}
	if err := s.client.run(ctx, call); err != nil {
		return nil, err
	}
	res.Replayed = call.replayed
	if res.JobID == "" {
		return nil, malformed(http.MethodPost, queuePath, "no job_id in the answer")
	}
	res.Rejected = b.rejected
	return &res, nil
}

func (o *ImportOptions) key() string {
	if o == nil {
		return ""
	}
	return o.IdempotencyKey
}

// batch is one import request ready to send.
type batch struct {
	body     []byte
	sent     []int // sent[i] is the caller's index of the request's product i
	rejected []RowError
}

// callerRow maps a row index of the request back to the caller's input;
// -1 when the server names a row the request did not have.
func (b *batch) callerRow(row int) int {
	if row < 0 || row >= len(b.sent) {
		return -1
	}
	return b.sent[row]
}

// prepare checks the request, validates and encodes each product once, and
// assembles the body from the encoded products.
func (s *ProductsService) prepare(sourceID string, products []Product, opts *ImportOptions) (*batch, error) {
	if err := checkRequest(sourceID, len(products), opts); err != nil {
		return nil, err
	}
	b := &batch{}
	encoded := make([][]byte, 0, len(products))
	seen := make(map[string]int, len(products))
	enc := newRowEncoder()
	for i := range products {
		raw, rowErr := enc.encode(&products[i], seen)
		if rowErr != nil {
			rowErr.Row = i
			b.rejected = append(b.rejected, *rowErr)
			continue
		}
		seen[products[i].key()] = i
		b.sent = append(b.sent, i)
		encoded = append(encoded, bytes.Clone(raw))
	}
	if len(encoded) > 0 {
		body, err := importBody(sourceID, opts, encoded)
		if err != nil {
			return nil, err
		}
		b.body = body
	}
	return b, nil
}

// rowEncoder validates and encodes products one at a time, reusing one
// buffer: the step both Import and ImportAll take for every row.
type rowEncoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

func newRowEncoder() *rowEncoder {
	e := &rowEncoder{}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	return e
}

// encode returns p's JSON, valid until the next call, or the row fault
// (Rejected, with the field and EntityCode; the caller sets Row). seen maps
// the identities already in the request to their rows.
func (e *rowEncoder) encode(p *Product, seen map[string]int) ([]byte, *RowError) {
	rowErr := validateProduct(p, seen)
	if rowErr == nil {
		e.buf.Reset()
		if err := e.enc.Encode(p); err != nil {
			rowErr = &RowError{Reason: "cannot be encoded: " + err.Error()}
		}
	}
	if rowErr != nil {
		rowErr.EntityCode, rowErr.Rejected = p.EntityCode, true
		return nil, rowErr
	}
	return bytes.TrimSuffix(e.buf.Bytes(), []byte("\n")), nil
}

// checkRequest refuses what the server would refuse with a 400 as a whole.
func checkRequest(sourceID string, n int, opts *ImportOptions) error {
	switch {
	case sourceID == "":
		return &ValidationError{Field: "source_id", Reason: "required"}
	case n == 0:
		return &ValidationError{Field: "products", Reason: "empty; send 1 to " + strconv.Itoa(MaxProducts) + " products"}
	case n > MaxProducts:
		return &ValidationError{Field: "products", Reason: fmt.Sprintf("%d products; at most %d per request", n, MaxProducts)}
	}
	if opts != nil && opts.MergeMode != "" && opts.MergeMode != MergeReplace && opts.MergeMode != MergePartial {
		return &ValidationError{Field: "merge_mode", Reason: fmt.Sprintf("%q; want %q or %q", opts.MergeMode, MergeReplace, MergePartial)}
	}
	return nil
}

// key is the identity the platform matches versions by: entity_code,
// falling back to sku.
func (p *Product) key() string {
	if p.EntityCode != "" {
		return p.EntityCode
	}
	return p.SKU
}

// validateProduct returns the first fault of a row, or nil. seen maps the
// keys of the rows accepted so far to their index.
func validateProduct(p *Product, seen map[string]int) *RowError {
	if p.key() == "" {
		return &RowError{Field: "entity_code", Reason: "entity_code or sku is required"}
	}
	if first, dup := seen[p.key()]; dup {
		return &RowError{Field: "entity_code", Reason: fmt.Sprintf("%q repeats row %d of the same request", p.key(), first)}
	}
	if field, v, bad := firstBadPrice(p); bad {
		return &RowError{Field: field, Reason: fmt.Sprintf("price must be a finite number >= 0, got %v", v)}
	}
	return nil
}

// firstBadPrice finds the first price of p, in field order, that is negative
// or not finite. It allocates nothing on the way: it runs once per row.
func firstBadPrice(p *Product) (field string, v float64, bad bool) {
	if badPrice(p.Price) {
		return "price", *p.Price, true
	}
	if f, v, bad := firstBadPricing(p.Pricing); bad {
		return "pricing." + f, v, true
	}
	for i := range p.PackagingOptions {
		if f, v, bad := firstBadPricing(p.PackagingOptions[i].Pricing); bad {
			return fmt.Sprintf("packaging_options[%d].pricing.%s", i, f), v, true
		}
	}
	if p.ParentProduct != nil && badPrice(p.ParentProduct.Price) {
		return "parent_product.price", *p.ParentProduct.Price, true
	}
	for i := range p.SiblingVariants {
		if badPrice(p.SiblingVariants[i].Price) {
			return fmt.Sprintf("sibling_variants[%d].price", i), *p.SiblingVariants[i].Price, true
		}
	}
	return "", 0, false
}

func firstBadPricing(pr *Pricing) (field string, v float64, bad bool) {
	if pr == nil {
		return "", 0, false
	}
	for _, f := range [...]struct {
		name string
		v    *float64
	}{
		{"list", pr.List}, {"retail", pr.Retail}, {"sale", pr.Sale},
		{"list_unit", pr.ListUnit}, {"retail_unit", pr.RetailUnit}, {"sale_unit", pr.SaleUnit},
	} {
		if badPrice(f.v) {
			return f.name, *f.v, true
		}
	}
	return "", 0, false
}

func badPrice(v *float64) bool {
	return v != nil && (*v < 0 || math.IsNaN(*v) || math.IsInf(*v, 0))
}

// envelope is every request field but products, which importBody splices in
// from bytes already encoded.
type envelope struct {
	SourceID        string         `json:"source_id"`
	MergeMode       MergeMode      `json:"merge_mode,omitzero"`
	BatchID         string         `json:"batch_id,omitzero"`
	BatchMetadata   *BatchMetadata `json:"batch_metadata,omitzero"`
	ChannelMetadata map[string]any `json:"channel_metadata,omitzero"`
}

// importBody assembles {"source_id":...,"products":[p0,p1,...]} without
// encoding any product again.
func importBody(sourceID string, opts *ImportOptions, products [][]byte) ([]byte, error) {
	env := envelope{SourceID: sourceID}
	if opts != nil {
		env.MergeMode, env.BatchID, env.BatchMetadata, env.ChannelMetadata = opts.MergeMode, opts.BatchID, opts.BatchMetadata, opts.ChannelMetadata
	}
	head, err := env.head()
	if err != nil {
		return nil, err
	}
	size := len(head) + len(products) + len(bodyTail)
	for _, p := range products {
		size += len(p)
	}
	body := make([]byte, 0, size)
	body = append(body, head...)
	for i, p := range products {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, p...)
	}
	return append(body, bodyTail...), nil
}

// bodyTail closes the products array and the request object.
const bodyTail = "]}"

// head is the start of a request body, up to and including the opening
// bracket of the products array: {"source_id":"...",...,"products":[
func (env envelope) head() ([]byte, error) {
	raw, err := encodeJSON(env)
	if err != nil { // only channel_metadata can hold what JSON cannot encode
		return nil, &ValidationError{Field: "channel_metadata", Reason: err.Error()}
	}
	return append(raw[:len(raw)-1], `,"products":[`...), nil // drop the closing brace
}

// Product is one entry of an import request's products array: the full
// product payload of the catalog platform.
//
// Optional fields follow one rule: nil means not sent; anything else is
// sent. In partial merge mode this lets one payload say both "leave this
// field alone" (nil) and "set it to zero" (a pointer to 0, false or "", or
// an empty non-nil slice or map, sent as [] or {}):
//
//   - scalars are pointers (*string, *float64, *int, *bool, *time.Time);
//     build them with [Ptr];
//   - multilingual fields are *[Text], built with [PlainText] or [Localized];
//   - slices and maps are sent when non-nil, even when empty;
//   - nested objects are pointers to structs;
//   - values that may be a string or a number are of type any, sent when
//     non-nil.
//
// A JSON null decodes to nil, so it is not sent back. A *time.Time holding
// the zero time is not sent either.
//
// The one exception is the identifiers EntityCode and SKU: they are plain
// strings left out when empty, since an empty identifier has no meaning.
// At least one of them must be set.
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

	// Price (price) is a single numeric price; per-channel overrides are
	// handled by the platform. [Pricing] carries list, retail and sale prices.
	Price *float64 `json:"price,omitzero"`
	// Pricing (pricing) holds the product prices; see [Pricing] for the
	// fields that apply here.
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
	// Hierarchy (hierarchy) lists the brands from the root to this one.
	Hierarchy []BrandRef `json:"hierarchy,omitzero"`
}

// brandObject is Brand without its JSON methods.
type brandObject Brand

// MarshalJSON encodes b as a plain string when Plain is set, otherwise as
// an object.
func (b Brand) MarshalJSON() ([]byte, error) {
	if b.Plain == "" {
		return encodeJSON(brandObject(b))
	}
	rest := brandObject(b)
	rest.Plain = ""
	if !reflect.ValueOf(rest).IsZero() {
		return nil, errors.New("catalog: Brand.Plain cannot be combined with other Brand fields")
	}
	return encodeJSON(b.Plain)
}

// UnmarshalJSON accepts a JSON string, stored in Plain, or an object.
func (b *Brand) UnmarshalJSON(data []byte) error {
	if s, ok, err := jsonString(data); ok || err != nil {
		*b = Brand{Plain: s}
		return err
	}
	var o brandObject
	if err := json.Unmarshal(data, &o); err != nil {
		return err
	}
	*b = Brand(o)
	return nil
}

// BrandRef is one entry of a brand's hierarchy.
type BrandRef struct {
	// BrandID (brand_id) is the brand's id.
	BrandID *string `json:"brand_id,omitzero"`
	// Label (label) is the display name.
	Label *string `json:"label,omitzero"`
	// Slug (slug) is the URL slug.
	Slug *string `json:"slug,omitzero"`
	// LogoURL (logo_url) is the logo's URL.
	LogoURL *string `json:"logo_url,omitzero"`
	// Level (level) is the depth in the brand hierarchy; 0 is a root.
	Level *int `json:"level,omitzero"`
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
