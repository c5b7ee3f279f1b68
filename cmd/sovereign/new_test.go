package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/internal/fleettest"
)

// scaffoldFleet is pkg/scaffold's frozen copy of the fleet: stacks merged into the repository
// later do not change what these tests add.
var scaffoldFleet = filepath.Join(repo, "pkg", "scaffold", "testdata", "fleet")

func TestNewRegionCommand(t *testing.T) {
	dir := fleettest.Copy(t, scaffoldFleet)
	code, out, errs := runCLI(t, "new", "region", "--region", "fra", "--aws-region", "eu-central-1", "--dir", dir)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{
		"wrote " + filepath.Join(dir, "Pulumi.fra.yaml") + " (region stack fra)\n",
		"  vpcCidr            10.7.0.0/16 (the next free /16",
		"  availabilityZones  eu-central-1a, eu-central-1b, eu-central-1c\n",
		"  backup.copyRegion  eu-west-1\n",
		"ok: the fleet of 8 stacks validates with it.\n",
		"  - ams (the global database's primary) replicates its credentials secret to eu-central-1 too",
		"  sovereign validate --all", "  sovereign plan", "then commit Pulumi.fra.yaml;",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "Pulumi.fra.yaml"))
	golden, _ := os.ReadFile(filepath.Join(repo, "pkg", "scaffold", "testdata", "Pulumi.fra.yaml"))
	if err != nil || string(data) != string(golden) {
		t.Errorf("Pulumi.fra.yaml is not the scaffold's golden file: %v\n%s", err, data)
	}
	if code, out, errs := runCLI(t, "validate", "--all", "--dir", dir); code != 0 || !strings.Contains(out, "ok: 8 stack(s) valid") {
		t.Errorf("validate after new: exit %d\n%s%s", code, out, errs)
	}
	// The same again is refused: the file exists (--code, the old name of --region, still works).
	if code, _, errs := runCLI(t, "new", "region", "--code", "fra", "--aws-region", "eu-central-1", "--dir", dir); code != exitConfig ||
		!strings.Contains(errs, "Pulumi.fra.yaml exists already") {
		t.Errorf("second run: exit %d %s", code, errs)
	}
}

// Every refusal exits 2 with the reason and leaves the directory as it was.
func TestNewRefusals(t *testing.T) {
	dir := fleettest.Copy(t, scaffoldFleet)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"region", "--region", "fra", "--aws-region", "eu-central-9"}, `unknown AWS region (did you mean "eu-central-1"?); allowed: af-south-1,`},
		{[]string{"region", "--region", "fra"}, `required flag(s) "aws-region" not set`},
		{[]string{"region", "--region", "sin", "--aws-region", "eu-central-1"}, "Pulumi.sin.yaml exists already"},
		{[]string{"env", "--region", "iad", "--name", "staging"}, "Pulumi.global.yaml budgets no staging"},
		{[]string{"env", "--region", "iad", "--name", "production"}, "the environment of region stack iad itself; allowed: staging, development"},
		{[]string{"client", "--stack", "global", "--name", "ezra"}, `--stack "global": not a region or environment stack; allowed: ams, iad, jnb, sfo, sin, syd`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			before, _ := filepath.Glob(filepath.Join(dir, "*"))
			global, _ := os.ReadFile(filepath.Join(dir, "Pulumi.global.yaml"))
			code, out, errs := runCLI(t, append(append([]string{"new"}, tt.args...), "--dir", dir)...)
			if code != exitConfig || !strings.Contains(errs, tt.want) || out != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want %q", code, out, errs, tt.want)
			}
			after, _ := filepath.Glob(filepath.Join(dir, "*"))
			if again, _ := os.ReadFile(filepath.Join(dir, "Pulumi.global.yaml")); len(after) != len(before) || string(again) != string(global) {
				t.Errorf("files changed: %v -> %v", before, after)
			}
		})
	}
}

