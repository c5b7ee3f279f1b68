package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

func newValidate(g *globalFlags) *cobra.Command {
	sel := &stackSelection{}
	cmd := &cobra.Command{
		Use:   "validate [--stack S | --all | --env E --region C]",
		Short: "Check stack config, alone and across all stack files; exit 2 on any problem",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fleet, loadErr := config.LoadDir(g.dir)
			if fleet == nil {
				return configError(loadErr)
			}
			names, err := sel.resolve(fleet)
			if err != nil {
				// A selected stack whose file does not parse is missing from the fleet: show
				// why, not that it does not exist.
				if unparsed := problemsOfSelected(sel.Stacks, loadErr); len(unparsed) > 0 {
					return configError(unparsed)
				}
				return err
			}
			// Files that do not parse are always reported: the cross-stack rules cannot run
			// without them. Of the rest, report the problems of the selected stacks, including
			// those of the Pulumi.yaml values they inherit.
			var problems config.Problems
			if loadErr != nil {
				// The files that did not load come first: they are the cause. The rules across
				// stacks cannot hold without them (a global stack that did not load is "missing"
				// to every region), so only each loaded stack's own rules run, and one line says
				// what was not checked.
				problems = append(problems, loadErr.(config.Problems)...)
				for _, n := range names {
					if st := fleet.Stack(n); st != nil {
						problems = append(problems, st.Validate()...)
					}
				}
				return configError(fmt.Errorf("%w\nthe rules across stacks were not checked: %s did not load; fix it first",
					problems.Err(), strings.Join(unloadedFiles(loadErr), ", ")))
			}
			selected := map[string]bool{}
			for _, n := range names {
				selected[n] = true
			}
			// A value written in Pulumi.yaml (project-level defaults) is reported with the
			// stacks: the selected ones may inherit it.
			selected[config.ProjectFileName] = true
			for _, p := range fleet.Validate() {
				if selected[p.Stack] {
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

// problemsOfSelected are the load problems of the selected stacks' files.
func problemsOfSelected(stacks []string, loadErr error) config.Problems {
	var all config.Problems
	if !errors.As(loadErr, &all) {
		return nil
	}
	files := map[string]bool{}
	for _, s := range stacks {
		files[config.StackFileName(s)] = true
	}
	var out config.Problems
	for _, p := range all {
		if files[p.File] {
			out = append(out, p)
		}
	}
	return out
}

// unloadedFiles are the files of the load problems, in order, once each.
func unloadedFiles(loadErr error) []string {
	var all config.Problems
	errors.As(loadErr, &all)
	seen := map[string]bool{}
	var out []string
	for _, p := range all {
		if !seen[p.File] {
			seen[p.File] = true
			out = append(out, p.File)
		}
	}
	return out
}
