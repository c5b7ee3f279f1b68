package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/global-sovereign/global-sovereign/pkg/orchestrate"
	"github.com/global-sovereign/global-sovereign/pkg/orchestrate/autoengine"
	"github.com/global-sovereign/global-sovereign/pkg/stackgraph"
)

// stubbornEngine runs every stack until it is killed: like a CLI busy in a provider call, it
// ignores the interrupt. It reports each stage it saw.
type stubbornEngine struct {
	mu          sync.Mutex
	started     []string
	interrupted []string
	unlocked    []string
}

func (e *stubbornEngine) Prepare(context.Context, []string, bool) ([]string, error) { return nil, nil }

func (e *stubbornEngine) Run(ctx context.Context, op orchestrate.Op, stack string, _ func(orchestrate.Progress)) (orchestrate.Result, error) {
	e.mu.Lock()
	e.started = append(e.started, stack)
	e.mu.Unlock()
	<-ctx.Done()
	e.mu.Lock()
	e.interrupted = append(e.interrupted, stack)
	e.mu.Unlock()
	<-orchestrate.KillOf(ctx)
	return orchestrate.Result{}, fmt.Errorf("%s %s: %w", op, stack, orchestrate.ErrKilled)
}

func (e *stubbornEngine) Unlock(_ context.Context, stack string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.unlocked = append(e.unlocked, stack)
	return nil
}

func (e *stubbornEngine) seen() (started, interrupted, unlocked int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.started), len(e.interrupted), len(e.unlocked)
}

// Real SIGINTs to this process, one per stage: the first stops scheduling (the running stack
// goes on), the second interrupts it (it does not stop), the third kills it and unlocks its
// stack; the exit status is 130.
func TestThreeStageInterruptBySignal(t *testing.T) {
	g, err := stackgraph.New(map[string][]string{"ams": {}, "iad": {"ams"}})
	if err != nil {
		t.Fatal(err)
	}
	eng := &stubbornEngine{}
	var stderr bytes.Buffer
	var mu sync.Mutex
	done := make(chan *orchestrate.Summary)
	go func() { done <- runWithSignals(lockedWriter{&mu, &stderr}, g, orchestrate.Up, eng, 2, 0) }()

	waitFor(t, "ams to start", func() bool { s, _, _ := eng.seen(); return s == 1 })
	interruptSelf(t)
	time.Sleep(200 * time.Millisecond)
	if _, i, _ := eng.seen(); i != 0 {
		t.Fatal("the first interrupt reached the running stack; it should only stop scheduling")
	}
	interruptSelf(t)
	waitFor(t, "ams to be interrupted", func() bool { _, i, _ := eng.seen(); return i == 1 })
	select {
	case <-done:
		t.Fatal("the run ended although its stack ignored the interrupt")
	case <-time.After(200 * time.Millisecond):
	}
	interruptSelf(t)
	var sum *orchestrate.Summary
	select {
	case sum = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the third interrupt did not end the run")
	}
	got := map[string]orchestrate.Status{}
	for _, r := range sum.Stacks {
		got[r.Stack] = r.Status
	}
	if got["ams"] != orchestrate.Interrupted || got["iad"] != orchestrate.Cancelled {
		t.Errorf("statuses %v", got)
	}
	if s, _, u := eng.seen(); s != 1 || u != 1 {
		t.Errorf("started %d, unlocked %d; want ams alone started, and unlocked after the kill", s, u)
	}
	mu.Lock()
	msgs := stderr.String()
	mu.Unlock()
	for _, stage := range stages {
		if !strings.Contains(msgs, stage) {
			t.Errorf("stderr lacks %q", stage)
		}
	}
	cmd := &cobra.Command{}
	cmd.SetOut(&bytes.Buffer{})
	var exit *exitError
	if err := report(cmd, &operateFlags{}, sum); !errors.As(err, &exit) || exit.code != exitInterrupted {
		t.Errorf("report: %v, want exit status %d", err, exitInterrupted)
	}
}

