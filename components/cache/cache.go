// Package cache is a region's ElastiCache replication group (Valkey or Redis OSS): multi-AZ with
// automatic failover, encrypted at rest with the component's KMS key and in transit, an auth
// token kept secret in Secrets Manager, slow-log delivery to CloudWatch and daily snapshots.
//
// Each region runs its own cache: a Global Datastore spans at most two secondary regions, so
// it cannot join six.
package cache

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/elasticache"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/kmskey"
	"github.com/global-sovereign/global-sovereign/components/sgrules"
	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
	"github.com/global-sovereign/global-sovereign/pkg/scope"
)

// Type is the component's Pulumi type token.
const Type = "sovereign:cache:Cache"

// Port is the Redis protocol port.
const Port = 6379

// Args configures the cache.
type Args struct {
	Scope scope.Scope // partition, account and region of the provider; whether to protect

	Engine                string // valkey or redis
	EngineVersion         string
	NodeType              string
	Replicas              int // read replicas besides the primary node
	SnapshotRetentionDays int

	AvailabilityZones []string
	VpcID             pulumi.StringInput
	SubnetIDs         pulumi.StringArrayInput
	ClientCIDRs       []string // may connect on 6379
	// ClientSecurityGroups may connect on 6379, by name: the members of each group (the stack's
	// cluster), not everything else in the subnets they share.
	ClientSecurityGroups map[string]pulumi.StringInput

	AlarmTopicArn pulumi.StringInput
	// EventsTopicArn is where ElastiCache publishes the group's events (failover, node
	// replacement, maintenance): an unencrypted topic of the region (alerts.Args.CacheEvents).
	EventsTopicArn pulumi.StringInput
	// SecretRecoveryDays is the Secrets Manager recovery window of the auth token secret: 0
	// deletes it at once, 7-30 keep it recoverable.
	SecretRecoveryDays int
}

// Cache is the component.
type Cache struct {
	pulumi.ResourceState

	PrimaryEndpoint pulumi.StringOutput `pulumi:"primaryEndpoint"`
	ReaderEndpoint  pulumi.StringOutput `pulumi:"readerEndpoint"`
	SecretArn       pulumi.StringOutput `pulumi:"secretArn"`
	KeyArn          pulumi.StringOutput `pulumi:"keyArn"`
}

// Alarm thresholds.
const (
	engineCPUPercent = 80
	// evictionsPerPeriod: a cache runs full by design (LRU), so memory use says nothing; keys
	// evicted at this rate for 15 minutes mean the working set no longer fits.
	evictionsPerPeriod = 1000
	// replicationLagSeconds: a replica this far behind serves stale reads and, promoted, loses
	// writes.
	replicationLagSeconds = 10
	slowLogRetention      = 90
	alarmPeriodSeconds    = 300
	alarmEvaluationsMin   = 3
)

// New declares the cache. Pass the stack's regional provider with pulumi.Provider.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Cache, error) {
	if err := args.check(); err != nil {
		return nil, fmt.Errorf("cache %s: %w", name, err)
	}
	c := &Cache{}
	if err := ctx.RegisterComponentResource(Type, name, c, opts...); err != nil {
		return nil, err
	}
	b := &builder{ctx: ctx, name: name, args: args, parent: pulumi.Parent(c), groupID: name + "-cache"}
	steps := []func() error{b.key, b.authToken, b.network, b.slowLog, b.replicationGroup, b.secret, b.alarms}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}

	c.PrimaryEndpoint = b.group.PrimaryEndpointAddress
	c.ReaderEndpoint = b.group.ReaderEndpointAddress
	c.SecretArn = b.secretRes.Arn
	c.KeyArn = b.keyRes.Arn
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"primaryEndpoint": c.PrimaryEndpoint,
		"readerEndpoint":  c.ReaderEndpoint,
		"secretArn":       c.SecretArn,
		"keyArn":          c.KeyArn,
	})
}

// check guards against Args the program's config validation would have refused.
func (a *Args) check() error {
	if a.Replicas < 1 || len(a.AvailabilityZones) < 2 {
		return fmt.Errorf("automatic failover needs at least one replica and two AZs")
	}
	if a.VpcID == nil || a.SubnetIDs == nil || a.AlarmTopicArn == nil || a.EventsTopicArn == nil {
		return fmt.Errorf("a VPC, subnets, an alarm topic and an events topic are required")
	}
	return nil
}

// nodes is the number of cache nodes: the primary and its replicas.
func (a *Args) nodes() int { return 1 + a.Replicas }

