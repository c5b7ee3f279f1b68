package orchestrate

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/global-sovereign/global-sovereign/pkg/stackgraph"
)

// Options tune a run.
type Options struct {
	// Parallel bounds how many stacks run at once (at least 1).
	Parallel int
	// Interrupt, when cancelled, interrupts the running operations through the engine (the
	// second Ctrl-C): each CLI stops gracefully and releases its own lock. Cancelling Run's own
	// context only stops new stacks from starting.
	Interrupt context.Context
	// Kill, when cancelled, kills the running operations (the third Ctrl-C). A killed operation
	// that took its stack's lock is then unlocked; nothing else ever is.
	Kill     context.Context
	Observer Observer
	// UnlockTimeout bounds the unlocking of each killed stack.
	UnlockTimeout time.Duration
}

// Run performs op over every stack of g in dependency order (reverse order for destroy, no
// order for refresh) and reports what happened to each. Cancelling ctx stops scheduling:
// running stacks finish, the others are reported cancelled.
func Run(ctx context.Context, g *stackgraph.Graph, op Op, eng Engine, opts Options) *Summary {
	if opts.Parallel < 1 {
		opts.Parallel = 1
	}
	if opts.Interrupt == nil {
		opts.Interrupt = context.Background()
	}
	if opts.Kill == nil {
		opts.Kill = context.Background()
	}
	if opts.Observer == nil {
		opts.Observer = nopObserver{}
	}
	if opts.UnlockTimeout == 0 {
		opts.UnlockTimeout = time.Minute
	}
	order := g
	switch {
	case op == Destroy:
		// A stack is destroyed only after every stack that reads it.
		g = g.Reverse()
		order = g
	case !op.FollowsGraph():
		g = g.Independent()
	}
	s := &scheduler{g: g, op: op, eng: eng, opts: opts, reports: map[string]*StackReport{}}
	start := time.Now()
	s.run(ctx)
	sum := &Summary{Op: op, Parallel: opts.Parallel, Duration: time.Since(start), Prepare: s.prepared, Interrupted: ctx.Err() != nil}
	sum.Seconds, sum.PrepareSeconds = sum.Duration.Seconds(), s.prepared.Seconds()
	// Report in the order a reader thinks of the run: wave by wave, by name within a wave.
	for _, wave := range order.Waves() {
		for _, name := range wave {
			sum.Stacks = append(sum.Stacks, *s.reports[name])
		}
	}
	return sum
}

type scheduler struct {
	g        *stackgraph.Graph
	op       Op
	eng      Engine
	opts     Options
	reports  map[string]*StackReport
	prepared time.Duration
	missing  map[string]bool // stacks the backend does not have (operations that create none)
}

type finished struct {
	stack  string
	result Result
	err    error
	took   time.Duration
}

func (s *scheduler) run(ctx context.Context) {
	stacks := s.g.Stacks()
	t0 := time.Now()
	po, _ := s.opts.Observer.(PrepareObserver)
	if po != nil {
		what := "preparing the run"
		if d, ok := s.eng.(PrepareDescriber); ok {
			what = d.DescribePrepare(s.op.CreatesStacks())
		}
		po.Preparing(what)
	}
	missing, err := s.eng.Prepare(ctx, stacks, s.op.CreatesStacks())
	s.prepared = time.Since(t0)
	if po != nil {
		po.Preparing("")
	}
	if err != nil {
		status, reason := Failed, "preparing stacks: "+err.Error()
		if ctx.Err() != nil {
			status, reason = Cancelled, "not started: the run was interrupted while preparing stacks"
		}
		for _, name := range stacks {
			s.finish(StackReport{Stack: name, Op: s.op, Status: status, Error: reason})
		}
		return
	}
	s.missing = map[string]bool{}
	for _, name := range missing {
		s.missing[name] = true
	}
	height := s.heights()
	waiting := map[string]int{}
	var ready []string
	for _, name := range stacks {
		waiting[name] = len(s.g.Deps(name))
		if waiting[name] == 0 {
			ready = append(ready, name)
		}
	}
	release := func(stack string) {
		for _, d := range s.g.Dependents(stack) {
			if waiting[d]--; waiting[d] == 0 {
				ready = append(ready, d)
			}
		}
	}
	done := make(chan finished)
	running := 0
	for {
		// Longest remaining chain first: with a bound on parallelism this keeps the critical
		// path moving.
		sort.SliceStable(ready, func(i, j int) bool {
			if height[ready[i]] != height[ready[j]] {
				return height[ready[i]] > height[ready[j]]
			}
			return ready[i] < ready[j]
		})
		for running < s.opts.Parallel && len(ready) > 0 && ctx.Err() == nil {
			name := ready[0]
			ready = ready[1:]
			if s.missing[name] {
				s.settle(s.absent(name), release)
				continue
			}
			running++
			s.start(name, done)
		}
		if running == 0 && (len(ready) == 0 || ctx.Err() != nil) {
			break
		}
		if running == 0 {
			continue
		}
		var f finished
		select {
		case f = <-done:
		case <-ctx.Done():
			// Stop scheduling; keep collecting the stacks that are still running.
			f = <-done
		}
		running--
		s.settle(s.report(f), release)
	}
	for _, name := range stacks {
		if _, seen := s.reports[name]; !seen {
			s.finish(StackReport{Stack: name, Op: s.op, Status: Cancelled, Error: "not started: the run was interrupted"})
		}
	}
}

