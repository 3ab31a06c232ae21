package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pimkit/catalog"
)

func (a *app) analyzeCommand() *cobra.Command {
	var (
		m      mappingFlags
		remote bool
	)
	cmd := &cobra.Command{
		Use:   "analyze FILE",
		Short: "Analyse an import file: its columns, their types and samples, its first rows",
		Long: `analyze reads the first rows of FILE (CSV, XLSX, XLS, JSON or NDJSON) and reports its
columns with their inferred types, sample values and counts, computed locally
(importfile.Analyze); no credential is needed.

--remote sends the file to the platform's analyzer instead
(Imports.Analyze) and prints its answer in the same form. A file the
platform cannot read is refused with its details, a hint, and the line and
column of the fault (exit 3).`,
		Example: `  catalogctl analyze products.csv
  catalogctl analyze export.xlsx --remote --json`,
		Args: exactArgs("FILE"),
		RunE: wrap(func(cmd *cobra.Command, args []string) error {
			path := args[0]
			var (
				an  *catalog.FileAnalysis
				err error
			)
			if remote {
				an, err = a.analyzeRemote(cmd.Context(), path, &m)
			} else {
				opts, optErr := m.options()
				if err = optErr; err == nil {
					an, err = analyzeFile(path, opts)
				}
			}
			if err != nil {
				return a.fileFailure(cmd.Context(), "analyze", err)
			}
			a.printAnalysis(an)
			return nil
		}),
	}
	fl := cmd.Flags()
	fl.StringVar(&m.delimiter, "delimiter", "", "CSV delimiter (detected among ; , and tab unless set); local analysis only")
	fl.BoolVar(&remote, "remote", false, "analyse on the platform (Imports.Analyze) rather than locally")
	return cmd
}

func (a *app) analyzeRemote(ctx context.Context, path string, m *mappingFlags) (*catalog.FileAnalysis, error) {
	if m.delimiter != "" {
		return nil, usagef("--delimiter is for the local analysis: the platform detects the delimiter itself")
	}
	f, _, err := openFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	client, err := a.client()
	if err != nil {
		return nil, err
	}
	an, err := client.Imports.Analyze(ctx, filepath.Base(path), f)
	if err != nil {
		return nil, clientFileError(err)
	}
	return an, nil
}

func (a *app) uploadCommand() *cobra.Command {
	var (
		m              mappingFlags
		source         string
		updateExisting bool
		idemKey        string
		wait           bool
		wf             waitFlags
	)
	cmd := &cobra.Command{
		Use:   "upload FILE",
		Short: "Upload a file for the platform to import, and follow its job",
		Long: `upload sends FILE (CSV, XLSX, XLS, JSON or NDJSON, up to 50 MB) to the
platform's file import through the import source --source
(Imports.Upload); the platform queues a job that reads and imports it.
--mapping map.json ({"Column": "dotted.path"}) and --map Column=path map the
file's columns for this upload only, over the source's field mappings.
--update-existing=false makes a row that matches an existing product by EAN
fail instead of updating it (the platform updates unless told). A progress
bar shows the bytes sent on a terminal, plain lines otherwise.

Without --wait, upload prints the queued job and exits 0: follow it with
"catalogctl jobs wait ID" and "catalogctl jobs errors ID". With --wait it
follows the job until it ends (Jobs.Wait), prints it, then its row errors a
page at a time (Jobs.Errors), and exits 0 when every row was imported, 2 when
the job ended with errors or failed. A file the platform cannot read is
refused with its details, a hint, and the line and column of the fault
(exit 3).`,
		Example: `  catalogctl upload products.csv --source erp --map EAN=ean --map Titre=name --wait
  catalogctl upload export.xlsx --mapping mapping.json --update-existing=false --wait --json`,
		Args: exactArgs("FILE"),
		RunE: wrap(func(cmd *cobra.Command, args []string) error {
			path := args[0]
			src, err := a.sourceID(source)
			if err != nil {
				return err
			}
			fields, err := m.fields()
			if err != nil {
				return err
			}
			f, size, err := openFile(path)
			if err != nil {
				return err
			}
			defer f.Close()
			client, err := a.client()
			if err != nil {
				return err
			}
			opts := &catalog.UploadOptions{FieldMappings: fields, IdempotencyKey: idemKey}
			if cmd.Flags().Changed("update-existing") {
				opts.UpdateExisting = catalog.Ptr(updateExisting)
			}
			prog := a.newBytesProgress(size, "uploading")
			opts.Progress = prog.sent
			ctx := cmd.Context()
			job, err := client.Imports.Upload(ctx, src, filepath.Base(path), f, opts)
			prog.finish()
			if err != nil {
				return a.fileFailure(ctx, "upload", clientFileError(err))
			}
			up := uploadOut{OK: true, Command: "upload", File: path, SourceID: src, Bytes: size, Job: job}
			if !wait {
				a.printUpload(&up)
				return nil
			}
			final, waitErr := a.waitJob(ctx, client, job.ID, &wf)
			if final != nil {
				up.Job = final
			}
			if waitErr != nil && !errors.Is(waitErr, catalog.ErrJobFailed) {
				if !a.json {
					a.printUpload(&up) // the job as last seen
				}
				return waitErr
			}
			ended := jobEnded(up.Job)
			up.OK, up.Errors = ended == nil, []rowErrorOut{}
			if !a.json {
				a.printUpload(&up)
			}
			if !up.OK {
				if up.Errors, err = a.printRowErrors(ctx, client, up.Job, "Row errors"); err != nil {
					return err
				}
			}
			if a.json {
				a.emitJSON(up)
			} else if up.OK {
				fmt.Fprintln(a.stdout, "All rows imported.")
			}
			if waitErr != nil {
				return waitErr
			}
			return ended
		}),
	}
	fl := cmd.Flags()
	addSourceFlag(cmd, &source)
	fl.StringVar(&m.file, "mapping", "", `a JSON file of this upload's field mappings: {"Column": "dotted.path"}`)
	fl.StringArrayVar(&m.pairs, "map", nil, "a column's product field for this upload, Column=dotted.path (repeatable; wins over --mapping)")
	fl.BoolVar(&updateExisting, "update-existing", true, "update the products that rows match by EAN; false makes such rows fail (sent only when given)")
	fl.StringVar(&idemKey, "idempotency-key", "", "the upload's Idempotency-Key (generated unless set)")
	fl.BoolVar(&wait, "wait", false, "follow the job until it ends, then print its row errors")
	wf.register(cmd)
	return cmd
}

