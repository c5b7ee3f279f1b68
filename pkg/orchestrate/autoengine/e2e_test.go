//go:build e2e

// End-to-end test of the orchestrator against the real Pulumi engine: the CLI built from the Go
// module proxy (make e2e), a local file:// backend in a temp dir, and inline programs that need
// no cloud provider. Run with `make e2e`.
package autoengine

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/global-sovereign/global-sovereign/pkg/orchestrate"
	"github.com/global-sovereign/global-sovereign/pkg/plan"
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
	work := filepath.Join(tmp, "project")
	if err := os.CopyFS(work, os.DirFS("../../../testdata/e2e")); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(tmp, "state")
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
	g, err := plan.New(deps)
	if err != nil {
		e.t.Fatal(err)
	}
	sum := orchestrate.Run(context.Background(), g, op, e.eng, orchestrate.Options{Parallel: parallel, Observer: orchestrate.NewLines(testWriter{e.t})})
	logTable(e.t, sum)
	return sum
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

// locks lists the lock files the file backend holds.
func (e *env) locks() []string {
	var out []string
	filepath.WalkDir(filepath.Join(e.state, ".pulumi", "locks"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, path)
		}
		return nil
	})
	return out
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

	// 4. Interrupt: stop scheduling and interrupt the running stack through the engine; no lock
	//    is left and the next run works.
	soft, stop := context.WithCancel(context.Background())
	hard, interrupt := context.WithCancel(context.Background())
	slowGraph, _ := plan.New(map[string][]string{"slow": {}})
	time.AfterFunc(8*time.Second, func() { stop(); interrupt() })
	start := time.Now()
	sum = orchestrate.Run(soft, slowGraph, orchestrate.Up, e.eng, orchestrate.Options{Parallel: 1, Interrupt: hard})
	logTable(t, sum)
	if st := statuses(sum)["slow"]; st != orchestrate.Interrupted {
		t.Errorf("slow: %s, want interrupted", st)
	}
	took := time.Since(start) - 8*time.Second
	fmt.Printf("e2e interrupt: the running stack stopped %.1fs after the interrupt\n", took.Seconds())
	if took > 30*time.Second {
		t.Errorf("the interrupt took %s to stop the stack", took)
	}
	if l := e.locks(); len(l) != 0 {
		t.Errorf("locks left behind: %v", l)
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
		"(%.2f without the %.1fs of stack selection, which runs one stack at a time by design)\n",
		parallel.Duration.Seconds(), sequential.Duration.Seconds(), ratio, opRatio, parallel.Prepare.Seconds())
	if ratio > 0.7 {
		t.Errorf("parallel run took %.2f of the sequential one; stacks did not overlap", ratio)
	}

	// 6. destroy in reverse order: dependents first, then what they read.
	all := map[string][]string{"base": {}, "reader": {"base"}, "broken": {"base"}, "after-broken": {"broken"}, "solo": {}, "slow": {},
		"par-1": {}, "par-2": {}, "par-3": {}}
	sum = e.run(orchestrate.Destroy, all, 4)
	if !sum.OK() {
		t.Fatalf("destroy: %v", statuses(sum))
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
