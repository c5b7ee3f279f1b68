package program_test

// The Cassandra cluster and the monitoring, read from the synthesized graphs of the committed
// fleet: where the control plane runs, what every datacenter gets, who reaches Cassandra's
// ports, the replication the keyspace Job sets, and that each alert and write path is scoped.

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"

	"github.com/global-sovereign/global-sovereign/components/cassandra"
	"github.com/global-sovereign/global-sovereign/components/cassandracluster"
	"github.com/global-sovereign/global-sovereign/components/monitoring"
	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/netplan"
	"github.com/global-sovereign/global-sovereign/pkg/program"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

const (
	tK8ssandraCluster = "kubernetes:k8ssandra.io/v1alpha1:K8ssandraCluster"
	tClientConfig     = "kubernetes:config.k8ssandra.io/v1beta1:ClientConfig"
	tRelease          = "kubernetes:helm.sh/v3:Release"
	tIngressRule      = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	tReplicatedSecret = "kubernetes:replication.k8ssandra.io/v1alpha1:ReplicatedSecret"
	tNetworkPolicy    = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
)

func committedFleet(t *testing.T) *config.Fleet {
	t.Helper()
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	return fleet
}

// datacenterSpecs are the K8ssandraCluster's datacenters by name.
func datacenterSpecs(t *testing.T, g *synth.Graph) map[string]map[string]any {
	t.Helper()
	k := one(t, g, "global", tK8ssandraCluster)
	out := map[string]map[string]any{}
	for _, d := range asList(k.Inputs["spec"].(map[string]any)["cassandra"].(map[string]any)["datacenters"]) {
		dc := d.(map[string]any)
		out[dc["metadata"].(map[string]any)["name"].(string)] = dc
	}
	return out
}

// The control plane runs in exactly one cluster, the one config names; the K8ssandraCluster is
// declared once, by the global stack, with that cluster's Kubernetes provider.
func TestCassandraControlPlaneInOneCluster(t *testing.T) {
	fleet := committedFleet(t)
	cp := fleet.CassandraControlPlane(config.EnvProduction)
	if cp == nil {
		t.Fatal("no control plane in production")
	}
	var planes []string
	for name, g := range regionGraphs(t) {
		for _, r := range mustFind(t, g, name, "k8ssandra-operator release", withInput(tRelease, "chart", cassandra.OperatorChart)) {
			if r.Inputs["values"].(map[string]any)["controlPlane"] == true {
				planes = append(planes, name)
			}
		}
		if len(g.ByType(tK8ssandraCluster)) != 0 {
			t.Errorf("%s declares a K8ssandraCluster; only the global stack does", name)
		}
	}
	if !slices.Equal(planes, []string{cp.Name}) {
		t.Errorf("control-plane operators in %v, want only %s", planes, cp.Name)
	}
	g := synthAll(t)["global"].Graph
	k := one(t, g, "global", tK8ssandraCluster)
	if !strings.HasSuffix(k.Provider, "::k8s-"+cp.Settings.Code) {
		t.Errorf("the K8ssandraCluster goes to %s, want the control plane's cluster (k8s-%s)", k.Provider, cp.Settings.Code)
	}
	if !k.Protect {
		t.Error("the K8ssandraCluster is not protected: destroying the global stack would delete every datacenter")
	}
	if md := k.Inputs["metadata"].(map[string]any); md["namespace"] != cassandra.Namespace {
		t.Errorf("K8ssandraCluster in namespace %v", md["namespace"])
	}
	// The global stack deploys after every datacenter's region: it reads them all.
	refs := fleet.References(fleet.Stack("global"))
	for _, dc := range fleet.CassandraDatacenters(config.EnvProduction) {
		if !slices.Contains(refs, dc.Name) {
			t.Errorf("global does not read %s, whose cluster it deploys a datacenter into", dc.Name)
		}
	}
}

