package catalogtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/internal/benchhook"
)

// Count mode is for this module's benchmarks (cmd/catalogbench and the
// ImportAll benchmarks), which send millions of products; it is not part of
// the public API. They reach withCountOnly through internal/benchhook.

func init() {
	benchhook.CountOnly = func() any { return withCountOnly() }
}

// withCountOnly makes the server count imported rows instead of storing
// them, for load tests and benchmarks that send millions of products. It
// reads each import body as a stream and looks at no more of a row than
// the keys that decide its identity (entity_code, sku, and the keys the
// source maps onto them), so that a request holds about one row in memory
// whatever its size: a 35 MB body costs well under 1 MB.
// rowsReceivedCount and importRequestCount say what arrived.
//
// The wire protocol is unchanged: credentials, the import permission, the
// rate and body limits (the body limit enforced while reading), the 400,
// 404 and 413 answers, the direct import's answer (summary, row errors for
// rows without entity_code and sku, job_id, debug, message), queued jobs
// run by the worker through pending, processing and a final status, GET
// jobs and the queue status. What differs:
//
//   - No product or version is stored: [Server.Product], [Server.Products]
//     and [Server.Versions] find nothing, and imports neither merge nor
//     keep locked fields.
//   - [Server.Requests] records method, path, header, status and time, but
//     Body is nil.
//   - Each successful row counts as created (nothing is stored, so no row
//     finds an earlier version), update_only included (it is read and
//     checked, but no row is refused for naming a product that does not
//     exist), and none as auto-published (the
//     completeness score needs the product's content): the answer's
//     auto_published and a job's auto_published are 0.
//   - A job keeps its first 100 row errors only, the most a direct
//     import's answer shows; its failed count still counts them all.
//   - Search-sync batches are counted ([Server.SearchSyncBatches]), their
//     entity codes are not kept ([Server.SearchSyncEntityCodes] is empty).
//   - For some malformed bodies, the byte offset named in a 400's message
//     may differ, since the body is scanned rather than decoded whole.
//
// Field mappings of the import source still apply to entity_code and sku,
// so rows fail exactly when they would without this option.
func withCountOnly() Option {
	return func(c *config) { c.countOnly = true }
}

// Count mode (withCountOnly) reads import bodies as a stream. The envelope
// fields are decoded as usual; the products array is walked one row at a
// time with json.Decoder, which hands each row's bytes, in its own reused
// buffer, to rowScanner.UnmarshalJSON. The scanner notes the few top-level
// keys that decide the row's identity and forgets the row, so memory stays
// at about one row whatever the body size.

// rowTally is all that count mode keeps of an import's rows.
type rowTally struct {
	total  int
	failed int
	errors []catalog.RowError // the first maxResponseErrors, with their raw data
}

// keyState is what the identity check needs to know of a top-level value.
type keyState uint8

const (
	keyAbsent keyState = iota
	keyText            // a non-empty string
	keyOther           // anything else, "" included
)

// Indexes of the identity keys in rowScanner.keys.
const (
	keyEntityCode = 0
	keySKU        = 1
)

// identityMove is one field mapping that takes entity_code or sku away, or
// writes to them.
type identityMove struct {
	from int  // the incoming key, an index in rowScanner.keys
	to   int  // keyEntityCode, keySKU, or -1 for a target elsewhere
	deep bool // the target is below entity_code or sku, which becomes an object
}

// identityRule decides identity the way one source's field mappings make
// applyRowLocked decide it, and tallies the rows under that rule. Sources
// without identity mappings share the rule with no moves.
type identityRule struct {
	moves []identityMove // in the order of applyMappings: by incoming key
	tally rowTally
}

