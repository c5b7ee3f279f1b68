package cassandracluster_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/cassandra"
	"github.com/global-sovereign/global-sovereign/components/cassandracluster"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

// runOps is run with backups and repairs, each datacenter's pods on their service account.
func runOps(edit func(*cassandracluster.Args)) (*synth.Result, error) {
	return synth.RunComponent("eu-west-1", func(ctx *pulumi.Context, p pulumi.ProviderResource) error {
		k8s, err := kubernetes.NewProvider(ctx, "k8s", &kubernetes.ProviderArgs{Kubeconfig: pulumi.String("{}")})
		if err != nil {
			return err
		}
		dcs := datacenters()
		for i := range dcs {
			dcs[i].ServiceAccount = pulumi.String("cassandra-medusa")
		}
		a := &cassandracluster.Args{Name: "sovereign", ServerVersion: "5.0.4", Keyspaces: []string{"platform"},
			Datacenters: dcs, Kubernetes: k8s, Protect: true,
			Backup:          &cassandracluster.Backup{Bucket: pulumi.String("gs-backups"), Region: "eu-west-1", RetentionDays: 30},
			ClientTLSSecret: cassandra.MedusaClientSecret,
			Repair:          &cassandracluster.Repair{RepairType: "INCREMENTAL", PercentUnrepairedThreshold: 10, ScheduleSpreadPeriod: "PT6H"}}
		if edit != nil {
			edit(a)
		}
		_, err = cassandracluster.New(ctx, "gs-cassandra", a, pulumi.Provider(p))
		return err
	})
}

// Each datacenter runs as the service account Pod Identity gives the bucket, and the cluster has
// Medusa and Reaper; without backups the pods keep the default account.
func TestClusterBackupsAndRepairs(t *testing.T) {
	r, err := runOps(nil)
	if err != nil {
		t.Fatal(err)
	}
	spec := r.Graph.ByType("kubernetes:k8ssandra.io/v1alpha1:K8ssandraCluster")[0].Inputs["spec"].(map[string]any)
	for _, d := range spec["cassandra"].(map[string]any)["datacenters"].([]any) {
		if sa := d.(map[string]any)["serviceAccount"]; sa != "cassandra-medusa" {
			t.Errorf("datacenter %v runs as %v", d.(map[string]any)["metadata"], sa)
		}
	}
	if spec["medusa"] == nil || spec["reaper"] == nil {
		t.Fatalf("spec without medusa or reaper: %v", spec)
	}
	r, err = runOps(func(a *cassandracluster.Args) {
		a.Backup, a.Repair = nil, nil
		for i := range a.Datacenters {
			a.Datacenters[i].ServiceAccount = nil
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	spec = r.Graph.ByType("kubernetes:k8ssandra.io/v1alpha1:K8ssandraCluster")[0].Inputs["spec"].(map[string]any)
	if spec["medusa"] != nil || spec["reaper"] != nil {
		t.Errorf("medusa or reaper without their config: %v", spec)
	}
}

func TestClusterBackupsRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*cassandracluster.Args)
		want string
	}{
		{"pods on the default account", func(a *cassandracluster.Args) { a.Datacenters[1].ServiceAccount = nil }, "datacenter iad: backups need the service account"},
		{"no bucket", func(a *cassandracluster.Args) { a.Backup.Bucket = nil }, "backups need the bucket"},
		// Every datacenter requires TLS on CQL: the operator refuses Medusa without a client certificate.
		{"no client certificate for Medusa", func(a *cassandracluster.Args) { a.ClientTLSSecret = "" }, "backups need ClientTLSSecret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := runOps(tc.edit); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}
