package cassandracluster_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/cassandracluster"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

func datacenters() []cassandracluster.Datacenter {
	dc := func(code string, secret pulumi.StringInput) cassandracluster.Datacenter {
		return cassandracluster.Datacenter{Code: code, Zones: []string{"a", "b", "c"}, Size: 3, ReplicationFactor: 2,
			StorageGiB: 500, HeapGiB: 16, CPU: "6", Memory: "48Gi", ClientConfigSecret: secret}
	}
	return []cassandracluster.Datacenter{dc("ams", nil), dc("iad", pulumi.String("iad-kubeconfig"))}
}

func run(edit func(*cassandracluster.Args)) (*synth.Result, error) {
	return synth.RunComponent("eu-west-1", func(ctx *pulumi.Context, p pulumi.ProviderResource) error {
		k8s, err := kubernetes.NewProvider(ctx, "k8s", &kubernetes.ProviderArgs{Kubeconfig: pulumi.String("{}")})
		if err != nil {
			return err
		}
		a := &cassandracluster.Args{Name: "sovereign", ServerVersion: "5.0.4", Keyspaces: []string{"platform"},
			Datacenters: datacenters(), Kubernetes: k8s, Protect: true}
		if edit != nil {
			edit(a)
		}
		_, err = cassandracluster.New(ctx, "gs-cassandra", a, pulumi.Provider(p))
		return err
	})
}

// The cluster alone: a ClientConfig per remote datacenter, waited for until the operator has
// loaded it, before the protected K8ssandraCluster, which lists the control plane first.
func TestClusterAlone(t *testing.T) {
	r, err := run(nil)
	if err != nil {
		t.Fatal(err)
	}
	g := r.Graph
	ccs := g.ByType("kubernetes:config.k8ssandra.io/v1beta1:ClientConfig")
	if len(ccs) != 1 {
		t.Fatalf("%d ClientConfigs, want one for iad", len(ccs))
	}
	md := ccs[0].Inputs["metadata"].(map[string]any)
	if md["name"] != "iad" || md["annotations"].(map[string]any)["pulumi.com/waitFor"] != cassandracluster.ClientConfigLoaded {
		t.Errorf("ClientConfig %v", md)
	}
	kcs := g.ByType("kubernetes:k8ssandra.io/v1alpha1:K8ssandraCluster")
	if len(kcs) != 1 || !kcs[0].Protect {
		t.Fatalf("K8ssandraCluster %v", kcs)
	}
	found := false
	for _, d := range kcs[0].DependsOn {
		found = found || d == ccs[0].URN
	}
	if !found {
		t.Errorf("the K8ssandraCluster does not wait for the ClientConfig: %v", kcs[0].DependsOn)
	}
	dcs := kcs[0].Inputs["spec"].(map[string]any)["cassandra"].(map[string]any)["datacenters"].([]any)
	if first := dcs[0].(map[string]any)["metadata"].(map[string]any)["name"]; first != "ams" {
		t.Errorf("first datacenter %v, want the control plane's", first)
	}
}

// What the operator would refuse, or what would never reconcile, is refused here.
func TestClusterRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*cassandracluster.Args)
		want string
	}{
		{"no keyspaces", func(a *cassandracluster.Args) { a.Keyspaces = nil }, "keyspaces"},
		{"two local datacenters", func(a *cassandracluster.Args) { a.Datacenters[1].ClientConfigSecret = nil }, "exactly one"},
		{"RF above size", func(a *cassandracluster.Args) { a.Datacenters[0].ReplicationFactor = 4 }, "replication factor 4"},
		{"racks", func(a *cassandracluster.Args) { a.Datacenters[0].Size = 4 }, "do not divide"},
		{"dropped before unreplicated", func(a *cassandracluster.Args) { a.Datacenters[1].Decommissioned = true }, "must stop replicating"},
		{"control plane removed", func(a *cassandracluster.Args) { a.Datacenters[0].NoReplicas = true }, "never removed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := run(tc.edit); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// The cluster's keyspace Job reads the superuser's name and password from a secret volume with
// only those two keys, like every client's role Job: no environment variable takes a Secret's
// value, the script reads the files with the shell's read, and the Job's name is a hash of its
// spec, so the change replaces a deployed Job (its pod template is immutable) rather than
// patching it.
func TestKeyspaceJobReadsTheSuperuserFromFiles(t *testing.T) {
	r, err := run(nil)
	if err != nil {
		t.Fatal(err)
	}
	jobs := r.Graph.ByType("kubernetes:batch/v1:Job")
	if len(jobs) != 1 {
		t.Fatalf("%d Jobs, want the keyspace Job", len(jobs))
	}
	job := jobs[0]
	pod := job.Inputs["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
	c := pod["containers"].([]any)[0].(map[string]any)
	for _, e := range c["env"].([]any) {
		if em := e.(map[string]any); em["valueFrom"] != nil {
			t.Errorf("env %v from %v: the superuser's credentials come from files", em["name"], em["valueFrom"])
		}
	}
	script := c["command"].([]any)[2].(string)
	if !strings.HasPrefix(script, cassandracluster.LoginScript()) || strings.Contains(script, "CQL_PASSWORD") {
		t.Errorf("the script does not log in from the mounted files:\n%s", script)
	}
	var items []string
	for _, v := range pod["volumes"].([]any) {
		sec, _ := v.(map[string]any)["secret"].(map[string]any)
		if sec["secretName"] != cassandracluster.SuperuserSecret("sovereign") {
			continue
		}
		for _, it := range sec["items"].([]any) {
			items = append(items, it.(map[string]any)["key"].(string))
		}
	}
	if strings.Join(items, ",") != "username,password" {
		t.Errorf("superuser Secret items %v, want username and password only", items)
	}
	name := job.Inputs["metadata"].(map[string]any)["name"].(string)
	cql := c["env"].([]any)[0].(map[string]any)["value"].(string)
	if want := cassandracluster.KeyspaceJobName(script, cql, "5.0.4", cassandracluster.SuperuserSecret("sovereign")); name != want {
		t.Errorf("Job name %s, want %s (a hash of the script, the CQL, the version and the Secret)", name, want)
	}
	if cassandracluster.KeyspaceJobName(script+" ", cql, "5.0.4", "s") == cassandracluster.KeyspaceJobName(script, cql, "5.0.4", "s") {
		t.Errorf("a changed script keeps the Job's name")
	}
}
