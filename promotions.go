package catalog

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"time"
)

// Paths of the promotion calls (the project's reading of the platform's
// promotion import; see api/openapi.yaml).
const (
	promotionsImportPath = "/api/b2b/pim/promotions/import"
	promotionsPath       = "/api/b2b/pim/promotions"
	promotionsRemovePath = "/api/b2b/pim/promotions/remove"
)

// PromotionsService imports promotions of their own, identified by
// PromoCode and PromoRow, alongside the ones embedded in products
// (Product.Promotions and PackagingOption.Promotions). Import them after
// the products whose packaging options they target.
type PromotionsService service

// Import creates or replaces promotions, synchronously, and returns the
// outcome of every row. The client refuses a row (EntityImportResult.Rejected,
// naming the field) without sending it when it has no PromoCode, repeats
// the PromoCode and PromoRow of an earlier row of the call, starts after
// it ends, breaks a number rule of a promotion inside a product (a
// DiscountPercentage outside 0 to 100, a negative PromoRow, a negative or
// non-finite MinQuantity or MinOrderValue), or has an empty TargetPkgIDs
// entry. The
// platform refuses, per row, a promotion whose target packaging option
// (TargetPkgIDs, by PackagingOption.PkgID) is on no product of the tenant.
// An answer whose summary does not count every row sent is returned with
// an *OutcomeUnknownError: the rows it lists failed, the others may have
// been applied.
//
// POST /api/b2b/pim/promotions/import (operation importPromotions)
func (s *PromotionsService) Import(ctx context.Context, promotions []Promotion, opts *EntityImportOptions) (*EntityImportResult, error) {
	if err := checkEntityCount("promotions", len(promotions)); err != nil {
		return nil, err
	}
	b := planPromotions(promotions, "of the same call")
	res, err := s.client.sendEntities(ctx, promotionsImportPath, "promotions", b, opts.get())
	if err != nil {
		return nil, err
	}
	return res, uncounted(promotionsImportPath, res.Summary.Successful, res.Summary.Failed, len(b.sent))
}

// List yields every promotion of the tenant, sorted by PromoCode then
// PromoRow, fetching a page of 1,000 at a time.
//
// GET /api/b2b/pim/promotions (operation listPromotions)
func (s *PromotionsService) List(ctx context.Context) iter.Seq2[Promotion, error] {
	return listPages[Promotion](ctx, s.client, promotionsPath, url.Values{}, 1, 1000)
}

// Remove removes promotions from the tenant, each named by its PromoCode
// and PromoRow (0 when nil; the other fields are not read, so List's
// promotions can be passed as they are): at most MaxProducts, no repeats.
// The report's rows are the indexes of promotions; one that names no
// stored promotion fails on its own. An answer whose counts leave
// promotions out comes with an *OutcomeUnknownError, the ones it does not
// list being Unknown. A full Client.Sync removes the promotions its feed
// no longer has (an ended sale), within its removal limits.
//
// POST /api/b2b/pim/promotions/remove (operation removePromotions)
func (s *PromotionsService) Remove(ctx context.Context, promotions []Promotion) (*RowReport, error) {
	keys := make([]string, len(promotions))
	for i := range promotions {
		if deref(promotions[i].PromoCode) != "" {
			keys[i] = promotionKey(&promotions[i])
		}
	}
	return s.client.removeKeys(ctx, promotionsRemovePath, "promotions", keys, promotionRemoval(promotions))
}

// promotionKey is a promotion's identity as a sync reports it:
// "promo_code#promo_row".
func promotionKey(p *Promotion) string {
	return fmt.Sprintf("%s#%d", deref(p.PromoCode), deref(p.PromoRow))
}

// promotionRemoval is the body of a promotion removal: each promotion's
// identity, nothing else.
func promotionRemoval(promotions []Promotion) map[string]any {
	ids := make([]map[string]any, len(promotions))
	for i := range promotions {
		ids[i] = map[string]any{"promo_code": deref(promotions[i].PromoCode), "promo_row": deref(promotions[i].PromoRow)}
	}
	return map[string]any{"promotions": ids}
}

