package main

import (
	"fmt"
	"io"
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
			client, err := a.client()
			if err != nil {
				return err
			}
			job, err := client.Jobs.Get(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			a.printJob(job)
			return nil
		}),
	}
	var minInterval, maxInterval time.Duration
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
			ctx := cmd.Context()
			if d, _ := cmd.Flags().GetDuration("wait-timeout"); d > 0 {
				var cancel func()
				ctx, cancel = contextWithTimeout(ctx, d)
				defer cancel()
			}
			opts := &catalog.WaitOptions{MinInterval: minInterval, MaxInterval: maxInterval}
			if !a.json {
				opts.Progress = func(j *catalog.Job) {
					fmt.Fprintf(a.stderr, "job %s: %s, %d of %d rows processed\n", j.ID, j.Status, j.ProcessedRows, j.TotalRows)
				}
			}
			job, err := client.Jobs.Wait(ctx, args[0], opts)
			if job != nil {
				a.printJob(job)
			}
			if err != nil {
				return err
			}
			if job.Status != catalog.JobCompleted {
				return &rowsError{msg: fmt.Sprintf("job %s ended %s: %d rows failed", job.ID, job.Status, job.RowsFailed())}
			}
			return nil
		}),
	}
	wait.Flags().DurationVar(&minInterval, "min-interval", 0, "first delay between polls (1s unless set)")
	wait.Flags().DurationVar(&maxInterval, "max-interval", 0, "longest delay between polls (30s unless set)")
	wait.Flags().Duration("wait-timeout", 0, "give up waiting after this long (exit 4)")
	errs := &cobra.Command{
		Use:   "errors ID",
		Short: "Print the row errors of an import job",
		Long: `errors prints the rows of the job that failed, with their reasons. This build
reads them from the job itself (GET /api/b2b/pim/jobs/{jobId}, its
import_errors); the platform's paged job-errors call (Jobs.Errors) is not in
this build.`,
		Args: exactArgs("ID"),
		RunE: wrap(func(cmd *cobra.Command, args []string) error {
			client, err := a.client()
			if err != nil {
				return err
			}
			job, err := client.Jobs.Get(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if a.json {
				a.emitJSON(map[string]any{"ok": true, "command": "jobs errors", "job_id": job.ID,
					"status": job.Status, "failed_rows": job.RowsFailed(), "errors": rowErrorsOut(job.Errors)})
				return nil
			}
			fmt.Fprintf(a.stdout, "job %s: %s, %d failed rows\n", job.ID, job.Status, job.RowsFailed())
			for _, e := range job.Errors {
				fmt.Fprintf(a.stdout, "  row %d %s: %s\n", e.Row, e.EntityCode, e.Reason)
			}
			return nil
		}),
	}
	cmd.AddCommand(get, wait, errs)
	return cmd
}

func (a *app) printJob(j *catalog.Job) {
	if a.json {
		a.emitJSON(map[string]any{"ok": true, "command": "jobs", "job": j})
		return
	}
	w := a.stdout
	fmt.Fprintf(w, "job %s (%s, source %s): %s\n", j.ID, j.Type, j.SourceID, j.Status)
	fmt.Fprintf(w, "  rows %d: %d processed, %d succeeded (%d created, %d updated), %d failed, %d auto-published\n",
		j.TotalRows, j.ProcessedRows, j.RowsSucceeded(), j.CreatedRows, j.UpdatedRows, j.RowsFailed(), j.AutoPublished)
	if j.BatchID != "" {
		fmt.Fprintf(w, "  batch %s part %d of %d\n", j.BatchID, j.BatchPart, j.BatchTotalParts)
	}
	printTimes(w, j)
	listRows(w, "Row errors", j.Errors)
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
				a.emitJSON(map[string]any{"ok": true, "command": "queue", "queue": q})
				return nil
			}
			w := a.stdout
			if s := q.Stats; s != nil {
				fmt.Fprintf(w, "queue: %d waiting, %d active, %d completed, %d failed\n", s.Waiting, s.Active, s.Completed, s.Failed)
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
			if fromJSONFile != "" {
				data, err := readFile(fromJSONFile)
				if err != nil {
					return err
				}
				if err := jsonUnmarshalStrict(data, src); err != nil {
					return usagef("--from-json %s: %v", fromJSONFile, err)
				}
			}
			src.ID = args[0]
			fl := cmd.Flags()
			if fl.Changed("name") {
				src.Name = name
			}
			mappings := map[string]string{}
			if m.file != "" {
				data, err := readFile(m.file)
				if err != nil {
					return err
				}
				if err := jsonUnmarshalStrict(data, &mappings); err != nil {
					return usagef("--mapping %s: %v", m.file, err)
				}
			}
			if err := parseMap(m.pairs, mappings); err != nil {
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