func interruptSelf(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// childEnv, when set, makes this test binary run the sovereign CLI with the arguments it holds
// and a fake engine (childEngine), as the subprocess of TestBinaryInterrupts.
const childEnv = "SOVEREIGN_TEST_CHILD_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(childEnv); args != "" {
		newEngine = func(autoengine.Options) (orchestrate.Engine, error) {
			return &childEngine{stubborn: os.Getenv("SOVEREIGN_TEST_CHILD_STUBBORN") == "true"}, nil
		}
		os.Exit(run(strings.Fields(args), os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// childEngine is the subprocess's engine: every stack runs until interrupted (or, stubborn,
// until killed), and says on stderr what happened.
type childEngine struct{ stubborn bool }

func (e *childEngine) Prepare(context.Context, []string, bool) ([]string, error) { return nil, nil }

func (e *childEngine) Run(ctx context.Context, op orchestrate.Op, stack string, _ func(orchestrate.Progress)) (orchestrate.Result, error) {
	<-ctx.Done()
	if !e.stubborn {
		return orchestrate.Result{}, fmt.Errorf("%s of %s: %w", op, stack, ctx.Err())
	}
	<-orchestrate.KillOf(ctx)
	return orchestrate.Result{}, fmt.Errorf("%s of %s: %w", op, stack, orchestrate.ErrKilled)
}

func (e *childEngine) Unlock(_ context.Context, stack string) error {
	fmt.Fprintf(os.Stderr, "fake engine: unlocked %s\n", stack)
	return nil
}

// The real binary's path (flags, config, scheduling, signal handling, summary, exit status) in
// a subprocess, interrupted with real SIGINTs: two stop a running up cleanly; a CLI that ignores
// the interrupt needs a third, which kills it and unlocks its stack (an up took the lock; a
// preview takes none, so nothing is unlocked). Exit status 130 and the JSON summary say so.
func TestBinaryInterrupts(t *testing.T) {
	tests := []struct {
		name       string
		args       string
		stubborn   bool
		signals    int
		wantAms    string
		wantUnlock bool
	}{
		{"two stop a preview", "preview --all --json", false, 2, "interrupted", false},
		{"two stop a refresh", "refresh --all --json", false, 2, "interrupted", false},
		{"third kills, preview not unlocked", "preview --all --json", true, 3, "interrupted", false},
		{"third kills, refresh unlocked", "refresh --all --json", true, 3, "interrupted", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), childEnv+"="+tt.args+" --dir "+repo, "SOVEREIGN_TEST_CHILD_STUBBORN="+fmt.Sprint(tt.stubborn))
			var stdout bytes.Buffer
			stderr := &syncBuffer{}
			cmd.Stdout, cmd.Stderr = &stdout, stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			waitFor(t, "the first stack to start", func() bool { return strings.Contains(stderr.String(), "] started") })
			for i := 0; i < tt.signals; i++ {
				if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
					t.Fatal(err)
				}
				waitFor(t, "stage "+fmt.Sprint(i+1), func() bool { return strings.Contains(stderr.String(), stages[i]) })
			}
			err := cmd.Wait()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != exitInterrupted {
				t.Fatalf("exit: %v, want status %d\nstderr:\n%s", err, exitInterrupted, stderr.String())
			}
			var sum struct {
				Interrupted bool
				Stacks      []struct{ Stack, Status string }
			}
			if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil {
				t.Fatalf("summary: %v\n%s", err, stdout.String())
			}
			got := map[string]string{}
			for _, s := range sum.Stacks {
				got[s.Stack] = s.Status
			}
			// refresh runs every stack at once; preview only what the graph allows (ams first).
			if got["ams"] != tt.wantAms || !sum.Interrupted {
				t.Errorf("summary %v interrupted=%v, want ams %s", got, sum.Interrupted, tt.wantAms)
			}
			if strings.HasPrefix(tt.args, "preview") && got["global"] != "cancelled" {
				t.Errorf("global %s, want cancelled (never started)", got["global"])
			}
			if unlocked := strings.Contains(stderr.String(), "fake engine: unlocked ams"); unlocked != tt.wantUnlock {
				t.Errorf("ams unlocked=%v, want %v\nstderr:\n%s", unlocked, tt.wantUnlock, stderr.String())
			}
		})
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// SIGTERM is the interrupt that reaches the running CLIs at once (SIGKILL follows it in CI and
// containers): one SIGTERM interrupts the running stack; another kills it and removes its lock.
// A SIGINT after a SIGTERM kills too.
func TestSIGTERMInterruptsTheRunningCLIs(t *testing.T) {
	for _, second := range []os.Signal{syscall.SIGTERM, os.Interrupt} {
		t.Run(second.String(), func(t *testing.T) {
			g, err := stackgraph.New(map[string][]string{"ams": {}, "iad": {"ams"}})
			if err != nil {
				t.Fatal(err)
			}
			eng := &stubbornEngine{}
			signals := make(chan os.Signal, 3)
			var stderr syncBuffer
			done := make(chan *orchestrate.Summary)
			go func() { done <- runStaged(&stderr, signals, g, orchestrate.Up, eng, 2) }()
			waitFor(t, "ams to start", func() bool { s, _, _ := eng.seen(); return s == 1 })
			signals <- syscall.SIGTERM
			waitFor(t, "ams to be interrupted by one SIGTERM", func() bool { _, i, _ := eng.seen(); return i == 1 })
			if !strings.Contains(stderr.String(), stages[0]) || !strings.Contains(stderr.String(), stages[1]) {
				t.Errorf("stderr: %s", stderr.String())
			}
			signals <- second
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("the second signal did not end the run")
			}
			if _, _, u := eng.seen(); u != 1 {
				t.Errorf("unlocked %d, want the killed stack's lock removed", u)
			}
		})
	}
	if nextStage(0, os.Interrupt) != 1 || nextStage(0, syscall.SIGTERM) != 2 || nextStage(1, syscall.SIGTERM) != 2 ||
		nextStage(2, syscall.SIGTERM) != 3 || nextStage(2, os.Interrupt) != 3 {
		t.Error("nextStage")
	}
}

