package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pimkit/catalog"
)

func (a *app) jobsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "jobs",
		Short: "Read import jobs: get, wait, errors",
		Args:  exactArgs(),
	}
	get := &cobra.Command{
		Use:   "get ID",
		Short: "Print an import job: status, counters, row errors",
		Args:  exactArgs("ID"),
		RunE: wrap(func(cmd *cobra.Command, args []string) error {
			_, job, err := a.getJob(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			a.printJob(job)
			return nil
		}),
	}
	var wf waitFlags
	wait := &cobra.Command{
		Use:   "wait ID",
		Short: "Wait until an import job ends, and print it",
		Long: `wait polls the job until it ends (completed, completed_with_errors or failed)
and prints it. Exit 0 when it completed, 2 when it failed or ended with errors.
Bound the wait with --wait-timeout.`,
		Args: exactArgs("ID"),
		RunE: wrap(func(cmd *cobra.Command, args []string) error {
			client, err := a.client()
			if err != nil {
				return err
			}
			job, err := a.waitJob(cmd.Context(), client, args[0], &wf)
			if job != nil {
				a.printJob(job)
			}
			if err != nil {
				return err
			}
			return jobEnded(job)
		}),
	}
	wf.register(wait)
	errs := &cobra.Command{
		Use:   "errors ID",
		Short: "Print the row errors of an import job, a page at a time",
		Long: `errors prints the job's status, then one line per row that failed, with its
reason and the platform's code, read a page at a time as they print
(Jobs.Errors). A file upload's rows
are named by their line in the file (the header is line 1), a JSON import's
by their 0-based position in the request. --json prints one document with
every row error.`,
		Args: exactArgs("ID"),
		RunE: wrap(func(cmd *cobra.Command, args []string) error {
			client, job, err := a.getJob(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if !a.json {
				fmt.Fprintf(a.stdout, "job %s: %s, %d failed rows\n", job.ID, job.Status, job.FailedRows)
			}
			rowErrs, err := a.printRowErrors(cmd.Context(), client, job, "")
			if err != nil {
				return err
			}
			if a.json {
				a.emitJSON(map[string]any{"ok": true, "command": "jobs errors", "job_id": job.ID,
					"status": job.Status, "failed_rows": job.FailedRows, "errors": rowErrs})
			}
			return nil
		}),
	}
	cmd.AddCommand(get, wait, errs)
	return cmd
}

// getJob reads the job id with the client of the flags and the
// environment, and returns both.
func (a *app) getJob(ctx context.Context, id string) (*catalog.Client, *catalog.Job, error) {
	client, err := a.client()
	if err != nil {
		return nil, nil, err
	}
	job, err := client.Jobs.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	return client, job, nil
}

// waitFlags are the flags of a command that waits for a job.
type waitFlags struct {
	minInterval, maxInterval, timeout time.Duration
}

func (wf *waitFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.DurationVar(&wf.minInterval, "min-interval", 0, "first delay between polls of the job (1s unless set)")
	fl.DurationVar(&wf.maxInterval, "max-interval", 0, "longest delay between polls of the job (30s unless set)")
	fl.DurationVar(&wf.timeout, "wait-timeout", 0, "give up waiting for the job after this long (exit 4)")
}

// waitJob polls the job until it ends, printing its progress on stderr
// unless --json.
func (a *app) waitJob(ctx context.Context, client *catalog.Client, id string, wf *waitFlags) (*catalog.Job, error) {
	if wf.timeout > 0 {
		var cancel func()
		ctx, cancel = contextWithTimeout(ctx, wf.timeout)
		defer cancel()
	}
	opts := &catalog.WaitOptions{MinInterval: wf.minInterval, MaxInterval: wf.maxInterval}
	if !a.json {
		opts.Progress = func(j *catalog.Job) {
			fmt.Fprintf(a.stderr, "job %s: %s, %d of %d rows processed\n", j.ID, j.Status, j.ProcessedRows, j.TotalRows)
		}
	}
	return client.Jobs.Wait(ctx, id, opts)
}

// jobEnded is the error of a job that ended other than completed with
// every row applied.
func jobEnded(j *catalog.Job) error {
	if j.Status != catalog.JobCompleted || j.FailedRows > 0 {
		return &rowsError{msg: fmt.Sprintf("job %s ended %s: %s failed", j.ID, j.Status, plural(j.FailedRows, "row", "rows"))}
	}
	return nil
}

// printRowErrors reads the row errors of job a page at a time (Jobs.Errors)
// and prints one line each as they come, under title when it is not
// empty; with --json it prints nothing and returns them all.
func (a *app) printRowErrors(ctx context.Context, client *catalog.Client, job *catalog.Job, title string) ([]rowErrorOut, error) {
	label := "row"
	if isFileJob(job) {
		label = "line"
	}
	out := []rowErrorOut{}
	for e, err := range client.Jobs.Errors(ctx, job.ID) {
		if err != nil {
			return out, err
		}
		if a.json {
			out = append(out, rowErrorsOut([]catalog.RowError{e}, nil)...)
			continue
		}
		if title != "" {
			fmt.Fprintf(a.stdout, "%s:\n", title)
			title = ""
		}
		fmt.Fprintf(a.stdout, "  %s\n", formatRowError(label, e))
	}
	return out, nil
}

// isFileJob reports whether j imports an uploaded file, whose row errors
// name lines of the file.
func isFileJob(j *catalog.Job) bool {
	return j.FileName != "" || j.Type == "import" || strings.HasPrefix(j.ID, "import_")
}

// formatRowError is a row error on one line: "line 3 A-1: reason (code)",
// or, for a row with several problems, each field and its reason:
// "line 3 A-1: ean[0]: reason; category: reason (code)".
func formatRowError(label string, e catalog.RowError) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d", label, e.Row)
	if e.EntityCode != "" {
		b.WriteString(" " + e.EntityCode)
	}
	reason := rowReason(e)
	if len(e.Problems) > 1 {
		parts := make([]string, len(e.Problems))
		for i, p := range e.Problems {
			parts[i] = p.Field + ": " + p.Reason
		}
		reason = strings.Join(parts, "; ")
	}
	b.WriteString(": " + strings.ReplaceAll(reason, "\n", " "))
	if e.Code != "" {
		b.WriteString(" (" + e.Code + ")")
	}
	return b.String()
}

