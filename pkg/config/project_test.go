package config

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// projectWithDefaults is a Pulumi.yaml whose defaults give region stacks their network shape,
// VPN and a node group, and every stack its alerts.
const projectWithDefaults = `name: global-sovereign
runtime: go
config:
  global-sovereign:defaults:
    value:
      all:
        alerts:
          emails: [oncall@corp.example.org]
      region:
        network:
          natGateways: perAz
          flowLogs:
            retentionDays: 365
        vpn:
          bgpAsn: 65000
          # One stack per fleet in these tests: a real fleet gives each stack its own block.
          tunnelInsideBlock: 169.254.8.32/27
          customerGateways:
            - name: primary
              ipAddress: 178.162.141.150
              clientCidrs: [178.162.141.130/32]
              tunnelSlot: 0
        cluster:
          kubernetesVersion: "1.33"
          nodeGroups:
            - name: general
              instanceTypes: [m5.2xlarge]
              minSize: 3
              desiredSize: 5
              maxSize: 20
  global-sovereign:tags:
    value:
      owner: platform
`

// shortRegion is a region stack file that holds only what differs.
const shortRegion = `config:
  pulumi:disable-default-providers: ["aws", "kubernetes"]
  global-sovereign:stack:
    kind: region
    code: iad
    awsRegion: us-east-1
    environment: production
  global-sovereign:network:
    vpcCidr: 10.2.0.0/16
    availabilityZones: [us-east-1a, us-east-1b]
`

func parseWithProject(t *testing.T, project, stack string) (*Stack, error) {
	t.Helper()
	p, err := ParseProject(ProjectFileName, []byte(project))
	if err != nil {
		t.Fatalf("project: %v", err)
	}
	return p.Parse("Pulumi.iad.yaml", []byte(stack))
}

func TestProjectDefaultsFillTheStack(t *testing.T) {
	s, err := parseWithProject(t, projectWithDefaults, shortRegion)
	if err != nil {
		t.Fatal(err)
	}
	if ps := s.Validate(); len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	if s.Network.VPCCIDR != "10.2.0.0/16" || s.Network.NATGateways != NATPerAZ || s.Network.FlowLogs.RetentionDays != 365 {
		t.Errorf("network: the stack's CIDR laid over the defaults' shape, got %+v", s.Network)
	}
	if s.VPN == nil || *s.VPN.BGPASN != 65000 || len(s.VPN.CustomerGateways) != 1 {
		t.Errorf("vpn from the region defaults: %+v", s.VPN)
	}
	if s.Cluster == nil || s.Cluster.NodeGroups[0].MinSize != 3 {
		t.Errorf("cluster from the region defaults: %+v", s.Cluster)
	}
	if s.Defaults["region"]["vpn"] == nil || s.Defaults["all"]["alerts"] == nil {
		t.Errorf("the defaults the stack was laid over: %v", s.Defaults)
	}
	if !slices.Equal(s.Alerts.Emails, []string{"oncall@corp.example.org"}) || s.Tags["owner"] != "platform" {
		t.Errorf("alerts from defaults.all and tags from a whole project key: %v %v", s.Alerts.Emails, s.Tags)
	}
}

