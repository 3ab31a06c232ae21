package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/importfile"
	"github.com/pimkit/catalog/importfile/xls"
	"github.com/pimkit/catalog/importfile/xlsx"
)

// maxListed bounds the rows listed in text output; --json lists them all.
const maxListed = 20

type mappingFlags struct {
	file           string
	pairs          []string
	listSeparator  string
	unmappedToMeta bool
	unmapped       string
	constants      []string
	delimiter      string
}

func (m *mappingFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&m.file, "mapping", "", `a JSON file mapping columns to product fields, {"Column": "dotted.path"}, or a source's JSON (its field_mappings)`)
	fl.StringArrayVar(&m.pairs, "map", nil, "a column's product field, Column=dotted.path (repeatable; wins over --mapping)")
	fl.StringVar(&m.listSeparator, "list-separator", "", `separator of the cells of list fields ("|" unless set)`)
	fl.StringArrayVar(&m.constants, "constant", nil, "a product field set in every row, path=value, such as pricing.currency=EUR (repeatable)")
	fl.StringVar(&m.unmapped, "unmapped", "error", "what becomes of the cells of columns the mapping does not name: error (refuse the file), drop, meta (product meta entries) or extra (top-level keys)")
	fl.BoolVar(&m.unmappedToMeta, "unmapped-to-meta", false, "the same as --unmapped meta")
	fl.StringVar(&m.delimiter, "delimiter", "", "CSV delimiter (detected among ; , and tab unless set)")
}

func (m *mappingFlags) options() (*importfile.Options, error) {
	opts := &importfile.Options{XLSX: xlsx.Read, XLS: xls.Read}
	switch r, size := utf8.DecodeRuneInString(m.delimiter); {
	case m.delimiter == "":
	case m.delimiter == `\t`: // a tab is hard to type on a command line
		opts.Delimiter = '\t'
	case size != len(m.delimiter):
		return nil, usagef("--delimiter %q: want one character", m.delimiter)
	default:
		opts.Delimiter = r
	}
	return opts, nil
}

// mapping builds the column mapping of path, and checks it against the
// header of a CSV or XLSX file: a mapped column the file lacks, or an
// unmapped one under --unmapped error, is a usage error. It returns the
// columns the mapping does not name. Without --mapping and --map, each
// column maps to the product field of its own name (a file whose header
// is entity_code, name, pricing.list needs no mapping).
func (m *mappingFlags) mapping(path string, opts *importfile.Options) (importfile.Mapping, []string, error) {
	fields, err := m.fields()
	if err != nil {
		return importfile.Mapping{}, nil, err
	}
	mp := importfile.Mapping{Fields: fields, ListSeparator: m.listSeparator, Constants: map[string]string{}}
	for _, c := range m.constants {
		k, v, ok := strings.Cut(c, "=")
		if !ok || k == "" {
			return importfile.Mapping{}, nil, usagef("--constant %q: want path=value, such as pricing.currency=EUR", c)
		}
		mp.Constants[k] = v
	}
	if err := mp.Unmapped.UnmarshalText([]byte(m.unmapped)); err != nil {
		return importfile.Mapping{}, nil, usagef("--unmapped %q: want error, drop, meta or extra", m.unmapped)
	}
	if m.unmappedToMeta {
		mp.Unmapped = importfile.UnmappedMeta
	}
	head := *opts
	if head.Limits.MaxFileBytes == 0 {
		head.Limits.MaxFileBytes = -1 // the header only: the upload limit does not bound an import
	}
	a, err := analyzeFile(path, &head)
	if err != nil {
		return importfile.Mapping{}, nil, err
	}
	own := len(fields) == 0
	if own {
		for _, c := range a.Columns {
			fields[c.Name] = c.Name
		}
	}
	mapper, err := importfile.NewMapper(mp)
	if err != nil {
		hint := ""
		if own {
			hint = " (without --mapping or --map each column maps to the field of its own name; catalogctl fields lists them)"
		}
		return importfile.Mapping{}, nil, usagef("mapping of %s: %v%s", filepath.Base(path), err, hint)
	}
	if a.FileType != catalog.FileCSV && a.FileType != catalog.FileXLSX && a.FileType != catalog.FileXLS { // JSON rows have their own keys: Products checks them
		return mp, nil, nil
	}
	columns := make([]string, len(a.Columns))
	for i, c := range a.Columns {
		columns[i] = c.Name
	}
	unmapped, err := mapper.Check(filepath.Base(path), columns)
	if err != nil {
		return importfile.Mapping{}, nil, &usageError{msg: err.Error(), err: err}
	}
	return mp, unmapped, nil
}

