package tenant

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	batchv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/batch/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ProvisionerType is the Pulumi type token of the database provisioner.
const ProvisionerType = "sovereign:tenant:DatabaseProvisioner"

// ProvisionerRole is the PostgreSQL role that creates the clients' roles and databases: it has
// CREATEROLE and CREATEDB and nothing else (not rds_superuser). Client stacks use it, never the
// master credentials.
const ProvisionerRole = "sovereign_provisioner"

// ProvisionerSecretName is the Secret, in the provisioning namespace, that holds the
// provisioner's credentials (username, password): client Jobs read it through a secretKeyRef, so
// a client stack never reads its value.
const ProvisionerSecretName = "provisioner-credentials"

// provisionerVerifierName holds the provisioner password's SCRAM verifier, in the admin
// namespace, for the Job that sets it.
const provisionerVerifierName = "provisioner-verifier"

// ProvisionerArgs configures the platform's database provisioning in the cluster beside the
// environment's database writer.
type ProvisionerArgs struct {
	// Kubernetes is the writer's cluster.
	Kubernetes pulumi.ProviderResource
	// Namespace is the platform's provisioning namespace: the provisioner's credentials live
	// there and every client's database Job runs there. AdminNamespace holds the master
	// credentials and the Job that creates the provisioning role: client stacks create pods in
	// Namespace, and a pod can mount any Secret of its own namespace, so the master's must be
	// elsewhere.
	Namespace, AdminNamespace string
	// WriterHost is the writer's endpoint; MasterUsername and MasterPassword (secret) are the
	// cluster's master credentials, which the stack that created the cluster holds.
	WriterHost     pulumi.StringInput
	MasterUsername string
	MasterPassword pulumi.StringInput
	// WriterCIDRs are the writer VPC's database subnets: the Jobs may reach PostgreSQL there.
	WriterCIDRs []string
}

// Provisioner is the component.
type Provisioner struct {
	pulumi.ResourceState

	// Namespace and SecretName resolve once the role exists (the Job has succeeded): a client
	// stack that reads them waits for it.
	Namespace  pulumi.StringOutput `pulumi:"namespace"`
	SecretName pulumi.StringOutput `pulumi:"secretName"`
}

// ProvisionerSQL creates the provisioning role and closes the platform's databases to clients.
// It runs as the master (rds_superuser, not a superuser), safe to run again. The master may not
// name SUPERUSER, REPLICATION or BYPASSRLS in ALTER ROLE at all, not even to deny them
// (PostgreSQL 16 AlterRole): a role CREATE ROLE makes has none of them, and the check after it
// stops the Job if one is set. Every database the master owns loses PUBLIC's CONNECT (PostgreSQL
// grants it on every new database): clients connect only where they were granted, their own
// database, which the master does not own and whose PUBLIC grant the client SQL revokes (a REVOKE
// on it from the master would fail: it holds no privilege there). The provisioner may connect to
// postgres to create databases.
const ProvisionerSQL = `\set ON_ERROR_STOP on
\getenv prov_user PROVISIONER_USER
\getenv prov_verifier PROVISIONER_VERIFIER
SELECT format('CREATE ROLE %I LOGIN', :'prov_user')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'prov_user') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN CREATEROLE CREATEDB PASSWORD %L', :'prov_user', :'prov_verifier') \gexec
SELECT format('DO $refuse$ BEGIN RAISE EXCEPTION %L; END $refuse$', format('role %s is a superuser, replicates or bypasses row security', rolname))
  FROM pg_roles WHERE rolname = :'prov_user' AND (rolsuper OR rolreplication OR rolbypassrls) \gexec
SELECT format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', datname)
  FROM pg_database WHERE datallowconn AND datname <> 'rdsadmin' AND pg_has_role(datdba, 'MEMBER') \gexec
SELECT format('GRANT CONNECT ON DATABASE postgres TO %I', :'prov_user') \gexec
`

