package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/spf13/cobra"

	"github.com/global-sovereign/global-sovereign/pkg/awscheck"
	"github.com/global-sovereign/global-sovereign/pkg/failover"
)

// newFailover is `sovereign failover`: the runbook docs/operations/aurora-global-failover.md as a
// command (pkg/failover).
func newFailover(g *globalFlags) *cobra.Command {
	var to, endpoint string
	var maxLagMs int
	var planned, unplanned, allowDataLoss, dryRun, yes bool
	cmd := &cobra.Command{
		Use:   "failover --to <stack> (--planned | --unplanned --allow-data-loss) [--dry-run] [-y]",
		Short: "Move the writer of the Aurora global database to another region and make the config say so",
		Long: "failover checks the global cluster in AWS and the target in its region (cluster available; for\n" +
			"--planned, replication lag reporting and under --max-lag-ms), prints the plan and asks; then it calls\n" +
			"SwitchoverGlobalCluster (--planned: both regions healthy, no data loss) or FailoverGlobalCluster\n" +
			"with AllowDataLoss (--unplanned: the writer's region is down), waits until AWS reports the target as\n" +
			"the writer, edits the stack files (roles, database.home, dns.defaultRegion) and checks that the master\n" +
			"credentials' replica is InSync in every member's region (or says how to promote one). It moves no Pulumi\n" +
			"state. Run it again after a failure: it resumes from what AWS says. Exit 2: bad usage or config,\n" +
			"nothing done; 1: a step failed (the message says which and what changed).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if planned == unplanned {
				return configError(fmt.Errorf("say exactly one of --planned and --unplanned"))
			}
			fleet, err := loadFleet(g.dir)
			if err != nil {
				return err
			}
			mode := failover.Planned
			if unplanned {
				mode = failover.Unplanned
			}
			o := failover.Options{Dir: g.dir, Fleet: fleet, To: to, Mode: mode, AllowDataLoss: allowDataLoss, DryRun: dryRun, Yes: yes,
				MaxLagMs: maxLagMs, In: cmd.InOrStdin(), Out: cmd.OutOrStdout()}
			if _, err := failover.NewPlan(o); err != nil {
				return configError(err)
			}
			env, err := awscheck.Load(contextOf(cmd), endpoint)
			if err != nil {
				return configError(err)
			}
			o.Client = func(region string) failover.API { return rds.NewFromConfig(env.Region(region)) }
			o.Lag = func(ctx context.Context, region, id string, window time.Duration) (awscheck.GlobalLag, error) {
				return awscheck.GlobalReplicationLag(ctx, env, region, id, window)
			}
			o.Secrets = func(ctx context.Context, region, id string) (awscheck.Secret, error) {
				return awscheck.DescribeSecret(ctx, env, region, id)
			}
			if err := failover.Run(contextOf(cmd), o); err != nil {
				if errors.Is(err, failover.ErrDeclined) {
					return configError(err)
				}
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "the region stack (or its AWS region) that becomes the writer")
	cmd.Flags().BoolVar(&planned, "planned", false, "switchover: both regions healthy, nothing committed is lost")
	cmd.Flags().BoolVar(&unplanned, "unplanned", false, "failover: the writer's region is down (needs --allow-data-loss)")
	cmd.Flags().BoolVar(&allowDataLoss, "allow-data-loss", false, "accept losing what the old writer had not replicated (--unplanned)")
	cmd.Flags().IntVar(&maxLagMs, "max-lag-ms", 0, "most replication lag of the target a --planned switchover accepts (default: its database.replicationLagAlarmMs)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the plan and what AWS says; change nothing")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask before acting (CI)")
	cmd.Flags().StringVar(&endpoint, "aws-endpoint", "", "send every AWS call to this endpoint (tests: a fake AWS API)")
	_ = cmd.Flags().MarkHidden("aws-endpoint")
	_ = cmd.MarkFlagRequired("to")
	return cmd
}
