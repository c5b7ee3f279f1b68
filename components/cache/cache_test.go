package cache_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/cache"
	"github.com/global-sovereign/global-sovereign/internal/graphtest"
	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
	"github.com/global-sovereign/global-sovereign/pkg/scope"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

const (
	tKey         = "aws:kms/key:Key"
	tAlias       = "aws:kms/alias:Alias"
	tPassword    = "random:index/randomPassword:RandomPassword"
	tSubnetGroup = "aws:elasticache/subnetGroup:SubnetGroup"
	tSG          = "aws:ec2/securityGroup:SecurityGroup"
	tRule        = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	tLogGroup    = "aws:cloudwatch/logGroup:LogGroup"
	tGroup       = "aws:elasticache/replicationGroup:ReplicationGroup"
	tSecret      = "aws:secretsmanager/secret:Secret"
	tVersion     = "aws:secretsmanager/secretVersion:SecretVersion"
	tAlarm       = "aws:cloudwatch/metricAlarm:MetricAlarm"
)

const (
	topic       = "arn:aws:sns:eu-west-1:111122223333:gs-test-alerts"
	eventsTopic = "arn:aws:sns:eu-west-1:111122223333:gs-test-cache-events"
)

var subnets = []string{"subnet-0a", "subnet-0b", "subnet-0c"}

func args(s scope.Scope, replicas int, azs ...string) *cache.Args {
	return &cache.Args{
		Scope:  s,
		Engine: "valkey", EngineVersion: "8.0", NodeType: "cache.r7g.large",
		Replicas: replicas, SnapshotRetentionDays: 7,
		AvailabilityZones: azs,
		VpcID:             pulumi.String("vpc-0123"),
		SubnetIDs:         pulumi.ToStringArray(subnets),
		ClientCIDRs:       []string{"10.1.0.0/20", "10.1.16.0/20"},
		AlarmTopicArn:     pulumi.String(topic),
		EventsTopicArn:    pulumi.String(eventsTopic),
	}
}

func synthCache(a *cache.Args) (*synth.Graph, error) {
	r, err := synth.RunComponent(a.Scope.Region, func(ctx *pulumi.Context, p pulumi.ProviderResource) error {
		c, err := cache.New(ctx, "gs-test", a, pulumi.Provider(p))
		if err != nil {
			return err
		}
		ctx.Export("primaryEndpoint", c.PrimaryEndpoint)
		ctx.Export("readerEndpoint", c.ReaderEndpoint)
		ctx.Export("secretArn", c.SecretArn)
		ctx.Export("keyArn", c.KeyArn)
		return nil
	})
	if r == nil {
		return nil, err
	}
	return r.Graph, err
}

