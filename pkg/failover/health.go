package failover

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/global-sovereign/global-sovereign/pkg/awscheck"
)

// LagReader reads a secondary cluster's AuroraGlobalDBReplicationLag over the last window
// (awscheck.GlobalReplicationLag with the caller's credentials).
type LagReader func(ctx context.Context, region, clusterID string, window time.Duration) (awscheck.GlobalLag, error)

// lagWindow is how far back the lag is read: long enough to hold a few one-minute datapoints,
// short enough that an old spike does not count.
const lagWindow = 10 * time.Minute

// health checks the target itself before anything is called, in the target's region (the
// writer's may be down): its cluster is available, and, for a planned switchover, its
// replication lag is reporting and under the threshold. SwitchoverGlobalCluster waits for every
// secondary to catch up before it moves the writer, with writes blocked meanwhile: a lagging
// target means minutes of refused writes (AWS: "Performing switchovers for Amazon Aurora global
// databases"). For an unplanned failover the lag is printed: about that much is lost.
func health(ctx context.Context, o Options, p *Plan) error {
	region, id := p.To.Settings.AWSRegion, clusterID(p.To)
	out, err := o.Client(region).DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(id)})
	var nf *types.DBClusterNotFoundFault
	switch {
	case errors.As(err, &nf):
		return fmt.Errorf("%s does not exist in %s", id, region)
	case err != nil:
		return fmt.Errorf("reading %s in %s: %w", id, region, err)
	case len(out.DBClusters) != 1:
		return fmt.Errorf("%s in %s: AWS returned %d clusters", id, region, len(out.DBClusters))
	}
	if status := aws.ToString(out.DBClusters[0].Status); status != "available" {
		return fmt.Errorf("%s in %s is %q, not available: wait until it is (aws rds describe-db-clusters --db-cluster-identifier %s --region %s)",
			id, region, status, id, region)
	}
	if o.Lag == nil {
		return fmt.Errorf("no replication-lag reader: cannot check %s", id)
	}
	lag, err := o.Lag(ctx, region, id, lagWindow)
	if err != nil {
		return err
	}
	limit := o.MaxLagMs
	if limit == 0 {
		limit = p.To.Database.ReplicationLagAlarmMs
	}
	if o.Mode == Unplanned {
		if lag.Points == 0 {
			fmt.Fprintf(o.Out, "%s: no replication-lag datapoint in the last %s: how much is lost is unknown\n", id, lagWindow)
		} else {
			fmt.Fprintf(o.Out, "%s: replication lag %.0f ms at the last datapoint: about that much of the old writer's commits is lost\n", id, lag.Latest)
		}
		return nil
	}
	switch {
	case lag.Points == 0:
		return fmt.Errorf("%s reports no AuroraGlobalDBReplicationLag in the last %s: replication may have stopped; a switchover would block writes until it catches up",
			id, lagWindow)
	case lag.Latest > float64(limit):
		return fmt.Errorf("%s lags %.0f ms behind the writer, over %d ms (database.replicationLagAlarmMs or --max-lag-ms): a switchover blocks writes until it catches up; wait and run again",
			id, lag.Latest, limit)
	}
	fmt.Fprintf(o.Out, "%s: available, replication lag %.0f ms (limit %d ms)\n", id, lag.Latest, limit)
	return nil
}
