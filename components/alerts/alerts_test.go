package alerts_test

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/alerts"
	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
	"github.com/global-sovereign/global-sovereign/pkg/scope"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

const (
	tKey    = "aws:kms/key:Key"
	tAlias  = "aws:kms/alias:Alias"
	tTopic  = "aws:sns/topic:Topic"
	tPolicy = "aws:sns/topicPolicy:TopicPolicy"
	tSub    = "aws:sns/topicSubscription:TopicSubscription"
)

func synthAlerts(t *testing.T, a *alerts.Args) *synth.Graph {
	t.Helper()
	r, err := synth.RunComponent(a.Scope.Region, func(ctx *pulumi.Context, p pulumi.ProviderResource) error {
		al, err := alerts.New(ctx, "gs-test", a, pulumi.Provider(p))
		if err != nil {
			return err
		}
		ctx.Export("topicArn", al.TopicArn)
		ctx.Export("keyArn", al.KeyArn)
		ctx.Export("cacheEventsTopicArn", al.CacheEventsTopicArn)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return r.Graph
}

func policyOf(t *testing.T, r synth.Resource) iampolicy.Document {
	t.Helper()
	var d iampolicy.Document
	if err := json.Unmarshal([]byte(r.Inputs["policy"].(string)), &d); err != nil {
		t.Fatalf("%s policy: %v", r.Name, err)
	}
	return d
}

func statement(d iampolicy.Document, sid string) (iampolicy.Statement, bool) {
	for _, s := range d.Statement {
		if s.Sid == sid {
			return s, true
		}
	}
	return iampolicy.Statement{}, false
}

func TestAlerts(t *testing.T) {
	tests := []struct {
		name  string
		scope scope.Scope
		email []string
		// what the partition makes of the ARNs the component writes
		root, alarms string
	}{
		{
			name:  "protected, two subscribers",
			scope: scope.Scope{Partition: "aws", AccountID: "111122223333", Region: "eu-west-1", Protect: true},
			email: []string{"ops@example.com", "oncall@example.com"},
			root:  "arn:aws:iam::111122223333:root", alarms: "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:*",
		},
		{
			name:  "unprotected, no subscribers",
			scope: scope.Scope{Partition: "aws", AccountID: "111122223333", Region: "af-south-1"},
			root:  "arn:aws:iam::111122223333:root", alarms: "arn:aws:cloudwatch:af-south-1:111122223333:alarm:*",
		},
		{
			name:  "GovCloud partition",
			scope: scope.Scope{Partition: "aws-us-gov", AccountID: "444455556666", Region: "us-gov-west-1", Protect: true},
			email: []string{"ops@example.com"},
			root:  "arn:aws-us-gov:iam::444455556666:root", alarms: "arn:aws-us-gov:cloudwatch:us-gov-west-1:444455556666:alarm:*",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := synthAlerts(t, &alerts.Args{Scope: tt.scope, Emails: tt.email})
			provider := synth.ProviderName(tt.scope.Region)
			for _, p := range synth.ChildProblems(g, alerts.Type, func(synth.Resource) string { return provider }) {
				t.Error(p)
			}
			counts := map[string]int{tKey: 1, tAlias: 1, tTopic: 1, tPolicy: 1, tSub: len(tt.email)}
			for typ, want := range counts {
				if got := len(g.ByType(typ)); got != want {
					t.Errorf("%d %s, want %d", got, typ, want)
				}
			}

			// The key: protected as the scope says, rotating, administered by the account and
			// usable by CloudWatch (which cannot publish to a topic under the AWS-managed key).
			key, ok := g.Named(tKey, "gs-test-alerts-key")
			if !ok {
				t.Fatal("no key gs-test-alerts-key")
			}
			if key.Protect != tt.scope.Protect || key.Inputs["enableKeyRotation"] != true {
				t.Errorf("key protect %v rotation %v", key.Protect, key.Inputs["enableKeyRotation"])
			}
			kp := policyOf(t, key)
			if admin, ok := statement(kp, "AccountAdmin"); !ok || admin.Principal["AWS"][0] != tt.root {
				t.Errorf("key admin %+v, want %s", admin, tt.root)
			}
			if cw, ok := statement(kp, "CloudWatchAlarms"); !ok || cw.Principal["Service"][0] != "cloudwatch.amazonaws.com" {
				t.Errorf("key does not admit CloudWatch: %+v", kp)
			}

			// The topic is encrypted with that key; its policy lets only this account's alarms
			// in this region publish.
			topic := g.ByType(tTopic)[0]
			keyArn := key.State["arn"].(string)
			if topic.Inputs["kmsMasterKeyId"] != keyArn {
				t.Errorf("topic key %v, want the component's key %s", topic.Inputs["kmsMasterKeyId"], keyArn)
			}
			topicArn := topic.State["arn"].(string)
			tp := g.ByType(tPolicy)[0]
			if tp.Inputs["arn"] != topicArn {
				t.Errorf("topic policy on %v, want %s", tp.Inputs["arn"], topicArn)
			}
			pub, ok := statement(policyOf(t, tp), "CloudWatchAlarms")
			if !ok || pub.Resource[0] != topicArn || pub.Action[0] != "sns:Publish" ||
				pub.Condition["StringEquals"]["aws:SourceAccount"] != tt.scope.AccountID ||
				pub.Condition["ArnLike"]["aws:SourceArn"] != tt.alarms {
				t.Errorf("topic policy statement %+v, want publish from %s", pub, tt.alarms)
			}

			want := map[string]bool{}
			for _, e := range tt.email {
				want[e] = true
			}
			for _, s := range g.ByType(tSub) {
				if s.Inputs["protocol"] != "email" || s.Inputs["topic"] != topicArn || !want[s.Inputs["endpoint"].(string)] {
					t.Errorf("subscription %s: %v", s.Name, s.Inputs)
				}
				delete(want, s.Inputs["endpoint"].(string))
			}
			if len(want) != 0 {
				t.Errorf("no subscription for %v", want)
			}

			if g.Outputs["topicArn"] != topicArn || g.Outputs["keyArn"] != keyArn {
				t.Errorf("outputs %v, want topic %s and key %s", g.Outputs, topicArn, keyArn)
			}
		})
	}
}

// Publishers besides CloudWatch (the global stack's budgets and cost anomaly alerts) may use the
// key and publish; budgets only from this account's budgets, as AWS Budgets documents it, cost
// anomaly alerts without a condition, as Cost Anomaly Detection documents it.
func TestAlertsPublishers(t *testing.T) {
	sc := scope.Scope{Partition: "aws-us-gov", AccountID: "111122223333", Region: "us-gov-west-1"}
	g := synthAlerts(t, &alerts.Args{Scope: sc, Publishers: []alerts.Publisher{alerts.Budgets(sc), alerts.CostAnomalyDetection(), alerts.Backup()}})
	key, topic := policyOf(t, g.ByType(tKey)[0]), policyOf(t, g.ByType(tPolicy)[0])
	for _, tc := range []struct {
		sid, service, sourceArn string
	}{
		{"Budgets", "budgets.amazonaws.com", "arn:aws-us-gov:budgets::111122223333:*"},
		{"CostAnomalyDetection", "costalerts.amazonaws.com", ""},
		{"BackupVaultEvents", "backup.amazonaws.com", ""},
	} {
		for _, d := range []iampolicy.Document{key, topic} {
			st, ok := statement(d, tc.sid)
			if !ok || len(st.Principal["Service"]) != 1 || st.Principal["Service"][0] != tc.service {
				t.Errorf("%s: no statement for %s: %+v", tc.sid, tc.service, d)
				continue
			}
			if d.Statement[0].Sid == "AccountAdmin" {
				continue // the key: use of the key, no conditions
			}
			if got := st.Condition["ArnLike"]["aws:SourceArn"]; got != tc.sourceArn {
				t.Errorf("%s topic statement: aws:SourceArn %q, want %q", tc.sid, got, tc.sourceArn)
			}
		}
	}
	// Without publishers the policies hold CloudWatch only, as a region stack's do.
	plain := synthAlerts(t, &alerts.Args{Scope: sc})
	if _, ok := statement(policyOf(t, plain.ByType(tPolicy)[0]), "Budgets"); ok {
		t.Error("a topic without publishers admits budgets")
	}
}

// ElastiCache publishes only to an unencrypted topic, authorized by AWS:SourceOwner: a second
// topic with the same subscribers, never the encrypted alerts topic.
func TestCacheEventsTopic(t *testing.T) {
	sc := scope.Scope{Partition: "aws", AccountID: "111122223333", Region: "eu-west-1"}
	emails := []string{"ops@example.com", "db@example.com"}
	g := synthAlerts(t, &alerts.Args{Scope: sc, Emails: emails, CacheEvents: true})
	topic, ok := g.Named(tTopic, "gs-test-cache-events")
	if !ok {
		t.Fatalf("no cache events topic")
	}
	if _, enc := topic.Inputs["kmsMasterKeyId"]; enc {
		t.Errorf("cache events topic encrypted: %v (ElastiCache marks an encrypted topic inactive)", topic.Inputs)
	}
	pol, ok := g.Named(tPolicy, "gs-test-cache-events-policy")
	if !ok || pol.Inputs["arn"] != topic.State["arn"] {
		t.Fatalf("cache events policy %v", pol.Inputs)
	}
	st, ok := statement(policyOf(t, pol), "ElastiCacheEvents")
	if !ok || st.Condition["StringEquals"]["AWS:SourceOwner"] != "111122223333" || len(st.Condition) != 1 ||
		len(st.Action) != 1 || st.Action[0] != "sns:Publish" || st.Resource[0] != topic.State["arn"] {
		t.Errorf("cache events statement %+v", st)
	}
	subs := 0
	for _, s := range g.ByType(tSub) {
		if s.Inputs["topic"] == topic.State["arn"] {
			subs++
		}
	}
	if subs != len(emails) {
		t.Errorf("%d subscriptions on the cache events topic, want %d", subs, len(emails))
	}
	if g.Outputs["cacheEventsTopicArn"] != topic.State["arn"] {
		t.Errorf("output %v, want %v", g.Outputs["cacheEventsTopicArn"], topic.State["arn"])
	}
	// Without a cache there is no such topic.
	if _, ok := synthAlerts(t, &alerts.Args{Scope: sc, Emails: emails}).Named(tTopic, "gs-test-cache-events"); ok {
		t.Error("a cache events topic without a cache")
	}
}