// Every data-plane region's cluster is reachable from the control plane: a ClientConfig of the
// region's name pointing at a Secret with the region's kubeconfig (a secret output of the
// region: its operator's token, never the exec-based EKS kubeconfig), and the datacenter's
// k8sContext names it.
func TestEveryDatacenterHasAClientConfig(t *testing.T) {
	fleet := committedFleet(t)
	results := synthAll(t)
	g := results["global"].Graph
	specs := datacenterSpecs(t, g)
	configs := map[string]map[string]any{}
	k := one(t, g, "global", tK8ssandraCluster)
	for _, c := range g.ByType(tClientConfig) {
		md := c.Inputs["metadata"].(map[string]any)
		configs[md["name"].(string)] = c.Inputs["spec"].(map[string]any)
		// The operator restarts to load a new ClientConfig; its webhook refuses the cluster's
		// k8sContext until then, so the K8ssandraCluster waits for the ClientConfig to be loaded.
		var conds []string
		if err := json.Unmarshal([]byte(md["annotations"].(map[string]any)["pulumi.com/waitFor"].(string)), &conds); err != nil ||
			!slices.Contains(conds, `jsonpath={.metadata.annotations['k8ssandra.io/secret-hash']}`) || !slices.Contains(k.DependsOn, c.URN) {
			t.Errorf("ClientConfig %s: waitFor %v (%v); the K8ssandraCluster waits for %v", md["name"], conds, err, k.DependsOn)
		}
	}
	job := one(t, g, "global", "kubernetes:batch/v1:Job")
	if job.Inputs["metadata"].(map[string]any)["annotations"].(map[string]any)["pulumi.com/replaceUnready"] != "true" || !job.DeleteBeforeReplace {
		t.Errorf("a failed keyspace Job would stay failed: %v, deleteBeforeReplace %v", job.Inputs["metadata"], job.DeleteBeforeReplace)
	}
	if n := len(g.ByType("kubernetes:core/v1:Secret")); n != 0 {
		t.Errorf("the global stack declares %d Secrets; each data-plane region writes its own kubeconfig Secret", n)
	}
	cp := fleet.CassandraControlPlane(config.EnvProduction)
	dcs := fleet.CassandraDatacenters(config.EnvProduction)
	if len(specs) != len(dcs) {
		t.Errorf("%d datacenters in the K8ssandraCluster, %d regions with one", len(specs), len(dcs))
	}
	for _, x := range dcs {
		code := x.Settings.Code
		spec, ok := specs[code]
		if !ok {
			t.Errorf("no datacenter %s", code)
			continue
		}
		if x.Cassandra.ControlPlane {
			if _, has := spec["k8sContext"]; has || configs[code] != nil {
				t.Errorf("%s: the control plane's own datacenter is local: k8sContext %v, ClientConfig %v", code, spec["k8sContext"], configs[code])
			}
			continue
		}
		cc := configs[code]
		if cc == nil || spec["k8sContext"] != code || cc["contextName"] != code {
			t.Errorf("%s: ClientConfig %v, k8sContext %v", code, cc, spec["k8sContext"])
			continue
		}
		// The ClientConfig names the Secret the region wrote into the control plane's cluster
		// (its output carries the name only), holding the kubeconfig as a secret.
		secretName := cc["kubeConfigSecret"].(map[string]any)["name"]
		region := results[x.Name].Graph
		if region.Outputs[program.OutCassandraClientConfigSecret] != secretName {
			t.Errorf("%s: ClientConfig names Secret %v, the region wrote %v", code, secretName, region.Outputs[program.OutCassandraClientConfigSecret])
		}
		written := mustFind(t, region, x.Name, "kubeconfig Secret in the control plane's cluster", func(r synth.Resource) bool {
			md, _ := r.Inputs["metadata"].(map[string]any)
			return r.Type == "kubernetes:core/v1:Secret" && md["name"] == secretName
		})
		if w := written[0]; w.Inputs["stringData"] != synth.SecretMarker || !strings.HasSuffix(w.Provider, "::k8s-"+cp.Settings.Code) ||
			w.Inputs["metadata"].(map[string]any)["namespace"] != cassandra.Namespace {
			t.Errorf("%s: kubeconfig Secret %v (provider %s), want a secret in %s of the control plane's cluster (k8s-%s)", code, w.Inputs, w.Provider, cassandra.Namespace, cp.Settings.Code)
		}
		// The kubeconfig is the operator's service-account token, from a token Secret.
		tokens := mustFind(t, region, x.Name, "operator token Secret", func(r synth.Resource) bool {
			return r.Type == "kubernetes:core/v1:Secret" && r.Inputs["type"] == "kubernetes.io/service-account-token"
		})
		ann := tokens[0].Inputs["metadata"].(map[string]any)["annotations"].(map[string]any)
		if ann["kubernetes.io/service-account.name"] != cassandra.OperatorServiceAccount {
			t.Errorf("%s: token Secret for %v", x.Name, ann)
		}
	}
	// The kubeconfig built from the token reaches the cluster as that account, in context code.
	kc0, err := cassandra.TokenKubeconfig("iad", "https://example.eks.amazonaws.com", "Q0E=", "dG9rZW4=")
	if err != nil {
		t.Fatal(err)
	}
	var kc struct {
		Current  string `json:"current-context"`
		Contexts []struct {
			Name string `json:"name"`
		} `json:"contexts"`
		Users []struct {
			User map[string]any `json:"user"`
		} `json:"users"`
	}
	if err := json.Unmarshal([]byte(kc0), &kc); err != nil || kc.Current != "iad" || kc.Contexts[0].Name != "iad" || kc.Users[0].User["token"] != "token" ||
		kc.Users[0].User["exec"] != nil {
		t.Errorf("token kubeconfig %s (%v)", kc0, err)
	}
	if _, err := cassandra.TokenKubeconfig("iad", "https://x", "Q0E=", ""); err == nil {
		t.Error("a token Secret the controller has not filled gives a kubeconfig")
	}
}

