package database_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/database"
	"github.com/global-sovereign/global-sovereign/components/database/ids"
	"github.com/global-sovereign/global-sovereign/internal/graphtest"
	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
	"github.com/global-sovereign/global-sovereign/pkg/scope"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

const (
	tKey       = "aws:kms/key:Key"
	tAlias     = "aws:kms/alias:Alias"
	tSubnets   = "aws:rds/subnetGroup:SubnetGroup"
	tSG        = "aws:ec2/securityGroup:SecurityGroup"
	tRule      = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	tParams    = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
	tGlobal    = "aws:rds/globalCluster:GlobalCluster"
	tCluster   = "aws:rds/cluster:Cluster"
	tInstance  = "aws:rds/clusterInstance:ClusterInstance"
	tPassword  = "random:index/randomPassword:RandomPassword"
	tRandomID  = "random:index/randomId:RandomId"
	tSecret    = "aws:secretsmanager/secret:Secret"
	tVersion   = "aws:secretsmanager/secretVersion:SecretVersion"
	tAlarm     = "aws:cloudwatch/metricAlarm:MetricAlarm"
	tLogGroup  = "aws:cloudwatch/logGroup:LogGroup"
	topic      = "arn:aws:sns:eu-west-1:111122223333:gs-test-alerts"
	primaryArn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:gs-global/master-AbCdEf"
)

var (
	ams = scope.Scope{Partition: "aws", AccountID: "111122223333", Region: "eu-west-1", Protect: true}
	iad = scope.Scope{Partition: "aws", AccountID: "111122223333", Region: "us-east-1", Protect: true}
	gov = scope.Scope{Partition: "aws-us-gov", AccountID: "444455556666", Region: "us-gov-west-1", Protect: true}
)

func base(s scope.Scope, instances int, azs ...string) *database.Args {
	return &database.Args{
		Scope:         s,
		EngineVersion: "16.6", EngineMajor: "16", InstanceClass: "db.r6i.2xlarge", Instances: instances,
		AvailabilityZones:     azs,
		VpcID:                 pulumi.String("vpc-0123"),
		DatabaseSubnetIDs:     pulumi.StringArray{pulumi.String("subnet-0a"), pulumi.String("subnet-0b")},
		ClientCIDRs:           []string{"10.1.0.0/20", "10.1.16.0/20", "192.168.7.0/24"},
		AlarmTopicArn:         pulumi.String(topic),
		ReplicationLagAlarmMs: 2000,
		ApplyImmediately:      true,
		SecretRecoveryDays:    7,
	}
}

// replicaRegions are the regions the home's credentials are replicated to in these tests; the
// synth run gives each a provider (replicaProviders).
var replicaRegions = []string{"ap-southeast-2", "us-east-1"}

// primary is the first writer of a global database, in its home.
func primary(s scope.Scope, instances int, azs ...string) *database.Args {
	a := base(s, instances, azs...)
	a.Primary = &database.PrimaryArgs{BackupRetentionDays: 35}
	a.Home = &database.HomeArgs{GlobalClusterIdentifier: "gs-global", DatabaseName: "sovereign", MasterUsername: "sovereign_admin"}
	return a
}

// secondary is a read-only member that reads the global cluster and the secret from the home.
func secondary(s scope.Scope, instances int, azs ...string) *database.Args {
	a := base(s, instances, azs...)
	a.Secondary = &database.SecondaryArgs{SourceRegion: "eu-west-1"}
	a.FromHome = &database.FromHomeArgs{GlobalClusterID: pulumi.String("gs-global"), SecretArn: pulumi.String(primaryArn)}
	return a
}

var outputs = []string{"clusterIdentifier", "clusterArn", "writerEndpoint", "readerEndpoint", "globalClusterId", "secretArn", "keyArn", "securityGroupId"}

