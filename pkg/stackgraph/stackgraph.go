// Package stackgraph is the dependency graph of the project's stacks and the order to run them in.
// A stack depends on the stacks it reads through StackReferences (config.Fleet.References), so
// the order is derived from config, never written down. It imports no Pulumi SDK.
package stackgraph

import (
	"fmt"
	"sort"
	"strings"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// Graph maps every stack to the stacks it depends on.
type Graph struct {
	deps       map[string][]string
	dependents map[string][]string
}

// New builds a graph from stack -> dependencies. Every dependency must be a stack of the graph,
// and the graph must be acyclic.
func New(deps map[string][]string) (*Graph, error) {
	g := &Graph{deps: map[string][]string{}, dependents: map[string][]string{}}
	for s, ds := range deps {
		g.deps[s] = sortedCopy(ds)
		if _, ok := g.dependents[s]; !ok {
			g.dependents[s] = nil
		}
	}
	var missing []string
	for s, ds := range g.deps {
		for _, d := range ds {
			if _, ok := g.deps[d]; !ok {
				missing = append(missing, fmt.Sprintf("stack %s reads stack %s, which does not exist", s, d))
				continue
			}
			g.dependents[d] = append(g.dependents[d], s)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("%s", strings.Join(missing, "; "))
	}
	for s := range g.dependents {
		sort.Strings(g.dependents[s])
	}
	if cycle := g.findCycle(); cycle != nil {
		return nil, fmt.Errorf("stack references form a cycle: %s", strings.Join(cycle, " -> "))
	}
	return g, nil
}

// FromFleet is the graph of the named stacks of a fleet. A reference to a stack outside the
// selection is left out: that stack is expected to be deployed already, and the program says so
// clearly if it is not.
func FromFleet(f *config.Fleet, names []string) (*Graph, error) {
	selected := map[string]bool{}
	for _, n := range names {
		if f.Stack(n) == nil {
			return nil, fmt.Errorf("no stack %q; stacks: %v", n, f.Names())
		}
		selected[n] = true
	}
	deps := map[string][]string{}
	for _, n := range names {
		deps[n] = []string{}
		for _, d := range f.References(f.Stack(n)) {
			if f.Stack(d) == nil {
				return nil, fmt.Errorf("stack %s reads stack %s, which has no %s", n, d, config.StackFileName(d))
			}
			if selected[d] {
				deps[n] = append(deps[n], d)
			}
		}
	}
	return New(deps)
}

// Closure is the graph of the named stacks and every stack they read, directly or through
// others: what must exist for the named stacks to run (synth feeds each StackReference the
// outputs of the stack it names, so it runs the whole closure).
func Closure(f *config.Fleet, names []string) (*Graph, error) {
	seen := map[string]bool{}
	var all []string
	var visit func(n string) error
	visit = func(n string) error {
		if seen[n] {
			return nil
		}
		s := f.Stack(n)
		if s == nil {
			return fmt.Errorf("no stack %q; stacks: %v", n, f.Names())
		}
		seen[n] = true
		all = append(all, n)
		for _, d := range f.References(s) {
			if f.Stack(d) == nil {
				return fmt.Errorf("stack %s reads stack %s, which has no %s", n, d, config.StackFileName(d))
			}
			if err := visit(d); err != nil {
				return err
			}
		}
		return nil
	}
	for _, n := range sortedCopy(names) {
		if err := visit(n); err != nil {
			return nil, err
		}
	}
	return FromFleet(f, all)
}

// Stacks lists every stack, sorted.
func (g *Graph) Stacks() []string {
	out := make([]string, 0, len(g.deps))
	for s := range g.deps {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Deps lists the stacks s depends on, sorted.
func (g *Graph) Deps(s string) []string { return g.deps[s] }

// Dependents lists the stacks that depend on s, sorted.
func (g *Graph) Dependents(s string) []string { return g.dependents[s] }

// Reverse is the graph with every edge turned around: the order to destroy in.
func (g *Graph) Reverse() *Graph {
	r := &Graph{deps: map[string][]string{}, dependents: map[string][]string{}}
	for s := range g.deps {
		r.deps[s] = sortedCopy(g.dependents[s])
		r.dependents[s] = sortedCopy(g.deps[s])
	}
	return r
}

// Independent is the graph of the same stacks with no edges: every stack runs on its own (the
// order to refresh in: one failed refresh must not hide the drift of the stacks that read it).
func (g *Graph) Independent() *Graph {
	r := &Graph{deps: map[string][]string{}, dependents: map[string][]string{}}
	for s := range g.deps {
		r.deps[s], r.dependents[s] = nil, nil
	}
	return r
}

// Order lists every stack after the stacks it depends on: a depth-first walk over the stacks in
// name order, each stack's dependencies visited in name order before it. The same graph always
// gives the same order.
func (g *Graph) Order() []string {
	done := map[string]bool{}
	out := make([]string, 0, len(g.deps))
	var visit func(string)
	visit = func(s string) {
		if done[s] {
			return
		}
		done[s] = true // New refused cycles, so marking on entry cannot cut a path short
		for _, d := range g.deps[s] {
			visit(d)
		}
		out = append(out, s)
	}
	for _, s := range g.Stacks() {
		visit(s)
	}
	return out
}

// Waves groups the stacks by depth: wave 0 depends on nothing, wave n only on earlier waves.
// Stacks of one wave can run in parallel.
func (g *Graph) Waves() [][]string {
	depth := map[string]int{}
	var depthOf func(s string) int
	depthOf = func(s string) int {
		if d, ok := depth[s]; ok {
			return d
		}
		d := 0
		for _, dep := range g.deps[s] {
			d = max(d, depthOf(dep)+1)
		}
		depth[s] = d
		return d
	}
	var waves [][]string
	for _, s := range g.Stacks() {
		d := depthOf(s)
		for len(waves) <= d {
			waves = append(waves, nil)
		}
		waves[d] = append(waves[d], s)
	}
	return waves
}

// Downstream is the set of stacks that depend on s, directly or through others.
func (g *Graph) Downstream(s string) []string {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(x string) {
		for _, d := range g.dependents[x] {
			if !seen[d] {
				seen[d] = true
				walk(d)
			}
		}
	}
	walk(s)
	out := make([]string, 0, len(seen))
	for d := range seen {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// CriticalPath is the longest chain of work through the graph, given each stack's cost: no
// schedule, however parallel, can finish sooner.
func (g *Graph) CriticalPath(cost func(string) float64) float64 {
	memo := map[string]float64{}
	var finish func(string) float64
	finish = func(s string) float64 {
		if v, ok := memo[s]; ok {
			return v
		}
		start := 0.0
		for _, d := range g.deps[s] {
			start = max(start, finish(d))
		}
		memo[s] = start + cost(s)
		return memo[s]
	}
	best := 0.0
	for s := range g.deps {
		best = max(best, finish(s))
	}
	return best
}

func (g *Graph) findCycle() []string {
	const (
		visiting = 1
		done     = 2
	)
	state := map[string]int{}
	var stack []string
	var cycle []string
	var visit func(string) bool
	visit = func(s string) bool {
		state[s] = visiting
		stack = append(stack, s)
		for _, d := range g.deps[s] {
			switch state[d] {
			case visiting:
				for i, x := range stack {
					if x == d {
						cycle = append(append([]string{}, stack[i:]...), d)
						return true
					}
				}
			case 0:
				if visit(d) {
					return true
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[s] = done
		return false
	}
	for _, s := range g.Stacks() {
		if state[s] == 0 && visit(s) {
			return cycle
		}
	}
	return nil
}

func sortedCopy(in []string) []string {
	out := append([]string{}, in...)
	sort.Strings(out)
	return out
}