// Each datacenter: one rack per AZ on a fixed node group in that AZ (tainted, labelled, never
// resized by the autoscaler, its pods not evictable), 500Gi encrypted gp3 claims, resources and
// heap from config.
func TestDatacenterRacksNodesAndStorage(t *testing.T) {
	fleet := committedFleet(t)
	results := synthAll(t)
	specs := datacenterSpecs(t, results["global"].Graph)
	for _, x := range fleet.CassandraDatacenters(config.EnvProduction) {
		c, code, g := x.Cassandra, x.Settings.Code, results[x.Name].Graph
		spec := specs[code]
		claim := spec["storageConfig"].(map[string]any)["cassandraDataVolumeClaimSpec"].(map[string]any)
		if claim["storageClassName"] != "gp3" || claim["resources"].(map[string]any)["requests"].(map[string]any)["storage"] != "500Gi" {
			t.Errorf("%s: claims %v", code, claim)
		}
		sc := one(t, g, x.Name, "kubernetes:storage.k8s.io/v1:StorageClass")
		if p := sc.Inputs["parameters"].(map[string]any); sc.Inputs["metadata"].(map[string]any)["name"] != "gp3" || p["type"] != "gp3" || p["encrypted"] != "true" {
			t.Errorf("%s: StorageClass %v", x.Name, sc.Inputs)
		}
		if spec["size"] != float64(c.Size) || mustJSON(spec["resources"].(map[string]any)["limits"]) != mustJSON(map[string]any{"cpu": c.CPU, "memory": c.Memory}) {
			t.Errorf("%s: size %v resources %v", code, spec["size"], spec["resources"])
		}
		heap := spec["config"].(map[string]any)["jvmOptions"].(map[string]any)
		if heap["heap_max_size"] != fmt.Sprintf("%dGi", c.HeapGiB()) || heap["heap_initial_size"] != heap["heap_max_size"] {
			t.Errorf("%s: heap %v", code, heap)
		}
		if spec["metadata"].(map[string]any)["pods"].(map[string]any)["annotations"].(map[string]any)[cassandra.SafeToEvict] != "false" {
			t.Errorf("%s: pods may be evicted by the autoscaler: %v", code, spec["metadata"])
		}
		tol := asList(spec["tolerations"])
		if len(tol) != 1 || mustJSON(tol[0]) != mustJSON(map[string]any{"effect": "NoSchedule", "key": cassandra.NodeLabel, "operator": "Equal", "value": cassandra.NodeValue}) {
			t.Errorf("%s: tolerations %v", code, tol)
		}
		var racks []string
		for _, r := range asList(spec["racks"]) {
			rack := r.(map[string]any)
			racks = append(racks, rack["name"].(string))
			if rack["nodeAffinityLabels"].(map[string]any)[cassandra.RackLabel] != rack["name"] {
				t.Errorf("%s: rack %v", code, rack)
			}
		}
		if !slices.Equal(racks, x.Network.AvailabilityZones) {
			t.Errorf("%s: racks %v, want one per AZ %v", code, racks, x.Network.AvailabilityZones)
		}
		// The node groups: one per AZ, in that AZ's private subnet only.
		subnetAZ := map[string]string{}
		for _, s := range g.ByType("aws:ec2/subnet:Subnet") {
			subnetAZ[s.ID] = s.Inputs["availabilityZone"].(string)
		}
		groups := mustFind(t, g, x.Name, "Cassandra node groups", named("aws:eks/nodeGroup:NodeGroup", "-ng-cassandra-"))
		if len(groups) != len(x.Network.AvailabilityZones) {
			t.Errorf("%s: %d Cassandra node groups for %d AZs", x.Name, len(groups), len(x.Network.AvailabilityZones))
		}
		perZone := float64(c.Size / len(x.Network.AvailabilityZones))
		for _, ng := range groups {
			in := ng.Inputs
			az := in["labels"].(map[string]any)[cassandra.RackLabel]
			subnets := asList(in["subnetIds"])
			sc := in["scalingConfig"].(map[string]any)
			taints := asList(in["taints"])
			switch {
			case len(subnets) != 1 || subnetAZ[subnets[0].(string)] != az:
				t.Errorf("%s: %s (rack %v) in subnets %v", x.Name, ng.Name, az, subnets)
			case in["labels"].(map[string]any)[cassandra.NodeLabel] != cassandra.NodeValue || len(taints) != 1 ||
				mustJSON(taints[0]) != mustJSON(map[string]any{"effect": "NO_SCHEDULE", "key": cassandra.NodeLabel, "value": cassandra.NodeValue}):
				t.Errorf("%s: %s labels %v taints %v", x.Name, ng.Name, in["labels"], taints)
			case sc["minSize"] != perZone || sc["maxSize"] != perZone || sc["desiredSize"] != perZone:
				t.Errorf("%s: %s sizes %v, want fixed at %v", x.Name, ng.Name, sc, perZone)
			case mustJSON(in["instanceTypes"]) != mustJSON([]string{c.InstanceType}) || in["capacityType"] != "ON_DEMAND":
				t.Errorf("%s: %s instances %v %v", x.Name, ng.Name, in["instanceTypes"], in["capacityType"])
			}
		}
		// The region's Kubernetes provider (and so the in-cluster objects but the control plane's
		// operator release, which runs on the Cassandra nodes) does not wait for the Cassandra groups: one AZ short of capacity must not hold up the whole layer
		// (TestCapacityGating). The datacenter's pods come from the K8ssandraCluster, which the
		// global stack applies after this stack's groups exist.
		k8s := ownKubernetesProvider(t, g, x.Name)
		for _, ng := range groups {
			if slices.Contains(k8s.DependsOn, ng.URN) {
				t.Errorf("%s: the Kubernetes provider waits for %s", x.Name, ng.Name)
			}
		}
		// Pod addresses cross the peering untranslated.
		if cni := one(t, g, x.Name, "eks:index:Cluster").Inputs["vpcCniOptions"].(map[string]any); cni["externalSnat"] != true {
			t.Errorf("%s: VPC CNI options %v: pods would reach peer VPCs as their node", x.Name, cni)
		}
		// Pods talk over inter-Region peering (8500) and out through the NAT gateway (1500), and
		// the ICMP of path MTU discovery never reaches a pod under a NetworkPolicy: their MTU is
		// clamped at the start.
		cnis := 0
		for _, a := range g.ModelledByType("aws:eks/addon:Addon") {
			if a.Inputs["addonName"] != "vpc-cni" {
				continue
			}
			cnis++
			var cfg struct{ Env map[string]string }
			s, _ := a.Inputs["configurationValues"].(string)
			if err := json.Unmarshal([]byte(s), &cfg); err != nil {
				t.Fatalf("%s: vpc-cni configuration %q: %v", x.Name, s, err)
			}
			if mtu, err := strconv.Atoi(cfg.Env["POD_MTU"]); err != nil || mtu > cassandra.PodMTU {
				t.Errorf("%s: pod MTU %q, want at most %d", x.Name, cfg.Env["POD_MTU"], cassandra.PodMTU)
			}
		}
		if cnis != 1 {
			t.Errorf("%s: %d vpc-cni add-ons", x.Name, cnis)
		}
	}
}

