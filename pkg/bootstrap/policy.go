package bootstrap

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
	"github.com/global-sovereign/global-sovereign/pkg/scope"
)

// KeyPolicy is the policy of the bootstrap's keys: the account root administers each key and
// delegates its use to IAM policies (the roles' policies below). Without it the key becomes
// unmanageable, and KMS refuses a policy that locks its creator out.
func KeyPolicy(account string) iampolicy.Document {
	return iampolicy.New(iampolicy.Allow("AccountAdmin", []string{"kms:*"}, []string{"*"}).
		ForAWS(scope.Scope{Partition: "aws"}.AccountRoot(account)))
}

// BucketPolicy is the policy of the state bucket and of its replica: TLS only.
func BucketPolicy(bucketArn string) iampolicy.Document {
	return iampolicy.New(iampolicy.DenyInsecureTransport(bucketArn))
}

// GitHubTrust is the trust policy of a CI role: tokens of GitHub's OIDC provider whose audience
// is STS and whose subject is one of subjects, one statement per subject: StringEquals, or
// StringLike for a subject whose ref has a wildcard (a pull request's merge ref).
func GitHubTrust(providerArn string, subjects []string) iampolicy.Document {
	var sts []iampolicy.Statement
	for _, sub := range subjects {
		op := "StringEquals"
		if strings.Contains(sub, "*") {
			op = "StringLike"
		}
		_, afterEnv, _ := strings.Cut(sub, ":environment:")
		env, _, _ := strings.Cut(afterEnv, ":")
		sts = append(sts, iampolicy.Statement{
			Sid:       "GitHub" + sidPart(env),
			Effect:    "Allow",
			Principal: map[string][]string{"Federated": {providerArn}},
			Action:    []string{"sts:AssumeRoleWithWebIdentity"},
		}.When("StringEquals", GitHubOIDCHost+":aud", Audience).
			When(op, GitHubOIDCHost+":sub", sub))
	}
	return iampolicy.New(sts...)
}

// sidPart keeps the letters and digits of s, capitalized: a statement id allows nothing else.
func sidPart(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if up {
				r = unicode.ToUpper(r)
			}
			b.WriteRune(r)
			up = false
		default:
			up = true
		}
	}
	return b.String()
}

// State is what the CI roles' policies need to know about the state backend.
type State struct {
	BucketArn      string // the state bucket
	BucketKeyArn   string // its SSE-KMS key
	SecretsKeyArn  string // the key of the awskms:// secrets provider
	ReplicaArn     string // the replica bucket
	ReplicaKeyArn  string // its key
	ReplicationArn string // the replication role

	SecretsReplicaKeyArn string // the secrets key's replica in the replica's region
}

// StatePolicy reads the state (a self-managed backend's preview and refresh --preview-only take
// no lock and write nothing: pulumi pkg/backend/diy/backend.go, Preview and Refresh with
// PreviewOnly) and decrypts it and its secrets. With the state's keys multi-Region, the
// replicas are named too: after a failover to the replica, the same roles read it.
func StatePolicy(s State) []iampolicy.Statement {
	buckets, objects := []string{s.BucketArn}, []string{s.BucketArn + "/*"}
	keys := []string{s.BucketKeyArn, s.SecretsKeyArn}
	if s.ReplicaArn != "" {
		buckets, objects = append(buckets, s.ReplicaArn), append(objects, s.ReplicaArn+"/*")
	}
	if s.ReplicaKeyArn != "" {
		keys = append(keys, s.ReplicaKeyArn)
	}
	if s.SecretsReplicaKeyArn != "" {
		keys = append(keys, s.SecretsReplicaKeyArn)
	}
	return []iampolicy.Statement{
		iampolicy.Allow("StateList", []string{"s3:ListBucket", "s3:GetBucketLocation"}, buckets),
		iampolicy.Allow("StateRead", []string{"s3:GetObject"}, objects),
		iampolicy.Allow("StateDecrypt", []string{"kms:Decrypt", "kms:DescribeKey"}, keys),
	}
}

// PreviewPolicy is the preview role's only policy: the state (StatePolicy) and the read calls
// of the given types (PreviewCalls: what the providers call to read them, never a secret value)
// on any resource, since most Describe and List calls allow no resource-level scoping.
func PreviewPolicy(s State, types []string) (iampolicy.Document, error) {
	calls, err := PreviewCalls(types)
	if err != nil {
		return iampolicy.Document{}, err
	}
	return iampolicy.New(append(StatePolicy(s), iampolicy.Allow("PreviewReads", calls, []string{"*"}))...), nil
}

