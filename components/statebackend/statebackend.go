// Package statebackend is what `sovereign bootstrap` creates in an empty account before any
// stack: the S3 bucket that holds every stack's Pulumi state (versioned, SSE-KMS with its own
// key, private, TLS only, old versions expired, replicated to a second region), the KMS key of
// the stacks' awskms:// secrets provider (multi-Region, with a replica where the state's replica
// is), GitHub Actions' OIDC provider and the three roles the workflows assume: preview and drift
// (reads only) and deploy. Policies come from pkg/bootstrap.
package statebackend

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/kmskey"
	"github.com/global-sovereign/global-sovereign/pkg/bootstrap"
	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
)

// Type is the component's Pulumi type token.
const Type = "sovereign:statebackend:StateBackend"

// Args configures the state backend. Every name is given: the backend URL and the secrets
// provider URL are known before anything exists, so they can be printed and committed.
type Args struct {
	AccountID     string
	Region        string // of Provider: the state bucket, its key, the secrets key
	ReplicaRegion string // of ReplicaProvider: the replica bucket and its key

	Bucket, ReplicaBucket string
	NamePrefix            string
	SecretsKeyAlias       string // without alias/
	NoncurrentVersionDays int
	Protect               bool

	// OIDCProviderArn is the account's existing GitHub provider; empty: one is created, or,
	// with AdoptOIDCProvider, the one the account has is imported (and never deleted).
	OIDCProviderArn      string
	AdoptOIDCProvider    bool
	PreviewRoleName      string
	PreviewSubjects      []string
	DriftRoleName        string
	DriftSubject         string
	DeployRoleName       string
	DeploySubject        string
	DeploySessionSeconds int
	// ReadTypes are the resource types the preview and drift roles may read (their read calls:
	// bootstrap.PreviewCalls); Project is the tag value that marks the stacks' secrets.
	ReadTypes []string
	Project   string

	// Provider is the aws provider of Region (IAM, being global, goes through it too);
	// ReplicaProvider that of ReplicaRegion. Both are required: nothing uses a default provider.
	Provider        pulumi.ProviderResource
	ReplicaProvider pulumi.ProviderResource
}

// ArgsFrom turns a validated bootstrap config into Args.
func ArgsFrom(c *bootstrap.Config, provider, replica pulumi.ProviderResource) *Args {
	return &Args{
		AccountID: c.AccountID, Region: c.Region, ReplicaRegion: c.ReplicaRegion,
		Bucket: c.Bucket, ReplicaBucket: c.ReplicaBucket, NamePrefix: c.NamePrefix,
		SecretsKeyAlias: c.SecretsKeyAlias, NoncurrentVersionDays: c.NoncurrentVersionDays,
		Protect:              c.Protected(),
		OIDCProviderArn:      c.GitHub.OIDCProviderArn,
		AdoptOIDCProvider:    c.AdoptOIDCProvider,
		PreviewRoleName:      c.RoleName("preview"),
		PreviewSubjects:      c.PreviewSubjects(),
		DriftRoleName:        c.RoleName("drift"),
		DriftSubject:         c.DriftSubject(),
		ReadTypes:            bootstrap.GrantedTypes(),
		Project:              bootstrap.StacksProject,
		DeployRoleName:       c.RoleName("deploy"),
		DeploySubject:        c.DeploySubject(),
		DeploySessionSeconds: c.GitHub.DeploySessionSeconds,
		Provider:             provider,
		ReplicaProvider:      replica,
	}
}

// StateBackend is the component.
type StateBackend struct {
	pulumi.ResourceState

	Bucket          pulumi.StringOutput `pulumi:"bucket"`
	ReplicaBucket   pulumi.StringOutput `pulumi:"replicaBucket"`
	BackendURL      pulumi.StringOutput `pulumi:"backendUrl"`
	SecretsProvider pulumi.StringOutput `pulumi:"secretsProvider"`
	SecretsKeyArn   pulumi.StringOutput `pulumi:"secretsKeyArn"`
	OIDCProviderArn pulumi.StringOutput `pulumi:"oidcProviderArn"`
	PreviewRoleArn  pulumi.StringOutput `pulumi:"previewRoleArn"`
	DriftRoleArn    pulumi.StringOutput `pulumi:"driftRoleArn"`
	DeployRoleArn   pulumi.StringOutput `pulumi:"deployRoleArn"`
	// SecretsReplicaProvider is the secrets provider URL through the key's replica in the
	// replica's region: what the stacks switch to when the primary region is lost.
	SecretsReplicaProvider pulumi.StringOutput `pulumi:"secretsReplicaProvider"`
}