func (a *app) printJob(j *catalog.Job) {
	if a.json {
		a.emitJSON(map[string]any{"ok": true, "command": "jobs", "job": j})
		return
	}
	a.printJobHeader(j)
	printFailures(a.stdout, "Row errors, by cause", j.Errors, &rowLines{rowsAreLines: isFileJob(j)})
}

// printJobHeader prints a job without its row errors.
func (a *app) printJobHeader(j *catalog.Job) {
	w := a.stdout
	fmt.Fprintf(w, "job %s (%s, source %s): %s\n", j.ID, j.Type, j.SourceID, j.Status)
	fmt.Fprintf(w, "  rows %d: %d processed, %d succeeded (%d created, %d updated), %d failed, %d auto-published\n",
		j.TotalRows, j.ProcessedRows, j.SuccessfulRows, j.CreatedRows, j.UpdatedRows, j.FailedRows, j.AutoPublished)
	if j.BatchID != "" {
		fmt.Fprintf(w, "  batch %s part %d of %d\n", j.BatchID, j.BatchPart, j.BatchTotalParts)
	}
	printTimes(w, j)
}

func printTimes(w io.Writer, j *catalog.Job) {
	for _, t := range []struct {
		name string
		at   time.Time
	}{{"created", j.CreatedAt}, {"started", j.StartedAt}, {"completed", j.CompletedAt}} {
		if !t.at.IsZero() {
			fmt.Fprintf(w, "  %-9s %s\n", t.name, t.at.UTC().Format(time.RFC3339))
		}
	}
}