func synthDatabase(a *database.Args) (*synth.Graph, error) {
	r, err := synth.RunComponent(a.Scope.Region, func(ctx *pulumi.Context, p pulumi.ProviderResource) error {
		if a.Home != nil && a.Home.GlobalClusterIdentifier != "" && a.Home.ReplicaProviders == nil {
			a.Home.ReplicaProviders = map[string]pulumi.ProviderResource{}
			for _, r := range replicaRegions {
				rp, err := synth.NewAWSProvider(ctx, r, synth.ProviderName(r))
				if err != nil {
					return err
				}
				a.Home.ReplicaProviders[r] = rp
			}
		}
		d, err := database.New(ctx, "gs-test", a, pulumi.Provider(p))
		if err != nil {
			return err
		}
		for k, v := range map[string]pulumi.StringOutput{
			"clusterIdentifier": d.ClusterIdentifier, "clusterArn": d.ClusterArn, "writerEndpoint": d.WriterEndpoint,
			"readerEndpoint": d.ReaderEndpoint, "globalClusterId": d.GlobalClusterID, "secretArn": d.SecretArn,
			"keyArn": d.KeyArn, "securityGroupId": d.SecurityGroupID,
		} {
			ctx.Export(k, v)
		}
		return nil
	})
	if r == nil {
		return nil, err
	}
	return r.Graph, err
}