// New declares the state backend and the CI identity.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*StateBackend, error) {
	if args.Provider == nil || args.ReplicaProvider == nil {
		return nil, fmt.Errorf("statebackend %s: the providers of both regions are required", name)
	}
	c := &StateBackend{}
	if err := ctx.RegisterComponentResource(Type, name, c, opts...); err != nil {
		return nil, err
	}
	primary := []pulumi.ResourceOption{pulumi.Parent(c), pulumi.Provider(args.Provider)}
	replicaOpts := []pulumi.ResourceOption{pulumi.Parent(c), pulumi.Provider(args.ReplicaProvider)}
	n := func(s string) string { return name + "-" + s }
	keyPolicy := bootstrap.KeyPolicy(args.AccountID)
	key := func(resource, alias, description string, opts []pulumi.ResourceOption) (*kms.Key, error) {
		return kmskey.New(ctx, resource, kmskey.Args{Description: description, Alias: alias, Policy: keyPolicy, Protect: args.Protect}, opts...)
	}

	bucketKey, err := key(n("bucket-key"), args.NamePrefix+"-pulumi-state", "Pulumi state bucket "+args.Bucket, primary)
	if err != nil {
		return nil, err
	}
	// A bucket's default encryption key must be in the bucket's region: the replica has its own.
	replicaKey, err := key(n("replica-key"), args.NamePrefix+"-pulumi-state-replica", "Pulumi state replica "+args.ReplicaBucket, replicaOpts)
	if err != nil {
		return nil, err
	}
	// The stacks' secrets are wrapped by this key; the state replicates to the replica region,
	// and so must the key, or the replica is unreadable once the primary region is gone. A
	// multi-Region key and its replica share key material and key id: the replica decrypts
	// what the primary encrypted (AWS KMS Developer Guide, "Multi-Region keys"), and the same
	// alias in the replica's region lets a stack switch by changing the URL's region only.
	secretsKey, secretsKeyAlias, err := kmskey.NewWithAlias(ctx, n("secrets-key"), kmskey.Args{
		Description: "Pulumi stack secrets (awskms secrets provider)", Alias: args.SecretsKeyAlias, Policy: keyPolicy,
		Protect: args.Protect, MultiRegion: true,
	}, primary...)
	if err != nil {
		return nil, err
	}
	secretsReplica, err := kms.NewReplicaKey(ctx, n("secrets-key-replica"), &kms.ReplicaKeyArgs{
		PrimaryKeyArn:        secretsKey.Arn,
		Description:          pulumi.String("Pulumi stack secrets (awskms secrets provider), replica of the primary in " + args.Region),
		DeletionWindowInDays: pulumi.Int(kmskey.DeletionWindowDays),
		Policy:               pulumi.String(keyPolicy.JSON()),
	}, append(replicaOpts, pulumi.Protect(args.Protect))...)
	if err != nil {
		return nil, err
	}
	if _, err := kms.NewAlias(ctx, n("secrets-key-replica-alias"), &kms.AliasArgs{
		Name:        pulumi.String(secretsAlias(args.SecretsKeyAlias)),
		TargetKeyId: secretsReplica.KeyId,
		// The same name in another region: a resource of its own, ordered after the primary's
		// alias so that a stack switching regions finds the primary's first.
	}, append(replicaOpts, pulumi.DeleteBeforeReplace(true), pulumi.DependsOn([]pulumi.Resource{secretsKeyAlias}))...); err != nil {
		return nil, err
	}

	source, err := newBucket(ctx, n("bucket"), args.Bucket, bucketKey, args, primary)
	if err != nil {
		return nil, err
	}
	replica, err := newBucket(ctx, n("replica"), args.ReplicaBucket, replicaKey, args, replicaOpts)
	if err != nil {
		return nil, err
	}

	replicationRole, err := iam.NewRole(ctx, n("replication"), &iam.RoleArgs{
		Name:             pulumi.String(args.NamePrefix + "-pulumi-state-replication"),
		Description:      pulumi.String("S3 replication of the Pulumi state bucket " + args.Bucket),
		AssumeRolePolicy: pulumi.String(bootstrap.ReplicationTrust().JSON()),
	}, primary...)
	if err != nil {
		return nil, err
	}
	stateOf := func(extra ...pulumi.StringOutput) pulumi.ArrayOutput {
		in := []any{source.bucket.Arn, bucketKey.Arn, secretsKey.Arn, replica.bucket.Arn, replicaKey.Arn, replicationRole.Arn, secretsReplica.Arn}
		for _, e := range extra {
			in = append(in, e)
		}
		return pulumi.All(in...)
	}
	toState := func(v []any) bootstrap.State {
		return bootstrap.State{BucketArn: v[0].(string), BucketKeyArn: v[1].(string), SecretsKeyArn: v[2].(string),
			ReplicaArn: v[3].(string), ReplicaKeyArn: v[4].(string), ReplicationArn: v[5].(string), SecretsReplicaKeyArn: v[6].(string)}
	}
	replicationPolicy, err := iam.NewRolePolicy(ctx, n("replication"), &iam.RolePolicyArgs{
		Role: replicationRole.Name,
		Policy: stateOf().ApplyT(func(v []any) string {
			return bootstrap.ReplicationPolicy(toState(v), args.Region, args.ReplicaRegion).JSON()
		}).(pulumi.StringOutput),
	}, primary...)
	if err != nil {
		return nil, err
	}
	// S3 refuses a replication configuration until versioning is enabled on both buckets, and
	// it replicates with the role's permissions: nothing of this is in the inputs' data flow.
	if _, err := s3.NewBucketReplicationConfig(ctx, n("replication"), &s3.BucketReplicationConfigArgs{
		Bucket: source.bucket.ID(),
		Role:   replicationRole.Arn,
		Rules: s3.BucketReplicationConfigRuleArray{s3.BucketReplicationConfigRuleArgs{
			Id:     pulumi.String("replica"),
			Status: pulumi.String("Enabled"),
			Filter: &s3.BucketReplicationConfigRuleFilterArgs{Prefix: pulumi.String("")},
			// Lock files come and go: deletes replicate, so the replica holds no stale lock.
			DeleteMarkerReplication: &s3.BucketReplicationConfigRuleDeleteMarkerReplicationArgs{Status: pulumi.String("Enabled")},
			// SSE-KMS objects replicate only when asked to, re-encrypted with the replica's key.
			SourceSelectionCriteria: &s3.BucketReplicationConfigRuleSourceSelectionCriteriaArgs{
				SseKmsEncryptedObjects: &s3.BucketReplicationConfigRuleSourceSelectionCriteriaSseKmsEncryptedObjectsArgs{
					Status: pulumi.String("Enabled"),
				},
			},
			Destination: &s3.BucketReplicationConfigRuleDestinationArgs{
				Bucket:       replica.bucket.Arn,
				StorageClass: pulumi.String("STANDARD"),
				EncryptionConfiguration: &s3.BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs{
					ReplicaKmsKeyId: replicaKey.Arn,
				},
			},
		}},
	}, append(primary, pulumi.DependsOn([]pulumi.Resource{source.versioning, replica.versioning, replicationPolicy}))...); err != nil {
		return nil, err
	}

	// IAM allows one OIDC provider per URL in an account: reuse an existing one when given.
	oidcArn := pulumi.String(args.OIDCProviderArn).ToStringOutput()
	if args.OIDCProviderArn == "" {
		providerOpts := primary
		if args.AdoptOIDCProvider {
			// The account's provider predates the bootstrap: import it (pulumi imports only while
			// the state lacks it or holds another id: pkg/resource/deploy/step_generator.go) and
			// leave it in the account if the bootstrap is ever destroyed.
			// Its tags are not the providers' default tags, and an import whose inputs differ from
			// what it reads fails (pulumi-aws #4030, #5284): the tags stay as the account has them.
			providerOpts = append(append([]pulumi.ResourceOption(nil), primary...),
				pulumi.Import(pulumi.ID(bootstrap.OIDCProviderArn(args.AccountID))), pulumi.RetainOnDelete(true),
				pulumi.IgnoreChanges([]string{"tags", "tagsAll"}))
		}
		provider, err := iam.NewOpenIdConnectProvider(ctx, n("github"), &iam.OpenIdConnectProviderArgs{
			Url:           pulumi.String("https://" + bootstrap.GitHubOIDCHost),
			ClientIdLists: pulumi.StringArray{pulumi.String(bootstrap.Audience)},
			// No thumbprint: IAM trusts GitHub's certificate through its own CA library.
		}, providerOpts...)
		if err != nil {
			return nil, err
		}
		oidcArn = provider.Arn
	}
	trust := func(subjects []string) pulumi.StringOutput {
		return oidcArn.ApplyT(func(arn string) string { return bootstrap.GitHubTrust(arn, subjects).JSON() }).(pulumi.StringOutput)
	}

	// The preview and drift roles carry only the read calls of the stacks' resource types
	// (bootstrap.PreviewPolicy, DriftPolicy), never ReadOnlyAccess: that one reads every S3
	// object and every secret value the account's policies do not deny.
	readRole := func(which, roleName, description string, subjects []string, policy func(bootstrap.State) (string, error)) (*iam.Role, error) {
		role, err := iam.NewRole(ctx, n("ci-"+which), &iam.RoleArgs{
			Name:               pulumi.String(roleName),
			Description:        pulumi.String(description),
			AssumeRolePolicy:   trust(subjects),
			MaxSessionDuration: pulumi.Int(3600),
		}, primary...)
		if err != nil {
			return nil, err
		}
		doc := stateOf().ApplyT(func(v []any) (string, error) { return policy(toState(v)) }).(pulumi.StringOutput)
		if _, err := iam.NewRolePolicy(ctx, n("ci-"+which+"-reads"), &iam.RolePolicyArgs{Role: role.Name, Policy: doc}, primary...); err != nil {
			return nil, err
		}
		return role, nil
	}
	policyJSON := func(d iampolicy.Document, err error) (string, error) {
		if err != nil {
			return "", err
		}
		return d.JSON(), nil
	}
	preview, err := readRole("preview", args.PreviewRoleName, "Pulumi previews from GitHub Actions (the stacks' read calls, no secret value)",
		args.PreviewSubjects, func(s bootstrap.State) (string, error) { return policyJSON(bootstrap.PreviewPolicy(s, args.ReadTypes)) })
	if err != nil {
		return nil, err
	}
	drift, err := readRole("drift", args.DriftRoleName, "Pulumi drift checks from GitHub Actions (refresh --preview-only)",
		[]string{args.DriftSubject}, func(s bootstrap.State) (string, error) {
			return policyJSON(bootstrap.DriftPolicy(s, args.ReadTypes, args.Project))
		})
	if err != nil {
		return nil, err
	}

	deploy, err := iam.NewRole(ctx, n("ci-deploy"), &iam.RoleArgs{
		Name:               pulumi.String(args.DeployRoleName),
		Description:        pulumi.String("Pulumi deployments from GitHub Actions (" + args.DeploySubject + ")"),
		AssumeRolePolicy:   trust([]string{args.DeploySubject}),
		MaxSessionDuration: pulumi.Int(args.DeploySessionSeconds),
	}, primary...)
	if err != nil {
		return nil, err
	}
	if _, err := iam.NewRolePolicy(ctx, n("ci-deploy"), &iam.RolePolicyArgs{
		Role: deploy.Name,
		Policy: stateOf(preview.Arn, drift.Arn, deploy.Arn, oidcArn).ApplyT(func(v []any) string {
			return bootstrap.DeployPolicy(toState(v), []string{v[7].(string), v[8].(string), v[9].(string)}, v[10].(string)).JSON()
		}).(pulumi.StringOutput),
	}, primary...); err != nil {
		return nil, err
	}

	c.Bucket = source.bucket.Bucket
	c.ReplicaBucket = replica.bucket.Bucket
	c.BackendURL = pulumi.Sprintf("s3://%s?region=%s&awssdk=v2", source.bucket.Bucket, args.Region)
	c.SecretsProvider = pulumi.Sprintf("awskms://%s?region=%s", secretsAlias(args.SecretsKeyAlias), args.Region)
	c.SecretsKeyArn = secretsKey.Arn
	c.OIDCProviderArn = oidcArn
	c.PreviewRoleArn = preview.Arn
	c.DriftRoleArn = drift.Arn
	c.DeployRoleArn = deploy.Arn
	c.SecretsReplicaProvider = pulumi.Sprintf("awskms://%s?region=%s", secretsAlias(args.SecretsKeyAlias), args.ReplicaRegion)
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"bucket":          c.Bucket,
		"replicaBucket":   c.ReplicaBucket,
		"backendUrl":      c.BackendURL,
		"secretsProvider": c.SecretsProvider,
		"secretsKeyArn":   c.SecretsKeyArn,
		"oidcProviderArn": c.OIDCProviderArn,
		"previewRoleArn":  c.PreviewRoleArn,
		"driftRoleArn":    c.DriftRoleArn,
		"deployRoleArn":   c.DeployRoleArn,

		"secretsReplicaProvider": c.SecretsReplicaProvider,
	})
}

