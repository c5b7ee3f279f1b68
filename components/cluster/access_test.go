package cluster_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-eks/sdk/v3/go/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/cluster"
	"github.com/global-sovereign/global-sovereign/internal/graphtest"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

// Removing, reordering or moving a role between lists keeps every other principal's entry key:
// a key that moved to another principal is a replacement EKS refuses (ResourceInUseException).
func TestAccessEntryKeysFollowThePrincipal(t *testing.T) {
	const a, b, c = "arn:aws:iam::111111111111:role/alice", "arn:aws:iam::111111111111:role/ops/bob", "arn:aws:iam::111111111111:role/carol"
	const other = "arn:aws:iam::222222222222:role/alice"
	keys := func(admins, viewers, auditors []string) map[string]string {
		out := map[string]string{}
		for _, g := range cluster.Grants(admins, viewers, auditors, "A", "V", "D") {
			out[g.PrincipalArn] = fmt.Sprint(g.Key, slices.Sorted(func(yield func(string) bool) {
				for k := range g.Policies {
					if !yield(k + "=" + g.Policies[k]) {
						return
					}
				}
			}))
		}
		return out
	}
	for _, tt := range []struct {
		name                    string
		admins, viewers, audits []string
		want                    map[string]string
	}{
		{"two admins", []string{a, b}, nil, nil, map[string]string{a: "111111111111-alice[cluster-admin=A]", b: "111111111111-bob[cluster-admin=A]"}},
		{"first removed", []string{b}, nil, nil, map[string]string{b: "111111111111-bob[cluster-admin=A]"}},
		{"reordered", []string{b, a}, nil, nil, map[string]string{a: "111111111111-alice[cluster-admin=A]", b: "111111111111-bob[cluster-admin=A]"}},
		{"moved to viewers", []string{b}, []string{a}, nil, map[string]string{a: "111111111111-alice[admin-view=V]", b: "111111111111-bob[cluster-admin=A]"}},
		{"in two lists", []string{a}, nil, []string{a, c}, map[string]string{a: "111111111111-alice[audit=D cluster-admin=A]", c: "111111111111-carol[audit=D]"}},
		{"same name, two accounts", []string{a}, nil, []string{other},
			map[string]string{a: "111111111111-alice[cluster-admin=A]", other: "222222222222-alice[audit=D]"}},
		// A role of the same name in another account comes and goes: the first role's key stays.
		{"same name in another account removed", []string{a}, nil, nil, map[string]string{a: "111111111111-alice[cluster-admin=A]"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := keys(tt.admins, tt.viewers, tt.audits); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// A stack deployed before keeps its entries: each new resource aliases the URN pulumi-eks gave
// the same principal (by list index), so the first `up` renames
// them in the state instead of replacing every one.
func TestAccessEntryLegacyAliases(t *testing.T) {
	const comp = "urn:pulumi:prod::gs::sovereign:cluster:Cluster$eks:index:Cluster::gs-ams-eks"
	gs := cluster.Grants([]string{"arn:aws:iam::1:role/x", "arn:aws:iam::1:role/y"}, []string{"arn:aws:iam::1:role/p"}, nil, "A", "V", "D")
	var got []string
	for _, g := range gs {
		for _, l := range g.Legacy {
			got = append(got, g.Key+" "+cluster.LegacyURN(comp, "gs-ams-eks", l.Key, ""), g.Key+" "+cluster.LegacyURN(comp, "gs-ams-eks", l.Key, l.Association))
		}
	}
	const pre = "urn:pulumi:prod::gs::sovereign:cluster:Cluster$eks:index:Cluster$aws:eks/accessEntry:AccessEntry"
	want := []string{
		"1-p " + pre + "::gs-ams-eks-viewer-0", "1-p " + pre + "$aws:eks/accessPolicyAssociation:AccessPolicyAssociation::gs-ams-eks-viewer-0-admin-view",
		"1-x " + pre + "::gs-ams-eks-admin-0", "1-x " + pre + "$aws:eks/accessPolicyAssociation:AccessPolicyAssociation::gs-ams-eks-admin-0-cluster-admin",
		"1-y " + pre + "::gs-ams-eks-admin-1", "1-y " + pre + "$aws:eks/accessPolicyAssociation:AccessPolicyAssociation::gs-ams-eks-admin-1-cluster-admin",
	}
	if !slices.Equal(got, want) {
		t.Errorf("legacy URNs\n got %q\nwant %q", got, want)
	}
}

// The legacy URNs are the ones pulumi-eks gives entries passed as accessEntries, as the model of
// its source (pkg/synth/eksmodel.go, pulumi-eks v3.9.1) registers them.
func TestLegacyURNsMatchPulumiEKS(t *testing.T) {
	prog := func(ctx *pulumi.Context) error {
		mode := eks.AuthenticationModeApi
		p, err := aws.NewProvider(ctx, "eu-west-1", &aws.ProviderArgs{Region: pulumi.String("eu-west-1")})
		if err != nil {
			return err
		}
		_, err = eks.NewCluster(ctx, "gs-ams-eks", &eks.ClusterArgs{
			SkipDefaultNodeGroup: pulumi.BoolRef(true),
			AuthenticationMode:   &mode,
			AccessEntries: map[string]eks.AccessEntryArgs{"admin-0": {
				PrincipalArn: pulumi.String("arn:aws:iam::1:role/x"),
				AccessPolicies: map[string]eks.AccessPolicyAssociationInput{"cluster-admin": eks.AccessPolicyAssociationArgs{
					PolicyArn:   pulumi.String("arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"),
					AccessScope: awseks.AccessPolicyAssociationAccessScopeArgs{Type: pulumi.String("cluster")},
				}},
			}},
		}, pulumi.Providers(p))
		return err
	}
	r, err := synth.Run(prog, "test", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	comp := graphtest.One(t, r.Graph, "eks:index:Cluster")
	entries := r.Graph.ModelledByType("aws:eks/accessEntry:AccessEntry")
	assocs := r.Graph.ModelledByType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
	if len(entries) != 1 || len(assocs) != 1 {
		t.Fatalf("modelled %d entries, %d associations", len(entries), len(assocs))
	}
	if want := cluster.LegacyURN(comp.URN, "gs-ams-eks", "admin-0", ""); entries[0].URN != want {
		t.Errorf("entry URN %s, LegacyURN %s", entries[0].URN, want)
	}
	if want := cluster.LegacyURN(comp.URN, "gs-ams-eks", "admin-0", "cluster-admin"); assocs[0].URN != want {
		t.Errorf("association URN %s, LegacyURN %s", assocs[0].URN, want)
	}
}
