package scaffold

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/internal/fleettest"
	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// fixture is a frozen copy of the repository's fleet (testdata/fleet/Pulumi.yaml says why).
const fixture = "testdata/fleet"

func load(t *testing.T, dir string) *Project {
	t.Helper()
	p, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// snapshot is every file of dir, by name.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(data)
	}
	return out
}

func sameFiles(t *testing.T, dir string, before map[string]string) {
	t.Helper()
	after := snapshot(t, dir)
	for name, data := range after {
		if old, ok := before[name]; !ok {
			t.Errorf("%s was left behind", name)
		} else if old != data {
			t.Errorf("%s was left changed", name)
		}
	}
	for name := range before {
		if _, ok := after[name]; !ok {
			t.Errorf("%s disappeared", name)
		}
	}
}

func TestNewRegion(t *testing.T) {
	dir := fleettest.Copy(t, fixture)
	c, err := load(t, dir).Region("fra", "eu-central-1")
	if err != nil {
		t.Fatal(err)
	}
	if c.File != "Pulumi.fra.yaml" || c.VPCCIDR != "10.7.0.0/16" || !slices.Equal(c.Zones.AZs, []string{"eu-central-1a", "eu-central-1b", "eu-central-1c"}) || len(c.Edits) != 0 {
		t.Fatalf("change %s %s %v, %d edits", c.File, c.VPCCIDR, c.Zones.AZs, len(c.Edits))
	}
	golden(t, "Pulumi.fra.yaml", c.Data)
	wantNotes := []string{
		"ams (the global database's primary) replicates its credentials secret to eu-central-1 too: an in-place update, deployed before fra",
		"global adds the VPC peerings with fra, its latency record and health check, after fra",
	}
	if !slices.Equal(c.Notes, wantNotes) {
		t.Errorf("notes %q", c.Notes)
	}
	fleet, err := c.Apply()
	if err != nil {
		t.Fatal(err)
	}
	s := fleet.Stack("fra")
	if s == nil || s.Network.VPCCIDR != "10.7.0.0/16" || s.Backup.CopyRegion != "eu-west-1" || s.Database.Role != config.RoleSecondary || s.Cluster == nil {
		t.Fatalf("fra as loaded: %+v", s)
	}
	// The next one takes the next /16, and a second region in an AWS region with one is refused.
	c, err = load(t, dir).Region("arn", "eu-north-1")
	if err != nil || c.VPCCIDR != "10.8.0.0/16" {
		t.Fatalf("next region: %v %v", c, err)
	}
}

// A region whose code is a region code elsewhere, whose file exists, or whose AWS region is not
// known or already hosts a region stack is refused, and nothing is written.
func TestNewRegionRefuses(t *testing.T) {
	dir := fleettest.Copy(t, fixture)
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.lhr.yaml"), []byte("not: a stack\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	p := &Project{Dir: dir}
	var err error
	if p.Fleet, err = config.LoadDir(fixture); err != nil {
		t.Fatal(err)
	}
	if p.proj, err = config.ReadProject(fixture); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ code, region, want string }{
		{"iad", "us-east-2", "Pulumi.iad.yaml exists already"},
		{"lhr", "eu-west-2", "Pulumi.lhr.yaml exists already"},
		{"fra", "eu-centrl-1", `--aws-region "eu-centrl-1": unknown AWS region (did you mean "eu-central-1"?); allowed: af-south-1, ap-east-1`},
		{"fra", "mars-1", `unknown AWS region; allowed: af-south-1`},
		{"dub", "eu-west-1", "region stack ams (Pulumi.ams.yaml) is there already"},
		{"Fra", "eu-central-1", `--region "Fra": want 2-10 lowercase letters or digits`},
		{"../x", "eu-central-1", `--region "../x"`},
		{"f", "eu-central-1", `--region "f"`},
	}
	for _, tt := range tests {
		t.Run(tt.code+" "+tt.region, func(t *testing.T) {
			c, err := p.Region(tt.code, tt.region)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, %v; want %q", c, err, tt.want)
			}
		})
	}
	sameFiles(t, dir, before)

	// A code in use by a stack of another name.
	dir = fleettest.Copy(t, fixture)
	if err := os.Rename(filepath.Join(dir, "Pulumi.syd.yaml"), filepath.Join(dir, "Pulumi.sydney.yaml")); err != nil {
		t.Fatal(err)
	}
	if c, err := load(t, dir).Region("syd", "ap-southeast-4"); err == nil ||
		!strings.Contains(err.Error(), "--region syd: stack sydney (Pulumi.sydney.yaml) has code syd already; codes in use: ams, global, iad, jnb, sfo, sin, syd") {
		t.Errorf("got %v, %v", c, err)
	}
}

