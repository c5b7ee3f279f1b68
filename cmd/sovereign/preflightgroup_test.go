package main

import (
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/internal/fleettest"
)

// The account no stack file names is one line, not ten; written once in Pulumi.yaml's defaults it
// is no longer asked for, and a stack that names another account keeps its own.
func TestPreflightSharedAccount(t *testing.T) {
	code, _, errs := runCLI(t, "preflight", "--all", "--dir", repo)
	if code != exitConfig {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	var lines []string
	for _, l := range strings.Split(errs, "\n") {
		if strings.Contains(l, "global-sovereign:stack.allowedAccountIds") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "Pulumi.ams.yaml:8: global-sovereign:stack.allowedAccountIds: empty") ||
		!strings.Contains(lines[0], "(and the same in 9 more stack files: global, iad-development, iad-ezra, iad-staging, iad, jnb, sfo, sin, syd)") ||
		!strings.Contains(lines[0], "all.stack.allowedAccountIds") {
		t.Errorf("allowedAccountIds lines: %q", lines)
	}

	dir := fleettest.Copy(t, repo, fleettest.Edit{File: "Pulumi.yaml", Old: "      all:\n        alerts:\n",
		New: "      all:\n        stack:\n          allowedAccountIds: [\"111122223333\"]\n        alerts:\n"})
	if code, out, errs := runCLI(t, "validate", "--all", "--dir", dir); code != 0 {
		t.Fatalf("validate with a shared account: exit %d\n%s%s", code, out, errs)
	}
	if _, _, errs := runCLI(t, "preflight", "--all", "--dir", dir); strings.Contains(errs, "allowedAccountIds") {
		t.Errorf("preflight still asks for the shared account:\n%s", errs)
	}
}