func TestStackValuesOverDefaults(t *testing.T) {
	tests := []struct {
		name, add string
		check     func(*Stack) string
	}{
		{"a scalar replaces the default", "  global-sovereign:cluster:\n    kubernetesVersion: \"1.34\"\n",
			func(s *Stack) string {
				if s.Cluster.KubernetesVersion != "1.34" || len(s.Cluster.NodeGroups) != 1 {
					return "want 1.34 with the default node group"
				}
				return ""
			}},
		{"a list replaces the default list whole", "  global-sovereign:vpn:\n    customerGateways:\n      - name: only\n        ipAddress: 165.90.14.138\n        clientCidrs: [165.90.14.138/32]\n",
			func(s *Stack) string {
				if len(s.VPN.CustomerGateways) != 1 || s.VPN.CustomerGateways[0].Name != "only" || *s.VPN.BGPASN != 65000 {
					return "want the stack's one gateway and the default ASN"
				}
				return ""
			}},
		{"a nested map merges key by key", "    flowLogs:\n      retentionDays: 30\n",
			func(s *Stack) string {
				if s.Network.FlowLogs.RetentionDays != 30 || s.Network.NATGateways != NATPerAZ {
					return "want 30 days and the default NAT layout"
				}
				return ""
			}},
		{"a block set to null is left out", "  global-sovereign:vpn: null\n",
			func(s *Stack) string {
				if s.VPN != nil || s.Cluster == nil {
					return "want no VPN and the default cluster"
				}
				return ""
			}},
		{"a block the Pulumi CLI rewrote from null to an empty string is left out", "  global-sovereign:vpn: \"\"\n",
			func(s *Stack) string {
				if s.VPN != nil {
					return "want no VPN"
				}
				return ""
			}},
		{"a whole project key the stack sets is the stack's (the engine does not merge)", "  global-sovereign:tags:\n    team: data\n",
			func(s *Stack) string {
				if s.Tags["team"] != "data" || s.Tags["owner"] != "" {
					return "want only the stack's tags"
				}
				return ""
			}},
		{"a stack that sets the defaults key replaces the project's", "  global-sovereign:defaults:\n    region:\n      cluster:\n        kubernetesVersion: \"1.33\"\n        nodeGroups: [{name: small, instanceTypes: [m5.large], minSize: 1, desiredSize: 1, maxSize: 2}]\n",
			func(s *Stack) string {
				if s.VPN != nil || s.Cluster.NodeGroups[0].Name != "small" || len(s.Alerts.Emails) != 0 {
					return "want the stack's own defaults only"
				}
				return ""
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := parseWithProject(t, projectWithDefaults, shortRegion+tt.add)
			if err != nil {
				t.Fatal(err)
			}
			if msg := tt.check(s); msg != "" {
				t.Errorf("%s: network %+v vpn %+v cluster %+v tags %v", msg, s.Network, s.VPN, s.Cluster, s.Tags)
			}
		})
	}
}

// A bad value written in Pulumi.yaml is reported at its line there, under the key path the stack
// sees; a bad value the stack writes over a default is reported in the stack file.
func TestProblemsNameTheFileThatWroteTheValue(t *testing.T) {
	bad := strings.Replace(projectWithDefaults, "minSize: 3", "minSize: 30", 1)
	line := 1 + strings.Count(bad[:strings.Index(bad, "desiredSize: 5")], "\n")
	s, err := parseWithProject(t, bad, shortRegion)
	if err != nil {
		t.Fatal(err)
	}
	got := s.Validate().Err()
	want := "Pulumi.yaml:" + strconv.Itoa(line) + ": global-sovereign:cluster.nodeGroups[0].desiredSize: min 30, desired 5, max 20"
	if got == nil || !strings.Contains(got.Error(), want) {
		t.Errorf("got %v\nwant it to contain %q", got, want)
	}

	s, err = parseWithProject(t, projectWithDefaults, shortRegion+"    flowLogs:\n      retentionDays: 9999\n")
	if err != nil {
		t.Fatal(err)
	}
	got = s.Validate().Err()
	if got == nil || !strings.Contains(got.Error(), "Pulumi.iad.yaml:12: global-sovereign:network.flowLogs.retentionDays") {
		t.Errorf("got %v, want the stack file's line 12", got)
	}

	// A misspelt key inside a default: the decoder's unknown-key problem names Pulumi.yaml.
	typo := strings.Replace(projectWithDefaults, "bgpAsn: 65000", "bgpAsm: 65000", 1)
	line = 1 + strings.Count(typo[:strings.Index(typo, "bgpAsm")], "\n")
	_, err = parseWithProject(t, typo, shortRegion)
	if err == nil || !strings.Contains(err.Error(), "Pulumi.yaml:"+strconv.Itoa(line)+": global-sovereign:vpn.bgpAsm: unknown key (did you mean \"bgpAsn\"?)") {
		t.Errorf("got %v", err)
	}
}

