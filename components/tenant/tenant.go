// Package tenant is one client of the platform in its environment's cluster: a namespace with a
// ResourceQuota, a LimitRange and default-deny network policies that let its pods reach only DNS,
// the database subnets and AWS's APIs; a service account whose pods get, through EKS Pod
// Identity, an IAM role scoped to the client's own S3 bucket, KMS key and secret; and the
// client's own database and role in the environment's Aurora, created by a Job that runs inside
// the cluster of the database's writer (nothing outside the VPC reaches the database), in a
// namespace of the platform's where the master credentials stay.
package tenant

import (
	"fmt"
	"net/netip"
	"regexp"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	clustercomp "github.com/global-sovereign/global-sovereign/components/cluster"
	"github.com/global-sovereign/global-sovereign/components/kmskey"
	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
	"github.com/global-sovereign/global-sovereign/pkg/scope"
)

// Type is the component's Pulumi type token.
const Type = "sovereign:tenant:Tenant"

// PostgresPort is the port of Aurora PostgreSQL, the only one the client's pods and the
// database Job may reach in the database subnets.
const PostgresPort = 5432

// Args configures the tenant.
type Args struct {
	Scope scope.Scope // partition, account and region of the aws provider; whether to protect
	// Client is the client's name (e.g. ezra): lowercase letters and digits.
	Client string
	// ClusterName is the home cluster's name, as an output of the home stack (so the Pod Identity
	// association waits for what produced it).
	ClusterName pulumi.StringInput
	// Kubernetes is the home cluster's provider: the namespace and its objects go there.
	Kubernetes pulumi.ProviderResource
	// Namespace and ServiceAccount are the client's; Pod Identity binds the role to them.
	Namespace, ServiceAccount string
	Quota                     Quota
	Limits                    Limits
	// Tags are the client stack's tags: the volumes of its claims carry them (the provider's
	// default tags never reach what the EBS CSI driver creates).
	Tags map[string]string
	// DatabaseCIDRs are the home VPC's database subnets: the client's pods may reach PostgreSQL
	// there and nowhere else.
	DatabaseCIDRs []string
	// NoncurrentVersionDays is how long the bucket keeps an object's previous versions.
	NoncurrentVersionDays int
	// AccessLogDays keeps the bucket's server access logs that long in a log bucket of the
	// client's; 0: no access logging.
	AccessLogDays int
	// SecretRecoveryDays is the recovery window of the client's secret (0 or 7-30).
	SecretRecoveryDays int
	// Database creates the client's database and role; nil: none (the secret then holds no
	// database credentials).
	Database *DatabaseArgs
	// CQL: the client has a Cassandra keyspace. Its namespace then carries
	// cassandra.CABundleLabel (trust-manager writes the cluster CA's certificate there) and its
	// pods may reach CQL (9042) on the Cassandra pods of the home cluster, which admit the
	// namespace (the region's cassandraClientNamespaces). The keyspace and role are
	// cassandracluster.NewClientRole's.
	CQL bool
}

// Quota is the namespace's ResourceQuota, in Kubernetes quantities.
type Quota struct {
	RequestsCPU, RequestsMemory, LimitsCPU, LimitsMemory string
	Pods                                                 int
	// Storage is the total of the namespace's claims on its own StorageClass.
	Storage string
}

// Limits are the per-container defaults of the namespace's LimitRange.
type Limits struct {
	DefaultRequestCPU, DefaultRequestMemory, DefaultLimitCPU, DefaultLimitMemory string
}

