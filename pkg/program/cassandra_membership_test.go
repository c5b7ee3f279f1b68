package program_test

// Adding and removing a datacenter, phase by phase, as the graphs of the global stack and the
// region show them. k8ssandra-operator v1.32.5 refuses to decommission a datacenter that a user
// keyspace still replicates to (controllers/k8ssandra/schemas.go), reaches the datacenter through
// its ClientConfig until the status no longer lists it (controllers/k8ssandra/cleanup.go), and
// streams a new datacenter's data itself when k8ssandra.io/dc-replication names every user
// keyspace (apis/k8ssandra/v1alpha1/constants.go).

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/components/cassandra"
	"github.com/global-sovereign/global-sovereign/components/cassandracluster"
	"github.com/global-sovereign/global-sovereign/internal/fleettest"
	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/program"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

// cassandraView is what a global graph says about the cluster's membership.
type cassandraView struct {
	spec          []string                  // the K8ssandraCluster's datacenters, in order
	waitFor       []string                  // its pulumi.com/waitFor conditions
	dcReplication map[string]map[string]int // its k8ssandra.io/dc-replication
	clientConfigs []string                  // the ClientConfigs' names
	cql           string                    // the keyspace Job's CQL
}

func viewCassandra(t *testing.T, g *synth.Graph) cassandraView {
	t.Helper()
	var v cassandraView
	k := one(t, g, "global", tK8ssandraCluster)
	for _, d := range asList(k.Inputs["spec"].(map[string]any)["cassandra"].(map[string]any)["datacenters"]) {
		v.spec = append(v.spec, d.(map[string]any)["metadata"].(map[string]any)["name"].(string))
	}
	ann := k.Inputs["metadata"].(map[string]any)["annotations"].(map[string]any)
	if err := json.Unmarshal([]byte(asString(ann["pulumi.com/waitFor"])), &v.waitFor); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(asString(ann[cassandracluster.DCReplicationAnnotation])), &v.dcReplication); err != nil {
		t.Fatalf("dc-replication annotation: %v", err)
	}
	for _, c := range g.ByType(tClientConfig) {
		v.clientConfigs = append(v.clientConfigs, c.Inputs["metadata"].(map[string]any)["name"].(string))
	}
	slices.Sort(v.clientConfigs)
	job := one(t, g, "global", "kubernetes:batch/v1:Job")
	for _, e := range asList(job.Inputs["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)["env"]) {
		if e.(map[string]any)["name"] == "CQL" {
			v.cql = asString(e.(map[string]any)["value"])
		}
	}
	return v
}

func (v cassandraView) waitsFor(dc string) bool {
	for _, c := range v.waitFor {
		if strings.Contains(c, ".datacenters."+dc+".") {
			return true
		}
	}
	return false
}

// removalEdit sets iad's removal step.
func removalEdit(step string) fleettest.Edit {
	return fleettest.Edit{File: "Pulumi.iad.yaml", Old: "    size: 3\n", New: "    size: 3\n    removal: " + step + "\n"}
}

// Committed fleet: every datacenter is in the spec, waited for, replicated to and (but the
// control plane's) has its ClientConfig; the control plane's comes first.
func TestCassandraMembershipCommitted(t *testing.T) {
	fleet := committedFleet(t)
	v := viewCassandra(t, synthAll(t)["global"].Graph)
	cp := fleet.CassandraControlPlane(config.EnvProduction)
	if len(v.spec) == 0 || v.spec[0] != cp.Settings.Code {
		t.Errorf("datacenters %v: the control plane's %s must come first", v.spec, cp.Settings.Code)
	}
	for _, x := range fleet.CassandraDatacenters(config.EnvProduction) {
		code := x.Settings.Code
		if !slices.Contains(v.spec, code) || !v.waitsFor(code) || v.dcReplication[code]["platform"] != x.Cassandra.ReplicationFactor ||
			!strings.Contains(v.cql, "'"+code+"'") {
			t.Errorf("%s: spec %v, waitFor %v, dc-replication %v, CQL %q", code, v.spec, v.waitFor, v.dcReplication, v.cql)
		}
		if slices.Contains(v.clientConfigs, code) == x.Cassandra.ControlPlane {
			t.Errorf("%s: ClientConfigs %v", code, v.clientConfigs)
		}
	}
}

