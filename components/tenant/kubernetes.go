package tenant

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	batchv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/batch/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	storagev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/storage/v1"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/cassandra"
	clustercomp "github.com/global-sovereign/global-sovereign/components/cluster"
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
	masterSecretName      = "master-credentials"
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
	if a.CQL {
		labels[cassandra.CABundleLabel] = pulumi.String("true")
	}
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
	class, err := b.storageClass()
	if err != nil {
		return err
	}
	perClass := func(class, what string) string { return class + ".storageclass.storage.k8s.io/" + what }
	if _, err := corev1.NewResourceQuota(b.ctx, b.n("quota"), &corev1.ResourceQuotaArgs{
		Metadata: meta("quota"),
		Spec: &corev1.ResourceQuotaSpecArgs{Hard: pulumi.StringMap{
			"requests.cpu": pulumi.String(a.Quota.RequestsCPU), "requests.memory": pulumi.String(a.Quota.RequestsMemory),
			"limits.cpu": pulumi.String(a.Quota.LimitsCPU), "limits.memory": pulumi.String(a.Quota.LimitsMemory),
			"pods": pulumi.String(fmt.Sprint(a.Quota.Pods)),
			// No Service of the client's opens a load balancer or a port on every node: what is
			// exposed outside the cluster is the platform's ingress to decide.
			"services.loadbalancers": pulumi.String("0"), "services.nodeports": pulumi.String("0"),
			// Claims go to the client's class only: the cluster's default class retains its
			// volumes, which would outlive the client and bill.
			// All classes together too: a class the quota does not name (another client's, a
			// future one) is otherwise unlimited.
			"requests.storage": pulumi.String(a.Quota.Storage),
			perClass(clustercomp.StorageClassName, "persistentvolumeclaims"): pulumi.String("0"),
			perClass(class, "requests.storage"):                              pulumi.String(a.Quota.Storage),
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
	if _, err = b.networkPolicies(b.n("np"), ns, a.DatabaseCIDRs, true, b.k8s); err != nil || !a.CQL {
		return err
	}
	// CQL on the Cassandra pods of the home cluster, nothing else of that namespace: a policy
	// of its own, so a client without a keyspace has none. The Cassandra namespace's ingress
	// policy admits this namespace to 9042 (components/cassandra networkpolicy.go).
	_, err = networkingv1.NewNetworkPolicy(b.ctx, b.n("np-allow-cql"), &networkingv1.NetworkPolicyArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(cqlPolicyName), Namespace: ns,
			Labels: pulumi.StringMap{labelManagedBy: pulumi.String(managedBy)}},
		Spec: &networkingv1.NetworkPolicySpecArgs{
			PodSelector: &metav1.LabelSelectorArgs{},
			PolicyTypes: pulumi.ToStringArray([]string{"Egress"}),
			Egress: networkingv1.NetworkPolicyEgressRuleArray{networkingv1.NetworkPolicyEgressRuleArgs{
				To: networkingv1.NetworkPolicyPeerArray{networkingv1.NetworkPolicyPeerArgs{
					NamespaceSelector: &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{labelNamespaceName: pulumi.String(cassandra.Namespace)}},
					PodSelector: &metav1.LabelSelectorArgs{MatchExpressions: metav1.LabelSelectorRequirementArray{metav1.LabelSelectorRequirementArgs{
						Key: pulumi.String(cassandra.CassandraPodLabel), Operator: pulumi.String("Exists"),
					}}},
				}},
				Ports: networkingv1.NetworkPolicyPortArray{networkingv1.NetworkPolicyPortArgs{Protocol: pulumi.String("TCP"), Port: pulumi.Int(cassandra.NativePort)}},
			}},
		},
	}, b.k8s()...)
	return err
}

// cqlPolicyName is the client namespace's egress policy to CQL (clients with a keyspace only).
const cqlPolicyName = "allow-cql"

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