func TestDatabase(t *testing.T) {
	tests := []struct {
		name string
		args *database.Args
		root string // the key administrator the partition makes of the account
	}{
		{"primary, three instances in three AZs", primary(ams, 3, "eu-west-1a", "eu-west-1b", "eu-west-1c"), "arn:aws:iam::111122223333:root"},
		{"primary, unprotected, deferred changes, one instance", func() *database.Args {
			a := primary(scope.Scope{Partition: "aws", AccountID: "111122223333", Region: "eu-west-1"}, 1, "eu-west-1a", "eu-west-1b")
			a.ApplyImmediately, a.SecretRecoveryDays, a.Home.ReplicaProviders = false, 0, map[string]pulumi.ProviderResource{}
			return a
		}(), "arn:aws:iam::111122223333:root"},
		{"secondary, two instances round three AZs", secondary(iad, 2, "us-east-1a", "us-east-1b", "us-east-1c"), "arn:aws:iam::111122223333:root"},
		{"secondary, four instances round two AZs", secondary(iad, 4, "us-east-1a", "us-east-1b"), "arn:aws:iam::111122223333:root"},
		{"GovCloud primary", primary(gov, 2, "us-gov-west-1a", "us-gov-west-1b"), "arn:aws-us-gov:iam::444455556666:root"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.args
			isPrimary := a.Primary != nil
			g, err := synthDatabase(a)
			if err != nil {
				t.Fatal(err)
			}
			protect := a.Scope.Protect
			provider := synth.ProviderName(a.Scope.Region)
			for _, p := range synth.ChildProblems(g, database.Type, func(r synth.Resource) string {
				if strings.HasPrefix(r.Type, "random:") {
					return ""
				}
				// The replica keys are in their own regions.
				for _, rr := range replicaRegions {
					if strings.Contains(r.Name, "aurora-master-"+rr) {
						return synth.ProviderName(rr)
					}
				}
				return provider
			}) {
				t.Error(p)
			}
			roleOnly := 0
			if isPrimary {
				roleOnly = 1
			}
			alarms := 2 + 1 - roleOnly // a secondary also alarms on replication lag
			replicaKeys := 0
			if a.Home != nil {
				replicaKeys = len(a.Home.ReplicaProviders)
			}
			counts := map[string]int{tKey: 1 + replicaKeys, tAlias: 1 + replicaKeys, tSubnets: 1, tSG: 1, tRule: len(a.ClientCIDRs), tParams: 1, tCluster: 1,
				tInstance: a.Instances, tAlarm: alarms, tLogGroup: 1,
				// Credentials and the global cluster exist only in the primary region.
				tGlobal: roleOnly, tPassword: roleOnly, tRandomID: roleOnly, tSecret: roleOnly, tVersion: roleOnly}
			for typ, want := range counts {
				if got := len(g.ByType(typ)); got != want {
					t.Errorf("%d %s, want %d", got, typ, want)
				}
			}

			key := byName(t, g, "gs-test-aurora-key")
			keyArn := key.State["arn"].(string)
			var kp iampolicy.Document
			if err := json.Unmarshal([]byte(key.Inputs["policy"].(string)), &kp); err != nil {
				t.Fatal(err)
			}
			if key.Protect != protect || kp.Statement[0].Principal["AWS"][0] != tt.root {
				t.Errorf("key protect %v policy %+v", key.Protect, kp)
			}
			sg, subnets, params := graphtest.One(t, g, tSG), graphtest.One(t, g, tSubnets), graphtest.One(t, g, tParams)
			if sg.Inputs["vpcId"] != "vpc-0123" || len(subnets.Inputs["subnetIds"].([]any)) != 2 {
				t.Errorf("placement: sg %v, subnets %v", sg.Inputs, subnets.Inputs)
			}
			var cidrs []string
			for _, r := range g.ByType(tRule) {
				if r.Inputs["securityGroupId"] != sg.ID || r.Inputs["fromPort"] != float64(database.Port) {
					t.Errorf("rule %s: %v", r.Name, r.Inputs)
				}
				cidrs = append(cidrs, r.Inputs["cidrIpv4"].(string))
			}
			if slices.Sort(cidrs); !slices.Equal(cidrs, a.ClientCIDRs) {
				t.Errorf("5432 open to %v, want %v", cidrs, a.ClientCIDRs)
			}
			if params.Inputs["family"] != "aurora-postgresql"+a.EngineMajor ||
				!strings.Contains(fmt.Sprint(params.Inputs["parameters"]), "name:rds.force_ssl value:1") {
				t.Errorf("parameter group %v", params.Inputs)
			}

			// The cluster: encrypted with the region's key, protected twice over as the scope
			// says, in the subnets and security group, members ignoring what AWS changes.
			cluster := graphtest.One(t, g, tCluster)
			in := cluster.Inputs
			for k, want := range map[string]any{
				"clusterIdentifier": "gs-test-aurora", "engine": database.Engine, "engineVersion": a.EngineVersion,
				"storageEncrypted": true, "kmsKeyId": keyArn, "deletionProtection": protect, "applyImmediately": a.ApplyImmediately,
				"dbSubnetGroupName": subnets.State["name"], "dbClusterParameterGroupName": params.State["name"],
				"iamDatabaseAuthenticationEnabled": true, "port": float64(database.Port), "skipFinalSnapshot": !isPrimary,
			} {
				if in[k] != want {
					t.Errorf("cluster %s = %v, want %v", k, in[k], want)
				}
			}
			if ids := graphtest.Strings(in["vpcSecurityGroupIds"]); len(ids) != 1 || ids[0] != sg.ID {
				t.Errorf("cluster security groups %v", ids)
			}
			if !slices.Equal(graphtest.Strings(in["enabledCloudwatchLogsExports"]), []string{"postgresql"}) {
				t.Errorf("log exports %v", in["enabledCloudwatchLogsExports"])
			}
			// The PostgreSQL log goes to a group declared first, encrypted and expiring, and
			// carries no statement text (literal values).
			logs := graphtest.One(t, g, tLogGroup)
			if logs.Inputs["name"] != "/aws/rds/cluster/gs-test-aurora/postgresql" || logs.Inputs["kmsKeyId"] != keyArn ||
				logs.Inputs["retentionInDays"] != float64(database.LogRetentionDays) || logs.Protect != protect ||
				!slices.Contains(cluster.DependsOn, logs.URN) {
				t.Errorf("log group %v protect %v; cluster depends on %v", logs.Inputs, logs.Protect, cluster.DependsOn)
			}
			if !strings.Contains(fmt.Sprint(params.Inputs["parameters"]), "name:log_min_duration_statement value:-1") ||
				!strings.Contains(key.Inputs["policy"].(string), "logs."+a.Scope.Region+".amazonaws.com") {
				t.Errorf("statements logged %v, or the key does not admit CloudWatch Logs", params.Inputs["parameters"])
			}
			if cluster.Protect != protect {
				t.Errorf("cluster protect %v, want %v", cluster.Protect, protect)
			}
			if !slices.Equal(cluster.IgnoreChanges, []string{"databaseName", "engineVersion", "globalClusterIdentifier", "masterPassword",
				"masterUsername", "replicationSourceIdentifier", "sourceRegion"}) {
				t.Errorf("cluster ignores %v", cluster.IgnoreChanges)
			}

			if isPrimary {
				p, h := a.Primary, a.Home
				global := graphtest.One(t, g, tGlobal)
				if global.Inputs["globalClusterIdentifier"] != h.GlobalClusterIdentifier || global.Inputs["storageEncrypted"] != true ||
					global.Inputs["deletionProtection"] != protect || global.Protect != protect || global.Inputs["engineVersion"] != a.EngineVersion {
					t.Errorf("global cluster %v protect %v", global.Inputs, global.Protect)
				}
				if in["globalClusterIdentifier"] != global.ID || in["masterPassword"] != synth.SecretMarker ||
					in["masterUsername"] != h.MasterUsername || in["databaseName"] != h.DatabaseName ||
					in["backupRetentionPeriod"] != float64(p.BackupRetentionDays) || in["sourceRegion"] != nil ||
					!slices.Contains(cluster.AdditionalSecretOutputs, "masterPassword") {
					t.Errorf("primary cluster %v secret outputs %v", in, cluster.AdditionalSecretOutputs)
				}
				suffix := graphtest.One(t, g, tRandomID).State["hex"].(string)
				if in["finalSnapshotIdentifier"] != "gs-test-aurora-final-"+suffix {
					t.Errorf("final snapshot %v, want gs-test-aurora-final-%s", in["finalSnapshotIdentifier"], suffix)
				}
				pw := graphtest.One(t, g, tPassword).Inputs
				if pw["length"] != float64(40) || strings.ContainsAny(pw["overrideSpecial"].(string), `/@" `) {
					t.Errorf("master password %v", pw)
				}
				secret := graphtest.One(t, g, tSecret)
				// Every replica under a customer-managed key of its own region.
				var replicas, want []string
				for _, r := range secret.Inputs["replicas"].([]any) {
					region := r.(map[string]any)["region"].(string)
					replicas = append(replicas, region)
					rk := byName(t, g, "gs-test-aurora-master-"+region)
					if r.(map[string]any)["kmsKeyId"] != rk.State["arn"] || !strings.HasSuffix(rk.Provider, "::"+synth.ProviderName(region)) {
						t.Errorf("replica %s: key %v, want %v (provider %s)", region, r, rk.State["arn"], rk.Provider)
					}
				}
				for r := range h.ReplicaProviders {
					want = append(want, r)
				}
				slices.Sort(want)
				if secret.Inputs["name"] != h.GlobalClusterIdentifier+"/master" || secret.Inputs["kmsKeyId"] != keyArn ||
					secret.Inputs["recoveryWindowInDays"] != float64(a.SecretRecoveryDays) || secret.Protect != protect ||
					!slices.Equal(replicas, want) {
					t.Errorf("credentials secret %v protect %v", secret.Inputs, secret.Protect)
				}
				if v := graphtest.One(t, g, tVersion); v.Inputs["secretId"] != secret.ID || v.Inputs["secretString"] != synth.SecretMarker {
					t.Errorf("secret version %v", v.Inputs)
				}
				if g.Outputs["globalClusterId"] != global.ID || g.Outputs["secretArn"] != secret.State["arn"] {
					t.Errorf("primary outputs %v", g.Outputs)
				}
			} else {
				// A secondary joins the global cluster and carries nothing AWS takes from the primary.
				for _, k := range []string{"masterUsername", "masterPassword", "databaseName", "backupRetentionPeriod", "finalSnapshotIdentifier"} {
					if in[k] != nil {
						t.Errorf("secondary cluster sets %s = %v", k, in[k])
					}
				}
				if in["globalClusterIdentifier"] != "gs-global" || in["sourceRegion"] != "eu-west-1" {
					t.Errorf("secondary cluster %v", in)
				}
				// As on the writer: the provider's default (false) would flip it on every role change.
				if in["copyTagsToSnapshot"] != true {
					t.Errorf("secondary copyTagsToSnapshot %v, want true as on the writer", in["copyTagsToSnapshot"])
				}
				want := strings.Replace(primaryArn, ":eu-west-1:", ":"+a.Scope.Region+":", 1)
				if g.Outputs["globalClusterId"] != "gs-global" || g.Outputs["secretArn"] != want {
					t.Errorf("secondary outputs %v, want the replica secret %s", g.Outputs, want)
				}
			}

			// Instances: round the AZs, the first the writer, private, Performance Insights under
			// the key, upgraded through the global cluster.
			for i := 0; i < a.Instances; i++ {
				id := fmt.Sprintf("gs-test-aurora-%d", i+1)
				inst, ok := g.Named(tInstance, id)
				if !ok {
					t.Errorf("no instance %s", id)
					continue
				}
				for k, want := range map[string]any{
					"identifier": id, "clusterIdentifier": cluster.ID, "instanceClass": a.InstanceClass, "engine": database.Engine,
					"availabilityZone": a.AvailabilityZones[i%len(a.AvailabilityZones)], "promotionTier": float64(i),
					"publiclyAccessible": false, "performanceInsightsEnabled": true, "performanceInsightsKmsKeyId": keyArn,
					"autoMinorVersionUpgrade": false, "applyImmediately": a.ApplyImmediately,
				} {
					if inst.Inputs[k] != want {
						t.Errorf("instance %s %s = %v, want %v", id, k, inst.Inputs[k], want)
					}
				}
				// Rolling changes: each instance waits for the next, so one instance at a time
				// restarts, instance N first (see instances()).
				for j := 0; j < a.Instances; j++ {
					other, _ := g.Named(tInstance, fmt.Sprintf("gs-test-aurora-%d", j+1))
					if slices.Contains(inst.DependsOn, other.URN) != (j == i+1) {
						t.Errorf("instance %s depends on %v; want the next instance (%d) and no other", id, inst.DependsOn, i+2)
					}
				}
				if !slices.Equal(inst.IgnoreChanges, []string{"engineVersion"}) {
					t.Errorf("instance %s ignores %v", id, inst.IgnoreChanges)
				}
			}
			// ids.Roll is the chain preflight reads the writer against: each instance waits for
			// the one before it, and the last one is instance 1, promotion tier 0.
			roll := ids.Roll("gs-test", a.Instances)
			for k, id := range roll {
				inst, _ := g.Named(tInstance, id)
				if k > 0 {
					before, _ := g.Named(tInstance, roll[k-1])
					if !slices.Contains(inst.DependsOn, before.URN) {
						t.Errorf("ids.Roll %v: %s does not wait for %s", roll, id, roll[k-1])
					}
				}
			}
			if last, _ := g.Named(tInstance, roll[len(roll)-1]); last.Inputs["promotionTier"] != float64(0) {
				t.Errorf("ids.Roll %v ends with promotion tier %v, want 0", roll, last.Inputs["promotionTier"])
			}

			// Alarms on the cluster, to the topic; a secondary's lag alarm treats silence as lag.
			metrics := map[string]synth.Resource{}
			for _, al := range g.ByType(tAlarm) {
				if graphtest.Strings(al.Inputs["alarmActions"])[0] != topic || graphtest.Strings(al.Inputs["okActions"])[0] != topic ||
					!slices.Contains(al.DependsOn, cluster.URN) {
					t.Errorf("alarm %s: %v", al.Name, al.Inputs)
				}
				if qs, ok := al.Inputs["metricQueries"].([]any); ok {
					metrics[qs[0].(map[string]any)["label"].(string)] = al
					continue
				}
				metrics[al.Inputs["metricName"].(string)] = al
				if al.Inputs["dimensions"].(map[string]any)["DBClusterIdentifier"] != "gs-test-aurora" {
					t.Errorf("alarm %s: %v", al.Name, al.Inputs)
				}
			}
			// The cluster's RDS events go to the alerts topic too.
			ev := graphtest.One(t, g, "aws:rds/eventSubscription:EventSubscription")
			if ev.Inputs["snsTopic"] != topic || ev.Inputs["sourceType"] != "db-cluster" ||
				!slices.Equal(graphtest.Strings(ev.Inputs["sourceIds"]), []string{"gs-test-aurora"}) {
				t.Errorf("event subscription %v", ev.Inputs)
			}
			// CPU: the writer's, not the average of writer and readers; a secondary has no writer,
			// so its alarm watches its readers (a WRITER series there never exists).
			role := map[bool]string{true: "WRITER", false: "READER"}[isPrimary]
			if cpu, ok := metrics["CPUUtilization"]; !ok || cpu.Inputs["dimensions"].(map[string]any)["Role"] != role {
				t.Errorf("CPU alarm %v, want on the %s role", cpu.Inputs, role)
			}
			if _, ok := metrics["FreeableMemory"]; !ok {
				t.Error("no freeable memory alarm")
			}
			lag, ok := metrics["AuroraGlobalDBReplicationLag"]
			if ok == isPrimary {
				t.Errorf("replication lag alarm present %v in a primary %v", ok, isPrimary)
			}
			// The lag series carries SourceRegion beside DBClusterIdentifier: the alarm queries by the
			// cluster rather than naming a dimension set that would match nothing.
			if ok {
				q := lag.Inputs["metricQueries"].([]any)[0].(map[string]any)
				if lag.Inputs["threshold"] != float64(a.ReplicationLagAlarmMs) || lag.Inputs["treatMissingData"] != "breaching" ||
					q["expression"] != `SELECT MAX(AuroraGlobalDBReplicationLag) FROM "AWS/RDS" WHERE DBClusterIdentifier = 'gs-test-aurora'` ||
					q["returnData"] != true || q["period"] != float64(60) || lag.Inputs["metricName"] != nil || lag.Inputs["dimensions"] != nil {
					t.Errorf("lag alarm %v", lag.Inputs)
				}
			}

			for k, want := range map[string]any{
				"clusterIdentifier": "gs-test-aurora", "clusterArn": cluster.State["arn"], "writerEndpoint": cluster.State["endpoint"],
				"readerEndpoint": cluster.State["readerEndpoint"], "keyArn": keyArn, "securityGroupId": sg.ID,
			} {
				if g.Outputs[k] != want || want == nil {
					t.Errorf("output %s = %v, want %v", k, g.Outputs[k], want)
				}
			}
			for _, k := range outputs {
				if g.Outputs[k] == nil || g.Outputs[k] == "" {
					t.Errorf("output %s is empty", k)
				}
			}
		})
	}
}

