package peering_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/peering"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

// fixture peers eu-west-1 (4 route tables) with us-east-1 (3) and lets edit break the Args.
func fixture(edit func(*peering.Args)) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		west, err := aws.NewProvider(ctx, "west", &aws.ProviderArgs{Region: pulumi.String("eu-west-1")})
		if err != nil {
			return err
		}
		east, err := aws.NewProvider(ctx, "east", &aws.ProviderArgs{Region: pulumi.String("us-east-1")})
		if err != nil {
			return err
		}
		args := &peering.Args{
			Requester: peering.Side{Code: "ams", Region: "eu-west-1", Provider: west, VpcID: pulumi.String("vpc-0a"), VpcCIDR: pulumi.String("10.1.0.0/16"),
				RouteTableIDs: pulumi.ToStringArray([]string{"rtb-a1", "rtb-a2", "rtb-a3", "rtb-adb"}), RouteTables: 4},
			Accepter: peering.Side{Code: "iad", Region: "us-east-1", Provider: east, VpcID: pulumi.String("vpc-0b"), VpcCIDR: pulumi.String("10.2.0.0/16"),
				RouteTableIDs: pulumi.ToStringArray([]string{"rtb-b1", "rtb-b2", "rtb-bdb"}), RouteTables: 3},
		}
		if edit != nil {
			edit(args)
		}
		p, err := peering.New(ctx, "peer-ams-iad", args)
		if err != nil {
			return err
		}
		ctx.Export("id", p.ConnectionID)
		return nil
	}
}

func TestPeering(t *testing.T) {
	r, err := synth.Run(fixture(nil), "test", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := r.Graph
	regionOf := map[string]string{}
	for _, p := range g.ByType("pulumi:providers:aws") {
		regionOf[p.URN] = p.Inputs["region"].(string)
	}
	for _, tc := range []struct {
		typ    string
		count  int
		region func(synth.Resource) string
	}{
		{"aws:ec2/vpcPeeringConnection:VpcPeeringConnection", 1, func(synth.Resource) string { return "eu-west-1" }},
		{"aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter", 1, func(synth.Resource) string { return "us-east-1" }},
		{"aws:ec2/peeringConnectionOptions:PeeringConnectionOptions", 2, func(r synth.Resource) string {
			if r.Inputs["requester"] != nil {
				return "eu-west-1"
			}
			return "us-east-1"
		}},
		{"aws:ec2/route:Route", 7, func(r synth.Resource) string {
			if strings.HasPrefix(r.Inputs["routeTableId"].(string), "rtb-a") {
				return "eu-west-1"
			}
			return "us-east-1"
		}},
	} {
		rs := g.ByType(tc.typ)
		if len(rs) != tc.count {
			t.Errorf("%d %s, want %d", len(rs), tc.typ, tc.count)
		}
		for _, res := range rs {
			if got := regionOf[res.Provider]; got != tc.region(res) {
				t.Errorf("%s in %s, want %s", res.Name, got, tc.region(res))
			}
			if !strings.HasSuffix(res.Parent, "sovereign:peering:Peering::peer-ams-iad") {
				t.Errorf("%s is not parented to the component", res.Name)
			}
		}
	}
	conn := g.ByType("aws:ec2/vpcPeeringConnection:VpcPeeringConnection")[0]
	if conn.Inputs["peerRegion"] != "us-east-1" || conn.Inputs["peerVpcId"] != "vpc-0b" || conn.Inputs["autoAccept"] != nil {
		t.Errorf("request: %v", conn.Inputs)
	}
	for _, rt := range g.ByType("aws:ec2/route:Route") {
		want := "10.2.0.0/16"
		if strings.HasPrefix(rt.Inputs["routeTableId"].(string), "rtb-b") {
			want = "10.1.0.0/16"
		}
		if rt.Inputs["destinationCidrBlock"] != want || rt.Inputs["vpcPeeringConnectionId"] != r.Graph.Outputs["id"] {
			t.Errorf("route %s: %v", rt.Name, rt.Inputs)
		}
	}
	if !strings.HasPrefix(r.Graph.Outputs["id"].(string), "pcx-") {
		t.Errorf("connection id %v", r.Graph.Outputs["id"])
	}
}

func TestPeeringRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*peering.Args)
		want string
	}{
		{"itself", func(a *peering.Args) { a.Accepter.Code = "ams" }, "cannot peer with itself"},
		{"no provider", func(a *peering.Args) { a.Accepter.Provider = nil }, "accepter: a region code, AWS region and provider are required"},
		{"no CIDR", func(a *peering.Args) { a.Requester.VpcCIDR = nil }, "requester ams: VPC id, CIDR and route tables are required"},
		{"no route tables", func(a *peering.Args) { a.Accepter.RouteTables = 0 }, "no route tables"},
		{"exported tables differ from the plan", func(a *peering.Args) { a.Accepter.RouteTables = 4 }, "region iad exports 3 route tables, its config plans 4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := synth.Run(fixture(tc.edit), "test", nil, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}
