package network_test

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/network"
	"github.com/global-sovereign/global-sovereign/pkg/netplan"
	"github.com/global-sovereign/global-sovereign/pkg/scope"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

const (
	tVPC      = "aws:ec2/vpc:Vpc"
	tSubnet   = "aws:ec2/subnet:Subnet"
	tNAT      = "aws:ec2/natGateway:NatGateway"
	tEIP      = "aws:ec2/eip:Eip"
	tRoute    = "aws:ec2/route:Route"
	tRT       = "aws:ec2/routeTable:RouteTable"
	tAssoc    = "aws:ec2/routeTableAssociation:RouteTableAssociation"
	tVGW      = "aws:ec2/vpnGateway:VpnGateway"
	tProp     = "aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation"
	tCGW      = "aws:ec2/customerGateway:CustomerGateway"
	tVPN      = "aws:ec2/vpnConnection:VpnConnection"
	tVPNRoute = "aws:ec2/vpnConnectionRoute:VpnConnectionRoute"
	tAlarm    = "aws:cloudwatch/metricAlarm:MetricAlarm"
	tRule     = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	tFlowLog  = "aws:ec2/flowLog:FlowLog"
	tLogGroup = "aws:cloudwatch/logGroup:LogGroup"
)

func asn(v int64) *int64 { return &v }

func args(vpc string, azs []string, natPerAZ bool, vpn *network.VPNArgs) *network.Args {
	plan, err := netplan.Compute(netip.MustParsePrefix(vpc), len(azs))
	if err != nil {
		panic(err)
	}
	return &network.Args{
		Scope:   scope.Scope{Region: "eu-west-1", AccountID: "123456789012", Partition: "aws", Protect: true},
		VPCCIDR: vpc, AvailabilityZones: azs, Subnets: plan, NATPerAZ: natPerAZ,
		FlowLogRetentionDays: 365, FlowLogTrafficType: "ALL",
		VPN:           vpn,
		AlarmTopicArn: pulumi.String("arn:aws:sns:eu-west-1:123456789012:alerts"),
	}
}

var office = []network.Gateway{
	{Name: "primary", IPAddress: "178.162.141.150", ClientCIDRs: []string{"178.162.141.130/32"},
		TunnelInsideCIDRs: [2]string{"169.254.8.32/30", "169.254.8.36/30"}},
	{Name: "secondary", IPAddress: "165.90.14.138", ClientCIDRs: []string{"165.90.14.138/32", "165.90.15.0/24"},
		TunnelInsideCIDRs: [2]string{"169.254.8.40/30", "169.254.8.44/30"}},
}

