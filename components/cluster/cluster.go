// Package cluster is a region's EKS cluster as one Pulumi component: the control plane through
// pulumi-eks (API authentication with access entries, secrets encrypted with the component's KMS
// key, every control-plane log, a private endpoint plus a public one only for the office), EKS
// managed node groups on AL2023 with IMDSv2 and encrypted gp3 root volumes, the add-ons the
// platform needs, a Kubernetes provider for everything that goes into the cluster, and a default
// encrypted gp3 StorageClass.
package cluster

import (
	"context"
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-eks/sdk/v3/go/eks"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/kmskey"
	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
	"github.com/global-sovereign/global-sovereign/pkg/scope"
)

// Type is the component's Pulumi type token.
const Type = "sovereign:cluster:Cluster"

// Add-on names (the EKS add-on API's) and node group kinds, as pkg/config names them.
const (
	AddonVPCCNI           = "vpc-cni"
	AddonKubeProxy        = "kube-proxy"
	AddonCoreDNS          = "coredns"
	AddonPodIdentityAgent = "eks-pod-identity-agent"
	AddonEBSCSIDriver     = "aws-ebs-csi-driver"

	KindGeneral   = "general"
	KindSpot      = "spot"
	KindDedicated = "dedicated"
	KindCassandra = "cassandra"
)

// Addons are the add-ons every cluster pins.
var Addons = []string{AddonVPCCNI, AddonKubeProxy, AddonCoreDNS, AddonPodIdentityAgent, AddonEBSCSIDriver}

// CNILogLevel is the VPC CNI's IPAMD and plugin log level.
const CNILogLevel = "INFO"

// ControlPlaneLogs are every EKS control-plane log type.
var ControlPlaneLogs = []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}

// ClusterAdminPolicy is the ARN of the EKS access policy that makes a principal cluster-admin, in
// the partition of the account.
func ClusterAdminPolicy(s scope.Scope) string {
	return s.EKSAccessPolicy("AmazonEKSClusterAdminPolicy")
}

// ViewPolicy is the ARN of the EKS access policy that lets a principal read the cluster's
// objects except Secrets, and change nothing: what a preview role may have. Not
// AmazonEKSAdminViewPolicy, which reads Secrets too: service-account tokens and Helm's release
// records, which would hand the PR code a preview runs credentials that write to the cluster.
func ViewPolicy(s scope.Scope) string {
	return s.EKSAccessPolicy("AmazonEKSViewPolicy")
}

// AuditPolicy is the ARN of the EKS access policy that reads every object, Secrets included,
// and changes nothing: what the drift role needs, as a refresh reads Helm's release records
// (Secrets) and the stacks' Secrets.
func AuditPolicy(s scope.Scope) string {
	return s.EKSAccessPolicy("AmazonEKSAdminViewPolicy")
}

// APIProbe checks, while Pulumi runs, that this machine reaches the cluster's API endpoint, and
// fails with a message that says what to configure when it does not. Nil: no check (synth).
type APIProbe func(ctx context.Context, endpoint string) error

