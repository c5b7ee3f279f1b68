package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The project root is found as pulumi finds it: from the working directory (or -C) upwards.
// Without a Pulumi.yaml anywhere above, the command refuses in one line with the fix, exit 2.
func TestProjectRoot(t *testing.T) {
	abs, err := filepath.Abs(repo)
	if err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(abs, "components", "cluster")
	empty := t.TempDir()
	tests := []struct {
		name     string
		chdir    string
		args     []string
		wantCode int
		want     string
	}{
		{"from a subdirectory", sub, []string{"validate", "--stack", "ams"}, exitOK, "ok: 1 stack(s) valid"},
		{"-C a subdirectory", empty, []string{"-C", sub, "validate", "--stack", "ams"}, exitOK, "ok: 1 stack(s) valid"},
		{"--cwd after the command", empty, []string{"validate", "--stack", "ams", "--cwd", abs}, exitOK, "ok: 1 stack(s) valid"},
		{"--dir still works", empty, []string{"validate", "--stack", "ams", "--dir", abs}, exitOK, "ok: 1 stack(s) valid"},
		{"no project", empty, []string{"validate", "--all"}, exitConfig, "no Pulumi.yaml in " + empty + " or any directory above it"},
		{"no such -C", empty, []string{"validate", "--all", "-C", filepath.Join(empty, "nope")}, exitConfig, "no such directory"},
	}
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.Chdir(tt.chdir); err != nil {
				t.Fatal(err)
			}
			defer os.Chdir(wd)
			code, out, errs := runCLI(t, tt.args...)
			if code != tt.wantCode || !strings.Contains(out+errs, tt.want) {
				t.Errorf("exit %d (want %d), want %q in:\n%s%s", code, tt.wantCode, tt.want, out, errs)
			}
			if tt.wantCode == exitConfig && strings.Count(strings.TrimSpace(errs), "\n") > 0 {
				t.Errorf("want one line:\n%s", errs)
			}
		})
	}
}

// version names the SDK and each provider plugin this build starts; it needs no project.
func TestVersion(t *testing.T) {
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	if err := os.Chdir(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "version")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"commit:", "pulumi sdk: v3.", "plugin:     aws v6.", "plugin:     eks v3.", "plugin:     kubernetes v4."} {
		if !strings.Contains(out, want) {
			t.Errorf("version lacks %q:\n%s", want, out)
		}
	}
	if code, _, _ := runCLI(t, "version", "--cwd", "."); code != exitConfig {
		t.Error("version accepts --cwd, which it does not use")
	}
}

// A flag is registered only on the commands that use it.
func TestFlagsOnlyWhereUsed(t *testing.T) {
	root := newRoot()
	has := func(cmd, flag string) bool {
		c, _, err := root.Find([]string{cmd})
		if err != nil {
			t.Fatal(err)
		}
		return c.Flags().Lookup(flag) != nil || c.PersistentFlags().Lookup(flag) != nil
	}
	for _, tt := range []struct {
		cmd, flag string
		want      bool
	}{
		{"up", "secrets-provider", true}, {"preview", "secrets-provider", false}, {"destroy", "secrets-provider", false},
		{"up", "yes", true}, {"destroy", "yes", true}, {"preview", "yes", false}, {"refresh", "yes", false},
		{"refresh", "preview-only", true}, {"up", "preview-only", false},
		{"validate", "cwd", true}, {"version", "cwd", false}, {"drift-report", "cwd", false},
	} {
		if got := has(tt.cmd, tt.flag); got != tt.want {
			t.Errorf("%s --%s registered: %v, want %v", tt.cmd, tt.flag, got, tt.want)
		}
	}
}
