// Command catalogctl runs catalog imports from the command line (import,
// analyze, upload, sync, jobs, queue, sources) and the fake catalog
// platform as a process (fake-server), for test suites in any language.
//
// Install it with:
//
//	go install github.com/pimkit/catalog/cmd/catalogctl@latest
//
// and see catalogctl --help for the commands, the credentials and the exit
// codes.
package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/pimkit/catalog"
)

// Exit codes, for scripts. Documented in the root command's help and the
// README.
const (
	exitOK          = 0   // everything asked was done
	exitUsage       = 1   // bad command line, missing credentials, unreadable local file
	exitRows        = 2   // some rows failed or their outcome is unknown; a job failed; a removal limit held
	exitRefused     = 3   // the platform refused: 401, 403, 404, 409, 413, 429, 400
	exitNetwork     = 4   // no answer: the server could not be reached, or the connection failed
	exitServer      = 5   // the platform answered 5xx after the retries
	exitInterrupted = 130 // SIGINT or SIGTERM
)

const exitCodesHelp = `Exit codes:
  0    everything asked was done
  1    usage error: bad flags or arguments, missing credentials, a local file
       that cannot be read or mapped
  2    some rows failed or their outcome is unknown (for causes of more
       than one class below, or rejected on their own); a job ended failed
       or with errors; a removal limit kept a sync from removing, or would
       (sync --dry-run)
  3    the platform refused the request (401 unauthenticated, 403, 404, 409,
       413, 429 after retries, 400, a file it cannot read)
  4    network: the server could not be reached, or the connection failed
       before an answer (the outcome of an import may be unknown)
  5    the platform answered with a server error (5xx) after retries
  130  interrupted (SIGINT or SIGTERM)
When every row that failed or is unknown failed for a cause of one class
(3, 4 or 5), import and sync exit with that class's code, with or without
--stop-on-error.`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// app is one run of catalogctl: its outputs, environment and global flags.
type app struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// terminal reports whether w is a terminal, for the progress bar.
	terminal func(w io.Writer) bool
	scrub    *scrubber

	baseURL      string
	apiKeyID     string
	apiSecret    string
	token        string
	session      string
	json         bool
	printedJSON  bool // the command printed its JSON document
	insecureHTTP bool
	rateLimit    string
	timeout      string
	retries      int
}

// run runs catalogctl with args and returns its exit code. Tests call it
// in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	a := &app{getenv: getenv, terminal: isTerminal, scrub: &scrubber{}}
	a.stdout, a.stderr = a.scrub.writer(stdout), a.scrub.writer(stderr)
	// Secrets from the environment are scrubbed from the start.
	for _, k := range []string{envAPISecret, envToken, envSession} {
		a.scrub.add(getenv(k))
	}
	// And those of the command line, before it is parsed: an error about
	// the command line must not show them either. fake-server's are test
	// credentials that it prints on purpose.
	for i, arg := range args {
		if slices.Contains(args, "fake-server") {
			break
		}
		for _, name := range []string{"--api-secret", "--token", "--session"} {
			if v, ok := strings.CutPrefix(arg, name+"="); ok {
				a.scrub.add(v)
			} else if arg == name && i+1 < len(args) {
				a.scrub.add(args[i+1])
			}
		}
	}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	code := exitCode(ctx, err)
	msg := err.Error()
	fmt.Fprintf(a.stderr, "catalogctl: %s\n", msg)
	if code == exitUsage && !isCommandError(err) {
		fmt.Fprintln(a.stderr, "Run 'catalogctl --help' for usage.")
	}
	if a.json && !a.printedJSON {
		a.emitJSON(map[string]any{"ok": false, "error": msg, "exit_code": code})
	}
	return code
}

