package catalog

import "testing"

// Rows are named by their file lines when each has one, in ranges, the
// first few only; else by their positions.
func TestRowsNamed(t *testing.T) {
	lines := []int{2, 3, 4, 6, 7, 9, 11, 13, 15, 17, 19, 21}
	rows := func(rs ...int) []RowError {
		out := make([]RowError, len(rs))
		for i, r := range rs {
			out[i] = RowError{Row: r}
			if r < len(lines) {
				out[i].Line = lines[r]
			}
		}
		return out
	}
	for _, c := range []struct {
		rows []RowError
		want string
	}{
		{rows(0), "line 2"},
		{rows(0, 1, 2, 3, 4), "lines 2-4, 6-7"},
		{rows(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), "lines 2-4, 6-7, 9, 11, 13, 15, 17, 19 and 1 more"},
		{rows(3, 12), "rows 3, 12"}, // row 12 has no known line: rows by position
		{[]RowError{{Row: 5}}, "row 5"},
	} {
		if got := rowsNamed(c.rows); got != c.want {
			t.Errorf("rowsNamed(%v) = %q, want %q", c.rows, got, c.want)
		}
	}
}
