package program_test

import (
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/components/cassandra"
	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/program"
)

// Over the committed fleet: one backup bucket, in the control plane's region; in every region
// with a datacenter the pods' service account, the Pod Identity association that gives it the
// role, a role scoped to the control plane's bucket under the cluster's prefix, and the
// datacenter's schedule from config; the K8ssandraCluster writes to that bucket in that region
// and runs each datacenter as its region's account, and has Reaper.
func TestCassandraBackupsOverTheFleet(t *testing.T) {
	fleet := committedFleet(t)
	results := synthAll(t)
	cp := fleet.CassandraControlPlane(config.EnvProduction)
	cc := fleet.CassandraClusterOf(config.EnvProduction)
	store := results[cp.Name].Graph.Outputs[program.OutCassandraBackup].(map[string]any)
	if store["region"] != cp.Settings.AWSRegion {
		t.Errorf("backup output %v, want the control plane's region %s", store, cp.Settings.AWSRegion)
	}
	for name, r := range results {
		n := 0
		for _, b := range r.Graph.ByType("aws:s3/bucketV2:BucketV2") {
			if strings.Contains(b.URN, "::sovereign:cassandra:BackupStore$") {
				n++
			}
		}
		if want := map[bool]int{true: 1, false: 0}[name == cp.Name]; n != want {
			t.Errorf("%s: %d backup buckets, want %d", name, n, want)
		}
	}
	for _, x := range fleet.CassandraDatacenters(config.EnvProduction) {
		g := results[x.Name].Graph
		if g.Outputs[program.OutCassandraPodServiceAccount] != cassandra.PodServiceAccount {
			t.Errorf("%s: pods' service account output %v", x.Name, g.Outputs[program.OutCassandraPodServiceAccount])
		}
		found := false
		for _, a := range g.ByType("aws:eks/podIdentityAssociation:PodIdentityAssociation") {
			if a.Inputs["serviceAccount"] == cassandra.PodServiceAccount && a.Inputs["namespace"] == cassandra.Namespace {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no Pod Identity association for %s/%s", x.Name, cassandra.Namespace, cassandra.PodServiceAccount)
		}
		var policy string
		for _, p := range g.ByType("aws:iam/rolePolicy:RolePolicy") {
			if strings.Contains(p.URN, "::sovereign:cassandra:MedusaAccess$") {
				policy, _ = p.Inputs["policy"].(string)
			}
		}
		if !strings.Contains(policy, store["bucketArn"].(string)+"/"+cc.Name+"/*") || !strings.Contains(policy, store["keyArn"].(string)) {
			t.Errorf("%s: Medusa's policy %q, want the control plane's bucket %v under %s/ and its key", x.Name, policy, store["bucketArn"], cc.Name)
		}
		scheds := g.ByType("kubernetes:medusa.k8ssandra.io/v1alpha1:MedusaBackupSchedule")
		if len(scheds) != 1 {
			t.Fatalf("%s: %d backup schedules, want 1", x.Name, len(scheds))
		}
		spec := scheds[0].Inputs["spec"].(map[string]any)
		if spec["cronSchedule"] != cc.Backup.Schedule || spec["backupSpec"].(map[string]any)["cassandraDatacenter"] != x.Settings.Code ||
			spec["backupSpec"].(map[string]any)["backupType"] != cc.Backup.Type {
			t.Errorf("%s: schedule %v", x.Name, spec)
		}
	}
	k := one(t, results["global"].Graph, "global", tK8ssandraCluster)
	spec := k.Inputs["spec"].(map[string]any)
	st := spec["medusa"].(map[string]any)["storageProperties"].(map[string]any)
	if st["bucketName"] != store["bucket"] || st["region"] != cp.Settings.AWSRegion || st["prefix"] != cc.Name ||
		st["credentialsType"] != "role-based" || st["maxBackupAge"] != float64(cc.Backup.RetentionDays) {
		t.Errorf("medusa storage %v, want bucket %v in %s", st, store["bucket"], cp.Settings.AWSRegion)
	}
	for code, d := range datacenterSpecs(t, results["global"].Graph) {
		if d["serviceAccount"] != cassandra.PodServiceAccount {
			t.Errorf("%s: datacenter runs as %v", code, d["serviceAccount"])
		}
	}
	if auto := spec["reaper"].(map[string]any)["autoScheduling"].(map[string]any); auto["enabled"] != true || auto["repairType"] != cc.Repair.RepairType {
		t.Errorf("reaper %v", spec["reaper"])
	}
}
