package failover

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/global-sovereign/global-sovereign/pkg/awscheck"
)

// SecretReader reads a secret in a region (awscheck.DescribeSecret with the caller's
// credentials).
type SecretReader func(ctx context.Context, region, id string) (awscheck.Secret, error)

// replicas is step 5: the master credentials are one secret in the home stack's region,
// replicated to every other member's region under that region's key; applications of a region
// read their local replica. The failover changes neither the password nor the host (the global
// writer endpoint follows the writer), so the replicas must simply be in sync, in every region.
//
// From the home region (DescribeSecret's ReplicationStatus) a replica that is Failed or absent is
// named with its fix. When the home region cannot be read (an unplanned failover away from the
// home's region), the target's own replica is read: it still serves the credentials, and the
// only way to change them while the home is down is to promote it (StopReplicationToReplica),
// which is a person's decision: printed, never done (AWS: "Promote a replica secret to a
// standalone secret in Secrets Manager").
func replicas(ctx context.Context, o Options, p *Plan) error {
	if o.Secrets == nil {
		return fmt.Errorf("no secret reader: cannot check the credential replicas")
	}
	env := p.To.Settings.Environment
	home := o.Fleet.DatabaseHome(env)
	name := home.Database.GlobalClusterIdentifier + "/master"
	homeRegion := home.Settings.AWSRegion
	want := o.Fleet.ReplicaRegions(env)
	// The home's region may be the one that is down: do not wait on it for long.
	hctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	s, err := o.Secrets(hctx, homeRegion, name)
	if err != nil {
		fmt.Fprintf(o.Out, "step 5: cannot read %s in %s (%v); reading the replica in %s\n", name, homeRegion, err, p.To.Settings.AWSRegion)
		r, rerr := o.Secrets(ctx, p.To.Settings.AWSRegion, name)
		if rerr != nil {
			return fmt.Errorf("neither the secret in %s nor its replica in %s can be read: %w", homeRegion, p.To.Settings.AWSRegion, rerr)
		}
		fmt.Fprintf(o.Out, "step 5: %s in %s is a replica of %s: applications there still read the credentials.\n", name, p.To.Settings.AWSRegion, r.PrimaryRegion)
		fmt.Fprintf(o.Out, "  Decide: only if %s stays down and the credentials must change before it returns, promote the replica\n"+
			"  (aws secretsmanager stop-replication-to-replica --secret-id %s --region %s), then make %s the database.home\n"+
			"  and import the promoted secret; otherwise leave it: replication resumes when %s is back.\n",
			homeRegion, name, p.To.Settings.AWSRegion, p.To.Name, homeRegion)
		return nil
	}
	var bad []string
	for _, region := range want {
		i := slices.IndexFunc(s.ReplicationStatus, func(r awscheck.SecretReplica) bool { return r.Region == region })
		switch {
		case i < 0:
			bad = append(bad, fmt.Sprintf("%s: no replica (sovereign up --stack %s adds it)", region, home.Name))
		case s.ReplicationStatus[i].Status == "InSync":
			fmt.Fprintf(o.Out, "step 5: credentials replica in %s: InSync\n", region)
		case s.ReplicationStatus[i].Status == "InProgress":
			bad = append(bad, fmt.Sprintf("%s: InProgress (aws secretsmanager describe-secret --secret-id %s --region %s until InSync)", region, name, homeRegion))
		default:
			r := s.ReplicationStatus[i]
			bad = append(bad, fmt.Sprintf("%s: %s: %s (fix the cause, often a secret of that name already in %s or the replica key disabled; then "+
				"aws secretsmanager remove-regions-from-replication --secret-id %s --remove-replica-regions %s --region %s, and sovereign up --stack %s re-adds it)",
				region, r.Status, r.StatusMessage, region, name, region, homeRegion, home.Name))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("credentials replicas of %s not in sync:\n  %s", name, strings.Join(bad, "\n  "))
	}
	return nil
}
