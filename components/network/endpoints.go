package network

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// s3Endpoint routes the private and database tiers' S3 traffic through a gateway endpoint
// instead of the NAT gateways: no NAT data-processing charge for the tenants' buckets, backups
// and image layers (ECR serves layers from S3), and the traffic stays on AWS's network. A
// gateway endpoint adds the region's S3 prefix list to the route tables; the addresses are
// still S3's public ones on 443, so the tenants' network policy that allows HTTPS outside the
// private ranges keeps working unchanged. Its policy is AWS's default (full access): images
// come from AWS-owned buckets, so a policy limited to this account's buckets would break pulls.
func (b *builder) s3Endpoint() error {
	ids := make(pulumi.StringArray, len(b.privateRouteTables))
	for i, rt := range b.privateRouteTables {
		ids[i] = rt.ID()
	}
	_, err := ec2.NewVpcEndpoint(b.ctx, b.n("s3"), &ec2.VpcEndpointArgs{
		VpcId:           b.vpcRes.ID(),
		ServiceName:     pulumi.String(fmt.Sprintf("com.amazonaws.%s.s3", b.args.Scope.Region)),
		VpcEndpointType: pulumi.String("Gateway"),
		RouteTableIds:   ids,
		Tags:            nameTag(b.n("s3"), nil),
	}, b.parent)
	return err
}
