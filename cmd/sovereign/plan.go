package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/global-sovereign/global-sovereign/pkg/selection"
	"github.com/global-sovereign/global-sovereign/pkg/stackgraph"
)

// planJSON is `sovereign plan --json`: the waves in deploy and destroy order, so that a CI
// system can fan a wave out as parallel jobs (a GitHub Actions matrix).
type planJSON struct {
	Waves        [][]string           `json:"waves"`
	DestroyWaves [][]string           `json:"destroyWaves"`
	Stacks       map[string]planStack `json:"stacks"`
}

type planStack struct {
	Wave      int      `json:"wave"` // 1-based
	DependsOn []string `json:"dependsOn"`
}

func newPlan(g *globalFlags) *cobra.Command {
	sel := &stackSelection{}
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "plan [--stack S | --all | --env E --region C] [--json]",
		Short: "Print the order the stacks deploy in: waves derived from their StackReferences",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fleet, err := loadFleet(g.dir)
			if err != nil {
				return err
			}
			if sel.Empty() {
				sel.All = true // plan shows everything unless asked for less
			}
			names, err := sel.resolve(fleet)
			if err != nil {
				return err
			}
			graph, err := stackgraph.FromFleet(fleet, names)
			if err != nil {
				return configError(err)
			}
			waves := graph.Waves()
			for _, wave := range waves {
				selection.ByKind(fleet, wave) // a region before its environments, those before their clients
			}
			if asJSON {
				out := planJSON{Waves: waves, DestroyWaves: graph.Reverse().Waves(), Stacks: map[string]planStack{}}
				for i, wave := range waves {
					for _, s := range wave {
						out.Stacks[s] = planStack{Wave: i + 1, DependsOn: append([]string{}, graph.Deps(s)...)}
					}
				}
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			// What a stack reads comes from the whole fleet: a selected stack reads its
			// dependencies whether or not they are selected too.
			full, err := stackgraph.FromFleet(fleet, fleet.Names())
			if err != nil {
				return configError(err)
			}
			selected := map[string]bool{}
			for _, n := range names {
				selected[n] = true
			}
			unselected := false
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "WAVE\tSTACK\tKIND\tREGION\tENVIRONMENT\tREADS")
			for i, wave := range waves {
				for _, s := range wave {
					var deps []string
					for _, d := range full.Deps(s) {
						if !selected[d] {
							d += "*"
							unselected = true
						}
						deps = append(deps, d)
					}
					reads := strings.Join(deps, ", ")
					if reads == "" {
						reads = "-"
					}
					st := fleet.Stack(s).Settings
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", i+1, s, st.Kind, st.AWSRegion, st.Environment, reads)
				}
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if unselected {
				fmt.Fprintln(cmd.OutOrStdout(), "* not selected: read from its deployed outputs, so it must be deployed first")
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d stack(s) in %d wave(s); a stack starts as soon as the stacks it reads have succeeded. destroy runs in reverse.\n",
				len(names), len(waves))
			return nil
		},
	}
	sel.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the waves as JSON")
	return cmd
}