// SQL creates the client's role and database as the provisioning role (CREATEROLE, CREATEDB;
// never the master). Every statement is safe to run again: the role and the database are created
// only when missing (\gexec runs the statement a query returns, so psql's variables work where a
// DO block's body could not see them), the password, connection limit and owner are set every
// time, and only the client may connect. Both carry the client stack's tag as their comment: a
// role or database of the same name that another client stack created (one destroyed since,
// whose data is still there) is refused, not taken over. psql reads the values from the
// environment (\getenv), so the password is in no command line.
const SQL = `\set ON_ERROR_STOP on
\getenv client_user CLIENT_USER
\getenv client_db CLIENT_DB
\getenv client_password CLIENT_PASSWORD_VERIFIER
\getenv client_tag CLIENT_TAG
\getenv client_limit CLIENT_CONNECTION_LIMIT
SELECT format('DO $refuse$ BEGIN RAISE EXCEPTION %L; END $refuse$',
    format('database %s exists and was created by %s, not this client stack (%s): it holds an earlier client''s data. '
      'Back it up and drop it, or give this client another client.database.name (README, Tenancy)',
      datname, coalesce(shobj_description(oid, 'pg_database'), 'nobody known'), :'client_tag'))
  FROM pg_database WHERE datname = :'client_db' AND coalesce(shobj_description(oid, 'pg_database'), '') <> :'client_tag' \gexec
SELECT format('DO $refuse$ BEGIN RAISE EXCEPTION %L; END $refuse$',
    format('role %s exists and was created by %s, not this client stack (%s). '
      'Drop it (REASSIGN OWNED, DROP OWNED, DROP ROLE) or give this client another client.database.user (README, Tenancy)',
      rolname, coalesce(shobj_description(oid, 'pg_authid'), 'nobody known'), :'client_tag'))
  FROM pg_roles WHERE rolname = :'client_user' AND coalesce(shobj_description(oid, 'pg_authid'), '') <> :'client_tag' \gexec
-- The role and its tag together: a Job killed between them would leave a role no stack owns.
BEGIN;
SELECT format('CREATE ROLE %I LOGIN', :'client_user')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'client_user') \gexec
SELECT format('COMMENT ON ROLE %I IS %L', :'client_user', :'client_tag') \gexec
COMMIT;
SELECT format('ALTER ROLE %I WITH LOGIN NOCREATEDB NOCREATEROLE CONNECTION LIMIT %s PASSWORD %L',
  :'client_user', (:'client_limit')::int, :'client_password') \gexec
-- PostgreSQL 16: a role may hand a database to another only if it may SET ROLE to it (as the
-- creator it holds the client's role WITH ADMIN, not SET).
SELECT format('GRANT %I TO %I WITH SET TRUE', :'client_user', current_user)
  WHERE NOT pg_has_role(current_user, :'client_user', 'SET') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'client_db', :'client_user')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'client_db') \gexec
SELECT format('COMMENT ON DATABASE %I IS %L', :'client_db', :'client_tag') \gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', :'client_db', :'client_user') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'client_db') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', :'client_db', :'client_user') \gexec
`

