package network

import (
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/sgrules"
)

// maxBgpAsn2Byte is the largest ASN the customer gateway's bgpAsn field takes; larger (4-byte)
// ASNs go in bgpAsnExtended.
const maxBgpAsn2Byte = 2147483647

// Tunnel crypto: IKEv2 only, AES-256, SHA-2 and DH groups 14+ (AWS's defaults still admit
// IKEv1, SHA-1 and DH group 2).
var (
	ikeVersions = []string{"ikev2"}
	encryption  = []string{"AES256", "AES256-GCM-16"}
	integrity   = []string{"SHA2-256", "SHA2-384", "SHA2-512"}
	dhGroups    = []int{14, 19, 20, 21}
)

// vpn declares the virtual private gateway and, for each office gateway, a customer gateway, a
// VPN connection with two tunnels (BGP, or static routes to the office CIDRs), and an alarm on
// tunnel state. Routes to the office propagate into every private route table.
func (b *builder) vpn() error {
	v := b.args.VPN
	if v == nil {
		return nil
	}
	for _, g := range v.Gateways {
		if g.TunnelInsideCIDRs[0] == "" || g.TunnelInsideCIDRs[1] == "" || g.TunnelInsideCIDRs[0] == g.TunnelInsideCIDRs[1] {
			return fmt.Errorf("VPN gateway %s: two distinct tunnel inside CIDRs are required (AWS would pick random ones that can collide on the office device), got %v",
				g.Name, g.TunnelInsideCIDRs)
		}
	}
	var err error
	b.vpnGateway, err = ec2.NewVpnGateway(b.ctx, b.n("vgw"), &ec2.VpnGatewayArgs{
		VpcId:         b.vpcRes.ID(),
		AmazonSideAsn: pulumi.String(strconv.FormatInt(v.AmazonSideASN, 10)),
		Tags:          nameTag(b.n("vgw"), nil),
	}, b.parent)
	if err != nil {
		return err
	}
	for i, rt := range b.privateRouteTables {
		if _, err := ec2.NewVpnGatewayRoutePropagation(b.ctx, b.n("vgw-propagation-%d", i), &ec2.VpnGatewayRoutePropagationArgs{
			VpnGatewayId: b.vpnGateway.ID(),
			RouteTableId: rt.ID(),
		}, b.parent); err != nil {
			return err
		}
	}

	b.vpnConnections = pulumi.Map{}
	for _, g := range v.Gateways {
		conn, err := b.vpnConnection(v, g)
		if err != nil {
			return err
		}
		b.vpnConnections[g.Name] = pulumi.Map{
			"id":              conn.ID(),
			"customerGateway": pulumi.String(g.IPAddress),
			"tunnel1Address":  conn.Tunnel1Address,
			"tunnel2Address":  conn.Tunnel2Address,
			"routing":         pulumi.String(routing(v)),
		}
	}
	return b.officeSecurityGroup()
}

func routing(v *VPNArgs) string {
	if v.BGPASN != nil {
		return "bgp"
	}
	return "static"
}

