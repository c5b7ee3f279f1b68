package config

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/internal/fleettest"
	"github.com/global-sovereign/global-sovereign/pkg/netplan"
)

// cassandraData is a valid production datacenter with monitoring, for a region stack with a
// cluster (withCluster(clusterData)): 3 nodes over the 3 AZs of validRegion, one r6i.2xlarge
// (8 vCPUs, 64 GiB) each.
const cassandraData = `  global-sovereign:cassandra:
    size: 3
    replicationFactor: 2
    instanceType: r6i.2xlarge
    heapSize: 16G
    cpu: "6"
    memory: 48Gi
  global-sovereign:monitoring:
    diskAlertPercent: 80
`

// cassandraRegion is validRegion with a cluster, a datacenter and monitoring. Its lines:
// 46 cassandra, 47 size, 48 replicationFactor, 49 instanceType, 50 heapSize, 51 cpu, 52 memory,
// 53 monitoring, 54 diskAlertPercent.
var cassandraRegion = withCluster(clusterData + cassandraData)

// The base files of the tables below are valid, and each line number the cases use is the line
// of that key, so a case's line is checked against the file and not only against the code.
func TestCassandraBaseFiles(t *testing.T) {
	s := parseValid(t, "Pulumi.iad.yaml", cassandraRegion)
	if s.Cassandra == nil || s.Monitoring == nil || s.RacksPerZone() != 1 || s.Cassandra.HeapGiB() != 16 {
		t.Fatalf("datacenter read as %+v %+v", s.Cassandra, s.Monitoring)
	}
	g := parseValid(t, "Pulumi.global.yaml", globalWithDNSAndCosts)
	if g.CassandraCluster == nil || g.Grafana == nil {
		t.Fatalf("global blocks read as %+v %+v", g.CassandraCluster, g.Grafana)
	}
	for text, lines := range map[string]map[int]string{
		cassandraRegion: {46: "  global-sovereign:cassandra:", 47: "    size: 3", 48: "    replicationFactor: 2", 49: "    instanceType: r6i.2xlarge",
			50: "    heapSize: 16G", 51: `    cpu: "6"`, 52: "    memory: 48Gi", 53: "  global-sovereign:monitoring:",
			54: "    diskAlertPercent: 80"},
		globalWithDNSAndCosts: {17: "  global-sovereign:cassandraCluster:", 18: "    name: sovereign", 19: `    serverVersion: "5.0.4"`,
			20: "    keyspaces: [platform]", 21: "  global-sovereign:grafana:", 22: "    region: ams"},
	} {
		all := strings.Split(text, "\n")
		for n, want := range lines {
			if all[n-1] != want {
				t.Errorf("line %d is %q, want %q: the line numbers of the cases are stale", n, all[n-1], want)
			}
		}
	}
}

// Defaults: the data volume, the alert thresholds of an empty monitoring block, Grafana's volume.
func TestCassandraDefaults(t *testing.T) {
	text := strings.Replace(cassandraRegion, "    diskAlertPercent: 80\n", "", 1)
	text = strings.Replace(text, "  global-sovereign:monitoring:\n", "  global-sovereign:monitoring: {}\n", 1)
	s := parseValid(t, "Pulumi.iad.yaml", text)
	if s.Monitoring.DiskAlertPercent != 80 {
		t.Errorf("monitoring: {} read as %+v, want 80", s.Monitoring)
	}
	if s.Cassandra.StorageGiB != 500 || s.Cassandra.ControlPlane {
		t.Errorf("cassandra defaults %+v, want storageGiB 500 and no control plane", s.Cassandra)
	}
	// Explicit values are kept.
	text = strings.Replace(cassandraRegion, "    memory: 48Gi\n", "    memory: 48Gi\n    storageGiB: 2000\n", 1)
	text = strings.NewReplacer("diskAlertPercent: 80", "diskAlertPercent: 70").Replace(text)
	s = parseValid(t, "Pulumi.iad.yaml", text)
	if s.Cassandra.StorageGiB != 2000 || s.Monitoring.DiskAlertPercent != 70 {
		t.Errorf("explicit values read as %+v %+v", s.Cassandra, s.Monitoring)
	}
	g := parseValid(t, "Pulumi.global.yaml", globalWithDNSAndCosts)
	if g.Grafana.StorageGiB != 10 {
		t.Errorf("grafana.storageGiB defaults to %d, want 10", g.Grafana.StorageGiB)
	}
	// 0 is the unset value of these omitempty keys: written out, it reads as the default.
	g = parseValid(t, "Pulumi.global.yaml", strings.Replace(globalWithDNSAndCosts, "    region: ams\n", "    region: ams\n    storageGiB: 0\n", 1))
	if g.Grafana.StorageGiB != 10 {
		t.Errorf("grafana.storageGiB: 0 reads as %d, want the default 10", g.Grafana.StorageGiB)
	}
}

