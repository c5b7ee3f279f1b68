package program

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// StackReferenceName is the fully qualified name of another stack of this project, in the
// current stack's organization ("organization" on a self-managed backend).
func StackReferenceName(ctx *pulumi.Context, stack string) string {
	return fmt.Sprintf("%s/%s/%s", ctx.Organization(), ctx.Project(), stack)
}

// deployGlobal declares the global stack. For now it reads every region stack of its
// environment and exports what the peering mesh and DNS will need, keyed by region code.
func deployGlobal(ctx *pulumi.Context, s *config.Stack, fleet *config.Fleet) error {
	regions := pulumi.Map{}
	for _, name := range fleet.References(s) {
		ref, err := pulumi.NewStackReference(ctx, "ref-"+name, &pulumi.StackReferenceArgs{
			Name: pulumi.String(StackReferenceName(ctx, name)),
		})
		if err != nil {
			return err
		}
		region := pulumi.Map{}
		for _, key := range peeringOutputs {
			region[key] = requireOutput(ctx, ref, name, key)
		}
		regions[fleet.Stack(name).Settings.Code] = region
	}
	ctx.Export(OutRegions, regions)
	return nil
}

// requireString is requireOutput for a string output.
func requireString(ctx *pulumi.Context, ref *pulumi.StackReference, stack, key string) pulumi.StringOutput {
	return requireOutput(ctx, ref, stack, key).ApplyT(func(v any) (string, error) {
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("stack %s output %q is %T, want a string", stack, key, v)
		}
		return s, nil
	}).(pulumi.StringOutput)
}

// requireOutput reads an output of a referenced stack. When that stack has not exported it (not
// deployed yet, or an older version), a preview treats it as unknown, like the output of any
// resource not created yet, so the first preview of a fleet passes before its upstream stacks are
// deployed; `up` fails with a message that says which stack to deploy first.
//
// The SDK (v3.263.0, StackReference.GetOutput) already answers a missing key with an unknown in a
// preview and with nil in an update; this also covers an output that exists with a null value,
// and does not depend on that SDK detail.
func requireOutput(ctx *pulumi.Context, ref *pulumi.StackReference, stack, key string) pulumi.AnyOutput {
	return ref.GetOutput(pulumi.String(key)).ApplyT(func(v any) (any, error) {
		if v == nil {
			if ctx.DryRun() {
				return pulumi.UnsafeUnknownOutput([]pulumi.Resource{ref}), nil
			}
			return nil, fmt.Errorf("stack %s has no output %q; deploy it first (sovereign up --stack %s)", stack, key, stack)
		}
		return v, nil
	}).(pulumi.AnyOutput)
}