// DatabaseArgs is where the client's database goes and how the Job that creates it gets there.
type DatabaseArgs struct {
	// Name and User are the database and its owning role.
	Name, User string
	// Host is what the client writes to: the endpoint that always reaches the environment's
	// writer (a global database's writer endpoint follows a switchover). ReaderHost is the home's
	// reader endpoint, for reads close to the client.
	Host, ReaderHost pulumi.StringInput
	// WriterHost is the writer endpoint the Job connects to.
	WriterHost pulumi.StringInput
	// Kubernetes is the writer's cluster provider: the Job runs there, in the platform's
	// provisioning namespace Namespace, logging in with the provisioning role's Secret
	// ProvisionerSecret (both outputs of the writer stack's DatabaseProvisioner, so the Job waits
	// for the role). The client stack never reads a credential but its own.
	Kubernetes        pulumi.ProviderResource
	Namespace         pulumi.StringInput
	ProvisionerSecret pulumi.StringInput
	// ConnectionLimit caps the client role's concurrent connections.
	ConnectionLimit int
}

// Tenant is the component.
type Tenant struct {
	pulumi.ResourceState

	Namespace      pulumi.StringOutput `pulumi:"namespace"`
	ServiceAccount pulumi.StringOutput `pulumi:"serviceAccount"`
	RoleArn        pulumi.StringOutput `pulumi:"roleArn"`
	BucketName     pulumi.StringOutput `pulumi:"bucketName"`
	KeyArn         pulumi.StringOutput `pulumi:"keyArn"`
	SecretArn      pulumi.StringOutput `pulumi:"secretArn"`
	DatabaseName   pulumi.StringOutput `pulumi:"databaseName"` // "" without a database
}

var (
	clientRE = regexp.MustCompile(`^[a-z][a-z0-9]{1,9}$`)
	labelRE  = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
	identRE  = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
)

// check refuses Args config validation would have refused, and those that would fail inside an
// apply or on the cluster rather than here with a message.
func (a *Args) check() error {
	switch {
	case !clientRE.MatchString(a.Client):
		return fmt.Errorf("client %q: want 2-10 lowercase letters or digits starting with a letter", a.Client)
	case a.ClusterName == nil || a.Kubernetes == nil:
		return fmt.Errorf("the home cluster's name and Kubernetes provider are required")
	case !labelRE.MatchString(a.Namespace):
		return fmt.Errorf("namespace %q is not a DNS label", a.Namespace)
	case !labelRE.MatchString(a.ServiceAccount):
		return fmt.Errorf("service account %q is not a DNS label", a.ServiceAccount)
	case a.Quota.Pods < 1:
		return fmt.Errorf("quota: want at least one pod, got %d", a.Quota.Pods)
	case a.Quota.RequestsCPU == "" || a.Quota.RequestsMemory == "" || a.Quota.LimitsCPU == "" || a.Quota.LimitsMemory == "" || a.Quota.Storage == "":
		return fmt.Errorf("quota: requests and limits of CPU and memory, and storage, are required")
	case a.Limits.DefaultRequestCPU == "" || a.Limits.DefaultRequestMemory == "" || a.Limits.DefaultLimitCPU == "" || a.Limits.DefaultLimitMemory == "":
		return fmt.Errorf("limits: default requests and limits of CPU and memory are required")
	case a.AccessLogDays < 0:
		return fmt.Errorf("access logs: want 0 (off) or a number of days, got %d", a.AccessLogDays)
	case a.NoncurrentVersionDays < 1:
		return fmt.Errorf("noncurrent versions: want at least 1 day, got %d", a.NoncurrentVersionDays)
	case a.SecretRecoveryDays != 0 && (a.SecretRecoveryDays < 7 || a.SecretRecoveryDays > 30):
		return fmt.Errorf("secret recovery: Secrets Manager allows 0 or 7 to 30 days, got %d", a.SecretRecoveryDays)
	case len(a.DatabaseCIDRs) == 0:
		return fmt.Errorf("the home VPC's database subnet CIDRs are required (the client's only route to PostgreSQL)")
	}
	if err := privateCIDRs("database CIDR", a.DatabaseCIDRs); err != nil {
		return err
	}
	d := a.Database
	if d == nil {
		return nil
	}
	switch {
	case !identRE.MatchString(d.Name) || !identRE.MatchString(d.User):
		return fmt.Errorf("database: name %q and user %q must be lowercase identifiers", d.Name, d.User)
	case d.Host == nil || d.ReaderHost == nil || d.WriterHost == nil:
		return fmt.Errorf("database: the client's hosts and the writer's host are required")
	case d.Kubernetes == nil || d.Namespace == nil || d.ProvisionerSecret == nil:
		return fmt.Errorf("database: the writer cluster's Kubernetes provider and its provisioning namespace and secret are required")
	case d.ConnectionLimit < 1:
		return fmt.Errorf("database: connection limit %d: want at least 1", d.ConnectionLimit)
	}
	return nil
}

