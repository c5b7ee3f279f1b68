package synth

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// StackOutputs are the resolved outputs of a stack, as a StackReference sees them. Secret
// outputs are resource.MakeSecret values.
type StackOutputs = resource.PropertyMap

// registration is one resource the mocks saw: registered (RegisterResource), or read
// (ReadResource: StackReferences, .Get of existing resources).
type registration struct {
	urn, typ, name, parent, provider string
	custom, remote, read             bool
	// modelled: not registered by the program but created by a remote component (see
	// eksmodel.go); id and state: what the mocks answered, for the audit's identities.
	modelled                     bool
	id                           string
	state                        resource.PropertyMap
	inputs                       resource.PropertyMap
	dependencies, ignoreChanges  []string
	replaceOnChanges             []string
	additionalSecretOutputs      []string
	providers                    map[string]string
	protect, deleteBeforeReplace bool
}

func fromRegister(urn string, in resource.PropertyMap, rpc *pulumirpc.RegisterResourceRequest) registration {
	return registration{
		urn: urn, typ: rpc.GetType(), name: rpc.GetName(), parent: rpc.GetParent(), provider: rpc.GetProvider(),
		custom: rpc.GetCustom(), remote: rpc.GetRemote(), inputs: in,
		dependencies: rpc.GetDependencies(), ignoreChanges: rpc.GetIgnoreChanges(), replaceOnChanges: rpc.GetReplaceOnChanges(),
		additionalSecretOutputs: rpc.GetAdditionalSecretOutputs(), providers: rpc.GetProviders(),
		protect: rpc.GetProtect(), deleteBeforeReplace: rpc.GetDeleteBeforeReplace(),
	}
}

func fromRead(urn string, in resource.PropertyMap, rpc *pulumirpc.ReadResourceRequest) registration {
	return registration{
		urn: urn, typ: rpc.GetType(), name: rpc.GetName(), parent: rpc.GetParent(), provider: rpc.GetProvider(),
		custom: true, read: true, inputs: in, dependencies: rpc.GetDependencies(),
		additionalSecretOutputs: rpc.GetAdditionalSecretOutputs(),
	}
}

// mocks is the pulumi.MockResourceMonitor of one synth run. It records every registration,
// answers AWS resources and invokes through the AWS model, and answers StackReferences with the
// outputs of stacks synthesized before.
type mocks struct {
	project, stack string
	refs           map[string]StackOutputs // fully qualified stack name -> outputs
	aws            *awsModel
	// salt is added to every seed of a value drawn at random on creation; it differs per
	// generation (Options.Generation) and is empty for generation 0.
	salt string

	// ctx is the running program's context: remote components register the resources they
	// would create through it, so that references to those resources resolve.
	ctx *pulumi.Context

	mu        sync.Mutex
	regs      []registration
	providers map[string]string // aws provider URN -> its AWS region
	k8s       map[string]bool   // kubernetes provider URNs
	// standIns are resources the mocks register on behalf of a remote component (URN -> AWS
	// region): they are not the program's, so they stay out of the graph; the modelled child
	// they stand for takes their place (standInFor: stand-in URN -> modelled URN).
	standIns   map[string]string
	standInFor map[string]string
	modelled   []registration
	// answers holds what the mocks returned for each URN, stand-ins included.
	answers map[string]answer
	// knownClustersOnly refuses a Pod Identity association for a cluster that neither this
	// stack declares nor a stack it references exports (a component run alone is given names
	// of clusters it does not declare).
	knownClustersOnly bool
}

type answer struct {
	id    string
	state resource.PropertyMap
}

var _ pulumi.MockResourceMonitor = (*mocks)(nil)

func newMocks(project, stack string, refs map[string]StackOutputs, generation int) *mocks {
	salt := generationSalt(generation)
	return &mocks{project: project, stack: stack, refs: refs, aws: newAWSModel(salt), salt: salt, providers: map[string]string{},
		k8s: map[string]bool{}, standIns: map[string]string{}, standInFor: map[string]string{}, answers: map[string]answer{}}
}

