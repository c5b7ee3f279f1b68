package main

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var updateRunbook = flag.Bool("update", false, "rewrite the generated help in docs/operations/aurora-global-failover.md")

const runbook = repo + "/docs/operations/aurora-global-failover.md"

var helpBlock = regexp.MustCompile("(?s)(<!-- failover help:[^\n]*-->\n```text\n)(.*?)(```\n<!-- end of generated help -->)")

// The runbook is the command's documentation: its help block is `sovereign failover --help`,
// regenerated with -update.
func TestRunbookHelp(t *testing.T) {
	code, help, errs := runCLI(t, "failover", "--help")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	data, err := os.ReadFile(runbook)
	if err != nil {
		t.Fatal(err)
	}
	m := helpBlock.FindSubmatchIndex(data)
	if m == nil {
		t.Fatalf("%s has no generated help block", runbook)
	}
	if *updateRunbook {
		out := string(data[:m[4]]) + help + string(data[m[5]:])
		if err := os.WriteFile(filepath.Clean(runbook), []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got := string(data[m[4]:m[5]]); got != help {
		t.Errorf("the runbook's help block is stale; run go test ./cmd/sovereign -run TestRunbookHelp -update\n--- runbook\n%s\n--- help\n%s", got, help)
	}
}

func TestFailoverUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"failover", "--to", "iad"}, "say exactly one of --planned and --unplanned"},
		{[]string{"failover", "--to", "iad", "--planned", "--unplanned"}, "say exactly one of --planned and --unplanned"},
		{[]string{"failover", "--to", "iad", "--unplanned"}, "add --allow-data-loss"},
		{[]string{"failover", "--to", "nowhere", "--planned"}, `--to "nowhere": not a member of a global database`},
		{[]string{"failover", "--planned"}, `required flag(s) "to" not set`},
	} {
		code, _, errs := runCLI(t, append(tt.args, "--dir", repo)...)
		if code != 2 || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, %s; want 2 and %q", tt.args, code, errs, tt.want)
		}
	}
}
