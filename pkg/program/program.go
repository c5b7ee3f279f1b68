// Package program is the Pulumi program of global-sovereign: one function that `pulumi up`
// (through main.go), the Automation API orchestrator and `sovereign synth` (under mocks) all
// run. It loads and validates the stack's config against every stack file before it declares
// anything, then declares the region or global stack that the config describes.
package program

import (
	"fmt"

	pcfg "github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// Options says where the program finds the project's stack files.
type Options struct {
	// Dir holds Pulumi.yaml and every Pulumi.<stack>.yaml. `pulumi up` runs the program in the
	// project directory, so main.go passes ".".
	Dir string
	// CheckDeployer makes a stack with a cluster check, before declaring anything and again
	// once the API endpoint is known, that this machine reaches the cluster's Kubernetes API
	// (see pkg/reach). Real runs set it; synth does not (it runs offline).
	CheckDeployer bool
}

// New returns the program.
func New(opts Options) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		cur, fleet, err := Load(ctx, opts.Dir)
		if err != nil {
			return err
		}
		switch cur.Settings.Kind {
		case config.KindRegion:
			return deployRegion(ctx, cur, fleet, opts)
		case config.KindGlobal:
			return deployGlobal(ctx, cur, fleet)
		}
		return fmt.Errorf("%s: unhandled stack kind %q", cur.File, cur.Settings.Kind) // validated: unreachable
	}
}

// Load reads the running stack's config as the engine passes it and validates it together with
// the files of every other stack in dir.
func Load(ctx *pulumi.Context, dir string) (*config.Stack, *config.Fleet, error) {
	fleet, err := config.LoadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	file := fleet.Stack(ctx.Stack())
	if file == nil {
		return nil, nil, fmt.Errorf("stack %q has no %s in %s; stacks here: %v",
			ctx.Stack(), config.StackFileName(ctx.Stack()), dir, fleet.Names())
	}
	lookup := func(key string) (string, bool) {
		v, err := pcfg.Try(ctx, config.Project+":"+key)
		return v, err == nil
	}
	cur, err := config.FromEngine(ctx.Stack(), lookup, file)
	if err != nil {
		return nil, nil, err
	}
	fleet = fleet.With(cur)
	if err := fleet.Validate().Err(); err != nil {
		return nil, nil, err
	}
	return cur, fleet, nil
}
