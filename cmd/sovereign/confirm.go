package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/global-sovereign/global-sovereign/pkg/orchestrate"
	"github.com/global-sovereign/global-sovereign/pkg/stackgraph"
)

// stdinIsTerminal reports whether a person can answer a question; tests replace it.
var stdinIsTerminal = func() bool { return isTerminal(os.Stdin) }

// previewOf is the preview that shows what op would change.
func previewOf(op orchestrate.Op) orchestrate.Op {
	if op == orchestrate.Destroy {
		return orchestrate.PreviewDestroy
	}
	return orchestrate.Preview
}

// confirm shows what op would change and asks once, as `pulumi up` does: every selected stack
// is previewed, its resource-level diff printed, and one question covers them all. --yes skips
// it; without a terminal --yes is required, so a CI job never waits on a question. It returns
// nil to go ahead.
func confirm(cmd *cobra.Command, f *operateFlags, graph *stackgraph.Graph, op orchestrate.Op, eng orchestrate.Engine) error {
	if f.yes {
		return nil
	}
	if err := canAsk(f, op); err != nil {
		return err
	}
	stderr := cmd.ErrOrStderr()
	sum := runWithSignals(stderr, graph, previewOf(op), eng, f.parallel, f.timeout)
	fmt.Fprintln(stderr)
	dangerous, err := orchestrate.WriteDiff(stderr, sum)
	if err != nil {
		return err
	}
	if sum.Interrupted {
		return &exitError{code: exitInterrupted, err: errors.New("interrupted during the preview: nothing was changed")}
	}
	if !sum.OK() {
		_ = orchestrate.WriteTable(stderr, sum)
		return &exitError{code: exitFailed, err: fmt.Errorf("%s: the preview of %d stack(s) failed: nothing was changed", op, len(sum.Stacks)-countOK(sum))}
	}
	question := fmt.Sprintf("Do you want to perform this %s on %d stack(s)?", op, len(sum.Stacks))
	if dangerous > 0 {
		question = fmt.Sprintf("%d protected or stateful resource(s) would be replaced or deleted (!! above). %s", dangerous, question)
	}
	fmt.Fprintf(stderr, "%s [y/N] ", question)
	answer, _ := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return nil
	}
	return &exitError{code: exitFailed, err: fmt.Errorf("%s declined: nothing was changed", op)}
}

// canAsk refuses, before anything runs, an up or destroy that could not ask: no --yes and no
// terminal.
func canAsk(f *operateFlags, op orchestrate.Op) error {
	if f.yes || (op != orchestrate.Up && op != orchestrate.Destroy) || stdinIsTerminal() {
		return nil
	}
	verb := map[orchestrate.Op]string{orchestrate.Up: "deploys", orchestrate.Destroy: "deletes every resource of"}[op]
	return configError(fmt.Errorf("%s %s the selected stacks and there is no terminal to ask on: preview first (sovereign preview), then pass --yes (-y)", op, verb))
}

func countOK(sum *orchestrate.Summary) int {
	n := 0
	for _, r := range sum.Stacks {
		if r.Status.OK() {
			n++
		}
	}
	return n
}

// writeDiff prints a preview's resource-level diff ahead of its table.
func writeDiff(w io.Writer, sum *orchestrate.Summary) error {
	if sum.Op != orchestrate.Preview && sum.Op != orchestrate.PreviewDestroy {
		return nil
	}
	_, err := orchestrate.WriteDiff(w, sum)
	return err
}

// checkPrerequisites asks the engine, once and before any stack runs, what would make every
// stack fail alike (no Pulumi CLI, no backend, no AWS credentials): each problem one line with
// its fix, exit 2.
func checkPrerequisites(cmd *cobra.Command, eng orchestrate.Engine) error {
	c, ok := eng.(orchestrate.Checker)
	if !ok {
		return nil
	}
	// The provider plugins are installed here, once: on a fresh machine that takes minutes.
	fmt.Fprintln(cmd.ErrOrStderr(), "checking prerequisites: the Pulumi CLI, the provider plugins (installed once), the backend, AWS credentials")
	problems := c.Check(contextOf(cmd))
	if len(problems) == 0 {
		return nil
	}
	return configError(fmt.Errorf("%s\nnothing was run: %d prerequisite(s) missing (above)", strings.Join(problems, "\n"), len(problems)))
}
