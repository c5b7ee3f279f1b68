package cassandracluster

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/cassandra"
)

// Backup is the cluster's Medusa configuration (config.CassandraBackup).
type Backup struct {
	// Bucket and Region are the backup bucket's name and AWS region (the control plane's stack's
	// output and region).
	Bucket pulumi.StringInput
	Region string
	// RetentionDays is Medusa's maxBackupAge: the nightly purge deletes older backups.
	RetentionDays int
}

// MedusaAPIVersion is the group of Medusa's kinds (k8ssandra-operator v1.32.5 apis/medusa/v1alpha1).
const MedusaAPIVersion = cassandra.MedusaAPIVersion

// ClientCertificateKeys are the keys of a cert-manager Certificate's Secret (kubernetes.io/tls
// with the CA): what ClientTLSSecret must hold.
var ClientCertificateKeys = struct{ CA, Cert, Key string }{"ca.crt", "tls.crt", "tls.key"}

// MedusaSpec is the K8ssandraCluster's spec.medusa (apis/medusa/v1alpha1 MedusaClusterTemplate):
// S3 with the pods' own credentials (role-based: Pod Identity, no key in a Secret), the cluster's
// name as the bucket's top folder, TLS to S3 verified (the operator's medusa.ini template writes
// `secure = False` and `ssl_verify = False` unless both are set, and the bucket refuses plain
// HTTP), and the nightly purge of backups older than the retention.
//
// clientTLSSecret, when the cluster has client encryption, names a Secret in every datacenter's
// namespace with a client certificate in PEM (ClientCertificateKeys): Medusa connects to CQL
// with the Python driver, which reads PEM files, not the Java keystores Cassandra and Reaper use.
// The operator mounts clientEncryptionStores' keystoreSecretRef as Medusa's certfile (the CA),
// truststoreSecretRef as its usercert and truststorePasswordSecretRef as its userkey
// (pkg/medusa/reconcile.go CreateMedusaIni and newVolumesFromClientEncryptionStores), and
// refuses a datacenter with client encryption when neither these nor certificatesSecretRef are
// given (controllers/k8ssandra/medusa_reconciler.go).
func MedusaSpec(clusterName string, b *Backup, clientTLSSecret string) pulumi.Map {
	spec := pulumi.Map{
		"storageProperties": pulumi.Map{
			"storageProvider": pulumi.String("s3"),
			"credentialsType": pulumi.String("role-based"),
			"bucketName":      b.Bucket,
			"prefix":          pulumi.String(clusterName),
			"region":          pulumi.String(b.Region),
			"secure":          pulumi.Bool(true),
			"sslVerify":       pulumi.Bool(true),
			"maxBackupAge":    pulumi.Int(b.RetentionDays),
		},
		"purgeBackups": pulumi.Bool(true),
	}
	if clientTLSSecret != "" {
		ref := func(key string) pulumi.Map {
			return pulumi.Map{"name": pulumi.String(clientTLSSecret), "key": pulumi.String(key)}
		}
		spec["clientEncryptionStores"] = pulumi.Map{
			"keystoreSecretRef":           ref(ClientCertificateKeys.CA),
			"truststoreSecretRef":         ref(ClientCertificateKeys.Cert),
			"truststorePasswordSecretRef": ref(ClientCertificateKeys.Key),
		}
	}
	return spec
}

// RestoreJob is the MedusaRestoreJob that restores backup into datacenter dc (apis/medusa/v1alpha1
// MedusaRestoreJobSpec: backup, cassandraDatacenter). It is applied by hand, in the datacenter's
// own cluster and namespace, as the restore runbook shows; the program never restores.
func RestoreJob(name, backup, dc string) map[string]any {
	return map[string]any{
		"apiVersion": MedusaAPIVersion,
		"kind":       "MedusaRestoreJob",
		"metadata":   map[string]any{"name": name, "namespace": cassandra.Namespace},
		"spec":       map[string]any{"backup": backup, "cassandraDatacenter": dc},
	}
}

// BackupJob is an on-demand MedusaBackupJob of datacenter dc (MedusaBackupJobSpec), for the
// runbook: a backup before a risky change.
func BackupJob(name, dc, backupType string) map[string]any {
	return map[string]any{
		"apiVersion": MedusaAPIVersion,
		"kind":       "MedusaBackupJob",
		"metadata":   map[string]any{"name": name, "namespace": cassandra.Namespace},
		"spec":       map[string]any{"cassandraDatacenter": dc, "backupType": backupType},
	}
}

// checkOps refuses backups Medusa could not take: a datacenter whose pods would not run as the
// service account Pod Identity gives the bucket to (Medusa would fail on every backup, silently
// to Pulumi).
func (a *Args) checkOps() error {
	if a.Backup == nil {
		return nil
	}
	if a.Backup.Bucket == nil || a.Backup.Region == "" || a.Backup.RetentionDays < 1 {
		return fmt.Errorf("backups need the bucket, its region and a retention")
	}
	// Every datacenter has client encryption (encryption.go cassandraYaml), and the operator
	// refuses a datacenter with client encryption whose Medusa has no client certificate
	// (k8ssandra-operator v1.32.5 controllers/k8ssandra/medusa_reconciler.go).
	if a.ClientTLSSecret == "" {
		return fmt.Errorf("backups need ClientTLSSecret: every datacenter requires TLS on CQL, and the operator refuses Medusa without a client certificate")
	}
	for _, dc := range a.Datacenters {
		if dc.Decommissioned {
			continue
		}
		if dc.ServiceAccount == nil {
			return fmt.Errorf("datacenter %s: backups need the service account its pods run as (the one Pod Identity gives the bucket)", dc.Code)
		}
	}
	return nil
}

// SyncTask is the MedusaTask that lists the backups in the bucket and makes a MedusaBackup object
// of each in datacenter dc's cluster (MedusaTaskSpec, operation "sync"): a restore names a
// MedusaBackup, and a rebuilt cluster has none until it syncs.
func SyncTask(name, dc string) map[string]any {
	return map[string]any{
		"apiVersion": MedusaAPIVersion,
		"kind":       "MedusaTask",
		"metadata":   map[string]any{"name": name, "namespace": cassandra.Namespace},
		"spec":       map[string]any{"operation": "sync", "cassandraDatacenter": dc},
	}
}