// Args configures the cluster.
type Args struct {
	Scope scope.Scope // partition, account and region of the provider; whether to protect
	// AWSProvider is the stack's regional provider. pulumi-eks is a remote component: it gets
	// the provider explicitly, for itself and every resource it creates.
	AWSProvider pulumi.ProviderResource

	// KubernetesVersion is the control plane's minor version; every node group follows it (from
	// the control plane's output, so a bump updates the control plane first, then the groups).
	KubernetesVersion string
	// AddonVersions pins each EKS add-on (vpc-cni, kube-proxy, coredns, eks-pod-identity-agent,
	// aws-ebs-csi-driver) to a version compatible with KubernetesVersion. Every one is required:
	// an unpinned add-on either never moves (the component's) or moves on every `up` (pulumi-eks
	// resolves the most recent build).
	AddonVersions map[string]string
	// AMIReleaseVersion, when set, is the EKS optimized AMI release of every node group.
	AMIReleaseVersion string
	// ControlPlaneLogRetentionDays is the retention of /aws/eks/<name>/cluster.
	ControlPlaneLogRetentionDays int
	VpcID                        pulumi.StringInput
	PrivateSubnetIDs             pulumi.StringArrayInput
	// OfficeSecurityGroup goes on the control plane: the office reaches the private endpoint
	// over the VPN on 443. Nil: no office access.
	OfficeSecurityGroup *ec2.SecurityGroup
	PublicAccessCIDRs   []string // empty: private endpoint only
	// PeerAPIClients are public addresses (/32) that also reach the public endpoint when there
	// is one: the NAT gateways of the region whose Cassandra control plane manages this
	// cluster's datacenter.
	PeerAPIClients pulumi.StringArrayInput
	// ExternalSNAT stops the VPC CNI from translating pod addresses to the node's for traffic
	// that leaves the VPC: peered VPCs then see (and can answer) pod IPs, which Cassandra's
	// gossip between datacenters needs. The private subnets' NAT gateways translate what goes
	// to the internet.
	ExternalSNAT bool
	// PodMTU, when not 0, is the MTU of the pods' interfaces (the VPC CNI's POD_MTU; its
	// default is the ENI MTU, 9001). A region whose pods talk over inter-Region peering sets
	// the peering's MTU: path MTU discovery cannot be relied on there, as the network policy
	// agent drops the ICMP that carries it before it reaches a pod with an ingress policy.
	PodMTU        int
	AdminRoleArns []string
	// ViewerRoleArns get read-only access without Secrets (AmazonEKSViewPolicy, cluster scope), e.g. the role
	// pull-request previews run as.
	ViewerRoleArns []string
	// AuditorRoleArns read every object, Secrets included (the drift role).
	AuditorRoleArns []string
	NodeGroups      []NodeGroupArgs
	// Tags are the stack's default tags. The provider puts them on what it creates, but EC2
	// does not copy them to what it launches from a template (instances, their volumes and
	// network interfaces) nor does the EBS CSI driver put them on the volumes it creates: those,
	// the largest part of the bill, get them here, so budgets filtering on the environment tag
	// see them.
	Tags map[string]string
	// Probe runs on the endpoint before anything is applied inside the cluster.
	Probe APIProbe
}

// NodeGroupArgs is one managed node group.
type NodeGroupArgs struct {
	Name string
	// Kind is what the group is for (config.NodeKind*): the cluster's add-ons and its Kubernetes
	// provider wait only for general groups, so a spot or Cassandra shortfall in one AZ does not
	// fail the whole in-cluster layer; alarms are per kind.
	Kind                          string
	InstanceTypes                 []string
	CapacityType                  string // ON_DEMAND or SPOT
	MinSize, DesiredSize, MaxSize int
	DiskSizeGiB                   int
	Labels                        map[string]string
	Taints                        []Taint
	// SubnetIDs, when set, place the group in these private subnets only (a group per AZ for
	// pods whose volumes are bound to a zone); nil: every private subnet.
	SubnetIDs pulumi.StringArrayInput
	// SecurityGroupIDs, when set, go on the group's nodes beside the cluster security group.
	SecurityGroupIDs pulumi.StringArrayInput
	// FixedSize: no autoscaler resizes the group (min = desired = max), so Pulumi owns the
	// desired size. An autoscaled group ignores it; a fixed one that did could never be resized:
	// EKS refuses a minimum above the desired size it kept.
	FixedSize bool
	// AfterPrevious: the group is created and updated only after the group listed before it,
	// for groups of which only one may lose a node at a time (a PodDisruptionBudget of one).
	AfterPrevious bool
}

// Taint is a node taint as EKS names the effect (NO_SCHEDULE...).
type Taint struct{ Key, Value, Effect string }

// NodeGroup is a declared node group and the name of the Auto Scaling group EKS made for it.
type NodeGroup struct {
	Name    string
	Kind    string
	Group   *awseks.NodeGroup
	AsgName pulumi.StringOutput
}

