package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"strings"
)

// FileType is the kind of an import file, named after its extension.
type FileType string

// The file types the import pipeline accepts. The analysis and upload
// endpoints take CSV and Excel files; JSON arrays and NDJSON are read by the
// SDK's file readers (package importfile) and accepted by uploads.
const (
	FileCSV    FileType = "csv"    // comma, semicolon or tab separated values
	FileXLSX   FileType = "xlsx"   // Excel 2007 and later; the first sheet is read
	FileXLS    FileType = "xls"    // Excel 97-2003; accepted by the server, not read locally
	FileJSON   FileType = "json"   // a JSON array of objects, one per row
	FileNDJSON FileType = "ndjson" // one JSON object per line
)

// AcceptedExtensions lists the file name extensions of the file types, in
// the form of an HTML accept attribute.
const AcceptedExtensions = ".csv,.xlsx,.xls,.json,.ndjson"

// MaxFileSize is the largest import file the server takes: "50 MB". The
// server does not say whether it counts in decimal or binary megabytes, so
// the client refuses from the smaller reading, 50,000,000 bytes, and never
// sends a file the server may refuse for its size.
const MaxFileSize = 50_000_000

// FileTypeOf returns the file type of a file name, by its extension (case
// does not matter). An extension not in AcceptedExtensions yields a
// *FileTypeError.
func FileTypeOf(name string) (FileType, error) {
	ext := strings.ToLower(path.Ext(strings.ReplaceAll(name, `\`, "/")))
	switch t := FileType(strings.TrimPrefix(ext, ".")); t {
	case FileCSV, FileXLSX, FileXLS, FileJSON, FileNDJSON:
		return t, nil
	}
	return "", &FileTypeError{Name: name, Ext: ext}
}

// FileTypeError reports a file whose extension is not one of
// AcceptedExtensions. It matches ErrValidation, like the server's refusal.
type FileTypeError struct {
	Name string // the file name
	Ext  string // its extension, with the dot; "" when it has none
}

// Error names the file and the extensions accepted.
func (e *FileTypeError) Error() string {
	what := "no extension"
	if e.Ext != "" {
		what = "extension " + strconv.Quote(e.Ext)
	}
	return fmt.Sprintf("catalog: %s: unsupported file type (%s); accepted: %s", e.Name, what, AcceptedExtensions)
}

// Is matches ErrValidation.
func (e *FileTypeError) Is(target error) bool { return target == ErrValidation }

// FileTooLargeError reports a file over a size limit, refused before it was
// read whole or sent. It matches ErrTooLarge, like the server's refusal.
type FileTooLargeError struct {
	Name  string // the file name
	Size  int64  // the file's size, or -1 when it is only known to exceed Limit
	Limit int64  // the limit, MaxFileSize unless set otherwise
}

// Error names the file, its size and the limit.
func (e *FileTooLargeError) Error() string {
	if e.Size < 0 {
		return fmt.Sprintf("catalog: %s: file larger than the limit of %d bytes", e.Name, e.Limit)
	}
	return fmt.Sprintf("catalog: %s: file of %d bytes is over the limit of %d bytes", e.Name, e.Size, e.Limit)
}

// Is matches ErrTooLarge.
func (e *FileTooLargeError) Is(target error) bool { return target == ErrTooLarge }

// FileAnalysis is the analysis of an import file: its first rows, the
// columns found in its header and statistics about each, as answered by
// POST /api/b2b/pim/import/analyze and computed locally by
// importfile.Analyze.
type FileAnalysis struct {
	FileName string   `json:"fileName"` // the file name
	FileSize int64    `json:"fileSize"` // its size in bytes
	FileType FileType `json:"fileType"` // its type, from its extension
	// TotalRows is the number of data rows read, the header not counted:
	// the analysis reads at most AnalysisRows of them.
	TotalRows int `json:"totalRows"`
	// Columns are the columns of the header, in file order.
	Columns []ColumnAnalysis `json:"columns"`
	// PreviewRows are the first PreviewRows rows, each mapping the column
	// names to the cells' text.
	PreviewRows []PreviewRow `json:"previewRows"`
}

// The windows of an analysis.
const (
	AnalysisRows = 15 // data rows read by an analysis, at most
	PreviewRows  = 10 // rows in FileAnalysis.PreviewRows, at most
	SampleValues = 3  // values in ColumnAnalysis.SampleValues, at most
)

// ColumnAnalysis describes one column over the rows an analysis read.
type ColumnAnalysis struct {
	Name string `json:"name"` // the column name, from the header
	// Type is the type inferred from the column's non-empty cells: one of
	// the ColumnType constants.
	Type         ColumnType `json:"type"`
	SampleValues []string   `json:"sampleValues"` // the first distinct non-empty values
	TotalValues  int        `json:"totalValues"`  // cells that are not empty
	UniqueCount  int        `json:"uniqueCount"`  // distinct non-empty values
	EmptyCount   int        `json:"emptyCount"`   // empty or missing cells
}

// ColumnType is the type inferred for a column.
type ColumnType string

// Column types. A column is of a type when every non-empty cell is; a column
// with no non-empty cell is a string column.
const (
	ColumnString  ColumnType = "string"
	ColumnNumber  ColumnType = "number"
	ColumnBoolean ColumnType = "boolean"
	ColumnDate    ColumnType = "date"
)

// PreviewRow is one row of a preview: the column names mapped to the cells'
// text. Decoding accepts numbers and booleans too and keeps their JSON text,
// as some spreadsheet readers answer typed values; null reads as "".
type PreviewRow map[string]string

// UnmarshalJSON accepts an object of strings, numbers, booleans and nulls.
func (p *PreviewRow) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	if raw == nil {
		*p = nil
		return nil
	}
	out := make(PreviewRow, len(raw))
	for k, v := range raw {
		v = bytes.TrimSpace(v)
		switch {
		case len(v) > 0 && v[0] == '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return err
			}
			out[k] = s
		case string(v) == "null":
			out[k] = ""
		default:
			out[k] = string(v)
		}
	}
	*p = out
	return nil
}

// FileFormatError reports a file that cannot be read as its type says, such
// as a CSV file with inconsistent rows. The server answers it with this
// body, which decodes into a FileFormatError:
//
//	{"error": "CSV Format Error", "details": "...", "hint": "...",
//	 "technicalDetails": {"code": "CSV_INCONSISTENT_RECORD_LENGTH", "line": 42, "column": 7}}
//
// The file readers of package importfile raise it too. It matches
// ErrValidation.
type FileFormatError struct {
	File    string `json:"-"`       // the file name; not in the server's body
	Title   string `json:"error"`   // a short title, such as "CSV Format Error"
	Details string `json:"details"` // what is wrong, in words for the user
	Hint    string `json:"hint"`    // how to fix it
	// TechnicalDetails locate the fault; its fields read as e.Code, e.Line
	// and e.Column.
	TechnicalDetails `json:"technicalDetails"`
}

// TechnicalDetails locate a fault in a file.
type TechnicalDetails struct {
	Code   string `json:"code"`   // machine-readable, such as "CSV_INCONSISTENT_RECORD_LENGTH"
	Line   int    `json:"line"`   // 1-based line; 0 when unknown
	Column int    `json:"column"` // 1-based column; 0 when unknown
}

// Error reads: catalog: products.csv: line 42, column 7: CSV Format Error
// (CSV_INCONSISTENT_RECORD_LENGTH): details.
func (e *FileFormatError) Error() string {
	var b strings.Builder
	b.WriteString("catalog: ")
	if e.File != "" {
		b.WriteString(e.File + ": ")
	}
	if e.Line > 0 {
		b.WriteString("line " + strconv.Itoa(e.Line))
		if e.Column > 0 {
			b.WriteString(", column " + strconv.Itoa(e.Column))
		}
		b.WriteString(": ")
	}
	title := e.Title
	if title == "" {
		title = "file format error"
	}
	b.WriteString(title)
	if e.Code != "" {
		b.WriteString(" (" + e.Code + ")")
	}
	if e.Details != "" {
		b.WriteString(": " + e.Details)
	}
	return b.String()
}

// Is matches ErrValidation.
func (e *FileFormatError) Is(target error) bool { return target == ErrValidation }
