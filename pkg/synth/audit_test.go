package synth

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-eks/sdk/v3/go/eks"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// shape is one way of declaring a small cluster; the tests below feed the audit the shapes the
// project once had (each a defect a real deploy would hit) and the shapes it has now.
type shape struct {
	plainClusterName   bool // the Pod Identity association names the cluster with a string
	providerWaitsNodes bool // the Kubernetes provider waits for node groups and CoreDNS
	ownVpcCni          bool // the project declares a vpc-cni add-on beside pulumi-eks's
	useDefaultVpcCni   bool // pulumi-eks is told not to install its own
	inComponent        bool // everything but the provider sits in one component, as in the program
}

func clusterProgram(s shape) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		p, err := awsProvider(ctx, "eu-west-1")
		if err != nil {
			return err
		}
		// Siblings in a component are not ordered by it: the audit must not think so.
		var parent []pulumi.ResourceOption
		if s.inComponent {
			var box pulumi.ResourceState
			if err := ctx.RegisterComponentResource("test:index:Box", "box", &box, pulumi.Providers(p)); err != nil {
				return err
			}
			parent = []pulumi.ResourceOption{pulumi.Parent(&box)}
		}
		in := func(opts ...pulumi.ResourceOption) []pulumi.ResourceOption { return append(opts, parent...) }
		mode := eks.AuthenticationModeApi
		cl, err := eks.NewCluster(ctx, "c-eks", &eks.ClusterArgs{
			Name: pulumi.String("gs-test"), Version: pulumi.String("1.33"), SkipDefaultNodeGroup: pulumi.BoolRef(true),
			AuthenticationMode: &mode, CreateOidcProvider: pulumi.Bool(true),
			UseDefaultVpcCni: pulumi.BoolRef(s.useDefaultVpcCni), SkipDefaultSecurityGroups: pulumi.BoolRef(true),
		}, in(pulumi.Providers(p))...)
		if err != nil {
			return err
		}
		name := cl.EksCluster.Name()
		group, err := custom(ctx, "aws:eks/nodeGroup:NodeGroup", "c-ng", pulumi.Map{"clusterName": name}, in(pulumi.Provider(p))...)
		if err != nil {
			return err
		}
		coredns, err := awseks.NewAddon(ctx, "c-coredns", &awseks.AddonArgs{ClusterName: name, AddonName: pulumi.String("coredns")},
			in(pulumi.Provider(p), pulumi.DependsOn([]pulumi.Resource{group}))...)
		if err != nil {
			return err
		}
		agent, err := awseks.NewAddon(ctx, "c-agent", &awseks.AddonArgs{ClusterName: name, AddonName: pulumi.String("eks-pod-identity-agent")},
			in(pulumi.Provider(p), pulumi.DependsOn([]pulumi.Resource{group}))...)
		if err != nil {
			return err
		}
		if s.ownVpcCni {
			if _, err := awseks.NewAddon(ctx, "c-vpc-cni", &awseks.AddonArgs{ClusterName: name, AddonName: pulumi.String("vpc-cni")},
				in(pulumi.Provider(p))...); err != nil {
				return err
			}
		}
		clusterName := pulumi.StringInput(name)
		if s.plainClusterName {
			clusterName = pulumi.String("gs-test")
		}
		assoc, err := awseks.NewPodIdentityAssociation(ctx, "c-assoc", &awseks.PodIdentityAssociationArgs{
			ClusterName: clusterName, Namespace: pulumi.String("kube-system"), ServiceAccount: pulumi.String("sa"),
			RoleArn: pulumi.String("arn:aws:iam::123456789012:role/r"),
		}, in(pulumi.Provider(p))...)
		if err != nil {
			return err
		}
		var wait []pulumi.Resource
		if s.providerWaitsNodes {
			wait = []pulumi.Resource{group, coredns, agent}
		}
		k8s, err := kubernetes.NewProvider(ctx, "c-k8s", &kubernetes.ProviderArgs{Kubeconfig: cl.KubeconfigJson}, in(pulumi.DependsOn(wait))...)
		if err != nil {
			return err
		}
		_, err = helmv3.NewRelease(ctx, "c-release", &helmv3.ReleaseArgs{Chart: pulumi.String("x"), Version: pulumi.String("1.0.0"),
			Namespace: pulumi.String("kube-system")}, in(pulumi.Provider(k8s), pulumi.DependsOn([]pulumi.Resource{assoc}))...)
		return err
	}
}