// A stack the fleet refuses after it was written is removed again, with the budget it added.
func TestNewRollsBack(t *testing.T) {
	dir := fleettest.Copy(t, scaffoldFleet, fleettest.Edit{File: "Pulumi.yaml", Old: "      environment:\n",
		New: "      environment:\n        tags:\n          aws:team: platform\n"})
	global, _ := os.ReadFile(filepath.Join(dir, "Pulumi.global.yaml"))
	code, out, errs := runCLI(t, "new", "env", "--region", "iad", "--name", "staging", "--monthly-budget-usd", "100", "--dir", dir)
	if code != exitConfig || out != "" {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if !regexp.MustCompile(`Pulumi.yaml:\d+: global-sovereign:tags.aws:team: the aws: prefix is reserved`).MatchString(errs) ||
		!strings.Contains(errs, "nothing is left changed (removed Pulumi.iad-staging.yaml, restored Pulumi.global.yaml)") {
		t.Errorf("stderr:\n%s", errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "Pulumi.iad-staging.yaml")); !os.IsNotExist(err) {
		t.Errorf("Pulumi.iad-staging.yaml left behind: %v", err)
	}
	if again, _ := os.ReadFile(filepath.Join(dir, "Pulumi.global.yaml")); string(again) != string(global) {
		t.Errorf("Pulumi.global.yaml not restored:\n%s", again)
	}
}

// --env and --region select stacks on every command; plan lists region, environment, client.
func TestSelectors(t *testing.T) {
	dir := fleettest.Copy(t, scaffoldFleet)
	for _, args := range [][]string{
		{"env", "--region", "iad", "--name", "staging", "--monthly-budget-usd", "20000"},
		{"client", "--stack", "iad", "--name", "ezra"},
	} {
		if code, out, errs := runCLI(t, append(append([]string{"new"}, args...), "--dir", dir)...); code != 0 {
			t.Fatalf("new %v: exit %d\n%s%s", args, code, out, errs)
		}
	}
	code, out, errs := runCLI(t, "plan", "--dir", dir)
	if code != 0 {
		t.Fatalf("plan: exit %d %s", code, errs)
	}
	var order []string
	for _, l := range strings.Split(out, "\n")[1:] {
		if f := strings.Fields(l); len(f) >= 4 && f[0] == "3" {
			order = append(order, f[1]+" "+f[2])
		}
	}
	if strings.Join(order, ", ") != "global global, iad-staging environment, iad-ezra client" {
		t.Errorf("wave 3 in order %v:\n%s", order, out)
	}
	if !regexp.MustCompile(`(?m)^1 +ams +region +eu-west-1 +production +-$`).MatchString(out) {
		t.Errorf("plan lacks kind and environment columns:\n%s", out)
	}

	tests := []struct {
		args []string
		want string // stdout
	}{
		{[]string{"validate", "--env", "staging"}, "ok: 1 stack(s) valid: iad-staging\n"},
		{[]string{"validate", "--region", "iad"}, "ok: 3 stack(s) valid: iad, iad-ezra, iad-staging\n"},
		{[]string{"validate", "--region", "iad", "--env", "production"}, "ok: 2 stack(s) valid: iad, iad-ezra\n"},
		{[]string{"preflight", "--region", "iad", "--env", "staging"}, ""}, // placeholders remain: exit 2
	}
	for _, tt := range tests {
		code, out, errs := runCLI(t, append(tt.args, "--dir", dir)...)
		if tt.want != "" && (code != 0 || out != tt.want) {
			t.Errorf("%v: exit %d, stdout %q %s", tt.args, code, out, errs)
		}
		if tt.want == "" && (code != exitConfig || !strings.Contains(errs, "Pulumi.iad-staging.yaml")) {
			t.Errorf("%v: exit %d, stderr %s", tt.args, code, errs)
		}
	}
	code, out, errs = runCLI(t, "plan", "--region", "iad", "--dir", dir)
	// ams is not selected, but iad reads it: it is named, marked as not selected.
	if code != 0 || !strings.Contains(out, "3 stack(s) in 2 wave(s)") || !strings.Contains(out, "production   ams*\n") || strings.Contains(out, " ams ") {
		t.Errorf("plan --region iad: exit %d\n%s%s", code, out, errs)
	}
	synthOut := t.TempDir()
	if code, out, errs := runCLI(t, "synth", "--region", "sfo", "--out", synthOut, "--dir", dir); code != 0 {
		t.Errorf("synth --region sfo: exit %d\n%s%s", code, out, errs)
	} else if files, _ := filepath.Glob(filepath.Join(synthOut, "*.json")); len(files) != 1 || filepath.Base(files[0]) != "sfo.json" {
		t.Errorf("synth --region sfo wrote %v", files)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"validate", "--env", "qa"}, `--env "qa": no stack has this environment; environments: production, staging`},
		{[]string{"plan", "--region", "iax"}, `--region "iax": no stack has this region code (did you mean "iad"?); region codes: ams, global, iad, jnb, sfo, sin, syd`},
		{[]string{"synth", "--env", "staging", "--region", "ams"}, "no stack has environment staging and region code ams"},
		{[]string{"preview", "--stack", "iad", "--env", "staging"}, "give --stack, or --env/--region, not both"},
		{[]string{"up", "--region", "lhr"}, `--region "lhr": no stack has this region code`},
		{[]string{"destroy", "--yes", "--env", "development"}, `--env "development": no stack has this environment`},
		{[]string{"refresh", "--region", "nope"}, `--region "nope"`},
		{[]string{"preflight", "--env", "nope"}, `--env "nope"`},
	} {
		if code, _, errs := runCLI(t, append(tt.args, "--dir", dir)...); code != exitConfig || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want %q", tt.args, code, errs, tt.want)
		}
	}
}
