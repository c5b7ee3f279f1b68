package ingress

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
	"github.com/global-sovereign/global-sovereign/pkg/regions"
)

type logBucket struct {
	Bucket pulumi.StringOutput
	policy pulumi.Resource
}

// accessLogBucket is where the load balancer writes its access logs: private (all public access
// blocked, owner-enforced), encrypted (ALB log delivery supports SSE-S3 only), expiring after the
// configured days, writable only by the region's log delivery.
func accessLogBucket(ctx *pulumi.Context, name string, args *Args, parent pulumi.ResourceOption) (*logBucket, error) {
	// Auto-named, so a re-created stack never waits for the old name. A bucket holding objects
	// cannot be deleted: an unprotected (throwaway) stack empties it on destroy.
	bucket, err := s3.NewBucketV2(ctx, name, &s3.BucketV2Args{
		ForceDestroy: pulumi.Bool(!args.Scope.Protect),
	}, parent, pulumi.Protect(args.Scope.Protect))
	if err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketPublicAccessBlock(ctx, name, &s3.BucketPublicAccessBlockArgs{
		Bucket: bucket.ID(), BlockPublicAcls: pulumi.Bool(true), BlockPublicPolicy: pulumi.Bool(true),
		IgnorePublicAcls: pulumi.Bool(true), RestrictPublicBuckets: pulumi.Bool(true),
	}, parent); err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketOwnershipControls(ctx, name, &s3.BucketOwnershipControlsArgs{
		Bucket: bucket.ID(), Rule: &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, parent); err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name, &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm: pulumi.String("AES256"),
			},
		}},
	}, parent); err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, name, &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{s3.BucketLifecycleConfigurationV2RuleArgs{
			Id: pulumi.String("expire"), Status: pulumi.String("Enabled"),
			Filter:     &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
			Expiration: &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(args.AccessLogRetentionDays)},
		}},
	}, parent); err != nil {
		return nil, err
	}
	policyJSON := bucket.Arn.ApplyT(func(arn string) string {
		write := iampolicy.Allow("ELBLogDelivery", []string{"s3:PutObject"},
			[]string{arn + "/api/AWSLogs/" + args.Scope.AccountID + "/*"})
		if account, ok := regions.ELBLogAccount(args.Scope.Region); ok {
			write = write.ForAWS(args.Scope.AccountRoot(account))
		} else {
			write = write.ForService("logdelivery.elasticloadbalancing.amazonaws.com")
		}
		deny := iampolicy.Statement{Sid: "TLSOnly", Effect: "Deny", Principal: map[string][]string{"AWS": {"*"}},
			Action: []string{"s3:*"}, Resource: []string{arn, arn + "/*"},
			Condition: map[string]map[string]string{"Bool": {"aws:SecureTransport": "false"}}}
		return iampolicy.New(write, deny).JSON()
	}).(pulumi.StringOutput)
	policy, err := s3.NewBucketPolicy(ctx, name, &s3.BucketPolicyArgs{Bucket: bucket.ID(), Policy: policyJSON}, parent)
	if err != nil {
		return nil, err
	}
	return &logBucket{Bucket: bucket.Bucket, policy: policy}, nil
}