// identified reports whether a row whose watched keys are in st has an
// entity_code or sku once the mappings are applied.
func (r *identityRule) identified(st []keyState) bool {
	id := [2]keyState{st[keyEntityCode], st[keySKU]}
	// applyMappings takes every mapped key out first...
	for _, m := range r.moves {
		if m.from <= keySKU && st[m.from] != keyAbsent {
			id[m.from] = keyAbsent
		}
	}
	// ...then sets the targets in order.
	for _, m := range r.moves {
		if v := st[m.from]; v != keyAbsent && m.to >= 0 {
			if m.deep {
				v = keyOther
			}
			id[m.to] = v
		}
	}
	return id[keyEntityCode] == keyText || id[keySKU] == keyText
}

// rowScanner tallies the rows of one count-mode request, for every import
// source at once: the source is known only once the whole body is read,
// since source_id may come after products.
type rowScanner struct {
	keys     []string                  // entity_code, sku, then incoming keys of identity mappings
	rules    []identityRule            // rules[0] has no moves
	bySource map[string]int            // source ID to index in rules
	sources  map[string]catalog.Source // the sources when the request arrived
	limit    int                       // rows past it are only counted: the request gets a 400
	n        int                       // rows seen
	states   []keyState                // of the current row, by key index; reused
}

// newRowScanner prepares a scanner for the sources as they are now. The
// request then sees them so: a source added while its body is read is
// unknown to it (the normal mode would find it, having looked last).
func (s *Server) newRowScanner() *rowScanner {
	sc := &rowScanner{keys: []string{"entity_code", "sku"}, rules: []identityRule{{}},
		bySource: make(map[string]int), sources: make(map[string]catalog.Source), limit: s.cfg.maxProducts}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, src := range s.sources {
		sc.sources[id] = cloneSource(src)
		if moves := sc.identityMoves(src.FieldMappings); len(moves) > 0 {
			sc.bySource[id] = len(sc.rules)
			sc.rules = append(sc.rules, identityRule{moves: moves})
		}
	}
	sc.states = make([]keyState, len(sc.keys))
	return sc
}

// identityMoves picks the mappings that touch entity_code or sku.
func (sc *rowScanner) identityMoves(mappings map[string]string) []identityMove {
	var moves []identityMove
	for _, from := range slices.Sorted(maps.Keys(mappings)) {
		root, _, deep := strings.Cut(mappings[from], ".")
		to := slices.Index(sc.keys[:keySKU+1], root)
		if to < 0 && from != "entity_code" && from != "sku" {
			continue
		}
		k := slices.Index(sc.keys, from)
		if k < 0 {
			k = len(sc.keys)
			sc.keys = append(sc.keys, from)
		}
		moves = append(moves, identityMove{from: k, to: to, deep: deep && to >= 0})
	}
	return moves
}

// reset forgets the rows seen: a repeated "products" key replaces the
// earlier one, as it does when the body is decoded whole.
func (sc *rowScanner) reset() {
	sc.n = 0
	for i := range sc.rules {
		sc.rules[i].tally = rowTally{}
	}
}

// tally returns the rows as the source with this ID sees them.
func (sc *rowScanner) tally(sourceID string) *rowTally {
	t := sc.rules[sc.bySource[sourceID]].tally
	t.total = sc.n
	return &t
}

// UnmarshalJSON tallies one row. data is the decoder's buffer: it is read
// here, and copied (decoded) only for a row that fails.
func (sc *rowScanner) UnmarshalJSON(data []byte) error {
	row := sc.n
	sc.n++
	if row >= sc.limit {
		return nil
	}
	data = bytes.TrimLeft(data, " \t\r\n")
	if data[0] != '{' {
		sc.fail(row, data, "product must be a JSON object, got "+rawKind(data[0]), nil)
		return nil
	}
	clear(sc.states)
	sc.scanKeys(data)
	sc.fail(row, data, "entity_code or sku is required", sc.states)
	return nil
}

// fail counts the row as failed under every rule that does not identify it
// (all rules when st is nil), keeping its raw data while there is room.
func (sc *rowScanner) fail(row int, data []byte, msg string, st []keyState) {
	var raw any
	decoded := false
	for i := range sc.rules {
		r := &sc.rules[i]
		if st != nil && r.identified(st) {
			continue
		}
		r.tally.failed++
		if len(r.tally.errors) < maxResponseErrors {
			if !decoded {
				raw, decoded = decodeRow(data), true
			}
			r.tally.errors = append(r.tally.errors, catalog.RowError{Row: row, Reason: msg, RawData: marshalWire(raw)})
		}
	}
}