// Each case replaces one piece of cassandraRegion and expects a problem on a key path, located at
// its line, whose message names the bad value and what is allowed.
func TestCassandraRules(t *testing.T) {
	const (
		cass = "global-sovereign:cassandra."
		mon  = "global-sovereign:monitoring."
	)
	tests := []struct {
		name, old, new, path, inMsg string
		line                        int
	}{
		{"size not a multiple of the AZs", "size: 3", "size: 4", cass + "size",
			"4 nodes over 3 availability zones: want a multiple of 3 (one rack per zone", 47},
		{"size 0", "size: 3", "size: 0", cass + "size", "0: want 1 to 90 nodes", 47},
		{"size above 90", "size: 3", "size: 93", cass + "size", "93: want 1 to 90 nodes", 47},
		{"more nodes than the Cassandra subnets hold", "size: 3", "size: 45", cass + "size",
			"15 nodes per availability zone do not fit the zone's Cassandra subnet (10.2.240.0/23 in VPC 10.2.0.0/16 holds at most 14 r6i.2xlarge nodes of 30 addresses each", 47},
		{"large instances take more addresses", "    size: 3\n    replicationFactor: 2\n    instanceType: r6i.2xlarge\n",
			"    size: 12\n    replicationFactor: 2\n    instanceType: r7i.24xlarge\n", cass + "size",
			"4 nodes per availability zone do not fit the zone's Cassandra subnet (10.2.240.0/23 in VPC 10.2.0.0/16 holds at most 3 r7i.24xlarge nodes of 100 addresses each", 47},
		{"replication factor 0", "replicationFactor: 2", "replicationFactor: 0", cass + "replicationFactor", "0: want at least 1", 48},
		{"replication factor above size", "replicationFactor: 2", "replicationFactor: 4", cass + "replicationFactor",
			"4 is more than the datacenter's 3 nodes: a keyspace cannot keep more copies than there are nodes", 48},
		{"replication factor 1 in production", "replicationFactor: 2", "replicationFactor: 1", cass + "replicationFactor",
			"1: production keeps at least 2 copies per datacenter", 48},
		{"general-purpose family", "instanceType: r6i.2xlarge", "instanceType: m5.2xlarge", cass + "instanceType",
			`"m5.2xlarge": want a memory-optimised <family>.<size> with family one of r5, r5a, r6i, r6a, r7i and size one of large, xlarge, 2xlarge`, 49},
		{"unknown size", "instanceType: r6i.2xlarge", "instanceType: r6i.3xlarge", cass + "instanceType",
			`"r6i.3xlarge": want a memory-optimised <family>.<size> with family one of r5, r5a, r6i, r6a, r7i and size one of large, xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge, 24xlarge`, 49},
		{"no size", "instanceType: r6i.2xlarge", "instanceType: r6i", cass + "instanceType", "family one of r5, r5a, r6i, r6a, r7i", 49},
		{"storage below 100", "    memory: 48Gi\n", "    memory: 48Gi\n    storageGiB: 50\n", cass + "storageGiB", "50: want 100 to 16384 GiB", 53},
		{"storage above 16384", "    memory: 48Gi\n", "    memory: 48Gi\n    storageGiB: 16385\n", cass + "storageGiB", "16385: want 100 to 16384 GiB", 53},
		{"memory in G", "memory: 48Gi", "memory: 48G", cass + "memory", `"48G": want whole gibibytes such as "48Gi"`, 52},
		{"memory in Mi", "memory: 48Gi", "memory: 49152Mi", cass + "memory", `"49152Mi": want whole gibibytes`, 52},
		{"control plane's memory beside the operator and Reaper", "memory: 48Gi", "memory: 56Gi\n    controlPlane: true", cass + "memory",
			"56Gi does not fit a r6i.2xlarge (64 GiB, of which the kernel, the kubelet and the node's agents keep the rest and 4 GiB for the k8ssandra-operator and Reaper, which run on the control plane's Cassandra nodes); want at most 54Gi", 52},
		{"control plane's CPU beside the operator and Reaper", `cpu: "6"`, "cpu: \"7\"\n    controlPlane: true", cass + "cpu",
			"want at most 6700m", 51},
		{"memory of the whole instance", "memory: 48Gi", "memory: 64Gi", cass + "memory",
			"64Gi does not fit a r6i.2xlarge (64 GiB, of which the kernel, the kubelet and the node's agents keep the rest); want at most 58Gi", 52},
		{"memory on a smaller instance", "instanceType: r6i.2xlarge", "instanceType: r6i.xlarge", cass + "memory",
			"48Gi does not fit a r6i.xlarge (32 GiB, of which the kernel, the kubelet and the node's agents keep the rest); want at most 28Gi", 52},
		{"cpu 0", `cpu: "6"`, `cpu: "0"`, cass + "cpu", `"0": want cores ("6") or millicores ("6500m")`, 51},
		{"cpu 0m", `cpu: "6"`, `cpu: "0m"`, cass + "cpu", `"0m": want cores ("6") or millicores ("6500m")`, 51},
		{"cpu fraction", `cpu: "6"`, `cpu: "6.5"`, cass + "cpu", `"6.5": want cores ("6") or millicores ("6500m")`, 51},
		{"cpu of the whole instance", `cpu: "6"`, `cpu: "8"`, cass + "cpu",
			"8 does not fit a r6i.2xlarge (8 vCPUs) with one core kept for the node's agents; want at most 7000m", 51},
		{"cpu on a smaller instance", "instanceType: r6i.2xlarge", "instanceType: r6i.xlarge", cass + "cpu",
			"6 does not fit a r6i.xlarge (4 vCPUs) with one core kept for the node's agents; want at most 3000m", 51},
		{"heap in GB", "heapSize: 16G", "heapSize: 16GB", cass + "heapSize", `"16GB": want whole gigabytes such as "16G"`, 50},
		{"heap in Gi", "heapSize: 16G", "heapSize: 16Gi", cass + "heapSize", `"16Gi": want whole gigabytes such as "16G"`, 50},
		{"heap 0", "heapSize: 16G", "heapSize: 0G", cass + "heapSize", `"0G": want whole gigabytes`, 50},
		{"heap over 31G", "heapSize: 16G", "heapSize: 40G", cass + "heapSize",
			"40G: at most 31G (above it the JVM loses compressed object pointers)", 50},
		{"heap over half of memory", "heapSize: 16G", "heapSize: 25G", cass + "heapSize",
			"25G is more than half of the pod's 48Gi: Cassandra needs the rest for the page cache and off-heap memory", 50},
		{"unknown key", "size: 3", "size: 3\n    racks: 3", cass + "racks", `unknown key`, 0},
		{"size as string", "size: 3", `size: "3"`, cass + "size", "want a whole number", 47},
		{"control plane not a bool", "size: 3", "size: 3\n    controlPlane: yes-please", cass + "controlPlane", "want true or false", 48},

		{"disk alert 40", "diskAlertPercent: 80", "diskAlertPercent: 40", mon + "diskAlertPercent", "40: want 50 to 95", 54},
		{"disk alert 99", "diskAlertPercent: 80", "diskAlertPercent: 99", mon + "diskAlertPercent", "99: want 50 to 95", 54},
		// Node CPU moved to the cluster's CloudWatch alarms per node group kind: the old key names the new one.
		{"cpu alert moved", "diskAlertPercent: 80", "diskAlertPercent: 80\n    nodeCpuAlertPercent: 80", mon + "nodeCpuAlertPercent",
			"no longer read; node CPU alarms are CloudWatch's, per node group kind: remove this key and set global-sovereign:cluster.nodeCpuAlarmPercent", 55},
		{"monitoring typo", "diskAlertPercent: 80", "diskAlertpercent: 80", mon + "diskAlertpercent", `did you mean "diskAlertPercent"`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(cassandraRegion, tt.old) {
				t.Fatalf("stale case: %q is not in the valid file", tt.old)
			}
			requireProblem(t, problemsOf(t, strings.Replace(cassandraRegion, tt.old, tt.new, 1)), tt.path, tt.inMsg, tt.line)
		})
	}
}

