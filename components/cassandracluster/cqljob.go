package cassandracluster

import (
	"fmt"

	batchv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/batch/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/cassandra"
)

// CQLJob is what a Job that runs cqlsh against a datacenter adds to the pieces every such Job
// shares (CQLJobSpec): the cluster's keyspace Job and each client's role Job.
type CQLJob struct {
	ServerVersion string // the image is cassandra:<ServerVersion>, the cluster's own cqlsh
	Script        string // run with /bin/sh -c
	Env           corev1.EnvVarArray
	// Mounts and Volumes come after the shared ones: an emptyDir at /tmp (the only writable
	// path) and the ca.crt of the datacenter's CQL certificate at CAFile.
	Mounts  corev1.VolumeMountArray
	Volumes corev1.VolumeArray
}

// CAFile is where a CQL Job finds the cluster's CA certificate (only ca.crt of the datacenter's
// CQL certificate Secret is mounted, never its key).
const CAFile = caFile

// CQLJobAnnotations are a CQL Job's Pulumi annotations: a Job that failed (the cluster down past
// its deadline) is replaced on the next update rather than left failed under the same name, and
// Pulumi waits for it as long as it may run.
func CQLJobAnnotations() pulumi.StringMap {
	return pulumi.StringMap{
		"pulumi.com/replaceUnready": pulumi.String("true"),
		"pulumi.com/timeoutSeconds": pulumi.String(fmt.Sprint(KeyspaceTimeoutSeconds)),
	}
}

// CQLJobSpec is the spec of a Job that runs cqlsh in the Cassandra namespace: retried
// keyspaceBackoffLimit times within keyspaceDeadlineSecs; its pods carry cassandra.JobLabel (the
// namespace's NetworkPolicy admits them to CQL) and meet the restricted Pod Security profile:
// non-root (the image's cassandra user), no privilege escalation, no capabilities, the runtime's
// seccomp profile, a read-only root with an emptyDir for its files, no service-account token,
// and bounded resources.
func CQLJobSpec(j CQLJob) batchv1.JobSpecArgs {
	return batchv1.JobSpecArgs{
		BackoffLimit:          pulumi.Int(keyspaceBackoffLimit),
		ActiveDeadlineSeconds: pulumi.Int(keyspaceDeadlineSecs),
		Template: corev1.PodTemplateSpecArgs{
			// The Cassandra namespace's NetworkPolicy admits CQL from pods with this label.
			Metadata: metav1.ObjectMetaArgs{Labels: pulumi.StringMap{cassandra.JobLabel: pulumi.String("true")}},
			Spec: corev1.PodSpecArgs{
				RestartPolicy:                pulumi.String("Never"),
				AutomountServiceAccountToken: pulumi.Bool(false),
				SecurityContext: corev1.PodSecurityContextArgs{
					RunAsNonRoot: pulumi.Bool(true), RunAsUser: pulumi.Int(cassandraUID), RunAsGroup: pulumi.Int(cassandraUID),
					SeccompProfile: corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
				},
				Containers: corev1.ContainerArray{corev1.ContainerArgs{
					Name:    pulumi.String("cqlsh"),
					Image:   pulumi.String("cassandra:" + j.ServerVersion),
					Command: pulumi.StringArray{pulumi.String("/bin/sh"), pulumi.String("-c"), pulumi.String(j.Script)},
					Env:     j.Env,
					VolumeMounts: append(corev1.VolumeMountArray{corev1.VolumeMountArgs{
						Name: pulumi.String("tmp"), MountPath: pulumi.String("/tmp"),
					}, corev1.VolumeMountArgs{
						Name: pulumi.String("ca"), MountPath: pulumi.String(caMountPath), ReadOnly: pulumi.Bool(true),
					}}, j.Mounts...),
					Resources: corev1.ResourceRequirementsArgs{
						Requests: pulumi.StringMap{"cpu": pulumi.String("100m"), "memory": pulumi.String("128Mi")},
						Limits:   pulumi.StringMap{"cpu": pulumi.String("500m"), "memory": pulumi.String("256Mi")},
					},
					SecurityContext: corev1.SecurityContextArgs{
						AllowPrivilegeEscalation: pulumi.Bool(false), ReadOnlyRootFilesystem: pulumi.Bool(true),
						Capabilities: corev1.CapabilitiesArgs{Drop: pulumi.StringArray{pulumi.String("ALL")}},
					},
				}},
				Volumes: append(corev1.VolumeArray{corev1.VolumeArgs{
					Name:     pulumi.String("tmp"),
					EmptyDir: corev1.EmptyDirVolumeSourceArgs{SizeLimit: pulumi.String("16Mi")},
				}, corev1.VolumeArgs{
					// Only the CA certificate of the datacenter's CQL Secret, never its key.
					Name: pulumi.String("ca"),
					Secret: corev1.SecretVolumeSourceArgs{SecretName: pulumi.String(cassandra.NativeSecret),
						Items: corev1.KeyToPathArray{corev1.KeyToPathArgs{Key: pulumi.String("ca.crt"), Path: pulumi.String("ca.crt")}}},
				}}, j.Volumes...),
			},
		},
	}
}