// decodeRow decodes a row for its raw_data. It is a function of its own so
// that the escaping variable is allocated only for rows that fail.
func decodeRow(data []byte) any {
	var raw any
	_ = decodeJSON(data, &raw) // valid JSON: the decoder checked it
	return raw
}

// scanKeys notes the state of each watched top-level key of the object in
// data, which the decoder has already checked to be valid JSON. A repeated
// key counts as its last value, as in a decoded map.
func (sc *rowScanner) scanKeys(data []byte) {
	for i := 1; ; { // past '{'
		i = skipSpace(data, i)
		if i >= len(data) || data[i] == '}' {
			return
		}
		if data[i] == ',' {
			i++
			continue
		}
		end := skipString(data, i)
		k := sc.keyIndex(data[i:end])
		i = skipSpace(data, end) + 1 // past ':'
		i = skipSpace(data, i)
		next := skipValue(data, i)
		if k >= 0 {
			st := keyOther
			if data[i] == '"' && next-i > 2 {
				st = keyText
			}
			sc.states[k] = st
		}
		i = next
	}
}

// keyIndex returns the index of a quoted key in sc.keys, or -1. Keys with
// escapes or invalid UTF-8 are decoded first, as the decoder would.
func (sc *rowScanner) keyIndex(quoted []byte) int {
	key := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(key, '\\') >= 0 || !utf8.Valid(key) {
		var s string
		if err := json.Unmarshal(quoted, &s); err != nil {
			return -1
		}
		return slices.Index(sc.keys, s)
	}
	for k, name := range sc.keys {
		if string(key) == name { // compared in place, not converted
			return k
		}
	}
	return -1
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n') {
		i++
	}
	return i
}

// skipString returns the index just past the string that starts at
// data[i], a quote.
func skipString(data []byte, i int) int {
	for j := i + 1; ; j++ {
		q := bytes.IndexByte(data[j:], '"')
		if q < 0 {
			return len(data)
		}
		j += q
		// The quote ends the string unless an odd run of backslashes escapes it.
		b := j - 1
		for data[b] == '\\' {
			b--
		}
		if (j-1-b)%2 == 0 {
			return j + 1
		}
	}
}

// skipValue returns the index just past the valid JSON value that starts
// at data[i].
func skipValue(data []byte, i int) int {
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				i = skipString(data, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(data) && !strings.ContainsRune(" \t\r\n,}]", rune(data[i])) {
		i++
	}
	return i
}

// rawKind names the JSON type of a value by its first byte, as jsonKind
// names a decoded one.
func rawKind(c byte) string {
	switch c {
	case 'n':
		return "null"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	}
	return "a number"
}

// discard skips a JSON value without keeping it: the decoder checks it and
// hands it over in its own buffer.
type discard struct{}

func (*discard) UnmarshalJSON([]byte) error { return nil }

// errTrailing is decodeJSON's complaint about data after the body, less
// the "invalid JSON: " that describeJSONError adds.
var errTrailing = errors.New("unexpected data after the top-level value")

// bodySyntaxError is a syntax error placed and worded as decoding the body
// whole (decodeJSON) would.
type bodySyntaxError struct {
	offset int64 // bytes up to and including the offending one
	msg    string
}

func (e *bodySyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte offset %d: %s", e.offset, e.msg)
}

// placeSyntaxError turns a syntax error of a streaming dec into what
// decodeJSON would report. A streaming Decoder counts offsets its own way:
// from Token, the index of the offending byte; from Decode, the bytes its
// scanner saw in this value and the earlier ones. And two of its messages
// are its own. Both the value and the offending byte are still in dec's
// buffer, at InputOffset.
func placeSyntaxError(dec *json.Decoder, err error) error {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return err
	}
	start := dec.InputOffset()
	var first [1]byte // the offending byte, for a Token error
	_, _ = dec.Buffered().Read(first[:])
	c := first[0]
	switch se.Error() {
	case "expected comma after array element":
		return &bodySyntaxError{start + 1, "invalid character " + quoteChar(c) + " after array element"}
	case "expected colon after object key":
		return &bodySyntaxError{start + 1, "invalid character " + quoteChar(c) + " after object key"}
	}
	// An error of Decode: scanning the value again, alone, places it.
	var again *json.SyntaxError
	if errors.As(json.NewDecoder(dec.Buffered()).Decode(&discard{}), &again) && again.Error() == se.Error() {
		return &bodySyntaxError{start + again.Offset, se.Error()}
	}
	// An error of Token: the offending byte is the next one. Token names no
	// context for the first key of an object; the scanner does.
	msg := se.Error()
	if msg == "invalid character "+quoteChar(c) {
		msg += " looking for beginning of object key string"
	}
	return &bodySyntaxError{start + 1, msg}
}

