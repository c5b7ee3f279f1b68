package autoengine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/pkg/orchestrate"
)

// Backend is where a stack's state lives and how its secrets are encrypted.
type Backend struct {
	URL string // PULUMI_BACKEND_URL: file://<dir>, s3://<bucket>?region=...&awssdk=v2
	// SecretsProvider of a stack created there: passphrase, awskms://alias/<name>?region=<r>.
	SecretsProvider string
	Env             map[string]string // more environment for the CLI on this backend
}

// BootstrapOptions configure Bootstrap.
type BootstrapOptions struct {
	Project, Stack string
	Program        pulumi.RunFunc
	PulumiRoot     string // directory with bin/pulumi; empty: the pulumi on PATH
	// WorkDir holds the CLI's private project directories (made fresh on every run); nothing
	// in it needs keeping.
	WorkDir string
	Env     map[string]string // for the CLI on both backends
	// Local is where the program runs first, before Target exists (a file:// directory the
	// program does not create); Target is where the state ends up (the bucket the program
	// creates).
	Local, Target           Backend
	DisableDefaultProviders []string // pulumi:disable-default-providers of the stack
	Plugins                 []Plugin
	Output                  io.Writer // the engine's progress; nil discards it

	// Test hooks, called after the local up and after the import into Target: an error stops
	// the run there, as a crash would.
	afterLocalUp, afterImport func() error
	// probeBackend replaces ProbeBackend in tests.
	probeBackend func(ctx context.Context, url string) error

	cmd auto.PulumiCommand
}

// How a bootstrap run went.
const (
	Moved        = "moved"         // created on the local backend, then moved into the target
	Resumed      = "resumed"       // an earlier run's local state moved into the target
	AlreadyThere = "already-moved" // the state was already in the target: an up there
)

// BootstrapResult is what Bootstrap did.
type BootstrapResult struct {
	Path      string              // Moved, Resumed or AlreadyThere
	Changes   orchestrate.Changes // of the last operation on the target: the check preview after a move, or the up
	Resources int                 // resources in the target's state
	Outputs   auto.OutputMap      // the stack's outputs, read from the target
	Notes     []string            // what else happened (a stale local copy removed)
}