// generationSalt distinguishes the random draws of one generation of a stack from another's.
func generationSalt(generation int) string {
	if generation == 0 {
		return ""
	}
	return fmt.Sprintf("#generation-%d", generation)
}

// seed is what the mocks hash for a value a provider draws at random when it creates urn.
func (m *mocks) seed(urn string) string { return urn + m.salt }

// urnOf computes the URN the mock monitor gives a resource.
func (m *mocks) urnOf(parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(m.stack), tokens.PackageName(m.project), parentType,
		tokens.Type(typ), name))
}

// providerURN strips the "::id" of a provider reference.
func providerURN(ref string) string {
	if i := strings.LastIndex(ref, "::"); i > 0 {
		return ref[:i]
	}
	return ref
}

func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	id, state, err := m.newResource(args)
	if err == nil {
		m.mu.Lock()
		m.answers[m.urnOfArgs(args)] = answer{id: id, state: state}
		m.mu.Unlock()
	}
	return id, state, err
}

func (m *mocks) urnOfArgs(args pulumi.MockResourceArgs) string {
	if args.RegisterRPC != nil {
		return m.urnOf(args.RegisterRPC.GetParent(), args.RegisterRPC.GetType(), args.RegisterRPC.GetName())
	}
	if args.ReadRPC != nil {
		return m.urnOf(args.ReadRPC.GetParent(), args.ReadRPC.GetType(), args.ReadRPC.GetName())
	}
	return ""
}

func (m *mocks) newResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	var reg registration
	switch {
	case args.RegisterRPC != nil:
		rpc := args.RegisterRPC
		reg = fromRegister(m.urnOf(rpc.GetParent(), rpc.GetType(), rpc.GetName()), args.Inputs, rpc)
	case args.ReadRPC != nil && args.TypeToken == "pulumi:pulumi:StackReference":
		rpc := args.ReadRPC
		reg = fromRead(m.urnOf(rpc.GetParent(), rpc.GetType(), rpc.GetName()), args.Inputs, rpc)
	default:
		return "", nil, fmt.Errorf("%s %s: reading existing resources (.Get) is not modelled by synth", args.TypeToken, args.Name)
	}
	urn := reg.urn
	m.mu.Lock()
	standInRegion, isStandIn := m.standIns[urn]
	if !isStandIn {
		m.regs = append(m.regs, reg)
	}
	m.mu.Unlock()
	if isStandIn {
		id, state := m.aws.state(args.TypeToken, args.Name, urn, standInRegion, args.Inputs)
		return id, state, nil
	}
	if args.TypeToken == "pulumi:pulumi:StackReference" {
		return m.stackReference(args)
	}

	switch {
	case args.TypeToken == "eks:index:Cluster":
		return m.eksCluster(reg, args.Inputs)
	case !args.Custom:
		// Component resources have no provider-side state; their outputs come from
		// RegisterResourceOutputs.
		return "", resource.PropertyMap{}, nil
	case args.TypeToken == "pulumi:providers:aws":
		region := str(args.Inputs, "region")
		if region == "" {
			return "", nil, fmt.Errorf("aws provider %s has no region", args.Name)
		}
		m.mu.Lock()
		m.providers[urn] = region
		m.mu.Unlock()
		return uuidOf(urn), args.Inputs, nil
	case args.TypeToken == "pulumi:providers:kubernetes":
		m.mu.Lock()
		m.k8s[urn] = true
		m.mu.Unlock()
		return uuidOf(urn), args.Inputs, nil
	case strings.HasPrefix(args.TypeToken, "pulumi:providers:"):
		return uuidOf(urn), args.Inputs, nil
	case strings.HasPrefix(args.TypeToken, "kubernetes:"):
		return m.kubernetesObject(args, urn)
	case args.TypeToken == "random:index/randomPassword:RandomPassword":
		return randomPassword(m.seed(urn), args.Inputs)
	case args.TypeToken == "random:index/randomId:RandomId":
		return randomID(m.seed(urn), args.Inputs)
	case strings.HasPrefix(args.TypeToken, "aws:"):
		region, err := m.regionOf(args.Provider, args.TypeToken+" "+args.Name)
		if err != nil {
			return "", nil, err
		}
		if err := m.checkAPI(reg, region); err != nil {
			return "", nil, err
		}
		id, state := m.aws.state(args.TypeToken, args.Name, urn, region, args.Inputs)
		return id, state, nil
	}
	return args.Name + "-" + hexOf(m.seed(urn), 8), args.Inputs, nil
}

