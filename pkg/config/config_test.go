package config

import (
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// validRegion is a complete, valid region stack file; the tests below break it one way each.
const validRegion = `config:
  pulumi:disable-default-providers: ["aws"]
  global-sovereign:stack:
    kind: region
    code: iad
    awsRegion: us-east-1
    environment: production
  global-sovereign:network:
    vpcCidr: 10.2.0.0/16
    availabilityZones: [us-east-1a, us-east-1b, us-east-1c]
    natGateways: perAz
    flowLogs:
      retentionDays: 365
  global-sovereign:vpn:
    bgpAsn: 65000
    customerGateways:
      - name: primary
        ipAddress: 178.162.141.150
        clientCidrs: [178.162.141.130/32]
        tunnelSlot: 0
      - {name: secondary, tunnelSlot: 1,
         ipAddress: 165.90.14.138, clientCidrs: [165.90.14.138/32]}
    tunnelInsideBlock: 169.254.8.32/27
  global-sovereign:tags: {owner: platform}
  global-sovereign:alerts:
    emails: [oncall@corp.example.org]
`

func parseValid(t *testing.T, name, text string) *Stack {
	t.Helper()
	s, err := Parse(name, []byte(text))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if ps := s.Validate(); len(ps) > 0 {
		t.Fatalf("validate: %v", ps.Err())
	}
	return s
}

func TestValidRegionAndDefaults(t *testing.T) {
	s := parseValid(t, "Pulumi.iad.yaml", validRegion)
	if s.Name != "iad" || s.Settings.NamePrefix != "gs-iad" {
		t.Errorf("name %q prefix %q", s.Name, s.Settings.NamePrefix)
	}
	if !s.Protected() {
		t.Error("protect defaults to true")
	}
	if *s.VPN.AmazonSideASN != DefaultAmazonSideASN || len(s.VPN.OfficeIngressPorts) != 1 {
		t.Errorf("vpn defaults not applied: %+v", s.VPN)
	}
	if s.Network.FlowLogs.TrafficType != "ALL" {
		t.Errorf("traffic type default: %q", s.Network.FlowLogs.TrafficType)
	}
	if s.SecretRecoveryDays() != 30 {
		t.Errorf("secret recovery window defaults to %d, want 30", s.SecretRecoveryDays())
	}
	// 0 (force delete) and 7-30 are what Secrets Manager accepts.
	for _, days := range []string{"0", "7", "30"} {
		text := strings.Replace(validRegion, "    environment: production\n", "    environment: production\n    protect: false\n    secretRecoveryDays: "+days+"\n", 1)
		s := parseValid(t, "Pulumi.iad.yaml", text)
		if got := s.SecretRecoveryDays(); fmt.Sprint(got) != days || s.Protected() {
			t.Errorf("secretRecoveryDays %s read as %d (protected %v)", days, got, s.Protected())
		}
	}
}

// Each case replaces one piece of the valid file and expects a problem on a key path whose
// message mentions the bad value or what is allowed.
func TestStackRules(t *testing.T) {
	tests := []struct {
		name      string
		old, new  string
		wantPath  string
		wantInMsg string
		wantLine  int
	}{
		{"unknown region", "awsRegion: us-east-1", "awsRegion: us-east-9", "global-sovereign:stack.awsRegion", "unknown AWS region \"us-east-9\"", 6},
		{"missing region", "    awsRegion: us-east-1\n", "", "global-sovereign:stack.awsRegion", "allowed: af-south-1", 3},
		{"bad kind", "kind: region", "kind: regional", "global-sovereign:stack.kind", `did you mean "region"`, 4},
		{"bad environment", "environment: production", "environment: prod", "global-sovereign:stack.environment", "allowed: production, staging, development", 7},
		{"bad code", "code: iad", "code: IAD", "global-sovereign:stack.code", `"IAD"`, 5},
		{"bad account", "    environment: production\n", "    environment: production\n    allowedAccountIds: [\"12345\"]\n", "global-sovereign:stack.allowedAccountIds[0]", "12-digit", 0},
		{"recovery window too short", "    environment: production\n", "    environment: production\n    secretRecoveryDays: 3\n", "global-sovereign:stack.secretRecoveryDays",
			"3: Secrets Manager allows 0 (delete at once, for throwaway stacks) or 7 to 30 days", 8},
		{"recovery window too long", "    environment: production\n", "    environment: production\n    secretRecoveryDays: 31\n", "global-sovereign:stack.secretRecoveryDays", "31: Secrets Manager allows 0", 8},
		{"recovery window negative", "    environment: production\n", "    environment: production\n    secretRecoveryDays: -1\n", "global-sovereign:stack.secretRecoveryDays", "or 7 to 30 days", 8},
		{"recovery window as string", "    environment: production\n", "    environment: production\n    secretRecoveryDays: \"7\"\n", "global-sovereign:stack.secretRecoveryDays", "want a whole number", 8},
		{"cidr syntax", "vpcCidr: 10.2.0.0/16", "vpcCidr: 10.2.0.0/33", "global-sovereign:network.vpcCidr", "not an IPv4 CIDR", 9},
		{"cidr host bits", "vpcCidr: 10.2.0.0/16", "vpcCidr: 10.2.1.0/16", "global-sovereign:network.vpcCidr", "did you mean 10.2.0.0/16", 9},
		{"cidr too big", "vpcCidr: 10.2.0.0/16", "vpcCidr: 10.0.0.0/8", "global-sovereign:network.vpcCidr", "prefix must be /16 to /20", 9},
		{"cidr public", "vpcCidr: 10.2.0.0/16", "vpcCidr: 8.8.0.0/16", "global-sovereign:network.vpcCidr", "not a private range", 9},
		{"one AZ", "[us-east-1a, us-east-1b, us-east-1c]", "[us-east-1a]", "global-sovereign:network.availabilityZones", "want 2 to 6", 10},
		{"AZ of another region", "[us-east-1a, us-east-1b, us-east-1c]", "[us-east-1a, us-west-2b]", "global-sovereign:network.availabilityZones[1]", "not an AZ of us-east-1", 10},
		{"AZ twice", "[us-east-1a, us-east-1b, us-east-1c]", "[us-east-1a, us-east-1a]", "global-sovereign:network.availabilityZones[1]", "listed twice", 10},
		{"single NAT in production", "natGateways: perAz", "natGateways: single", "global-sovereign:network.natGateways", "production", 11},
		{"bad NAT layout", "natGateways: perAz", "natGateways: perAZ", "global-sovereign:network.natGateways", `did you mean "perAz"`, 11},
		{"bad retention", "retentionDays: 365", "retentionDays: 36", "global-sovereign:network.flowLogs.retentionDays", "CloudWatch Logs allows", 13},
		{"subnet outside VPC", "    flowLogs:\n", "    subnets:\n      database: [10.9.0.0/24, 10.2.225.0/24, 10.2.226.0/24]\n    flowLogs:\n", "global-sovereign:network.subnets.database[0]", "outside the VPC", 0},
		{"subnet count", "    flowLogs:\n", "    subnets:\n      public: [10.2.192.0/22]\n    flowLogs:\n", "global-sovereign:network.subnets.public", "one per AZ", 0},
		{"subnet overlaps planned", "    flowLogs:\n", "    subnets:\n      public: [10.2.0.0/24, 10.2.196.0/22, 10.2.200.0/22]\n    flowLogs:\n", "global-sovereign:network.subnets.public[0]", "overlaps", 0},
		{"public ASN", "bgpAsn: 65000", "bgpAsn: 6500", "global-sovereign:vpn.bgpAsn", "6500 is not a private ASN (a public ASN that belongs to another network", 15},
		{"ASN as string", "bgpAsn: 65000", `bgpAsn: "65000"`, "global-sovereign:vpn.bgpAsn", "want a whole number", 15},
		{"amazon ASN equal", "bgpAsn: 65000", "bgpAsn: 65000\n    amazonSideAsn: 65000", "global-sovereign:vpn.amazonSideAsn", "equals bgpAsn", 0},
		{"32-bit private ASN ok then public", "bgpAsn: 65000", "bgpAsn: 4294967295", "global-sovereign:vpn.bgpAsn", "4200000000-4294967294", 15},
		{"gateway address syntax", "ipAddress: 178.162.141.150", "ipAddress: 178.162.141", "global-sovereign:vpn.customerGateways[0].ipAddress", "not an IPv4 address", 18},
		{"gateway address private", "ipAddress: 178.162.141.150", "ipAddress: 192.168.1.1", "global-sovereign:vpn.customerGateways[0].ipAddress", "not a public address", 18},
		{"gateway address IPv6", "ipAddress: 178.162.141.150", "ipAddress: \"2001:db8::1\"", "global-sovereign:vpn.customerGateways[0].ipAddress", "not an IPv4 address", 18},
		{"client CIDR IPv6", "clientCidrs: [165.90.14.138/32]", "clientCidrs: [\"2001:db8::/48\"]", "global-sovereign:vpn.customerGateways[1].clientCidrs[0]", "not an IPv4 CIDR", 22},
		{"gateway name", "name: primary", "name: Primary", "global-sovereign:vpn.customerGateways[0].name", `"Primary": want lowercase letters`, 17},
		{"gateway without client CIDRs", "clientCidrs: [165.90.14.138/32]", "clientCidrs: []", "global-sovereign:vpn.customerGateways[1].clientCidrs", "missing; list the office networks", 22},
		{"gateway address twice", "ipAddress: 165.90.14.138", "ipAddress: 178.162.141.150", "global-sovereign:vpn.customerGateways[1].ipAddress", "used by another gateway", 22},
		{"gateway slot missing", "        tunnelSlot: 0\n", "", "global-sovereign:vpn.customerGateways[0].tunnelSlot", "missing; allowed: 0-3", 17},
		{"gateway slot out of range", "tunnelSlot: 1,", "tunnelSlot: 4,", "global-sovereign:vpn.customerGateways[1].tunnelSlot", "4; allowed: 0-3", 21},
		{"gateway slot twice", "tunnelSlot: 1,", "tunnelSlot: 0,", "global-sovereign:vpn.customerGateways[1].tunnelSlot", `0 is gateway "primary"'s too`, 21},
		{"gateway name twice", "name: secondary", "name: primary", "global-sovereign:vpn.customerGateways[1].name", "used by another gateway", 21},
		{"client CIDR in VPC", "clientCidrs: [165.90.14.138/32]", "clientCidrs: [10.2.5.0/24]", "global-sovereign:vpn.customerGateways[1].clientCidrs[0]", "overlaps this stack's VPC", 22},
		{"client CIDR syntax", "clientCidrs: [165.90.14.138/32]", "clientCidrs: [165.90.14.138]", "global-sovereign:vpn.customerGateways[1].clientCidrs[0]", "not an IPv4 CIDR", 22},
		{"no gateways", "    customerGateways:\n      - name: primary\n        ipAddress: 178.162.141.150\n        clientCidrs: [178.162.141.130/32]\n        tunnelSlot: 0\n      - {name: secondary, tunnelSlot: 1,\n         ipAddress: 165.90.14.138, clientCidrs: [165.90.14.138/32]}\n", "    customerGateways: []\n", "global-sovereign:vpn.customerGateways", "want 1 to 4", 16},
		{"bad port", "    bgpAsn: 65000\n", "    bgpAsn: 65000\n    officeIngressPorts: [443, 70000]\n", "global-sovereign:vpn.officeIngressPorts[1]", "not a TCP port", 0},
		{"reserved tag", "owner: platform", "environment: prod", "global-sovereign:tags.environment", "set by the program", 24},
		{"aws tag", "owner: platform", "aws:owner: x", "global-sovereign:tags.aws:owner", "reserved by AWS", 24},
		{"bad email", "oncall@corp.example.org", "not-an-email", "global-sovereign:alerts.emails[0]", "not an email", 26},
		{"production without subscribers", "    emails: [oncall@corp.example.org]\n", "    emails: []\n", "global-sovereign:alerts.emails", "needs at least one subscriber", 26},
		{"default provider enabled", `pulumi:disable-default-providers: ["aws"]`, `pulumi:disable-default-providers: ["kubernetes"]`, "pulumi:disable-default-providers", "must list aws", 2},
		{"no network", "  global-sovereign:network:\n    vpcCidr: 10.2.0.0/16\n    availabilityZones: [us-east-1a, us-east-1b, us-east-1c]\n    natGateways: perAz\n    flowLogs:\n      retentionDays: 365\n", "", "global-sovereign:network", "a region stack needs", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(validRegion, tt.old) {
				t.Fatalf("test is stale: %q is not in the valid file", tt.old)
			}
			text := strings.Replace(validRegion, tt.old, tt.new, 1)
			requireProblem(t, problemsOf(t, text), tt.wantPath, tt.wantInMsg, tt.wantLine)
		})
	}
}

