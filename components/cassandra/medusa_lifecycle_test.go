package cassandra_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/cassandra"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

// Medusa's purge deletes with plain DeleteObject (cassandra-medusa v0.29.1
// s3_base_storage.py _delete_object): on the versioned bucket each purged file leaves a delete
// marker, which S3 keeps after its noncurrent versions expire unless a rule removes expired
// object delete markers. The one rule does both, and never expires current objects: a
// differential backup still references SSTables uploaded long before.
func TestBackupStoreLifecycleRemovesExpiredDeleteMarkers(t *testing.T) {
	r, err := synth.RunComponent("eu-west-1", func(ctx *pulumi.Context, p pulumi.ProviderResource) error {
		_, err := cassandra.NewBackupStore(ctx, "gs-ams-cassandra-backups", &cassandra.BackupStoreArgs{Scope: testScope, NoncurrentDays: 30}, pulumi.Provider(p))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	lcs := r.Graph.ByType("aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2")
	if len(lcs) != 1 {
		t.Fatalf("%d lifecycle configurations, want 1", len(lcs))
	}
	rules, _ := lcs[0].Inputs["rules"].([]any)
	if len(rules) == 0 {
		t.Fatalf("no lifecycle rules: %v", lcs[0].Inputs)
	}
	removes := false
	for _, x := range rules {
		rule := x.(map[string]any)
		exp, _ := rule["expiration"].(map[string]any)
		if exp == nil {
			continue
		}
		if _, ok := exp["days"]; ok {
			t.Errorf("rule %v expires current objects: differential backups still reference them", rule["id"])
		}
		if _, ok := exp["date"]; ok {
			t.Errorf("rule %v expires current objects by date", rule["id"])
		}
		if exp["expiredObjectDeleteMarker"] == true && rule["status"] == "Enabled" {
			removes = true
		}
	}
	if !removes {
		t.Errorf("no enabled rule removes expired object delete markers: %v", rules)
	}
}
