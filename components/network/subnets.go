package network

import (
	"fmt"
	"net/netip"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// builder holds what the steps of New declare, so later steps can refer to earlier resources.
type builder struct {
	ctx    *pulumi.Context
	name   string
	args   *Args
	parent pulumi.ResourceOption

	vpcRes             *ec2.Vpc
	igw                *ec2.InternetGateway
	publicSubnets      []*ec2.Subnet
	privateSubnets     []*ec2.Subnet
	databaseSubnets    []*ec2.Subnet
	cassandraSubnets   []*ec2.Subnet
	publicRouteTable   *ec2.RouteTable
	privateRouteTables []*ec2.RouteTable // private tier per AZ, then the database tier's
	nats               []*ec2.NatGateway
	natIPs             pulumi.StringArray
	logKey             *kms.Key
	flowLogGroup       *cloudwatch.LogGroup
	vpnGateway         *ec2.VpnGateway
	vpnConnections     pulumi.Map
	officeSG           *ec2.SecurityGroup
}

func (b *builder) n(suffix string, args ...any) string {
	return b.name + "-" + fmt.Sprintf(suffix, args...)
}

func nameTag(name string, extra map[string]string) pulumi.StringMap {
	tags := pulumi.StringMap{"Name": pulumi.String(name)}
	for k, v := range extra {
		tags[k] = pulumi.String(v)
	}
	return tags
}

func (b *builder) vpc() error {
	var err error
	b.vpcRes, err = ec2.NewVpc(b.ctx, b.n("vpc"), &ec2.VpcArgs{
		CidrBlock:          pulumi.String(b.args.VPCCIDR),
		EnableDnsSupport:   pulumi.Bool(true),
		EnableDnsHostnames: pulumi.Bool(true), // EKS nodes and private endpoints resolve by name
		Tags:               nameTag(b.n("vpc"), nil),
	}, b.parent)
	if err != nil {
		return err
	}
	// Adopting the default security group with no rules strips AWS's allow-all-from-itself
	// rule, so nothing that lands in it by accident can talk to anything (CIS AWS 5.4).
	if _, err := ec2.NewDefaultSecurityGroup(b.ctx, b.n("default-sg"), &ec2.DefaultSecurityGroupArgs{
		VpcId: b.vpcRes.ID(),
		Tags:  nameTag(b.n("default-deny"), nil),
	}, b.parent); err != nil {
		return err
	}
	b.igw, err = ec2.NewInternetGateway(b.ctx, b.n("igw"), &ec2.InternetGatewayArgs{
		VpcId: b.vpcRes.ID(),
		Tags:  nameTag(b.n("igw"), nil),
	}, b.parent)
	return err
}

// subnetTier declares one subnet per AZ.
func (b *builder) subnetTier(tier string, cidrs []netip.Prefix, extraTags map[string]string) ([]*ec2.Subnet, error) {
	var out []*ec2.Subnet
	for i, cidr := range cidrs {
		az := b.args.AvailabilityZones[i]
		tags := map[string]string{"tier": tier}
		for k, v := range extraTags {
			tags[k] = v
		}
		s, err := ec2.NewSubnet(b.ctx, b.n("%s-%s", tier, az), &ec2.SubnetArgs{
			VpcId:            b.vpcRes.ID(),
			CidrBlock:        pulumi.String(cidr.String()),
			AvailabilityZone: pulumi.String(az),
			// Nothing gets a public IP by accident; load balancers and NAT use their own.
			MapPublicIpOnLaunch: pulumi.Bool(false),
			Tags:                nameTag(b.n("%s-%s", tier, az), tags),
		}, b.parent)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// routeTable declares a route table whose propagated routes AWS owns.
func (b *builder) routeTable(name string) (*ec2.RouteTable, error) {
	return ec2.NewRouteTable(b.ctx, name, &ec2.RouteTableArgs{
		VpcId: b.vpcRes.ID(),
		Tags:  nameTag(name, nil),
	}, b.parent,
		// The VPN gateway propagates routes into private tables; those are AWS's, not ours.
		pulumi.IgnoreChanges([]string{"propagatingVgws"}))
}

func (b *builder) associate(name string, subnet *ec2.Subnet, rt *ec2.RouteTable) error {
	_, err := ec2.NewRouteTableAssociation(b.ctx, name, &ec2.RouteTableAssociationArgs{
		SubnetId:     subnet.ID(),
		RouteTableId: rt.ID(),
	}, b.parent)
	return err
}

func (b *builder) publicTier() error {
	var err error
	// kubernetes.io/role/elb tells the AWS Load Balancer Controller where internet-facing
	// load balancers go.
	b.publicSubnets, err = b.subnetTier("public", b.args.Subnets.Public, map[string]string{"kubernetes.io/role/elb": "1"})
	if err != nil {
		return err
	}
	b.publicRouteTable, err = b.routeTable(b.n("public-rt"))
	if err != nil {
		return err
	}
	if _, err := ec2.NewRoute(b.ctx, b.n("public-default"), &ec2.RouteArgs{
		RouteTableId:         b.publicRouteTable.ID(),
		DestinationCidrBlock: pulumi.String("0.0.0.0/0"),
		GatewayId:            b.igw.ID(),
	}, b.parent); err != nil {
		return err
	}
	for i, s := range b.publicSubnets {
		if err := b.associate(b.n("public-%s", b.args.AvailabilityZones[i]), s, b.publicRouteTable); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) natGateways() error {
	count := len(b.args.AvailabilityZones)
	if !b.args.NATPerAZ {
		count = 1
	}
	for i := 0; i < count; i++ {
		az := b.args.AvailabilityZones[i]
		eip, err := ec2.NewEip(b.ctx, b.n("nat-%s", az), &ec2.EipArgs{
			Domain: pulumi.String("vpc"),
			Tags:   nameTag(b.n("nat-%s", az), nil),
		}, b.parent)
		if err != nil {
			return err
		}
		nat, err := ec2.NewNatGateway(b.ctx, b.n("nat-%s", az), &ec2.NatGatewayArgs{
			AllocationId: eip.AllocationId,
			SubnetId:     b.publicSubnets[i].ID(),
			Tags:         nameTag(b.n("nat-%s", az), nil),
		}, b.parent, pulumi.DependsOn([]pulumi.Resource{b.igw}))
		if err != nil {
			return err
		}
		b.nats = append(b.nats, nat)
		b.natIPs = append(b.natIPs, eip.PublicIp)
	}
	return nil
}

func (b *builder) privateTier() error {
	var err error
	b.privateSubnets, err = b.subnetTier("private", b.args.Subnets.Private, map[string]string{"kubernetes.io/role/internal-elb": "1"})
	if err != nil {
		return err
	}
	for i, s := range b.privateSubnets {
		az := b.args.AvailabilityZones[i]
		rt, err := b.routeTable(b.n("private-rt-%s", az))
		if err != nil {
			return err
		}
		// Each AZ leaves through its own NAT gateway, or the only one.
		nat := b.nats[min(i, len(b.nats)-1)]
		if _, err := ec2.NewRoute(b.ctx, b.n("private-default-%s", az), &ec2.RouteArgs{
			RouteTableId:         rt.ID(),
			DestinationCidrBlock: pulumi.String("0.0.0.0/0"),
			NatGatewayId:         nat.ID(),
		}, b.parent); err != nil {
			return err
		}
		if err := b.associate(b.n("private-%s", az), s, rt); err != nil {
			return err
		}
		b.privateRouteTables = append(b.privateRouteTables, rt)
	}
	return nil
}

// databaseTier has no route to the internet at all: databases reach only the VPC, peered VPCs
// and (through propagation) the office.
func (b *builder) databaseTier() error {
	var err error
	b.databaseSubnets, err = b.subnetTier("database", b.args.Subnets.Database, nil)
	if err != nil {
		return err
	}
	rt, err := b.routeTable(b.n("database-rt"))
	if err != nil {
		return err
	}
	for i, s := range b.databaseSubnets {
		if err := b.associate(b.n("database-%s", b.args.AvailabilityZones[i]), s, rt); err != nil {
			return err
		}
	}
	b.privateRouteTables = append(b.privateRouteTables, rt)
	return nil
}

// cassandraTier is the Cassandra nodes' subnets, one per AZ, in the block of the VPC that holds
// nothing else (netplan.CassandraTier): the other datacenters admit that block, and so only these
// nodes and their pods (the VPC CNI gives pods addresses of their node's subnet), never the
// staging and development clusters that share the private tier. Each routes like its AZ's
// private subnet (its route table: the NAT gateway, the peerings, the S3 endpoint), and carries
// no load balancer tag.
func (b *builder) cassandraTier() error {
	if !b.args.Cassandra {
		return nil
	}
	var err error
	b.cassandraSubnets, err = b.subnetTier("cassandra", b.args.Subnets.Cassandra, nil)
	if err != nil {
		return err
	}
	for i, s := range b.cassandraSubnets {
		if err := b.associate(b.n("cassandra-%s", b.args.AvailabilityZones[i]), s, b.privateRouteTables[i]); err != nil {
			return err
		}
	}
	return nil
}
