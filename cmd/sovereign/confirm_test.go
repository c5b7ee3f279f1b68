package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/global-sovereign/global-sovereign/internal/fleettest"
	"github.com/global-sovereign/global-sovereign/pkg/orchestrate"
	"github.com/global-sovereign/global-sovereign/pkg/orchestrate/autoengine"
)

// diffEngine previews a fixed diff for every stack and records the operations it ran.
type diffEngine struct {
	mu  sync.Mutex
	ops []string
}

func (e *diffEngine) Prepare(context.Context, []string, bool) ([]string, error) { return nil, nil }

func (e *diffEngine) Run(_ context.Context, op orchestrate.Op, stack string, _ func(orchestrate.Progress)) (orchestrate.Result, error) {
	e.mu.Lock()
	e.ops = append(e.ops, string(op)+" "+stack)
	e.mu.Unlock()
	steps := []orchestrate.Step{
		{Op: "create", Type: "aws:ec2/vpc:Vpc", Name: "gs-" + stack + "-vpc"},
		{Op: "replace", Type: "aws:rds/cluster:Cluster", Name: "gs-" + stack + "-db", Protected: true, Stateful: true},
	}
	return orchestrate.Result{Changes: orchestrate.Changes{Create: 1, Replace: 1}, Steps: steps}, nil
}

func (e *diffEngine) Unlock(context.Context, string) error { return nil }

func (e *diffEngine) ran() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return strings.Join(e.ops, ",")
}

// readyFleet is the committed fleet with ams's preflight values set, so up may start.
func readyFleet(t *testing.T) string {
	return fleettest.Copy(t, repo,
		fleettest.Edit{File: "Pulumi.ams.yaml", Old: "    environment: production\n", New: "    environment: production\n    allowedAccountIds: [\"111122223333\"]\n"},
		fleettest.Edit{File: "Pulumi.ams.yaml", Old: "    copyRegion: eu-central-1\n", New: "    copyRegion: eu-central-1\n" +
			"  global-sovereign:alerts:\n    emails: [oncall@corp.net]\n" +
			"  global-sovereign:ingress:\n    zoneId: Z04151873QH0YK4A1QZX1\n    zoneName: sovereign.corp.net\n" +
			"  global-sovereign:cluster:\n    adminRoleArns: [\"arn:aws:iam::111122223333:role/platform-admin\"]\n    deployer: {cidrs: [198.51.100.10/32]}\n    creatorRoleArn: arn:aws:iam::111122223333:role/deploy\n"},
	)
}

// On a terminal, up and destroy preview first, print each resource that changes (protected and
// stateful ones called out) and ask once: no runs the operation not at all, yes runs it; -y
// skips the preview and the question. Without a terminal they refuse without -y, before any
// engine work.
func TestConfirmation(t *testing.T) {
	dir := readyFleet(t)
	tests := []struct {
		name     string
		terminal bool
		args     []string
		answer   string
		wantCode int
		wantRan  string
		wantErr  []string
	}{
		{"terminal, yes", true, []string{"up", "--stack", "ams"}, "y\n", exitOK, "preview ams,up ams",
			[]string{"ams: 1 to create", "+- replace  aws:rds/cluster:Cluster gs-ams-db  !! protected", "1 protected or stateful resource(s)", "[y/N]"}},
		{"terminal, no", true, []string{"up", "--stack", "ams"}, "n\n", exitFailed, "preview ams",
			[]string{"+  create   aws:ec2/vpc:Vpc gs-ams-vpc", "up declined: nothing was changed"}},
		{"terminal, no answer", true, []string{"up", "--stack", "ams"}, "", exitFailed, "preview ams", []string{"declined"}},
		{"terminal, destroy previews a destroy", true, []string{"destroy", "--stack", "ams"}, "yes\n", exitOK, "preview-destroy ams,destroy ams", []string{"[y/N]"}},
		{"terminal, -y", true, []string{"up", "--stack", "ams", "-y"}, "", exitOK, "up ams", nil},
		{"no terminal, --yes", false, []string{"up", "--stack", "ams", "--yes"}, "", exitOK, "up ams", nil},
		{"no terminal, no --yes", false, []string{"up", "--stack", "ams"}, "y\n", exitConfig, "", []string{"no terminal to ask on", "--yes (-y)"}},
		{"no terminal, destroy", false, []string{"destroy", "--stack", "ams"}, "y\n", exitConfig, "", []string{"no terminal to ask on"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng := &diffEngine{}
			oldEngine, oldTerminal := newEngine, stdinIsTerminal
			defer func() { newEngine, stdinIsTerminal = oldEngine, oldTerminal }()
			newEngine = func(autoengine.Options) (orchestrate.Engine, error) { return eng, nil }
			stdinIsTerminal = func() bool { return tt.terminal }
			var out, errb bytes.Buffer
			args := append(tt.args, "--dir", dir, "--log-dir", t.TempDir())
			code := runWithInput(args, strings.NewReader(tt.answer), &out, &errb)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.wantCode, out.String(), errb.String())
			}
			if got := eng.ran(); got != tt.wantRan {
				t.Errorf("ran %q, want %q", got, tt.wantRan)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, errb.String())
				}
			}
		})
	}
}

// preview prints the same resource-level diff on stdout, ahead of its table.
func TestPreviewPrintsDiff(t *testing.T) {
	eng := &diffEngine{}
	oldEngine := newEngine
	defer func() { newEngine = oldEngine }()
	newEngine = func(autoengine.Options) (orchestrate.Engine, error) { return eng, nil }
	code, out, errs := runCLI(t, "preview", "--stack", "ams", "--dir", repo, "--log-dir", t.TempDir())
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	for _, w := range []string{"+  create   aws:ec2/vpc:Vpc gs-ams-vpc", "!! 1 replacement(s) or deletion(s)", "STACK"} {
		if !strings.Contains(out, w) {
			t.Errorf("preview output lacks %q:\n%s", w, out)
		}
	}
}

func TestParallelBelowOneRefused(t *testing.T) {
	code, _, errs := runCLI(t, "preview", "--all", "--dir", repo, "--parallel", "0")
	if code != exitConfig || !strings.Contains(errs, "--parallel 0: give at least 1") {
		t.Errorf("exit %d: %s", code, errs)
	}
}
