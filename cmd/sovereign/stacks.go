package main

import (
	"fmt"
	"sort"

	"github.com/spf13/cobra"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// stackSelection is the --stack/--all pair of flags.
type stackSelection struct {
	stacks []string
	all    bool
}

func (sel *stackSelection) register(cmd *cobra.Command) {
	cmd.Flags().StringSliceVarP(&sel.stacks, "stack", "s", nil, "stack to operate on (repeatable, or comma-separated)")
	cmd.Flags().BoolVar(&sel.all, "all", false, "operate on every stack")
}

// resolve returns the selected stack names, sorted, checking that each exists.
func (sel *stackSelection) resolve(fleet *config.Fleet) ([]string, error) {
	switch {
	case sel.all && len(sel.stacks) > 0:
		return nil, configError(fmt.Errorf("give --stack or --all, not both"))
	case sel.all:
		return fleet.Names(), nil
	case len(sel.stacks) == 0:
		return nil, configError(fmt.Errorf("give --stack <name> or --all; stacks: %v", fleet.Names()))
	}
	for _, s := range sel.stacks {
		if fleet.Stack(s) == nil {
			return nil, configError(fmt.Errorf("no stack %q (no %s); stacks: %v", s, config.StackFileName(s), fleet.Names()))
		}
	}
	out := append([]string(nil), sel.stacks...)
	sort.Strings(out)
	return out, nil
}

// loadFleet reads every stack file and validates them together. Any problem is a config error
// listing every problem found.
func loadFleet(dir string) (*config.Fleet, error) {
	fleet, err := config.LoadDir(dir)
	if err != nil {
		return nil, configError(err)
	}
	if err := fleet.Validate().Err(); err != nil {
		return nil, configError(err)
	}
	return fleet, nil
}

// loadSelected loads and validates the fleet and resolves the selected stacks.
func loadSelected(dir string, sel *stackSelection) (*config.Fleet, []string, error) {
	fleet, err := loadFleet(dir)
	if err != nil {
		return nil, nil, err
	}
	names, err := sel.resolve(fleet)
	if err != nil {
		return nil, nil, err
	}
	return fleet, names, nil
}