// The largest values that fit are accepted: the limits of the rules above are where they say.
func TestCassandraLimitsAccepted(t *testing.T) {
	for _, r := range [][2]string{
		{"size: 3", "size: 42"}, // 14 r6i.2xlarge per AZ: what the /16's Cassandra subnets hold beside an update's surge
		{"replicationFactor: 2", "replicationFactor: 3"},
		{"memory: 48Gi", "memory: 58Gi"},
		{`cpu: "6"`, `cpu: "7"`},
		{`cpu: "6"`, `cpu: "500m"`},
		{"heapSize: 16G", "heapSize: 24G"},
		{"    memory: 48Gi\n", "    memory: 48Gi\n    storageGiB: 100\n"},
		{"    memory: 48Gi\n", "    memory: 48Gi\n    storageGiB: 16384\n"},
		{"diskAlertPercent: 80", "diskAlertPercent: 95"},
		{"instanceType: r6i.2xlarge", "instanceType: r7i.24xlarge"},
	} {
		if !strings.Contains(cassandraRegion, r[0]) {
			t.Fatalf("stale case: %q", r[0])
		}
		s, err := Parse("Pulumi.iad.yaml", []byte(strings.Replace(cassandraRegion, r[0], r[1], 1)))
		if err != nil {
			t.Fatalf("%s: %v", r[1], err)
		}
		if ps := s.Validate(); len(ps) > 0 {
			t.Errorf("%s is refused:\n%v", strings.TrimSpace(r[1]), ps.Error())
		}
	}
	// A single copy is enough outside production.
	text := strings.NewReplacer("environment: production", "environment: staging", "replicationFactor: 2", "replicationFactor: 1").Replace(cassandraRegion)
	for _, p := range problemsOf(t, text) {
		if strings.HasPrefix(p.Path, "global-sovereign:cassandra") {
			t.Errorf("staging with replicationFactor 1: %v", p)
		}
	}
}

