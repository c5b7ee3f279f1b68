package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/orchestrate"
	"github.com/global-sovereign/global-sovereign/pkg/orchestrate/autoengine"
	"github.com/global-sovereign/global-sovereign/pkg/plan"
	"github.com/global-sovereign/global-sovereign/pkg/program"
)

// exitInterrupted is the exit status after Ctrl-C, as shells report a SIGINT.
const exitInterrupted = 130

type operateFlags struct {
	sel             stackSelection
	parallel        int
	asJSON          bool
	prComment       string
	logDir          string
	secretsProvider string
	pulumiRoot      string
	yes             bool
	previewOnly     bool
}

func newOperate(g *globalFlags, op orchestrate.Op, short string) *cobra.Command {
	f := &operateFlags{}
	cmd := &cobra.Command{
		Use:   string(op) + " [--stack S | --all] [--parallel N]",
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			actual := op
			if op == orchestrate.Refresh && f.previewOnly {
				actual = orchestrate.RefreshPreview
			}
			if op == orchestrate.Destroy && !f.yes {
				return configError(fmt.Errorf("destroy deletes every resource of the selected stacks; pass --yes to confirm"))
			}
			return operate(cmd, g, f, actual)
		},
	}
	cmd.Flags().IntVarP(&f.parallel, "parallel", "p", 6, "how many stacks run at once")
	cmd.Flags().BoolVar(&f.asJSON, "json", false, "print the summary as JSON on stdout (progress stays on stderr)")
	cmd.Flags().StringVar(&f.prComment, "pr-comment", "", "write the summary and every stack's diff as pull-request markdown to this file")
	cmd.Flags().StringVar(&f.logDir, "log-dir", "", "directory for each stack's full engine log (default <dir>/.sovereign/logs)")
	cmd.Flags().StringVar(&f.secretsProvider, "secrets-provider", "", "secrets provider for new stacks, as Pulumi's --secrets-provider")
	cmd.Flags().StringVar(&f.pulumiRoot, "pulumi-root", os.Getenv("SOVEREIGN_PULUMI_ROOT"),
		"directory with bin/pulumi to use instead of the pulumi on PATH (env SOVEREIGN_PULUMI_ROOT)")
	if op == orchestrate.Destroy {
		cmd.Flags().BoolVar(&f.yes, "yes", false, "confirm the destroy")
	}
	if op == orchestrate.Refresh {
		cmd.Flags().BoolVar(&f.previewOnly, "preview-only", false, "report drift per stack without changing state")
	}
	f.sel.register(cmd)
	return cmd
}

func operate(cmd *cobra.Command, g *globalFlags, f *operateFlags, op orchestrate.Op) error {
	fleet, err := loadFleet(g.dir)
	if err != nil {
		return err
	}
	names, err := f.sel.resolve(fleet)
	if err != nil {
		return err
	}
	graph, err := plan.FromFleet(fleet, names)
	if err != nil {
		return configError(err)
	}
	dir, err := filepath.Abs(g.dir)
	if err != nil {
		return err
	}
	eng, err := autoengine.New(autoengine.Options{
		Project:         config.Project,
		WorkDir:         dir,
		Program:         program.New(program.Options{Dir: dir}),
		PulumiRoot:      f.pulumiRoot,
		SecretsProvider: f.secretsProvider,
		LogDir:          f.logDir,
		Plugins:         pluginsOfThisBuild(),
	})
	if err != nil {
		return err
	}
	sum := runWithSignals(cmd.ErrOrStderr(), graph, op, eng, f.parallel)
	return report(cmd, f, sum)
}

// runWithSignals runs the orchestrator with two-stage Ctrl-C: the first stops scheduling and
// lets running stacks finish; the second interrupts them through the engine, which unlocks them.
func runWithSignals(stderr io.Writer, graph *plan.Graph, op orchestrate.Op, eng orchestrate.Engine, parallel int) *orchestrate.Summary {
	soft, stopScheduling := context.WithCancel(context.Background())
	hard, interrupt := context.WithCancel(context.Background())
	defer stopScheduling()
	defer interrupt()
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case <-signals:
		case <-finished:
			return
		}
		fmt.Fprintln(stderr, "\ninterrupt: no new stacks will start; running stacks finish. Interrupt again to stop them.")
		stopScheduling()
		select {
		case <-signals:
		case <-finished:
			return
		}
		fmt.Fprintln(stderr, "\ninterrupt: stopping running stacks and unlocking them.")
		interrupt()
	}()

	var observer orchestrate.Observer
	var live *orchestrate.Live
	if isTerminal(stderr) {
		live = orchestrate.NewLive(stderr, graph.Stacks(), 250*time.Millisecond, terminalWidth())
		observer = live
	} else {
		observer = orchestrate.NewLines(stderr)
	}
	sum := orchestrate.Run(soft, graph, op, eng, orchestrate.Options{Parallel: parallel, Interrupt: hard, Observer: observer})
	if live != nil {
		live.Close()
	}
	return sum
}

func report(cmd *cobra.Command, f *operateFlags, sum *orchestrate.Summary) error {
	if f.prComment != "" {
		file, err := os.Create(f.prComment)
		if err != nil {
			return err
		}
		if err := orchestrate.WriteMarkdown(file, sum); err != nil {
			file.Close()
			return err
		}
		if err := file.Close(); err != nil {
			return err
		}
	}
	var err error
	if f.asJSON {
		err = orchestrate.WriteJSON(cmd.OutOrStdout(), sum)
	} else {
		err = orchestrate.WriteTable(cmd.OutOrStdout(), sum)
	}
	if err != nil {
		return err
	}
	switch {
	case sum.Interrupted:
		return &exitError{code: exitInterrupted, err: errors.New("interrupted")}
	case !sum.OK():
		return &exitError{code: exitFailed, err: fmt.Errorf("%s: %d stack(s) did not succeed", sum.Op, len(sum.Stacks)-sum.Count(orchestrate.Succeeded))}
	}
	return nil
}

// pluginsOfThisBuild are the provider plugins matching the provider SDKs compiled into this
// binary: the plugin version must be the SDK's.
func pluginsOfThisBuild() []autoengine.Plugin {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	byModule := map[string]string{
		"github.com/pulumi/pulumi-aws/sdk/v6":    "aws",
		"github.com/pulumi/pulumi-random/sdk/v4": "random",
	}
	var out []autoengine.Plugin
	for _, dep := range info.Deps {
		if name, ok := byModule[dep.Path]; ok {
			out = append(out, autoengine.Plugin{Name: name, Version: dep.Version})
		}
	}
	return out
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0 && os.Getenv("TERM") != "dumb"
}

func terminalWidth() int {
	var cols int
	if _, err := fmt.Sscan(strings.TrimSpace(os.Getenv("COLUMNS")), &cols); err == nil && cols > 20 {
		return cols
	}
	return 120
}