// problemsOf parses a stack file and validates it, returning every problem of either step.
func problemsOf(t *testing.T, text string) Problems {
	t.Helper()
	s, err := Parse("Pulumi.iad.yaml", []byte(text))
	if err != nil {
		return err.(Problems)
	}
	return s.Validate()
}

func requireProblem(t *testing.T, ps Problems, path, inMsg string, line int) {
	t.Helper()
	for _, p := range ps {
		if p.Path == path && strings.Contains(p.Msg, inMsg) {
			if p.File == "" {
				t.Errorf("problem without file: %v", p)
			}
			if line > 0 && p.Line != line {
				t.Errorf("problem at line %d, want %d: %v", p.Line, line, p)
			}
			return
		}
	}
	t.Fatalf("no problem at %s mentioning %q; got:\n%v", path, inMsg, ps.Error())
}

// Typos and broken YAML are reported with file, line and key, never ignored.
func TestParseRejects(t *testing.T) {
	tests := []struct {
		name, old, new, wantPath, wantInMsg string
	}{
		{"unknown nested key", "vpcCidr:", "vpcCidrr:", "global-sovereign:network.vpcCidrr", `unknown key (did you mean "vpcCidr"?)`},
		{"unknown project key", "global-sovereign:tags:", "global-sovereign:tagz:", "global-sovereign:tagz", "allowed keys: global-sovereign:stack"},
		{"unknown namespace", "global-sovereign:tags:", "gs:tags:", "gs:tags", "unknown config namespace"},
		{"aws namespace", "global-sovereign:tags: {owner: platform}", "aws:region: us-east-1", "aws:region", "default AWS provider"},
		{"bare key", "global-sovereign:tags:", "tags:", "tags", "need a namespace"},
		{"list for string", "vpcCidr: 10.2.0.0/16", "vpcCidr: [10.2.0.0/16]", "global-sovereign:network.vpcCidr", "want a string, got a list"},
		{"string for list", "availabilityZones: [us-east-1a, us-east-1b, us-east-1c]", "availabilityZones: us-east-1a", "global-sovereign:network.availabilityZones", "want a list"},
		{"number for string", "code: iad", "code: 12", "global-sovereign:stack.code", "want a string, got number 12"},
		{"secret where plain", " {owner: platform}", "\n    owner:\n      secure: v1:abc", "global-sovereign:tags.owner", "encrypted values are not accepted"},
		{"bool", "    environment: production\n", "    environment: production\n    protect: maybe\n", "global-sovereign:stack.protect", "want true or false"},
		{"unknown top-level", "config:", "confg: {}\nconfig:", "confg", "unknown top-level key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(validRegion, tt.old) {
				t.Fatalf("test is stale: %q is not in the valid file", tt.old)
			}
			_, err := Parse("Pulumi.iad.yaml", []byte(strings.Replace(validRegion, tt.old, tt.new, 1)))
			if err == nil {
				t.Fatal("want an error")
			}
			requireProblem(t, err.(Problems), tt.wantPath, tt.wantInMsg, 0)
		})
	}
}

