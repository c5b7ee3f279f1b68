// Package autoengine implements orchestrate.Engine with the Pulumi Automation API: each stack
// runs the given program in-process (an inline program over the project's own Pulumi.yaml and
// stack files), so a CI runner needs only this binary and the Pulumi CLI.
//
// It handles on purpose what bites when many stacks run at once: each stack is selected (or,
// for up, created) just before it runs, one selection at a time but overlapped with the stacks
// already running, so the first stack starts after one selection however large the fleet; each
// stack has its own workspace (never shared between goroutines), provider plugins are installed
// once before any operation,
// every event stream is drained by its own goroutine, each CLI runs in its own process group
// (command.go) and only up creates stacks.
//
// It never writes the files it was given: each stack's CLI runs in a private directory
// (<WorkDir>/.sovereign/work/<stack>) holding fresh copies of Pulumi.yaml and the stack's file,
// so whatever the CLI writes there (an encryptionsalt, a secrets provider) stays out of the
// repository. The secrets settings of an existing stack then come from its state
// (PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER), not from a committed file.
package autoengine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

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
	// SecretsProviderFor, when SecretsProvider is empty, gives the secrets provider of the
	// stacks up creates from the backend's URL (awskms:// on the bootstrap's S3 backend); ""
	// leaves the backend's default.
	SecretsProviderFor func(backendURL string) (string, error)
	// LogDir receives one full engine log per stack and operation.
	LogDir  string
	Plugins []Plugin
	// Credentials, when set, is asked by Check whether the cloud credentials the program needs
	// are there.
	Credentials func(ctx context.Context) error
}

// Engine is the Automation API engine.
type Engine struct {
	opts   Options
	cmd    auto.PulumiCommand
	create bool // up: a stack the backend lacks is created when selected

	list auto.Workspace // Prepare's own workspace

	mu       sync.Mutex
	stacks   map[string]auto.Stack
	selected map[string]time.Time // when each stack's selection finished
	killed   map[string]int       // the pid of each stack's CLI this engine killed

	selecting sync.Mutex // one selection at a time
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
	return &Engine{opts: opts, stacks: map[string]auto.Stack{}, selected: map[string]time.Time{}, killed: map[string]int{}}, nil
}

// Prepare readies the run without selecting any stack: it finds the CLI, lists the backend's
// stacks once when it must not create any (returning those it lacks), and installs the plugins
// once, all from a workspace of its own. Stacks are selected in Run.
func (e *Engine) Prepare(ctx context.Context, names []string, create bool) ([]string, error) {
	if err := os.MkdirAll(e.opts.LogDir, 0o755); err != nil {
		return nil, err
	}
	cmd, err := newCommand(e.opts.PulumiRoot)
	if err != nil {
		return nil, fmt.Errorf("finding the Pulumi CLI: %w", err)
	}
	e.cmd, e.create = cmd, create
	// A new run starts from fresh copies of the stack files: forget earlier selections.
	e.mu.Lock()
	// (The pids of CLIs killed earlier stay known: their locks are this engine's to remove.)
	e.stacks, e.selected = map[string]auto.Stack{}, map[string]time.Time{}
	e.mu.Unlock()
	dir, err := e.privateDir("")
	if err != nil {
		return nil, err
	}
	ws, err := auto.NewLocalWorkspace(ctx, append(e.workspaceOptions(dir), auto.Program(e.opts.Program))...)
	if err != nil {
		return nil, fmt.Errorf("opening the workspace: %s", summarize(err))
	}
	e.list = ws
	if create && e.opts.SecretsProvider == "" && e.opts.SecretsProviderFor != nil {
		url, err := e.BackendURL(ctx)
		if err != nil {
			return nil, err
		}
		sp, err := e.opts.SecretsProviderFor(url)
		if err != nil {
			return nil, err
		}
		e.opts.SecretsProvider = sp
	}
	var missing []string
	if create {
		// Only the stacks up creates need a passphrase now; list them only when it could matter.
		url, err := e.BackendURL(ctx)
		if err != nil {
			return nil, err
		}
		if refuseEmptyPassphrase(url, e.opts.SecretsProvider, func(string) string { return "" }, []string{"a stack"}) != nil {
			creating, err := e.lacking(ctx, ws, names)
			if err != nil {
				return nil, err
			}
			if err := refuseEmptyPassphrase(url, e.opts.SecretsProvider, e.envOf, creating); err != nil {
				return nil, err
			}
		}
	} else {
		list, err := ws.ListStacks(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing the backend's stacks: %s", summarize(err))
		}
		have := map[string]bool{}
		for _, s := range list {
			// A stack's name may come back qualified (organization/project/stack).
			have[s.Name[strings.LastIndex(s.Name, "/")+1:]] = true
		}
		for _, name := range names {
			if !have[name] {
				missing = append(missing, name)
			}
		}
	}
	// Parallel first-time plugin downloads race each other; install once, up front.
	for _, p := range e.opts.Plugins {
		if err := ws.InstallPlugin(ctx, p.Name, p.Version); err != nil {
			return nil, fmt.Errorf("installing plugin %s %s: %s", p.Name, p.Version, summarize(err))
		}
	}
	return missing, nil
}

