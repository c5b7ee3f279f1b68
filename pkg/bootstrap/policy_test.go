package bootstrap

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
)

const provider = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"

var state = State{
	BucketArn:      "arn:aws:s3:::gs-state",
	BucketKeyArn:   "arn:aws:kms:eu-west-1:111122223333:key/b",
	SecretsKeyArn:  "arn:aws:kms:eu-west-1:111122223333:key/s",
	ReplicaArn:     "arn:aws:s3:::gs-state-replica",
	ReplicaKeyArn:  "arn:aws:kms:eu-central-1:111122223333:key/r",
	ReplicationArn: "arn:aws:iam::111122223333:role/gs-state-replication",
}

// The trust is exact: the audience STS and the subject (environment and workflow file) one of
// the given ones, StringEquals, or StringLike only for a pull request's merge ref; one statement
// each.
func TestGitHubTrust(t *testing.T) {
	deploy := "repo:acme/gs:environment:production:job_workflow_ref:acme/gs/.github/workflows/deploy.yml@refs/heads/main"
	preview := "repo:acme/gs:environment:preview:job_workflow_ref:acme/gs/.github/workflows/pr.yml@refs/pull/*/merge"
	got := GitHubTrust(provider, []string{deploy, preview}).JSON()
	want := `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"GitHubProduction","Effect":"Allow","Principal":{"Federated":["` + provider + `"]},"Action":["sts:AssumeRoleWithWebIdentity"],` +
		`"Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:sub":"` + deploy + `"}}},` +
		`{"Sid":"GitHubPreview","Effect":"Allow","Principal":{"Federated":["` + provider + `"]},"Action":["sts:AssumeRoleWithWebIdentity"],` +
		`"Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"},"StringLike":{"token.actions.githubusercontent.com:sub":"` + preview + `"}}}]}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if strings.Contains(strings.ReplaceAll(got, "refs/pull/*/merge", ""), "*") {
		t.Errorf("the trust holds a pattern other than the PR number: %s", got)
	}
}

func TestSidPart(t *testing.T) {
	for in, want := range map[string]string{"preview": "Preview", "prod-eu 2": "ProdEu2", "a.b_c": "ABC", "ünï": "N"} {
		if got := sidPart(in); got != want {
			t.Errorf("sidPart(%q) = %q, want %q", in, got, want)
		}
	}
}

// Every resource type any stack declares is managed with a service the deploy role may use:
// read from the golden graphs of every stack (pulumi-eks's modelled children included).
func TestDeployServicesCoverEveryStack(t *testing.T) {
	files, err := filepath.Glob("../../testdata/synth/*.json")
	if err != nil || len(files) < 7 {
		t.Fatalf("golden graphs: %v %v", files, err)
	}
	used := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var g struct {
			Resources []struct{ Type string } `json:"resources"`
		}
		if err := json.Unmarshal(data, &g); err != nil {
			t.Fatal(err)
		}
		for _, r := range g.Resources {
			if !strings.HasPrefix(r.Type, "aws:") {
				continue
			}
			svcs, ok := ServiceOf(r.Type)
			if !ok {
				t.Errorf("%s declares %s, which ServiceOf does not map to an IAM service", filepath.Base(f), r.Type)
			}
			for _, s := range svcs {
				used[s] = true
			}
		}
	}
	var missing []string
	for s := range used {
		if !slices.Contains(DeployServices, s) {
			missing = append(missing, s)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("the deploy role cannot use %v", missing)
	}
	if !used["ec2"] || !used["eks"] || !used["rds"] || !used["logs"] || !used["elasticloadbalancing"] {
		t.Errorf("the graphs were not read: %v", used)
	}
}

func TestServiceOf(t *testing.T) {
	for token, want := range map[string]string{
		"aws:cloudwatch/logGroup:LogGroup":                          "logs",
		"aws:cloudwatch/metricAlarm:MetricAlarm":                    "cloudwatch",
		"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "ec2",
		"aws:lb/targetGroup:TargetGroup":                            "elasticloadbalancing",
		"aws:backup/vault:Vault":                                    "backup,backup-storage",
		"aws:s3/bucketReplicationConfig:BucketReplicationConfig":    "s3",
		"aws:iam/openIdConnectProvider:OpenIdConnectProvider":       "iam",
	} {
		got, ok := ServiceOf(token)
		if !ok || strings.Join(got, ",") != want {
			t.Errorf("ServiceOf(%s) = %v %v, want %s", token, got, ok, want)
		}
	}
	for _, token := range []string{"aws:lambda/function:Function", "kubernetes:core/v1:Pod", "random:index/randomId:RandomId"} {
		if _, ok := ServiceOf(token); ok {
			t.Errorf("ServiceOf(%s) claims to know it", token)
		}
	}
}

// The deploy role may deploy everything, but not weaken or delete the state backend, erase its
// history, disable its keys, or change the CI identity.
func TestDeployPolicyGuardsTheBootstrap(t *testing.T) {
	roles := []string{"arn:aws:iam::111122223333:role/gs-ci-deploy", "arn:aws:iam::111122223333:role/gs-ci-preview"}
	d := DeployPolicy(state, roles, provider)
	denied := func(action, resource string) bool {
		for _, s := range d.Statement {
			if s.Effect == "Deny" && slices.Contains(s.Resource, resource) &&
				(slices.Contains(s.Action, action) || slices.Contains(s.Action, strings.SplitN(action, ":", 2)[0]+":*")) {
				return true
			}
		}
		return false
	}
	for _, tc := range []struct{ action, resource string }{
		{"s3:DeleteBucket", state.BucketArn},
		{"s3:PutBucketPolicy", state.BucketArn},
		{"s3:PutBucketVersioning", state.ReplicaArn},
		{"s3:PutReplicationConfiguration", state.BucketArn},
		{"s3:DeleteObjectVersion", state.BucketArn + "/*"},
		{"kms:ScheduleKeyDeletion", state.SecretsKeyArn},
		{"kms:DisableKey", state.BucketKeyArn},
		{"kms:PutKeyPolicy", state.ReplicaKeyArn},
		{"iam:UpdateAssumeRolePolicy", roles[0]},
		{"iam:AttachRolePolicy", roles[1]},
		{"iam:PutRolePolicy", state.ReplicationArn},
		{"iam:DeleteOpenIDConnectProvider", provider},
	} {
		if !denied(tc.action, tc.resource) {
			t.Errorf("the deploy role may %s on %s", tc.action, tc.resource)
		}
	}
	allow := d.Statement[0]
	if allow.Effect != "Allow" || !slices.Equal(allow.Resource, []string{"*"}) || len(allow.Action) != len(DeployServices) {
		t.Errorf("deploy statement: %+v", allow)
	}
	// The state itself stays writable: objects are not guarded, only their versions.
	if denied("s3:PutObject", state.BucketArn+"/*") || denied("s3:DeleteObject", state.BucketArn+"/*") {
		t.Error("the deploy role cannot write the state")
	}
	if n := len(d.JSON()); n > 10240 {
		t.Errorf("deploy policy is %d bytes; IAM limits a role's inline policies to 10240", n)
	}
}

// Replication of SSE-KMS objects: S3 reads source versions, writes into the replica, decrypts
// with the source key only through S3 in the source region and encrypts with the replica key
// only through S3 in the replica region, for the bucket (S3 Bucket Keys) and object contexts.
func TestReplicationPolicy(t *testing.T) {
	d := ReplicationPolicy(state, "eu-west-1", "eu-central-1")
	find := func(action string, resource string) []iampolicy.Statement {
		var out []iampolicy.Statement
		for _, s := range d.Statement {
			if slices.Contains(s.Action, action) && slices.Contains(s.Resource, resource) {
				out = append(out, s)
			}
		}
		return out
	}
	for _, tc := range []struct{ action, resource string }{
		{"s3:GetReplicationConfiguration", state.BucketArn},
		{"s3:GetObjectVersionForReplication", state.BucketArn + "/*"},
		{"s3:ReplicateObject", state.ReplicaArn + "/*"},
		{"s3:ReplicateDelete", state.ReplicaArn + "/*"},
	} {
		if len(find(tc.action, tc.resource)) != 1 {
			t.Errorf("replication role lacks %s on %s", tc.action, tc.resource)
		}
	}
	for _, tc := range []struct{ action, key, via, bucket string }{
		{"kms:Decrypt", state.BucketKeyArn, "s3.eu-west-1.amazonaws.com", state.BucketArn},
		{"kms:Encrypt", state.ReplicaKeyArn, "s3.eu-central-1.amazonaws.com", state.ReplicaArn},
	} {
		sts := find(tc.action, tc.key)
		var contexts []string
		for _, s := range sts {
			if s.Condition["StringEquals"]["kms:ViaService"] != tc.via {
				t.Errorf("%s: %s via %q, want %s", s.Sid, tc.action, s.Condition["StringEquals"]["kms:ViaService"], tc.via)
			}
			contexts = append(contexts, s.Condition["StringLike"]["kms:EncryptionContext:aws:s3:arn"])
		}
		if !slices.Equal(contexts, []string{tc.bucket, tc.bucket + "/*"}) {
			t.Errorf("%s on %s: encryption contexts %v", tc.action, tc.key, contexts)
		}
	}
	if got := ReplicationTrust().JSON(); !strings.Contains(got, `"Service":["s3.amazonaws.com"]`) || !strings.Contains(got, `"sts:AssumeRole"`) {
		t.Errorf("trust: %s", got)
	}
}

func TestBucketPolicyDeniesPlainHTTP(t *testing.T) {
	got := BucketPolicy(state.BucketArn).JSON()
	want := `{"Version":"2012-10-17","Statement":[{"Sid":"TLSOnly","Effect":"Deny","Principal":{"AWS":["*"]},"Action":["s3:*"],` +
		`"Resource":["arn:aws:s3:::gs-state","arn:aws:s3:::gs-state/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestKeyPolicyKeepsTheAccountAdmin(t *testing.T) {
	if got := KeyPolicy("111122223333").JSON(); !strings.Contains(got, `"Principal":{"AWS":["arn:aws:iam::111122223333:root"]},"Action":["kms:*"]`) {
		t.Errorf("key policy: %s", got)
	}
}
