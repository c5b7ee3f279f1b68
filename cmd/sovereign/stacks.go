package main

import (
	"github.com/spf13/cobra"

	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/selection"
)

// stackSelection is the --stack/--all/--env/--region set of flags (pkg/selection).
type stackSelection struct {
	selection.Selector
}

func (sel *stackSelection) register(cmd *cobra.Command) {
	cmd.Flags().StringSliceVarP(&sel.Stacks, "stack", "s", nil, "stack to operate on (repeatable, or comma-separated)")
	cmd.Flags().BoolVar(&sel.All, "all", false, "operate on every stack")
	cmd.Flags().StringSliceVar(&sel.Envs, "env", nil, "the stacks of this environment, e.g. staging (repeatable; with --region: the stacks of both)")
	cmd.Flags().StringSliceVar(&sel.Codes, "region", nil, "the stacks of this region code, e.g. iad: its region, environment and client stacks (repeatable)")
}

// resolve returns the selected stack names, sorted, checking that each exists.
func (sel *stackSelection) resolve(fleet *config.Fleet) ([]string, error) {
	names, err := sel.Resolve(fleet)
	if err != nil {
		return nil, configError(err)
	}
	return names, nil
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
