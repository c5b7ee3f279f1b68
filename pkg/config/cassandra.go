package config

import (
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/global-sovereign/global-sovereign/pkg/netplan"
)

// Cassandra is the region's datacenter of its environment's Cassandra cluster
// (global-sovereign:cassandra, region stacks with a cluster). The datacenter is named after the
// region code and runs one rack per availability zone on a node group of its own in each zone;
// the K8ssandraCluster that joins the datacenters is declared by the global stack
// (global-sovereign:cassandraCluster), which reads every region. A region without this block
// has no datacenter.
type Cassandra struct {
	// ControlPlane runs the k8ssandra-operator in control-plane mode in this region's cluster:
	// the K8ssandraCluster lives there and reaches the other regions' clusters through their
	// operators' service-account kubeconfigs. Exactly one region with a datacenter per
	// environment sets it, and its stack must read no other region stack (the Aurora primary or
	// a region without a database), so that the data-plane regions can read it without a cycle.
	ControlPlane bool `json:"controlPlane,omitempty"`
	// Size is the number of Cassandra nodes in the datacenter: a multiple of the number of
	// availability zones (every rack holds the same number), at most [maxCassandraSize].
	Size int `json:"size"`
	// ReplicationFactor is how many copies of each row of the user keyspaces this datacenter
	// keeps: 1 to size; production keeps at least 2 so a local read survives a node's loss.
	ReplicationFactor int `json:"replicationFactor"`
	// InstanceType is the memory-optimised x86_64 instance type of the datacenter's nodes, one
	// Cassandra node per instance.
	// Allowed: family one of [cassandraFamilies]; size one of [nodeSizes].
	InstanceType string `json:"instanceType"`
	// StorageGiB is each node's data volume (gp3, encrypted, on the cluster's gp3 StorageClass),
	// 100 to 16384 GiB.
	// Default: [DefaultCassandraStorageGiB].
	StorageGiB int `json:"storageGiB,omitempty"`
	// HeapSize is the JVM heap of each node, a whole number of gigabytes such as "16G": at least
	// 1G, at most 31G (compressed object pointers) and at most half of memory (the rest is the
	// page cache and off-heap structures Cassandra relies on).
	HeapSize string `json:"heapSize"`
	// CPU is the cores each Cassandra pod requests and is limited to, a Kubernetes quantity ("6"
	// or "6500m"); it must leave room on the instance for the node's agents.
	CPU string `json:"cpu"`
	// Memory is the memory each Cassandra pod requests and is limited to, in Gi ("48Gi"); it
	// must fit the instance type with room for the node's agents.
	Memory string `json:"memory"`
	// Removal takes the datacenter out of the cluster, one deployed step at a time (README,
	// "Removing a datacenter"): "replication" first (the user keyspaces stop replicating to it;
	// the k8ssandra-operator refuses to decommission a datacenter a keyspace still replicates
	// to), then "datacenter" (the K8ssandraCluster drops it and the operator decommissions it,
	// while its ClientConfig, operator and nodes stay), and only once the K8ssandraCluster's
	// status no longer lists it, the block is deleted. Empty: a member of the cluster. The
	// control plane's datacenter cannot be removed this way.
	// Allowed: [cassandraRemovals].
	Removal CassandraRemoval `json:"removal,omitempty"`
}

// CassandraRemoval is a step of taking a datacenter out of the cluster (Cassandra.Removal).
type CassandraRemoval string

// The removal steps, in order.
const (
	RemovalNone        CassandraRemoval = ""
	RemovalReplication CassandraRemoval = "replication"
	RemovalDatacenter  CassandraRemoval = "datacenter"
)

// cassandraRemovals are the removal steps in order.
var cassandraRemovals = []CassandraRemoval{RemovalNone, RemovalReplication, RemovalDatacenter}

// Replicated says whether the user keyspaces replicate to the datacenter.
func (c *Cassandra) Replicated() bool { return c.Removal == RemovalNone }

// InCluster says whether the K8ssandraCluster lists the datacenter.
func (c *Cassandra) InCluster() bool { return c.Removal != RemovalDatacenter }