// DescribePrepare says what Prepare does, for the progress display: on a fresh machine the
// plugin downloads take minutes.
func (e *Engine) DescribePrepare(create bool) string {
	var ps []string
	for _, p := range e.opts.Plugins {
		ps = append(ps, p.Name+" "+p.Version)
	}
	what := "finding the Pulumi CLI, listing the backend's stacks"
	if create {
		what = "finding the Pulumi CLI, asking the backend"
	}
	if len(ps) > 0 {
		what += ", installing provider plugins " + strings.Join(ps, ", ") + " (downloaded once)"
	}
	return what
}

func (e *Engine) workspaceOptions(dir string) []auto.LocalWorkspaceOption {
	env := map[string]string{
		// An existing stack whose file carries no secrets settings (the private copy never
		// does unless the repository's does) uses the secrets manager recorded in its state.
		"PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER": "true",
	}
	for k, v := range e.opts.Env {
		env[k] = v
	}
	opts := []auto.LocalWorkspaceOption{auto.WorkDir(dir), auto.Pulumi(e.cmd), auto.EnvVars(env)}
	if e.opts.SecretsProvider != "" {
		opts = append(opts, auto.SecretsProvider(e.opts.SecretsProvider))
	}
	return opts
}

// privateDir makes a fresh directory for one stack's CLI with copies of Pulumi.yaml and the
// stack's file (when it has one): whatever the CLI writes stays in the copy.
func (e *Engine) privateDir(stack string) (string, error) {
	name := stack
	if name == "" {
		name = "_list"
	}
	dir := filepath.Join(e.opts.WorkDir, ".sovereign", "work", strings.ReplaceAll(name, "/", "_"))
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	files := []string{"Pulumi.yaml"}
	if stack != "" {
		files = append(files, "Pulumi."+stack+".yaml")
	}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(e.opts.WorkDir, f))
		if errors.Is(err, os.ErrNotExist) && f != "Pulumi.yaml" {
			continue
		}
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// stack selects the stack (creating it for up) the first time it is needed, in its own private
// directory; selections run one at a time (a selection writes workspace state), while the stacks
// already selected keep running.
func (e *Engine) stack(ctx context.Context, name string) (auto.Stack, error) {
	e.mu.Lock()
	st, ok := e.stacks[name]
	e.mu.Unlock()
	if ok {
		return st, nil
	}
	if e.cmd == nil {
		return auto.Stack{}, fmt.Errorf("stack %s: the engine was not prepared", name)
	}
	e.selecting.Lock()
	defer e.selecting.Unlock()
	dir, err := e.privateDir(name)
	if err != nil {
		return auto.Stack{}, err
	}
	opts := e.workspaceOptions(dir)
	if e.create {
		st, err = auto.UpsertStackInlineSource(ctx, name, e.opts.Project, e.opts.Program, opts...)
	} else {
		st, err = auto.SelectStackInlineSource(ctx, name, e.opts.Project, e.opts.Program, opts...)
	}
	if err != nil {
		return auto.Stack{}, fmt.Errorf("selecting stack %s: %s", name, summarize(err))
	}
	e.mu.Lock()
	e.stacks[name], e.selected[name] = st, time.Now()
	e.mu.Unlock()
	return st, nil
}

// Selected reports when each stack's selection finished (for measurements).
func (e *Engine) Selected() map[string]time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]time.Time, len(e.selected))
	for k, v := range e.selected {
		out[k] = v
	}
	return out
}

