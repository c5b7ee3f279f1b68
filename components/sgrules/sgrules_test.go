package sgrules_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/sgrules"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

const (
	tRule = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	tSG   = "aws:ec2/securityGroup:SecurityGroup"
	tBox  = "test:index:Box" // stands for the component that owns the rules
)

// synthRules declares a security group and the rules on it inside a component, as every caller
// does, and returns the graph.
func synthRules(rules []sgrules.Rule) (*synth.Graph, error) {
	r, err := synth.RunComponent("eu-west-1", func(ctx *pulumi.Context, p pulumi.ProviderResource) error {
		var box pulumi.ResourceState
		if err := ctx.RegisterComponentResource(tBox, "owner", &box); err != nil {
			return err
		}
		opts := []pulumi.ResourceOption{pulumi.Parent(&box), pulumi.Provider(p)}
		sg, err := ec2.NewSecurityGroup(ctx, "gs-test", &ec2.SecurityGroupArgs{VpcId: pulumi.String("vpc-0123")}, opts...)
		if err != nil {
			return err
		}
		return sgrules.Ingress(ctx, sg.ID(), rules, opts...)
	})
	if r == nil {
		return nil, err
	}
	return r.Graph, err
}

func TestFromCIDRs(t *testing.T) {
	tests := []struct {
		cidrs []string
		port  int
	}{
		{nil, 443},
		{[]string{"10.1.0.0/20"}, 5432},
		{[]string{"10.1.0.0/20", "10.1.16.0/20", "192.168.7.0/24"}, 6379},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(len(tt.cidrs)), func(t *testing.T) {
			rules := sgrules.FromCIDRs("gs-test-in", tt.cidrs, tt.port, "PostgreSQL")
			if len(rules) != len(tt.cidrs) {
				t.Fatalf("%d rules for %d CIDRs", len(rules), len(tt.cidrs))
			}
			for i, r := range rules {
				want := sgrules.Rule{Name: "gs-test-in-" + strings.NewReplacer(".", "-", "/", "-").Replace(tt.cidrs[i]), CIDR: tt.cidrs[i], Port: tt.port, Description: "PostgreSQL from " + tt.cidrs[i]}
				if r != want {
					t.Errorf("rule %d: %+v, want %+v", i, r, want)
				}
			}
		})
	}
}

// A CIDR added in front of the list, or one removed, leaves every other rule's name as it was:
// a renamed rule is a create before a delete, which EC2 refuses as a duplicate.
func TestFromCIDRsNamesFollowTheCIDR(t *testing.T) {
	names := func(cidrs ...string) map[string]string {
		out := map[string]string{}
		for _, r := range sgrules.FromCIDRs("gs-test-in", cidrs, 5432, "PostgreSQL") {
			out[r.CIDR] = r.Name
		}
		return out
	}
	before := names("10.1.0.0/20", "10.1.16.0/20")
	for what, after := range map[string]map[string]string{
		"added in front": names("192.168.7.0/24", "10.1.0.0/20", "10.1.16.0/20"),
		"first removed":  names("10.1.16.0/20"),
	} {
		for c, n := range after {
			if old, ok := before[c]; ok && old != n {
				t.Errorf("%s: the rule of %s renamed %s -> %s", what, c, old, n)
			}
		}
	}
}