// CassandraCluster is the environment's Cassandra cluster (global-sovereign:cassandraCluster,
// global stacks): its name, version and user keyspaces. The global stack declares the
// K8ssandraCluster in the control-plane region's cluster, one datacenter per region stack with
// a global-sovereign:cassandra block, and the Job that creates the keyspaces.
type CassandraCluster struct {
	// Name is the Cassandra cluster's name, a lowercase DNS label of at most 20 characters (the
	// operator builds Service and StatefulSet names from it).
	Name string `json:"name"`
	// ServerVersion is the Cassandra version every datacenter runs, quoted.
	// Allowed: [cassandraVersions].
	ServerVersion string `json:"serverVersion"`
	// Keyspaces are the user keyspaces, created if missing and given the replication of every
	// datacenter (NetworkTopologyStrategy); lowercase letters, digits and underscores, starting
	// with a letter, not system*.
	Keyspaces []string `json:"keyspaces"`
	// Backup is how Medusa backs every datacenter up to the cluster's S3 bucket in the control
	// plane's region (docs/cassandra.md); omitted, the defaults of its keys apply.
	Backup *CassandraBackup `json:"backup,omitempty"`
	// Repair is how Reaper, in the control plane's datacenter, schedules repairs of every user
	// keyspace (docs/operations/cassandra-repair.md); omitted, the defaults of its keys apply.
	Repair *CassandraRepair `json:"repair,omitempty"`
}

// Grafana is the fleet's one Grafana (global-sovereign:grafana, global stacks): the Grafana
// chart with a persistent volume in one region's cluster, with every region's Amazon Managed
// Service for Prometheus workspace as a data source.
type Grafana struct {
	// Region is the code of the region stack whose cluster runs Grafana; it needs a cluster and
	// global-sovereign:monitoring.
	Region string `json:"region"`
	// StorageGiB is Grafana's volume (dashboards, users), 1 to 100 GiB.
	// Default: [DefaultGrafanaStorageGiB].
	StorageGiB int `json:"storageGiB,omitempty"`
}

// Monitoring is the region's metrics and alerting (global-sovereign:monitoring, region and
// environment stacks with a cluster): in a region stack an Amazon Managed Service for Prometheus
// workspace, kube-prometheus-stack in the cluster remote-writing to it, and alert rules evaluated
// in the workspace that notify the region's alerts topic; in an environment stack
// kube-prometheus-stack writing to its region's workspace (the region's rules see its series
// under its cluster label), so the region needs monitoring too.
type Monitoring struct {
	// DiskAlertPercent alerts when a Cassandra data volume is fuller than this, 50 to 95.
	// Default: [DefaultDiskAlertPercent].
	DiskAlertPercent int `json:"diskAlertPercent,omitempty"`
	// NodeCPUAlertPercent is no longer read: node CPU is alarmed once, by CloudWatch, per node
	// group at its kind's threshold (cluster.nodeCpuAlarmPercent); a Prometheus rule per node
	// paged twice for general groups and for spot, batch and Cassandra nodes doing their normal
	// work. A value here is refused with the key to use instead.
	NodeCPUAlertPercent int `json:"nodeCpuAlertPercent,omitempty"`
}

// Defaults of the Cassandra, Grafana and monitoring blocks.
const (
	DefaultCassandraStorageGiB = 500
	DefaultGrafanaStorageGiB   = 10
	DefaultDiskAlertPercent    = 80
	maxCassandraSize           = 90
	maxHeapGiB                 = 31
)

