package cassandracluster

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	batchv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/batch/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/cassandra"
)

// ClientRoleType is the Pulumi type token of a client's keyspace and role.
const ClientRoleType = "sovereign:cassandra:ClientRole"

// ClientSecretName is the Secret, in the client's namespace, holding its role's credentials and
// where to connect: the keys of ClientSecretKeys.
const ClientSecretName = "cassandra-credentials"

// ClientSecretKeys are the client Secret's keys.
var ClientSecretKeys = []string{"username", "password", "keyspace", "host", "port", "datacenter", "caConfigMap", "caKey"}

// Where the client role Job finds its two Secrets' keys (secret volumes with only these items).
const (
	superuserMountPath = "/etc/cql-superuser"
	roleMountPath      = "/etc/cql-role"
	// RolePasswordKey is the key of the role's password in its Secret in the Cassandra namespace.
	RolePasswordKey = "password"
)

// ClientRoleArgs configures a client's keyspace and role.
type ClientRoleArgs struct {
	// Kubernetes is the home datacenter's cluster: the role's Secret and Job go into its
	// Cassandra namespace.
	Kubernetes pulumi.ProviderResource
	// ClusterName is the Cassandra cluster's name; ServerVersion its version (the Job's cqlsh).
	ClusterName, ServerVersion string
	// Datacenter is the home datacenter (region code): the Job connects to its CQL Service, and
	// the client's driver names it as its local datacenter.
	Datacenter string
	// Keyspace and Role are the client's (config: client.cassandra).
	Keyspace, Role string
	// Replication is the cluster's replication of every user keyspace (datacenter -> factor).
	Replication map[string]int
	// SuperuserSecret names the cluster's superuser Secret in the Cassandra namespace
	// (<cluster>-superuser; the operator replicates it to every datacenter's namespace), read
	// from the global stack's output: the Job waits for the cluster.
	SuperuserSecret pulumi.StringInput
	// ClientNamespace is the client's namespace (an output of the namespace's resource).
	ClientNamespace pulumi.StringInput
}

// ClientRole is the component.
type ClientRole struct {
	pulumi.ResourceState

	// SecretName is the client Secret's name; it resolves once the role exists.
	SecretName pulumi.StringOutput `pulumi:"secretName"`
}

var cqlNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,47}$`)

// ClientKeyspaceCQL creates the client's keyspace with the cluster's replication if it is
// missing. The global stack's keyspace Job keeps its replication afterwards (ClientCQL).
func ClientKeyspaceCQL(keyspace string, replication map[string]int) string {
	cql := CQL([]string{keyspace}, replication)
	create, _, _ := strings.Cut(cql, "\n")
	return create + "\n"
}

// clientRoleScript logs in as the superuser (its username and password read from the mounted
// files into a cqlsh credentials file only the Job's user can read), writes the CQL with the
// role's password read from its mounted file (printf and read are shell builtins: the password
// is on no command line and in no environment variable), and retries cqlsh until the
// datacenter answers, over TLS, verifying the nodes against the cluster's CA. The role's
// password is refused unless alphanumeric: it is quoted in CQL as is.
const clientRoleScript = `set -eu
umask 077
IFS= read -r su_user < @SU@/username || [ -n "$su_user" ]
IFS= read -r su_password < @SU@/password || [ -n "$su_password" ]
IFS= read -r role_password < @ROLE@/password || [ -n "$role_password" ]
case "$role_password" in ''|*[!A-Za-z0-9]*) echo "the role's password must be alphanumeric" >&2; exit 1;; esac
printf '[PlainTextAuthProvider]\nusername = %s\npassword = %s\n' "$su_user" "$su_password" > /tmp/credentials
printf '[authentication]\ncredentials = /tmp/credentials\n[connection]\nssl = true\n[ssl]\ncertfile = %s\nvalidate = true\n' @CA@ > /tmp/cqlshrc
printf '%s' "$CQL" > /tmp/client.cql
printf "CREATE ROLE IF NOT EXISTS %s WITH LOGIN = true AND PASSWORD = '%s';\n" "$CQL_ROLE" "$role_password" >> /tmp/client.cql
printf "ALTER ROLE %s WITH PASSWORD = '%s' AND LOGIN = true AND SUPERUSER = false;\n" "$CQL_ROLE" "$role_password" >> /tmp/client.cql
printf 'GRANT ALL PERMISSIONS ON KEYSPACE %s TO %s;\n' "$CQL_KEYSPACE" "$CQL_ROLE" >> /tmp/client.cql
for i in $(seq 1 @TRIES@); do
  if cqlsh --ssl --cqlshrc /tmp/cqlshrc @HOST@ @PORT@ -f /tmp/client.cql; then exit 0; fi
  sleep @SLEEP@
