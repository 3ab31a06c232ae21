package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// The row encoder's fast path: Product and everything in it appended
// straight into one buffer, without reflection, without a nested encoder
// for every multilingual value, and without encoding/json compacting what
// a MarshalJSON method returned. Its output is byte for byte what
// encoding/json gives with HTML escaping off (the reference path,
// rowEncoder.encodeProductReflect, which the differential tests compare
// it with). Whatever it does not handle itself it leaves to that path: a
// value of type any other than a plain string, number, bool, []any or
// map[string]any is encoded by encoding/json, and anything encoding/json
// would refuse (a number that is not finite, a time it cannot write, a
// Brand both plain and structured) makes the whole row fall back, so that
// errors read exactly as before.

// errSlowPath makes a row fall back to the reference encoder.
var errSlowPath = errors.New("catalog: value left to encoding/json")

// jsonAppender appends JSON to b. The first failure is kept in err and the
// rest of the row is skipped.
type jsonAppender struct {
	b   []byte
	err error
	// any encodes a value the appender does not handle, as encoding/json
	// would, without a trailing newline.
	any func(v any) ([]byte, error)
}

// key starts a member of the object being written: a comma unless it is
// the first, then "name":. Names are Go string constants that need no
// escaping.
func (w *jsonAppender) key(name string) {
	if w.b[len(w.b)-1] != '{' {
		w.b = append(w.b, ',')
	}
	w.b = append(w.b, '"')
	w.b = append(w.b, name...)
	w.b = append(w.b, '"', ':')
}

func (w *jsonAppender) str(name string, v *string) {
	if v != nil {
		w.key(name)
		w.b = appendJSONString(w.b, *v)
	}
}

func (w *jsonAppender) num(name string, v *float64) {
	if v != nil {
		w.key(name)
		w.float(*v)
	}
}

func (w *jsonAppender) int(name string, v *int) {
	if v != nil {
		w.key(name)
		w.b = strconv.AppendInt(w.b, int64(*v), 10)
	}
}

func (w *jsonAppender) bool(name string, v *bool) {
	if v != nil {
		w.key(name)
		w.b = strconv.AppendBool(w.b, *v)
	}
}

func (w *jsonAppender) text(name string, v *Text) {
	if v != nil {
		w.key(name)
		w.b = v.appendJSON(w.b)
	}
}

func (w *jsonAppender) strs(name string, v []string) {
	list(w, name, v, appendStringElem)
}

func appendStringElem(w *jsonAppender, s *string) { w.b = appendJSONString(w.b, *s) }

// time writes v as time.Time.MarshalJSON does; a time it refuses, or that
// is not RFC 3339, leaves the row to the reference path. A zero time is
// not sent: omitzero calls IsZero.
func (w *jsonAppender) time(name string, v *time.Time) {
	if v == nil || v.IsZero() {
		return
	}
	w.key(name)
	w.b = append(w.b, '"')
	start := len(w.b)
	w.b = v.AppendFormat(w.b, time.RFC3339Nano)
	t := w.b[start:]
	if len(t) < len("2006-01-02T15:04:05Z") || t[4] != '-' {
		w.fail(errSlowPath) // a year outside [0,9999]
	} else if last := t[len(t)-1]; last != 'Z' {
		zone := t[len(t)-len("+07:00"):]
		if zone[0] != '+' && zone[0] != '-' || zone[1] > '1' && !(zone[1] == '2' && zone[2] <= '3') {
			w.fail(errSlowPath) // a zone offset of 24 hours or more
		}
	}
	w.b = append(w.b, '"')
}

func (w *jsonAppender) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

// float writes a float64 as encoding/json does: like ES6, 'f' format
// unless the magnitude is below 1e-6 or from 1e21 up, exponents without
// padding.
func (w *jsonAppender) float(f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		w.fail(errSlowPath)
		w.b = append(w.b, '0') // keeps the buffer JSON-shaped; the row falls back
		return
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	w.b = strconv.AppendFloat(w.b, f, format, -1, 64)
	if format == 'e' {
		n := len(w.b)
		if n >= 4 && w.b[n-4] == 'e' && w.b[n-3] == '-' && w.b[n-2] == '0' {
			w.b[n-2] = w.b[n-1]
			w.b = w.b[:n-1]
		}
	}
}

