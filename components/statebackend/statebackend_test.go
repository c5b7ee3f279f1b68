package statebackend_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/components/statebackend"
	"github.com/global-sovereign/global-sovereign/pkg/bootstrap"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

const (
	tBucket      = "aws:s3/bucketV2:BucketV2"
	tVersioning  = "aws:s3/bucketVersioningV2:BucketVersioningV2"
	tSSE         = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	tBlock       = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
	tOwnership   = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
	tPolicy      = "aws:s3/bucketPolicy:BucketPolicy"
	tLifecycle   = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
	tReplication = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
	tKey         = "aws:kms/key:Key"
	tAlias       = "aws:kms/alias:Alias"
	tRole        = "aws:iam/role:Role"
	tRolePolicy  = "aws:iam/rolePolicy:RolePolicy"
	tAttachment  = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	tOIDC        = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
)

const file = `accountId: "111122223333"
region: eu-west-1
replicaRegion: eu-central-1
noncurrentVersionDays: 45
github:
  repository: acme/global-sovereign
`

func config(t *testing.T, text string) *bootstrap.Config {
	t.Helper()
	c, err := bootstrap.Parse(bootstrap.FileName, []byte(text), bootstrap.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if ps := c.Validate(); len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	return c
}

// synthesize runs the bootstrap program under the synth mocks, which answer like AWS and fail
// what AWS refuses (no explicit provider, a key of another region, replication before
// versioning, a second OIDC provider for the same URL).
func synthesize(t *testing.T, c *bootstrap.Config) *synth.Graph {
	t.Helper()
	r, err := synth.Run(statebackend.Program(c), bootstrap.Stack, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r.Graph
}

type graph struct {
	*synth.Graph
	t *testing.T
}

func (g graph) one(typ, name string) synth.Resource {
	g.t.Helper()
	for _, r := range g.ByType(typ) {
		if r.Name == name {
			return r
		}
	}
	g.t.Fatalf("no %s named %s", typ, name)
	return synth.Resource{}
}

func (g graph) byURN(urn string) synth.Resource {
	for _, r := range g.Resources {
		if r.URN == urn {
			return r
		}
	}
	g.t.Fatalf("no resource %s", urn)
	return synth.Resource{}
}

// regionOf is the region of the explicit provider a resource uses.
func (g graph) regionOf(r synth.Resource) string {
	g.t.Helper()
	if r.Provider == "" {
		g.t.Fatalf("%s has no explicit provider", r.URN)
	}
	p := g.byURN(r.Provider)
	region, _ := p.Inputs["region"].(string)
	return region
}

type statement struct {
	Sid       string
	Effect    string
	Principal map[string][]string
	Action    []string
	Resource  []string
	Condition map[string]map[string]string
}

func policy(t *testing.T, text any) []statement {
	t.Helper()
	s, ok := text.(string)
	if !ok {
		t.Fatalf("policy is %T, not a JSON document", text)
	}
	var d struct{ Statement []statement }
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		t.Fatalf("%v: %s", err, s)
	}
	return d.Statement
}

func get(m map[string]any, path ...any) any {
	var v any = m
	for _, p := range path {
		switch k := p.(type) {
		case string:
			mm, _ := v.(map[string]any)
			v = mm[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func TestStateBuckets(t *testing.T) {
	c := config(t, file)
	g := graph{synthesize(t, c), t}
	for _, b := range []struct{ name, bucket, region, key string }{
		{"state-bucket", "gs-pulumi-state-111122223333-eu-west-1", "eu-west-1", "state-bucket-key"},
		{"state-replica", "gs-pulumi-state-111122223333-eu-central-1", "eu-central-1", "state-replica-key"},
	} {
		bucket := g.one(tBucket, b.name)
		if bucket.Inputs["bucket"] != b.bucket || bucket.Inputs["forceDestroy"] != false || !bucket.Protect {
			t.Errorf("%s: bucket %v, forceDestroy %v, protect %v", b.name, bucket.Inputs["bucket"], bucket.Inputs["forceDestroy"], bucket.Protect)
		}
		if got := g.regionOf(bucket); got != b.region {
			t.Errorf("%s is in %s, want %s", b.name, got, b.region)
		}
		key := g.one(tKey, b.key)
		if !key.Protect || key.Inputs["enableKeyRotation"] != true || g.regionOf(key) != b.region {
			t.Errorf("%s: protect %v, rotation %v, region %s", b.key, key.Protect, key.Inputs["enableKeyRotation"], g.regionOf(key))
		}
		// Every sub-resource configures this bucket, in its region.
		for _, typ := range []string{tVersioning, tSSE, tBlock, tOwnership, tPolicy, tLifecycle} {
			r := g.one(typ, b.name)
			if r.Inputs["bucket"] != b.bucket || g.regionOf(r) != b.region || !slices.Contains(r.DependsOn, bucket.URN) {
				t.Errorf("%s %s: bucket %v in %s, depends on the bucket %v", typ, b.name, r.Inputs["bucket"], g.regionOf(r), slices.Contains(r.DependsOn, bucket.URN))
			}
		}
		if got := get(g.one(tVersioning, b.name).Inputs, "versioningConfiguration", "status"); got != "Enabled" {
			t.Errorf("%s: versioning %v", b.name, got)
		}
		// SSE-KMS with this bucket's own key (the mocks answer the key's ARN).
		sse := g.one(tSSE, b.name).Inputs
		if get(sse, "rules", 0, "applyServerSideEncryptionByDefault", "sseAlgorithm") != "aws:kms" ||
			get(sse, "rules", 0, "applyServerSideEncryptionByDefault", "kmsMasterKeyId") != key.State["arn"] ||
			get(sse, "rules", 0, "bucketKeyEnabled") != true {
			t.Errorf("%s: encryption %v, want aws:kms with %v and bucket keys", b.name, sse["rules"], key.State["arn"])
		}
		block := g.one(tBlock, b.name).Inputs
		for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
			if block[k] != true {
				t.Errorf("%s: %s = %v", b.name, k, block[k])
			}
		}
		if got := get(g.one(tOwnership, b.name).Inputs, "rule", "objectOwnership"); got != "BucketOwnerEnforced" {
			t.Errorf("%s: ownership %v", b.name, got)
		}
		// TLS only: every request over plain HTTP is denied, on the bucket and its objects.
		pol := g.one(tPolicy, b.name)
		sts := policy(t, pol.Inputs["policy"])
		arn := "arn:aws:s3:::" + b.bucket
		if len(sts) != 1 || sts[0].Effect != "Deny" || !slices.Equal(sts[0].Principal["AWS"], []string{"*"}) ||
			!slices.Equal(sts[0].Action, []string{"s3:*"}) || !slices.Equal(sts[0].Resource, []string{arn, arn + "/*"}) ||
			sts[0].Condition["Bool"]["aws:SecureTransport"] != "false" {
			t.Errorf("%s: bucket policy %+v", b.name, sts)
		}
		if !slices.Contains(pol.DependsOn, g.one(tBlock, b.name).URN) {
			t.Errorf("%s: the policy does not wait for the public access block", b.name)
		}
		// Noncurrent versions kept, then expired after the configured days; versioning first.
		lc := g.one(tLifecycle, b.name)
		if get(lc.Inputs, "rules", 0, "noncurrentVersionExpiration", "noncurrentDays") != float64(45) ||
			get(lc.Inputs, "rules", 0, "status") != "Enabled" {
			t.Errorf("%s: lifecycle %v", b.name, lc.Inputs["rules"])
		}
		if !slices.Contains(lc.DependsOn, g.one(tVersioning, b.name).URN) {
			t.Errorf("%s: lifecycle does not wait for versioning", b.name)
		}
	}
}

func TestReplication(t *testing.T) {
	g := graph{synthesize(t, config(t, file)), t}
	r := g.one(tReplication, "state-replication")
	role := g.one(tRole, "state-replication")
	rules, _ := r.Inputs["rules"].([]any)
	if len(rules) != 1 || r.Inputs["bucket"] != "gs-pulumi-state-111122223333-eu-west-1" || r.Inputs["role"] != role.State["arn"] {
		t.Fatalf("replication: %v", r.Inputs)
	}
	rule, _ := rules[0].(map[string]any)
	replicaKey := g.one(tKey, "state-replica-key").State["arn"].(string)
	for path, want := range map[string]any{
		"status":                         "Enabled",
		"deleteMarkerReplication.status": "Enabled",
		"sourceSelectionCriteria.sseKmsEncryptedObjects.status": "Enabled",
		"destination.bucket": "arn:aws:s3:::gs-pulumi-state-111122223333-eu-central-1",
		"destination.encryptionConfiguration.replicaKmsKeyId": replicaKey,
	} {
		var keys []any
		for _, k := range strings.Split(path, ".") {
			keys = append(keys, k)
		}
		if got := get(rule, keys...); got != want {
			t.Errorf("replication rule %s = %v, want %v", path, got, want)
		}
	}
	if !strings.Contains(replicaKey, ":eu-central-1:") {
		t.Errorf("the replica key %s is not in the replica's region", replicaKey)
	}
	// AWS needs versioning on both buckets and the role's permissions before the configuration.
	for _, dep := range []synth.Resource{g.one(tVersioning, "state-bucket"), g.one(tVersioning, "state-replica"), g.one(tRolePolicy, "state-replication")} {
		if !slices.Contains(r.DependsOn, dep.URN) {
			t.Errorf("replication does not wait for %s", dep.URN)
		}
	}
	// Only S3 assumes the replication role, and its policy names both keys through S3 only.
	trust := policy(t, role.Inputs["assumeRolePolicy"])
	if len(trust) != 1 || !slices.Equal(trust[0].Principal["Service"], []string{"s3.amazonaws.com"}) {
		t.Errorf("replication trust %+v", trust)
	}
	text := g.one(tRolePolicy, "state-replication").Inputs["policy"].(string)
	for _, want := range []string{replicaKey, g.one(tKey, "state-bucket-key").State["arn"].(string), "s3.eu-west-1.amazonaws.com", "s3.eu-central-1.amazonaws.com"} {
		if !strings.Contains(text, want) {
			t.Errorf("replication policy lacks %s: %s", want, text)
		}
	}
}

// The roles trust GitHub's provider, with the audience STS and exactly the subjects of this
// repository's environments and workflow files: pr.yml in preview (on any PR's merge ref,
// StringLike) for the preview role, drift.yml on main in drift for the drift role, deploy.yml on
// main in production for deploy. No role carries ReadOnlyAccess or any managed policy.
func TestCIRoles(t *testing.T) {
	g := graph{synthesize(t, config(t, file)), t}
	oidc := g.one(tOIDC, "state-github")
	if oidc.Inputs["url"] != "https://token.actions.githubusercontent.com" ||
		!slices.Equal(get(oidc.Inputs, "clientIdLists").([]any), []any{"sts.amazonaws.com"}) {
		t.Errorf("OIDC provider %v", oidc.Inputs)
	}
	const wf = ":job_workflow_ref:acme/global-sovereign/.github/workflows/"
	for _, tc := range []struct {
		name, op string
		subjects []string
		session  float64
	}{
		{"state-ci-preview", "StringLike", []string{"repo:acme/global-sovereign:environment:preview" + wf + "pr.yml@refs/pull/*/merge"}, 3600},
		{"state-ci-drift", "StringEquals", []string{"repo:acme/global-sovereign:environment:drift" + wf + "drift.yml@refs/heads/main"}, 3600},
		{"state-ci-deploy", "StringEquals", []string{"repo:acme/global-sovereign:environment:production" + wf + "deploy.yml@refs/heads/main"}, 10800},
	} {
		role := g.one(tRole, tc.name)
		if !slices.Contains(role.DependsOn, oidc.URN) {
			t.Errorf("%s does not wait for the OIDC provider", tc.name)
		}
		if role.Inputs["maxSessionDuration"] != tc.session {
			t.Errorf("%s: session %v, want %v", tc.name, role.Inputs["maxSessionDuration"], tc.session)
		}
		var subjects []string
		for _, s := range policy(t, role.Inputs["assumeRolePolicy"]) {
			if s.Effect != "Allow" || !slices.Equal(s.Principal["Federated"], []string{oidc.State["arn"].(string)}) ||
				!slices.Equal(s.Action, []string{"sts:AssumeRoleWithWebIdentity"}) ||
				s.Condition["StringEquals"]["token.actions.githubusercontent.com:aud"] != "sts.amazonaws.com" {
				t.Errorf("%s: trust statement %+v", tc.name, s)
			}
			subjects = append(subjects, s.Condition[tc.op]["token.actions.githubusercontent.com:sub"])
		}
		if !slices.Equal(subjects, tc.subjects) {
			t.Errorf("%s trusts %v, want %v", tc.name, subjects, tc.subjects)
		}
	}
	if n := len(g.ByType(tAttachment)); n != 0 {
		t.Errorf("%d managed policies attached; the CI roles carry only their own", n)
	}
	// The preview and drift roles read the state and its secrets, and the stacks' read calls.
	preview := g.one(tRolePolicy, "state-ci-preview-reads").Inputs["policy"].(string)
	drift := g.one(tRolePolicy, "state-ci-drift-reads").Inputs["policy"].(string)
	for _, text := range []string{preview, drift} {
		for _, want := range []string{g.one(tKey, "state-secrets-key").State["arn"].(string), g.one(tKey, "state-bucket-key").State["arn"].(string),
			"ec2:DescribeVpcs", "eks:DescribeCluster", "rds:DescribeDBClusters"} {
			if !strings.Contains(text, want) {
				t.Errorf("read policy lacks %s", want)
			}
		}
		for _, s := range policy(t, text) {
			for _, a := range s.Action {
				_, op, _ := strings.Cut(a, ":")
				if a != "kms:Decrypt" && !strings.HasPrefix(op, "Get") && !strings.HasPrefix(op, "List") &&
					!strings.HasPrefix(op, "Describe") && !strings.HasPrefix(op, "View") {
					t.Errorf("read policy %s may %s", s.Sid, a)
				}
			}
		}
	}
	if strings.Contains(preview, "GetSecretValue") || !strings.Contains(drift, "GetSecretValue") {
		t.Errorf("secret values: the preview role must not read them, the drift role must (refresh of a secret version)")
	}
	deploy := g.one(tRolePolicy, "state-ci-deploy").Inputs["policy"].(string)
	for _, want := range []string{g.one(tRole, "state-ci-deploy").State["arn"].(string), g.one(tRole, "state-ci-preview").State["arn"].(string),
		g.one(tRole, "state-ci-drift").State["arn"].(string), oidc.State["arn"].(string)} {
		if !strings.Contains(deploy, want) {
			t.Errorf("the deploy policy does not guard %s", want)
		}
	}
}

// The secrets key is multi-Region, with a replica and the same alias in the replica's region:
// what the primary wrapped, the replica unwraps, so the state's replica stays readable when the
// primary region is lost. The read roles and the deploy guard name the replica too.
func TestSecretsKeyReplica(t *testing.T) {
	c := config(t, file)
	g := graph{synthesize(t, c), t}
	key := g.one(tKey, "state-secrets-key")
	if key.Inputs["multiRegion"] != true || !key.Protect {
		t.Errorf("secrets key %v protect=%v", key.Inputs, key.Protect)
	}
	for _, name := range []string{"state-bucket-key", "state-replica-key"} {
		if _, ok := g.one(tKey, name).Inputs["multiRegion"]; ok {
			t.Errorf("%s: multiRegion set; only the secrets key needs a replica", name)
		}
	}
	replica := g.one("aws:kms/replicaKey:ReplicaKey", "state-secrets-key-replica")
	if replica.Inputs["primaryKeyArn"] != key.State["arn"] || !replica.Protect || replica.Inputs["deletionWindowInDays"] != float64(30) {
		t.Errorf("replica %v protect=%v", replica.Inputs, replica.Protect)
	}
	if !strings.Contains(replica.Provider, "aws-eu-central-1") {
		t.Errorf("the replica is not in the replica region: %s", replica.Provider)
	}
	alias := g.one(tAlias, "state-secrets-key-replica-alias")
	if alias.Inputs["name"] != "alias/gs-pulumi-secrets" || alias.Inputs["targetKeyId"] != replica.State["keyId"] || !strings.Contains(alias.Provider, "aws-eu-central-1") {
		t.Errorf("replica alias %v %s", alias.Inputs, alias.Provider)
	}
	if g.Outputs[bootstrap.OutputSecretsReplicaProvider] != "awskms://alias/gs-pulumi-secrets?region=eu-central-1" {
		t.Errorf("replica provider output %v", g.Outputs[bootstrap.OutputSecretsReplicaProvider])
	}
	for _, p := range []string{"state-ci-preview-reads", "state-ci-drift-reads"} {
		if !strings.Contains(g.one(tRolePolicy, p).Inputs["policy"].(string), replica.State["arn"].(string)) {
			t.Errorf("%s cannot decrypt with the replica", p)
		}
	}
	if !strings.Contains(g.one(tRolePolicy, "state-ci-deploy").Inputs["policy"].(string), replica.State["arn"].(string)) {
		t.Errorf("the deploy guard does not cover the replica key")
	}
}

// Outputs, the secrets key alias, the default-provider ban and the deploy-order audit.
func TestProgram(t *testing.T) {
	c := config(t, file)
	g := graph{synthesize(t, c), t}
	for k, want := range map[string]string{
		bootstrap.OutputBackendURL:      c.BackendURL(),
		bootstrap.OutputSecretsProvider: c.SecretsProvider(),
		bootstrap.OutputBucket:          c.Bucket,
		bootstrap.OutputReplicaBucket:   c.ReplicaBucket,
		bootstrap.OutputPreviewRoleArn:  "arn:aws:iam::123456789012:role/gs-ci-preview",
		bootstrap.OutputDriftRoleArn:    "arn:aws:iam::123456789012:role/gs-ci-drift",
		bootstrap.OutputDeployRoleArn:   "arn:aws:iam::123456789012:role/gs-ci-deploy",
		bootstrap.OutputOIDCProviderArn: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
	} {
		if g.Outputs[k] != want {
			t.Errorf("output %s = %v, want %s", k, g.Outputs[k], want)
		}
	}
	alias := g.one(tAlias, "state-secrets-key-alias")
	if alias.Inputs["name"] != "alias/gs-pulumi-secrets" || alias.Inputs["targetKeyId"] != g.one(tKey, "state-secrets-key").State["keyId"] {
		t.Errorf("secrets alias %v", alias.Inputs)
	}
	for _, r := range g.Resources {
		if strings.HasPrefix(r.Type, "aws:") && r.Custom && r.Provider == "" {
			t.Errorf("%s uses the default provider", r.URN)
		}
		if r.Type == "pulumi:providers:aws" {
			if ids := get(r.Inputs, "allowedAccountIds"); !slices.Equal(ids.([]any), []any{"111122223333"}) {
				t.Errorf("%s allows %v", r.Name, ids)
			}
		}
	}
	for _, v := range synth.Audit(g.Graph) {
		t.Errorf("audit: %s", v)
	}
}

// An account that already has GitHub's OIDC provider reuses it: IAM allows one per URL.
func TestExistingOIDCProvider(t *testing.T) {
	arn := bootstrap.OIDCProviderArn("111122223333")
	g := graph{synthesize(t, config(t, strings.Replace(file, "  repository:", "  oidcProviderArn: "+arn+"\n  repository:", 1))), t}
	if n := len(g.ByType(tOIDC)); n != 0 {
		t.Errorf("%d OIDC providers declared", n)
	}
	for _, s := range policy(t, g.one(tRole, "state-ci-deploy").Inputs["assumeRolePolicy"]) {
		if !slices.Equal(s.Principal["Federated"], []string{arn}) {
			t.Errorf("deploy trusts %v", s.Principal)
		}
	}
}

// An account's existing GitHub provider is imported, kept on destroy, and its tags left as the
// account has them: an import whose inputs differ from what it reads fails (the providers'
// default tags are not on a provider made before the bootstrap).
func TestAdoptedOIDCProviderKeepsItsTags(t *testing.T) {
	c := config(t, file)
	c.AdoptOIDCProvider = true
	g := graph{synthesize(t, c), t}
	p := g.ByType(tOIDC)
	if len(p) != 1 || !slices.Contains(p[0].IgnoreChanges, "tags") || !slices.Contains(p[0].IgnoreChanges, "tagsAll") {
		t.Fatalf("adopted provider %v", p)
	}
}
