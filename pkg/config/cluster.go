package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Cluster is the region's EKS cluster and its managed node groups (global-sovereign:cluster).
type Cluster struct {
	// KubernetesVersion is the cluster's Kubernetes minor version, quoted (e.g. "1.35"). The control
	// plane moves first, then every node group (they follow this value) and the add-ons, whose
	// versions are pinned per version in pkg/config/kubernetes.go. EKS upgrades one minor version
	// at a time. `sovereign preflight` warns when the version is past EKS standard support.
	// Default: [DefaultKubernetesVersion].
	// Allowed: [kubernetesVersions] (EKS release, end of standard support, end of extended support).
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`
	// CreatorRoleArn is the role that creates the cluster: the CI deploy role (`sovereign bootstrap`
	// output deployRoleArn). pulumi-eks v3.9.1 always has EKS give the cluster's creator an admin
	// access entry of its own (bootstrapClusterCreatorAdminPermissions, pulumi/pulumi-eks#2373), so
	// this role must not also be in adminRoleArns, viewerRoleArns or auditorRoleArns, under any
	// path (EKS refuses a second entry for a principal with ResourceInUseException). `sovereign
	// preflight` asks for it; `preflight --online` and `up` compare it with the caller's identity.
	CreatorRoleArn string `json:"creatorRoleArn,omitempty"`
	// AddonVersionOverrides overrides the pinned version of an EKS add-on (vpc-cni, kube-proxy, coredns,
	// eks-pod-identity-agent, aws-ebs-csi-driver) for this stack, e.g. to take a security build
	// before the table in pkg/config/kubernetes.go is updated.
	// Default: the table's versions for kubernetesVersion.
	AddonVersionOverrides map[string]string `json:"addonVersions,omitempty"`
	// AMIReleaseVersion is the EKS optimized AL2023 AMI release every node group runs,
	// `<kubernetes version>-<YYYYMMDD>` (e.g. 1.35.0-20261120; `aws ssm get-parameter --name
	// /aws/service/eks/optimized-ami/<version>/amazon-linux-2023/x86_64/standard/recommended/release_version`).
	// Changing it rolls every node group to that AMI (a reviewed patch), within its maxUnavailable.
	// Default: unset: EKS picks the newest release when a group is created or its version changes,
	// and the nodes then keep it until the next version change.
	AMIReleaseVersion string `json:"amiReleaseVersion,omitempty"`
	// ControlPlaneLogRetentionDays is how long the control-plane log group
	// /aws/eks/<cluster>/cluster keeps events; it is declared before the cluster, encrypted with
	// the cluster's KMS key, and deleted with the stack.
	// Default: [DefaultControlPlaneLogRetentionDays].
	// Allowed: [logRetentionDays].
	ControlPlaneLogRetentionDays int `json:"controlPlaneLogRetentionDays,omitempty"`
	// NodeCPUAlarmPercent is the average node CPU, per kind of node group, at which a CloudWatch
	// alarm notifies the alerts topic; 0 turns the kind's alarm off. Kinds: general (on-demand
	// groups without a NoSchedule/NoExecute taint), spot (built to run hot: no alarm by default),
	// dedicated (tainted groups, e.g. batch), cassandra (the datacenter's groups).
	// Default: general 80, spot 0, dedicated 0, cassandra 85.
	NodeCPUAlarmPercent map[string]int `json:"nodeCpuAlarmPercent,omitempty"`
	// AdminRoleArns get cluster-admin through EKS access entries (API authentication mode).
	// `sovereign preflight` asks for at least one before a real deploy: otherwise only the
	// identity that created the cluster can administer it.
	AdminRoleArns []string `json:"adminRoleArns,omitempty"`
	// ViewerRoleArns get read-only access to the cluster's objects except Secrets
	// (AmazonEKSViewPolicy, cluster scope): for preview roles. A role may appear once across
	// adminRoleArns and viewerRoleArns: EKS allows one access entry per principal.
	ViewerRoleArns []string `json:"viewerRoleArns,omitempty"`
	// AuditorRoleArns get read-only access including Secrets (AmazonEKSAdminViewPolicy, cluster
	// scope): for the drift role, whose refresh reads every Helm release's record, which Helm keeps
	// in a Secret, and the Secrets the stacks declare. Not for preview roles. One access entry per
	// principal across adminRoleArns, viewerRoleArns and auditorRoleArns.
	AuditorRoleArns []string `json:"auditorRoleArns,omitempty"`
	// EndpointPublicCIDRs may reach the public API endpoint, besides the deployer's CIDRs. Nodes
	// use the private endpoint (the name resolves to it inside the VPC); the office, even over
	// the VPN, resolves the name to the public endpoint while it is on (docs/eks-endpoints.md).
	// 0.0.0.0/0 is refused.
	// Default: the office client CIDRs of global-sovereign:vpn.
	EndpointPublicCIDRs []string `json:"endpointPublicCidrs,omitempty"`
	// NodeGroups are the cluster's managed node groups (AL2023, IMDSv2), 1 to 10.
	NodeGroups []NodeGroup `json:"nodeGroups"`
	// API is the platform's API as the cluster runs it: Deployment, Service, autoscaler and
	// disruption budget.
	API *APIWorkload `json:"api,omitempty"`
	// Deployer is where `pulumi up` and `pulumi preview` reach the Kubernetes API from. Every
	// object inside the cluster is applied from there, so a deploy from a network the endpoint
	// does not admit fails; `sovereign preflight` asks for this block before a real deploy.
	Deployer *Deployer `json:"deployer,omitempty"`
	// ClusterAutoscalerChart pins the cluster-autoscaler Helm chart. It must run the autoscaler
	// built for kubernetesVersion's minor: the autoscaler supports only its own minor version.
	// Default: the newest known chart for kubernetesVersion.
	// Allowed: [autoscalerCharts] (chart version, then the autoscaler it runs).
	ClusterAutoscalerChart string `json:"clusterAutoscalerChart,omitempty"`
}

