package cluster_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/cluster"
	"github.com/global-sovereign/global-sovereign/internal/graphtest"
	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
	"github.com/global-sovereign/global-sovereign/pkg/scope"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

const (
	tKey          = "aws:kms/key:Key"
	tEKS          = "eks:index:Cluster"
	tRole         = "aws:iam/role:Role"
	tAttachment   = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	tTemplate     = "aws:ec2/launchTemplate:LaunchTemplate"
	tNodeGroup    = "aws:eks/nodeGroup:NodeGroup"
	tAddon        = "aws:eks/addon:Addon"
	tK8sProvider  = "pulumi:providers:kubernetes"
	tStorageClass = "kubernetes:storage.k8s.io/v1:StorageClass"
	tSG           = "aws:ec2/securityGroup:SecurityGroup"
)

var (
	ams = scope.Scope{Partition: "aws", AccountID: "111122223333", Region: "eu-west-1", Protect: true}
	gov = scope.Scope{Partition: "aws-us-gov", AccountID: "444455556666", Region: "us-gov-west-1", Protect: true}

	general = cluster.NodeGroupArgs{Name: "general-2xlarge", Kind: cluster.KindGeneral, InstanceTypes: []string{"m5.2xlarge"}, CapacityType: "ON_DEMAND",
		MinSize: 3, DesiredSize: 5, MaxSize: 20, DiskSizeGiB: 100, Labels: map[string]string{"workload": "general"}}
	batch = cluster.NodeGroupArgs{Name: "batch", Kind: cluster.KindSpot, InstanceTypes: []string{"m5.large", "m5a.large", "m6i.large"}, CapacityType: "SPOT",
		MinSize: 2, DesiredSize: 5, MaxSize: 50, DiskSizeGiB: 50, Labels: map[string]string{"workload": "batch"},
		Taints: []cluster.Taint{{Key: "batch", Value: "true", Effect: "NO_SCHEDULE"}}}
)

// fixture is the cluster's Args without what only the run can make: the regional provider, the
// office security group (declared when office is set) and the probe.
type fixture struct {
	scope      scope.Scope
	version    string
	noVPC      bool
	noSubnets  bool
	noProvider bool
	office     bool
	public     []string
	admins     []string
	viewers    []string
	groups     []cluster.NodeGroupArgs
	probe      cluster.APIProbe
	ami        string
	addons     map[string]string // nil: addonVersions
}

// addonVersions are the 1.33 row of the config's table.
var addonVersions = map[string]string{
	cluster.AddonVPCCNI: "v1.20.1-eksbuild.3", cluster.AddonKubeProxy: "v1.33.10-eksbuild.2", cluster.AddonCoreDNS: "v1.12.4-eksbuild.18",
	cluster.AddonPodIdentityAgent: "v1.3.9-eksbuild.1", cluster.AddonEBSCSIDriver: "v1.47.0-eksbuild.1",
}

func valid(s scope.Scope, groups ...cluster.NodeGroupArgs) fixture {
	return fixture{scope: s, version: "1.33", office: true, public: []string{"178.162.141.130/32", "165.90.14.138/32"},
		admins:  []string{"arn:" + s.Partition + ":iam::" + s.AccountID + ":role/platform-admin"},
		viewers: []string{"arn:" + s.Partition + ":iam::" + s.AccountID + ":role/preview"}, groups: groups}
}

var subnets = []string{"subnet-0a", "subnet-0b", "subnet-0c"}

