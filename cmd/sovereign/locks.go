package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/orchestrate"
	"github.com/global-sovereign/global-sovereign/pkg/orchestrate/autoengine"
	"github.com/global-sovereign/global-sovereign/pkg/program"
)

// newLocks lists the locks of the selected stacks and, for each locked stack, the exact
// command that removes the stale ones. It changes nothing: the deploy job's cancelled/failed
// step runs it, so the job's log says which stacks a killed run left locked and what to run.
func newLocks(g *globalFlags) *cobra.Command {
	sel := &stackSelection{}
	var pulumiRoot string
	cmd := &cobra.Command{
		Use:   "locks [--stack S | --all | --env E --region C]",
		Short: "List the locks of the selected stacks and the sovereign unlock command for each locked one (changes nothing)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, names, err := loadSelected(g.dir, sel)
			if err != nil {
				return err
			}
			dir, err := filepath.Abs(g.dir)
			if err != nil {
				return err
			}
			ctx := context.Background()
			out := cmd.OutOrStdout()
			eng, err := newUnlockEngine(autoengine.Options{
				Project: config.Project, WorkDir: dir, PulumiRoot: pulumiRoot,
				Program: program.New(program.Options{Dir: dir}), // never run
			})
			if err != nil {
				return err
			}
			missing, err := eng.Prepare(ctx, names, false)
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			backend, err := eng.BackendURL(ctx)
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			m, err := thisMachine()
			if err != nil {
				return err
			}
			locked, failed := 0, 0
			for _, name := range names {
				if slices.Contains(missing, name) {
					continue
				}
				locks, err := readLocks(ctx, backend, config.Project, name, orchestrate.ExecRunner)
				if err != nil {
					failed++
					fmt.Fprintf(out, "%s: cannot read the locks: %v\n", name, err)
					continue
				}
				if len(locks) == 0 {
					continue
				}
				locked++
				force := ""
				for _, v := range orchestrate.JudgeLocks(locks, m, time.Now(), false) {
					state := "stale (its process has exited)"
					if !v.Stale {
						state = "may be running: " + v.Why
						if v.Lock.Hostname != m.Hostname || v.Lock.Username != m.Username {
							force = " --force"
						}
					}
					fmt.Fprintf(out, "%s: locked by %s: %s\n", name, v.Lock, state)
				}
				fmt.Fprintf(out, "  once no operation on %s runs any more: sovereign unlock --stack %s%s\n", name, name, force)
			}
			if locked == 0 && failed == 0 {
				fmt.Fprintf(out, "no lock on any of %d stack(s)\n", len(names))
			}
			if failed > 0 {
				return &exitError{code: exitFailed, err: fmt.Errorf("%d stack(s) whose locks could not be read", failed)}
			}
			return nil
		},
	}
	sel.register(cmd)
	cmd.Flags().StringVar(&pulumiRoot, "pulumi-root", os.Getenv("SOVEREIGN_PULUMI_ROOT"),
		"directory with bin/pulumi to use instead of the pulumi on PATH (env SOVEREIGN_PULUMI_ROOT)")
	return cmd
}
