package tenant

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	batchv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/batch/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Image is the PostgreSQL client the database Job runs: psql 16 (it reads variables from the
// environment with \getenv, so no password appears in a command line), pinned, from the ECR
// Public mirror of Docker's official images (no Docker Hub pull limits behind a NAT address).
const Image = "public.ecr.aws/docker/library/postgres:16.6-alpine"

// The database Job: retried a few times (Aurora may be failing over), given up after ten
// minutes, and deleted by Kubernetes a day after it finished, once its logs have been read.
// A Job deleted that way leaves Pulumi's state at the next refresh, and the next update runs
// it again: the SQL is safe to re-run.
const (
	jobBackoffLimit       = 4
	jobDeadlineSeconds    = 600
	jobTTLSeconds         = 86400
	postgresUID           = 70 // the postgres user of the alpine image
	podIdentityAgentCIDR  = "169.254.170.23/32"
	podIdentityAgentPort  = 80
	dnsPort               = 53
	httpsPort             = 443
	labelNamespaceName    = "kubernetes.io/metadata.name"
	labelManagedBy        = "app.kubernetes.io/managed-by"
	managedBy             = "pulumi"
	labelClient           = "global-sovereign/client"
	podSecurityEnforce    = "pod-security.kubernetes.io/enforce"
	podSecurityWarn       = "pod-security.kubernetes.io/warn"
	podSecurityAudit      = "pod-security.kubernetes.io/audit"
	clientSecretName      = "client-credentials"
	masterSecretName      = "master-credentials"
	sqlConfigMapName      = "client-sql"
	sqlFile               = "client.sql"
	sqlMountPath          = "/sql"
	jobNamePrefix         = "dbinit-"
	defaultDenyPolicyName = "default-deny"
)

// privateRanges are the RFC 1918 networks: the HTTPS rule leaves them out, so the client's pods
// reach AWS's public API endpoints (through the NAT gateways) but no other service of the VPC
// or its peers on 443.
var privateRanges = []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"}

// nsObjects are the Kubernetes objects the component hands on.
type nsObjects struct {
	ns  *corev1.Namespace
	sa  *corev1.ServiceAccount
	job *batchv1.Job
}

// k8s are the options of an object in the home cluster.
// previewStandIn is what a preview shows for a value only `up` reads.
const previewStandIn = "(read from Secrets Manager on up)"

func (b *builder) k8s(more ...pulumi.ResourceOption) []pulumi.ResourceOption {
	return append([]pulumi.ResourceOption{b.parent, pulumi.Provider(b.args.Kubernetes)}, more...)
}

// namespace is the client's namespace: quota, default limits, and network policies that deny
// everything but what the client needs to reach.
func (b *builder) namespace() error {
	a := b.args
	var err error
	// Pod Security admission: the client's pods may not be privileged or share the node's
	// namespaces (baseline, enforced); what the restricted profile would refuse is reported.
	labels := pulumi.StringMap{labelClient: pulumi.String(a.Client), labelManagedBy: pulumi.String(managedBy),
		podSecurityEnforce: pulumi.String("baseline"), podSecurityWarn: pulumi.String("restricted"), podSecurityAudit: pulumi.String("restricted")}
	b.ns, err = corev1.NewNamespace(b.ctx, b.n("ns"), &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(a.Namespace), Labels: labels},
	}, b.k8s()...)
	if err != nil {
		return err
	}
	ns := b.ns.Metadata.Name()
	meta := func(name string) *metav1.ObjectMetaArgs {
		return &metav1.ObjectMetaArgs{Name: pulumi.String(name), Namespace: ns, Labels: pulumi.StringMap{labelManagedBy: pulumi.String(managedBy)}}
	}
	if _, err := corev1.NewResourceQuota(b.ctx, b.n("quota"), &corev1.ResourceQuotaArgs{
		Metadata: meta("quota"),
		Spec: &corev1.ResourceQuotaSpecArgs{Hard: pulumi.StringMap{
			"requests.cpu": pulumi.String(a.Quota.RequestsCPU), "requests.memory": pulumi.String(a.Quota.RequestsMemory),
			"limits.cpu": pulumi.String(a.Quota.LimitsCPU), "limits.memory": pulumi.String(a.Quota.LimitsMemory),
			"pods": pulumi.String(fmt.Sprint(a.Quota.Pods)),
			// No Service of the client's opens a load balancer or a port on every node: what is
			// exposed outside the cluster is the platform's ingress to decide.
			"services.loadbalancers": pulumi.String("0"), "services.nodeports": pulumi.String("0"),
		}},
	}, b.k8s()...); err != nil {
		return err
	}
	// A quota on requests and limits refuses pods that set none: the LimitRange fills them in,
	// and caps one container at the namespace's whole limit.
	if _, err := corev1.NewLimitRange(b.ctx, b.n("limits"), &corev1.LimitRangeArgs{
		Metadata: meta("limits"),
		Spec: &corev1.LimitRangeSpecArgs{Limits: corev1.LimitRangeItemArray{corev1.LimitRangeItemArgs{
			Type:           pulumi.String("Container"),
			DefaultRequest: pulumi.StringMap{"cpu": pulumi.String(a.Limits.DefaultRequestCPU), "memory": pulumi.String(a.Limits.DefaultRequestMemory)},
			Default:        pulumi.StringMap{"cpu": pulumi.String(a.Limits.DefaultLimitCPU), "memory": pulumi.String(a.Limits.DefaultLimitMemory)},
			Max:            pulumi.StringMap{"cpu": pulumi.String(a.Quota.LimitsCPU), "memory": pulumi.String(a.Quota.LimitsMemory)},
		}}},
	}, b.k8s()...); err != nil {
		return err
	}
	_, err = b.networkPolicies(b.n("np"), ns, a.DatabaseCIDRs, true, b.k8s)
	return err
}

