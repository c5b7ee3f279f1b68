package synth

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"

	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/stackgraph"
)

// Organization is the organization of every stack under synth, as on a self-managed backend.
const Organization = "organization"

// Result is the synthesized graph of a stack and its outputs, for the stacks that reference it.
type Result struct {
	Graph   *Graph
	Outputs StackOutputs
}

// Options vary how a synth run stands in for the engine. The zero value is what `sovereign
// synth` and the golden files use.
type Options struct {
	// DryRun runs the program as `pulumi preview` does (ctx.DryRun() is true) rather than as
	// `pulumi up`. Applies still run on known values; a StackReference output the referenced stack
	// does not have is unknown, as the engine makes it in a preview.
	DryRun bool
	// Generation stands for the n-th creation of the same stacks, each after a destroy of the
	// previous one: every value a provider or AWS draws at random on creation (auto-name suffixes,
	// random ids and passwords, resource ids) differs between generations, while names the program
	// fixes do not. 0 is the generation of the golden files.
	Generation int
	// Parallelism is how many stacks FleetWithOptions synthesizes at once; 0 means one per CPU
	// (runtime.NumCPU). The results do not depend on it.
	Parallelism int

	// fleetStack is set for a stack of the fleet (Stack), not a component run alone: only a
	// whole stack can be held to naming EKS clusters that exist (see checkPodIdentity).
	fleetStack bool
}

// Stack synthesizes one stack: it runs program with the stack file's config under mocks.
// refs holds the outputs of the stacks it reads through StackReferences, keyed by stack name.
func Stack(program pulumi.RunFunc, s *config.Stack, refs map[string]StackOutputs) (*Result, error) {
	return StackWithOptions(program, s, refs, Options{})
}

// StackWithOptions is Stack with the given options.
func StackWithOptions(program pulumi.RunFunc, s *config.Stack, refs map[string]StackOutputs, opts Options) (*Result, error) {
	cfg, err := s.EngineConfig()
	if err != nil {
		return nil, err
	}
	opts.fleetStack = true
	r, err := RunWithOptions(program, s.Name, cfg, refs, opts)
	if err != nil {
		return r, fmt.Errorf("stack %s: %w", s.Name, err)
	}
	return r, nil
}

// Run runs any program of this project under the synth mocks as stack, with the given engine
// config (fully qualified keys). Component tests use it to exercise a component alone. On error
// the result still holds the graph of what was declared before the failure.
func Run(program pulumi.RunFunc, stack string, cfg map[string]string, refs map[string]StackOutputs) (*Result, error) {
	return RunWithOptions(program, stack, cfg, refs, Options{})
}

// RunWithOptions is Run with the given options.
func RunWithOptions(program pulumi.RunFunc, stack string, cfg map[string]string, refs map[string]StackOutputs, opts Options) (*Result, error) {
	qualified := map[string]StackOutputs{}
	for name, outs := range refs {
		qualified[fmt.Sprintf("%s/%s/%s", Organization, config.Project, name)] = outs
	}
	m := newMocks(config.Project, stack, qualified, opts.Generation)
	m.knownClustersOnly = opts.fleetStack

	var outputs StackOutputs
	body := func(ctx *pulumi.Context) error {
		m.ctx = ctx
		if err := program(ctx); err != nil {
			return err
		}
		var err error
		outputs, err = awaitExports(ctx)
		return err
	}
	err := pulumi.RunErr(body,
		pulumi.WithMocksWithOrganization(Organization, config.Project, stack, m),
		func(info *pulumi.RunInfo) {
			info.Config = cfg
			// By default run as `pulumi up` does; the mocks answer with known values, so every
			// apply runs in a dry run too, except on what the program itself leaves unknown.
			info.DryRun = opts.DryRun
		})
	result := &Result{Graph: buildGraph(config.Project, stack, m.registrations(), plainMap(outputs)), Outputs: outputs}
	if err != nil {
		// The partial graph shows what the program declared before it failed.
		return result, unwrap(err)
	}
	return result, nil
}

// awaitExports resolves every stack export, keeping secrets as secret property values.
func awaitExports(ctx *pulumi.Context) (StackOutputs, error) {
	out := StackOutputs{}
	for name, v := range ctx.GetCurrentExportMap() {
		res, err := internals.UnsafeAwaitOutput(context.Background(), pulumi.ToOutput(v))
		if err != nil {
			return nil, fmt.Errorf("output %s: %w", name, err)
		}
		pv := resource.NewPropertyValue(res.Value)
		if res.Secret {
			pv = resource.MakeSecret(pv)
		}
		out[resource.PropertyKey(name)] = pv
	}
	return out, nil
}