// mappingOf reads a --mapping file: a mapping {"Column": "dotted.path"},
// or an import source as sources create --from-json takes it, whose
// field_mappings are the mapping: the same file serves import and upload.
func mappingOf(data []byte) (map[string]string, error) {
	var src catalog.Source
	if jsonUnmarshalStrict(data, &src) == nil && src.FieldMappings != nil {
		return src.FieldMappings, nil
	}
	var fields map[string]string
	if err := jsonUnmarshalStrict(data, &fields); err != nil {
		return nil, fmt.Errorf(`want a JSON object {"Column": "dotted.path"}, or a source with field_mappings: %w`, err)
	}
	return fields, nil
}

// fields reads the column mapping of --mapping and --map; empty when
// neither is given.
func (m *mappingFlags) fields() (map[string]string, error) {
	fields, err := readFlagFile("mapping", m.file, mappingOf)
	if err != nil {
		return nil, err
	}
	if fields == nil {
		fields = map[string]string{}
	}
	if err := parseMap(m.pairs, fields); err != nil {
		return nil, err
	}
	return fields, nil
}

// analyzeFile reads the analysis of a local file.
func analyzeFile(path string, opts *importfile.Options) (*catalog.FileAnalysis, error) {
	f, size, err := openFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	a, err := importfile.Analyze(f, filepath.Base(path), size, opts)
	if err != nil {
		var fe *catalog.FileFormatError
		if errors.As(err, &fe) {
			return nil, &usageError{msg: describeFileFormat(fe), err: err}
		}
		return nil, &usageError{msg: err.Error(), err: err}
	}
	return a, nil
}

func openFile(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, &usageError{msg: err.Error()}
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, &usageError{msg: err.Error()}
	}
	return f, st.Size(), nil
}

// productFile is a local file of products on its way to the platform:
// what import and sync both resolve before they send it.
type productFile struct {
	source   string          // the import source
	client   *catalog.Client // the client of the flags and the environment
	products iter.Seq2[catalog.Product, error]
	lines    *rowLines // the file line of each row, as products yields them
	total    int64     // the file's rows when a bar shows them, else -1
	progress progress
	f        *os.File
}

// openProducts resolves the import source, the mapping of path and the
// client, and opens path for its products; on a terminal it counts the
// rows first for the progress bar, which what names. Close the file when
// done.
func (a *app) openProducts(path, source string, m *mappingFlags, what string) (*productFile, error) {
	src, err := a.sourceID(source)
	if err != nil {
		return nil, err
	}
	opts, err := m.options()
	if err != nil {
		return nil, err
	}
	mp, unmapped, err := m.mapping(path, opts)
	if err != nil {
		return nil, err
	}
	if len(unmapped) > 0 {
		fmt.Fprintf(a.stderr, "columns not mapped (%s): %q\n", mp.Unmapped, unmapped)
	}
	client, err := a.client()
	if err != nil {
		return nil, err
	}
	f, _, err := openFile(path)
	if err != nil {
		return nil, err
	}
	total := int64(-1)
	if !a.json && a.terminal(a.stderr) {
		total = countRows(path, opts)
	}
	lines := &rowLines{}
	return &productFile{source: src, client: client, products: fileProducts(f, filepath.Base(path), mp, *opts, lines),
		lines: lines, total: total, progress: a.newProgress(total, what), f: f}, nil
}

func (p *productFile) Close() error { return p.f.Close() }

// countRows counts the data rows of a file, for the progress bar's total.
func countRows(path string, opts *importfile.Options) int64 {
	f, err := os.Open(path)
	if err != nil {
		return -1
	}
	defer f.Close()
	var n int64
	for _, err := range importfile.Rows(f, filepath.Base(path), opts) {
		if err != nil {
			return -1
		}
		n++
	}
	return n
}