// builder declares the cache's resources step by step; each step keeps what later ones use.
type builder struct {
	ctx     *pulumi.Context
	name    string
	args    *Args
	parent  pulumi.ResourceOption
	groupID string

	keyRes    *kms.Key
	token     *random.RandomPassword
	subnets   *elasticache.SubnetGroup
	sg        *ec2.SecurityGroup
	logGroup  *cloudwatch.LogGroup
	group     *elasticache.ReplicationGroup
	secretRes *secretsmanager.Secret
}

func (b *builder) n(format string, a ...any) string { return b.name + "-" + fmt.Sprintf(format, a...) }

// key encrypts the data, the slow logs and the auth token secret.
func (b *builder) key() (err error) {
	b.keyRes, err = kmskey.New(b.ctx, b.n("cache-key"), kmskey.Args{
		Description: fmt.Sprintf("%s cache data, slow logs and auth token", b.name),
		Alias:       b.name + "-cache",
		Protect:     b.args.Scope.Protect,
		Policy: iampolicy.New(
			kmskey.AccountAdmin(b.args.Scope),
			kmskey.CloudWatchLogs(b.args.Scope),
		),
	}, b.parent)
	return err
}

// authToken: ElastiCache accepts 16-128 printable characters without @, " or /; letters and
// digits avoid every quoting problem in clients.
func (b *builder) authToken() (err error) {
	b.token, err = random.NewRandomPassword(b.ctx, b.n("cache-auth"), &random.RandomPasswordArgs{
		Length:  pulumi.Int(64),
		Special: pulumi.Bool(false),
	}, b.parent)
	return err
}

// network places the nodes in the database subnets and admits only the clients on the port.
func (b *builder) network() (err error) {
	b.subnets, err = elasticache.NewSubnetGroup(b.ctx, b.n("cache"), &elasticache.SubnetGroupArgs{
		Description: pulumi.String(b.name + " cache: database subnets"),
		SubnetIds:   b.args.SubnetIDs,
	}, b.parent)
	if err != nil {
		return err
	}
	b.sg, err = ec2.NewSecurityGroup(b.ctx, b.n("cache"), &ec2.SecurityGroupArgs{
		VpcId:       b.args.VpcID,
		Description: pulumi.String("ElastiCache: 6379 from the cluster nodes of this stack"),
		Tags:        pulumi.StringMap{"Name": pulumi.String(b.n("cache"))},
	}, b.parent)
	if err != nil {
		return err
	}
	rules := append(sgrules.FromCIDRs(b.n("cache-in"), b.args.ClientCIDRs, Port, "Redis protocol"),
		sgrules.FromGroups(b.n("cache-from"), b.args.ClientSecurityGroups, Port, "Redis protocol")...)
	return sgrules.Ingress(b.ctx, b.sg.ID(), rules, b.parent)
}

func (b *builder) slowLog() (err error) {
	b.logGroup, err = cloudwatch.NewLogGroup(b.ctx, b.n("cache-slow-log"), &cloudwatch.LogGroupArgs{
		RetentionInDays: pulumi.Int(slowLogRetention),
		KmsKeyId:        b.keyRes.Arn,
	}, b.parent, pulumi.Protect(b.args.Scope.Protect))
	return err
}

// replicationGroup is the cache itself: one node per AZ in turn, failover across AZs.
func (b *builder) replicationGroup() (err error) {
	a := b.args
	azs := make([]string, a.nodes())
	for i := range azs {
		azs[i] = a.AvailabilityZones[i%len(a.AvailabilityZones)]
	}
	b.group, err = elasticache.NewReplicationGroup(b.ctx, b.groupID, &elasticache.ReplicationGroupArgs{
		ReplicationGroupId:       pulumi.String(b.groupID),
		Description:              pulumi.String(b.name + " cache"),
		Engine:                   pulumi.String(a.Engine),
		EngineVersion:            pulumi.String(a.EngineVersion),
		NodeType:                 pulumi.String(a.NodeType),
		NumCacheClusters:         pulumi.Int(a.nodes()),
		PreferredCacheClusterAzs: pulumi.ToStringArray(azs),
		AutomaticFailoverEnabled: pulumi.Bool(true),
		MultiAzEnabled:           pulumi.Bool(true),
		AtRestEncryptionEnabled:  pulumi.Bool(true),
		KmsKeyId:                 b.keyRes.Arn,
		TransitEncryptionEnabled: pulumi.Bool(true),
		AuthToken:                b.token.Result,
		SubnetGroupName:          b.subnets.Name,
		SecurityGroupIds:         pulumi.StringArray{b.sg.ID()},
		Port:                     pulumi.Int(Port),
		SnapshotRetentionLimit:   pulumi.Int(a.SnapshotRetentionDays),
		SnapshotWindow:           pulumi.String("03:00-05:00"),
		MaintenanceWindow:        pulumi.String("sun:05:30-sun:07:00"),
		AutoMinorVersionUpgrade:  pulumi.Bool(true),
		NotificationTopicArn:     a.EventsTopicArn,
		// Always true: AWS rejects a log-delivery change that is not applied immediately, and the
		// provider sends every changed field in one ModifyReplicationGroup call, so a deferred
		// update that touches the slow-log delivery would fail as a whole.
		ApplyImmediately: pulumi.Bool(true),
		LogDeliveryConfigurations: elasticache.ReplicationGroupLogDeliveryConfigurationArray{
			elasticache.ReplicationGroupLogDeliveryConfigurationArgs{
				Destination:     b.logGroup.Name,
				DestinationType: pulumi.String("cloudwatch-logs"),
				LogFormat:       pulumi.String("json"),
				LogType:         pulumi.String("slow-log"),
			},
		},
	}, b.parent,
		pulumi.Protect(a.Scope.Protect),
		pulumi.AdditionalSecretOutputs([]string{"authToken"}))
	return err
}

