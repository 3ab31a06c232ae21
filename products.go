package catalog

import (
	"bytes"
	"context"
	"iter"
	"net/http"
	"net/url"
	"time"
)

// Paths of the platform's JSON imports.
const (
	importAPIPath = "/api/b2b/pim/import/api"
	queuePath     = "/api/b2b/pim/import/queue"
)

// ProductsService imports products: synchronously (Import) or through the
// platform's queue (Queue).
type ProductsService service

// MergeMode says how an imported product meets its current version.
type MergeMode string

// Merge modes. The client always sends one: an empty MergeMode is sent as
// MergePartial, so a price-only update can never wipe the fields it leaves
// out by falling back to the platform's own default, replace.
const (
	// MergeReplace stores the product as sent: fields not sent are dropped
	// (locked fields and auto-publish flags excepted). Choose it for a feed
	// that sends whole products and wants removed fields to disappear.
	MergeReplace MergeMode = "replace"
	// MergePartial deep-merges the fields sent onto the current version;
	// fields not sent are kept. See Product for how to leave a field out.
	// It is what the client sends when no mode is given.
	MergePartial MergeMode = "partial"
)

// orDefault is the mode sent on the wire: MergePartial when m is empty.
func (m MergeMode) orDefault() MergeMode {
	if m == "" {
		return MergePartial
	}
	return m
}

// RequestOptions are the request fields shared by every import call
// (Import, Queue and ImportAll): they go on every request sent.
type RequestOptions struct {
	// MergeMode is sent as merge_mode; "" sends MergePartial.
	MergeMode MergeMode
	// BatchID is sent as batch_id and stored on each product's
	// source.batch_id. ImportAll generates one when it is empty.
	BatchID string
	// ChannelMetadata is sent as channel_metadata: echoed in the debug
	// block; reserved by the platform.
	ChannelMetadata map[string]any
	// UpdateMask, when not empty, makes the request a selective update
	// (sent as update_mask): it names the product fields to overwrite, by
	// JSON name ("quantity") or dotted path ("pricing.sale"). A field in
	// the mask is set to the value the product sends, or cleared when the
	// product leaves it out (nil); fields outside the mask keep their
	// stored value whatever the product sends. MergeMode does not apply.
	// A product that does not exist yet is created with the masked fields
	// only, unless UpdateOnly is set. The first segment of each path must be
	// a field of Product; entity_code and sku cannot be masked.
	UpdateMask []string
	// UpdateOnly (update_only) never creates a product: a row whose
	// product does not exist fails, naming it, and the others go on.
	UpdateOnly bool
}