// synthNetwork declares one network with an explicit eu-west-1 provider and returns its graph.
func synthNetwork(t *testing.T, a *network.Args) *synth.Graph {
	t.Helper()
	prog := func(ctx *pulumi.Context) error {
		p, err := aws.NewProvider(ctx, "aws-eu-west-1", &aws.ProviderArgs{Region: pulumi.String("eu-west-1")})
		if err != nil {
			return err
		}
		n, err := network.New(ctx, "gs-test", a, pulumi.Provider(p))
		if err != nil {
			return err
		}
		ctx.Export("vpcId", n.VpcID)
		ctx.Export("privateRouteTableIds", n.PrivateRouteTableIDs)
		ctx.Export("vpnConnections", n.VpnConnections)
		return nil
	}
	r, err := synth.Run(prog, "test", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r.Graph
}

func TestNetworkShape(t *testing.T) {
	tests := []struct {
		name         string
		args         *network.Args
		azs          int
		nats         int
		gateways     int
		staticRoutes int
		bgp          string // expected customer gateway bgpAsn input ("" for static)
		bgpExtended  string
	}{
		{
			name: "three AZs, NAT per AZ, BGP",
			args: args("10.1.0.0/16", []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}, true,
				&network.VPNArgs{BGPASN: asn(65000), AmazonSideASN: 64512, Gateways: office, OfficeIngressPorts: []int{443}}),
			azs: 3, nats: 3, gateways: 2, bgp: "65000",
		},
		{
			name: "two AZs, one NAT, static routes",
			args: args("10.5.0.0/16", []string{"eu-west-1a", "eu-west-1c"}, false,
				&network.VPNArgs{AmazonSideASN: 64512, Gateways: office, OfficeIngressPorts: []int{443, 22}}),
			azs: 2, nats: 1, gateways: 2, staticRoutes: 3,
		},
		{
			name: "4-byte private ASN goes to bgpAsnExtended",
			args: args("10.7.0.0/16", []string{"eu-west-1a", "eu-west-1b"}, true,
				&network.VPNArgs{BGPASN: asn(4200000001), AmazonSideASN: 64512, Gateways: office[:1], OfficeIngressPorts: []int{443}}),
			azs: 2, nats: 2, gateways: 1, bgpExtended: "4200000001",
		},
		{
			name: "no VPN",
			args: args("10.8.0.0/16", []string{"eu-west-1a", "eu-west-1b"}, true, nil),
			azs:  2, nats: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := synthNetwork(t, tt.args)
			count := func(typ string) int { return len(g.ByType(typ)) }

			// Every AWS resource is a child of the component and uses the explicit provider.
			comp := g.ByType(network.Type)
			if len(comp) != 1 {
				t.Fatalf("%d network components", len(comp))
			}
			for _, r := range g.Resources {
				if !strings.HasPrefix(r.Type, "aws:") {
					continue
				}
				if r.Parent != comp[0].URN {
					t.Errorf("%s is not a child of the component (parent %s)", r.Name, r.Parent)
				}
				if !strings.HasSuffix(r.Provider, "pulumi:providers:aws::aws-eu-west-1") {
					t.Errorf("%s provider %q", r.Name, r.Provider)
				}
			}

			// Subnets: one per AZ and tier, with the planned CIDRs, in the right AZs.
			if got := count(tSubnet); got != 3*tt.azs {
				t.Fatalf("%d subnets, want %d", got, 3*tt.azs)
			}
			plan := tt.args.Subnets
			want := map[string]string{}
			for i, az := range tt.args.AvailabilityZones {
				want["gs-test-public-"+az] = plan.Public[i].String()
				want["gs-test-private-"+az] = plan.Private[i].String()
				want["gs-test-database-"+az] = plan.Database[i].String()
			}
			for _, s := range g.ByType(tSubnet) {
				if s.Inputs["cidrBlock"] != want[s.Name] {
					t.Errorf("%s cidr %v, want %s", s.Name, s.Inputs["cidrBlock"], want[s.Name])
				}
				if !strings.HasSuffix(s.Name, s.Inputs["availabilityZone"].(string)) {
					t.Errorf("%s in AZ %v", s.Name, s.Inputs["availabilityZone"])
				}
				if s.Inputs["mapPublicIpOnLaunch"] != false {
					t.Errorf("%s maps public IPs", s.Name)
				}
				tags := s.Inputs["tags"].(map[string]any)
				switch {
				case strings.Contains(s.Name, "-public-") && tags["kubernetes.io/role/elb"] != "1":
					t.Errorf("%s lacks the elb tag", s.Name)
				case strings.Contains(s.Name, "-private-") && tags["kubernetes.io/role/internal-elb"] != "1":
					t.Errorf("%s lacks the internal-elb tag", s.Name)
				}
			}

			// NAT gateways in public subnets; each private route table's default route goes to
			// the NAT of its own AZ (or the only one); the database table has no default route.
			if count(tNAT) != tt.nats || count(tEIP) != tt.nats {
				t.Errorf("%d NAT gateways and %d EIPs, want %d", count(tNAT), count(tEIP), tt.nats)
			}
			routes := g.ByType(tRoute)
			if len(routes) != 1+tt.azs {
				t.Errorf("%d routes, want %d (public + one per private table)", len(routes), 1+tt.azs)
			}
			natCount := map[any]int{}
			for _, r := range routes {
				if r.Inputs["destinationCidrBlock"] != "0.0.0.0/0" {
					t.Errorf("%s to %v", r.Name, r.Inputs["destinationCidrBlock"])
				}
				switch {
				case r.Name == "gs-test-public-default":
					if !strings.HasPrefix(r.Inputs["gatewayId"].(string), "igw-") {
						t.Errorf("public default route via %v", r.Inputs["gatewayId"])
					}
				case strings.HasPrefix(r.Name, "gs-test-private-default-"):
					natCount[r.Inputs["natGatewayId"]]++
				default:
					t.Errorf("unexpected route %s", r.Name)
				}
			}
			if len(natCount) != tt.nats {
				t.Errorf("private routes use %d NAT gateways, want %d", len(natCount), tt.nats)
			}
			// Counting NATs does not see a private table routed through another AZ's NAT; follow
			// the ids: subnet -> association -> table -> route -> NAT gateway -> its subnet's AZ.
			for _, p := range synth.EgressProblems(g, tt.azs, !tt.args.NATPerAZ) {
				t.Error(p)
			}
			if count(tRT) != 1+tt.azs+1 || count(tAssoc) != 3*tt.azs {
				t.Errorf("%d route tables, %d associations", count(tRT), count(tAssoc))
			}

			// Flow logs to an encrypted, protected log group.
			if count(tFlowLog) != 1 || count(tLogGroup) != 1 {
				t.Errorf("%d flow logs, %d log groups; want 1 each", count(tFlowLog), count(tLogGroup))
			}
			for _, lg := range g.ByType(tLogGroup) {
				if lg.Inputs["kmsKeyId"] == nil || !lg.Protect || lg.Inputs["retentionInDays"] != float64(365) {
					t.Errorf("log group %s: %v protect=%v", lg.Name, lg.Inputs, lg.Protect)
				}
			}
			// The delivery role may list the account's log groups (a list call, refused when scoped
			// to one group) and write streams and events into its own group only.
			flowPolicies := 0
			for _, rp := range g.ByType("aws:iam/rolePolicy:RolePolicy") {
				if !strings.Contains(rp.Name, "flow-logs") {
					continue
				}
				flowPolicies++
				pol := rp.Inputs["policy"].(string)
				if !strings.Contains(pol, `"Action":["logs:DescribeLogGroups"],"Resource":["arn:aws:logs:eu-west-1:123456789012:log-group:*"]`) ||
					!strings.Contains(pol, `"logs:CreateLogStream","logs:PutLogEvents","logs:DescribeLogStreams"`) {
					t.Errorf("flow-log role policy %s", pol)
				}
			}
			if flowPolicies != 1 {
				t.Errorf("%d flow-log role policies", flowPolicies)
			}

			// VPN: gateway, propagation into every non-public table, gateways and connections.
			if tt.gateways == 0 {
				for _, typ := range []string{tVGW, tCGW, tVPN, tProp, tAlarm, tRule} {
					if count(typ) != 0 {
						t.Errorf("no VPN configured, but %d %s", count(typ), typ)
					}
				}
				return
			}
			if count(tVGW) != 1 || count(tProp) != tt.azs+1 {
				t.Errorf("%d VPN gateways, %d propagations (want 1, %d)", count(tVGW), count(tProp), tt.azs+1)
			}
			if count(tCGW) != tt.gateways || count(tVPN) != tt.gateways || count(tAlarm) != 2*tt.gateways {
				t.Errorf("%d CGWs, %d connections, %d alarms; want %d each (two alarms)", count(tCGW), count(tVPN), count(tAlarm), tt.gateways)
			}
			for _, c := range g.ByType(tCGW) {
				if c.Inputs["bgpAsn"] != nilIfEmpty(tt.bgp) || c.Inputs["bgpAsnExtended"] != nilIfEmpty(tt.bgpExtended) {
					t.Errorf("%s bgpAsn %v extended %v", c.Name, c.Inputs["bgpAsn"], c.Inputs["bgpAsnExtended"])
				}
			}
			static := tt.bgp == "" && tt.bgpExtended == ""
			for _, v := range g.ByType(tVPN) {
				if v.Inputs["staticRoutesOnly"] != static {
					t.Errorf("%s staticRoutesOnly %v, want %v", v.Name, v.Inputs["staticRoutesOnly"], static)
				}
				// The inside CIDRs are pinned: the gateway's own, never left to AWS.
				var gw network.Gateway
				for _, o := range office {
					if strings.HasSuffix(v.Name, "-vpn-"+o.Name) {
						gw = o
					}
				}
				if gw.Name == "" || v.Inputs["tunnel1InsideCidr"] != gw.TunnelInsideCIDRs[0] || v.Inputs["tunnel2InsideCidr"] != gw.TunnelInsideCIDRs[1] {
					t.Errorf("%s inside CIDRs %v %v, want %v", v.Name, v.Inputs["tunnel1InsideCidr"], v.Inputs["tunnel2InsideCidr"], gw.TunnelInsideCIDRs)
				}
				if v.Inputs["tunnel1IkeVersions"].([]any)[0] != "ikev2" {
					t.Errorf("%s IKE %v", v.Name, v.Inputs["tunnel1IkeVersions"])
				}
				if strings.Join(v.AdditionalSecretOutputs, ",") != "customerGatewayConfiguration,tunnel1PresharedKey,tunnel2PresharedKey" {
					t.Errorf("%s secret outputs %v", v.Name, v.AdditionalSecretOutputs)
				}
			}
			if count(tVPNRoute) != tt.staticRoutes {
				t.Errorf("%d static routes, want %d", count(tVPNRoute), tt.staticRoutes)
			}
			// Degraded (a tunnel down) and down (none up) are separate alarms per connection, so a
			// total outage notifies even while one tunnel has long been down.
			kinds := map[string]int{}
			for _, a := range g.ByType(tAlarm) {
				if a.Inputs["metricName"] != "TunnelState" || a.Inputs["namespace"] != "AWS/VPN" ||
					!strings.HasPrefix(a.Inputs["dimensions"].(map[string]any)["VpnId"].(string), "vpn-") || a.Inputs["treatMissingData"] != "breaching" {
					t.Errorf("alarm %s: %v", a.Name, a.Inputs)
				}
				switch k := fmt.Sprint(a.Inputs["statistic"], " ", a.Inputs["comparisonOperator"], " ", a.Inputs["threshold"]); k {
				case "Minimum LessThanThreshold 1", "Maximum LessThanOrEqualToThreshold 0":
					kinds[k]++
				default:
					t.Errorf("alarm %s: %s", a.Name, k)
				}
			}
			if kinds["Minimum LessThanThreshold 1"] != tt.gateways || kinds["Maximum LessThanOrEqualToThreshold 0"] != tt.gateways {
				t.Errorf("VPN alarms %v, want degraded and down per connection", kinds)
			}
			// The office security group admits exactly the client CIDRs on the configured ports.
			var cidrs int
			for _, gw := range tt.args.VPN.Gateways {
				cidrs += len(gw.ClientCIDRs)
			}
			if got, want := count(tRule), cidrs*len(tt.args.VPN.OfficeIngressPorts); got != want {
				t.Errorf("%d office rules, want %d", got, want)
			}
			for _, r := range g.ByType(tRule) {
				if c := r.Inputs["cidrIpv4"]; c == "0.0.0.0/0" {
					t.Errorf("%s open to the world", r.Name)
				}
			}
		})
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Outputs carry the mock's AWS ids through the component to the stack.
func TestNetworkOutputs(t *testing.T) {
	g := synthNetwork(t, args("10.1.0.0/16", []string{"eu-west-1a", "eu-west-1b"}, true,
		&network.VPNArgs{BGPASN: asn(65000), AmazonSideASN: 64512, Gateways: office, OfficeIngressPorts: []int{443}}))
	vpcID := g.Outputs["vpcId"].(string)
	if vpc := g.ByType(tVPC); len(vpc) != 1 || !strings.HasPrefix(vpcID, "vpc-") {
		t.Fatalf("vpc %v, output %s", vpc, vpcID)
	}
	rts := g.Outputs["privateRouteTableIds"].([]any)
	if len(rts) != 3 {
		t.Errorf("private route tables %v: want 2 private + 1 database", rts)
	}
	conns := g.Outputs["vpnConnections"].(map[string]any)
	for _, name := range []string{"primary", "secondary"} {
		c, ok := conns[name].(map[string]any)
		if !ok || !strings.HasPrefix(c["id"].(string), "vpn-") || c["routing"] != "bgp" || c["tunnel1Address"] == "" {
			t.Errorf("vpn connection %s: %v", name, conns[name])
		}
	}
}

func TestNetworkRejectsInconsistentArgs(t *testing.T) {
	a := args("10.1.0.0/16", []string{"eu-west-1a", "eu-west-1b"}, true, nil)
	a.AvailabilityZones = append(a.AvailabilityZones, "eu-west-1c")
	prog := func(ctx *pulumi.Context) error {
		_, err := network.New(ctx, "gs-test", a)
		return err
	}
	if _, err := synth.Run(prog, "test", nil, nil); err == nil || !strings.Contains(err.Error(), "for 3 AZs") {
		t.Errorf("want a clear error, got %v", err)
	}
}

// A VPN connection without pinned tunnel inside CIDRs would get random ones from AWS, unique
// only per region: refused, as is one /30 for both tunnels.
func TestNetworkRefusesUnpinnedTunnels(t *testing.T) {
	for _, cidrs := range [][2]string{{}, {"169.254.8.32/30", ""}, {"169.254.8.32/30", "169.254.8.32/30"}} {
		gw := office[0]
		gw.TunnelInsideCIDRs = cidrs
		a := args("10.1.0.0/16", []string{"eu-west-1a", "eu-west-1b"}, true,
			&network.VPNArgs{BGPASN: asn(65000), AmazonSideASN: 64512, Gateways: []network.Gateway{gw}, OfficeIngressPorts: []int{443}})
		_, err := synth.RunComponent("eu-west-1", func(ctx *pulumi.Context, p pulumi.ProviderResource) error {
			_, err := network.New(ctx, "gs-test", a, pulumi.Provider(p))
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "two distinct tunnel inside CIDRs are required") {
			t.Errorf("%v: want a clear error, got %v", cidrs, err)
		}
	}
}

// A VPN connection is replaced when its tunnel inside CIDRs change (terraform-provider-aws:
// tunnel1_inside_cidr and tunnel2_inside_cidr are ForceNew; issue #45663), which also happens on
// the first `up` that pins them on a connection created with AWS's random /30s. The old one is
// deleted first: the replacement gets new keys and addresses anyway (the office is configured
// again), and a second connection on the same customer gateway and virtual private gateway
// beside the first is not something AWS is known to create (terraform#17631 reports the first
// one destroyed when a second was declared on the same pair).
func TestVpnConnectionsDeleteBeforeReplace(t *testing.T) {
	g := synthNetwork(t, args("10.1.0.0/16", []string{"eu-west-1a", "eu-west-1b"}, true,
		&network.VPNArgs{BGPASN: asn(65000), AmazonSideASN: 64512, Gateways: office, OfficeIngressPorts: []int{443}}))
	conns := g.ByType(tVPN)
	if len(conns) != len(office) {
		t.Fatalf("%d VPN connections, want %d", len(conns), len(office))
	}
	for _, c := range conns {
		if !c.DeleteBeforeReplace {
			t.Errorf("%s is replaced create-before-delete: want deleteBeforeReplace", c.Name)
		}
	}
}

// The Cassandra tier: with Args.Cassandra one subnet per AZ at its planned CIDR (inside the tier
// that holds nothing else), tagged without any load balancer role, each associated with its
// AZ's private route table (its NAT gateway, peering routes and the S3 endpoint); none without.
func TestNetworkCassandraTier(t *testing.T) {
	azs := []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}
	for _, withDC := range []bool{false, true} {
		a := args("10.1.0.0/16", azs, true, nil)
		a.Cassandra = withDC
		g := synthNetwork(t, a)
		var subnets []synth.Resource
		for _, s := range g.ByType(tSubnet) {
			if s.Inputs["tags"].(map[string]any)["tier"] == "cassandra" {
				subnets = append(subnets, s)
			}
		}
		if !withDC {
			if len(subnets) != 0 {
				t.Errorf("Cassandra subnets without a datacenter: %d", len(subnets))
			}
			continue
		}
		if len(subnets) != len(azs) {
			t.Fatalf("%d Cassandra subnets, want %d", len(subnets), len(azs))
		}
		for i, az := range azs {
			s, ok := g.Named(tSubnet, "gs-test-cassandra-"+az)
			if !ok || s.Inputs["cidrBlock"] != a.Subnets.Cassandra[i].String() || s.Inputs["availabilityZone"] != az ||
				!netplan.Contains(a.Subnets.CassandraTier, a.Subnets.Cassandra[i]) {
				t.Errorf("Cassandra subnet of %s: %v", az, s.Inputs)
			}
			for k := range s.Inputs["tags"].(map[string]any) {
				if strings.HasPrefix(k, "kubernetes.io/role/") {
					t.Errorf("Cassandra subnet of %s carries a load balancer role tag %s", az, k)
				}
			}
			assoc, ok := g.Named(tAssoc, "gs-test-cassandra-"+az)
			rt, _ := g.Named(tRT, "gs-test-private-rt-"+az)
			if !ok || fmt.Sprint(assoc.Inputs["routeTableId"]) != rt.ID || assoc.Inputs["subnetId"] != s.ID {
				t.Errorf("Cassandra subnet of %s associated %v, want the AZ's private route table %s", az, assoc.Inputs, rt.ID)
			}
		}
	}
}

// Two gateways routing one office network give one office rule per port, named by the network;
// the static routes are named by network too, so removing one renames no other.
func TestOfficeRulesOncePerNetwork(t *testing.T) {
	shared := []network.Gateway{
		{Name: "primary", IPAddress: "178.162.141.150", ClientCIDRs: []string{"178.162.141.130/32", "165.90.15.0/24"},
			TunnelInsideCIDRs: [2]string{"169.254.8.32/30", "169.254.8.36/30"}},
		{Name: "secondary", IPAddress: "165.90.14.138", ClientCIDRs: []string{"165.90.15.0/24"},
			TunnelInsideCIDRs: [2]string{"169.254.8.40/30", "169.254.8.44/30"}},
	}
	g := synthNetwork(t, args("10.1.0.0/16", []string{"eu-west-1a", "eu-west-1b"}, true,
		&network.VPNArgs{AmazonSideASN: 64512, Gateways: shared, OfficeIngressPorts: []int{443}}))
	perCIDR := map[string]int{}
	for _, r := range g.ByType(tRule) {
		if c, _ := r.Inputs["cidrIpv4"].(string); strings.Contains(r.Name, "-office-") {
			perCIDR[c]++
			if !strings.Contains(r.Name, strings.NewReplacer(".", "-", "/", "-").Replace(c)) {
				t.Errorf("office rule %s is not named by its network %s", r.Name, c)
			}
		}
	}
	if len(perCIDR) != 2 || perCIDR["165.90.15.0/24"] != 1 || perCIDR["178.162.141.130/32"] != 1 {
		t.Errorf("office rules per network %v, want one each", perCIDR)
	}
	for _, r := range g.ByType(tVPNRoute) {
		if !strings.Contains(r.Name, strings.NewReplacer(".", "-", "/", "-").Replace(fmt.Sprint(r.Inputs["destinationCidrBlock"]))) {
			t.Errorf("VPN route %s is not named by its network %v", r.Name, r.Inputs["destinationCidrBlock"])
		}
	}
}
