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
	if delim == 0 {
		delim = detectDelimiter(sample)
	}
	cr := csv.NewReader(br)
	cr.Comma = delim
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true

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
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				yield(Row{}, formatError(file, "CSV Format Error", "CSV_PARSE_ERROR", pe.Line, pe.Column,
					"Your CSV file cannot be read at line "+strconv.Itoa(pe.Line)+": "+pe.Err.Error()+".",
					"Check the quotes (\") of that line, or use Excel format instead."))
			} else {
				yield(Row{}, boundErr(file, err, lim, nextLine, "record size"))
			}
			return
		}
		line, _ := cr.FieldPos(0)
		if size := base + cr.InputOffset() - start; size > int64(lim.MaxRecordSize) {
			yield(Row{}, &LimitError{File: file, What: "record size (" + strconv.FormatInt(size, 10) + " bytes)", Limit: int64(lim.MaxRecordSize), Line: line})
			return
		}
		lastLine, _ := cr.FieldPos(len(rec) - 1)
		nextLine = lastLine + strings.Count(rec[len(rec)-1], "\n") + 1
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