// absent is the report of a stack the backend does not have, for an operation that creates
// none: nothing to preview, refresh or destroy.
func (s *scheduler) absent(name string) StackReport {
	what := map[Op]string{Preview: "not previewed", Destroy: "nothing to destroy", PreviewDestroy: "nothing to destroy"}[s.op]
	if what == "" {
		what = "nothing to refresh"
	}
	return StackReport{Stack: name, Op: s.op, Status: New, Error: "new: the stack is not deployed yet, " + what}
}

// settle records r and decides what it means for the stacks downstream of it: they may start
// (success; a stack that is not there to destroy), wait for a deploy (a preview that would read
// a stack that does not exist), or not run at all (failure, interrupt).
func (s *scheduler) settle(r StackReport, release func(string)) {
	s.finish(r)
	switch {
	case r.Status == Succeeded || (r.Status == New && s.op != Preview):
		release(r.Stack)
		return
	}
	for _, d := range s.g.Downstream(r.Stack) {
		if _, seen := s.reports[d]; seen {
			continue
		}
		switch r.Status {
		case New, Waiting:
			if s.missing[d] {
				s.finish(s.absent(d)) // itself not deployed: new, not waiting
				continue
			}
			s.finish(StackReport{Stack: d, Op: s.op, Status: Waiting,
				Error: fmt.Sprintf("waiting: reads %s, which is not deployed yet; previewed after it is", r.Stack)})
		case Interrupted, Cancelled:
			s.finish(StackReport{Stack: d, Op: s.op, Status: Cancelled, Error: "not started: the run was interrupted"})
		default:
			s.finish(StackReport{Stack: d, Op: s.op, Status: Skipped,
				Error: fmt.Sprintf("skipped: depends on %s, which failed", r.Stack)})
		}
	}
}

func (s *scheduler) start(name string, done chan<- finished) {
	s.opts.Observer.StackStarted(name)
	go func() {
		t0 := time.Now()
		ctx := WithKill(s.opts.Interrupt, s.opts.Kill)
		res, err := s.eng.Run(ctx, s.op, name, func(p Progress) { s.opts.Observer.StackProgress(name, p) })
		done <- finished{stack: name, result: res, err: err, took: time.Since(t0)}
	}()
}

// report turns a finished operation into its report. A stack is unlocked only when this run's
// own operation took the lock and its CLI was killed: a CLI that stopped on an interrupt has
// released its lock itself, a preview holds none, and a lock this run did not take (a
// colleague's deploy, which made our up fail) is not ours to remove.
func (s *scheduler) report(f finished) StackReport {
	r := StackReport{Stack: f.stack, Op: s.op, Status: Succeeded, Changes: f.result.Changes, Duration: f.took,
		Seconds: f.took.Seconds(), Output: f.result.Output, LogFile: f.result.LogFile, Drift: f.result.Drift, Steps: f.result.Steps}
	switch {
	case f.err == nil:
	case errors.Is(f.err, ErrKilled):
		r.Status = Interrupted
		r.Error = "killed: " + firstLine(f.err.Error())
		if !s.op.TakesLock() {
			break
		}
		ctx, cancel := context.WithTimeout(context.Background(), s.opts.UnlockTimeout)
		defer cancel()
		if err := s.eng.Unlock(ctx, f.stack); err != nil {
			r.Error += "; removing its lock failed, run `sovereign unlock --stack " + f.stack + "`: " + firstLine(err.Error())
		} else {
			r.Error += "; its lock was removed (only the killed CLI's own): run `sovereign refresh --stack " + f.stack + "` before the next up"
		}
	case s.opts.Interrupt.Err() != nil || errors.Is(f.err, context.Canceled):
		r.Status = Interrupted
		r.Error = "interrupted: " + firstLine(f.err.Error())
	default:
		r.Status = Failed
		r.Error = firstLine(f.err.Error())
	}
	return r
}

func (s *scheduler) finish(r StackReport) {
	s.reports[r.Stack] = &r
	s.opts.Observer.StackFinished(r)
}

// heights is, for each stack, the length of the longest chain of stacks that wait for it.
func (s *scheduler) heights() map[string]int {
	h := map[string]int{}
	var height func(string) int
	height = func(n string) int {
		if v, ok := h[n]; ok {
			return v
		}
		v := 1
		for _, d := range s.g.Dependents(n) {
			v = max(v, 1+height(d))
		}
		h[n] = v
		return v
	}
	for _, n := range s.g.Stacks() {
		height(n)
	}
	return h
}

// firstLine keeps error summaries to one readable line; the full text is in the stack's log.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	const limit = 400
	if len(s) > limit {
		s = s[:limit] + "..."
	}
	return s
}