func synthCluster(f fixture) (*synth.Graph, error) {
	r, err := synth.RunComponent(f.scope.Region, func(ctx *pulumi.Context, p pulumi.ProviderResource) error {
		a := &cluster.Args{
			Scope: f.scope, AWSProvider: p, KubernetesVersion: f.version, AddonVersions: addonVersions,
			ControlPlaneLogRetentionDays: 90, AMIReleaseVersion: f.ami,
			VpcID: pulumi.String("vpc-0123"), PrivateSubnetIDs: pulumi.ToStringArray(subnets),
			PublicAccessCIDRs: f.public, AdminRoleArns: f.admins, ViewerRoleArns: f.viewers, NodeGroups: f.groups, Probe: f.probe,
		}
		if f.noProvider {
			a.AWSProvider = nil
		}
		if f.addons != nil {
			a.AddonVersions = f.addons
		}
		if f.noVPC {
			a.VpcID = nil
		}
		if f.noSubnets {
			a.PrivateSubnetIDs = nil
		}
		if f.office {
			sg, err := ec2.NewSecurityGroup(ctx, "office", &ec2.SecurityGroupArgs{VpcId: pulumi.String("vpc-0123")}, pulumi.Provider(p))
			if err != nil {
				return err
			}
			a.OfficeSecurityGroup = sg
		}
		c, err := cluster.New(ctx, "gs-test", a, pulumi.Provider(p))
		if err != nil {
			return err
		}
		ctx.Export("name", c.Name)
		ctx.Export("endpoint", c.Endpoint)
		ctx.Export("certificateAuthority", c.CertificateAuthority)
		ctx.Export("kubeconfig", c.Kubeconfig)
		ctx.Export("oidcProviderArn", c.OIDCProviderArn)
		ctx.Export("keyArn", c.KeyArn)
		ctx.Export("securityGroupId", c.SecurityGroupID)
		asgs := pulumi.StringMap{}
		for _, g := range c.NodeGroups {
			asgs[g.Name] = g.AsgName
		}
		ctx.Export("asgNames", asgs)
		return nil
	})
	if r == nil {
		return nil, err
	}
	return r.Graph, err
}

