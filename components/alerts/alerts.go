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
	// Publishers are AWS services besides CloudWatch that publish to the topic (the global
	// stack's budgets and cost anomaly alerts): each may use the key and publish.
	Publishers []Publisher
	// CacheEvents adds the topic ElastiCache publishes its events to (CacheEventsTopicArn).
	CacheEvents bool
}

// Publisher is an AWS service that publishes to the topic.
type Publisher struct {
	Sid     string // statement id in the key and topic policies, e.g. "Budgets"
	Service string // service principal, e.g. budgets.amazonaws.com
	// SourceArn, when set, is the ArnLike pattern of the service's resources that may publish
	// (confused-deputy protection, as the service documents it); with it, aws:SourceAccount is
	// required too. Leave it empty where the service documents no condition: a condition that
	// does not match drops every notification silently.
	SourceArn string
	// Actions on the topic besides sns:Publish that the service documents it needs.
	Actions []string
}

// Budgets publishes budget notifications (AWS Budgets User Guide, "Creating an Amazon SNS topic
// for budget notifications": aws:SourceAccount and aws:SourceArn arn:<partition>:budgets::<account>:*).
func Budgets(s scope.Scope) Publisher {
	return Publisher{Sid: "Budgets", Service: "budgets.amazonaws.com",
		SourceArn: s.GlobalARN("budgets", "*")}
}

// CostAnomalyDetection publishes cost anomaly alerts; its documented topic policy has no
// condition.
func CostAnomalyDetection() Publisher {
	return Publisher{Sid: "CostAnomalyDetection", Service: "costalerts.amazonaws.com"}
}

// ManagedPrometheus publishes the alerts of the region's Amazon Managed Service for Prometheus
// workspaces (AMP User Guide, "Give Amazon Managed Service for Prometheus permission to send
// alert messages to your Amazon SNS topic": aws:SourceAccount and aws:SourceArn of the
// workspace).
func ManagedPrometheus(s scope.Scope) Publisher {
	return Publisher{Sid: "ManagedPrometheus", Service: "aps.amazonaws.com", SourceArn: s.ARN("aps", "workspace/*"),
		Actions: []string{"sns:GetTopicAttributes"}}
}

// RDSEvents publishes the RDS event subscriptions of the region (failover, failure, maintenance
// of the Aurora clusters) with the conditions RDS documents for its topic policy
// (USER_Events.GrantingPermissions: aws:SourceArn of the RDS resources, aws:SourceAccount); the
// pattern covers every RDS ARN of the account in the region, the subscription's included.
func RDSEvents(s scope.Scope) Publisher {
	return Publisher{Sid: "RDSEvents", Service: "events.rds.amazonaws.com", SourceArn: s.ARN("rds", "*")}
}

// Backup publishes AWS Backup vault notifications (backup jobs completed or failed, copy jobs
// failed). AWS Backup documents its topic policy without conditions (aws.backup.VaultNotifications
// in the pulumi-aws v6 registry, and AWS Backup Developer Guide "Notification options with AWS
// Backup"): a condition that does not match would drop every notification.
func Backup() Publisher {
	return Publisher{Sid: "BackupVaultEvents", Service: "backup.amazonaws.com"}
}

