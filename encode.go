package catalog

import (
	"bytes"
	"encoding/json"
	"sync"
)

// rowEncoder validates and encodes products one at a time, reusing its
// buffers: the step both Import and ImportAll take for every row.
type rowEncoder struct {
	w       jsonAppender // the fast path (appendjson.go); w.b is the row's JSON
	buf     bytes.Buffer // the reference path's output, and values left to encoding/json
	enc     *json.Encoder
	product Product // Product.MarshalJSON's copy of its receiver
}

func newRowEncoder() *rowEncoder {
	e := &rowEncoder{}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	e.w.any = func(v any) ([]byte, error) {
		e.buf.Reset()
		if err := e.enc.Encode(v); err != nil {
			return nil, err
		}
		return e.buf.Bytes()[:e.buf.Len()-1], nil // without the newline
	}
	return e
}

// encode returns p's JSON, valid until the next call, or the row fault
// (Rejected, with the field and EntityCode; the caller sets Row). seen maps
// the identities already in the request to their rows.
func (e *rowEncoder) encode(p *Product, seen map[string]int) ([]byte, *RowError) {
	rowErr := validateProduct(p, seen)
	if rowErr == nil {
		if err := e.encodeProduct(p); err != nil {
			rowErr = &RowError{Reason: "cannot be encoded: " + err.Error()}
			if xe, ok := err.(*extraError); ok {
				rowErr.Field, rowErr.Reason = atKey("extra", xe.key), "cannot be encoded: "+xe.err.Error()
			}
		}
	}
	if rowErr != nil {
		rowErr.EntityCode, rowErr.Rejected = p.EntityCode, true
		return nil, rowErr
	}
	return e.w.b, nil
}

// envelope is every request field but products, which importBody splices in
// from bytes already encoded.
type envelope struct {
	SourceID        string         `json:"source_id"`
	MergeMode       MergeMode      `json:"merge_mode"`
	BatchID         string         `json:"batch_id,omitzero"`
	BatchMetadata   *BatchMetadata `json:"batch_metadata,omitzero"`
	ChannelMetadata map[string]any `json:"channel_metadata,omitzero"`
	UpdateMask      []string       `json:"update_mask,omitzero"`
	UpdateOnly      bool           `json:"update_only,omitzero"`
}

// newEnvelope returns the request fields every request of a call shares.
func newEnvelope(sourceID string, o RequestOptions) envelope {
	return envelope{SourceID: sourceID, MergeMode: o.MergeMode.orDefault(), BatchID: o.BatchID, ChannelMetadata: o.ChannelMetadata,
		UpdateMask: o.UpdateMask, UpdateOnly: o.UpdateOnly}
}

// importBody assembles {"source_id":...,"products":[p0,p1,...]} without
// encoding any product again.
func importBody(sourceID string, opts *ImportOptions, products [][]byte) ([]byte, error) {
	var o ImportOptions
	if opts != nil {
		o = *opts
	}
	env := newEnvelope(sourceID, o.RequestOptions)
	env.BatchMetadata = o.BatchMetadata
	head, err := env.head()
	if err != nil {
		return nil, err
	}
	return joinBody(head, products), nil
}

// joinBody is head, then the products separated by commas, then bodyTail.
func joinBody(head []byte, products [][]byte) []byte {
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
	return append(body, bodyTail...)
}

// bodyTail closes the products array and the request object.
const bodyTail = "]}"

// head is the start of a request body, up to and including the opening
// bracket of the products array: {"source_id":"...",...,"products":[
func (env envelope) head() ([]byte, error) {
	if err := checkUpdateMask(env.UpdateMask); err != nil {
		return nil, err
	}
	raw, err := encodeJSON(env)
	if err != nil { // only channel_metadata can hold what JSON cannot encode
		return nil, &ValidationError{Field: "channel_metadata", Reason: err.Error()}
	}
	return append(raw[:len(raw)-1], `,"products":[`...), nil // drop the closing brace
}

// encodeJSON encodes v as compact JSON without HTML escaping, so that
// "<", ">" and "&" go on the wire as the caller wrote them. Encoders are
// pooled: multilingual values call it for every field of every product.
func encodeJSON(v any) ([]byte, error) {
	e := encoders.Get().(*rowEncoder)
	defer encoders.Put(e)
	e.buf.Reset()
	if err := e.enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.Clone(bytes.TrimSuffix(e.buf.Bytes(), []byte("\n"))), nil
}

var encoders = sync.Pool{New: func() any { return newRowEncoder() }}
