package cluster

import (
	"fmt"
	"maps"
	"slices"

	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	storagev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/storage/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// StorageClassName is the cluster's default StorageClass.
const StorageClassName = "gp3"

// storageClass makes encrypted gp3 the default: volumes bind where their pod lands
// (WaitForFirstConsumer keeps a volume and its pod in one AZ), can grow, and in a protected stack
// outlive their claim (Retain), because the platform's volumes hold Cassandra data. An
// unprotected (throwaway) stack deletes a volume with its claim: Retain there left every claim's
// EBS volume behind, billed, after a destroy.
func (b *builder) storageClass(k8s *kubernetes.Provider, csi *awseks.Addon) error {
	_, err := storagev1.NewStorageClass(b.ctx, b.name+"-gp3", &storagev1.StorageClassArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name:        pulumi.String(StorageClassName),
			Annotations: pulumi.StringMap{"storageclass.kubernetes.io/is-default-class": pulumi.String("true")},
		},
		Provisioner:          pulumi.String("ebs.csi.aws.com"),
		Parameters:           volumeParameters(b.args.Tags),
		VolumeBindingMode:    pulumi.String("WaitForFirstConsumer"),
		AllowVolumeExpansion: pulumi.Bool(true),
		ReclaimPolicy:        pulumi.String(ReclaimPolicy(b.args.Scope.Protect)),
	}, b.parent, pulumi.Provider(k8s), pulumi.DependsOn([]pulumi.Resource{csi}),
		// The API server forbids updating either field (Kubernetes pkg/apis/storage/validation,
		// ValidateStorageClassUpdate), and pulumi-kubernetes v4.33.0 replaces a StorageClass only for
		// .parameters and .provisioner (provider/pkg/provider/diff.go forceNew): without this a
		// stack whose `protect` flips (or one deployed when Retain was constant) fails its next
		// `up` on an in-place update. The name is fixed, so the old class goes first; a class
		// is only read when a claim is provisioned, and existing volumes keep their own policy.
		pulumi.ReplaceOnChanges(ImmutableStorageClassFields), pulumi.DeleteBeforeReplace(true))
	return err
}

// ImmutableStorageClassFields are the StorageClass inputs the API server refuses to update.
var ImmutableStorageClassFields = []string{"reclaimPolicy", "volumeBindingMode"}

// volumeParameters are the StorageClass's parameters for the EBS CSI driver: encrypted gp3,
// and the stack's tags on every volume it creates (parameters tagSpecification_<n> = "key=value",
// aws-ebs-csi-driver docs/tagging.md); the provider's default tags never reach those volumes.
func volumeParameters(tags map[string]string) pulumi.StringMap {
	out := pulumi.StringMap{"type": pulumi.String("gp3"), "encrypted": pulumi.String("true")}
	for i, k := range slices.Sorted(maps.Keys(tags)) {
		out[fmt.Sprintf("tagSpecification_%d", i+1)] = pulumi.String(k + "=" + tags[k])
	}
	return out
}

// ReclaimPolicy is the default StorageClass's reclaim policy: Retain where stateful resources are
// protected, Delete elsewhere.
func ReclaimPolicy(protect bool) string {
	if protect {
		return "Retain"
	}
	return "Delete"
}