// Deployer says how the machine that runs Pulumi reaches the cluster's API. Set exactly one.
type Deployer struct {
	// CIDRs are the public egress addresses of the deploying machines (CI runners with fixed
	// egress IPs, a bastion). The public endpoint admits them beside the office. Set cidrs or
	// private, not both.
	CIDRs []string `json:"cidrs,omitempty"`
	// Private: the deployer reaches the private endpoint: from inside the VPC (a self-hosted CI
	// runner there, for example); from a peered network or the office VPN only when the public
	// endpoint is off or that network's DNS forwards the cluster's name into the VPC, since
	// outside the VPC the name resolves to the public endpoint while it is on.
	Private bool `json:"private,omitempty"`
}

// NodeGroup is one EKS managed node group.
type NodeGroup struct {
	// Name names the group: unique, lowercase letters, digits and dashes, starting with a letter.
	Name string `json:"name"`
	// InstanceTypes are the group's x86_64 instance types, `<family>.<size>`; a spot group lists
	// several interchangeable types (one type's spot pool can run dry); no burstable (t) types in
	// production.
	// Allowed: family one of [nodeFamilies]; size one of [nodeSizes].
	InstanceTypes []string `json:"instanceTypes"`
	// CapacityType is how the group's instances are bought.
	// Default: [CapacityOnDemand].
	CapacityType CapacityType `json:"capacityType,omitempty"`
	// MinSize is the fewest nodes the autoscaler keeps: 0 <= minSize <= desiredSize. Changing
	// minSize or maxSize of a deployed group resets its desired size to the value it was created
	// with (the scaling configuration is sent whole; the autoscaler's size and a changed
	// desiredSize are not), and EKS refuses a minSize above that value
	// (docs/operations/eks-upgrade.md).
	// Default: `0`.
	MinSize int `json:"minSize,omitempty"`
	// DesiredSize is the node count the group starts with, minSize <= desiredSize <= maxSize; the
	// autoscaler changes it later and Pulumi ignores that drift, and a change of this value after
	// creation too.
	// Default: `0`.
	DesiredSize int `json:"desiredSize,omitempty"`
	// MaxSize is the most nodes the autoscaler may run: desiredSize <= maxSize <= [maxNodeGroupSize]
	// (EKS's quota per group). Changing it resets the group's desired size to its creation-time
	// value, as minSize does.
	MaxSize int `json:"maxSize"`
	// DiskSizeGiB is each node's root volume, 20 to 16384 GiB.
	// Default: [DefaultNodeDiskGiB].
	DiskSizeGiB int `json:"diskSizeGiB,omitempty"`
	// Labels are Kubernetes labels on every node of the group.
	Labels map[string]string `json:"labels,omitempty"`
	// Taints are Kubernetes taints on every node of the group.
	Taints []Taint `json:"taints,omitempty"`
}