// networkPolicies deny every pod of the namespace all traffic in and out, then allow egress to
// exactly what its pods need. Policies add up: a pod may send what any policy selecting it
// allows. aws says whether the pods call AWS's APIs (the client's do, the database Job does not).
func (b *builder) networkPolicies(name string, ns pulumi.StringPtrOutput, dbCIDRs []string, aws bool,
	opts func(...pulumi.ResourceOption) []pulumi.ResourceOption) ([]pulumi.Resource, error) {
	tcp, udp := pulumi.String("TCP"), pulumi.String("UDP")
	all := &metav1.LabelSelectorArgs{} // every pod of the namespace
	policy := func(suffix, policyName string, egress networkingv1.NetworkPolicyEgressRuleArray, types ...string) (pulumi.Resource, error) {
		spec := &networkingv1.NetworkPolicySpecArgs{PodSelector: all, PolicyTypes: pulumi.ToStringArray(types)}
		if egress != nil {
			spec.Egress = egress
		}
		return networkingv1.NewNetworkPolicy(b.ctx, name+"-"+suffix, &networkingv1.NetworkPolicyArgs{
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(policyName), Namespace: ns,
				Labels: pulumi.StringMap{labelManagedBy: pulumi.String(managedBy)}},
			Spec: spec,
		}, opts()...)
	}
	var out []pulumi.Resource
	add := func(r pulumi.Resource, err error) error {
		out = append(out, r)
		return err
	}
	// Nothing in, nothing out, unless a policy below allows it. No ingress is allowed at all:
	// nothing serves from the namespace yet.
	if err := add(policy("default-deny", defaultDenyPolicyName, nil, "Ingress", "Egress")); err != nil {
		return nil, err
	}
	// Name resolution: CoreDNS in kube-system (the EKS add-on labels its pods k8s-app=kube-dns),
	// over UDP and, for large answers, TCP.
	if err := add(policy("allow-dns", "allow-dns", networkingv1.NetworkPolicyEgressRuleArray{networkingv1.NetworkPolicyEgressRuleArgs{
		To: networkingv1.NetworkPolicyPeerArray{networkingv1.NetworkPolicyPeerArgs{
			NamespaceSelector: &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{labelNamespaceName: pulumi.String("kube-system")}},
			PodSelector:       &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"k8s-app": pulumi.String("kube-dns")}},
		}},
		Ports: networkingv1.NetworkPolicyPortArray{
			networkingv1.NetworkPolicyPortArgs{Protocol: udp, Port: pulumi.Int(dnsPort)},
			networkingv1.NetworkPolicyPortArgs{Protocol: tcp, Port: pulumi.Int(dnsPort)},
		},
	}}, "Egress")); err != nil {
		return nil, err
	}
	// PostgreSQL in the database subnets only: Aurora's instances live there and nothing else
	// listens on 5432 in them.
	var dbPeers networkingv1.NetworkPolicyPeerArray
	for _, c := range dbCIDRs {
		dbPeers = append(dbPeers, networkingv1.NetworkPolicyPeerArgs{IpBlock: &networkingv1.IPBlockArgs{Cidr: pulumi.String(c)}})
	}
	if err := add(policy("allow-postgres", "allow-postgres", networkingv1.NetworkPolicyEgressRuleArray{networkingv1.NetworkPolicyEgressRuleArgs{
		To:    dbPeers,
		Ports: networkingv1.NetworkPolicyPortArray{networkingv1.NetworkPolicyPortArgs{Protocol: tcp, Port: pulumi.Int(PostgresPort)}},
	}}, "Egress")); err != nil {
		return nil, err
	}
	if !aws {
		return out, nil
	}
	// AWS's APIs: S3, Secrets Manager and KMS for the client's data, STS behind the SDKs' Pod
	// Identity credentials. They answer on public addresses over HTTPS (through the NAT
	// gateways); the private ranges are left out, so 443 reaches nothing inside the VPC.
	if err := add(policy("allow-aws-apis", "allow-aws-apis", networkingv1.NetworkPolicyEgressRuleArray{networkingv1.NetworkPolicyEgressRuleArgs{
		To: networkingv1.NetworkPolicyPeerArray{networkingv1.NetworkPolicyPeerArgs{IpBlock: &networkingv1.IPBlockArgs{
			Cidr: pulumi.String("0.0.0.0/0"), Except: pulumi.ToStringArray(privateRanges),
		}}},
		Ports: networkingv1.NetworkPolicyPortArray{networkingv1.NetworkPolicyPortArgs{Protocol: tcp, Port: pulumi.Int(httpsPort)}},
	}}, "Egress")); err != nil {
		return nil, err
	}
	// The EKS Pod Identity agent, a host-network DaemonSet on the link-local address the SDKs
	// fetch the role's credentials from (AWS_CONTAINER_CREDENTIALS_FULL_URI); without it the
	// role is out of reach.
	if err := add(policy("allow-pod-identity", "allow-pod-identity-agent", networkingv1.NetworkPolicyEgressRuleArray{networkingv1.NetworkPolicyEgressRuleArgs{
		To:    networkingv1.NetworkPolicyPeerArray{networkingv1.NetworkPolicyPeerArgs{IpBlock: &networkingv1.IPBlockArgs{Cidr: pulumi.String(podIdentityAgentCIDR)}}},
		Ports: networkingv1.NetworkPolicyPortArray{networkingv1.NetworkPolicyPortArgs{Protocol: tcp, Port: pulumi.Int(podIdentityAgentPort)}},
	}}, "Egress")); err != nil {
		return nil, err
	}
	return out, nil
}