func TestProjectConfigRejections(t *testing.T) {
	head := "name: global-sovereign\nruntime: go\nconfig:\n"
	tests := []struct{ name, config, want string }{
		{"another namespace", "  aws:region: us-east-1\n", "Pulumi.yaml:4: aws:region: only global-sovereign:* keys"},
		{"unknown key", "  global-sovereign:netwrk:\n    value: {}\n", "Pulumi.yaml:4: global-sovereign:netwrk: not a project-level key (did you mean \"network\"?)"},
		{"the stack key", "  global-sovereign:stack:\n    value: {kind: region}\n", "global-sovereign:stack: not a project-level key"},
		{"value and default", "  global-sovereign:tags:\n    value: {a: b}\n    default: {a: c}\n", "Pulumi.yaml:6: global-sovereign:tags.default: set value or default, not both"},
		{"a declaration without value", "  global-sovereign:tags:\n    description: x\n", "global-sovereign:tags: no value"},
		{"a typed declaration", "  global-sovereign:tags:\n    type: string\n", "global-sovereign:tags.type: unknown declaration key"},
		{"a secret", "  global-sovereign:tags:\n    value: {a: {secure: v1:x}}\n", "encrypted values cannot be shared"},
		{"unqualified key in the project namespace", "  netwrk: x\n", "global-sovereign:netwrk: not a project-level key"},
		{"a null shorthand", "  global-sovereign:cache: null\n", "Pulumi.yaml:4: global-sovereign:cache: null is not a project-level value"},
		{"a null value", "  global-sovereign:cache:\n    value: null\n", "global-sovereign:cache: a null value is no value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseProject(ProjectFileName, []byte(head+tt.config))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v\nwant %q", err, tt.want)
			}
		})
	}
}

func TestDefaultsRejections(t *testing.T) {
	tests := []struct{ name, defaults, want string }{
		{"unknown section", "      regoin:\n        tags: {a: b}\n", "global-sovereign:defaults.regoin: unknown section (did you mean \"region\"?)"},
		{"a key that is not a block", "      region:\n        defaults: {}\n", "global-sovereign:defaults.region.defaults: not a block that has defaults"},
		{"a stack key that is each stack's own", "      region:\n        stack: {kind: global}\n", "global-sovereign:defaults.region.stack.kind: not a stack key that stacks share; allowed: allowedAccountIds"},
		{"a shared stack key, misspelt", "      all:\n        stack: {allowedAccountId: [\"111122223333\"]}\n", `global-sovereign:defaults.all.stack.allowedAccountId: not a stack key that stacks share (did you mean "allowedAccountIds"?)`},
		{"a bad shared account id", "      all:\n        stack: {allowedAccountIds: [\"1111\"]}\n", `global-sovereign:stack.allowedAccountIds[0]: "1111" is not a 12-digit AWS account id`},
		{"a section that is not a map", "      region: [network]\n", "global-sovereign:defaults.region: want a map of config blocks"},
		{"a block for the wrong kind", "      all:\n        dns: {zoneId: Z1, zoneName: x.example, defaultRegion: iad}\n", "Pulumi.yaml:7: global-sovereign:dns: only global stacks have this"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			project := "name: global-sovereign\nruntime: go\nconfig:\n  global-sovereign:defaults:\n    value:\n" + tt.defaults
			s, err := parseWithProject(t, project, shortRegion+"  global-sovereign:alerts:\n    emails: [a@corp.example.org]\n")
			if err == nil {
				err = s.Validate().Err()
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v\nwant %q", err, tt.want)
			}
		})
	}
}

// A bad default inherited by several stacks is one problem, not one per stack.
func TestFleetReportsAnInheritedProblemOnce(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(ProjectFileName, strings.Replace(projectWithDefaults, "retentionDays: 365", "retentionDays: 9999", 1))
	write("Pulumi.iad.yaml", shortRegion)
	write("Pulumi.sfo.yaml", strings.NewReplacer("code: iad", "code: sfo", "us-east-1", "us-west-1", "10.2.", "10.5.", "us-west-1b", "us-west-1c").Replace(shortRegion))
	f, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	err = f.Validate().Err()
	if err == nil || strings.Count(err.Error(), "retentionDays") != 1 || !strings.HasPrefix(err.Error(), "Pulumi.yaml:") {
		t.Errorf("want one problem at Pulumi.yaml, got:\n%v", err)
	}
}

// The committed region stack files hold only what differs from the project's defaults.
func TestCommittedRegionFilesAreShort(t *testing.T) {
	f, err := LoadDir("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range f.Stacks {
		if !s.IsRegion() {
			continue
		}
		data, err := os.ReadFile(filepath.Join("../..", s.File))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, l := range strings.Split(string(data), "\n") {
			if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") {
				n++
			}
		}
		if n >= 30 {
			t.Errorf("%s: %d lines besides comments; shared values belong in Pulumi.yaml's defaults", s.File, n)
		}
	}
}

