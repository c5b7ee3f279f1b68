package network

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/sgrules"
)

// OfficeAccessType is the Pulumi type token of OfficeAccess.
const OfficeAccessType = "sovereign:network:OfficeAccess"

// OfficeAccessArgs configures an office security group in a VPC another stack owns.
type OfficeAccessArgs struct {
	VpcID pulumi.StringInput // the VPC the group is in
	VPN   *VPNArgs           // the office networks and ports (the region's VPN config)
}

// OfficeAccess is a security group that admits the office networks over the region's VPN, for a
// stack that shares the region's VPC (an environment's cluster) and so cannot use the region's own
// group: each stack owns its groups, and a group the region stack replaced would cut the others off.
type OfficeAccess struct {
	pulumi.ResourceState

	SecurityGroupID pulumi.StringOutput `pulumi:"securityGroupId"`
	SecurityGroup   *ec2.SecurityGroup
}

func (a *OfficeAccessArgs) check() error {
	switch {
	case a == nil:
		return errors.New("no args")
	case a.VpcID == nil:
		return errors.New("VpcID is required")
	case a.VPN == nil || len(a.VPN.Gateways) == 0:
		return errors.New("VPN with at least one gateway is required: without office networks there is nothing to admit")
	case len(a.VPN.OfficeIngressPorts) == 0:
		return errors.New("VPN.OfficeIngressPorts is empty: the group would admit nothing")
	}
	return nil
}

// NewOfficeAccess declares the group and one rule per office CIDR and port, the same rules the
// region's own office group has.
func NewOfficeAccess(ctx *pulumi.Context, name string, args *OfficeAccessArgs, opts ...pulumi.ResourceOption) (*OfficeAccess, error) {
	if err := args.check(); err != nil {
		return nil, fmt.Errorf("office access %s: %w", name, err)
	}
	a := &OfficeAccess{}
	if err := ctx.RegisterComponentResource(OfficeAccessType, name, a, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(a)
	n := func(suffix string, args ...any) string { return name + "-" + fmt.Sprintf(suffix, args...) }
	sg, err := ec2.NewSecurityGroup(ctx, n("office"), &ec2.SecurityGroupArgs{
		VpcId:       args.VpcID,
		Description: pulumi.String("Admits the office networks over the site-to-site VPN of the region"),
		Tags:        nameTag(n("office"), nil),
	}, parent)
	if err != nil {
		return nil, err
	}
	if err := sgrules.Ingress(ctx, sg.ID(), officeRules(n, args.VPN), parent); err != nil {
		return nil, err
	}
	a.SecurityGroup = sg
	a.SecurityGroupID = sg.ID().ToStringOutput()
	return a, ctx.RegisterResourceOutputs(a, pulumi.Map{"securityGroupId": a.SecurityGroupID})
}

// officeRules admits every client CIDR of the office gateways on each office ingress port: one
// rule per network and port, named by them (not by position: a network added or removed renames
// no other rule), once even when two gateways route the same office network (EC2 refuses a
// second identical rule, InvalidPermission.Duplicate).
func officeRules(n func(string, ...any) string, v *VPNArgs) []sgrules.Rule {
	var rules []sgrules.Rule
	seen := map[string]bool{}
	for _, g := range v.Gateways {
		for _, cidr := range g.ClientCIDRs {
			if seen[cidr] {
				continue
			}
			seen[cidr] = true
			for _, port := range v.OfficeIngressPorts {
				rules = append(rules, sgrules.Rule{Name: n("office-%s-%d", sgrules.CIDRName(cidr), port), CIDR: cidr, Port: port,
					Description: fmt.Sprintf("office network %s on %d", cidr, port)})
			}
		}
	}
	return rules
}