// Cluster is the component.
type Cluster struct {
	pulumi.ResourceState

	Name                 pulumi.StringOutput `pulumi:"name"`
	Endpoint             pulumi.StringOutput `pulumi:"endpoint"`
	CertificateAuthority pulumi.StringOutput `pulumi:"certificateAuthority"`
	Kubeconfig           pulumi.StringOutput `pulumi:"kubeconfig"`
	OIDCProviderArn      pulumi.StringOutput `pulumi:"oidcProviderArn"`
	KeyArn               pulumi.StringOutput `pulumi:"keyArn"`

	// SecurityGroupID is the security group EKS puts on the control plane and on managed
	// nodes (and so on pods): what a load balancer must be admitted to.
	SecurityGroupID pulumi.StringOutput
	NodeGroups      []NodeGroup
	// Kubernetes deploys into this cluster; use it for every Kubernetes resource. It waits for
	// the node groups and the add-ons every pod needs (CoreDNS, the Pod Identity agent), so
	// nothing that starts pods is applied before pods can run.
	Kubernetes *kubernetes.Provider
	// EBSCSIDriver is the add-on StorageClasses depend on.
	EBSCSIDriver *awseks.Addon
}

// New declares the cluster. Pass the stack's regional aws provider with pulumi.Provider; it is
// also handed to the pulumi-eks component and all its children.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Cluster, error) {
	if err := args.check(); err != nil {
		return nil, fmt.Errorf("cluster %s: %w", name, err)
	}
	c := &Cluster{}
	if err := ctx.RegisterComponentResource(Type, name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)

	key, err := kmskey.New(ctx, name+"-eks-key", kmskey.Args{
		Description: fmt.Sprintf("%s EKS secrets encryption", name),
		Alias:       name + "-eks",
		Protect:     args.Scope.Protect,
		// CloudWatch Logs encrypts the control-plane log group with it too.
		Policy: iampolicy.New(kmskey.AccountAdmin(args.Scope), kmskey.CloudWatchLogs(args.Scope)),
	}, parent)
	if err != nil {
		return nil, err
	}
	logs, err := controlPlaneLogGroup(ctx, name, args, key, parent)
	if err != nil {
		return nil, err
	}

	mode := eks.AuthenticationModeApi
	// The VPC CNI's environment, laid over pulumi-eks's own (see VpcCniOptions below).
	cniEnv := pulumi.Map{"AWS_VPC_K8S_PLUGIN_LOG_LEVEL": pulumi.String(CNILogLevel)}
	clusterArgs := &eks.ClusterArgs{
		Name:                   pulumi.String(name),
		Version:                pulumi.String(args.KubernetesVersion),
		VpcId:                  args.VpcID,
		PrivateSubnetIds:       args.PrivateSubnetIDs,
		SkipDefaultNodeGroup:   pulumi.BoolRef(true),
		AuthenticationMode:     &mode,
		EncryptionConfigKeyArn: key.Arn,
		// From the log group's output: the EKS cluster inside pulumi-eks gets it as an input
		// dependency, so the group exists (encrypted, with retention) before EKS would create
		// its own unencrypted, never-expiring one.
		EnabledClusterLogTypes:       logs.Name.ApplyT(func(string) []string { return ControlPlaneLogs }).(pulumi.StringArrayOutput),
		EndpointPrivateAccess:        pulumi.Bool(true),
		EndpointPublicAccess:         pulumi.Bool(len(args.PublicAccessCIDRs) > 0),
		CreateOidcProvider:           pulumi.Bool(true),
		NodeAssociatePublicIpAddress: pulumi.BoolRef(false),
		// Who owns what (pulumi-eks v3.9.1, nodejs/eks/cluster.ts; modelled in pkg/synth):
		// pulumi-eks creates the vpc-cni and kube-proxy add-ons before the cluster component
		// completes, so before any node group, as nodes need them to become ready. This
		// component declares coredns (pulumi-eks creates it only with its default node group),
		// the Pod Identity agent and the EBS CSI driver after the node groups.
		CorednsAddonOptions: &eks.CoreDnsAddonOptionsArgs{Enabled: pulumi.BoolRef(false)},
		// Pinned: without a version pulumi-eks asks for the most recent build on every run.
		KubeProxyAddonOptions: &eks.KubeProxyAddonOptionsArgs{Version: pulumi.String(args.AddonVersions[AddonKubeProxy])},
		// Managed node groups carry the security group EKS creates for the cluster; the node
		// security group pulumi-eks would add is used by nothing, and its rule would land on
		// the office security group passed as clusterSecurityGroup.
		SkipDefaultSecurityGroups: pulumi.BoolRef(true),
		// The VPC CNI enforces Kubernetes NetworkPolicies only with its network policy agent
		// turned on; off (the add-on's default) every policy, a client namespace's default deny
		// included, is accepted by the API and silently not enforced.
		VpcCniOptions: &eks.VpcCniOptionsArgs{
			EnableNetworkPolicy: pulumi.Bool(true),
			AddonVersion:        pulumi.String(args.AddonVersions[AddonVPCCNI]),
			// pulumi-eks sets AWS_VPC_K8S_CNI_LOGLEVEL and AWS_VPC_K8S_PLUGIN_LOG_LEVEL to DEBUG
			// when none is given (addons/cni-addon.ts): every IP assignment logged on every
			// node. The Go SDK has no pluginLogLevel, so that one is set through the add-on's
			// configuration values, whose env pulumi-eks lays over its own.
			LogLevel:            pulumi.String(CNILogLevel),
			ConfigurationValues: pulumi.Map{"env": cniEnv},
		},
	}
	if args.ExternalSNAT {
		clusterArgs.VpcCniOptions.ExternalSnat = pulumi.Bool(true)
	}
	// POD_MTU (amazon-vpc-cni-k8s v1.22.4 README, cmd/aws-vpc-cni/main.go): written into the
	// CNI's conflist when aws-node starts, so it applies to pods created after that; the nodes'
	// own interfaces keep the ENI MTU (AWS_VPC_ENI_MTU would lower the primary interface too).
	if args.PodMTU > 0 {
		cniEnv["POD_MTU"] = pulumi.String(strconv.Itoa(args.PodMTU))
	}
	if len(args.PublicAccessCIDRs) > 0 {
		clusterArgs.PublicAccessCidrs = pulumi.ToStringArray(args.PublicAccessCIDRs)
		if args.PeerAPIClients != nil {
			clusterArgs.PublicAccessCidrs = pulumi.All(pulumi.ToStringArray(args.PublicAccessCIDRs), args.PeerAPIClients).ApplyT(func(v []any) []string {
				return append(append([]string{}, v[0].([]string)...), v[1].([]string)...)
			}).(pulumi.StringArrayOutput)
		}
	}
	if args.OfficeSecurityGroup != nil {
		clusterArgs.ClusterSecurityGroup = args.OfficeSecurityGroup
	}
	cl, err := eks.NewCluster(ctx, name+"-eks", clusterArgs, parent, pulumi.Providers(args.AWSProvider),
		pulumi.DependsOn([]pulumi.Resource{logs}))
	if err != nil {
		return nil, err
	}
	clusterName := cl.EksCluster.Name()

	clusterSG := cl.EksCluster.VpcConfig().ClusterSecurityGroupId().Elem()
	b := &builder{ctx: ctx, name: name, args: args, parent: parent, clusterName: clusterName, clusterSG: clusterSG,
		clusterVersion: cl.EksCluster.Version()}
	// Access entries outside pulumi-eks, keyed by principal (access.go): pulumi-eks keys them by
	// the map key it is given, and its children cannot carry aliases from here.
	if err := b.accessEntries(cl, name+"-eks"); err != nil {
		return nil, err
	}
	// Only the general groups gate the platform: a spot pool or a Cassandra AZ that cannot get
	// capacity leaves its own group degraded, not every add-on and Kubernetes object waiting.
	var general, nodes []pulumi.Resource
	for _, g := range args.NodeGroups {
		// A group that follows the previous one (the Cassandra racks) is created and updated
		// only after it: one rack at a time, as the datacenter's disruption budget allows.
		var after []pulumi.Resource
		if g.AfterPrevious && len(nodes) > 0 {
			after = nodes[len(nodes)-1:]
		}
		ng, err := b.nodeGroup(g, after)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, ng.Group)
		c.NodeGroups = append(c.NodeGroups, ng)
		if g.Kind == KindGeneral {
			general = append(general, ng.Group)
		}
	}
	podAddons, ebs, err := b.addons(general)
	if err != nil {
		return nil, err
	}
	c.EBSCSIDriver = ebs

	endpoint := cl.EksCluster.Endpoint()
	kubeconfig := pulumi.ToSecret(pulumi.All(cl.KubeconfigJson, endpoint).ApplyTWithContext(ctx.Context(),
		func(probeCtx context.Context, v []any) (string, error) {
			if args.Probe != nil {
				if err := args.Probe(probeCtx, v[1].(string)); err != nil {
					return "", err
				}
			}
			return v[0].(string), nil
		})).(pulumi.StringOutput)
	c.Kubernetes, err = kubernetes.NewProvider(ctx, name+"-k8s", &kubernetes.ProviderArgs{
		Kubeconfig:            kubeconfig,
		EnableServerSideApply: pulumi.Bool(true),
	}, parent, pulumi.DependsOn(append(general, podAddons...)))
	if err != nil {
		return nil, err
	}
	if err := b.storageClass(c.Kubernetes, c.EBSCSIDriver); err != nil {
		return nil, err
	}

	c.Name = clusterName
	c.SecurityGroupID = clusterSG
	c.Endpoint = endpoint
	c.CertificateAuthority = cl.EksCluster.CertificateAuthority().Data().Elem()
	c.Kubeconfig = kubeconfig
	c.OIDCProviderArn = cl.OidcProviderArn
	c.KeyArn = key.Arn
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"name":                 c.Name,
		"endpoint":             c.Endpoint,
		"certificateAuthority": c.CertificateAuthority,
		"kubeconfig":           c.Kubeconfig,
		"oidcProviderArn":      c.OIDCProviderArn,
		"keyArn":               c.KeyArn,
	})
}