// anyMember writes a field of type any: nil is not sent (omitzero).
func (w *jsonAppender) anyMember(name string, v any) {
	if v != nil {
		w.key(name)
		w.value(v)
	}
}

// value writes v as encoding/json would.
func (w *jsonAppender) value(v any) {
	switch x := v.(type) {
	case nil:
		w.b = append(w.b, "null"...)
	case string:
		w.b = appendJSONString(w.b, x)
	case float64:
		w.float(x)
	case int:
		w.b = strconv.AppendInt(w.b, int64(x), 10)
	case int64:
		w.b = strconv.AppendInt(w.b, x, 10)
	case bool:
		w.b = strconv.AppendBool(w.b, x)
	case []any:
		if x == nil {
			w.b = append(w.b, "null"...)
			return
		}
		w.b = append(w.b, '[')
		for i, e := range x {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.value(e)
		}
		w.b = append(w.b, ']')
	case map[string]any:
		w.anyMap(x)
	default:
		raw, err := w.any(v)
		if err != nil {
			w.fail(errSlowPath)
			raw = []byte("null")
		}
		w.b = append(w.b, raw...)
	}
}

// anyMap writes m with its keys sorted, as encoding/json does; nil is null.
func (w *jsonAppender) anyMap(m map[string]any) {
	if m == nil {
		w.b = append(w.b, "null"...)
		return
	}
	w.b = append(w.b, '{')
	var keys [8]string
	for i, k := range appendSortedKeys(keys[:0], m) {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = appendJSONString(w.b, k)
		w.b = append(w.b, ':')
		w.value(m[k])
	}
	w.b = append(w.b, '}')
}

// appendSortedKeys appends m's keys to dst, sorted. Callers pass a small
// array on their stack as dst, so that the keys of most maps (a few
// language codes) cost no allocation: sorting them was a sixth of the
// encoding's CPU when each call made a new slice.
func appendSortedKeys[V any](dst []string, m map[string]V) []string {
	start := len(dst)
	for k := range m {
		dst = append(dst, k)
	}
	slices.Sort(dst[start:])
	return dst
}

// object writes a member whose value is a struct, when v is not nil.
func object[T any](w *jsonAppender, name string, v *T, write func(*jsonAppender, *T)) {
	if v != nil {
		w.key(name)
		write(w, v)
	}
}

// list writes a member whose value is a slice of structs, when v is not nil.
func list[T any](w *jsonAppender, name string, v []T, write func(*jsonAppender, *T)) {
	if v == nil {
		return
	}
	w.key(name)
	appendList(w, v, write)
}

func appendList[T any](w *jsonAppender, v []T, write func(*jsonAppender, *T)) {
	if v == nil {
		w.b = append(w.b, "null"...)
		return
	}
	w.b = append(w.b, '[')
	for i := range v {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		write(w, &v[i])
	}
	w.b = append(w.b, ']')
}

// byLanguage writes a member whose value maps language codes to lists,
// keys sorted, when m is not nil.
func byLanguage[T any](w *jsonAppender, name string, m map[string][]T, write func(*jsonAppender, *T)) {
	if m == nil {
		return
	}
	w.key(name)
	w.b = append(w.b, '{')
	var keys [8]string
	for i, k := range appendSortedKeys(keys[:0], m) {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = appendJSONString(w.b, k)
		w.b = append(w.b, ':')
		appendList(w, m[k], write)
	}
	w.b = append(w.b, '}')
}

// appendJSONString appends s as a JSON string, escaped as encoding/json
// escapes it with HTML escaping off: '"', '\\' and control characters
// escaped (\b \f \n \r \t, else \u00XX), invalid UTF-8 replaced by
// \ufffd, U+2028 and U+2029 escaped; '<', '>' and '&' left as they are.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// The writers of Product's types, one member per field in declaration
// order (encoding/json's order), each left out when nil as omitzero and
// omitempty leave it out. TestAppendCoversEveryField fails when a field is
// added to one of these types but not here.

