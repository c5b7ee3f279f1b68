package config

import (
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/internal/fleettest"
)

const globalWithDNSAndCosts = validGlobal + `  global-sovereign:dns:
    zoneId: Z0123456789ABC
    zoneName: sovereign.io
    defaultRegion: ams
  global-sovereign:costs:
    budgets:
      - environment: production
        monthlyLimitUsd: 1000
    anomalyThresholdUsd: 100
  global-sovereign:cassandraCluster:
    name: sovereign
    serverVersion: "5.0.4"
    keyspaces: [platform]
  global-sovereign:grafana:
    region: ams
`

// The dns and costs blocks: defaults, and every rule with file, key and what is allowed.
func TestGlobalBlocks(t *testing.T) {
	s := parseValid(t, "Pulumi.global.yaml", globalWithDNSAndCosts)
	if s.DNS.Name != DefaultDNSName || s.DNS.HealthCheckPath != DefaultHealthCheckPath || strings.Join(s.DNS.CheckerRegions, ",") != strings.Join(DefaultCheckerRegions, ",") ||
		s.DNS.FQDN() != "api.sovereign.io" || s.Costs.ActivatesTag() {
		t.Errorf("defaults: %+v %+v", s.DNS, s.Costs)
	}
	for _, tt := range []struct {
		name, old, new, path, inMsg string
	}{
		{"zone id", "zoneId: Z0123456789ABC", "zoneId: example", "global-sovereign:dns.zoneId", "not a Route 53 hosted zone id"},
		{"zone name", "zoneName: sovereign.io", "zoneName: not_a_domain", "global-sovereign:dns.zoneName", "not a domain name"},
		{"record name", "defaultRegion: ams", "defaultRegion: ams\n    name: -api", "global-sovereign:dns.name", "want a DNS label"},
		{"health path", "defaultRegion: ams", "defaultRegion: ams\n    healthCheckPath: health", "global-sovereign:dns.healthCheckPath", "absolute HTTP path"},
		{"two checker regions", "defaultRegion: ams", "defaultRegion: ams\n    checkerRegions: [us-east-1, eu-west-1]", "global-sovereign:dns.checkerRegions", "Route 53 needs at least 3 of: us-east-1, us-west-1"},
		{"unknown checker region", "defaultRegion: ams", "defaultRegion: ams\n    checkerRegions: [us-east-1, eu-west-1, eu-central-1]", "global-sovereign:dns.checkerRegions[2]", `"eu-central-1": want a distinct Route 53 health-checker region`},
		{"repeated checker region", "defaultRegion: ams", "defaultRegion: ams\n    checkerRegions: [us-east-1, eu-west-1, us-east-1]", "global-sovereign:dns.checkerRegions[2]", "distinct"},
		{"no default region", "    defaultRegion: ams\n", "", "global-sovereign:dns.defaultRegion", "missing"},
		{"not in us-east-1", "awsRegion: us-east-1", "awsRegion: eu-west-1", "global-sovereign:stack.awsRegion", "runs in us-east-1"},
		{"no budgets", "    budgets:\n      - environment: production\n        monthlyLimitUsd: 1000\n", "", "global-sovereign:costs.budgets", "missing; list a monthly limit per environment"},
		{"zero limit", "monthlyLimitUsd: 1000", "monthlyLimitUsd: 0", "global-sovereign:costs.budgets[0].monthlyLimitUsd", "want a limit of at least 1"},
		{"unknown environment", "- environment: production", "- environment: prod", "global-sovereign:costs.budgets[0].environment", "allowed: production, staging, development"},
		{"two budgets for one environment", "        monthlyLimitUsd: 1000\n", "        monthlyLimitUsd: 1000\n      - environment: production\n        monthlyLimitUsd: 5\n", "global-sovereign:costs.budgets[1].environment", "has a budget already"},
		{"zero anomaly threshold", "anomalyThresholdUsd: 100", "anomalyThresholdUsd: 0", "global-sovereign:costs.anomalyThresholdUsd", "want at least 1"},
		{"unknown key", "anomalyThresholdUsd: 100", "anomalyThresholdUsd: 100\n    treshold: 3", "global-sovereign:costs.treshold", "unknown key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(globalWithDNSAndCosts, tt.old) {
				t.Fatalf("stale case: %q", tt.old)
			}
			requireProblem(t, problemsOf(t, strings.Replace(globalWithDNSAndCosts, tt.old, tt.new, 1)), tt.path, tt.inMsg, 0)
		})
	}
	// Region stacks have neither block.
	region := validRegion + "  global-sovereign:costs:\n    anomalyThresholdUsd: 5\n"
	requireProblem(t, problemsOf(t, region), "global-sovereign:costs", "only global stacks have this", 0)
}