// database creates the client's database and role from inside the writer's cluster: a Job in
// the platform's provisioning namespace, which logs in as the provisioning role (its Secret is
// the writer stack's: this stack never reads it) and sets the client's password as its SCRAM
// verifier. The namespace's network policies (the provisioner's) let its pods reach DNS and
// PostgreSQL in the writer's database subnets and nothing else.
func (b *builder) database() error {
	d := b.args.Database
	k8s := func(more ...pulumi.ResourceOption) []pulumi.ResourceOption {
		return append([]pulumi.ResourceOption{b.parent, pulumi.Provider(d.Kubernetes)}, more...)
	}
	// The client stack's tag on its role and database: its name and a value drawn once per
	// generation of the stack, so a re-created client of the same name is another owner.
	owner, err := random.NewRandomId(b.ctx, b.n("db-owner"), &random.RandomIdArgs{ByteLength: pulumi.Int(8)}, b.parent)
	if err != nil {
		return err
	}
	tag := pulumi.Sprintf("sovereign client stack %s %s", b.ctx.Stack(), owner.Hex)
	// The client's objects in the shared namespace carry its stack's prefix: clients of several
	// homes share one writer.
	clientSecretName, sqlName := b.name+"-db-verifier", b.name+"-db-sql"
	verifier := pulumi.ToSecret(b.pw.Result.ApplyT(func(pw string) (string, error) {
		return SCRAMVerifier(d.User, pw)
	})).(pulumi.StringOutput)
	clientSecret, err := corev1.NewSecret(b.ctx, b.n("dbinit-client"), &corev1.SecretArgs{
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(clientSecretName), Namespace: d.Namespace},
		Type:       pulumi.String("Opaque"),
		StringData: pulumi.StringMap{"verifier": verifier},
	}, k8s()...)
	if err != nil {
		return err
	}
	sql, err := corev1.NewConfigMap(b.ctx, b.n("dbinit-sql"), &corev1.ConfigMapArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(sqlName), Namespace: d.Namespace},
		Data:     pulumi.StringMap{sqlFile: pulumi.String(SQL)},
	}, k8s()...)
	if err != nil {
		return err
	}
	// A Job's pod template cannot change: a new name (a hash of what the Job does, the password
	// and the owner tag included) replaces it whenever one of them changes. The hash of a
	// 40-character random password gives nothing away, so the name is not secret.
	jobName := pulumi.Unsecret(pulumi.All(d.WriterHost, b.pw.Result, tag).ApplyT(func(v []any) string {
		return JobName(b.name, d.Name, d.User, v[0].(string), v[1].(string)+"\x00"+v[2].(string)+"\x00"+fmt.Sprint(d.ConnectionLimit))
	})).(pulumi.StringOutput)
	plain := func(env string, v pulumi.StringInput) corev1.EnvVarArgs {
		return corev1.EnvVarArgs{Name: pulumi.String(env), Value: v}
	}
	labels := pulumi.StringMap{labelClient: pulumi.String(b.args.Client), labelManagedBy: pulumi.String(managedBy)}
	b.job, err = batchv1.NewJob(b.ctx, b.n("dbinit"), &batchv1.JobArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: jobName, Namespace: d.Namespace, Labels: labels},
		Spec: psqlJobSpec(pulumi.StringMap{labelClient: pulumi.String(b.args.Client)}, sqlName, d.WriterHost,
			d.ProvisionerSecret, corev1.EnvVarArray{
				plain("CLIENT_DB", pulumi.String(d.Name)),
				plain("CLIENT_USER", pulumi.String(d.User)),
				plain("CLIENT_TAG", tag),
				plain("CLIENT_CONNECTION_LIMIT", pulumi.String(fmt.Sprint(d.ConnectionLimit))),
				secretEnvVar("CLIENT_PASSWORD_VERIFIER", clientSecretName, "verifier"),
			}),
	}, k8s(pulumi.DependsOn([]pulumi.Resource{clientSecret, sql}))...)
	return err
}

// JobName is the database Job's name: the client stack's prefix (clients share the namespace)
// and a hash of what it does, so that a change replaces it.
func JobName(prefix, database, user, writerHost, secrets string) string {
	h := sha256.Sum256([]byte(strings.Join([]string{SQL, database, user, writerHost, secrets}, "\x00")))
	return prefix + "-" + jobNamePrefix + hex.EncodeToString(h[:])[:10]
}

func jsonString(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// storageClass is the client's own StorageClass: encrypted gp3 like the cluster's, but its
// volumes are deleted with their claims, so deleting the namespace (destroying the client)
// deletes them, and they carry the client stack's tags. It returns the class's name.
func (b *builder) storageClass() (string, error) {
	name := b.args.Namespace + "-" + clustercomp.StorageClassName
	params := pulumi.StringMap{"type": pulumi.String("gp3"), "encrypted": pulumi.String("true")}
	for i, k := range slices.Sorted(maps.Keys(b.args.Tags)) {
		params[fmt.Sprintf("tagSpecification_%d", i+1)] = pulumi.String(k + "=" + b.args.Tags[k])
	}
	_, err := storagev1.NewStorageClass(b.ctx, b.n("storage"), &storagev1.StorageClassArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(name),
			Labels: pulumi.StringMap{labelClient: pulumi.String(b.args.Client), labelManagedBy: pulumi.String(managedBy)}},
		Provisioner:          pulumi.String("ebs.csi.aws.com"),
		Parameters:           params,
		VolumeBindingMode:    pulumi.String("WaitForFirstConsumer"),
		AllowVolumeExpansion: pulumi.Bool(true),
		ReclaimPolicy:        pulumi.String("Delete"),
	}, b.k8s()...)
	return name, err
}