func TestCache(t *testing.T) {
	eu := scope.Scope{Partition: "aws", AccountID: "111122223333", Region: "eu-west-1", Protect: true}
	tests := []struct {
		name string
		args *cache.Args
		azs  []string // the AZ of each node, in order
		logs string   // the log groups the key admits CloudWatch Logs to
		root string
	}{
		{
			name: "one replica in two AZs, protected",
			args: args(eu, 1, "eu-west-1a", "eu-west-1b"),
			azs:  []string{"eu-west-1a", "eu-west-1b"},
			logs: "arn:aws:logs:eu-west-1:111122223333:log-group:*", root: "arn:aws:iam::111122223333:root",
		},
		{
			name: "three replicas round the AZs, unprotected",
			args: func() *cache.Args {
				a := args(scope.Scope{Partition: "aws", AccountID: "111122223333", Region: "us-west-1"}, 3, "us-west-1a", "us-west-1c")
				a.SecretRecoveryDays, a.ClientCIDRs = 0, []string{"10.5.0.0/20"}
				return a
			}(),
			azs:  []string{"us-west-1a", "us-west-1c", "us-west-1a", "us-west-1c"},
			logs: "arn:aws:logs:us-west-1:111122223333:log-group:*", root: "arn:aws:iam::111122223333:root",
		},
		{
			name: "GovCloud, two replicas in three AZs",
			args: func() *cache.Args {
				a := args(scope.Scope{Partition: "aws-us-gov", AccountID: "444455556666", Region: "us-gov-west-1", Protect: true},
					2, "us-gov-west-1a", "us-gov-west-1b", "us-gov-west-1c")
				a.SecretRecoveryDays = 30
				return a
			}(),
			azs:  []string{"us-gov-west-1a", "us-gov-west-1b", "us-gov-west-1c"},
			logs: "arn:aws-us-gov:logs:us-gov-west-1:444455556666:log-group:*", root: "arn:aws-us-gov:iam::444455556666:root",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.args
			g, err := synthCache(a)
			if err != nil {
				t.Fatal(err)
			}
			protect := a.Scope.Protect
			nodes := 1 + a.Replicas
			provider := synth.ProviderName(a.Scope.Region)
			for _, p := range synth.ChildProblems(g, cache.Type, func(r synth.Resource) string {
				if strings.HasPrefix(r.Type, "random:") {
					return "" // the random provider runs locally
				}
				return provider
			}) {
				t.Error(p)
			}
			counts := map[string]int{tKey: 1, tAlias: 1, tPassword: 1, tSubnetGroup: 1, tSG: 1, tRule: len(a.ClientCIDRs),
				tLogGroup: 1, tGroup: 1, tSecret: 1, tVersion: 1, tAlarm: 3 * nodes}
			for typ, want := range counts {
				if got := len(g.ByType(typ)); got != want {
					t.Errorf("%d %s, want %d", got, typ, want)
				}
			}

			// The key encrypts data, slow logs and the secret; CloudWatch Logs of this region
			// and account may use it.
			key := graphtest.One(t, g, tKey)
			keyArn := key.State["arn"].(string)
			var kp iampolicy.Document
			if err := json.Unmarshal([]byte(key.Inputs["policy"].(string)), &kp); err != nil {
				t.Fatal(err)
			}
			if key.Protect != protect || len(kp.Statement) != 2 || kp.Statement[0].Principal["AWS"][0] != tt.root ||
				kp.Statement[1].Condition["ArnLike"]["kms:EncryptionContext:aws:logs:arn"] != tt.logs {
				t.Errorf("key protect %v policy %+v", key.Protect, kp)
			}

			// The replication group: one node per AZ in turn, failover across AZs, encrypted at
			// rest with the key and in transit, the token secret, protected as the scope says.
			group := graphtest.One(t, g, tGroup)
			in := group.Inputs
			var azs []string
			for _, z := range in["preferredCacheClusterAzs"].([]any) {
				azs = append(azs, z.(string))
			}
			if !slices.Equal(azs, tt.azs) || in["numCacheClusters"] != float64(nodes) {
				t.Errorf("%v nodes in %v, want %d in %v", in["numCacheClusters"], azs, nodes, tt.azs)
			}
			for k, want := range map[string]any{
				"automaticFailoverEnabled": true, "multiAzEnabled": true, "atRestEncryptionEnabled": true,
				"transitEncryptionEnabled": true, "kmsKeyId": keyArn, "authToken": synth.SecretMarker,
				"port": float64(cache.Port), "engine": a.Engine, "engineVersion": a.EngineVersion, "nodeType": a.NodeType,
				"snapshotRetentionLimit": float64(a.SnapshotRetentionDays), "replicationGroupId": "gs-test-cache",
				"subnetGroupName": graphtest.One(t, g, tSubnetGroup).State["name"], "applyImmediately": true,
				"notificationTopicArn": eventsTopic,
			} {
				if in[k] != want {
					t.Errorf("replication group %s = %v, want %v", k, in[k], want)
				}
			}
			sg := graphtest.One(t, g, tSG)
			if ids := in["securityGroupIds"].([]any); len(ids) != 1 || ids[0] != sg.ID {
				t.Errorf("replication group security groups %v, want %s", ids, sg.ID)
			}
			if group.Protect != protect || !slices.Contains(group.AdditionalSecretOutputs, "authToken") {
				t.Errorf("replication group protect %v secret outputs %v", group.Protect, group.AdditionalSecretOutputs)
			}
			logGroup := graphtest.One(t, g, tLogGroup)
			delivery := in["logDeliveryConfigurations"].([]any)
			if len(delivery) != 1 || delivery[0].(map[string]any)["destination"] != logGroup.State["name"] {
				t.Errorf("slow log delivered to %v, want %v", delivery, logGroup.State["name"])
			}
			if logGroup.Inputs["kmsKeyId"] != keyArn || logGroup.Protect != protect {
				t.Errorf("slow log group %v protect %v", logGroup.Inputs, logGroup.Protect)
			}

			// Placement: the given subnets; the port open to the client CIDRs only.
			sn := graphtest.One(t, g, tSubnetGroup).Inputs["subnetIds"].([]any)
			if len(sn) != len(subnets) || sn[0] != subnets[0] {
				t.Errorf("subnet group %v", sn)
			}
			if sg.Inputs["vpcId"] != "vpc-0123" {
				t.Errorf("security group in %v", sg.Inputs["vpcId"])
			}
			var cidrs []string
			for _, r := range g.ByType(tRule) {
				if r.Inputs["securityGroupId"] != sg.ID || r.Inputs["fromPort"] != float64(cache.Port) || r.Inputs["toPort"] != float64(cache.Port) {
					t.Errorf("rule %s: %v", r.Name, r.Inputs)
				}
				cidrs = append(cidrs, r.Inputs["cidrIpv4"].(string))
			}
			slices.Sort(cidrs)
			if !slices.Equal(cidrs, a.ClientCIDRs) {
				t.Errorf("rules admit %v, want %v", cidrs, a.ClientCIDRs)
			}

			// The auth token: a secret everywhere, stored under the key.
			secret := graphtest.One(t, g, tSecret)
			if secret.Inputs["kmsKeyId"] != keyArn || secret.Inputs["recoveryWindowInDays"] != float64(a.SecretRecoveryDays) || secret.Protect != protect {
				t.Errorf("secret %v protect %v", secret.Inputs, secret.Protect)
			}
			if v := graphtest.One(t, g, tVersion); v.Inputs["secretId"] != secret.ID || v.Inputs["secretString"] != synth.SecretMarker {
				t.Errorf("secret version %v", v.Inputs)
			}
			if pw := graphtest.One(t, g, tPassword); pw.Inputs["length"] != float64(64) || pw.Inputs["special"] != false {
				t.Errorf("auth token %v", pw.Inputs)
			}

			// Three alarms on every node, to the topic, after the group exists: CPU, evictions and
			// replication lag; not memory use, which an LRU cache keeps near full by design.
			want := map[string]bool{}
			for i := 1; i <= nodes; i++ {
				for _, m := range []string{"EngineCPUUtilization", "Evictions", "ReplicationLag"} {
					want[fmt.Sprintf("gs-test-cache-%03d %s", i, m)] = true
				}
			}
			for _, al := range g.ByType(tAlarm) {
				node := al.Inputs["dimensions"].(map[string]any)["CacheClusterId"]
				if !want[fmt.Sprintf("%v %v", node, al.Inputs["metricName"])] {
					t.Errorf("unexpected alarm %s on %v %v", al.Name, node, al.Inputs["metricName"])
				}
				delete(want, fmt.Sprintf("%v %v", node, al.Inputs["metricName"]))
				if acts := al.Inputs["alarmActions"].([]any); len(acts) != 1 || acts[0] != topic || al.Inputs["okActions"].([]any)[0] != topic {
					t.Errorf("alarm %s notifies %v", al.Name, acts)
				}
				if !slices.Contains(al.DependsOn, group.URN) {
					t.Errorf("alarm %s does not wait for the replication group", al.Name)
				}
			}
			if len(want) != 0 {
				t.Errorf("nodes without alarms: %v", want)
			}
			// ElastiCache names the nodes as the alarms do.
			members := group.State["memberClusters"].([]any)
			if len(members) != nodes || members[0] != "gs-test-cache-001" {
				t.Errorf("member clusters %v", members)
			}

			for k, want := range map[string]any{
				"primaryEndpoint": group.State["primaryEndpointAddress"], "readerEndpoint": group.State["readerEndpointAddress"],
				"secretArn": secret.State["arn"], "keyArn": keyArn,
			} {
				if g.Outputs[k] != want || want == nil {
					t.Errorf("output %s = %v, want %v", k, g.Outputs[k], want)
				}
			}
		})
	}
}

