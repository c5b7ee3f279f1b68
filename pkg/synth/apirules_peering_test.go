package synth

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// peeringFixture requests a peering from eu-west-1 to us-east-1 and lets each field break one
// thing AWS refuses.
type peeringFixture struct {
	autoAccept          bool // cross-region request with autoAccept
	accepterInRequester bool // accepter on the requester's provider
	optionsOnRequest    bool // options named by the request's id, not the accepter's output
	accepterOptsInWest  bool // accepter-side options set from the requester's region
	routeInThirdRegion  bool // a route through the peering in a region of neither side
}

func (f peeringFixture) program(ctx *pulumi.Context) error {
	provider := func(name, region string) (pulumi.ResourceOption, error) {
		p, err := aws.NewProvider(ctx, name, &aws.ProviderArgs{Region: pulumi.String(region)})
		return pulumi.Provider(p), err
	}
	west, err := provider("west", "eu-west-1")
	if err != nil {
		return err
	}
	east, err := provider("east", "us-east-1")
	if err != nil {
		return err
	}
	third, err := provider("third", "ap-southeast-2")
	if err != nil {
		return err
	}
	req := &ec2.VpcPeeringConnectionArgs{VpcId: pulumi.String("vpc-0a"), PeerVpcId: pulumi.String("vpc-0b"), PeerRegion: pulumi.String("us-east-1")}
	if f.autoAccept {
		req.AutoAccept = pulumi.Bool(true)
	}
	conn, err := ec2.NewVpcPeeringConnection(ctx, "pcx", req, west)
	if err != nil {
		return err
	}
	accepterOpt := east
	if f.accepterInRequester {
		accepterOpt = west
	}
	acc, err := ec2.NewVpcPeeringConnectionAccepter(ctx, "pcx", &ec2.VpcPeeringConnectionAccepterArgs{
		VpcPeeringConnectionId: conn.ID(), AutoAccept: pulumi.Bool(true)}, accepterOpt)
	if err != nil {
		return err
	}
	active := acc.VpcPeeringConnectionId
	if f.optionsOnRequest {
		active = conn.ID().ToStringOutput()
	}
	if _, err := ec2.NewPeeringConnectionOptions(ctx, "requester", &ec2.PeeringConnectionOptionsArgs{VpcPeeringConnectionId: active,
		Requester: &ec2.PeeringConnectionOptionsRequesterArgs{AllowRemoteVpcDnsResolution: pulumi.Bool(true)}}, west); err != nil {
		return err
	}
	accOptsIn := east
	if f.accepterOptsInWest {
		accOptsIn = west
	}
	if _, err := ec2.NewPeeringConnectionOptions(ctx, "accepter", &ec2.PeeringConnectionOptionsArgs{VpcPeeringConnectionId: active,
		Accepter: &ec2.PeeringConnectionOptionsAccepterArgs{AllowRemoteVpcDnsResolution: pulumi.Bool(true)}}, accOptsIn); err != nil {
		return err
	}
	routeIn := west
	if f.routeInThirdRegion {
		routeIn = third
	}
	_, err = ec2.NewRoute(ctx, "to-east", &ec2.RouteArgs{RouteTableId: pulumi.String("rtb-0a"),
		DestinationCidrBlock: pulumi.String("10.2.0.0/16"), VpcPeeringConnectionId: active}, routeIn)
	return err
}

func TestPeeringRules(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    peeringFixture
		want string
	}{
		{"valid", peeringFixture{}, ""},
		{"auto-accept across regions", peeringFixture{autoAccept: true}, "autoAccept on a cross-region request"},
		{"accepter in the requester's region", peeringFixture{accepterInRequester: true}, "visible only in its peer region us-east-1"},
		{"options before acceptance", peeringFixture{optionsOnRequest: true}, "is pending acceptance until its VpcPeeringConnectionAccepter exists"},
		{"accepter options from the requester's region", peeringFixture{accepterOptsInWest: true}, "accepter options of"},
		{"route in a third region", peeringFixture{routeInThirdRegion: true}, "in a route table of ap-southeast-2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Run(tc.f.program, "test", nil, nil)
			switch {
			case tc.want == "" && err != nil:
				t.Fatal(err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}
