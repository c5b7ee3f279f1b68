package cassandracluster

import (
	"strings"
	"testing"
)

// The client's keyspace is created with the cluster's replication, never altered here (the
// cluster's own Job keeps it on that replication).
func TestClientKeyspaceCQL(t *testing.T) {
	tests := []struct {
		name        string
		replication map[string]int
		want        string
	}{
		{"two datacenters", map[string]int{"iad": 2, "ams": 3},
			"CREATE KEYSPACE IF NOT EXISTS ezra_data WITH replication = {'class': 'NetworkTopologyStrategy', 'ams': 3, 'iad': 2};\n"},
		{"one", map[string]int{"ams": 1},
			"CREATE KEYSPACE IF NOT EXISTS ezra_data WITH replication = {'class': 'NetworkTopologyStrategy', 'ams': 1};\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ClientKeyspaceCQL("ezra_data", tt.replication); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// The script reads every credential from the mounted files with the shell's read, writes them
// only under /tmp, and puts no credential on a command line: the only external commands it
// runs are seq, cqlsh (with paths and the host) and sleep.
func TestClientRoleScript(t *testing.T) {
	s := ClientRoleScript("sovereign-iad-service.k8ssandra-operator.svc.cluster.local", 9042)
	for _, want := range []string{
		"IFS= read -r su_password < " + superuserMountPath + "/password",
		"IFS= read -r role_password < " + roleMountPath + "/password",
		"CREATE ROLE IF NOT EXISTS %s WITH LOGIN = true AND PASSWORD = '%s';",
		"ALTER ROLE %s WITH PASSWORD = '%s' AND LOGIN = true AND SUPERUSER = false;",
		"GRANT ALL PERMISSIONS ON KEYSPACE %s TO %s;",
		"certfile = %s\\nvalidate = true\\n' " + CAFile,
		"cqlsh --ssl --cqlshrc /tmp/cqlshrc sovereign-iad-service.k8ssandra-operator.svc.cluster.local 9042 -f /tmp/client.cql",
		"*[!A-Za-z0-9]*", "umask 077",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "@") {
		t.Errorf("a placeholder is left:\n%s", s)
	}
	for _, line := range strings.Split(s, "\n") {
		for _, v := range []string{"$su_password", "$role_password", "$su_user"} {
			if strings.Contains(line, v) && !strings.HasPrefix(line, "printf ") && !strings.HasPrefix(line, "case ") && !strings.HasPrefix(line, "IFS= read") {
				t.Errorf("%s used outside a builtin: %q", v, line)
			}
			if strings.Contains(line, v) && strings.HasPrefix(line, "printf ") && !strings.Contains(line, "> /tmp/") {
				t.Errorf("%s printed elsewhere than a file under /tmp: %q", v, line)
			}
		}
	}
}

// The Job's name changes with each of its inputs, the password included, and holds none of them.
func TestClientJobName(t *testing.T) {
	base := []string{"script", "cql", "ezra_data", "ezra_data_app", "5.0.4", "sovereign-superuser", "Pa55word0123456789abcdefghijklmn"}
	name := ClientJobName("gs-iad-c-ezra", base...)
	if !strings.HasPrefix(name, "gs-iad-c-ezra-cql-") || len(name) > 63 || strings.Contains(name, base[6]) {
		t.Errorf("name %q", name)
	}
	if ClientJobName("gs-iad-c-ezra", base...) != name {
		t.Errorf("not deterministic")
	}
	for i := range base {
		changed := append([]string{}, base...)
		changed[i] += "x"
		if ClientJobName("gs-iad-c-ezra", changed...) == name {
			t.Errorf("a change of input %d (%q) keeps the name", i, base[i])
		}
	}
}
