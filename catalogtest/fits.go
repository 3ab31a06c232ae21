package catalogtest

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/pimkit/catalog"
)

// surelyFits reports whether decoding v into a value of type t surely
// succeeds, without encoding and decoding it: it is the quick answer for
// the usual row, and false means "decode it to know" (typeProblems then
// does), never "it does not fit". So it answers true only for the shapes
// whose decoding it knows: values as decodeJSON makes them (string,
// json.Number, bool, nil, []any, map[string]any) into plain Go types; a
// type with its own decoding (catalog.Text, a time) is left to the decoder.
func surelyFits(v any, t reflect.Type) bool {
	if v == nil {
		return true // null leaves any Go value as it is
	}
	switch t {
	case textType: // "a JSON string or an object of strings" (Text.UnmarshalJSON)
		return textFits(v)
	case brandType: // "a JSON string ... or an object" (Brand.UnmarshalJSON)
		if _, ok := v.(string); ok {
			return true
		}
		return structFits(v, t)
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) || reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return false
	}
	switch t.Kind() {
	case reflect.Pointer:
		return surelyFits(v, t.Elem())
	case reflect.Interface:
		return t.NumMethod() == 0
	case reflect.String:
		_, ok := v.(string)
		return ok
	case reflect.Bool:
		_, ok := v.(bool)
		return ok
	case reflect.Float32, reflect.Float64:
		n, ok := v.(json.Number)
		_, err := strconv.ParseFloat(string(n), t.Bits())
		return ok && err == nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(json.Number)
		_, err := strconv.ParseInt(string(n), 10, t.Bits())
		return ok && err == nil
	case reflect.Slice:
		return t.Elem().Kind() != reflect.Uint8 && listFits(v, t.Elem())
	case reflect.Map:
		return t.Key().Kind() == reflect.String && mapFits(v, t)
	case reflect.Struct:
		return structFits(v, t)
	}
	return false
}

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	textType            = reflect.TypeFor[catalog.Text]()
	brandType           = reflect.TypeFor[catalog.Brand]()
	productType         = reflect.TypeFor[productShape]()
)

// textFits reports whether v is a string or an object of strings.
func textFits(v any) bool {
	if _, ok := v.(string); ok {
		return true
	}
	m, ok := v.(map[string]any)
	for _, text := range m {
		if _, isText := text.(string); !isText && text != nil {
			return false
		}
	}
	return ok
}

func listFits(v any, elem reflect.Type) bool {
	list, ok := v.([]any)
	if !ok {
		return false
	}
	for _, item := range list {
		if !surelyFits(item, elem) {
			return false
		}
	}
	return true
}

func mapFits(v any, t reflect.Type) bool {
	m, ok := v.(map[string]any)
	if !ok || reflect.PointerTo(t.Key()).Implements(textUnmarshalerType) {
		return false
	}
	for _, item := range m {
		if !surelyFits(item, t.Elem()) {
			return false
		}
	}
	return true
}

// structFits checks each key of an object against the field the decoder
// gives it: the one of that JSON name, else one whose name matches without
// regard to case; a key no field takes is ignored, as the decoder does.
func structFits(v any, t reflect.Type) bool {
	m, ok := v.(map[string]any)
	fields, plain := structFields(t)
	if !ok || !plain {
		return false
	}
	for key, item := range m {
		f, ok := fields[key]
		if !ok {
			f, ok = fieldFolded(fields, key)
		}
		if ok && !surelyFits(item, f) {
			return false
		}
	}
	return true
}

func fieldFolded(fields map[string]reflect.Type, key string) (reflect.Type, bool) {
	for name, f := range fields {
		if strings.EqualFold(name, key) {
			return f, true
		}
	}
	return nil, false
}

// structFieldCache maps a struct type to its fields by JSON name, and
// whether it is plain: no embedded field and no ",string" option, whose
// decoding structFits does not follow.
var structFieldCache sync.Map // reflect.Type -> structInfo

type structInfo struct {
	fields map[string]reflect.Type
	plain  bool
}

func structFields(t reflect.Type) (map[string]reflect.Type, bool) {
	if info, ok := structFieldCache.Load(t); ok {
		return info.(structInfo).fields, info.(structInfo).plain
	}
	info := structInfo{fields: make(map[string]reflect.Type), plain: true}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		switch {
		case f.Anonymous || strings.Contains(opts, "string"):
			info.plain = false
		case !f.IsExported() || tag == "-":
			continue
		case name == "":
			name = f.Name
		}
		info.fields[name] = f.Type
	}
	structFieldCache.Store(t, info)
	return info.fields, info.plain
}