// Alerts is the component.
type Alerts struct {
	pulumi.ResourceState

	TopicArn pulumi.StringOutput `pulumi:"topicArn"`
	KeyArn   pulumi.StringOutput `pulumi:"keyArn"`
	// CacheEventsTopicArn is the ElastiCache events topic (Args.CacheEvents), else empty.
	CacheEventsTopicArn pulumi.StringOutput `pulumi:"cacheEventsTopicArn"`
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
		Policy:      iampolicy.New(keyStatements(args)...),
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
		statements := []iampolicy.Statement{
			iampolicy.Allow("CloudWatchAlarms", []string{"sns:Publish"}, []string{arn}).
				ForService("cloudwatch.amazonaws.com").
				When("StringEquals", "aws:SourceAccount", args.Scope.AccountID).
				When("ArnLike", "aws:SourceArn", alarms),
		}
		for _, p := range args.Publishers {
			st := iampolicy.Allow(p.Sid, append([]string{"sns:Publish"}, p.Actions...), []string{arn}).ForService(p.Service)
			if p.SourceArn != "" {
				st = st.When("StringEquals", "aws:SourceAccount", args.Scope.AccountID).When("ArnLike", "aws:SourceArn", p.SourceArn)
			}
			statements = append(statements, st)
		}
		return iampolicy.New(statements...).JSON()
	}).(pulumi.StringOutput)
	topicPolicy, err := sns.NewTopicPolicy(ctx, name+"-alerts-policy", &sns.TopicPolicyArgs{
		Arn:    topic.Arn,
		Policy: policy,
	}, parent)
	if err != nil {
		return nil, err
	}
	if err := subscribe(ctx, name+"-alerts-email", topic.Arn, args.Emails, parent); err != nil {
		return nil, err
	}
	c.CacheEventsTopicArn = pulumi.String("").ToStringOutput()
	if args.CacheEvents {
		if c.CacheEventsTopicArn, err = cacheEvents(ctx, name, args, parent); err != nil {
			return nil, err
		}
	}

	// The topic's ARN as the policy's output: whatever publishes to the topic waits for the
	// policy that lets it (AWS Budgets and Cost Anomaly Detection check it when a subscriber
	// is added; an alarm created first would drop its notifications).
	c.TopicArn = topicPolicy.Arn
	c.KeyArn = key.Arn
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"topicArn":            topic.Arn,
		"keyArn":              key.Arn,
		"cacheEventsTopicArn": c.CacheEventsTopicArn,
	})
}

// subscribe adds an email subscription per address; each stays PendingConfirmation until the
// address confirms (preflight --online lists those, pkg/awscheck/subscriptions.go).
func subscribe(ctx *pulumi.Context, prefix string, topic pulumi.StringInput, emails []string, parent pulumi.ResourceOption) error {
	for i, email := range emails {
		if _, err := sns.NewTopicSubscription(ctx, fmt.Sprintf("%s-%d", prefix, i), &sns.TopicSubscriptionArgs{
			Topic:    topic,
			Protocol: pulumi.String("email"),
			Endpoint: pulumi.String(email),
		}, parent); err != nil {
			return err
		}
	}
	return nil
}

// cacheEvents is the topic ElastiCache publishes its events to (failover, node replaced,
// maintenance), with the same subscribers. It cannot be the alerts topic: ElastiCache does not
// publish to an encrypted topic (it marks the topic inactive and drops the notifications), and
// its publisher is authorized only by AWS:SourceOwner, not aws:SourceAccount (ElastiCache User
// Guide, "Event Notifications and Amazon SNS" and "Managing ElastiCache Amazon SNS
// notifications"). The events name clusters and nodes, nothing secret.
func cacheEvents(ctx *pulumi.Context, name string, args *Args, parent pulumi.ResourceOption) (pulumi.StringOutput, error) {
	topic, err := sns.NewTopic(ctx, name+"-cache-events", &sns.TopicArgs{
		DisplayName: pulumi.String(name + " cache events"),
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	policy := topic.Arn.ApplyT(func(arn string) string {
		return iampolicy.New(iampolicy.Allow("ElastiCacheEvents", []string{"sns:Publish"}, []string{arn}).
			ForAWS("*").When("StringEquals", "AWS:SourceOwner", args.Scope.AccountID)).JSON()
	}).(pulumi.StringOutput)
	topicPolicy, err := sns.NewTopicPolicy(ctx, name+"-cache-events-policy", &sns.TopicPolicyArgs{Arn: topic.Arn, Policy: policy}, parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	if err := subscribe(ctx, name+"-cache-events-email", topic.Arn, args.Emails, parent); err != nil {
		return pulumi.StringOutput{}, err
	}
	return topicPolicy.Arn, nil
}

// keyStatements: the account administers the key; CloudWatch and every other publisher may
// encrypt messages to the topic with it (an encrypted topic refuses a publisher without).
func keyStatements(args *Args) []iampolicy.Statement {
	use := []string{"kms:Decrypt", "kms:GenerateDataKey*"}
	out := []iampolicy.Statement{
		kmskey.AccountAdmin(args.Scope),
		iampolicy.Allow("CloudWatchAlarms", use, []string{"*"}).ForService("cloudwatch.amazonaws.com"),
	}
	for _, p := range args.Publishers {
		out = append(out, iampolicy.Allow(p.Sid, use, []string{"*"}).ForService(p.Service))
	}
	return out
}