// ProductImportOptions are the optional request fields of a direct or
// queued product import. A nil *ProductImportOptions sends the defaults
// (merge mode partial).
type ProductImportOptions struct {
	RequestOptions
	BatchMetadata *BatchMetadata // stored on the products (direct) or the job (queued)
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

// ProductImportResult is the answer of a direct product import. Every input
// row is in exactly one place: sent rows are counted in Summary
// (Summary.Total), rows the client refused are listed in Rejected.
type ProductImportResult struct {
	Success bool          `json:"success"` // true even when some rows failed: see Summary.Failed
	JobID   string        `json:"job_id"`  // the audit job, prefix "api_import_"
	Summary ImportSummary `json:"summary"` // counts of the rows sent
	// Errors are the server's row failures (the first 100), with Row
	// mapped back to the index in the caller's slice.
	Errors   []RowError `json:"errors"`
	Message  string     `json:"message"` // a one-line summary from the server
	Rejected []RowError `json:"-"`       // rows refused by client-side validation, never sent
	// Replayed is true when the server answered with the stored result of
	// an earlier request with the same idempotency key: nothing was applied
	// again.
	Replayed bool `json:"-"`
}

// ImportSummary counts the rows of a direct product import; category and
// promotion imports answer with the same counts (EntityImportResult).
type ImportSummary struct {
	Total             int     `json:"total"`               // rows attempted
	Successful        int     `json:"successful"`          // rows persisted
	Failed            int     `json:"failed"`              // rows rejected by the server
	AutoPublished     int     `json:"auto_published"`      // rows that met the auto-publish rules
	Inserted          int     `json:"inserted"`            // successful rows that created a product
	Updated           int     `json:"updated"`             // successful rows that added a version to an existing product
	DurationSeconds   float64 `json:"duration_seconds"`    // server-side processing time
	SyncBatchesQueued int     `json:"sync_batches_queued"` // search-sync batches of 50
}

// QueuedProductImport is the answer of a queued product import: the job to
// follow with JobsService.Wait.
type QueuedProductImport struct {
	Success        bool       // true when the batch was queued
	JobID          string     // prefix "queue_import_"
	ProductsQueued int        // rows accepted into the job
	Message        string     // a one-line summary from the server
	Rejected       []RowError // rows refused by client-side validation, never sent
	Replayed       bool       // the answer is a replay for the same idempotency key: no second job
}

// queuedWire is a queued import's answer as sent; the summary's echoes of
// the request (source_id, batch_metadata) are not read.
type queuedWire struct {
	Success bool   `json:"success"`
	JobID   string `json:"job_id"`
	Summary struct {
		ProductsQueued int `json:"products_queued"`
	} `json:"summary"`
	Message string `json:"message"`
}

// Import applies products synchronously and returns the outcome of every
// row. Rows that fail client-side validation (no entity_code nor sku, an
// entity_code repeated within the call, a number that breaks its rule such
// as a NaN or negative quantity or a percentage over 100, an Extra key that
// a typed field owns; see Product) are not sent and come back in
// ProductImportResult.Rejected, naming the field; the others are sent in one
// request. The call is refused before sending, with an error matching
// ErrValidation or ErrTooLarge, when sourceID is empty, products is empty or
// longer than MaxProducts, or the body exceeds the client's byte limit. An
// answer whose summary does not count every row sent is returned with an
// *OutcomeUnknownError: the rows it lists failed, the others may have been
// applied. An unreadable answer is an *OutcomeUnknownError alone.
//
// POST /api/b2b/pim/import/api (operation importProducts in api/openapi.yaml)
func (s *ProductsService) Import(ctx context.Context, sourceID string, products []Product, opts *ProductImportOptions) (*ProductImportResult, error) {
	var res ProductImportResult
	b, replayed, err := s.send(ctx, importAPIPath, sourceID, products, opts, &res)
	if err != nil {
		return nil, err
	}
	for i := range res.Errors {
		res.Errors[i].Row = b.callerRow(res.Errors[i].Row)
	}
	res.Rejected, res.Replayed = b.rejected, replayed
	return &res, uncounted(importAPIPath, res.Summary.Successful, res.Summary.Failed, len(b.sent))
}

// Queue hands products to the platform's background worker and returns the
// queued job at once; follow it with JobsService.Wait. Validation and
// refusals are those of Import. An answer without a job_id fails with an
// *OutcomeUnknownError: the platform took the products, so they may be
// applied.
//
// POST /api/b2b/pim/import/queue (operation queueProducts in api/openapi.yaml)
func (s *ProductsService) Queue(ctx context.Context, sourceID string, products []Product, opts *ProductImportOptions) (*QueuedProductImport, error) {
	var w queuedWire
	b, replayed, err := s.send(ctx, queuePath, sourceID, products, opts, &w)
	switch {
	case err != nil:
		return nil, err
	case len(b.sent) == 0:
		return &QueuedProductImport{Rejected: b.rejected}, nil
	case w.JobID == "":
		return nil, unfollowable(http.MethodPost, queuePath, "no job_id in the answer")
	}
	return &QueuedProductImport{Success: w.Success, JobID: w.JobID, ProductsQueued: w.Summary.ProductsQueued,
		Message: w.Message, Rejected: b.rejected, Replayed: replayed}, nil
}

// send is Import's and Queue's request: it validates and encodes products
// (see prepare), posts the rows that pass to path and decodes the answer
// into out. With no row to send it sends nothing: b.sent is empty.
// replayed reports an answer replayed for the same idempotency key.
func (s *ProductsService) send(ctx context.Context, path, sourceID string, products []Product, opts *ProductImportOptions, out any) (b *batch, replayed bool, err error) {
	b, err = s.prepare(sourceID, products, opts)
	if err != nil || len(b.sent) == 0 {
		return b, false, err
	}
	call := &apiCall{method: http.MethodPost, path: path, body: b.body, out: out, idempotencyKey: opts.key()}
	if err := s.client.run(ctx, call); err != nil {
		return nil, false, err
	}
	return b, call.replayed, nil
}

func (o *ProductImportOptions) mergeMode() MergeMode {
	if o == nil {
		return ""
	}
	return o.MergeMode
}

func (o *ProductImportOptions) key() string {
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
func (s *ProductsService) prepare(sourceID string, products []Product, opts *ProductImportOptions) (*batch, error) {
	if err := checkRequest(sourceID, len(products), opts.mergeMode()); err != nil {
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

// Paths of the product listing and removal (the project's reading of the
// platform's full-catalog replace; see api/openapi.yaml).
const (
	productsPath       = "/api/b2b/pim/products"
	productsRemovePath = "/api/b2b/pim/products/remove"
)

// ProductRef is one product of a listing: its identity and current version.
type ProductRef struct {
	EntityCode string    `json:"entity_code"` // the product's key
	SKU        string    `json:"sku"`         // its stock-keeping unit
	SourceID   string    `json:"source_id"`   // the source of its current version
	Version    int       `json:"version"`     // the current version's number
	UpdatedAt  time.Time `json:"updated_at"`  // when the current version was stored
}

// List yields the products whose current version came through the import
// source sourceID, sorted by entity code, fetching a page of MaxProducts
// (10,000) at a time, the most an import takes: listing a source costs no
// more requests of the rate limit than importing it. A full-catalog sync
// uses it to find the products a feed no longer sends.
//
// GET /api/b2b/pim/products (operation listProducts)
func (s *ProductsService) List(ctx context.Context, sourceID string) iter.Seq2[ProductRef, error] {
	if sourceID == "" {
		return func(yield func(ProductRef, error) bool) {
			yield(ProductRef{}, invalid("source_id", "required"))
		}
	}
	return listPages[ProductRef](ctx, s.client, productsPath, url.Values{"source_id": {sourceID}}, 1, MaxProducts)
}

// Remove removes products of the import source sourceID from the tenant,
// with all their versions, by entity code: at most MaxProducts codes, no
// repeats. The report's rows are the indexes of entityCodes: a code that
// names no product, or a product whose current version came through another
// source, failed on its own. An answer whose counts leave codes out comes
// with an *OutcomeUnknownError, the codes it does not list being Unknown:
// they may have been removed. Removals cannot be undone; a full Client.Sync
// calls Remove only within its removal limits.
//
// POST /api/b2b/pim/products/remove (operation removeProducts)
func (s *ProductsService) Remove(ctx context.Context, sourceID string, entityCodes []string) (*RowReport, error) {
	if sourceID == "" {
		return nil, invalid("source_id", "required")
	}
	return s.client.removeKeys(ctx, productsRemovePath, "entity_codes", entityCodes, productRemoval(sourceID, entityCodes))
}

// productRemoval is the body of a product removal.
func productRemoval(sourceID string, codes []string) map[string]any {
	return map[string]any{"source_id": sourceID, "entity_codes": codes}
}
