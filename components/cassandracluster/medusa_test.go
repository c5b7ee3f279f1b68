package cassandracluster

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/cassandra"
)

// field is one field of an operator API type: its JSON name is the schema's key.
type field struct {
	required bool
	enum     []string
	sub      schema // an object's fields; nil for a scalar or a list of scalars
}

type schema map[string]field

// The API types the program and the runbooks write, transcribed from k8ssandra-operator v1.32.5
// (apis/medusa/v1alpha1/medusa_types.go Storage and MedusaClusterTemplate, pkg/encryption
// Stores and SecretKeySelector, medusaschedule_types.go, medusabackupjob_types.go,
// medusarestorejob_types.go, medusatask_types.go; apis/reaper/v1alpha1/reaper_types.go
// ReaperTemplate, ReaperClusterTemplate and AutoScheduling): the json tags, the kubebuilder
// Required/MinLength markers and Enum lists. Only the fields this package may write are listed
// beside the required ones; a field not listed is refused, so a misspelt or invented field
// fails here rather than being dropped by the API server.
var (
	secretKeySelector = schema{"name": {required: true}, "key": {required: true}}
	storageSchema     = schema{
		"storageProvider": {enum: []string{"google_storage", "azure_blobs", "s3", "s3_compatible", "s3_rgw", "ibm_storage"}},
		"credentialsType": {enum: []string{"role-based", "credential-based", ""}},
		"bucketName":      {}, "prefix": {}, "region": {}, "secure": {}, "sslVerify": {},
		"maxBackupAge": {}, "maxBackupCount": {}, "transferMaxBandwidth": {}, "concurrentTransfers": {},
	}
	medusaClusterTemplate = schema{
		"storageProperties": {sub: storageSchema},
		"purgeBackups":      {},
		"clientEncryptionStores": {sub: schema{
			"keystoreSecretRef": {sub: secretKeySelector}, "truststoreSecretRef": {sub: secretKeySelector},
			"keystorePasswordSecretRef": {sub: secretKeySelector}, "truststorePasswordSecretRef": {sub: secretKeySelector},
		}},
	}
	backupJobSpec = schema{
		"cassandraDatacenter": {required: true},
		"backupType":          {enum: []string{"differential", "full"}},
	}
	backupScheduleSpec = schema{
		"cronSchedule":      {required: true},
		"disabled":          {},
		"backupSpec":        {required: true, sub: backupJobSpec},
		"concurrencyPolicy": {enum: []string{"Allow", "Forbid", "Replace"}},
		"operationType":     {enum: []string{"backup", "purge"}},
	}
	restoreJobSpec = schema{"backup": {required: true}, "cassandraDatacenter": {required: true}}
	taskSpec       = schema{
		"operation":           {required: true, enum: []string{"sync", "purge", "prepare_restore"}},
		"cassandraDatacenter": {required: true}, "backupName": {}, "restoreKey": {},
	}
	reaperClusterTemplate = schema{
		"deploymentMode": {enum: []string{"PER_DC", "SINGLE", "CONTROL_PLANE"}},
		"storageType":    {enum: []string{"cassandra", "local"}},
		"keyspace":       {},
		"autoScheduling": {sub: schema{
			"enabled":                    {},
			"repairType":                 {enum: []string{"REGULAR", "ADAPTIVE", "INCREMENTAL", "AUTO"}},
			"percentUnrepairedThreshold": {}, "initialDelayPeriod": {}, "periodBetweenPolls": {},
			"timeBeforeFirstSchedule": {}, "scheduleSpreadPeriod": {}, "excludedClusters": {}, "excludedKeyspaces": {},
		}},
		// apis/reaper/v1alpha1 HttpManagement: enabled, keystores (a LocalObjectReference).
		"httpManagement": {sub: schema{"enabled": {}, "keystores": {sub: schema{"name": {required: true}}}}},
		// ReaperTemplate (inlined): Tolerations []corev1.Toleration, Affinity *corev1.Affinity,
		// the core types (pkg/reaper/deployment.go computePodSpec copies both into the pod).
		"tolerations": {},
		"affinity": {sub: schema{"nodeAffinity": {sub: schema{
			"requiredDuringSchedulingIgnoredDuringExecution": {sub: schema{"nodeSelectorTerms": {required: true}}},
		}}}},
	}
)

