package program_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/components/cassandra"
	"github.com/global-sovereign/global-sovereign/internal/fleettest"
	"github.com/global-sovereign/global-sovereign/pkg/program"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

// A client with a keyspace: its home region (iad) lists its namespace as the one allowed CQL, no
// other region lists it, and the cluster names its keyspace in dc-replication in every datacenter
// and keeps it on the cluster's replication (altered, never created, by the cluster's Job).
// Without one (the committed fleet) no region admits a client namespace.
func TestCassandraClientKeyspaceInTheGraphs(t *testing.T) {
	for name, r := range synthAll(t) {
		if ns, ok := r.Graph.Outputs[program.OutCassandraClientNamespaces]; ok && len(ns.([]any)) != 0 {
			t.Errorf("%s: namespaces %v allowed CQL with no client keyspace", name, ns)
		}
	}
	fleet, after := synthFleetEdited(t, fleettest.Edit{File: "Pulumi.iad-ezra.yaml", Old: "    client: ezra\n",
		New: "    client: ezra\n  global-sovereign:client:\n    cassandra:\n      keyspace: ezra_data\n"})
	ns := fleet.Stack("iad-ezra").Client.Namespace
	for _, x := range fleet.CassandraDatacenters("production") {
		got, _ := after[x.Name].Graph.Outputs[program.OutCassandraClientNamespaces].([]any)
		want := 0
		if x.Name == "iad" {
			want = 1
		}
		if len(got) != want || (want == 1 && got[0] != ns) {
			t.Errorf("%s: namespaces allowed CQL %v", x.Name, got)
		}
		// The region's NetworkPolicies admit exactly the namespaces it exports to CQL.
		if admitted := cqlNamespacesAdmitted(after[x.Name].Graph); len(admitted) != want || (want == 1 && admitted[0] != ns) {
			t.Errorf("%s: the Cassandra namespace admits CQL from namespaces %v, want %v", x.Name, admitted, got)
		}
	}
	v := viewCassandra(t, after["global"].Graph)
	for _, x := range fleet.CassandraDatacenters("production") {
		if v.dcReplication[x.Settings.Code]["ezra_data"] != x.Cassandra.ReplicationFactor {
			t.Errorf("dc-replication %v lacks ezra_data in %s", v.dcReplication, x.Settings.Code)
		}
	}
	if !strings.Contains(v.cql, "ALTER KEYSPACE IF EXISTS ezra_data") || strings.Contains(v.cql, "CREATE KEYSPACE IF NOT EXISTS ezra_data") {
		t.Errorf("keyspace Job CQL %q", v.cql)
	}
	if !slices.Contains(fleet.CassandraClientKeyspaces("production"), "ezra_data") {
		t.Errorf("client keyspaces %v", fleet.CassandraClientKeyspaces("production"))
	}
}

// cqlNamespacesAdmitted are the namespaces the Cassandra namespace's policies admit to 9042.
func cqlNamespacesAdmitted(g *synth.Graph) []string {
	var out []string
	for _, p := range g.ByType(tNetworkPolicy) {
		meta, spec := policyOf(p)
		if meta["namespace"] != cassandra.Namespace {
			continue
		}
		for _, rule := range asList(spec["ingress"]) {
			rm := asMap(rule)
			for _, port := range asList(rm["ports"]) {
				if int(asMap(port)["port"].(float64)) != cassandra.NativePort {
					continue
				}
				for _, f := range asList(rm["from"]) {
					if sel := asMap(f)["namespaceSelector"]; sel != nil {
						out = append(out, asString(asMap(asMap(sel)["matchLabels"])[cassandra.NamespaceNameLabel]))
					}
				}
			}
		}
	}
	return out
}
