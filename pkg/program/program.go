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
	// Fleet, when set, is the fleet of Dir that the caller has already loaded and validated
	// (`sovereign synth --all` shares one with every stack it runs). The program then takes the
	// running stack's file from it instead of reading and validating every stack file again, and
	// validates again, against this fleet, only when the engine's config differs from the file.
	// `pulumi up` leaves it nil: each run loads and validates the fleet itself.
	Fleet *config.Fleet
}

// New returns the program.
func New(opts Options) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		var cur *config.Stack
		var fleet *config.Fleet
		var err error
		if opts.Fleet != nil {
			cur, fleet, err = check(ctx, opts.Fleet, opts.Dir, true)
		} else {
			cur, fleet, err = Load(ctx, opts.Dir)
		}
		if err != nil {
			return err
		}
		switch cur.Settings.Kind {
		case config.KindRegion:
			return deployRegion(ctx, cur, fleet, opts)
		case config.KindEnvironment:
			return deployEnvironment(ctx, cur, fleet, opts)
		case config.KindGlobal:
			return deployGlobal(ctx, cur, fleet, opts)
		case config.KindClient:
			return deployClient(ctx, cur, fleet, opts)
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
	return check(ctx, fleet, dir, false)
}

// check takes the running stack's config from the engine and validates it together with the
// other stacks of fleet. When fleet is already validated and the engine passes exactly the
// stack's file, fleet is returned as it is: validating it again would find what it found before.
func check(ctx *pulumi.Context, fleet *config.Fleet, dir string, validated bool) (*config.Stack, *config.Fleet, error) {
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
	if validated && sameAsFile(lookup, file) {
		return cur, fleet, nil
	}
	fleet = fleet.With(cur)
	if err := fleet.Validate().Err(); err != nil {
		return nil, nil, err
	}
	return cur, fleet, nil
}

// sameAsFile reports whether the engine passes every project key exactly as the stack file
// holds it (no `pulumi config set` since, no secrets): then the stack FromEngine builds is the
// file's stack.
func sameAsFile(lookup config.Lookup, file *config.Stack) bool {
	want, err := file.EngineConfig()
	if err != nil {
		return false
	}
	for _, k := range config.Keys {
		got, ok := lookup(k)
		w, has := want[config.Project+":"+k]
		if ok != has || got != w {
			return false
		}
	}
	return true
}
