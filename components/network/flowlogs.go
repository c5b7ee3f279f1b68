package network

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/kmskey"
	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
)

// flowLogs sends every VPC flow to a CloudWatch log group encrypted with the network's own KMS
// key, through a role only the flow-logs service of this account can assume.
func (b *builder) flowLogs() error {
	a := b.args
	var err error
	b.logKey, err = kmskey.New(b.ctx, b.n("logs-key"), kmskey.Args{
		Description: fmt.Sprintf("%s VPC flow logs", b.name),
		Alias:       b.name + "-logs",
		Protect:     a.Scope.Protect,
		Policy: iampolicy.New(
			kmskey.AccountAdmin(a.Scope),
			kmskey.CloudWatchLogs(a.Scope),
		),
	}, b.parent)
	if err != nil {
		return err
	}

	// No fixed name: Pulumi's auto-naming adds a suffix, so a replacement never collides with
	// the group it replaces.
	b.flowLogGroup, err = cloudwatch.NewLogGroup(b.ctx, b.n("flow-logs"), &cloudwatch.LogGroupArgs{
		RetentionInDays: pulumi.Int(a.FlowLogRetentionDays),
		KmsKeyId:        b.logKey.Arn,
	}, b.parent, pulumi.Protect(a.Scope.Protect))
	if err != nil {
		return err
	}

	trust := iampolicy.New(
		iampolicy.Allow("FlowLogs", []string{"sts:AssumeRole"}, nil).
			ForService("vpc-flow-logs.amazonaws.com").
			When("StringEquals", "aws:SourceAccount", a.Scope.AccountID).
			When("ArnLike", "aws:SourceArn", a.Scope.ARN("ec2", "vpc-flow-log/*")),
	)
	role, err := iam.NewRole(b.ctx, b.n("flow-logs"), &iam.RoleArgs{
		Description:      pulumi.String(fmt.Sprintf("VPC flow logs of %s", b.name)),
		AssumeRolePolicy: pulumi.String(trust.JSON()),
	}, b.parent)
	if err != nil {
		return err
	}
	// What delivery calls (the flow-logs guide's role policy, pulumi-aws ec2.FlowLog example):
	// streams and events in our group; DescribeLogGroups is a list call authorized on the
	// account's log-group:* and denied when scoped to one group, which leaves the flow log in
	// "Access error" without a word at deploy time.
	allGroups := a.Scope.ARN("logs", "log-group:*")
	policy := b.flowLogGroup.Arn.ApplyT(func(arn string) string {
		return iampolicy.New(
			iampolicy.Allow("WriteFlowLogs",
				[]string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
				[]string{arn, arn + ":*"}),
			iampolicy.Allow("FindLogGroup", []string{"logs:DescribeLogGroups"}, []string{allGroups}),
		).JSON()
	}).(pulumi.StringOutput)
	if _, err := iam.NewRolePolicy(b.ctx, b.n("flow-logs"), &iam.RolePolicyArgs{
		Role:   role.Name,
		Policy: policy,
	}, b.parent); err != nil {
		return err
	}
	_, err = ec2.NewFlowLog(b.ctx, b.n("flow-logs"), &ec2.FlowLogArgs{
		VpcId:                  b.vpcRes.ID(),
		TrafficType:            pulumi.String(a.FlowLogTrafficType),
		LogDestinationType:     pulumi.String("cloud-watch-logs"),
		LogDestination:         b.flowLogGroup.Arn,
		IamRoleArn:             role.Arn,
		MaxAggregationInterval: pulumi.Int(60),
		Tags:                   nameTag(b.n("flow-logs"), nil),
	}, b.parent)
	return err
}
