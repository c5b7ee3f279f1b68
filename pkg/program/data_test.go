package program_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/program"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

const (
	tGlobalCluster = "aws:rds/globalCluster:GlobalCluster"
	tCluster       = "aws:rds/cluster:Cluster"
	tInstance      = "aws:rds/clusterInstance:ClusterInstance"
	tAlarm         = "aws:cloudwatch/metricAlarm:MetricAlarm"
	tReplication   = "aws:elasticache/replicationGroup:ReplicationGroup"
)

// alarmsOf returns the alarms on a metric of a CloudWatch namespace.
func alarmsOf(g *synth.Graph, namespace, metric string) []synth.Resource {
	var out []synth.Resource
	for _, a := range g.ByType(tAlarm) {
		if a.Inputs["namespace"] == namespace && a.Inputs["metricName"] == metric {
			out = append(out, a)
		}
		// A Metrics Insights alarm: one query over the namespace, labelled with the metric.
		if qs, ok := a.Inputs["metricQueries"].([]any); ok && len(qs) == 1 {
			q := qs[0].(map[string]any)
			if q["label"] == metric && strings.Contains(fmt.Sprint(q["expression"]), `FROM "`+namespace+`"`) {
				out = append(out, a)
			}
		}
	}
	return out
}

// One global database, primary in ams; every other region a secondary joined to it.
func TestGlobalDatabaseShape(t *testing.T) {
	results := synthAll(t)
	var globals []string
	for name, r := range results {
		for range r.Graph.ByType(tGlobalCluster) {
			globals = append(globals, name)
		}
	}
	if strings.Join(globals, ",") != "ams" {
		t.Fatalf("global clusters in %v, want exactly one, in ams", globals)
	}
	amsGlobalID := results["ams"].Graph.Outputs[program.OutAuroraGlobalClusterID]
	if amsGlobalID != "global-sovereign-production" {
		t.Errorf("ams exports global cluster id %v", amsGlobalID)
	}

	for name, g := range regionGraphs(t) {
		clusters := g.ByType(tCluster)
		if len(clusters) != 1 {
			t.Fatalf("%s: %d Aurora clusters", name, len(clusters))
		}
		c := clusters[0]
		instances := g.ByType(tInstance)
		if !c.Protect || strings.Join(c.IgnoreChanges, ",") != "databaseName,engineVersion,globalClusterIdentifier,masterPassword,masterUsername,replicationSourceIdentifier,sourceRegion" {
			t.Errorf("%s: cluster protect=%v ignoreChanges=%v", name, c.Protect, c.IgnoreChanges)
		}
		if c.Inputs["storageEncrypted"] != true || !strings.HasPrefix(c.Inputs["kmsKeyId"].(string), "arn:aws:kms:") ||
			c.Inputs["deletionProtection"] != true || c.Inputs["engineVersion"] != "16.6" {
			t.Errorf("%s: cluster %v", name, c.Inputs)
		}
		if len(alarmsOf(g, "AWS/RDS", "CPUUtilization")) != 1 || len(alarmsOf(g, "AWS/RDS", "FreeableMemory")) != 1 {
			t.Errorf("%s: CPU/memory alarms missing", name)
		}
		lag := alarmsOf(g, "AWS/RDS", "AuroraGlobalDBReplicationLag")
		if name == "ams" {
			if c.Inputs["backupRetentionPeriod"] != float64(35) || len(instances) != 3 ||
				c.Inputs["masterPassword"] != synth.SecretMarker || c.Inputs["finalSnapshotIdentifier"] == nil {
				t.Errorf("ams primary: retention %v, %d instances, password %v", c.Inputs["backupRetentionPeriod"], len(instances), c.Inputs["masterPassword"])
			}
			if len(lag) != 0 {
				t.Errorf("ams: the primary has no replication lag to alarm on")
			}
			continue
		}
		// A secondary: joined through the value the primary exported, no credentials.
		if c.Inputs["globalClusterIdentifier"] != amsGlobalID || c.Inputs["sourceRegion"] != "eu-west-1" {
			t.Errorf("%s: joins %v from %v", name, c.Inputs["globalClusterIdentifier"], c.Inputs["sourceRegion"])
		}
		for _, k := range []string{"masterUsername", "masterPassword", "databaseName", "backupRetentionPeriod"} {
			if _, set := c.Inputs[k]; set {
				t.Errorf("%s: secondary sets %s", name, k)
			}
		}
		if len(instances) < 1 || len(lag) != 1 || !strings.Contains(fmt.Sprint(lag[0].Inputs["metricQueries"]), fmt.Sprintf("DBClusterIdentifier = '%s'", c.Inputs["clusterIdentifier"])) {
			t.Errorf("%s: %d instances, lag alarms %v", name, len(instances), lag)
		}
		refs := g.ByType("pulumi:pulumi:StackReference")
		if len(refs) != 1 || refs[0].Inputs["name"] != "organization/global-sovereign/ams" {
			t.Errorf("%s: stack references %v", name, refs)
		}
	}
}

