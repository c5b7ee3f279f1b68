package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/global-sovereign/global-sovereign/pkg/awscheck"
	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/orchestrate"
	"github.com/global-sovereign/global-sovereign/pkg/orchestrate/autoengine"
	"github.com/global-sovereign/global-sovereign/pkg/program"
	"github.com/global-sovereign/global-sovereign/pkg/stackgraph"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
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
	timeout         time.Duration
	awsEndpoint     string
}

func newOperate(g *globalFlags, op orchestrate.Op, short string) *cobra.Command {
	f := &operateFlags{}
	cmd := &cobra.Command{
		Use:   string(op) + " [--stack S | --all | --env E --region C] [--parallel N]",
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			actual := op
			if op == orchestrate.Refresh && f.previewOnly {
				actual = orchestrate.RefreshPreview
			}
			if f.parallel < 1 {
				return configError(fmt.Errorf("--parallel %d: give at least 1 (how many stacks run at once)", f.parallel))
			}
			return operate(cmd, g, f, actual)
		},
	}
	cmd.Flags().IntVarP(&f.parallel, "parallel", "p", 6, "how many stacks run at once")
	cmd.Flags().BoolVar(&f.asJSON, "json", false, "print the summary as JSON on stdout (progress stays on stderr)")
	cmd.Flags().StringVar(&f.prComment, "pr-comment", "", "write the summary and every stack's diff as pull-request markdown to this file")
	cmd.Flags().StringVar(&f.logDir, "log-dir", "", "directory for each stack's full engine log (default <dir>/.sovereign/logs)")
	cmd.Flags().StringVar(&f.pulumiRoot, "pulumi-root", os.Getenv("SOVEREIGN_PULUMI_ROOT"),
		"directory with bin/pulumi to use instead of the pulumi on PATH (env SOVEREIGN_PULUMI_ROOT)")
	if op.CreatesStacks() {
		// Only up creates stacks: the others have no new stack to give a secrets provider.
		cmd.Flags().StringVar(&f.secretsProvider, "secrets-provider", "", "secrets provider for new stacks, as Pulumi's --secrets-provider")
	}
	if op == orchestrate.Up || op == orchestrate.Destroy {
		cmd.Flags().BoolVarP(&f.yes, "yes", "y", false, "go ahead without showing the preview and asking (required without a terminal)")
	}
	if op == orchestrate.Up {
		cmd.Flags().StringVar(&f.awsEndpoint, "aws-endpoint", "", "send the caller checks' AWS calls to this endpoint (tests: a fake AWS API)")
		_ = cmd.Flags().MarkHidden("aws-endpoint")
	}
	if op == orchestrate.Refresh {
		cmd.Flags().BoolVar(&f.previewOnly, "preview-only", false, "report drift per stack without changing state")
	}
	cmd.Flags().DurationVar(&f.timeout, "timeout", 0, "after this long, interrupt the running Pulumi CLIs as a SIGTERM does "+
		"(CI: below the job's timeout, so that they release their locks before the runner kills them); 0: none")
	f.sel.register(cmd)
	return cmd
}

func operate(cmd *cobra.Command, g *globalFlags, f *operateFlags, op orchestrate.Op) error {
	fleet, names, err := loadSelected(g.dir, &f.sel)
	if err != nil {
		return err
	}
	graph, err := stackgraph.FromFleet(fleet, names)
	if err != nil {
		return configError(err)
	}
	if op == orchestrate.Up {
		if ps := fleet.Preflight(names); len(ps) > 0 {
			return configError(fmt.Errorf("%w\nup refuses to start: %d preflight item(s) above must be set first (sovereign preflight lists them)", groupInherited(ps), len(ps)))
		}
	}
	if err := canAsk(f, op); err != nil {
		return err
	}
	dir, err := filepath.Abs(g.dir)
	if err != nil {
		return err
	}
	// The CLI runs in a private directory: a relative root must not be read from there.
	if f.pulumiRoot != "" {
		if f.pulumiRoot, err = filepath.Abs(f.pulumiRoot); err != nil {
			return configError(err)
		}
	}
	eng, err := newEngine(autoengine.Options{
		Project:         config.Project,
		WorkDir:         dir,
		Program:         program.New(program.Options{Dir: dir, CheckDeployer: true}),
		PulumiRoot:      f.pulumiRoot,
		SecretsProvider: f.secretsProvider,
		// A stack up creates on the bootstrap's S3 backend encrypts its secrets with the
		// bootstrap's KMS key (bootstrap.yaml), not a passphrase.
		SecretsProviderFor: secretsProviderFor(dir),
		LogDir:             f.logDir,
		Plugins:            pluginsOfThisBuild(),
		Credentials:        func(ctx context.Context) error { return awscheck.Credentials(ctx, 5*time.Second) },
	})
	if err != nil {
		return err
	}
	if err := checkPrerequisites(cmd, eng); err != nil {
		return err
	}
	if op == orchestrate.Up {
		if err := checkDeployer(cmd, eng, f.awsEndpoint, fleet, names); err != nil {
			return err
		}
	}
	if op == orchestrate.Up || op == orchestrate.Destroy {
		if err := confirm(cmd, f, graph, op, eng); err != nil {
			return err
		}
	}
	sum := runWithSignals(cmd.ErrOrStderr(), graph, op, eng, f.parallel, f.timeout)
	return report(cmd, f, sum)
}

// newEngine builds the engine operations run on: the Automation API. Tests of the whole binary
// (signals_test.go) put a fake in its place.
var newEngine = func(opts autoengine.Options) (orchestrate.Engine, error) { return autoengine.New(opts) }

