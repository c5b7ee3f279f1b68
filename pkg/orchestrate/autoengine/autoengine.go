// Package autoengine implements orchestrate.Engine with the Pulumi Automation API: each stack
// runs the given program in-process (an inline program over the project's own Pulumi.yaml and
// stack files), so a CI runner needs only this binary and the Pulumi CLI.
//
// It handles on purpose what bites when many stacks run at once: stacks are created or selected
// one at a time (selection writes shared workspace state), each stack has its own workspace
// (never shared between goroutines), provider plugins are installed once before any operation,
// every event stream is drained by its own goroutine, and an interrupted stack is unlocked.
package autoengine

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/pkg/orchestrate"
)

// Plugin is a provider plugin to install before any stack runs.
type Plugin struct{ Name, Version string }

// Options configure the engine.
type Options struct {
	Project string         // the Pulumi project name (Pulumi.yaml's name)
	WorkDir string         // holds Pulumi.yaml and the Pulumi.<stack>.yaml files
	Program pulumi.RunFunc // run in-process for every stack
	// PulumiRoot is a directory with bin/pulumi; empty: the pulumi on PATH.
	PulumiRoot string
	// Env is added to the CLI's environment (the process environment is inherited, so
	// PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE and AWS credentials pass through).
	Env map[string]string
	// SecretsProvider for new stacks (Pulumi's --secrets-provider); empty: the backend's default.
	SecretsProvider string
	// LogDir receives one full engine log per stack and operation.
	LogDir  string
	Plugins []Plugin
}

// Engine is the Automation API engine.
type Engine struct {
	opts   Options
	mu     sync.Mutex
	stacks map[string]auto.Stack
}

var _ orchestrate.Engine = (*Engine)(nil)

// New returns an engine; nothing runs until Prepare.
func New(opts Options) (*Engine, error) {
	if opts.Project == "" || opts.WorkDir == "" || opts.Program == nil {
		return nil, fmt.Errorf("autoengine: project, work dir and program are required")
	}
	if _, err := os.Stat(filepath.Join(opts.WorkDir, "Pulumi.yaml")); err != nil {
		return nil, fmt.Errorf("autoengine: %w (the work dir must hold the project's Pulumi.yaml)", err)
	}
	if opts.LogDir == "" {
		opts.LogDir = filepath.Join(opts.WorkDir, ".sovereign", "logs")
	}
	return &Engine{opts: opts, stacks: map[string]auto.Stack{}}, nil
}

// Prepare creates or selects every stack, one at a time, then installs the plugins once.
func (e *Engine) Prepare(ctx context.Context, names []string) error {
	if err := os.MkdirAll(e.opts.LogDir, 0o755); err != nil {
		return err
	}
	cmdOpts := &auto.PulumiCommandOptions{}
	if e.opts.PulumiRoot != "" {
		cmdOpts.Root = e.opts.PulumiRoot
	}
	cmd, err := auto.NewPulumiCommand(cmdOpts)
	if err != nil {
		return fmt.Errorf("finding the Pulumi CLI: %w", err)
	}
	var first auto.Workspace
	for _, name := range names {
		opts := []auto.LocalWorkspaceOption{auto.WorkDir(e.opts.WorkDir), auto.Pulumi(cmd)}
		if len(e.opts.Env) > 0 {
			opts = append(opts, auto.EnvVars(e.opts.Env))
		}
		if e.opts.SecretsProvider != "" {
			opts = append(opts, auto.SecretsProvider(e.opts.SecretsProvider))
		}
		st, err := auto.UpsertStackInlineSource(ctx, name, e.opts.Project, e.opts.Program, opts...)
		if err != nil {
			return fmt.Errorf("stack %s: %s", name, summarize(err))
		}
		e.mu.Lock()
		e.stacks[name] = st
		e.mu.Unlock()
		if first == nil {
			first = st.Workspace()
		}
	}
	// Parallel first-time plugin downloads race each other; install once, up front.
	for _, p := range e.opts.Plugins {
		if first == nil {
			break
		}
		if err := first.InstallPlugin(ctx, p.Name, p.Version); err != nil {
			return fmt.Errorf("installing plugin %s %s: %s", p.Name, p.Version, summarize(err))
		}
	}
	return nil
}

func (e *Engine) stack(name string) (auto.Stack, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	st, ok := e.stacks[name]
	if !ok {
		return auto.Stack{}, fmt.Errorf("stack %s was not prepared", name)
	}
	return st, nil
}

