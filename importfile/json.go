package importfile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
)

// jsonSlack is read past an element's bound for the separators and spaces
// around it.
const jsonSlack = 4 << 10

// readJSON streams the elements of a JSON array, each an object for one
// row, with json.Decoder: one element is held at a time, bounded by
// MaxRecordSize before it is buffered whole.
func readJSON(r io.Reader, file string, lim Limits, yield func(Row, error) bool) {
	m := newMeter(r, lim.MaxFileBytes, true)
	dec := json.NewDecoder(m)
	m.stop = int64(lim.MaxRecordSize) + jsonSlack
	fail := func(err error, at int64) {
		yield(Row{}, jsonErr(file, err, lim, m, at))
	}
	tok, err := dec.Token()
	if err != nil {
		fail(err, 0)
		return
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		yield(Row{}, formatError(file, "JSON Format Error", "JSON_NOT_ARRAY", m.lineAt(dec.InputOffset()), 0,
			"A JSON import file holds an array of objects, one per product.",
			"Wrap the objects in [ ], or save them one per line as .ndjson."))
		return
	}
	for dec.More() {
		start := dec.InputOffset()
		m.stop = start + int64(lim.MaxRecordSize) + jsonSlack
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			fail(err, m.valueStart(start))
			return
		}
		line := m.lineAt(dec.InputOffset() - int64(len(raw)))
		var row Row
		if len(raw) > lim.MaxRecordSize {
			err = &CellError{File: file, Line: line, Reason: "row object of " + strconv.Itoa(len(raw)) + " bytes over the limit of " + strconv.Itoa(lim.MaxRecordSize),
				Err: &LimitError{File: file, What: "row object size", Limit: int64(lim.MaxRecordSize), Line: line}}
		} else {
			row, err = objectRow(file, line, raw, lim)
		}
		if !yield(row, err) {
			return
		}
	}
	at := dec.InputOffset()
	if _, err := dec.Token(); err != nil { // the closing ]
		fail(err, at)
		return
	}
	at = dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = errTrailing
		}
		fail(err, at)
	}
}

// valueStart skips the spaces and the comma from an offset to where the
// next value starts, within the bytes read.
func (m *meter) valueStart(off int64) int64 {
	for i := max(off-m.base, 0); i < int64(len(m.pend)); i++ {
		switch m.pend[i] {
		case ' ', '\t', '\r', '\n', ',':
		default:
			return m.base + i
		}
	}
	return off
}

var errTrailing = errors.New("data after the array")

// jsonErr classifies an error of the JSON decoder.
func jsonErr(file string, err error, lim Limits, m *meter, at int64) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return formatError(file, "JSON Format Error", "JSON_SYNTAX_ERROR", m.lineAt(max(at, se.Offset-1)), 0,
			"Your JSON file is not valid JSON: "+se.Error()+".", "Check the file with a JSON validator.")
	case err == io.EOF, errors.Is(err, io.ErrUnexpectedEOF):
		return formatError(file, "JSON Format Error", "JSON_UNEXPECTED_END", m.lineAt(m.n), 0,
			"Your JSON file ends before its array is closed.", "Check that the file was saved whole.")
	case err == errTrailing:
		return formatError(file, "JSON Format Error", "JSON_TRAILING_DATA", m.lineAt(at), 0,
			"Your JSON file has data after its array.", "A JSON import file holds one array of objects.")
	}
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		return formatError(file, "JSON Format Error", "JSON_SYNTAX_ERROR", m.lineAt(at), 0, "Your JSON file is not valid JSON: "+err.Error()+".", "")
	}
	return boundErr(file, err, lim, m.lineAt(at), "row object size")
}

// objectRow builds the row of a JSON object: one cell per key, in file
// order; a repeated key keeps its last value, as encoding/json does.
func objectRow(file string, line int, raw []byte, lim Limits) (Row, error) {
	row := Row{Line: line}
	at := map[string]int{} // key -> its cell: a repeated key replaces the earlier value, as in encoding/json
	d := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return row, &CellError{File: file, Line: line, Value: cut(string(raw)), Reason: "row is not a JSON object"}
	}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return row, &CellError{File: file, Line: line, Reason: "unreadable object: " + err.Error(), Err: err}
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return row, &CellError{File: file, Line: line, Column: key, Reason: "unreadable value: " + err.Error(), Err: err}
		}
		if len(v) > lim.MaxCellSize {
			return row, cellTooLarge(file, line, key, 0, string(v), lim.MaxCellSize)
		}
		c := Cell{Column: key}
		switch {
		case v[0] == '"':
			if err := json.Unmarshal(v, &c.Value); err != nil {
				return row, &CellError{File: file, Line: line, Column: key, Reason: "unreadable string: " + err.Error(), Err: err}
			}
		case string(v) == "null":
		default:
			c.Value, c.Raw = string(v), v
		}
		if i, seen := at[key]; seen {
			c.Index = i + 1
			row.Cells[i] = c
			continue
		}
		if len(row.Cells) == lim.MaxColumns {
			return row, &CellError{File: file, Line: line, Column: key, Reason: "more than " + strconv.Itoa(lim.MaxColumns) + " keys",
				Err: &LimitError{File: file, What: "columns", Limit: int64(lim.MaxColumns), Line: line}}
		}
		at[key] = len(row.Cells)
		c.Index = len(row.Cells) + 1
		row.Cells = append(row.Cells, c)
	}
	return row, nil
}

// readNDJSON streams an NDJSON file: one object per line, blank lines
// skipped. A line over MaxRecordSize is skipped without being held, and
// reported as a *CellError: the next line starts a new row.
func readNDJSON(r io.Reader, file string, lim Limits, yield func(Row, error) bool) {
	br := bufio.NewReaderSize(newMeter(r, lim.MaxFileBytes, false), 64<<10)
	var buf []byte
	for line := 1; ; line++ {
		var long bool
		var err error
		buf, long, err = boundedLine(br, buf[:0], lim.MaxRecordSize)
		if err != nil && err != io.EOF {
			yield(Row{}, boundErr(file, err, lim, line, "line size"))
			return
		}
		var row Row
		var rowErr error
		text := bytes.TrimSpace(buf)
		switch {
		case long:
			rowErr = &CellError{File: file, Line: line, Reason: "line over the limit of " + strconv.Itoa(lim.MaxRecordSize) + " bytes",
				Err: &LimitError{File: file, What: "line size", Limit: int64(lim.MaxRecordSize), Line: line}}
		case len(text) == 0:
		case !json.Valid(text):
			rowErr = &CellError{File: file, Line: line, Value: cut(string(text)), Reason: "not a valid JSON object"}
		default:
			row, rowErr = objectRow(file, line, text, lim)
		}
		if (long || len(text) > 0) && !yield(row, rowErr) {
			return
		}
		if err == io.EOF {
			return
		}
	}
}

// boundedLine reads one line into buf, without its line break. A line over
// max bytes is read to its end without being kept, and long is true.
func boundedLine(br *bufio.Reader, buf []byte, max int) (line []byte, long bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if !long {
			if len(buf)+len(chunk) > max+2 { // +2: the line break
				long, buf = true, buf[:0]
			} else {
				buf = append(buf, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if long {
			return buf, true, err
		}
		buf = bytes.TrimSuffix(bytes.TrimSuffix(buf, []byte{'\n'}), []byte{'\r'})
		if len(buf) > max {
			return buf[:0], true, err
		}
		return buf, false, err
	}
}