// runWithSignals runs the orchestrator with three-stage Ctrl-C: the first SIGINT stops
// scheduling and lets running stacks finish; the second interrupts the running CLIs (each
// cancels gracefully and releases its own lock); the third kills them, and the orchestrator then
// removes the locks its killed CLIs wrote. SIGTERM is the interrupt itself: it goes straight to
// the second stage, because SIGKILL follows it soon (GitHub Actions cancels a step with SIGINT,
// then SIGTERM 7.5 s later, then kills the process tree 2.5 s after that; containers stop with
// SIGTERM then SIGKILL); a second SIGTERM kills. timeout, when set, acts as a SIGTERM.
func runWithSignals(stderr io.Writer, graph *stackgraph.Graph, op orchestrate.Op, eng orchestrate.Engine, parallel int, timeout time.Duration) *orchestrate.Summary {
	signals := make(chan os.Signal, 3)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)
	if timeout > 0 {
		t := time.AfterFunc(timeout, func() {
			fmt.Fprintf(stderr, "\ntimeout: the run has taken %s (--timeout)\n", timeout)
			signals <- syscall.SIGTERM
		})
		defer t.Stop()
	}
	return runStaged(stderr, signals, graph, op, eng, parallel)
}

// stages are what each successive interrupt does, and what sovereign says when it happens.
var stages = []string{
	"interrupt: no new stacks will start; running stacks finish. Interrupt again to stop them.",
	"interrupt: asking each running Pulumi CLI to stop (it cancels cleanly and releases its lock). Interrupt again to kill them.",
	"interrupt: killing the running Pulumi CLIs; the locks they wrote are removed (only theirs).",
}

// nextStage is the stage a signal moves the run to from stage (0: none yet): SIGINT one
// further, SIGTERM at least to the second.
func nextStage(stage int, sig os.Signal) int {
	if sig == syscall.SIGTERM && stage < 2 {
		return 2
	}
	return stage + 1
}

// runStaged is runWithSignals with the signals given: each one received moves to its stage.
func runStaged(stderr io.Writer, signals <-chan os.Signal, graph *stackgraph.Graph, op orchestrate.Op, eng orchestrate.Engine, parallel int) *orchestrate.Summary {
	soft, stopScheduling := context.WithCancel(context.Background())
	hard, interrupt := context.WithCancel(context.Background())
	kill, killAll := context.WithCancel(context.Background())
	defer stopScheduling()
	defer interrupt()
	defer killAll()
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		steps := []context.CancelFunc{stopScheduling, interrupt, killAll}
		stage := 0
		for stage < len(steps) {
			var sig os.Signal
			select {
			case sig = <-signals:
			case <-finished:
				return
			}
			next := min(nextStage(stage, sig), len(steps))
			for ; stage < next; stage++ {
				fmt.Fprintln(stderr, "\n"+stages[stage])
				steps[stage]()
			}
		}
	}()

	var observer orchestrate.Observer
	var live *orchestrate.Live
	if isTerminal(stderr) {
		live = orchestrate.NewLive(stderr, graph.Stacks(), 250*time.Millisecond, terminalWidth())
		observer = live
	} else {
		observer = orchestrate.NewLines(stderr)
	}
	sum := orchestrate.Run(soft, graph, op, eng, orchestrate.Options{Parallel: parallel, Interrupt: hard, Kill: kill, Observer: observer})
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
	} else if err = writeDiff(cmd.OutOrStdout(), sum); err == nil {
		err = orchestrate.WriteTable(cmd.OutOrStdout(), sum)
	}
	if err != nil {
		return err
	}
	switch {
	case sum.Interrupted:
		return &exitError{code: exitInterrupted, err: errors.New("interrupted")}
	case !sum.OK():
		notOK := 0
		for _, r := range sum.Stacks {
			if !r.Status.OK() {
				notOK++
			}
		}
		return &exitError{code: exitFailed, err: fmt.Errorf("%s: %d stack(s) did not succeed", sum.Op, notOK)}
	}
	return nil
}

// pluginsOfThisBuild are the provider plugins this binary's program starts: one per provider
// SDK compiled into it (github.com/pulumi/pulumi-<name>/sdk), at that SDK's version, since the
// plugin version must be the SDK's, plus what the remote components start on their own
// (pulumi-eks's bundled Kubernetes provider). The orchestrator installs them all before stacks
// run in parallel, so no two stacks race to download the same plugin.
func pluginsOfThisBuild() []autoengine.Plugin {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	return pluginsOf(info.Deps)
}

var providerSDK = regexp.MustCompile(`^github\.com/pulumi/pulumi-([a-z0-9-]+)/sdk(/v[0-9]+)?$`)

func pluginsOf(deps []*debug.Module) []autoengine.Plugin {
	seen := map[autoengine.Plugin]bool{}
	var out []autoengine.Plugin
	add := func(p autoengine.Plugin) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, dep := range deps {
		if m := providerSDK.FindStringSubmatch(dep.Path); m != nil {
			v := dep.Version
			if dep.Replace != nil && dep.Replace.Version != "" {
				v = dep.Replace.Version
			}
			add(autoengine.Plugin{Name: m[1], Version: v})
		}
	}
	for _, p := range synth.RemotePlugins {
		add(autoengine.Plugin{Name: p.Name, Version: p.Version})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Version < out[j].Version
	})
	return out
}

// isTerminal reports whether w is a terminal. A character device is not enough: /dev/null is
// one, and a job started with </dev/null must not be taken for a person.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	return term.IsTerminal(int(f.Fd())) && os.Getenv("TERM") != "dumb"
}

func terminalWidth() int {
	var cols int
	if _, err := fmt.Sscan(strings.TrimSpace(os.Getenv("COLUMNS")), &cols); err == nil && cols > 20 {
		return cols
	}
	return 120
}
