// Package synth makes synthetic but realistic products for benchmarks and
// load tests.
//
// [Full] builds a product with every field group of seed 004's full payload
// (testdata/full_payload.json), about 9 KB of JSON, whose values vary with
// its index; [Minimal] builds the three fields of a price feed. Both are
// deterministic: the same index always gives the same product. [Seq] turns
// either into a lazy stream for [catalog.ProductsService.ImportAll].
package synth

import (
	_ "embed" // the seed product
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/pimkit/catalog"
)

// seedJSON is products[0] of testdata/full_payload.json, seed 004's full
// product payload, copied here because go:embed cannot reach the module's
// testdata.
//
//go:embed seed_product.json
var seedJSON []byte

// seed is the decoded seed product. Full starts from a shallow copy of it,
// so the fields that do not vary with i are shared by every product.
var seed = decodeSeed()

func decodeSeed() catalog.Product {
	var p catalog.Product
	if err := json.Unmarshal(seedJSON, &p); err != nil {
		panic("synth: bad seed_product.json: " + err.Error())
	}
	return p
}

// Languages of the multilingual texts, in the order of the [4]string word
// lists below.
var langs = [4]string{"en", "it", "de", "fr"}

// line is a product line: what the product is, in the four languages.
type line struct {
	name     [4]string // en lower-case; it and fr start the name, so capitalized
	plural   [4]string // category names
	slug     [4]string
	model    string  // model code prefix
	typeCode string  // the tenant's product type code
	price    float64 // list price of the smallest brass item, EUR
}

var lines = [...]line{
	{[4]string{"ball valve", "Valvola a sfera", "Kugelhahn", "Robinet à boisseau sphérique"},
		[4]string{"Ball valves", "Valvole a sfera", "Kugelhähne", "Robinets à boisseau sphérique"},
		[4]string{"ball-valve", "valvola-a-sfera", "kugelhahn", "robinet-a-boisseau-spherique"}, "BV", "037", 7.90},
	{[4]string{"gate valve", "Saracinesca", "Absperrschieber", "Robinet-vanne"},
		[4]string{"Gate valves", "Saracinesche", "Absperrschieber", "Robinets-vannes"},
		[4]string{"gate-valve", "saracinesca", "absperrschieber", "robinet-vanne"}, "GV", "038", 12.40},
	{[4]string{"check valve", "Valvola di ritegno", "Rückschlagventil", "Clapet anti-retour"},
		[4]string{"Check valves", "Valvole di ritegno", "Rückschlagventile", "Clapets anti-retour"},
		[4]string{"check-valve", "valvola-di-ritegno", "rueckschlagventil", "clapet-anti-retour"}, "CV", "039", 6.30},
	{[4]string{"butterfly valve", "Valvola a farfalla", "Absperrklappe", "Vanne papillon"},
		[4]string{"Butterfly valves", "Valvole a farfalla", "Absperrklappen", "Vannes papillon"},
		[4]string{"butterfly-valve", "valvola-a-farfalla", "absperrklappe", "vanne-papillon"}, "FV", "040", 24.50},
	{[4]string{"globe valve", "Valvola a globo", "Durchgangsventil", "Robinet à soupape"},
		[4]string{"Globe valves", "Valvole a globo", "Durchgangsventile", "Robinets à soupape"},
		[4]string{"globe-valve", "valvola-a-globo", "durchgangsventil", "robinet-a-soupape"}, "GL", "041", 15.80},
}

// material is a body material; its spec value is one of the options of the
// seed's product type schema (brass, stainless_steel, pvc).
type material struct {
	enCap  string
	name   [4]string // en lower-case, it/fr with their preposition, de as a compound prefix
	slug   [4]string
	color  [2]string // the "color" attribute, en and it
	spec   [2]string // the body_material spec value, en and it
	factor float64   // price factor
}