done
exit 1
`

// ClientRoleScript is the client role Job's script against a datacenter's CQL Service.
func ClientRoleScript(host string, port int) string {
	return strings.NewReplacer("@SU@", superuserMountPath, "@ROLE@", roleMountPath, "@CA@", caFile,
		"@TRIES@", fmt.Sprint(keyspaceTries), "@HOST@", host, "@PORT@", fmt.Sprint(port),
		"@SLEEP@", fmt.Sprint(keyspaceTrySeconds)).Replace(clientRoleScript)
}

// ClientJobName is the role Job's name: the client stack's prefix (clients share the Cassandra
// namespace) and a hash of everything the Job does, the role's password included, so that any
// change, a new password too, replaces the Job and runs it again. The hash of a 32-character
// random alphanumeric password (about 190 bits) gives nothing away; the password itself is in
// no name, label or annotation.
func ClientJobName(prefix string, parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return prefix + "-cql-" + hex.EncodeToString(h[:])[:10]
}

// NewClientRole declares the client's role password, its Secret in the home datacenter's
// Cassandra namespace, the Job there that creates the keyspace and the role as the cluster's
// superuser, and the Secret in the client's namespace with the role's credentials and where to
// connect. name is the client stack's name prefix.
func NewClientRole(ctx *pulumi.Context, name string, args *ClientRoleArgs, opts ...pulumi.ResourceOption) (*ClientRole, error) {
	switch {
	case args.Kubernetes == nil || args.SuperuserSecret == nil || args.ClientNamespace == nil:
		return nil, fmt.Errorf("cassandra client role %s: the home cluster, the superuser Secret and the client's namespace are required", name)
	case !cqlNameRE.MatchString(args.Keyspace) || !cqlNameRE.MatchString(args.Role) || args.Role == "cassandra":
		return nil, fmt.Errorf("cassandra client role %s: keyspace %q and role %q: want lowercase letters, digits and underscores", name, args.Keyspace, args.Role)
	case args.ClusterName == "" || args.ServerVersion == "" || args.Datacenter == "":
		return nil, fmt.Errorf("cassandra client role %s: the cluster's name, version and the home datacenter are required", name)
	case args.Replication[args.Datacenter] == 0:
		return nil, fmt.Errorf("cassandra client role %s: the keyspace's replication %v leaves out the home datacenter %s", name, args.Replication, args.Datacenter)
	}
	c := &ClientRole{}
	if err := ctx.RegisterComponentResource(ClientRoleType, name+"-cassandra", c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)
	k8s := func(more ...pulumi.ResourceOption) []pulumi.ResourceOption {
		return append([]pulumi.ResourceOption{parent, pulumi.Provider(args.Kubernetes)}, more...)
	}
	// Alphanumeric: quoted in CQL as is, with nothing to escape.
	password, err := random.NewRandomPassword(ctx, name+"-cql-password", &random.RandomPasswordArgs{
		Length: pulumi.Int(32), Special: pulumi.Bool(false),
	}, parent)
	if err != nil {
		return nil, err
	}
	secretPassword := pulumi.ToSecret(password.Result).(pulumi.StringOutput)
	// The password for the Job, beside it in the Cassandra namespace (a pod mounts Secrets of
	// its own namespace only).
	roleSecret, err := corev1.NewSecret(ctx, name+"-cql-role", &corev1.SecretArgs{
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(name + "-cql-role"), Namespace: pulumi.String(cassandra.Namespace)},
		Type:       pulumi.String("Opaque"),
		StringData: pulumi.StringMap{RolePasswordKey: secretPassword},
	}, k8s()...)
	if err != nil {
		return nil, err
	}
	host := cassandra.ServiceHost(args.ClusterName, args.Datacenter)
	script := ClientRoleScript(host, cassandra.NativePort)
	cql := ClientKeyspaceCQL(args.Keyspace, args.Replication)
	jobName := pulumi.Unsecret(pulumi.All(args.SuperuserSecret, password.Result).ApplyT(func(v []any) string {
		return ClientJobName(name, script, cql, args.Keyspace, args.Role, args.ServerVersion, v[0].(string), v[1].(string))
	})).(pulumi.StringOutput)
	item := func(key string) corev1.KeyToPathArray {
		return corev1.KeyToPathArray{corev1.KeyToPathArgs{Key: pulumi.String(key), Path: pulumi.String(key)}}
	}
	plain := func(env, v string) corev1.EnvVarArgs {
		return corev1.EnvVarArgs{Name: pulumi.String(env), Value: pulumi.String(v)}
	}
	job, err := batchv1.NewJob(ctx, name+"-cql", &batchv1.JobArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name:        jobName,
			Namespace:   pulumi.String(cassandra.Namespace),
			Annotations: CQLJobAnnotations(),
		},
		Spec: CQLJobSpec(CQLJob{
			ServerVersion: args.ServerVersion,
			Script:        script,
			Env: corev1.EnvVarArray{
				plain("CQL", cql), plain("CQL_ROLE", args.Role), plain("CQL_KEYSPACE", args.Keyspace),
				// cqlsh keeps its history and settings under $HOME.
				plain("HOME", "/tmp"),
			},
			Mounts: corev1.VolumeMountArray{corev1.VolumeMountArgs{
				Name: pulumi.String("superuser"), MountPath: pulumi.String(superuserMountPath), ReadOnly: pulumi.Bool(true),
			}, corev1.VolumeMountArgs{
				Name: pulumi.String("role"), MountPath: pulumi.String(roleMountPath), ReadOnly: pulumi.Bool(true),
			}},
			Volumes: corev1.VolumeArray{corev1.VolumeArgs{
				// The superuser's name and password, nothing else of its Secret.
				Name: pulumi.String("superuser"),
				Secret: corev1.SecretVolumeSourceArgs{SecretName: args.SuperuserSecret,
					Items: append(item("username"), item("password")...)},
			}, corev1.VolumeArgs{
				Name:   pulumi.String("role"),
				Secret: corev1.SecretVolumeSourceArgs{SecretName: roleSecret.Metadata.Name(), Items: item(RolePasswordKey)},
			}},
		}),
	}, k8s(pulumi.DependsOn([]pulumi.Resource{roleSecret}), pulumi.DeleteBeforeReplace(true))...)
	if err != nil {
		return nil, err
	}
	// Written once the role exists (the Job has succeeded): the client's pods never find
	// credentials that do not log in yet.
	clientSecret, err := corev1.NewSecret(ctx, name+"-cassandra-credentials", &corev1.SecretArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(ClientSecretName), Namespace: args.ClientNamespace},
		Type:     pulumi.String("Opaque"),
		StringData: pulumi.StringMap{
			"username":    pulumi.String(args.Role),
			"password":    secretPassword,
			"keyspace":    pulumi.String(args.Keyspace),
			"host":        pulumi.String(host),
			"port":        pulumi.String(fmt.Sprint(cassandra.NativePort)),
			"datacenter":  pulumi.String(args.Datacenter),
			"caConfigMap": pulumi.String(cassandra.CABundle),
			"caKey":       pulumi.String(cassandra.CABundleKey),
		},
	}, k8s(pulumi.DependsOn([]pulumi.Resource{job}))...)
	if err != nil {
		return nil, err
	}
	c.SecretName = clientSecret.Metadata.Name().Elem()
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"secretName": c.SecretName})
}