func appendProduct(w *jsonAppender, p *Product) {
	w.b = append(w.b, '{')
	if p.EntityCode != "" {
		w.key("entity_code")
		w.b = appendJSONString(w.b, p.EntityCode)
	}
	if p.SKU != "" {
		w.key("sku")
		w.b = appendJSONString(w.b, p.SKU)
	}
	w.text("name", p.Name)
	w.text("slug", p.Slug)
	w.text("description", p.Description)
	w.text("short_description", p.ShortDescription)
	w.text("long_description", p.LongDescription)
	w.strs("channels", p.Channels)
	w.bool("not_visible", p.NotVisible)
	w.time("item_creation_date", p.ItemCreationDate)
	w.str("product_kind", (*string)(p.ProductKind))
	w.bool("is_parent", p.IsParent)
	w.bool("include_faceting", p.IncludeFaceting)
	w.bool("share_images_with_variants", p.ShareImagesWithVariants)
	w.bool("share_media_with_variants", p.ShareMediaWithVariants)
	w.str("product_model", p.ProductModel)
	w.strs("ean", p.EAN)
	w.str("product_status", p.ProductStatus)
	w.text("product_status_description", p.ProductStatusDescription)
	w.str("stock_status", (*string)(p.StockStatus))
	w.num("quantity", p.Quantity)
	w.num("sold", p.Sold)
	w.str("unit", p.Unit)
	w.num("weight", p.Weight)
	w.str("weight_uom", p.WeightUOM)
	w.num("volume", p.Volume)
	w.str("volume_uom", p.VolumeUOM)
	w.num("dimension_height", p.DimensionHeight)
	w.num("dimension_width", p.DimensionWidth)
	w.num("dimension_length", p.DimensionLength)
	w.str("dimension_uom", p.DimensionUOM)
	object(w, "brand", p.Brand, appendBrand)
	object(w, "category", p.Category, appendCategory)
	list(w, "channel_categories", p.ChannelCategories, appendChannelCategory)
	list(w, "collections", p.Collections, appendCollection)
	object(w, "product_type", p.ProductType, appendProductType)
	list(w, "tags", p.Tags, appendTag)
	w.strs("synonym_keys", p.SynonymKeys)
	list(w, "images", p.Images, appendImage)
	list(w, "media", p.Media, appendMedia)
	byLanguage(w, "attributes", p.Attributes, appendAttribute)
	byLanguage(w, "marketing_features", p.MarketingFeatures, appendStringElem)
	byLanguage(w, "technical_specifications", p.TechnicalSpecifications, appendTechnicalSpec)
	list(w, "meta", p.Meta, appendMetaEntry)
	w.num("price", p.Price)
	object(w, "pricing", p.Pricing, appendPricing)
	list(w, "packaging_options", p.PackagingOptions, appendPackagingOption)
	list(w, "packaging_info", p.PackagingInfo, appendPackagingInfo)
	list(w, "promotions", p.Promotions, appendPromotion)
	w.strs("promo_code", p.PromoCode)
	w.strs("promo_type", p.PromoType)
	w.bool("has_active_promo", p.HasActivePromo)
	w.str("parent_sku", p.ParentSKU)
	w.str("parent_entity_code", p.ParentEntityCode)
	w.strs("variants_sku", p.VariantsSKU)
	w.strs("variants_entity_code", p.VariantsEntityCode)
	object(w, "parent_product", p.ParentProduct, appendParentProduct)
	list(w, "sibling_variants", p.SiblingVariants, appendSiblingVariant)
	w.text("meta_title", p.MetaTitle)
	w.text("meta_description", p.MetaDescription)
	w.bool("auto_publish_enabled", p.AutoPublishEnabled)
	w.num("min_score_threshold", p.MinScoreThreshold)
	w.strs("required_fields", p.RequiredFields)
	w.b = append(w.b, '}')
}

func appendBrand(w *jsonAppender, b *Brand) {
	if b.Plain != "" {
		rest := *b
		rest.Plain = ""
		if !rest.isZero() {
			w.fail(errSlowPath) // Brand.MarshalJSON refuses it
		}
		w.b = appendJSONString(w.b, b.Plain)
		return
	}
	w.b = append(w.b, '{')
	w.str("brand_id", b.BrandID)
	w.str("label", b.Label)
	w.str("slug", b.Slug)
	w.str("description", b.Description)
	w.str("logo_url", b.LogoURL)
	w.str("website_url", b.WebsiteURL)
	w.bool("is_active", b.IsActive)
	w.int("product_count", b.ProductCount)
	w.int("display_order", b.DisplayOrder)
	w.str("parent_brand_id", b.ParentBrandID)
	w.str("brand_family", b.BrandFamily)
	w.int("level", b.Level)
	w.strs("path", b.Path)
	list(w, "hierarchy", b.Hierarchy, appendBrand)
	w.b = append(w.b, '}')
}