func TestCacheRejects(t *testing.T) {
	eu := scope.Scope{Partition: "aws", AccountID: "111122223333", Region: "eu-west-1", Protect: true}
	tests := []struct {
		name string
		edit func(*cache.Args)
		want string
	}{
		{"no replica", func(a *cache.Args) { a.Replicas = 0 }, "automatic failover needs at least one replica and two AZs"},
		{"negative replicas", func(a *cache.Args) { a.Replicas = -1 }, "automatic failover needs at least one replica and two AZs"},
		{"one AZ", func(a *cache.Args) { a.AvailabilityZones = a.AvailabilityZones[:1] }, "automatic failover needs at least one replica and two AZs"},
		{"no AZ", func(a *cache.Args) { a.AvailabilityZones = nil }, "automatic failover needs at least one replica and two AZs"},
		{"no VPC", func(a *cache.Args) { a.VpcID = nil }, "a VPC, subnets, an alarm topic and an events topic are required"},
		{"no subnets", func(a *cache.Args) { a.SubnetIDs = nil }, "a VPC, subnets, an alarm topic and an events topic are required"},
		{"no alarm topic", func(a *cache.Args) { a.AlarmTopicArn = nil }, "a VPC, subnets, an alarm topic and an events topic are required"},
		{"no events topic", func(a *cache.Args) { a.EventsTopicArn = nil }, "a VPC, subnets, an alarm topic and an events topic are required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := args(eu, 2, "eu-west-1a", "eu-west-1b", "eu-west-1c")
			tt.edit(a)
			g, err := synthCache(a)
			if err == nil || !strings.Contains(err.Error(), "cache gs-test: "+tt.want) {
				t.Fatalf("want %q, got %v", tt.want, err)
			}
			if len(g.ByType(cache.Type)) != 0 {
				t.Errorf("the component was declared before its Args were checked")
			}
		})
	}
}