// unwrap drops the multierror wrapper the SDK puts around a program's error, so a config
// problem reads as the message the program returned.
func unwrap(err error) error {
	type wrapped interface{ WrappedErrors() []error }
	var w wrapped
	if errors.As(err, &w) && len(w.WrappedErrors()) == 1 {
		return w.WrappedErrors()[0]
	}
	return err
}

// Fleet synthesizes the named stacks of the fleet, and every stack they read from, in
// dependency order, feeding each StackReference the outputs of the stack it names. Stacks
// that do not read each other run in parallel. It returns the results of all stacks it ran,
// keyed by name.
func Fleet(program pulumi.RunFunc, fleet *config.Fleet, names []string) (map[string]*Result, error) {
	return FleetWithOptions(program, fleet, names, Options{})
}

// FleetWithOptions is Fleet with the given options for every stack.
//
// A stack starts once every stack it reads has finished, at most opts.Parallelism at a time,
// the earliest of dependencyOrder first. The outcome is that of running the stacks one by one
// in dependencyOrder: on failure, the error of the first stack in that order that fails, and
// the results of the stacks before it.
func FleetWithOptions(program pulumi.RunFunc, fleet *config.Fleet, names []string, opts Options) (map[string]*Result, error) {
	order, err := dependencyOrder(fleet, names)
	if err != nil {
		return nil, err
	}
	n := len(order)
	pos := make(map[string]int, n)
	for i, name := range order {
		pos[name] = i
	}
	stacks := make([]*config.Stack, n)
	deps := make([][]int, n)       // positions of the stacks each stack reads
	dependents := make([][]int, n) // positions of the stacks that read each stack
	waiting := make([]int, n)      // deps not finished yet
	var ready []int                // positions whose deps have all finished, ascending
	for i, name := range order {
		stacks[i] = fleet.Stack(name)
		for _, dep := range fleet.References(stacks[i]) {
			j := pos[dep] // before i: dependencyOrder puts every stack after those it reads
			deps[i] = append(deps[i], j)
			dependents[j] = append(dependents[j], i)
		}
		if waiting[i] = len(deps[i]); waiting[i] == 0 {
			ready = append(ready, i)
		}
	}
	workers := opts.Parallelism
	if workers <= 0 {
		workers = runtime.NumCPU()
	}

	type finished struct {
		i   int
		r   *Result
		err error
	}
	done := make(chan finished)
	results := make([]*Result, n)
	firstFailed := n // position of the first failed stack in order
	var firstErr error
	running := 0
	for {
		// Once a stack has failed, only stacks before it still run: one of them may fail too,
		// and the error to report is the first in order.
		for running < workers && len(ready) > 0 && ready[0] < firstFailed {
			i := ready[0]
			ready = ready[1:]
			refs := make(map[string]StackOutputs, len(deps[i]))
			for _, j := range deps[i] {
				refs[order[j]] = results[j].Outputs
			}
			running++
			go func() {
				r, err := StackWithOptions(program, stacks[i], refs, opts)
				done <- finished{i, r, err}
			}()
		}
		if running == 0 {
			break
		}
		f := <-done
		running--
		if f.err != nil {
			if f.i < firstFailed {
				firstFailed, firstErr = f.i, f.err
			}
			continue
		}
		results[f.i] = f.r
		for _, k := range dependents[f.i] {
			if waiting[k]--; waiting[k] == 0 {
				at := sort.SearchInts(ready, k)
				ready = append(ready, 0)
				copy(ready[at+1:], ready[at:])
				ready[at] = k
			}
		}
	}
	out := make(map[string]*Result, n)
	for i := 0; i < firstFailed; i++ {
		out[order[i]] = results[i]
	}
	return out, firstErr
}

// dependencyOrder lists names and their transitive references, every stack after the stacks
// it reads, ties broken by name (stackgraph's order, which also refuses cycles).
func dependencyOrder(fleet *config.Fleet, names []string) ([]string, error) {
	g, err := stackgraph.Closure(fleet, names)
	if err != nil {
		return nil, err
	}
	return g.Order(), nil
}