func appendCategory(w *jsonAppender, c *Category) {
	w.b = append(w.b, '{')
	w.str("category_id", c.CategoryID)
	w.text("name", c.Name)
	w.text("slug", c.Slug)
	w.text("details", c.Details)
	object(w, "image", c.Image, appendCategoryImage)
	w.str("icon", c.Icon)
	w.str("parent_id", c.ParentID)
	w.int("level", c.Level)
	w.strs("path", c.Path)
	list(w, "hierarchy", c.Hierarchy, appendCategory)
	w.bool("is_active", c.IsActive)
	w.int("display_order", c.DisplayOrder)
	w.b = append(w.b, '}')
}

func appendCategoryImage(w *jsonAppender, c *CategoryImage) {
	w.b = append(w.b, '{')
	w.str("id", c.ID)
	w.str("thumbnail", c.Thumbnail)
	w.str("original", c.Original)
	w.b = append(w.b, '}')
}

func appendChannelCategory(w *jsonAppender, c *ChannelCategory) {
	w.b = append(w.b, '{')
	w.str("channel_code", c.ChannelCode)
	object(w, "category", c.Category, appendCategory)
	w.b = append(w.b, '}')
}

func appendCollection(w *jsonAppender, c *Collection) {
	w.b = append(w.b, '{')
	w.str("collection_id", c.CollectionID)
	w.text("name", c.Name)
	w.text("slug", c.Slug)
	w.str("description", c.Description)
	w.bool("is_active", c.IsActive)
	w.int("display_order", c.DisplayOrder)
	w.int("level", c.Level)
	w.strs("path", c.Path)
	w.b = append(w.b, '}')
}

func appendProductType(w *jsonAppender, t *ProductType) {
	w.b = append(w.b, '{')
	w.str("product_type_id", t.ProductTypeID)
	w.str("code", t.Code)
	w.text("name", t.Name)
	w.text("slug", t.Slug)
	w.str("description", t.Description)
	w.bool("is_active", t.IsActive)
	list(w, "technical_specifications", t.TechnicalSpecifications, appendSpecificationField)
	w.b = append(w.b, '}')
}

func appendSpecificationField(w *jsonAppender, f *SpecificationField) {
	w.b = append(w.b, '{')
	w.str("technical_specification_id", f.TechnicalSpecificationID)
	w.str("key", f.Key)
	w.text("label", f.Label)
	w.str("type", f.Type)
	w.strs("options", f.Options)
	w.str("unit", f.Unit)
	w.bool("required", f.Required)
	w.int("display_order", f.DisplayOrder)
	w.b = append(w.b, '}')
}

func appendTag(w *jsonAppender, t *Tag) {
	w.b = append(w.b, '{')
	w.str("tag_id", t.TagID)
	w.text("name", t.Name)
	w.str("slug", t.Slug)
	w.str("color", t.Color)
	w.bool("is_active", t.IsActive)
	w.int("display_order", t.DisplayOrder)
	w.str("tag_category", t.TagCategory)
	w.str("tag_group", t.TagGroup)
	w.b = append(w.b, '}')
}

func appendMetaEntry(w *jsonAppender, m *MetaEntry) {
	w.b = append(w.b, '{')
	w.str("key", m.Key)
	w.anyMember("value", m.Value)
	w.b = append(w.b, '}')
}

func appendImage(w *jsonAppender, im *Image) {
	w.b = append(w.b, '{')
	w.str("url", im.URL)
	w.str("cdn_key", im.CDNKey)
	w.int("position", im.Position)
	w.str("file_name", im.FileName)
	w.str("file_type", im.FileType)
	w.int("size_bytes", im.SizeBytes)
	w.time("uploaded_at", im.UploadedAt)
	w.str("uploaded_by", im.UploadedBy)
	w.b = append(w.b, '}')
}

func appendMedia(w *jsonAppender, m *Media) {
	w.b = append(w.b, '{')
	w.str("type", m.Type)
	w.str("url", m.URL)
	w.str("s3_key", m.S3Key)
	w.text("label", m.Label)
	w.str("language", m.Language)
	w.str("file_type", m.FileType)
	w.int("size_bytes", m.SizeBytes)
	w.int("position", m.Position)
	w.bool("is_external_link", m.IsExternalLink)
	w.b = append(w.b, '}')
}

