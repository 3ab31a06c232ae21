package importfile

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A stream over a reader that seeks can be ranged again, each range from
// the first row, as a dry run and then the real run of a sync do; its
// Lines follow the last range. A reader that cannot seek back is read
// once: a second range yields one error, never a silent empty stream.
func TestProductsCanBeReadAgain(t *testing.T) {
	csv := "sku;price\nA;1\nB;2\nC;3\n"
	path := filepath.Join(t.TempDir(), "feed.csv")
	if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := Mapping{Fields: map[string]string{"sku": "entity_code", "price": "pricing.list"}}
	lines := new(Lines)
	products := Products(f, "feed.csv", m, &Options{Lines: lines})
	codes := func() string {
		var got []string
		for p, err := range products {
			if err != nil {
				got = append(got, "error: "+err.Error())
				continue
			}
			got = append(got, p.EntityCode)
		}
		return strings.Join(got, ",")
	}
	for i := range 3 {
		if got := codes(); got != "A,B,C" {
			t.Fatalf("range %d: %s, want A,B,C", i+1, got)
		}
	}
	if lines.Line(0) != 2 || lines.Line(2) != 4 || lines.Line(3) != 0 {
		t.Errorf("lines %d, %d, %d; want 2, 4 and none past the last row", lines.Line(0), lines.Line(2), lines.Line(3))
	}

	once := Products(bytes.NewBufferString(csv), "feed.csv", m, nil)
	for range once {
	}
	var errs []error
	for _, err := range once {
		errs = append(errs, err)
	}
	if len(errs) != 1 || errs[0] == nil || !strings.Contains(errs[0].Error(), "cannot seek back") {
		t.Errorf("second range of a reader that cannot seek: %v", errs)
	}
}