// A fleet that does not validate is refused before anything is planned.
func TestNewRefusesAnInvalidFleet(t *testing.T) {
	dir := fleettest.Copy(t, fixture, fleettest.Edit{File: "Pulumi.syd.yaml", Old: "10.3.0.0/16", New: "10.2.0.0/16"})
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), "Pulumi.syd.yaml:14: global-sovereign:network.vpcCidr: 10.2.0.0/16 overlaps iad's VPC") ||
		!strings.Contains(err.Error(), "fix it before adding a stack") {
		t.Fatalf("got %v", err)
	}
}

// An office network the new region inherits from the defaults is never its VPC.
func TestNewRegionAvoidsOfficeNetworks(t *testing.T) {
	dir := fleettest.Copy(t, fixture, fleettest.Edit{File: "Pulumi.yaml", Old: "clientCidrs: [165.90.14.138/32]", New: "clientCidrs: [165.90.14.138/32, 10.7.0.0/24, 10.9.0.0/16]"})
	c, err := load(t, dir).Region("fra", "eu-central-1")
	if err != nil || c.VPCCIDR != "10.8.0.0/16" {
		t.Fatalf("%v %v", c, err)
	}
	if _, err := c.Apply(); err != nil {
		t.Fatal(err)
	}
	c, err = load(t, dir).Region("arn", "eu-north-1")
	if err != nil || c.VPCCIDR != "10.10.0.0/16" {
		t.Fatalf("%v %v", c, err)
	}
}

// The office networks the new region inherits are avoided even when no existing stack has them:
// here every region stack sets its own VPN, and the defaults' VPN (which only the new region
// takes) has an office in 10.7.0.0/16.
func TestNewRegionAvoidsItsOwnOfficeNetworks(t *testing.T) {
	edits := []fleettest.Edit{{File: "Pulumi.yaml", Old: "clientCidrs: [165.90.14.138/32]", New: "clientCidrs: [165.90.14.138/32, 10.7.0.0/24]"}}
	for _, code := range []string{"ams", "iad", "jnb", "sfo", "sin", "syd"} {
		edits = append(edits, fleettest.Edit{File: "Pulumi." + code + ".yaml", Old: "  global-sovereign:vpn:\n",
			New: "  global-sovereign:vpn:\n    customerGateways:\n      - {name: primary, ipAddress: 178.162.141.150, clientCidrs: [178.162.141.130/32], tunnelSlot: 0}\n"})
	}
	dir := fleettest.Copy(t, fixture, edits...)
	p := load(t, dir)
	for _, off := range p.taken() {
		if !off.VPC && off.Prefix.Addr().As4()[0] == 10 {
			t.Fatalf("an existing stack has office network %s: the test no longer tests the new stack's own", off.Prefix)
		}
	}
	c, err := p.Region("fra", "eu-central-1")
	if err != nil || c.VPCCIDR != "10.8.0.0/16" {
		t.Fatalf("%v %v", c, err)
	}
	if _, err := c.Apply(); err != nil {
		t.Fatal(err)
	}
}

