package importfile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
)

// csvBufSize is the buffer under the CSV parser; the delimiter is detected
// from the lines it holds at the start.
const csvBufSize = 64 << 10

var bom = []byte{0xEF, 0xBB, 0xBF}

// readCSV streams the rows of a CSV file: UTF-8 BOM dropped, delimiter
// detected unless given, quoted cells holding delimiters and line breaks,
// relaxed quotes and ragged rows (as the server parses), the first
// non-blank record as the header. Every record is bounded by
// MaxRecordSize before it is buffered whole.
func readCSV(r io.Reader, file string, delim rune, strict bool, lim Limits, hdr func([]string) error, yield func(Row, error) bool) {
	m := newMeter(r, lim.MaxFileBytes, false)
	br := bufio.NewReaderSize(m, csvBufSize)
	m.stop = int64(lim.MaxRecordSize) + csvBufSize // the header and the sample
	sample, err := br.Peek(csvBufSize)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		yield(Row{}, boundErr(file, err, lim, 1, "record size"))
		return
	}
	var base int64
	if bytes.HasPrefix(sample, bom) {
		sample = sample[len(bom):]
		base = int64(len(bom))
		_, _ = br.Discard(len(bom))
	}
	if err := notText(file, sample); err != nil {
		yield(Row{}, err)
		return
	}
	if delim == 0 {
		delim = detectDelimiter(sample)
	}
	var cr *csv.Reader
	lineBase := 0 // lines before cr's first: a reader starts again after a record over the bound
	reset := func() {
		cr = csv.NewReader(br)
		cr.Comma = delim
		cr.LazyQuotes = true
		cr.FieldsPerRecord = -1
		cr.ReuseRecord = true
	}
	reset()

	var cols []string
	nextLine := 1 // the line where the next record starts, blank lines aside
	for {
		start := base + cr.InputOffset()
		m.stop = start + int64(lim.MaxRecordSize) + 1
		rec, err := cr.Read()
		if err == io.EOF {
			if cols == nil {
				yield(Row{}, formatError(file, "CSV Format Error", "CSV_EMPTY", 0, 0,
					"The file has no header row.", "Put the column names on the first line."))
			}
			return
		}
		if errors.Is(err, errRecordBound) && cols != nil {
			// A record over the bound fails its row; reading goes on with
			// the line after the one where the bound was reached.
			m.stop = -1
			if err := skipLine(br); err != nil {
				yield(Row{}, boundErr(file, err, lim, nextLine, "record size"))
				return
			}
			le := &LimitError{File: file, What: "record size", Limit: int64(lim.MaxRecordSize), Line: nextLine}
			if !yield(Row{}, &CellError{File: file, Line: nextLine, Reason: "record over the limit of " + strconv.Itoa(lim.MaxRecordSize) + " bytes, skipped to the end of its line", Err: le}) {
				return
			}
			buffered, _ := br.Peek(br.Buffered())
			nextLine = 1 + m.newlines - bytes.Count(buffered, []byte{'\n'})
			lineBase, base = nextLine-1, m.n-int64(len(buffered))
			reset()
			continue
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line := lineBase + pe.Line
				yield(Row{}, formatError(file, "CSV Format Error", "CSV_PARSE_ERROR", line, pe.Column,
					"Your CSV file cannot be read at line "+strconv.Itoa(line)+": "+pe.Err.Error()+".",
					"Check the quotes (\") of that line, or use Excel format instead."))
			} else {
				yield(Row{}, boundErr(file, err, lim, nextLine, "record size"))
			}
			return
		}
		line, _ := cr.FieldPos(0)
		line += lineBase
		lastLine, _ := cr.FieldPos(len(rec) - 1)
		nextLine = lineBase + lastLine + strings.Count(rec[len(rec)-1], "\n") + 1
		if size := base + cr.InputOffset() - start; size > int64(lim.MaxRecordSize) {
			le := &LimitError{File: file, What: "record size (" + strconv.FormatInt(size, 10) + " bytes)", Limit: int64(lim.MaxRecordSize), Line: line}
			if cols == nil {
				yield(Row{}, le)
				return
			}
			if !yield(Row{}, &CellError{File: file, Line: line, Reason: "record of " + strconv.FormatInt(size, 10) + " bytes over the limit of " + strconv.Itoa(lim.MaxRecordSize), Err: le}) {
				return
			}
			continue
		}
		if len(rec) > lim.MaxColumns {
			yield(Row{}, &LimitError{File: file, What: "columns (" + strconv.Itoa(len(rec)) + ")", Limit: int64(lim.MaxColumns), Line: line})
			return
		}
		if cols == nil {
			cols = header(rec)
			if err := hdr(cols); err != nil {
				yield(Row{}, err)
				return
			}
			continue
		}
		if blank(rec) {
			continue
		}
		if strict && len(rec) != len(cols) {
			col := min(len(rec), len(cols)) + 1
			yield(Row{}, formatError(file, "CSV Format Error", "CSV_INCONSISTENT_RECORD_LENGTH", line, col,
				"Your CSV file has inconsistent columns at line "+strconv.Itoa(line)+": "+strconv.Itoa(len(rec))+
					" cells where the header has "+strconv.Itoa(len(cols))+". Please check for unescaped quotes (\") or extra delimiters in your data.",
				"Common fixes: properly quote fields containing the delimiter, or use Excel format instead."))
			return
		}
		row, err := tableRow(file, line, cols, rec, lim.MaxCellSize)
		if !yield(row, err) {
			return
		}
	}
}

