package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/global-sovereign/global-sovereign/pkg/awscheck"
	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/cost"
	"github.com/global-sovereign/global-sovereign/pkg/cost/pricelist"
	"github.com/global-sovereign/global-sovereign/pkg/program"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

// pinnedPricesPath is where the pinned price table lives in the repository (embedded in the
// binary; --refresh-prices rewrites this file).
const pinnedPricesPath = "pkg/cost/prices.json"

func newCost(g *globalFlags) *cobra.Command {
	sel := &stackSelection{}
	var (
		asJSON, detail, refresh bool
		usagePath, pricesPath   string
		graphsDir, baseDir      string
		markdown, title         string
		threshold               cost.Threshold
		endpoint                string
	)
	cmd := &cobra.Command{
		Use:   "cost [--stack S | --all | --env E] [--json] [--usage FILE] [--graphs DIR] [--base DIR --markdown FILE] [--refresh-prices]",
		Short: "Estimate each stack's monthly AWS cost from its synthesized graph (list prices, offline)",
		Long: "cost synthesizes the selected stacks offline (or reads --graphs DIR, what `sovereign synth --out DIR`\n" +
			"wrote) and prices every resource from the pinned price table (pkg/cost/prices.json) with usage\n" +
			"assumptions per stack kind (docs/cost.md; override them with --usage FILE). Every resource type is\n" +
			"priced, free or listed as unpriced. --base DIR compares the graphs in DIR (a pull request's base)\n" +
			"with the selected ones and writes the PR comment's cost section. --refresh-prices rewrites the\n" +
			"pinned table from the AWS Price List API with the caller's credentials.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			prices := cost.PinnedPrices()
			if pricesPath != "" {
				var err error
				if prices, err = cost.ReadPrices(pricesPath); err != nil {
					return configError(err)
				}
			}
			if refresh {
				path := pricesPath
				if path == "" {
					path = filepath.Join(g.dir, pinnedPricesPath)
				}
				return refreshPrices(cmd, prices, path, endpoint)
			}
			var usage *cost.UsageFile
			if usagePath != "" {
				var err error
				if usage, err = cost.ReadUsageFile(usagePath); err != nil {
					return configError(err)
				}
			}
			graphs, err := costGraphs(g.dir, sel, graphsDir)
			if err != nil {
				return err
			}
			head := cost.EstimateFleet(graphs, prices, usage)
			if baseDir != "" {
				base, err := cost.ReadGraphs(baseDir)
				if err != nil {
					return configError(err)
				}
				w := out
				if markdown != "" {
					f, err := os.Create(markdown)
					if err != nil {
						return err
					}
					defer f.Close()
					w = f
				}
				cost.WriteDiff(w, cost.EstimateFleet(base, prices, usage), head, threshold, title)
				return nil
			}
			if asJSON {
				return head.WriteJSON(out)
			}
			if err := head.WriteSummary(out); err != nil {
				return err
			}
			if detail {
				for _, e := range head.Estimates {
					fmt.Fprintln(out)
					if err := cost.WriteDetail(out, e); err != nil {
						return err
					}
				}
			}
			var unknown []string
			for _, e := range head.Estimates {
				for t := range e.Unclassified {
					unknown = append(unknown, e.Stack+": "+t)
				}
			}
			if len(unknown) > 0 {
				slices.Sort(unknown)
				return &exitError{code: exitFailed, err: fmt.Errorf("resource types without a pricing rule (pkg/cost/rules.go), not in the totals:\n  %s", strings.Join(unknown, "\n  "))}
			}
			return nil
		},
	}
	sel.register(cmd)
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "print the estimates as JSON")
	f.BoolVar(&detail, "detail", false, "also print every priced line of every stack")
	f.StringVar(&usagePath, "usage", "", "usage file overriding the usage defaults (YAML: defaults.<kind>.<key>, stacks.<stack>.<key>)")
	f.StringVar(&pricesPath, "prices", "", "price table file (default: the pinned table, "+pinnedPricesPath+")")
	f.StringVar(&graphsDir, "graphs", "", "read the graphs from this directory (sovereign synth --out DIR) instead of synthesizing")
	f.StringVar(&baseDir, "base", "", "compare with the graphs in this directory (a pull request's base) and write the PR comment's cost section")
	f.StringVar(&markdown, "markdown", "", "with --base: write the cost section to this file instead of stdout")
	f.StringVar(&title, "title", "base vs this pull request", "with --base: the cost section's title")
	f.Float64Var(&threshold.USD, "threshold-usd", 1000, "with --base: call out a stack whose monthly estimate moves by at least this many dollars")
	f.Float64Var(&threshold.Percent, "threshold-pct", 10, "with --base: call out a stack whose monthly estimate moves by at least this many per cent")
	f.BoolVar(&refresh, "refresh-prices", false, "rewrite the price table ("+pinnedPricesPath+" or --prices) from the AWS Price List API (needs AWS credentials)")
	f.StringVar(&endpoint, "aws-endpoint", "", "send Price List calls to this endpoint (tests: a fake AWS API)")
	_ = f.MarkHidden("aws-endpoint")
	return cmd
}