func TestParseBrokenFiles(t *testing.T) {
	tests := map[string]string{
		"not YAML":       "config: [unclosed",
		"empty":          "",
		"list at top":    "- a\n- b\n",
		"no config":      "secretsprovider: passphrase\n",
		"duplicate key":  "config:\n  global-sovereign:stack: {}\n  global-sovereign:stack: {}\n",
		"alias":          "config:\n  global-sovereign:stack: &a {kind: region}\n  global-sovereign:tags: *a\n",
		"no stack block": "config:\n  global-sovereign:tags: {a: b}\n",
	}
	for name, text := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("Pulumi.x.yaml", []byte(text))
			if err == nil {
				t.Fatal("want an error")
			}
			if !strings.HasPrefix(err.Error(), "Pulumi.x.yaml") {
				t.Errorf("error does not name the file: %v", err)
			}
		})
	}
	if _, err := Parse("stack.yaml", []byte(validRegion)); err == nil || !strings.Contains(err.Error(), "Pulumi.<stack>.yaml") {
		t.Errorf("bad file name: %v", err)
	}
}

// The program reads the same keys from the engine as JSON strings; the result must equal the
// file's, and messages still point at the file's lines.
func TestFromEngineMatchesFile(t *testing.T) {
	file := parseValid(t, "Pulumi.iad.yaml", validRegion)
	values := map[string]string{
		KeyStack:   `{"kind":"region","code":"iad","awsRegion":"us-east-1","environment":"production"}`,
		KeyNetwork: `{"vpcCidr":"10.2.0.0/16","availabilityZones":["us-east-1a","us-east-1b","us-east-1c"],"natGateways":"perAz","flowLogs":{"retentionDays":365}}`,
		KeyVPN:     `{"bgpAsn":65000,"customerGateways":[{"name":"primary","ipAddress":"178.162.141.150","clientCidrs":["178.162.141.130/32"],"tunnelSlot":0},{"name":"secondary","ipAddress":"165.90.14.138","clientCidrs":["165.90.14.138/32"],"tunnelSlot":1}],"tunnelInsideBlock":"169.254.8.32/27"}`,
		KeyTags:    `{"owner":"platform"}`,
		KeyAlerts:  `{"emails":["oncall@corp.example.org"]}`,
	}
	lookup := func(k string) (string, bool) { v, ok := values[k]; return v, ok }
	s, err := FromEngine("iad", lookup, file)
	if err != nil {
		t.Fatal(err)
	}
	if ps := s.Validate(); len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	if s.Network.VPCCIDR != file.Network.VPCCIDR || *s.VPN.BGPASN != 65000 || s.Tags["owner"] != "platform" {
		t.Errorf("engine values decoded differently: %+v", s)
	}

	values[KeyNetwork] = strings.Replace(values[KeyNetwork], "10.2.0.0/16", "10.2.0.0/99", 1)
	s, err = FromEngine("iad", lookup, file)
	if err != nil {
		t.Fatal(err)
	}
	ps := s.Validate()
	requireProblem(t, ps, "global-sovereign:network.vpcCidr", "not an IPv4 CIDR", 9)

	values[KeyStack] = `{"kind":"region","zone":"x"}`
	if _, err := FromEngine("iad", lookup, file); err == nil || !strings.Contains(err.Error(), "global-sovereign:stack.zone: unknown key") {
		t.Errorf("unknown key from engine: %v", err)
	}
}

