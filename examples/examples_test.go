// Package examples_test checks that each example program builds on its own
// when copied out of the repository, as a reader would copy it.
package examples_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestExamplesBuildWhenCopied(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: builds each example program in a module of its own (about 10 s)")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	mains, err := filepath.Glob(filepath.Join(root, "examples", "*", "main.go"))
	if err != nil || len(mains) < 7 {
		t.Fatalf("found %d example programs (%v), want every one of them", len(mains), err)
	}
	for _, main := range mains {
		name := filepath.Base(filepath.Dir(main))
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(main)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			goMod := "module example.com/" + name + "\n\ngo 1.24.0\n\n" +
				"require github.com/pimkit/catalog v0.0.0\n\n" +
				"replace github.com/pimkit/catalog => " + root + "\n"
			for file, data := range map[string][]byte{"main.go": src, "go.mod": []byte(goMod), "go.sum": sum} {
				if err := os.WriteFile(filepath.Join(dir, file), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			// Offline: every module comes from the local module cache, which
			// the repository's own build has filled; -mod=mod lets go add
			// the catalog module's requirements to the copy's go.mod.
			cmd := exec.Command("go", "build", "-o", filepath.Join(dir, name), ".")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("go build of a copy of examples/%s/main.go: %v\n%s", name, err, out)
			}
		})
	}
}
