//go:build e2e

// End-to-end tests of sovereign bootstrap's state move, of drift reports and of unlocking,
// against the real Pulumi engine on local file:// backends (make e2e).
package autoengine

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/pkg/orchestrate"
	"github.com/global-sovereign/global-sovereign/pkg/stackgraph"
)

const bootstrapProject = "sovereign-e2e-bootstrap"

// bootstrapProgram stands for the bootstrap's program: when it runs for real (not in a preview)
// it creates the backend its state moves into, as the real one creates the bucket; it has
// components and a secret output.
func bootstrapProgram(target string) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		if !ctx.DryRun() {
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		}
		var backend thing
		if err := ctx.RegisterComponentResource("sovereign:e2e:StateBackend", "state", &backend); err != nil {
			return err
		}
		var bucket thing
		if err := ctx.RegisterComponentResource("sovereign:e2e:Bucket", "bucket", &bucket, pulumi.Parent(&backend)); err != nil {
			return err
		}
		ctx.Export("backendUrl", pulumi.String("file://"+target))
		ctx.Export("secret", pulumi.ToSecret(pulumi.String("kept-secret")))
		return nil
	}
}

type bootstrapEnv struct {
	t                   *testing.T
	tmp, local, target  string
	targetPassphrase    string
	afterLocalUp, after func() error
	log                 *os.File // the engine's output
}

