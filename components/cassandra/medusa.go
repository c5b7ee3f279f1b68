package cassandra

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/cluster"
	"github.com/global-sovereign/global-sovereign/components/kmskey"
	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
	"github.com/global-sovereign/global-sovereign/pkg/scope"
)

// PodServiceAccount is the service account of every Cassandra pod of the region's datacenter,
// and so Medusa's: the operator runs Medusa as a container of the Cassandra pods
// (k8ssandra-operator v1.32.5 pkg/medusa CreateMedusaMainContainer, and the medusa-restore init
// container), and the datacenter's `serviceAccount` becomes the CassandraDatacenter's
// serviceAccountName (pkg/cassandra/datacenter.go), which cass-operator v1.30.3 puts on the pod
// template (construct_podtemplatespec.go); left empty the pods run as "default", and Pod Identity
// would then hand the backup bucket to every pod of the namespace that runs as "default".
const PodServiceAccount = "cassandra-medusa"

// BackupTypes are the Pulumi types of the backup store and Medusa's access.
const (
	BackupStoreType  = "sovereign:cassandra:BackupStore"
	MedusaAccessType = "sovereign:cassandra:MedusaAccess"
)

// BackupStoreArgs configures the bucket Medusa writes to.
type BackupStoreArgs struct {
	Scope scope.Scope
	// NoncurrentDays expires object versions this many days after a purge or an overwrite
	// replaced them (the backup retention: Medusa purges what is older itself).
	NoncurrentDays int
}

// BackupStore is the cluster's one backup bucket, in the control plane's region.
type BackupStore struct {
	pulumi.ResourceState

	Bucket    pulumi.StringOutput `pulumi:"bucket"`
	BucketArn pulumi.StringOutput `pulumi:"bucketArn"`
	KeyArn    pulumi.StringOutput `pulumi:"keyArn"`
}

// NewBackupStore declares the bucket: SSE-KMS with a key of its own (and an S3 bucket key, so a
// backup's thousands of SSTables do not each call KMS), versioned (a purge or a bad run leaves
// the previous versions for NoncurrentDays), every public access blocked, ACLs off, and a policy
// that refuses any request not over TLS. Protected in a protected stack: its loss is the loss
// of every backup.
func NewBackupStore(ctx *pulumi.Context, name string, args *BackupStoreArgs, opts ...pulumi.ResourceOption) (*BackupStore, error) {
	if args.NoncurrentDays < 1 {
		return nil, fmt.Errorf("cassandra backup store %s: noncurrent version days must be at least 1", name)
	}
	st := &BackupStore{}
	if err := ctx.RegisterComponentResource(BackupStoreType, name, st, opts...); err != nil {
		return nil, err
	}
	s := args.Scope
	parent := pulumi.Parent(st)
	key, err := kmskey.New(ctx, name+"-key", kmskey.Args{
		Description: "Cassandra backups (Medusa): the backup bucket's objects",
		Alias:       name,
		Policy:      iampolicy.New(kmskey.AccountAdmin(s)),
		Protect:     s.Protect,
	}, parent)
	if err != nil {
		return nil, err
	}
	bucket, err := s3.NewBucketV2(ctx, name, &s3.BucketV2Args{ForceDestroy: pulumi.Bool(!s.Protect)}, parent, pulumi.Protect(s.Protect))
	if err != nil {
		return nil, err
	}
	id := bucket.ID()
	access, err := s3.NewBucketPublicAccessBlock(ctx, name, &s3.BucketPublicAccessBlockArgs{
		Bucket: id, BlockPublicAcls: pulumi.Bool(true), BlockPublicPolicy: pulumi.Bool(true),
		IgnorePublicAcls: pulumi.Bool(true), RestrictPublicBuckets: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketOwnershipControls(ctx, name, &s3.BucketOwnershipControlsArgs{
		Bucket: id, Rule: &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, parent); err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name, &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: id,
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm: pulumi.String("aws:kms"), KmsMasterKeyId: key.Arn,
			},
			BucketKeyEnabled: pulumi.Bool(true),
		}},
	}, parent); err != nil {
		return nil, err
	}
	versioning, err := s3.NewBucketVersioningV2(ctx, name, &s3.BucketVersioningV2Args{
		Bucket:                  id,
		VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, parent)
	if err != nil {
		return nil, err
	}
	// Replaced and deleted versions expire after the retention; so do uploads that never
	// completed (an interrupted backup's multipart uploads cost storage unseen). Medusa's purge
	// deletes with plain DeleteObject, which leaves a delete marker per file on a versioned
	// bucket: once its noncurrent versions expire, the marker is removed too
	// (ExpiredObjectDeleteMarker, allowed beside NoncurrentVersionExpiration but not beside an
	// expiration in days). Current objects never expire: a differential backup still references
	// SSTables uploaded long before, and Medusa's purge alone knows which.
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, name, &s3.BucketLifecycleConfigurationV2Args{
		Bucket: id,
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{s3.BucketLifecycleConfigurationV2RuleArgs{
			Id: pulumi.String("noncurrent-versions"), Status: pulumi.String("Enabled"),
			Filter: &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
			NoncurrentVersionExpiration: &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{
				NoncurrentDays: pulumi.Int(args.NoncurrentDays),
			},
			Expiration: &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{ExpiredObjectDeleteMarker: pulumi.Bool(true)},
			AbortIncompleteMultipartUpload: &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
				DaysAfterInitiation: pulumi.Int(7),
			},
		}},
	}, parent, pulumi.DependsOn([]pulumi.Resource{versioning})); err != nil {
		return nil, err
	}
	policy := bucket.Arn.ApplyT(func(arn string) string {
		return iampolicy.New(iampolicy.DenyInsecureTransport(arn)).JSON()
	}).(pulumi.StringOutput)
	// After the public access block: S3 judges a policy put before it by the account's settings.
	if _, err := s3.NewBucketPolicy(ctx, name, &s3.BucketPolicyArgs{Bucket: id, Policy: policy},
		parent, pulumi.DependsOn([]pulumi.Resource{access})); err != nil {
		return nil, err
	}
	st.Bucket, st.BucketArn, st.KeyArn = bucket.Bucket, bucket.Arn, key.Arn
	return st, ctx.RegisterResourceOutputs(st, pulumi.Map{"bucket": st.Bucket, "bucketArn": st.BucketArn, "keyArn": st.KeyArn})
}