// The blocks belong to region stacks with a cluster.
func TestCassandraBlockPlacement(t *testing.T) {
	datacenter, monitoring, _ := strings.Cut(cassandraData, "  global-sovereign:monitoring:\n")
	monitoring = "  global-sovereign:monitoring:\n" + monitoring
	environment := strings.NewReplacer("kind: global", "kind: environment", "code: global", "code: iad").Replace(validGlobal)
	tests := []struct {
		name, text, path, inMsg string
		line                    int
	}{
		{"datacenter in a global stack", validGlobal + datacenter, "global-sovereign:cassandra",
			"only region stacks have this; remove it from a global stack", 8},
		{"datacenter in an environment stack", environment + datacenter, "global-sovereign:cassandra",
			"only region stacks have this; remove it from an environment stack", 8},
		{"monitoring in a global stack", validGlobal + monitoring, "global-sovereign:monitoring",
			"only region and environment stacks have this; remove it from a global stack", 8},
		{"datacenter without a cluster", validRegion + datacenter, "global-sovereign:cassandra",
			"a Cassandra datacenter runs in the region's cluster; add global-sovereign:cluster or remove this block", 27},
		{"monitoring without a cluster", validRegion + monitoring, "global-sovereign:monitoring",
			"monitoring runs in the stack's cluster; add global-sovereign:cluster or remove this block", 27},
		{"cluster config in a region stack", withCluster(clusterData) + "  global-sovereign:cassandraCluster:\n    name: sovereign\n",
			"global-sovereign:cassandraCluster", "only global stacks have this; remove it from a region stack", 46},
		{"grafana in a region stack", withCluster(clusterData) + "  global-sovereign:grafana:\n    region: iad\n",
			"global-sovereign:grafana", "only global stacks have this; remove it from a region stack", 46},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requireProblem(t, problemsOf(t, tt.text), tt.path, tt.inMsg, tt.line)
		})
	}
}