func appendAttribute(w *jsonAppender, a *Attribute) {
	w.b = append(w.b, '{')
	w.str("key", a.Key)
	w.str("label", a.Label)
	w.anyMember("value", a.Value)
	w.b = append(w.b, '}')
}

func appendTechnicalSpec(w *jsonAppender, t *TechnicalSpec) {
	w.b = append(w.b, '{')
	w.str("key", t.Key)
	w.str("label", t.Label)
	w.anyMember("value", t.Value)
	w.str("uom", t.UOM)
	w.str("category", t.Category)
	w.int("order", t.Order)
	w.b = append(w.b, '}')
}

func appendPricing(w *jsonAppender, p *Pricing) {
	w.b = append(w.b, '{')
	w.num("list", p.List)
	w.num("retail", p.Retail)
	w.num("sale", p.Sale)
	w.str("currency", p.Currency)
	w.num("vat_rate", p.VATRate)
	w.bool("vat_included", p.VATIncluded)
	w.num("list_unit", p.ListUnit)
	w.num("retail_unit", p.RetailUnit)
	w.num("sale_unit", p.SaleUnit)
	w.str("price_ref", p.PriceRef)
	w.num("list_discount_pct", p.ListDiscountPct)
	w.num("sale_discount_pct", p.SaleDiscountPct)
	w.b = append(w.b, '}')
}

func appendPackagingOption(w *jsonAppender, o *PackagingOption) {
	w.b = append(w.b, '{')
	w.str("pkg_id", o.PkgID)
	w.str("code", o.Code)
	w.text("label", o.Label)
	w.num("qty", o.Qty)
	w.str("uom", o.UOM)
	w.bool("is_default", o.IsDefault)
	w.bool("is_smallest", o.IsSmallest)
	w.bool("is_sellable", o.IsSellable)
	w.str("ean", o.EAN)
	w.int("position", o.Position)
	object(w, "pricing", o.Pricing, appendPricing)
	list(w, "promotions", o.Promotions, appendPromotion)
	w.b = append(w.b, '}')
}

func appendPackagingInfo(w *jsonAppender, p *PackagingInfo) {
	w.b = append(w.b, '{')
	w.str("packaging_id", p.PackagingID)
	w.str("code", p.Code)
	w.str("description", p.Description)
	w.num("qty", p.Qty)
	w.str("uom", p.UOM)
	w.bool("is_default", p.IsDefault)
	w.bool("is_smallest", p.IsSmallest)
	w.b = append(w.b, '}')
}

func appendPromotion(w *jsonAppender, p *Promotion) {
	w.b = append(w.b, '{')
	w.str("promo_code", p.PromoCode)
	w.int("promo_row", p.PromoRow)
	w.bool("is_active", p.IsActive)
	w.str("promo_type", p.PromoType)
	w.str("calc_method", p.CalcMethod)
	w.text("label", p.Label)
	w.str("language", p.Language)
	w.num("discount_percentage", p.DiscountPercentage)
	w.bool("is_stackable", p.IsStackable)
	w.int("priority", p.Priority)
	w.time("start_date", p.StartDate)
	w.time("end_date", p.EndDate)
	w.num("min_quantity", p.MinQuantity)
	w.num("min_order_value", p.MinOrderValue)
	w.strs("target_pkg_ids", p.TargetPkgIDs)
	w.b = append(w.b, '}')
}

func appendParentProduct(w *jsonAppender, p *ParentProduct) {
	w.b = append(w.b, '{')
	w.str("entity_code", p.EntityCode)
	w.str("sku", p.SKU)
	w.text("name", p.Name)
	w.text("slug", p.Slug)
	w.str("cover_image_url", p.CoverImageURL)
	w.num("price", p.Price)
	object(w, "brand", p.Brand, appendBrand)
	object(w, "category", p.Category, appendCategory)
	w.b = append(w.b, '}')
}