func auditShape(t *testing.T, s shape) []Violation {
	t.Helper()
	r, err := Run(clusterProgram(s), "test", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return Audit(r.Graph)
}

func findViolation(vs []Violation, rule, holderSuffix string) *Violation {
	for i, v := range vs {
		if v.Rule == rule && strings.HasSuffix(v.Holder, holderSuffix) {
			return &vs[i]
		}
	}
	return nil
}

var fixed = shape{providerWaitsNodes: true}

// layouts runs a check at the root and inside a component.
func layouts(t *testing.T, s shape, check func(t *testing.T, s shape)) {
	for _, inComponent := range []bool{false, true} {
		s.inComponent = inComponent
		t.Run(map[bool]string{false: "root", true: "in-component"}[inComponent], func(t *testing.T) { check(t, s) })
	}
}

func TestAuditPassesTheFixedShape(t *testing.T) {
	layouts(t, fixed, func(t *testing.T, s shape) {
		if vs := auditShape(t, s); len(vs) > 0 {
			t.Fatalf("violations in the fixed shape:\n%v", vs)
		}
	})
}

// The shapes the project once had, each a defect a real deploy would hit, at the root and
// inside a component: defect 1, a name given as a string carries no dependency; defect 2, a
// release whose provider waits for the cluster but for no node group.
func TestAuditCatchesOldShapes(t *testing.T) {
	for _, tc := range []struct {
		name         string
		old          func(*shape)
		rule, holder string
		want         []string // in the path and message
	}{
		{"plain cluster name", func(s *shape) { s.plainClusterName = true }, "order", "::c-assoc",
			[]string{"clusterName", "aws:eks/cluster:Cluster::c-eks-eksCluster"}},
		{"pods without nodes", func(s *shape) { s.providerWaitsNodes = false }, "pods-need-nodes", "::c-release",
			[]string{"a node group", "coredns", "eks-pod-identity-agent"}},
	} {
		old := fixed
		tc.old(&old)
		t.Run(tc.name, func(t *testing.T) {
			layouts(t, old, func(t *testing.T, s shape) {
				vs := auditShape(t, s)
				v := findViolation(vs, tc.rule, tc.holder)
				if v == nil {
					t.Fatalf("not caught: %v", vs)
				}
				for _, w := range tc.want {
					if !strings.Contains(v.Path+" "+v.Msg, w) {
						t.Errorf("%s does not mention %q", v, w)
					}
				}
			})
		})
	}
}

// Defect 3: a second vpc-cni add-on beside the one pulumi-eks installs.
func TestAuditCatchesWhatTheRemoteComponentCreates(t *testing.T) {
	old := fixed
	old.ownVpcCni = true
	v := findViolation(auditShape(t, old), "duplicate", "::c-vpc-cni")
	if v == nil || !strings.HasSuffix(v.Target, "eks:index:VpcCniAddon$aws:eks/addon:Addon::c-eks-vpc-cni") {
		t.Fatalf("the duplicate vpc-cni is not caught: %+v", v)
	}
	// Owning it the other way round (pulumi-eks told to leave it) is fine.
	other := old
	other.useDefaultVpcCni = true
	if vs := auditShape(t, other); len(vs) > 0 {
		t.Errorf("own vpc-cni with useDefaultVpcCni: %v", vs)
	}
}

// The model lists what pulumi-eks v3.9.1 creates for these arguments, marked modelled.
func TestEKSModel(t *testing.T) {
	r, err := Run(clusterProgram(fixed), "test", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, res := range r.Graph.Resources {
		if res.Modelled {
			got[res.Type+"::"+res.Name] = true
		}
	}
	for _, want := range []string{
		"eks:index:ServiceRole::c-eks-eksRole", "aws:iam/role:Role::c-eks-eksRole-role",
		"aws:iam/rolePolicyAttachment:RolePolicyAttachment::c-eks-eksRole-4b490823",
		"aws:eks/cluster:Cluster::c-eks-eksCluster", "aws:eks/addon:Addon::c-eks-kube-proxy", "aws:eks/addon:Addon::c-eks-vpc-cni",
		"pulumi:providers:kubernetes::c-eks-eks-k8s", "aws:iam/openIdConnectProvider:OpenIdConnectProvider::c-eks-oidcProvider",
	} {
		if !got[want] {
			t.Errorf("model lacks %s; has %v", want, got)
		}
	}
	for _, absent := range []string{"aws:ec2/securityGroup:SecurityGroup::c-eks-nodeSecurityGroup", "aws:eks/addon:Addon::c-eks-coredns",
		"kubernetes:core/v1:ConfigMap::c-eks-nodeAccess"} {
		if got[absent] {
			t.Errorf("model has %s, which pulumi-eks does not create for these arguments", absent)
		}
	}
	// The node group's dependency on the cluster points at the modelled cluster.
	ng := r.Graph.ByType("aws:eks/nodeGroup:NodeGroup")[0]
	if !slices.Contains(ng.DependsOn, "urn:pulumi:test::global-sovereign::eks:index:Cluster$aws:eks/cluster:Cluster::c-eks-eksCluster") {
		t.Errorf("node group depends on %v", ng.DependsOn)
	}
}

// The model was read from one pulumi-eks release: bumping go.mod needs a new reading.
func TestEKSModelMatchesGoMod(t *testing.T) {
	gomod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`github\.com/pulumi/pulumi-eks/sdk/v3 (v[0-9.]+)`).FindSubmatch(gomod)
	if m == nil || string(m[1]) != EKSModelVersion {
		t.Fatalf("go.mod pins pulumi-eks %s, the synth model was read from %s: re-read nodejs/eks at the new tag and update eksmodel.go", m, EKSModelVersion)
	}
}