// Removing iad, step 1: the keyspaces stop replicating to it; it stays in the cluster, waited
// for, with its ClientConfig, and its region changes nothing.
func TestCassandraRemovalStepReplication(t *testing.T) {
	_, after := synthFleetEdited(t, removalEdit("replication"))
	v := viewCassandra(t, after["global"].Graph)
	if !slices.Contains(v.spec, "iad") || !v.waitsFor("iad") || !slices.Contains(v.clientConfigs, "iad") {
		t.Errorf("step 1 keeps iad in the cluster: spec %v, waitFor %v, ClientConfigs %v", v.spec, v.waitFor, v.clientConfigs)
	}
	if strings.Contains(v.cql, "'iad'") || v.dcReplication["iad"] != nil {
		t.Errorf("step 1 drops iad's replication: CQL %q, dc-replication %v", v.cql, v.dcReplication)
	}
	if !strings.Contains(v.cql, "ALTER KEYSPACE platform") {
		t.Errorf("the Job does not alter the keyspace: %q", v.cql)
	}
	unchangedRegion(t, "iad", synthAll(t)["iad"].Graph, after["iad"].Graph)
}

// Step 2: the K8ssandraCluster drops iad (the operator decommissions it) and no longer waits for
// it; its ClientConfig and everything of its region stay but its backup schedule (a backup of a
// datacenter being decommissioned would fail, and one of a datacenter already gone retries forever).
func TestCassandraRemovalStepDatacenter(t *testing.T) {
	_, after := synthFleetEdited(t, removalEdit("datacenter"))
	v := viewCassandra(t, after["global"].Graph)
	if slices.Contains(v.spec, "iad") || v.waitsFor("iad") || strings.Contains(v.cql, "'iad'") {
		t.Errorf("step 2 drops iad: spec %v, waitFor %v, CQL %q", v.spec, v.waitFor, v.cql)
	}
	if !slices.Contains(v.clientConfigs, "iad") {
		t.Errorf("step 2 deleted iad's ClientConfig, which the operator needs to decommission it: %v", v.clientConfigs)
	}
	before := synthAll(t)["iad"].Graph
	if n := len(after["iad"].Graph.ByType(medusaScheduleType)); n != 0 || len(before.ByType(medusaScheduleType)) != 1 {
		t.Errorf("iad's backup schedules: %d in step 2, want it deleted", n)
	}
	unchangedRegion(t, "iad", withoutType(before, medusaScheduleType), after["iad"].Graph)
}