func (a *app) importCommand() *cobra.Command {
	var (
		m             mappingFlags
		source        string
		queued        bool
		mergeMode     string
		batchID       string
		concurrency   int
		stopOnError   bool
		resendUnknown bool
	)
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import a CSV, XLSX, XLS, JSON or NDJSON file of products through the batch importer",
		Long: `import reads FILE (CSV, XLSX, XLS, JSON or NDJSON), maps its columns
to product fields and imports every row through the batch importer
(Products.ImportAll): as few requests as the limits allow, every row ending
succeeded, failed (with its reason), unknown or not attempted.

The mapping is a JSON file (--mapping map.json, {"Column": "dotted.path"}) or
--map Column=path flags; without either, each column maps to the product
field of its own name. A progress bar shows on a terminal, plain lines
otherwise; a summary ends the run (--json: one JSON document).

Exit 0 when every row succeeded, 2 when some failed or are unknown; 3, 4
or 5 when every such row failed for a cause of that class (refused by the
platform, network, server error; see --help). A summary groups the failed
rows by cause, one line each, naming their lines in FILE.`,
		Example: `  catalogctl import products.csv --source erp --map Code=entity_code --map Titre=name --map Prix=pricing.list
  catalogctl import export.xlsx --mapping mapping.json --queued --json`,
		Args: exactArgs("FILE"),
		RunE: wrap(func(cmd *cobra.Command, args []string) error {
			path := args[0]
			mode := catalog.MergeMode(mergeMode)
			if mode != "" && mode != catalog.MergeReplace && mode != catalog.MergePartial {
				return usagef("--merge-mode %q: want replace or partial", mergeMode)
			}
			pf, err := a.openProducts(path, source, &m, "importing")
			if err != nil {
				return err
			}
			defer pf.Close()
			bulk := &catalog.BulkOptions{Queued: queued, Concurrency: concurrency, StopOnError: stopOnError,
				ResendUnknown: resendUnknown, Progress: pf.progress.update, Lines: pf.lines.line,
				RequestOptions: catalog.RequestOptions{MergeMode: mode, BatchID: batchID}}
			if pf.total > 0 {
				bulk.TotalItems = int(pf.total)
			}
			report, runErr := pf.client.Products.ImportAll(cmd.Context(), pf.source, pf.products, bulk)
			pf.progress.finish()
			if report != nil {
				a.printImport(path, pf.source, report, pf.lines)
			}
			return rowsResult(cmd.Context(), runErr, report.RowReport)
		}),
	}
	m.register(cmd)
	fl := cmd.Flags()
	addSourceFlag(cmd, &source)
	fl.BoolVar(&queued, "queued", false, "send through the platform's queue and wait for the jobs")
	fl.StringVar(&mergeMode, "merge-mode", "", "replace or partial (default partial: the client never leaves it to the platform, whose own default, replace, drops every field not sent)")
	fl.StringVar(&batchID, "batch-id", "", "batch id sent on every request (generated unless set)")
	fl.IntVar(&concurrency, "concurrency", 0, "requests in flight (2 unless set)")
	fl.BoolVar(&stopOnError, "stop-on-error", false, "stop at the first request that fails as a whole")
	fl.BoolVar(&resendUnknown, "resend-unknown", false, "send a request again, with its Idempotency-Key, when its outcome is unknown")
	return cmd
}

// importOut is the --json output of import.
type importOut struct {
	OK       bool   `json:"ok"`
	Command  string `json:"command"`
	File     string `json:"file"`
	SourceID string `json:"source_id"`
	BatchID  string `json:"batch_id"`
	rowsOut
	Inserted   int      `json:"inserted"`
	Updated    int      `json:"updated"`
	MaybeTwice []int    `json:"maybe_twice"`
	Requests   int      `json:"requests"`
	Bytes      int64    `json:"bytes"`
	JobIDs     []string `json:"job_ids"`
}

// rowsResult is the error of an import that returned runErr and report:
// a *rowsError, whose exit code is the class of the rows' causes (see
// rowsExit), when rows failed or are unknown; else runErr.
func rowsResult(ctx context.Context, runErr error, reports ...catalog.RowReport) error {
	n, read := 0, 0
	for _, r := range reports {
		n, read = n+unconfirmed(r), read+r.Read
	}
	code := rowsExit(reports...)
	switch {
	case ctx.Err() != nil && runErr != nil:
		return runErr // interrupted
	case runErr != nil && code == 0:
		return runErr // nothing was sent, or only not attempted
	case runErr != nil:
		return &rowsError{msg: runErr.Error(), code: code}
	case n > 0:
		return &rowsError{msg: fmt.Sprintf("%d of %s not confirmed applied", n, plural(read, "row", "rows")), code: code}
	}
	return nil
}

// unconfirmed counts the rows of a report not confirmed applied: failed,
// unknown or not attempted. The exit status and --json's "ok" follow it.
func unconfirmed(r catalog.RowReport) int {
	return len(r.Failed) + len(r.Unknown) + len(r.NotAttempted)
}

