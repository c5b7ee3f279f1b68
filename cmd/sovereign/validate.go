package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

func newValidate(g *globalFlags) *cobra.Command {
	sel := &stackSelection{}
	cmd := &cobra.Command{
		Use:   "validate [--stack S | --all]",
		Short: "Check stack config, alone and across all stack files; exit 2 on any problem",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fleet, loadErr := config.LoadDir(g.dir)
			if fleet == nil {
				return configError(loadErr)
			}
			names, err := sel.resolve(fleet)
			if err != nil {
				return err
			}
			// Files that do not parse are always reported: the cross-stack rules cannot run
			// without them. Of the rest, report the problems of the selected stacks.
			var problems config.Problems
			if loadErr != nil {
				problems = append(problems, loadErr.(config.Problems)...)
			}
			selected := map[string]bool{}
			for _, n := range names {
				selected[fleet.Stack(n).File] = true
			}
			for _, p := range fleet.Validate() {
				if selected[p.File] {
					problems = append(problems, p)
				}
			}
			if err := problems.Err(); err != nil {
				return configError(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "ok: %d stack(s) valid: %s\n", len(names), strings.Join(names, ", "))
			return nil
		},
	}
	sel.register(cmd)
	return cmd
}
