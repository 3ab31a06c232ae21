package importfile

import (
	"os/exec"
	"strings"
	"testing"
)

// A program that reads CSV and JSON compiles no spreadsheet library: only
// package importfile/xlsx imports excelize, only importfile/xls the OLE2
// container library.
func TestNoSpreadsheetLibrary(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on the PATH")
	}
	out, err := exec.Command(goCmd, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Skipf("go list: %v\n%s", err, out)
	}
	for dep := range strings.FieldsSeq(string(out)) {
		if strings.Contains(dep, "excelize") {
			t.Fatalf("importfile depends on %s: keep XLSX reading in importfile/xlsx", dep)
		}
		if strings.Contains(dep, "mscfb") || strings.HasSuffix(dep, "importfile/xls") {
			t.Fatalf("importfile depends on %s: keep XLS reading in importfile/xls", dep)
		}
	}
}
