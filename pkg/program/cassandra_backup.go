package program

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/cassandra"
	"github.com/global-sovereign/global-sovereign/components/cassandracluster"
	"github.com/global-sovereign/global-sovereign/components/cluster"
	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// deployCassandraBackup gives the region's datacenter its part of the cluster's backups: in the
// control plane's region the bucket every datacenter writes to (one bucket: the pinned operator
// takes one Medusa storage per K8ssandraCluster, see config.CassandraBackup); in every region
// the service account the Cassandra pods run as, with the role Pod Identity hands it, scoped to
// the cluster's prefix of that bucket.
func deployCassandraBackup(ctx *pulumi.Context, e *regionEnv, cl *cluster.Cluster, operator pulumi.Resource) error {
	s := e.stack
	cc := e.fleet.CassandraClusterOf(s.Settings.Environment)
	if s.Cassandra == nil || cc == nil || cc.Backup == nil {
		return nil
	}
	cp := e.fleet.CassandraControlPlane(s.Settings.Environment)
	if cp == nil { // validated: unreachable
		return fmt.Errorf("%s: no Cassandra control plane in environment %s", s.File, s.Settings.Environment)
	}
	prefix := s.Settings.NamePrefix
	var bucketArn, keyArn pulumi.StringInput
	if s.Cassandra.ControlPlane {
		store, err := cassandra.NewBackupStore(ctx, prefix+"-cassandra-backups", &cassandra.BackupStoreArgs{
			Scope: e.scope, NoncurrentDays: cc.Backup.RetentionDays,
		}, pulumi.Provider(e.provider))
		if err != nil {
			return err
		}
		ctx.Export(OutCassandraBackup, pulumi.Map{
			"bucket": store.Bucket, "bucketArn": store.BucketArn, "keyArn": store.KeyArn,
			"region": pulumi.String(s.Settings.AWSRegion),
		})
		bucketArn, keyArn = store.BucketArn, store.KeyArn
	} else {
		ref, err := e.reference(ctx, cp.Name)
		if err != nil {
			return err
		}
		backup := requireOutput(ctx, ref, cp.Name, OutCassandraBackup)
		bucketArn = field(backup, cp.Name, OutCassandraBackup, "bucketArn")
		keyArn = field(backup, cp.Name, OutCassandraBackup, "keyArn")
	}
	accessArgs := &cassandra.MedusaAccessArgs{
		Scope: e.scope, ClusterName: cl.Name, BucketArn: bucketArn, KeyArn: keyArn,
		BucketRegion: cp.Settings.AWSRegion, Prefix: cc.Name,
		Kubernetes: cl.Kubernetes, Operator: operator,
		Datacenter: s.Settings.Code, ScheduleName: fmt.Sprintf("%s-%s-backups", cc.Name, s.Settings.Code),
	}
	if s.Cassandra.InCluster() {
		accessArgs.Schedule, accessArgs.BackupType = cc.Backup.Schedule, cc.Backup.Type
	}
	access, err := cassandra.NewMedusaAccess(ctx, prefix+"-cassandra-medusa", accessArgs, pulumi.Provider(e.provider))
	if err != nil {
		return err
	}
	ctx.Export(OutCassandraPodServiceAccount, access.ServiceAccount)
	return nil
}

// cassandraOps gives a datacenter of the global stack's K8ssandraCluster the service account its
// region made for its pods (an output, so the datacenter waits for the account and its Pod
// Identity association).
// Kept through a removal's first step: a changed account would restart every pod of a datacenter
// that is on its way out.
func cassandraOps(ctx *pulumi.Context, dc *cassandracluster.Datacenter, cc *config.CassandraCluster, x *config.Stack, r regionRef) {
	if cc.Backup != nil && x.Cassandra != nil && x.Cassandra.InCluster() {
		dc.ServiceAccount = r.str(ctx, OutCassandraPodServiceAccount)
	}
}

// cassandraOpsArgs sets the K8ssandraCluster's Medusa and Reaper from the cluster's config: the
// bucket is the control plane's region's output.
func cassandraOpsArgs(ctx *pulumi.Context, args *cassandracluster.Args, cc *config.CassandraCluster, cp *config.Stack, r regionRef) {
	if b := cc.Backup; b != nil {
		args.Backup = &cassandracluster.Backup{
			Bucket: field(r.output(ctx, OutCassandraBackup), cp.Name, OutCassandraBackup, "bucket"),
			Region: cp.Settings.AWSRegion, RetentionDays: b.RetentionDays,
		}
		// Issued in every datacenter's region (components/cassandra opscertificates.go).
		args.ClientTLSSecret = cassandra.MedusaClientSecret
	}
	if rp := cc.Repair; rp != nil {
		args.Repair = &cassandracluster.Repair{
			RepairType: rp.RepairType, PercentUnrepairedThreshold: rp.PercentUnrepairedThreshold,
			ScheduleSpreadPeriod: rp.ScheduleSpreadPeriod, ExcludedKeyspaces: rp.ExcludedKeyspaces,
		}
	}
}
