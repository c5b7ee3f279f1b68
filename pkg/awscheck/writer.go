package awscheck

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/global-sovereign/global-sovereign/components/database/ids"
	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// AuroraWriter says, per Aurora cluster of the selected stacks, which instance is the writer
// and whether it is the one a change to the instances reaches last.
//
// components/database chains the instances so that a change (an instance class, a CA, a
// parameter needing a restart) reaches them one at a time in ids.Roll order, instance 1 last.
// That protects the writer only if the writer is instance 1, and RDS does not keep it there: the
// first instance of a new cluster becomes the writer (instance N, the chain's first), and every
// automatic failover moves the writer by promotion tier and health. The check reads the writer
// from DescribeDBClusters (DBClusterMembers.member.IsClusterWriter) and gives the in-region
// failover that puts it back.
//
// A Warning, not a Problem: the roll still goes one instance at a time, so a writer restarted
// first costs one extra failover (about 30 s of writes), not a failed deploy; most deploys do
// not touch the instances at all; and blocking `up` on it would block every deploy after any
// automatic failover, including a fix made during an incident, until someone fails over again
// (itself a writer interruption). A person runs the fix before a change that modifies instances.
//
// Only a cluster with a writer member is judged: a secondary of a global database is made of
// Aurora Replicas only (Aurora User Guide, "Configuration requirements of an Amazon Aurora global
// database"), so it has no writer to put last and FailoverDBCluster is not the tool there (a
// global switchover is, sovereign failover). A standalone cluster and the global database's
// primary both hold the writer; FailoverDBCluster promotes "one of the Aurora Replicas in the DB
// cluster" to writer (RDS API reference, FailoverDBCluster) and stays in the region.
var AuroraWriter = Check{Name: "aurora-writer", Run: auroraWriter}

func auroraWriter(ctx context.Context, env Env, fleet *config.Fleet, names []string) ([]Finding, error) {
	var out []Finding
	for _, n := range names {
		s := fleet.Stack(n)
		if s == nil || s.Database == nil || !s.IsRegion() && s.Database.Role != config.RoleStandalone {
			continue
		}
		region, id := s.Settings.AWSRegion, ids.Cluster(s.Settings.NamePrefix)
		c, err := rds.NewFromConfig(env.Region(region)).DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(id)})
		var nf *types.DBClusterNotFoundFault
		switch {
		case errors.As(err, &nf):
			continue // not created yet: the first up creates it
		case err != nil:
			// The check only ever warns: a read it could not make is said as a warning for this
			// cluster and the others are still judged (Run turns a returned error into a Problem).
			out = append(out, Finding{Severity: Warning, Stacks: []string{s.Name},
				Message: fmt.Sprintf("could not read which instance writes Aurora cluster %s (%s): %v", id, region, err),
				Fix:     fmt.Sprintf("aws rds describe-db-clusters --region %s --db-cluster-identifier %s --query 'DBClusters[0].DBClusterMembers'", region, id)})
			continue
		case len(c.DBClusters) != 1:
			continue
		}
		if f, ok := judgeWriter(s, region, id, c.DBClusters[0].DBClusterMembers); ok {
			out = append(out, f)
		}
	}
	return out, nil
}

// judgeWriter compares the cluster's writer with the instance the roll reaches last; false when
// the cluster has no writer (a global database's secondary).
func judgeWriter(s *config.Stack, region, id string, members []types.DBClusterMember) (Finding, bool) {
	writer := ""
	for _, m := range members {
		if aws.ToBool(m.IsClusterWriter) {
			writer = aws.ToString(m.DBInstanceIdentifier)
		}
	}
	if writer == "" {
		return Finding{}, false
	}
	roll := ids.Roll(s.Settings.NamePrefix, s.Database.Instances)
	last := roll[len(roll)-1]
	what := fmt.Sprintf("cluster %s in %s", id, region)
	if writer == last {
		return Finding{Severity: Info, Stacks: []string{s.Name},
			Message: fmt.Sprintf("%s: the writer is %s, the instance a change to the instances reaches last", what, writer)}, true
	}
	place := "not one of the program's instances"
	if i := slices.Index(roll, writer); i >= 0 {
		place = fmt.Sprintf("number %d of %d in the order a change reaches the instances (%s last)", i+1, len(roll), last)
	}
	return Finding{Severity: Warning, Stacks: []string{s.Name},
		Message: fmt.Sprintf("%s: the writer is %s, %s: a change to the instances (instance class, CA) would restart the writer before the roll is done, not last",
			what, writer, place),
		Fix: fmt.Sprintf("before a change to the instances: aws rds failover-db-cluster --region %s --db-cluster-identifier %s --target-db-instance-identifier %s (an in-region failover: about 30 s without writes)",
			region, id, last)}, true
}
