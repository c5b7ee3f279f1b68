package cost

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite pkg/cost/testdata/golden from the current estimates")

// committedDir holds the golden synth graphs of the committed stacks (make golden).
const committedDir = "../../testdata/synth"

func committed(t *testing.T) map[string]*Graph {
	t.Helper()
	graphs, err := ReadGraphs(committedDir)
	if err != nil {
		t.Fatal(err)
	}
	return graphs
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./pkg/cost -run %s -update writes it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the estimate (review, then go test ./pkg/cost -update):\n--- got\n%s", path, got)
	}
}

// Types other engineers are adding; classified ahead so their graphs price without a gap.
var upcomingTypes = []string{
	"aws:wafv2/webAcl:WebAcl",
	"aws:wafv2/webAclAssociation:WebAclAssociation",
	"aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
	"aws:ec2/vpcEndpoint:VpcEndpoint",
	"aws:cloudwatch/logGroup:LogGroup",
	"aws:route53/zone:Zone",
	"kubernetes:core/v1:PersistentVolumeClaim",
	"eks:index:ManagedNodeGroup",
}

// Every resource type of every committed graph is priced, free or explicitly unpriced; a new
// type fails here until pkg/cost/rules.go says which.
func TestEveryTypeClassified(t *testing.T) {
	graphs := committed(t)
	seen := map[string]string{}
	for _, name := range sortedKeys(graphs) {
		for _, r := range graphs[name].Resources {
			seen[r.Type] = name
		}
	}
	for _, typ := range upcomingTypes {
		if _, ok := seen[typ]; !ok {
			seen[typ] = "(upcoming)"
		}
	}
	for _, typ := range sortedKeys(seen) {
		rule, ok := RuleFor(typ)
		if !ok {
			t.Errorf("%s (in %s): no pricing rule; add it to pkg/cost/rules.go as priced, free (with why) or unpriced (with why)", typ, seen[typ])
			continue
		}
		set := 0
		for _, b := range []bool{rule.Price != nil, rule.Free != "", rule.Unpriced != ""} {
			if b {
				set++
			}
		}
		if set != 1 {
			t.Errorf("%s: a rule is exactly one of priced, free or unpriced", typ)
		}
	}
}

// Golden estimates of the committed stacks, line by line; and every SKU they use has a price in
// its region.
func TestGoldenEstimates(t *testing.T) {
	graphs := committed(t)
	prices := PinnedPrices()
	for _, name := range sortedKeys(graphs) {
		g := graphs[name]
		e := EstimateGraph(g, prices, DefaultUsage(g.Kind()))
		for _, l := range e.Lines {
			if l.NoPrice {
				t.Errorf("%s: %s %s: %s", name, l.Type, l.Name, l.Description)
			}
		}
		if len(e.Unclassified) > 0 {
			t.Errorf("%s: unclassified types %v", name, e.Unclassified)
		}
		var buf bytes.Buffer
		if err := WriteDetail(&buf, e); err != nil {
			t.Fatal(err)
		}
		golden(t, name+".txt", buf.Bytes())
	}
	var buf bytes.Buffer
	if err := EstimateFleet(graphs, prices, nil).WriteSummary(&buf); err != nil {
		t.Fatal(err)
	}
	golden(t, "fleet.txt", buf.Bytes())
}

// Kinds and environments are read from the graphs as the config states them.
func TestGraphKind(t *testing.T) {
	graphs := committed(t)
	want := map[string][2]string{
		"ams": {KindRegion, "production"}, "global": {KindGlobal, "production"}, "iad-ezra": {KindClient, "production"},
		"iad-staging": {KindEnvironment, "staging"}, "iad-development": {KindEnvironment, "development"},
	}
	for name, w := range want {
		g := graphs[name]
		if g == nil {
			t.Fatalf("no committed graph %s", name)
		}
		if g.Kind() != w[0] || g.Environment() != w[1] {
			t.Errorf("%s: kind %s environment %s; want %s %s", name, g.Kind(), g.Environment(), w[0], w[1])
		}
	}
}

