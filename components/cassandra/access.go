package cassandra

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/sgrules"
)

// cidrName writes a CIDR into a resource name: 10.2.0.0/16 -> 10-2-0-0-16.
var cidrName = strings.NewReplacer(".", "-", "/", "-")

// AccessType is the node security group component's type token.
const AccessType = "sovereign:cassandra:NodeAccess"

// AccessArgs configures the Cassandra nodes' security group.
type AccessArgs struct {
	VpcID pulumi.StringInput
	// PrivateCIDRs are the region's private subnets (its pods and nodes); PeerCIDRs the VPCs of
	// the other datacenters, reached over the peering mesh. Nothing else is admitted.
	PrivateCIDRs, PeerCIDRs []string
}

// Access is the security group the Cassandra node groups carry beside the cluster's: Cassandra's
// ports from the region's private subnets and the peer datacenters' VPCs only. Pods share their
// node's security groups (VPC CNI without pod security groups), so this is what admits a
// remote datacenter's gossip and the control plane's management API calls.
type Access struct {
	pulumi.ResourceState

	SecurityGroupID pulumi.StringOutput `pulumi:"securityGroupId"`
}

// NewAccess declares the security group and one rule per port and source CIDR.
func NewAccess(ctx *pulumi.Context, name string, args *AccessArgs, opts ...pulumi.ResourceOption) (*Access, error) {
	if args.VpcID == nil || len(args.PrivateCIDRs) == 0 {
		return nil, fmt.Errorf("cassandra access %s: the VPC and its private subnets are required", name)
	}
	a := &Access{}
	if err := ctx.RegisterComponentResource(AccessType, name, a, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(a)
	sg, err := ec2.NewSecurityGroup(ctx, name, &ec2.SecurityGroupArgs{
		Description: pulumi.String("Cassandra nodes of " + name + ": Cassandra ports from the private subnets and the peer datacenters"),
		VpcId:       args.VpcID,
	}, parent)
	if err != nil {
		return nil, err
	}
	// Rules are named by port and CIDR, not by position: a datacenter added or removed adds or
	// removes its own rules and renames no other.
	var rules []sgrules.Rule
	for _, pr := range PortRanges {
		for _, src := range []struct {
			what  string
			cidrs []string
		}{{"private subnet", args.PrivateCIDRs}, {"peer datacenter", args.PeerCIDRs}} {
			for _, c := range src.cidrs {
				ports := fmt.Sprint(pr.From)
				if pr.To != pr.From {
					ports += "-" + fmt.Sprint(pr.To)
				}
				rules = append(rules, sgrules.Rule{Name: fmt.Sprintf("%s-%s-%s", name, ports, cidrName.Replace(c)), CIDR: c, Port: pr.From, ToPort: pr.To,
					Description: fmt.Sprintf("Cassandra %s from %s %s", ports, src.what, c)})
			}
		}
	}
	if err := sgrules.Ingress(ctx, sg.ID(), rules, parent); err != nil {
		return nil, err
	}
	a.SecurityGroupID = sg.ID().ToStringOutput()
	return a, ctx.RegisterResourceOutputs(a, pulumi.Map{"securityGroupId": a.SecurityGroupID})
}