// rowsOut is a report's row accounting (catalog.RowReport) as --json
// prints it, in import's output and in each stage of sync's.
type rowsOut struct {
	Read         int           `json:"read"`
	Succeeded    int           `json:"succeeded"`
	Failed       []rowErrorOut `json:"failed"`
	Unknown      []rowErrorOut `json:"unknown"`
	NotAttempted []int         `json:"not_attempted"`
}

func toRowsOut(r catalog.RowReport, s *rowLines) rowsOut {
	return rowsOut{Read: r.Read, Succeeded: r.Succeeded, Failed: rowErrorsOut(r.Failed, s), Unknown: rowErrorsOut(r.Unknown, s),
		NotAttempted: nonNilInts(r.NotAttempted)}
}

// rowErrorsOut is errs as --json prints them; s, when set, gives the
// rows' file lines.
func rowErrorsOut(errs []catalog.RowError, s *rowLines) []rowErrorOut {
	out := make([]rowErrorOut, len(errs))
	for i, e := range errs {
		out[i] = rowErrorOut{Row: e.Row, Line: s.line(e.Row), EntityCode: e.EntityCode, Error: rowReason(e), Code: e.Code}
		for _, p := range e.Problems {
			out[i].Problems = append(out[i].Problems, problemOut{Field: p.Field, Column: s.column(p.Field), Value: p.Value, Reason: p.Reason})
		}
	}
	return out
}

// rowReason is why a row failed: its reason, then its cause's message
// (RowError.Error without the row's name).
func rowReason(e catalog.RowError) string {
	switch {
	case e.Cause == nil:
		return e.Reason
	case e.Reason == "":
		return e.Cause.Error()
	}
	return e.Reason + ": " + e.Cause.Error()
}

func nonNilInts(s []int) []int {
	if s == nil {
		return []int{}
	}
	return s
}

func (a *app) printImport(path, source string, r *catalog.BulkReport, lines *rowLines) {
	ok := unconfirmed(r.RowReport) == 0
	if a.json {
		jobs := r.JobIDs
		if jobs == nil {
			jobs = []string{}
		}
		a.emitJSON(importOut{OK: ok, Command: "import", File: path, SourceID: source, BatchID: r.BatchID,
			rowsOut: toRowsOut(r.RowReport, lines), Inserted: r.Inserted, Updated: r.Updated, MaybeTwice: nonNilInts(r.MaybeTwice),
			Requests: r.Requests, Bytes: r.Bytes, JobIDs: jobs})
		return
	}
	w := a.stdout
	fmt.Fprintf(w, "Import of %s into source %s\n", path, source)
	fmt.Fprintf(w, "  rows read       %d\n", r.Read)
	fmt.Fprintf(w, "  succeeded       %d (%d inserted, %d updated)\n", r.Succeeded, r.Inserted, r.Updated)
	fmt.Fprintf(w, "  failed          %d\n", len(r.Failed))
	fmt.Fprintf(w, "  unknown         %d\n", len(r.Unknown))
	fmt.Fprintf(w, "  not attempted   %d\n", len(r.NotAttempted))
	fmt.Fprintf(w, "  requests        %d (%s), batch %s\n", r.Requests, fmtBytes(r.Bytes), r.BatchID)
	printFailures(w, "Failed rows, by cause", r.Failed, lines)
	printFailures(w, "Rows whose outcome is unknown (they may have been applied), by cause", r.Unknown, lines)
	if ok {
		fmt.Fprintln(w, "All rows applied.")
	}
}

func (a *app) printAnalysis(an *catalog.FileAnalysis) {
	if a.json {
		a.emitJSON(map[string]any{"ok": true, "command": "analyze", "analysis": an})
		return
	}
	w := a.stdout
	fmt.Fprintf(w, "%s: %s, %s, %s read\n", an.FileName, an.FileType, fmtBytes(an.FileSize), plural(an.TotalRows, "row", "rows"))
	fmt.Fprintf(w, "%-24s %-8s %7s %7s %7s  %s\n", "COLUMN", "TYPE", "VALUES", "UNIQUE", "EMPTY", "SAMPLES")
	for _, c := range an.Columns {
		samples, _ := json.Marshal(c.SampleValues)
		fmt.Fprintf(w, "%-24s %-8s %7d %7d %7d  %s\n", c.Name, c.Type, c.TotalValues, c.UniqueCount, c.EmptyCount, samples)
	}
}