// What synth hands the program must decode to the same stack as the file.
func TestEngineConfigRoundTrip(t *testing.T) {
	file := parseValid(t, "Pulumi.iad.yaml", validRegion)
	ec, err := file.EngineConfig()
	if err != nil {
		t.Fatal(err)
	}
	if len(ec) != 5 || !strings.HasPrefix(ec["global-sovereign:network"], `{"availabilityZones":["us-east-1a"`) {
		t.Fatalf("engine config %v", ec)
	}
	lookup := func(k string) (string, bool) { v, ok := ec[Project+":"+k]; return v, ok }
	s, err := FromEngine("iad", lookup, file)
	if err != nil {
		t.Fatal(err)
	}
	if *s.VPN.BGPASN != 65000 || s.Network.NATGateways != NATPerAZ || len(s.Network.AvailabilityZones) != 3 {
		t.Errorf("round trip lost values: %+v %+v", s.Network, s.VPN)
	}
	secret, err := Parse("Pulumi.iad.yaml", []byte(strings.Replace(validRegion, "emails: [oncall@corp.example.org]", "emails:\n      - secure: v1:abc", 1)))
	if err == nil {
		_, err = secret.EngineConfig()
	}
	if err == nil {
		t.Error("a secure value must not reach synth")
	}
}