func (a *app) queueCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "queue",
		Short: "Print the import queue: live counters, pending and processing jobs",
		Args:  exactArgs(),
		RunE: wrap(func(cmd *cobra.Command, _ []string) error {
			client, err := a.client()
			if err != nil {
				return err
			}
			q, err := client.Jobs.QueueStatus(cmd.Context())
			if err != nil {
				return err
			}
			if a.json {
				var stats any // null, as the platform sends it, when there are no live counters
				if q.Live {
					stats = map[string]int{"waiting": q.Waiting, "active": q.Active, "completed": q.Completed, "failed": q.Failed}
				}
				a.emitJSON(map[string]any{"ok": true, "command": "queue",
					"queue": map[string]any{"queue_stats": stats, "pending_jobs": q.PendingJobs, "processing_jobs": q.ProcessingJobs}})
				return nil
			}
			w := a.stdout
			if q.Live {
				fmt.Fprintf(w, "queue: %d waiting, %d active, %d completed, %d failed\n", q.Waiting, q.Active, q.Completed, q.Failed)
			} else {
				fmt.Fprintln(w, "queue: the platform gives no live counters")
			}
			for _, g := range []struct {
				name string
				jobs []catalog.Job
			}{{"pending", q.PendingJobs}, {"processing", q.ProcessingJobs}} {
				fmt.Fprintf(w, "%s jobs: %d\n", g.name, len(g.jobs))
				for _, j := range g.jobs {
					fmt.Fprintf(w, "  %s  %s  %d rows  batch %s\n", j.ID, j.SourceID, j.TotalRows, j.BatchID)
				}
			}
			return nil
		}),
	}
}

func (a *app) sourcesCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sources",
		Short: "Create import sources",
		Long: `sources creates import sources. The platform offers no call that reads a
source back (no GET on /api/b2b/pim/sources), so there is no "sources get":
keep the JSON you created a source from.`,
		Args: exactArgs(),
	}
	var (
		name         string
		m            mappingFlags
		locked       []string
		required     []string
		autoPublish  bool
		minScore     float64
		fromJSONFile string
	)
	create := &cobra.Command{
		Use:   "create ID",
		Short: "Create an import source: field mappings, locked fields, auto-publish rules",
		Long: `create creates the import source ID. A source that exists already is refused
by the platform (exit 3). --from-json reads the whole source from a file as
POST /api/b2b/pim/sources takes it; flags given as well win over it.`,
		Example: `  catalogctl sources create erp --name "ERP feed" --map Prix=pricing.list --locked name --auto-publish --required name,pricing.list`,
		Args:    exactArgs("ID"),
		RunE: wrap(func(cmd *cobra.Command, args []string) error {
			src := &catalog.Source{}
			if err := readJSONFlagFile("from-json", fromJSONFile, src, ""); err != nil {
				return err
			}
			src.ID = args[0]
			fl := cmd.Flags()
			if fl.Changed("name") {
				src.Name = name
			}
			mappings, err := m.fields()
			if err != nil {
				return err
			}
			if len(mappings) > 0 {
				src.FieldMappings = mappings
			}
			if fl.Changed("locked") {
				src.LockedFields = locked
			}
			if fl.Changed("required") {
				src.RequiredFields = required
			}
			if fl.Changed("auto-publish") {
				src.AutoPublishEnabled = catalog.Ptr(autoPublish)
			}
			if fl.Changed("min-score") {
				src.MinScoreThreshold = catalog.Ptr(minScore)
			}
			client, err := a.client()
			if err != nil {
				return err
			}
			out, err := client.Sources.Create(cmd.Context(), src)
			if err != nil {
				return err
			}
			if a.json {
				a.emitJSON(map[string]any{"ok": true, "command": "sources create", "source": out})
				return nil
			}
			fmt.Fprintf(a.stdout, "created source %s", out.ID)
			if out.Name != "" {
				fmt.Fprintf(a.stdout, " (%s)", out.Name)
			}
			fmt.Fprintln(a.stdout)
			for k, v := range out.FieldMappings {
				fmt.Fprintf(a.stdout, "  map %s -> %s\n", k, v)
			}
			return nil
		}),
	}
	fl := create.Flags()
	fl.StringVar(&name, "name", "", "a human-readable name")
	fl.StringVar(&m.file, "mapping", "", `a JSON file of field mappings: {"Column": "dotted.path"}`)
	fl.StringArrayVar(&m.pairs, "map", nil, "a field mapping, Incoming=dotted.path (repeatable)")
	fl.StringSliceVar(&locked, "locked", nil, "locked fields, comma-separated dotted paths")
	fl.StringSliceVar(&required, "required", nil, "required fields of the completeness score, comma-separated")
	fl.BoolVar(&autoPublish, "auto-publish", false, "publish versions whose completeness score reaches the threshold")
	fl.Float64Var(&minScore, "min-score", 0, "the score needed to publish (the platform's default: 80)")
	fl.StringVar(&fromJSONFile, "from-json", "", "read the source from a JSON file")
	cmd.AddCommand(create)
	return cmd
}