// privateCIDRs refuses a CIDR that is not a private IPv4 network: a network policy that opened
// 5432 to the internet would defeat the point.
func privateCIDRs(what string, cidrs []string) error {
	for _, c := range cidrs {
		p, err := netip.ParsePrefix(c)
		if err != nil || !p.Addr().Is4() || p.Masked() != p || !p.Addr().IsPrivate() {
			return fmt.Errorf("%s %q: want a private IPv4 network such as 10.2.96.0/20", what, c)
		}
	}
	return nil
}

// New declares the tenant. Pass the home region's aws provider with pulumi.Provider; Kubernetes
// objects use Args.Kubernetes (and Args.Database.Kubernetes for the Job's).
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Tenant, error) {
	if err := args.check(); err != nil {
		return nil, fmt.Errorf("tenant %s: %w", name, err)
	}
	t := &Tenant{}
	if err := ctx.RegisterComponentResource(Type, name, t, opts...); err != nil {
		return nil, err
	}
	b := &builder{ctx: ctx, name: name, args: args, parent: pulumi.Parent(t)}
	steps := []func() error{b.key, b.bucket, b.accessLogs, b.password, b.secret, b.namespace, b.identity}
	if args.Database != nil {
		steps = append(steps, b.database)
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}

	t.Namespace = b.ns.Metadata.Name().Elem()
	t.ServiceAccount = b.sa.Metadata.Name().Elem()
	t.RoleArn = b.role.Arn
	t.BucketName = b.bucketRes.Bucket
	t.KeyArn = b.keyRes.Arn
	t.SecretArn = b.secretRes.Arn
	t.DatabaseName = pulumi.String("").ToStringOutput()
	if args.Database != nil {
		// The name once the Job that creates the database has succeeded.
		t.DatabaseName = b.job.Metadata.Name().ApplyT(func(*string) string { return args.Database.Name }).(pulumi.StringOutput)
	}
	return t, ctx.RegisterResourceOutputs(t, pulumi.Map{
		"namespace": t.Namespace, "serviceAccount": t.ServiceAccount, "roleArn": t.RoleArn,
		"bucketName": t.BucketName, "keyArn": t.KeyArn, "secretArn": t.SecretArn, "databaseName": t.DatabaseName,
	})
}

type builder struct {
	ctx    *pulumi.Context
	name   string
	args   *Args
	parent pulumi.ResourceOption

	keyRes    *kms.Key
	bucketRes *s3.BucketV2
	pw        *random.RandomPassword
	secretRes *secretsmanager.Secret
	role      *iam.Role
	nsObjects
}

func (b *builder) n(format string, a ...any) string { return b.name + "-" + fmt.Sprintf(format, a...) }

// key is the client's own KMS key: its bucket and its secret are encrypted with it, and only
// its role (besides the account's administrators) is given its use.
func (b *builder) key() (err error) {
	s := b.args.Scope
	b.keyRes, err = kmskey.New(b.ctx, b.n("key"), kmskey.Args{
		Description: fmt.Sprintf("Data of client %s (%s): its S3 bucket and its secret", b.args.Client, b.name),
		Alias:       b.name,
		Policy:      iampolicy.New(kmskey.AccountAdmin(s)),
		Protect:     s.Protect,
	}, b.parent)
	return err
}

