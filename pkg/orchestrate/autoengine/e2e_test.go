//go:build e2e

// End-to-end test of the orchestrator against the real Pulumi engine: the CLI built from the Go
// module proxy (make e2e), a local file:// backend in a temp dir, and inline programs that need
// no cloud provider. Run with `make e2e`.
package autoengine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/global-sovereign/global-sovereign/pkg/orchestrate"
	"github.com/global-sovereign/global-sovereign/pkg/stackgraph"
)

const e2eProject = "sovereign-e2e"

// thing is a component with a child component: the programs need no provider at all.
type thing struct{ pulumi.ResourceState }

// e2eProgram is the inline program of every e2e stack. Its stack config says what to do:
// value (exported), readFrom (a stack whose "value" it reads through a StackReference), fail,
// sleep.
func e2eProgram(ctx *pulumi.Context) error {
	cfg := config.New(ctx, "")
	if d := cfg.Get("sleep"); d != "" {
		dur, err := time.ParseDuration(d)
		if err != nil {
			return err
		}
		// The context ends when the engine goes away (interrupt): a program blocked on engine
		// RPCs sees the same thing as failed calls.
		select {
		case <-time.After(dur):
		case <-ctx.Context().Done():
			return ctx.Context().Err()
		}
	}
	if cfg.GetBool("fail") {
		return fmt.Errorf("stack %s is configured to fail", ctx.Stack())
	}
	var parent thing
	if err := ctx.RegisterComponentResource("sovereign:e2e:Thing", "thing", &parent); err != nil {
		return err
	}
	var child thing
	if err := ctx.RegisterComponentResource("sovereign:e2e:Part", "part", &child, pulumi.Parent(&parent)); err != nil {
		return err
	}
	value := cfg.Require("value")
	if err := ctx.RegisterResourceOutputs(&parent, pulumi.Map{"value": pulumi.String(value)}); err != nil {
		return err
	}
	ctx.Export("value", pulumi.String(value))
	// A secret in the state: reading it back proves the stack's secrets manager still works
	// when the CLI's copy of the stack file carries no encryptionsalt.
	ctx.Export("secret", pulumi.ToSecret(pulumi.String(value+"-secret")))
	if from := cfg.Get("readFrom"); from != "" {
		ref, err := pulumi.NewStackReference(ctx, "ref-"+from, &pulumi.StackReferenceArgs{
			Name: pulumi.String(fmt.Sprintf("%s/%s/%s", ctx.Organization(), ctx.Project(), from)),
		})
		if err != nil {
			return err
		}
		ctx.Export("upstream", ref.GetStringOutput(pulumi.String("value")))
	}
	return nil
}

// pulumiRoot finds the CLI: SOVEREIGN_PULUMI_ROOT (make e2e builds it into .tools/pulumi), else
// the pulumi on PATH.
func pulumiRoot(t *testing.T) string {
	if root := os.Getenv("SOVEREIGN_PULUMI_ROOT"); root != "" {
		if _, err := os.Stat(filepath.Join(root, "bin", "pulumi")); err != nil {
			t.Fatalf("SOVEREIGN_PULUMI_ROOT=%s has no bin/pulumi: %v", root, err)
		}
		return root
	}
	if _, err := exec.LookPath("pulumi"); err != nil {
		t.Fatal("no Pulumi CLI: run `make e2e`, which builds one, or put pulumi >= 3.181 on PATH")
	}
	return ""
}

type env struct {
	t       *testing.T
	workDir string
	state   string
	eng     *Engine
}

func newEnv(t *testing.T) *env {
	tmp := t.TempDir()
	return newEnvIn(t, tmp, filepath.Join(tmp, "state"))
}