// The eleventh secondary region of the global database passes every check of its own but not the
// fleet's: the file is removed again and the problem reported.
func TestNewRegionRollsBack(t *testing.T) {
	dir := fleettest.Copy(t, fixture)
	for i, r := range []string{"eu-central-1", "eu-north-1", "eu-west-2", "eu-west-3", "ca-central-1"} {
		c, err := load(t, dir).Region(fmt.Sprintf("r%d", i), r)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Apply(); err != nil {
			t.Fatalf("secondary %d: %v", 6+i, err)
		}
	}
	before := snapshot(t, dir)
	c, err := load(t, dir).Region("nrt", "ap-northeast-1")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Apply()
	if err == nil {
		t.Fatal("an eleventh secondary validated")
	}
	for _, want := range []string{"global-sovereign:database.role: secondary number 11 of environment production", "nothing is left changed (removed Pulumi.nrt.yaml)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	sameFiles(t, dir, before)
}

func TestNewEnvironment(t *testing.T) {
	dir := fleettest.Copy(t, fixture)
	before := snapshot(t, dir)
	p := load(t, dir)
	// Without a budget for staging the fleet would not validate: refused before writing, with
	// what to do.
	_, err := p.Environment("iad", config.EnvStaging, 0)
	if err == nil || !strings.Contains(err.Error(), "Pulumi.global.yaml budgets no staging") || !strings.Contains(err.Error(), "--monthly-budget-usd") {
		t.Fatalf("got %v", err)
	}
	sameFiles(t, dir, before)
	c, err := p.Environment("iad", config.EnvStaging, 20000)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "Pulumi.iad-staging.yaml", c.Data)
	if len(c.Edits) != 1 || c.Edits[0].File != "Pulumi.global.yaml" {
		t.Fatalf("edits %+v", c.Edits)
	}
	fleet, err := c.Apply()
	if err != nil {
		t.Fatal(err)
	}
	s := fleet.Stack("iad-staging")
	if s == nil || s.Settings.Kind != config.KindEnvironment || s.Network != nil || fleet.NetworkStack(s).Name != "iad" {
		t.Fatalf("iad-staging as loaded: %+v", s)
	}
	global, _ := os.ReadFile(filepath.Join(dir, "Pulumi.global.yaml"))
	golden(t, "Pulumi.global.staging-budget.yaml", global)
	// The budget is there now: a second environment of staging needs none, and refuses one.
	p = load(t, dir)
	if _, err := p.Environment("ams", config.EnvStaging, 5); err == nil || !strings.Contains(err.Error(), "Pulumi.global.yaml budgets staging already") {
		t.Errorf("got %v", err)
	}
	if c, err := p.Environment("ams", config.EnvStaging, 0); err != nil || len(c.Edits) != 0 {
		t.Errorf("ams-staging: %v %v", c, err)
	}
}

func TestNewEnvironmentRefuses(t *testing.T) {
	dir := fleettest.Copy(t, fixture)
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.sin-development.yaml"), []byte("hand-written\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := &Project{Dir: dir}
	var err error
	if p.Fleet, err = config.LoadDir(fixture); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	tests := []struct {
		code string
		env  config.Environment
		want string
	}{
		{"iad", config.EnvProduction, `--name "production": the environment of region stack iad itself; allowed: staging, development`},
		{"iad", "qa", `--name "qa": unknown environment; allowed: staging, development`},
		{"iax", config.EnvStaging, `--region "iax": no region stack has this code (did you mean "iad"?); region codes: ams, iad, jnb, sfo, sin, syd`},
		{"global", config.EnvStaging, `--region "global": no region stack has this code`},
		{"sin", config.EnvDevelopment, "Pulumi.sin-development.yaml exists already"},
	}
	for _, tt := range tests {
		t.Run(tt.code+" "+string(tt.env), func(t *testing.T) {
			c, err := p.Environment(tt.code, tt.env, 100)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, %v; want %q", c, err, tt.want)
			}
		})
	}
	sameFiles(t, dir, before)
}

// When the fleet fails after the environment and its budget were written, both are undone.
func TestNewEnvironmentRollsBackTheBudget(t *testing.T) {
	dir := fleettest.Copy(t, fixture, fleettest.Edit{File: "Pulumi.yaml", Old: "      environment:\n",
		New: "      environment:\n        tags:\n          aws:team: platform\n"})
	before := snapshot(t, dir)
	c, err := load(t, dir).Environment("iad", config.EnvStaging, 20000)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Apply()
	if err == nil || !strings.Contains(err.Error(), "Pulumi.yaml:") || !strings.Contains(err.Error(), "aws:team") ||
		!strings.Contains(err.Error(), "removed Pulumi.iad-staging.yaml, restored Pulumi.global.yaml") {
		t.Fatalf("got %v", err)
	}
	sameFiles(t, dir, before)
}

