// Package peering is one cross-region VPC peering between two region stacks: the connection
// requested from one side, accepted by the other with the peer region's provider, DNS
// resolution across it on both sides once it is active, and a route to the other VPC's CIDR in
// every given route table of both sides. The global stack declares one per pair of regions.
package peering

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Type is the component's Pulumi type token.
const Type = "sovereign:peering:Peering"

// Side is one VPC of the pair, as its region stack exports it.
type Side struct {
	Code     string // region code, for names
	Region   string // AWS region name
	Provider pulumi.ProviderResource
	VpcID    pulumi.StringInput
	VpcCIDR  pulumi.StringInput
	// RouteTableIDs are the VPC's private and database route tables; RouteTables is how many
	// there are, known from the region's config, so that the routes are declared at preview.
	// A deployed stack exporting another number fails the update with a message.
	RouteTableIDs pulumi.StringArrayInput
	RouteTables   int
}

// Args configures the peering.
type Args struct {
	Requester, Accepter Side
}

// Peering is the component.
type Peering struct {
	pulumi.ResourceState

	ConnectionID pulumi.StringOutput `pulumi:"connectionId"`
	// Routes are the routes through the peering on both sides: traffic between the VPCs flows
	// once they exist. Depend on them (not on the component, whose children a dependent would
	// see only as far as they have registered).
	Routes []pulumi.Resource
}

// New declares the peering. The component takes no provider: each child names its side's.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Peering, error) {
	if err := args.check(); err != nil {
		return nil, fmt.Errorf("peering %s: %w", name, err)
	}
	p := &Peering{}
	if err := ctx.RegisterComponentResource(Type, name, p, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(p)
	req, acc := args.Requester, args.Accepter
	onRequester := []pulumi.ResourceOption{parent, pulumi.Provider(req.Provider)}
	onAccepter := []pulumi.ResourceOption{parent, pulumi.Provider(acc.Provider)}

	// Cross-region: autoAccept must stay unset on the request; the accepter accepts it in the
	// peer region. Same account, so no peerOwnerId.
	conn, err := ec2.NewVpcPeeringConnection(ctx, name, &ec2.VpcPeeringConnectionArgs{
		VpcId:      req.VpcID,
		PeerVpcId:  acc.VpcID,
		PeerRegion: pulumi.String(acc.Region),
		Tags:       pulumi.StringMap{"Name": pulumi.String(name)},
	}, onRequester...)
	if err != nil {
		return nil, err
	}
	accepter, err := ec2.NewVpcPeeringConnectionAccepter(ctx, name+"-accept", &ec2.VpcPeeringConnectionAccepterArgs{
		VpcPeeringConnectionId: conn.ID(),
		AutoAccept:             pulumi.Bool(true),
		Tags:                   pulumi.StringMap{"Name": pulumi.String(name)},
	}, onAccepter...)
	if err != nil {
		return nil, err
	}
	// Everything below names the connection through the accepter's output, so it waits for
	// the acceptance: options and routes on a pending connection are refused.
	active := accepter.VpcPeeringConnectionId

	if _, err := ec2.NewPeeringConnectionOptions(ctx, name+"-requester-dns", &ec2.PeeringConnectionOptionsArgs{
		VpcPeeringConnectionId: active,
		Requester:              &ec2.PeeringConnectionOptionsRequesterArgs{AllowRemoteVpcDnsResolution: pulumi.Bool(true)},
	}, onRequester...); err != nil {
		return nil, err
	}
	if _, err := ec2.NewPeeringConnectionOptions(ctx, name+"-accepter-dns", &ec2.PeeringConnectionOptionsArgs{
		VpcPeeringConnectionId: active,
		Accepter:               &ec2.PeeringConnectionOptionsAccepterArgs{AllowRemoteVpcDnsResolution: pulumi.Bool(true)},
	}, onAccepter...); err != nil {
		return nil, err
	}

	out, err := routes(ctx, name, req, acc.VpcCIDR, active, onRequester)
	if err != nil {
		return nil, err
	}
	back, err := routes(ctx, name, acc, req.VpcCIDR, active, onAccepter)
	if err != nil {
		return nil, err
	}
	p.Routes = append(out, back...)

	p.ConnectionID = active
	return p, ctx.RegisterResourceOutputs(p, pulumi.Map{"connectionId": p.ConnectionID})
}

// routes sends the peer's CIDR through the peering from every route table of one side.
func routes(ctx *pulumi.Context, name string, side Side, peerCIDR pulumi.StringInput, connection pulumi.StringOutput, opts []pulumi.ResourceOption) ([]pulumi.Resource, error) {
	var out []pulumi.Resource
	tables := side.RouteTableIDs.ToStringArrayOutput()
	for i := 0; i < side.RouteTables; i++ {
		table := tables.ApplyT(func(ids []string) (string, error) {
			if len(ids) != side.RouteTables {
				return "", fmt.Errorf("region %s exports %d route tables, its config plans %d: deploy the region stack first", side.Code, len(ids), side.RouteTables)
			}
			return ids[i], nil
		}).(pulumi.StringOutput)
		r, err := ec2.NewRoute(ctx, fmt.Sprintf("%s-%s-rt%d", name, side.Code, i), &ec2.RouteArgs{
			RouteTableId:           table,
			DestinationCidrBlock:   peerCIDR,
			VpcPeeringConnectionId: connection,
		}, opts...)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// check refuses Args that would declare a half mesh.
func (a *Args) check() error {
	for _, s := range []struct {
		role string
		side Side
	}{{"requester", a.Requester}, {"accepter", a.Accepter}} {
		if s.side.Code == "" || s.side.Region == "" || s.side.Provider == nil {
			return fmt.Errorf("%s: a region code, AWS region and provider are required", s.role)
		}
		if s.side.VpcID == nil || s.side.VpcCIDR == nil || s.side.RouteTableIDs == nil {
			return fmt.Errorf("%s %s: VPC id, CIDR and route tables are required", s.role, s.side.Code)
		}
		if s.side.RouteTables < 1 {
			return fmt.Errorf("%s %s: no route tables to route through the peering", s.role, s.side.Code)
		}
	}
	if a.Requester.Code == a.Accepter.Code {
		return fmt.Errorf("a region cannot peer with itself (%s)", a.Requester.Code)
	}
	return nil
}