// regionOf is the region of the explicit aws provider a resource or invoke uses. There is no
// default: the project disables Pulumi's default AWS provider, and synth fails the same way.
func (m *mocks) regionOf(providerRef, what string) (string, error) {
	urn := providerURN(providerRef)
	m.mu.Lock()
	region, ok := m.providers[urn]
	m.mu.Unlock()
	if !ok {
		return "", fmt.Errorf("%s uses no explicit aws provider (got %q); pass pulumi.Provider with the stack's "+
			"regional provider, the default provider is disabled", what, providerRef)
	}
	return region, nil
}

func (m *mocks) stackReference(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	name := str(args.Inputs, "name")
	outputs, ok := m.refs[name]
	if !ok {
		known := make([]string, 0, len(m.refs))
		for k := range m.refs {
			known = append(known, k)
		}
		return "", nil, fmt.Errorf("stack reference %q: that stack has not been synthesized (have %v)", name, known)
	}
	return name, resource.PropertyMap{
		"name":    resource.NewStringProperty(name),
		"outputs": resource.NewObjectProperty(outputs),
	}, nil
}

func (m *mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	if strings.HasPrefix(args.Token, "aws:") {
		region, err := m.regionOf(args.Provider, "invoke "+args.Token)
		if err != nil {
			return nil, err
		}
		if args.Token == "aws:secretsmanager/getSecretVersion:getSecretVersion" && m.ctx != nil && m.ctx.DryRun() {
			// Previews run with the read-only preview role (AWS ReadOnlyAccess), which may not
			// read secret values: a program that reads one at preview fails every PR's preview.
			return nil, fmt.Errorf("invoke %s during a preview: the preview role may not call secretsmanager:GetSecretValue "+
				"(AccessDeniedException); read secret values only when not ctx.DryRun()", args.Token)
		}
		return m.aws.invoke(args.Token, region, args.Args)
	}
	return nil, fmt.Errorf("the synth mocks have no answer for invoke %s", args.Token)
}

// registrations are the program's registrations and the modelled children of remote
// components, with what the mocks answered, and dependencies on a stand-in pointed at the
// modelled resource it stands for.
func (m *mocks) registrations() []registration {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]registration, 0, len(m.regs)+len(m.modelled))
	for _, r := range append(append([]registration(nil), m.regs...), m.modelled...) {
		if a, ok := m.answers[r.urn]; ok && !r.modelled {
			r.id, r.state = a.id, a.state
		}
		deps := make([]string, len(r.dependencies))
		for i, d := range r.dependencies {
			if to, ok := m.standInFor[d]; ok {
				d = to
			}
			deps[i] = d
		}
		r.dependencies = deps
		out = append(out, r)
	}
	return out
}

// MockPasswordPrefix starts every password the mocks generate, so that a test can search a
// synthesized graph for it: finding it anywhere means a secret leaked into plain text.
const MockPasswordPrefix = "mockpw"

// randomPassword answers random.RandomPassword with a deterministic value of the requested
// length, returned as a secret as the provider does. seed is the resource's URN plus the
// generation's salt.
func randomPassword(seed string, inputs resource.PropertyMap) (string, resource.PropertyMap, error) {
	length := 32
	if v, ok := inputs["length"]; ok && v.IsNumber() {
		length = int(v.NumberValue())
	}
	pw := MockPasswordPrefix + hexOf("password"+seed, length)
	if len(pw) > length && length >= len(MockPasswordPrefix) {
		pw = pw[:length]
	}
	state := inputs.Copy()
	state["result"] = resource.MakeSecret(resource.NewStringProperty(pw))
	state["bcryptHash"] = resource.MakeSecret(resource.NewStringProperty("$2a$10$" + hexOf("bcrypt"+seed, 53)))
	return hexOf(seed, 16), state, nil
}

