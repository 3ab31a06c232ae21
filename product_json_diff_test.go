package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// The row encoder's fast path (jsonAppender) against its reference,
// encoding/json (rowEncoder.encodeProductReflect): the same bytes for every
// product, or the same error.

// referenceRow is the row as encoding/json encodes it, or its error.
func referenceRow(p *Product) ([]byte, error) {
	e := newRowEncoder()
	if k, bad := collidingExtraKey(p.Extra); bad {
		return nil, &extraError{key: k, err: errors.New(collision(k))}
	}
	if err := e.encodeProductReflect(p); err != nil {
		return nil, err
	}
	return bytes.Clone(e.buf.Bytes()), nil
}

// fastRow is the row as the row encoder writes it for MarshalJSON.
func fastRow(p *Product) ([]byte, error) {
	e := newRowEncoder()
	if err := e.encodeUnchecked(p); err != nil {
		return nil, err
	}
	return bytes.Clone(e.w.b), nil
}

func checkSameRow(t *testing.T, p *Product) {
	t.Helper()
	want, wantErr := referenceRow(p)
	got, gotErr := fastRow(p)
	switch {
	case wantErr != nil || gotErr != nil:
		if wantErr == nil || gotErr == nil {
			t.Fatalf("reference error %v, fast path error %v\nproduct %#v", wantErr, gotErr, p)
		}
		if wantErr.Error() != gotErr.Error() {
			t.Fatalf("errors differ:\nreference %v\nfast path %v", wantErr, gotErr)
		}
	case !bytes.Equal(got, want):
		i := 0
		for i < min(len(got), len(want)) && got[i] == want[i] {
			i++
		}
		t.Fatalf("fast path differs from encoding/json at byte %d:\nreference ...%s\nfast path ...%s",
			i, want[max(0, i-80):min(len(want), i+80)], got[max(0, i-80):min(len(got), i+80)])
	}
}

// tricky are strings whose escaping differs between encoders that get it
// wrong: quotes, backslashes, every control character, HTML characters
// (not escaped: HTML escaping is off), invalid UTF-8, U+2028 and U+2029,
// DEL, the replacement character itself, and non-ASCII letters.
var tricky = func() []string {
	s := []string{"", "plain", `"quoted"`, `back\slash`, "<b>&amp;</b>", "tab\there", "\x7f",
		"\u2028line\u2029para", "\xff\xfe", "a\xc3", "\xed\xa0\x80", "\ufffd", "Kugelhähne", "robinet-à-soupape", "日本語", "😀",
		"\u00e9\u0301", "end\\", "\x00nul"}
	for c := range 0x20 {
		s = append(s, "x"+string(rune(c))+"y")
	}
	return s
}()

var trickyFloats = []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 123.456, 1e-6, 9.99999e-7, 1e-7, 5e-324, 1e20, 1e21, 999999999999999999999,
	1.7976931348623157e308, -2.5e-10, 12345678.9, 100, 22, 1e300}

// filler sets every field it reaches to a random value; with nilOdds > 0
// it leaves some unset.
type filler struct {
	r       *rand.Rand
	nilOdds float64
	strs    []string
	bad     bool // also NaN, infinities, times encoding/json refuses, plain brands with fields
}

func (f *filler) str() string { return f.strs[f.r.IntN(len(f.strs))] }

func (f *filler) float() float64 {
	if f.bad && f.r.IntN(50) == 0 {
		return []float64{math.NaN(), math.Inf(1), math.Inf(-1)}[f.r.IntN(3)]
	}
	if f.r.IntN(2) == 0 {
		return trickyFloats[f.r.IntN(len(trickyFloats))]
	}
	return f.r.NormFloat64() * math.Pow(10, float64(f.r.IntN(40)-20))
}

