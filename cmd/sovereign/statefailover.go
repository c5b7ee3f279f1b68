package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/global-sovereign/global-sovereign/pkg/bootstrap"
)

// newStateFailover switches an exported stack from the secrets key's primary to its replica
// (docs/operations/recover-state-backend.md): the URL in the state changes, nothing else.
func newStateFailover(g *globalFlags) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "state-failover --deployment FILE",
		Short: "Point an exported stack's secrets provider at the secrets key's replica region (after losing the state's region)",
		Long: "Rewrites a file written by `pulumi stack export` so that its secrets provider is\n" +
			"awskms://alias/<secretsKeyAlias>?region=<replicaRegion> instead of the primary region's (bootstrap.yaml).\n" +
			"The key is multi-Region: the replica unwraps the data key the primary wrapped, so nothing is\n" +
			"re-encrypted. Then `pulumi stack import --file FILE` on the replica bucket.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := filepath.Abs(g.dir)
			if err != nil {
				return err
			}
			c, err := bootstrap.Load(dir, bootstrap.Overrides{})
			if err != nil {
				return configError(err)
			}
			if file == "" {
				return configError(fmt.Errorf("give --deployment <file written by pulumi stack export>"))
			}
			data, err := os.ReadFile(file)
			if err != nil {
				return configError(err)
			}
			out, err := bootstrap.SwitchSecretsProvider(data, c.SecretsProvider(), c.ReplicaSecretsProvider())
			if err != nil {
				return &exitError{code: exitFailed, err: fmt.Errorf("%s: %w", file, err)}
			}
			if err := os.WriteFile(file, out, 0o600); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: secrets provider %s (was %s); now: pulumi stack import --file %s, logged in to %s\n",
				file, c.ReplicaSecretsProvider(), c.SecretsProvider(), file, c.ReplicaBackendURL())
			return nil
		},
	}
	cmd.Flags().StringVar(&file, "deployment", "", "the file `pulumi stack export` wrote; rewritten in place")
	return cmd
}
