// Package alerts is the per-stack alerting topic: an SNS topic, encrypted with its own KMS key,
// that CloudWatch alarms of every component publish to, with email subscriptions from config.
package alerts

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/kmskey"
	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
	"github.com/global-sovereign/global-sovereign/pkg/scope"
)

// Type is the component's Pulumi type token.
const Type = "sovereign:alerts:Alerts"

// Args configures the alerts topic.
type Args struct {
	Scope  scope.Scope // partition, account and region of the provider; whether to protect
	Emails []string
}

// Alerts is the component.
type Alerts struct {
	pulumi.ResourceState

	TopicArn pulumi.StringOutput `pulumi:"topicArn"`
	KeyArn   pulumi.StringOutput `pulumi:"keyArn"`
}

// New declares the topic. Pass the stack's provider with pulumi.Provider.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Alerts, error) {
	c := &Alerts{}
	if err := ctx.RegisterComponentResource(Type, name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)

	// CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, so the topic
	// gets a customer-managed key that admits the CloudWatch service. The statement is the one
	// AWS documents for CloudWatch alarms (repost.aws/knowledge-center/cloudwatch-configure-alarm-sns,
	// "Allow_CloudWatch_for_CMK"), without conditions: no CloudWatch documentation says which
	// source keys reach KMS through SNS, and a condition that does not match drops every alarm
	// silently. The topic policy below carries the documented confused-deputy conditions.
	key, err := kmskey.New(ctx, name+"-alerts-key", kmskey.Args{
		Description: fmt.Sprintf("%s alerts topic", name),
		Alias:       name + "-alerts",
		Protect:     args.Scope.Protect,
		Policy: iampolicy.New(
			kmskey.AccountAdmin(args.Scope),
			iampolicy.Allow("CloudWatchAlarms", []string{"kms:Decrypt", "kms:GenerateDataKey*"}, []string{"*"}).
				ForService("cloudwatch.amazonaws.com"),
		),
	}, parent)
	if err != nil {
		return nil, err
	}

	topic, err := sns.NewTopic(ctx, name+"-alerts", &sns.TopicArgs{
		DisplayName:    pulumi.String(name + " alerts"),
		KmsMasterKeyId: key.Arn,
	}, parent)
	if err != nil {
		return nil, err
	}
	// CloudWatch User Guide, "Setting up Amazon SNS notifications", "Preventing confused deputy
	// issues": aws:SourceArn (this account's alarms in this region) and aws:SourceAccount.
	alarms := args.Scope.ARN("cloudwatch", "alarm:*")
	policy := topic.Arn.ApplyT(func(arn string) string {
		return iampolicy.New(
			iampolicy.Allow("CloudWatchAlarms", []string{"sns:Publish"}, []string{arn}).
				ForService("cloudwatch.amazonaws.com").
				When("StringEquals", "aws:SourceAccount", args.Scope.AccountID).
				When("ArnLike", "aws:SourceArn", alarms),
		).JSON()
	}).(pulumi.StringOutput)
	if _, err := sns.NewTopicPolicy(ctx, name+"-alerts-policy", &sns.TopicPolicyArgs{
		Arn:    topic.Arn,
		Policy: policy,
	}, parent); err != nil {
		return nil, err
	}
	for i, email := range args.Emails {
		if _, err := sns.NewTopicSubscription(ctx, fmt.Sprintf("%s-alerts-email-%d", name, i), &sns.TopicSubscriptionArgs{
			Topic:    topic.Arn,
			Protocol: pulumi.String("email"),
			Endpoint: pulumi.String(email),
		}, parent); err != nil {
			return nil, err
		}
	}

	c.TopicArn = topic.Arn
	c.KeyArn = key.Arn
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"topicArn": topic.Arn,
		"keyArn":   key.Arn,
	})
}
