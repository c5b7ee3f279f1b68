// Package network is a region's VPC as one Pulumi component: public, private and database
// subnets in every configured AZ, internet and NAT gateways, route tables, KMS-encrypted flow
// logs, and the site-to-site VPN to the office with its alarms and security group.
package network

import (
	"fmt"
	"net/netip"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/pkg/netplan"
	"github.com/global-sovereign/global-sovereign/pkg/scope"
)

// Type is the component's Pulumi type token.
const Type = "sovereign:network:Network"

// Args configures the network. All CIDRs are validated by pkg/config before they get here.
type Args struct {
	Scope scope.Scope // partition, account and region of the provider; whether to protect

	VPCCIDR           string
	AvailabilityZones []string
	Subnets           netplan.Plan // one CIDR per AZ and tier
	NATPerAZ          bool         // false: one NAT gateway for the whole VPC
	// Cassandra adds the Cassandra tier (Subnets.Cassandra, in netplan's block that holds
	// nothing else): the subnets of the region's Cassandra nodes, routed like the private tier.
	Cassandra bool

	FlowLogRetentionDays int
	FlowLogTrafficType   string

	VPN *VPNArgs // nil: no office VPN

	AlarmTopicArn pulumi.StringInput // where alarms notify
}

// VPNArgs configures the office VPN.
type VPNArgs struct {
	BGPASN             *int64 // nil: static routing to the gateways' client CIDRs
	AmazonSideASN      int64
	Gateways           []Gateway
	OfficeIngressPorts []int
}

// Gateway is one office VPN endpoint.
type Gateway struct {
	Name        string
	IPAddress   string
	ClientCIDRs []string
	// TunnelInsideCIDRs are the inside /30s of the connection's two tunnels, pinned so that no
	// two of the office's tunnels (from every region) share one (config.TunnelInsideCIDRs).
	TunnelInsideCIDRs [2]string
}

// Network is the component. Its outputs are what other components and stacks need.
type Network struct {
	pulumi.ResourceState

	VpcID                 pulumi.StringOutput      `pulumi:"vpcId"`
	VpcCIDR               pulumi.StringOutput      `pulumi:"vpcCidr"`
	PublicSubnetIDs       pulumi.StringArrayOutput `pulumi:"publicSubnetIds"`
	PrivateSubnetIDs      pulumi.StringArrayOutput `pulumi:"privateSubnetIds"`
	DatabaseSubnetIDs     pulumi.StringArrayOutput `pulumi:"databaseSubnetIds"`
	CassandraSubnetIDs    pulumi.StringArrayOutput `pulumi:"cassandraSubnetIds"` // empty without Args.Cassandra
	PrivateRouteTableIDs  pulumi.StringArrayOutput `pulumi:"privateRouteTableIds"`
	PublicRouteTableID    pulumi.StringOutput      `pulumi:"publicRouteTableId"`
	NatPublicIPs          pulumi.StringArrayOutput `pulumi:"natPublicIps"`
	FlowLogGroupName      pulumi.StringOutput      `pulumi:"flowLogGroupName"`
	LogKeyArn             pulumi.StringOutput      `pulumi:"logKeyArn"`
	VpnGatewayID          pulumi.StringOutput      `pulumi:"vpnGatewayId"`
	VpnConnections        pulumi.MapOutput         `pulumi:"vpnConnections"`
	OfficeSecurityGroupID pulumi.StringOutput      `pulumi:"officeSecurityGroupId"`

	// OfficeSecurityGroup is the group that admits the office (nil without a VPN), for
	// components that attach it.
	OfficeSecurityGroup *ec2.SecurityGroup
}