// detectDelimiter picks ';', ',' or tab from the first lines of a file:
// the one found on the header line outside quotes that the most lines
// repeat as often, then the one the header holds most of. It defaults to
// ','.
func detectDelimiter(sample []byte) rune {
	const maxLines = 10
	candidates := [...]byte{';', ',', '\t'}
	var counts [maxLines][len(candidates)]int
	lines := 0
	inQuote := false
	for i := 0; i < len(sample) && lines < maxLines; i++ {
		c := sample[i]
		switch {
		case c == '"':
			inQuote = !inQuote
		case c == '\n' && !inQuote:
			lines++
		case !inQuote:
			for k, d := range candidates {
				if c == d {
					counts[lines][k]++
				}
			}
		}
	}
	if lines < maxLines && lines < len(counts) {
		lines++ // the last line, cut or not
	}
	best, bestScore, bestHead := rune(','), -1, 0
	for k, d := range candidates {
		head := counts[0][k]
		if head == 0 {
			continue
		}
		score := 0
		for l := 1; l < lines; l++ {
			if counts[l][k] == head {
				score++
			}
		}
		if score > bestScore || (score == bestScore && head > bestHead) {
			best, bestScore, bestHead = rune(d), score, head
		}
	}
	return best
}

// skipLine discards the rest of a line, its line break included.
func skipLine(br *bufio.Reader) error {
	for {
		_, err := br.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
		case err == io.EOF:
			return nil
		default:
			return err
		}
	}
}

// Signatures of files that are not text, by the name a user knows them.
var signatures = []struct{ magic, name string }{
	{"PK\x03\x04", "a zip archive (such as an XLSX workbook)"},
	{"\xd0\xcf\x11\xe0", "an Excel 97-2003 (XLS) workbook"},
	{"%PDF-", "a PDF document"},
	{"\x1f\x8b", "a gzip archive"},
	{"\x89PNG", "a PNG image"},
	{"\xff\xd8\xff", "a JPEG image"},
	{"\xff\xfe", "UTF-16 text"},
	{"\xfe\xff", "UTF-16 text"},
}

// notText refuses a file whose first bytes are not CSV text: the signature
// of a known binary format, or more than 1 in 32 control characters (NUL
// and the like, not tabs or line breaks), which binary data holds and
// text does not. The error says how it was detected.
func notText(file string, sample []byte) error {
	how := ""
	for _, sig := range signatures {
		if bytes.HasPrefix(sample, []byte(sig.magic)) {
			how = "its first bytes are those of " + sig.name
			break
		}
	}
	if ctl := controlBytes(sample); how == "" && ctl*32 > len(sample) {
		how = strconv.Itoa(ctl) + " of its first " + strconv.Itoa(len(sample)) + " bytes are control characters, which text does not hold"
	}
	if how == "" {
		return nil
	}
	return formatError(file, "CSV Format Error", "CSV_NOT_TEXT", 0, 0,
		"The file is not a CSV: "+how+".",
		"Export the data as CSV (UTF-8), or name the file after its type, such as .xlsx.")
}

// controlBytes counts the bytes of p below 0x20 but tab, line feed, form
// feed and carriage return.
func controlBytes(p []byte) int {
	n := 0
	for _, c := range p {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\f' && c != '\r' {
			n++
		}
	}
	return n
}