var materials = [...]material{
	{"Brass", [4]string{"brass", "in ottone", "Messing-", "en laiton"},
		[4]string{"brass", "ottone", "messing", "laiton"},
		[2]string{"brass", "ottone"}, [2]string{"brass", "ottone"}, 1.0},
	{"Stainless steel", [4]string{"stainless steel", "in acciaio inox", "Edelstahl-", "en acier inoxydable"},
		[4]string{"stainless-steel", "acciaio-inox", "edelstahl", "acier-inoxydable"},
		[2]string{"steel", "acciaio"}, [2]string{"stainless_steel", "acciaio inox"}, 1.8},
	{"PVC", [4]string{"PVC", "in PVC", "PVC-", "en PVC"},
		[4]string{"pvc", "pvc", "pvc", "pvc"},
		[2]string{"grey", "grigio"}, [2]string{"pvc", "pvc"}, 0.6},
}

// size is a nominal pipe size.
type size struct {
	name, slug, thread string
	factor             float64 // price factor
	weight             float64 // kg, for brass
	height, width      float64 // cm
	length             float64 // cm
}

var sizes = [...]size{
	{"DN10", "dn10", `3/8" BSP`, 1.0, 0.16, 3.8, 4.6, 6.9},
	{"DN15", "dn15", `1/2" BSP`, 1.3, 0.23, 4.2, 5.1, 7.8},
	{"DN20", "dn20", `3/4" BSP`, 1.7, 0.34, 4.9, 6.0, 8.7},
	{"DN25", "dn25", `1" BSP`, 2.4, 0.52, 5.8, 7.2, 10.1},
	{"DN32", "dn32", `1 1/4" BSP`, 3.5, 0.81, 6.9, 8.6, 11.8},
	{"DN40", "dn40", `1 1/2" BSP`, 4.6, 1.12, 7.7, 9.8, 13.0},
	{"DN50", "dn50", `2" BSP`, 6.2, 1.69, 9.1, 11.5, 15.2},
}

var (
	seals    = [...]string{"PTFE", "EPDM", "NBR"}
	ratings  = [...]int{16, 25, 40} // PN ratings; the max_pressure spec in bar
	warranty = [...]string{"2", "3", "5"}
	uses     = [...][4]string{
		{"water, air and gas installations", "impianti acqua, aria e gas", "Wasser-, Luft- und Gasinstallationen", "installations d'eau, d'air et de gaz"},
		{"heating circuits", "circuiti di riscaldamento", "Heizkreise", "circuits de chauffage"},
		{"irrigation lines", "linee di irrigazione", "Bewässerungsleitungen", "lignes d'irrigation"},
		{"compressed air networks", "reti ad aria compressa", "Druckluftnetze", "réseaux d'air comprimé"},
	}
	finishes = [...][4]string{
		{"chrome-plated ball", "sfera cromata", "verchromte Kugel", "sphère chromée"},
		{"nickel-plated body", "corpo nichelato", "vernickeltes Gehäuse", "corps nickelé"},
		{"blasted finish", "finitura sabbiata", "gestrahlte Oberfläche", "finition sablée"},
	}
)

// Parts that depend only on a few choices, built once and shared.
var (
	brands     = makeBrands()
	categories = makeCategories()
	types      = makeTypes()
	attributes = makeAttributes()
	specs      = makeSpecs()
	tagPool    = makeTags()
	boxes      = makeBoxes()
	promos     = makePromos()
	imageFiles = [...]string{"front.jpg", "side.jpg", "detail.jpg"}
	positions  = [...]int{0, 1, 2}
	imageType  = "image/jpeg"
	uploadedBy = "supplier-weekly-feed"
	mediaKinds = [...]string{"document", "video", "3d-model"}
	mediaFiles = [...]string{"manual.pdf", "", "model.glb"}
	mediaTypes = [...]string{"application/pdf", "", "model/gltf-binary"}
	mediaLabel = [...]*catalog.Text{
		catalog.Localized(map[string]string{"en": "User manual", "it": "Manuale d'uso"}),
		catalog.Localized(map[string]string{"en": "Installation video", "it": "Video installazione"}),
		catalog.Localized(map[string]string{"en": "3D model"}),
	}
	mediaLang   = [...]string{"it", "en", ""}
	videos      = [...]string{"https://www.youtube.com/watch?v=abc123", "https://www.youtube.com/watch?v=qk3r9Ld", "https://vimeo.com/418823"}
	trueV       = true
	falseV      = false
	currency    = "EUR"
	vatRate     = 22.0
	pzCode      = "PZ"
	pzID        = "1"
	boxID       = "2"
	boxCode     = "BOX"
	oneQty      = 1.0
	pzLabel     = catalog.Localized(map[string]string{"en": "Piece", "it": "Pezzo"})
	partNumber  = "supplier_part_number"
	warrantyKey = "warranty_years"
	inStock     = catalog.StockInStock
	outOfStock  = catalog.StockOutOfStock
	preOrder    = catalog.StockPreOrder
)