// bucket is the client's S3 bucket: SSE-KMS with the client's key (and an S3 bucket key, so S3
// does not call KMS for every object), versioned with previous versions expiring, all public
// access blocked, ACLs off (owner-enforced), and reachable over TLS only.
func (b *builder) bucket() error {
	s := b.args.Scope
	var err error
	// Auto-named: bucket names are global, and a re-created stack never waits for the old name.
	// A protected bucket is never emptied by Pulumi; a throwaway stack's is, on destroy.
	b.bucketRes, err = s3.NewBucketV2(b.ctx, b.n("data"), &s3.BucketV2Args{
		ForceDestroy: pulumi.Bool(!s.Protect),
	}, b.parent, pulumi.Protect(s.Protect))
	if err != nil {
		return err
	}
	id := b.bucketRes.ID()
	access, err := s3.NewBucketPublicAccessBlock(b.ctx, b.n("data"), &s3.BucketPublicAccessBlockArgs{
		Bucket: id, BlockPublicAcls: pulumi.Bool(true), BlockPublicPolicy: pulumi.Bool(true),
		IgnorePublicAcls: pulumi.Bool(true), RestrictPublicBuckets: pulumi.Bool(true),
	}, b.parent)
	if err != nil {
		return err
	}
	if _, err := s3.NewBucketOwnershipControls(b.ctx, b.n("data"), &s3.BucketOwnershipControlsArgs{
		Bucket: id, Rule: &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, b.parent); err != nil {
		return err
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(b.ctx, b.n("data"), &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: id,
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm:   pulumi.String("aws:kms"),
				KmsMasterKeyId: b.keyRes.Arn,
			},
			BucketKeyEnabled: pulumi.Bool(true),
		}},
	}, b.parent); err != nil {
		return err
	}
	versioning, err := s3.NewBucketVersioningV2(b.ctx, b.n("data"), &s3.BucketVersioningV2Args{
		Bucket:                  id,
		VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, b.parent)
	if err != nil {
		return err
	}
	// Previous versions expire; so do uploads that never completed (they cost storage unseen).
	if _, err := s3.NewBucketLifecycleConfigurationV2(b.ctx, b.n("data"), &s3.BucketLifecycleConfigurationV2Args{
		Bucket: id,
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{s3.BucketLifecycleConfigurationV2RuleArgs{
			Id: pulumi.String("noncurrent-versions"), Status: pulumi.String("Enabled"),
			Filter: &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
			NoncurrentVersionExpiration: &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{
				NoncurrentDays: pulumi.Int(b.args.NoncurrentVersionDays),
			},
			AbortIncompleteMultipartUpload: &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
				DaysAfterInitiation: pulumi.Int(7),
			},
		}},
	}, b.parent, pulumi.DependsOn([]pulumi.Resource{versioning})); err != nil {
		return err
	}
	policy := b.bucketRes.Arn.ApplyT(func(arn string) string {
		return iampolicy.New(iampolicy.DenyInsecureTransport(arn)).JSON()
	}).(pulumi.StringOutput)
	// After the public access block: S3 judges a policy put before it by the account's settings.
	_, err = s3.NewBucketPolicy(b.ctx, b.n("data"), &s3.BucketPolicyArgs{Bucket: id, Policy: policy},
		b.parent, pulumi.DependsOn([]pulumi.Resource{access}))
	return err
}

// password is the client's database password: letters and digits only, so it needs no quoting
// in a connection string; kept secret by the provider.
func (b *builder) password() (err error) {
	b.pw, err = random.NewRandomPassword(b.ctx, b.n("db-password"), &random.RandomPasswordArgs{
		Length:  pulumi.Int(40),
		Special: pulumi.Bool(false),
	}, b.parent)
	return err
}

