package importfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/internal/docpath"
)

// Mapping maps the columns of a file to product fields.
type Mapping struct {
	// Fields maps column names to product fields, as dotted paths of the
	// product's JSON names, in the language of an import source's
	// field_mappings: {"Titre": "name", "Prix": "pricing.list"}. A path
	// into a multilingual field ends with a language code: "Nom_it":
	// "name.it" and "Nom_fr": "name.fr" build {"it": ..., "fr": ...}. Every
	// field of catalog.Product is reachable; a path that names none is
	// refused by NewMapper.
	Fields map[string]string
	// ListSeparator splits the cells of list fields (ean, channels,
	// variants_sku, marketing_features.it, ...); "|" when empty.
	ListSeparator string
	// UnmappedToMeta keeps the non-empty cells of unmapped columns as
	// product meta entries {key: column, value: text}. By default unmapped
	// columns are dropped: nothing reaches the product that the mapping
	// does not name.
	UnmappedToMeta bool
}

// Mapper turns rows into products along a Mapping. It is safe for
// concurrent use.
type Mapper struct {
	sep     string
	toMeta  bool
	targets map[string]*target // by column
	order   []string           // columns, sorted: rows map in a fixed order
}

// target is where a column goes and how its text converts.
type target struct {
	column string
	field  string   // the dotted path
	path   []string // its segments
	kind   kind
	typ    reflect.Type // the Go type of the field (element type for lists)
}

type kind int

const (
	kString kind = iota // JSON string
	kNumber             // JSON number (float)
	kInt                // JSON number, integral
	kBool               // JSON boolean
	kTime               // RFC 3339 string
	kList               // JSON array of converted items (typ: element)
	kJSON               // JSON text of the field, or a JSON string for a type that takes one
)

var (
	textType = reflect.TypeFor[catalog.Text]()
	timeType = reflect.TypeFor[time.Time]()
)

// NewMapper checks a mapping against catalog.Product: every path must name
// a field (or a language of a multilingual field, or a key of a map
// field), no two columns may fill the same path, and no path may lie
// inside another ("name" and "name.it").
func NewMapper(m Mapping) (*Mapper, error) {
	mp := &Mapper{sep: m.ListSeparator, toMeta: m.UnmappedToMeta, targets: make(map[string]*target, len(m.Fields))}
	if mp.sep == "" {
		mp.sep = "|"
	}
	byPath := make(map[string]string)
	for _, col := range slices.Sorted(maps.Keys(m.Fields)) {
		field := strings.TrimSpace(m.Fields[col])
		t, err := resolve(field)
		if err != nil {
			return nil, fmt.Errorf("importfile: mapping of column %q: %w", col, err)
		}
		t.column = col
		if other, dup := byPath[field]; dup {
			return nil, fmt.Errorf("importfile: mapping: columns %q and %q both fill %q", other, col, field)
		}
		byPath[field] = col
		mp.targets[col] = t
		mp.order = append(mp.order, col)
	}
	for _, q := range slices.Sorted(maps.Keys(byPath)) { // sorted: the same conflict is named on every run
		for i := strings.IndexByte(q, '.'); i >= 0; i = nextDot(q, i) {
			if col, ok := byPath[q[:i]]; ok {
				return nil, fmt.Errorf("importfile: mapping: column %q fills %q, inside %q filled by column %q", byPath[q], q, q[:i], col)
			}
		}
	}
	if m.UnmappedToMeta {
		if _, ok := byPath["meta"]; ok {
			return nil, fmt.Errorf("importfile: mapping: UnmappedToMeta and a column mapped to \"meta\" cannot be combined")
		}
	}
	return mp, nil
}

// nextDot is the index of the first dot of s after index i, or -1.
func nextDot(s string, i int) int {
	if j := strings.IndexByte(s[i+1:], '.'); j >= 0 {
		return i + 1 + j
	}
	return -1
}