// serviceAccount is the client's service account and the Pod Identity association that hands
// its pods the client's role. EKS needs the eks-pod-identity-agent add-on, which the home
// stack's cluster component installs.
func (b *builder) serviceAccount() error {
	var err error
	b.sa, err = corev1.NewServiceAccount(b.ctx, b.n("sa"), &corev1.ServiceAccountArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name: pulumi.String(b.args.ServiceAccount), Namespace: b.ns.Metadata.Name(),
			Labels: pulumi.StringMap{labelClient: pulumi.String(b.args.Client), labelManagedBy: pulumi.String(managedBy)},
		},
	}, b.k8s()...)
	if err != nil {
		return err
	}
	_, err = awseks.NewPodIdentityAssociation(b.ctx, b.n("app"), &awseks.PodIdentityAssociationArgs{
		ClusterName:    b.args.ClusterName,
		Namespace:      b.ns.Metadata.Name().Elem(),
		ServiceAccount: b.sa.Metadata.Name().Elem(),
		RoleArn:        b.role.Arn,
	}, b.parent)
	return err
}

// SQL creates the client's role and database. Every statement is safe to run again: the role
// and the database are created only when missing (\gexec runs the statement a query returns, so
// psql's variables work where a DO block's body could not see them), the password and the owner
// are set every time, and only the client may connect. psql reads the values from the
// environment (\getenv), so the password is in no command line.
const SQL = `\set ON_ERROR_STOP on
\getenv client_user CLIENT_USER
\getenv client_db CLIENT_DB
\getenv client_password CLIENT_PASSWORD_VERIFIER
SELECT format('CREATE ROLE %I LOGIN', :'client_user')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'client_user') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'client_user', :'client_password') \gexec
-- PostgreSQL 16: the master may hand a database to a role only if it may SET ROLE to it (as
-- creator it holds the role WITH ADMIN, not SET).
SELECT format('GRANT %I TO %I WITH SET TRUE', :'client_user', current_user)
  WHERE NOT pg_has_role(current_user, :'client_user', 'SET') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'client_db', :'client_user')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'client_db') \gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', :'client_db', :'client_user') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'client_db') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', :'client_db', :'client_user') \gexec
`

