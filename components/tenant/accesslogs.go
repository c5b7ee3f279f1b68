package tenant

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
)

// accessLogs records every request to the client's bucket (S3 server access logging) in a
// bucket of the client's own: who read or wrote which object, for audits and incidents. S3
// delivers the logs as the logging service principal, which the log bucket's policy admits for
// this source bucket and account only (S3 User Guide, "Enabling Amazon S3 server access logging":
// with object ownership enforced, ACL grants are ignored and the policy is what counts). A
// target bucket may use SSE-S3 only, not SSE-KMS. The logs expire after AccessLogDays.
func (b *builder) accessLogs() error {
	s, days := b.args.Scope, b.args.AccessLogDays
	if days == 0 {
		return nil
	}
	logs, err := s3.NewBucketV2(b.ctx, b.n("access-logs"), &s3.BucketV2Args{
		ForceDestroy: pulumi.Bool(!s.Protect),
	}, b.parent, pulumi.Protect(s.Protect))
	if err != nil {
		return err
	}
	id := logs.ID()
	access, err := s3.NewBucketPublicAccessBlock(b.ctx, b.n("access-logs"), &s3.BucketPublicAccessBlockArgs{
		Bucket: id, BlockPublicAcls: pulumi.Bool(true), BlockPublicPolicy: pulumi.Bool(true),
		IgnorePublicAcls: pulumi.Bool(true), RestrictPublicBuckets: pulumi.Bool(true),
	}, b.parent)
	if err != nil {
		return err
	}
	if _, err := s3.NewBucketOwnershipControls(b.ctx, b.n("access-logs"), &s3.BucketOwnershipControlsArgs{
		Bucket: id, Rule: &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, b.parent); err != nil {
		return err
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(b.ctx, b.n("access-logs"), &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: id,
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm: pulumi.String("AES256"), // server access logs are delivered only to SSE-S3 buckets
			},
		}},
	}, b.parent); err != nil {
		return err
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(b.ctx, b.n("access-logs"), &s3.BucketLifecycleConfigurationV2Args{
		Bucket: id,
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{s3.BucketLifecycleConfigurationV2RuleArgs{
			Id: pulumi.String("expire"), Status: pulumi.String("Enabled"),
			Filter:     &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
			Expiration: &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(days)},
		}},
	}, b.parent); err != nil {
		return err
	}
	policy := pulumi.All(logs.Arn, b.bucketRes.Arn).ApplyT(func(v []any) string {
		logsArn, source := v[0].(string), v[1].(string)
		return iampolicy.New(
			iampolicy.DenyInsecureTransport(logsArn),
			iampolicy.Allow("S3ServerAccessLogs", []string{"s3:PutObject"}, []string{logsArn + "/*"}).
				ForService("logging.s3.amazonaws.com").
				When("ArnLike", "aws:SourceArn", source).
				When("StringEquals", "aws:SourceAccount", s.AccountID),
		).JSON()
	}).(pulumi.StringOutput)
	logPolicy, err := s3.NewBucketPolicy(b.ctx, b.n("access-logs"), &s3.BucketPolicyArgs{Bucket: id, Policy: policy},
		b.parent, pulumi.DependsOn([]pulumi.Resource{access}))
	if err != nil {
		return err
	}
	_, err = s3.NewBucketLoggingV2(b.ctx, b.n("data"), &s3.BucketLoggingV2Args{
		Bucket:       b.bucketRes.ID(),
		TargetBucket: id,
		TargetPrefix: pulumi.String("s3/"),
	}, b.parent, pulumi.DependsOn([]pulumi.Resource{logPolicy}))
	return err
}
