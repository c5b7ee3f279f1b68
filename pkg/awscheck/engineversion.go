package awscheck

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// EngineVersions reads the engine version each Aurora database runs and compares it with
// database.engineVersion, so that `up` does not fight an upgrade AWS made on its own.
//
// AWS upgrades a minor version that reaches its end of standard support without asking (a
// "forced" minor upgrade). terraform-provider-aws, under pulumi-aws, then reads the newer
// version into engineVersion on the next refresh (internal/service/rds compareActualEngineVersion:
// engine_version is set to the running version unless the configured one is a prefix of it), so
// the following `up` plans ModifyGlobalCluster/ModifyDBCluster back to the configured, older
// version, which AWS refuses ("Cannot upgrade ... from 16.8 to 16.6"): the update fails, and
// every later `up` with it. The program does not hide the difference (ignoring engineVersion on
// the global cluster or a standalone cluster would also ignore upgrades made in config); the
// config has to catch up, and this check says so before a deploy with the exact key to set.
// Only the global cluster (in the home's region) and standalone clusters are read: the members'
// engineVersion is ignored by the program (components/database memberIgnoreChanges).
var EngineVersions = Check{Name: "aurora-engine-version", Run: engineVersions}

func engineVersions(ctx context.Context, env Env, fleet *config.Fleet, names []string) ([]Finding, error) {
	var out []Finding
	seen := map[string]bool{}
	for _, n := range names {
		s := fleet.Stack(n)
		if s == nil || s.Database == nil || !s.IsRegion() && s.Database.Role != config.RoleStandalone {
			continue
		}
		d := s.Database
		region := s.Settings.AWSRegion
		client := rds.NewFromConfig(env.Region(region))
		var running, what string
		if d.Role == config.RoleStandalone {
			id := s.Settings.NamePrefix + "-aurora"
			what = "cluster " + id
			c, err := client.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(id)})
			var nf *types.DBClusterNotFoundFault
			switch {
			case errors.As(err, &nf):
				continue // not created yet
			case err != nil:
				return nil, fmt.Errorf("%s: %w", region, err)
			case len(c.DBClusters) == 1:
				running = aws.ToString(c.DBClusters[0].EngineVersion)
			}
		} else {
			home := fleet.DatabaseHome(s.Settings.Environment)
			if home == nil || seen[home.Name] {
				continue
			}
			seen[home.Name] = true
			id := home.Database.GlobalClusterIdentifier
			what, region = "global cluster "+id, home.Settings.AWSRegion
			g, err := rds.NewFromConfig(env.Region(region)).DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String(id)})
			var nf *types.GlobalClusterNotFoundFault
			switch {
			case errors.As(err, &nf):
				continue
			case err != nil:
				return nil, fmt.Errorf("%s: %w", region, err)
			case len(g.GlobalClusters) == 1:
				running = aws.ToString(g.GlobalClusters[0].EngineVersion)
			}
			d = home.Database
		}
		if running == "" || running == d.EngineVersion {
			continue
		}
		stacks := []string{s.Name}
		if d.Role != config.RoleStandalone {
			stacks = members(fleet, s.Settings.Environment)
		}
		if versionNewer(running, d.EngineVersion) {
			out = append(out, Finding{Severity: Problem, Stacks: stacks,
				Message: fmt.Sprintf("%s in %s runs Aurora PostgreSQL %s, newer than database.engineVersion %s (an upgrade AWS made, such as a forced minor upgrade): after a refresh `up` would try to go back to %s, which AWS refuses",
					what, region, running, d.EngineVersion, d.EngineVersion),
				Fix: fmt.Sprintf("set database.engineVersion: %q in the stack file of every stack listed, and commit it before the next up", running)})
			continue
		}
		out = append(out, Finding{Severity: Info, Stacks: stacks,
			Message: fmt.Sprintf("%s in %s runs Aurora PostgreSQL %s: the next up upgrades it to database.engineVersion %s", what, region, running, d.EngineVersion)})
	}
	return out, nil
}

// members are the region stacks of an environment's global database.
func members(fleet *config.Fleet, env config.Environment) []string {
	var out []string
	for _, s := range fleet.Stacks {
		if s.IsRegion() && s.Database != nil && s.Database.Role != config.RoleStandalone && s.Settings.Environment == env {
			out = append(out, s.Name)
		}
	}
	return out
}

// versionNewer says whether engine version a is newer than b, comparing dot-separated numbers
// numerically ("16.10" is newer than "16.9"); a part that is not a number compares as text.
func versionNewer(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y string
		if i < len(as) {
			x = as[i]
		}
		if i < len(bs) {
			y = bs[i]
		}
		xn, xerr := strconv.Atoi(x)
		yn, yerr := strconv.Atoi(y)
		switch {
		case xerr == nil && yerr == nil && xn != yn:
			return xn > yn
		case (xerr != nil || yerr != nil) && x != y:
			return x > y
		}
	}
	return false
}