// New declares the network. Pass the stack's regional provider with pulumi.Provider: the
// children inherit it.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Network, error) {
	if err := args.check(); err != nil {
		return nil, fmt.Errorf("network %s: %w", name, err)
	}
	n := &Network{}
	if err := ctx.RegisterComponentResource(Type, name, n, opts...); err != nil {
		return nil, err
	}
	b := &builder{ctx: ctx, name: name, args: args, parent: pulumi.Parent(n)}
	steps := []func() error{b.vpc, b.publicTier, b.natGateways, b.privateTier, b.databaseTier, b.cassandraTier, b.s3Endpoint, b.flowLogs, b.vpn}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}

	n.VpcID = b.vpcRes.ID().ToStringOutput()
	n.VpcCIDR = b.vpcRes.CidrBlock
	n.PublicSubnetIDs = ids(b.publicSubnets)
	n.PrivateSubnetIDs = ids(b.privateSubnets)
	n.DatabaseSubnetIDs = ids(b.databaseSubnets)
	n.CassandraSubnetIDs = ids(b.cassandraSubnets)
	n.PrivateRouteTableIDs = ids(b.privateRouteTables)
	n.PublicRouteTableID = b.publicRouteTable.ID().ToStringOutput()
	n.NatPublicIPs = b.natIPs.ToStringArrayOutput()
	n.FlowLogGroupName = b.flowLogGroup.Name
	n.LogKeyArn = b.logKey.Arn
	n.VpnGatewayID = pulumi.String("").ToStringOutput()
	n.VpnConnections = pulumi.Map{}.ToMapOutput()
	n.OfficeSecurityGroupID = pulumi.String("").ToStringOutput()
	if b.vpnGateway != nil {
		n.VpnGatewayID = b.vpnGateway.ID().ToStringOutput()
		n.VpnConnections = b.vpnConnections.ToMapOutput()
		n.OfficeSecurityGroupID = b.officeSG.ID().ToStringOutput()
		n.OfficeSecurityGroup = b.officeSG
	}
	return n, ctx.RegisterResourceOutputs(n, pulumi.Map{
		"vpcId":                 n.VpcID,
		"vpcCidr":               n.VpcCIDR,
		"publicSubnetIds":       n.PublicSubnetIDs,
		"privateSubnetIds":      n.PrivateSubnetIDs,
		"databaseSubnetIds":     n.DatabaseSubnetIDs,
		"cassandraSubnetIds":    n.CassandraSubnetIDs,
		"privateRouteTableIds":  n.PrivateRouteTableIDs,
		"publicRouteTableId":    n.PublicRouteTableID,
		"natPublicIps":          n.NatPublicIPs,
		"flowLogGroupName":      n.FlowLogGroupName,
		"logKeyArn":             n.LogKeyArn,
		"vpnGatewayId":          n.VpnGatewayID,
		"vpnConnections":        n.VpnConnections,
		"officeSecurityGroupId": n.OfficeSecurityGroupID,
	})
}

// PrivateRouteTables is how many route tables a network of azs AZs exports as
// PrivateRouteTableIDs: one per AZ for the private tier, then the database tier's one. Routes
// to a peered VPC go in every one of them.
func PrivateRouteTables(azs int) int { return azs + 1 }

// check guards the component against inconsistent Args from callers other than the program
// (whose config is validated earlier): a wrong count here would index out of range later.
func (a *Args) check() error {
	azs := len(a.AvailabilityZones)
	if azs < 1 {
		return fmt.Errorf("no availability zones")
	}
	if len(a.Subnets.Public) != azs || len(a.Subnets.Private) != azs || len(a.Subnets.Database) != azs {
		return fmt.Errorf("subnet plan has %d/%d/%d public/private/database CIDRs for %d AZs",
			len(a.Subnets.Public), len(a.Subnets.Private), len(a.Subnets.Database), azs)
	}
	if a.Cassandra && len(a.Subnets.Cassandra) != azs {
		return fmt.Errorf("subnet plan has %d Cassandra CIDRs for %d AZs", len(a.Subnets.Cassandra), azs)
	}
	if _, err := netip.ParsePrefix(a.VPCCIDR); err != nil {
		return fmt.Errorf("VPC CIDR: %w", err)
	}
	if a.AlarmTopicArn == nil {
		return fmt.Errorf("no alarm topic")
	}
	if a.VPN != nil && len(a.VPN.Gateways) == 0 {
		return fmt.Errorf("VPN without customer gateways")
	}
	return nil
}

// ider is any resource with an ID.
type ider interface{ ID() pulumi.IDOutput }

func ids[T ider](rs []T) pulumi.StringArrayOutput {
	arr := make(pulumi.StringArray, len(rs))
	for i, r := range rs {
		arr[i] = r.ID().ToStringOutput()
	}
	return arr.ToStringArrayOutput()
}