// planPromotions checks each promotion and refuses the ones that break a
// rule (checkPromotion) or repeat the PromoCode and PromoRow of an earlier
// row (where names those rows in the reason); the rest are to be sent.
func planPromotions(promotions []Promotion, where string) *entityBatch {
	b := &entityBatch{}
	seen := make(map[string]int, len(promotions))
	for i := range promotions {
		p := &promotions[i]
		key := promotionKey(p)
		field, reason := checkPromotion(p)
		if first, dup := seen[key]; dup && reason == "" {
			field, reason = "promo_code", fmt.Sprintf("promo_code %q row %d repeats row %d %s", deref(p.PromoCode), deref(p.PromoRow), first, where)
		}
		if reason != "" {
			b.rejected = append(b.rejected, RowError{Row: i, EntityCode: deref(p.PromoCode), Field: field, Reason: reason, Rejected: true})
			continue
		}
		seen[key] = i
		b.sent, b.rows = append(b.sent, i), append(b.rows, p)
	}
	return b
}

// checkPromotion returns the field at fault and why, or "", "".
func checkPromotion(p *Promotion) (field, reason string) {
	switch {
	case deref(p.PromoCode) == "":
		return "promo_code", "required"
	case p.StartDate != nil && p.EndDate != nil && p.StartDate.After(*p.EndDate):
		return "start_date", fmt.Sprintf("%s is after end_date %s", p.StartDate.Format(time.RFC3339), p.EndDate.Format(time.RFC3339))
	}
	var c checks
	if c.promotion(p); len(c.problems) > 0 { // the number rules of a promotion inside a product
		return c.problems[0].Field, c.problems[0].Reason
	}
	for _, id := range p.TargetPkgIDs {
		if id == "" {
			return "target_pkg_ids", "an entry is empty"
		}
	}
	return "", ""
}

// Promotion is a promotion of a product ([Product].Promotions, the source
// of truth) or of one packaging option ([PackagingOption].Promotions).
type Promotion struct {
	// PromoCode (promo_code) is the promotion's code.
	PromoCode *string `json:"promo_code,omitzero"`
	// PromoRow (promo_row) is the row number within the promotion.
	PromoRow *int `json:"promo_row,omitzero"`
	// IsActive (is_active) reports whether the promotion is active.
	IsActive *bool `json:"is_active,omitzero"`
	// PromoType (promo_type) is the promotion type, such as "STD".
	PromoType *string `json:"promo_type,omitzero"`
	// CalcMethod (calc_method) is the ERP's discount calculation method,
	// such as "RVMSC".
	CalcMethod *string `json:"calc_method,omitzero"`
	// Label (label) is the display label.
	Label *Text `json:"label,omitzero"`
	// Language (language) is the language code of the promotion.
	Language *string `json:"language,omitzero"`
	// DiscountPercentage (discount_percentage) is the discount in percent.
	DiscountPercentage *float64 `json:"discount_percentage,omitzero"`
	// IsStackable (is_stackable) reports whether the promotion combines
	// with others.
	IsStackable *bool `json:"is_stackable,omitzero"`
	// Priority (priority) ranks the promotion among those that apply to the
	// same item.
	Priority *int `json:"priority,omitzero"`
	// StartDate (start_date) is when the promotion starts.
	StartDate *time.Time `json:"start_date,omitzero"`
	// EndDate (end_date) is when the promotion ends.
	EndDate *time.Time `json:"end_date,omitzero"`
	// MinQuantity (min_quantity) is the minimum quantity for the promotion
	// to apply.
	MinQuantity *float64 `json:"min_quantity,omitzero"`
	// MinOrderValue (min_order_value) is the minimum order value for the
	// promotion to apply.
	MinOrderValue *float64 `json:"min_order_value,omitzero"`
	// TargetPkgIDs (target_pkg_ids) lists the packaging options, by
	// [PackagingOption].PkgID, the promotion applies to.
	TargetPkgIDs []string `json:"target_pkg_ids,omitzero"`
}