// randomID answers random.RandomId as pulumi-random v4 does: byteLength random bytes (derived
// from seed here) as hex, standard and URL-safe base64 and a decimal number, each after the
// optional prefix; the id is the URL-safe base64 form without the prefix.
func randomID(seed string, inputs resource.PropertyMap) (string, resource.PropertyMap, error) {
	n := 0
	if v, ok := inputs["byteLength"]; ok && v.IsNumber() {
		n = int(v.NumberValue())
	}
	if n < 1 {
		return "", nil, fmt.Errorf("random.RandomId needs byteLength >= 1 (got %d)", n)
	}
	raw, err := hex.DecodeString(hexOf("randomid"+seed, 2*n))
	if err != nil {
		return "", nil, err
	}
	prefix := str(inputs, "prefix")
	urlSafe := base64.RawURLEncoding.EncodeToString(raw)
	state := inputs.Copy()
	state["hex"] = resource.NewStringProperty(prefix + hex.EncodeToString(raw))
	state["b64Std"] = resource.NewStringProperty(prefix + base64.StdEncoding.EncodeToString(raw))
	state["b64Url"] = resource.NewStringProperty(prefix + urlSafe)
	state["dec"] = resource.NewStringProperty(prefix + new(big.Int).SetBytes(raw).String())
	return urlSafe, state, nil
}

// kubernetesObject answers a Kubernetes object or Helm release. It must use an explicit
// kubernetes provider: the default one would deploy into whatever cluster the caller's
// kubeconfig points at.
func (m *mocks) kubernetesObject(args pulumi.MockResourceArgs, urn string) (string, resource.PropertyMap, error) {
	m.mu.Lock()
	explicit := m.k8s[providerURN(args.Provider)]
	m.mu.Unlock()
	if !explicit {
		return "", nil, fmt.Errorf("%s %s uses no explicit kubernetes provider (got %q); pass the cluster's provider", args.TypeToken, args.Name, args.Provider)
	}
	state := args.Inputs.Copy()
	name, namespace := args.Name, ""
	if md, ok := args.Inputs["metadata"]; ok && md.IsObject() {
		if n := str(md.ObjectValue(), "name"); n != "" {
			name = n
		}
		namespace = str(md.ObjectValue(), "namespace")
	}
	if args.TypeToken == "kubernetes:core/v1:Secret" && str(args.Inputs, "type") == "kubernetes.io/service-account-token" {
		// The token controller fills a service-account token Secret's data (the provider waits
		// for it): the token, the cluster CA and the namespace, base64 as in every Secret.
		token := "eyJhbGciOiJSUzI1NiJ9." + hexOf("token"+m.seed(urn), 32) + ".signature"
		state["data"] = resource.MakeSecret(resource.NewObjectProperty(resource.NewPropertyMapFromMap(map[string]any{
			"token":     base64.StdEncoding.EncodeToString([]byte(token)),
			"namespace": base64.StdEncoding.EncodeToString([]byte(namespace)),
		})))
	}
	if args.TypeToken == "kubernetes:helm.sh/v3:Release" {
		name, namespace = str(args.Inputs, "name"), str(args.Inputs, "namespace")
		state["status"] = resource.NewObjectProperty(resource.NewPropertyMapFromMap(map[string]any{
			"name": name, "namespace": namespace, "status": "deployed", "revision": 1,
			"chart": str(args.Inputs, "chart"), "version": str(args.Inputs, "version"),
		}))
	}
	if namespace != "" {
		return namespace + "/" + name, state, nil
	}
	return name, state, nil
}