func secretsAlias(alias string) string { return "alias/" + alias }

type bucket struct {
	bucket     *s3.BucketV2
	versioning *s3.BucketVersioningV2
}

// newBucket declares one state bucket in the region of the provider in opts: private and
// owner-enforced, versioned, encrypted by default with key (S3 Bucket Keys on: one KMS call per
// bucket key, not per object), TLS only, noncurrent versions expired after the configured days.
func newBucket(ctx *pulumi.Context, name, bucketName string, key *kms.Key, args *Args, opts []pulumi.ResourceOption) (*bucket, error) {
	// The state must outlive any mistake: never emptied on delete, protected.
	b, err := s3.NewBucketV2(ctx, name, &s3.BucketV2Args{
		Bucket:       pulumi.String(bucketName),
		ForceDestroy: pulumi.Bool(false),
	}, append(opts, pulumi.Protect(args.Protect))...)
	if err != nil {
		return nil, err
	}
	block, err := s3.NewBucketPublicAccessBlock(ctx, name, &s3.BucketPublicAccessBlockArgs{
		Bucket: b.ID(), BlockPublicAcls: pulumi.Bool(true), BlockPublicPolicy: pulumi.Bool(true),
		IgnorePublicAcls: pulumi.Bool(true), RestrictPublicBuckets: pulumi.Bool(true),
	}, opts...)
	if err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketOwnershipControls(ctx, name, &s3.BucketOwnershipControlsArgs{
		Bucket: b.ID(),
		Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, opts...); err != nil {
		return nil, err
	}
	versioning, err := s3.NewBucketVersioningV2(ctx, name, &s3.BucketVersioningV2Args{
		Bucket:                  b.ID(),
		VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, opts...)
	if err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name, &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: b.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm:   pulumi.String("aws:kms"),
				KmsMasterKeyId: key.Arn,
			},
			BucketKeyEnabled: pulumi.Bool(true),
		}},
	}, opts...); err != nil {
		return nil, err
	}
	// The policy goes on after public access is blocked (it is not public: only denies).
	if _, err := s3.NewBucketPolicy(ctx, name, &s3.BucketPolicyArgs{
		Bucket: b.ID(),
		Policy: b.Arn.ApplyT(func(arn string) string { return bootstrap.BucketPolicy(arn).JSON() }).(pulumi.StringOutput),
	}, append(opts, pulumi.DependsOn([]pulumi.Resource{block}))...); err != nil {
		return nil, err
	}
	// Noncurrent-version rules act on versions, which exist once versioning is on.
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, name, &s3.BucketLifecycleConfigurationV2Args{
		Bucket: b.ID(),
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:     pulumi.String("expire-noncurrent-versions"),
			Status: pulumi.String("Enabled"),
			Filter: &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
			NoncurrentVersionExpiration: &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{
				NoncurrentDays: pulumi.Int(args.NoncurrentVersionDays),
			},
			// A delete marker left alone once its versions expired (every released lock).
			Expiration:                     &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{ExpiredObjectDeleteMarker: pulumi.Bool(true)},
			AbortIncompleteMultipartUpload: &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{DaysAfterInitiation: pulumi.Int(7)},
		}},
	}, append(opts, pulumi.DependsOn([]pulumi.Resource{versioning}))...); err != nil {
		return nil, err
	}
	return &bucket{bucket: b, versioning: versioning}, nil
}