func TestDatabaseRejects(t *testing.T) {
	tests := []struct {
		name string
		args func() *database.Args
		want string
	}{
		{"both primary and secondary", func() *database.Args {
			a := primary(ams, 3, "eu-west-1a", "eu-west-1b")
			a.Secondary = secondary(ams, 1, "eu-west-1a").Secondary
			return a
		}, "set exactly one of Primary and Secondary"},
		{"neither primary nor secondary", func() *database.Args { return base(ams, 3, "eu-west-1a", "eu-west-1b") },
			"set exactly one of Primary and Secondary"},
		{"no instances", func() *database.Args { return primary(ams, 0, "eu-west-1a", "eu-west-1b") }, "no instances"},
		{"negative instances", func() *database.Args { return secondary(iad, -1, "us-east-1a") }, "no instances"},
		{"no AZs", func() *database.Args { return primary(ams, 3) }, "no availability zones"},
		{"no alarm topic", func() *database.Args { a := primary(ams, 1, "eu-west-1a"); a.AlarmTopicArn = nil; return a },
			"alarm topic, VPC and subnets are required"},
		{"no VPC", func() *database.Args { a := secondary(iad, 1, "us-east-1a"); a.VpcID = nil; return a },
			"alarm topic, VPC and subnets are required"},
		{"no subnets", func() *database.Args { a := primary(ams, 1, "eu-west-1a"); a.DatabaseSubnetIDs = nil; return a },
			"alarm topic, VPC and subnets are required"},
		{"home without a global cluster identifier", func() *database.Args {
			a := primary(ams, 1, "eu-west-1a")
			a.Home.GlobalClusterIdentifier = ""
			return a
		}, "a global database's home needs a global cluster identifier, a standalone cluster none"},
		{"home without a master username", func() *database.Args {
			a := primary(ams, 1, "eu-west-1a")
			a.Home.MasterUsername = ""
			return a
		}, "the home needs a master username and a database name"},
		{"standalone with a global cluster identifier", func() *database.Args {
			a := primary(ams, 1, "eu-west-1a")
			a.Primary.Standalone = true
			return a
		}, "a global database's home needs a global cluster identifier, a standalone cluster none"},
		{"standalone that is not its own home", func() *database.Args {
			a := primary(ams, 1, "eu-west-1a")
			a.Primary.Standalone, a.Home, a.FromHome = true, nil, secondary(ams, 1, "eu-west-1a").FromHome
			return a
		}, "a standalone cluster is its own home"},
		{"both home and from home", func() *database.Args {
			a := primary(ams, 1, "eu-west-1a")
			a.FromHome = secondary(ams, 1, "eu-west-1a").FromHome
			return a
		}, "set exactly one of Home and FromHome"},
		{"member without the global cluster", func() *database.Args {
			a := secondary(iad, 1, "us-east-1a")
			a.FromHome.GlobalClusterID = nil
			return a
		}, "a member that is not the home needs the home's global cluster id and credentials secret"},
		{"secondary without the source region", func() *database.Args {
			a := secondary(iad, 1, "us-east-1a")
			a.Secondary.SourceRegion = ""
			return a
		}, "a secondary needs the writer's region"},
		{"member without the credentials secret", func() *database.Args {
			a := secondary(iad, 1, "us-east-1a")
			a.FromHome.SecretArn = nil
			return a
		}, "a member that is not the home needs the home's global cluster id and credentials secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := synthDatabase(tt.args())
			if err == nil || !strings.Contains(err.Error(), "database gs-test: "+tt.want) {
				t.Fatalf("want %q, got %v", tt.want, err)
			}
			if len(g.ByType(database.Type)) != 0 {
				t.Errorf("the component was declared before its Args were checked")
			}
		})
	}
}

