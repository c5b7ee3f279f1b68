package cassandra_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/cassandra"
	"github.com/global-sovereign/global-sovereign/pkg/scope"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

var testScope = scope.Scope{Partition: "aws", AccountID: "111122223333", Region: "eu-west-1", Protect: true}

// The backup bucket alone: SSE-KMS with its own key, versioned, every public access blocked,
// ACLs off, TLS only, replaced versions expiring after the retention, protected.
func TestBackupStore(t *testing.T) {
	r, err := synth.RunComponent("eu-west-1", func(ctx *pulumi.Context, p pulumi.ProviderResource) error {
		_, err := cassandra.NewBackupStore(ctx, "gs-ams-cassandra-backups", &cassandra.BackupStoreArgs{Scope: testScope, NoncurrentDays: 45}, pulumi.Provider(p))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	g := r.Graph
	one := func(typ string) map[string]any {
		rs := g.ByType(typ)
		if len(rs) != 1 {
			t.Fatalf("%d %s, want 1", len(rs), typ)
		}
		return rs[0].Inputs
	}
	b := g.ByType("aws:s3/bucketV2:BucketV2")
	if len(b) != 1 || !b[0].Protect || b[0].Inputs["forceDestroy"] != false {
		t.Errorf("bucket %+v: want one, protected, never emptied by Pulumi", b)
	}
	if k := g.ByType("aws:kms/key:Key"); len(k) != 1 || k[0].Inputs["enableKeyRotation"] != true {
		t.Errorf("key %+v", k)
	}
	pab := one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
	for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
		if pab[k] != true {
			t.Errorf("public access block %s = %v", k, pab[k])
		}
	}
	sse, _ := json.Marshal(one("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"))
	if !strings.Contains(string(sse), `"sseAlgorithm":"aws:kms"`) || !strings.Contains(string(sse), `"bucketKeyEnabled":true`) {
		t.Errorf("encryption %s", sse)
	}
	if v, _ := json.Marshal(one("aws:s3/bucketVersioningV2:BucketVersioningV2")); !strings.Contains(string(v), `"status":"Enabled"`) {
		t.Errorf("versioning %s", v)
	}
	if lc, _ := json.Marshal(one("aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2")); !strings.Contains(string(lc), `"noncurrentDays":45`) {
		t.Errorf("lifecycle %s: want replaced versions expiring after the retention", lc)
	}
	if p := one("aws:s3/bucketPolicy:BucketPolicy")["policy"].(string); !strings.Contains(p, `"aws:SecureTransport":"false"`) {
		t.Errorf("policy does not refuse plain HTTP: %s", p)
	}
	if own, _ := json.Marshal(one("aws:s3/bucketOwnershipControls:BucketOwnershipControls")); !strings.Contains(string(own), "BucketOwnerEnforced") {
		t.Errorf("ownership %s", own)
	}
}

// The pods' role: objects under the cluster's prefix only, the bucket listed, the key used only
// through S3 in the bucket's region; trusted by Pod Identity for this cluster, namespace and
// service account; the account made after the association.
func TestMedusaAccess(t *testing.T) {
	const bucket, key = "arn:aws:s3:::gs-backups", "arn:aws:kms:eu-west-1:111122223333:key/k"
	pol := cassandra.MedusaPolicy(bucket, key, "sovereign", "eu-west-1")
	for _, s := range pol.Statement {
		for _, res := range s.Resource {
			if res != bucket && res != bucket+"/sovereign/*" && res != key {
				t.Errorf("%s reaches %s", s.Sid, res)
			}
		}
		for _, a := range s.Action {
			if strings.HasSuffix(a, "*") || strings.HasPrefix(a, "s3:PutBucket") || strings.HasPrefix(a, "s3:DeleteBucket") {
				t.Errorf("%s: %s", s.Sid, a)
			}
		}
	}
	if !strings.Contains(pol.JSON(), `"kms:ViaService":"s3.eu-west-1.amazonaws.com"`) {
		t.Errorf("key usable outside S3: %s", pol.JSON())
	}
	r, err := synth.RunComponent("us-east-1", func(ctx *pulumi.Context, p pulumi.ProviderResource) error {
		k8s, err := kubernetes.NewProvider(ctx, "k8s", &kubernetes.ProviderArgs{Kubeconfig: pulumi.String("{}")})
		if err != nil {
			return err
		}
		_, err = cassandra.NewMedusaAccess(ctx, "gs-iad-cassandra-medusa", &cassandra.MedusaAccessArgs{
			Scope: testScope, ClusterName: pulumi.String("gs-iad"), BucketArn: pulumi.String(bucket), KeyArn: pulumi.String(key),
			BucketRegion: "eu-west-1", Prefix: "sovereign", Kubernetes: k8s,
			Datacenter: "iad", Schedule: "0 2 * * *", BackupType: "differential", ScheduleName: "sovereign-iad-backups",
		}, pulumi.Provider(p))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	g := r.Graph
	role := g.ByType("aws:iam/role:Role")[0].Inputs["assumeRolePolicy"].(string)
	for _, want := range []string{"pods.eks.amazonaws.com", `"aws:RequestTag/kubernetes-namespace":"k8ssandra-operator"`,
		`"aws:RequestTag/kubernetes-service-account":"cassandra-medusa"`, `"aws:RequestTag/eks-cluster-name":"gs-iad"`} {
		if !strings.Contains(role, want) {
			t.Errorf("trust policy without %s: %s", want, role)
		}
	}
	assoc := g.ByType("aws:eks/podIdentityAssociation:PodIdentityAssociation")[0]
	sa := g.ByType("kubernetes:core/v1:ServiceAccount")[0]
	if assoc.Inputs["serviceAccount"] != cassandra.PodServiceAccount || sa.Inputs["metadata"].(map[string]any)["name"] != cassandra.PodServiceAccount {
		t.Errorf("association %v, account %v", assoc.Inputs, sa.Inputs)
	}
	if !strings.Contains(strings.Join(sa.DependsOn, " "), assoc.URN) {
		t.Errorf("the service account does not wait for its association: %v", sa.DependsOn)
	}
	// The datacenter's schedule, in its own cluster's namespace.
	scheds := g.ByType("kubernetes:medusa.k8ssandra.io/v1alpha1:MedusaBackupSchedule")
	if len(scheds) != 1 {
		t.Fatalf("%d backup schedules, want 1", len(scheds))
	}
	md := scheds[0].Inputs["metadata"].(map[string]any)
	bs := scheds[0].Inputs["spec"].(map[string]any)["backupSpec"].(map[string]any)
	if md["name"] != "sovereign-iad-backups" || md["namespace"] != cassandra.Namespace || bs["cassandraDatacenter"] != "iad" ||
		scheds[0].Inputs["spec"].(map[string]any)["cronSchedule"] != "0 2 * * *" {
		t.Errorf("schedule %v", scheds[0].Inputs)
	}
}