func TestCluster(t *testing.T) {
	tests := []struct {
		name string
		f    fixture
		// the access policies and node policies the partition makes
		admin, view, nodePolicy, csiPolicy string
	}{
		{
			name:  "two groups, office and public endpoint, protected",
			f:     valid(ams, general, batch),
			admin: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", view: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
			nodePolicy: "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", csiPolicy: "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
		},
		{
			name: "one group, private endpoint only, no office, unprotected",
			f: func() fixture {
				f := valid(scope.Scope{Partition: "aws", AccountID: "111122223333", Region: "us-west-1"}, general)
				f.office, f.public, f.viewers = false, nil, nil
				return f
			}(),
			admin: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", view: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
			nodePolicy: "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", csiPolicy: "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
		},
		{
			name:  "GovCloud",
			f:     valid(gov, general, batch),
			admin: "arn:aws-us-gov:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", view: "arn:aws-us-gov:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
			nodePolicy: "arn:aws-us-gov:iam::aws:policy/AmazonEKSWorkerNodePolicy", csiPolicy: "arn:aws-us-gov:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.f
			var probed []string
			var mu sync.Mutex
			f.probe = func(_ context.Context, endpoint string) error {
				mu.Lock()
				defer mu.Unlock()
				probed = append(probed, endpoint)
				return nil
			}
			g, err := synthCluster(f)
			if err != nil {
				t.Fatal(err)
			}
			provider, k8s := synth.ProviderName(f.scope.Region), "gs-test-k8s"
			for _, p := range synth.ChildProblems(g, cluster.Type, func(r synth.Resource) string {
				if strings.HasPrefix(r.Type, "kubernetes:") {
					return k8s
				}
				return provider
			}, "office") {
				t.Error(p)
			}
			// Pulumi can create the graph in the order it will: the deploy-order audit of the
			// component alone (pods after nodes, no resource pulumi-eks also creates).
			if v := synth.Audit(g); len(v) > 0 {
				t.Errorf("deploy-order audit:\n%s", synth.FormatViolations(v))
			}
			n := len(f.groups)
			counts := map[string]int{tKey: 1, tEKS: 1, tRole: n + 1, tAttachment: 4*n + 1, tTemplate: n, tNodeGroup: n, tAddon: 3,
				tK8sProvider: 1, tStorageClass: 1}
			for typ, want := range counts {
				if got := len(g.ByType(typ)); got != want {
					t.Errorf("%d %s, want %d", got, typ, want)
				}
			}

			// The control plane through pulumi-eks, on the regional provider.
			key := graphtest.One(t, g, tKey)
			keyArn := key.State["arn"].(string)
			if key.Protect != f.scope.Protect {
				t.Errorf("key protect %v", key.Protect)
			}
			eks := graphtest.One(t, g, tEKS)
			in := eks.Inputs
			if !strings.HasSuffix(eks.Providers["aws"], "::"+provider) {
				t.Errorf("pulumi-eks gets providers %v, want %s", eks.Providers, provider)
			}
			for k, want := range map[string]any{
				"name": "gs-test", "version": f.version, "vpcId": "vpc-0123", "skipDefaultNodeGroup": true, "authenticationMode": "API",
				"encryptionConfigKeyArn": keyArn, "endpointPrivateAccess": true, "endpointPublicAccess": len(f.public) > 0,
				"createOidcProvider": true, "nodeAssociatePublicIpAddress": false, "skipDefaultSecurityGroups": true,
			} {
				if in[k] != want {
					t.Errorf("eks cluster %s = %v, want %v", k, in[k], want)
				}
			}
			if in["corednsAddonOptions"].(map[string]any)["enabled"] != false {
				t.Errorf("pulumi-eks would install CoreDNS too: %v", in["corednsAddonOptions"])
			}
			// Without the VPC CNI's network policy agent no NetworkPolicy is enforced.
			if cni, _ := in["vpcCniOptions"].(map[string]any); cni["enableNetworkPolicy"] != true {
				t.Errorf("the VPC CNI does not enforce network policies: %v", in["vpcCniOptions"])
			}
			if !slices.Equal(graphtest.Strings(in["enabledClusterLogTypes"]), cluster.ControlPlaneLogs) || !slices.Equal(graphtest.Strings(in["privateSubnetIds"]), subnets) {
				t.Errorf("logs %v subnets %v", in["enabledClusterLogTypes"], in["privateSubnetIds"])
			}
			if len(f.public) > 0 && !slices.Equal(graphtest.Strings(in["publicAccessCidrs"]), f.public) || len(f.public) == 0 && in["publicAccessCidrs"] != nil {
				t.Errorf("public endpoint open to %v, want %v", in["publicAccessCidrs"], f.public)
			}
			if office, ok := g.Named(tSG, "office"); f.office != ok || ok && fmt.Sprint(in["clusterSecurityGroup"]) != fmt.Sprint(map[string]any{"urn": office.URN}) {
				t.Errorf("cluster security group %v (office %v)", in["clusterSecurityGroup"], f.office)
			}
			if in["accessEntries"] != nil {
				t.Errorf("pulumi-eks keys access entries by its map key: %v", in["accessEntries"])
			}
			if n := len(g.ByType("aws:eks/accessEntry:AccessEntry")); n != len(f.admins)+len(f.viewers) {
				t.Errorf("%d access entries, want %d", n, len(f.admins)+len(f.viewers))
			}
			for _, arn := range f.admins {
				checkEntry(t, g, arn, cluster.AssociationAdmin, tt.admin)
			}
			for _, arn := range f.viewers {
				checkEntry(t, g, arn, cluster.AssociationViewer, tt.view)
			}

			// Node groups: own role with the partition's node policies, IMDSv2 hop limit 1,
			// encrypted gp3 root, the autoscaler owning the desired size.
			clusterName := g.Outputs["name"]
			for _, want := range f.groups {
				checkNodeGroup(t, g, want, clusterName, tt.nodePolicy)
			}

			// Add-ons after the node groups; the CSI driver after the Pod Identity agent too,
			// with its own role holding the partition's policy.
			// The general groups gate the add-ons and the provider; the spot group does not.
			var groupURNs []string
			for _, ng := range g.ByType(tNodeGroup) {
				if !strings.HasSuffix(ng.Name, "-ng-batch") {
					groupURNs = append(groupURNs, ng.URN)
				}
			}
			addons := map[string]synth.Resource{}
			for _, ad := range g.ByType(tAddon) {
				addons[ad.Inputs["addonName"].(string)] = ad
				if ad.Inputs["clusterName"] != clusterName {
					t.Errorf("add-on %s on cluster %v", ad.Name, ad.Inputs["clusterName"])
				}
				for _, u := range groupURNs {
					if !slices.Contains(ad.DependsOn, u) {
						t.Errorf("add-on %s does not wait for %s", ad.Name, u)
					}
				}
			}
			ebs, ok := addons["aws-ebs-csi-driver"]
			if !ok || addons["coredns"].URN == "" || addons["eks-pod-identity-agent"].URN == "" {
				t.Fatalf("add-ons %v", addons)
			}
			if !slices.Contains(ebs.DependsOn, addons["eks-pod-identity-agent"].URN) {
				t.Errorf("the CSI driver does not wait for the Pod Identity agent")
			}
			csiRole, _ := g.Named(tRole, "gs-test-ebs-csi")
			csiAttach, _ := g.Named(tAttachment, "gs-test-ebs-csi")
			// The driver's controller calls EC2 as soon as it starts: its role's policy is
			// attached first, not raced (the add-on only references the role).
			if !slices.Contains(ebs.DependsOn, csiAttach.URN) {
				t.Errorf("the CSI driver does not wait for its role's policy attachment")
			}
			pia := ebs.Inputs["podIdentityAssociations"].([]any)
			if len(pia) != 1 || pia[0].(map[string]any)["roleArn"] != csiRole.State["arn"] ||
				pia[0].(map[string]any)["serviceAccount"] != "ebs-csi-controller-sa" || csiAttach.Inputs["policyArn"] != tt.csiPolicy {
				t.Errorf("CSI driver identity %v, policy %v", pia, csiAttach.Inputs["policyArn"])
			}
			if trust := csiRole.Inputs["assumeRolePolicy"]; trust != cluster.PodIdentityTrust(f.scope.AccountID, ebs.Inputs["clusterName"].(string), "kube-system", cluster.EBSCSIServiceAccount).JSON() {
				t.Errorf("CSI role trust %v", trust)
			}

			// The Kubernetes provider waits for nodes, CoreDNS and the agent; the default
			// StorageClass goes through it after the CSI driver.
			kp := graphtest.One(t, g, tK8sProvider)
			for _, u := range append(groupURNs, addons["coredns"].URN, addons["eks-pod-identity-agent"].URN) {
				if !slices.Contains(kp.DependsOn, u) {
					t.Errorf("the Kubernetes provider does not wait for %s", u)
				}
			}
			if kp.Inputs["kubeconfig"] != synth.SecretMarker {
				t.Errorf("kubeconfig in plain text")
			}
			// Volumes outlive their claims where stateful resources are protected; a throwaway
			// stack's destroy does not leave them behind.
			reclaim := map[bool]string{true: "Retain", false: "Delete"}[f.scope.Protect]
			sc := graphtest.One(t, g, tStorageClass)
			if !slices.Contains(sc.DependsOn, ebs.URN) || sc.Inputs["volumeBindingMode"] != "WaitForFirstConsumer" ||
				sc.Inputs["reclaimPolicy"] != reclaim || sc.Inputs["provisioner"] != "ebs.csi.aws.com" ||
				sc.Inputs["parameters"].(map[string]any)["encrypted"] != "true" || sc.Inputs["parameters"].(map[string]any)["type"] != "gp3" {
				t.Errorf("storage class %v depends on %v", sc.Inputs, sc.DependsOn)
			}
			// reclaimPolicy and volumeBindingMode cannot be updated in place, and the name is fixed.
			if !slices.Equal(sc.ReplaceOnChanges, []string{"reclaimPolicy", "volumeBindingMode"}) || !sc.DeleteBeforeReplace {
				t.Errorf("storage class replaces on %v, delete first %v", sc.ReplaceOnChanges, sc.DeleteBeforeReplace)
			}

			// Outputs: the cluster's identity; the kubeconfig stays secret; the probe saw the endpoint.
			standIn := g.ModelledByType("aws:eks/cluster:Cluster")
			if len(standIn) != 1 {
				t.Fatalf("%d modelled EKS clusters", len(standIn))
			}
			endpoint := standIn[0].State["endpoint"]
			for k, want := range map[string]any{
				"name": "gs-test", "endpoint": endpoint, "keyArn": keyArn, "kubeconfig": synth.SecretMarker,
				"securityGroupId": standIn[0].State["vpcConfig"].(map[string]any)["clusterSecurityGroupId"],
			} {
				if g.Outputs[k] != want || want == nil {
					t.Errorf("output %s = %v, want %v", k, g.Outputs[k], want)
				}
			}
			if ca, _ := g.Outputs["certificateAuthority"].(string); ca == "" || !strings.Contains(fmt.Sprint(g.Outputs["oidcProviderArn"]), ":oidc-provider/") {
				t.Errorf("outputs %v", g.Outputs)
			}
			asgs := g.Outputs["asgNames"].(map[string]any)
			for _, want := range f.groups {
				if name, _ := asgs[want.Name].(string); !strings.HasPrefix(name, "eks-"+want.Name+"-") {
					t.Errorf("node group %s ASG %v", want.Name, asgs[want.Name])
				}
			}
			if len(probed) != 1 || probed[0] != endpoint {
				t.Errorf("probed %v, want the endpoint %v once", probed, endpoint)
			}
		})
	}
}

