package main

import (
	"context"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/global-sovereign/global-sovereign/pkg/awscheck"
	"github.com/global-sovereign/global-sovereign/pkg/bootstrap"
)

// githubPreflight registers preflight's --github flag and returns what it finds: with a token
// (GITHUB_TOKEN or GH_TOKEN), whether the repository of bootstrap.yaml makes the CI roles' trust
// mean what it says: the OIDC subject template that names the workflow file, and each
// environment's protection (required reviewers on preview and production; deployment branches
// limited to main on production and drift). Without --github it finds nothing.
func githubPreflight(cmd *cobra.Command, dir *string) func(ctx context.Context) []awscheck.Finding {
	var on bool
	cmd.Flags().BoolVar(&on, "github", false, "also ask GitHub (GITHUB_TOKEN) whether the repository's OIDC subject template and environments protect the CI roles")
	return func(ctx context.Context) []awscheck.Finding {
		if !on {
			return nil
		}
		const check = "github"
		abs, err := filepath.Abs(*dir)
		if err != nil {
			return []awscheck.Finding{{Severity: awscheck.Problem, Check: check, Message: err.Error()}}
		}
		c, err := bootstrap.Load(abs, bootstrap.Overrides{})
		if err != nil {
			return []awscheck.Finding{{Severity: awscheck.Problem, Check: check, Message: err.Error(), Fix: "fix bootstrap.yaml"}}
		}
		api, ok := githubAPI()
		if !ok {
			return []awscheck.Finding{{Severity: awscheck.Problem, Check: check, Message: "--github needs a token: set GITHUB_TOKEN (or GH_TOKEN)",
				Fix: "GITHUB_TOKEN=$(gh auth token) sovereign preflight --github"}}
		}
		problems, err := c.CheckGitHub(ctx, api)
		if err != nil {
			return []awscheck.Finding{{Severity: awscheck.Problem, Check: check, Message: err.Error(),
				Fix: "a token that can read the repository's environments and Actions settings (repo scope, or Actions and Environments: read)"}}
		}
		var out []awscheck.Finding
		for _, p := range problems {
			out = append(out, awscheck.Finding{Severity: awscheck.Problem, Check: check, Message: p})
		}
		if len(out) == 0 {
			out = append(out, awscheck.Finding{Severity: awscheck.Info, Check: check,
				Message: "the subject template names the workflow and every environment of the CI roles is protected"})
		}
		return out
	}
}