// resolve walks a dotted path through catalog.Product's JSON names.
func resolve(field string) (*target, error) {
	if field == "" {
		return nil, fmt.Errorf("empty field path")
	}
	path := strings.Split(field, ".")
	t := reflect.TypeFor[catalog.Product]()
	for i, seg := range path {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		last := i == len(path)-1
		switch {
		case seg == "":
			return nil, fmt.Errorf("%q: empty segment", field)
		case t == textType:
			if !last {
				return nil, fmt.Errorf("%q: a language code (%q) ends the path of a multilingual field", field, seg)
			}
			return &target{field: field, path: path, kind: kString, typ: reflect.TypeFor[string]()}, nil
		case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
			t = t.Elem()
		case t.Kind() == reflect.Struct && t != timeType:
			f, ok := jsonField(t, seg)
			if !ok {
				if seg == field {
					return nil, fmt.Errorf("%q is not a field of %s", seg, t.Name())
				}
				return nil, fmt.Errorf("%q: %q is not a field of %s", field, seg, t.Name())
			}
			t = f
		default:
			return nil, fmt.Errorf("%q: %q lies inside a field that has none", field, seg)
		}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tg := &target{field: field, path: path, typ: t, kind: kindOf(t)}
	if t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Struct && t.Elem().Kind() != reflect.Interface {
		if k := kindOf(t.Elem()); k != kJSON {
			tg.kind, tg.typ = kList, t.Elem()
		}
	}
	return tg, nil
}

func kindOf(t reflect.Type) kind {
	switch {
	case t == timeType:
		return kTime
	}
	switch t.Kind() {
	case reflect.String:
		return kString
	case reflect.Float32, reflect.Float64:
		return kNumber
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return kInt
	case reflect.Bool:
		return kBool
	}
	return kJSON
}

// jsonField finds a struct field by its JSON name.
func jsonField(t reflect.Type, name string) (reflect.Type, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || tag == "-" {
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		if tag == name {
			return f.Type, true
		}
	}
	return nil, false
}

// Product maps one row to a product. An empty cell sets nothing, so the
// field is not sent. A cell that does not convert to its field's type
// fails the row with a *CellError naming the file, line, column and field.
func (mp *Mapper) Product(file string, row Row) (catalog.Product, error) {
	doc := make(map[string]any, len(mp.targets))
	var meta []catalog.MetaEntry
	for _, col := range mp.order {
		t := mp.targets[col]
		i := row.index(col)
		if i < 0 {
			continue
		}
		c := row.Cells[i]
		v, err := t.convert(c, mp.sep)
		if err != nil {
			return catalog.Product{}, &CellError{File: file, Line: row.Line, Column: col, Index: c.Index,
				Field: t.field, Value: cut(c.Value), Reason: err.Error(), Err: err}
		}
		if v != nil {
			docpath.Set(doc, t.path, v)
		}
	}
	if mp.toMeta {
		for _, c := range row.Cells {
			if _, mapped := mp.targets[c.Column]; mapped || strings.TrimSpace(c.Value) == "" {
				continue
			}
			key, value := c.Column, any(c.Value)
			if c.Raw != nil {
				value = c.Raw
			}
			meta = append(meta, catalog.MetaEntry{Key: &key, Value: value})
		}
		if meta != nil {
			doc["meta"] = meta
		}
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return catalog.Product{}, &CellError{File: file, Line: row.Line, Reason: "cannot encode the row: " + err.Error(), Err: err}
	}
	var p catalog.Product
	if err := json.Unmarshal(raw, (*productFields)(&p)); err != nil {
		return catalog.Product{}, &CellError{File: file, Line: row.Line, Reason: "cannot build the product: " + err.Error(), Err: err}
	}
	return p, nil
}

// productFields is catalog.Product without its UnmarshalJSON, which
// decodes a row a second time to find the keys that go to Extra: a
// Mapper's targets are Product's own fields, so a mapped row has none.
type productFields catalog.Product

// convert turns a cell into the JSON value of its field; nil for an empty
// cell. JSON rows keep their typed values (numbers, booleans, arrays,
// objects) when they fit the field.
func (t *target) convert(c Cell, sep string) (any, error) {
	text := strings.TrimSpace(c.Value)
	if text == "" {
		return nil, nil
	}
	if c.Raw != nil {
		switch t.kind {
		case kNumber, kInt:
			if c.Raw[0] == '-' || (c.Raw[0] >= '0' && c.Raw[0] <= '9') {
				return t.scalar(text)
			}
		case kBool:
			if text == "true" || text == "false" {
				return text == "true", nil
			}
		case kList, kJSON:
			if c.Raw[0] == '[' || c.Raw[0] == '{' {
				return t.checkJSON(c.Raw)
			}
		}
	}
	switch t.kind {
	case kList:
		items := SplitList(c.Value, sep)
		out := make([]any, 0, len(items))
		item := &target{kind: kindOf(t.typ)}
		for _, it := range items {
			v, err := item.scalar(it)
			if err != nil {
				return nil, fmt.Errorf("item %q: %w", cut(it), err)
			}
			out = append(out, v)
		}
		return out, nil
	case kJSON:
		var jsonErr error
		if text[0] == '{' || text[0] == '[' {
			v, err := t.checkJSON(json.RawMessage(text))
			if err == nil {
				return v, nil
			}
			jsonErr = err
		}
		s, _ := json.Marshal(c.Value) // types that take a string: name, brand, ...
		v, err := t.checkJSON(s)
		if err != nil && jsonErr != nil {
			return nil, jsonErr
		}
		return v, err
	}
	return t.scalar(text)
}

// scalar converts the text of one value.
func (t *target) scalar(text string) (any, error) {
	switch t.kind {
	case kNumber, kInt:
		v, err := ParseNumber(text)
		if err != nil {
			return nil, err
		}
		if t.kind == kInt {
			if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
				return nil, fmt.Errorf("not a whole number")
			}
			return int64(v), nil
		}
		return v, nil
	case kBool:
		return ParseBool(text)
	case kTime:
		v, err := ParseDate(text)
		if err != nil {
			return nil, err
		}
		return v.Format(time.RFC3339Nano), nil
	}
	return text, nil
}

// checkJSON decodes JSON text into the field's type, so that a cell that
// does not fit fails its own column.
func (t *target) checkJSON(raw json.RawMessage) (any, error) {
	typ := t.typ
	if t.kind == kList {
		typ = reflect.SliceOf(t.typ)
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	if err := d.Decode(reflect.New(typ).Interface()); err != nil {
		return nil, fmt.Errorf("not a JSON value of the field's type: %v", err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("not a single JSON value")
	}
	return raw, nil
}

// Products streams the products of a file: its rows (see Rows) mapped
// along m. The stream goes on after a *CellError, which fails one row (a
// cell that does not convert, a row the reader could not read); any other
// error is the last. A mapping that NewMapper refuses is the only error.
//
// The file is never held whole (but for XLSX, see Rows): a stream of any
// size can feed ProductsService.ImportAll.
func Products(r io.Reader, name string, m Mapping, opts *Options) iter.Seq2[catalog.Product, error] {
	return func(yield func(catalog.Product, error) bool) {
		mp, err := NewMapper(m)
		if err != nil {
			yield(catalog.Product{}, err)
			return
		}
		for row, err := range Rows(r, name, opts) {
			if err != nil {
				if !yield(catalog.Product{}, err) {
					return
				}
				continue
			}
			if !yield(mp.Product(name, row)) {
				return
			}
		}
	}
}