func checkEntry(t *testing.T, g *synth.Graph, principal, association, policy string) {
	t.Helper()
	key := "gs-test-access-" + strings.Split(principal, ":")[4] + "-" + principal[strings.LastIndex(principal, "/")+1:]
	e, ok := g.Named("aws:eks/accessEntry:AccessEntry", key)
	if !ok || e.Inputs["principalArn"] != principal || e.Inputs["clusterName"] != g.Outputs["name"] {
		t.Errorf("access entry %s: %v, want %s", key, e.Inputs, principal)
		return
	}
	a, ok := g.Named("aws:eks/accessPolicyAssociation:AccessPolicyAssociation", key+"-"+association)
	if !ok || !slices.Contains(a.DependsOn, e.URN) || a.Inputs["policyArn"] != policy || a.Inputs["principalArn"] != principal ||
		a.Inputs["accessScope"].(map[string]any)["type"] != "cluster" {
		t.Errorf("access entry %s association %s: %v, want %s", key, association, a.Inputs, policy)
	}
}

func checkNodeGroup(t *testing.T, g *synth.Graph, want cluster.NodeGroupArgs, clusterName any, nodePolicy string) {
	t.Helper()
	base := "gs-test-ng-" + want.Name
	ng, ok := g.Named(tNodeGroup, base)
	role, okRole := g.Named(tRole, base)
	lt, okLT := g.Named(tTemplate, base)
	if !ok || !okRole || !okLT {
		t.Errorf("node group %s: group %v role %v template %v", want.Name, ok, okRole, okLT)
		return
	}
	var trust iampolicy.Document
	if err := json.Unmarshal([]byte(role.Inputs["assumeRolePolicy"].(string)), &trust); err != nil || trust.Statement[0].Principal["Service"][0] != "ec2.amazonaws.com" {
		t.Errorf("node role trust %v", role.Inputs["assumeRolePolicy"])
	}
	var attached []string
	for _, a := range g.ByType(tAttachment) {
		if strings.HasPrefix(a.Name, base+"-") {
			if a.Inputs["role"] != role.ID || !slices.Contains(ng.DependsOn, a.URN) {
				t.Errorf("%s: role %v, node group waits %v", a.Name, a.Inputs["role"], slices.Contains(ng.DependsOn, a.URN))
			}
			attached = append(attached, a.Inputs["policyArn"].(string))
		}
	}
	if len(attached) != 4 || !slices.Contains(attached, nodePolicy) {
		t.Errorf("node group %s policies %v, want 4 with %s", want.Name, attached, nodePolicy)
	}
	md := lt.Inputs["metadataOptions"].(map[string]any)
	ebs := lt.Inputs["blockDeviceMappings"].([]any)[0].(map[string]any)["ebs"].(map[string]any)
	if md["httpTokens"] != "required" || md["httpPutResponseHopLimit"] != float64(cluster.IMDSHopLimit) ||
		ebs["encrypted"] != "true" || ebs["volumeType"] != "gp3" || ebs["volumeSize"] != float64(want.DiskSizeGiB) ||
		lt.Inputs["monitoring"].(map[string]any)["enabled"] != true {
		t.Errorf("launch template %s: metadata %v, root %v, monitoring %v", lt.Name, md, ebs, lt.Inputs["monitoring"])
	}
	in := ng.Inputs
	sc := in["scalingConfig"].(map[string]any)
	ltRef := in["launchTemplate"].(map[string]any)
	for k, v := range map[string]any{
		"clusterName": clusterName, "nodeGroupNamePrefix": want.Name + "-", "nodeRoleArn": role.State["arn"], "amiType": cluster.AMIType,
		"capacityType": want.CapacityType, "minSize": float64(want.MinSize), "desiredSize": float64(want.DesiredSize),
		"maxSize": float64(want.MaxSize), "launchTemplate.id": lt.ID,
	} {
		got := in[k]
		switch {
		case strings.HasSuffix(k, "Size"):
			got = sc[k]
		case k == "launchTemplate.id":
			got = ltRef["id"]
		}
		if got != v {
			t.Errorf("node group %s %s = %v, want %v", want.Name, k, got, v)
		}
	}
	if in["diskSize"] != nil || !slices.Equal(graphtest.Strings(in["instanceTypes"]), want.InstanceTypes) || !slices.Equal(graphtest.Strings(in["subnetIds"]), subnets) {
		t.Errorf("node group %s: %v", want.Name, in)
	}
	if fmt.Sprint(in["labels"]) != fmt.Sprint(want.Labels) {
		t.Errorf("node group %s labels %v, want %v", want.Name, in["labels"], want.Labels)
	}
	taints, _ := in["taints"].([]any)
	if len(taints) != len(want.Taints) {
		t.Errorf("node group %s taints %v, want %v", want.Name, taints, want.Taints)
	}
	for i, tn := range want.Taints {
		if got := taints[i].(map[string]any); got["key"] != tn.Key || got["value"] != tn.Value || got["effect"] != tn.Effect {
			t.Errorf("node group %s taint %v, want %+v", want.Name, got, tn)
		}
	}
	if !slices.Equal(ng.IgnoreChanges, []string{"scalingConfig.desiredSize"}) {
		t.Errorf("node group %s ignores %v", want.Name, ng.IgnoreChanges)
	}
}

