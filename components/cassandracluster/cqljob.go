package cassandracluster

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

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
	Script        string // run with /bin/sh -c; starts with LoginScript
	Env           corev1.EnvVarArray
	// Superuser names the cluster's superuser Secret in the Cassandra namespace: only its
	// username and password keys are mounted, at superuserMountPath, for LoginScript.
	Superuser pulumi.StringInput
	// Mounts and Volumes come after the shared ones: an emptyDir at /tmp (the only writable
	// path), the ca.crt of the datacenter's CQL certificate at CAFile and the superuser's files.
	Mounts  corev1.VolumeMountArray
	Volumes corev1.VolumeArray
}

// Where a CQL Job finds the superuser's username and password (a secret volume with only these
// two items).
const superuserMountPath = "/etc/cql-superuser"

// loginScript starts every CQL Job's script: it reads the superuser's name and password from
// the mounted files with the shell's read and writes them with printf (both builtins: neither is
// on a command line or in an environment variable) into a cqlsh credentials file only the Job's
// user can read (cqlsh's [authentication] credentials, Cassandra 4.1+; umask 077, cqlsh refuses
// a file others may read), and a cqlshrc for TLS that verifies the nodes against the cluster's CA.
const loginScript = `set -eu
umask 077
IFS= read -r su_user < @SU@/username || [ -n "$su_user" ]
IFS= read -r su_password < @SU@/password || [ -n "$su_password" ]
printf '[PlainTextAuthProvider]\nusername = %s\npassword = %s\n' "$su_user" "$su_password" > /tmp/credentials
printf '[authentication]\ncredentials = /tmp/credentials\n[connection]\nssl = true\n[ssl]\ncertfile = %s\nvalidate = true\n' @CA@ > /tmp/cqlshrc
`

// cqlshLoop ends every CQL Job's script: cqlsh runs the file, over TLS (the native transport
// requires it), until the datacenter answers or the tries run out.
const cqlshLoop = `for i in $(seq 1 @TRIES@); do
  if cqlsh --ssl --cqlshrc /tmp/cqlshrc @HOST@ @PORT@ -f @FILE@; then exit 0; fi
  sleep @SLEEP@
done
exit 1
`

// LoginScript is the start of a CQL Job's script (loginScript with its paths).
func LoginScript() string {
	return strings.NewReplacer("@SU@", superuserMountPath, "@CA@", caFile).Replace(loginScript)
}

// cqlScript is a CQL Job's whole script: the login, body (which writes file under /tmp), and
// cqlsh retried against host:port.
func cqlScript(body, file, host string, port int) string {
	return LoginScript() + body + strings.NewReplacer("@TRIES@", fmt.Sprint(keyspaceTries), "@HOST@", host,
		"@PORT@", fmt.Sprint(port), "@FILE@", file, "@SLEEP@", fmt.Sprint(keyspaceTrySeconds)).Replace(cqlshLoop)
}

// CQLJobName is a CQL Job's name: prefix, "-", and a hash of parts, everything its spec is made
// of. A Job's pod template cannot change (Kubernetes refuses the patch; the provider replaces the
// Job), so a changed spec is a new name: the Job runs again, and an unchanged one is left alone.
func CQLJobName(prefix string, parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return prefix + "-" + hex.EncodeToString(h[:])[:10]
}

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
					}, corev1.VolumeMountArgs{
						Name: pulumi.String("superuser"), MountPath: pulumi.String(superuserMountPath), ReadOnly: pulumi.Bool(true),
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
				}, corev1.VolumeArgs{
					// The superuser's name and password, nothing else of its Secret.
					Name: pulumi.String("superuser"),
					Secret: corev1.SecretVolumeSourceArgs{SecretName: j.Superuser,
						Items: append(secretItem("username"), secretItem("password")...)},
				}}, j.Volumes...),
			},
		},
	}
}

// secretItem mounts one key of a Secret (or ConfigMap) under its own name.
func secretItem(key string) corev1.KeyToPathArray {
	return corev1.KeyToPathArray{corev1.KeyToPathArgs{Key: pulumi.String(key), Path: pulumi.String(key)}}
}