var (
	// cassandraVersions are the Cassandra releases the pinned k8ssandra-operator runs.
	cassandraVersions = []string{"4.1.8", "4.1.9", "5.0.4", "5.0.5"}
	// cassandraFamilies are the memory-optimised x86_64 families for Cassandra nodes.
	cassandraFamilies = []string{"r5", "r5a", "r6i", "r6a", "r7i"}
	cassandraLabelRE  = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$`)
	keyspaceRE        = regexp.MustCompile(`^[a-z][a-z0-9_]{0,47}$`)
	heapRE            = regexp.MustCompile(`^([0-9]{1,3})G$`)
	cassandraMemoryRE = regexp.MustCompile(`^([0-9]{1,4})Gi$`)
	cassandraCPURE    = regexp.MustCompile(`^([0-9]{1,3}|[0-9]{1,6}m)$`)
)

// cassandraSizeGiB is the memory of the instance sizes the node families offer: a "large" of an
// r family has 16 GiB, and every step doubles it (2xlarge 64 GiB, ...).
var cassandraSizeGiB = map[string]int{"large": 16, "xlarge": 32, "2xlarge": 64, "4xlarge": 128, "8xlarge": 256,
	"12xlarge": 384, "16xlarge": 512, "24xlarge": 768}

// cassandraSizeCPU is the vCPUs of each size.
var cassandraSizeCPU = map[string]int{"large": 2, "xlarge": 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32,
	"12xlarge": 48, "16xlarge": 64, "24xlarge": 96}

// cassandraENIs is the network interfaces of each size of the r families: how many, and how many
// IPv4 addresses each holds (EC2 User Guide, "IP addresses per network interface per instance
// type": r5, r6i, r7i large 3 x 10, xlarge and 2xlarge 4 x 15, 4xlarge to 12xlarge 8 x 30,
// 16xlarge and 24xlarge 15 x 50). The kubelet's max pods (the VPC CNI's limit, as the EKS AMI
// computes it) and the addresses a node holds in its subnet both follow from it.
var cassandraENIs = map[string]struct{ count, addresses int }{"large": {3, 10}, "xlarge": {4, 15}, "2xlarge": {4, 15},
	"4xlarge": {8, 30}, "8xlarge": {8, 30}, "12xlarge": {8, 30}, "16xlarge": {15, 50}, "24xlarge": {15, 50}}

// cassandraMaxPods is the kubelet's max pods of a size (ENIs x (addresses - 1) + 2, the EKS AMI's
// formula): the memory the kubelet reserves grows with it. 0 for an unknown size.
func cassandraMaxPods(size string) int {
	e, ok := cassandraENIs[size]
	if !ok {
		return 0
	}
	return e.count*(e.addresses-1) + 2
}

// nodeReservedMilli is the CPU a Cassandra pod may not request: the kubelet's reservation and the
// node's agents (aws-node, kube-proxy, the CSI node plugin, node-exporter, the Pod Identity agent).
const nodeReservedMilli = 1000

// CassandraMemoryCeilingGiB is the most memory a Cassandra pod of the instance type may request
// and still schedule: the instance's memory, less what the kernel keeps (about 5%), the
// kubelet's reservation on AL2023 (255 MiB + 11 MiB per pod of max pods, and 100 MiB for
// eviction), and 1 GiB for the node's agents and the datacenter's logging sidecar. 0 for an
// unknown size.
func CassandraMemoryCeilingGiB(size string) int {
	mem, pods := cassandraSizeGiB[size], cassandraMaxPods(size)
	if mem == 0 || pods == 0 {
		return 0
	}
	reservedMiB := 255 + 11*pods + 100 + 1024
	return (mem*1024*95/100 - reservedMiB) / 1024
}

// What the control plane's Cassandra nodes keep for the k8ssandra-operator and Reaper, which run
// there so that their calls to the other datacenters come from the Cassandra tier
// (components/cassandra OperatorResources; Reaper's requests are the operator's defaults,
// k8ssandra-operator v1.32.5 pkg/reaper/deployment.go: 100m, 256Mi, limit 3Gi): the memory
// limits, so neither can take the Cassandra pod's memory, and the CPU requests.
const (
	ControlPlaneOpsMemoryGiB = 4   // Reaper's 3Gi limit and the operator's 1Gi
	ControlPlaneOpsMilli     = 300 // the operator's 100m, Reaper's 100m and its init container's 100m
)

// cassandraSurgeNodes is how many nodes beyond a rack's size its node group may run during an
// update: EKS launches new nodes before it drains the old ones (the update's surge), so the
// subnet must hold them too.
const cassandraSurgeNodes = 2

// CassandraNodeAddresses is how many addresses of its subnet a Cassandra node of the size takes,
// two interfaces' worth: the VPC CNI gives a node's pods addresses of the node's subnet and, with
// WARM_ENI_TARGET 1 (its default, which components/cluster keeps), holds every address of the
// attached interfaces and of one warm interface; a Cassandra node, with few pods, has one
// attached (amazon-vpc-cni-k8s docs/eni-and-ip-target.md). 0 for an unknown size.
func CassandraNodeAddresses(size string) int { return 2 * cassandraENIs[size].addresses }

// CassandraSubnetCapacity is each AZ's Cassandra subnet of a VPC (netplan) and how many Cassandra
// nodes of the size it holds per AZ, with an update's surge kept free; "" for a VPC CIDR that is
// not valid or a size that is not known.
func CassandraSubnetCapacity(vpcCIDR, size string) (string, int) {
	vpc, err := netip.ParsePrefix(vpcCIDR)
	per := CassandraNodeAddresses(size)
	if err != nil || per == 0 || vpc.Bits() < netplan.MinPrefix || vpc.Bits() > netplan.MaxPrefix {
		return "", 0
	}
	plan, err := netplan.Compute(vpc.Masked(), 1)
	if err != nil {
		return "", 0
	}
	sub := plan.Cassandra[0]
	usable := 1<<(32-sub.Bits()) - 5 // AWS keeps 5 addresses of every subnet
	return sub.String(), max(usable/per-cassandraSurgeNodes, 0)
}

// MaxCassandraSources is how many peer datacenters' VPCs a Cassandra nodes' security group can
// admit: two rules each (internode 7000-7001 and ICMP path MTU discovery) and one for the
// control plane's management API calls, within the 60 inbound rules AWS allows per security
// group by default. Within its own region the group admits nothing by CIDR.
const MaxCassandraSources = 29

func (c *Cassandra) applyDefaults() {
	if c == nil {
		return
	}
	if c.StorageGiB == 0 {
		c.StorageGiB = DefaultCassandraStorageGiB
	}
}

func (g *Grafana) applyDefaults() {
	if g != nil && g.StorageGiB == 0 {
		g.StorageGiB = DefaultGrafanaStorageGiB
	}
}

func (m *Monitoring) applyDefaults() {
	if m == nil {
		return
	}
	if m.DiskAlertPercent == 0 {
		m.DiskAlertPercent = DefaultDiskAlertPercent
	}
}

// RacksPerZone is how many Cassandra nodes each availability zone's rack holds.
func (s *Stack) RacksPerZone() int {
	if s.Cassandra == nil || s.Network == nil || len(s.Network.AvailabilityZones) == 0 {
		return 0
	}
	return s.Cassandra.Size / len(s.Network.AvailabilityZones)
}

// HeapGiB is the heap size in GiB (validated).
func (c *Cassandra) HeapGiB() int {
	m := heapRE.FindStringSubmatch(c.HeapSize)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func (s *Stack) validateCassandra(is *issues) {
	c := s.Cassandra
	if s.Cluster == nil {
		is.add(keyPath(KeyCassandra), "a Cassandra datacenter runs in the region's cluster; add global-sovereign:cluster or remove this block")
	}
	// The operator's telemetry creates a ServiceMonitor for the datacenter, a kind that
	// kube-prometheus-stack (global-sovereign:monitoring) installs.
	if s.Monitoring == nil {
		is.add(keyPath(KeyCassandra), "a Cassandra datacenter is monitored: add global-sovereign:monitoring (its chart brings the ServiceMonitor kind the datacenter's telemetry needs)")
	}
	zones := 0
	if s.Network != nil {
		zones = len(s.Network.AvailabilityZones)
	}
	switch {
	case c.Size < 1 || c.Size > maxCassandraSize:
		is.add(keyPath(KeyCassandra, "size"), "%d: want 1 to %d nodes", c.Size, maxCassandraSize)
	case zones > 0 && c.Size%zones != 0:
		is.add(keyPath(KeyCassandra, "size"), "%d nodes over %d availability zones: want a multiple of %d (one rack per zone, the same number of nodes in each)",
			c.Size, zones, zones)
	case zones > 0:
		_, size, _ := strings.Cut(c.InstanceType, ".")
		if subnet, most := CassandraSubnetCapacity(s.Network.VPCCIDR, size); subnet != "" && c.Size/zones > most {
			is.add(keyPath(KeyCassandra, "size"), "%d nodes per availability zone do not fit the zone's Cassandra subnet (%s in VPC %s holds at most %d %s nodes "+
				"of %d addresses each, which the VPC CNI keeps for a node's pods, with %d more for an update's new nodes); want at most %d nodes, a smaller instance size or a larger VPC",
				c.Size/zones, subnet, s.Network.VPCCIDR, most, c.InstanceType, CassandraNodeAddresses(size), cassandraSurgeNodes, most*zones)
		}
	}
	switch {
	case c.ReplicationFactor < 1:
		is.add(keyPath(KeyCassandra, "replicationFactor"), "%d: want at least 1", c.ReplicationFactor)
	case c.ReplicationFactor > c.Size && c.Size >= 1:
		is.addPair(keyPath(KeyCassandra, "replicationFactor"), keyPath(KeyCassandra, "size"),
			"%d is more than the datacenter's %d nodes: a keyspace cannot keep more copies than there are nodes", c.ReplicationFactor, c.Size)
	case c.ReplicationFactor < 2 && s.Settings.Environment == EnvProduction:
		is.add(keyPath(KeyCassandra, "replicationFactor"), "%d: production keeps at least 2 copies per datacenter", c.ReplicationFactor)
	}
	switch {
	case !slices.Contains(cassandraRemovals, c.Removal):
		is.add(keyPath(KeyCassandra, "removal"), "%q: want \"\" (a member), %q or %q", c.Removal, RemovalReplication, RemovalDatacenter)
	case c.Removal != RemovalNone && c.ControlPlane:
		is.add(keyPath(KeyCassandra, "removal"), "%q: the control plane's datacenter holds the K8ssandraCluster and cannot be removed; move the control plane to another region first", c.Removal)
	}
	family, size, _ := strings.Cut(c.InstanceType, ".")
	memGiB, cpus := cassandraSizeGiB[size], cassandraSizeCPU[size]
	if !slices.Contains(cassandraFamilies, family) || !slices.Contains(nodeSizes, size) {
		is.add(keyPath(KeyCassandra, "instanceType"), "%q: want a memory-optimised <family>.<size> with family one of %s and size one of %s",
			c.InstanceType, strings.Join(cassandraFamilies, ", "), strings.Join(nodeSizes, ", "))
		memGiB, cpus = 0, 0
	}
	if c.StorageGiB < 100 || c.StorageGiB > 16384 {
		is.add(keyPath(KeyCassandra, "storageGiB"), "%d: want 100 to 16384 GiB", c.StorageGiB)
	}
	mem := 0
	if m := cassandraMemoryRE.FindStringSubmatch(c.Memory); m == nil || atoi(m[1]) == 0 {
		is.add(keyPath(KeyCassandra, "memory"), "%q: want whole gibibytes such as \"48Gi\" (at least 1)", c.Memory)
	} else {
		mem = atoi(m[1])
		ceiling, beside := CassandraMemoryCeilingGiB(size), ""
		if c.ControlPlane {
			ceiling -= ControlPlaneOpsMemoryGiB
			beside = fmt.Sprintf(" and %d GiB for the k8ssandra-operator and Reaper, which run on the control plane's Cassandra nodes", ControlPlaneOpsMemoryGiB)
		}
		if memGiB > 0 && mem > ceiling {
			is.add(keyPath(KeyCassandra, "memory"), "%s does not fit a %s (%d GiB, of which the kernel, the kubelet and the node's agents keep the rest%s); want at most %dGi",
				c.Memory, c.InstanceType, memGiB, beside, ceiling)
		}
	}
	milli := 0
	if cassandraCPURE.MatchString(c.CPU) {
		if n, ok := strings.CutSuffix(c.CPU, "m"); ok {
			milli = atoi(n)
		} else {
			milli = atoi(n) * 1000
		}
	}
	if milli == 0 {
		is.add(keyPath(KeyCassandra, "cpu"), "%q: want cores (\"6\") or millicores (\"6500m\"), more than 0", c.CPU)
	} else {
		reserved, beside := nodeReservedMilli, ""
		if c.ControlPlane {
			reserved += ControlPlaneOpsMilli
			beside = fmt.Sprintf(" and %dm for the k8ssandra-operator and Reaper", ControlPlaneOpsMilli)
		}
		if cpus > 0 && milli > cpus*1000-reserved {
			is.add(keyPath(KeyCassandra, "cpu"), "%s does not fit a %s (%d vCPUs) with one core kept for the node's agents%s; want at most %dm",
				c.CPU, c.InstanceType, cpus, beside, cpus*1000-reserved)
		}
	}
	heap := c.HeapGiB()
	switch {
	case heap == 0:
		is.add(keyPath(KeyCassandra, "heapSize"), "%q: want whole gigabytes such as \"16G\"", c.HeapSize)
	case heap > maxHeapGiB:
		is.add(keyPath(KeyCassandra, "heapSize"), "%s: at most %dG (above it the JVM loses compressed object pointers)", c.HeapSize, maxHeapGiB)
	case mem > 0 && heap*2 > mem:
		is.addPair(keyPath(KeyCassandra, "heapSize"), keyPath(KeyCassandra, "memory"),
			"%s is more than half of the pod's %s: Cassandra needs the rest for the page cache and off-heap memory", c.HeapSize, c.Memory)
	}
}

func (s *Stack) validateCassandraCluster(is *issues) {
	c := s.CassandraCluster
	if !cassandraLabelRE.MatchString(c.Name) {
		is.add(keyPath(KeyCassandraCluster, "name"), "%q: want a lowercase DNS label of at most 20 characters (letters, digits, dashes)", c.Name)
	}
	if !slices.Contains(cassandraVersions, c.ServerVersion) {
		is.add(keyPath(KeyCassandraCluster, "serverVersion"), "%q: allowed: %s (quoted)", c.ServerVersion, strings.Join(cassandraVersions, ", "))
	}
	if len(c.Keyspaces) == 0 {
		is.add(keyPath(KeyCassandraCluster, "keyspaces"), "missing; list the user keyspaces to create, e.g. [platform]")
	}
	seen := map[string]bool{}
	for i, k := range c.Keyspaces {
		path := fmt.Sprintf("%s[%d]", keyPath(KeyCassandraCluster, "keyspaces"), i)
		switch {
		case !keyspaceRE.MatchString(k) || strings.HasPrefix(k, "system"):
			is.add(path, "%q: want lowercase letters, digits and underscores, starting with a letter, at most 48, not system*", k)
		case seen[k]:
			is.add(path, "%q is listed twice", k)
		}
		seen[k] = true
	}
	s.validateCassandraOps(is)
}

func (s *Stack) validateGrafana(is *issues) {
	g := s.Grafana
	if g.Region == "" {
		is.add(keyPath(KeyGrafana, "region"), "missing; name the region stack code whose cluster runs Grafana")
	}
	if g.StorageGiB < 1 || g.StorageGiB > 100 {
		is.add(keyPath(KeyGrafana, "storageGiB"), "%d: want 1 to 100 GiB", g.StorageGiB)
	}
}

func (s *Stack) validateMonitoring(is *issues) {
	m := s.Monitoring
	if s.Cluster == nil {
		is.add(keyPath(KeyMonitoring), "monitoring runs in the stack's cluster; add global-sovereign:cluster or remove this block")
	}
	if m.DiskAlertPercent < 50 || m.DiskAlertPercent > 95 {
		is.add(keyPath(KeyMonitoring, "diskAlertPercent"), "%d: want 50 to 95", m.DiskAlertPercent)
	}
	if m.NodeCPUAlertPercent != 0 {
		is.add(keyPath(KeyMonitoring, "nodeCpuAlertPercent"), "%d: no longer read; node CPU alarms are CloudWatch's, per node group kind: "+
			"remove this key and set global-sovereign:cluster.nodeCpuAlarmPercent (general, spot, dedicated, cassandra; 0 turns a kind off)", m.NodeCPUAlertPercent)
	}
}

// CassandraDatacenters are the region stacks of env with a Cassandra datacenter, in code order.
func (f *Fleet) CassandraDatacenters(env Environment) []*Stack {
	var out []*Stack
	for _, x := range f.Stacks {
		if x.Settings.Kind == KindRegion && x.Settings.Environment == env && x.Cassandra != nil {
			out = append(out, x)
		}
	}
	slices.SortFunc(out, func(a, b *Stack) int { return strings.Compare(a.Settings.Code, b.Settings.Code) })
	return out
}

// CassandraControlPlane is the region stack of env whose cluster runs the control-plane
// operator, or nil.
func (f *Fleet) CassandraControlPlane(env Environment) *Stack {
	for _, x := range f.CassandraDatacenters(env) {
		if x.Cassandra.ControlPlane {
			return x
		}
	}
	return nil
}

// CassandraReaperCIDR is where Reaper calls s's nodes from when it runs in another region: the
// control plane's Cassandra tier, where k8ssandra-operator v1.32.5 places the cluster's one
// Reaper (deploymentMode SINGLE: controllers/k8ssandra/reaper.go getSingleReaperDcName, the first
// datacenter) and the program schedules it onto the Cassandra nodes. "" when the cluster has no
// repairs or s is the control plane (Reaper is then one of its own pods).
func (f *Fleet) CassandraReaperCIDR(s *Stack) string {
	cc := f.CassandraClusterOf(s.Settings.Environment)
	if cc == nil || cc.Repair == nil {
		return ""
	}
	return f.CassandraControlPlaneCIDR(s)
}

// CassandraControlPlaneCIDR is where the control plane's k8ssandra-operator (and Reaper) call s's
// nodes from: the control plane's Cassandra tier, whose nodes the program schedules them onto
// ("" when s is the control plane).
func (f *Fleet) CassandraControlPlaneCIDR(s *Stack) string {
	cp := f.CassandraControlPlane(s.Settings.Environment)
	if cp == nil || cp.Name == s.Name {
		return ""
	}
	return cassandraTierOf(cp)
}

// cassandraTierOf is the block of x's VPC that holds its Cassandra subnets and nothing else
// (netplan.CassandraTier); "" when x has no valid network.
func cassandraTierOf(x *Stack) string {
	if x.Network == nil {
		return ""
	}
	vpc, err := netip.ParsePrefix(x.Network.VPCCIDR)
	if err != nil || vpc.Bits() < netplan.MinPrefix || vpc.Bits() > netplan.MaxPrefix {
		return ""
	}
	return netplan.CassandraTier(vpc.Masked()).String()
}

// CassandraClusterOf is the Cassandra cluster config of env (its global stack's), or nil.
func (f *Fleet) CassandraClusterOf(env Environment) *CassandraCluster {
	if g := f.globalOf(env); g != nil {
		return g.CassandraCluster
	}
	return nil
}

// CassandraPeerCIDRs are the Cassandra tiers of the other datacenters of s's environment: what may
// reach s's Cassandra internode ports over the peering. The tier holds the Cassandra nodes (and
// their pods) and nothing else of the peer's VPC, so the staging and development clusters that
// share a peer region's VPC are not among them.
func (f *Fleet) CassandraPeerCIDRs(s *Stack) []string {
	var out []string
	for _, x := range f.CassandraDatacenters(s.Settings.Environment) {
		if c := cassandraTierOf(x); x.Name != s.Name && c != "" {
			out = append(out, c)
		}
	}
	return out
}

// validateCassandraFleet checks what spans stacks: per environment with datacenters, one
// control plane whose stack reads no other region, a global stack with the cluster's config;
// a Grafana region that has monitoring.
func (f *Fleet) validateCassandraFleet() Problems {
	var out Problems
	envs := map[Environment]bool{}
	for _, x := range f.Stacks {
		if x.Settings.Kind == KindRegion && x.Cassandra != nil {
			envs[x.Settings.Environment] = true
		}
	}
	for _, env := range slices.Sorted(maps.Keys(envs)) {
		dcs := f.CassandraDatacenters(env)
		var planes []*Stack
		for _, x := range dcs {
			if x.Cassandra.ControlPlane {
				planes = append(planes, x)
			}
		}
		switch len(planes) {
		case 0:
			out = append(out, dcs[0].problem(keyPath(KeyCassandra, "controlPlane"),
				"no region of environment %s runs the Cassandra control plane; set controlPlane: true in exactly one of %s", env, stackNames(dcs)))
		case 1:
			if refs := f.regionReferences(planes[0]); len(refs) > 0 {
				out = append(out, planes[0].problem(keyPath(KeyCassandra, "controlPlane"),
					"stack %s reads %v, and every data-plane region reads the control plane: choose a region that reads no other region stack (the Aurora primary or one without a database)",
					planes[0].Name, refs))
			}
		default:
			for _, p := range planes[1:] {
				out = append(out, p.problem(keyPath(KeyCassandra, "controlPlane"),
					"stack %s also runs the control plane; exactly one region of environment %s may (%s does)", p.Name, env, planes[0].Name))
			}
		}
		for _, x := range dcs {
			if n := len(dcs) - 1; n > MaxCassandraSources {
				out = append(out, x.problem(keyPath(KeyCassandra),
					"%d datacenters: %s's Cassandra security group would admit %d networks (peer VPCs), more than the %d that fit AWS's default of 60 inbound rules per security group; raise the quota and this limit with it",
					len(dcs), x.Name, n, MaxCassandraSources))
			}
			if !x.Cassandra.ControlPlane && len(f.PublicEndpointCIDRs(x)) == 0 {
				out = append(out, x.problem(keyPath(KeyCassandra),
					"the control plane's operator manages this datacenter through the cluster's public API endpoint (admitting its NAT addresses), and %s has none: give global-sovereign:cluster.endpointPublicCidrs or an office VPN", x.Name))
			}
		}
		g := f.globalOf(env)
		if g == nil || g.CassandraCluster == nil {
			out = append(out, dcs[0].problem(keyPath(KeyCassandra),
				"environment %s has Cassandra datacenters but no global stack with global-sovereign:cassandraCluster (name, serverVersion, keyspaces) to join them", env))
		}
	}
	for _, x := range f.Stacks {
		if x.Settings.Kind != KindEnvironment || x.Monitoring == nil {
			continue
		}
		if r := f.NetworkStack(x); r != nil && r.Monitoring == nil {
			out = append(out, x.problem(keyPath(KeyMonitoring),
				"writes to the Prometheus workspace of region stack %s, which has no global-sovereign:monitoring; add it there or remove this block", r.Name))
		}
	}
	for _, g := range f.Stacks {
		if g.Settings.Kind != KindGlobal {
			continue
		}
		if g.CassandraCluster != nil && len(f.CassandraDatacenters(g.Settings.Environment)) == 0 {
			out = append(out, g.problem(keyPath(KeyCassandraCluster),
				"no region stack of environment %s has global-sovereign:cassandra; add a datacenter or remove this block", g.Settings.Environment))
		}
		if gr := g.Grafana; gr != nil && gr.Region != "" {
			var host *Stack
			for _, x := range f.Stacks {
				if x.Settings.Kind == KindRegion && x.Settings.Environment == g.Settings.Environment && x.Settings.Code == gr.Region {
					host = x
				}
			}
			switch {
			case host == nil:
				out = append(out, g.problem(keyPath(KeyGrafana, "region"), "%q is not a region stack of environment %s; allowed: %s",
					gr.Region, g.Settings.Environment, strings.Join(f.regionCodes(g.Settings.Environment), ", ")))
			case host.Cluster == nil || host.Monitoring == nil:
				out = append(out, g.problem(keyPath(KeyGrafana, "region"), "region %s has no cluster with global-sovereign:monitoring to run Grafana in", gr.Region))
			}
		}
	}
	return out
}

// regionReferences are the region stacks s reads apart from the Cassandra control plane.
func (f *Fleet) regionReferences(s *Stack) []string {
	var out []string
	for _, name := range f.baseReferences(s) {
		if x := f.Stack(name); x != nil && x.Settings.Kind == KindRegion {
			out = append(out, name)
		}
	}
	return out
}

func (f *Fleet) regionCodes(env Environment) []string {
	var out []string
	for _, x := range f.Stacks {
		if x.Settings.Kind == KindRegion && x.Settings.Environment == env {
			out = append(out, x.Settings.Code)
		}
	}
	slices.Sort(out)
	return out
}

// stackNames lists the first few stacks' names for a message.
func stackNames(stacks []*Stack) string {
	const most = 6
	var out []string
	for i, x := range stacks {
		if i == most {
			out = append(out, fmt.Sprintf("and %d more", len(stacks)-most))
			break
		}
		out = append(out, x.Name)
	}
	return strings.Join(out, ", ")
}