// costGraphs returns the selected stacks' graphs: read from dir, or synthesized offline.
func costGraphs(projectDir string, sel *stackSelection, dir string) (map[string]*cost.Graph, error) {
	if dir != "" {
		graphs, err := cost.ReadGraphs(dir)
		if err != nil {
			return nil, configError(err)
		}
		if sel.All || (len(sel.Stacks) == 0 && len(sel.Envs) == 0 && len(sel.Codes) == 0) {
			return graphs, nil
		}
		_, names, err := loadSelected(projectDir, sel)
		if err != nil {
			return nil, err
		}
		out := map[string]*cost.Graph{}
		for _, n := range names {
			if graphs[n] == nil {
				return nil, configError(fmt.Errorf("%s: no graph for stack %s; run `sovereign synth --all --out %s`", dir, n, dir))
			}
			out[n] = graphs[n]
		}
		return out, nil
	}
	fleet, names, err := loadSelected(projectDir, sel)
	if err != nil {
		return nil, err
	}
	return synthGraphs(projectDir, fleet, names)
}

// synthGraphs synthesizes the named stacks under mocks (as `sovereign synth` does) and returns
// their graphs in the form pkg/cost reads.
func synthGraphs(dir string, fleet *config.Fleet, names []string) (map[string]*cost.Graph, error) {
	results, err := synth.Fleet(program.New(program.Options{Dir: dir, Fleet: fleet}), fleet, names)
	if err != nil {
		return nil, &exitError{code: exitFailed, err: fmt.Errorf("synth: %w", err)}
	}
	out := map[string]*cost.Graph{}
	for _, n := range names {
		data, err := results[n].Graph.Marshal()
		if err != nil {
			return nil, err
		}
		if out[n], err = cost.ParseGraph(data, n); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func refreshPrices(cmd *cobra.Command, prices *cost.PriceTable, path, endpoint string) error {
	env, err := awscheck.Load(contextOf(cmd), endpoint)
	if err != nil {
		return configError(fmt.Errorf("%w; the pinned table of %s stays in use", err, prices.Date))
	}
	date := time.Now().UTC().Format(time.DateOnly)
	res, err := pricelist.Refresh(contextOf(cmd), pricelist.NewClient(env.Config, endpoint), prices, date)
	if err != nil {
		return &exitError{code: exitFailed, err: fmt.Errorf("price list: %w; %s unchanged", err, path)}
	}
	data, err := prices.Marshal()
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "%s: %d price(s) fetched from the AWS Price List API on %s; %d kept as pinned:\n", path, res.Updated, date, len(res.Kept))
	for _, k := range res.Kept {
		fmt.Fprintf(out, "  %s\n", k)
	}
	return nil
}

// budgetNote is preflight's warning when an environment's estimated monthly cost (the list-price
// estimate of all its stacks, synthesized offline with the default usage) reaches 80% of the
// budget its global stack sets, or exceeds it.
func budgetNote(fleet *config.Fleet, names []string) []awscheck.Finding {
	budgets := map[string]float64{}
	for _, s := range fleet.Stacks {
		if s.Settings.Kind == config.KindGlobal && s.Costs != nil {
			for _, b := range s.Costs.Budgets {
				budgets[string(b.Environment)] = float64(b.MonthlyLimitUSD)
			}
		}
	}
	envs := map[string]bool{}
	for _, n := range names {
		if s := fleet.Stack(n); s != nil {
			if _, ok := budgets[string(s.Settings.Environment)]; ok {
				envs[string(s.Settings.Environment)] = true
			}
		}
	}
	var stacks []string
	for _, s := range fleet.Stacks {
		if envs[string(s.Settings.Environment)] {
			stacks = append(stacks, s.Name)
		}
	}
	if len(stacks) == 0 {
		return nil
	}
	graphs, err := synthGraphs(filepath.Dir(fleet.Stacks[0].File), fleet, stacks)
	if err != nil {
		return []awscheck.Finding{{Severity: awscheck.Warning, Check: "cost", Message: "could not estimate the environments' cost: " + err.Error(),
			Fix: "run `sovereign synth --all` to see why"}}
	}
	var out []awscheck.Finding
	for _, c := range cost.CheckBudgets(cost.EstimateFleet(graphs, cost.PinnedPrices(), nil), budgets) {
		fix := "lower the estimate (`sovereign cost --env " + c.Environment + " --detail`) or raise global-sovereign:costs.budgets for " + c.Environment
		out = append(out, awscheck.Finding{Severity: awscheck.Warning, Stacks: c.Stacks, Check: "cost", Message: c.Message(), Fix: fix})
	}
	return out
}
