package costs_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/costs"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

// fixture declares the component over a topic whose policy lets Budgets and Cost Anomaly
// Detection publish; the subscribers take the topic's ARN from the policy, so they wait for it.
func fixture(edit func(*costs.Args)) pulumi.RunFunc {
	return fixtureTopic(true, edit)
}

func fixtureTopic(fromPolicy bool, edit func(*costs.Args)) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		p, err := aws.NewProvider(ctx, "global", &aws.ProviderArgs{Region: pulumi.String("us-east-1")})
		if err != nil {
			return err
		}
		t, err := sns.NewTopic(ctx, "alerts", &sns.TopicArgs{}, pulumi.Provider(p))
		if err != nil {
			return err
		}
		policy, err := sns.NewTopicPolicy(ctx, "alerts", &sns.TopicPolicyArgs{Arn: t.Arn,
			Policy: pulumi.String(`{"Statement":[{"Effect":"Allow","Principal":{"Service":["budgets.amazonaws.com","costalerts.amazonaws.com"]},"Action":"sns:Publish","Resource":"*"}]}`)},
			pulumi.Provider(p))
		if err != nil {
			return err
		}
		topicArn := policy.Arn
		if !fromPolicy {
			topicArn = t.Arn
		}
		args := &costs.Args{Region: "us-east-1", TagKey: "environment", ActivateTag: true,
			Budgets:             []costs.Budget{{Environment: "production", LimitUSD: 1000}, {Environment: "staging", LimitUSD: 50.5}},
			AnomalyThresholdUSD: 250, TopicArn: topicArn, Emails: []string{"oncall@example.io"}}
		if edit != nil {
			edit(args)
		}
		_, err = costs.New(ctx, "gs", args, pulumi.Provider(p))
		return err
	}
}

func TestCosts(t *testing.T) {
	for _, activate := range []bool{true, false} {
		r, err := synth.Run(fixture(func(a *costs.Args) { a.ActivateTag = activate }), "test", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		g := r.Graph
		tags := g.ByType("aws:costexplorer/costAllocationTag:CostAllocationTag")
		if (len(tags) == 1) != activate {
			t.Fatalf("activate %v: %d cost allocation tags", activate, len(tags))
		}
		budgets := g.ByType("aws:budgets/budget:Budget")
		if len(budgets) != 2 {
			t.Fatalf("%d budgets", len(budgets))
		}
		limits := map[string]string{}
		for _, b := range budgets {
			filter := b.Inputs["costFilters"].([]any)[0].(map[string]any)
			value := filter["values"].([]any)[0].(string)
			limits[value] = b.Inputs["limitAmount"].(string)
			if filter["name"] != "TagKeyValue" || b.Inputs["timeUnit"] != "MONTHLY" || b.Inputs["limitUnit"] != "USD" {
				t.Errorf("%s: %v", b.Name, b.Inputs)
			}
			if activate && !slices.Contains(b.DependsOn, tags[0].URN) {
				t.Errorf("%s does not wait for the tag activation: %v", b.Name, b.DependsOn)
			}
			notes := b.Inputs["notifications"].([]any)
			if len(notes) != len(costs.Notifications) || len(notes) > costs.MaxNotifications {
				t.Errorf("%s: %d notifications", b.Name, len(notes))
			}
			for _, n := range notes {
				n := n.(map[string]any)
				if n["subscriberSnsTopicArns"].([]any)[0] != topic(g) || n["subscriberEmailAddresses"].([]any)[0] != "oncall@example.io" || n["thresholdType"] != "PERCENTAGE" {
					t.Errorf("%s notification %v", b.Name, n)
				}
			}
		}
		if limits["user:environment$production"] != "1000.00" || limits["user:environment$staging"] != "50.50" {
			t.Errorf("limits by filter: %v", limits)
		}
		subs := g.ByType("aws:costexplorer/anomalySubscription:AnomalySubscription")
		monitors := g.ByType("aws:costexplorer/anomalyMonitor:AnomalyMonitor")
		if len(subs) != 1 || len(monitors) != 1 || subs[0].Inputs["frequency"] != "IMMEDIATE" ||
			subs[0].Inputs["monitorArnLists"].([]any)[0] != monitors[0].ID || monitors[0].Inputs["monitorDimension"] != "SERVICE" {
			t.Fatalf("anomaly detection: %v %v", subs, monitors)
		}
		dim := subs[0].Inputs["thresholdExpression"].(map[string]any)["dimension"].(map[string]any)
		if dim["values"].([]any)[0] != "250" || dim["key"] != "ANOMALY_TOTAL_IMPACT_ABSOLUTE" {
			t.Errorf("threshold %v", dim)
		}
	}
}

func TestCostsRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*costs.Args)
		want string
	}{
		{"not in us-east-1", func(a *costs.Args) { a.Region = "eu-west-1" }, "Budgets and Cost Explorer are served from us-east-1"},
		{"no budgets", func(a *costs.Args) { a.Budgets = nil }, "no budgets"},
		{"zero limit", func(a *costs.Args) { a.Budgets[0].LimitUSD = 0 }, `budget "production": one budget per environment with a positive limit`},
		{"two for one environment", func(a *costs.Args) { a.Budgets[1].Environment = "production" }, "one budget per environment"},
		{"no threshold", func(a *costs.Args) { a.AnomalyThresholdUSD = 0 }, "anomaly threshold 0"},
		{"no topic", func(a *costs.Args) { a.TopicArn = nil }, "a tag key and a topic are required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := synth.Run(fixture(tc.edit), "test", nil, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func topic(g *synth.Graph) any { return g.ByType("aws:sns/topicPolicy:TopicPolicy")[0].Inputs["arn"] }

// TestSubscribersWaitForTheTopicPolicy: Budgets and Cost Anomaly Detection test the topic when
// a subscriber is added; one created before the policy that lets them publish fails.
func TestSubscribersWaitForTheTopicPolicy(t *testing.T) {
	_, err := synth.Run(fixtureTopic(false, nil), "test", nil, nil)
	// Budgets and the anomaly subscription register concurrently: either is refused first.
	if err == nil || !strings.Contains(err.Error(), "publish yet: depend on its topic policy") {
		t.Fatalf("a subscriber on the topic before its policy: %v", err)
	}
}

// TestCostsAdoptsAnExistingMonitor: AWS allows one AWS-services anomaly monitor per account;
// with one configured, none is created and the subscription watches it.
func TestCostsAdoptsAnExistingMonitor(t *testing.T) {
	const arn = "arn:aws:ce::123456789012:anomalymonitor/0b5fa6d1-3c5e-4a2b-9f0e-1c2d3e4f5a6b"
	r, err := synth.Run(fixture(func(a *costs.Args) { a.AnomalyMonitorArn = arn }), "test", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(r.Graph.ByType("aws:costexplorer/anomalyMonitor:AnomalyMonitor")); n != 0 {
		t.Errorf("%d monitors created beside the adopted one", n)
	}
	subs := r.Graph.ByType("aws:costexplorer/anomalySubscription:AnomalySubscription")
	if len(subs) != 1 || subs[0].Inputs["monitorArnLists"].([]any)[0] != arn {
		t.Errorf("subscription: %v", subs)
	}
}