// The keyspace Job sets each keyspace's replication to each datacenter's configured factor, and
// a factor is never above its datacenter's size (config refuses it; the component refuses it).
func TestReplicationPerDatacenter(t *testing.T) {
	fleet := committedFleet(t)
	g := synthAll(t)["global"].Graph
	job := one(t, g, "global", "kubernetes:batch/v1:Job")
	var cql string
	for _, e := range asList(job.Inputs["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)["env"]) {
		if env := e.(map[string]any); env["name"] == "CQL" {
			cql = env["value"].(string)
		}
	}
	want := map[string]int{}
	for _, x := range fleet.CassandraDatacenters(config.EnvProduction) {
		want[x.Settings.Code] = x.Cassandra.ReplicationFactor
		if x.Cassandra.ReplicationFactor > x.Cassandra.Size {
			t.Errorf("%s: replication factor %d above size %d", x.Name, x.Cassandra.ReplicationFactor, x.Cassandra.Size)
		}
	}
	if got := want["ams"]; got != 3 || want["iad"] != 2 || want["syd"] != 2 {
		t.Errorf("committed replication %v, want ams 3, iad 2, syd 2", want)
	}
	re := regexp.MustCompile(`'([a-z]+)': ([0-9]+)`)
	keyspaces := fleet.CassandraClusterOf(config.EnvProduction).Keyspaces
	for _, stmt := range strings.Split(strings.TrimSpace(cql), "\n") {
		got := map[string]int{}
		for _, m := range re.FindAllStringSubmatch(stmt, -1) {
			got[m[1]], _ = strconv.Atoi(m[2])
		}
		if mustJSON(got) != mustJSON(want) || !strings.Contains(stmt, "'class': 'NetworkTopologyStrategy'") {
			t.Errorf("statement %q: replication %v, want %v", stmt, got, want)
		}
	}
	for _, ks := range keyspaces {
		if !strings.Contains(cql, "CREATE KEYSPACE IF NOT EXISTS "+ks+" ") || !strings.Contains(cql, "ALTER KEYSPACE "+ks+" ") {
			t.Errorf("keyspace %s is not created idempotently: %q", ks, cql)
		}
	}
	// The Job waits for the cluster, which waits for every datacenter to be Ready.
	k := one(t, g, "global", tK8ssandraCluster)
	if !slices.Contains(job.DependsOn, k.URN) {
		t.Errorf("the keyspace Job does not wait for the K8ssandraCluster: %v", job.DependsOn)
	}
	var conds []string
	if err := json.Unmarshal([]byte(k.Inputs["metadata"].(map[string]any)["annotations"].(map[string]any)["pulumi.com/waitFor"].(string)), &conds); err != nil {
		t.Fatal(err)
	}
	for code := range want {
		if !slices.Contains(conds, "jsonpath={.status.datacenters."+code+".cassandra.cassandraOperatorProgress}=Ready") {
			t.Errorf("the cluster's readiness does not wait for datacenter %s: %v", code, conds)
		}
	}
	// The component refuses what config would: a factor above the size, racks that do not
	// divide the size, no or two local datacenters.
	base := func() *cassandracluster.Args {
		return &cassandracluster.Args{Name: "c", ServerVersion: "5.0.4", Keyspaces: []string{"k"},
			Datacenters: []cassandracluster.Datacenter{{Code: "a", Zones: []string{"z1", "z2", "z3"}, Size: 3, ReplicationFactor: 3}}}
	}
	for _, tt := range []struct {
		name string
		edit func(*cassandracluster.Args)
		want string
	}{
		{"factor above size", func(a *cassandracluster.Args) { a.Datacenters[0].ReplicationFactor = 4 }, "replication factor 4"},
		{"racks do not divide", func(a *cassandracluster.Args) { a.Datacenters[0].Size = 4 }, "do not divide into 3 racks"},
		{"two local datacenters", func(a *cassandracluster.Args) { a.Datacenters = append(a.Datacenters, a.Datacenters[0]) }, "2 datacenters without a kubeconfig"},
		{"no provider", func(a *cassandracluster.Args) {}, "Kubernetes provider is required"},
		{"control plane not first", func(a *cassandracluster.Args) {
			remote := a.Datacenters[0]
			remote.Code, remote.ClientConfigSecret = "b", pulumi.String("b-kubeconfig")
			a.Datacenters = append([]cassandracluster.Datacenter{remote}, a.Datacenters...)
		}, "datacenter b is first"},
		{"control plane removed", func(a *cassandracluster.Args) { a.Datacenters[0].NoReplicas = true }, "never removed"},
		{"dropped while replicated", func(a *cassandracluster.Args) {
			remote := a.Datacenters[0]
			remote.Code, remote.ClientConfigSecret, remote.Decommissioned = "b", pulumi.String("b-kubeconfig"), true
			a.Datacenters = append(a.Datacenters, remote)
		}, "must stop replicating to it before"},
	} {
		a := base()
		tt.edit(a)
		if err := a.Check(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}

// Who reaches a Cassandra port, over every stack's graph. The Cassandra nodes carry the cluster
// security group (EKS admits the cluster's own nodes, and no other cluster's) and their own
// group; a rule on any group the Cassandra nodes carry that covers a Cassandra port is allowed
// only for its named caller: internode (7000-7001) from the other datacenters' VPCs, the
// management API (8080) from the control plane's VPC in a data-plane region, and nothing else
// (no JMX, no CQL by CIDR). In particular no rule admits the region's own private subnets or
// VPC, which its staging and development clusters share.
func TestCassandraPortsReachOnlyTheirCallers(t *testing.T) {
	fleet := committedFleet(t)
	checked := 0
	for name, r := range synthAll(t) {
		g := r.Graph
		s := fleet.Stack(name)
		nodeGroups := cassandraNodeSecurityGroups(g)
		if s.Cassandra == nil {
			if len(nodeGroups) != 0 {
				t.Errorf("%s: Cassandra node groups without a datacenter", name)
			}
			continue
		}
		if len(nodeGroups) == 0 {
			t.Fatalf("%s: no security group on the Cassandra nodes' launch templates", name)
		}
		checked++
		peers := map[string]bool{}
		for _, c := range fleet.CassandraPeerCIDRs(s) {
			peers[c] = true
		}
		rules := map[string]int{}
		for _, rule := range g.ByType(tIngressRule) {
			if !nodeGroups[asString(rule.Inputs["securityGroupId"])] {
				continue
			}
			proto := rule.Inputs["ipProtocol"]
			from, _ := rule.Inputs["fromPort"].(float64)
			to, _ := rule.Inputs["toPort"].(float64)
			cidr, _ := rule.Inputs["cidrIpv4"].(string)
			if proto == "icmp" {
				if from != 3 || to != 4 || !peers[cidr] {
					t.Errorf("%s: %s admits ICMP %v/%v from %q; only fragmentation-needed (3/4) from the peers", name, rule.Name, from, to, cidr)
				}
				rules["icmp"]++
				continue
			}
			for _, p := range cassandra.Ports {
				if proto != "-1" && (float64(p) < from || float64(p) > to) {
					continue
				}
				ok := false
				switch p {
				case cassandra.InternodePort, cassandra.InternodeTLSPort:
					ok = peers[cidr]
				case cassandra.ManagementPort:
					ok = !s.Cassandra.ControlPlane && cidr == fleet.CassandraControlPlaneCIDR(s)
				case cassandra.MetricsPort: // Reaper, from the control plane's region
					ok = cidr != "" && cidr == fleet.CassandraReaperCIDR(s)
				}
				if !ok {
					t.Errorf("%s: %s admits Cassandra port %d from %q (group %v): not its caller", name, rule.Name, p, cidr, rule.Inputs["referencedSecurityGroupId"])
				}
				rules[fmt.Sprint(p)]++
			}
		}
		// Every named caller is admitted: each peer's internode and path MTU, the control plane's
		// calls, Reaper's reads of the metrics port when it runs in another region.
		wantMgmt, wantMetrics := 1, 0
		if s.Cassandra.ControlPlane {
			wantMgmt = 0
		}
		if fleet.CassandraReaperCIDR(s) != "" {
			wantMetrics = 1
		}
		if n := len(peers); rules["7000"] != n || rules["7001"] != n || rules["icmp"] != n || rules["8080"] != wantMgmt || rules["9000"] != wantMetrics {
			t.Errorf("%s: rules per Cassandra port %v, want %d peers' internode and ICMP, %d management, %d metrics", name, rules, n, wantMgmt, wantMetrics)
		}
	}
	if checked == 0 {
		t.Fatal("no stack with a Cassandra datacenter")
	}
}

// cassandraNodeSecurityGroups are the security group ids on the Cassandra node groups' launch
// templates (the cluster's and the Cassandra nodes' own).
func cassandraNodeSecurityGroups(g *synth.Graph) map[string]bool {
	out := map[string]bool{}
	for _, lt := range g.ByType("aws:ec2/launchTemplate:LaunchTemplate") {
		if !strings.Contains(lt.Name, "-ng-cassandra-") {
			continue
		}
		for _, id := range asList(lt.Inputs["vpcSecurityGroupIds"]) {
			out[asString(id)] = true
		}
	}
	return out
}

// config.MaxCassandraSources assumes the rules per peer the component declares.
func TestCassandraRulesPerSourceFitTheQuota(t *testing.T) {
	if n := cassandra.RulesPerPeer*config.MaxCassandraSources + 1; n > 60 {
		t.Errorf("%d rules per security group at config's limit of %d peers; AWS allows 60 inbound rules by default", n, config.MaxCassandraSources)
	}
	if cassandra.RulesPerPeer*(config.MaxCassandraSources+1)+1 <= 60 {
		t.Errorf("config.MaxCassandraSources (%d) is below what %d rules per peer allow", config.MaxCassandraSources, cassandra.RulesPerPeer)
	}
}

// Every Helm release of every stack is pinned to an exact chart version from an https repository.
func TestEveryReleasePinned(t *testing.T) {
	exact := regexp.MustCompile(`^v?[0-9]+\.[0-9]+\.[0-9]+$`)
	charts := map[string]bool{}
	for name, r := range synthAll(t) {
		for _, rel := range r.Graph.ByType(tRelease) {
			repo, _ := rel.Inputs["repositoryOpts"].(map[string]any)["repo"].(string)
			if v, _ := rel.Inputs["version"].(string); !exact.MatchString(v) || !strings.HasPrefix(repo, "https://") {
				t.Errorf("%s: release %s: chart %v version %q from %q", name, rel.Name, rel.Inputs["chart"], v, repo)
			}
			charts[rel.Inputs["chart"].(string)] = true
		}
	}
	for _, c := range []string{cassandra.CertManagerChart, cassandra.OperatorChart, monitoring.Chart, "grafana"} {
		if !charts[c] {
			t.Errorf("no %s release in any stack (have %v)", c, charts)
		}
	}
}

// Prometheus writes to its own region's workspace only: the IRSA role's policy names that one
// workspace and one action, its trust names the chart's service account of this cluster, and
// the release remote-writes there with SigV4 in the region.
func TestPrometheusWritesToItsWorkspaceOnly(t *testing.T) {
	fleet := committedFleet(t)
	results := synthAll(t)
	checked := map[config.Kind]int{}
	for name, r := range results {
		s, g := fleet.Stack(name), r.Graph
		if s.Monitoring == nil {
			continue
		}
		checked[s.Settings.Kind]++
		// A region's own workspace; an environment writes to its region's and declares none.
		home := fleet.NetworkStack(s)
		if home != s && len(g.ByType("aws:amp/workspace:Workspace")) != 0 {
			t.Errorf("%s declares a workspace; it writes to %s's", name, home.Name)
		}
		ws := one(t, results[home.Name].Graph, home.Name, "aws:amp/workspace:Workspace")
		arn, endpoint := ws.State["arn"].(string), ws.State["prometheusEndpoint"].(string)
		policy := mustFind(t, g, name, "Prometheus role policy", named("aws:iam/rolePolicy:RolePolicy", "-monitoring-prometheus"))[0]
		if policy.Inputs["policy"] != monitoring.WriterPolicy(arn).JSON() {
			t.Errorf("%s: Prometheus policy %v, want remote write to %s only", name, policy.Inputs["policy"], arn)
		}
		role := mustFind(t, g, name, "Prometheus role", named("aws:iam/role:Role", "-monitoring-prometheus"))[0]
		trust := role.Inputs["assumeRolePolicy"].(string)
		oidc := g.Outputs[program.OutOIDCProviderArn].(string)
		if !strings.Contains(trust, `"Federated":["`+oidc+`"]`) ||
			!strings.Contains(trust, `:sub":"system:serviceaccount:`+monitoring.Namespace+`:`+monitoring.ServiceAccount+`"`) ||
			!strings.Contains(trust, `:aud":"sts.amazonaws.com"`) {
			t.Errorf("%s: Prometheus role trust %s (provider %s)", name, trust, oidc)
		}
		rel := mustFind(t, g, name, "kube-prometheus-stack release", withInput(tRelease, "chart", monitoring.Chart))[0]
		prom := rel.Inputs["values"].(map[string]any)["prometheus"].(map[string]any)
		sa := prom["serviceAccount"].(map[string]any)
		rw := asList(prom["prometheusSpec"].(map[string]any)["remoteWrite"])
		if sa["name"] != monitoring.ServiceAccount || sa["annotations"].(map[string]any)["eks.amazonaws.com/role-arn"] != role.State["arn"] ||
			len(rw) != 1 || rw[0].(map[string]any)["url"] != endpoint+"api/v1/remote_write" ||
			rw[0].(map[string]any)["sigv4"].(map[string]any)["region"] != s.Settings.AWSRegion {
			t.Errorf("%s: Prometheus service account %v, remote write %v", name, sa, rw)
		}
		// It scrapes every ServiceMonitor: the operator's Cassandra one is not the chart's.
		if prom["prometheusSpec"].(map[string]any)["serviceMonitorSelectorNilUsesHelmValues"] != false {
			t.Errorf("%s: Prometheus selects only the chart's ServiceMonitors", name)
		}
		if s.Cassandra != nil {
			if spec := datacenterSpecs(t, results["global"].Graph)[s.Settings.Code]; spec == nil {
				t.Errorf("%s: no datacenter", name)
			}
		}
	}
	if checked[config.KindRegion] == 0 || checked[config.KindEnvironment] == 0 {
		t.Errorf("checked %v: want region and environment stacks", checked)
	}
	k := one(t, synthAll(t)["global"].Graph, "global", tK8ssandraCluster)
	if tel := k.Inputs["spec"].(map[string]any)["cassandra"].(map[string]any)["telemetry"]; mustJSON(tel) != `{"prometheus":{"enabled":true}}` {
		t.Errorf("Cassandra telemetry %v", tel)
	}
}

// The workspace's alerts (Cassandra node down, disk over the configured percent, node CPU) go to
// the region's alerts topic, which lets the service publish; Aurora's replication lag alarm goes
// to the same topic.
func TestAlertsReachTheRegionTopic(t *testing.T) {
	fleet := committedFleet(t)
	for name, g := range regionGraphs(t) {
		s := fleet.Stack(name)
		if s.Monitoring == nil {
			continue
		}
		topic := alertsTopic(t, g, name)
		topicArn := topic.State["arn"].(string)
		def := one(t, g, name, "aws:amp/alertManagerDefinition:AlertManagerDefinition").Inputs["definition"].(string)
		if !strings.Contains(def, "topic_arn: "+topicArn+"\n") || !strings.Contains(def, "region: "+s.Settings.AWSRegion+"\n") {
			t.Errorf("%s: alert manager definition does not send to %s:\n%s", name, topicArn, def)
		}
		// Both documents are YAML the service parses: a wrong indent fails only at deploy time.
		var am struct {
			Config string `yaml:"alertmanager_config"`
		}
		var amc struct {
			Route     map[string]any `yaml:"route"`
			Receivers []struct {
				Name string `yaml:"name"`
				SNS  []struct {
					TopicArn string            `yaml:"topic_arn"`
					SigV4    map[string]string `yaml:"sigv4"`
				} `yaml:"sns_configs"`
			} `yaml:"receivers"`
		}
		if err := yaml.Unmarshal([]byte(def), &am); err != nil || yaml.Unmarshal([]byte(am.Config), &amc) != nil || len(amc.Receivers) != 1 ||
			len(amc.Receivers[0].SNS) != 1 || amc.Receivers[0].SNS[0].TopicArn != topicArn || amc.Receivers[0].SNS[0].SigV4["region"] != s.Settings.AWSRegion ||
			amc.Route["receiver"] != amc.Receivers[0].Name {
			t.Errorf("%s: alert manager definition does not parse to one SNS receiver for %s (%v):\n%s", name, topicArn, err, def)
		}
		rules := one(t, g, name, "aws:amp/ruleGroupNamespace:RuleGroupNamespace").Inputs["data"].(string)
		var file struct {
			Groups []struct {
				Rules []struct {
					Alert  string            `yaml:"alert"`
					Expr   string            `yaml:"expr"`
					For    string            `yaml:"for"`
					Labels map[string]string `yaml:"labels"`
				} `yaml:"rules"`
			} `yaml:"groups"`
		}
		if err := yaml.Unmarshal([]byte(rules), &file); err != nil || len(file.Groups) != 1 {
			t.Fatalf("%s: rules do not parse (%v):\n%s", name, err, rules)
		}
		// ClusterMetricsAbsent (this cluster) and ClusterMetricsStopped (any other writing here),
		// and Cassandra's three. Node CPU is CloudWatch's (TestNodeCPUAlarmedOncePerGroupKind).
		wantRules := 2
		if s.Cassandra != nil {
			wantRules += 3
		}
		if !strings.Contains(rules, fmt.Sprintf(`absent_over_time(up{stack="%s"}[10m])`, name)) || !strings.Contains(rules, "alert: ClusterMetricsStopped") {
			t.Errorf("%s: no alert for a cluster that stops sending metrics", name)
		}
		if len(file.Groups[0].Rules) != wantRules {
			t.Errorf("%s: %d rules, want %d", name, len(file.Groups[0].Rules), wantRules)
		}
		for _, r := range file.Groups[0].Rules {
			if r.Expr == "" || r.For == "" || r.Labels["region"] != s.Settings.Code || r.Labels["severity"] == "" {
				t.Errorf("%s: rule %+v", name, r)
			}
		}
		if s.Cassandra != nil {
			for _, want := range []string{"alert: CassandraNodeDown", "alert: CassandraDiskFull", "alert: CassandraOperatorRestarted", fmt.Sprintf("> %d'", s.Monitoring.DiskAlertPercent), `namespace="` + cassandra.Namespace + `"`} {
				if !strings.Contains(rules, want) {
					t.Errorf("%s: rules lack %q:\n%s", name, want, rules)
				}
			}
		}
		policy := alertsTopicPolicy(t, g, name).Inputs["policy"].(string)
		if !strings.Contains(policy, `"Sid":"ManagedPrometheus"`) || !strings.Contains(policy, `"aws:SourceArn":"arn:aws:aps:`+s.Settings.AWSRegion+`:`) ||
			!strings.Contains(policy, `"sns:GetTopicAttributes"`) {
			t.Errorf("%s: the alerts topic does not admit the workspace: %s", name, policy)
		}
		if s.Database != nil && s.Database.Role == config.RoleSecondary {
			lag := mustFind(t, g, name, "replication lag alarm", named("aws:cloudwatch/metricAlarm:MetricAlarm", "replication-lag"))[0]
			if mustJSON(lag.Inputs["alarmActions"]) != mustJSON([]string{topicArn}) {
				t.Errorf("%s: replication lag alarm notifies %v", name, lag.Inputs["alarmActions"])
			}
		}
	}
}

// The fleet's Grafana has every region's workspace as a data source (YAML the sidecar provisions,
// queried with SigV4 in the workspace's region) and may query exactly those workspaces.
func TestGrafanaReadsEveryWorkspace(t *testing.T) {
	fleet := committedFleet(t)
	results := synthAll(t)
	g := results["global"].Graph
	sources := map[string]synth.Resource{}
	for _, cm := range g.ByType("kubernetes:core/v1:ConfigMap") {
		sources[cm.Inputs["metadata"].(map[string]any)["name"].(string)] = cm
	}
	policies := map[string]string{}
	for _, p := range mustFind(t, g, "global", "Grafana query policies", named("aws:iam/rolePolicy:RolePolicy", "-grafana-query-")) {
		policies[p.Name[strings.LastIndex(p.Name, "-")+1:]] = p.Inputs["policy"].(string)
	}
	n := 0
	for _, name := range fleet.References(fleet.Stack("global")) {
		s := fleet.Stack(name)
		if s.Monitoring == nil {
			continue
		}
		n++
		code := s.Settings.Code
		ws := results[name].Graph.Outputs[program.OutAMPWorkspace].(map[string]any)
		cm, ok := sources["datasource-"+code]
		if !ok || cm.Inputs["metadata"].(map[string]any)["labels"].(map[string]any)["grafana_datasource"] != "1" {
			t.Errorf("%s: data source ConfigMap %v", code, cm.Inputs)
			continue
		}
		var doc struct {
			Datasources []struct {
				Type, URL string
				JSONData  map[string]any `yaml:"jsonData"`
			} `yaml:"datasources"`
		}
		if err := yaml.Unmarshal([]byte(cm.Inputs["data"].(map[string]any)[code+".yaml"].(string)), &doc); err != nil || len(doc.Datasources) != 1 {
			t.Fatalf("%s: data source does not parse: %v", code, err)
		}
		d := doc.Datasources[0]
		if d.URL != ws["endpoint"] || d.JSONData["sigV4Auth"] != true || d.JSONData["sigV4Region"] != s.Settings.AWSRegion {
			t.Errorf("%s: data source %+v, want %v in %s", code, d, ws["endpoint"], s.Settings.AWSRegion)
		}
		if !strings.Contains(policies[code], `"Resource":["`+ws["arn"].(string)+`"]`) || strings.Contains(policies[code], "aps:RemoteWrite") {
			t.Errorf("%s: Grafana's policy %s, want queries of %s only", code, policies[code], ws["arn"])
		}
	}
	if n == 0 || len(sources) != n || len(policies) != n {
		t.Errorf("%d regions with monitoring, %d data sources, %d policies", n, len(sources), len(policies))
	}
}

// The global stack gives every datacenter's contact points in one place, as each region exports
// them: the datacenter's CQL Service inside its cluster and the port.
func TestGlobalAggregatesContactPoints(t *testing.T) {
	fleet := committedFleet(t)
	results := synthAll(t)
	got := results["global"].Graph.Outputs[program.OutCassandraContactPoints].(map[string]any)
	var codes []string
	for _, x := range fleet.CassandraDatacenters(config.EnvProduction) {
		codes = append(codes, x.Settings.Code)
		own := results[x.Name].Graph.Outputs[program.OutCassandraContactPoints]
		want := map[string]any{"datacenter": x.Settings.Code, "port": float64(cassandra.NativePort),
			"service": "sovereign-" + x.Settings.Code + "-service.k8ssandra-operator.svc.cluster.local"}
		if mustJSON(own) != mustJSON(want) || mustJSON(got[x.Settings.Code]) != mustJSON(want) {
			t.Errorf("%s: contact points %v, global has %v, want %v", x.Name, own, got[x.Settings.Code], want)
		}
	}
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if !slices.Equal(keys, codes) {
		t.Errorf("global contact points for %v, want %v", keys, codes)
	}
}

// A new datacenter changes only what must know it: the other datacenters' security groups gain
// its VPC (one rule per port), the K8ssandraCluster gains the datacenter and the keyspace Job
// the replication; every other resource of every stack is unchanged.
func TestNewDatacenterChangesOnlyTheCassandraCluster(t *testing.T) {
	fleet := committedFleet(t)
	before := synthAll(t)
	grownFleet, after := withFra(t, true)
	allowedChange := map[string]bool{}
	for _, r := range before["global"].Graph.Resources {
		// The ReplicatedSecret copies the CA to one more data plane.
		if r.Type == tK8ssandraCluster || r.Type == "kubernetes:batch/v1:Job" || r.Type == tReplicatedSecret {
			allowedChange[r.URN] = true
		}
	}
	for _, name := range fleet.Names() {
		old, cur := byURN(before[name].Graph), byURN(after[name].Graph)
		for urn, r := range old {
			n, ok := cur[urn]
			switch {
			case !ok:
				t.Errorf("%s: %s disappeared", name, urn)
			case mustJSON(r) != mustJSON(n) && !allowedChange[urn]:
				if strings.HasSuffix(urn, "-aurora-master") && r.Type == "aws:secretsmanager/secret:Secret" {
					continue // the primary replicates its credentials to the new region (TestSeventhRegionOnlyAdds)
				}
				if provisioningReachesNewMember(r, n, fraDatabaseSubnets(t, grownFleet)) {
					continue // the home's provisioning Jobs may reach the new member (TestSeventhRegionOnlyAdds)
				}
				t.Errorf("%s: %s changed", name, urn)
			}
		}
		s := fleet.Stack(name)
		if !s.IsRegion() {
			continue
		}
		added := 0
		for urn, r := range cur {
			if _, existed := old[urn]; existed || secretReplicaOfNewRegion(r, "eu-central-1") {
				continue
			}
			// The new datacenter's Cassandra tier, not its VPC: its region's other clusters
			// are not admitted.
			fraTier := netplan.CassandraTier(netip.MustParsePrefix(fraCIDR)).String()
			if (r.Type != tIngressRule || r.Inputs["cidrIpv4"] != fraTier) && !internodePolicyFrom(r, fraTier) || s.Cassandra == nil {
				t.Errorf("%s: new %s %v", name, r.Type, r.Inputs)
			}
			added++
		}
		// Its security group rules and its internode NetworkPolicy.
		if s.Cassandra != nil && added != cassandra.RulesPerPeer+1 {
			t.Errorf("%s: %d new rules for the new datacenter, want %d", name, added, cassandra.RulesPerPeer+1)
		}
	}
	if _, ok := datacenterSpecs(t, after["global"].Graph)["fra"]; !ok {
		t.Error("the K8ssandraCluster has no datacenter fra")
	}
}
