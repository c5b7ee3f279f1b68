package bootstrap

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const valid = `# test
accountId: "111122223333"
region: eu-west-1
replicaRegion: eu-central-1
github:
  repository: acme/global-sovereign
`

func parse(t *testing.T, text string, o Overrides) *Config {
	t.Helper()
	c, err := Parse(FileName, []byte(text), o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDefaults(t *testing.T) {
	c := parse(t, valid, Overrides{})
	if ps := c.Validate(); len(ps) > 0 {
		t.Fatal(ps)
	}
	for got, want := range map[string]string{
		c.Bucket:             "gs-pulumi-state-111122223333-eu-west-1",
		c.ReplicaBucket:      "gs-pulumi-state-111122223333-eu-central-1",
		c.BackendURL():       "s3://gs-pulumi-state-111122223333-eu-west-1?region=eu-west-1&awssdk=v2",
		c.SecretsProvider():  "awskms://alias/gs-pulumi-secrets?region=eu-west-1",
		c.RoleName("deploy"): "gs-ci-deploy",
		c.DeploySubject():    "repo:acme/global-sovereign:environment:production:job_workflow_ref:acme/global-sovereign/.github/workflows/deploy.yml@refs/heads/main",
		c.DriftSubject():     "repo:acme/global-sovereign:environment:drift:job_workflow_ref:acme/global-sovereign/.github/workflows/drift.yml@refs/heads/main",
		c.RoleName("drift"):  "gs-ci-drift",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	if got := c.PreviewSubjects(); !slices.Equal(got, []string{
		"repo:acme/global-sovereign:environment:preview:job_workflow_ref:acme/global-sovereign/.github/workflows/pr.yml@refs/pull/*/merge"}) {
		t.Errorf("preview subjects %v", got)
	}
}

// A role trusts a job only when the token names its environment and its workflow file at the
// expected ref: the same environment from another workflow file (one a branch adds), another
// ref of deploy.yml (a branch), or the default subject (no template set) is trusted by no role.
func TestTrustsTheWorkflowNotOnlyTheEnvironment(t *testing.T) {
	c := parse(t, valid, Overrides{})
	const repo = "repo:acme/global-sovereign"
	const wf = ":job_workflow_ref:acme/global-sovereign/.github/workflows/"
	for _, tc := range []struct {
		role, sub string
		want      bool
	}{
		{"deploy", repo + ":environment:production" + wf + "deploy.yml@refs/heads/main", true},
		{"deploy", repo + ":environment:production" + wf + "evil.yml@refs/heads/main", false},
		{"deploy", repo + ":environment:production" + wf + "deploy.yml@refs/heads/feature", false},
		{"deploy", repo + ":environment:production", false},
		{"drift", repo + ":environment:drift" + wf + "drift.yml@refs/heads/main", true},
		{"drift", repo + ":environment:drift" + wf + "pr.yml@refs/pull/7/merge", false},
		{"preview", repo + ":environment:preview" + wf + "pr.yml@refs/pull/7/merge", true},
		{"preview", repo + ":environment:preview" + wf + "pr.yml@refs/pull/1234/merge", true},
		{"preview", repo + ":environment:preview" + wf + "pr.yml@refs/heads/main", false},
		{"preview", repo + ":environment:preview" + wf + "other.yml@refs/pull/7/merge", false},
		{"preview", repo + ":environment:production" + wf + "deploy.yml@refs/heads/main", false},
		{"preview", "repo:acme/global-sovereign-fork:environment:preview" + wf + "pr.yml@refs/pull/7/merge", false},
		{"deploy", repo + ":environment:preview" + wf + "pr.yml@refs/pull/7/merge", false},
	} {
		if got := c.Trusts(tc.role, tc.sub); got != tc.want {
			t.Errorf("%s trusts %s: %v, want %v", tc.role, tc.sub, got, tc.want)
		}
	}
	if !c.Protected() || c.NoncurrentVersionDays != 90 || c.GitHub.DeploySessionSeconds != 10800 {
		t.Errorf("defaults: protect %v, days %d, session %d", c.Protected(), c.NoncurrentVersionDays, c.GitHub.DeploySessionSeconds)
	}
}

// The command line's --region and --bucket win over the file, and the replica's default name
// follows.
func TestOverrides(t *testing.T) {
	c := parse(t, valid, Overrides{Region: "us-east-1", Bucket: "acme-state"})
	if c.Region != "us-east-1" || c.Bucket != "acme-state" || !strings.HasSuffix(c.BackendURL(), "?region=us-east-1&awssdk=v2") {
		t.Errorf("overrides not applied: %s %s %s", c.Region, c.Bucket, c.BackendURL())
	}
	if ps := c.Validate(); len(ps) > 0 {
		t.Error(ps)
	}
	// A region override equal to the replica's region is caught like the file's own value.
	c = parse(t, valid, Overrides{Region: "eu-central-1"})
	if got := c.Validate().Error(); !strings.Contains(got, "replicaRegion: eu-central-1 is the state bucket's region") {
		t.Errorf("got %q", got)
	}
}

// Each bad value is reported with file, line, key path, the value and what is allowed.
func TestProblems(t *testing.T) {
	for _, tc := range []struct{ name, old, new, want string }{
		{"account", `accountId: "111122223333"`, `accountId: "1234"`,
			`bootstrap.yaml:2: accountId: "1234" is not an AWS account id; want 12 digits, quoted`},
		{"account missing", `accountId: "111122223333"`, ``,
			`bootstrap.yaml: accountId: missing; the 12-digit id of the AWS account`},
		{"account as a number", `accountId: "111122223333"`, `accountId: 111122223333`,
			`bootstrap.yaml:2: accountId: want a string, got number 111122223333 (quote it)`},
		{"region", `region: eu-west-1`, `region: eu-west-9`,
			`bootstrap.yaml:3: region: "eu-west-9" is not a known AWS region; allowed: af-south-1,`},
		{"same region", `replicaRegion: eu-central-1`, `replicaRegion: eu-west-1`,
			`bootstrap.yaml:4: replicaRegion: eu-west-1 is the state bucket's region`},
		{"unknown key", `region: eu-west-1`, "region: eu-west-1\nregoin: x",
			`bootstrap.yaml:4: regoin: unknown key (did you mean "region"?); allowed keys: accountId, region,`},
		{"dotted bucket", `region: eu-west-1`, "region: eu-west-1\nbucket: acme.state",
			`bootstrap.yaml:4: bucket: "acme.state" contains a dot`},
		{"uppercase bucket", `region: eu-west-1`, "region: eu-west-1\nbucket: Acme-State",
			`bootstrap.yaml:4: bucket: "Acme-State" is not a valid bucket name`},
		{"replica is the bucket", `region: eu-west-1`, "region: eu-west-1\nbucket: acme-state\nreplicaBucket: acme-state",
			`bootstrap.yaml:5: replicaBucket: "acme-state" is the state bucket itself`},
		{"alias prefix", `region: eu-west-1`, "region: eu-west-1\nsecretsKeyAlias: alias/x",
			`bootstrap.yaml:4: secretsKeyAlias: "alias/x": write the alias without the alias/ prefix`},
		{"days", `region: eu-west-1`, "region: eu-west-1\nnoncurrentVersionDays: 0",
			``}, // 0 is "unset": the default applies
		{"days out of range", `region: eu-west-1`, "region: eu-west-1\nnoncurrentVersionDays: 4000",
			`bootstrap.yaml:4: noncurrentVersionDays: 4000 is out of range; allowed: 1-3650 days`},
		{"wildcard repository", `repository: acme/global-sovereign`, `repository: acme/*`,
			`bootstrap.yaml:6: github.repository: "acme/*": wildcards are refused`},
		{"repository without owner", `repository: acme/global-sovereign`, `repository: global-sovereign`,
			`bootstrap.yaml:6: github.repository: "global-sovereign" is not owner/name`},
		{"foreign OIDC provider", `repository: acme/global-sovereign`, "repository: acme/global-sovereign\n  oidcProviderArn: arn:aws:iam::999999999999:oidc-provider/token.actions.githubusercontent.com",
			`bootstrap.yaml:7: github.oidcProviderArn: "arn:aws:iam::999999999999:oidc-provider/token.actions.githubusercontent.com": want the account's provider for token.actions.githubusercontent.com, arn:aws:iam::111122223333:oidc-provider/`},
		{"preview in production", `repository: acme/global-sovereign`, "repository: acme/global-sovereign\n  previewEnvironments: [preview, production]",
			`bootstrap.yaml:7: github.previewEnvironments[1]: "production" is the deploy environment`},
		{"no preview environment", `repository: acme/global-sovereign`, "repository: acme/global-sovereign\n  previewEnvironments: []",
			`bootstrap.yaml:7: github.previewEnvironments: empty`},
		{"environment with a colon", `repository: acme/global-sovereign`, "repository: acme/global-sovereign\n  deployEnvironment: \"prod:*\"",
			`bootstrap.yaml:7: github.deployEnvironment: "prod:*" is not a GitHub environment name`},
		{"session", `repository: acme/global-sovereign`, "repository: acme/global-sovereign\n  deploySessionSeconds: 50000",
			`bootstrap.yaml:7: github.deploySessionSeconds: 50000 is out of range; IAM allows a MaxSessionDuration of 3600-43200 seconds`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(valid, tc.old) {
				t.Fatalf("the valid file lacks %q", tc.old)
			}
			text := strings.Replace(valid, tc.old, tc.new, 1)
			c, err := Parse(FileName, []byte(text), Overrides{})
			var got string
			if err != nil {
				got = err.Error()
			} else if ps := c.Validate(); len(ps) > 0 {
				got = ps.Err().Error()
			}
			if tc.want == "" {
				if got != "" {
					t.Errorf("unexpected problems: %s", got)
				}
				return
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestLoadReportsAMissingFile(t *testing.T) {
	_, err := Load(t.TempDir(), Overrides{})
	if err == nil || !strings.Contains(err.Error(), "bootstrap.yaml: ") {
		t.Errorf("got %v", err)
	}
}

// The committed bootstrap.yaml parses; until a person sets the account and the repository
// (bootstrap refuses to run before) those two are its only problems.
func TestCommittedFile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", FileName))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(FileName, data, Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range c.Validate() {
		if !(p.Path == "accountId" || p.Path == "github.repository") || !strings.HasPrefix(p.Msg, "missing;") {
			t.Errorf("committed file: %s", p)
		}
	}
}

// The placeholders, as committed: exactly the two values to set are reported.
func TestPlaceholders(t *testing.T) {
	c := parse(t, "accountId: \"\"\nregion: eu-west-1\nreplicaRegion: eu-central-1\ngithub:\n  repository: \"\"\n", Overrides{})
	got := c.Validate().Err().Error()
	want := "bootstrap.yaml:1: accountId: missing; the 12-digit id of the AWS account that holds the state and the CI roles (aws sts get-caller-identity)\n" +
		"bootstrap.yaml:5: github.repository: missing; the repository whose workflows may assume the CI roles, as owner/name (e.g. acme/global-sovereign)"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
