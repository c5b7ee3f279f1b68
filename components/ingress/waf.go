package ingress

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/wafv2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/kmskey"
	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
)

// ManagedRuleGroups are the AWS managed rule groups in front of the API, in priority order:
// the baseline (OWASP-style) rules and known-bad inputs (Log4j, Java deserialization, ...).
var ManagedRuleGroups = []string{"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"}

// countedRules are rules of the managed groups that only count: the common rule set's body
// size limit blocks any request body over 8 KB on a load balancer (WAF inspects the first 8 KB
// only), and its user-agent rule blocks API clients that send none; both would break legitimate
// API calls. Counting keeps them visible in the metrics and logs.
var countedRules = map[string][]string{"AWSManagedRulesCommonRuleSet": {"SizeRestrictions_BODY", "NoUserAgent_HEADER"}}

// RateWindowSeconds is the window the rate-based rule counts a client's requests over.
const RateWindowSeconds = 300

// wafLogPrefix: AWS WAF logs only to a log group whose name starts with it.
const wafLogPrefix = "aws-waf-logs-"

// redactedHeaders are kept out of the WAF logs: they carry the clients' credentials.
var redactedHeaders = []string{"authorization", "cookie"}

// waf puts an AWS WAF web ACL in front of the load balancer: a per-client-IP rate limit first,
// then the managed rule groups; everything else is allowed. Every request's verdict is logged
// to an encrypted log group.
func (b *builder) waf() error {
	a := b.args
	visibility := func(metric string) *wafv2.WebAclRuleVisibilityConfigArgs {
		return &wafv2.WebAclRuleVisibilityConfigArgs{
			CloudwatchMetricsEnabled: pulumi.Bool(true),
			MetricName:               pulumi.String(metric),
			SampledRequestsEnabled:   pulumi.Bool(true),
		}
	}
	rules := wafv2.WebAclRuleArray{wafv2.WebAclRuleArgs{
		Name:     pulumi.String("rate-limit"),
		Priority: pulumi.Int(0),
		Action:   &wafv2.WebAclRuleActionArgs{Block: &wafv2.WebAclRuleActionBlockArgs{}},
		Statement: &wafv2.WebAclRuleStatementArgs{RateBasedStatement: &wafv2.WebAclRuleStatementRateBasedStatementArgs{
			Limit:               pulumi.Int(a.WAFRateLimit),
			AggregateKeyType:    pulumi.String("IP"),
			EvaluationWindowSec: pulumi.Int(RateWindowSeconds),
		}},
		VisibilityConfig: visibility(b.name + "-rate-limit"),
	}}
	for i, group := range ManagedRuleGroups {
		var overrides wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideArray
		for _, r := range countedRules[group] {
			overrides = append(overrides, wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideArgs{
				Name: pulumi.String(r),
				ActionToUse: &wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseArgs{
					Count: &wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseCountArgs{},
				},
			})
		}
		rules = append(rules, wafv2.WebAclRuleArgs{
			Name:           pulumi.String(group),
			Priority:       pulumi.Int(10 * (i + 1)),
			OverrideAction: &wafv2.WebAclRuleOverrideActionArgs{None: &wafv2.WebAclRuleOverrideActionNoneArgs{}},
			Statement: &wafv2.WebAclRuleStatementArgs{ManagedRuleGroupStatement: &wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs{
				VendorName:          pulumi.String("AWS"),
				Name:                pulumi.String(group),
				RuleActionOverrides: overrides,
			}},
			VisibilityConfig: visibility(b.name + "-" + group),
		})
	}
	acl, err := wafv2.NewWebAcl(b.ctx, b.n("api"), &wafv2.WebAclArgs{
		Description:   pulumi.String(fmt.Sprintf("API load balancer of %s: rate limit and AWS managed rules", b.name)),
		Scope:         pulumi.String("REGIONAL"),
		DefaultAction: &wafv2.WebAclDefaultActionArgs{Allow: &wafv2.WebAclDefaultActionAllowArgs{}},
		Rules:         rules,
		VisibilityConfig: &wafv2.WebAclVisibilityConfigArgs{
			CloudwatchMetricsEnabled: pulumi.Bool(true),
			MetricName:               pulumi.String(b.name + "-api"),
			SampledRequestsEnabled:   pulumi.Bool(true),
		},
	}, b.parent)
	if err != nil {
		return err
	}

	key, err := kmskey.New(b.ctx, b.n("waf-logs-key"), kmskey.Args{
		Description: fmt.Sprintf("%s WAF logs", b.name),
		Alias:       b.name + "-waf-logs",
		Protect:     a.Scope.Protect,
		Policy:      iampolicy.New(kmskey.AccountAdmin(a.Scope), kmskey.CloudWatchLogs(a.Scope)),
	}, b.parent)
	if err != nil {
		return err
	}
	logs, err := cloudwatch.NewLogGroup(b.ctx, b.n("waf-logs"), &cloudwatch.LogGroupArgs{
		NamePrefix:      pulumi.String(wafLogPrefix + b.name + "-"),
		RetentionInDays: pulumi.Int(a.WAFLogRetentionDays),
		KmsKeyId:        key.Arn,
	}, b.parent, pulumi.Protect(a.Scope.Protect))
	if err != nil {
		return err
	}
	var redacted wafv2.WebAclLoggingConfigurationRedactedFieldArray
	for _, h := range redactedHeaders {
		redacted = append(redacted, wafv2.WebAclLoggingConfigurationRedactedFieldArgs{
			SingleHeader: &wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs{Name: pulumi.String(h)},
		})
	}
	// WAF adds the log group's resource policy for log delivery itself (AWS WAF Developer
	// Guide, "Sending web ACL traffic logs to an Amazon CloudWatch Logs log group").
	if _, err := wafv2.NewWebAclLoggingConfiguration(b.ctx, b.n("api"), &wafv2.WebAclLoggingConfigurationArgs{
		ResourceArn:           acl.Arn,
		LogDestinationConfigs: pulumi.StringArray{logs.Arn},
		RedactedFields:        redacted,
	}, b.parent); err != nil {
		return err
	}
	_, err = wafv2.NewWebAclAssociation(b.ctx, b.n("api"), &wafv2.WebAclAssociationArgs{
		ResourceArn: b.alb.Arn,
		WebAclArn:   acl.Arn,
	}, b.parent)
	return err
}
