package cassandracluster

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/cassandra"
)

// Backup is the cluster's Medusa configuration (config.CassandraBackup).
type Backup struct {
	// Bucket and Region are the backup bucket's name and AWS region (the control plane's stack's
	// output and region).
	Bucket pulumi.StringInput
	Region string
	// Schedule is the five-field cron expression of every datacenter's MedusaBackupSchedule;
	// Type is "differential" or "full".
	Schedule, Type string
	// RetentionDays is Medusa's maxBackupAge: the nightly purge deletes older backups.
	RetentionDays int
}

// MedusaAPIVersion is the group of Medusa's kinds (k8ssandra-operator v1.32.5 apis/medusa/v1alpha1).
const MedusaAPIVersion = "medusa.k8ssandra.io/v1alpha1"

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

// BackupScheduleSpec is a datacenter's MedusaBackupSchedule spec (apis/medusa/v1alpha1
// MedusaBackupScheduleSpec): one backup at a time (Forbid).
func BackupScheduleSpec(dc string, b *Backup) pulumi.Map {
	return pulumi.Map{
		"cronSchedule":      pulumi.String(b.Schedule),
		"concurrencyPolicy": pulumi.String("Forbid"),
		"backupSpec": pulumi.Map{
			"cassandraDatacenter": pulumi.String(dc),
			"backupType":          pulumi.String(b.Type),
		},
	}
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

// backupSchedules declares each datacenter's MedusaBackupSchedule in the datacenter's own
// cluster: the operator there resolves the schedule's CassandraDatacenter in the schedule's
// namespace (controllers/medusa/medusabackupschedule_controller.go), and that CassandraDatacenter
// exists only in the region's cluster. After the K8ssandraCluster is ready, so the datacenter exists.
func backupSchedules(ctx *pulumi.Context, name string, args *Args, parent pulumi.Resource, k8c pulumi.Resource) error {
	for _, dc := range args.Datacenters {
		if dc.Decommissioned {
			continue
		}
		k8s := dc.Kubernetes
		if k8s == nil {
			k8s = args.Kubernetes
		}
		if _, err := apiextensions.NewCustomResource(ctx, fmt.Sprintf("%s-%s-backups", name, dc.Code), &apiextensions.CustomResourceArgs{
			ApiVersion: pulumi.String(MedusaAPIVersion),
			Kind:       pulumi.String("MedusaBackupSchedule"),
			Metadata: &metav1.ObjectMetaArgs{
				Name:      pulumi.String(fmt.Sprintf("%s-%s-backups", args.Name, dc.Code)),
				Namespace: pulumi.String(cassandra.Namespace),
			},
			OtherFields: kubernetes.UntypedArgs{"spec": BackupScheduleSpec(dc.Code, args.Backup)},
		}, pulumi.Parent(parent), pulumi.Provider(k8s), pulumi.DependsOn([]pulumi.Resource{k8c})); err != nil {
			return err
		}
	}
	return nil
}

// checkOps refuses backups Medusa could not take: a datacenter whose pods would not run as the
// service account Pod Identity gives the bucket to (Medusa would fail on every backup, silently
// to Pulumi), or a data-plane datacenter whose schedule has no cluster to go to.
func (a *Args) checkOps() error {
	if a.Backup == nil {
		return nil
	}
	if a.Backup.Bucket == nil || a.Backup.Region == "" || a.Backup.Schedule == "" || a.Backup.Type == "" || a.Backup.RetentionDays < 1 {
		return fmt.Errorf("backups need the bucket, its region, a schedule, a type and a retention")
	}
	for _, dc := range a.Datacenters {
		if dc.Decommissioned {
			continue
		}
		if dc.ServiceAccount == nil {
			return fmt.Errorf("datacenter %s: backups need the service account its pods run as (the one Pod Identity gives the bucket)", dc.Code)
		}
		if dc.ClientConfigSecret != nil && dc.Kubernetes == nil {
			return fmt.Errorf("datacenter %s: its backup schedule goes to its own cluster; its Kubernetes provider is required", dc.Code)
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