// Bootstrap runs a program whose resources hold its own future backend: the state bucket
// cannot hold the state of its own creation, so the program first runs against a local
// backend; once it has succeeded, the stack moves into the target backend it created (its
// secrets re-encrypted with the target's provider, the deployment exported and imported,
// the copy checked resource by resource and output by output, the local stack removed), so
// that nothing lives only on the machine that ran it. A later run finds the stack in the target
// and runs there: with nothing changed, a no-op.
//
// A run interrupted part-way is resumed: a local stack not yet moved is moved; a local copy
// left beside a complete import is removed. When the target cannot be read for another reason
// than its not existing yet (credentials, network), Bootstrap stops before creating anything.
func Bootstrap(ctx context.Context, o BootstrapOptions) (*BootstrapResult, error) {
	if o.Project == "" || o.Stack == "" || o.Program == nil || o.WorkDir == "" || o.Local.URL == "" || o.Target.URL == "" {
		return nil, errors.New("bootstrap: project, stack, program, work dir and both backends are required")
	}
	if o.Output == nil {
		o.Output = io.Discard
	}
	// A stack whose secrets provider changes is read afterwards with the new one; between two
	// passphrase backends there is no change, so one passphrase must open both.
	if isPassphrase(o.Local.SecretsProvider) && isPassphrase(o.Target.SecretsProvider) && o.passphrase(o.Local) != o.passphrase(o.Target) {
		return nil, errors.New("bootstrap: the local and the target backend both use the passphrase provider, with different passphrases; " +
			"the moved state keeps the local passphrase")
	}
	cmd, err := newCommand(o.PulumiRoot)
	if err != nil {
		return nil, fmt.Errorf("finding the Pulumi CLI: %w", err)
	}
	o.cmd = cmd
	if dir, ok := strings.CutPrefix(o.Local.URL, "file://"); ok {
		if err := os.MkdirAll(strings.SplitN(dir, "?", 2)[0], 0o700); err != nil {
			return nil, err
		}
	}
	local, err := o.workspace(ctx, cmd, o.Local, "local")
	if err != nil {
		return nil, err
	}
	target, err := o.workspace(ctx, cmd, o.Target, "target")
	if err != nil {
		return nil, err
	}
	localHas, err := hasStack(ctx, local, o.Stack)
	if err != nil {
		return nil, fmt.Errorf("reading the local backend %s: %s", o.Local.URL, summarize(err))
	}
	targetHas, targetErr := hasStack(ctx, target, o.Stack)
	if targetErr != nil && !errors.Is(o.probe(ctx, o.Target.URL), ErrBackendMissing) {
		return nil, fmt.Errorf("reading %s: %s\nbootstrap creates nothing while it cannot tell whether the state is already there",
			o.Target.URL, summarize(targetErr))
	}
	for _, p := range o.Plugins {
		if err := local.InstallPlugin(ctx, p.Name, p.Version); err != nil {
			return nil, fmt.Errorf("installing plugin %s %s: %s", p.Name, p.Version, summarize(err))
		}
	}

	res := &BootstrapResult{Path: Moved}
	if targetHas {
		tst, err := o.stack(ctx, target)
		if err != nil {
			return nil, err
		}
		if localHas {
			lst, err := o.stack(ctx, local)
			if err != nil {
				return nil, err
			}
			switch tdep, ldep, err := exports(ctx, tst, lst); {
			case err != nil:
				return nil, err
			case len(resourcesOf(tdep)) == 0 && len(resourcesOf(ldep)) > 0:
				// Created in the target, but the import never happened: move again.
				res.Path = Resumed
				return o.move(ctx, lst, local, target, res)
			case reflect.DeepEqual(urns(tdep), urns(ldep)):
				if err := o.removeStack(ctx, local); err != nil {
					return nil, fmt.Errorf("removing the local copy: %w", err)
				}
				res.Notes = append(res.Notes, "removed the local copy an interrupted run had left beside the moved state")
			default:
				return nil, fmt.Errorf("both %s and %s hold stack %s, with different resources (%d and %d); "+
					"compare `pulumi stack export` of both and keep one before running bootstrap again",
					o.Local.URL, o.Target.URL, o.Stack, len(resourcesOf(ldep)), len(resourcesOf(tdep)))
			}
		}
		up, err := tst.Up(ctx, optup.ProgressStreams(o.Output))
		if err != nil {
			return nil, fmt.Errorf("up on %s: %s", o.Target.URL, summarize(err))
		}
		res.Path, res.Changes = AlreadyThere, fromSummary(up.Summary)
		return o.finish(ctx, tst, res)
	}

	lst, err := o.stack(ctx, local)
	if err != nil {
		return nil, err
	}
	if localHas {
		res.Path = Resumed
	}
	if _, err := lst.Up(ctx, optup.ProgressStreams(o.Output)); err != nil {
		return nil, fmt.Errorf("up on the local backend %s: %s", o.Local.URL, summarize(err))
	}
	if o.afterLocalUp != nil {
		if err := o.afterLocalUp(); err != nil {
			return nil, err
		}
	}
	// The program has created the target; its backend must answer now.
	target, err = o.workspace(ctx, cmd, o.Target, "target")
	if err != nil {
		return nil, err
	}
	return o.move(ctx, lst, local, target, res)
}