// Step 3 (the block deleted once the status no longer lists iad): the ClientConfig goes, and the
// region's Cassandra (nodes, operators, its kubeconfig Secret) with it.
func TestCassandraRemovalStepGone(t *testing.T) {
	iad, err := os.ReadFile(filepath.Join(repo, "Pulumi.iad.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	after := synthFleetWith(t, "Pulumi.iad.yaml", cassandraBlock.ReplaceAllString(string(iad), ""))
	v := viewCassandra(t, after["global"].Graph)
	if slices.Contains(v.clientConfigs, "iad") || slices.Contains(v.spec, "iad") {
		t.Errorf("step 3: ClientConfigs %v, spec %v", v.clientConfigs, v.spec)
	}
	g := after["iad"].Graph
	for _, r := range g.Resources {
		if strings.Contains(r.Name, "cassandra") {
			t.Errorf("iad still declares %s %s", r.Type, r.Name)
		}
	}
}

// The refused removals: the control plane's datacenter, an unknown step.
func TestCassandraRemovalRefused(t *testing.T) {
	for _, tt := range []struct {
		edit fleettest.Edit
		want string
	}{
		{fleettest.Edit{File: "Pulumi.ams.yaml", Old: "    size: 3\n", New: "    size: 3\n    removal: replication\n"}, "cannot be removed"},
		{removalEdit("everything"), `want "" (a member)`},
	} {
		dir := fleettest.Copy(t, repo, tt.edit)
		fleet, err := config.LoadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, p := range fleet.Validate() {
			found = found || (strings.Contains(p.Msg, tt.want) && p.Path == "global-sovereign:cassandra.removal" && p.File == tt.edit.File)
		}
		if !found {
			t.Errorf("%s: problems %v, want %q at global-sovereign:cassandra.removal", tt.edit.New, fleet.Validate(), tt.want)
		}
	}
}

// unchangedRegion: every resource of the region's graph is as it was.
const medusaScheduleType = "kubernetes:medusa.k8ssandra.io/v1alpha1:MedusaBackupSchedule"

// withoutType is g without its resources of type typ.
func withoutType(g *synth.Graph, typ string) *synth.Graph {
	out := *g
	out.Resources = nil
	for _, r := range g.Resources {
		if r.Type != typ {
			out.Resources = append(out.Resources, r)
		}
	}
	return &out
}

func unchangedRegion(t *testing.T, name string, before, after *synth.Graph) {
	t.Helper()
	old, cur := byURN(before), byURN(after)
	for urn, r := range old {
		if n, ok := cur[urn]; !ok || mustJSON(r) != mustJSON(n) {
			t.Errorf("%s: %s changed during the removal step", name, urn)
		}
	}
	if len(old) != len(cur) {
		t.Errorf("%s: %d resources, %d before", name, len(cur), len(old))
	}
}

// A datacenter whose code sorts before the control plane's is added after it: the control plane
// stays first, and the operator is told the new datacenter's replication of every keyspace.
func TestCassandraAddedDatacenterKeepsTheControlPlaneFirst(t *testing.T) {
	iad, err := os.ReadFile(filepath.Join(repo, "Pulumi.iad.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	aaa := strings.NewReplacer("code: iad", "code: aaa", "us-east-1", "eu-central-1", "10.2.0.0/16", fraCIDR).Replace(string(iad))
	results := synthFleetWith(t, "Pulumi.aaa.yaml", aaa)
	v := viewCassandra(t, results["global"].Graph)
	cp := committedFleet(t).CassandraControlPlane(config.EnvProduction).Settings.Code
	if v.spec[0] != cp || !slices.Contains(v.spec, "aaa") || v.dcReplication["aaa"]["platform"] != 2 || !v.waitsFor("aaa") {
		t.Errorf("added aaa: spec %v, dc-replication %v, waitFor %v; want %s first", v.spec, v.dcReplication, v.waitFor, cp)
	}
}

// synthFleetWith synthesizes every stack of a copy of the committed fleet with one stack file
// written (added or replaced).
func synthFleetWith(t *testing.T, file, text string) map[string]*synth.Result {
	t.Helper()
	dir := fleettest.Copy(t, repo)
	if err := os.WriteFile(filepath.Join(dir, file), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	fleet, err := config.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	results, err := synth.Fleet(program.New(program.Options{Dir: dir, Fleet: fleet}), fleet, fleet.Names())
	if err != nil {
		t.Fatal(err)
	}
	return results
}

// A datacenter added to a running cluster is named in the K8ssandraCluster by the same global
// update that first copies the CA to its region, so its management API Secrets may not exist
// when cass-operator first reconciles it. cass-operator v1.30.3 treats a failed Secret
// validation as terminal (no requeue, and it does not watch those Secrets); with the validation
// skipped the missing Secret is an ordinary, retried error. The added region's certificates do
// not hold its own stack up waiting for a CA that only the global stack brings.
func TestCassandraAddedDatacenterDoesNotWedgeOnItsCertificates(t *testing.T) {
	iad, err := os.ReadFile(filepath.Join(repo, "Pulumi.iad.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	aaa := strings.NewReplacer("code: iad", "code: aaa", "us-east-1", "eu-central-1", "10.2.0.0/16", fraCIDR).Replace(string(iad))
	results := synthFleetWith(t, "Pulumi.aaa.yaml", aaa)
	k := one(t, results["global"].Graph, "global", tK8ssandraCluster)
	c := asMap(asMap(k.Inputs["spec"])["cassandra"])
	if !slices.Contains(viewCassandra(t, results["global"].Graph).spec, "aaa") {
		t.Fatal("aaa is not in the K8ssandraCluster")
	}
	if manual := asMap(asMap(c["managementApiAuth"])["manual"]); manual["skipSecretValidation"] != true {
		t.Errorf("managementApiAuth.manual %v: a datacenter created before its Secrets stays invalid until someone edits it", manual)
	}
	certs, watched := 0, 0
	for _, r := range results["aaa"].Graph.ByType("kubernetes:cert-manager.io/v1:Certificate") {
		certs++
		if ann := asMap(asMap(r.Inputs["metadata"])["annotations"]); ann["pulumi.com/skipAwait"] != "true" {
			t.Errorf("aaa: Certificate %s waits (%v) for a CA only the global stack replicates", r.Name, ann)
		}
		// The management API's Secrets name the datacenter, so cass-operator reconciles it again
		// when cert-manager writes them (a NotFound on its HTTP client's Secret is dropped as a
		// deleted datacenter, with no requeue).
		spec := asMap(r.Inputs["spec"])
		if name := asString(spec["secretName"]); name == cassandra.ManagementServerSecret || name == cassandra.ManagementClientSecret {
			watched++
			// The CassandraDatacenter's name is the K8ssandraCluster's datacenters[].metadata.name
			// (k8ssandra-operator v1.32.5 names it so, in the same namespace).
			if got := asMap(asMap(spec["secretTemplate"])["annotations"])[cassandra.DatacenterAnnotation]; got == nil || !slices.Contains(viewCassandra(t, results["global"].Graph).spec, asString(got)) || got != "aaa" {
				t.Errorf("aaa: %s's Secret names datacenter %v, want aaa as the K8ssandraCluster names it", name, got)
			}
		}
	}
	if certs == 0 || watched != 2 {
		t.Errorf("aaa issues %d certificates, %d of them the management API's (want 2)", certs, watched)
	}
}
