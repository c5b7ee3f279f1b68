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
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/kmskey"
	"github.com/global-sovereign/global-sovereign/components/sgrules"
	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
)

// Type is the component's Pulumi type token.
const Type = "sovereign:cache:Cache"

// Port is the Redis protocol port.
const Port = 6379

// Args configures the cache.
type Args struct {
	Region    string
	AccountID string
	Partition string

	Engine                string // valkey or redis
	EngineVersion         string
	NodeType              string
	Replicas              int // read replicas besides the primary node
	SnapshotRetentionDays int

	AvailabilityZones []string
	VpcID             pulumi.StringInput
	SubnetIDs         pulumi.StringArrayInput
	ClientCIDRs       []string // may connect on 6379

	AlarmTopicArn pulumi.StringInput
	Protect       bool
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
	engineCPUPercent    = 80
	memoryUsagePercent  = 80
	slowLogRetention    = 90
	alarmPeriodSeconds  = 300
	alarmEvaluationsMin = 3
)

// New declares the cache. Pass the stack's regional provider with pulumi.Provider.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Cache, error) {
	if args.Replicas < 1 || len(args.AvailabilityZones) < 2 {
		return nil, fmt.Errorf("cache %s: automatic failover needs at least one replica and two AZs", name)
	}
	c := &Cache{}
	if err := ctx.RegisterComponentResource(Type, name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)
	n := func(format string, a ...any) string { return name + "-" + fmt.Sprintf(format, a...) }

	key, err := kmskey.New(ctx, n("cache-key"), kmskey.Args{
		Description: fmt.Sprintf("%s cache data, slow logs and auth token", name),
		Alias:       name + "-cache",
		Protect:     args.Protect,
		Policy: iampolicy.New(
			kmskey.AccountAdmin(args.Partition, args.AccountID),
			kmskey.CloudWatchLogs(args.Partition, args.Region, args.AccountID),
		),
	}, parent)
	if err != nil {
		return nil, err
	}

	// ElastiCache accepts 16-128 printable characters without @, " or /: letters and digits
	// avoid every quoting problem in clients.
	token, err := random.NewRandomPassword(ctx, n("cache-auth"), &random.RandomPasswordArgs{
		Length:  pulumi.Int(64),
		Special: pulumi.Bool(false),
	}, parent)
	if err != nil {
		return nil, err
	}

	subnets, err := elasticache.NewSubnetGroup(ctx, n("cache"), &elasticache.SubnetGroupArgs{
		Description: pulumi.String(name + " cache: database subnets"),
		SubnetIds:   args.SubnetIDs,
	}, parent)
	if err != nil {
		return nil, err
	}
	sg, err := ec2.NewSecurityGroup(ctx, n("cache"), &ec2.SecurityGroupArgs{
		VpcId:       args.VpcID,
		Description: pulumi.String("ElastiCache: 6379 from the region's private subnets"),
		Tags:        pulumi.StringMap{"Name": pulumi.String(n("cache"))},
	}, parent)
	if err != nil {
		return nil, err
	}
	if err := sgrules.Ingress(ctx, sg.ID(), sgrules.FromCIDRs(n("cache-in"), args.ClientCIDRs, Port, "Redis protocol"), parent); err != nil {
		return nil, err
	}
	slowLog, err := cloudwatch.NewLogGroup(ctx, n("cache-slow-log"), &cloudwatch.LogGroupArgs{
		RetentionInDays: pulumi.Int(slowLogRetention),
		KmsKeyId:        key.Arn,
	}, parent, pulumi.Protect(args.Protect))
	if err != nil {
		return nil, err
	}

	nodes := 1 + args.Replicas
	azs := make([]string, nodes)
	for i := range azs {
		azs[i] = args.AvailabilityZones[i%len(args.AvailabilityZones)]
	}
	groupID := n("cache")
	group, err := elasticache.NewReplicationGroup(ctx, groupID, &elasticache.ReplicationGroupArgs{
		ReplicationGroupId:       pulumi.String(groupID),
		Description:              pulumi.String(name + " cache"),
		Engine:                   pulumi.String(args.Engine),
		EngineVersion:            pulumi.String(args.EngineVersion),
		NodeType:                 pulumi.String(args.NodeType),
		NumCacheClusters:         pulumi.Int(nodes),
		PreferredCacheClusterAzs: pulumi.ToStringArray(azs),
		AutomaticFailoverEnabled: pulumi.Bool(true),
		MultiAzEnabled:           pulumi.Bool(true),
		AtRestEncryptionEnabled:  pulumi.Bool(true),
		KmsKeyId:                 key.Arn,
		TransitEncryptionEnabled: pulumi.Bool(true),
		AuthToken:                token.Result,
		SubnetGroupName:          subnets.Name,
		SecurityGroupIds:         pulumi.StringArray{sg.ID()},
		Port:                     pulumi.Int(Port),
		SnapshotRetentionLimit:   pulumi.Int(args.SnapshotRetentionDays),
		SnapshotWindow:           pulumi.String("03:00-05:00"),
		MaintenanceWindow:        pulumi.String("sun:05:30-sun:07:00"),
		AutoMinorVersionUpgrade:  pulumi.Bool(true),
		// Always true: AWS rejects a log-delivery change that is not applied immediately, and the
		// provider sends every changed field in one ModifyReplicationGroup call, so a deferred
		// update that touches the slow-log delivery would fail as a whole.
		ApplyImmediately: pulumi.Bool(true),
		LogDeliveryConfigurations: elasticache.ReplicationGroupLogDeliveryConfigurationArray{
			elasticache.ReplicationGroupLogDeliveryConfigurationArgs{
				Destination:     slowLog.Name,
				DestinationType: pulumi.String("cloudwatch-logs"),
				LogFormat:       pulumi.String("json"),
				LogType:         pulumi.String("slow-log"),
			},
		},
	}, parent,
		pulumi.Protect(args.Protect),
		pulumi.AdditionalSecretOutputs([]string{"authToken"}))
	if err != nil {
		return nil, err
	}

	// Auto-named (a random suffix per creation): a secret AWS still keeps in its recovery window
	// after a destroy never blocks re-creating the stack.
	secret, err := secretsmanager.NewSecret(ctx, n("cache-auth"), &secretsmanager.SecretArgs{
		Description:          pulumi.String(fmt.Sprintf("Endpoint and auth token of the %s cache", name)),
		KmsKeyId:             key.Arn,
		RecoveryWindowInDays: pulumi.Int(args.SecretRecoveryDays),
	}, parent, pulumi.Protect(args.Protect))
	if err != nil {
		return nil, err
	}
	value := pulumi.All(group.PrimaryEndpointAddress, group.ReaderEndpointAddress, token.Result).ApplyT(func(v []any) (string, error) {
		data, err := json.Marshal(map[string]any{
			"engine": args.Engine, "host": v[0].(string), "readerHost": v[1].(string), "port": Port, "tls": true, "authToken": v[2].(string),
		})
		return string(data), err
	}).(pulumi.StringOutput)
	if _, err := secretsmanager.NewSecretVersion(ctx, n("cache-auth"), &secretsmanager.SecretVersionArgs{
		SecretId:     secret.ID(),
		SecretString: pulumi.ToSecret(value).(pulumi.StringOutput),
	}, parent); err != nil {
		return nil, err
	}

	// Node-level metrics: ElastiCache names the nodes of a non-clustered group <id>-001, -002...
	for i := 1; i <= nodes; i++ {
		node := fmt.Sprintf("%s-%03d", groupID, i)
		for _, al := range []struct{ suffix, metric string }{
			{"cpu", "EngineCPUUtilization"}, {"memory", "DatabaseMemoryUsagePercentage"},
		} {
			threshold := float64(engineCPUPercent)
			if al.suffix == "memory" {
				threshold = memoryUsagePercent
			}
			if _, err := cloudwatch.NewMetricAlarm(ctx, n("cache-%03d-%s", i, al.suffix), &cloudwatch.MetricAlarmArgs{
				AlarmDescription:   pulumi.String(fmt.Sprintf("Cache node %s: %s above %.0f%% for 15 minutes", node, al.metric, threshold)),
				Namespace:          pulumi.String("AWS/ElastiCache"),
				MetricName:         pulumi.String(al.metric),
				Dimensions:         pulumi.StringMap{"CacheClusterId": pulumi.String(node)},
				Statistic:          pulumi.String("Average"),
				Period:             pulumi.Int(alarmPeriodSeconds),
				EvaluationPeriods:  pulumi.Int(alarmEvaluationsMin),
				ComparisonOperator: pulumi.String("GreaterThanThreshold"),
				Threshold:          pulumi.Float64(threshold),
				TreatMissingData:   pulumi.String("notBreaching"),
				AlarmActions:       pulumi.Array{args.AlarmTopicArn},
				OkActions:          pulumi.Array{args.AlarmTopicArn},
			}, parent, pulumi.DependsOn([]pulumi.Resource{group})); err != nil {
				return nil, err
			}
		}
	}

	c.PrimaryEndpoint = group.PrimaryEndpointAddress
	c.ReaderEndpoint = group.ReaderEndpointAddress
	c.SecretArn = secret.Arn
	c.KeyArn = key.Arn
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"primaryEndpoint": c.PrimaryEndpoint,
		"readerEndpoint":  c.ReaderEndpoint,
		"secretArn":       c.SecretArn,
		"keyArn":          c.KeyArn,
	})
}
