package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/internal/fleettest"
	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

const repo = "../.."

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// brokenFleet is the committed fleet with old replaced by new in one file.
func brokenFleet(t *testing.T, file, old, new string) string {
	return fleettest.Copy(t, repo, fleettest.Edit{File: file, Old: old, New: new})
}

func TestValidateCommittedFiles(t *testing.T) {
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "validate", "--all", "--dir", repo)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("ok: %d stack(s) valid", len(fleet.Stacks))) {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
}

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name, file, old, new string
		want                 []string // all must appear in stderr
	}{
		{"overlapping CIDRs", "Pulumi.syd.yaml", "vpcCidr: 10.3.0.0/16", "vpcCidr: 10.2.0.0/16",
			[]string{"Pulumi.syd.yaml:14: global-sovereign:network.vpcCidr: 10.2.0.0/16 overlaps iad's VPC"}},
		// A bad shared value is reported once, at its line in Pulumi.yaml.
		{"bad gateway address", "Pulumi.yaml", "ipAddress: 165.90.14.138", "ipAddress: 165.90.14.300",
			[]string{"Pulumi.yaml:33: global-sovereign:vpn.customerGateways[1].ipAddress", `"165.90.14.300" is not an IPv4 address`}},
		{"bad CIDR", "Pulumi.jnb.yaml", "vpcCidr: 10.6.0.0/16", "vpcCidr: 10.6.0.0/36",
			[]string{"Pulumi.jnb.yaml:", "global-sovereign:network.vpcCidr", "not an IPv4 CIDR"}},
		{"public ASN", "Pulumi.yaml", "bgpAsn: 65000", "bgpAsn: 6500",
			[]string{"Pulumi.yaml:26: global-sovereign:vpn.bgpAsn: 6500 is not a private ASN", "64512-65534"}},
		{"unknown region", "Pulumi.sin.yaml", "awsRegion: ap-southeast-1", "awsRegion: ap-southeast-9",
			[]string{"Pulumi.sin.yaml:11: global-sovereign:stack.awsRegion", `unknown AWS region "ap-southeast-9"`, "allowed: af-south-1"}},
		{"unknown key", "Pulumi.sfo.yaml", "vpcCidr: 10.5.0.0/16\n", "vpcCidr: 10.5.0.0/16\n    natGateway: perAz\n",
			[]string{"Pulumi.sfo.yaml:15: global-sovereign:network.natGateway: unknown key", `did you mean "natGateways"`}},
		{"broken YAML", "Pulumi.global.yaml", "kind: global", "kind: [global",
			[]string{"Pulumi.global.yaml:8: not valid YAML", "the rules across stacks were not checked: Pulumi.global.yaml did not load"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := brokenFleet(t, tt.file, tt.old, tt.new)
			code, out, errs := runCLI(t, "validate", "--all", "--dir", dir)
			if code != exitConfig {
				t.Fatalf("exit %d, want %d\n%s%s", code, exitConfig, out, errs)
			}
			for _, w := range tt.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
			if strings.Contains(errs, "goroutine") || strings.Contains(errs, "panic") {
				t.Errorf("stack trace in output:\n%s", errs)
			}
			// synth refuses the same fleet with the same message and writes nothing.
			outDir := t.TempDir()
			code, _, serr := runCLI(t, "synth", "--all", "--dir", dir, "--out", outDir)
			if code != exitConfig || !strings.Contains(serr, tt.want[0]) {
				t.Errorf("synth: exit %d\n%s", code, serr)
			}
			if files, _ := os.ReadDir(outDir); len(files) != 0 {
				t.Errorf("synth wrote %d files from a broken fleet", len(files))
			}
		})
	}
}