// The global stack's cassandraCluster and grafana blocks.
func TestCassandraClusterRules(t *testing.T) {
	const (
		cc = "global-sovereign:cassandraCluster."
		gr = "global-sovereign:grafana."
	)
	tests := []struct {
		name, old, new, path, inMsg string
		line                        int
	}{
		{"uppercase name", "name: sovereign", "name: Sovereign", cc + "name",
			`"Sovereign": want a lowercase DNS label of at most 20 characters (letters, digits, dashes)`, 18},
		{"name of 21 characters", "name: sovereign", "name: sovereign-cassandra-x", cc + "name",
			`"sovereign-cassandra-x": want a lowercase DNS label of at most 20 characters`, 18},
		{"name ending in a dash", "name: sovereign", "name: sovereign-", cc + "name", `"sovereign-": want a lowercase DNS label`, 18},
		{"no name", "    name: sovereign\n", "", cc + "name", `"": want a lowercase DNS label`, 17},
		{"unsupported version", `serverVersion: "5.0.4"`, `serverVersion: "4.0.1"`, cc + "serverVersion",
			`"4.0.1": allowed: 4.1.8, 4.1.9, 5.0.4, 5.0.5 (quoted)`, 19},
		{"version as a number", `serverVersion: "5.0.4"`, `serverVersion: 5.0`, cc + "serverVersion", "want a string", 19},
		{"no keyspaces", "keyspaces: [platform]", "keyspaces: []", cc + "keyspaces",
			"missing; list the user keyspaces to create, e.g. [platform]", 20},
		{"system keyspace", "keyspaces: [platform]", "keyspaces: [system_x]", cc + "keyspaces[0]",
			`"system_x": want lowercase letters, digits and underscores, starting with a letter, at most 48, not system*`, 20},
		{"keyspace with a dash", "keyspaces: [platform]", "keyspaces: [platform, audit-log]", cc + "keyspaces[1]",
			`"audit-log": want lowercase letters, digits and underscores`, 20},
		{"uppercase keyspace", "keyspaces: [platform]", "keyspaces: [Platform]", cc + "keyspaces[0]", `"Platform": want lowercase letters`, 20},
		{"keyspace listed twice", "keyspaces: [platform]", "keyspaces: [platform, audit, platform]", cc + "keyspaces[2]",
			`"platform" is listed twice`, 20},
		{"keyspace twice in block style", "    keyspaces: [platform]\n", "    keyspaces:\n      - platform\n      - platform\n", cc + "keyspaces[1]",
			`"platform" is listed twice`, 22},
		{"no grafana region", "    region: ams\n", "    storageGiB: 20\n", gr + "region",
			"missing; name the region stack code whose cluster runs Grafana", 21},
		{"grafana volume 500", "    region: ams\n", "    region: ams\n    storageGiB: 500\n", gr + "storageGiB", "500: want 1 to 100 GiB", 23},
		{"grafana volume negative", "    region: ams\n", "    region: ams\n    storageGiB: -1\n", gr + "storageGiB", "-1: want 1 to 100 GiB", 23},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(globalWithDNSAndCosts, tt.old) {
				t.Fatalf("stale case: %q", tt.old)
			}
			requireProblem(t, problemsOf(t, strings.Replace(globalWithDNSAndCosts, tt.old, tt.new, 1)), tt.path, tt.inMsg, tt.line)
		})
	}
	// The other five supported versions and a 20-character name are accepted.
	for _, r := range [][2]string{{`"5.0.4"`, `"4.1.8"`}, {`"5.0.4"`, `"5.0.5"`}, {"name: sovereign", "name: sovereign-cass-01"}, {"[platform]", "[platform, audit_2]"}} {
		s, err := Parse("Pulumi.global.yaml", []byte(strings.Replace(globalWithDNSAndCosts, r[0], r[1], 1)))
		if err != nil {
			t.Fatal(err)
		}
		if ps := s.Validate(); len(ps) > 0 {
			t.Errorf("%s is refused:\n%v", r[1], ps.Error())
		}
	}
}

// requireFleetProblem is requireProblem for a fleet: the problem must be in file, at the line of
// the first line of file (in dir) that contains at, or anywhere when at is empty.
func requireFleetProblem(t *testing.T, ps Problems, dir, file, path, inMsg, at string) {
	t.Helper()
	line := 0
	if at != "" {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range strings.Split(string(data), "\n") {
			if strings.Contains(l+"\n", at) {
				line = i + 1
				break
			}
		}
		if line == 0 {
			t.Fatalf("%s has no line with %q", file, at)
		}
	}
	for _, p := range ps {
		if p.File == file && p.Path == path && strings.Contains(p.Msg, inMsg) {
			if line > 0 && p.Line != line {
				t.Errorf("problem at line %d, want %d (%q): %v", p.Line, line, at, p)
			}
			return
		}
	}
	t.Fatalf("no problem in %s at %s mentioning %q; got:\n%v", file, path, inMsg, ps.Error())
}

// loadEdited loads a copy of the committed fleet with edits, without validating it.
func loadEdited(t *testing.T, edits ...fleettest.Edit) (*Fleet, string) {
	t.Helper()
	dir := fleettest.Copy(t, "../..", edits...)
	f, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return f, dir
}

// productionRegions are the codes of the committed fleet's production region stacks, sorted.
func productionRegions(t *testing.T, f *Fleet) []string {
	t.Helper()
	var out []string
	for _, s := range f.Stacks {
		if s.Settings.Kind == KindRegion && s.Settings.Environment == EnvProduction {
			out = append(out, s.Settings.Code)
		}
	}
	slices.Sort(out)
	if len(out) < 3 {
		t.Fatalf("the committed fleet has only production regions %v", out)
	}
	return out
}

const (
	controlPlaneLine = "    controlPlane: true\n"
	cassandraHeader  = "  global-sovereign:cassandra:\n"
)

