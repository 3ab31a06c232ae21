package contract

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/pimkit/catalog/internal/fakehook"
)

// RunTests runs a test binary with every catalogtest server checked against
// the contract, for a TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(contract.RunTests(m)) }
//
// It returns m.Run's code, or 1 when the tests passed but some exchange
// broke the contract; each distinct mismatch is printed once, with how
// often it happened.
func RunTests(m *testing.M) int {
	var c collector
	fakehook.Wrap = func(h http.Handler) http.Handler { return Middleware(h, c.add) }
	code := m.Run()
	fakehook.Wrap = nil
	if n := c.print(os.Stderr); n > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: %d exchanges broke the contract api/openapi.yaml\n", n)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// collector gathers mismatches from concurrent handlers.
type collector struct {
	mu     sync.Mutex
	counts map[string]int
	total  int
}

func (c *collector) add(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = make(map[string]int)
	}
	c.counts[err.Error()]++
	c.total++
}

// print writes each distinct mismatch and returns how many there were in all.
func (c *collector) print(w io.Writer) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range slices.Sorted(maps.Keys(c.counts)) {
		fmt.Fprintf(w, "contract mismatch (x%d): %s\n", c.counts[m], m)
	}
	return c.total
}
