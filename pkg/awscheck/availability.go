package awscheck

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// AuroraAvailability checks that every selected stack's region offers the Aurora PostgreSQL
// version and instance class its config asks for (rds:DescribeDBEngineVersions,
// rds:DescribeOrderableDBInstanceOptions): a version or class missing in one region (af-south-1
// and us-west-1 lag behind) fails the deploy only when the cluster or instance is created.
// Cache node types: CacheAvailability (cacheavailability.go).
var AuroraAvailability = Check{Name: "aurora-availability", Run: auroraAvailability}

func auroraAvailability(ctx context.Context, env Env, fleet *config.Fleet, names []string) ([]Finding, error) {
	type want struct{ region, version, class string }
	stacks := map[want][]string{}
	for _, n := range names {
		s := fleet.Stack(n)
		if s == nil || s.Database == nil {
			continue
		}
		w := want{s.Settings.AWSRegion, s.Database.EngineVersion, s.Database.InstanceClass}
		stacks[w] = append(stacks[w], s.Name)
	}
	keys := make([]want, 0, len(stacks))
	for w := range stacks {
		keys = append(keys, w)
	}
	slices.SortFunc(keys, func(a, b want) int {
		if a.region != b.region {
			return cmpString(a.region, b.region)
		}
		if a.version != b.version {
			return cmpString(a.version, b.version)
		}
		return cmpString(a.class, b.class)
	})
	var out []Finding
	for _, w := range keys {
		client := rds.NewFromConfig(env.Region(w.region))
		versions, err := client.DescribeDBEngineVersions(ctx, &rds.DescribeDBEngineVersionsInput{
			Engine: aws.String("aurora-postgresql"), EngineVersion: aws.String(w.version)})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", w.region, err)
		}
		if len(versions.DBEngineVersions) == 0 {
			out = append(out, Finding{Severity: Problem, Stacks: stacks[w],
				Message: fmt.Sprintf("Aurora PostgreSQL %s is not offered in %s", w.version, w.region),
				Fix:     fmt.Sprintf("set database.engineVersion to a version `aws rds describe-db-engine-versions --engine aurora-postgresql --region %s` lists, on every member", w.region)})
			continue
		}
		classes, err := client.DescribeOrderableDBInstanceOptions(ctx, &rds.DescribeOrderableDBInstanceOptionsInput{
			Engine: aws.String("aurora-postgresql"), EngineVersion: aws.String(w.version), DBInstanceClass: aws.String(w.class)})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", w.region, err)
		}
		if len(classes.OrderableDBInstanceOptions) == 0 {
			out = append(out, Finding{Severity: Problem, Stacks: stacks[w],
				Message: fmt.Sprintf("%s is not orderable for Aurora PostgreSQL %s in %s", w.class, w.version, w.region),
				Fix: fmt.Sprintf("set database.instanceClass to one `aws rds describe-orderable-db-instance-options --engine aurora-postgresql --engine-version %s --region %s` lists",
					w.version, w.region)})
		}
	}
	return out, nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