func TestPinnedPrices(t *testing.T) {
	tbl := PinnedPrices()
	if tbl.Date == "" || tbl.Source == "" {
		t.Errorf("the pinned table must say when and how it was read: %q %q", tbl.Date, tbl.Source)
	}
	for _, region := range []string{"eu-west-1", "us-east-1", "ap-southeast-2", "ap-southeast-1", "us-west-1", "af-south-1"} {
		for _, sku := range []string{"ec2:m5.2xlarge", "ec2:m5.4xlarge", "ec2:m5.large", "ec2:r6i.2xlarge", "ebs:gp3", "eks:cluster",
			"rds:aurora-postgresql:db.r6i.2xlarge", "rds:aurora-storage", "rds:aurora-io", "elasticache:cache.r7g.large",
			"nat:hour", "nat:data", "alb:hour", "alb:lcu", "vpn:hour", "kms:key", "secretsmanager:secret", "cloudwatch:alarm",
			"logs:ingest", "logs:store", "amp:samples", "amp:storage", "backup:aurora", "s3:standard", "waf:acl"} {
			if _, ok := tbl.Lookup(sku, region); !ok {
				t.Errorf("no price for %s in %s", sku, region)
			}
		}
	}
	if _, err := ParsePrices([]byte(`{"hoursPerMonth": 730, "prices": [{"sku": "kms:key", "region": "x", "usd": 1, "status": "guessed", "source": "s", "read": "d"}]}`)); err == nil || !strings.Contains(err.Error(), `status "guessed"`) {
		t.Errorf("a price of unknown status: %v", err)
	}
	if _, err := ParsePrices([]byte(`{"hoursPerMonth": 730, "prices": [{"sku": "kms:key", "region": "x", "usd": 1, "status": "fetched"}]}`)); err == nil || !strings.Contains(err.Error(), "source") {
		t.Errorf("a price without source: %v", err)
	}
}

func TestUsageFile(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "usage.yaml")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	f, err := ReadUsageFile(write("defaults:\n  region: {natDataGb: 2500, nodeScale: max}\nstacks:\n  ams: {natDataGb: 10}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if u := f.For("iad", KindRegion); u.NATDataGB != 2500 || u.NodeScale != ScaleMax || u.ALBLCUs != DefaultUsage(KindRegion).ALBLCUs {
		t.Errorf("iad: %+v", u)
	}
	if u := f.For("ams", KindRegion); u.NATDataGB != 10 || u.NodeScale != ScaleMax {
		t.Errorf("ams: %+v", u)
	}
	if u := f.For("iad-staging", KindEnvironment); u != DefaultUsage(KindEnvironment) {
		t.Errorf("iad-staging: %+v", u)
	}
	for _, tc := range []struct{ body, want string }{
		{"stacks:\n  ams: {natGb: 1}\n", "stacks.ams.natGb: unknown usage key; allowed: albLcus"},
		{"defaults:\n  regional: {natDataGb: 1}\n", "defaults.regional: unknown stack kind"},
		{"stacks:\n  ams: {nodeScale: peak}\n", `nodeScale: "peak"; allowed: min, desired, max`},
		{"stacks:\n  ams: {spotDiscount: 1.5}\n", "spotDiscount: 1.5; want a fraction"},
		{"stack:\n  ams: {}\n", "top-level keys: defaults, stacks"},
	} {
		if _, err := ReadUsageFile(write(tc.body)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v; want %q", tc.body, err, tc.want)
		}
	}
}