// quoteChar formats c as encoding/json's syntax errors do.
func quoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	s := strconv.Quote(string(c))
	return "'" + s[1:len(s)-1] + "'"
}

// parseCountedImport is parseImport in count mode: the same checks in the
// same order, answered the same way, with the rows tallied instead of kept.
func (s *Server) parseCountedImport(w http.ResponseWriter, r *http.Request) (*importRequest, *apiError) {
	sc := s.newRowScanner()
	body := http.MaxBytesReader(w, r.Body, s.cfg.maxBody)
	var b importBody
	products, err := streamImport(body, &b, sc)
	if err != nil {
		var tooBig *http.MaxBytesError
		if !isJSONError(err) || errors.As(err, &tooBig) {
			return nil, s.readError(w, err)
		}
		// The normal mode reads the whole body before decoding it, so an
		// oversized body gets its 413 whatever lies in it: read on to see.
		if _, derr := io.Copy(io.Discard, body); errors.As(derr, &tooBig) {
			return nil, s.readError(w, derr)
		}
		var placed *bodySyntaxError
		if !errors.As(err, &placed) {
			err = describeJSONError(err)
		}
		return nil, newAPIError(http.StatusBadRequest, codeValidation, "%v", err)
	}
	req, e := s.validateImport(b, products)
	if e != nil {
		return nil, e
	}
	src, ok := sc.sources[b.SourceID]
	if !ok {
		return nil, sourceNotFound(b.SourceID)
	}
	req.source, req.tally = src, sc.tally(src.ID)
	return req, nil
}

// isJSONError reports whether err is about the body's JSON rather than
// about reading it.
func isJSONError(err error) bool {
	var syntax *bodySyntaxError
	var typ *json.UnmarshalTypeError
	return errors.As(err, &syntax) || errors.As(err, &typ) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, errTrailing)
}

// streamImport decodes an import body from r into b like decodeJSON does
// (keys matched case-insensitively, the first type error reported once the
// value is read, data after it refused), except that the products array
// goes through sc one row at a time.
func streamImport(r io.Reader, b *importBody, sc *rowScanner) (productsShape, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	products, err := streamBody(dec, b, sc)
	return products, placeSyntaxError(dec, err)
}

// envelopeKeys are the JSON names of importBody's fields, in field order.
var envelopeKeys = func() []string {
	t := reflect.TypeFor[importBody]()
	keys := make([]string, t.NumField())
	for i := range keys {
		keys[i], _, _ = strings.Cut(t.Field(i).Tag.Get("json"), ",")
	}
	return keys
}()

// envelopeField returns the importBody field key names, matched without
// regard to case as encoding/json matches it, and a pointer to it in b;
// "", nil for a key importBody has no field for. Count mode thus decodes
// every field normal mode decodes.
func envelopeField(b *importBody, key string) (name string, ptr any) {
	for i, k := range envelopeKeys {
		if strings.EqualFold(k, key) {
			return k, reflect.ValueOf(b).Elem().Field(i).Addr().Interface()
		}
	}
	return "", nil
}