// ProjectTag is the default tag every stack's provider puts on what it creates
// (Pulumi.yaml, global-sovereign:tags): the drift role reads secret values only under it.
const ProjectTag = "project"

// DriftPolicy is the drift role's only policy: what the preview role may, plus what a refresh
// reads beyond a preview: the value of each secret version (secretsmanager:GetSecretValue), only
// of secrets the stacks created (tagged project=<project>), and the decryption with their keys
// only through Secrets Manager, only of keys the stacks created.
func DriftPolicy(s State, types []string, project string) (iampolicy.Document, error) {
	calls, err := PreviewCalls(types)
	if err != nil {
		return iampolicy.Document{}, err
	}
	sts := append(StatePolicy(s), iampolicy.Allow("RefreshReads", calls, []string{"*"}),
		iampolicy.Allow("StackSecretValues", SecretValueReads, []string{"*"}).
			When("StringEquals", "aws:ResourceTag/"+ProjectTag, project),
		iampolicy.Allow("StackSecretKeys", []string{"kms:Decrypt"}, []string{"*"}).
			When("StringEquals", "aws:ResourceTag/"+ProjectTag, project).
			When("StringLike", "kms:ViaService", "secretsmanager.*.amazonaws.com"))
	return iampolicy.New(sts...), nil
}

// DeployServices are the IAM service prefixes the deploy role may use: every service whose
// resources the stacks declare (ServiceOf over every synthesized graph; a test keeps the two in
// step) and STS.
var DeployServices = []string{
	"acm", "aps", "backup", "backup-storage", "budgets", "ce", "cloudwatch", "ec2", "eks", "elasticache",
	"elasticloadbalancing", "iam", "kms", "logs", "rds", "route53", "s3", "secretsmanager",
	"sns", "sts", "wafv2",
}

// serviceOfModule maps a pulumi-aws module to the IAM prefixes its resources are managed with.
var serviceOfModule = map[string][]string{
	"acm":            {"acm"},
	"amp":            {"aps"}, // Amazon Managed Service for Prometheus
	"backup":         {"backup", "backup-storage"},
	"budgets":        {"budgets"},
	"costexplorer":   {"ce"},
	"ec2":            {"ec2"},
	"vpc":            {"ec2"},
	"eks":            {"eks"},
	"elasticache":    {"elasticache"},
	"lb":             {"elasticloadbalancing"},
	"iam":            {"iam"},
	"kms":            {"kms"},
	"rds":            {"rds"},
	"route53":        {"route53"},
	"s3":             {"s3"},
	"secretsmanager": {"secretsmanager"},
	"sns":            {"sns"},
	"wafv2":          {"wafv2"},
}

// ServiceOf returns the IAM service prefixes a pulumi-aws resource type is managed with, or
// false for a type it does not know (a new module: add it here and to DeployServices).
func ServiceOf(token string) ([]string, bool) {
	rest, ok := strings.CutPrefix(token, "aws:")
	if !ok {
		return nil, false
	}
	module, member, _ := strings.Cut(rest, "/")
	if module == "cloudwatch" {
		if strings.HasPrefix(member, "logGroup") || strings.HasPrefix(member, "logStream") {
			return []string{"logs"}, true
		}
		return []string{"cloudwatch"}, true
	}
	s, ok := serviceOfModule[module]
	return s, ok
}

// guardedBucketActions are what the deploy role may not do to the state buckets: replace their
// protection (policy, versioning, encryption, lifecycle, replication, public access) or delete them.
var guardedBucketActions = []string{
	"s3:DeleteBucket", "s3:DeleteBucketPolicy", "s3:PutBucketAcl", "s3:PutBucketObjectLockConfiguration",
	"s3:PutBucketOwnershipControls", "s3:PutBucketPolicy", "s3:PutBucketPublicAccessBlock",
	"s3:PutBucketVersioning", "s3:PutEncryptionConfiguration", "s3:PutLifecycleConfiguration",
	"s3:PutReplicationConfiguration",
}