// What spans stacks, over the committed fleet with one change each.
func TestCassandraFleetRules(t *testing.T) {
	committed, _ := loadEdited(t)
	regions := productionRegions(t, committed)
	var names []string
	for _, s := range committed.CassandraDatacenters(EnvProduction) {
		names = append(names, s.Name)
	}
	if len(names) != len(regions) {
		t.Fatalf("every production region has a datacenter in the committed fleet: %v of %v", names, regions)
	}
	clusterBlock := "  global-sovereign:cassandraCluster:\n"
	data, err := os.ReadFile("../../Pulumi.global.yaml")
	if err != nil {
		t.Fatal(err)
	}
	global := string(data)
	start := strings.Index(global, clusterBlock)
	end := strings.Index(global, "  global-sovereign:grafana:\n")
	if start < 0 || end < start {
		t.Fatal("Pulumi.global.yaml has no cassandraCluster block before grafana")
	}
	withoutMonitoring := "        monitoring:\n          diskAlertPercent: 80\n"

	tests := []struct {
		name              string
		edits             []fleettest.Edit
		file, path, inMsg string
		at                string // text of the line the problem is at
	}{
		{"no control plane", []fleettest.Edit{{File: "Pulumi.ams.yaml", Old: controlPlaneLine, New: ""}},
			"Pulumi.ams.yaml", "global-sovereign:cassandra.controlPlane",
			"no region of environment production runs the Cassandra control plane; set controlPlane: true in exactly one of " + strings.Join(names, ", "),
			cassandraHeader},
		{"two control planes", []fleettest.Edit{{File: "Pulumi.iad.yaml", Old: cassandraHeader, New: cassandraHeader + controlPlaneLine}},
			"Pulumi.iad.yaml", "global-sovereign:cassandra.controlPlane",
			"stack iad also runs the control plane; exactly one region of environment production may (ams does)", "controlPlane: true"},
		{"control plane in a region that reads another", []fleettest.Edit{
			{File: "Pulumi.ams.yaml", Old: controlPlaneLine, New: ""},
			{File: "Pulumi.iad.yaml", Old: cassandraHeader, New: cassandraHeader + controlPlaneLine}},
			"Pulumi.iad.yaml", "global-sovereign:cassandra.controlPlane",
			"stack iad reads [ams], and every data-plane region reads the control plane: choose a region that reads no other region stack", "controlPlane: true"},
		{"no cassandraCluster", []fleettest.Edit{{File: "Pulumi.global.yaml", Old: global[start:end], New: ""}},
			"Pulumi.ams.yaml", "global-sovereign:cassandra",
			"environment production has Cassandra datacenters but no global stack with global-sovereign:cassandraCluster (name, serverVersion, keyspaces) to join them", cassandraHeader},
		{"grafana in an unknown region", []fleettest.Edit{{File: "Pulumi.global.yaml", Old: "region: ams", New: "region: lhr"}},
			"Pulumi.global.yaml", "global-sovereign:grafana.region",
			`"lhr" is not a region stack of environment production; allowed: ` + strings.Join(regions, ", "), "region: lhr"},
		{"grafana names a stack, not a region code", []fleettest.Edit{{File: "Pulumi.global.yaml", Old: "region: ams", New: "region: iad-staging"}},
			"Pulumi.global.yaml", "global-sovereign:grafana.region", `"iad-staging" is not a region stack of environment production; allowed: ` + strings.Join(regions, ", "), "region: iad-staging"},
		{"grafana in a region without monitoring", []fleettest.Edit{{File: "Pulumi.yaml", Old: withoutMonitoring, New: ""}},
			"Pulumi.global.yaml", "global-sovereign:grafana.region", "region ams has no cluster with global-sovereign:monitoring to run Grafana in", "region: ams"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, dir := loadEdited(t, tt.edits...)
			requireFleetProblem(t, f.Validate(), dir, tt.file, tt.path, tt.inMsg, tt.at)
		})
	}
}

// A global stack with a cluster config but no region with a datacenter is refused.
func TestCassandraClusterWithoutDatacenters(t *testing.T) {
	k8sRegion := k8s(regionFile("ams", "eu-west-1", "10.1.0.0/16", "[eu-west-1a, eu-west-1b]"))
	global := globalWithDNSAndCosts
	dir := writeFleet(t, map[string]string{"Pulumi.ams.yaml": k8sRegion, "Pulumi.global.yaml": global})
	f, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	requireFleetProblem(t, f.Validate(), dir, "Pulumi.global.yaml", "global-sovereign:cassandraCluster",
		"no region stack of environment production has global-sovereign:cassandra; add a datacenter or remove this block", "  global-sovereign:cassandraCluster:")
}

