package synth

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Component tests build one component alone, from fixture Args, under the same mocks as the
// program: RunComponent gives it an explicit regional aws provider (the mocks refuse AWS
// resources without one, as the project refuses the default provider), and ChildProblems
// states what every component owes its children.

// ComponentStack is the stack name RunComponent runs under.
const ComponentStack = "test"

// ProviderName is the resource name RunComponent gives the aws provider of a region.
func ProviderName(region string) string { return "aws-" + region }

// RunComponent runs declare under the synth mocks as the whole program of a stack, after
// declaring an aws provider for region (named ProviderName(region)) that declare passes to the
// component. On error the result still holds the graph of what was declared before the failure.
func RunComponent(region string, declare func(ctx *pulumi.Context, provider pulumi.ProviderResource) error) (*Result, error) {
	return Run(func(ctx *pulumi.Context) error {
		p, err := NewAWSProvider(ctx, region, ProviderName(region))
		if err != nil {
			return err
		}
		return declare(ctx, p)
	}, ComponentStack, nil, nil)
}

// NewAWSProvider declares an aws provider for region, as the mocks see aws.NewProvider: for a
// second region a component replicates to.
func NewAWSProvider(ctx *pulumi.Context, region, name string) (pulumi.ProviderResource, error) {
	var p pulumi.ProviderResourceState
	err := ctx.RegisterResource("pulumi:providers:aws", name, pulumi.Map{"region": pulumi.String(region)}, &p)
	return &p, err
}

// ChildProblems checks the graph of a component run alone: exactly one component of type typ;
// every other resource the program registers is its child, but for the test's own providers and
// the fixtures it names (resources the test declares to hand the component, e.g. a security
// group); and every custom child but a provider uses the provider whose resource name providerOf
// returns for it ("" skips the check). Remote components have providers, not a provider: check
// those directly. It returns one line per problem; a test reports them.
func ChildProblems(g *Graph, typ string, providerOf func(Resource) string, fixtures ...string) []string {
	comps := g.ByType(typ)
	if len(comps) != 1 {
		return []string{fmt.Sprintf("%d components of type %s, want 1", len(comps), typ)}
	}
	comp := comps[0]
	var out []string
	for _, r := range g.Resources {
		isProvider := strings.HasPrefix(r.Type, "pulumi:providers:")
		topLevel := strings.HasSuffix(r.Parent, "::"+rootStack(g))
		if r.Modelled || r.URN == comp.URN || topLevel && (isProvider || slices.Contains(fixtures, r.Name)) {
			continue
		}
		if r.Parent != comp.URN {
			out = append(out, fmt.Sprintf("%s %s is not a child of the component (parent %q)", r.Type, r.Name, r.Parent))
		}
		if !r.Custom || isProvider {
			continue
		}
		if want := providerOf(r); want != "" && !strings.HasSuffix(r.Provider, "::"+want) {
			out = append(out, fmt.Sprintf("%s %s uses provider %q, want %s", r.Type, r.Name, r.Provider, want))
		}
	}
	return out
}

// rootStack is the name of the root stack resource of a graph, which parents what the program
// declares at the top level.
func rootStack(g *Graph) string {
	return "pulumi:pulumi:Stack::" + g.Project + "-" + g.Stack
}

// Named returns the resource the program registers under a logical name and type.
func (g *Graph) Named(typ, name string) (Resource, bool) {
	for _, r := range g.ByType(typ) {
		if r.Name == name {
			return r, true
		}
	}
	return Resource{}, false
}
