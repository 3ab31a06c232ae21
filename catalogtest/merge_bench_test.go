package catalogtest

import (
	"strconv"
	"testing"

	"github.com/pimkit/catalog"
)

// BenchmarkApplyRow measures one JSON import row's processing (mapping,
// field checks, merge, storing), for a minimal product and a fuller one.
func BenchmarkApplyRow(b *testing.B) {
	rows := map[string]string{
		"minimal": `{"entity_code": "A", "name": "Valve", "price": 9.8}`,
		"full": `{"entity_code": "A", "name": {"en": "Ball valve", "it": "Valvola"}, "description": "Brass",
			"ean": ["4006381333931"], "quantity": 420, "stock_status": "in_stock", "product_model": "BV-050",
			"brand": {"id": "acme", "name": "Acme"}, "pricing": {"list": 9.8, "retail": 12.5, "currency": "EUR"},
			"images": [{"url": "a.jpg"}, {"url": "b.jpg"}],
			"packaging_options": [{"code": "PZ", "qty": 1, "ean": "4006381333931", "pricing": {"list": 9.8}}],
			"custom_note": "kept in Extra"}`,
	}
	for name, literal := range rows {
		b.Run(name, func(b *testing.B) {
			s := NewServer()
			b.Cleanup(s.Close)
			var row map[string]any
			if err := decodeJSON([]byte(literal), &row); err != nil {
				b.Fatal(err)
			}
			src, _ := s.source(DefaultSourceID)
			run := &importRun{req: &importRequest{source: src, mergeMode: catalog.MergeReplace}}
			s.mu.Lock()
			defer s.mu.Unlock()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				row["entity_code"] = strconv.Itoa(i) // a new product each time: no merge
				i++
				if res := s.applyRowLocked(run, 0, row); res.err != nil {
					b.Fatal(res.err)
				}
			}
		})
	}
}