// The committed fleet: valid, ams the control plane read by every other datacenter, and each
// datacenter open to the VPCs of the others.
func TestCommittedCassandraFleet(t *testing.T) {
	f, err := LoadDir("../..")
	if err != nil {
		t.Fatal(err)
	}
	if ps := f.Validate(); len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	cp := f.CassandraControlPlane(EnvProduction)
	if cp == nil || cp.Name != "ams" {
		t.Fatalf("control plane %v, want ams", cp)
	}
	if c := f.CassandraClusterOf(EnvProduction); c == nil || c.Name != "sovereign" {
		t.Errorf("cluster of production %+v", c)
	}
	if f.CassandraControlPlane(EnvStaging) != nil || f.CassandraClusterOf(EnvStaging) != nil || len(f.CassandraDatacenters(EnvStaging)) != 0 {
		t.Error("staging has no Cassandra in the committed fleet")
	}
	if refs := f.References(cp); len(refs) != 0 {
		t.Errorf("the control plane reads %v, want nothing", refs)
	}
	dcs := f.CassandraDatacenters(EnvProduction)
	for _, s := range dcs {
		if s != cp && !slices.Contains(f.References(s), cp.Name) {
			t.Errorf("data-plane region %s references %v, want ams among them", s.Name, f.References(s))
		}
	}
	var want []string
	for _, code := range []string{"ams", "jnb", "sfo", "sin", "syd"} {
		s := f.Stack(code)
		if s == nil || s.Network == nil {
			t.Fatalf("no region stack %s", code)
		}
		// Each peer's Cassandra tier, not its VPC: the staging and development clusters share
		// the VPC and never the tier.
		want = append(want, netplan.CassandraTier(netip.MustParsePrefix(s.Network.VPCCIDR)).String())
	}
	iad := f.Stack("iad")
	if got := f.CassandraPeerCIDRs(iad); !slices.Equal(got, want) {
		t.Errorf("peer CIDRs of iad %v, want %v", got, want)
	}
	if slices.Contains(f.CassandraPeerCIDRs(iad), netplan.CassandraTier(netip.MustParsePrefix(iad.Network.VPCCIDR)).String()) {
		t.Error("iad's own VPC is among its peers")
	}
	if got := f.CassandraPeerCIDRs(cp); len(got) != len(dcs)-1 || slices.Contains(got, cp.Network.VPCCIDR) {
		t.Errorf("peer CIDRs of ams %v", got)
	}
	if s := f.Stack("iad"); s.RacksPerZone() != 1 {
		t.Errorf("iad: %d nodes per rack, want 1", s.RacksPerZone())
	}
	if s := f.Stack("sfo"); s.RacksPerZone() != 2 {
		t.Errorf("sfo: %d nodes per rack, want 2 (4 nodes over 2 AZs)", s.RacksPerZone())
	}
}

// A data-plane region reads the control plane because of its datacenter, not only because of its
// database: without a database it still does, without a datacenter it reads only the database's
// primary, without either it reads nothing; and a region without a datacenter is no peer.
func TestCassandraReferences(t *testing.T) {
	sydBlock := func(t *testing.T) string {
		data, err := os.ReadFile("../../Pulumi.syd.yaml")
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		i := strings.Index(text, cassandraHeader)
		if i < 0 {
			t.Fatal("Pulumi.syd.yaml has no cassandra block")
		}
		return text[i:]
	}(t)
	noDatacenter := fleettest.Edit{File: "Pulumi.syd.yaml", Old: sydBlock, New: ""}
	noDatabase := fleettest.Edit{File: "Pulumi.syd.yaml", Old: "  global-sovereign:backup:\n", New: "  global-sovereign:database: null\n  global-sovereign:backup:\n"}
	for _, tt := range []struct {
		name  string
		edits []fleettest.Edit
		want  string
	}{
		{"committed", nil, "ams"},
		{"without a datacenter", []fleettest.Edit{noDatacenter}, "ams"},
		{"without a database", []fleettest.Edit{noDatabase}, "ams"},
		{"without either", []fleettest.Edit{noDatacenter, noDatabase}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, _ := loadEdited(t, tt.edits...)
			syd := f.Stack("syd")
			if got := strings.Join(f.References(syd), ","); got != tt.want {
				t.Errorf("syd references %q, want %q", got, tt.want)
			}
			if refs := f.References(f.Stack("ams")); len(refs) != 0 {
				t.Errorf("ams references %v", refs)
			}
			peers := f.CassandraPeerCIDRs(f.Stack("iad"))
			sydTier := netplan.CassandraTier(netip.MustParsePrefix(syd.Network.VPCCIDR)).String()
			if slices.Contains(peers, sydTier) != (syd.Cassandra != nil) {
				t.Errorf("syd (datacenter %v) among iad's peers %v", syd.Cassandra != nil, peers)
			}
		})
	}
}