// mix is SplitMix64's finalizer: it spreads i over 64 bits, from which Full
// takes its choices, so that neighbouring products differ in every field.
func mix(i int) uint64 {
	z := uint64(i) + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// pick returns bits [shift, shift+8) of h reduced to [0, n).
func pick(h uint64, shift uint, n int) int { return int((h >> shift & 0xff) % uint64(n)) }

// code is the entity code of product i.
func code(i int) string { return fmt.Sprintf("SKU-%07d", i) }

// round2 rounds a price to cents.
func round2(x float64) float64 { return math.Round(x*100) / 100 }

// listPrice is product i's list price, shared by Full and Minimal.
func listPrice(i int, l *line, m *material, s *size) float64 {
	return round2(l.price*m.factor*s.factor + float64(mod(i, 100))/100)
}

// mod is i mod n in [0, n), also for negative i.
func mod(i, n int) int { return (i%n + n) % n }

// choice is what Full and Minimal derive from i before building: three
// independent hashes of i and the product line, material and size.
type choice struct {
	h, g, r    uint64 // h picks what Minimal needs too, g the make-up, r the numbers
	li, mi, si int
	line       *line
	mat        *material
	size       *size
}

func choose(i int) choice {
	h := mix(i)
	g := mix(int(h))
	c := choice{h: h, g: g, r: mix(int(g)),
		li: pick(h, 0, len(lines)), mi: pick(h, 8, len(materials)), si: pick(h, 16, len(sizes))}
	c.line, c.mat, c.size = &lines[c.li], &materials[c.mi], &sizes[c.si]
	return c
}

// englishName is the name of product i in English; model identifies it.
func (c choice) englishName(model string) string {
	return c.mat.enCap + " " + c.line.name[0] + " " + c.size.name + " " + model
}

// Minimal returns product i with only an entity code ("SKU-%07d"), a plain
// text name and a price: the smallest row a feed sends. Its name and price
// are the English name and list price of Full(i).
func Minimal(i int) catalog.Product {
	c := choose(i)
	return catalog.Product{
		EntityCode: code(i),
		Name:       catalog.PlainText(c.englishName(c.model(i))),
		Price:      catalog.Ptr(listPrice(i, c.line, c.mat, c.size)),
	}
}

// model is the manufacturer's model code of product i.
func (c choice) model(i int) string {
	return c.line.model + c.size.slug[2:] + "-" + seals[pick(c.h, 24, len(seals))] + "-" + strconv.Itoa(i)
}

// vals holds the per-product values that Full's pointers and slices refer
// to, so that one allocation serves them all.
type vals struct {
	created, promoStart, promoEnd, boxStart, boxEnd time.Time
	uploaded                                        time.Time
	quantity, sold, weight, volume                  float64
	height, width, length                           float64
	list, retail, sale                              float64
	imageBytes                                      int
	mediaBytes                                      [len(mediaKinds)]int
	model, pzEAN, boxEAN                            string
	stock                                           catalog.StockStatus
	ean, variants                                   [2]string
	pricing, pzPricing, boxPricing                  catalog.Pricing
	packaging                                       [2]catalog.PackagingOption
	promo, boxPromo                                 [1]catalog.Promotion
	images                                          [len(imageFiles)]catalog.Image
	media                                           [len(mediaKinds)]catalog.Media
	meta                                            [2]catalog.MetaEntry
}

// Full returns product i: every field group of seed 004's full product
// payload, with entity code "SKU-%07d", names, slugs and descriptions in
// four languages (names, slugs and long descriptions include i), and
// prices, stock, dimensions, dates, EANs, brand, category, attributes,
// promotions and the number of images (1 to 3), media (1 to 3) and tags
// (1 to 3) chosen from i. Its JSON encoding is about 9 KB. Like the seed, it is a parent product: the
// seed's null parent_sku, parent_entity_code and parent_product are left
// out, since a nil field is not sent.
//
// Full(i) always returns the same product, and is cheap: it decodes no
// JSON, and allocates about 80 times and 7 KB (BenchmarkFull), a fraction
// of what encoding the product costs. Products share the parts that do not
// vary with i (brand, category, product type, tags, texts of packagings
// and promotions...) with each other, so treat them as read-only: assigning
// a field of the returned Product is fine, writing through its pointers,
// slices or maps is not.
func Full(i int) catalog.Product {
	c := choose(i)
	g, r, l, m, s := c.g, c.r, c.line, c.mat, c.size
	br := &brands[pick(g, 0, len(brands))]
	box := &boxes[pick(g, 8, len(boxes))]
	pi := pick(g, 16, len(promos))
	pn := pick(g, 24, len(ratings))
	use := &uses[pick(g, 32, len(uses))]
	finish := &finishes[pick(g, 40, len(finishes))]
	nImages := 1 + pick(g, 48, len(imageFiles))
	nMedia := 1 + pick(g, 56, len(mediaKinds))
	nTags := 1 + pick(r, 24, 3)
	firstTag := pick(r, 32, len(tagPool)-nTags+1)
	seal := seals[pick(c.h, 24, len(seals))]
	days := mod(i, 730)

	ec := code(i)
	idx := strconv.Itoa(i)
	v := &vals{}
	v.model = c.model(i)
	rating := "PN" + strconv.Itoa(ratings[pn])

	p := seed // the fields not set below are the seed's, shared
	p.EntityCode, p.SKU = ec, ec

	nouns := [4]string{m.name[0] + " " + l.name[0], l.name[1] + " " + m.name[1], m.name[2] + l.name[2], l.name[3] + " " + m.name[3]}
	tail := " " + s.name + " " + v.model
	p.Name = localized(c.englishName(v.model), nouns[1]+tail, nouns[2]+tail, nouns[3]+tail)
	p.Slug = localized(
		m.slug[0]+"-"+l.slug[0]+"-"+s.slug+"-"+idx, l.slug[1]+"-"+m.slug[1]+"-"+s.slug+"-"+idx,
		m.slug[2]+"-"+l.slug[2]+"-"+s.slug+"-"+idx, l.slug[3]+"-"+m.slug[3]+"-"+s.slug+"-"+idx)
	p.Description = localized(
		c.mat.enCap+" "+l.name[0]+", "+seal+" seals, "+rating+", for "+use[0]+".",
		nouns[1]+", guarnizioni "+seal+", "+rating+", per "+use[1]+".",
		nouns[2]+", "+seal+"-Dichtungen, "+rating+", für "+use[2]+".",
		nouns[3]+", joints "+seal+", "+rating+", pour "+use[3]+".")
	p.ShortDescription = localized(
		s.name+" "+nouns[0]+" by "+br.label+".",
		nouns[1]+" "+s.name+" di "+br.label+".",
		nouns[2]+" "+s.name+" von "+br.label+".",
		nouns[3]+" "+s.name+" par "+br.label+".")
	p.LongDescription = localized(
		"Forged "+m.name[0]+" body, "+finish[0]+", "+rating+" rated. Model "+v.model+".",
		"Corpo "+m.name[1]+", "+finish[1]+", "+rating+". Modello "+v.model+".",
		"Gehäuse aus "+strings.TrimSuffix(m.name[2], "-")+", "+finish[2]+", "+rating+". Modell "+v.model+".",
		"Corps "+m.name[3]+", "+finish[3]+", "+rating+". Modèle "+v.model+".")

	v.created = seed.ItemCreationDate.AddDate(0, 0, -days)
	p.ItemCreationDate = &v.created
	p.ProductModel = &v.model
	v.ean = [2]string{ean13("800", i), ean13("801", i)}
	p.EAN = v.ean[:]

	v.quantity = float64(r % 1000)
	v.stock = inStock
	switch (r >> 10) % 16 {
	case 0:
		v.quantity, v.stock = 0, outOfStock
	case 1:
		v.quantity, v.stock = 0, preOrder
	}
	p.StockStatus, p.Quantity = &v.stock, &v.quantity
	v.sold = float64((r >> 14) % 500)
	p.Sold = &v.sold
	mass := s.weight
	if m.factor < 1 { // PVC is light
		mass = round2(mass / 3)
	}
	v.weight, v.height, v.width, v.length = mass, s.height, s.width, s.length
	v.volume = math.Round(s.height * s.width * s.length)
	p.Weight, p.Volume, p.DimensionHeight, p.DimensionWidth, p.DimensionLength = &v.weight, &v.volume, &v.height, &v.width, &v.length

	p.Brand = &br.brand
	p.Category = &categories[c.li]
	p.ProductType = &types[c.li]
	p.Tags = tagPool[firstTag : firstTag+nTags : firstTag+nTags] // full slice expression: append copies
	p.Attributes = attributes[c.mi][c.si]
	p.TechnicalSpecifications = specs[c.mi][pn]
	v.meta = [2]catalog.MetaEntry{
		{Key: &partNumber, Value: br.prefix + "-" + v.model},
		{Key: &warrantyKey, Value: warranty[pn]},
	}
	p.Meta = v.meta[:]

	dir := "products/sku-" + ec[len("SKU-"):] + "/"
	base := "https://cdn.example.com/" + dir
	for k := range nImages {
		url, key := base+imageFiles[k], dir+imageFiles[k]
		v.images[k] = catalog.Image{URL: &url, CDNKey: &key, Position: &positions[k], FileType: &imageType}
		if k == 0 { // as in the seed, the cover carries the upload details
			v.uploaded = seed.Images[0].UploadedAt.AddDate(0, 0, days)
			v.imageBytes = 90_000 + int(r%200_000)
			img := &v.images[0]
			img.FileName, img.SizeBytes, img.UploadedAt, img.UploadedBy = &imageFiles[0], &v.imageBytes, &v.uploaded, &uploadedBy
		}
	}
	p.Images = v.images[:nImages:nImages]
	for k := range nMedia {
		md := catalog.Media{Type: &mediaKinds[k], Label: mediaLabel[k], Position: &positions[k]}
		if mediaFiles[k] == "" { // an external video
			md.URL, md.IsExternalLink = &videos[pick(r, 40, len(videos))], &trueV
		} else {
			url, key := base+mediaFiles[k], dir+mediaFiles[k]
			v.mediaBytes[k] = 400_000 + int((r>>(4*k+20))%1_500_000)
			md.URL, md.S3Key, md.FileType, md.SizeBytes, md.IsExternalLink = &url, &key, &mediaTypes[k], &v.mediaBytes[k], &falseV
		}
		if mediaLang[k] != "" {
			md.Language = &mediaLang[k]
		}
		v.media[k] = md
	}
	p.Media = v.media[:nMedia:nMedia]

	v.list = listPrice(i, l, m, s)
	v.retail, v.sale = round2(v.list*1.28), round2(v.list*1.12)
	v.pricing = catalog.Pricing{List: &v.list, Retail: &v.retail, Sale: &v.sale, Currency: &currency,
		VATRate: &vatRate, VATIncluded: &falseV}
	p.Pricing = &v.pricing
	v.pzPricing = catalog.Pricing{List: &v.list, Retail: &v.retail, Sale: &v.sale,
		ListUnit: &v.list, RetailUnit: &v.retail, SaleUnit: &v.sale, VATIncluded: &falseV}
	v.boxPricing = catalog.Pricing{PriceRef: &pzCode, ListDiscountPct: &box.listPct, SaleDiscountPct: &box.salePct, VATIncluded: &falseV}
	v.boxStart = seed.PackagingOptions[1].Promotions[0].StartDate.AddDate(0, 0, days%90)
	v.boxEnd = seed.PackagingOptions[1].Promotions[0].EndDate.AddDate(0, 0, days%90)
	v.boxPromo[0] = box.promo
	v.boxPromo[0].StartDate, v.boxPromo[0].EndDate = &v.boxStart, &v.boxEnd
	v.pzEAN, v.boxEAN = v.ean[0], v.ean[1]
	v.packaging = [2]catalog.PackagingOption{
		{PkgID: &pzID, Code: &pzCode, Label: pzLabel, Qty: &oneQty, UOM: &pzCode, IsDefault: &trueV, IsSmallest: &trueV,
			IsSellable: &trueV, EAN: &v.pzEAN, Position: &positions[0], Pricing: &v.pzPricing},
		{PkgID: &boxID, Code: &boxCode, Label: box.label, Qty: &box.qty, UOM: &pzCode, IsDefault: &falseV, IsSmallest: &falseV,
			IsSellable: &trueV, EAN: &v.boxEAN, Position: &positions[1], Pricing: &v.boxPricing, Promotions: v.boxPromo[:]},
	}
	p.PackagingOptions = v.packaging[:]
	p.PackagingInfo = box.info

	v.promoStart = seed.Promotions[0].StartDate.AddDate(0, 0, days%90)
	v.promoEnd = seed.Promotions[0].EndDate.AddDate(0, 0, days%90)
	v.promo[0] = promos[pi]
	v.promo[0].StartDate, v.promo[0].EndDate = &v.promoStart, &v.promoEnd
	p.Promotions = v.promo[:]
	p.PromoCode = box.codes[pi]

	v.variants = [2]string{ec + "-RED", ec + "-BLU"}
	p.VariantsSKU = v.variants[:]
	p.VariantsEntityCode = v.variants[:]
	// SiblingVariants stays the seed's []: sent as [], and append copies.

	p.MetaTitle = catalog.Localized(map[string]string{
		"en": c.englishName(v.model) + " - " + br.label + " | Your Store",
		"it": nouns[1] + tail + " " + br.label + " | Il Tuo Store",
	})
	p.MetaDescription = catalog.Localized(map[string]string{
		"en": "Buy the " + br.label + " " + s.name + " " + nouns[0] + " - " + rating + ", " + seal + " seals, " + warranty[pn] + "-year warranty.",
		"it": nouns[1] + " " + br.label + " " + s.name + " - " + rating + ", guarnizioni " + seal + ", garanzia " + warranty[pn] + " anni.",
	})
	return p
}

// localized builds a Text in the four languages of langs.
func localized(en, it, de, fr string) *catalog.Text {
	return catalog.Localized(map[string]string{langs[0]: en, langs[1]: it, langs[2]: de, langs[3]: fr})
}

// ean13 returns the EAN-13 made of the 3-digit prefix, i in 9 digits and
// the check digit, so that the barcodes are valid.
func ean13(prefix string, i int) string {
	d := prefix + fmt.Sprintf("%09d", mod(i, 1_000_000_000))
	return d + strconv.Itoa((10-gs1Sum(d)%10)%10)
}

// gs1Sum is the GS1 sum of the digits of an EAN-13, its first 12 or all
// 13: weights 1 and 3 alternately from the left. A valid EAN-13's is a
// multiple of 10.
func gs1Sum(digits string) int {
	sum := 0
	for k := range len(digits) {
		w := 1
		if k%2 == 1 {
			w = 3
		}
		sum += int(digits[k]-'0') * w
	}
	return sum
}

// Seq returns a stream of gen(0), gen(1), ..., gen(n-1), made one at a time
// as the consumer asks, so that a million-product stream never sits in
// memory. The error is always nil: the stream has the shape
// [catalog.ProductsService.ImportAll] takes.
func Seq(n int, gen func(int) catalog.Product) iter.Seq2[catalog.Product, error] {
	return func(yield func(catalog.Product, error) bool) {
		for i := range n {
			if !yield(gen(i), nil) {
				return
			}
		}
	}
}

// brand is a brand snapshot with the bits of text Full weaves in.
type brand struct {
	brand  catalog.Brand
	label  string
	prefix string // of supplier part numbers
}

// makeBrands derives three brands from the seed's, hierarchy included.
func makeBrands() []brand {
	mk := func(id, label, slug, desc, family, prefix string, count, order int) brand {
		b := *seed.Brand
		logo := "https://cdn.example.com/brands/" + slug + ".svg"
		b.BrandID, b.Label, b.Slug, b.Description = &id, &label, &slug, &desc
		b.LogoURL, b.WebsiteURL, b.BrandFamily = &logo, catalog.Ptr("https://"+slug+".example.com"), &family
		b.ProductCount, b.DisplayOrder = &count, &order
		b.Path = []string{slug}
		b.Hierarchy = []catalog.Brand{{BrandID: &id, Label: &label, Slug: &slug, LogoURL: &logo, Level: catalog.Ptr(0)}}
		return brand{brand: b, label: label, prefix: prefix}
	}
	return []brand{
		{brand: *seed.Brand, label: *seed.Brand.Label, prefix: "ACM"},
		mk("brand_hydra", "Hydra", "hydra", "Valves and fittings for industry.", "hydra-group", "HYD", 962, 20),
		mk("brand_ferro", "Ferro", "ferro", "Italian valve makers since 1958.", "ferro-group", "FER", 2417, 30),
	}
}

// makeCategories derives one category per product line from the seed's,
// under the same plumbing > valves hierarchy.
func makeCategories() []catalog.Category {
	out := make([]catalog.Category, len(lines))
	for k, l := range lines {
		c := *seed.Category
		id := "cat_plumbing_" + strings.ReplaceAll(l.slug[0], "-", "_") + "s"
		c.CategoryID = &id
		// The seed's category speaks en, it and de.
		c.Name = catalog.Localized(map[string]string{"en": l.plural[0], "it": l.plural[1], "de": l.plural[2]})
		c.Slug = catalog.Localized(map[string]string{"en": l.slug[0] + "s", "it": l.slug[1], "de": l.slug[2]})
		c.Path = []string{"plumbing", "valves", l.slug[0] + "s"}
		c.DisplayOrder = catalog.Ptr(k + 1)
		out[k] = c
	}
	return out
}

// makeTypes derives one product type per product line from the seed's,
// with the seed's technical specification schema.
func makeTypes() []catalog.ProductType {
	out := make([]catalog.ProductType, len(lines))
	for k, l := range lines {
		t := *seed.ProductType
		id := "pt_valve_" + strings.ReplaceAll(l.slug[0], "-", "_")
		t.ProductTypeID, t.Code = &id, &l.typeCode
		t.Name = catalog.Localized(map[string]string{"en": strings.ToUpper(l.name[0][:1]) + l.name[0][1:], "it": l.name[1]})
		t.Slug = catalog.Localized(map[string]string{"en": l.slug[0], "it": l.slug[1]})
		out[k] = t
	}
	return out
}

// makeAttributes builds the attributes of every material and size.
func makeAttributes() [len(materials)][len(sizes)]map[string][]catalog.Attribute {
	var out [len(materials)][len(sizes)]map[string][]catalog.Attribute
	for mi, m := range materials {
		for si, s := range sizes {
			attr := func(key, label string, value any) catalog.Attribute {
				return catalog.Attribute{Key: &key, Label: &label, Value: value}
			}
			out[mi][si] = map[string][]catalog.Attribute{
				"en": {attr("color", "Color", m.color[0]), attr("thread", "Thread", s.thread)},
				"it": {attr("color", "Colore", m.color[1]), attr("thread", "Filetto", s.thread)},
			}
		}
	}
	return out
}

// makeSpecs builds the spec sheets of every material and pressure rating,
// following the seed's sheet.
func makeSpecs() [len(materials)][len(ratings)]map[string][]catalog.TechnicalSpec {
	var out [len(materials)][len(ratings)]map[string][]catalog.TechnicalSpec
	spec := func(key, label string, value any, uom, category string, order int) catalog.TechnicalSpec {
		ts := catalog.TechnicalSpec{Key: &key, Label: &label, Value: value, Category: &category, Order: &order}
		if uom != "" {
			ts.UOM = &uom
		}
		return ts
	}
	for mi, m := range materials {
		for ri, r := range ratings {
			temp := "-20 to 120"
			if m.factor < 1 {
				temp = "0 to 60"
			}
			out[mi][ri] = map[string][]catalog.TechnicalSpec{
				"en": {
					spec("body_material", "Body material", m.spec[0], "", "Materials", 0),
					spec("max_pressure", "Max pressure", r, "bar", "Performance", 1),
					spec("temp_range", "Temperature range", temp, "°C", "Performance", 2),
				},
				"it": {
					spec("body_material", "Materiale corpo", m.spec[1], "", "Materiali", 0),
					spec("max_pressure", "Pressione max", r, "bar", "Prestazioni", 1),
				},
			}
		}
	}
	return out
}

// makeTags returns the seed's two tags and three more in the same shape;
// Full takes a run of one to three of them.
func makeTags() []catalog.Tag {
	mk := func(id, en, it, slug, color, category, group string, order int) catalog.Tag {
		t := catalog.Tag{TagID: &id, Name: catalog.Localized(map[string]string{"en": en, "it": it}), Slug: &slug,
			Color: &color, IsActive: &trueV, TagCategory: &category, DisplayOrder: &order}
		if group != "" {
			t.TagGroup = &group
		}
		return t
	}
	return append(seed.Tags[:len(seed.Tags):len(seed.Tags)],
		mk("tag_new", "New", "Novità", "new", "#1e88e5", "marketing", "highlights", 1),
		mk("tag_pro", "Pro grade", "Linea professionale", "pro-grade", "#6d4c41", "marketing", "range", 2),
		mk("tag_wras", "WRAS approved", "Certificato WRAS", "wras-approved", "#00897b", "compliance", "", 3),
	)
}

// packBox is a box packaging: its label, packaging info, box promotion and
// the promo_code lists it makes with each product promotion.
type packBox struct {
	qty, listPct, salePct float64
	label                 *catalog.Text
	info                  []catalog.PackagingInfo
	promo                 catalog.Promotion
	codes                 [len(promoCodes)][]string
}

var promoCodes = [...]string{"SPRING-2026", "SUMMER-2026", "PRO-DAYS", "CLEARANCE"}

// makeBoxes derives boxes of 6, 10, 12 and 20 from the seed's box of 10.
func makeBoxes() []packBox {
	var out []packBox
	for _, qty := range []int{6, 10, 12, 20} {
		n := strconv.Itoa(qty)
		b := packBox{qty: float64(qty), listPct: float64(qty / 2), salePct: float64(qty)}
		b.label = catalog.Localized(map[string]string{"en": "Box of " + n, "it": "Scatola da " + n})
		pz := seed.PackagingInfo[0]
		bx := seed.PackagingInfo[1]
		bx.Description, bx.Qty = catalog.Ptr("Box of "+n), &b.qty
		b.info = []catalog.PackagingInfo{pz, bx}
		b.promo = seed.PackagingOptions[1].Promotions[0]
		pct := "-" + strconv.Itoa(qty) + "%"
		b.promo.PromoCode = catalog.Ptr("BOX-" + n)
		b.promo.Label = catalog.Localized(map[string]string{"en": "Box discount " + pct, "it": "Sconto scatola " + pct})
		b.promo.DiscountPercentage = &b.salePct
		for k, c := range promoCodes {
			b.codes[k] = []string{c, "BOX-" + n}
		}
		out = append(out, b)
	}
	return out
}

// makePromos derives four product-level promotions from the seed's; Full
// sets their dates.
func makePromos() [len(promoCodes)]catalog.Promotion {
	labels := [len(promoCodes)][2]string{
		{"Spring promo", "Promo primavera"}, {"Summer promo", "Promo estate"},
		{"Pro days", "Giornate pro"}, {"Clearance", "Svendita"},
	}
	var out [len(promoCodes)]catalog.Promotion
	for k, c := range promoCodes {
		p := seed.Promotions[0]
		pct := float64(8 + 4*k)
		s := " -" + strconv.Itoa(int(pct)) + "%"
		p.PromoCode, p.DiscountPercentage = &c, &pct
		p.Label = catalog.Localized(map[string]string{"en": labels[k][0] + s, "it": labels[k][1] + s})
		out[k] = p
	}
	return out
}