func appendSiblingVariant(w *jsonAppender, s *SiblingVariant) {
	w.b = append(w.b, '{')
	w.str("entity_code", s.EntityCode)
	w.str("sku", s.SKU)
	w.text("name", s.Name)
	if s.VariantAttributes != nil {
		w.key("variant_attributes")
		w.anyMap(s.VariantAttributes)
	}
	w.str("cover_image_url", s.CoverImageURL)
	w.num("price", s.Price)
	w.str("stock_status", (*string)(s.StockStatus))
	w.bool("is_active", s.IsActive)
	w.b = append(w.b, '}')
}

// isZero reports whether every field of b is unset.
func (b *Brand) isZero() bool { return reflect.ValueOf(*b).IsZero() }

// appendJSON appends t as MarshalJSON encodes it.
func (t *Text) appendJSON(b []byte) []byte {
	if t.byLang == nil {
		return appendJSONString(b, t.plain)
	}
	b = append(b, '{')
	var codes [8]string
	for i, code := range appendSortedKeys(codes[:0], t.byLang) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, code)
		b = append(b, ':')
		b = appendJSONString(b, t.byLang[code])
	}
	return append(b, '}')
}

// rowEncoder validates and encodes products one at a time, reusing its
// buffers: the step both Import and ImportAll take for every row.
type rowEncoder struct {
	w       jsonAppender // the fast path (jsonAppender, above); w.b is the row's JSON
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
func importBody(sourceID string, opts *ProductImportOptions, products [][]byte) ([]byte, error) {
	var o ProductImportOptions
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
		return nil, invalid("channel_metadata", err.Error())
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

// productFields is Product without its JSON methods: the row encoder
// encodes it directly, so the hot path pays nothing for them.
type productFields Product

// productJSONNames maps each JSON name of Product's typed fields to the Go
// field's name, for refusing Extra keys that collide with them.
var productJSONNames = func() map[string]string {
	names := make(map[string]string)
	typ := reflect.TypeFor[Product]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names[name] = f.Name
		}
	}
	return names
}()

// collidingExtraKey returns the smallest Extra key that is the JSON name
// of a typed field of Product.
func collidingExtraKey(extra map[string]any) (key string, bad bool) {
	for k := range extra {
		if _, typed := productJSONNames[k]; typed && (!bad || k < key) {
			key, bad = k, true
		}
	}
	return key, bad
}

func collision(key string) string {
	return "is the JSON name of Product." + productJSONNames[key] + "; set that field instead"
}

// MarshalJSON encodes p's typed fields, then the entries of Extra as more
// top-level keys in sorted order. It fails when an Extra key is the JSON
// name of a typed field or a value cannot be encoded.
func (p Product) MarshalJSON() ([]byte, error) {
	e := encoders.Get().(*rowEncoder)
	defer encoders.Put(e)
	e.product = p // encoding &p would move p to the heap
	err := e.encodeUnchecked(&e.product)
	e.product = Product{} // keep nothing of p in the pool
	if err != nil {
		return nil, err
	}
	return bytes.Clone(e.w.b), nil
}

