// Package sgrules declares security group ingress rules as separate
// vpc.SecurityGroupIngressRule resources, one per source CIDR and port: AWS's per-rule API, so a
// changed rule replaces only itself and never races inline rules of the group.
package sgrules

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Rule admits TCP on Port (through ToPort when set: a range counts as one rule of the group's
// quota) from CIDR, or from the members of the security group Source (set
// exactly one). Name is the rule's logical name.
type Rule struct {
	Name        string
	CIDR        string
	Source      pulumi.StringInput // a security group id: its members, wherever they are
	Port        int
	ToPort      int // 0: Port only
	Description string
}

// FromCIDRs is one rule per CIDR on one port, named <prefix>-<CIDR> (10.2.0.0/16 ->
// 10-2-0-0-16), not by position: a CIDR added to or removed from the list adds or removes its own
// rule and renames no other. A rule renamed is created before the old one is deleted, and EC2
// refuses the second copy of a rule the group already has (InvalidPermission.Duplicate).
// A CIDR listed twice (a configured peer that is also one the program adds) is one rule: the
// same name twice would be a duplicate resource.
func FromCIDRs(prefix string, cidrs []string, port int, what string) []Rule {
	out := make([]Rule, 0, len(cidrs))
	seen := map[string]bool{}
	for _, c := range cidrs {
		if !seen[c] {
			seen[c] = true
			out = append(out, Rule{Name: prefix + "-" + CIDRName(c), CIDR: c, Port: port, Description: what + " from " + c})
		}
	}
	return out
}

// CIDRName writes a CIDR into a resource name: 10.2.0.0/16 -> 10-2-0-0-16.
func CIDRName(cidr string) string {
	return strings.NewReplacer(".", "-", "/", "-", ":", "-").Replace(cidr)
}

// FromGroups is one rule per named source security group on one port, named <prefix>-<name>,
// in name order.
func FromGroups(prefix string, groups map[string]pulumi.StringInput, port int, what string) []Rule {
	names := make([]string, 0, len(groups))
	for n := range groups {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]Rule, len(names))
	for i, n := range names {
		out[i] = Rule{Name: prefix + "-" + n, Source: groups[n], Port: port, Description: fmt.Sprintf("%s from the %s security group", what, n)}
	}
	return out
}

// Ingress declares the rules on the security group. A rule without a name, a TCP port or an
// IPv4 CIDR is an error before any rule is declared.
func Ingress(ctx *pulumi.Context, securityGroupID pulumi.IDOutput, rules []Rule, opts ...pulumi.ResourceOption) error {
	for _, r := range rules {
		if err := r.check(); err != nil {
			return err
		}
	}
	for _, r := range rules {
		args := &vpc.SecurityGroupIngressRuleArgs{
			SecurityGroupId: securityGroupID,
			Description:     pulumi.String(r.Description),
			IpProtocol:      pulumi.String("tcp"),
			FromPort:        pulumi.Int(r.Port),
			ToPort:          pulumi.Int(r.lastPort()),
		}
		if r.Source != nil {
			args.ReferencedSecurityGroupId = r.Source
		} else {
			args.CidrIpv4 = pulumi.String(r.CIDR)
		}
		if _, err := vpc.NewSecurityGroupIngressRule(ctx, r.Name, args, opts...); err != nil {
			return err
		}
	}
	return nil
}

func (r Rule) lastPort() int {
	if r.ToPort == 0 {
		return r.Port
	}
	return r.ToPort
}

func (r Rule) check() error {
	if r.Name == "" {
		return fmt.Errorf("security group rule %q: no name", r.Description)
	}
	if r.Port < 1 || r.Port > 65535 {
		return fmt.Errorf("security group rule %s: port %d is not a TCP port (1-65535)", r.Name, r.Port)
	}
	if r.lastPort() < r.Port || r.lastPort() > 65535 {
		return fmt.Errorf("security group rule %s: ports %d-%d are not a TCP port range (%d-65535)", r.Name, r.Port, r.lastPort(), r.Port)
	}
	if r.Source != nil {
		if r.CIDR != "" {
			return fmt.Errorf("security group rule %s: set a CIDR or a source security group, not both", r.Name)
		}
		return nil
	}
	if p, err := netip.ParsePrefix(r.CIDR); err != nil || !p.Addr().Is4() {
		return fmt.Errorf("security group rule %s: %q is not an IPv4 CIDR", r.Name, r.CIDR)
	}
	return nil
}
