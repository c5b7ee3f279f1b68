package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/orchestrate"
	"github.com/global-sovereign/global-sovereign/pkg/orchestrate/autoengine"
	"github.com/global-sovereign/global-sovereign/pkg/program"
)

// unlockEngine is what unlock needs of the Automation API engine.
type unlockEngine interface {
	Prepare(ctx context.Context, stacks []string, create bool) ([]string, error)
	BackendURL(ctx context.Context) (string, error)
	PendingOperations(ctx context.Context, stack string) ([]string, error)
}

// Seams for the command's tests.
var (
	newUnlockEngine = func(opts autoengine.Options) (unlockEngine, error) { return autoengine.New(opts) }
	readLocks       = orchestrate.ReadLocks
	removeLock      = orchestrate.RemoveLock
	thisMachine     = func() (orchestrate.Machine, error) {
		me, err := orchestrate.ThisOwner(os.Getpid())
		return orchestrate.Machine{Hostname: me.Hostname, Username: me.Username,
			Alive: orchestrate.ProcessAlive, Started: orchestrate.ProcessStarted}, err
	}
)

func newUnlock(g *globalFlags) *cobra.Command {
	var stack, pulumiRoot string
	var force bool
	cmd := &cobra.Command{
		Use:   "unlock --stack S [--force]",
		Short: "Remove the lock a killed Pulumi CLI left on a stack, once no operation can still be running",
		Long: "A Pulumi CLI killed mid-update (a cancelled CI job, a closed laptop) leaves its lock in a\n" +
			"self-managed backend, and every later operation fails with \"the stack is currently locked\".\n" +
			"unlock reads the stack's locks (file:// directly, s3:// through the AWS CLI) and removes each lock\n" +
			"object whose operation cannot still be running: a lock of this machine and user whose process has\n" +
			"exited. A lock of another machine or user (a CI runner, a colleague) cannot be checked from here: it\n" +
			"is removed only with --force, after you have made sure that operation is over. Each lock is removed\n" +
			"on its own, never with pulumi cancel (which deletes every lock of the stack, a colleague's included).\n" +
			"Afterwards it lists the operations the killed CLI left pending in the state.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := filepath.Abs(g.dir)
			if err != nil {
				return err
			}
			if stack == "" {
				return configError(fmt.Errorf("give --stack <name>"))
			}
			if _, err := os.Stat(filepath.Join(dir, config.StackFileName(stack))); err != nil {
				return configError(fmt.Errorf("no stack %q: %w", stack, err))
			}
			ctx := context.Background()
			out := cmd.OutOrStdout()
			eng, err := newUnlockEngine(autoengine.Options{
				Project: config.Project, WorkDir: dir, PulumiRoot: pulumiRoot,
				Program: program.New(program.Options{Dir: dir}), // never run: cancel and export only
			})
			if err != nil {
				return err
			}
			missing, err := eng.Prepare(ctx, []string{stack}, false)
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			if len(missing) > 0 {
				return &exitError{code: exitFailed, err: fmt.Errorf("the backend has no stack %s: nothing to unlock", stack)}
			}
			backend, err := eng.BackendURL(ctx)
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			locks, err := readLocks(ctx, backend, config.Project, stack, orchestrate.ExecRunner)
			if err != nil {
				return &exitError{code: exitFailed, err: fmt.Errorf("%w\nunlock removes a lock only once it has seen who holds it", err)}
			}
			if len(locks) == 0 {
				fmt.Fprintf(out, "%s is not locked: nothing to do.\n", stack)
				return pending(ctx, eng, stack, out)
			}
			m, err := thisMachine()
			if err != nil {
				return err
			}
			running, removed := 0, 0
			for _, v := range orchestrate.JudgeLocks(locks, m, time.Now(), force) {
				if !v.Stale {
					running++
					fmt.Fprintf(out, "%s: lock of %s: may be running, kept: %s\n", stack, v.Lock, v.Why)
					continue
				}
				if err := removeLock(ctx, backend, v.Lock, orchestrate.ExecRunner); err != nil {
					return &exitError{code: exitFailed, err: err}
				}
				removed++
				fmt.Fprintf(out, "%s: lock of %s: stale, removed (%s): %s\n", stack, v.Lock, v.Lock.Key, v.Why)
			}
			if removed > 0 {
				if err := pending(ctx, eng, stack, out); err != nil {
					return err
				}
			}
			if running > 0 {
				return &exitError{code: exitFailed, err: fmt.Errorf("%s: %d lock(s) may belong to a running operation and were kept; %d stale lock(s) removed", stack, running, removed)}
			}
			fmt.Fprintf(out, "%s: unlocked (%d lock object(s) removed, no other touched).\n", stack, removed)
			return nil
		},
	}
	cmd.Flags().StringVarP(&stack, "stack", "s", "", "the stack to unlock")
	cmd.Flags().BoolVar(&force, "force", false, "also remove locks of other machines, which unlock cannot check (make sure their operation is over)")
	cmd.Flags().StringVar(&pulumiRoot, "pulumi-root", os.Getenv("SOVEREIGN_PULUMI_ROOT"),
		"directory with bin/pulumi to use instead of the pulumi on PATH (env SOVEREIGN_PULUMI_ROOT)")
	return cmd
}

// pending reports the operations a killed CLI left in the state: the next up refuses to run
// until a refresh has dealt with them.
func pending(ctx context.Context, eng unlockEngine, stack string, out interface{ Write([]byte) (int, error) }) error {
	ops, err := eng.PendingOperations(ctx, stack)
	if err != nil {
		return &exitError{code: exitFailed, err: fmt.Errorf("reading the state's pending operations: %w", err)}
	}
	if len(ops) == 0 {
		return nil
	}
	fmt.Fprintf(out, "%s: %d operation(s) were left pending by the killed CLI:\n  %s\n", stack, len(ops), strings.Join(ops, "\n  "))
	fmt.Fprintf(out, "Before the next up, resolve them: for a pending create, look in the console whether the resource exists; "+
		"if it does, `pulumi refresh -s %s --import-pending-creates <URN> <ID>`, otherwise `pulumi refresh -s %s --clear-pending-creates`; "+
		"then `sovereign refresh --stack %s`.\n", stack, stack, stack)
	return nil
}