// The secondary's global cluster id comes from the primary stack's output, not a literal:
// change what the reference returns and the secondary follows.
func TestSecondaryJoinsThroughTheStackReference(t *testing.T) {
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	ams := synthAll(t)["ams"].Outputs.Copy()
	ams[program.OutAuroraGlobalClusterID] = resource.NewStringProperty("injected-global-id")
	r, err := synth.Stack(program.New(program.Options{Dir: repo}), fleet.Stack("syd"), map[string]synth.StackOutputs{"ams": ams})
	if err != nil {
		t.Fatal(err)
	}
	c := r.Graph.ByType(tCluster)[0]
	// The writer's region is config (the primary stack's awsRegion), not a value read from AWS.
	if c.Inputs["globalClusterIdentifier"] != "injected-global-id" || c.Inputs["sourceRegion"] != "eu-west-1" {
		t.Errorf("secondary ignored the stack reference: %v %v", c.Inputs["globalClusterIdentifier"], c.Inputs["sourceRegion"])
	}
	// A primary that has not exported the id (not deployed yet) stops the secondary clearly.
	delete(ams, program.OutAuroraGlobalClusterID)
	_, err = synth.Stack(program.New(program.Options{Dir: repo}), fleet.Stack("syd"), map[string]synth.StackOutputs{"ams": ams})
	if err == nil || !strings.Contains(err.Error(), `stack ams has no output "auroraGlobalClusterId"; deploy it first`) {
		t.Errorf("got %v", err)
	}
}

// The generated passwords and tokens never reach a graph or an output in plain text.
func TestSecretsNeverPlain(t *testing.T) {
	secretInputs := []string{"masterPassword", "authToken", "secretString"}
	seen := map[string]bool{}
	for name, r := range synthAll(t) {
		data, err := r.Graph.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(synth.MockPasswordPrefix)) {
			t.Errorf("%s: a generated secret appears in plain text", name)
		}
		for _, res := range r.Graph.Resources {
			for _, k := range secretInputs {
				v, ok := res.Inputs[k]
				seen[k] = seen[k] || ok
				if ok && v != synth.SecretMarker {
					t.Errorf("%s: %s.%s is not secret", name, res.Name, k)
				}
			}
		}
	}
	// Each input is set somewhere in the fleet: a renamed input would pass the check above.
	for _, k := range secretInputs {
		if !seen[k] {
			t.Errorf("no resource of any stack sets %s: the check of it passes on nothing", k)
		}
	}
	files, _ := filepath.Glob(filepath.Join(goldenDir, "*.json"))
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
}

func TestCacheAndBackups(t *testing.T) {
	fleet, _ := config.LoadDir(repo)
	for name, g := range regionGraphs(t) {
		groups := g.ByType(tReplication)
		if len(groups) != 1 {
			t.Fatalf("%s: %d replication groups", name, len(groups))
		}
		in := groups[0].Inputs
		for _, k := range []string{"atRestEncryptionEnabled", "transitEncryptionEnabled", "automaticFailoverEnabled", "multiAzEnabled"} {
			if in[k] != true {
				t.Errorf("%s: cache %s = %v", name, k, in[k])
			}
		}
		if in["authToken"] != synth.SecretMarker || !strings.HasPrefix(in["kmsKeyId"].(string), "arn:aws:kms:") || !groups[0].Protect {
			t.Errorf("%s: cache token %v key %v protect %v", name, in["authToken"], in["kmsKeyId"], groups[0].Protect)
		}
		vaults := g.ByType("aws:backup/vault:Vault")
		plans := g.ByType("aws:backup/plan:Plan")
		// Every region keeps its vaults; only the writer's runs the plan (one dataset, one backup).
		if !fleet.Stack(name).IsPrimary() {
			if len(vaults) != 2 || len(plans) != 0 || len(g.ByType("aws:backup/selection:Selection")) != 0 {
				t.Errorf("%s: a secondary with %d vaults, %d plans", name, len(vaults), len(plans))
			}
			continue
		}
		if len(vaults) != 2 || len(plans) != 1 {
			t.Fatalf("%s: %d vaults, %d plans", name, len(vaults), len(plans))
		}
		rule := plans[0].Inputs["rules"].([]any)[0].(map[string]any)
		copyTo := rule["copyActions"].([]any)[0].(map[string]any)["destinationVaultArn"].(string)
		want := ":" + fleet.Stack(name).Backup.CopyRegion + ":"
		if !strings.Contains(copyTo, want) || rule["lifecycle"].(map[string]any)["deleteAfter"] != float64(35) {
			t.Errorf("%s: backup copies to %s (want region %s), lifecycle %v", name, copyTo, want, rule["lifecycle"])
		}
		sel := g.ByType("aws:backup/selection:Selection")
		if len(sel) != 1 || !strings.Contains(sel[0].Inputs["resources"].([]any)[0].(string), ":cluster:") {
			t.Errorf("%s: backup selection %v", name, sel)
		}
	}
}

