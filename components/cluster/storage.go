package cluster

import (
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	storagev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/storage/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// StorageClassName is the cluster's default StorageClass.
const StorageClassName = "gp3"

// storageClass makes encrypted gp3 the default: volumes bind where their pod lands
// (WaitForFirstConsumer keeps a volume and its pod in one AZ), can grow, and outlive their claim
// (Retain), because the platform's volumes hold Cassandra data.
func (b *builder) storageClass(k8s *kubernetes.Provider, csi *awseks.Addon) error {
	_, err := storagev1.NewStorageClass(b.ctx, b.name+"-gp3", &storagev1.StorageClassArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name:        pulumi.String(StorageClassName),
			Annotations: pulumi.StringMap{"storageclass.kubernetes.io/is-default-class": pulumi.String("true")},
		},
		Provisioner:          pulumi.String("ebs.csi.aws.com"),
		Parameters:           pulumi.StringMap{"type": pulumi.String("gp3"), "encrypted": pulumi.String("true")},
		VolumeBindingMode:    pulumi.String("WaitForFirstConsumer"),
		AllowVolumeExpansion: pulumi.Bool(true),
		ReclaimPolicy:        pulumi.String("Retain"),
	}, b.parent, pulumi.Provider(k8s), pulumi.DependsOn([]pulumi.Resource{csi}))
	return err
}