// conform reports every way v departs from s, at path.
func conform(path string, v map[string]any, s schema) []string {
	var out []string
	for _, k := range sortedKeys(v) {
		f, ok := s[k]
		if !ok {
			out = append(out, fmt.Sprintf("%s.%s: no such field", path, k))
			continue
		}
		switch x := v[k].(type) {
		case map[string]any:
			if f.sub == nil {
				out = append(out, fmt.Sprintf("%s.%s: an object where the type has a scalar", path, k))
			} else {
				out = append(out, conform(path+"."+k, x, f.sub)...)
			}
		case string:
			if f.enum != nil && !slices.Contains(f.enum, x) {
				out = append(out, fmt.Sprintf("%s.%s: %q not in %v", path, k, x, f.enum))
			}
			if f.required && x == "" {
				out = append(out, fmt.Sprintf("%s.%s: required, empty", path, k))
			}
		}
	}
	for k, f := range s {
		if _, ok := v[k]; f.required && !ok {
			out = append(out, fmt.Sprintf("%s.%s: required, missing", path, k))
		}
	}
	sort.Strings(out)
	return out
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// plain turns the pulumi inputs the specs are built of into the values they stand for.
func plain(t *testing.T, v any) any {
	t.Helper()
	switch x := v.(type) {
	case pulumi.Map:
		out := map[string]any{}
		for k, e := range x {
			out[k] = plain(t, e)
		}
		return out
	case pulumi.StringMap:
		out := map[string]any{}
		for k, e := range x {
			out[k] = string(e.(pulumi.String))
		}
		return out
	case pulumi.Array:
		out := []any{}
		for _, e := range x {
			out = append(out, plain(t, e))
		}
		return out
	case pulumi.StringArray:
		out := []any{}
		for _, e := range x {
			out = append(out, string(e.(pulumi.String)))
		}
		return out
	case pulumi.String:
		return string(x)
	case pulumi.Int:
		return int(x)
	case pulumi.Bool:
		return bool(x)
	case map[string]any:
		return x
	}
	t.Fatalf("plain: %T", v)
	return nil
}

var testBackup = &Backup{Bucket: pulumi.String("gs-backups-1a2b"), Region: "eu-west-1", RetentionDays: 30}

// Every object the program applies and every object the runbooks have an operator apply
// conforms to the operator's API types; a field the types do not have, a missing required field
// or a value outside an enum fails (the conformance check itself is tested on broken objects).
func TestMedusaAndReaperObjectsMatchTheAPITypes(t *testing.T) {
	objects := []struct {
		name string
		spec map[string]any
		s    schema
	}{
		{"medusa", plain(t, MedusaSpec("sovereign", testBackup, "")).(map[string]any), medusaClusterTemplate},
		{"medusa with client TLS", plain(t, MedusaSpec("sovereign", testBackup, "sovereign-medusa-client")).(map[string]any), medusaClusterTemplate},
		{"MedusaBackupSchedule", plain(t, cassandra.BackupScheduleSpec("ams", "0 2 * * *", "differential")).(map[string]any), backupScheduleSpec},
		{"reaper", plain(t, ReaperSpec(&Repair{RepairType: "INCREMENTAL", PercentUnrepairedThreshold: 10, ScheduleSpreadPeriod: "PT6H", ExcludedKeyspaces: []string{"audit"}})).(map[string]any), reaperClusterTemplate},
		{"reaper regular", plain(t, ReaperSpec(&Repair{RepairType: "REGULAR", ScheduleSpreadPeriod: "PT6H"})).(map[string]any), reaperClusterTemplate},
		{"MedusaRestoreJob", RestoreJob("restore-1", "medusa-backup-20261207", "ams")["spec"].(map[string]any), restoreJobSpec},
		{"MedusaBackupJob", BackupJob("before-upgrade", "ams", "full")["spec"].(map[string]any), backupJobSpec},
		{"MedusaTask sync", SyncTask("sync-1", "ams")["spec"].(map[string]any), taskSpec},
	}
	for _, o := range objects {
		if errs := conform(o.name, o.spec, o.s); len(errs) > 0 {
			t.Errorf("%s:\n%s", o.name, strings.Join(errs, "\n"))
		}
	}
	// The runbooks' objects are in the datacenter's namespace, of the Medusa group and kind.
	for kind, obj := range map[string]map[string]any{
		"MedusaRestoreJob": RestoreJob("r", "b", "ams"), "MedusaBackupJob": BackupJob("b", "ams", "full"), "MedusaTask": SyncTask("s", "ams"),
	} {
		meta := obj["metadata"].(map[string]any)
		if obj["apiVersion"] != "medusa.k8ssandra.io/v1alpha1" || obj["kind"] != kind || meta["namespace"] != "k8ssandra-operator" {
			t.Errorf("%s: %v", kind, obj)
		}
	}
	// The check catches what it is for.
	broken := map[string]any{"backup": "b", "cassandraDataCenter": "ams"}
	if errs := conform("restore", broken, restoreJobSpec); len(errs) != 2 {
		t.Errorf("a misspelt field passed the check: %v", errs)
	}
	if errs := conform("schedule", map[string]any{"cronSchedule": "0 2 * * *", "backupSpec": map[string]any{"cassandraDatacenter": "ams", "backupType": "incremental"}}, backupScheduleSpec); len(errs) != 1 {
		t.Errorf("a value outside the enum passed the check: %v", errs)
	}
}

// Medusa reaches S3 as the pods' own role, over verified TLS (the operator writes secure and
// ssl_verify False when they are unset), under the cluster's prefix, purging after the
// retention; with client TLS its certificate's three PEM files are mounted where the operator
// reads them (keystore: the CA as certfile; truststore: usercert; truststore password: userkey).
func TestMedusaSpec(t *testing.T) {
	m := plain(t, MedusaSpec("sovereign", testBackup, "")).(map[string]any)
	st := m["storageProperties"].(map[string]any)
	want := map[string]any{"storageProvider": "s3", "credentialsType": "role-based", "bucketName": "gs-backups-1a2b", "prefix": "sovereign",
		"region": "eu-west-1", "secure": true, "sslVerify": true, "maxBackupAge": 30}
	for k, v := range want {
		if st[k] != v {
			t.Errorf("storageProperties.%s = %v, want %v", k, st[k], v)
		}
	}
	if _, ok := st["storageSecretRef"]; ok {
		t.Errorf("role-based credentials with a storage secret: the operator refuses both")
	}
	if _, ok := m["clientEncryptionStores"]; ok {
		t.Errorf("client encryption stores without client TLS")
	}
	m = plain(t, MedusaSpec("sovereign", testBackup, "tls-secret")).(map[string]any)
	stores := m["clientEncryptionStores"].(map[string]any)
	for ref, key := range map[string]string{"keystoreSecretRef": "ca.crt", "truststoreSecretRef": "tls.crt", "truststorePasswordSecretRef": "tls.key"} {
		sel := stores[ref].(map[string]any)
		if sel["name"] != "tls-secret" || sel["key"] != key {
			t.Errorf("%s = %v, want tls-secret/%s", ref, sel, key)
		}
	}
}

// One Reaper, in the first (the control plane's) datacenter, state in the cluster, every user
// keyspace scheduled; the threshold only where the repair type uses it.
func TestReaperSpec(t *testing.T) {
	r := plain(t, ReaperSpec(&Repair{RepairType: "INCREMENTAL", PercentUnrepairedThreshold: 10, ScheduleSpreadPeriod: "PT6H"})).(map[string]any)
	auto := r["autoScheduling"].(map[string]any)
	if r["deploymentMode"] != "SINGLE" || r["storageType"] != "cassandra" || auto["enabled"] != true || auto["repairType"] != "INCREMENTAL" ||
		auto["percentUnrepairedThreshold"] != 10 || auto["scheduleSpreadPeriod"] != "PT6H" {
		t.Errorf("reaper %v", r)
	}
	if _, ok := r["uiUserSecretRef"]; ok {
		t.Errorf("the UI keeps the operator's generated credentials")
	}
	// On the control plane's Cassandra nodes: the other datacenters admit only its Cassandra tier.
	if got := fmt.Sprint(r["tolerations"], r["affinity"]); !strings.Contains(got, "key:"+cassandra.NodeLabel) ||
		!strings.Contains(got, "effect:NoSchedule") || !strings.Contains(got, "requiredDuringSchedulingIgnoredDuringExecution") ||
		!strings.Contains(got, "values:["+cassandra.NodeValue+"]") {
		t.Errorf("Reaper is not placed on the Cassandra nodes: %s", got)
	}
	r = plain(t, ReaperSpec(&Repair{RepairType: "REGULAR", PercentUnrepairedThreshold: 10, ScheduleSpreadPeriod: "PT6H"})).(map[string]any)
	if _, ok := r["autoScheduling"].(map[string]any)["percentUnrepairedThreshold"]; ok {
		t.Errorf("a threshold on a regular repair")
	}
}
