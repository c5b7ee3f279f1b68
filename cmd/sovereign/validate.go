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
				// A stack whose file (or whose Pulumi.yaml defaults) did not load is missing from
				// the fleet: show why, not that no stack matches. When Pulumi.yaml's defaults are
				// broken no stack loads at all, and synth and up stop on exactly these problems.
				if loadErr != nil {
					return configError(fmt.Errorf("%w\nthe selection was not resolved: %s did not load; fix it first",
						loadErr, strings.Join(unloadedFiles(loadErr), ", ")))
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
			// synth and up of any stack validate the whole fleet (loadFleet), so validate fails
			// whenever they would. The problems of the selected stacks, of the stacks they read
			// and of Pulumi.yaml come first; the rest follow under one line saying why they count.
			focus := readClosure(fleet, names)
			focus[config.ProjectFileName] = true
			var others config.Problems
			for _, p := range fleet.Validate() {
				if focus[p.Stack] {
					problems = append(problems, p)
				} else {
					others = append(others, p)
				}
			}
			if len(others) > 0 && !sel.All {
				msg := fmt.Sprintf("other stacks: synth and up of %s stop on these too (every stack file is validated together)\n%s",
					strings.Join(names, ", "), others.Err())
				if len(problems) == 0 {
					return configError(errors.New(msg))
				}
				return configError(fmt.Errorf("%w\n%s", problems.Err(), msg))
			}
			problems = append(problems, others...)
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

// readClosure is the set of the named stacks and every stack they read, directly or through
// another (the StackReferences of config.Fleet.References).
func readClosure(fleet *config.Fleet, names []string) map[string]bool {
	seen := map[string]bool{}
	queue := append([]string(nil), names...)
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if seen[n] {
			continue
		}
		seen[n] = true
		if st := fleet.Stack(n); st != nil {
			queue = append(queue, fleet.References(st)...)
		}
	}
	return seen
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
