package catalog

import "time"

// PromotionsService is the home of promotion calls. Promotions travel
// embedded in products today (Product.Promotions and
// PackagingOption.Promotions); their own import comes with a later release.
type PromotionsService service

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