func TestCheckBudgets(t *testing.T) {
	f := &Fleet{Estimates: []*Estimate{
		{Stack: "a", Environment: "production", MonthlyUSD: 60},
		{Stack: "b", Environment: "production", MonthlyUSD: 30},
		{Stack: "s", Environment: "staging", MonthlyUSD: 79},
		{Stack: "d", Environment: "development", MonthlyUSD: 81},
		{Stack: "x", Environment: "unbudgeted", MonthlyUSD: 1e6},
	}}
	got := CheckBudgets(f, map[string]float64{"production": 80, "staging": 100, "development": 100})
	if len(got) != 2 || got[0].Environment != "development" || got[1].Environment != "production" {
		t.Fatalf("%+v; want development (81%%) and production (over)", got)
	}
	if got[0].Over() || !strings.Contains(got[0].Message(), "is 81% of its budget of $100.00") {
		t.Errorf("development: %s", got[0].Message())
	}
	if !got[1].Over() || !strings.Contains(got[1].Message(), "estimated $90.00 a month exceeds its budget of $80.00") || len(got[1].Stacks) != 2 {
		t.Errorf("production: %s %v", got[1].Message(), got[1].Stacks)
	}
}

// The PR comment's cost section from two fixture graphs: a region whose general node group
// grows (called out), a stack that does not change.
func TestDiffFixture(t *testing.T) {
	read := func(dir string) *Fleet {
		graphs, err := ReadGraphs(filepath.Join("testdata", "diff", dir))
		if err != nil {
			t.Fatal(err)
		}
		return EstimateFleet(graphs, PinnedPrices(), nil)
	}
	var buf bytes.Buffer
	WriteDiff(&buf, read("base"), read("head"), Threshold{USD: 1000, Percent: 10}, "fixture")
	golden(t, "diff-nodegroup.md", buf.Bytes())
	if !strings.Contains(buf.String(), "**over threshold**") {
		t.Errorf("the grown node group is not called out:\n%s", buf.String())
	}

	// A type without a rule in the head is named in the section, not silently left out.
	head := read("head")
	head.Estimates[0].Unclassified = map[string]int{"aws:quantum/computer:Computer": 1}
	buf.Reset()
	WriteDiff(&buf, read("base"), head, Threshold{USD: 1000}, "fixture")
	if !strings.Contains(buf.String(), "without a pricing rule, not in the estimates (add them to pkg/cost/rules.go): aws:quantum/computer:Computer") {
		t.Errorf("unclassified type not named:\n%s", buf.String())
	}
}

// Adding a region: the base is the committed fleet, the head adds stack fra (eu-central-1, from
// `sovereign new`) and the global stack's peering and DNS for it.
func TestDiffAddRegion(t *testing.T) {
	base := committed(t)
	head := map[string]*Graph{}
	for k, v := range base {
		head[k] = v
	}
	extra, err := ReadGraphs(filepath.Join("testdata", "addregion"))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range extra {
		head[k] = v
	}
	var buf bytes.Buffer
	WriteDiff(&buf, EstimateFleet(base, PinnedPrices(), nil), EstimateFleet(head, PinnedPrices(), nil), Threshold{USD: 1000, Percent: 10}, "add region fra")
	golden(t, "diff-addregion.md", buf.Bytes())
	if !strings.Contains(buf.String(), "| fra | production | $0.00 |") || !strings.Contains(buf.String(), "new stack; **over threshold**") {
		t.Errorf("the new region is not shown as a new stack over the threshold:\n%s", buf.String())
	}
}

// The fleet's range: every environment's total at the node groups' minimum and maximum sizes
// brackets the estimate at the desired size.
func TestNodeScaleRange(t *testing.T) {
	f := EstimateFleet(committed(t), PinnedPrices(), nil)
	totals := f.ByEnvironment()
	for env, r := range f.NodeScaleRange {
		if got := totals[env].MonthlyUSD; r[0] > got || got > r[1] || r[0] == r[1] {
			t.Errorf("%s: min %v, desired %v, max %v", env, r[0], got, r[1])
		}
	}
	if len(f.NodeScaleRange) != 3 {
		t.Errorf("ranges for %v; want production, staging, development", f.NodeScaleRange)
	}
}
