package database

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Thresholds of the cluster alarms.
const (
	cpuAlarmPercent      = 80
	freeableMemoryBytes  = 2 << 30 // 2 GiB: below this the buffer cache is being squeezed out
	alarmPeriodSeconds   = 300
	lagPeriodSeconds     = 60
	alarmEvaluationCount = 3
)

type alarm struct {
	suffix, metric, statistic, comparison, description, missing string
	threshold                                                   float64
	period                                                      int
	// dimensions besides DBClusterIdentifier.
	dimensions map[string]string
	// query, when set, is a CloudWatch Metrics Insights query the alarm watches instead of one
	// metric with fixed dimensions.
	query string
}

// alarms watches the writer's CPU and every instance's freeable memory and, in a secondary
// region, how far replication from the writer lags.
//
// CPU: the cluster-wide CPUUtilization averages the writer and the readers, so a pegged writer
// beside two idle readers reads about 33%; the Role=WRITER series is the writer's alone,
// whichever instance writes (AWS: "use WRITER or READER role metrics" for Aurora alarms).
//
// Replication lag: AuroraGlobalDBReplicationLag is published in the secondary region with a
// SourceRegion dimension beside DBClusterIdentifier, so an alarm on DBClusterIdentifier alone
// watches a series that does not exist and, treating missing data as breaching, sits in ALARM
// forever. A Metrics Insights query filtered on the cluster matches the series whatever its other
// dimensions, and needs no change when the writer's region does.
func (b *builder) alarms(cluster *rds.Cluster) error {
	// A secondary has no writer: its Role=WRITER series never exists, so it watches its readers.
	role, whose := "WRITER", "the writer's"
	if b.args.Secondary != nil {
		role, whose = "READER", "the readers' average"
	}
	list := []alarm{
		{suffix: "cpu", metric: "CPUUtilization", statistic: "Average", comparison: "GreaterThanThreshold",
			threshold: cpuAlarmPercent, period: alarmPeriodSeconds, missing: "notBreaching", dimensions: map[string]string{"Role": role},
			description: fmt.Sprintf("Aurora %s: %s CPU above %d%% for 15 minutes", b.name, whose, cpuAlarmPercent)},
		{suffix: "freeable-memory", metric: "FreeableMemory", statistic: "Minimum", comparison: "LessThanThreshold",
			threshold: freeableMemoryBytes, period: alarmPeriodSeconds, missing: "notBreaching",
			description: fmt.Sprintf("Aurora %s: an instance has had under 2 GiB freeable memory for 15 minutes", b.name)},
	}
	if b.args.Secondary != nil {
		// No data means replication has stopped reporting, which is as bad as lagging.
		list = append(list, alarm{suffix: "replication-lag", metric: "AuroraGlobalDBReplicationLag",
			comparison: "GreaterThanThreshold", threshold: float64(b.args.ReplicationLagAlarmMs), period: lagPeriodSeconds,
			query:   fmt.Sprintf(`SELECT MAX(AuroraGlobalDBReplicationLag) FROM "AWS/RDS" WHERE DBClusterIdentifier = '%s'`, b.n("aurora")),
			missing: "breaching", description: fmt.Sprintf("Aurora %s: global replication from the writer more than %d ms behind for 3 minutes",
				b.name, b.args.ReplicationLagAlarmMs)})
	}
	// RDS events of the cluster (failover, failure, maintenance, notification...: every category)
	// go to the same topic, which admits events.rds.amazonaws.com (alerts.RDSEvents).
	if _, err := rds.NewEventSubscription(b.ctx, b.n("aurora-events"), &rds.EventSubscriptionArgs{
		SnsTopic:   b.args.AlarmTopicArn,
		SourceType: pulumi.String("db-cluster"),
		SourceIds:  pulumi.StringArray{cluster.ClusterIdentifier},
	}, b.parent); err != nil {
		return err
	}
	for _, al := range list {
		args := &cloudwatch.MetricAlarmArgs{
			AlarmDescription:   pulumi.String(al.description),
			EvaluationPeriods:  pulumi.Int(alarmEvaluationCount),
			ComparisonOperator: pulumi.String(al.comparison),
			Threshold:          pulumi.Float64(al.threshold),
			TreatMissingData:   pulumi.String(al.missing),
			AlarmActions:       pulumi.Array{b.args.AlarmTopicArn},
			OkActions:          pulumi.Array{b.args.AlarmTopicArn},
		}
		if al.query != "" {
			// The query names the cluster by its fixed identifier; the alarm depends on the cluster
			// through the option below, so it is not created before the metric can exist.
			args.MetricQueries = cloudwatch.MetricAlarmMetricQueryArray{cloudwatch.MetricAlarmMetricQueryArgs{
				Id: pulumi.String("lag"), Expression: pulumi.String(al.query), Period: pulumi.Int(al.period),
				Label: pulumi.String(al.metric), ReturnData: pulumi.Bool(true)}}
		} else {
			dims := pulumi.StringMap{"DBClusterIdentifier": cluster.ClusterIdentifier}
			for k, v := range al.dimensions {
				dims[k] = pulumi.String(v)
			}
			args.Namespace, args.MetricName, args.Dimensions = pulumi.String("AWS/RDS"), pulumi.String(al.metric), dims
			args.Statistic, args.Period = pulumi.String(al.statistic), pulumi.Int(al.period)
		}
		if _, err := cloudwatch.NewMetricAlarm(b.ctx, b.n("aurora-%s", al.suffix), args, b.parent,
			pulumi.DependsOn([]pulumi.Resource{cluster})); err != nil {
			return err
		}
	}
	return nil
}