// Run performs op on one stack. The full engine log goes to LogDir/<op>-<stack>.log; the
// human-readable output also comes back as the result's Output (the diff of a preview).
func (e *Engine) Run(ctx context.Context, op orchestrate.Op, name string, progress func(orchestrate.Progress)) (orchestrate.Result, error) {
	st, err := e.stack(ctx, name)
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
	drained, returned := make(chan struct{}), make(chan struct{})
	var drift []orchestrate.Drift
	recordDrift := op == orchestrate.Refresh || op == orchestrate.RefreshPreview
	var steps []orchestrate.Step
	go drain(events, progress, returned, drained, func(d orchestrate.Drift) {
		if recordDrift {
			drift = append(drift, d)
		}
	}, func(s orchestrate.Step) { steps = append(steps, s) })

	result := orchestrate.Result{LogFile: logPath}
	ctx, killed := withKilledFlag(ctx)
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
	case orchestrate.PreviewDestroy:
		var res auto.PreviewResult
		res, runErr = st.PreviewDestroy(ctx, optdestroy.EventStreams(events), optdestroy.ProgressStreams(out))
		result.Changes = fromOpTypes(res.ChangeSummary)
	default:
		close(returned)
		<-drained
		return result, fmt.Errorf("unknown operation %q", op)
	}
	close(returned)
	<-drained
	result.Output = output.String()
	result.Drift = drift
	if !recordDrift {
		// A refresh's steps are its drift; the others' are the resources they change.
		result.Steps = steps
	}
	if runErr != nil {
		fmt.Fprintf(logFile, "\n%s\n", runErr)
		if pid := killed.Load(); pid != 0 {
			e.mu.Lock()
			e.killed[name] = int(pid)
			e.mu.Unlock()
			return result, fmt.Errorf("%w during %s", orchestrate.ErrKilled, op)
		}
		return result, fmt.Errorf("%s", summarize(runErr))
	}
	return result, nil
}

// Unlock removes the lock the CLI this engine killed on the stack wrote, and no other: the
// lock object whose pid, hostname and username are that CLI's (pulumi pkg/backend/diy/lock.go
// names each lock after a random id of the CLI's backend and writes those three into it). It
// never runs `pulumi cancel`, which on a self-managed backend deletes every lock of the stack, a
// colleague's included. Nothing is removed when that CLI held no lock (killed before taking it).
func (e *Engine) Unlock(ctx context.Context, name string) error {
	e.mu.Lock()
	pid := e.killed[name]
	e.mu.Unlock()
	if pid == 0 {
		return fmt.Errorf("no CLI of this run was killed on %s: nothing of ours to unlock", name)
	}
	backend, err := e.BackendURL(ctx)
	if err != nil {
		return err
	}
	owner, err := orchestrate.ThisOwner(pid)
	if err != nil {
		return err
	}
	locks, err := orchestrate.ReadLocks(ctx, backend, e.opts.Project, name, orchestrate.ExecRunner)
	if err != nil {
		return err
	}
	for _, l := range locks {
		if owner.Wrote(l) {
			if err := orchestrate.RemoveLock(ctx, backend, l, orchestrate.ExecRunner); err != nil {
				return err
			}
		}
	}
	return nil
}

// BackendURL is the URL of the backend the CLI uses, as `pulumi whoami` reports it (after
// Prepare).
func (e *Engine) BackendURL(ctx context.Context) (string, error) {
	if e.list == nil {
		return "", errors.New("the engine was not prepared")
	}
	who, err := e.list.WhoAmIDetails(ctx)
	if err != nil {
		return "", fmt.Errorf("asking the CLI for its backend: %s", summarize(err))
	}
	return who.URL, nil
}

// SecretsProvider is the secrets provider of the stacks up creates ("" for the backend's
// default), known after Prepare.
func (e *Engine) SecretsProvider() string { return e.opts.SecretsProvider }

// PendingOperations lists the operations a stack's state records as begun and never finished
// ("create urn:..."): a CLI killed mid-update leaves them.
func (e *Engine) PendingOperations(ctx context.Context, name string) ([]string, error) {
	st, err := e.stack(ctx, name)
	if err != nil {
		return nil, err
	}
	dep, err := st.Export(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s", summarize(err))
	}
	var d struct {
		Pending []struct {
			Type     string `json:"type"`
			Resource struct {
				URN string `json:"urn"`
			} `json:"resource"`
		} `json:"pending_operations"`
	}
	if err := json.Unmarshal(dep.Deployment, &d); err != nil {
		return nil, err
	}
	var out []string
	for _, p := range d.Pending {
		out = append(out, p.Type+" "+p.Resource.URN)
	}
	return out, nil
}

