package cassandracluster_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/cassandracluster"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

// runOps is run with backups and repairs, each datacenter's pods on their service account and
// the data-plane datacenter's schedule in its own cluster (provider k8s-iad).
func runOps(edit func(*cassandracluster.Args)) (*synth.Result, error) {
	return synth.RunComponent("eu-west-1", func(ctx *pulumi.Context, p pulumi.ProviderResource) error {
		k8s, err := kubernetes.NewProvider(ctx, "k8s", &kubernetes.ProviderArgs{Kubeconfig: pulumi.String("{}")})
		if err != nil {
			return err
		}
		iad, err := kubernetes.NewProvider(ctx, "k8s-iad", &kubernetes.ProviderArgs{Kubeconfig: pulumi.String("{}")})
		if err != nil {
			return err
		}
		dcs := datacenters()
		for i := range dcs {
			dcs[i].ServiceAccount = pulumi.String("cassandra-medusa")
		}
		dcs[1].Kubernetes = iad
		a := &cassandracluster.Args{Name: "sovereign", ServerVersion: "5.0.4", Keyspaces: []string{"platform"},
			Datacenters: dcs, Kubernetes: k8s, Protect: true,
			Backup: &cassandracluster.Backup{Bucket: pulumi.String("gs-backups"), Region: "eu-west-1", Schedule: "0 2 * * *", Type: "differential", RetentionDays: 30},
			Repair: &cassandracluster.Repair{RepairType: "INCREMENTAL", PercentUnrepairedThreshold: 10, ScheduleSpreadPeriod: "PT6H"}}
		if edit != nil {
			edit(a)
		}
		_, err = cassandracluster.New(ctx, "gs-cassandra", a, pulumi.Provider(p))
		return err
	})
}

// Each datacenter runs as the service account Pod Identity gives the bucket, the cluster has
// Medusa and Reaper, and each datacenter's backup schedule is in its own cluster, after the
// K8ssandraCluster; a datacenter being decommissioned gets none.
func TestClusterBackupsAndRepairs(t *testing.T) {
	r, err := runOps(nil)
	if err != nil {
		t.Fatal(err)
	}
	g := r.Graph
	kc := g.ByType("kubernetes:k8ssandra.io/v1alpha1:K8ssandraCluster")[0]
	spec := kc.Inputs["spec"].(map[string]any)
	for _, d := range spec["cassandra"].(map[string]any)["datacenters"].([]any) {
		if sa := d.(map[string]any)["serviceAccount"]; sa != "cassandra-medusa" {
			t.Errorf("datacenter %v runs as %v", d.(map[string]any)["metadata"], sa)
		}
	}
	if spec["medusa"] == nil || spec["reaper"] == nil {
		t.Fatalf("spec without medusa or reaper: %v", spec)
	}
	providers := map[string]string{}
	for _, p := range g.Resources {
		if strings.HasPrefix(p.Type, "pulumi:providers:kubernetes") {
			providers[p.Name] = p.URN
		}
	}
	scheds := g.ByType("kubernetes:medusa.k8ssandra.io/v1alpha1:MedusaBackupSchedule")
	if len(scheds) != 2 {
		t.Fatalf("%d backup schedules, want one per datacenter", len(scheds))
	}
	for _, s := range scheds {
		dc := s.Inputs["spec"].(map[string]any)["backupSpec"].(map[string]any)["cassandraDatacenter"].(string)
		want := map[string]string{"ams": "k8s", "iad": "k8s-iad"}[dc]
		if s.Provider != providers[want] && !strings.HasPrefix(s.Provider, providers[want]+"::") {
			t.Errorf("schedule of %s in %s, want its own cluster %s", dc, s.Provider, want)
		}
		if !strings.Contains(strings.Join(s.DependsOn, " "), kc.URN) {
			t.Errorf("schedule of %s does not wait for the K8ssandraCluster", dc)
		}
	}
	r, err = runOps(func(a *cassandracluster.Args) {
		a.Datacenters[1].NoReplicas, a.Datacenters[1].Decommissioned = true, true
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(r.Graph.ByType("kubernetes:medusa.k8ssandra.io/v1alpha1:MedusaBackupSchedule")); n != 1 {
		t.Errorf("%d schedules with iad decommissioned, want 1", n)
	}
}

func TestClusterBackupsRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*cassandracluster.Args)
		want string
	}{
		{"pods on the default account", func(a *cassandracluster.Args) { a.Datacenters[1].ServiceAccount = nil }, "datacenter iad: backups need the service account"},
		{"no cluster for a schedule", func(a *cassandracluster.Args) { a.Datacenters[1].Kubernetes = nil }, "its Kubernetes provider is required"},
		{"no bucket", func(a *cassandracluster.Args) { a.Backup.Bucket = nil }, "backups need the bucket"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := runOps(tc.edit); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}