func isTerminal(w io.Writer) bool {
	if sw, ok := w.(*scrubWriter); ok {
		w = sw.w
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// commandError is an error a command's own work returned, as opposed to
// one of the command line (unknown flag, wrong number of arguments).
type commandError struct{ err error }

func (e *commandError) Error() string { return e.err.Error() }
func (e *commandError) Unwrap() error { return e.err }

func isCommandError(err error) bool {
	var ce *commandError
	return errors.As(err, &ce)
}

// usageError is a command's error that is the caller's to fix. err, when
// set, is the error it reports, for errors.As.
type usageError struct {
	msg string
	err error
}

func (e *usageError) Error() string { return e.msg }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return &usageError{msg: fmt.Sprintf(format, args...)} }

// rowsError says that a command ran to the end but not every row, job or
// removal went through. code, when set, is the exit code of the one class
// every failed row failed for (see rowsExit); 0 means exitRows.
type rowsError struct {
	msg  string
	code int
}

func (e *rowsError) Error() string { return e.msg }

// exitCode maps an error to the exit code a script reads.
func exitCode(ctx context.Context, err error) int {
	var (
		ue   *usageError
		rows *rowsError
	)
	switch {
	case !isCommandError(err):
		return exitUsage // cobra's: unknown command or flag, bad arguments
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.As(err, &ue):
		return exitUsage
	case errors.As(err, &rows):
		return cmp.Or(rows.code, exitRows)
	case errors.Is(err, catalog.ErrJobFailed), errors.Is(err, catalog.ErrRemovalLimit):
		return exitRows
	}
	return cmp.Or(failureClass(err), exitUsage)
}

// failureClass is the exit code of what befell a request: exitRefused,
// exitNetwork or exitServer; 0 for an error of none of these classes. It
// is the one rule for a command's error and for each failed row's cause.
func failureClass(err error) int {
	var (
		apiErr *catalog.APIError
		urlErr *url.Error
		netErr net.Error
	)
	switch {
	case err == nil:
		return 0
	case errors.As(err, &apiErr):
		if apiErr.StatusCode >= 500 {
			return exitServer
		}
		return exitRefused
	case errors.Is(err, catalog.ErrServer):
		return exitServer
	case errors.Is(err, catalog.ErrUnauthorized), errors.Is(err, catalog.ErrForbidden), errors.Is(err, catalog.ErrNotFound),
		errors.Is(err, catalog.ErrConflict), errors.Is(err, catalog.ErrTooLarge), errors.Is(err, catalog.ErrRateLimited),
		errors.Is(err, catalog.ErrValidation):
		return exitRefused
	case errors.Is(err, catalog.ErrOutcomeUnknown), errors.As(err, &urlErr), errors.As(err, &netErr),
		errors.Is(err, context.DeadlineExceeded):
		return exitNetwork
	}
	return 0
}

// rowsExit is the exit code of rows that failed or whose outcome is
// unknown: the class of their causes (see failureClass) when every row
// has a cause of one class, else exitRows (a row rejected on its own, by
// the client or the platform, has no cause). 0 when there is no such row.
func rowsExit(reports ...catalog.RowReport) int {
	code := 0
	for _, r := range reports {
		for _, e := range slices.Concat(r.Failed, r.Unknown) {
			c := failureClass(e.Cause)
			switch {
			case c == 0:
				return exitRows
			case code == 0:
				code = c
			case c != code:
				return exitRows
			}
		}
	}
	return code
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "catalogctl",
		Short: "Catalog imports from the command line, and the fake catalog platform as a process",
		Long: `catalogctl imports product files into the catalog platform, follows import
jobs and the queue, creates import sources, syncs a whole catalog, and runs
the fake platform (package catalogtest) as a process for test suites in any
language.

Credentials come from flags or the environment (flags win):
  CATALOG_BASE_URL                        the platform's base URL (--base-url)
  CATALOG_API_KEY_ID, CATALOG_API_SECRET  an API key (--api-key-id, --api-secret)
  CATALOG_TOKEN                           a bearer token (--token)
  CATALOG_SESSION                         a session cookie (--session)
  CATALOG_SOURCE_ID                       the import source (--source)
Secrets are never printed: not in output, --json, errors or help.

` + exitCodesHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRun: func(*cobra.Command, []string) {
			for _, s := range []string{a.apiSecret, a.token, a.session} {
				a.scrub.add(s)
			}
		},
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return err })
	pf := root.PersistentFlags()
	pf.StringVar(&a.baseURL, "base-url", "", "the platform's base URL (env CATALOG_BASE_URL)")
	pf.StringVar(&a.apiKeyID, "api-key-id", "", "API key id (env CATALOG_API_KEY_ID)")
	pf.StringVar(&a.apiSecret, "api-secret", "", "API key secret (env CATALOG_API_SECRET); never printed")
	pf.StringVar(&a.token, "token", "", "bearer token (env CATALOG_TOKEN); never printed")
	pf.StringVar(&a.session, "session", "", "session cookie value (env CATALOG_SESSION); never printed")
	pf.BoolVar(&a.json, "json", false, "print one JSON document on stdout, for machines; no progress")
	pf.BoolVar(&a.insecureHTTP, "insecure-http", false, "allow credentials over plain http:// to a host that is not loopback")
	pf.StringVar(&a.rateLimit, "rate-limit", "", `the client's request pace, "N/window" such as 40/1m, or "off" (default: the platform's 40 a minute)`)
	pf.StringVar(&a.timeout, "timeout", "", "bound on each HTTP attempt, such as 30s (default: the client's)")
	pf.IntVar(&a.retries, "retries", 4, "retries of a failed attempt, with backoff from 500ms to 30s; 0 turns retrying off")

	root.AddCommand(a.fakeServerCommand(), a.importCommand(), a.analyzeCommand(), a.uploadCommand(),
		a.syncCommand(), a.jobsCommand(), a.queueCommand(), a.sourcesCommand(), a.fieldsCommand())
	return root
}

// wrap marks a command's errors as its own (see commandError).
func wrap(fn func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := fn(cmd, args); err != nil {
			return &commandError{err: err}
		}
		return nil
	}
}

// exactArgs is cobra.ExactArgs naming what is expected.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != len(names) {
			return fmt.Errorf("expected %d argument(s), %s; got %d", len(names), strings.Join(names, " "), len(args))
		}
		return nil
	}
}
