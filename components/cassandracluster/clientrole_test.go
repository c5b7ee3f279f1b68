package cassandracluster

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
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
		"IFS= read -r keyspace_cql < " + keyspaceMountPath + "/" + KeyspaceCQLKey,
		"CREATE ROLE IF NOT EXISTS %s WITH LOGIN = true AND PASSWORD = '%s';",
		"ALTER ROLE %s WITH PASSWORD = '%s' AND LOGIN = true AND SUPERUSER = false;",
		"certfile = %s\\nvalidate = true\\n' " + caFile,
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
	if !strings.HasPrefix(s, LoginScript()) {
		t.Errorf("the script does not start with the shared login:\n%s", s)
	}
	// The role's permissions: one GRANT each of CREATE, ALTER, DROP, SELECT and MODIFY on the
	// keyspace's tables (ALL TABLES IN KEYSPACE), none on the keyspace itself (ALTER KEYSPACE
	// would change the cluster's replication, DROP KEYSPACE remove it) and no AUTHORIZE or ALL.
	var grants []string
	for _, line := range strings.Split(s, "\n") {
		if i := strings.Index(line, "GRANT "); i >= 0 {
			grants = append(grants, line[i:strings.Index(line, ";")+1])
		}
	}
	var want []string
	for _, p := range []string{"CREATE", "ALTER", "DROP", "SELECT", "MODIFY"} {
		want = append(want, "GRANT "+p+" ON ALL TABLES IN KEYSPACE %s TO %s;")
	}
	if !slices.Equal(grants, want) {
		t.Errorf("grants %q, want %q", grants, want)
	}
	if strings.Contains(s, "AUTHORIZE") || strings.Contains(s, "GRANT ALL") {
		t.Errorf("the role may grant its keyspace to others:\n%s", s)
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
	base := []string{"script", "ezra_data", "ezra_data_app", "5.0.4", "gs-iad-c-ezra-cql-keyspace", "sovereign-superuser", "Pa55word0123456789abcdefghijklmn"}
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

// clientJob declares a client role with the mocks answering password to its RandomPassword and
// returns the inputs of its Job and of its keyspace ConfigMap.
func clientJob(t *testing.T, password string, change func(*ClientRoleArgs)) (job, configMap resource.PropertyMap) {
	t.Helper()
	m := &captureMocks{inputs: map[string]resource.PropertyMap{}, password: password}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		k8s, err := kubernetes.NewProvider(ctx, "home", &kubernetes.ProviderArgs{})
		if err != nil {
			return err
		}
		a := clientRoleArgs(k8s)
		if change != nil {
			change(a)
		}
		_, err = NewClientRole(ctx, "gs-iad-c-ezra", a)
		return err
	}, pulumi.WithMocks("global-sovereign", "iad-ezra", m))
	if err != nil {
		t.Fatal(err)
	}
	job, configMap = m.inputs["gs-iad-c-ezra-cql"], m.inputs["gs-iad-c-ezra-cql-keyspace"]
	if job == nil || configMap == nil {
		t.Fatalf("no Job or keyspace ConfigMap among %d resources", len(m.inputs))
	}
	return job, configMap
}

// A datacenter added or removed (the cluster's replication) changes the keyspace's ConfigMap,
// in place, and neither the Job's name nor its spec: no client's Job runs again; the keyspace
// exists by then and the global stack's Job alters it. A new password, keyspace or role is a
// new Job (its pod template is immutable: a new name, so the provider replaces it and it runs).
func TestClientJobIgnoresTheReplication(t *testing.T) {
	name := func(job resource.PropertyMap) string {
		return job["metadata"].ObjectValue()["name"].StringValue()
	}
	job, cm := clientJob(t, "Abc123", nil)
	if got := cm["data"].ObjectValue()[KeyspaceCQLKey].StringValue(); got != ClientKeyspaceCQL("ezra_data", map[string]int{"ams": 3, "iad": 2}) {
		t.Errorf("keyspace CQL %q", got)
	}
	if strings.Contains(fmt.Sprint(job), "NetworkTopologyStrategy") {
		t.Errorf("the Job's spec holds the replication: %v", job)
	}
	more := func(a *ClientRoleArgs) { a.Replication = map[string]int{"ams": 3, "iad": 2, "syd": 2} }
	job2, cm2 := clientJob(t, "Abc123", more)
	if name(job2) != name(job) || !job2["spec"].DeepEquals(job["spec"]) {
		t.Errorf("a new datacenter changes the Job: %s -> %s", name(job), name(job2))
	}
	if got := cm2["data"].ObjectValue()[KeyspaceCQLKey].StringValue(); !strings.Contains(got, "'syd': 2") {
		t.Errorf("the ConfigMap does not follow the replication: %q", got)
	}
	for what, j := range map[string]resource.PropertyMap{
		"password": func() resource.PropertyMap { j, _ := clientJob(t, "Xyz789", nil); return j }(),
		"keyspace": func() resource.PropertyMap {
			j, _ := clientJob(t, "Abc123", func(a *ClientRoleArgs) { a.Keyspace = "ezra_other" })
			return j
		}(),
		"role": func() resource.PropertyMap {
			j, _ := clientJob(t, "Abc123", func(a *ClientRoleArgs) { a.Role = "ezra_other_app" })
			return j
		}(),
	} {
		if name(j) == name(job) {
			t.Errorf("a new %s keeps the Job's name %s", what, name(job))
		}
	}
}

