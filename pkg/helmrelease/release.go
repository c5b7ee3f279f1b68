// Package helmrelease declares a Helm release (kubernetes:helm.sh/v3:Release) without importing
// pulumi-kubernetes' helm/v3 package. That package's Chart type imports the SDK's yaml package,
// and with it every Kubernetes API group: about a third of the Go source compiled for
// cmd/sovereign, for one resource type this program registers through a plain
// RegisterResource call. The type token, the input names (pulumi-kubernetes v4.33.0 schema,
// sdk/go/kubernetes/helm/v3/release.go), the compat flag the provider's constructor sets and the
// provider version option are the provider's, so the registered resource is the same; a test
// registers both and compares them.
//
// The API mirrors the provider's (NewRelease, ReleaseArgs, RepositoryOptsArgs), so a component
// switches by changing its import only.
package helmrelease

import (
	"errors"
	"reflect"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/utilities"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Type is the provider's type token of a Helm release.
const Type = "kubernetes:helm.sh/v3:Release"

// Release is a Helm chart installed by the Kubernetes provider. Its outputs are those this
// program may read; the provider returns more (status, manifest), which are ignored.
type Release struct {
	pulumi.CustomResourceState

	Chart     pulumi.StringOutput    `pulumi:"chart"`
	Name      pulumi.StringPtrOutput `pulumi:"name"`
	Namespace pulumi.StringPtrOutput `pulumi:"namespace"`
	Version   pulumi.StringPtrOutput `pulumi:"version"`
	Values    pulumi.MapOutput       `pulumi:"values"`
}

// releaseArgs is the wire shape of ReleaseArgs: the provider's input names. Inputs the provider
// also accepts but this program never sets (manifest, resourceNames, valueYamlFiles) are left
// out; add them here under the schema's names before using them.
type releaseArgs struct {
	AllowNullValues          *bool                  `pulumi:"allowNullValues"`
	Atomic                   *bool                  `pulumi:"atomic"`
	Chart                    string                 `pulumi:"chart"`
	CleanupOnFail            *bool                  `pulumi:"cleanupOnFail"`
	Compat                   *string                `pulumi:"compat"`
	CreateNamespace          *bool                  `pulumi:"createNamespace"`
	DependencyUpdate         *bool                  `pulumi:"dependencyUpdate"`
	Description              *string                `pulumi:"description"`
	Devel                    *bool                  `pulumi:"devel"`
	DisableCRDHooks          *bool                  `pulumi:"disableCRDHooks"`
	DisableOpenapiValidation *bool                  `pulumi:"disableOpenapiValidation"`
	DisableWebhooks          *bool                  `pulumi:"disableWebhooks"`
	ForceUpdate              *bool                  `pulumi:"forceUpdate"`
	Keyring                  *string                `pulumi:"keyring"`
	Lint                     *bool                  `pulumi:"lint"`
	MaxHistory               *int                   `pulumi:"maxHistory"`
	Name                     *string                `pulumi:"name"`
	Namespace                *string                `pulumi:"namespace"`
	Postrender               *string                `pulumi:"postrender"`
	RecreatePods             *bool                  `pulumi:"recreatePods"`
	RenderSubchartNotes      *bool                  `pulumi:"renderSubchartNotes"`
	Replace                  *bool                  `pulumi:"replace"`
	RepositoryOpts           *repositoryOpts        `pulumi:"repositoryOpts"`
	ResetValues              *bool                  `pulumi:"resetValues"`
	ReuseValues              *bool                  `pulumi:"reuseValues"`
	SkipAwait                *bool                  `pulumi:"skipAwait"`
	SkipCrds                 *bool                  `pulumi:"skipCrds"`
	TakeOwnership            *bool                  `pulumi:"takeOwnership"`
	Timeout                  *int                   `pulumi:"timeout"`
	Values                   map[string]interface{} `pulumi:"values"`
	Verify                   *bool                  `pulumi:"verify"`
	Version                  *string                `pulumi:"version"`
	WaitForJobs              *bool                  `pulumi:"waitForJobs"`
}

// ReleaseArgs are a release's inputs, field for field the provider's ReleaseArgs (the SDK maps
// each field to releaseArgs by name).
type ReleaseArgs struct {
	AllowNullValues          pulumi.BoolPtrInput
	Atomic                   pulumi.BoolPtrInput
	Chart                    pulumi.StringInput
	CleanupOnFail            pulumi.BoolPtrInput
	Compat                   pulumi.StringPtrInput
	CreateNamespace          pulumi.BoolPtrInput
	DependencyUpdate         pulumi.BoolPtrInput
	Description              pulumi.StringPtrInput
	Devel                    pulumi.BoolPtrInput
	DisableCRDHooks          pulumi.BoolPtrInput
	DisableOpenapiValidation pulumi.BoolPtrInput
	DisableWebhooks          pulumi.BoolPtrInput
	ForceUpdate              pulumi.BoolPtrInput
	Keyring                  pulumi.StringPtrInput
	Lint                     pulumi.BoolPtrInput
	MaxHistory               pulumi.IntPtrInput
	Name                     pulumi.StringPtrInput
	Namespace                pulumi.StringPtrInput
	Postrender               pulumi.StringPtrInput
	RecreatePods             pulumi.BoolPtrInput
	RenderSubchartNotes      pulumi.BoolPtrInput
	Replace                  pulumi.BoolPtrInput
	RepositoryOpts           *RepositoryOptsArgs
	ResetValues              pulumi.BoolPtrInput
	ReuseValues              pulumi.BoolPtrInput
	SkipAwait                pulumi.BoolPtrInput
	SkipCrds                 pulumi.BoolPtrInput
	TakeOwnership            pulumi.BoolPtrInput
	Timeout                  pulumi.IntPtrInput
	Values                   pulumi.MapInput
	Verify                   pulumi.BoolPtrInput
	Version                  pulumi.StringPtrInput
	WaitForJobs              pulumi.BoolPtrInput
}

// ElementType is the wire shape the SDK marshals ReleaseArgs into.
func (ReleaseArgs) ElementType() reflect.Type { return reflect.TypeOf((*releaseArgs)(nil)).Elem() }

// repositoryOpts is the wire shape of RepositoryOptsArgs (schema type
// kubernetes:helm.sh/v3:RepositoryOpts).
type repositoryOpts struct {
	CaFile   *string `pulumi:"caFile"`
	CertFile *string `pulumi:"certFile"`
	KeyFile  *string `pulumi:"keyFile"`
	Password *string `pulumi:"password"`
	Repo     *string `pulumi:"repo"`
	Username *string `pulumi:"username"`
}

// RepositoryOptsArgs say where the chart comes from.
type RepositoryOptsArgs struct {
	CaFile   pulumi.StringPtrInput
	CertFile pulumi.StringPtrInput
	KeyFile  pulumi.StringPtrInput
	Password pulumi.StringPtrInput
	Repo     pulumi.StringPtrInput
	Username pulumi.StringPtrInput
}

// ElementType is the wire shape the SDK marshals RepositoryOptsArgs into.
func (RepositoryOptsArgs) ElementType() reflect.Type {
	return reflect.TypeOf((*repositoryOpts)(nil)).Elem()
}

// NewRelease registers a Helm release as the provider's constructor does: chart required,
// compat "true", and the provider version of the pulumi-kubernetes SDK in go.mod.
func NewRelease(ctx *pulumi.Context, name string, args *ReleaseArgs, opts ...pulumi.ResourceOption) (*Release, error) {
	if args == nil {
		return nil, errors.New("missing one or more required arguments")
	}
	if args.Chart == nil {
		return nil, errors.New("invalid value for required argument 'Chart'")
	}
	args.Compat = pulumi.StringPtr("true")
	opts = utilities.PkgResourceDefaultOpts(opts)
	var r Release
	if err := ctx.RegisterResource(Type, name, args, &r, opts...); err != nil {
		return nil, err
	}
	return &r, nil
}
