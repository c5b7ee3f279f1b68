package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

func newPreflight(g *globalFlags) *cobra.Command {
	sel := &stackSelection{}
	cmd := &cobra.Command{
		Use:   "preflight [--stack S | --all | --env E --region C]",
		Short: "List what a person must set before the first real deploy; exit 2 while anything remains",
		Long: "preflight lists values that validate, so that synth and reviews work offline, but that a real\n" +
			"deploy must not use: placeholder hosted zones and alert addresses, no allowedAccountIds, no\n" +
			"cluster admin roles, no deployer network path to the Kubernetes API. `sovereign up` refuses to\n" +
			"start while any remain for the stacks it would deploy.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fleet, names, err := loadSelected(g.dir, sel)
			if err != nil {
				return err
			}
			if ps := fleet.Preflight(names); len(ps) > 0 {
				return configError(fmt.Errorf("%w\n%d item(s) to set before `sovereign up`", ps.Err(), len(ps)))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "ok: nothing left to set for %s\n", strings.Join(names, ", "))
			return nil
		},
	}
	sel.register(cmd)
	return cmd
}
