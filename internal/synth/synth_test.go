package synth

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pimkit/catalog"
)

func encode(t testing.TB, p catalog.Product) []byte {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixtureProduct is products[0] of the seed 004 fixture, decoded as JSON.
func fixtureProduct(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile("../../testdata/full_payload.json")
	if err != nil {
		t.Fatal(err)
	}
	var payload struct{ Products []map[string]any }
	if err := json.Unmarshal(data, &payload); err != nil {
		t.Fatal(err)
	}
	return payload.Products[0]
}

func decodeObject(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// The embedded copy must not drift from the fixture it was copied from.
func TestSeedIsTheFixtureProduct(t *testing.T) {
	var embedded map[string]any
	if err := json.Unmarshal(seedJSON, &embedded); err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(fixtureProduct(t))
	got, _ := json.Marshal(embedded) // re-encoded: sorted keys, same spacing
	if !bytes.Equal(got, want) {
		t.Errorf("seed_product.json differs from testdata/full_payload.json products[0]")
	}
}

func TestFullIsDeterministic(t *testing.T) {
	first := make(map[int][]byte)
	for _, i := range []int{0, 1, 7, 42, 999, 123_456, 9_999_999} {
		first[i] = encode(t, Full(i))
	}
	// Again, in another order, with other products built in between.
	for _, i := range []int{9_999_999, 42, 3, 0, 123_456, 1, 999, 7} {
		got := encode(t, Full(i))
		if want, ok := first[i]; ok && !bytes.Equal(got, want) {
			t.Errorf("Full(%d) changed between calls:\n%s\n%s", i, want, got)
		}
	}
	if bytes.Equal(first[1], first[7]) {
		t.Error("Full(1) and Full(7) are identical")
	}
}

func TestFullSize(t *testing.T) {
	const n = 200
	total, smallest, largest := 0, int(^uint(0)>>1), 0
	for i := range n {
		size := len(encode(t, Full(i)))
		total += size
		smallest, largest = min(smallest, size), max(largest, size)
	}
	avg := total / n
	t.Logf("JSON size over %d products: average %d bytes, min %d, max %d", n, avg, smallest, largest)
	if avg < 8500 || avg > 9500 {
		t.Errorf("average JSON size = %d bytes, want 8500 to 9500", avg)
	}
}

// Every top-level field of the seed's product is in every Full product,
// and no other; the seed's nulls cannot be sent (nil means "not sent").
func TestFullHasEveryTopLevelFieldOfTheSeed(t *testing.T) {
	fixture := fixtureProduct(t)
	var want, nulls []string
	for k, v := range fixture {
		if v == nil {
			nulls = append(nulls, k)
		} else {
			want = append(want, k)
		}
	}
	slices.Sort(want)
	slices.Sort(nulls)
	if wantNulls := []string{"parent_entity_code", "parent_product", "parent_sku"}; !slices.Equal(nulls, wantNulls) {
		t.Fatalf("the fixture's null fields = %v, want %v", nulls, wantNulls)
	}
	for i := range 200 {
		got := slices.Sorted(maps.Keys(decodeObject(t, encode(t, Full(i)))))
		if !slices.Equal(got, want) {
			t.Fatalf("Full(%d) top-level fields:\n got %v\nwant %v", i, got, want)
		}
	}
}

// paths adds the dotted path of every non-null value under v, with "[]"
// for array elements: "packaging_options[].promotions[].end_date".
func paths(prefix string, v any, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if e != nil {
				paths(prefix+"."+k, e, out)
			}
		}
	case []any:
		for _, e := range x {
			paths(prefix+"[]", e, out)
		}
	}
	if v != nil {
		out[prefix] = true
	}
}

// Every nested field of the seed's product appears in Full products too,
// so each field group is filled the way the seed fills it.
func TestFullCoversEveryNestedFieldOfTheSeed(t *testing.T) {
	want := make(map[string]bool)
	paths("", fixtureProduct(t), want)
	got := make(map[string]bool)
	for i := range 200 {
		paths("", decodeObject(t, encode(t, Full(i))), got)
	}
	for _, p := range slices.Sorted(maps.Keys(want)) {
		if !got[p] {
			t.Errorf("no Full product has %s", p)
		}
	}
}

var ean13Pattern = regexp.MustCompile(`^\d{13}$`)

func validEAN13(s string) bool {
	return ean13Pattern.MatchString(s) && gs1Sum(s)%10 == 0
}

// The check of the EANs agrees with a barcode printed on a real product,
// and with one whose check digit is wrong.
func TestValidEAN13(t *testing.T) {
	if !validEAN13("4006381333931") || validEAN13("4006381333932") {
		t.Fatal("validEAN13 disagrees with GS1's check digit")
	}
}

