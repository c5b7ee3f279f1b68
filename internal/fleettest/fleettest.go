// Package fleettest copies the project's stack files into a temporary directory, with edits,
// for tests that need a broken or altered fleet.
package fleettest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Edit replaces Old with New (once) in one stack file.
type Edit struct{ File, Old, New string }

// Copy copies every Pulumi*.yaml of repo into a new temp dir, applies the edits, and returns
// the dir. An edit whose Old text is missing fails the test: the test is stale.
func Copy(t testing.TB, repo string, edits ...Edit) string {
	t.Helper()
	dir := t.TempDir()
	files, err := filepath.Glob(filepath.Join(repo, "Pulumi*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no stack files in %s: %v", repo, err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		for _, e := range edits {
			if e.File != filepath.Base(f) {
				continue
			}
			if !strings.Contains(text, e.Old) {
				t.Fatalf("%s does not contain %q", e.File, e.Old)
			}
			text = strings.Replace(text, e.Old, e.New, 1)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