// validate --stack fails when synth and up of that stack would (they validate every file
// together); another stack's problem comes under one line saying so (TestValidateAgreesWithSynth).
func TestValidateOneStack(t *testing.T) {
	dir := brokenFleet(t, "Pulumi.syd.yaml", "vpcCidr: 10.3.0.0/16", "vpcCidr: 10.3.0.0/36")
	if code, out, errs := runCLI(t, "validate", "--stack", "iad", "--dir", dir); code != exitConfig ||
		!strings.HasPrefix(errs, "other stacks: synth and up of iad stop on these too") || !strings.Contains(errs, "Pulumi.syd.yaml:14") {
		t.Errorf("iad is fine, syd is not: exit %d %s%s", code, out, errs)
	}
	if code, _, errs := runCLI(t, "validate", "--stack", "syd", "--dir", dir); code != exitConfig || !strings.Contains(errs, "Pulumi.syd.yaml") {
		t.Errorf("syd is broken: exit %d %s", code, errs)
	}
	// A bad value in Pulumi.yaml is the problem of every stack that inherits it.
	dir = brokenFleet(t, "Pulumi.yaml", "bgpAsn: 65000", "bgpAsn: 6500")
	if code, _, errs := runCLI(t, "validate", "--stack", "iad", "--dir", dir); code != exitConfig || !strings.Contains(errs, "Pulumi.yaml:26: global-sovereign:vpn.bgpAsn: 6500") {
		t.Errorf("a bad default: exit %d %s", code, errs)
	}
}

func TestUsageErrors(t *testing.T) {
	tests := [][]string{
		{"validate", "--dir", repo},                            // neither --stack nor --all
		{"validate", "--all", "--stack", "ams", "--dir", repo}, // both
		{"validate", "--stack", "lhr", "--dir", repo},          // unknown stack
		{"synth", "--bogus"},                                   // unknown flag
		{"validate", "--all", "--dir", "/nonexistent"},         // no stack files
	}
	for _, args := range tests {
		if code, _, errs := runCLI(t, args...); code != exitConfig || errs == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
	}
}

func TestSynthAll(t *testing.T) {
	out := t.TempDir()
	// A graph of a stack that left the fleet is removed; a file that is no graph stays.
	stale := filepath.Join(out, "lhr.json")
	os.WriteFile(stale, []byte(`{"project":"global-sovereign","stack":"lhr","resources":[]}`), 0o644)
	other := filepath.Join(out, "notes.json")
	os.WriteFile(other, []byte(`{"note":"mine"}`), 0o644)
	code, stdout, errs := runCLI(t, "synth", "--all", "--dir", repo, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, errs)
	}
	if _, err := os.Stat(stale); err == nil || !strings.Contains(errs, "stack lhr is no longer in the fleet") {
		t.Errorf("the stale graph of lhr was kept:\n%s", errs)
	}
	if err := os.Remove(other); err != nil {
		t.Errorf("a file that is not a graph was removed: %v", err)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.json"))
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(fleet.Stacks) || len(files) == 0 {
		t.Fatalf("%d graphs for %d stack files: %v", len(files), len(fleet.Stacks), files)
	}
	for _, f := range files {
		data, _ := os.ReadFile(f)
		var g struct {
			Project   string           `json:"project"`
			Stack     string           `json:"stack"`
			Resources []map[string]any `json:"resources"`
			Outputs   map[string]any   `json:"outputs"`
		}
		if err := json.Unmarshal(data, &g); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if g.Project != "global-sovereign" || g.Stack+".json" != filepath.Base(f) || len(g.Resources) == 0 || len(g.Outputs) == 0 {
			t.Errorf("%s: project %q stack %q, %d resources, %d outputs", f, g.Project, g.Stack, len(g.Resources), len(g.Outputs))
		}
		for _, k := range []string{"urn", "type", "name", "parent", "provider", "providers", "custom", "remote", "inputs",
			"dependsOn", "protect", "ignoreChanges", "deleteBeforeReplace", "additionalSecretOutputs"} {
			if _, ok := g.Resources[0][k]; !ok {
				t.Errorf("%s: resources lack %q", f, k)
			}
		}
	}
	if !strings.Contains(stdout, "STACK") || !strings.Contains(stdout, "global") {
		t.Errorf("summary table:\n%s", stdout)
	}
}

// synth of one stack that reads others synthesizes them first, but writes only the one asked,
// and the result is the same as with --all (global reads every region, iad reads ams).
func TestSynthOneStackWithReferences(t *testing.T) {
	for _, stack := range []string{"global", "iad"} {
		out := t.TempDir()
		if code, stdout, errs := runCLI(t, "synth", "--stack", stack, "--dir", repo, "--out", out); code != 0 {
			t.Fatalf("exit %d\n%s%s", code, stdout, errs)
		}
		files, _ := filepath.Glob(filepath.Join(out, "*.json"))
		if len(files) != 1 || filepath.Base(files[0]) != stack+".json" {
			t.Fatalf("files %v", files)
		}
		data, _ := os.ReadFile(files[0])
		golden, _ := os.ReadFile(filepath.Join(repo, "testdata", "synth", stack+".json"))
		if !bytes.Equal(data, golden) {
			t.Errorf("%s synthesized alone differs from %s synthesized with --all", stack, stack)
		}
	}
}

