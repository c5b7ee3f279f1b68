package orchestrate

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// fakeEngine runs each stack for a fixed duration, records what happened when, and fails the
// stacks it is told to.
type fakeEngine struct {
	durations  map[string]time.Duration
	fail       map[string]string
	changes    map[string]Changes
	steps      map[string][]Step
	prepareErr error
	absent     map[string]bool // stacks the backend does not have
	// stubborn stacks ignore an interrupt, as a CLI busy in a provider call may: only a kill
	// stops them.
	stubborn map[string]bool

	mu       sync.Mutex
	running  int
	peak     int
	starts   map[string]time.Time
	ends     map[string]time.Time
	unlocked []string
	prepared []string
	created  bool // Prepare was asked to create missing stacks
	ran      []string
}

func newFake(durations map[string]time.Duration) *fakeEngine {
	return &fakeEngine{durations: durations, fail: map[string]string{}, changes: map[string]Changes{}, steps: map[string][]Step{},
		absent: map[string]bool{}, stubborn: map[string]bool{}, starts: map[string]time.Time{}, ends: map[string]time.Time{}}
}

func (f *fakeEngine) Prepare(ctx context.Context, stacks []string, create bool) ([]string, error) {
	f.prepared, f.created = stacks, create
	if f.prepareErr == nil && ctx.Err() != nil {
		return nil, ctx.Err() // what the Automation API does when selection is interrupted
	}
	if f.prepareErr != nil {
		return nil, f.prepareErr
	}
	var missing []string
	for _, s := range stacks {
		if f.absent[s] && !create {
			missing = append(missing, s)
		}
	}
	return missing, nil
}

func (f *fakeEngine) Run(ctx context.Context, op Op, stack string, progress func(Progress)) (Result, error) {
	f.mu.Lock()
	f.running++
	f.peak = max(f.peak, f.running)
	f.starts[stack] = time.Now()
	f.ran = append(f.ran, stack)
	stubborn := f.stubborn[stack]
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.running--
		f.ends[stack] = time.Now()
		f.mu.Unlock()
	}()
	progress(Progress{Done: 0, Seen: 1, Last: "pulumi:pulumi:Stack " + stack})
	interrupted := ctx.Done()
	if stubborn {
		interrupted = nil
	}
	select {
	case <-time.After(f.durations[stack]):
	case <-interrupted:
		return Result{}, fmt.Errorf("update of %s canceled: %w", stack, ctx.Err())
	case <-KillOf(ctx):
		return Result{}, fmt.Errorf("%s of %s: %w", op, stack, ErrKilled)
	}
	progress(Progress{Done: 1, Seen: 1, Last: "pulumi:pulumi:Stack " + stack})
	if msg, ok := f.fail[stack]; ok {
		return Result{Output: "error: " + msg}, errors.New(msg + "\nmore detail on the next line")
	}
	c := f.changes[stack]
	return Result{Changes: c, Steps: f.steps[stack], Output: fmt.Sprintf("%s %s: +%d ~%d -%d", op, stack, c.Create, c.Update, c.Delete)}, nil
}

func (f *fakeEngine) Unlock(ctx context.Context, stack string) error {
	if ctx.Err() != nil {
		return ctx.Err() // no time left to run pulumi cancel
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.unlocked = append(f.unlocked, stack)
	return nil
}