// secret holds what the client's pods need to reach their database: hosts, port, database,
// user and password (the RDS secret format), encrypted with the client's key. Without a
// database it holds the bucket's name only, so the secret's shape says which is the case.
func (b *builder) secret() error {
	var err error
	b.secretRes, err = secretsmanager.NewSecret(b.ctx, b.n("app"), &secretsmanager.SecretArgs{
		Description:          pulumi.String(fmt.Sprintf("Connection details of client %s (%s)", b.args.Client, b.name)),
		KmsKeyId:             b.keyRes.Arn,
		RecoveryWindowInDays: pulumi.Int(b.args.SecretRecoveryDays),
	}, b.parent, pulumi.Protect(b.args.Scope.Protect))
	if err != nil {
		return err
	}
	value := b.bucketRes.Bucket.ApplyT(func(bucket string) (string, error) {
		return jsonString(map[string]any{"bucket": bucket})
	}).(pulumi.StringOutput)
	if d := b.args.Database; d != nil {
		value = pulumi.All(b.bucketRes.Bucket, d.Host, d.ReaderHost, b.pw.Result).ApplyT(func(v []any) (string, error) {
			return jsonString(map[string]any{
				"engine": "postgres", "host": v[1], "readerHost": v[2], "port": PostgresPort,
				"dbname": d.Name, "username": d.User, "password": v[3], "sslmode": "require", "bucket": v[0],
			})
		}).(pulumi.StringOutput)
	}
	_, err = secretsmanager.NewSecretVersion(b.ctx, b.n("app"), &secretsmanager.SecretVersionArgs{
		SecretId:     b.secretRes.ID(),
		SecretString: pulumi.ToSecret(value).(pulumi.StringOutput),
	}, b.parent)
	return err
}

// identity is the client's IAM role, which only EKS Pod Identity of this account may assume,
// scoped to the client's own bucket and its objects, its key and its secret, and bound to the
// client's service account.
func (b *builder) identity() error {
	s := b.args.Scope
	var err error
	b.role, err = iam.NewRole(b.ctx, b.n("app"), &iam.RoleArgs{
		Description: pulumi.String(fmt.Sprintf("Pods of client %s (%s): service account %s/%s", b.args.Client, b.name, b.args.Namespace, b.args.ServiceAccount)),
		AssumeRolePolicy: b.args.ClusterName.ToStringOutput().ApplyT(func(cluster string) string {
			return Trust(s, cluster, b.args.Namespace, b.args.ServiceAccount).JSON()
		}).(pulumi.StringOutput),
	}, b.parent)
	if err != nil {
		return err
	}
	policy := pulumi.All(b.bucketRes.Arn, b.keyRes.Arn, b.secretRes.Arn).ApplyT(func(v []any) string {
		return Policy(v[0].(string), v[1].(string), v[2].(string)).JSON()
	}).(pulumi.StringOutput)
	if _, err := iam.NewRolePolicy(b.ctx, b.n("app"), &iam.RolePolicyArgs{Role: b.role.Name, Policy: policy}, b.parent); err != nil {
		return err
	}
	return b.serviceAccount()
}

// Trust is the client role's trust policy: the EKS Pod Identity service of this account, for the
// client's service account in its namespace of one cluster only. The session tags Pod Identity
// sets on every AssumeRole (eks-cluster-name, kubernetes-namespace, kubernetes-service-account)
// are the conditions, as the EKS user guide documents: a Pod Identity association made for
// another cluster, namespace or service account cannot hand the role out.
func Trust(s scope.Scope, cluster, namespace, serviceAccount string) iampolicy.Document {
	return clustercomp.PodIdentityTrust(s.AccountID, cluster, namespace, serviceAccount)
}

// Policy is what the client's pods may do: read and write the objects of their bucket (and list
// it), use their key for it, and read their secret. Nothing else, and no wildcard resource.
func Policy(bucketArn, keyArn, secretArn string) iampolicy.Document {
	return iampolicy.New(
		iampolicy.Allow("Bucket", []string{"s3:ListBucket", "s3:ListBucketVersions", "s3:GetBucketLocation"}, []string{bucketArn}),
		iampolicy.Allow("Objects", []string{
			"s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion",
			"s3:AbortMultipartUpload", "s3:ListMultipartUploadParts",
		}, []string{bucketArn + "/*"}),
		iampolicy.Allow("Key", []string{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"}, []string{keyArn}),
		iampolicy.Allow("Secret", []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}, []string{secretArn}),
	)
}
