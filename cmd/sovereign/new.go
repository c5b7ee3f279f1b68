package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/scaffold"
)

func newNew(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "new region|env|client",
		Short: "Write the stack file of a new region, environment or client, then validate the fleet",
		Long: "new writes one Pulumi.<stack>.yaml holding only what differs from the defaults in Pulumi.yaml,\n" +
			"then loads and validates every stack file. When the fleet does not validate, it removes what it\n" +
			"wrote and exits 2 with the problems. It never overwrites a file.",
		// Without a RunE cobra prints the help and exits 0 on an unknown kind: a script would
		// carry on as if the stack file were written.
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			kinds := []string{"region", "env", "client"}
			if len(args) == 0 {
				return configError(fmt.Errorf("give what to add: sovereign new region|env|client (see sovereign new --help)"))
			}
			return configError(fmt.Errorf("unknown kind %q for sovereign new%s; kinds: %s", args[0], config.Suggest(args[0], kinds), strings.Join(kinds, ", ")))
		},
	}
	cmd.AddCommand(newNewRegion(g), newNewEnv(g), newNewClient(g))
	return cmd
}

func newNewRegion(g *globalFlags) *cobra.Command {
	var code, awsRegion string
	cmd := &cobra.Command{
		Use:   "region --region C --aws-region R",
		Short: "Add a production region: Pulumi.<C>.yaml with the next free /16 VPC CIDR and the region's AZs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return applyNew(cmd, g, func(p *scaffold.Project) (*scaffold.Change, error) { return p.Region(code, awsRegion) })
		},
	}
	cmd.Flags().StringVar(&code, "region", "", "region code: 2-10 lowercase letters or digits, e.g. fra (the stack's name)")
	cmd.Flags().StringVar(&awsRegion, "aws-region", "", "AWS region, e.g. eu-central-1")
	_ = cmd.MarkFlagRequired("region")
	oldFlagName(cmd, "code", "region")
	_ = cmd.MarkFlagRequired("aws-region")
	return cmd
}

func newNewEnv(g *globalFlags) *cobra.Command {
	var code, name string
	var budget int
	cmd := &cobra.Command{
		Use:   "env --region C --name E [--monthly-budget-usd N]",
		Short: "Add environment E (staging, development) on region C's network: Pulumi.<C>-<E>.yaml",
		Long: "env writes Pulumi.<C>-<E>.yaml: an environment stack with its own cluster, database and cache (from\n" +
			"global-sovereign:defaults.environment in Pulumi.yaml) on the network of region stack C. The global\n" +
			"stack budgets every environment: when it has no budget for E yet, --monthly-budget-usd adds one\n" +
			"to its budget list (two lines inserted, nothing else in the file changes); without the flag the\n" +
			"command refuses and says what to add.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return applyNew(cmd, g, func(p *scaffold.Project) (*scaffold.Change, error) {
				return p.Environment(code, config.Environment(name), budget)
			})
		},
	}
	cmd.Flags().StringVar(&code, "region", "", "code of the region stack whose network the environment shares, e.g. iad")
	cmd.Flags().StringVar(&name, "name", "", "environment: "+strings.Join(environmentNames(), " or ")+" (not the region's own)")
	cmd.Flags().IntVar(&budget, "monthly-budget-usd", 0, "monthly budget in US dollars to add to the global stack when it has none for the environment")
	_ = cmd.MarkFlagRequired("region")
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

func newNewClient(g *globalFlags) *cobra.Command {
	var home, name string
	cmd := &cobra.Command{
		Use:   "client --stack S --name N",
		Short: "Add client N to the cluster of region or environment stack S: Pulumi.<S>-<N>.yaml",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return applyNew(cmd, g, func(p *scaffold.Project) (*scaffold.Change, error) { return p.Client(home, name) })
		},
	}
	cmd.Flags().StringVar(&home, "stack", "", "region or environment stack the client lives in, e.g. iad or iad-staging")
	cmd.Flags().StringVar(&name, "name", "", "client name: 2-10 lowercase letters or digits, e.g. ezra")
	_ = cmd.MarkFlagRequired("stack")
	oldFlagName(cmd, "env", "stack")
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

// oldFlagName keeps a renamed flag's old name working, so that scripts do not break: flags
// have one meaning everywhere (--region a region code, --aws-region an AWS region, --env an
// environment, --stack a stack), and the old name is read as the new one.
func oldFlagName(cmd *cobra.Command, old, name string) {
	cmd.Flags().SetNormalizeFunc(func(_ *pflag.FlagSet, n string) pflag.NormalizedName {
		if n == old {
			n = name
		}
		return pflag.NormalizedName(n)
	})
}

func environmentNames() []string {
	var out []string
	for _, e := range config.Environments() {
		if e != config.EnvProduction {
			out = append(out, string(e))
		}
	}
	return out
}

// applyNew plans the change on the validated fleet, applies it and prints what was written.
// Every refusal is a config error (exit 2) and leaves the directory as it was.
func applyNew(cmd *cobra.Command, g *globalFlags, plan func(*scaffold.Project) (*scaffold.Change, error)) error {
	p, err := scaffold.Load(g.dir)
	if err != nil {
		return configError(err)
	}
	c, err := plan(p)
	if err != nil {
		return configError(err)
	}
	fleet, err := c.Apply()
	if err != nil {
		return configError(err)
	}
	printChange(cmd.OutOrStdout(), c, len(fleet.Stacks))
	return nil
}

func printChange(w io.Writer, c *scaffold.Change, stacks int) {
	fmt.Fprintf(w, "wrote %s (%s stack %s)\n", filepath.Join(c.Dir, c.File), c.Kind, c.Stack)
	if c.Kind == config.KindRegion {
		fmt.Fprintf(w, "  vpcCidr            %s (the next free /16: no stack's VPC or office network overlaps it)\n", c.VPCCIDR)
		fmt.Fprintf(w, "  availabilityZones  %s\n", strings.Join(c.Zones.AZs, ", "))
		if c.Zones.Note != "" {
			fmt.Fprintf(w, "                     %s\n", c.Zones.Note)
		}
		if c.Zones.CopyRegion != "" {
			fmt.Fprintf(w, "  backup.copyRegion  %s\n", c.Zones.CopyRegion)
		} else {
			fmt.Fprintf(w, "  backup             none: no copy region is known for this region; set global-sovereign:backup.copyRegion\n")
		}
	}
	files := c.File
	for _, e := range c.Edits {
		fmt.Fprintf(w, "updated %s: %s\n", filepath.Join(c.Dir, e.File), e.What)
		files += " and " + e.File
	}
	fmt.Fprintf(w, "ok: the fleet of %d stacks validates with it.\n", stacks)
	if len(c.Notes) > 0 {
		fmt.Fprintf(w, "deploying it also changes:\n")
		for _, n := range c.Notes {
			fmt.Fprintf(w, "  - %s\n", n)
		}
	}
	fmt.Fprintf(w, "next:\n")
	fmt.Fprintf(w, "  sovereign validate --all                 # the check just made, again after any edit\n")
	fmt.Fprintf(w, "  sovereign plan                           # where %s comes in the deploy order\n", c.Stack)
	fmt.Fprintf(w, "  sovereign synth --stack %s --out synth.out\n", c.Stack)
	fmt.Fprintf(w, "  sovereign preflight --stack %s\n", c.Stack)
	fmt.Fprintf(w, "then commit %s; the pull request's preview shows what every stack would change.\n", files)
}