// UnmarshalJSON decodes the typed fields and puts every other top-level key
// in Extra; Extra is nil when there is none. Like encoding/json, it matches
// a typed field's name without regard to case: "Price" sets Price and is
// not kept in Extra.
func (p *Product) UnmarshalJSON(data []byte) error {
	var fields productFields
	if err := json.Unmarshal(data, &fields); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	for k, raw := range all {
		if typedKey(k) {
			continue
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		if fields.Extra == nil {
			fields.Extra = make(map[string]any)
		}
		fields.Extra[k] = v
	}
	*p = Product(fields)
	return nil
}

// typedKey reports whether encoding/json decodes key into a typed field:
// it matches field names without regard to case ("Price" sets Price).
func typedKey(key string) bool {
	if _, typed := productJSONNames[key]; typed {
		return true
	}
	for name := range productJSONNames {
		if strings.EqualFold(key, name) {
			return true
		}
	}
	return false
}

// extraError reports an Extra entry that cannot be encoded, naming it.
type extraError struct {
	key string
	err error
}

func (e *extraError) Error() string {
	return "catalog: Product." + atKey("Extra", e.key) + ": " + e.err.Error()
}

func (e *extraError) Unwrap() error { return e.err }

// encodeUnchecked is encodeProduct for a product no row validation has
// seen (MarshalJSON): it first refuses an Extra key a typed field owns,
// which validation refuses for a row.
func (e *rowEncoder) encodeUnchecked(p *Product) error {
	if k, bad := collidingExtraKey(p.Extra); bad {
		return &extraError{key: k, err: errors.New(collision(k))}
	}
	return e.encodeProduct(p)
}

// encodeProduct leaves p's JSON in e.w.b. It takes the fast path, and the
// reference path when the fast one leaves the row to encoding/json. The
// caller has checked p's Extra keys (validateProduct, encodeUnchecked).
func (e *rowEncoder) encodeProduct(p *Product) error {
	e.w.b, e.w.err = e.w.b[:0], nil
	appendProduct(&e.w, p)
	if len(p.Extra) > 0 {
		e.w.b = e.w.b[:len(e.w.b)-1] // the closing brace
		var keys [8]string
		for _, k := range appendSortedKeys(keys[:0], p.Extra) {
			if e.w.b[len(e.w.b)-1] != '{' {
				e.w.b = append(e.w.b, ',')
			}
			e.w.b = appendJSONString(e.w.b, k)
			e.w.b = append(e.w.b, ':')
			e.w.value(p.Extra[k])
		}
		e.w.b = append(e.w.b, '}')
	}
	if e.w.err == nil {
		return nil
	}
	if err := e.encodeProductReflect(p); err != nil {
		return err
	}
	e.w.b = append(e.w.b[:0], e.buf.Bytes()...)
	return nil
}

// encodeProductReflect leaves p's JSON, as encoding/json writes it, in
// e.buf: the reference the fast path matches byte for byte, and its
// fallback.
func (e *rowEncoder) encodeProductReflect(p *Product) error {
	e.buf.Reset()
	if err := e.enc.Encode((*productFields)(p)); err != nil {
		return err
	}
	e.buf.Truncate(e.buf.Len() - 1) // the newline
	if len(p.Extra) == 0 {
		return nil
	}
	e.buf.Truncate(e.buf.Len() - 1) // the closing brace
	empty := e.buf.Len() == 1       // only "{" is left
	for _, k := range slices.Sorted(maps.Keys(p.Extra)) {
		if !empty {
			e.buf.WriteByte(',')
		}
		empty = false
		if err := e.encodeValue(k); err != nil {
			return &extraError{key: k, err: err}
		}
		e.buf.WriteByte(':')
		if err := e.encodeValue(p.Extra[k]); err != nil {
			return &extraError{key: k, err: err}
		}
	}
	e.buf.WriteByte('}')
	return nil
}

// encodeValue appends v's JSON to e.buf, without the encoder's newline.
func (e *rowEncoder) encodeValue(v any) error {
	if err := e.enc.Encode(v); err != nil {
		return err
	}
	e.buf.Truncate(e.buf.Len() - 1)
	return nil
}

// brandObject is Brand without its JSON methods.
type brandObject Brand

// MarshalJSON encodes b as a plain string when Plain is set, otherwise as
// an object.
func (b Brand) MarshalJSON() ([]byte, error) {
	w := jsonAppender{b: make([]byte, 0, 256)}
	if appendBrand(&w, &b); w.err == nil {
		return w.b, nil
	}
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

// MarshalJSON encodes t in the form it was built with, as encoding/json
// encodes a string or a map[string]string with HTML escaping off.
func (t Text) MarshalJSON() ([]byte, error) {
	return t.appendJSON(make([]byte, 0, t.sizeHint())), nil
}

// sizeHint is the length of t's JSON when nothing in it needs escaping.
func (t *Text) sizeHint() int {
	if t.byLang == nil {
		return len(t.plain) + 2
	}
	n := 2
	for code, v := range t.byLang {
		n += len(code) + len(v) + 6
	}
	return n
}

// UnmarshalJSON accepts a JSON string or an object of strings.
func (t *Text) UnmarshalJSON(data []byte) error {
	if s, ok, err := jsonString(data); ok || err != nil {
		*t = Text{plain: s}
		return err
	}
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("catalog: multilingual text must be a string or an object of strings: %w", err)
	}
	if m == nil { // JSON null
		m = map[string]string{}
	}
	*t = Text{byLang: m}
	return nil
}

// jsonString decodes data when it is a JSON string, for the types that take
// a string or an object; ok is false when data is something else.
func jsonString(data []byte) (s string, ok bool, err error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '"' {
		return "", false, nil
	}
	err = json.Unmarshal(data, &s)
	return s, true, err
}