// --timeout acts as a SIGTERM: the running CLIs are interrupted (and release their locks)
// before the job's own timeout kills everything.
func TestTimeoutInterruptsTheRunningCLIs(t *testing.T) {
	g, err := stackgraph.New(map[string][]string{"ams": {}, "iad": {"ams"}})
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	start := time.Now()
	sum := runWithSignals(&stderr, g, orchestrate.Up, &childEngine{}, 2, 300*time.Millisecond)
	if time.Since(start) > 5*time.Second || !sum.Interrupted {
		t.Fatalf("took %s, interrupted %v", time.Since(start), sum.Interrupted)
	}
	if !strings.Contains(stderr.String(), "timeout: the run has taken 300ms") || !strings.Contains(stderr.String(), stages[1]) {
		t.Errorf("stderr: %s", stderr.String())
	}
	if st := sum.Stacks[0]; st.Stack != "ams" || st.Status != orchestrate.Interrupted {
		t.Errorf("ams: %+v", st)
	}
}

// The real binary stops a refresh on one SIGTERM (what the runner sends 7.5 s after SIGINT and
// containers send first), exit status 130.
func TestBinarySIGTERM(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"=refresh --all --json --dir "+repo)
	var stdout bytes.Buffer
	stderr := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	waitFor(t, "the first stack to start", func() bool { return strings.Contains(stderr.String(), "] started") })
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitInterrupted {
		t.Fatalf("exit: %v, want %d\n%s", err, exitInterrupted, stderr.String())
	}
	if !strings.Contains(stderr.String(), stages[1]) || !strings.Contains(stdout.String(), `"interrupted"`) {
		t.Errorf("stderr:\n%s\nstdout:\n%s", stderr.String(), stdout.String())
	}
}
