package catalogtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/pimkit/catalog"
)

// pathPromotionsImport is the promotion import; the wire is the project's
// reading (importPromotions in api/openapi.yaml).
const pathPromotionsImport = "/api/b2b/pim/promotions/import"

// Promotions returns every stored promotion, sorted by promo_code then
// promo_row.
func (s *Server) Promotions() []catalog.Promotion {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.promotions))
	for k := range s.promotions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]catalog.Promotion, 0, len(keys))
	for _, k := range keys {
		var p catalog.Promotion
		raw, _ := json.Marshal(s.promotions[k])
		_ = json.Unmarshal(raw, &p)
		out = append(out, p)
	}
	return out
}

// promotionKey is a promotion's identity: promo_code and promo_row.
func promotionKey(obj map[string]any) (string, bool) {
	code, _ := obj["promo_code"].(string)
	if code == "" {
		return "", false
	}
	row := "0"
	if n, ok := obj["promo_row"].(json.Number); ok {
		row = n.String()
	}
	return fmt.Sprintf("%s#%08s", code, row), true
}

// SeedPromotion stores p as a promotion import would (it needs a
// PromoCode; its target packagings must be stored already), without a
// request: no recorded request, no rate quota. A promotion with the same
// promo_code and promo_row replaces the stored one.
func (s *Server) SeedPromotion(p catalog.Promotion) error {
	data, err := normalizeObject(p)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, _, msg := s.applyPromotionLocked(data, s.packagingIDsLocked()); msg != "" {
		return fmt.Errorf("catalogtest: SeedPromotion: %s", msg)
	}
	return nil
}

// handleImportPromotions serves POST /api/b2b/pim/promotions/import.
func (s *Server) handleImportPromotions(w http.ResponseWriter, r *http.Request) {
	var pkgs map[string]bool // read once, under the lock, at the first row
	s.importEntities(w, r, "promotions", "promotion", func(obj map[string]any) (string, bool, string) {
		if pkgs == nil {
			pkgs = s.packagingIDsLocked()
		}
		return s.applyPromotionLocked(obj, pkgs)
	})
}

// applyPromotionLocked stores one promotion, given the packaging ids
// products have; it returns its promo_code, whether it was new, or why it
// was refused.
func (s *Server) applyPromotionLocked(obj map[string]any, pkgs map[string]bool) (code string, created bool, refusal string) {
	code, _ = obj["promo_code"].(string)
	key, ok := promotionKey(obj)
	msg := checkPromotion(obj, pkgs)
	if !ok {
		msg = "promo_code is required"
	}
	if msg != "" {
		return code, false, msg
	}
	_, exists := s.promotions[key]
	s.promotions[key] = deepCopyMap(obj)
	return code, !exists, ""
}

// checkPromotion returns why a promotion is refused, or "".
func checkPromotion(obj map[string]any, pkgs map[string]bool) string {
	if f, ok := toFloat(obj["discount_percentage"]); ok && (f < 0 || f > 100) {
		return fmt.Sprintf("discount_percentage %v is outside 0 to 100", obj["discount_percentage"])
	}
	start, okStart := parseWireTime(obj["start_date"])
	end, okEnd := parseWireTime(obj["end_date"])
	if okStart && okEnd && start.After(end) {
		return "start_date is after end_date"
	}
	if list, ok := obj["target_pkg_ids"].([]any); ok {
		for _, v := range list {
			if id, _ := v.(string); !pkgs[id] {
				return fmt.Sprintf("target packaging %q does not exist", v)
			}
		}
	}
	return ""
}

func parseWireTime(v any) (time.Time, bool) {
	s, _ := v.(string)
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// packagingIDsLocked returns the pkg_id of every packaging option of every
// current product version.
func (s *Server) packagingIDsLocked() map[string]bool {
	ids := make(map[string]bool)
	for _, vs := range s.products {
		cur := current(vs)
		if !cur.has("packaging_options") {
			continue
		}
		opts, _ := cur.dataMap()["packaging_options"].([]any)
		for _, o := range opts {
			m, _ := o.(map[string]any)
			if id, _ := m["pkg_id"].(string); id != "" {
				ids[id] = true
			}
		}
	}
	return ids
}