func TestIngress(t *testing.T) {
	tests := []struct {
		name  string
		rules []sgrules.Rule
	}{
		{"none", nil},
		{"one CIDR", sgrules.FromCIDRs("gs-test-in", []string{"10.1.0.0/20"}, 5432, "PostgreSQL")},
		{"mixed ports", []sgrules.Rule{
			{Name: "https", CIDR: "0.0.0.0/0", Port: 443, Description: "HTTPS"},
			{Name: "redis", CIDR: "10.2.32.0/20", Port: 6379, Description: "Redis"},
			{Name: "max-port", CIDR: "192.168.0.1/32", Port: 65535, Description: "edge"},
		}},
		{"a source group and a CIDR", append(
			sgrules.FromGroups("gs-test-from", map[string]pulumi.StringInput{"cluster": pulumi.String("sg-0cluster")}, 5432, "PostgreSQL"),
			sgrules.Rule{Name: "peer", CIDR: "10.9.0.0/16", Port: 5432, Description: "peer"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := synthRules(tt.rules)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range synth.ChildProblems(g, tBox, func(synth.Resource) string { return synth.ProviderName("eu-west-1") }) {
				t.Error(p)
			}
			sg := g.ByType(tSG)[0]
			got := g.ByType(tRule)
			if len(got) != len(tt.rules) {
				t.Fatalf("%d rules declared, want %d", len(got), len(tt.rules))
			}
			for _, want := range tt.rules {
				r, ok := g.Named(tRule, want.Name)
				if !ok {
					t.Errorf("no rule %s", want.Name)
					continue
				}
				in := r.Inputs
				var source any
				if want.Source != nil {
					source = "sg-0cluster" // the only source group of these cases
				}
				if in["referencedSecurityGroupId"] != source || (want.Source != nil && in["cidrIpv4"] != nil) {
					t.Errorf("rule %s: source %v cidr %v, want source %v", want.Name, in["referencedSecurityGroupId"], in["cidrIpv4"], source)
				}
				if want.Source == nil && in["cidrIpv4"] != want.CIDR {
					t.Errorf("rule %s: cidr %v, want %v", want.Name, in["cidrIpv4"], want.CIDR)
				}
				if in["securityGroupId"] != sg.ID || in["ipProtocol"] != "tcp" ||
					in["fromPort"] != float64(want.Port) || in["toPort"] != float64(want.Port) || in["description"] != want.Description {
					t.Errorf("rule %s: %v, want %+v on %s", want.Name, in, want, sg.ID)
				}
			}
		})
	}
}

// A bad rule is an error before anything is declared, not an AWS API failure halfway through.
func TestIngressRejects(t *testing.T) {
	ok := sgrules.Rule{Name: "ok", CIDR: "10.1.0.0/20", Port: 443, Description: "fine"}
	tests := []struct {
		name string
		bad  sgrules.Rule
		want string
	}{
		{"port 0", sgrules.Rule{Name: "r", CIDR: "10.1.0.0/20", Port: 0}, "port 0"},
		{"port above 65535", sgrules.Rule{Name: "r", CIDR: "10.1.0.0/20", Port: 65536}, "port 65536"},
		{"negative port", sgrules.Rule{Name: "r", CIDR: "10.1.0.0/20", Port: -1}, "port -1"},
		{"range ending below its start", sgrules.Rule{Name: "r", CIDR: "10.1.0.0/20", Port: 7001, ToPort: 7000}, "ports 7001-7000"},
		{"range past 65535", sgrules.Rule{Name: "r", CIDR: "10.1.0.0/20", Port: 7000, ToPort: 70000}, "ports 7000-70000"},
		{"address without prefix", sgrules.Rule{Name: "r", CIDR: "10.1.0.1", Port: 443}, `"10.1.0.1"`},
		{"IPv6 CIDR", sgrules.Rule{Name: "r", CIDR: "2001:db8::/32", Port: 443}, `"2001:db8::/32"`},
		{"empty CIDR", sgrules.Rule{Name: "r", Port: 443}, `""`},
		{"no name", sgrules.Rule{CIDR: "10.1.0.0/20", Port: 443}, "no name"},
		{"a CIDR and a source group", sgrules.Rule{Name: "r", CIDR: "10.1.0.0/20", Source: pulumi.String("sg-1"), Port: 443}, "not both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := synthRules([]sgrules.Rule{ok, tt.bad})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("want an error containing %q, got %v", tt.want, err)
			}
			if n := len(g.ByType(tRule)); n != 0 {
				t.Errorf("%d rules declared before the bad one was refused", n)
			}
		})
	}
}

// A CIDR listed twice is one rule (the same name twice would be a duplicate resource).
func TestFromCIDRsOnceEach(t *testing.T) {
	rules := sgrules.FromCIDRs("gs-test-in", []string{"10.1.0.0/20", "10.1.16.0/20", "10.1.0.0/20"}, 5432, "PostgreSQL")
	if len(rules) != 2 || rules[0].CIDR != "10.1.0.0/20" || rules[1].CIDR != "10.1.16.0/20" {
		t.Errorf("rules %+v, want one per CIDR in first-seen order", rules)
	}
}