// MedusaAccessArgs configures one region's access to the backup bucket.
type MedusaAccessArgs struct {
	Scope scope.Scope
	// ClusterName is the region's cluster (its output, so the association waits for it).
	ClusterName pulumi.StringInput
	// BucketArn, KeyArn and BucketRegion are the backup store's (the control plane's stack's outputs).
	BucketArn, KeyArn pulumi.StringInput
	BucketRegion      string
	// Prefix is the cluster's folder in the bucket (Medusa's storageProperties.prefix): the
	// region's pods may read and write objects under it only.
	Prefix string
	// Kubernetes is the region's cluster; Operator is its k8ssandra-operator release (whose
	// chart creates the namespace).
	Kubernetes *kubernetes.Provider
	Operator   pulumi.Resource
	// Datacenter is the region's datacenter (its code), and Schedule and BackupType its
	// MedusaBackupSchedule's cron expression and backup type; an empty Schedule declares none
	// (a datacenter being decommissioned).
	Datacenter, Schedule, BackupType string
	// ScheduleName is the schedule's name: <cluster>-<datacenter>-backups.
	ScheduleName string
}

// MedusaAPIVersion is the group of Medusa's kinds (k8ssandra-operator v1.32.5 apis/medusa/v1alpha1).
const MedusaAPIVersion = "medusa.k8ssandra.io/v1alpha1"

// BackupScheduleSpec is a datacenter's MedusaBackupSchedule spec (apis/medusa/v1alpha1
// MedusaBackupScheduleSpec): one backup at a time (Forbid).
func BackupScheduleSpec(dc, schedule, backupType string) pulumi.Map {
	return pulumi.Map{
		"cronSchedule":      pulumi.String(schedule),
		"concurrencyPolicy": pulumi.String("Forbid"),
		"backupSpec": pulumi.Map{
			"cassandraDatacenter": pulumi.String(dc),
			"backupType":          pulumi.String(backupType),
		},
	}
}

// MedusaAccess is the region's Cassandra pods' service account and the IAM role Pod Identity
// hands it.
type MedusaAccess struct {
	pulumi.ResourceState

	ServiceAccount pulumi.StringOutput `pulumi:"serviceAccount"`
}