// NewProvisioner declares the provisioning namespace, its network policies, the master and
// provisioner credentials, and the Job that creates the role. Pass the writer stack's aws
// provider; Kubernetes objects use Args.Kubernetes.
func NewProvisioner(ctx *pulumi.Context, name string, args *ProvisionerArgs, opts ...pulumi.ResourceOption) (*Provisioner, error) {
	switch {
	case args.Kubernetes == nil || args.WriterHost == nil || args.MasterPassword == nil || args.MasterUsername == "":
		return nil, fmt.Errorf("database provisioner %s: the writer's cluster, endpoint and master credentials are required", name)
	case !labelRE.MatchString(args.Namespace) || !labelRE.MatchString(args.AdminNamespace) || args.Namespace == args.AdminNamespace:
		return nil, fmt.Errorf("database provisioner %s: namespaces %q and %q: want two distinct DNS labels", name, args.Namespace, args.AdminNamespace)
	case len(args.WriterCIDRs) == 0:
		return nil, fmt.Errorf("database provisioner %s: the writer VPC's database subnet CIDRs are required", name)
	}
	if err := privateCIDRs("writer CIDR", args.WriterCIDRs); err != nil {
		return nil, fmt.Errorf("database provisioner %s: %w", name, err)
	}
	p := &Provisioner{}
	if err := ctx.RegisterComponentResource(ProvisionerType, name, p, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(p)
	k8s := func(more ...pulumi.ResourceOption) []pulumi.ResourceOption {
		return append([]pulumi.ResourceOption{parent, pulumi.Provider(args.Kubernetes)}, more...)
	}
	b := &builder{ctx: ctx, name: name, parent: parent}
	// Both namespaces enforce the restricted Pod Security profile; every pod of each (this Job,
	// every client's) reaches DNS and PostgreSQL in the writer's database subnets, nothing else.
	namespace := func(suffix, nsName string) (pulumi.StringPtrOutput, []pulumi.Resource, error) {
		ns, err := corev1.NewNamespace(ctx, name+"-"+suffix, &corev1.NamespaceArgs{
			Metadata: &metav1.ObjectMetaArgs{
				Name: pulumi.String(nsName),
				Labels: pulumi.StringMap{labelManagedBy: pulumi.String(managedBy),
					podSecurityEnforce: pulumi.String("restricted")},
			},
		}, k8s()...)
		if err != nil {
			return pulumi.StringPtrOutput{}, nil, err
		}
		policies, err := b.networkPolicies(name+"-"+suffix+"-np", ns.Metadata.Name(), args.WriterCIDRs, false, k8s)
		return ns.Metadata.Name(), policies, err
	}
	nsName, policies, err := namespace("ns", args.Namespace)
	if err != nil {
		return nil, err
	}
	adminNS, adminPolicies, err := namespace("admin-ns", args.AdminNamespace)
	if err != nil {
		return nil, err
	}
	password, err := random.NewRandomPassword(ctx, name+"-password", &random.RandomPasswordArgs{
		Length: pulumi.Int(40), Special: pulumi.Bool(false),
	}, parent)
	if err != nil {
		return nil, err
	}
	secret := func(suffix, secretName string, ns pulumi.StringPtrOutput, data pulumi.StringMap) (*corev1.Secret, error) {
		return corev1.NewSecret(ctx, name+"-"+suffix, &corev1.SecretArgs{
			Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(secretName), Namespace: ns},
			Type:       pulumi.String("Opaque"),
			StringData: data,
		}, k8s()...)
	}
	master, err := secret("master", masterSecretName, adminNS, pulumi.StringMap{
		"username": pulumi.String(args.MasterUsername),
		"password": pulumi.ToSecret(args.MasterPassword).(pulumi.StringOutput),
	})
	if err != nil {
		return nil, err
	}
	verifier := pulumi.ToSecret(password.Result.ApplyT(func(pw string) (string, error) {
		return SCRAMVerifier(ProvisionerRole, pw)
	})).(pulumi.StringOutput)
	// The client Jobs log in with the password; the role is set with its SCRAM verifier.
	prov, err := secret("credentials", ProvisionerSecretName, nsName, pulumi.StringMap{
		"username": pulumi.String(ProvisionerRole),
		"password": pulumi.ToSecret(password.Result).(pulumi.StringOutput),
	})
	if err != nil {
		return nil, err
	}
	provVerifier, err := secret("verifier", provisionerVerifierName, adminNS, pulumi.StringMap{"verifier": verifier})
	if err != nil {
		return nil, err
	}
	sql, err := corev1.NewConfigMap(ctx, name+"-sql", &corev1.ConfigMapArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("provisioner-sql"), Namespace: adminNS},
		Data:     pulumi.StringMap{sqlFile: pulumi.String(ProvisionerSQL)},
	}, k8s()...)
	if err != nil {
		return nil, err
	}
	jobName := pulumi.Unsecret(pulumi.All(args.WriterHost, password.Result).ApplyT(func(v []any) string {
		h := sha256.Sum256([]byte(strings.Join([]string{ProvisionerSQL, v[0].(string), v[1].(string)}, "\x00")))
		return "provisioner-" + hex.EncodeToString(h[:])[:10]
	})).(pulumi.StringOutput)
	job, err := batchv1.NewJob(ctx, name+"-job", &batchv1.JobArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: jobName, Namespace: adminNS,
			Labels: pulumi.StringMap{labelManagedBy: pulumi.String(managedBy)}},
		Spec: psqlJobSpec(pulumi.StringMap{}, "provisioner-sql", args.WriterHost, pulumi.String(masterSecretName), corev1.EnvVarArray{
			secretEnvVar("PROVISIONER_VERIFIER", provisionerVerifierName, "verifier"),
			corev1.EnvVarArgs{Name: pulumi.String("PROVISIONER_USER"), Value: pulumi.String(ProvisionerRole)},
		}),
	}, k8s(pulumi.DependsOn(append(append([]pulumi.Resource{master, prov, provVerifier, sql}, policies...), adminPolicies...)))...)
	if err != nil {
		return nil, err
	}
	p.Namespace = pulumi.All(job.Metadata.Name(), nsName).ApplyT(func(v []any) string { return *(v[1].(*string)) }).(pulumi.StringOutput)
	p.SecretName = job.Metadata.Name().ApplyT(func(*string) string { return ProvisionerSecretName }).(pulumi.StringOutput)
	return p, ctx.RegisterResourceOutputs(p, pulumi.Map{"namespace": p.Namespace, "secretName": p.SecretName})
}