// plan --stack S names what S reads even when that stack is not selected.
func TestPlanShowsUnselectedReads(t *testing.T) {
	code, out, errs := runCLI(t, "plan", "--stack", "iad-ezra", "--dir", repo)
	if code != 0 || !strings.Contains(out, "ams*, iad*") || !strings.Contains(out, "* not selected") {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
}

func TestPlan(t *testing.T) {
	code, out, errs := runCLI(t, "plan", "--dir", repo)
	if code != 0 {
		t.Fatalf("exit %d %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !strings.HasPrefix(lines[1], "1     ams") || !strings.HasPrefix(lines[7], "3     global") {
		t.Errorf("ams must come first and global last:\n%s", out)
	}
	code, out, _ = runCLI(t, "plan", "--json", "--dir", repo)
	var p planJSON
	if err := json.Unmarshal([]byte(out), &p); code != 0 || err != nil {
		t.Fatalf("exit %d, %v:\n%s", code, err, out)
	}
	if len(p.Waves) != 3 || p.Waves[0][0] != "ams" || len(p.Waves[1]) != 5 || p.Waves[2][0] != "global" ||
		p.DestroyWaves[0][0] != "global" || p.Stacks["iad"].Wave != 2 || p.Stacks["iad"].DependsOn[0] != "ams" {
		t.Errorf("plan json %+v", p)
	}
	// A client deploys after its home region (iad) and its database's writer (ams).
	if ezra := p.Stacks["iad-ezra"]; ezra.Wave <= p.Stacks["iad"].Wave || strings.Join(ezra.DependsOn, ",") != "ams,iad" {
		t.Errorf("iad-ezra in wave %d after %v; iad in wave %d", ezra.Wave, ezra.DependsOn, p.Stacks["iad"].Wave)
	}
}

// Without a usable Pulumi CLI, a backend or AWS credentials nothing runs: each is one line
// with its fix, before any stack starts, exit 2.
func TestOperateWithoutPulumiCLI(t *testing.T) {
	home := t.TempDir()
	t.Setenv("PULUMI_BACKEND_URL", "")
	t.Setenv("PULUMI_HOME", home)
	noAWS(t)
	root := t.TempDir()
	code, out, errs := runCLI(t, "preview", "--stack", "ams", "--dir", repo, "--pulumi-root", root, "--log-dir", t.TempDir())
	if code != exitConfig || out != "" {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{
		"Pulumi CLI: no usable pulumi in " + filepath.Join(root, "bin"), "pass --pulumi-root",
		"Pulumi backend: not logged in to any: run `pulumi login",
		"AWS credentials: none found: sign in",
		"nothing was run: 3 prerequisite(s) missing",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if strings.Contains(errs, "ams:") {
		t.Errorf("a prerequisite was reported per stack:\n%s", errs)
	}
}

// A CLI older than the Automation API's minimum is named as such; a relative --pulumi-root
// is taken from where sovereign started (the CLI itself runs elsewhere); a login in
// $PULUMI_HOME and credentials in the environment satisfy the other checks.
func TestOperateWithOldPulumiCLI(t *testing.T) {
	home := t.TempDir()
	t.Setenv("PULUMI_BACKEND_URL", "")
	t.Setenv("PULUMI_HOME", home)
	if err := os.WriteFile(filepath.Join(home, "credentials.json"), []byte(`{"current":"file:///tmp/state"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	noAWS(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "bin"), 0o755)
	if err := os.WriteFile(filepath.Join(root, "bin", "pulumi"), []byte("#!/bin/sh\necho v3.0.0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	rel, err := filepath.Rel(wd, root)
	if err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "preview", "--stack", "ams", "--dir", repo, "--pulumi-root", rel, "--log-dir", t.TempDir())
	if code != exitConfig || !strings.Contains(errs, "Pulumi CLI: no usable pulumi in "+filepath.Join(root, "bin")) ||
		!strings.Contains(errs, "3.0.0") || !strings.Contains(errs, "1 prerequisite(s) missing") {
		t.Errorf("exit %d:\n%s", code, errs)
	}
}

// noAWS leaves the AWS credentials chain empty: no environment, no files, no instance role.
func noAWS(t *testing.T) {
	dir := t.TempDir()
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func TestDestroyNeedsConfirmation(t *testing.T) {
	code, _, errs := runCLI(t, "destroy", "--all", "--dir", repo)
	if code != exitConfig || !strings.Contains(errs, "--yes (-y)") {
		t.Errorf("exit %d: %s", code, errs)
	}
}

// A stack file that does not parse is reported with its own error, not as a missing stack.
func TestValidateBrokenFileOfOneStack(t *testing.T) {
	dir := brokenFleet(t, "Pulumi.ams.yaml", "  global-sovereign:network:", "  global-sovereign:network: [unclosed")
	code, _, errs := runCLI(t, "validate", "--stack", "ams", "--dir", dir)
	if code != exitConfig || !strings.Contains(errs, "Pulumi.ams.yaml") || strings.Contains(errs, "no stack") {
		t.Errorf("exit %d: %s", code, errs)
	}
}

// The committed files validate offline but carry placeholders; preflight names each, and up
// refuses to start while they remain, without touching any backend.
func TestPreflightAndUpRefusal(t *testing.T) {
	code, _, errs := runCLI(t, "preflight", "--stack", "ams", "--dir", repo)
	if code != exitConfig {
		t.Fatalf("preflight of the committed ams: exit %d\n%s", code, errs)
	}
	for _, want := range []string{
		"Pulumi.ams.yaml", "global-sovereign:stack.allowedAccountIds", "global-sovereign:ingress.zoneId",
		"global-sovereign:cluster.adminRoleArns", "global-sovereign:alerts.emails[0]", "global-sovereign:cluster.deployer",
		"global-sovereign:cluster.creatorRoleArn",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("preflight does not name %s:\n%s", want, errs)
		}
	}
	code, _, errs = runCLI(t, "up", "--stack", "ams", "--dir", repo, "--pulumi-root", t.TempDir())
	if code != exitConfig || !strings.Contains(errs, "up refuses to start") || strings.Contains(errs, "preparing stacks") {
		t.Errorf("up with placeholders: exit %d\n%s", code, errs)
	}

	// Everything set: preflight passes.
	dir := fleettest.Copy(t, repo,
		fleettest.Edit{File: "Pulumi.ams.yaml", Old: "    environment: production\n", New: "    environment: production\n    allowedAccountIds: [\"111122223333\"]\n"},
		// The shared placeholders of Pulumi.yaml, overridden in ams's own file.
		fleettest.Edit{File: "Pulumi.ams.yaml", Old: "    copyRegion: eu-central-1\n", New: "    copyRegion: eu-central-1\n" +
			"  global-sovereign:alerts:\n    emails: [oncall@corp.net]\n" +
			"  global-sovereign:ingress:\n    zoneId: Z04151873QH0YK4A1QZX1\n    zoneName: sovereign.corp.net\n" +
			"  global-sovereign:cluster:\n    adminRoleArns: [\"arn:aws:iam::111122223333:role/platform-admin\"]\n    deployer: {cidrs: [198.51.100.10/32]}\n" +
			"    creatorRoleArn: arn:aws:iam::111122223333:role/deploy\n"},
	)
	if code, out, errs := runCLI(t, "preflight", "--stack", "ams", "--dir", dir); code != 0 || !strings.Contains(out, "ok: nothing left") {
		t.Errorf("preflight with every value set: exit %d\n%s%s", code, out, errs)
	}
}

// The plugin list comes from the provider SDKs compiled in, at their versions, plus what the
// remote components start themselves.
func TestPluginsOfThisBuild(t *testing.T) {
	got := map[string]bool{}
	for _, p := range pluginsOfThisBuild() {
		got[p.Name+"@"+p.Version] = true
	}
	gomod, err := os.ReadFile(filepath.Join(repo, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, sdk := range []string{"aws/sdk/v6", "eks/sdk/v3", "kubernetes/sdk/v4", "random/sdk/v4"} {
		m := regexp.MustCompile(`github\.com/pulumi/pulumi-` + regexp.QuoteMeta(sdk) + ` (v[0-9.]+)`).FindStringSubmatch(string(gomod))
		if m == nil {
			t.Fatalf("go.mod does not require pulumi-%s", sdk)
		}
		name := strings.Split(sdk, "/")[0]
		if !got[name+"@"+m[1]] {
			t.Errorf("plugin %s@%s (from go.mod) is not installed before the fan-out; have %v", name, m[1], got)
		}
	}
	if !got["kubernetes@v4.19.0"] {
		t.Errorf("pulumi-eks's own kubernetes provider plugin is missing: %v", got)
	}
	if got := pluginsOf([]*debug.Module{{Path: "github.com/pulumi/pulumi/sdk/v3", Version: "v3.263.0"}, {Path: "github.com/spf13/cobra", Version: "v1"}}); len(got) != len(synth.RemotePlugins) {
		t.Errorf("non-provider modules became plugins: %v", got)
	}
}

// A file that does not load comes first, and the rules across stacks that would blame the
// others for its absence are not run: one line says so.
func TestValidateLoadErrorFirst(t *testing.T) {
	dir := brokenFleet(t, "Pulumi.global.yaml", "kind: global", "kind: [global")
	code, _, errs := runCLI(t, "validate", "--all", "--dir", dir)
	if code != exitConfig || !strings.HasPrefix(errs, "Pulumi.global.yaml:8: not valid YAML") ||
		strings.Contains(errs, "no global stack") || !strings.HasSuffix(strings.TrimSpace(errs), "did not load; fix it first") {
		t.Errorf("exit %d:\n%s", code, errs)
	}
}

// A placeholder written once in Pulumi.yaml and inherited by six region stacks is one line
// naming them, not six.
func TestPreflightGroupsInherited(t *testing.T) {
	code, _, errs := runCLI(t, "preflight", "--all", "--dir", repo)
	if code != exitConfig {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	var zone []string
	for _, l := range strings.Split(errs, "\n") {
		if strings.Contains(l, "global-sovereign:ingress.zoneId") && strings.HasPrefix(l, "Pulumi.yaml:") && strings.Contains(l, "api-ams.") {
			zone = append(zone, l)
		}
		if strings.HasPrefix(l, "Pulumi.yaml:") && strings.Contains(l, "api-iad.") {
			t.Errorf("inherited problem repeated per stack: %s", l)
		}
	}
	if len(zone) != 1 || !strings.Contains(zone[0], "inherited by ams, iad, jnb, sfo, sin, syd") {
		t.Errorf("zoneId lines: %q\n%s", zone, errs)
	}
}

// Provider plugins that cannot be installed are a prerequisite: one line naming them and the fix,
// exit 2, before any stack runs (not one failure per stack after the others started).
func TestOperatePluginsThatCannotBeInstalled(t *testing.T) {
	t.Setenv("PULUMI_BACKEND_URL", "file://"+t.TempDir())
	noAWS(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "bin"), 0o755)
	fake := "#!/bin/sh\ncase \"$*\" in\n*version*) echo v3.250.0 ;;\n" +
		"*\"plugin install\"*) echo \"error: downloading from https://get.pulumi.com: dial tcp: lookup get.pulumi.com: no such host\" >&2; exit 255 ;;\n" +
		"*) exit 0 ;;\nesac\n"
	if err := os.WriteFile(filepath.Join(root, "bin", "pulumi"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "preview", "--all", "--dir", repo, "--pulumi-root", root, "--log-dir", t.TempDir())
	var plugins []string
	for _, l := range strings.Split(errs, "\n") {
		if strings.HasPrefix(l, "Provider plugins:") {
			plugins = append(plugins, l)
		}
	}
	if code != exitConfig || len(plugins) != 1 || !strings.Contains(errs, "nothing was run: 1 prerequisite(s) missing") {
		t.Fatalf("exit %d, plugin lines %q:\n%s", code, plugins, errs)
	}
	for _, want := range []string{"cannot install aws v", "lookup get.pulumi.com: no such host", "pulumi plugin install resource aws v", "--file"} {
		if !strings.Contains(plugins[0], want) {
			t.Errorf("the plugin line lacks %q: %s", want, plugins[0])
		}
	}
	if strings.Contains(errs, "ams:") {
		t.Errorf("a prerequisite was reported per stack:\n%s", errs)
	}
}