// MedusaPolicy is the role's policy: list the bucket, read, write and delete objects under the
// cluster's prefix (a backup, a restore's download, the nightly purge) and finish or abort
// multipart uploads; use the bucket's key only through S3 in the bucket's region.
func MedusaPolicy(bucketArn, keyArn, prefix, bucketRegion string) iampolicy.Document {
	return iampolicy.New(
		iampolicy.Allow("ListBackups", []string{"s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"}, []string{bucketArn}),
		iampolicy.Allow("BackupObjects", []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"},
			[]string{bucketArn + "/" + prefix + "/*"}),
		iampolicy.Allow("BackupKey", []string{"kms:GenerateDataKey", "kms:Decrypt"}, []string{keyArn}).
			When("StringEquals", "kms:ViaService", fmt.Sprintf("s3.%s.amazonaws.com", bucketRegion)),
	)
}

// NewMedusaAccess declares the service account the datacenter's pods run as, the role Pod
// Identity hands it (trusted for this cluster, namespace and service account only), and the
// datacenter's backup schedule.
func NewMedusaAccess(ctx *pulumi.Context, name string, args *MedusaAccessArgs, opts ...pulumi.ResourceOption) (*MedusaAccess, error) {
	if args.Kubernetes == nil || args.Prefix == "" || args.BucketRegion == "" {
		return nil, fmt.Errorf("medusa access %s: the cluster's Kubernetes provider, the bucket's region and the prefix are required", name)
	}
	if args.Schedule != "" && (args.Datacenter == "" || args.ScheduleName == "" || args.BackupType == "") {
		return nil, fmt.Errorf("medusa access %s: a backup schedule needs its datacenter, name and backup type", name)
	}
	m := &MedusaAccess{}
	if err := ctx.RegisterComponentResource(MedusaAccessType, name, m, opts...); err != nil {
		return nil, err
	}
	policy := pulumi.All(args.BucketArn, args.KeyArn).ApplyT(func(v []any) string {
		return MedusaPolicy(v[0].(string), v[1].(string), args.Prefix, args.BucketRegion).JSON()
	}).(pulumi.StringOutput)
	_, assoc, err := cluster.PodIdentityRole(ctx, name, args.Scope.AccountID, args.ClusterName, Namespace, PodServiceAccount,
		"Medusa (Cassandra backups): the backup bucket under the cluster's prefix", policy, pulumi.Parent(m))
	if err != nil {
		return nil, err
	}
	var after []pulumi.Resource
	if args.Operator != nil {
		after = append(after, args.Operator)
	}
	// The pods' credentials come from the association: the account is made after it, so no pod
	// runs as it without them.
	sa, err := corev1.NewServiceAccount(ctx, name, &corev1.ServiceAccountArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(PodServiceAccount), Namespace: pulumi.String(Namespace)},
	}, pulumi.Parent(m), pulumi.Provider(args.Kubernetes), pulumi.DependsOn(append(after, assoc)))
	if err != nil {
		return nil, err
	}
	m.ServiceAccount = sa.Metadata.Name().Elem()
	// The schedule lives beside the datacenter: the region's operator resolves its
	// CassandraDatacenter in the schedule's own namespace and cluster
	// (controllers/medusa/medusabackupschedule_controller.go), and retries until the global
	// stack's K8ssandraCluster has made it. After the operator, whose chart brings the kind and
	// the webhook that checks the cron expression.
	if args.Schedule != "" {
		if _, err := apiextensions.NewCustomResource(ctx, name+"-schedule", &apiextensions.CustomResourceArgs{
			ApiVersion:  pulumi.String(MedusaAPIVersion),
			Kind:        pulumi.String("MedusaBackupSchedule"),
			Metadata:    &metav1.ObjectMetaArgs{Name: pulumi.String(args.ScheduleName), Namespace: pulumi.String(Namespace)},
			OtherFields: kubernetes.UntypedArgs{"spec": BackupScheduleSpec(args.Datacenter, args.Schedule, args.BackupType)},
		}, pulumi.Parent(m), pulumi.Provider(args.Kubernetes), pulumi.DependsOn(after)); err != nil {
			return nil, err
		}
	}
	return m, ctx.RegisterResourceOutputs(m, pulumi.Map{"serviceAccount": m.ServiceAccount})
}