// Quantities in every spelling Kubernetes and the messages use: millicores of four digits are
// accepted, and zero written any way is refused (with memory 0 the heap check would be skipped).
func TestCassandraQuantityForms(t *testing.T) {
	const cass = "global-sovereign:cassandra."
	// Accepted: millicores of 4 digits, including the message's own example and the 7000m the
	// r6i.2xlarge message names as the most.
	for _, cpu := range []string{"6500m", "1000m", "7000m"} {
		text := strings.Replace(cassandraRegion, `cpu: "6"`, `cpu: "`+cpu+`"`, 1)
		if ps := problemsOf(t, text); len(ps) > 0 {
			t.Errorf("cpu %s is refused:\n%v", cpu, ps.Error())
		}
	}
	// Refused: zero cores or memory in another spelling than "0"/"0m".
	for _, tt := range []struct{ old, new, path, inMsg string }{
		{`cpu: "6"`, `cpu: "00"`, cass + "cpu", `"00": want cores`},
		{`cpu: "6"`, `cpu: "000m"`, cass + "cpu", `"000m": want cores`},
		{"memory: 48Gi", "memory: 0Gi", cass + "memory", `0Gi`},
	} {
		t.Run(tt.new, func(t *testing.T) {
			requireProblem(t, problemsOf(t, strings.Replace(cassandraRegion, tt.old, tt.new, 1)), tt.path, tt.inMsg, 0)
		})
	}
}

// The memory ceiling per size: the kubelet's reservation grows with max pods, so the large sizes
// keep more than a flat margin would (r6i.4xlarge: 234 pods).
func TestCassandraMemoryCeiling(t *testing.T) {
	for _, tt := range []struct {
		size string
		want int
	}{{"large", 13}, {"xlarge", 28}, {"2xlarge", 58}, {"4xlarge", 117}, {"8xlarge", 239}, {"16xlarge", 477}, {"24xlarge", 720}, {"3xlarge", 0}} {
		if got := CassandraMemoryCeilingGiB(tt.size); got != tt.want {
			t.Errorf("%s: ceiling %dGi, want %dGi", tt.size, got, tt.want)
		}
	}
}

// Each datacenter's node security group admits two rules per peer datacenter: a fleet whose
// datacenters would pass AWS's default of 60 inbound rules per group is refused, naming the count.
func TestCassandraSecurityGroupQuota(t *testing.T) {
	for _, tt := range []struct {
		extra   int // datacenters added to the committed six
		refused bool
	}{{24, false}, {25, true}} {
		f, err := LoadDir("../..")
		if err != nil {
			t.Fatal(err)
		}
		iad := f.Stack("iad")
		for i := 0; i < tt.extra; i++ {
			c := *iad
			c.Name = fmt.Sprintf("dc%02d", i)
			c.File = StackFileName(c.Name)
			c.Settings.Code = c.Name
			c.Settings.NamePrefix = "gs-" + c.Name
			network := *iad.Network
			network.VPCCIDR = fmt.Sprintf("10.%d.0.0/16", 100+i)
			c.Network = &network
			c.Database, c.Backup, c.Ingress = nil, nil, nil
			f.Stacks = append(f.Stacks, &c)
		}
		// (6 + extra - 1) peers: 29 fit, 30 do not.
		var found []Problem
		for _, p := range f.Validate() {
			if strings.Contains(p.Msg, "inbound rules per security group") {
				found = append(found, p)
			}
		}
		if tt.refused != (len(found) > 0) {
			t.Errorf("%d more datacenters: quota problems %v", tt.extra, found)
		}
		if tt.refused && (found[0].Path != "global-sovereign:cassandra" || !strings.Contains(found[0].Msg, "admit 30 networks") || found[0].File == "") {
			t.Errorf("problem %+v", found[0])
		}
	}
}

// An environment's cluster writes to its region's workspace: the region needs monitoring.
func TestEnvironmentMonitoringNeedsTheRegions(t *testing.T) {
	dir := fleettest.Copy(t, "../..", fleettest.Edit{File: "Pulumi.iad.yaml", Old: "  global-sovereign:cassandra:\n",
		New: "  global-sovereign:monitoring: null\n  global-sovereign:cassandra:\n"})
	f, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, p := range f.Validate() {
		if p.Path == "global-sovereign:monitoring" && strings.Contains(p.Msg, "workspace of region stack iad, which has no global-sovereign:monitoring") {
			got[p.Stack] = p.File != "" // the block comes from Pulumi.yaml's environment defaults, which it names
		}
	}
	for _, stack := range []string{"iad-staging", "iad-development"} {
		if !got[stack] {
			t.Errorf("%s: no problem on its monitoring with a file (got %v)", stack, got)
		}
	}
}