func (f *filler) time() time.Time {
	zones := []*time.Location{time.UTC, time.FixedZone("", 3600), time.FixedZone("", -5*3600-30*60), time.FixedZone("", 23*3600+59*60),
		time.FixedZone("", 45), time.FixedZone("X", 0)}
	if f.bad {
		zones = append(zones, time.FixedZone("", 24*3600), time.FixedZone("", -25*3600))
	}
	year := 1 + f.r.IntN(9998)
	if f.bad && f.r.IntN(20) == 0 {
		year = []int{-1, 10000, 0, 9999}[f.r.IntN(4)]
	}
	return time.Date(year, time.Month(1+f.r.IntN(12)), 1+f.r.IntN(28), f.r.IntN(24), f.r.IntN(60), f.r.IntN(60),
		[]int{0, 1, 500_000_000, f.r.IntN(1e9)}[f.r.IntN(4)], zones[f.r.IntN(len(zones))])
}

func (f *filler) anyValue(depth int) any {
	switch f.r.IntN(11) {
	case 0:
		return nil
	case 1:
		return f.float()
	case 2:
		return f.r.IntN(2) == 0
	case 3:
		return f.r.IntN(1<<20) - 1<<19
	case 4:
		return int64(f.r.Uint64())
	case 5:
		if depth < 2 {
			a := make([]any, f.r.IntN(3))
			for i := range a {
				a[i] = f.anyValue(depth + 1)
			}
			return a
		}
	case 6:
		if depth < 2 {
			m := map[string]any{}
			for range f.r.IntN(3) {
				m[f.str()] = f.anyValue(depth + 1)
			}
			return m
		}
	case 7: // left to encoding/json
		return []any{json.Number("12.50"), json.RawMessage(` { "a" : [1, 2] } `), StockInStock, uint8(7), float32(0.1), &[]string{"x"}}[f.r.IntN(6)]
	case 8:
		if f.bad {
			return []any{make(chan int), func() {}, complex(1, 2)}[f.r.IntN(3)]
		}
	}
	return f.str()
}

func (f *filler) fill(v reflect.Value, depth int) {
	switch v.Type() {
	case reflect.TypeFor[Text]():
		if f.r.IntN(2) == 0 {
			v.Set(reflect.ValueOf(*PlainText(f.str())))
			return
		}
		m := map[string]string{}
		for range f.r.IntN(5) {
			m[f.str()] = f.str()
		}
		v.Set(reflect.ValueOf(*Localized(m)))
		return
	case reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(f.time()))
		return
	case reflect.TypeFor[Brand]():
		if f.r.IntN(4) == 0 {
			b := Brand{Plain: f.str()}
			if f.bad && f.r.IntN(2) == 0 {
				b.Label = Ptr("and a label")
			}
			v.Set(reflect.ValueOf(b))
			return
		}
		defer func() { v.Addr().Interface().(*Brand).Plain = "" }() // a structured brand
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(f.str())
	case reflect.Float64:
		v.SetFloat(f.float())
	case reflect.Int:
		v.SetInt(int64(f.r.IntN(2_000_001) - 1_000_000))
	case reflect.Bool:
		v.SetBool(f.r.IntN(2) == 0)
	case reflect.Interface:
		a := f.anyValue(0)
		if a == nil && f.nilOdds == 0 {
			a = "not nil"
		}
		if a != nil {
			v.Set(reflect.ValueOf(a))
		}
	case reflect.Pointer:
		if depth > 6 || f.r.Float64() < f.nilOdds {
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		f.fill(v.Elem(), depth+1)
	case reflect.Slice:
		if depth > 6 || f.r.Float64() < f.nilOdds {
			return
		}
		n := f.r.IntN(3)
		if f.nilOdds == 0 {
			n++
		}
		v.Set(reflect.MakeSlice(v.Type(), n, n))
		for i := range n {
			f.fill(v.Index(i), depth+1)
		}
	case reflect.Map:
		if depth > 6 || f.r.Float64() < f.nilOdds {
			return
		}
		v.Set(reflect.MakeMap(v.Type()))
		for range f.r.IntN(3) + 1 {
			e := reflect.New(v.Type().Elem()).Elem()
			if f.r.IntN(8) > 0 || f.nilOdds == 0 {
				f.fill(e, depth+1)
			}
			v.SetMapIndex(reflect.ValueOf(f.str()), e)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				f.fill(v.Field(i), depth+1)
			}
		}
	}
}

