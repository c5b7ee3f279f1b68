package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/global-sovereign/global-sovereign/pkg/orchestrate"
	"github.com/global-sovereign/global-sovereign/pkg/plan"
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
	g, err := plan.New(map[string][]string{"ams": {}, "iad": {"ams"}})
	if err != nil {
		t.Fatal(err)
	}
	eng := &stubbornEngine{}
	var stderr bytes.Buffer
	var mu sync.Mutex
	done := make(chan *orchestrate.Summary)
	go func() { done <- runWithSignals(lockedWriter{&mu, &stderr}, g, orchestrate.Up, eng, 2) }()

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