// A probe that cannot reach the API fails the run with its message.
func TestClusterProbeFailure(t *testing.T) {
	f := valid(ams, general)
	f.probe = func(context.Context, string) error {
		return errors.New("no route to the API: add this runner to publicAccessCidrs")
	}
	if _, err := synthCluster(f); err == nil || !strings.Contains(err.Error(), "no route to the API") {
		t.Errorf("want the probe's error, got %v", err)
	}
}

func TestClusterRejects(t *testing.T) {
	tests := []struct {
		name string
		edit func(*fixture)
		want string
	}{
		{"no node groups", func(f *fixture) { f.groups = nil }, "node groups and the regional aws provider are required"},
		{"no aws provider", func(f *fixture) { f.noProvider = true }, "node groups and the regional aws provider are required"},
		{"no Kubernetes version", func(f *fixture) { f.version = "" }, "a Kubernetes version, the VPC and its private subnets are required"},
		{"no VPC", func(f *fixture) { f.noVPC = true }, "a Kubernetes version, the VPC and its private subnets are required"},
		{"no subnets", func(f *fixture) { f.noSubnets = true }, "a Kubernetes version, the VPC and its private subnets are required"},
		{"unnamed node group", func(f *fixture) {
			f.groups = append(f.groups, cluster.NodeGroupArgs{MinSize: 1, DesiredSize: 1, MaxSize: 1})
		},
			"node group [2] has no name"},
		{"two node groups of one name", func(f *fixture) { f.groups = append(f.groups, general) }, `two node groups named "general-2xlarge"`},
		{"desired below min", func(f *fixture) { f.groups[0].DesiredSize = 2 }, "node group general-2xlarge: want 0 <= min <= desired <= max and max >= 1, got 3, 2, 20"},
		{"desired above max", func(f *fixture) { f.groups[1].DesiredSize = 51 }, "node group batch: want 0 <= min <= desired <= max and max >= 1, got 2, 51, 50"},
		{"negative min", func(f *fixture) { f.groups[1].MinSize, f.groups[1].DesiredSize = -1, 0 }, "node group batch: want 0 <= min <= desired <= max and max >= 1, got -1, 0, 50"},
		{"an add-on without a version", func(f *fixture) {
			f.addons = maps.Clone(addonVersions)
			delete(f.addons, cluster.AddonKubeProxy)
		}, "no version for the kube-proxy add-on"},
		{"no general group", func(f *fixture) { f.groups = f.groups[1:] }, "no general node group"},
		{"max 0", func(f *fixture) { f.groups[1].MinSize, f.groups[1].DesiredSize, f.groups[1].MaxSize = 0, 0, 0 }, "node group batch: want 0 <= min <= desired <= max and max >= 1, got 0, 0, 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := valid(ams, general, batch)
			f.groups = slices.Clone(f.groups)
			tt.edit(&f)
			g, err := synthCluster(f)
			if err == nil || !strings.Contains(err.Error(), "cluster gs-test: "+tt.want) {
				t.Fatalf("want %q, got %v", tt.want, err)
			}
			if len(g.ByType(cluster.Type)) != 0 {
				t.Errorf("the component was declared before its Args were checked")
			}
		})
	}
}

