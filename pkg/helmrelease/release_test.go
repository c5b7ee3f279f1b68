package helmrelease

import (
	"sync"
	"testing"

	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// recorder keeps every registration the program makes.
type recorder struct {
	mu   sync.Mutex
	regs []pulumi.MockResourceArgs
}

func (r *recorder) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.regs = append(r.regs, args)
	return args.Name + "-id", args.Inputs, nil
}

func (r *recorder) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return args.Args, nil
}

// register runs a program that creates a namespace-like dependency and then the release,
// returning the release's registration.
func register(t *testing.T, declare func(ctx *pulumi.Context, ns pulumi.StringOutput, dep pulumi.Resource) error) pulumi.MockResourceArgs {
	t.Helper()
	rec := &recorder{}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		// Any custom resource serves as a dependency whose output feeds the release.
		var dep struct {
			pulumi.CustomResourceState
			Name pulumi.StringOutput `pulumi:"name"`
		}
		if err := ctx.RegisterResource("test:index:Dep", "dep", pulumi.Map{"name": pulumi.String("monitoring")}, &dep); err != nil {
			return err
		}
		return declare(ctx, dep.Name, &dep)
	}, pulumi.WithMocks("p", "s", rec))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rec.regs {
		if r.TypeToken == Type {
			return r
		}
	}
	t.Fatalf("no %s registered: %+v", Type, rec.regs)
	return pulumi.MockResourceArgs{}
}

// TestSameRegistrationAsProvider registers the same release through the provider's helm/v3
// package and through this one: the type, inputs, dependencies and version must not differ, or
// the engine would see a different resource (a diff on the next up).
func TestSameRegistrationAsProvider(t *testing.T) {
	values := func(ns pulumi.StringOutput) pulumi.Map {
		return pulumi.Map{
			"serviceAccount": pulumi.Map{"create": pulumi.Bool(true), "name": ns},
			"list":           pulumi.StringArray{pulumi.String("a")},
		}
	}
	theirs := register(t, func(ctx *pulumi.Context, ns pulumi.StringOutput, dep pulumi.Resource) error {
		_, err := helmv3.NewRelease(ctx, "r", &helmv3.ReleaseArgs{
			Name: pulumi.String("chart"), Namespace: ns, CreateNamespace: pulumi.Bool(true),
			Chart: pulumi.String("chart"), Version: pulumi.String("1.2.3"),
			RepositoryOpts: &helmv3.RepositoryOptsArgs{Repo: pulumi.String("https://charts.example")},
			Values:         values(ns), Timeout: pulumi.Int(600),
		}, pulumi.DependsOn([]pulumi.Resource{dep}))
		return err
	})
	ours := register(t, func(ctx *pulumi.Context, ns pulumi.StringOutput, dep pulumi.Resource) error {
		_, err := NewRelease(ctx, "r", &ReleaseArgs{
			Name: pulumi.String("chart"), Namespace: ns, CreateNamespace: pulumi.Bool(true),
			Chart: pulumi.String("chart"), Version: pulumi.String("1.2.3"),
			RepositoryOpts: &RepositoryOptsArgs{Repo: pulumi.String("https://charts.example")},
			Values:         values(ns), Timeout: pulumi.Int(600),
		}, pulumi.DependsOn([]pulumi.Resource{dep}))
		return err
	})
	if !theirs.Inputs.DeepEquals(ours.Inputs) {
		t.Errorf("inputs differ:\nprovider: %v\nours:     %v", theirs.Inputs, ours.Inputs)
	}
	if ours.Inputs["compat"].StringValue() != "true" {
		t.Errorf("compat = %v, want true (the provider's constructor sets it)", ours.Inputs["compat"])
	}
	if ours.Name != theirs.Name || ours.Custom != theirs.Custom || ours.Provider != theirs.Provider {
		t.Errorf("registration differs: ours %q custom=%v provider=%q, provider's %q custom=%v provider=%q",
			ours.Name, ours.Custom, ours.Provider, theirs.Name, theirs.Custom, theirs.Provider)
	}
	a, b := theirs.RegisterRPC, ours.RegisterRPC
	if a.GetVersion() != b.GetVersion() || a.GetVersion() == "" {
		t.Errorf("version: provider %q, ours %q", a.GetVersion(), b.GetVersion())
	}
	if len(a.GetDependencies()) != len(b.GetDependencies()) || len(b.GetDependencies()) == 0 {
		t.Errorf("dependencies: provider %v, ours %v", a.GetDependencies(), b.GetDependencies())
	}
	if len(a.GetPropertyDependencies()) != len(b.GetPropertyDependencies()) {
		t.Errorf("property dependencies: provider %v, ours %v", a.GetPropertyDependencies(), b.GetPropertyDependencies())
	}
}

func TestChartRequired(t *testing.T) {
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := NewRelease(ctx, "r", &ReleaseArgs{Name: pulumi.String("x")})
		return err
	}, pulumi.WithMocks("p", "s", &recorder{}))
	if err == nil {
		t.Fatal("a release without a chart was accepted")
	}
}