func TestNewClient(t *testing.T) {
	dir := fleettest.Copy(t, fixture)
	c, err := load(t, dir).Client("iad", "ezra")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "Pulumi.iad-ezra.yaml", c.Data)
	fleet, err := c.Apply()
	if err != nil {
		t.Fatal(err)
	}
	s := fleet.Stack("iad-ezra")
	if s == nil || s.Settings.Client != "ezra" || fleet.HomeStack(s).Name != "iad" {
		t.Fatalf("iad-ezra as loaded: %+v", s)
	}
	// In an environment stack: the client's stack is named after it.
	env, err := load(t, dir).Environment("iad", config.EnvStaging, 100)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Apply(); err != nil {
		t.Fatal(err)
	}
	c, err = load(t, dir).Client("iad-staging", "ezra")
	if err != nil || c.File != "Pulumi.iad-staging-ezra.yaml" || !strings.Contains(string(c.Data), "    environment: staging\n    client: ezra\n") {
		t.Fatalf("%v %v", c, err)
	}
	if _, err := c.Apply(); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	tests := []struct{ home, name, want string }{
		{"iad", "ezra", "Pulumi.iad-ezra.yaml exists already"},
		{"iad-ezra", "kim", `--stack "iad-ezra": not a region or environment stack; allowed: ams, iad, iad-staging, jnb, sfo, sin, syd`},
		{"iad-staging", "ezra", "Pulumi.iad-staging-ezra.yaml exists already"},
		{"global", "kim", `--stack "global": not a region or environment stack`},
		{"iax", "kim", `(did you mean "iad"?)`},
		{"iad", "Kim", `--name "Kim": want 2-10 lowercase letters or digits`},
		{"iad", "k", `--name "k"`},
	}
	for _, tt := range tests {
		t.Run(tt.home+" "+tt.name, func(t *testing.T) {
			c, err := load(t, dir).Client(tt.home, tt.name)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, %v; want %q", c, err, tt.want)
			}
		})
	}
	sameFiles(t, dir, before)
}

// A client needs a cluster in its home: an environment without one is refused.
func TestNewClientNeedsACluster(t *testing.T) {
	project, err := os.ReadFile(filepath.Join(fixture, "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	section := regexp.MustCompile(`(?m)^      # Every environment stack.*\n(      #.*\n)*      environment:\n(        .*\n)+`).FindString(string(project))
	if section == "" {
		t.Fatal("no environment section in the fixture's Pulumi.yaml")
	}
	dir := fleettest.Copy(t, fixture, fleettest.Edit{File: "Pulumi.yaml", Old: section, New: ""})
	env, err := load(t, dir).Environment("iad", config.EnvStaging, 100)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Apply(); err != nil {
		t.Fatal(err)
	}
	c, err := load(t, dir).Client("iad-staging", "ezra")
	if err == nil || !strings.Contains(err.Error(), "--stack iad-staging: Pulumi.iad-staging.yaml has no cluster for the client's namespace") {
		t.Fatalf("got %v, %v", c, err)
	}
}

// Apply never overwrites: a file that appeared since the plan stops it, and stays as it was.
func TestChangeString(t *testing.T) {
	for c, want := range map[*Change]string{
		nil: "no change",
		{File: "Pulumi.fra.yaml", Kind: config.KindRegion, VPCCIDR: "10.7.0.0/16"}:                              "Pulumi.fra.yaml (region, VPC 10.7.0.0/16)",
		{File: "Pulumi.iad-qa.yaml", Kind: config.KindEnvironment, Edits: []Edit{{File: "Pulumi.global.yaml"}}}: "Pulumi.iad-qa.yaml (environment, edits Pulumi.global.yaml)",
	} {
		if got := c.String(); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}

func TestApplyNeverOverwrites(t *testing.T) {
	dir := fleettest.Copy(t, fixture)
	c, err := load(t, dir).Client("iad", "ezra")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, c.File)
	if err := os.WriteFile(path, []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(); err == nil || !strings.Contains(err.Error(), "never overwrites") {
		t.Fatalf("got %v", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "mine\n" {
		t.Errorf("the file was changed: %q", data)
	}
}