// uploadOut is the --json output of upload; Errors is there with --wait.
type uploadOut struct {
	OK       bool          `json:"ok"`
	Command  string        `json:"command"`
	File     string        `json:"file"`
	SourceID string        `json:"source_id"`
	Bytes    int64         `json:"bytes"`
	Job      *catalog.Job  `json:"job"`
	Errors   []rowErrorOut `json:"errors,omitempty"`
}

// printUpload prints the upload and its job.
func (a *app) printUpload(up *uploadOut) {
	if a.json {
		a.emitJSON(up)
		return
	}
	w := a.stdout
	fmt.Fprintf(w, "Uploaded %s (%s) into source %s\n", up.File, fmtBytes(up.Bytes), up.SourceID)
	a.printJobHeader(up.Job)
	switch up.Job.Status {
	case catalog.JobPending, catalog.JobProcessing:
		fmt.Fprintf(w, "Follow it with: catalogctl jobs wait %s; catalogctl jobs errors %s\n", up.Job.ID, up.Job.ID)
	}
}

// clientFileError turns the client's own refusals of a file, before
// anything was sent (its type, its size, a field mapping), into usage
// errors; the platform's refusals stay as they are.
func clientFileError(err error) error {
	var (
		fe     *catalog.FileFormatError
		tl     *catalog.TooLargeError
		apiErr *catalog.APIError
	)
	refused := errors.As(err, &fe) && fe.Code == "UNSUPPORTED_FILE_TYPE" || errors.As(err, &tl) ||
		fe == nil && errors.Is(err, catalog.ErrValidation) && !errors.As(err, &apiErr) // a request the client would not send
	if refused {
		return &usageError{msg: err.Error(), err: err}
	}
	if fe != nil {
		return &formatError{fe: fe}
	}
	return err
}

// formatError is the platform's refusal of a file it cannot read.
type formatError struct{ fe *catalog.FileFormatError }

func (e *formatError) Error() string { return describeFileFormat(e.fe) }
func (e *formatError) Unwrap() error { return e.fe }

// describeFileFormat tells what is wrong with a file, where, and how to
// fix it, on a few lines.
func describeFileFormat(fe *catalog.FileFormatError) string {
	var b strings.Builder
	if fe.File != "" {
		b.WriteString(fe.File + ": ")
	}
	title := fe.Title
	if title == "" {
		title = "file format error"
	}
	b.WriteString(title)
	if fe.Code != "" {
		b.WriteString(" (" + fe.Code + ")")
	}
	if fe.Line > 0 {
		fmt.Fprintf(&b, "\n  line %d", fe.Line)
		if fe.Column > 0 {
			fmt.Fprintf(&b, ", column %d", fe.Column)
		}
	}
	if fe.Details != "" {
		b.WriteString("\n  details: " + fe.Details)
	}
	if fe.Hint != "" {
		b.WriteString("\n  hint: " + fe.Hint)
	}
	return b.String()
}

// fileFailure returns err, a command's failure on a file; with --json, a
// file that cannot be read is reported with its details as file_error.
func (a *app) fileFailure(ctx context.Context, command string, err error) error {
	var fe *catalog.FileFormatError
	if a.json && errors.As(err, &fe) {
		a.emitJSON(map[string]any{"ok": false, "command": command, "error": err.Error(),
			"exit_code": exitCode(ctx, &commandError{err: err}), "file_error": fe})
	}
	return err
}