func writeFleet(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const validGlobal = `config:
  pulumi:disable-default-providers: ["aws", "kubernetes"]
  global-sovereign:stack:
    kind: global
    code: global
    awsRegion: us-east-1
    environment: production
`

func regionFile(code, region, cidr, azs string) string {
	r := strings.NewReplacer("code: iad", "code: "+code, "awsRegion: us-east-1", "awsRegion: "+region,
		"10.2.0.0/16", cidr, "[us-east-1a, us-east-1b, us-east-1c]", azs, "169.254.8.32/27", testTunnelBlock(code))
	return r.Replace(validRegion)
}

// testTunnelBlock is a region's own /27 of tunnel inside addresses, from its code: distinct
// codes of the tests get distinct blocks (every stack's tunnels end on the same office devices).
func testTunnelBlock(code string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(code))
	n := 64 + h.Sum32()%1024 // /27s from 169.254.8.0 on, below 169.254.136.0
	return fmt.Sprintf("169.254.%d.%d/27", n/8, n%8*32)
}

func TestFleetRules(t *testing.T) {
	ams := regionFile("ams", "eu-west-1", "10.1.0.0/16", "[eu-west-1a, eu-west-1b]")
	tests := []struct {
		name      string
		files     map[string]string
		wantFile  string
		wantPath  string
		wantInMsg string
	}{
		{
			name: "overlapping VPCs",
			files: map[string]string{"Pulumi.ams.yaml": ams, "Pulumi.iad.yaml": regionFile("iad", "us-east-1", "10.1.128.0/17", "[us-east-1a, us-east-1b]"),
				"Pulumi.global.yaml": validGlobal},
			wantFile: "Pulumi.iad.yaml", wantPath: "global-sovereign:network.vpcCidr", wantInMsg: "overlaps ams's VPC 10.1.0.0/16",
		},
		{
			name: "office CIDR inside another stack's VPC",
			files: map[string]string{"Pulumi.ams.yaml": ams, "Pulumi.iad.yaml": strings.Replace(validRegion, "[165.90.14.138/32]", "[10.1.4.0/24]", 1),
				"Pulumi.global.yaml": validGlobal},
			wantFile: "Pulumi.iad.yaml", wantPath: "global-sovereign:vpn.customerGateways[1].clientCidrs[0]", wantInMsg: "overlaps ams's VPC",
		},
		{
			name: "two stacks for one region code",
			files: map[string]string{"Pulumi.ams.yaml": ams, "Pulumi.ams2.yaml": regionFile("ams", "eu-west-1", "10.9.0.0/16", "[eu-west-1a, eu-west-1b]"),
				"Pulumi.global.yaml": validGlobal},
			wantFile: "Pulumi.ams2.yaml", wantPath: "global-sovereign:stack.code", wantInMsg: "is already stack ams",
		},
		{
			name:     "two global stacks",
			files:    map[string]string{"Pulumi.ams.yaml": ams, "Pulumi.global.yaml": validGlobal, "Pulumi.world.yaml": validGlobal},
			wantFile: "Pulumi.world.yaml", wantPath: "global-sovereign:stack.kind", wantInMsg: "a second global stack",
		},
		{
			name:     "global without regions",
			files:    map[string]string{"Pulumi.ams.yaml": strings.Replace(ams, "environment: production", "environment: staging", 1), "Pulumi.global.yaml": validGlobal},
			wantFile: "Pulumi.global.yaml", wantPath: "global-sovereign:stack.environment", wantInMsg: "no region stack has environment production",
		},
		{
			name:     "global with a VPN",
			files:    map[string]string{"Pulumi.ams.yaml": ams, "Pulumi.global.yaml": validGlobal + "  global-sovereign:vpn:\n    customerGateways: []\n"},
			wantFile: "Pulumi.global.yaml", wantPath: "global-sovereign:vpn", wantInMsg: "only region stacks have this; remove it from a global stack",
		},
		{
			name:     "global with a network",
			files:    map[string]string{"Pulumi.ams.yaml": ams, "Pulumi.global.yaml": validGlobal + "  global-sovereign:network:\n    vpcCidr: 10.8.0.0/16\n"},
			wantFile: "Pulumi.global.yaml", wantPath: "global-sovereign:network", wantInMsg: "only region stacks have this; remove it from a global stack",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := LoadDir(writeFleet(t, tt.files))
			if err != nil {
				t.Fatal(err)
			}
			ps := f.Validate()
			for _, p := range ps {
				if p.File == tt.wantFile && p.Path == tt.wantPath && strings.Contains(p.Msg, tt.wantInMsg) {
					return
				}
			}
			t.Fatalf("want %s %s %q; got:\n%v", tt.wantFile, tt.wantPath, tt.wantInMsg, ps.Error())
		})
	}
}

