package importfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/internal/docpath"
)

// Mapping maps the columns of a file to product fields. It cannot lose a
// cell without saying so: a mapped column the file lacks is an error, and
// what becomes of the columns it does not name is Unmapped's choice.
type Mapping struct {
	// Fields maps column names to product fields, as dotted paths of the
	// product's JSON names, in the language of an import source's
	// field_mappings: {"Titre": "name", "Prix": "pricing.list"}. A path
	// into a multilingual field ends with a language code: "Nom_it":
	// "name.it" and "Nom_fr": "name.fr" build {"it": ..., "fr": ...}.
	// Fields lists the paths; a path that names none, or names an object
	// such as "category" rather than one of its fields, is refused by
	// NewMapper.
	Fields map[string]string
	// Constants sets fields to the same value in every product, written
	// as a cell would be: {"pricing.currency": "EUR"}.
	Constants map[string]string
	// ListSeparator splits the cells of list fields (ean, channels,
	// variants_sku, marketing_features.it, ...); "|" when empty.
	ListSeparator string
	// Unmapped is what becomes of the cells of the columns Fields does not
	// name. The zero value, UnmappedError, refuses a file that has such a
	// column, naming it.
	Unmapped Unmapped
}

// Unmapped is what becomes of the cells of columns a Mapping does not name.
type Unmapped int

// The fates of unmapped columns.
const (
	// UnmappedError refuses a file with a column the mapping does not
	// name, before any row is read (a JSON row, which has its own keys,
	// fails alone). It is the zero value: no cell is lost unless asked.
	UnmappedError Unmapped = iota
	// UnmappedDrop drops their cells; Mapper.Check lists the columns.
	UnmappedDrop
	// UnmappedMeta keeps their non-empty cells as product meta entries
	// {key: column, value: text}.
	UnmappedMeta
	// UnmappedExtra keeps their non-empty cells as top-level keys of the
	// product (catalog.Product.Extra), sent as they are; an import
	// source's field mappings may then map them on the platform.
	UnmappedExtra
)

var unmappedNames = [...]string{"error", "drop", "meta", "extra"}

// String returns "error", "drop", "meta" or "extra".
func (u Unmapped) String() string {
	if u < 0 || int(u) >= len(unmappedNames) {
		return fmt.Sprintf("Unmapped(%d)", int(u))
	}
	return unmappedNames[u]
}

// UnmarshalText reads "error", "drop", "meta" or "extra", as String writes
// them.
func (u *Unmapped) UnmarshalText(text []byte) error {
	if i := slices.Index(unmappedNames[:], string(text)); i >= 0 {
		*u = Unmapped(i)
		return nil
	}
	return fmt.Errorf("importfile: unmapped columns: %q is not one of error, drop, meta, extra", text)
}

// MappingError reports a mapping that does not fit a file: mapped columns
// the file lacks, or columns the mapping does not name when
// Mapping.Unmapped is UnmappedError. Products yields it before the first
// row of a CSV, XLSX or XLS file, and after the last row of a JSON or NDJSON
// file, whose rows have their own keys. It matches catalog.ErrValidation.
type MappingError struct {
	File     string   // the file name
	Missing  []string // mapped columns the file lacks
	Unmapped []string // columns the mapping does not name, refused by UnmappedError
	Columns  []string // the file's columns
}

// Error names the columns at fault and those the file has.
func (e *MappingError) Error() string {
	var b strings.Builder
	b.WriteString("importfile: " + e.File + ": ")
	if len(e.Missing) > 0 {
		b.WriteString(plural(len(e.Missing), "mapped column ", "mapped columns ") + quoteAll(e.Missing) +
			plural(len(e.Missing), " is", " are") + " not in the file")
	}
	if len(e.Unmapped) > 0 {
		if len(e.Missing) > 0 {
			b.WriteString("; ")
		}
		b.WriteString(plural(len(e.Unmapped), "column ", "columns ") + quoteAll(e.Unmapped) +
			plural(len(e.Unmapped), " is", " are") + " not mapped: map " + plural(len(e.Unmapped), "it", "them") +
			", or choose what becomes of unmapped columns (drop, meta or extra)")
	}
	b.WriteString(" (the file's columns: " + quoteAll(e.Columns) + ")")
	return b.String()
}

