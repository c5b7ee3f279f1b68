package orchestrate

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/global-sovereign/global-sovereign/pkg/plan"
)

// Options tune a run.
type Options struct {
	// Parallel bounds how many stacks run at once (at least 1).
	Parallel int
	// Interrupt, when cancelled, interrupts the running operations through the engine (the
	// second Ctrl-C). Cancelling Run's own context only stops new stacks from starting.
	Interrupt context.Context
	Observer  Observer
	// UnlockTimeout bounds the unlocking of each interrupted stack.
	UnlockTimeout time.Duration
}

// Run performs op over every stack of g in dependency order (reverse order for destroy) and
// reports what happened to each. Cancelling ctx stops scheduling: running stacks finish, the
// others are reported cancelled.
func Run(ctx context.Context, g *plan.Graph, op Op, eng Engine, opts Options) *Summary {
	if opts.Parallel < 1 {
		opts.Parallel = 1
	}
	if opts.Interrupt == nil {
		opts.Interrupt = context.Background()
	}
	if opts.Observer == nil {
		opts.Observer = nopObserver{}
	}
	if opts.UnlockTimeout == 0 {
		opts.UnlockTimeout = time.Minute
	}
	if op == Destroy {
		// A stack is destroyed only after every stack that reads it.
		g = g.Reverse()
	}
	s := &scheduler{g: g, op: op, eng: eng, opts: opts, reports: map[string]*StackReport{}}
	start := time.Now()
	s.run(ctx)
	sum := &Summary{Op: op, Parallel: opts.Parallel, Duration: time.Since(start), Prepare: s.prepared, Interrupted: ctx.Err() != nil}
	sum.Seconds, sum.PrepareSeconds = sum.Duration.Seconds(), s.prepared.Seconds()
	// Report in the order a reader thinks of the run: wave by wave, by name within a wave.
	for _, wave := range g.Waves() {
		for _, name := range wave {
			sum.Stacks = append(sum.Stacks, *s.reports[name])
		}
	}
	return sum
}

type scheduler struct {
	g        *plan.Graph
	op       Op
	eng      Engine
	opts     Options
	reports  map[string]*StackReport
	prepared time.Duration
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
	err := s.eng.Prepare(ctx, stacks)
	s.prepared = time.Since(t0)
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
	height := s.heights()
	waiting := map[string]int{}
	var ready []string
	for _, name := range stacks {
		waiting[name] = len(s.g.Deps(name))
		if waiting[name] == 0 {
			ready = append(ready, name)
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
			running++
			s.start(name, done)
		}
		if running == 0 {
			break
		}
		var f finished
		select {
		case f = <-done:
		case <-ctx.Done():
			// Stop scheduling; keep collecting the stacks that are still running.
			f = <-done
		}
		running--
		report := s.report(f)
		s.finish(report)
		if report.Status == Succeeded {
			for _, d := range s.g.Dependents(f.stack) {
				if waiting[d]--; waiting[d] == 0 {
					ready = append(ready, d)
				}
			}
			continue
		}
		for _, d := range s.g.Downstream(f.stack) {
			if _, seen := s.reports[d]; seen {
				continue
			}
			if report.Status == Interrupted {
				s.finish(StackReport{Stack: d, Op: s.op, Status: Cancelled, Error: "not started: the run was interrupted"})
				continue
			}
			s.finish(StackReport{Stack: d, Op: s.op, Status: Skipped,
				Error: fmt.Sprintf("skipped: depends on %s, which failed", f.stack)})
		}
	}
	for _, name := range stacks {
		if _, seen := s.reports[name]; !seen {
			s.finish(StackReport{Stack: name, Op: s.op, Status: Cancelled, Error: "not started: the run was interrupted"})
		}
	}
}

func (s *scheduler) start(name string, done chan<- finished) {
	s.opts.Observer.StackStarted(name)
	go func() {
		t0 := time.Now()
		res, err := s.eng.Run(s.opts.Interrupt, s.op, name, func(p Progress) { s.opts.Observer.StackProgress(name, p) })
		done <- finished{stack: name, result: res, err: err, took: time.Since(t0)}
	}()
}

// report turns a finished operation into its report, unlocking the stack if it was
// interrupted.
func (s *scheduler) report(f finished) StackReport {
	r := StackReport{Stack: f.stack, Op: s.op, Status: Succeeded, Changes: f.result.Changes, Duration: f.took,
		Seconds: f.took.Seconds(), Output: f.result.Output, LogFile: f.result.LogFile}
	switch {
	case f.err == nil:
	case s.opts.Interrupt.Err() != nil || errors.Is(f.err, context.Canceled):
		r.Status = Interrupted
		r.Error = "interrupted: " + firstLine(f.err.Error())
		ctx, cancel := context.WithTimeout(context.Background(), s.opts.UnlockTimeout)
		defer cancel()
		if err := s.eng.Unlock(ctx, f.stack); err != nil {
			r.Error += "; unlocking the stack failed, run `pulumi cancel -s " + f.stack + "`: " + firstLine(err.Error())
		}
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