// move copies the local stack into the target, checks the copy, removes the local stack and
// previews the target (which must show no change).
func (o *BootstrapOptions) move(ctx context.Context, lst auto.Stack, local, target auto.Workspace, res *BootstrapResult) (*BootstrapResult, error) {
	before, err := lst.Outputs(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the local outputs: %s", summarize(err))
	}
	// The state's secrets move under the target's provider before they leave the machine: an
	// import keeps the deployment's own secrets manager.
	if change := o.secretsChange(); change != "" {
		if err := retryBounded(ctx, kmsAttempts, kmsFirstDelay, kmsMaxDelay, kmsNotYetVisible,
			func() error { return lst.ChangeSecretsProvider(ctx, change, nil) }); err != nil {
			return nil, fmt.Errorf("changing the local stack's secrets provider to %s: %s", change, summarize(err))
		}
	}
	dep, err := lst.Export(ctx)
	if err != nil {
		return nil, fmt.Errorf("exporting the local state: %s", summarize(err))
	}
	tst, err := o.stack(ctx, target)
	if err != nil {
		return nil, err
	}
	if err := tst.Import(ctx, dep); err != nil {
		return nil, fmt.Errorf("importing the state into %s: %s (the local stack is kept; run bootstrap again)", o.Target.URL, summarize(err))
	}
	if o.afterImport != nil {
		if err := o.afterImport(); err != nil {
			return nil, err
		}
	}
	moved, err := tst.Export(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the moved state back: %s", summarize(err))
	}
	if got, want := urns(moved), urns(dep); !reflect.DeepEqual(got, want) {
		return nil, fmt.Errorf("the state in %s has %d resources, the local one %d: the local stack is kept", o.Target.URL, len(got), len(want))
	}
	after, err := tst.Outputs(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the moved outputs (are the secrets readable with %s?): %s", o.Target.SecretsProvider, summarize(err))
	}
	if !reflect.DeepEqual(before, after) {
		return nil, fmt.Errorf("the moved stack's outputs differ from the local ones: the local stack is kept")
	}
	if err := o.removeStack(ctx, local); err != nil {
		return nil, fmt.Errorf("the state is in %s, but removing the local stack failed (run bootstrap again): %w", o.Target.URL, err)
	}
	pre, err := tst.Preview(ctx, optpreview.ProgressStreams(o.Output))
	if err != nil {
		return nil, fmt.Errorf("preview of the moved stack: %s", summarize(err))
	}
	res.Changes = fromOpTypes(pre.ChangeSummary)
	if err := requireNoChange(o.Target.URL, res.Changes); err != nil {
		return nil, err
	}
	return o.finish(ctx, tst, res)
}

func (o *BootstrapOptions) finish(ctx context.Context, tst auto.Stack, res *BootstrapResult) (*BootstrapResult, error) {
	dep, err := tst.Export(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the state: %s", summarize(err))
	}
	res.Resources = len(resourcesOf(dep))
	if res.Outputs, err = tst.Outputs(ctx); err != nil {
		return nil, fmt.Errorf("reading the outputs: %s", summarize(err))
	}
	return res, nil
}

// probe asks whether the backend at url exists (ProbeBackend).
func (o *BootstrapOptions) probe(ctx context.Context, url string) error {
	if o.probeBackend != nil {
		return o.probeBackend(ctx, url)
	}
	return ProbeBackend(ctx, url)
}

// secretsChange is the provider the local stack changes to before it moves, or "" when the
// target uses the passphrase provider too (then with the same passphrase: Bootstrap checks).
func (o *BootstrapOptions) secretsChange() string {
	if isPassphrase(o.Target.SecretsProvider) {
		return ""
	}
	return o.Target.SecretsProvider
}

func isPassphrase(provider string) bool {
	return provider == "" || provider == "default" || provider == "passphrase"
}

// passphrase is the passphrase the CLI sees on backend b.
func (o *BootstrapOptions) passphrase(b Backend) string {
	if p, ok := b.Env["PULUMI_CONFIG_PASSPHRASE"]; ok {
		return p
	}
	if p, ok := o.Env["PULUMI_CONFIG_PASSPHRASE"]; ok {
		return p
	}
	return os.Getenv("PULUMI_CONFIG_PASSPHRASE")
}