// secretEnvVar is an environment variable from a key of a Secret of the pod's namespace.
func secretEnvVar(env, secretName, key string) corev1.EnvVarArgs {
	return secretEnv(env, pulumi.String(secretName), key)
}

func secretEnv(env string, secretName pulumi.StringInput, key string) corev1.EnvVarArgs {
	return corev1.EnvVarArgs{Name: pulumi.String(env), ValueFrom: &corev1.EnvVarSourceArgs{
		SecretKeyRef: &corev1.SecretKeySelectorArgs{Name: secretName, Key: pulumi.String(key)},
	}}
}

// psqlJobSpec is the spec of a Job that runs the SQL file of a ConfigMap with psql against the
// writer, as the user of loginSecret (username, password), with extra environment: retried a
// few times, given up after jobDeadlineSeconds, deleted a day after it finished, and meeting the
// restricted Pod Security profile (non-root, no privilege escalation, no capabilities, a
// read-only root, the runtime's seccomp profile, no service-account token).
func psqlJobSpec(labels pulumi.StringMap, configMap string, writerHost, loginSecret pulumi.StringInput, extra corev1.EnvVarArray) *batchv1.JobSpecArgs {
	env := corev1.EnvVarArray{
		corev1.EnvVarArgs{Name: pulumi.String("PGHOST"), Value: writerHost},
		corev1.EnvVarArgs{Name: pulumi.String("PGPORT"), Value: pulumi.String(fmt.Sprint(PostgresPort))},
		corev1.EnvVarArgs{Name: pulumi.String("PGDATABASE"), Value: pulumi.String("postgres")},
		// The cluster forces TLS (rds.force_ssl).
		corev1.EnvVarArgs{Name: pulumi.String("PGSSLMODE"), Value: pulumi.String("require")},
		corev1.EnvVarArgs{Name: pulumi.String("PGCONNECT_TIMEOUT"), Value: pulumi.String("10")},
		secretEnv("PGUSER", loginSecret, "username"),
		secretEnv("PGPASSWORD", loginSecret, "password"),
	}
	env = append(env, extra...)
	return &batchv1.JobSpecArgs{
		BackoffLimit:            pulumi.Int(jobBackoffLimit),
		ActiveDeadlineSeconds:   pulumi.Int(jobDeadlineSeconds),
		TtlSecondsAfterFinished: pulumi.Int(jobTTLSeconds),
		Template: &corev1.PodTemplateSpecArgs{
			Metadata: &metav1.ObjectMetaArgs{Labels: labels},
			Spec: &corev1.PodSpecArgs{
				RestartPolicy:                pulumi.String("Never"),
				AutomountServiceAccountToken: pulumi.Bool(false),
				SecurityContext: &corev1.PodSecurityContextArgs{
					RunAsNonRoot: pulumi.Bool(true), RunAsUser: pulumi.Int(postgresUID), RunAsGroup: pulumi.Int(postgresUID),
					SeccompProfile: &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
				},
				Containers: corev1.ContainerArray{corev1.ContainerArgs{
					Name:    pulumi.String("psql"),
					Image:   pulumi.String(Image),
					Command: pulumi.ToStringArray([]string{"psql", "--no-psqlrc", "--file", sqlMountPath + "/" + sqlFile}),
					Env:     env,
					VolumeMounts: corev1.VolumeMountArray{corev1.VolumeMountArgs{
						Name: pulumi.String("sql"), MountPath: pulumi.String(sqlMountPath), ReadOnly: pulumi.Bool(true),
					}},
					Resources: &corev1.ResourceRequirementsArgs{
						Requests: pulumi.StringMap{"cpu": pulumi.String("50m"), "memory": pulumi.String("64Mi")},
						Limits:   pulumi.StringMap{"cpu": pulumi.String("200m"), "memory": pulumi.String("128Mi")},
					},
					SecurityContext: &corev1.SecurityContextArgs{
						AllowPrivilegeEscalation: pulumi.Bool(false), ReadOnlyRootFilesystem: pulumi.Bool(true),
						Capabilities: &corev1.CapabilitiesArgs{Drop: pulumi.ToStringArray([]string{"ALL"})},
					},
				}},
				Volumes: corev1.VolumeArray{corev1.VolumeArgs{
					Name:      pulumi.String("sql"),
					ConfigMap: &corev1.ConfigMapVolumeSourceArgs{Name: pulumi.String(configMap)},
				}},
			},
		},
	}
}