// database creates the client's database and role from inside the writer's cluster: a Job in a
// namespace of the platform's, which holds the master credentials (read from the writer's
// Secrets Manager secret, kept secret) and the client's password, with network policies that let
// its pod reach DNS and PostgreSQL in the writer's database subnets and nothing else.
func (b *builder) database() error {
	d := b.args.Database
	k8s := func(more ...pulumi.ResourceOption) []pulumi.ResourceOption {
		return append([]pulumi.ResourceOption{b.parent, pulumi.Provider(d.Kubernetes)}, more...)
	}
	// The platform's Job meets the restricted Pod Security profile, which is enforced here.
	ns, err := corev1.NewNamespace(b.ctx, b.n("dbinit-ns"), &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name: pulumi.String(d.Namespace),
			Labels: pulumi.StringMap{labelClient: pulumi.String(b.args.Client), labelManagedBy: pulumi.String(managedBy),
				podSecurityEnforce: pulumi.String("restricted")},
		},
	}, k8s()...)
	if err != nil {
		return err
	}
	nsName := ns.Metadata.Name()
	policies, err := b.networkPolicies(b.n("dbinit-np"), nsName, d.WriterCIDRs, false, k8s)
	if err != nil {
		return err
	}

	// The master secret is read on `up` only: previews run with the read-only preview role, which
	// may not read secret values. A preview shows the Secret with a stand-in (it would show an
	// unknown value as a change all the same); `up` writes the real one.
	master := func() pulumi.StringOutput {
		return secretsmanager.LookupSecretVersionOutput(b.ctx, secretsmanager.LookupSecretVersionOutputArgs{
			SecretId: d.MasterSecretArn,
		}, pulumi.Provider(d.AWS)).SecretString()
	}
	var masterJSON pulumi.StringOutput
	if !b.ctx.DryRun() {
		masterJSON = pulumi.ToSecret(master()).(pulumi.StringOutput)
	}
	field := func(key string) pulumi.StringOutput {
		if b.ctx.DryRun() {
			return pulumi.ToSecret(pulumi.String(previewStandIn)).(pulumi.StringOutput)
		}
		return pulumi.ToSecret(masterJSON.ApplyT(func(s string) (string, error) {
			var v map[string]any
			if err := json.Unmarshal([]byte(s), &v); err != nil {
				return "", fmt.Errorf("the master secret of the database writer is not JSON") // never the content
			}
			out, ok := v[key].(string)
			if !ok || out == "" {
				return "", fmt.Errorf("the master secret of the database writer has no %s", key)
			}
			return out, nil
		})).(pulumi.StringOutput)
	}
	secret := func(suffix, secretName string, data pulumi.StringMap) (*corev1.Secret, error) {
		return corev1.NewSecret(b.ctx, b.name+"-"+suffix, &corev1.SecretArgs{
			Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(secretName), Namespace: nsName},
			Type:       pulumi.String("Opaque"),
			StringData: data,
		}, k8s()...)
	}
	masterSecret, err := secret("dbinit-master", masterSecretName, pulumi.StringMap{"username": field("username"), "password": field("password")})
	if err != nil {
		return err
	}
	// The Job sets the client's password as its SCRAM verifier: the plain password stays in the
	// client's Secrets Manager secret and never reaches this cluster or the database server.
	verifier := pulumi.ToSecret(b.pw.Result.ApplyT(func(pw string) (string, error) {
		return SCRAMVerifier(d.User, pw)
	})).(pulumi.StringOutput)
	clientSecret, err := secret("dbinit-client", clientSecretName, pulumi.StringMap{"verifier": verifier})
	if err != nil {
		return err
	}
	sql, err := corev1.NewConfigMap(b.ctx, b.n("dbinit-sql"), &corev1.ConfigMapArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(sqlConfigMapName), Namespace: nsName},
		Data:     pulumi.StringMap{sqlFile: pulumi.String(SQL)},
	}, k8s()...)
	if err != nil {
		return err
	}

	// A Job's pod template cannot change: a new name (a hash of what the Job does, the password
	// included) replaces it whenever the SQL, the database, the user, the writer or the password
	// change. The hash of a 40-character random password gives nothing away, so the name is
	// not secret.
	jobName := pulumi.Unsecret(pulumi.All(d.WriterHost, b.pw.Result).ApplyT(func(v []any) string {
		return JobName(d.Name, d.User, v[0].(string), v[1].(string))
	})).(pulumi.StringOutput)

	secretEnv := func(env, secretName, key string) corev1.EnvVarArgs {
		return corev1.EnvVarArgs{Name: pulumi.String(env), ValueFrom: &corev1.EnvVarSourceArgs{
			SecretKeyRef: &corev1.SecretKeySelectorArgs{Name: pulumi.String(secretName), Key: pulumi.String(key)},
		}}
	}
	plainEnv := func(env string, v pulumi.StringInput) corev1.EnvVarArgs {
		return corev1.EnvVarArgs{Name: pulumi.String(env), Value: v}
	}
	deps := append([]pulumi.Resource{masterSecret, clientSecret, sql}, policies...)
	b.job, err = batchv1.NewJob(b.ctx, b.n("dbinit"), &batchv1.JobArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name: jobName, Namespace: nsName,
			Labels: pulumi.StringMap{labelClient: pulumi.String(b.args.Client), labelManagedBy: pulumi.String(managedBy)},
		},
		Spec: &batchv1.JobSpecArgs{
			BackoffLimit:            pulumi.Int(jobBackoffLimit),
			ActiveDeadlineSeconds:   pulumi.Int(jobDeadlineSeconds),
			TtlSecondsAfterFinished: pulumi.Int(jobTTLSeconds),
			Template: &corev1.PodTemplateSpecArgs{
				Metadata: &metav1.ObjectMetaArgs{Labels: pulumi.StringMap{labelClient: pulumi.String(b.args.Client)}},
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
						Env: corev1.EnvVarArray{
							plainEnv("PGHOST", d.WriterHost),
							plainEnv("PGPORT", pulumi.String(fmt.Sprint(PostgresPort))),
							plainEnv("PGDATABASE", pulumi.String("postgres")),
							// The cluster forces TLS (rds.force_ssl).
							plainEnv("PGSSLMODE", pulumi.String("require")),
							plainEnv("PGCONNECT_TIMEOUT", pulumi.String("10")),
							secretEnv("PGUSER", masterSecretName, "username"),
							secretEnv("PGPASSWORD", masterSecretName, "password"),
							plainEnv("CLIENT_DB", pulumi.String(d.Name)),
							plainEnv("CLIENT_USER", pulumi.String(d.User)),
							secretEnv("CLIENT_PASSWORD_VERIFIER", clientSecretName, "verifier"),
						},
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
						ConfigMap: &corev1.ConfigMapVolumeSourceArgs{Name: sql.Metadata.Name()},
					}},
				},
			},
		},
	}, k8s(pulumi.DependsOn(deps))...)
	return err
}

// JobName is the database Job's name: a hash of what it does, so that a change replaces it.
func JobName(database, user, writerHost, password string) string {
	h := sha256.Sum256([]byte(strings.Join([]string{SQL, database, user, writerHost, password}, "\x00")))
	return jobNamePrefix + hex.EncodeToString(h[:])[:10]
}

func jsonString(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}