func (b *builder) vpnConnection(v *VPNArgs, g Gateway) (*ec2.VpnConnection, error) {
	cgwArgs := &ec2.CustomerGatewayArgs{
		IpAddress: pulumi.String(g.IPAddress),
		Type:      pulumi.String("ipsec.1"),
		Tags:      nameTag(b.n("cgw-%s", g.Name), nil),
	}
	if v.BGPASN != nil {
		asn := strconv.FormatInt(*v.BGPASN, 10)
		if *v.BGPASN > maxBgpAsn2Byte {
			cgwArgs.BgpAsnExtended = pulumi.String(asn)
		} else {
			cgwArgs.BgpAsn = pulumi.String(asn)
		}
	}
	cgw, err := ec2.NewCustomerGateway(b.ctx, b.n("cgw-%s", g.Name), cgwArgs, b.parent)
	if err != nil {
		return nil, err
	}
	conn, err := ec2.NewVpnConnection(b.ctx, b.n("vpn-%s", g.Name), &ec2.VpnConnectionArgs{
		VpnGatewayId:                      b.vpnGateway.ID(),
		CustomerGatewayId:                 cgw.ID(),
		Type:                              pulumi.String("ipsec.1"),
		StaticRoutesOnly:                  pulumi.Bool(v.BGPASN == nil),
		Tunnel1InsideCidr:                 pulumi.String(g.TunnelInsideCIDRs[0]),
		Tunnel2InsideCidr:                 pulumi.String(g.TunnelInsideCIDRs[1]),
		Tunnel1IkeVersions:                pulumi.ToStringArray(ikeVersions),
		Tunnel2IkeVersions:                pulumi.ToStringArray(ikeVersions),
		Tunnel1Phase1EncryptionAlgorithms: pulumi.ToStringArray(encryption),
		Tunnel2Phase1EncryptionAlgorithms: pulumi.ToStringArray(encryption),
		Tunnel1Phase2EncryptionAlgorithms: pulumi.ToStringArray(encryption),
		Tunnel2Phase2EncryptionAlgorithms: pulumi.ToStringArray(encryption),
		Tunnel1Phase1IntegrityAlgorithms:  pulumi.ToStringArray(integrity),
		Tunnel2Phase1IntegrityAlgorithms:  pulumi.ToStringArray(integrity),
		Tunnel1Phase2IntegrityAlgorithms:  pulumi.ToStringArray(integrity),
		Tunnel2Phase2IntegrityAlgorithms:  pulumi.ToStringArray(integrity),
		Tunnel1Phase1DhGroupNumbers:       pulumi.ToIntArray(dhGroups),
		Tunnel2Phase1DhGroupNumbers:       pulumi.ToIntArray(dhGroups),
		Tunnel1Phase2DhGroupNumbers:       pulumi.ToIntArray(dhGroups),
		Tunnel2Phase2DhGroupNumbers:       pulumi.ToIntArray(dhGroups),
		Tags:                              nameTag(b.n("vpn-%s", g.Name), nil),
	}, b.parent,
		// The pre-shared keys and the device configuration (which embeds them) are secrets.
		pulumi.AdditionalSecretOutputs([]string{"tunnel1PresharedKey", "tunnel2PresharedKey", "customerGatewayConfiguration"}),
		// A change of the inside CIDRs (and the first `up` that pins them on a connection made
		// with AWS's random ones) replaces the connection: they are ForceNew in the provider. The
		// office must take the new keys and addresses either way. Deleting first is required, not
		// only tidy: EC2 refuses inside CIDRs another connection on the same virtual private
		// gateway holds, and the replacement asks for the CIDRs its predecessor holds until it is
		// deleted. A gateway's CIDRs come from its own tunnelSlot, so no other connection's
		// replacement or removal asks for them; a slot freed by a removed gateway is reused, or
		// two slots swapped, only in a later up (the removed connection is deleted at the end of
		// the update that removes it), and a gateway renamed is removed and added in two ups. (terraform-provider-aws made the inside CIDRs
		// updatable in place after the version pulumi-aws v6.83.4 bundles, #45781.)
		pulumi.DeleteBeforeReplace(true))
	if err != nil {
		return nil, err
	}
	if v.BGPASN == nil {
		// Named by network, not position: removing one office network deletes its own route only.
		for _, cidr := range g.ClientCIDRs {
			if _, err := ec2.NewVpnConnectionRoute(b.ctx, b.n("vpn-%s-route-%s", g.Name, sgrules.CIDRName(cidr)), &ec2.VpnConnectionRouteArgs{
				VpnConnectionId:      conn.ID(),
				DestinationCidrBlock: pulumi.String(cidr),
			}, b.parent); err != nil {
				return nil, err
			}
		}
	}
	// TunnelState per connection is the share of its two tunnels that are up (AWS/VPN: 0 down, 1
	// up, in between: at least one tunnel is not up). Two alarms, because one would sit in ALARM
	// while a single tunnel is down (maintenance, an office that brings up one) and then never
	// notify when the office is cut off:
	//   degraded: a tunnel down for 15 minutes (Minimum below 1): redundancy lost;
	//   down: no tunnel up for 15 minutes (Maximum 0), or no data (the connection not reporting).
	for _, al := range []struct {
		suffix, statistic, comparison, what string
		threshold                           float64
	}{
		{"tunnel-degraded", "Minimum", "LessThanThreshold", "a tunnel has been down", 1},
		{"down", "Maximum", "LessThanOrEqualToThreshold", "every tunnel has been down", 0},
	} {
		if _, err = cloudwatch.NewMetricAlarm(b.ctx, b.n("vpn-%s-%s", g.Name, al.suffix), &cloudwatch.MetricAlarmArgs{
			AlarmDescription: pulumi.String(fmt.Sprintf(
				"The %s office VPN (%s) of %s: %s for 15 minutes.", g.Name, g.IPAddress, b.name, al.what)),
			Namespace:          pulumi.String("AWS/VPN"),
			MetricName:         pulumi.String("TunnelState"),
			Dimensions:         pulumi.StringMap{"VpnId": conn.ID().ToStringOutput()},
			Statistic:          pulumi.String(al.statistic),
			Period:             pulumi.Int(300),
			EvaluationPeriods:  pulumi.Int(3),
			ComparisonOperator: pulumi.String(al.comparison),
			Threshold:          pulumi.Float64(al.threshold),
			TreatMissingData:   pulumi.String("breaching"),
			AlarmActions:       pulumi.Array{b.args.AlarmTopicArn},
			OkActions:          pulumi.Array{b.args.AlarmTopicArn},
		}, b.parent); err != nil {
			return nil, err
		}
	}
	return conn, err
}

// officeSecurityGroup admits the office client CIDRs on the configured ports, and nothing
// else. Components attach it only where people in the office need to reach in (the private
// Kubernetes API endpoint, internal load balancers).
func (b *builder) officeSecurityGroup() error {
	var err error
	b.officeSG, err = ec2.NewSecurityGroup(b.ctx, b.n("office"), &ec2.SecurityGroupArgs{
		VpcId:       b.vpcRes.ID(),
		Description: pulumi.String("Admits the office networks over the site-to-site VPN"),
		Tags:        nameTag(b.n("office"), nil),
	}, b.parent)
	if err != nil {
		return err
	}
	return sgrules.Ingress(b.ctx, b.officeSG.ID(), officeRules(b.n, b.args.VPN), b.parent)
}
