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
)

// Variables are the GitHub repository variables the workflows read, from the bootstrap's
// outputs: what a person sets once after bootstrap (NextSteps prints the commands).
func Variables(outputs map[string]string) [][2]string {
	return [][2]string{
		{"PULUMI_BACKEND_URL", outputs[OutputBackendURL]},
		{"AWS_PREVIEW_ROLE_ARN", outputs[OutputPreviewRoleArn]},
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
	fmt.Fprintf(&b, "Deploy role:      %s (trusts %s)\n", outputs[OutputDeployRoleArn], c.DeploySubject())
	b.WriteString("\nNext:\n")
	fmt.Fprintf(&b, "  pulumi login '%s'\n", outputs[OutputBackendURL])
	b.WriteString("  # the repository variables the workflows read:\n")
	for _, v := range Variables(outputs) {
		fmt.Fprintf(&b, "  gh variable set %s --repo %s --body '%s'\n", v[0], c.GitHub.Repository, v[1])
	}
	envs := append(append([]string(nil), c.GitHub.PreviewEnvironments...), c.GitHub.DeployEnvironment)
	fmt.Fprintf(&b, "  # create the environments %s (Settings > Environments; README, \"CI workflows\")\n", strings.Join(envs, ", "))
	fmt.Fprintf(&b, "  # in every region stack file: the preview role in global-sovereign:cluster.viewerRoleArns (%s)\n", outputs[OutputPreviewRoleArn])
	b.WriteString("  sovereign preflight --all && sovereign up --all\n")
	return b.String()
}