// workspace is a fresh private project directory on backend b.
func (o *BootstrapOptions) workspace(ctx context.Context, cmd auto.PulumiCommand, b Backend, name string) (auto.Workspace, error) {
	dir := filepath.Join(o.WorkDir, name)
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	env := map[string]string{}
	for _, m := range []map[string]string{o.Env, b.Env} {
		for k, v := range m {
			env[k] = v
		}
	}
	env["PULUMI_BACKEND_URL"] = b.URL
	env["PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER"] = "true"
	opts := []auto.LocalWorkspaceOption{
		auto.WorkDir(dir), auto.Pulumi(cmd), auto.EnvVars(env), auto.Program(o.Program),
		auto.Project(workspace.Project{Name: tokens.PackageName(o.Project), Runtime: workspace.NewProjectRuntimeInfo("go", nil)}),
	}
	if b.SecretsProvider != "" {
		opts = append(opts, auto.SecretsProvider(b.SecretsProvider))
	}
	ws, err := auto.NewLocalWorkspace(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("opening a workspace on %s: %s", b.URL, summarize(err))
	}
	return ws, nil
}

// stack selects the stack on ws, creating it (with the workspace's secrets provider) if need
// be, and sets its config.
func (o *BootstrapOptions) stack(ctx context.Context, ws auto.Workspace) (auto.Stack, error) {
	st, err := auto.UpsertStack(ctx, o.Stack, ws)
	if err != nil {
		return auto.Stack{}, fmt.Errorf("selecting stack %s: %s", o.Stack, summarize(err))
	}
	for i, p := range o.DisableDefaultProviders {
		key := fmt.Sprintf("pulumi:disable-default-providers[%d]", i)
		if err := st.SetConfigWithOptions(ctx, key, auto.ConfigValue{Value: p}, &auto.ConfigOptions{Path: true}); err != nil {
			return auto.Stack{}, fmt.Errorf("setting %s: %s", key, summarize(err))
		}
	}
	return st, nil
}

// removeStack removes the stack from the workspace's backend with its history and backups
// (`pulumi stack rm --force --remove-backups`; the Automation API's RemoveStack keeps a backup
// copy of the state, which would leave it on the machine).
func (o *BootstrapOptions) removeStack(ctx context.Context, ws auto.Workspace) error {
	var env []string
	for k, v := range ws.GetEnvVars() {
		env = append(env, k+"="+v)
	}
	sort.Strings(env)
	_, stderr, code, err := o.cmd.Run(ctx, ws.WorkDir(), nil, nil, nil, env, "stack", "rm", "--yes", "--force", "--remove-backups", o.Stack)
	if err != nil {
		return fmt.Errorf("pulumi stack rm exited %d: %s", code, strings.TrimSpace(stderr))
	}
	return nil
}

func hasStack(ctx context.Context, ws auto.Workspace, name string) (bool, error) {
	list, err := ws.ListStacks(ctx)
	if err != nil {
		return false, err
	}
	for _, s := range list {
		if s.Name[strings.LastIndex(s.Name, "/")+1:] == name {
			return true, nil
		}
	}
	return false, nil
}

func exports(ctx context.Context, a, b auto.Stack) (apitype.UntypedDeployment, apitype.UntypedDeployment, error) {
	da, err := a.Export(ctx)
	if err != nil {
		return da, da, fmt.Errorf("exporting %s: %s", a.Name(), summarize(err))
	}
	db, err := b.Export(ctx)
	if err != nil {
		return da, db, fmt.Errorf("exporting %s: %s", b.Name(), summarize(err))
	}
	return da, db, nil
}

type deployedResource struct {
	URN string `json:"urn"`
}

func resourcesOf(d apitype.UntypedDeployment) []deployedResource {
	var dep struct {
		Resources []deployedResource `json:"resources"`
	}
	_ = json.Unmarshal(d.Deployment, &dep)
	return dep.Resources
}

func urns(d apitype.UntypedDeployment) []string {
	var out []string
	for _, r := range resourcesOf(d) {
		out = append(out, r.URN)
	}
	sort.Strings(out)
	return out
}
