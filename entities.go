package catalog

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
)

// EntityImportResult is the answer of a category or promotion import.
// Every input row is in exactly one place: sent rows are counted in
// Summary (Summary.Total), rows the client refused are in Rejected.
type EntityImportResult struct {
	Success bool `json:"success"` // true even when some rows failed: see Summary.Failed
	// Summary counts the rows sent, as a product import's does; the
	// product-only counts (AutoPublished, DurationSeconds,
	// SyncBatchesQueued) are zero.
	Summary ImportSummary `json:"summary"`
	// Errors are the server's row failures, with Row mapped back to the
	// index in the caller's slice.
	Errors   []RowError `json:"errors"`
	Message  string     `json:"message"` // a one-line summary from the server
	Rejected []RowError `json:"-"`       // rows refused by client-side checks, never sent
	Replayed bool       `json:"-"`       // the answer replays an earlier request with the same idempotency key
}

// EntityImportOptions are the optional fields of a category or promotion
// import. A nil *EntityImportOptions sends none.
type EntityImportOptions struct {
	// SourceID, when set, is sent as source_id; it must name an existing
	// import source.
	SourceID string
	// IdempotencyKey is sent as the Idempotency-Key header; one is
	// generated when empty.
	IdempotencyKey string
}

func (o *EntityImportOptions) get() EntityImportOptions {
	if o == nil {
		return EntityImportOptions{}
	}
	return *o
}

// entityBatch is a category or promotion request ready to send.
type entityBatch struct {
	sent     []int // sent[i] is the caller's index of the request's row i
	rows     []any // the rows to send, in request order
	rejected []RowError
}

// sendEntities posts {source_id?, <field>: rows} to path and maps the row
// errors back to the caller's indexes.
func (c *Client) sendEntities(ctx context.Context, path, field string, b *entityBatch, o EntityImportOptions) (*EntityImportResult, error) {
	if len(b.sent) == 0 {
		return &EntityImportResult{Success: true, Rejected: sortRows(b.rejected)}, nil
	}
	body := map[string]any{field: b.rows}
	if o.SourceID != "" {
		body["source_id"] = o.SourceID
	}
	raw, err := encodeJSON(body)
	if err != nil {
		return nil, invalid(field, err.Error())
	}
	var res EntityImportResult
	call := &apiCall{method: http.MethodPost, path: path, body: raw, out: &res, idempotencyKey: o.IdempotencyKey}
	if err := c.run(ctx, call); err != nil {
		return nil, err
	}
	res.Replayed = call.replayed
	for i := range res.Errors {
		if r := res.Errors[i].Row; r >= 0 && r < len(b.sent) {
			res.Errors[i].Row = b.sent[r]
		} else {
			res.Errors[i].Row = -1
		}
	}
	res.Rejected = sortRows(b.rejected)
	return &res, nil
}

func checkEntityCount(field string, n int) error {
	switch {
	case n == 0:
		return invalid(field, "empty; send 1 to "+strconv.Itoa(MaxProducts))
	case n > MaxProducts:
		return invalid(field, fmt.Sprintf("%d items; at most %d per request", n, MaxProducts))
	}
	return nil
}

// removeWire is a removal's answer as sent (products, categories and
// promotions answer alike).
type removeWire struct {
	Success bool `json:"success"`
	Summary struct {
		Removed int `json:"removed"`
		Failed  int `json:"failed"`
	} `json:"summary"`
	Errors  []RowError `json:"errors"`
	Message string     `json:"message"`
}

// sendRemoval sends one removal request; the callers check its keys first
// (a sync's keys are its own listing's).
func (c *Client) sendRemoval(ctx context.Context, path string, body any) (*removeWire, error) {
	raw, err := encodeJSON(body)
	if err != nil {
		return nil, err
	}
	var w removeWire
	if err := c.run(ctx, &apiCall{method: http.MethodPost, path: path, body: raw, out: &w}); err != nil {
		return nil, err
	}
	return &w, nil
}

// removeKeys checks the keys of a removal (1 to MaxProducts, none empty,
// no repeats; field names them in errors), sends body to path and reports
// one row per key.
func (c *Client) removeKeys(ctx context.Context, path, field string, keys []string, body any) (*RowReport, error) {
	if err := checkEntityCount(field, len(keys)); err != nil {
		return nil, err
	}
	seen := make(map[string]int, len(keys))
	for i, key := range keys {
		if key == "" {
			return nil, invalid(field, fmt.Sprintf("entry %d is empty", i))
		}
		if first, dup := seen[key]; dup {
			return nil, invalid(field, fmt.Sprintf("%q repeats entry %d", key, first))
		}
		seen[key] = i
	}
	w, err := c.sendRemoval(ctx, path, body)
	if err != nil {
		return nil, err
	}
	rep := &RowReport{Read: len(keys)}
	rep.add(removalRows(path, keys, nil, w), func(pos int) int { return pos })
	rep.sort()
	return rep, uncounted(path, w.Summary.Removed, w.Summary.Failed, len(keys))
}
