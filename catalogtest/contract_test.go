package catalogtest_test

import (
	"os"
	"testing"

	"github.com/pimkit/catalog/internal/contract"
)

// TestMain checks every exchange with a catalogtest server against
// api/openapi.yaml; a mismatch fails the run.
func TestMain(m *testing.M) { os.Exit(contract.RunTests(m)) }
