package program_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/failover"
	"github.com/global-sovereign/global-sovereign/pkg/program"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

// forceNew are the inputs on which the provider replaces a resource instead of updating it,
// for the stateful types a role change touches. Source: terraform-provider-aws
// internal/service/rds/cluster.go and global_cluster.go (ForceNew: true),
// internal/service/secretsmanager/secret.go (name), internal/service/kms/key.go; every input of
// a random resource replaces it.
var forceNew = map[string][]string{
	"aws:rds/cluster:Cluster": {"availabilityZones", "clusterIdentifier", "clusterIdentifierPrefix", "clusterScalabilityType",
		"databaseName", "dbSubnetGroupName", "dbSystemId", "engine", "engineMode", "kmsKeyId", "masterUsername",
		"restoreToPointInTime", "s3Import", "snapshotIdentifier", "sourceRegion", "storageEncrypted"},
	"aws:rds/globalCluster:GlobalCluster":        {"globalClusterIdentifier", "engine", "sourceDbClusterIdentifier", "storageEncrypted", "databaseName"},
	"aws:rds/clusterInstance:ClusterInstance":    {"identifier", "clusterIdentifier", "engine", "availabilityZone", "dbSubnetGroupName"},
	"aws:secretsmanager/secret:Secret":           {"name", "namePrefix"},
	"aws:kms/key:Key":                            {"customerMasterKeySpec", "keyUsage", "multiRegion"},
	"random:index/randomPassword:RandomPassword": {"*"},
}

// stateful are the types whose deletion or re-creation on a role change would lose data or
// rotate credentials.
var stateful = []string{"aws:rds/cluster:Cluster", "aws:rds/globalCluster:GlobalCluster", "aws:rds/clusterInstance:ClusterInstance",
	"aws:secretsmanager/secret:Secret", "aws:kms/key:Key", "random:index/randomPassword:RandomPassword"}

// effective is what the engine diffs after ignoreChanges: each ignored input takes its old
// value, or is dropped when the old inputs did not have it (Pulumi's ignoreChanges resets the
// path to the old state).
func effective(newIn, oldIn map[string]any, ignore []string) map[string]any {
	out := map[string]any{}
	for k, v := range newIn {
		out[k] = v
	}
	for _, k := range ignore {
		if v, ok := oldIn[k]; ok {
			out[k] = v
		} else {
			delete(out, k)
		}
	}
	return out
}

// A planned switchover from ams to iad, with the very config edits `sovereign failover` makes
// (failover.EditedConfig), synthesized against the graph of the committed fleet: no stateful
// resource is deleted, created anew or given a different value of an input the provider
// replaces on, once ignoreChanges is applied as the engine applies it.
//
// What this proves and what it does not: it compares the program's declared inputs before and
// after at the graph level (pkg/synth cannot feed prior provider state into the mocks), against
// the ForceNew lists above. A real `pulumi preview` also diffs against what the provider read
// back from AWS; fields AWS fills in (Computed) are covered by the provider keeping the prior
// value when the program does not set them, which only a preview against a real state shows.
func TestSwitchoverReplacesNothing(t *testing.T) {
	before := synthAll(t)
	committed, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := failover.EditedConfig(repo, dir, committed, "ams", "iad"); err != nil {
		t.Fatal(err)
	}
	fleet, err := config.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ps := fleet.Validate(); len(ps) > 0 {
		t.Fatal(ps)
	}
	after, err := synth.Fleet(program.New(program.Options{Dir: dir, Fleet: fleet}), fleet, fleet.Names())
	if err != nil {
		t.Fatal(err)
	}
	changed := 0
	for name, b := range before {
		a := after[name]
		if a == nil {
			t.Fatalf("%s missing after the switchover", name)
		}
		now := map[string]synth.Resource{}
		for _, r := range a.Graph.Resources {
			now[r.URN] = r
		}
		was := map[string]bool{}
		for _, old := range b.Graph.Resources {
			was[old.URN] = true
			r, ok := now[old.URN]
			if !ok {
				if slices.Contains(stateful, old.Type) {
					t.Errorf("%s: %s deleted by the switchover", name, old.URN)
				}
				continue
			}
			in := effective(r.Inputs, old.Inputs, r.IgnoreChanges)
			for _, k := range forceNew[old.Type] {
				if k == "*" {
					if !reflect.DeepEqual(in, old.Inputs) {
						t.Errorf("%s: %s replaced: inputs %v -> %v", name, old.Name, old.Inputs, in)
					}
					continue
				}
				if !reflect.DeepEqual(in[k], old.Inputs[k]) {
					t.Errorf("%s: %s replaced: %s %v -> %v", name, old.Name, k, old.Inputs[k], in[k])
				}
			}
			if !reflect.DeepEqual(in, old.Inputs) {
				changed++
			}
		}
		for _, r := range a.Graph.Resources {
			if !was[r.URN] && slices.Contains(stateful, r.Type) {
				t.Errorf("%s: %s created by the switchover", name, r.URN)
			}
		}
	}
	// And the switchover does change what it must: iad's cluster now keeps the primary's backups,
	// ams alarms on its replication lag.
	iad := clusterOf(t, after["iad"].Graph)
	if iad.Inputs["backupRetentionPeriod"] != float64(35) || iad.Inputs["skipFinalSnapshot"] != false {
		t.Errorf("iad after switchover: %v", iad.Inputs)
	}
	if len(alarmsOf(after["ams"].Graph, "AWS/RDS", "AuroraGlobalDBReplicationLag")) != 1 {
		t.Errorf("ams after switchover has no replication lag alarm")
	}
	// Backups follow the writer: one plan, in iad now, none in ams (which keeps its vaults).
	for name, r := range after {
		if plans := len(r.Graph.ByType("aws:backup/plan:Plan")); (name == "iad") != (plans == 1) && fleet.Stack(name).IsRegion() {
			t.Errorf("%s has %d backup plans after the switchover", name, plans)
		}
	}
	if changed == 0 {
		t.Error("nothing changed at all: the test compares nothing")
	}
	// The global cluster and the credentials stayed in ams.
	for name, r := range after {
		for _, typ := range []string{"aws:rds/globalCluster:GlobalCluster", "aws:secretsmanager/secret:Secret"} {
			for _, x := range r.Graph.ByType(typ) {
				if typ == "aws:secretsmanager/secret:Secret" && x.Inputs["name"] != "global-sovereign-production/master" {
					continue
				}
				if name != "ams" {
					t.Errorf("%s holds %s after the switchover", name, x.Name)
				}
			}
		}
	}
	if got := after["ams"].Graph.Outputs[program.OutAuroraGlobalClusterID]; got != "global-sovereign-production" {
		t.Errorf("ams exports global cluster id %v", got)
	}
}

func clusterOf(t *testing.T, g *synth.Graph) synth.Resource {
	t.Helper()
	cs := g.ByType("aws:rds/cluster:Cluster")
	if len(cs) != 1 {
		t.Fatalf("%d clusters", len(cs))
	}
	return cs[0]
}

// secretReplicaOfNewRegion says whether r is what the database home adds for a new member's
// region: the provider, key and alias of the credentials replica there.
func secretReplicaOfNewRegion(r synth.Resource, region string) bool {
	switch r.Type {
	case "pulumi:providers:aws":
		return r.Name == "aws-"+region+"-secret-replica"
	case "aws:kms/key:Key", "aws:kms/alias:Alias":
		return strings.HasSuffix(r.Name, "-aurora-master-"+region) || strings.HasSuffix(r.Name, "-aurora-master-"+region+"-alias")
	}
	return false
}