func (f *filler) product() *Product {
	var p Product
	f.fill(reflect.ValueOf(&p).Elem(), 0)
	for k := range p.Extra { // a colliding key is refused before either path runs
		if _, typed := productJSONNames[k]; typed {
			delete(p.Extra, k)
		}
	}
	return &p
}

// TestAppendCoversEveryField fills every field of Product and of the types
// in it, so that a field the fast path does not write fails here.
func TestAppendCoversEveryField(t *testing.T) {
	for seed := range uint64(200) {
		f := &filler{r: rand.New(rand.NewPCG(seed, 1)), strs: tricky}
		p := f.product()
		checkSameRow(t, p)
		e := newRowEncoder()
		if appendProduct(&e.w, p); e.w.err != nil {
			t.Fatalf("seed %d: the fast path left a valid row to encoding/json", seed)
		}
	}
}

// TestAppendMatchesEncodingJSON compares the two paths over products with
// fields unset at random, and values encoding/json refuses.
func TestAppendMatchesEncodingJSON(t *testing.T) {
	for seed := range uint64(2000) {
		f := &filler{r: rand.New(rand.NewPCG(seed, 2)), nilOdds: 0.5, strs: tricky, bad: seed%2 == 1}
		checkSameRow(t, f.product())
	}
	checkSameRow(t, &Product{})
	checkSameRow(t, &Product{EntityCode: "A", Extra: map[string]any{"z": 1.0, "a\"<b>": nil}})
	checkSameRow(t, &Product{Extra: map[string]any{"only": "extra"}})
	checkSameRow(t, &Product{EntityCode: "A", ItemCreationDate: &time.Time{}})
}

// TestAppendStringMatchesEncodingJSON checks the string escaping on every
// tricky string and every single byte and rune boundary.
func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	inputs := append([]string{}, tricky...)
	for c := range 256 {
		inputs = append(inputs, string([]byte{byte(c)}), "a"+string([]byte{byte(c)})+"b")
	}
	for _, r := range []rune{0x7f, 0x80, 0x7ff, 0x800, 0xfffd, 0xffff, 0x10000, 0x10ffff, 0x2027, 0x2028, 0x2029, 0x202a} {
		inputs = append(inputs, string(r), "x"+string(r))
	}
	for _, s := range inputs {
		checkString(t, s)
	}
}

func checkString(t *testing.T, s string) {
	t.Helper()
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	if got := appendJSONString(nil, s); string(got) != strings.TrimSuffix(want.String(), "\n") {
		t.Fatalf("appendJSONString(%q) = %s, encoding/json %s", s, got, want.String())
	}
	for _, text := range []*Text{PlainText(s), Localized(map[string]string{s: s, "en": s})} {
		got, _ := text.MarshalJSON()
		var v any = s
		if isLocalized(text) {
			v = text.byLang
		}
		ref, _ := encodeJSON(v)
		if !bytes.Equal(got, ref) {
			t.Fatalf("Text.MarshalJSON of %q = %s, encoding/json %s", s, got, ref)
		}
	}
}

// FuzzRowEncoding compares the two paths over products filled from the
// fuzzer's strings and seed, and the escaping of the strings themselves.
func FuzzRowEncoding(f *testing.F) {
	for i, s := range tricky {
		f.Add(uint64(i), s, "x")
	}
	f.Fuzz(func(t *testing.T, seed uint64, a, b string) {
		if !utf8.ValidString(a) && len(a) > 1000 {
			t.Skip()
		}
		checkString(t, a)
		fl := &filler{r: rand.New(rand.NewPCG(seed, 3)), nilOdds: 0.3, strs: []string{a, b, a + b}, bad: seed%3 == 0}
		checkSameRow(t, fl.product())
	})
}
