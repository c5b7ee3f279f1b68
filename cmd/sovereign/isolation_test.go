package main

// Isolation tests: the "zero downtime" promise made checkable. For each of add-a-region,
// add-an-environment and add-a-client, the committed fleet is copied to a temp dir and
// synthesized with `sovereign synth --all`; the scaffold (`sovereign new ...`) writes the new
// stack file; the fleet is synthesized again; and every stack that existed before must have the
// same graph, byte for byte. Two changes are intended and allowed, each exactly:
//   - the global stack only gains resources (peerings, DNS records, a budget): every resource it
//     had is there unchanged;
//   - a new secondary region makes the global database's primary replicate its credentials secret
//     to one more region (an in-place update of one input of one resource), and its provisioning
//     Jobs' egress reach the new member's database subnets (the global writer may move there).

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/internal/fleettest"
	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// synthFleet runs `sovereign synth` over dir with args and returns each stack's graph file.
func synthFleet(t *testing.T, dir string, args ...string) (map[string][]byte, string, int) {
	t.Helper()
	out := t.TempDir()
	code, stdout, errs := runCLI(t, append([]string{"synth", "--dir", dir, "--out", out}, args...)...)
	if code != 0 {
		return nil, stdout + errs, code
	}
	files, err := filepath.Glob(filepath.Join(out, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	graphs := map[string][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		graphs[strings.TrimSuffix(filepath.Base(f), ".json")] = data
	}
	return graphs, stdout + errs, 0
}

// addition is one `sovereign new` run on a copy of the committed fleet.
type addition struct {
	args   []string // the new command's arguments, without --dir
	stack  string   // the stack it adds
	region string   // a new region's AWS region, "" for other kinds
	gains  string   // the name of a resource the global stack must gain, if any
}

func checkIsolation(t *testing.T, dir string, before map[string][]byte, oldFleet *config.Fleet, add addition) {
	t.Helper()
	if code, out, errs := runCLI(t, append(append([]string{"new"}, add.args...), "--dir", dir)...); code != 0 {
		t.Fatalf("sovereign new %v: exit %d\n%s%s", add.args, code, out, errs)
	}
	after, msg, code := synthFleet(t, dir, "--all")
	if code != 0 {
		t.Fatalf("synth --all after adding %s: exit %d\n%s", add.stack, code, msg)
	}
	if _, err := config.LoadDir(dir); err != nil {
		t.Fatal(err)
	}
	home := oldFleet.DatabaseHome(config.EnvProduction) // holds the credentials secret and its replicas
	for _, name := range oldFleet.Names() {
		old, cur := before[name], after[name]
		switch {
		case cur == nil:
			t.Errorf("%s: no graph after adding %s", name, add.stack)
		case string(old) == string(cur):
		case oldFleet.Stack(name).Settings.Kind == config.KindGlobal:
			reportAll(t, onlyGains(name, old, cur))
		case add.region != "" && home != nil && name == home.Name:
			reportAll(t, onlyReplicaAdded(name, old, cur, add.region))
		default:
			t.Errorf("%s: the graph changed when %s was added:\n%s", name, add.stack, firstDifference(old, cur))
		}
	}
	if add.gains != "" {
		found := false
		for _, g := range oldFleet.Stacks {
			if g.Settings.Kind != config.KindGlobal {
				continue
			}
			if strings.Contains(string(after[g.Name]), `"name": "`+add.gains+`"`) && !strings.Contains(string(before[g.Name]), `"name": "`+add.gains+`"`) {
				found = true
				// The budget and nothing else: onlyGains above checked nothing changed.
				var o, c graphFile
				if err := errors.Join(json.Unmarshal(before[g.Name], &o), json.Unmarshal(after[g.Name], &c)); err != nil {
					t.Fatal(err)
				}
				if len(c.Resources) != len(o.Resources)+1 {
					t.Errorf("%s gained %d resources, want the budget only", g.Name, len(c.Resources)-len(o.Resources))
				}
			}
		}
		if !found {
			t.Errorf("no global stack gained %s", add.gains)
		}
	}
	t.Run("the new stack synthesizes", func(t *testing.T) {
		var g struct {
			Stack     string            `json:"stack"`
			Resources []json.RawMessage `json:"resources"`
		}
		if err := json.Unmarshal(after[add.stack], &g); err != nil || g.Stack != add.stack || len(g.Resources) == 0 {
			t.Errorf("%s: %v, stack %q, %d resources", add.stack, err, g.Stack, len(g.Resources))
		}
		if len(after) != len(oldFleet.Stacks)+1 {
			t.Errorf("%d graphs after adding one stack to %d", len(after), len(oldFleet.Stacks))
		}
	})
}

func reportAll(t *testing.T, problems []string) {
	t.Helper()
	for _, p := range problems {
		t.Error(p)
	}
}

type graphFile struct {
	Project   string                     `json:"project"`
	Stack     string                     `json:"stack"`
	Resources []map[string]any           `json:"resources"`
	Outputs   map[string]json.RawMessage `json:"outputs"`
}

// onlyGains: every resource of old is in cur unchanged, and every output of old is still there.
func onlyGains(name string, old, cur []byte) []string {
	var o, c graphFile
	if err := errors.Join(json.Unmarshal(old, &o), json.Unmarshal(cur, &c)); err != nil {
		return []string{fmt.Sprintf("%s: %v", name, err)}
	}
	var out []string
	if o.Project != c.Project || o.Stack != c.Stack {
		out = append(out, fmt.Sprintf("%s: project/stack %s/%s, was %s/%s", name, c.Project, c.Stack, o.Project, o.Stack))
	}
	oldRes, curRes := byURN(o), byURN(c)
	for _, r := range o.Resources {
		urn := fmt.Sprint(r["urn"])
		switch n, ok := curRes[urn]; {
		case !ok:
			out = append(out, fmt.Sprintf("%s: %s disappeared", name, urn))
		case n != oldRes[urn]:
			out = append(out, fmt.Sprintf("%s: %s changed:\n%s\n%s", name, urn, oldRes[urn], n))
		}
	}
	if len(curRes) <= len(oldRes) {
		out = append(out, fmt.Sprintf("%s: the graph changed but gained no resource (%d, had %d)", name, len(curRes), len(oldRes)))
	}
	for _, k := range slices.Sorted(maps.Keys(o.Outputs)) {
		if _, ok := c.Outputs[k]; !ok {
			out = append(out, fmt.Sprintf("%s: output %s disappeared", name, k))
		}
	}
	return out
}

func byURN(g graphFile) map[string]string {
	out := map[string]string{}
	for _, r := range g.Resources {
		out[fmt.Sprint(r["urn"])] = marshal(r)
	}
	return out
}

// onlyReplicaAdded: the one difference is the home's credentials secret replicated to region
// too; every other byte of the graph is the same.
func onlyReplicaAdded(name string, old, cur []byte, region string) []string {
	var o, c graphFile
	if err := errors.Join(json.Unmarshal(old, &o), json.Unmarshal(cur, &c)); err != nil {
		return []string{fmt.Sprintf("%s: %v", name, err)}
	}
	var out []string
	// New: the provider of the region and the replica's key and alias there, nothing else.
	was := map[string]map[string]any{}
	for _, r := range o.Resources {
		was[fmt.Sprint(r["urn"])] = r
	}
	added := 0
	for _, r := range c.Resources {
		if _, ok := was[fmt.Sprint(r["urn"])]; ok {
			continue
		}
		added++
		n := fmt.Sprint(r["name"])
		if !(r["type"] == "pulumi:providers:aws" && n == "aws-"+region+"-secret-replica") &&
			!(r["type"] == "aws:kms/key:Key" && strings.HasSuffix(n, "-aurora-master-"+region)) &&
			!(r["type"] == "aws:kms/alias:Alias" && strings.HasSuffix(n, "-aurora-master-"+region+"-alias")) {
			out = append(out, fmt.Sprintf("%s: new %s %s", name, r["type"], n))
		}
	}
	if added != 3 || len(c.Resources) != len(o.Resources)+3 {
		out = append(out, fmt.Sprintf("%s: %d resources, had %d; want the replica's provider, key and alias added", name, len(c.Resources), len(o.Resources)))
	}
	changed := 0
	for _, b := range c.Resources {
		a, ok := was[fmt.Sprint(b["urn"])]
		if !ok || marshal(a) == marshal(b) {
			continue
		}
		inA, _ := a["inputs"].(map[string]any)
		inB, _ := b["inputs"].(map[string]any)
		if a["type"] == "kubernetes:networking.k8s.io/v1:NetworkPolicy" && strings.Contains(fmt.Sprint(a["urn"]), "tenant:DatabaseProvisioner$") {
			// The home's provisioning Jobs reach the global writer wherever it is: their egress
			// gains the new member's database subnets, and nothing else changes.
			out = append(out, onlyEgressGained(name, a, b)...)
			continue
		}
		changed++
		if a["type"] != "aws:secretsmanager/secret:Secret" || !strings.HasSuffix(fmt.Sprint(a["urn"]), "-aurora-master") || inA == nil || inB == nil {
			out = append(out, fmt.Sprintf("%s: %s changed:\n%s\n%s", name, a["urn"], marshal(a), marshal(b)))
			continue
		}
		regions := func(v any) []any {
			var rs []any
			for _, r := range asAnyList(v) {
				rs = append(rs, r.(map[string]any)["region"])
			}
			return rs
		}
		if want := append(regions(inA["replicas"]), region); !sameSet(want, regions(inB["replicas"])) {
			out = append(out, fmt.Sprintf("%s: %s replicas %s, want %s", name, a["urn"], marshal(inB["replicas"]), marshal(want)))
		}
		inB["replicas"] = inA["replicas"]
		if deps, ok := a["dependsOn"]; ok { // and it depends on the new region's key
			b["dependsOn"] = deps
		} else {
			delete(b, "dependsOn")
		}
		if marshal(a) != marshal(b) {
			out = append(out, fmt.Sprintf("%s: %s changed beyond its replicas:\n%s\n%s", name, a["urn"], marshal(a), marshal(b)))
		}
	}
	if changed != 1 {
		out = append(out, fmt.Sprintf("%s: %d resources changed, want the credentials secret only", name, changed))
	}
	if marshal(o.Outputs) != marshal(c.Outputs) || o.Project != c.Project || o.Stack != c.Stack {
		out = append(out, fmt.Sprintf("%s: outputs, project or stack changed", name))
	}
	return out
}

// onlyEgressGained accepts a NetworkPolicy whose only change is more egress ipBlocks (none lost).
func onlyEgressGained(name string, a, b map[string]any) []string {
	blocks := func(r map[string]any) ([]any, map[string]any) {
		in, _ := r["inputs"].(map[string]any)
		spec, _ := in["spec"].(map[string]any)
		egress := asAnyList(spec["egress"])
		if len(egress) != 1 {
			return nil, nil
		}
		rule, _ := egress[0].(map[string]any)
		return asAnyList(rule["to"]), rule
	}
	was, ruleA := blocks(a)
	now, ruleB := blocks(b)
	if ruleA == nil || ruleB == nil || len(now) <= len(was) {
		return []string{fmt.Sprintf("%s: %s changed, want egress blocks gained only:\n%s\n%s", name, a["urn"], marshal(a), marshal(b))}
	}
	seen := map[string]bool{}
	for _, x := range now {
		seen[marshal(x)] = true
	}
	for _, x := range was {
		if !seen[marshal(x)] {
			return []string{fmt.Sprintf("%s: %s lost egress to %s", name, a["urn"], marshal(x))}
		}
	}
	ruleB["to"] = ruleA["to"]
	defer func() { ruleB["to"] = now }()
	if marshal(a) != marshal(b) {
		return []string{fmt.Sprintf("%s: %s changed beyond its egress blocks:\n%s\n%s", name, a["urn"], marshal(a), marshal(b))}
	}
	return nil
}

func asAnyList(v any) []any {
	l, _ := v.([]any)
	return l
}

func sameSet(a, b []any) bool {
	var as, bs []string
	for _, x := range a {
		as = append(as, marshal(x))
	}
	for _, x := range b {
		bs = append(bs, marshal(x))
	}
	slices.Sort(as)
	slices.Sort(bs)
	return slices.Equal(as, bs)
}

// marshal encodes a decoded JSON value again (it cannot fail on one).
func marshal(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("(unencodable: %v)", err)
	}
	return string(data)
}

// firstDifference shows the first line where two graphs differ, with context.
func firstDifference(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < max(len(la), len(lb)); i++ {
		if i >= len(la) || i >= len(lb) || la[i] != lb[i] {
			lo := max(0, i-3)
			return fmt.Sprintf("line %d\n--- before\n%s\n--- after\n%s", i+1,
				strings.Join(la[lo:min(len(la), i+3)], "\n"), strings.Join(lb[lo:min(len(lb), i+3)], "\n"))
		}
	}
	return "(no line differs)"
}

// setup copies the committed fleet, lets prepare change the copy, and synthesizes it.
func setup(t *testing.T, prepare ...func(dir string)) (string, map[string][]byte, *config.Fleet) {
	t.Helper()
	dir := fleettest.Copy(t, repo)
	for _, p := range prepare {
		p(dir)
	}
	before, msg, code := synthFleet(t, dir, "--all")
	if code != 0 {
		t.Fatalf("synth --all of the committed fleet: exit %d\n%s", code, msg)
	}
	fleet, err := config.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(before) != len(fleet.Stacks) {
		t.Fatalf("%d graphs for %d stacks", len(before), len(fleet.Stacks))
	}
	return dir, before, fleet
}

func TestIsolationAddRegion(t *testing.T) {
	dir, before, fleet := setup(t)
	used := map[string]bool{}
	for _, s := range fleet.Stacks {
		used[s.Settings.Code], used[s.Settings.AWSRegion] = true, true
	}
	for _, c := range [][2]string{{"fra", "eu-central-1"}, {"arn", "eu-north-1"}, {"lhr", "eu-west-2"}, {"nrt", "ap-northeast-1"}} {
		if !used[c[0]] && !used[c[1]] {
			checkIsolation(t, dir, before, fleet, addition{
				args: []string{"region", "--region", c[0], "--aws-region", c[1]}, stack: c[0], region: c[1]})
			return
		}
	}
	t.Fatal("no free code and AWS region among the candidates; add one")
}

func TestIsolationAddEnvironment(t *testing.T) {
	dir, before, fleet := setup(t)
	budgeted := map[config.Environment]bool{}
	for _, s := range fleet.Stacks {
		if s.Costs != nil {
			for _, b := range s.Costs.Budgets {
				budgeted[b.Environment] = true
			}
		}
	}
	for _, s := range fleet.Stacks {
		if !s.IsRegion() {
			continue
		}
		for _, env := range []config.Environment{config.EnvStaging, config.EnvDevelopment} {
			name := s.Settings.Code + "-" + string(env)
			if fleet.Stack(name) != nil {
				continue
			}
			args := []string{"env", "--region", s.Settings.Code, "--name", string(env)}
			add := addition{args: args, stack: name}
			if !budgeted[env] { // the global stack gains the budget
				add.args = append(add.args, "--monthly-budget-usd", "20000")
				add.gains = "gs-global-" + string(env)
			}
			checkIsolation(t, dir, before, fleet, add)
			return
		}
	}
	t.Fatal("every region has every environment")
}

// A new environment that the global stack does not budget yet: `new env --monthly-budget-usd`
// adds its budget, and the global stack gains exactly that budget. The copy first loses
// iad-development and the development budget.
func TestIsolationAddEnvironmentWithItsBudget(t *testing.T) {
	dir, before, fleet := setup(t, func(dir string) {
		if err := os.Remove(filepath.Join(dir, "Pulumi.iad-development.yaml")); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "Pulumi.global.yaml")
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		budget := "      - environment: development\n        monthlyLimitUsd: 5000\n"
		if !strings.Contains(string(data), budget) {
			t.Fatalf("Pulumi.global.yaml has no development budget to remove:\n%s", data)
		}
		if err := os.WriteFile(path, []byte(strings.Replace(string(data), budget, "", 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	})
	checkIsolation(t, dir, before, fleet, addition{
		args:  []string{"env", "--region", "iad", "--name", "development", "--monthly-budget-usd", "5000"},
		stack: "iad-development", gains: "gs-global-development"})
}

func TestIsolationAddClient(t *testing.T) {
	dir, before, fleet := setup(t)
	for _, name := range []string{"zed", "yara", "xena"} {
		if fleet.Stack("iad-"+name) == nil {
			checkIsolation(t, dir, before, fleet, addition{args: []string{"client", "--stack", "iad", "--name", name}, stack: "iad-" + name})
			return
		}
	}
	t.Fatal("no free client name among the candidates")
}

// The checkers catch what they are there to catch.
func TestIsolationCheckers(t *testing.T) {
	graph := func(outputs string, resources ...string) []byte {
		return []byte(`{"project":"global-sovereign","stack":"s","resources":[` + strings.Join(resources, ",") + `],"outputs":{` + outputs + `}}`)
	}
	a := `{"urn":"a","type":"aws:ec2/vpc:Vpc","inputs":{"cidrBlock":"10.1.0.0/16"}}`
	a2 := `{"urn":"a","type":"aws:ec2/vpc:Vpc","inputs":{"cidrBlock":"10.9.0.0/16"}}`
	b := `{"urn":"b","type":"aws:budgets/budget:Budget","inputs":{}}`
	secret := func(regions ...string) string {
		var rs []string
		for _, r := range regions {
			rs = append(rs, `{"region":"`+r+`"}`)
		}
		return `{"urn":"x$aws:secretsmanager/secret:Secret::gs-ams-aurora-master","type":"aws:secretsmanager/secret:Secret","inputs":{"name":"m","replicas":[` + strings.Join(rs, ",") + `]}}`
	}
	gains := []struct {
		name     string
		old, cur []byte
		want     string
	}{
		{"a resource added", graph(`"o":1`, a), graph(`"o":2,"p":1`, a, b), ""},
		{"a resource changed", graph("", a), graph("", a2, b), "s: a changed"},
		{"a resource gone", graph("", a, b), graph("", b, `{"urn":"c"}`), "s: a disappeared"},
		{"nothing gained", graph(`"o":1`, a), graph(`"o":2`, a), "gained no resource"},
		{"an output gone", graph(`"o":1`, a), graph("", a, b), "output o disappeared"},
	}
	for _, tt := range gains {
		t.Run("onlyGains "+tt.name, func(t *testing.T) {
			got := strings.Join(onlyGains("s", tt.old, tt.cur), "\n")
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("problems %q, want %q", got, tt.want)
			}
		})
	}
	// What the home adds for a new member's region besides the replica: its provider, key, alias.
	added := []string{`{"urn":"p","type":"pulumi:providers:aws","name":"aws-eu-central-1-secret-replica"}`,
		`{"urn":"k","type":"aws:kms/key:Key","name":"gs-ams-aurora-master-eu-central-1"}`,
		`{"urn":"l","type":"aws:kms/alias:Alias","name":"gs-ams-aurora-master-eu-central-1-alias"}`}
	grown := func(outputs string, resources ...string) []byte {
		return graph(outputs, append(resources, added...)...)
	}
	replica := []struct {
		name     string
		old, cur []byte
		want     string
	}{
		{"the replica", graph("", a, secret("us-east-1")), grown("", a, secret("eu-central-1", "us-east-1")), ""},
		{"no change at all", graph("", a, secret("us-east-1")), grown("", a, secret("us-east-1")), "0 resources changed"},
		{"no key in the new region", graph("", a, secret("us-east-1")), graph("", a, secret("eu-central-1", "us-east-1")), "want the replica's provider, key and alias added"},
		{"a replica elsewhere", graph("", a, secret("us-east-1")), grown("", a, secret("eu-west-2", "us-east-1")), "replicas"},
		{"two replicas", graph("", a, secret("us-east-1")), grown("", a, secret("eu-central-1", "eu-west-2", "us-east-1")), "replicas"},
		{"another resource too", graph("", a, secret("us-east-1")), grown("", a2, secret("eu-central-1", "us-east-1")), "s: a changed"},
		{"one resource more", graph("", a, secret()), grown("", a, b, secret("eu-central-1")), "new aws:budgets/budget:Budget"},
		{"outputs", graph(`"o":1`, secret()), grown(`"o":2`, secret("eu-central-1")), "outputs, project or stack changed"},
		{"the secret beyond its replicas",
			graph("", secret("us-east-1")), grown("", strings.Replace(secret("eu-central-1", "us-east-1"), `"name":"m"`, `"name":"n"`, 1)), "changed beyond its replicas"},
	}
	for _, tt := range replica {
		t.Run("onlyReplicaAdded "+tt.name, func(t *testing.T) {
			got := strings.Join(onlyReplicaAdded("s", tt.old, tt.cur, "eu-central-1"), "\n")
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("problems %q, want %q", got, tt.want)
			}
		})
	}
}