func TestFullVariesWithI(t *testing.T) {
	images, media, tags, prices := map[int]bool{}, map[int]bool{}, map[int]bool{}, map[float64]bool{}
	for i := range 200 {
		p := Full(i)
		code := "SKU-" + strings.Repeat("0", 7-len(strconv.Itoa(i))) + strconv.Itoa(i)
		if p.EntityCode != code || p.SKU != code {
			t.Fatalf("Full(%d) entity_code, sku = %q, %q, want %q", i, p.EntityCode, p.SKU, code)
		}
		for _, lang := range []string{"en", "it", "de", "fr"} {
			for field, text := range map[string]*catalog.Text{"name": p.Name, "slug": p.Slug, "long_description": p.LongDescription} {
				if s := lang1(text, lang); !strings.Contains(s, strconv.Itoa(i)) {
					t.Fatalf("Full(%d) %s[%s] = %q, want it to include %d", i, field, lang, s, i)
				}
			}
			for field, text := range map[string]*catalog.Text{"description": p.Description, "short_description": p.ShortDescription} {
				if s := lang1(text, lang); s == "" {
					t.Fatalf("Full(%d) has no %s in %s", i, field, lang)
				}
			}
		}
		for _, e := range append(slices.Clone(p.EAN), *p.PackagingOptions[0].EAN, *p.PackagingOptions[1].EAN) {
			if !validEAN13(e) {
				t.Fatalf("Full(%d) EAN %q is not a valid EAN-13", i, e)
			}
		}
		if *p.Pricing.List <= 0 || *p.Pricing.Sale < *p.Pricing.List || *p.Pricing.Retail < *p.Pricing.Sale {
			t.Fatalf("Full(%d) prices list %v, sale %v, retail %v", i, *p.Pricing.List, *p.Pricing.Sale, *p.Pricing.Retail)
		}
		if !p.Promotions[0].StartDate.Before(*p.Promotions[0].EndDate) {
			t.Fatalf("Full(%d) promotion ends before it starts", i)
		}
		images[len(p.Images)], media[len(p.Media)], tags[len(p.Tags)], prices[*p.Pricing.List] = true, true, true, true
	}
	for name, seen := range map[string]map[int]bool{"images": images, "media": media, "tags": tags} {
		if got := slices.Sorted(maps.Keys(seen)); !slices.Equal(got, []int{1, 2, 3}) {
			t.Errorf("numbers of %s seen = %v, want 1 to 3", name, got)
		}
	}
	if len(prices) < 100 {
		t.Errorf("only %d distinct list prices over 200 products", len(prices))
	}
	if Full(0).ItemCreationDate.Equal(*Full(1).ItemCreationDate) {
		t.Error("item_creation_date does not move with i")
	}
}

// Products share their fixed parts; building and encoding them from many
// goroutines at once must not race (run with -race).
func TestFullConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				if _, err := json.Marshal(Full(g*50 + i)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestMinimal(t *testing.T) {
	got := string(encode(t, Minimal(42)))
	want := `{"entity_code":"SKU-0000042","name":"PVC globe valve DN32 GL32-NBR-42","price":33.6}`
	if got != want {
		t.Errorf("Minimal(42) =\n %s\nwant\n %s", got, want)
	}
	for i := range 50 {
		m, f := Minimal(i), Full(i)
		name, _ := m.Name.Plain()
		en := lang1(f.Name, "en")
		if name != en || *m.Price != *f.Pricing.List || m.EntityCode != f.EntityCode {
			t.Errorf("Minimal(%d) = %q %v, want Full's English name %q and list price %v", i, name, *m.Price, en, *f.Pricing.List)
		}
	}
}

func TestSeq(t *testing.T) {
	var codes []string
	for p, err := range Seq(5, Minimal) {
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, p.EntityCode)
	}
	want := []string{"SKU-0000000", "SKU-0000001", "SKU-0000002", "SKU-0000003", "SKU-0000004"}
	if !slices.Equal(codes, want) {
		t.Errorf("Seq(5, Minimal) yielded %v, want %v", codes, want)
	}
}

func TestSeqStopsWhenTheConsumerBreaks(t *testing.T) {
	built := 0
	gen := func(i int) catalog.Product { built++; return Minimal(i) }
	seen := 0
	for range Seq(1_000_000, gen) {
		seen++
		if seen == 3 {
			break
		}
	}
	if built != 3 {
		t.Errorf("built %d products for a consumer that took 3", built)
	}
}

func BenchmarkFull(b *testing.B) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = Full(i)
		i++
	}
}

// lang1 is t's value in one language: "" when t is plain, nil or lacks it.
func lang1(t *catalog.Text, code string) string {
	m, _ := t.Localized()
	return m[code]
}
