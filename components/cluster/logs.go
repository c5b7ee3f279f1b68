package cluster

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ControlPlaneLogGroup is the log group EKS writes control-plane logs to. EKS creates it itself
// when it does not exist, unencrypted and never expiring, and it outlives the cluster (EKS user
// guide, control-plane-logs: "/aws/eks/<cluster-name>/cluster"). Declared first, it is encrypted
// with the cluster's key, keeps events for the configured days and goes with the stack.
func ControlPlaneLogGroup(clusterName string) string {
	return fmt.Sprintf("/aws/eks/%s/cluster", clusterName)
}

// controlPlaneLogGroup declares the log group before the cluster. The name is the cluster's name
// as this component gives it to pulumi-eks (Args name, not an output: the group must exist
// before the cluster does), and the cluster depends on the group.
func controlPlaneLogGroup(ctx *pulumi.Context, name string, args *Args, key *kms.Key, parent pulumi.ResourceOption) (*cloudwatch.LogGroup, error) {
	return cloudwatch.NewLogGroup(ctx, name+"-control-plane-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(ControlPlaneLogGroup(name)),
		RetentionInDays: pulumi.Int(args.ControlPlaneLogRetentionDays),
		KmsKeyId:        key.Arn,
	}, parent, pulumi.Protect(args.Scope.Protect))
}