// eksCluster answers pulumi-eks's remote Cluster component. Under mocks a remote component has
// no children, and its outputs are whatever the mock returns; resource-typed outputs must refer
// to resources the monitor knows. So the mock registers the underlying aws:eks/cluster:Cluster
// (a stand-in, kept out of the graph) and returns a reference to it, with the kubeconfig and
// OIDC outputs pulumi-eks would produce.
func (m *mocks) eksCluster(reg registration, inputs resource.PropertyMap) (string, resource.PropertyMap, error) {
	region, err := m.regionOf(reg.providers["aws"], "eks:index:Cluster "+reg.name)
	if err != nil {
		return "", nil, err
	}
	name := str(inputs, "name")
	if name == "" {
		name = autoName(reg.name, m.seed(reg.urn))
	}
	standInName := reg.name + "-eksCluster"
	standInURN := m.urnOf("", "aws:eks/cluster:Cluster", standInName)
	m.mu.Lock()
	m.standIns[standInURN] = region
	m.mu.Unlock()
	var cluster pulumi.CustomResourceState
	if err := m.ctx.RegisterResource("aws:eks/cluster:Cluster", standInName, pulumi.Map{
		"name":    pulumi.String(name),
		"version": pulumi.String(str(inputs, "version")),
	}, &cluster); err != nil {
		return "", nil, err
	}
	idResult, err := internals.UnsafeAwaitOutput(context.Background(), cluster.ID())
	if err != nil {
		return "", nil, err
	}
	id := fmt.Sprint(idResult.Value)
	host := strings.ToUpper(hexOf("eks"+m.seed(reg.urn), 32))
	endpoint := fmt.Sprintf("https://%s.gr7.%s.eks.amazonaws.com", host, region)
	issuer := fmt.Sprintf("oidc.eks.%s.amazonaws.com/id/%s", region, host)

	m.mu.Lock()
	standIn := m.answers[standInURN]
	m.mu.Unlock()
	children, err := modelEKSCluster(reg, name, "https://"+issuer, standIn, m.salt)
	if err != nil {
		return "", nil, err
	}
	m.mu.Lock()
	for _, c := range children {
		if c.typ == "aws:eks/cluster:Cluster" {
			m.standInFor[standInURN] = c.urn
		}
	}
	m.modelled = append(m.modelled, children...)
	m.mu.Unlock()
	kubeconfig := map[string]any{
		"apiVersion": "v1", "kind": "Config", "current-context": "aws",
		"clusters": []any{map[string]any{"name": "kubernetes", "cluster": map[string]any{
			"server": endpoint, "certificate-authority-data": mockCertificate(region)}}},
		"contexts": []any{map[string]any{"name": "aws", "context": map[string]any{"cluster": "kubernetes", "user": "aws"}}},
		"users": []any{map[string]any{"name": "aws", "user": map[string]any{"exec": map[string]any{
			"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "aws",
			"args": []any{"eks", "get-token", "--cluster-name", name, "--region", region}}}}},
	}
	kubeconfigJSON, err := json.Marshal(kubeconfig)
	if err != nil {
		return "", nil, err
	}
	return "", resource.PropertyMap{
		"eksCluster":             resource.MakeCustomResourceReference(resource.URN(standInURN), resource.ID(id), ""),
		"kubeconfig":             resource.NewPropertyValue(kubeconfig),
		"kubeconfigJson":         resource.NewStringProperty(string(kubeconfigJSON)),
		"oidcProviderArn":        resource.NewStringProperty(fmt.Sprintf("arn:aws:iam::%s:oidc-provider/%s", Account, issuer)),
		"oidcProviderUrl":        resource.NewStringProperty(issuer),
		"oidcIssuer":             resource.NewStringProperty("https://" + issuer),
		"clusterSecurityGroupId": resource.NewStringProperty("sg-0" + hexOf("cluster-sg"+m.seed(reg.urn), 16)),
	}, nil
}

// mockCertificate is a fixed base64 stand-in for a cluster CA: shaped like one, signs nothing.
func mockCertificate(region string) string {
	return base64.StdEncoding.EncodeToString([]byte("-----BEGIN CERTIFICATE-----\nmock CA of " + region + "\n-----END CERTIFICATE-----\n"))
}