// check refuses Args the program's config validation would have refused. Without a VPC and
// subnets pulumi-eks would place the cluster in the account's default VPC; node groups of one
// name would collide in AWS, which the mocks do not show.
func (a *Args) check() error {
	if len(a.NodeGroups) == 0 || a.AWSProvider == nil {
		return fmt.Errorf("node groups and the regional aws provider are required")
	}
	for _, addon := range Addons {
		if a.AddonVersions[addon] == "" {
			return fmt.Errorf("no version for the %s add-on: every add-on is pinned (config.Cluster.AddonVersions)", addon)
		}
	}
	general := false
	for _, g := range a.NodeGroups {
		general = general || g.Kind == KindGeneral
	}
	if !general {
		return fmt.Errorf("no general node group: the add-ons and the Kubernetes provider wait for the general groups")
	}
	if a.ControlPlaneLogRetentionDays < 1 {
		return fmt.Errorf("control-plane log retention %d: want a CloudWatch Logs retention in days", a.ControlPlaneLogRetentionDays)
	}
	if a.KubernetesVersion == "" || a.VpcID == nil || a.PrivateSubnetIDs == nil {
		return fmt.Errorf("a Kubernetes version, the VPC and its private subnets are required")
	}
	seen := map[string]bool{}
	for i, g := range a.NodeGroups {
		switch {
		case g.Name == "":
			return fmt.Errorf("node group [%d] has no name", i)
		case seen[g.Name]:
			return fmt.Errorf("two node groups named %q", g.Name)
		case g.MinSize < 0 || g.MinSize > g.DesiredSize || g.DesiredSize > g.MaxSize || g.MaxSize < 1:
			return fmt.Errorf("node group %s: want 0 <= min <= desired <= max and max >= 1, got %d, %d, %d",
				g.Name, g.MinSize, g.DesiredSize, g.MaxSize)
		}
		if g.FixedSize && (g.MinSize != g.DesiredSize || g.DesiredSize != g.MaxSize) {
			return fmt.Errorf("node group %s: a fixed-size group wants min = desired = max, got %d, %d, %d",
				g.Name, g.MinSize, g.DesiredSize, g.MaxSize)
		}
		seen[g.Name] = true
	}
	return nil
}

type builder struct {
	ctx         *pulumi.Context
	name        string
	args        *Args
	parent      pulumi.ResourceOption
	clusterName pulumi.StringOutput
	clusterSG   pulumi.StringOutput
	// clusterVersion is the control plane's version output: node groups take theirs from it, so
	// Pulumi updates the control plane before any group.
	clusterVersion pulumi.StringOutput
}
