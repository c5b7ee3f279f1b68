package doccmds

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGoTestProblems(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "pkg", "a"), 0o755); err != nil {
		t.Fatal(err)
	}
	src := "package a\n\nvar update = flag.Bool(\"update\", false, \"\")\n\nfunc TestAlpha(t *testing.T) {}\nfunc TestBetaGamma(t *testing.T) {}\n"
	if err := os.WriteFile(filepath.Join(dir, "pkg", "a", "a_test.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "pkg", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pkg", "b", "b_test.go"), []byte("package b\n\nfunc TestB(t *testing.T) {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for cmd, want := range map[string]string{
		"go test ./pkg/a -run 'TestAlpha|TestBetaGamma' -count=1": "",
		"go test ./pkg/a -run TestBeta":                           "", // a prefix, as go test matches
		"go test ./pkg/a -run 'Test(Alpha|Beta)'":                 "",
		"go test ./pkg/a -run TestAlpha/sub":                      "",
		"go test ./pkg/a -run TestAlpha -update":                  "",
		"go test ./pkg/a -run 'TestAlpha|TestGone'":               `"TestGone" matches no test`,
		"go test ./pkg/missing -run TestAlpha":                    "has no test files",
		"go test ./pkg/b -run TestB -update":                      "defines that flag",
		"go test -run TestAlpha":                                  "names no package",
	} {
		got := strings.Join(GoTestProblems(dir, strings.Fields(cmd)), "; ")
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("%s: got %q, want %q", cmd, got, want)
		}
	}
}
