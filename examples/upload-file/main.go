// Command upload-file imports a spreadsheet export two ways. First through
// the platform's file pipeline: it analyzes the file (locally, then on the
// server), uploads it, follows the job and prints its row errors page by
// page. Then through ImportAll: the same file is read as a stream of
// products with package importfile and the same column mapping.
//
// With no configuration it writes a small CSV export of its own and runs
// against an in-process fake server (package catalogtest):
//
//	go run ./examples/upload-file
//	go run ./examples/upload-file -file export.csv   # or .xlsx, .xls
//
// To run it against a real tenant, set CATALOG_BASE_URL, one credential
// (CATALOG_TOKEN; or CATALOG_API_KEY_ID and CATALOG_API_SECRET; or
// CATALOG_SESSION) and the import source CATALOG_SOURCE_ID.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
	"github.com/pimkit/catalog/importfile"
	"github.com/pimkit/catalog/importfile/xls"
	"github.com/pimkit/catalog/importfile/xlsx"
)

// fileOptions read XLSX and XLS workbooks too, as the platform does.
var fileOptions = &importfile.Options{XLSX: xlsx.Read, XLS: xls.Read}

// mapping maps the export's columns to product fields, in the dotted-path
// language of an import source's field_mappings.
var mapping = map[string]string{
	"Code":  "entity_code",
	"Titre": "name",
	"Prix":  "pricing.list",
	"EAN":   "ean",
	"Stock": "quantity",
}

func main() {
	file := flag.String("file", "", "the file to import (default: a small CSV export written for the run)")
	flag.Parse()
	log.SetFlags(0)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *file); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, path string) error {
	if path == "" {
		dir, err := os.MkdirTemp("", "upload-file-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "export.csv")
		if err := os.WriteFile(path, []byte(sampleExport), 0o644); err != nil {
			return err
		}
	}
	client, sourceID, closeFn, err := connect()
	if err != nil {
		return err
	}
	defer closeFn()

	// 1. Check the file locally: no server, no credentials.
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	local, err := importfile.Analyze(f, filepath.Base(path), -1, fileOptions)
	f.Close()
	if err != nil {
		return fmt.Errorf("local analysis: %w", err) // a *catalog.FileFormatError names the line
	}
	fmt.Printf("local analysis of %s: %d bytes, %d rows read\n", local.FileName, local.FileSize, local.TotalRows)
	for _, c := range local.Columns {
		fmt.Printf("  %-6s %-7s samples %q, %d empty\n", c.Name, c.Type, c.SampleValues, c.EmptyCount)
	}

	// 2. The server's analysis of the same file.
	// An *os.File is read from its current offset, and again by a retry.
	if f, err = os.Open(path); err != nil {
		return err
	}
	defer f.Close()
	remote, err := client.Imports.Analyze(ctx, filepath.Base(path), f)
	if err != nil {
		return fmt.Errorf("server analysis: %w", err)
	}
	fmt.Printf("server analysis: %d columns, %d rows read\n", len(remote.Columns), remote.TotalRows)

	// 3. Upload it and follow the job.
	if _, err := f.Seek(0, io.SeekStart); err != nil { // back to the start after the analysis
		return err
	}
	job, err := client.Imports.Upload(ctx, sourceID, filepath.Base(path), f, &catalog.UploadOptions{
		FieldMappings: mapping,
		Progress:      func(sent int64) { fmt.Printf("  sent %d bytes\n", sent) },
	})
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	fmt.Printf("uploaded as job %s (%s)\n", job.ID, job.Status)
	waitCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	job, err = client.Jobs.Wait(waitCtx, job.ID, &catalog.WaitOptions{MinInterval: 200 * time.Millisecond})
	if err != nil && !errors.Is(err, catalog.ErrJobFailed) {
		return fmt.Errorf("waiting for %s: %w", job.ID, err)
	}
	fmt.Printf("job %s %s: %d rows, %d created, %d updated, %d failed\n",
		job.ID, job.Status, job.TotalRows, job.CreatedRows, job.UpdatedRows, job.FailedRows)

	// 4. Its row errors, read a page at a time as the loop goes.
	fmt.Println("  row errors:")
	for rowErr, err := range client.Jobs.Errors(ctx, job.ID) {
		if err != nil {
			return fmt.Errorf("row errors: %w", err)
		}
		fmt.Printf("    line %d: %s: %s\n", rowErr.Row, rowErr.Code, rowErr.Reason)
	}

	// 5. The same file streamed through ImportAll: the rows are read,
	// converted and sent in batches; a row that does not convert is a
	// failed row naming its line and column.
	f, err = os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	products := importfile.Products(f, filepath.Base(path), importfile.Mapping{Fields: mapping}, fileOptions)
	report, err := client.Products.ImportAll(ctx, sourceID, products, nil)
	if err != nil {
		return fmt.Errorf("ImportAll: %w", err)
	}
	fmt.Printf("ImportAll: %d rows read, %d imported, %d failed, %d unknown\n",
		report.Read, report.Succeeded, len(report.Failed), len(report.Unknown))
	for _, e := range report.Failed {
		fmt.Println("   ", e.Error())
	}
	return nil
}

// sampleExport is a French ERP's export: a byte order mark, semicolons,
// decimal commas, a quoted cell holding the delimiter, a bad EAN and a
// price that is not a number.
const sampleExport = "\xEF\xBB\xBFCode;Titre;Prix;EAN;Stock\n" +
	"VAN-12;Vanne à sphère 1/2\";12,50;4006381333931;420\n" +
	"VAN-34;\"Vanne à sphère 3/4\"\" ; laiton\";15,90;96385074;260\n" +
	"COU-22;Coude cuivre 22mm;3,90;4006381333932;1200\n" +
	"CLA-12;Clapet 1/2\";9,9O;;85\n" +
	"TUB-15;Tube cuivre 15mm;7,20;12345;40\n"

// connect returns a client and the import source to use, and a function to
// call when done. Without CATALOG_BASE_URL it starts an in-process fake of
// the platform (package catalogtest), so the program runs anywhere; with
// it, catalog.NewClientFromEnv reads one credential (CATALOG_TOKEN; or
// CATALOG_API_KEY_ID and CATALOG_API_SECRET; or CATALOG_SESSION), and
// CATALOG_SOURCE_ID names the import source.
func connect(opts ...catalog.Option) (*catalog.Client, string, func(), error) {
	if os.Getenv("CATALOG_BASE_URL") == "" {
		srv := catalogtest.NewServer()
		client, err := srv.Client(opts...)
		if err != nil {
			srv.Close()
			return nil, "", nil, err
		}
		fmt.Printf("using an in-process fake server at %s (set CATALOG_BASE_URL for a real tenant)\n", srv.URL)
		return client, catalogtest.DefaultSourceID, srv.Close, nil
	}
	sourceID := os.Getenv("CATALOG_SOURCE_ID")
	if sourceID == "" {
		return nil, "", nil, errors.New("CATALOG_SOURCE_ID is not set: name the import source to apply")
	}
	client, err := catalog.NewClientFromEnv(os.Getenv, opts...)
	if err != nil {
		return nil, "", nil, err
	}
	return client, sourceID, func() {}, nil
}