// What the global blocks name in other stacks, checked over the committed fleet.
func TestGlobalFleetRules(t *testing.T) {
	for _, tt := range []struct {
		name  string
		edits []fleettest.Edit
		path  string
		inMsg string
	}{
		{"default region without an ingress", []fleettest.Edit{{File: "Pulumi.global.yaml", Old: "defaultRegion: ams", New: "defaultRegion: xyz"}},
			"global-sovereign:dns.defaultRegion", `"xyz" is not a region stack with an ingress in environment production; allowed: ams, iad`},
		{"budget for an environment without stacks", []fleettest.Edit{{File: "Pulumi.iad-staging.yaml", Old: "environment: staging", New: "environment: development"}},
			"global-sovereign:costs.budgets[1].environment", `"staging" has no stacks to budget`},
		{"environment without a budget", []fleettest.Edit{{File: "Pulumi.global.yaml", Old: "- environment: production", New: "- environment: development"}},
			"global-sovereign:costs.budgets", "environment production has region stacks but no budget"},
		{"environment stack without a budget", []fleettest.Edit{{File: "Pulumi.global.yaml", Old: "- environment: staging", New: "- environment: production"}},
			"global-sovereign:costs.budgets", "environment staging (stack iad-staging) has no budget"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := LoadDir(fleettest.Copy(t, "../..", tt.edits...))
			if err != nil {
				t.Fatal(err)
			}
			requireProblem(t, f.Validate(), tt.path, tt.inMsg, 0)
		})
	}
}

// A full mesh gives each VPC one peering per other region of the environment: more region stacks
// than the per-VPC peering quota allows is refused before anything is declared.
func TestMeshWithinThePeeringQuota(t *testing.T) {
	for _, tt := range []struct {
		regions int
		refused bool
	}{{MaxPeeringsPerVPC + 1, false}, {MaxPeeringsPerVPC + 2, true}} {
		f := scaleFleet(t, 1)
		base := len(f.References(f.Stack("global")))
		g := scaleFleet(t, len(f.Stacks)+tt.regions-base)
		for _, s := range g.Stacks {
			if strings.HasPrefix(s.Name, "x") {
				s.Settings.Environment = EnvProduction
			}
		}
		refused := false
		for _, p := range g.Validate() {
			refused = refused || (p.File == "Pulumi.global.yaml" && strings.Contains(p.Msg, "active peerings AWS allows per VPC"))
		}
		if refused != tt.refused {
			t.Errorf("%d region stacks: refused %v, want %v", tt.regions, refused, tt.refused)
		}
	}
}

// Preflight of a global stack: a placeholder DNS zone or alerts address must be replaced before
// the first deploy; real ones pass.
func TestGlobalPreflight(t *testing.T) {
	placeholder := strings.NewReplacer("zoneId: Z0123456789ABC", "zoneId: Z0000000000EXAMPLE", "zoneName: sovereign.io", "zoneName: sovereign.example").
		Replace(globalWithDNSAndCosts) + "  global-sovereign:alerts:\n    emails: [ops@company.example]\n"
	ps := parseValid(t, "Pulumi.global.yaml", placeholder).Preflight()
	requireProblem(t, ps, "global-sovereign:dns.zoneId", "placeholder hosted zone (Z0000000000EXAMPLE, sovereign.example)", 0)
	requireProblem(t, ps, "global-sovereign:alerts.emails[0]", "placeholder address", 0)
	real := strings.Replace(globalWithDNSAndCosts, "environment: production", "environment: production\n    allowedAccountIds: [\"123456789012\"]", 1)
	if ps := parseValid(t, "Pulumi.global.yaml", real).Preflight(); len(ps) != 0 {
		t.Errorf("a complete global stack has preflight problems: %v", ps.Error())
	}
}
