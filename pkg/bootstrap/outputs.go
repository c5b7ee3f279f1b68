package bootstrap

import (
	"fmt"
	"strings"
)

// The bootstrap stack's outputs.
const (
	OutputBackendURL      = "backendUrl"
	OutputSecretsProvider = "secretsProvider"
	OutputBucket          = "bucket"
	OutputReplicaBucket   = "replicaBucket"
	OutputSecretsKeyArn   = "secretsKeyArn"
	OutputOIDCProviderArn = "oidcProviderArn"
	OutputPreviewRoleArn  = "previewRoleArn"
	OutputDeployRoleArn   = "deployRoleArn"
	OutputDriftRoleArn    = "driftRoleArn"

	OutputSecretsReplicaProvider = "secretsReplicaProvider"
)

// StacksProject is the fleet's Pulumi project: its stacks tag what they create project=<it>.
const StacksProject = "global-sovereign"

// Variables are the GitHub repository variables the workflows read, from the bootstrap's
// outputs: what a person sets once after bootstrap (NextSteps prints the commands).
func Variables(outputs map[string]string) [][2]string {
	return [][2]string{
		{"PULUMI_BACKEND_URL", outputs[OutputBackendURL]},
		{"AWS_PREVIEW_ROLE_ARN", outputs[OutputPreviewRoleArn]},
		{"AWS_DRIFT_ROLE_ARN", outputs[OutputDriftRoleArn]},
		{"AWS_DEPLOY_ROLE_ARN", outputs[OutputDeployRoleArn]},
	}
}

// NextSteps is what sovereign bootstrap prints once the state is in the bucket.
func NextSteps(c *Config, outputs map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "State backend:    %s\n", outputs[OutputBackendURL])
	fmt.Fprintf(&b, "Secrets provider: %s\n", outputs[OutputSecretsProvider])
	fmt.Fprintf(&b, "Replica bucket:   %s (%s)\n", outputs[OutputReplicaBucket], c.ReplicaRegion)
	fmt.Fprintf(&b, "Preview role:     %s (trusts %s)\n", outputs[OutputPreviewRoleArn], strings.Join(c.PreviewSubjects(), ", "))
	fmt.Fprintf(&b, "Drift role:       %s (trusts %s)\n", outputs[OutputDriftRoleArn], c.DriftSubject())
	fmt.Fprintf(&b, "Deploy role:      %s (trusts %s)\n", outputs[OutputDeployRoleArn], c.DeploySubject())
	fmt.Fprintf(&b, "Secrets replica:  %s (after losing %s: docs/operations/recover-state-backend.md)\n", outputs[OutputSecretsReplicaProvider], c.Region)
	b.WriteString("\nNext:\n")
	fmt.Fprintf(&b, "  pulumi login '%s'\n", outputs[OutputBackendURL])
	b.WriteString("  # the repository variables the workflows read:\n")
	for _, v := range Variables(outputs) {
		fmt.Fprintf(&b, "  gh variable set %s --repo %s --body '%s'\n", v[0], c.GitHub.Repository, v[1])
	}
	b.WriteString("  # the OIDC subject template the roles' trust expects (sovereign bootstrap sets it when GITHUB_TOKEN is set):\n")
	fmt.Fprintf(&b, "  %s\n", SubjectTemplateCommand(c.GitHub.Repository))
	envs := append(append([]string(nil), c.GitHub.PreviewEnvironments...), c.GitHub.DriftEnvironment, c.GitHub.DeployEnvironment)
	fmt.Fprintf(&b, "  # create the environments %s (Settings > Environments; docs/security.md, \"CI workflows\")\n", strings.Join(envs, ", "))
	fmt.Fprintf(&b, "  # in every stack file with a cluster: the preview role in global-sovereign:cluster.viewerRoleArns (%s),\n",
		outputs[OutputPreviewRoleArn])
	fmt.Fprintf(&b, "  # the drift role in global-sovereign:cluster.auditorRoleArns (%s): its refresh reads Helm's release Secrets\n",
		outputs[OutputDriftRoleArn])
	b.WriteString("  sovereign preflight --all && sovereign up --all\n")
	return b.String()
}

// SubjectTemplateCommand is the gh command that sets the repository's OIDC subject template to
// SubjectClaimKeys (REST API: PUT /repos/{owner}/{repo}/actions/oidc/customization/sub).
func SubjectTemplateCommand(repo string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "gh api --method PUT repos/%s/actions/oidc/customization/sub -F use_default=false", repo)
	for _, k := range SubjectClaimKeys {
		fmt.Fprintf(&b, " -f 'include_claim_keys[]=%s'", k)
	}
	return b.String()
}