// Is matches catalog.ErrValidation.
func (e *MappingError) Is(target error) bool { return target == catalog.ErrValidation }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// Mapper turns rows into products along a Mapping. It is safe for
// concurrent use.
type Mapper struct {
	sep       string
	unmapped  Unmapped
	targets   map[string]*target // by column
	order     []string           // columns, sorted: rows map in a fixed order
	constants []constant
}

// constant is a field every product gets.
type constant struct {
	path  []string
	value any
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
// field) that a cell can fill, not an object such as "category"; no two
// columns or constants may fill the same path, and no path may lie inside
// another ("name" and "name.it"); every constant must convert.
func NewMapper(m Mapping) (*Mapper, error) {
	if m.Unmapped < UnmappedError || m.Unmapped > UnmappedExtra {
		return nil, fmt.Errorf("importfile: mapping: %v is not a fate of unmapped columns", m.Unmapped)
	}
	mp := &Mapper{sep: m.ListSeparator, unmapped: m.Unmapped, targets: make(map[string]*target, len(m.Fields))}
	if mp.sep == "" {
		mp.sep = "|"
	}
	byPath := make(map[string]string) // path -> what fills it: `column "Prix"` or "a constant"
	fill := func(field, who string) (*target, error) {
		t, err := resolve(field)
		if err != nil {
			return nil, fmt.Errorf("importfile: mapping of %s: %w", who, err)
		}
		if other, dup := byPath[field]; dup {
			return nil, fmt.Errorf("importfile: mapping: %s and %s both fill %q", other, who, field)
		}
		byPath[field] = who
		return t, nil
	}
	for _, col := range slices.Sorted(maps.Keys(m.Fields)) {
		t, err := fill(strings.TrimSpace(m.Fields[col]), "column "+strconv.Quote(col))
		if err != nil {
			return nil, err
		}
		t.column = col
		mp.targets[col] = t
		mp.order = append(mp.order, col)
	}
	for _, field := range slices.Sorted(maps.Keys(m.Constants)) {
		t, err := fill(strings.TrimSpace(field), "the constant "+strconv.Quote(m.Constants[field]))
		if err != nil {
			return nil, err
		}
		v, err := t.convert(Cell{Value: m.Constants[field]}, mp.sep)
		if err != nil {
			return nil, fmt.Errorf("importfile: mapping: the constant %q of %q: %w", m.Constants[field], t.field, err)
		}
		if v != nil {
			mp.constants = append(mp.constants, constant{path: t.path, value: v})
		}
	}
	for _, q := range slices.Sorted(maps.Keys(byPath)) { // sorted: the same conflict is named on every run
		for i := strings.IndexByte(q, '.'); i >= 0; i = nextDot(q, i) {
			if who, ok := byPath[q[:i]]; ok {
				return nil, fmt.Errorf("importfile: mapping: %s fills %q, inside %q filled by %s", byPath[q], q, q[:i], who)
			}
		}
	}
	if _, ok := byPath["meta"]; ok && m.Unmapped == UnmappedMeta {
		return nil, fmt.Errorf("importfile: mapping: unmapped columns to meta and a mapping of \"meta\" cannot be combined")
	}
	return mp, nil
}

// Check compares the mapping with a file's columns: it returns the columns
// the mapping does not name, and a *MappingError when a mapped column is
// not among columns, or when some are unmapped and Mapping.Unmapped is
// UnmappedError. Products checks each file's header this way; a program
// may call it to report the unmapped columns that it drops.
func (mp *Mapper) Check(file string, columns []string) (unmapped []string, err error) {
	var missing []string
	for _, col := range mp.order {
		if !slices.Contains(columns, col) {
			missing = append(missing, col)
		}
	}
	for _, col := range columns {
		if _, ok := mp.targets[col]; !ok {
			unmapped = append(unmapped, col)
		}
	}
	if len(missing) > 0 || (len(unmapped) > 0 && mp.unmapped == UnmappedError) {
		e := &MappingError{File: file, Missing: missing, Columns: columns}
		if mp.unmapped == UnmappedError {
			e.Unmapped = unmapped
		}
		return unmapped, e
	}
	return unmapped, nil
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
	if isObject(t) {
		return nil, fmt.Errorf("%q is an object: map its fields (%s)", field, strings.Join(fieldsOf(field, t), ", "))
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

// jsonName is the name encoding/json gives field f; "" when it skips it.
func jsonName(f reflect.StructField) string {
	tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	switch {
	case !f.IsExported() || tag == "-":
		return ""
	case tag == "":
		return f.Name
	}
	return tag
}

// jsonField finds a struct field by its JSON name.
func jsonField(t reflect.Type, name string) (reflect.Type, bool) {
	for i := range t.NumField() {
		if f := t.Field(i); jsonName(f) == name && name != "" {
			return f.Type, true
		}
	}
	return nil, false
}

// Product maps one row to a product. An empty cell sets nothing, so the
// field is not sent; the constants are set in every product. A cell that
// does not convert to its field's type fails the row with a *CellError
// naming the file, line, column and field; so does a non-empty cell of an
// unmapped column when Mapping.Unmapped is UnmappedError.
func (mp *Mapper) Product(file string, row Row) (catalog.Product, error) {
	fail := func(c Cell, field, reason string, err error) (catalog.Product, error) {
		return catalog.Product{}, &CellError{File: file, Sheet: row.Sheet, Line: row.Line, Column: c.Column, Index: c.Index,
			Field: field, Value: cut(c.Value), Reason: reason, Err: err}
	}
	doc := make(map[string]any, len(mp.targets)+len(mp.constants))
	for _, k := range mp.constants {
		docpath.Set(doc, k.path, k.value)
	}
	for _, col := range mp.order {
		t := mp.targets[col]
		i := row.index(col)
		if i < 0 {
			continue
		}
		c := row.Cells[i]
		v, err := t.convert(c, mp.sep)
		if err != nil {
			return fail(c, t.field, err.Error(), err)
		}
		if v != nil {
			docpath.Set(doc, t.path, v)
		}
	}
	var meta []catalog.MetaEntry
	var extra map[string]any
	for _, c := range row.Cells {
		if _, mapped := mp.targets[c.Column]; mapped || strings.TrimSpace(c.Value) == "" {
			continue
		}
		value := any(c.Value)
		if c.Raw != nil {
			value = c.Raw
		}
		switch mp.unmapped {
		case UnmappedError:
			return fail(c, "", "the column is not mapped: map it, or choose what becomes of unmapped columns (drop, meta or extra)", nil)
		case UnmappedMeta:
			key := c.Column
			meta = append(meta, catalog.MetaEntry{Key: &key, Value: value})
		case UnmappedExtra:
			if extra == nil {
				extra = make(map[string]any)
			}
			extra[c.Column] = value
		}
	}
	if meta != nil {
		doc["meta"] = meta
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return fail(Cell{}, "", "cannot encode the row: "+err.Error(), err)
	}
	var p catalog.Product
	if err := json.Unmarshal(raw, (*productFields)(&p)); err != nil {
		return fail(Cell{}, "", "cannot build the product: "+err.Error(), err)
	}
	p.Extra = extra
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
// error is the last. A mapping that NewMapper refuses is the only error;
// a mapping that does not fit the file's header is a *MappingError before
// the first row (see Mapper.Check). A JSON or NDJSON file has no header:
// its mapped columns that no row had are a *MappingError after the last
// row.
//
// The file is never held whole (but for XLSX and XLS, see Rows): a stream
// of any size can feed ProductsService.ImportAll. Each range reads the
// file from its first row, as Rows says: over an *os.File, one stream can
// serve a sync's dry run and then its real run.
func Products(r io.Reader, name string, m Mapping, opts *Options) iter.Seq2[catalog.Product, error] {
	from := &rewinder{r: r}
	return func(yield func(catalog.Product, error) bool) {
		mp, err := NewMapper(m)
		if err != nil {
			yield(catalog.Product{}, err)
			return
		}
		lim := opts.limits(false)
		checked := false
		hdr := func(cols []string) error {
			checked = true
			_, err := mp.Check(name, cols)
			return err
		}
		var lines *Lines
		if opts != nil {
			lines = opts.Lines
		}
		lines.reset()     // a stream read again numbers its rows again
		var seen []string // JSON: the columns of the rows, in order of first appearance
		for row, err := range rows(from, name, opts, lim, hdr) {
			lines.add(row.Line, err)
			if err != nil {
				if !yield(catalog.Product{}, err) {
					return
				}
				continue
			}
			if !checked {
				for _, c := range row.Cells {
					if len(seen) < lim.MaxColumns && !slices.Contains(seen, c.Column) {
						seen = append(seen, c.Column)
					}
				}
			}
			if !yield(mp.Product(name, row)) {
				return
			}
		}
		if !checked && seen != nil {
			var missing []string
			for _, col := range mp.order {
				if !slices.Contains(seen, col) {
					missing = append(missing, col)
				}
			}
			if missing != nil {
				lines.add(0, nil)
				yield(catalog.Product{}, &MappingError{File: name, Missing: missing, Columns: seen})
			}
		}
	}
}

// Lines maps the rows of a Products stream, numbered from 0 in the order
// the stream yields them (as catalog.RowError.Row numbers them), to the
// lines of the file they come from (Row.Line). Set Options.Lines to a new
// Lines, then read a report's rows by their line:
//
//	lines := new(importfile.Lines)
//	products := importfile.Products(f, "export.csv", m, &importfile.Options{Lines: lines})
//	report, err := client.Products.ImportAll(ctx, source, products, nil)
//	for _, e := range report.Failed {
//		fmt.Printf("line %d: %s\n", lines.Line(e.Row), e.Reason)
//	}
//
// It holds one int a row. A Lines records one stream at a time; a stream
// ranged again (see Rows) records its rows again.
type Lines struct {
	lines []int
}

// reset forgets the rows recorded, for a stream that starts again.
func (l *Lines) reset() {
	if l != nil {
		l.lines = l.lines[:0]
	}
}

// add records the line of the next row yielded: the row's, or its error's.
func (l *Lines) add(line int, err error) {
	if l == nil {
		return
	}
	if err != nil {
		line = errorLine(err)
	}
	l.lines = append(l.lines, line)
}

// Line returns the file line of a stream's row (0-based, in the order
// yielded), or 0 when the row was not a line of the file (an error of the
// whole file) or was not yielded.
func (l *Lines) Line(row int) int {
	if l == nil || row < 0 || row >= len(l.lines) {
		return 0
	}
	return l.lines[row]
}

// errorLine is the line an error of the readers names, or 0.
func errorLine(err error) int {
	var ce *CellError
	var le *LimitError
	var fe *catalog.FileFormatError
	switch {
	case errors.As(err, &ce):
		return ce.Line
	case errors.As(err, &le):
		return le.Line
	case errors.As(err, &fe):
		return fe.Line
	}
	return 0
}

// Fields lists the paths a Mapping may name, sorted: every field of
// catalog.Product that a cell fills, as dotted JSON names. A multilingual
// field is listed as "name" (one text for every language) and
// "name.<lang>"; a map field as "attributes" and "attributes.<key>". A
// list of objects, such as "images", takes JSON text.
func Fields() []string {
	return fieldsOf("", reflect.TypeFor[catalog.Product]())
}

// fieldsOf lists the paths under prefix of a value of type t.
func fieldsOf(prefix string, t reflect.Type) []string {
	var out []string
	var walk func(prefix string, t reflect.Type, depth int)
	walk = func(prefix string, t reflect.Type, depth int) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch {
		case t == textType:
			out = append(out, prefix, prefix+".<lang>")
		case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
			out = append(out, prefix, prefix+".<key>")
		case isObject(t) && depth < 4:
			for i := range t.NumField() {
				if f := t.Field(i); jsonName(f) != "" {
					walk(strings.TrimPrefix(prefix+"."+jsonName(f), "."), f.Type, depth+1)
				}
			}
		case isObject(t):
		default:
			out = append(out, prefix)
		}
	}
	walk(prefix, t, 0)
	slices.Sort(out)
	return out
}

// isObject reports whether t is a struct that a cell cannot fill whole:
// not a time, a multilingual text or a type that takes a JSON string (such
// as catalog.Brand).
func isObject(t reflect.Type) bool {
	if t.Kind() != reflect.Struct || t == timeType || t == textType {
		return false
	}
	return json.Unmarshal([]byte(`"x"`), reflect.New(t).Interface()) != nil
}