// An environment stack's preflight names the placeholders it inherits at their line in
// Pulumi.yaml, once for the whole fleet, and its cluster endpoint admits its region's office.
func TestPreflightOfAnEnvironmentStack(t *testing.T) {
	f, err := LoadDir("../..")
	if err != nil {
		t.Fatal(err)
	}
	got := f.Preflight([]string{"iad-staging", "iad-development"}).Error()
	for _, want := range []string{
		"Pulumi.iad-staging.yaml:6: global-sovereign:stack.allowedAccountIds",
		"Pulumi.yaml:15: global-sovereign:alerts.emails[0]",
		"the public endpoint admits only 178.162.141.130/32, 165.90.14.138/32",
		"api-iad-staging.global-sovereign.example",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("preflight lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "Pulumi.yaml:15:"); n != 1 {
		t.Errorf("the shared placeholder address is listed %d times, want once:\n%s", n, got)
	}
}

// ESC environments add values the loader cannot see: a stack file that imports one is refused.
func TestESCEnvironmentRefused(t *testing.T) {
	_, err := parseWithProject(t, projectWithDefaults, "environment: [sovereign/prod]\n"+shortRegion)
	if err == nil || !strings.Contains(err.Error(), "Pulumi.iad.yaml:1: environment: Pulumi ESC environments are not supported") {
		t.Errorf("got %v", err)
	}
}

// A problem between a shared value and the stack's own (maxReplicas inherited, minReplicas set by
// the stack) is located at the stack's line: the fix belongs there, not in what every stack shares.
func TestPairProblemAtTheStacksValue(t *testing.T) {
	project := strings.Replace(projectWithDefaults, "              maxSize: 20\n", "              maxSize: 20\n          api:\n            minReplicas: 2\n            maxReplicas: 30\n", 1)
	s, err := parseWithProject(t, project, shortRegion+"  global-sovereign:cluster:\n    api:\n      minReplicas: 50\n")
	if err != nil {
		t.Fatal(err)
	}
	got := s.Validate().Err()
	if got == nil || !strings.Contains(got.Error(), "Pulumi.iad.yaml:13: global-sovereign:cluster.api.maxReplicas: 30 is below minReplicas 50") {
		t.Errorf("got %v", got)
	}
}

// The account the stacks deploy into may be written once, in the defaults; a stack's own value
// wins, and a problem with the shared value names its line in Pulumi.yaml.
func TestSharedAllowedAccountIDs(t *testing.T) {
	project := "name: global-sovereign\nruntime: go\nconfig:\n  global-sovereign:defaults:\n    value:\n" +
		"      all:\n        stack:\n          allowedAccountIds: [\"111122223333\"]\n"
	for _, tt := range []struct {
		name, stack string
		want        []string
	}{
		{"inherited", shortRegion, []string{"111122223333"}},
		{"the stack's own wins", strings.Replace(shortRegion, "    environment: production\n",
			"    environment: production\n    allowedAccountIds: [\"444455556666\"]\n", 1), []string{"444455556666"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := parseWithProject(t, project, tt.stack)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(s.Settings.AllowedAccountIDs, tt.want) {
				t.Errorf("allowedAccountIds %v, want %v", s.Settings.AllowedAccountIDs, tt.want)
			}
			if s.Settings.Kind != KindRegion || s.Settings.Code != "iad" {
				t.Errorf("the stack's own keys changed: %+v", s.Settings)
			}
			for _, p := range s.Preflight() {
				if p.Path == "global-sovereign:stack.allowedAccountIds" {
					t.Errorf("preflight still asks for the account: %v", p)
				}
			}
		})
	}
	bad := strings.Replace(project, "111122223333", "1111", 1)
	s, err := parseWithProject(t, bad, shortRegion)
	if err == nil {
		err = s.Validate().Err()
	}
	if err == nil || !strings.Contains(err.Error(), `Pulumi.yaml:8: global-sovereign:stack.allowedAccountIds[0]: "1111" is not a 12-digit AWS account id`) {
		t.Errorf("got %v", err)
	}
}