// The Aurora cluster's RDS events reach the stack's alerts topic: a subscription to the topic,
// and the topic and its key admit RDS (an encrypted topic drops what its key refuses).
func TestRDSEventsReachTheTopic(t *testing.T) {
	for name, r := range synthAll(t) {
		g := r.Graph
		if len(g.ByType(tCluster)) == 0 {
			continue
		}
		subs := g.ByType("aws:rds/eventSubscription:EventSubscription")
		topic := alertsTopic(t, g, name)
		if len(subs) != 1 || subs[0].Inputs["snsTopic"] != topic.State["arn"] {
			t.Errorf("%s: %d subscriptions to %v, alerts topic %v", name, len(subs), subs, topic.State["arn"])
			continue
		}
		policy := fmt.Sprint(alertsTopicPolicy(t, g, name).Inputs["policy"])
		var key string
		for _, k := range g.ByType("aws:kms/key:Key") {
			if strings.Contains(k.Name, "alerts") {
				key = fmt.Sprint(k.Inputs["policy"])
			}
		}
		if !strings.Contains(policy, "events.rds.amazonaws.com") || !strings.Contains(key, "events.rds.amazonaws.com") {
			t.Errorf("%s: the alerts topic or key does not admit RDS events:\n%s\n%s", name, policy, key)
		}
	}
}

// alertsTopic is the stack's encrypted alerts topic (a stack with a cache has a second,
// unencrypted topic for ElastiCache's events).
func alertsTopic(t *testing.T, g *synth.Graph, stack string) synth.Resource {
	t.Helper()
	rs := mustFind(t, g, stack, "alerts topic", func(r synth.Resource) bool {
		return r.Type == "aws:sns/topic:Topic" && strings.HasSuffix(r.Name, "-alerts")
	})
	if len(rs) != 1 {
		t.Fatalf("%s: %d alerts topics", stack, len(rs))
	}
	return rs[0]
}

func alertsTopicPolicy(t *testing.T, g *synth.Graph, stack string) synth.Resource {
	t.Helper()
	rs := mustFind(t, g, stack, "alerts topic policy", named("aws:sns/topicPolicy:TopicPolicy", "-alerts-policy"))
	if len(rs) != 1 {
		t.Fatalf("%s: %d alerts topic policies", stack, len(rs))
	}
	return rs[0]
}

// AWS Backup reports finished backup jobs and failed copies on the alerts topic (whose policy
// and key admit it), from every vault of a stack with backups; ElastiCache publishes its events
// to the stack's cache events topic, the only unencrypted one, which admits only this account's
// resources (AWS:SourceOwner).
func TestBackupAndCacheEventsReachATopic(t *testing.T) {
	fleet := committedFleet(t)
	checkedBackup, checkedCache := 0, 0
	for name, r := range synthAll(t) {
		g, s := r.Graph, fleet.Stack(name)
		if s == nil {
			continue
		}
		if s.Backup != nil && s.Database != nil {
			checkedBackup++
			topic := alertsTopic(t, g, name)
			vault := mustFind(t, g, name, "backup vault", func(r synth.Resource) bool {
				return r.Type == "aws:backup/vault:Vault" && strings.HasSuffix(r.Name, "-backup")
			})[0]
			n := one(t, g, name, "aws:backup/vaultNotifications:VaultNotifications")
			if n.Inputs["snsTopicArn"] != topic.State["arn"] || n.Inputs["backupVaultName"] != vault.State["name"] {
				t.Errorf("%s: vault notifications %v, want %s to %v", name, n.Inputs, vault.State["name"], topic.State["arn"])
			}
			if !slices.Contains(n.DependsOn, alertsTopicPolicy(t, g, name).URN) {
				t.Errorf("%s: vault notifications do not wait for the topic policy that admits AWS Backup: %v", name, n.DependsOn)
			}
			policy := fmt.Sprint(alertsTopicPolicy(t, g, name).Inputs["policy"])
			key := fmt.Sprint(mustFind(t, g, name, "alerts key", named("aws:kms/key:Key", "-alerts-key"))[0].Inputs["policy"])
			if !strings.Contains(policy, "backup.amazonaws.com") || !strings.Contains(key, "backup.amazonaws.com") {
				t.Errorf("%s: the alerts topic or key does not admit AWS Backup:\n%s\n%s", name, policy, key)
			}
		}
		if s.Cache != nil {
			checkedCache++
			topic := mustFind(t, g, name, "cache events topic", named("aws:sns/topic:Topic", "-cache-events"))[0]
			group := one(t, g, name, "aws:elasticache/replicationGroup:ReplicationGroup")
			if group.Inputs["notificationTopicArn"] != topic.State["arn"] {
				t.Errorf("%s: cache notifications to %v, want %v", name, group.Inputs["notificationTopicArn"], topic.State["arn"])
			}
			pol := fmt.Sprint(mustFind(t, g, name, "cache events policy", named("aws:sns/topicPolicy:TopicPolicy", "-cache-events-policy"))[0].Inputs["policy"])
			if !strings.Contains(pol, `"AWS:SourceOwner":"123456789012"`) || strings.Contains(pol, "aws:SourceAccount") {
				t.Errorf("%s: cache events policy %s", name, pol)
			}
		}
	}
	if checkedBackup == 0 || checkedCache == 0 {
		t.Fatalf("checked %d stacks with backups, %d with a cache", checkedBackup, checkedCache)
	}
}
