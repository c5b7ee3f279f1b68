package synth

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// replicationFixture declares two buckets in two regions with their keys and versioning, and
// lets edit change what the replication configuration gets.
type replicationFixture struct {
	dependOnVersioning      bool
	replicaKeyInOtherRegion bool
	noReplicaKey            bool
	noDeleteMarkers         bool
}

func (f replicationFixture) program(ctx *pulumi.Context) error {
	west, err := aws.NewProvider(ctx, "west", &aws.ProviderArgs{Region: pulumi.String("eu-west-1")})
	if err != nil {
		return err
	}
	central, err := aws.NewProvider(ctx, "central", &aws.ProviderArgs{Region: pulumi.String("eu-central-1")})
	if err != nil {
		return err
	}
	type side struct {
		bucket     *s3.BucketV2
		key        *kms.Key
		versioning *s3.BucketVersioningV2
	}
	mk := func(name string, p pulumi.ProviderResource) (side, error) {
		in := pulumi.Provider(p)
		key, err := kms.NewKey(ctx, name, &kms.KeyArgs{}, in)
		if err != nil {
			return side{}, err
		}
		b, err := s3.NewBucketV2(ctx, name, &s3.BucketV2Args{Bucket: pulumi.String(name)}, in)
		if err != nil {
			return side{}, err
		}
		v, err := s3.NewBucketVersioningV2(ctx, name, &s3.BucketVersioningV2Args{Bucket: b.ID(),
			VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")}}, in)
		return side{b, key, v}, err
	}
	src, err := mk("src", west)
	if err != nil {
		return err
	}
	dst, err := mk("dst", central)
	if err != nil {
		return err
	}
	var deps []pulumi.Resource
	if f.dependOnVersioning {
		deps = []pulumi.Resource{src.versioning, dst.versioning}
	}
	replicaKey := dst.key.Arn
	if f.replicaKeyInOtherRegion {
		replicaKey = src.key.Arn
	}
	dest := &s3.BucketReplicationConfigRuleDestinationArgs{Bucket: dst.bucket.Arn}
	if !f.noReplicaKey {
		dest.EncryptionConfiguration = &s3.BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs{ReplicaKmsKeyId: replicaKey}
	}
	rule := s3.BucketReplicationConfigRuleArgs{
		Status: pulumi.String("Enabled"), Filter: &s3.BucketReplicationConfigRuleFilterArgs{Prefix: pulumi.String("")},
		SourceSelectionCriteria: &s3.BucketReplicationConfigRuleSourceSelectionCriteriaArgs{
			SseKmsEncryptedObjects: &s3.BucketReplicationConfigRuleSourceSelectionCriteriaSseKmsEncryptedObjectsArgs{Status: pulumi.String("Enabled")}},
		Destination: dest,
	}
	if !f.noDeleteMarkers {
		rule.DeleteMarkerReplication = &s3.BucketReplicationConfigRuleDeleteMarkerReplicationArgs{Status: pulumi.String("Enabled")}
	}
	_, err = s3.NewBucketReplicationConfig(ctx, "replication", &s3.BucketReplicationConfigArgs{
		Bucket: src.bucket.ID(), Role: pulumi.String("arn:aws:iam::123456789012:role/r"),
		Rules: s3.BucketReplicationConfigRuleArray{rule},
	}, pulumi.Provider(west), pulumi.DependsOn(deps))
	return err
}

// The mocks refuse what S3 refuses: replication before versioning on both buckets, SSE-KMS
// replication without a replica key, a replica key of another region, a V2 rule without
// delete-marker replication.
func TestReplicationRules(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    replicationFixture
		want string
	}{
		{"valid", replicationFixture{dependOnVersioning: true}, ""},
		{"no versioning dependency", replicationFixture{},
			"S3 refuses a replication configuration until versioning is enabled on both buckets (InvalidRequest); it does not depend on an Enabled aws:s3/bucketVersioningV2:BucketVersioningV2 of the source src and the destination dst bucket"},
		{"replica key of another region", replicationFixture{dependOnVersioning: true, replicaKeyInOtherRegion: true},
			"is in eu-west-1, the destination bucket dst in eu-central-1"},
		{"no replica key", replicationFixture{dependOnVersioning: true, noReplicaKey: true},
			"replicating SSE-KMS objects needs destination.encryptionConfiguration.replicaKmsKeyId"},
		{"no delete markers", replicationFixture{dependOnVersioning: true, noDeleteMarkers: true},
			"needs deleteMarkerReplication (MalformedXML)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Run(tc.f.program, "test", nil, nil)
			switch {
			case tc.want == "" && err != nil:
				t.Fatal(err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestBucketKeyOfAnotherRegion(t *testing.T) {
	_, err := Run(func(ctx *pulumi.Context) error {
		west, err := aws.NewProvider(ctx, "west", &aws.ProviderArgs{Region: pulumi.String("eu-west-1")})
		if err != nil {
			return err
		}
		central, err := aws.NewProvider(ctx, "central", &aws.ProviderArgs{Region: pulumi.String("eu-central-1")})
		if err != nil {
			return err
		}
		key, err := kms.NewKey(ctx, "k", &kms.KeyArgs{}, pulumi.Provider(west))
		if err != nil {
			return err
		}
		_, err = s3.NewBucketServerSideEncryptionConfigurationV2(ctx, "b", &s3.BucketServerSideEncryptionConfigurationV2Args{
			Bucket: pulumi.String("b"),
			Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
				ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
					SseAlgorithm: pulumi.String("aws:kms"), KmsMasterKeyId: key.Arn},
			}},
		}, pulumi.Provider(central))
		return err
	}, "test", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "is in eu-west-1, the bucket in eu-central-1; S3 uses only keys of the bucket's region") {
		t.Errorf("got %v", err)
	}
}

func TestOneOIDCProviderPerURL(t *testing.T) {
	_, err := Run(func(ctx *pulumi.Context) error {
		p, err := aws.NewProvider(ctx, "p", &aws.ProviderArgs{Region: pulumi.String("eu-west-1")})
		if err != nil {
			return err
		}
		for _, name := range []string{"a", "b"} {
			if _, err := iam.NewOpenIdConnectProvider(ctx, name, &iam.OpenIdConnectProviderArgs{
				Url: pulumi.String("https://token.actions.githubusercontent.com"), ClientIdLists: pulumi.ToStringArray([]string{"sts.amazonaws.com"}),
			}, pulumi.Provider(p)); err != nil {
				return err
			}
		}
		return nil
	}, "test", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "IAM allows one per URL (EntityAlreadyExists)") {
		t.Errorf("got %v", err)
	}
}
