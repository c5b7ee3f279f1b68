package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/global-sovereign/global-sovereign/pkg/awscheck"
	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/orchestrate"
)

// deployerChecks are what `up` asks AWS about the caller before anything runs. `up` is what
// creates the clusters: created by the wrong principal, a cluster gives that principal EKS's
// implicit admin entry (pulumi-eks v3.9.1 cannot turn it off, pulumi/pulumi-eks#2373), so the
// project's entry for it collides (ResourceInUseException on every later up), or the deploy role
// has no entry at all (401 for every Kubernetes object). preflight --online runs the same checks.
var deployerChecks = []awscheck.Check{awscheck.Identity, awscheck.Access}

// checkDeployer refuses an `up` whose caller would create a cluster as the wrong principal or
// cannot write to a cluster that exists. It runs with the engine's prerequisites, which already
// require AWS credentials; an engine without prerequisites (the fakes of orchestration tests)
// reaches no AWS, so it is skipped.
func checkDeployer(cmd *cobra.Command, eng orchestrate.Engine, endpoint string, fleet *config.Fleet, names []string) error {
	if _, real := eng.(orchestrate.Checker); !real {
		return nil
	}
	env, err := awscheck.Load(contextOf(cmd), endpoint)
	if err != nil {
		return configError(err)
	}
	var problems []string
	for _, f := range awscheck.Run(contextOf(cmd), env, fleet, names, deployerChecks) {
		if f.Severity == awscheck.Problem {
			problems = append(problems, f.String())
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return configError(fmt.Errorf("%s\nup refuses to start: the caller is not the principal these clusters need (above; recovery: docs/operations/first-deployment.md)",
		strings.Join(problems, "\n")))
}