// Taint is a Kubernetes taint on every node of a group.
type Taint struct {
	// Key is the taint's key, a Kubernetes label key.
	Key string `json:"key"`
	// Value is the taint's value.
	Value string `json:"value,omitempty"`
	// Effect is what the taint does to pods that do not tolerate it.
	Effect TaintEffect `json:"effect"`
}

// APIWorkload is the platform's API as the cluster runs it.
type APIWorkload struct {
	// Image of the API; the Deployment and its Service are declared only when it is set.
	Image string `json:"image,omitempty"`
	// Port is the TCP port the API listens on.
	// Default: [DefaultAPIPort].
	Port int `json:"port,omitempty"`
	// MinReplicas is the fewest replicas the HorizontalPodAutoscaler keeps, at least 1; production
	// keeps at least 2 so that a disruption budget can hold one.
	// Default: [DefaultAPIMinReplicas].
	MinReplicas int `json:"minReplicas,omitempty"`
	// MaxReplicas is the most replicas the HorizontalPodAutoscaler runs, at least minReplicas.
	// Default: [DefaultAPIMaxReplicas].
	MaxReplicas int `json:"maxReplicas,omitempty"`
	// TargetCPUPercent is the average CPU use, 10 to 95 percent, the HorizontalPodAutoscaler
	// scales to.
	// Default: [DefaultAPICPUPercent].
	TargetCPUPercent int `json:"targetCpuPercent,omitempty"`
}

// CapacityType is how a node group's instances are bought, as EKS names it.
type CapacityType string

// Capacity types.
const (
	CapacityOnDemand CapacityType = "ON_DEMAND"
	CapacitySpot     CapacityType = "SPOT"
)

// TaintEffect is a Kubernetes taint effect, as EKS names it.
type TaintEffect string

// Taint effects.
const (
	TaintNoSchedule       TaintEffect = "NO_SCHEDULE"
	TaintNoExecute        TaintEffect = "NO_EXECUTE"
	TaintPreferNoSchedule TaintEffect = "PREFER_NO_SCHEDULE"
)

// Defaults of the cluster.
const (
	DefaultNodeDiskGiB    = 100
	DefaultAPIPort        = 4000
	DefaultAPIMinReplicas = 3
	DefaultAPIMaxReplicas = 30
	DefaultAPICPUPercent  = 70
	maxNodeGroupSize      = 450 // EKS managed node group quota per group
	// DefaultControlPlaneLogRetentionDays keeps control-plane logs (audit included) a quarter.
	DefaultControlPlaneLogRetentionDays = 90
)

