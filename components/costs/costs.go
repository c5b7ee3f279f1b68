// Package costs watches the fleet's spend: the environment tag activated as a cost allocation
// tag, a monthly AWS Budget per environment filtered by that tag, notifying at 80% and 100% of
// actual spend and at 100% of forecast spend, and Cost Anomaly Detection over every service
// with alerts above a threshold. Budgets and Cost Explorer are global services served from
// us-east-1: the component's provider must be there.
package costs

import (
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/budgets"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/costexplorer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Type is the component's Pulumi type token.
const Type = "sovereign:costs:Costs"

// APIRegion is where the Budgets and Cost Explorer APIs are served.
const APIRegion = "us-east-1"

// MaxNotifications is the most notifications AWS Budgets allows on one budget.
const MaxNotifications = 5

// Notification is when a budget notifies, in percent of its limit.
type Notification struct {
	Type      string // ACTUAL or FORECASTED
	Threshold float64
}

// Notifications are the budget notifications of every environment.
var Notifications = []Notification{{"ACTUAL", 80}, {"ACTUAL", 100}, {"FORECASTED", 100}}

// Budget is one environment's monthly limit.
type Budget struct {
	Environment string
	LimitUSD    float64
}

// Args configures the cost alerts.
type Args struct {
	Region string // the provider's region; must be APIRegion
	// TagKey is the tag every resource of an environment carries (the providers' default tags)
	// and the budgets filter on.
	TagKey string
	// ActivateTag activates TagKey as a cost allocation tag. AWS accepts it only once the tag
	// has appeared in billing data (up to 24 hours after the first tagged resource).
	ActivateTag         bool
	Budgets             []Budget
	AnomalyThresholdUSD float64
	// AnomalyMonitorArn, when set, is the account's existing AWS-services anomaly monitor,
	// adopted instead of created: AWS allows one DIMENSIONAL SERVICE monitor per account, and
	// a second CreateAnomalyMonitor fails.
	AnomalyMonitorArn string
	TopicArn          pulumi.StringInput // where notifications go
	Emails            []string           // budget notifications also go to these addresses
}

// Costs is the component.
type Costs struct {
	pulumi.ResourceState

	BudgetNames       pulumi.StringMapOutput `pulumi:"budgetNames"`
	AnomalyMonitorArn pulumi.StringOutput    `pulumi:"anomalyMonitorArn"`
}

// CostFilter is the TagKeyValue filter value of an environment: cost allocation tags are
// named with the user: prefix in cost data.
func CostFilter(tagKey, environment string) string { return "user:" + tagKey + "$" + environment }

// New declares the tag activation, budgets and anomaly detection. Pass the global provider.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Costs, error) {
	if err := args.check(); err != nil {
		return nil, fmt.Errorf("costs %s: %w", name, err)
	}
	c := &Costs{}
	if err := ctx.RegisterComponentResource(Type, name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)
	var after []pulumi.Resource
	if args.ActivateTag {
		tag, err := costexplorer.NewCostAllocationTag(ctx, name+"-"+args.TagKey+"-tag", &costexplorer.CostAllocationTagArgs{
			TagKey: pulumi.String(args.TagKey),
			Status: pulumi.String("Active"),
		}, parent)
		if err != nil {
			return nil, err
		}
		after = append(after, tag)
	}

	names := pulumi.StringMap{}
	for _, b := range args.Budgets {
		var notes budgets.BudgetNotificationArray
		for _, n := range Notifications {
			notes = append(notes, budgets.BudgetNotificationArgs{
				NotificationType:         pulumi.String(n.Type),
				ComparisonOperator:       pulumi.String("GREATER_THAN"),
				Threshold:                pulumi.Float64(n.Threshold),
				ThresholdType:            pulumi.String("PERCENTAGE"),
				SubscriberSnsTopicArns:   pulumi.StringArray{args.TopicArn},
				SubscriberEmailAddresses: pulumi.ToStringArray(args.Emails),
			})
		}
		budget, err := budgets.NewBudget(ctx, name+"-"+b.Environment, &budgets.BudgetArgs{
			Name:        pulumi.String(fmt.Sprintf("%s-%s-monthly", name, b.Environment)),
			BudgetType:  pulumi.String("COST"),
			TimeUnit:    pulumi.String("MONTHLY"),
			LimitAmount: pulumi.String(strconv.FormatFloat(b.LimitUSD, 'f', 2, 64)),
			LimitUnit:   pulumi.String("USD"),
			CostFilters: budgets.BudgetCostFilterArray{budgets.BudgetCostFilterArgs{
				Name:   pulumi.String("TagKeyValue"),
				Values: pulumi.StringArray{pulumi.String(CostFilter(args.TagKey, b.Environment))},
			}},
			Notifications: notes,
		}, parent, pulumi.DependsOn(after))
		if err != nil {
			return nil, err
		}
		names[b.Environment] = budget.Name
	}

	monitorArn := pulumi.String(args.AnomalyMonitorArn).ToStringOutput()
	if args.AnomalyMonitorArn == "" {
		monitor, err := costexplorer.NewAnomalyMonitor(ctx, name+"-services", &costexplorer.AnomalyMonitorArgs{
			Name:             pulumi.String(name + "-services"),
			MonitorType:      pulumi.String("DIMENSIONAL"),
			MonitorDimension: pulumi.String("SERVICE"),
		}, parent)
		if err != nil {
			return nil, err
		}
		monitorArn = monitor.Arn
	}
	// SNS subscribers take immediate alerts only; daily and weekly digests go to email.
	if _, err := costexplorer.NewAnomalySubscription(ctx, name+"-anomalies", &costexplorer.AnomalySubscriptionArgs{
		Name:            pulumi.String(name + "-anomalies"),
		Frequency:       pulumi.String("IMMEDIATE"),
		MonitorArnLists: pulumi.StringArray{monitorArn},
		Subscribers: costexplorer.AnomalySubscriptionSubscriberArray{costexplorer.AnomalySubscriptionSubscriberArgs{
			Type: pulumi.String("SNS"), Address: args.TopicArn,
		}},
		ThresholdExpression: &costexplorer.AnomalySubscriptionThresholdExpressionArgs{
			Dimension: &costexplorer.AnomalySubscriptionThresholdExpressionDimensionArgs{
				Key:          pulumi.String("ANOMALY_TOTAL_IMPACT_ABSOLUTE"),
				MatchOptions: pulumi.StringArray{pulumi.String("GREATER_THAN_OR_EQUAL")},
				Values:       pulumi.StringArray{pulumi.String(strconv.FormatFloat(args.AnomalyThresholdUSD, 'f', -1, 64))},
			},
		},
	}, parent); err != nil {
		return nil, err
	}

	c.BudgetNames = names.ToStringMapOutput()
	c.AnomalyMonitorArn = monitorArn
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"budgetNames": c.BudgetNames, "anomalyMonitorArn": c.AnomalyMonitorArn})
}

// check refuses what the Budgets and Cost Explorer APIs would.
func (a *Args) check() error {
	if a.Region != APIRegion {
		return fmt.Errorf("the provider is in %s: Budgets and Cost Explorer are served from %s", a.Region, APIRegion)
	}
	if a.TagKey == "" || a.TopicArn == nil {
		return fmt.Errorf("a tag key and a topic are required")
	}
	if len(a.Budgets) == 0 {
		return fmt.Errorf("no budgets")
	}
	if len(Notifications) > MaxNotifications {
		return fmt.Errorf("%d notifications; AWS Budgets allows %d", len(Notifications), MaxNotifications)
	}
	seen := map[string]bool{}
	for _, b := range a.Budgets {
		if b.Environment == "" || b.LimitUSD <= 0 || seen[b.Environment] {
			return fmt.Errorf("budget %q: one budget per environment with a positive limit", b.Environment)
		}
		seen[b.Environment] = true
	}
	if a.AnomalyThresholdUSD <= 0 {
		return fmt.Errorf("anomaly threshold %v: want a positive amount", a.AnomalyThresholdUSD)
	}
	return nil
}
