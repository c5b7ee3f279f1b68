package statebackend

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/pkg/bootstrap"
)

// Program is the inline Pulumi program of `sovereign bootstrap`: one explicit aws provider per
// region (each refusing any account but the configured one), the state backend, and its
// outputs under the names of pkg/bootstrap. c must be validated.
func Program(c *bootstrap.Config) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		provider := func(region string) (*aws.Provider, error) {
			return aws.NewProvider(ctx, "aws-"+region, &aws.ProviderArgs{
				Region:            pulumi.String(region),
				AllowedAccountIds: pulumi.StringArray{pulumi.String(c.AccountID)},
				DefaultTags: &aws.ProviderDefaultTagsArgs{Tags: pulumi.StringMap{
					"project":    pulumi.String("global-sovereign"),
					"managed-by": pulumi.String("sovereign-bootstrap"),
				}},
			})
		}
		primary, err := provider(c.Region)
		if err != nil {
			return err
		}
		replica, err := provider(c.ReplicaRegion)
		if err != nil {
			return err
		}
		sb, err := New(ctx, "state", ArgsFrom(c, primary, replica))
		if err != nil {
			return err
		}
		ctx.Export(bootstrap.OutputBackendURL, sb.BackendURL)
		ctx.Export(bootstrap.OutputSecretsProvider, sb.SecretsProvider)
		ctx.Export(bootstrap.OutputBucket, sb.Bucket)
		ctx.Export(bootstrap.OutputReplicaBucket, sb.ReplicaBucket)
		ctx.Export(bootstrap.OutputSecretsKeyArn, sb.SecretsKeyArn)
		ctx.Export(bootstrap.OutputOIDCProviderArn, sb.OIDCProviderArn)
		ctx.Export(bootstrap.OutputPreviewRoleArn, sb.PreviewRoleArn)
		ctx.Export(bootstrap.OutputDriftRoleArn, sb.DriftRoleArn)
		ctx.Export(bootstrap.OutputDeployRoleArn, sb.DeployRoleArn)
		ctx.Export(bootstrap.OutputSecretsReplicaProvider, sb.SecretsReplicaProvider)
		return nil
	}
}