// secret holds the endpoint and auth token for clients. Auto-named (a random suffix per
// creation): a secret AWS still keeps in its recovery window after a destroy never blocks
// re-creating the stack.
func (b *builder) secret() (err error) {
	b.secretRes, err = secretsmanager.NewSecret(b.ctx, b.n("cache-auth"), &secretsmanager.SecretArgs{
		Description:          pulumi.String(fmt.Sprintf("Endpoint and auth token of the %s cache", b.name)),
		KmsKeyId:             b.keyRes.Arn,
		RecoveryWindowInDays: pulumi.Int(b.args.SecretRecoveryDays),
	}, b.parent, pulumi.Protect(b.args.Scope.Protect))
	if err != nil {
		return err
	}
	engine := b.args.Engine
	value := pulumi.All(b.group.PrimaryEndpointAddress, b.group.ReaderEndpointAddress, b.token.Result).ApplyT(func(v []any) (string, error) {
		data, err := json.Marshal(map[string]any{
			"engine": engine, "host": v[0].(string), "readerHost": v[1].(string), "port": Port, "tls": true, "authToken": v[2].(string),
		})
		return string(data), err
	}).(pulumi.StringOutput)
	_, err = secretsmanager.NewSecretVersion(b.ctx, b.n("cache-auth"), &secretsmanager.SecretVersionArgs{
		SecretId:     b.secretRes.ID(),
		SecretString: pulumi.ToSecret(value).(pulumi.StringOutput),
	}, b.parent)
	return err
}

// nodeAlarms are the per-node metrics alarmed on. Memory use is not one of them: a cache that
// evicts by design sits near full. ReplicationLag exists only on replicas, and any node can be
// one after a failover, so every node has the alarm and missing data is fine.
var nodeAlarms = []struct {
	suffix, metric, statistic, unit string
	threshold                       float64
}{
	{"cpu", "EngineCPUUtilization", "Average", "%", engineCPUPercent},
	{"evictions", "Evictions", "Sum", " keys per 5 minutes", evictionsPerPeriod},
	{"replication-lag", "ReplicationLag", "Maximum", " s", replicationLagSeconds},
}

// alarms watch every node: ElastiCache names the nodes of a non-clustered group <id>-001, -002...
func (b *builder) alarms() error {
	for i := 1; i <= b.args.nodes(); i++ {
		node := fmt.Sprintf("%s-%03d", b.groupID, i)
		for _, al := range nodeAlarms {
			if _, err := cloudwatch.NewMetricAlarm(b.ctx, b.n("cache-%03d-%s", i, al.suffix), &cloudwatch.MetricAlarmArgs{
				AlarmDescription:   pulumi.String(fmt.Sprintf("Cache node %s: %s above %.0f%s for 15 minutes", node, al.metric, al.threshold, al.unit)),
				Namespace:          pulumi.String("AWS/ElastiCache"),
				MetricName:         pulumi.String(al.metric),
				Dimensions:         pulumi.StringMap{"CacheClusterId": pulumi.String(node)},
				Statistic:          pulumi.String(al.statistic),
				Period:             pulumi.Int(alarmPeriodSeconds),
				EvaluationPeriods:  pulumi.Int(alarmEvaluationsMin),
				ComparisonOperator: pulumi.String("GreaterThanThreshold"),
				Threshold:          pulumi.Float64(al.threshold),
				TreatMissingData:   pulumi.String("notBreaching"),
				AlarmActions:       pulumi.Array{b.args.AlarmTopicArn},
				OkActions:          pulumi.Array{b.args.AlarmTopicArn},
			}, b.parent, pulumi.DependsOn([]pulumi.Resource{b.group})); err != nil {
				return err
			}
		}
	}
	return nil
}