// streamBody does streamImport's work; syntax errors come back as dec
// reports them.
func streamBody(dec *json.Decoder, b *importBody, sc *rowScanner) (productsShape, error) {
	products := productsShape{kind: "null"}
	var typeErr error
	// field decodes one envelope field, keeping the first type error.
	field := func(name string, v any) error {
		err := dec.Decode(v)
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			if typeErr == nil {
				te.Field = strings.TrimSuffix(name+"."+te.Field, ".")
				typeErr = te
			}
			return nil
		}
		return err
	}
	tok, err := dec.Token()
	if err != nil {
		return products, err // io.EOF: an empty body
	}
	switch tok {
	case json.Delim('{'):
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return products, unexpectedEOF(err)
			}
			key, _ := tok.(string)
			switch name, ptr := envelopeField(b, key); {
			case name == "products":
				products, err = scanProducts(dec, sc)
			case ptr != nil:
				err = field(name, ptr)
			default:
				err = dec.Decode(&discard{})
			}
			if err != nil {
				return products, unexpectedEOF(err)
			}
		}
		if _, err := dec.Token(); err != nil {
			return products, unexpectedEOF(err)
		}
	case json.Delim('['):
		if err := skipRest(dec, false); err != nil {
			return products, unexpectedEOF(err)
		}
		typeErr = &json.UnmarshalTypeError{Value: "array", Type: reflect.TypeFor[importBody]()}
	case nil: // null decodes to an empty body
	default:
		typeErr = &json.UnmarshalTypeError{Value: literalName(tok), Type: reflect.TypeFor[importBody]()}
	}
	if typeErr != nil {
		return products, typeErr
	}
	if _, err := dec.Token(); err != io.EOF {
		return products, errTrailing
	}
	return products, nil
}

// scanProducts reads the value of "products": an array goes through sc row
// by row; anything else is only named, for validateProducts.
func scanProducts(dec *json.Decoder, sc *rowScanner) (productsShape, error) {
	sc.reset()
	tok, err := dec.Token()
	if err != nil {
		return productsShape{}, err
	}
	switch tok {
	case json.Delim('['):
		for dec.More() {
			if err := dec.Decode(sc); err != nil {
				return productsShape{}, err
			}
		}
		_, err := dec.Token()
		return productsShape{kind: "an array", n: sc.n}, err
	case json.Delim('{'):
		return productsShape{kind: "an object"}, skipRest(dec, true)
	}
	return productsShape{kind: jsonKind(tok)}, nil // nil is "null"
}

// skipRest consumes the rest of the object or array whose opening
// delimiter Token just returned.
func skipRest(dec *json.Decoder, object bool) error {
	for dec.More() {
		if object {
			if _, err := dec.Token(); err != nil {
				return err
			}
		}
		if err := dec.Decode(&discard{}); err != nil {
			return err
		}
	}
	_, err := dec.Token()
	return err
}

// unexpectedEOF turns the io.EOF that Token returns for a body cut short
// into the io.ErrUnexpectedEOF that decoding it whole reports.
func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// literalName names a top-level literal the way json.UnmarshalTypeError
// does.
func literalName(tok json.Token) string {
	switch tok.(type) {
	case string:
		return "string"
	case bool:
		return "bool"
	}
	return "number"
}

// runCounted finishes a count-mode job: its rows were tallied as the body
// was read, so only the counters are set, at once. Nothing is stored, so
// every row with an identity counts as created; none counts as
// auto-published, which would need the product's content.
func (s *Server) runCounted(js *jobState, run *importRun, t *rowTally) (catalog.Job, *importRun, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ok := t.total - t.failed
	js.ProcessedRows, js.SuccessfulRows, js.FailedRows, js.CreatedRows = t.total, ok, t.failed, ok
	js.Errors = t.errors
	batches := s.countSearchSyncLocked(ok)
	js.finish(s.cfg.clock.Now())
	s.jobsChanged.broadcast()
	return js.snapshot(), run, batches
}
