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