// Run performs op on one stack. The full engine log goes to LogDir/<op>-<stack>.log; the
// human-readable output also comes back as the result's Output (the diff of a preview).
func (e *Engine) Run(ctx context.Context, op orchestrate.Op, name string, progress func(orchestrate.Progress)) (orchestrate.Result, error) {
	st, err := e.stack(name)
	if err != nil {
		return orchestrate.Result{}, err
	}
	logPath := filepath.Join(e.opts.LogDir, fmt.Sprintf("%s-%s.log", op, strings.ReplaceAll(name, "/", "_")))
	logFile, err := os.Create(logPath)
	if err != nil {
		return orchestrate.Result{}, err
	}
	defer logFile.Close()
	var output bytes.Buffer
	out := io.MultiWriter(logFile, &output)

	events := make(chan events.EngineEvent)
	drained := make(chan struct{})
	go drain(events, progress, drained)

	result := orchestrate.Result{LogFile: logPath}
	var runErr error
	switch op {
	case orchestrate.Preview:
		var res auto.PreviewResult
		res, runErr = st.Preview(ctx, optpreview.EventStreams(events), optpreview.ProgressStreams(out), optpreview.Diff())
		result.Changes = fromOpTypes(res.ChangeSummary)
	case orchestrate.Up:
		var res auto.UpResult
		res, runErr = st.Up(ctx, optup.EventStreams(events), optup.ProgressStreams(out))
		result.Changes = fromSummary(res.Summary)
	case orchestrate.Destroy:
		var res auto.DestroyResult
		res, runErr = st.Destroy(ctx, optdestroy.EventStreams(events), optdestroy.ProgressStreams(out))
		result.Changes = fromSummary(res.Summary)
	case orchestrate.Refresh:
		var res auto.RefreshResult
		res, runErr = st.Refresh(ctx, optrefresh.EventStreams(events), optrefresh.ProgressStreams(out))
		result.Changes = fromSummary(res.Summary)
	case orchestrate.RefreshPreview:
		var res auto.PreviewResult
		res, runErr = st.PreviewRefresh(ctx, optrefresh.EventStreams(events), optrefresh.ProgressStreams(out))
		result.Changes = fromOpTypes(res.ChangeSummary)
	default:
		close(events)
		<-drained
		return result, fmt.Errorf("unknown operation %q", op)
	}
	<-drained // the SDK closes the channel when the operation ends
	result.Output = output.String()
	if runErr != nil {
		fmt.Fprintf(logFile, "\n%s\n", runErr)
		return result, fmt.Errorf("%s", summarize(runErr))
	}
	return result, nil
}

// Unlock removes the lock an interrupted operation left (pulumi cancel).
func (e *Engine) Unlock(ctx context.Context, name string) error {
	st, err := e.stack(name)
	if err != nil {
		return err
	}
	if err := st.Cancel(ctx); err != nil && !strings.Contains(err.Error(), "no update") {
		return fmt.Errorf("%s", summarize(err))
	}
	return nil
}

// Outputs returns a stack's outputs (secrets included, marked as such).
func (e *Engine) Outputs(ctx context.Context, name string) (auto.OutputMap, error) {
	st, err := e.stack(name)
	if err != nil {
		return nil, err
	}
	return st.Outputs(ctx)
}

// drain turns engine events into progress until the SDK closes the channel.
func drain(ch <-chan events.EngineEvent, progress func(orchestrate.Progress), done chan<- struct{}) {
	defer close(done)
	var p orchestrate.Progress
	for ev := range ch {
		switch {
		case ev.ResourcePreEvent != nil:
			md := ev.ResourcePreEvent.Metadata
			p.Seen++
			p.Last = string(md.Op) + " " + md.Type + " " + urnName(md.URN)
		case ev.ResOutputsEvent != nil:
			p.Done++
		default:
			continue
		}
		if progress != nil {
			progress(p)
		}
	}
}

func urnName(urn string) string {
	if i := strings.LastIndex(urn, "::"); i >= 0 {
		return urn[i+2:]
	}
	return urn
}

func fromSummary(s auto.UpdateSummary) orchestrate.Changes {
	if s.ResourceChanges == nil {
		return orchestrate.Changes{}
	}
	m := map[apitype.OpType]int{}
	for k, v := range *s.ResourceChanges {
		m[apitype.OpType(k)] = v
	}
	return fromOpTypes(m)
}

func fromOpTypes(m map[apitype.OpType]int) orchestrate.Changes {
	return orchestrate.Changes{
		Create:  m[apitype.OpCreate],
		Update:  m[apitype.OpUpdate],
		Replace: m[apitype.OpReplace] + m[apitype.OpCreateReplacement],
		Delete:  m[apitype.OpDelete],
		Same:    m[apitype.OpSame],
	}
}

// summarize picks what a CLI error says went wrong: the Automation API's error carries the whole
// stderr, whose first and last lines are generic ("update failed"). A program's own error shows
// up as "error: ... error(s) occurred:" followed by "* <message>" lines.
func summarize(err error) string {
	lines := strings.Split(err.Error(), "\n")
	for i, line := range lines {
		l := strings.TrimSpace(line)
		if !strings.HasPrefix(l, "error:") {
			continue
		}
		msg := strings.TrimSpace(strings.TrimPrefix(l, "error:"))
		if msg == "" || isGeneric(msg) {
			continue
		}
		if strings.HasSuffix(msg, "occurred:") {
			var details []string
			for _, next := range lines[i+1:] {
				n := strings.TrimSpace(next)
				if !strings.HasPrefix(n, "*") {
					break
				}
				details = append(details, strings.TrimSpace(strings.TrimPrefix(n, "*")))
			}
			if len(details) > 0 {
				return strings.Join(details, "; ")
			}
		}
		return msg
	}
	return strings.TrimSpace(lines[0])
}

func isGeneric(msg string) bool {
	for _, p := range []string{"update failed", "preview failed", "destroy failed", "refresh failed"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}