func TestLoadDirReportsEveryBrokenFile(t *testing.T) {
	dir := writeFleet(t, map[string]string{
		"Pulumi.a.yaml": "config: [",
		"Pulumi.b.yaml": strings.Replace(validRegion, "vpcCidr:", "vpcCdr:", 1),
		"Pulumi.c.yaml": validGlobal,
		"README.md":     "not a stack",
	})
	f, err := LoadDir(dir)
	if err == nil {
		t.Fatal("want an error")
	}
	msg := err.Error()
	if !strings.Contains(msg, "Pulumi.a.yaml") || !strings.Contains(msg, "Pulumi.b.yaml") {
		t.Errorf("both broken files should be named:\n%s", msg)
	}
	if len(f.Stacks) != 1 || f.Stacks[0].Name != "c" {
		t.Errorf("the readable stack should still load: %v", f.Names())
	}
	if _, err := LoadDir(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no Pulumi.<stack>.yaml files") {
		t.Errorf("empty dir: %v", err)
	}
}

// The committed stack files are valid and agree with DESIGN.md's table.
func TestCommittedStacks(t *testing.T) {
	f, err := LoadDir("../..")
	if err != nil {
		t.Fatal(err)
	}
	if ps := f.Validate(); len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	want := map[string][2]string{
		"ams": {"eu-west-1", "10.1.0.0/16"}, "iad": {"us-east-1", "10.2.0.0/16"}, "syd": {"ap-southeast-2", "10.3.0.0/16"},
		"sin": {"ap-southeast-1", "10.4.0.0/16"}, "sfo": {"us-west-1", "10.5.0.0/16"}, "jnb": {"af-south-1", "10.6.0.0/16"},
	}
	for code, w := range want {
		s := f.Stack(code)
		if s == nil {
			t.Fatalf("no stack %s", code)
		}
		if s.Settings.AWSRegion != w[0] || s.Network.VPCCIDR != w[1] {
			t.Errorf("%s: %s %s, want %v", code, s.Settings.AWSRegion, s.Network.VPCCIDR, w)
		}
		if *s.VPN.BGPASN != 65000 || len(s.VPN.CustomerGateways) != 2 {
			t.Errorf("%s: office VPN %+v", code, s.VPN)
		}
		wantRole, wantRefs := RoleSecondary, "ams"
		if code == "ams" {
			wantRole, wantRefs = RolePrimary, ""
		}
		if s.Database == nil || s.Database.Role != wantRole || s.Cache == nil || s.Backup == nil {
			t.Errorf("%s: data layer %+v %+v %+v", code, s.Database, s.Cache, s.Backup)
		}
		if got := strings.Join(f.References(s), ","); got != wantRefs {
			t.Errorf("%s references %q, want %q", code, got, wantRefs)
		}
	}
	g := f.Stack("global")
	if g == nil || strings.Join(f.References(g), ",") != "ams,iad,jnb,sfo,sin,syd" {
		t.Errorf("global references %v", f.References(g))
	}
}

func TestSuggest(t *testing.T) {
	if got := suggest("vpcCidrr", []string{"vpcCidr", "natGateways"}); got != ` (did you mean "vpcCidr"?)` {
		t.Errorf("got %q", got)
	}
	if got := suggest("zzzzzz", []string{"vpcCidr"}); got != "" {
		t.Errorf("got %q", got)
	}
}

// Stack tags also tag every EBS CSI volume, as tagSpecification_N "key=value" templates: keys the
// driver reserves, an '=' in a key and a template action are refused with the file and key.
func TestTagsTheCSIDriverRefuses(t *testing.T) {
	for _, tc := range []struct{ key, value string }{{"CSIVolumeName", "x"}, {"kubernetes.io/cluster/x", "owned"}, {"team=a", "b"}, {"team", "{{ .PVCName }}"}} {
		s := &Stack{Tags: map[string]string{tc.key: tc.value}}
		var is issues
		s.validateTags(&is)
		if len(is) == 0 {
			t.Errorf("%s=%s accepted", tc.key, tc.value)
		}
	}
}
