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
}

// alarms watches CPU and freeable memory of every cluster and, in a secondary region, how far
// replication from the primary lags.
func (b *builder) alarms(cluster *rds.Cluster) error {
	list := []alarm{
		{suffix: "cpu", metric: "CPUUtilization", statistic: "Average", comparison: "GreaterThanThreshold",
			threshold: cpuAlarmPercent, period: alarmPeriodSeconds, missing: "notBreaching",
			description: fmt.Sprintf("Aurora %s: average CPU above %d%% for 15 minutes", b.name, cpuAlarmPercent)},
		{suffix: "freeable-memory", metric: "FreeableMemory", statistic: "Minimum", comparison: "LessThanThreshold",
			threshold: freeableMemoryBytes, period: alarmPeriodSeconds, missing: "notBreaching",
			description: fmt.Sprintf("Aurora %s: an instance has had under 2 GiB freeable memory for 15 minutes", b.name)},
	}
	if b.args.Secondary != nil {
		// No data means replication has stopped reporting, which is as bad as lagging.
		list = append(list, alarm{suffix: "replication-lag", metric: "AuroraGlobalDBReplicationLag", statistic: "Average",
			comparison: "GreaterThanThreshold", threshold: float64(b.args.ReplicationLagAlarmMs), period: lagPeriodSeconds,
			missing: "breaching", description: fmt.Sprintf("Aurora %s: global replication from the primary more than %d ms behind for 3 minutes",
				b.name, b.args.ReplicationLagAlarmMs)})
	}
	for _, al := range list {
		if _, err := cloudwatch.NewMetricAlarm(b.ctx, b.n("aurora-%s", al.suffix), &cloudwatch.MetricAlarmArgs{
			AlarmDescription:   pulumi.String(al.description),
			Namespace:          pulumi.String("AWS/RDS"),
			MetricName:         pulumi.String(al.metric),
			Dimensions:         pulumi.StringMap{"DBClusterIdentifier": cluster.ClusterIdentifier},
			Statistic:          pulumi.String(al.statistic),
			Period:             pulumi.Int(al.period),
			EvaluationPeriods:  pulumi.Int(alarmEvaluationCount),
			ComparisonOperator: pulumi.String(al.comparison),
			Threshold:          pulumi.Float64(al.threshold),
			TreatMissingData:   pulumi.String(al.missing),
			AlarmActions:       pulumi.Array{b.args.AlarmTopicArn},
			OkActions:          pulumi.Array{b.args.AlarmTopicArn},
		}, b.parent); err != nil {
			return err
		}
	}
	return nil
}