// Day 2: node groups follow the control plane's version (and a pinned AMI release when set),
// every add-on carries its pinned version, the control-plane log group exists before the
// cluster, encrypted and with retention, and only the general groups gate the add-ons and the
// Kubernetes provider.
func TestClusterDayTwo(t *testing.T) {
	f := valid(ams, general, batch)
	f.ami = "1.33.5-20261120"
	g, err := synthCluster(f)
	if err != nil {
		t.Fatal(err)
	}
	eks := graphtest.One(t, g, tEKS)
	groups := map[string]synth.Resource{}
	for _, ng := range g.ByType(tNodeGroup) {
		groups[ng.Name] = ng
		if ng.Inputs["version"] != "1.33" || ng.Inputs["releaseVersion"] != "1.33.5-20261120" || !slices.Contains(ng.DependsOn, eks.URN) {
			t.Errorf("%s: version %v release %v, depends on %v", ng.Name, ng.Inputs["version"], ng.Inputs["releaseVersion"], ng.DependsOn)
		}
	}
	logs := graphtest.One(t, g, "aws:cloudwatch/logGroup:LogGroup")
	key := graphtest.One(t, g, "aws:kms/key:Key")
	if logs.Inputs["name"] != "/aws/eks/gs-test/cluster" || logs.Inputs["retentionInDays"] != float64(90) || logs.Inputs["kmsKeyId"] != key.State["arn"] {
		t.Errorf("control-plane log group %v", logs.Inputs)
	}
	if !slices.Contains(eks.DependsOn, logs.URN) {
		t.Errorf("the cluster does not wait for its log group: %v", eks.DependsOn)
	}
	if !strings.Contains(key.Inputs["policy"].(string), "logs.eu-west-1.amazonaws.com") {
		t.Errorf("CloudWatch Logs may not use the key: %s", key.Inputs["policy"])
	}
	if kp := eks.Inputs["kubeProxyAddonOptions"].(map[string]any); kp["version"] != addonVersions[cluster.AddonKubeProxy] {
		t.Errorf("kube-proxy options %v", kp)
	}
	if cni := eks.Inputs["vpcCniOptions"].(map[string]any); cni["addonVersion"] != addonVersions[cluster.AddonVPCCNI] || cni["logLevel"] != "INFO" {
		t.Errorf("vpc-cni options %v", cni)
	}
	gated := g.ByType(tAddon)
	gated = append(gated, graphtest.One(t, g, tK8sProvider))
	for _, r := range gated {
		if in := r.Inputs["addonName"]; in != nil && r.Inputs["addonVersion"] != addonVersions[in.(string)] {
			t.Errorf("%s at %v", r.Name, r.Inputs["addonVersion"])
		}
		if !slices.Contains(r.DependsOn, groups["gs-test-ng-general-2xlarge"].URN) || slices.Contains(r.DependsOn, groups["gs-test-ng-batch"].URN) {
			t.Errorf("%s waits for %v: want the general group, not the spot group", r.Name, r.DependsOn)
		}
	}
}
