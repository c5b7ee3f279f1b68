// Command sovereign drives the stacks of the global-sovereign project: it validates their
// config, synthesizes their resource graphs offline, and (through the Pulumi Automation API)
// previews and deploys them in dependency order.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/global-sovereign/global-sovereign/pkg/orchestrate"
)

// Exit statuses.
const (
	exitOK     = 0
	exitFailed = 1 // an operation failed
	exitConfig = 2 // bad config or bad usage: nothing was run
)

// exitError carries an exit status out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func configError(err error) error { return &exitError{code: exitConfig, err: err} }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit status; main only exits with it, so tests
// call run directly.
func run(args []string, stdout, stderr io.Writer) int {
	return runWithInput(args, os.Stdin, stdout, stderr)
}

// runWithInput is run with the input a question is answered on (tests give their own).
func runWithInput(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(stderr, err)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	// cobra's own errors are usage errors (unknown flag, bad arguments).
	return exitConfig
}

// globalFlags are shared by every command that works on the project.
type globalFlags struct {
	dir string // the project root (resolveProject), from -C/--cwd
}

// bootstrapFlags names bootstrap's AWS region --aws-region, as everywhere else (--region is a
// region code); --region still works.
func bootstrapFlags(cmd *cobra.Command) *cobra.Command {
	if cmd.Flags().Lookup("region") != nil {
		cmd.Use = strings.ReplaceAll(cmd.Use, "--region R", "--aws-region R")
		oldFlagName(cmd, "region", "aws-region")
	}
	return cmd
}

// optional marks cmd as able to run where no Pulumi.yaml is found (in -C or the working directory).
func optional(cmd *cobra.Command) *cobra.Command {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[projectOptional] = "true"
	return cmd
}

func newRoot() *cobra.Command {
	g := &globalFlags{}
	root := &cobra.Command{
		Use:           "sovereign",
		Short:         "Validate, synthesize and deploy the stacks of the global-sovereign project",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error { return g.resolveProject(cmd) }
	for _, cmd := range []*cobra.Command{newValidate(g), newSynth(g), newPlan(g), newPreflight(g), newNew(g),
		newOperate(g, orchestrate.Preview, "Preview every selected stack in dependency order"),
		newOperate(g, orchestrate.Up, "Deploy every selected stack in dependency order (previews and asks first; -y skips)"),
		newOperate(g, orchestrate.Destroy, "Destroy every selected stack in reverse dependency order (previews and asks first; -y skips)"),
		newOperate(g, orchestrate.Refresh, "Refresh every selected stack's state from the cloud (--preview-only: report drift)"),
		optional(bootstrapFlags(newBootstrap(g))), newUnlock(g), newLocks(g), optional(newStateFailover(g)), newCost(g), newFailover(g)} {
		root.AddCommand(g.register(cmd))
	}
	root.AddCommand(newDriftReport(), newVersion())
	return root
}
