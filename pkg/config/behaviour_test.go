package config

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// Behaviours of the loader, the validator and the fleet that mutation testing showed no test
// pinned (docs/mutation-survivors.md lists the mutants left alive and why).

// A 4-byte private ASN goes through a stack file, the fleet's validation and the engine's JSON
// form unchanged.
func TestFourByteASNEndToEnd(t *testing.T) {
	text := strings.Replace(validRegion, "bgpAsn: 65000", "bgpAsn: 4200000000\n    amazonSideAsn: 4294967294", 1)
	f, err := LoadDir(writeFleet(t, map[string]string{"Pulumi.iad.yaml": text, "Pulumi.global.yaml": validGlobal}))
	if err != nil {
		t.Fatal(err)
	}
	if ps := f.Validate(); len(ps) > 0 {
		t.Fatalf("a valid 4-byte ASN is rejected:\n%v", ps.Err())
	}
	file := f.Stack("iad")
	if *file.VPN.BGPASN != 4200000000 || *file.VPN.AmazonSideASN != 4294967294 {
		t.Fatalf("ASNs read as %d and %d", *file.VPN.BGPASN, *file.VPN.AmazonSideASN)
	}
	ec, err := file.EngineConfig()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ec["global-sovereign:vpn"], `"amazonSideAsn":4294967294`) || !strings.Contains(ec["global-sovereign:vpn"], `"bgpAsn":4200000000`) {
		t.Fatalf("engine config %s", ec["global-sovereign:vpn"])
	}
	s, err := FromEngine("iad", func(k string) (string, bool) { v, ok := ec[Project+":"+k]; return v, ok }, file)
	if err != nil {
		t.Fatal(err)
	}
	if ps := f.With(s).Validate(); len(ps) > 0 {
		t.Fatalf("the engine's view is rejected:\n%v", ps.Err())
	}
	if *s.VPN.BGPASN != 4200000000 || *s.VPN.AmazonSideASN != 4294967294 {
		t.Errorf("engine ASNs read as %d and %d", *s.VPN.BGPASN, *s.VPN.AmazonSideASN)
	}
}