// newEnvIn is an engine with its own copy of the project (a checkout of its own) in tmp, on the
// file backend at state: two of them on one state are two people deploying the same fleet.
func newEnvIn(t *testing.T, tmp, state string) *env {
	work := filepath.Join(tmp, "project")
	if err := os.CopyFS(work, os.DirFS("../../../testdata/e2e")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(state, 0o755); err != nil {
		t.Fatal(err)
	}
	eng, err := New(Options{
		Project:    e2eProject,
		WorkDir:    work,
		Program:    e2eProgram,
		PulumiRoot: pulumiRoot(t),
		LogDir:     filepath.Join(tmp, "logs"),
		Env: map[string]string{
			"PULUMI_BACKEND_URL":                          "file://" + state,
			"PULUMI_CONFIG_PASSPHRASE":                    "e2e-passphrase",
			"PULUMI_HOME":                                 filepath.Join(tmp, "home"),
			"PULUMI_SKIP_UPDATE_CHECK":                    "true",
			"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, workDir: work, state: state, eng: eng}
}

func (e *env) run(op orchestrate.Op, deps map[string][]string, parallel int) *orchestrate.Summary {
	e.t.Helper()
	return e.runWith(context.Background(), op, deps, orchestrate.Options{Parallel: parallel})
}

// runWith runs op and checks that it left every file it was given byte-identical: the CLI
// works in private copies, so no encryptionsalt or other setting lands in the stack files.
func (e *env) runWith(ctx context.Context, op orchestrate.Op, deps map[string][]string, opts orchestrate.Options) *orchestrate.Summary {
	e.t.Helper()
	g, err := stackgraph.New(deps)
	if err != nil {
		e.t.Fatal(err)
	}
	before := e.tree()
	lines := orchestrate.NewLines(testWriter{e.t})
	if opts.Observer != nil {
		opts.Observer = both{lines, opts.Observer}
	} else {
		opts.Observer = lines
	}
	sum := orchestrate.Run(ctx, g, op, e.eng, opts)
	logTable(e.t, sum)
	if after := e.tree(); after != before {
		e.t.Errorf("%s changed the project's files:\nbefore:\n%s\nafter:\n%s", op, before, after)
	}
	return sum
}

type both [2]orchestrate.Observer

func (b both) StackStarted(s string) { b[0].StackStarted(s); b[1].StackStarted(s) }
func (b both) StackProgress(s string, p orchestrate.Progress) {
	b[0].StackProgress(s, p)
	b[1].StackProgress(s, p)
}
func (b both) StackFinished(r orchestrate.StackReport) { b[0].StackFinished(r); b[1].StackFinished(r) }

// engineEvents records when the engine's events (resource steps) of each stack came in.
type engineEvents struct {
	mu          sync.Mutex
	first, last map[string]time.Time
}

func (e *engineEvents) StackStarted(string) {}
func (e *engineEvents) StackProgress(s string, _ orchestrate.Progress) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := time.Now()
	if _, ok := e.first[s]; !ok {
		e.first[s] = now
	}
	e.last[s] = now
}
func (e *engineEvents) StackFinished(orchestrate.StackReport) {}

// tree is a listing of the project's files with their hashes, outside .sovereign.
func (e *env) tree() string {
	var b bytes.Buffer
	filepath.WalkDir(e.workDir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".sovereign" {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			data, _ := os.ReadFile(path)
			rel, _ := filepath.Rel(e.workDir, path)
			fmt.Fprintf(&b, "%x %s\n", sha256.Sum256(data), rel)
		}
		return nil
	})
	return b.String()
}

func (e *env) setConfig(stack, old, new string) {
	e.t.Helper()
	path := filepath.Join(e.workDir, "Pulumi."+stack+".yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		e.t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		e.t.Fatalf("%s lacks %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) output(stack, key string) any {
	e.t.Helper()
	outs, err := e.eng.Outputs(context.Background(), stack)
	if err != nil {
		e.t.Fatal(err)
	}
	return outs[key].Value
}

// secretsProvider is the secrets manager recorded in the stack's state (type and state, e.g.
// the passphrase provider's salt).
func (e *env) secretsProvider(stack string) string {
	e.t.Helper()
	st, err := e.eng.stack(context.Background(), stack)
	if err != nil {
		e.t.Fatal(err)
	}
	dep, err := st.Export(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	var d struct {
		SecretsProviders json.RawMessage `json:"secrets_providers"`
	}
	if err := json.Unmarshal(dep.Deployment, &d); err != nil {
		e.t.Fatal(err)
	}
	return string(d.SecretsProviders)
}

// locks lists the lock files the file backend holds, of the given stack or of all.
func (e *env) locks(stack ...string) []string {
	var out []string
	filepath.WalkDir(filepath.Join(e.state, ".pulumi", "locks"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (len(stack) == 0 || filepath.Base(filepath.Dir(path)) == stack[0]) {
			out = append(out, path)
		}
		return nil
	})
	return out
}

// waitForLock waits until stack has held a lock for a whole second (creating a stack takes a
// lock for a moment; an up holds one while it runs).
func (e *env) waitForLock(stack string, limit time.Duration) {
	e.t.Helper()
	held := time.Time{}
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if len(e.locks(stack)) == 0 {
			held = time.Time{}
			continue
		}
		if held.IsZero() {
			held = time.Now()
		}
		if time.Since(held) >= time.Second {
			return
		}
	}
	e.t.Fatalf("no lock on %s within %s", stack, limit)
}

// testWriter logs whole lines: the table writer hands over fragments.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		w.t.Log(line)
	}
	return len(p), nil
}

var _ io.Writer = testWriter{}

// logTable writes a summary table to the test log in one piece.
func logTable(t *testing.T, s *orchestrate.Summary) {
	var b strings.Builder
	orchestrate.WriteTable(&b, s)
	t.Log("\n" + b.String())
}

func statuses(s *orchestrate.Summary) map[string]orchestrate.Status {
	out := map[string]orchestrate.Status{}
	for _, r := range s.Stacks {
		out[r.Stack] = r.Status
	}
	return out
}

func TestE2E(t *testing.T) {
	e := newEnv(t)
	graph := map[string][]string{"base": {}, "reader": {"base"}, "broken": {"base"}, "after-broken": {"broken"}, "solo": {}}

	// 1. up: outputs flow between waves through the StackReference; the failing stack skips
	//    only its dependent.
	sum := e.run(orchestrate.Up, graph, 4)
	want := map[string]orchestrate.Status{"base": "succeeded", "reader": "succeeded", "broken": "failed", "after-broken": "skipped", "solo": "succeeded"}
	if fmt.Sprint(statuses(sum)) != fmt.Sprint(want) {
		t.Fatalf("up: %v, want %v", statuses(sum), want)
	}
	if got := e.output("base", "secret"); got != "from-base-secret" {
		t.Errorf("base.secret = %v", got)
	}
	secretsAtCreation := e.secretsProvider("base")
	if got := e.output("reader", "upstream"); got != "from-base" {
		t.Errorf("reader.upstream = %v, want from-base (read from base through a StackReference)", got)
	}
	for _, r := range sum.Stacks {
		if r.Stack == "broken" && !strings.Contains(r.Error, "stack broken is configured to fail") {
			t.Errorf("broken's error does not say why: %q", r.Error)
		}
		if r.Stack == "base" && r.Changes.Create != 3 {
			t.Errorf("base created %+v, want 3 (stack, thing, part)", r.Changes)
		}
	}

	// 2. preview: no changes where the up succeeded.
	sum = e.run(orchestrate.Preview, map[string][]string{"base": {}, "reader": {"base"}, "solo": {}}, 4)
	for _, r := range sum.Stacks {
		if r.Status != orchestrate.Succeeded || r.Changes.Changed() != 0 || r.Changes.Same == 0 {
			t.Errorf("preview %s: %s %+v, want no changes", r.Stack, r.Status, r.Changes)
		}
	}

	// The preview ran from fresh copies of the stack files, without the encryptionsalt the CLI
	// wrote into its copy at creation: the stack's secrets still decrypt (from its state).
	if got := e.output("base", "secret"); got != "from-base-secret" {
		t.Errorf("after a preview from a salt-less stack file, base.secret = %v", got)
	}

	// Drift report: nothing changed outside Pulumi, so no stack reports drift.
	sum = e.run(orchestrate.RefreshPreview, map[string][]string{"base": {}, "solo": {}}, 2)
	for _, r := range sum.Stacks {
		if r.Status != orchestrate.Succeeded || r.Changes.Changed() != 0 {
			t.Errorf("refresh --preview-only %s: %s %+v", r.Stack, r.Status, r.Changes)
		}
	}

	// 3. A second run after the failure, with the cause fixed, resumes cleanly.
	e.setConfig("broken", `sovereign-e2e:fail: "true"`, `sovereign-e2e:fail: "false"`)
	sum = e.run(orchestrate.Up, graph, 4)
	if !sum.OK() {
		t.Fatalf("second up: %v", statuses(sum))
	}
	if got := e.output("after-broken", "upstream"); got != "broken" {
		t.Errorf("after-broken.upstream = %v", got)
	}
	// That up ran from a stack file without secrets settings: the stack kept the secrets manager
	// of its state instead of getting a new default one (a new passphrase salt here; with
	// --secrets-provider awskms://... it would have switched the stack to the passphrase).
	e.setConfig("base", "value: from-base", "value: from-base-2")
	if sum := e.run(orchestrate.Up, map[string][]string{"base": {}}, 1); !sum.OK() {
		t.Fatalf("up of base: %v", statuses(sum))
	}
	if got := e.secretsProvider("base"); got != secretsAtCreation {
		t.Errorf("base's secrets manager changed from %s to %s", secretsAtCreation, got)
	}
	e.setConfig("base", "value: from-base-2", "value: from-base")

	// 4. Interrupt: stop scheduling and interrupt the running stack through the engine; the CLI
	//    cancels and releases its own lock (nothing is unlocked by us), and the next run works.
	soft, stop := context.WithCancel(context.Background())
	hard, interrupt := context.WithCancel(context.Background())
	slowGraph, _ := stackgraph.New(map[string][]string{"slow": {}})
	time.AfterFunc(8*time.Second, func() { stop(); interrupt() })
	start := time.Now()
	sum = orchestrate.Run(soft, slowGraph, orchestrate.Up, e.eng, orchestrate.Options{Parallel: 1, Interrupt: hard})
	logTable(t, sum)
	if r := sum.Stacks[0]; r.Status != orchestrate.Interrupted || strings.HasPrefix(r.Error, "killed") {
		t.Errorf("slow: %s (%s), want interrupted, not killed", r.Status, r.Error)
	}
	took := time.Since(start) - 8*time.Second
	fmt.Printf("e2e interrupt: the running stack stopped %.1fs after the interrupt\n", took.Seconds())
	if took > 30*time.Second {
		t.Errorf("the interrupt took %s to stop the stack", took)
	}
	if l := e.locks(); len(l) != 0 {
		t.Errorf("locks left behind: %v", l)
	}

	// 4b. Kill: a CLI killed mid-up cannot release its lock; the orchestrator removes it because
	//     this run took it, and the next up works.
	kill, killNow := context.WithCancel(context.Background())
	time.AfterFunc(6*time.Second, killNow)
	start = time.Now()
	sum = e.runWith(context.Background(), orchestrate.Up, map[string][]string{"slow": {}}, orchestrate.Options{Parallel: 1, Kill: kill})
	if r := sum.Stacks[0]; r.Status != orchestrate.Interrupted || !strings.Contains(r.Error, "lock was removed") {
		t.Errorf("killed slow: %s (%s), want killed and unlocked", r.Status, r.Error)
	}
	fmt.Printf("e2e kill: the killed stack was reported %.1fs after the kill\n", (time.Since(start) - 6*time.Second).Seconds())
	if l := e.locks(); len(l) != 0 {
		t.Errorf("locks left behind after a killed up: %v", l)
	}
	e.setConfig("slow", "sovereign-e2e:sleep: 120s", "sovereign-e2e:sleep: 0s")
	if sum := e.run(orchestrate.Up, map[string][]string{"slow": {}}, 1); !sum.OK() {
		t.Errorf("up after the interrupt: %v", statuses(sum))
	}

	// 5. Makespan: three independent stacks that each take 3 s, in parallel and one by one.
	par := map[string][]string{"par-1": {}, "par-2": {}, "par-3": {}}
	parallel := e.run(orchestrate.Up, par, 3)
	e.setConfig("par-1", "value: par-1", "value: par-1b") // make the second run do work too
	e.setConfig("par-2", "value: par-2", "value: par-2b")
	e.setConfig("par-3", "value: par-3", "value: par-3b")
	sequential := e.run(orchestrate.Up, par, 1)
	if !parallel.OK() || !sequential.OK() {
		t.Fatalf("makespan runs failed: %v %v", statuses(parallel), statuses(sequential))
	}
	ratio := parallel.Duration.Seconds() / sequential.Duration.Seconds()
	opRatio := (parallel.Duration - parallel.Prepare).Seconds() / (sequential.Duration - sequential.Prepare).Seconds()
	fmt.Printf("e2e makespan: 3 stacks of 3s each, in parallel %.1fs, one by one %.1fs: ratio %.2f "+
		"(%.2f without the %.1fs of preparation before the first stack starts)\n",
		parallel.Duration.Seconds(), sequential.Duration.Seconds(), ratio, opRatio, parallel.Prepare.Seconds())
	if ratio > 0.7 {
		t.Errorf("parallel run took %.2f of the sequential one; stacks did not overlap", ratio)
	}

	// 6. destroy in reverse order: dependents first, then what they read.
	all := map[string][]string{"base": {}, "reader": {"base"}, "broken": {"base"}, "after-broken": {"broken"}, "solo": {}, "slow": {},
		"par-1": {}, "par-2": {}, "par-3": {}}
	events := &engineEvents{first: map[string]time.Time{}, last: map[string]time.Time{}}
	sum = e.runWith(context.Background(), orchestrate.Destroy, all, orchestrate.Options{Parallel: 4, Observer: events})
	if !sum.OK() {
		t.Fatalf("destroy: %v", statuses(sum))
	}
	// The engine's own events: every step of a reader is over before the first step of the
	// stack it reads.
	for reader, upstreams := range all {
		for _, up := range upstreams {
			if events.last[reader].IsZero() || events.first[up].IsZero() {
				t.Errorf("destroy: no engine events for %s or %s", reader, up)
			} else if !events.last[reader].Before(events.first[up]) {
				t.Errorf("destroy: %s's resources were still being deleted (%s) after %s's began (%s)",
					reader, events.last[reader].Format(time.StampMilli), up, events.first[up].Format(time.StampMilli))
			}
		}
	}
	for _, r := range sum.Stacks {
		if r.Changes.Delete == 0 {
			t.Errorf("destroy %s deleted nothing: %+v", r.Stack, r.Changes)
		}
	}
	if got := e.output("base", "value"); got != nil {
		t.Errorf("base still exports %v after destroy", got)
	}
}

// A preview of a fleet that was never deployed creates nothing: the stacks are reported new,
// the ones that read them waiting, the run is OK (the first PR of a new fleet is green), and the
// backend still has no stack afterwards.
func TestE2EPreviewOfANewFleet(t *testing.T) {
	e := newEnv(t)
	graph := map[string][]string{"base": {}, "reader": {"base"}, "solo": {}}
	sum := e.run(orchestrate.Preview, graph, 3)
	// reader is itself new (a stack that exists but reads a new one is "waiting": the fake
	// engine's tests cover that case).
	want := map[string]orchestrate.Status{"base": "new", "reader": "new", "solo": "new"}
	if fmt.Sprint(statuses(sum)) != fmt.Sprint(want) || !sum.OK() {
		t.Fatalf("preview of a new fleet: %v ok=%v, want %v and ok", statuses(sum), sum.OK(), want)
	}
	sum = e.run(orchestrate.RefreshPreview, graph, 3)
	if !sum.OK() || sum.Count(orchestrate.New) != 3 {
		t.Errorf("refresh --preview-only of a new fleet: %v", statuses(sum))
	}
	stacks, err := os.ReadDir(filepath.Join(e.state, ".pulumi", "stacks", e2eProject))
	if err == nil && len(stacks) > 0 {
		t.Errorf("a preview created stacks: %v", stacks)
	}

	// Once base is deployed, its readers are previewed against it.
	if sum := e.run(orchestrate.Up, map[string][]string{"base": {}}, 1); !sum.OK() {
		t.Fatalf("up base: %v", statuses(sum))
	}
	sum = e.run(orchestrate.Preview, graph, 3)
	want = map[string]orchestrate.Status{"base": "succeeded", "reader": "new", "solo": "new"}
	if fmt.Sprint(statuses(sum)) != fmt.Sprint(want) {
		t.Errorf("preview after base is up: %v, want %v", statuses(sum), want)
	}
}

// A colleague's deploy holds the lock of "held". Nothing this run does removes it: our preview
// (which takes no lock) is killed, our up fails on the lock; neither unlocks. The colleague's up
// then finishes, and no lock is left.
func TestE2EColleaguesLockIsNeverRemoved(t *testing.T) {
	tmp := t.TempDir()
	state := filepath.Join(tmp, "state")
	us := newEnvIn(t, filepath.Join(tmp, "us"), state)
	colleague := newEnvIn(t, filepath.Join(tmp, "colleague"), state)
	held := map[string][]string{"held": {}}

	theirs := make(chan *orchestrate.Summary, 1)
	go func() {
		g, _ := stackgraph.New(held)
		theirs <- orchestrate.Run(context.Background(), g, orchestrate.Up, colleague.eng, orchestrate.Options{Parallel: 1})
	}()
	us.waitForLock("held", 20*time.Second)

	// Our preview is interrupted and then killed (stages 2 and 3): it held no lock, so none is
	// removed.
	hard, interrupt := context.WithCancel(context.Background())
	kill, killNow := context.WithCancel(context.Background())
	time.AfterFunc(3*time.Second, interrupt)
	time.AfterFunc(4*time.Second, killNow)
	sum := us.runWith(context.Background(), orchestrate.Preview, held, orchestrate.Options{Parallel: 1, Interrupt: hard, Kill: kill})
	if r := sum.Stacks[0]; r.Status != orchestrate.Interrupted {
		t.Errorf("our preview: %s (%s), want interrupted", r.Status, r.Error)
	}
	if len(us.locks("held")) == 0 {
		t.Fatal("the colleague's lock was removed by our interrupted preview")
	}

	// Our up fails on their lock, and leaves it alone.
	sum = us.run(orchestrate.Up, held, 1)
	if r := sum.Stacks[0]; r.Status != orchestrate.Failed || !strings.Contains(r.Error, "locked") {
		t.Errorf("our up: %s (%s), want failed on the lock", r.Status, r.Error)
	}
	if len(us.locks("held")) == 0 {
		t.Fatal("the colleague's lock was removed after our up failed on it")
	}

	select {
	case sum := <-theirs:
		logTable(t, sum)
		if !sum.OK() {
			t.Errorf("the colleague's up: %v (%s)", statuses(sum), sum.Stacks[0].Error)
		}
	case <-time.After(90 * time.Second):
		t.Fatal("the colleague's up did not finish")
	}
	if l := us.locks(); len(l) != 0 {
		t.Errorf("locks left after the colleague's up: %v", l)
	}
}

// A fleet of 12 trivial stacks: each stack is selected (created) just before it runs, so the
// first one is running before the last one has been selected, and the time to the first running
// stack does not grow with the fleet.
func TestE2EFirstStackRunsBeforeTheLastIsSelected(t *testing.T) {
	e := newEnv(t)
	fleet := map[string][]string{}
	for i := 1; i <= 12; i++ {
		name := fmt.Sprintf("fleet-%02d", i)
		fleet[name] = nil
		if err := os.WriteFile(filepath.Join(e.workDir, "Pulumi."+name+".yaml"), []byte("config:\n  sovereign-e2e:value: "+name+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	events := &engineEvents{first: map[string]time.Time{}, last: map[string]time.Time{}}
	start := time.Now()
	sum := e.runWith(context.Background(), orchestrate.Up, fleet, orchestrate.Options{Parallel: 3, Observer: events})
	if !sum.OK() {
		t.Fatalf("up: %v", statuses(sum))
	}
	var firstEvent, lastSelected time.Time
	for _, at := range events.first {
		if firstEvent.IsZero() || at.Before(firstEvent) {
			firstEvent = at
		}
	}
	for _, at := range e.eng.Selected() {
		if at.After(lastSelected) {
			lastSelected = at
		}
	}
	fmt.Printf("e2e selection: 12 stacks; the first engine event %.1fs after the start (%.1fs of it before any selection), the last selection at %.1fs, the run took %.1fs\n",
		firstEvent.Sub(start).Seconds(), sum.Prepare.Seconds(), lastSelected.Sub(start).Seconds(), sum.Duration.Seconds())
	if len(e.eng.Selected()) != 12 || !firstEvent.Before(lastSelected) {
		t.Errorf("the first stack's first event (%s) is not before the last selection (%s)", firstEvent.Format(time.StampMilli), lastSelected.Format(time.StampMilli))
	}
}
