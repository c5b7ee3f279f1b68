package awscheck

import (
	"os/exec"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// lookPath finds a command on PATH (a variable for tests).
var lookPath = exec.LookPath

// AWSCLI is an offline note: every cluster's kubeconfig (pulumi-eks's, used by the Kubernetes
// provider of every stack that applies into a cluster) authenticates with `aws eks get-token`, so
// the machine that runs `up` needs the aws CLI on PATH; without it every Kubernetes object fails
// after the AWS resources were created.
func AWSCLI(fleet *config.Fleet, names []string) []Finding {
	var stacks []string
	for _, n := range names {
		if s := fleet.Stack(n); s != nil && (s.Cluster != nil || s.Settings.Kind == config.KindClient || s.Settings.Kind == config.KindGlobal) {
			stacks = append(stacks, n)
		}
	}
	if len(stacks) == 0 {
		return nil
	}
	if _, err := lookPath("aws"); err == nil {
		return nil
	}
	return []Finding{{Severity: Problem, Stacks: stacks, Check: "aws-cli",
		Message: "the aws CLI is not on PATH: the clusters' kubeconfigs run `aws eks get-token`, so every Kubernetes object of these stacks would fail",
		Fix:     "install AWS CLI v2 (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html) on the machine that runs `up`"}}
}