var (
	capacityTypes  = []CapacityType{CapacityOnDemand, CapacitySpot}
	taintEffects   = []TaintEffect{TaintNoSchedule, TaintNoExecute, TaintPreferNoSchedule}
	addonVersionRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+-eksbuild\.[0-9]+$`)
	amiReleaseRE   = regexp.MustCompile(`^(1\.[0-9]+)\.[0-9]+-[0-9]{8}$`)
	roleArnRE      = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$`)
	nodeGroupRE    = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}$`)
	labelKeyRE     = regexp.MustCompile(`^([a-z0-9.-]+/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$`)
	// x86_64 families the AL2023 node AMI serves; one group must not mix architectures.
	nodeFamilies = []string{"m5", "m5a", "m5n", "m5d", "m6i", "m6a", "m6in", "m7i", "m7a", "c5", "c5a", "c6i", "c6a", "c7i",
		"r5", "r5a", "r6i", "r6a", "r7i", "t3", "t3a"}
	nodeSizes = []string{"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"}
)

func (c *Cluster) applyDefaults() {
	if c == nil {
		return
	}
	for i := range c.NodeGroups {
		g := &c.NodeGroups[i]
		if g.CapacityType == "" {
			g.CapacityType = CapacityOnDemand
		}
		if g.DiskSizeGiB == 0 {
			g.DiskSizeGiB = DefaultNodeDiskGiB
		}
	}
	if a := c.API; a != nil {
		if a.Port == 0 {
			a.Port = DefaultAPIPort
		}
		if a.MinReplicas == 0 {
			a.MinReplicas = DefaultAPIMinReplicas
		}
		if a.MaxReplicas == 0 {
			a.MaxReplicas = DefaultAPIMaxReplicas
		}
		if a.TargetCPUPercent == 0 {
			a.TargetCPUPercent = DefaultAPICPUPercent
		}
	}
	if c.KubernetesVersion == "" {
		c.KubernetesVersion = DefaultKubernetesVersion
	}
	if c.ControlPlaneLogRetentionDays == 0 {
		c.ControlPlaneLogRetentionDays = DefaultControlPlaneLogRetentionDays
	}
	if c.NodeCPUAlarmPercent == nil {
		c.NodeCPUAlarmPercent = map[string]int{}
	}
	for kind, pct := range defaultNodeCPUAlarmPercent {
		if _, set := c.NodeCPUAlarmPercent[kind]; !set {
			c.NodeCPUAlarmPercent[kind] = pct
		}
	}
	if c.ClusterAutoscalerChart == "" {
		c.ClusterAutoscalerChart = newestAutoscalerChart(c.KubernetesVersion)
	}
}

// PublicEndpointCIDRs is who may reach the public API endpoint: the configured CIDRs, else the
// office's client CIDRs, and in both cases the deployer's CIDRs. Empty means the endpoint is
// private only.
func (s *Stack) PublicEndpointCIDRs() []string { return s.publicEndpointCIDRs(s.VPN) }

// PublicEndpointCIDRs is who may reach the public API endpoint of s's cluster: as
// Stack.PublicEndpointCIDRs, with the office networks of the VPN of the region whose network s
// uses (an environment stack has no VPN of its own).
func (f *Fleet) PublicEndpointCIDRs(s *Stack) []string {
	vpn := s.VPN
	if n := f.NetworkStack(s); vpn == nil && n != nil {
		vpn = n.VPN
	}
	return s.publicEndpointCIDRs(vpn)
}

func (s *Stack) publicEndpointCIDRs(vpn *VPN) []string {
	if s.Cluster == nil {
		return nil
	}
	var out []string
	if len(s.Cluster.EndpointPublicCIDRs) > 0 {
		out = append(out, s.Cluster.EndpointPublicCIDRs...)
	} else if vpn != nil {
		for _, g := range vpn.CustomerGateways {
			out = append(out, g.ClientCIDRs...)
		}
	}
	if d := s.Cluster.Deployer; d != nil {
		for _, c := range d.CIDRs {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// AutoscalerChart is the cluster-autoscaler chart release of the cluster (validated: known and
// matching the Kubernetes minor version).
func (c *Cluster) AutoscalerChart() AutoscalerChart {
	chart, _ := LookupAutoscalerChart(c.ClusterAutoscalerChart)
	return chart
}

func (s *Stack) validateCluster(is *issues) {
	c := s.Cluster
	validateKubernetesVersion(is, c)
	validateClusterOps(is, c)
	// EKS allows one access entry per principal: a role listed twice would fail on create.
	principals := map[string]string{}
	for _, list := range []struct {
		key  string
		arns []string
	}{{"adminRoleArns", c.AdminRoleArns}, {"viewerRoleArns", c.ViewerRoleArns}, {"auditorRoleArns", c.AuditorRoleArns}} {
		for i, arn := range list.arns {
			path := fmt.Sprintf("%s[%d]", keyPath(KeyCluster, list.key), i)
			if !roleArnRE.MatchString(arn) {
				is.add(path, "%q is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)", arn)
				continue
			}
			// By role, not by ARN text: a path does not make another role (sameRole), and two
			// spellings of one role would be two entries for one principal.
			key := roleIdentity(arn)
			if first, dup := principals[key]; dup {
				is.add(path, "%s is also %s; EKS allows one access entry per principal (a role is its account and name, whatever its path)", arn, first)
				continue
			}
			principals[key] = path
		}
	}
	for i, cidr := range c.EndpointPublicCIDRs {
		if pr, ok := parseCIDR(is, fmt.Sprintf("%s[%d]", keyPath(KeyCluster, "endpointPublicCidrs"), i), cidr); ok && pr.Bits() == 0 {
			is.add(fmt.Sprintf("%s[%d]", keyPath(KeyCluster, "endpointPublicCidrs"), i), "0.0.0.0/0 opens the Kubernetes API to the internet; list the networks that need it")
		}
	}
	s.validateDeployer(is)
	validateAutoscalerChart(is, keyPath(KeyCluster, "clusterAutoscalerChart"), c)
	if len(c.NodeGroups) == 0 || len(c.NodeGroups) > 10 {
		is.add(keyPath(KeyCluster, "nodeGroups"), "%d node groups; want 1 to 10", len(c.NodeGroups))
	}
	names := map[string]bool{}
	for i, g := range c.NodeGroups {
		gp := fmt.Sprintf("%s[%d]", keyPath(KeyCluster, "nodeGroups"), i)
		if !nodeGroupRE.MatchString(g.Name) || names[g.Name] {
			is.add(gp+".name", "%q: want a unique name of lowercase letters, digits and dashes", g.Name)
		}
		names[g.Name] = true
		validateNodeGroup(is, gp, g, s.Settings.Environment)
	}
	if a := c.API; a != nil {
		switch {
		case a.MinReplicas < 1:
			// 0 reads as unset (the default); a negative count reaches the HorizontalPodAutoscaler,
			// which Kubernetes rejects at deploy time.
			is.add(keyPath(KeyCluster, "api", "minReplicas"), "%d: want at least 1 (the HorizontalPodAutoscaler's minimum)", a.MinReplicas)
		case a.MinReplicas < 2 && s.Settings.Environment == EnvProduction:
			is.add(keyPath(KeyCluster, "api", "minReplicas"), "%d: production keeps at least 2 replicas so a disruption budget can hold one", a.MinReplicas)
		}
		if a.MaxReplicas < a.MinReplicas {
			is.addPair(keyPath(KeyCluster, "api", "maxReplicas"), keyPath(KeyCluster, "api", "minReplicas"),
				"%d is below minReplicas %d", a.MaxReplicas, a.MinReplicas)
		}
		if a.TargetCPUPercent < 10 || a.TargetCPUPercent > 95 {
			is.add(keyPath(KeyCluster, "api", "targetCpuPercent"), "%d: want 10 to 95", a.TargetCPUPercent)
		}
		if a.Port < 1 || a.Port > 65535 {
			is.add(keyPath(KeyCluster, "api", "port"), "%d is not a TCP port", a.Port)
		}
	}
}

func (s *Stack) validateDeployer(is *issues) {
	d := s.Cluster.Deployer
	if d == nil {
		return // `sovereign preflight` asks for it before a real deploy
	}
	p := keyPath(KeyCluster, "deployer")
	switch {
	case d.Private && len(d.CIDRs) > 0:
		is.add(p, "set cidrs or private, not both: private means the deployer does not use the public endpoint")
	case !d.Private && len(d.CIDRs) == 0:
		is.add(p, "empty; set cidrs (the public egress CIDRs of where Pulumi runs) or private: true (it runs inside the VPC or over the VPN)")
	}
	for i, cidr := range d.CIDRs {
		path := fmt.Sprintf("%s.cidrs[%d]", p, i)
		pr, ok := parseCIDR(is, path, cidr)
		switch {
		case !ok:
		case pr.Bits() == 0:
			is.add(path, "0.0.0.0/0 opens the Kubernetes API to the internet; list the deployer's egress addresses")
		case !isPublicPrefix(pr):
			is.add(path, "%s is not a public range: the public endpoint sees the deployer's public egress address; "+
				"a deployer inside the VPC or the office network uses private: true instead", pr)
		}
	}
}

func validateAutoscalerChart(is *issues, path string, c *Cluster) {
	if c.KubernetesVersion == "" {
		c.KubernetesVersion = DefaultKubernetesVersion
	}
	if c.ControlPlaneLogRetentionDays == 0 {
		c.ControlPlaneLogRetentionDays = DefaultControlPlaneLogRetentionDays
	}
	if c.NodeCPUAlarmPercent == nil {
		c.NodeCPUAlarmPercent = map[string]int{}
	}
	for kind, pct := range defaultNodeCPUAlarmPercent {
		if _, set := c.NodeCPUAlarmPercent[kind]; !set {
			c.NodeCPUAlarmPercent[kind] = pct
		}
	}
	if c.ClusterAutoscalerChart == "" {
		is.add(path, "no cluster-autoscaler chart is known for Kubernetes %q; known minor versions: %s (pin one here only if it matches)",
			c.KubernetesVersion, supportedAutoscalerMinors())
		return
	}
	chart, ok := LookupAutoscalerChart(c.ClusterAutoscalerChart)
	switch {
	case !ok:
		is.add(path, "unknown chart version %q; known: %s", c.ClusterAutoscalerChart, knownAutoscalerCharts(""))
	case chart.Minor() != c.KubernetesVersion:
		want := knownAutoscalerCharts(c.KubernetesVersion)
		if want == "" {
			want = "none known; add the release to the table in pkg/config/charts.go"
		}
		is.add(path, "chart %s runs cluster-autoscaler %s, built for Kubernetes %s, but kubernetesVersion is %s; "+
			"the autoscaler supports only its own minor version; for %s: %s",
			chart.Chart, chart.AppVersion, chart.Minor(), c.KubernetesVersion, c.KubernetesVersion, want)
	}
}

func validateNodeGroup(is *issues, gp string, g NodeGroup, environment Environment) {
	oneOf(is, gp+".capacityType", g.CapacityType, capacityTypes)
	if len(g.InstanceTypes) == 0 {
		is.add(gp+".instanceTypes", "missing; list one type, or several of the same size for spot")
	}
	for j, it := range g.InstanceTypes {
		family, size, _ := strings.Cut(it, ".")
		if !slices.Contains(nodeFamilies, family) || !slices.Contains(nodeSizes, size) {
			is.add(fmt.Sprintf("%s.instanceTypes[%d]", gp, j), "unknown instance type %q; want <family>.<size> with family one of %s and size one of %s",
				it, strings.Join(nodeFamilies, ", "), strings.Join(nodeSizes, ", "))
		} else if family[0] == 't' && environment == EnvProduction {
			is.add(fmt.Sprintf("%s.instanceTypes[%d]", gp, j), "%q: burstable nodes throttle under sustained load; not in production", it)
		}
	}
	if g.CapacityType == CapacitySpot && len(g.InstanceTypes) < 2 {
		is.add(gp+".instanceTypes", "a spot group needs several interchangeable types: one type's spot pool can run dry")
	}
	if g.MinSize < 0 || g.MaxSize < 1 || g.MaxSize > maxNodeGroupSize {
		is.add(gp+".maxSize", "sizes %d..%d: want minSize >= 0 and maxSize 1 to %d", g.MinSize, g.MaxSize, maxNodeGroupSize)
	} else if g.MinSize > g.DesiredSize || g.DesiredSize > g.MaxSize {
		is.add(gp+".desiredSize", "min %d, desired %d, max %d: want min <= desired <= max", g.MinSize, g.DesiredSize, g.MaxSize)
	}
	if g.DiskSizeGiB < 20 || g.DiskSizeGiB > 16384 {
		is.add(gp+".diskSizeGiB", "%d: want 20 to 16384", g.DiskSizeGiB)
	}
	for k := range g.Labels {
		if !labelKeyRE.MatchString(k) {
			is.add(gp+".labels."+k, "not a Kubernetes label key")
		}
	}
	for j, t := range g.Taints {
		tp := fmt.Sprintf("%s.taints[%d]", gp, j)
		if !labelKeyRE.MatchString(t.Key) {
			is.add(tp+".key", "%q is not a Kubernetes taint key", t.Key)
		}
		oneOf(is, tp+".effect", t.Effect, taintEffects)
	}
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}