// Outputs returns a stack's outputs (secrets included, marked as such).
func (e *Engine) Outputs(ctx context.Context, name string) (auto.OutputMap, error) {
	st, err := e.stack(ctx, name)
	if err != nil {
		return nil, err
	}
	return st.Outputs(ctx)
}

// drain turns engine events into progress until the SDK closes the channel or the SDK call has
// returned. The SDK closes the channel only when the CLI opened its event stream: a CLI that
// fails before (a stack locked by someone else) never does. Once the call has returned no
// event can follow (the SDK's event server has shut down), so that is the other way out.
//
// Every resource whose outcome changes the state is passed to changed: in a refresh, the
// engine reports a resource that differs from the cloud as update and one gone from the cloud
// as delete (pkg/resource/deploy/step.go, RefreshStep.ResultOp), with the differing keys.
//
// Every resource step that changes something (create, update, replace, delete, import) is
// passed to stepped, for the resource-level diff a preview shows and up asks about.
func drain(ch <-chan events.EngineEvent, progress func(orchestrate.Progress), returned <-chan struct{}, done chan<- struct{},
	changed func(orchestrate.Drift), stepped func(orchestrate.Step)) {
	defer close(done)
	var p orchestrate.Progress
	for {
		var ev events.EngineEvent
		var open bool
		select {
		case ev, open = <-ch:
			if !open {
				return
			}
		case <-returned:
			return
		}
		switch {
		case ev.ResourcePreEvent != nil:
			md := ev.ResourcePreEvent.Metadata
			if st, ok := stepOf(md); ok {
				stepped(st)
			}
			p.Seen++
			p.Last = string(md.Op) + " " + md.Type + " " + urnName(md.URN)
		case ev.ResOutputsEvent != nil:
			p.Done++
			if d, ok := driftOf(ev.ResOutputsEvent.Metadata); ok {
				changed(d)
			}
		default:
			continue
		}
		if progress != nil {
			progress(p)
		}
	}
}

// driftOf is the change a step's outcome makes to a custom resource's state, if any.
func driftOf(md apitype.StepEventMetadata) (orchestrate.Drift, bool) {
	switch md.Op {
	case apitype.OpUpdate, apitype.OpDelete, apitype.OpReplace:
	default:
		return orchestrate.Drift{}, false
	}
	keys := md.Diffs
	if len(keys) == 0 {
		for k := range md.DetailedDiff {
			keys = append(keys, k)
		}
	}
	keys = append([]string(nil), keys...)
	sort.Strings(keys)
	return orchestrate.Drift{URN: md.URN, Type: md.Type, Name: urnName(md.URN), Op: string(md.Op), Keys: keys}, true
}

// stepOf is the diff line of a step that changes a resource. A replacement shows up as three
// steps (create-replacement, replace, delete-replaced); only the replace is kept, as pulumi's own
// diff does. The stack resource itself is left out.
func stepOf(md apitype.StepEventMetadata) (orchestrate.Step, bool) {
	switch md.Op {
	case apitype.OpCreate, apitype.OpUpdate, apitype.OpReplace, apitype.OpDelete, apitype.OpImport:
	default:
		return orchestrate.Step{}, false
	}
	if md.Type == "pulumi:pulumi:Stack" {
		return orchestrate.Step{}, false
	}
	st := orchestrate.Step{Op: string(md.Op), Type: md.Type, Name: urnName(md.URN), URN: md.URN,
		Stateful: orchestrate.StatefulTypes[md.Type]}
	for _, s := range []*apitype.StepEventStateMetadata{md.Old, md.New} {
		if s != nil && s.Protect {
			st.Protected = true
		}
	}
	keys := md.Diffs
	if len(keys) == 0 {
		for k := range md.DetailedDiff {
			keys = append(keys, k)
		}
	}
	st.Keys = append([]string(nil), keys...)
	sort.Strings(st.Keys)
	return st, true
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
		// The SDK's "stderr: " label shares a line with the CLI's first line of stderr.
		l := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "stderr:"))
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

// lacking lists the names the backend has no stack of.
func (e *Engine) lacking(ctx context.Context, ws auto.Workspace, names []string) ([]string, error) {
	list, err := ws.ListStacks(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the backend's stacks: %s", summarize(err))
	}
	have := map[string]bool{}
	for _, s := range list {
		have[s.Name[strings.LastIndex(s.Name, "/")+1:]] = true
	}
	var out []string
	for _, name := range names {
		if !have[name] {
			out = append(out, name)
		}
	}
	return out, nil
}