// captureMocks records every resource's inputs by name; a RandomPassword answers a fixed result.
type captureMocks struct {
	mu       sync.Mutex
	inputs   map[string]resource.PropertyMap
	password string // the RandomPassword's result; Abc123 when empty
}

func (m *captureMocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.inputs[args.Name] = args.Inputs
	out := args.Inputs.Copy()
	if args.TypeToken == "random:index/randomPassword:RandomPassword" {
		pw := m.password
		if pw == "" {
			pw = "Abc123"
		}
		out["result"] = resource.MakeSecret(resource.NewStringProperty(pw))
	}
	return args.Name + "-id", out, nil
}

func (m *captureMocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return args.Args, nil
}

func clientRoleArgs(k8s pulumi.ProviderResource) *ClientRoleArgs {
	return &ClientRoleArgs{Kubernetes: k8s, ClusterName: "sovereign", ServerVersion: "5.0.4", Datacenter: "iad",
		Keyspace: "ezra_data", Role: "ezra_data_app", Replication: map[string]int{"ams": 3, "iad": 2},
		SuperuserSecret: pulumi.String("sovereign-superuser"), ClientNamespace: pulumi.String("client-ezra")}
}

// The client's Secret holds exactly its keys, the password a secret; the role's Secret only the
// password; args a Job could not run with are refused before anything is declared.
func TestClientRoleObjects(t *testing.T) {
	m := &captureMocks{inputs: map[string]resource.PropertyMap{}}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		k8s, err := kubernetes.NewProvider(ctx, "home", &kubernetes.ProviderArgs{})
		if err != nil {
			return err
		}
		_, err = NewClientRole(ctx, "gs-iad-c-ezra", clientRoleArgs(k8s))
		return err
	}, pulumi.WithMocks("global-sovereign", "iad-ezra", m))
	if err != nil {
		t.Fatal(err)
	}
	data := func(name string) map[string]resource.PropertyValue {
		in, ok := m.inputs[name]
		if !ok {
			t.Fatalf("no resource %s (have %d)", name, len(m.inputs))
		}
		sd := in["stringData"]
		if sd.IsSecret() {
			sd = sd.SecretValue().Element
		}
		out := map[string]resource.PropertyValue{}
		for k, v := range sd.ObjectValue() {
			out[string(k)] = v
		}
		return out
	}
	client := data("gs-iad-c-ezra-cassandra-credentials")
	var keys []string
	for k := range client {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := slices.Sorted(slices.Values(ClientSecretKeys)); !slices.Equal(keys, want) {
		t.Errorf("client Secret keys %v, want %v", keys, want)
	}
	if !client["password"].IsSecret() && !m.inputs["gs-iad-c-ezra-cassandra-credentials"]["stringData"].IsSecret() {
		t.Errorf("the client's password is not a secret")
	}
	if got := client["username"]; got.StringValue() != "ezra_data_app" {
		t.Errorf("username %v", got)
	}
	role := data("gs-iad-c-ezra-cql-role")
	if len(role) != 1 || role[RolePasswordKey].IsNull() {
		t.Errorf("role Secret %v, want only %s", role, RolePasswordKey)
	}

	tests := []struct {
		name   string
		change func(*ClientRoleArgs)
		want   string
	}{
		{"role with a quote", func(a *ClientRoleArgs) { a.Role = "x'; DROP" }, "lowercase"},
		{"role cassandra", func(a *ClientRoleArgs) { a.Role = "cassandra" }, "lowercase"},
		{"keyspace with a dash", func(a *ClientRoleArgs) { a.Keyspace = "ezra-data" }, "lowercase"},
		{"no superuser Secret", func(a *ClientRoleArgs) { a.SuperuserSecret = nil }, "superuser"},
		{"home left out of the replication", func(a *ClientRoleArgs) { a.Replication = map[string]int{"ams": 3} }, "home datacenter"},
		{"no version", func(a *ClientRoleArgs) { a.ServerVersion = "" }, "version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := pulumi.RunErr(func(ctx *pulumi.Context) error {
				k8s, err := kubernetes.NewProvider(ctx, "home", &kubernetes.ProviderArgs{})
				if err != nil {
					return err
				}
				a := clientRoleArgs(k8s)
				tt.change(a)
				_, err = NewClientRole(ctx, "gs-iad-c-ezra", a)
				return err
			}, pulumi.WithMocks("global-sovereign", "iad-ezra", &captureMocks{inputs: map[string]resource.PropertyMap{}}))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one naming %q", err, tt.want)
			}
		})
	}
}
