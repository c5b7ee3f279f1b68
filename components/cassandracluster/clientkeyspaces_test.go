package cassandracluster

import (
	"encoding/json"
	"strings"
	"testing"
)

// A client's keyspace is altered (if it exists yet) and never created by the cluster's Job, and
// dc-replication names it in every datacenter: the operator refuses to add a datacenter when a
// user keyspace is missing from it, and to remove one a keyspace still replicates to.
func TestClientKeyspacesFollowTheCluster(t *testing.T) {
	a := &Args{Keyspaces: []string{"platform"}, ClientKeyspaces: []string{"ezra_data"}, Datacenters: []Datacenter{
		{Code: "ams", ReplicationFactor: 2}, {Code: "iad", ReplicationFactor: 3}, {Code: "jnb", ReplicationFactor: 2, NoReplicas: true},
	}}
	cql := ClientCQL(a.ClientKeyspaces, a.Replication())
	want := "ALTER KEYSPACE IF EXISTS ezra_data WITH replication = {'class': 'NetworkTopologyStrategy', 'ams': 2, 'iad': 3};\n"
	if cql != want {
		t.Errorf("client CQL %q, want %q", cql, want)
	}
	if strings.Contains(cql, "CREATE") {
		t.Errorf("the cluster's Job creates a client keyspace: %q", cql)
	}
	var rep map[string]map[string]int
	if err := json.Unmarshal([]byte(a.DCReplication()), &rep); err != nil {
		t.Fatal(err)
	}
	if rep["ams"]["ezra_data"] != 2 || rep["iad"]["ezra_data"] != 3 || rep["iad"]["platform"] != 3 || rep["jnb"] != nil {
		t.Errorf("dc-replication %v", rep)
	}
	if ClientCQL(nil, a.Replication()) != "" {
		t.Errorf("CQL without client keyspaces")
	}
}
