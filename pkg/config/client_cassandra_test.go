package config

import (
	"slices"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/internal/fleettest"
)

// withKeyspace gives the committed client ezra (homed in iad) a Cassandra block.
func withKeyspace(block string) fleettest.Edit {
	return fleettest.Edit{File: "Pulumi.iad-ezra.yaml", Old: "    client: ezra\n", New: "    client: ezra\n  global-sovereign:client:\n    cassandra:\n" + block}
}

// A client with a keyspace: its role defaults to <keyspace>_app, its namespace is the one its
// home region's datacenter admits to CQL, and its keyspace is one the K8ssandraCluster's
// dc-replication must name; a client without one adds neither.
func TestClientCassandraKeyspace(t *testing.T) {
	f, err := LoadDir(fleettest.Copy(t, "../..", withKeyspace("      keyspace: ezra_data\n")))
	if err != nil {
		t.Fatal(err)
	}
	if ps := f.Validate(); len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	ezra := f.Stack("iad-ezra")
	if r := ezra.Client.Cassandra.Role(); r != "ezra_data_app" {
		t.Errorf("role %q, want ezra_data_app", r)
	}
	if got := f.CassandraClientNamespaces(f.Stack("iad")); !slices.Equal(got, []string{ezra.Client.Namespace}) {
		t.Errorf("namespaces allowed CQL in iad: %v, want [%s]", got, ezra.Client.Namespace)
	}
	if got := f.CassandraClientNamespaces(f.Stack("ams")); len(got) != 0 {
		t.Errorf("namespaces allowed CQL in ams: %v, want none", got)
	}
	if got := f.CassandraClientKeyspaces(EnvProduction); !slices.Equal(got, []string{"ezra_data"}) {
		t.Errorf("client keyspaces %v", got)
	}
	committed, err := LoadDir("../..")
	if err != nil {
		t.Fatal(err)
	}
	if got := committed.CassandraClientNamespaces(committed.Stack("iad")); len(got) != 0 {
		t.Errorf("the committed ezra has no keyspace, yet %v may reach CQL", got)
	}
}

func TestClientCassandraRules(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edits []fleettest.Edit
		path  string
		inMsg string
	}{
		{"system keyspace", []fleettest.Edit{withKeyspace("      keyspace: system_ezra\n")}, "global-sovereign:client.cassandra.keyspace", `"system_ezra": want lowercase`},
		{"dash", []fleettest.Edit{withKeyspace("      keyspace: ezra-data\n")}, "global-sovereign:client.cassandra.keyspace", `"ezra-data"`},
		{"user without keyspace", []fleettest.Edit{withKeyspace("      user: ezra\n")}, "global-sovereign:client.cassandra.user", `"ezra" without a keyspace`},
		{"role cassandra", []fleettest.Edit{withKeyspace("      keyspace: ezra\n      user: cassandra\n")}, "global-sovereign:client.cassandra.user", `"cassandra"`},
		{"the cluster's keyspace", []fleettest.Edit{withKeyspace("      keyspace: platform\n")}, "global-sovereign:client.cassandra.keyspace",
			`"platform" is already a keyspace of the cluster (global)`},
		{"home datacenter being removed", []fleettest.Edit{withKeyspace("      keyspace: ezra\n"),
			{File: "Pulumi.iad.yaml", Old: "  global-sovereign:cassandra:\n", New: "  global-sovereign:cassandra:\n    removal: replication\n"}},
			"global-sovereign:client.cassandra.keyspace", "datacenter is being removed (removal: replication)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := LoadDir(fleettest.Copy(t, "../..", tc.edits...))
			var ps Problems
			if err == nil {
				ps = f.Validate()
			} else if !strings.Contains(err.Error(), tc.inMsg) {
				t.Fatalf("load: %v", err)
			} else {
				return
			}
			for _, p := range ps {
				if p.Path == tc.path && strings.Contains(p.Msg, tc.inMsg) {
					return
				}
			}
			t.Errorf("want %s %q; got:\n%v", tc.path, tc.inMsg, ps.Error())
		})
	}
}

// A client with a keyspace reads its environment's global stack (its Job waits for the
// cluster), besides its home and database writer; one without reads no global stack. The
// replication it creates its keyspace with is every replicated datacenter's factor.
func TestClientCassandraReferencesAndReplication(t *testing.T) {
	tests := []struct {
		name  string
		edits []fleettest.Edit
		want  []string
	}{
		{"committed, no keyspace", nil, []string{"ams", "iad"}},
		{"keyspace", []fleettest.Edit{withKeyspace("      keyspace: ezra_data\n")}, []string{"ams", "global", "iad"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := LoadDir(fleettest.Copy(t, "../..", tt.edits...))
			if err != nil {
				t.Fatal(err)
			}
			ezra := f.Stack("iad-ezra")
			if got := f.References(ezra); !slices.Equal(got, tt.want) {
				t.Errorf("references %v, want %v", got, tt.want)
			}
			if g := f.CassandraGlobal(ezra); (g != nil) != slices.Contains(tt.want, "global") {
				t.Errorf("CassandraGlobal %v", g)
			}
			if f.CassandraGlobal(f.Stack("iad")) != nil {
				t.Errorf("a region stack reads the global stack")
			}
		})
	}
	f, err := LoadDir("../..")
	if err != nil {
		t.Fatal(err)
	}
	rep := f.CassandraReplication(EnvProduction)
	for _, x := range f.CassandraDatacenters(EnvProduction) {
		if x.Cassandra.Replicated() != (rep[x.Settings.Code] == x.Cassandra.ReplicationFactor) {
			t.Errorf("%s: replication %v", x.Name, rep)
		}
	}
	if len(rep) == 0 || len(f.CassandraReplication("staging")) != 0 {
		t.Errorf("replication production %v, staging %v", rep, f.CassandraReplication("staging"))
	}
}