// guardedKeyActions are what the deploy role may not do to the bootstrap's keys.
var guardedKeyActions = []string{
	"kms:DisableKey", "kms:DisableKeyRotation", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion",
	"kms:UpdatePrimaryRegion",
}

// DeployPolicy is the deploy role's inline policy: every service the stacks use, the state read
// and written (locks, checkpoints, history), and a guard that keeps the role off the bootstrap's
// own resources: it can neither weaken nor delete the state buckets, erase state versions,
// disable or delete the keys, nor change the CI roles or the OIDC provider. (The guard is
// defense in depth, not a boundary: iam:* can create new principals. A permissions boundary on
// every role the stacks create would make it one.)
func DeployPolicy(s State, ciRoleArns []string, oidcProviderArn string) iampolicy.Document {
	var actions []string
	for _, svc := range DeployServices {
		actions = append(actions, svc+":*")
	}
	guard := func(sid string, actions, resources []string) iampolicy.Statement {
		return iampolicy.Statement{Sid: sid, Effect: "Deny", Action: actions, Resource: resources}
	}
	iamGuarded := append(append([]string(nil), ciRoleArns...), s.ReplicationArn, oidcProviderArn)
	sort.Strings(iamGuarded)
	return iampolicy.New(
		iampolicy.Allow("Deploy", actions, []string{"*"}),
		guard("GuardStateBuckets", guardedBucketActions, []string{s.BucketArn, s.ReplicaArn}),
		guard("GuardStateHistory", []string{"s3:DeleteObjectVersion", "s3:PutObjectRetention"},
			[]string{s.BucketArn + "/*", s.ReplicaArn + "/*"}),
		guard("GuardKeys", guardedKeyActions, keysOf(s)),
		guard("GuardCIIdentity", []string{"iam:*"}, iamGuarded),
	)
}

// ReplicationTrust lets S3 assume the replication role.
func ReplicationTrust() iampolicy.Document {
	return iampolicy.New(iampolicy.Allow("S3Replication", []string{"sts:AssumeRole"}, nil).
		ForService("s3.amazonaws.com"))
}

// ReplicationPolicy is what S3 replication of SSE-KMS objects needs (Amazon S3 User Guide,
// "Replicating objects created with server-side encryption (SSE-KMS)"): read the source's
// configuration and object versions, replicate into the destination, decrypt with the source
// key through S3 in the source region and encrypt with the replica key through S3 in the
// replica region. With S3 Bucket Keys the encryption context is the bucket's ARN, without them
// the object's: both are allowed.
func ReplicationPolicy(s State, region, replicaRegion string) iampolicy.Document {
	context := func(sid string, actions []string, key, bucket, region string) []iampolicy.Statement {
		via := fmt.Sprintf("s3.%s.amazonaws.com", region)
		var out []iampolicy.Statement
		for i, ctxArn := range []string{bucket, bucket + "/*"} {
			out = append(out, iampolicy.Allow(fmt.Sprintf("%s%d", sid, i+1), actions, []string{key}).
				When("StringEquals", "kms:ViaService", via).
				When("StringLike", "kms:EncryptionContext:aws:s3:arn", ctxArn))
		}
		return out
	}
	sts := []iampolicy.Statement{
		iampolicy.Allow("SourceBucket", []string{"s3:GetReplicationConfiguration", "s3:ListBucket"}, []string{s.BucketArn}),
		iampolicy.Allow("SourceObjects", []string{"s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"},
			[]string{s.BucketArn + "/*"}),
		iampolicy.Allow("Destination", []string{"s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"},
			[]string{s.ReplicaArn + "/*"}),
	}
	sts = append(sts, context("DecryptSource", []string{"kms:Decrypt"}, s.BucketKeyArn, s.BucketArn, region)...)
	sts = append(sts, context("EncryptReplica", []string{"kms:Encrypt", "kms:GenerateDataKey"}, s.ReplicaKeyArn, s.ReplicaArn, replicaRegion)...)
	return iampolicy.New(sts...)
}

// keysOf lists the state's keys that exist (the secrets key's replica is optional in tests).
func keysOf(s State) []string {
	out := []string{s.BucketKeyArn, s.ReplicaKeyArn, s.SecretsKeyArn}
	if s.SecretsReplicaKeyArn != "" {
		out = append(out, s.SecretsReplicaKeyArn)
	}
	return out
}