func newBootstrapEnv(t *testing.T) *bootstrapEnv {
	tmp := t.TempDir()
	log, err := os.Create(filepath.Join(tmp, "engine.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	return &bootstrapEnv{t: t, tmp: tmp, local: filepath.Join(tmp, "laptop-state"), target: filepath.Join(tmp, "bucket"), log: log}
}

func (b *bootstrapEnv) options() BootstrapOptions {
	return BootstrapOptions{
		Project: bootstrapProject, Stack: "bootstrap", Program: bootstrapProgram(b.target),
		PulumiRoot: pulumiRoot(b.t), WorkDir: filepath.Join(b.tmp, "work"),
		Env: map[string]string{
			"PULUMI_HOME":                                 filepath.Join(b.tmp, "home"),
			"PULUMI_SKIP_UPDATE_CHECK":                    "true",
			"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		},
		// The local stack's passphrase is empty, as sovereign bootstrap's. Offline, the target
		// uses the passphrase provider too (with the same passphrase: the state keeps its
		// secrets manager through the move); for real it is awskms://, and the local stack
		// changes to it before the export.
		Local:                   Backend{URL: "file://" + b.local, SecretsProvider: "passphrase", Env: map[string]string{"PULUMI_CONFIG_PASSPHRASE": ""}},
		Target:                  Backend{URL: "file://" + b.target, SecretsProvider: "passphrase", Env: map[string]string{"PULUMI_CONFIG_PASSPHRASE": b.targetPassphrase}},
		DisableDefaultProviders: []string{"aws"},
		Output:                  b.log,
		afterLocalUp:            b.afterLocalUp,
		afterImport:             b.after,
	}
}

func (b *bootstrapEnv) run() (*BootstrapResult, error) {
	b.t.Helper()
	start := time.Now()
	res, err := Bootstrap(context.Background(), b.options())
	if res != nil {
		b.t.Logf("bootstrap: %s in %.1fs, %d resources, changes %+v, notes %v", res.Path, time.Since(start).Seconds(), res.Resources, res.Changes, res.Notes)
	}
	return res, err
}

// files lists the files under dir whose content or name mentions the stack (state, backups,
// history, locks), relative to dir.
func stateFiles(t *testing.T, dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		data, _ := os.ReadFile(path)
		if strings.Contains(path, bootstrapProject) || strings.Contains(string(data), bootstrapProject) {
			rel, _ := filepath.Rel(dir, path)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

func (b *bootstrapEnv) checkMoved(res *BootstrapResult) {
	b.t.Helper()
	if res.Resources != 3 {
		b.t.Errorf("the target holds %d resources, want 3 (stack, state, bucket)", res.Resources)
	}
	if v := res.Outputs["secret"]; v.Value != "kept-secret" || !v.Secret {
		b.t.Errorf("secret output read from the target: %+v", v)
	}
	if v := res.Outputs["backendUrl"].Value; v != "file://"+b.target {
		b.t.Errorf("backendUrl %v", v)
	}
	if files := stateFiles(b.t, b.local); len(files) != 0 {
		b.t.Errorf("the local backend still holds the stack: %v", files)
	}
	files := stateFiles(b.t, b.target)
	found := false
	for _, f := range files {
		found = found || f == filepath.Join(".pulumi", "stacks", bootstrapProject, "bootstrap.json")
		data, _ := os.ReadFile(filepath.Join(b.target, f))
		if strings.Contains(string(data), "kept-secret") {
			b.t.Errorf("%s holds the secret in plain text", f)
		}
	}
	if !found {
		b.t.Errorf("the target has no state file for the stack: %v", files)
	}
}

// The bootstrap runs on a local backend, creates its target, moves into it and leaves nothing
// behind; a second run is a no-op in the target.
func TestE2EBootstrapMovesItsState(t *testing.T) {
	b := newBootstrapEnv(t)
	res, err := b.run()
	if err != nil {
		t.Fatal(err)
	}
	if res.Path != Moved || res.Changes.Changed() != 0 {
		t.Errorf("first run: %s with changes %+v, want moved and a clean preview of the moved state", res.Path, res.Changes)
	}
	b.checkMoved(res)

	res, err = b.run()
	if err != nil {
		t.Fatal(err)
	}
	if res.Path != AlreadyThere || res.Changes.Changed() != 0 || res.Changes.Same != 3 || len(res.Notes) != 0 {
		t.Errorf("second run: %s %+v %v, want an up in the target that changes nothing", res.Path, res.Changes, res.Notes)
	}
	b.checkMoved(res)
}

// A run that stopped after the local up (the move never started) is resumed: the next run
// finds the local stack, updates it and moves it.
func TestE2EBootstrapResumesAfterTheLocalUp(t *testing.T) {
	b := newBootstrapEnv(t)
	b.afterLocalUp = func() error { return errors.New("crash after the local up") }
	if _, err := b.run(); err == nil || !strings.Contains(err.Error(), "crash after the local up") {
		t.Fatalf("got %v", err)
	}
	if len(stateFiles(t, b.local)) == 0 {
		t.Fatal("the local stack is gone after a crash before the move")
	}
	b.afterLocalUp = nil
	res, err := b.run()
	if err != nil {
		t.Fatal(err)
	}
	if res.Path != Resumed {
		t.Errorf("path %s, want resumed", res.Path)
	}
	b.checkMoved(res)
}

// A run that stopped after the import (the local copy not yet removed) is finished: the next
// run sees the same resources on both sides, removes the local copy and runs in the target.
func TestE2EBootstrapRemovesACopyLeftBehind(t *testing.T) {
	b := newBootstrapEnv(t)
	b.after = func() error { return errors.New("crash after the import") }
	if _, err := b.run(); err == nil || !strings.Contains(err.Error(), "crash after the import") {
		t.Fatalf("got %v", err)
	}
	if len(stateFiles(t, b.local)) == 0 || len(stateFiles(t, b.target)) == 0 {
		t.Fatal("after a crash between import and removal both backends should hold the stack")
	}
	b.after = nil
	res, err := b.run()
	if err != nil {
		t.Fatal(err)
	}
	if res.Path != AlreadyThere || len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "removed the local copy") {
		t.Errorf("path %s, notes %v", res.Path, res.Notes)
	}
	b.checkMoved(res)
}

// Two passphrase backends with different passphrases: the moved state would keep the local
// one, unreadable with the target's; bootstrap refuses before running anything.
func TestE2EBootstrapRefusesTwoPassphrases(t *testing.T) {
	b := newBootstrapEnv(t)
	b.targetPassphrase = "another"
	if _, err := b.run(); err == nil || !strings.Contains(err.Error(), "with different passphrases") {
		t.Fatalf("got %v", err)
	}
	if files := stateFiles(t, b.local); len(files) != 0 {
		t.Errorf("a stack was created locally: %v", files)
	}
}

// When the target exists but cannot be read (here: a file where the backend's directory should
// be; for real: no credentials), bootstrap creates nothing, locally or remotely.
func TestE2EBootstrapRefusesAnUnreadableTarget(t *testing.T) {
	b := newBootstrapEnv(t)
	if err := os.WriteFile(b.target, []byte("not a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := b.run()
	if err == nil || !strings.Contains(err.Error(), "bootstrap creates nothing while it cannot tell whether the state is already there") {
		t.Fatalf("got %v", err)
	}
	if files := stateFiles(t, b.local); len(files) != 0 {
		t.Errorf("a stack was created locally: %v", files)
	}
}

// Drift, found by the real engine: a StackReference is read again by a refresh, so once the
// stack it reads exports another value, a preview-only refresh of the reader lists it as
// updated, with the property that changed, and changes nothing.
func TestE2EDriftListsTheResources(t *testing.T) {
	e := newEnv(t)
	graph := map[string][]string{"base": {}, "reader": {"base"}}
	if sum := e.run(orchestrate.Up, graph, 2); !sum.OK() {
		t.Fatalf("up: %v", statuses(sum))
	}
	sum := e.run(orchestrate.RefreshPreview, graph, 2)
	for _, r := range sum.Stacks {
		if r.Status != orchestrate.Succeeded || len(r.Drift) != 0 {
			t.Errorf("before any change, %s: %s, drift %v", r.Stack, r.Status, r.Drift)
		}
	}
	e.setConfig("base", "value: from-base", "value: changed-elsewhere")
	if sum := e.run(orchestrate.Up, map[string][]string{"base": {}}, 1); !sum.OK() {
		t.Fatalf("up of base: %v", statuses(sum))
	}
	for i := 0; i < 2; i++ { // the preview changes nothing: the second one finds the same
		sum = e.run(orchestrate.RefreshPreview, graph, 2)
		var reader orchestrate.StackReport
		for _, r := range sum.Stacks {
			if r.Stack == "reader" {
				reader = r
			}
		}
		if reader.Status != orchestrate.Succeeded || len(reader.Drift) != 1 {
			t.Fatalf("reader: %s, drift %+v", reader.Status, reader.Drift)
		}
		d := reader.Drift[0]
		// An external (read) resource is diffed on its outputs only, without keys
		// (pkg/resource/deploy/step.go); a provider's resource comes with its diff's keys.
		if d.Type != "pulumi:pulumi:StackReference" || d.Name != "ref-base" || d.Op != "update" || len(d.Keys) != 0 {
			t.Errorf("drift %+v, want the StackReference ref-base updated", d)
		}
		if reader.Changes.Update != 1 {
			t.Errorf("reader's changes %+v", reader.Changes)
		}
	}
}

// unlock's checks on a real lock: a lock whose CLI is still running on this machine is judged
// running; the lock a killed CLI left is judged stale, the engine removes that one lock (by its
// killed CLI's pid, host and user), and the next up works.
func TestE2EUnlockOnlyStaleLocks(t *testing.T) {
	tmp := t.TempDir()
	state := filepath.Join(tmp, "state")
	us := newEnvIn(t, filepath.Join(tmp, "us"), state)
	colleague := newEnvIn(t, filepath.Join(tmp, "colleague"), state)
	me, err := orchestrate.ThisOwner(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	host := me.Hostname
	m := orchestrate.Machine{Hostname: me.Hostname, Username: me.Username, Alive: orchestrate.ProcessAlive, Started: orchestrate.ProcessStarted}
	ctx := context.Background()
	judge := func(e *env, stack string) []orchestrate.LockVerdict {
		t.Helper()
		if _, err := e.eng.Prepare(ctx, []string{stack}, false); err != nil {
			t.Fatal(err)
		}
		url, err := e.eng.BackendURL(ctx)
		if err != nil {
			t.Fatal(err)
		}
		locks, err := orchestrate.ReadLocks(ctx, url, e2eProject, stack, nil)
		if err != nil {
			t.Fatalf("reading the locks of %s: %v", url, err)
		}
		return orchestrate.JudgeLocks(locks, m, time.Now(), false)
	}

	// A colleague's up is running: its lock is not stale.
	done := make(chan *orchestrate.Summary, 1)
	go func() {
		g, _ := stackgraph.New(map[string][]string{"held": {}})
		done <- orchestrate.Run(ctx, g, orchestrate.Up, colleague.eng, orchestrate.Options{Parallel: 1})
	}()
	us.waitForLock("held", 20*time.Second)
	if v := judge(us, "held"); len(v) != 1 || v[0].Stale || !strings.Contains(v[0].Why, "still running on this machine") {
		t.Errorf("a running up's lock: %+v", v)
	}
	if sum := <-done; !sum.OK() {
		t.Fatalf("the colleague's up: %v", statuses(sum))
	}
	if v := judge(us, "held"); len(v) != 0 {
		t.Errorf("locks after the up finished: %+v", v)
	}

	// Our up of "slow" is killed without the orchestrator (which would unlock it): the lock stays.
	if _, err := us.eng.Prepare(ctx, []string{"slow"}, true); err != nil {
		t.Fatal(err)
	}
	kill, killNow := context.WithCancel(ctx)
	time.AfterFunc(6*time.Second, killNow)
	if _, err := us.eng.Run(orchestrate.WithKill(ctx, kill), orchestrate.Up, "slow", nil); !errors.Is(err, orchestrate.ErrKilled) {
		t.Fatalf("killed up: %v", err)
	}
	v := judge(us, "slow")
	if len(v) != 1 || !v[0].Stale || !strings.Contains(v[0].Why, "has exited") || v[0].Lock.Hostname != host {
		t.Fatalf("the killed up's lock: %+v", v)
	}
	if err := us.eng.Unlock(ctx, "slow"); err != nil {
		t.Fatal(err)
	}
	if l := us.locks(); len(l) != 0 {
		t.Errorf("locks after unlocking: %v", l)
	}
	if ops, err := us.eng.PendingOperations(ctx, "slow"); err != nil || len(ops) != 0 {
		t.Errorf("pending operations %v %v (the program was asleep before registering anything)", ops, err)
	}
	us.setConfig("slow", "sovereign-e2e:sleep: 120s", "sovereign-e2e:sleep: 0s")
	if sum := us.run(orchestrate.Up, map[string][]string{"slow": {}}, 1); !sum.OK() {
		t.Errorf("up after unlocking: %v", statuses(sum))
	}
}