// The replica of the primary's secret is the same ARN in the secondary's region, whatever the
// partition.
// A standalone cluster (an environment stack's) is a writer with its own credentials and no
// global cluster; its secret is named after the cluster, not a global database.
func TestStandalone(t *testing.T) {
	a := primary(ams, 1, "eu-west-1a")
	a.Primary.Standalone, a.Home.GlobalClusterIdentifier = true, ""
	g, err := synthDatabase(a)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(g.ByType("aws:rds/globalCluster:GlobalCluster")); n != 0 {
		t.Errorf("%d global clusters", n)
	}
	c := g.ByType("aws:rds/cluster:Cluster")
	if len(c) != 1 || c[0].Inputs["globalClusterIdentifier"] != nil || c[0].Inputs["masterUsername"] == nil || c[0].Inputs["masterPassword"] != "[secret]" {
		t.Fatalf("want one writer with its own secret credentials and no global cluster: %v", c)
	}
	secrets := g.ByType("aws:secretsmanager/secret:Secret")
	if len(secrets) != 1 || secrets[0].Inputs["name"] != "gs-test-aurora/master" {
		t.Errorf("secret %v, want gs-test-aurora/master", secrets)
	}
}

func TestSecondarySecretArnInEveryPartition(t *testing.T) {
	for _, arn := range []string{primaryArn, "arn:aws-us-gov:secretsmanager:us-gov-east-1:444455556666:secret:gs-global/master-AbCdEf"} {
		s := gov
		if strings.HasPrefix(arn, "arn:aws:") {
			s = iad
		}
		a := secondary(s, 1, s.Region+"a")
		a.FromHome.SecretArn = pulumi.String(arn)
		g, err := synthDatabase(a)
		if err != nil {
			t.Fatal(err)
		}
		got := g.Outputs["secretArn"].(string)
		if !regexp.MustCompile(`^arn:[a-z-]+:secretsmanager:`+s.Region+`:\d{12}:secret:gs-global/master-AbCdEf$`).MatchString(got) ||
			!strings.HasPrefix(got, arn[:strings.Index(arn, ":secretsmanager")]) {
			t.Errorf("replica of %s: %s", arn, got)
		}
	}
}

// byName is the one resource of the graph with the given name.
func byName(t *testing.T, g *synth.Graph, name string) synth.Resource {
	t.Helper()
	for _, r := range g.Resources {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no resource %s", name)
	return synth.Resource{}
}