// Problems read as file:line: key: message, and come sorted by file, line, key and message.
func TestProblemsReadAndSort(t *testing.T) {
	ps := Problems{
		{File: "Pulumi.b.yaml", Line: 3, Path: "k", Msg: "m"},
		{File: "Pulumi.a.yaml", Line: 10, Path: "k", Msg: "m"},
		{File: "Pulumi.a.yaml", Line: 2, Path: "z", Msg: "m"},
		{File: "Pulumi.a.yaml", Line: 2, Path: "a", Msg: "y"},
		{File: "Pulumi.a.yaml", Line: 2, Path: "a", Msg: "x"},
		{File: "Pulumi.a.yaml", Msg: "no line, no key"},
		{File: "Pulumi.a.yaml", Path: "k", Msg: "no line"},
	}
	want := strings.Join([]string{
		"Pulumi.a.yaml: no line, no key",
		"Pulumi.a.yaml: k: no line",
		"Pulumi.a.yaml:2: a: x",
		"Pulumi.a.yaml:2: a: y",
		"Pulumi.a.yaml:2: z: m",
		"Pulumi.a.yaml:10: k: m",
		"Pulumi.b.yaml:3: k: m",
	}, "\n")
	if got := ps.Err().Error(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if Problems(nil).Err() != nil {
		t.Error("no problems is no error")
	}
}

// Every unknown key is reported, not only the first; and one unknown key costs exactly one
// problem (the keys after it are still read).
func TestEveryUnknownKeyIsReported(t *testing.T) {
	text := strings.Replace(validRegion, "    kind: region\n", "    aaa: 1\n    kind: region\n    zzz: 2\n", 1)
	_, err := Parse("Pulumi.iad.yaml", []byte(text))
	if err == nil {
		t.Fatal("want an error")
	}
	requireProblem(t, err.(Problems), "global-sovereign:stack.aaa", "unknown key", 4)
	requireProblem(t, err.(Problems), "global-sovereign:stack.zzz", "unknown key", 6)

	// The project keys come from a map; parse often enough that the unknown key is read first.
	text = validRegion + "  global-sovereign:extra: {}\n"
	for range 20 {
		_, err := Parse("Pulumi.iad.yaml", []byte(text))
		ps, _ := err.(Problems)
		if len(ps) != 1 || ps[0].Path != "global-sovereign:extra" || ps[0].Line != 27 {
			t.Fatalf("want one problem at global-sovereign:extra, line 27; got:\n%v", err)
		}
	}
}

// An optional block written as null is the same as no block.
func TestNullBlockIsAbsent(t *testing.T) {
	s := parseValid(t, "Pulumi.iad.yaml", validRegion+"  global-sovereign:cache: null\n  global-sovereign:cluster: ~\n")
	if s.Cache != nil || s.Cluster != nil {
		t.Errorf("null blocks read as %+v %+v", s.Cache, s.Cluster)
	}
}

// A problem with an item of a block-style list points at the item's own line.
func TestBlockListItemLine(t *testing.T) {
	text := strings.Replace(validRegion, "    emails: [oncall@corp.example.org]\n",
		"    emails:\n      - oncall@corp.example.org\n      - not-an-email\n", 1)
	requireProblem(t, problemsOf(t, text), "global-sovereign:alerts.emails[1]", "not an email address", 28)
}

// YAML's other integer forms read as the YAML decoder (and so the engine) reads them, and a
// decimal literal is never rounded through a float.
func TestYAMLNumberForms(t *testing.T) {
	text := strings.Replace(validRegion, "    bgpAsn: 65000\n", "    bgpAsn: 65000\n    officeIngressPorts: [0x1BB, 0o17, +22, 1_000]\n", 1)
	text = strings.Replace(text, "retentionDays: 365", "retentionDays: 3_653", 1)
	s := parseValid(t, "Pulumi.iad.yaml", text)
	if got := fmt.Sprint(s.VPN.OfficeIngressPorts); got != "[443 15 22 1000]" {
		t.Errorf("ports read as %s", got)
	}
	if s.Network.FlowLogs.RetentionDays != 3653 {
		t.Errorf("retention read as %d", s.Network.FlowLogs.RetentionDays)
	}
	// 2^53+1 is not a float64: it reads exactly, in either form.
	for _, v := range []string{"9007199254740993", "0x20000000000001"} {
		requireProblem(t, problemsOf(t, strings.Replace(validRegion, "bgpAsn: 65000", "bgpAsn: "+v, 1)),
			"global-sovereign:vpn.bgpAsn", "9007199254740993 is not a private ASN", 15)
	}
	// Fractions, floats of any form and integers beyond int64 are refused as written.
	for _, v := range []string{"4.5", "4.0", "+4.0", "1e3", ".inf", "99999999999999999999"} {
		requireProblem(t, problemsOf(t, strings.Replace(validRegion, "bgpAsn: 65000", "bgpAsn: "+v, 1)),
			"global-sovereign:vpn.bgpAsn", "want a whole number, got "+v, 15)
	}
}

// The engine hands scalars as plain strings: a value that is JSON followed by more text is a
// string, not the JSON at its start.
func TestEngineValueWithTrailingText(t *testing.T) {
	file := parseValid(t, "Pulumi.iad.yaml", validRegion)
	ec, err := file.EngineConfig()
	if err != nil {
		t.Fatal(err)
	}
	ec["global-sovereign:tags"] = `{"owner":"platform"} {"team":"x"}`
	_, err = FromEngine("iad", func(k string) (string, bool) { v, ok := ec[Project+":"+k]; return v, ok }, file)
	if err == nil || !strings.Contains(err.Error(), "global-sovereign:tags: want a map, got string") {
		t.Errorf("got %v", err)
	}
}

// namePrefix defaults to gs-<code>, with the environment unless it is production; an explicit
// one is kept.
func TestNamePrefix(t *testing.T) {
	for env, want := range map[string]string{"production": "gs-iad", "staging": "gs-iad-staging", "development": "gs-iad-development"} {
		s := parseValid(t, "Pulumi.iad.yaml", strings.Replace(validRegion, "environment: production", "environment: "+env, 1))
		if s.Settings.NamePrefix != want {
			t.Errorf("%s: prefix %q, want %q", env, s.Settings.NamePrefix, want)
		}
	}
	s := parseValid(t, "Pulumi.iad.yaml", strings.Replace(validRegion, "    code: iad\n", "    code: iad\n    namePrefix: corp-iad\n", 1))
	if s.Settings.NamePrefix != "corp-iad" {
		t.Errorf("explicit prefix replaced by %q", s.Settings.NamePrefix)
	}
}

// Defaults fill only what is unset.
func TestDefaultsKeepExplicitValues(t *testing.T) {
	s := parseValid(t, "Pulumi.iad.yaml", withData(strings.Replace(primaryData, "    instances: 3\n", "    instances: 3\n    globalClusterIdentifier: corp-global\n", 1)))
	if s.Database.GlobalClusterIdentifier != "corp-global" {
		t.Errorf("explicit global cluster id replaced by %q", s.Database.GlobalClusterIdentifier)
	}
}

// Stack files sort by name; the primary need not come first.
func TestPrimaryAfterASecondary(t *testing.T) {
	primary := strings.Split(primaryData, "  global-sovereign:cache:")[0]
	f := fleetOf(t, secondaryData, primary)
	if ps := f.Validate(); len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	r0, r1 := f.Stack("r0"), f.Stack("r1")
	if r0.IsPrimary() || !r1.IsPrimary() || f.Stack("global").IsPrimary() {
		t.Errorf("IsPrimary: r0 %v, r1 %v", r0.IsPrimary(), r1.IsPrimary())
	}
	if p := f.PrimaryDatabase("production"); p != r1 {
		t.Errorf("primary of production is %v, want r1", p.Name)
	}
	if f.PrimaryDatabase("staging") != nil {
		t.Error("staging has no primary")
	}
	if got := strings.Join(f.References(r0), ","); got != "r1" {
		t.Errorf("r0 references %q, want r1", got)
	}
}

// Each surplus primary is reported.
func TestEverySurplusPrimaryIsReported(t *testing.T) {
	primary := strings.Split(primaryData, "  global-sovereign:cache:")[0]
	ps := fleetOf(t, primary, primary, primary).Validate()
	for _, file := range []string{"Pulumi.r1.yaml", "Pulumi.r2.yaml"} {
		found := false
		for _, p := range ps {
			found = found || p.File == file && p.Path == "global-sovereign:database.role" && strings.Contains(p.Msg, "r0 (Pulumi.r0.yaml) is already the primary")
		}
		if !found {
			t.Errorf("%s: no surplus-primary problem in:\n%v", file, ps.Error())
		}
	}
}

// Every environment's global database is checked, whichever comes first.
func TestEveryEnvironmentIsChecked(t *testing.T) {
	primary := strings.Split(primaryData, "  global-sovereign:cache:")[0]
	files := map[string]string{
		"Pulumi.global.yaml": validGlobal,
		"Pulumi.p0.yaml":     regionFile("iad", "us-east-1", "10.10.0.0/16", "[us-east-1a, us-east-1b]") + primary,
		"Pulumi.p1.yaml":     regionFile("pdx", "us-west-2", "10.11.0.0/16", "[us-west-2a, us-west-2b]") + strings.Replace(secondaryData, `"16.6"`, `"16.8"`, 1),
		"Pulumi.s0.yaml":     staging(regionFile("iad", "us-east-1", "10.12.0.0/16", "[us-east-1a, us-east-1b]")) + secondaryData,
	}
	f, err := LoadDir(writeFleet(t, files))
	if err != nil {
		t.Fatal(err)
	}
	// The environments come from a map; validate often enough that each order is seen.
	for range 20 {
		got := f.Validate().Error()
		for _, want := range []string{
			`Pulumi.p1.yaml:29: global-sovereign:database.engineVersion: "16.8", but the primary p0 runs "16.6"`,
			`Pulumi.s0.yaml:28: global-sovereign:database.role: no stack of environment staging has role "primary"`,
		} {
			if !strings.Contains(got, want) {
				t.Fatalf("missing %q in:\n%s", want, got)
			}
		}
	}
}

// The primary replicates its secret to the regions of its environment's secondaries, only.
func TestSecondaryRegions(t *testing.T) {
	primary := strings.Split(primaryData, "  global-sovereign:cache:")[0]
	f, err := LoadDir(writeFleet(t, map[string]string{
		"Pulumi.global.yaml": validGlobal,
		"Pulumi.ams.yaml":    regionFile("ams", "eu-west-1", "10.1.0.0/16", "[eu-west-1a, eu-west-1b]") + primary,
		"Pulumi.iad.yaml":    regionFile("iad", "us-east-1", "10.2.0.0/16", "[us-east-1a, us-east-1b]") + secondaryData,
		"Pulumi.syd.yaml":    regionFile("syd", "ap-southeast-2", "10.3.0.0/16", "[ap-southeast-2a, ap-southeast-2b]") + secondaryData,
		"Pulumi.sin.yaml":    regionFile("sin", "ap-southeast-1", "10.4.0.0/16", "[ap-southeast-1a, ap-southeast-1b]"),
		"Pulumi.pdx.yaml":    staging(regionFile("pdx", "us-west-2", "10.5.0.0/16", "[us-west-2a, us-west-2b]")) + secondaryData,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.SecondaryRegions("production"); !reflect.DeepEqual(got, []string{"ap-southeast-2", "us-east-1"}) {
		t.Errorf("production secondaries %v", got)
	}
	if got := f.SecondaryRegions("staging"); !reflect.DeepEqual(got, []string{"us-west-2"}) {
		t.Errorf("staging secondaries %v", got)
	}
}

// A global database has at most 10 secondary regions (Aurora's limit, raised from 5).
func TestSecondaryRegionsBoundary(t *testing.T) {
	primary := strings.Split(primaryData, "  global-sovereign:cache:")[0]
	ten := append([]string{primary}, slices.Repeat([]string{secondaryData}, 10)...)
	if ps := fleetOf(t, ten...).Validate(); len(ps) > 0 {
		t.Fatalf("ten secondaries rejected:\n%v", ps.Err())
	}
	ps := fleetOf(t, append(ten, secondaryData)...).Validate() // r9 sorts last: r0, r1, r10, r11, r2, ...
	want := Problem{File: "Pulumi.r9.yaml", Line: 28, Path: "global-sovereign:database.role",
		Msg: "secondary number 11 of environment production; an Aurora global database has at most 10 secondary regions", Stack: "r9"}
	if len(ps) != 1 || ps[0] != want {
		t.Fatalf("want exactly %v; got:\n%v", want, ps.Error())
	}
}

// With replaces the stack of the same name, or adds one, keeping the fleet sorted.
func TestFleetWith(t *testing.T) {
	primary := strings.Split(primaryData, "  global-sovereign:cache:")[0]
	f := fleetOf(t, primary, secondaryData)
	r1 := parseValid(t, "Pulumi.r1.yaml", validRegion)
	g := f.With(r1)
	if got := strings.Join(g.Names(), ","); got != "global,r0,r1" || g.Stack("r1") != r1 {
		t.Errorf("replaced: %s", got)
	}
	if f.Stack("r1") == r1 {
		t.Error("With changed the original fleet")
	}
	a0 := parseValid(t, "Pulumi.a0.yaml", validRegion)
	if got := strings.Join(g.With(a0).Names(), ","); got != "a0,global,r0,r1" {
		t.Errorf("added: %s", got)
	}
}

// The fleet's preflight lists the named stacks' items, sorted, and skips unknown names.
func TestFleetPreflight(t *testing.T) {
	f := fleetOf(t, "", "")
	ps := f.Preflight([]string{"r1", "nope", "r0"})
	var files []string
	for _, p := range ps {
		files = append(files, p.File+" "+p.Path)
	}
	want := []string{
		"Pulumi.r0.yaml global-sovereign:stack.allowedAccountIds", "Pulumi.r0.yaml global-sovereign:alerts.emails[0]",
		"Pulumi.r1.yaml global-sovereign:stack.allowedAccountIds", "Pulumi.r1.yaml global-sovereign:alerts.emails[0]",
	}
	if strings.Join(files, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s", strings.Join(files, "\n"))
	}
}

// A cluster with neither an office VPN nor endpointPublicCidrs has a private endpoint only, and
// the preflight says so.
func TestPreflightPrivateEndpoint(t *testing.T) {
	vpn := validRegion[strings.Index(validRegion, "  global-sovereign:vpn:"):strings.Index(validRegion, "  global-sovereign:tags:")]
	s := parseValid(t, "Pulumi.iad.yaml", strings.Replace(withCluster(clusterData), vpn, "", 1))
	requireProblem(t, s.Preflight(), "global-sovereign:cluster.deployer", "(the public endpoint admits only none: the endpoint is private)", 0)
}

// Every override CIDR is checked, whatever is wrong with the one before it.
func TestEverySubnetOverrideIsChecked(t *testing.T) {
	text := strings.Replace(validRegion, "    flowLogs:\n", "    subnets:\n"+
		"      database: [nope, 10.2.224.0/29, 10.9.0.0/24]\n"+
		"      private: [10.9.0.0/24, 10.2.0.0/29, 10.2.64.0/19]\n    flowLogs:\n", 1)
	ps := problemsOf(t, text)
	requireProblem(t, ps, "global-sovereign:network.subnets.database[0]", "not an IPv4 CIDR", 13)
	requireProblem(t, ps, "global-sovereign:network.subnets.database[1]", "/28 or larger", 13)
	requireProblem(t, ps, "global-sovereign:network.subnets.database[2]", "outside the VPC", 13)
	requireProblem(t, ps, "global-sovereign:network.subnets.private[0]", "outside the VPC", 14)
	requireProblem(t, ps, "global-sovereign:network.subnets.private[1]", "/28 or larger", 14)
}

// Overrides are checked at every AZ count the layout has slots for (1 to 6), even one the
// AZ rule rejects.
func TestSubnetsCheckedAtEveryAZCount(t *testing.T) {
	one := strings.Replace(validRegion, "[us-east-1a, us-east-1b, us-east-1c]", "[us-east-1a]", 1)
	one = strings.Replace(one, "    flowLogs:\n", "    subnets:\n      database: [10.9.0.0/24]\n    flowLogs:\n", 1)
	ps := problemsOf(t, one)
	requireProblem(t, ps, "global-sovereign:network.availabilityZones", "1 AZs listed", 10)
	requireProblem(t, ps, "global-sovereign:network.subnets.database[0]", "outside the VPC", 13)

	six := strings.Replace(validRegion, "[us-east-1a, us-east-1b, us-east-1c]", "[us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1e, us-east-1f]", 1)
	six = strings.Replace(six, "    flowLogs:\n", "    subnets:\n      database: [10.2.224.0/24, 10.2.225.0/24, 10.2.226.0/24, 10.2.227.0/24, 10.2.228.0/24, 10.9.0.0/24]\n    flowLogs:\n", 1)
	ps = problemsOf(t, six)
	requireProblem(t, ps, "global-sovereign:network.subnets.database[5]", "outside the VPC", 13)
	if len(ps) != 1 {
		t.Errorf("want one problem, got:\n%v", ps.Error())
	}
}

// "did you mean" offers the first known key within two edits of the typo, and nothing further.
func TestSuggestDistance(t *testing.T) {
	for typo, want := range map[string]string{
		"vpcCidr": "vpcCidr", "vpccidr": "vpcCidr", "vpcCidrx": "vpcCidr", "vpcCidrxy": "vpcCidr", "pcCid": "vpcCidr", "xpcCidrx": "vpcCidr",
		"vpcCidrxyz": "", "vpcC": "", "Cidr": "", "": "",
	} {
		got := suggest(typo, []string{"vpcCidr", "natGateways"})
		if want != "" {
			want = fmt.Sprintf(" (did you mean %q?)", want)
		}
		if got != want {
			t.Errorf("suggest(%q) = %q, want %q", typo, got, want)
		}
	}
	if got := suggest("ab", []string{"ac", "ad"}); got != ` (did you mean "ac"?)` {
		t.Errorf("a tie goes to the first listed key; got %q", got)
	}
	for _, tt := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"abc", "", 3}, {"", "abc", 3}, {"kitten", "sitting", 3}, {"flaw", "lawn", 2}, {"abc", "abd", 1}, {"abcd", "abc", 1}} {
		if got := editDistance(tt.a, tt.b); got != tt.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.d)
		}
	}
}

// Every office client CIDR is checked against the other stacks' VPCs, even after one that does
// not parse.
func TestEveryClientCIDRIsCheckedAcrossStacks(t *testing.T) {
	ams := regionFile("ams", "eu-west-1", "10.1.0.0/16", "[eu-west-1a, eu-west-1b]")
	iad := strings.Replace(validRegion, "[165.90.14.138/32]", "[nope, 10.1.4.0/24]", 1)
	f, err := LoadDir(writeFleet(t, map[string]string{"Pulumi.ams.yaml": ams, "Pulumi.iad.yaml": iad, "Pulumi.global.yaml": validGlobal}))
	if err != nil {
		t.Fatal(err)
	}
	ps := f.Validate()
	requireProblem(t, ps, "global-sovereign:vpn.customerGateways[1].clientCidrs[0]", `"nope" is not an IPv4 CIDR`, 22)
	requireProblem(t, ps, "global-sovereign:vpn.customerGateways[1].clientCidrs[1]", "10.1.4.0/24 overlaps ams's VPC 10.1.0.0/16 (Pulumi.ams.yaml)", 22)
}
