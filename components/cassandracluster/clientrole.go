package cassandracluster

import (
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

// Where the client role Job finds the role's password (a secret volume with only that item) and
// its keyspace's CQL (the client's ConfigMap).
const (
	roleMountPath     = "/etc/cql-role"
	keyspaceMountPath = "/etc/cql-keyspace"
	// RolePasswordKey is the key of the role's password in its Secret in the Cassandra namespace.
	RolePasswordKey = "password"
	// KeyspaceCQLKey is the key of the keyspace's CREATE statement in the client's ConfigMap in
	// the Cassandra namespace (<prefix>-cql-keyspace).
	KeyspaceCQLKey = "keyspace.cql"
)

// ClientPermissions are what the client's role may do in its keyspace, each granted ON ALL
// TABLES IN KEYSPACE (Cassandra 4.1+, CASSANDRA-17027), one GRANT each. That resource lies
// between the keyspace and its tables: CREATE there creates tables, types, indexes and views;
// ALTER alters tables and types; DROP drops them; SELECT and MODIFY read and write every table.
// What it withholds, and why not ON KEYSPACE (apache/cassandra
// test/unit/org/apache/cassandra/auth/GrantAndRevokeTest.java testGrantedAllTables: these five
// ON ALL TABLES IN KEYSPACE run every such statement, and ALTER KEYSPACE is refused "no ALTER
// permission on <keyspace ...>"):
//   - ALTER on the keyspace itself, which is ALTER KEYSPACE: the replication is the cluster's,
//     set by the global stack's keyspace Job and named in the operator's dc-replication; a
//     client that changed it would break the datacenter removal steps.
//   - DROP on the keyspace itself (DROP KEYSPACE), for the same reason.
//   - AUTHORIZE: granting the keyspace to other roles. (Cassandra still gives the creator of a
//     table every permission on that table, AUTHORIZE included: the role may grant its own
//     tables to another role; that is Cassandra's rule, not ours.)
var ClientPermissions = []string{"CREATE", "ALTER", "DROP", "SELECT", "MODIFY"}

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
// missing: one line. The global stack's keyspace Job keeps its replication afterwards (ClientCQL).
func ClientKeyspaceCQL(keyspace string, replication map[string]int) string {
	cql := CQL([]string{keyspace}, replication)
	create, _, _ := strings.Cut(cql, "\n")
	return create + "\n"
}

// clientRoleBody follows LoginScript in the client role Job's script: it reads the role's
// password from its mounted file (refused unless alphanumeric: it is quoted in CQL as is) and the
// keyspace's CREATE statement from the client's ConfigMap, and writes the CQL: the keyspace, the
// role, its password, and its permissions (ClientPermissions). No REVOKE: no deployed role ever
// held the keyspace-level ALL an earlier build granted (no client had a keyspace), and a statement
// that is not needed is one more that can fail a Job. printf and read are shell builtins: the
// password is on no command line and in no environment variable.
const clientRoleBody = `IFS= read -r role_password < @ROLE@/password || [ -n "$role_password" ]
case "$role_password" in ''|*[!A-Za-z0-9]*) echo "the role's password must be alphanumeric" >&2; exit 1;; esac
IFS= read -r keyspace_cql < @KS@/@KSKEY@ || [ -n "$keyspace_cql" ]
printf '%s\n' "$keyspace_cql" > /tmp/client.cql
printf "CREATE ROLE IF NOT EXISTS %s WITH LOGIN = true AND PASSWORD = '%s';\n" "$CQL_ROLE" "$role_password" >> /tmp/client.cql
printf "ALTER ROLE %s WITH PASSWORD = '%s' AND LOGIN = true AND SUPERUSER = false;\n" "$CQL_ROLE" "$role_password" >> /tmp/client.cql
@GRANTS@`

// ClientRoleScript is the client role Job's script against a datacenter's CQL Service.
func ClientRoleScript(host string, port int) string {
	var grants strings.Builder
	for _, p := range ClientPermissions {
		fmt.Fprintf(&grants, "printf 'GRANT %s ON ALL TABLES IN KEYSPACE %%s TO %%s;\\n' \"$CQL_KEYSPACE\" \"$CQL_ROLE\" >> /tmp/client.cql\n", p)
	}
	body := strings.NewReplacer("@ROLE@", roleMountPath, "@KS@", keyspaceMountPath, "@KSKEY@", KeyspaceCQLKey,
		"@GRANTS@", grants.String()).Replace(clientRoleBody)
	return cqlScript(body, "/tmp/client.cql", host, port)
}

// ClientJobName is the role Job's name: the client stack's prefix (clients share the Cassandra
// namespace), "-cql-" and a hash of everything the Job's spec is made of, the role's password
// included, so that any change, a new password too, replaces the Job and runs it again. The
// cluster's replication is not in the spec (the Job reads it from the client's ConfigMap) and
// not in the name: a datacenter added or removed updates the ConfigMap in place and runs no Job;
// the keyspace exists by then, and the global stack's Job alters it. The hash of a 32-character
// random alphanumeric password (about 190 bits) gives nothing away; the password itself is in no
// name, label or annotation.
func ClientJobName(prefix string, parts ...string) string {
	return CQLJobName(prefix+"-cql", parts...)
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
	// The keyspace's CREATE statement, with the cluster's current replication, beside the Job:
	// updated in place when the replication changes, read by the Job whenever it runs, so a
	// keyspace is created with the replication of the day and the Job's spec holds none of it.
	keyspaceName := name + "-cql-keyspace"
	keyspaceCQL, err := corev1.NewConfigMap(ctx, keyspaceName, &corev1.ConfigMapArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(keyspaceName), Namespace: pulumi.String(cassandra.Namespace)},
		Data:     pulumi.StringMap{KeyspaceCQLKey: pulumi.String(ClientKeyspaceCQL(args.Keyspace, args.Replication))},
	}, k8s()...)
	if err != nil {
		return nil, err
	}
	host := cassandra.ServiceHost(args.ClusterName, args.Datacenter)
	script := ClientRoleScript(host, cassandra.NativePort)
	jobName := pulumi.Unsecret(pulumi.All(args.SuperuserSecret, password.Result).ApplyT(func(v []any) string {
		return ClientJobName(name, script, args.Keyspace, args.Role, args.ServerVersion, keyspaceName, v[0].(string), v[1].(string))
	})).(pulumi.StringOutput)
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
			Superuser:     args.SuperuserSecret,
			Env: corev1.EnvVarArray{
				plain("CQL_ROLE", args.Role), plain("CQL_KEYSPACE", args.Keyspace),
				// cqlsh keeps its history and settings under $HOME.
				plain("HOME", "/tmp"),
			},
			Mounts: corev1.VolumeMountArray{corev1.VolumeMountArgs{
				Name: pulumi.String("role"), MountPath: pulumi.String(roleMountPath), ReadOnly: pulumi.Bool(true),
			}, corev1.VolumeMountArgs{
				Name: pulumi.String("keyspace"), MountPath: pulumi.String(keyspaceMountPath), ReadOnly: pulumi.Bool(true),
			}},
			Volumes: corev1.VolumeArray{corev1.VolumeArgs{
				Name:   pulumi.String("role"),
				Secret: corev1.SecretVolumeSourceArgs{SecretName: roleSecret.Metadata.Name(), Items: secretItem(RolePasswordKey)},
			}, corev1.VolumeArgs{
				// A constant name: the ConfigMap's data may change without touching the Job.
				Name:      pulumi.String("keyspace"),
				ConfigMap: corev1.ConfigMapVolumeSourceArgs{Name: pulumi.String(keyspaceName), Items: secretItem(KeyspaceCQLKey)},
			}},
		}),
	}, k8s(pulumi.DependsOn([]pulumi.Resource{roleSecret, keyspaceCQL}), pulumi.DeleteBeforeReplace(true))...)
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
