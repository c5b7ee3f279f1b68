// Package bootstrap is the SDK-free half of `sovereign bootstrap`: the config of the state
// backend and CI identity (bootstrap.yaml), its validation, the names and URLs derived from it,
// and every IAM, KMS and S3 policy document the bootstrap program attaches. The Pulumi side is
// components/statebackend; the state move is pkg/orchestrate/autoengine (Bootstrap).
package bootstrap

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/regions"
)

// FileName is the bootstrap config file in the project directory.
const FileName = "bootstrap.yaml"

// Project and Stack name the bootstrap's own Pulumi stack. It is a project of its own, so its
// state sits beside the fleet's in the bucket without ever being listed among the fleet's stacks.
const (
	Project = "global-sovereign-bootstrap"
	Stack   = "bootstrap"
)

// GitHubOIDCHost is the issuer of GitHub Actions' OIDC tokens; Audience is what
// aws-actions/configure-aws-credentials requests.
const (
	GitHubOIDCHost = "token.actions.githubusercontent.com"
	Audience       = "sts.amazonaws.com"
)

// Config is bootstrap.yaml with its defaults applied.
type Config struct {
	// AccountID is the AWS account everything is created in; both providers refuse any other.
	AccountID string `json:"accountId"`
	// Region holds the state bucket and the secrets key; ReplicaRegion the replica bucket.
	Region        string `json:"region"`
	ReplicaRegion string `json:"replicaRegion"`
	// Bucket and ReplicaBucket default to <namePrefix>-pulumi-state-<accountId>-<region>.
	Bucket        string `json:"bucket"`
	ReplicaBucket string `json:"replicaBucket"`
	// NamePrefix starts the names of the roles and key aliases (default gs).
	NamePrefix string `json:"namePrefix"`
	// SecretsKeyAlias is the alias of the key that encrypts stack secrets, without alias/.
	SecretsKeyAlias string `json:"secretsKeyAlias"`
	// NoncurrentVersionDays is how long an overwritten or deleted state object is kept.
	NoncurrentVersionDays int `json:"noncurrentVersionDays"`
	// Protect puts pulumi.Protect on the buckets and keys (default true).
	Protect *bool `json:"protect"`
	// GitHub is who may assume the CI roles.
	GitHub GitHub `json:"github"`

	// AdoptOIDCProvider is set by `sovereign bootstrap`, not the file: the account already has
	// GitHub's OIDC provider (IAM allows one per URL), so the program imports it instead of
	// creating it, and never deletes it.
	AdoptOIDCProvider bool `json:"-"`

	doc *config.Document
}

// GitHub configures the OIDC trust of the three CI roles.
type GitHub struct {
	// Repository is owner/name, exactly as GitHub spells it (the sub claim is case-sensitive).
	Repository string `json:"repository"`
	// OIDCProviderArn reuses the account's existing provider for token.actions.githubusercontent.com
	// (IAM allows one per URL); empty: the bootstrap creates it.
	OIDCProviderArn string `json:"oidcProviderArn"`
	// PreviewEnvironments may assume the preview role, from pr.yml only (default preview).
	PreviewEnvironments []string `json:"previewEnvironments"`
	// DriftEnvironment may assume the drift role, from drift.yml on the main branch only
	// (default drift).
	DriftEnvironment string `json:"driftEnvironment"`
	// DeployEnvironment may assume the deploy role (default production).
	DeployEnvironment string `json:"deployEnvironment"`
	// DeploySessionSeconds is the deploy role's MaxSessionDuration (default 10800, deploy.yml's
	// role-duration-seconds).
	DeploySessionSeconds int `json:"deploySessionSeconds"`
}

// Defaults.
const (
	DefaultNamePrefix            = "gs"
	DefaultNoncurrentVersionDays = 90
	DefaultDeployEnvironment     = "production"
	DefaultDeploySessionSeconds  = 10800
)

// DefaultPreviewEnvironments are the environments of pr.yml's preview job.
var DefaultPreviewEnvironments = []string{"preview"}

// DefaultDriftEnvironment is the environment of drift.yml's job.
const DefaultDriftEnvironment = "drift"

// The workflow files each role trusts, and the branch deploy and drift run from. A role trusts
// a job only when GitHub's token names both its environment and the workflow file it runs
// (the job_workflow_ref claim), so a workflow a branch adds or edits cannot present the
// subject of another, whatever protection its environment has or lacks.
const (
	PreviewWorkflow = "pr.yml"
	DeployWorkflow  = "deploy.yml"
	DriftWorkflow   = "drift.yml"
	MainRef         = "refs/heads/main"
	// PullRequestRef is what job_workflow_ref ends with in a pull_request run: GitHub's merge
	// ref of the PR (refs/pull/<number>/merge), the only part of a preview subject that varies.
	PullRequestRef = "refs/pull/*/merge"
)

// SubjectClaimKeys is the repository's OIDC subject template (GitHub REST API, PUT
// /repos/{owner}/{repo}/actions/oidc/customization/sub): the sub claim becomes
// repo:<owner>/<repo>:environment:<env>:job_workflow_ref:<owner>/<repo>/.github/workflows/<file>@<ref>
// ("OpenID Connect reference", customizing the subject claims, the repo + context +
// job_workflow_ref example).
var SubjectClaimKeys = []string{"repo", "context", "job_workflow_ref"}

// Overrides are the command line's values, which win over the file's.
type Overrides struct {
	Region string // --region
	Bucket string // --bucket
}

// Load reads dir/bootstrap.yaml, applies the overrides and the defaults, and validates it. Every
// problem is reported at once, with file, line, key and what is allowed.
func Load(dir string, o Overrides) (*Config, error) {
	data, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		return nil, config.Problems{{File: FileName, Msg: err.Error() + " (sovereign bootstrap reads its settings from this file)"}}
	}
	c, err := Parse(FileName, data, o)
	if err != nil {
		return nil, err
	}
	return c, c.Validate().Err()
}

// Parse decodes a bootstrap file and applies the overrides and defaults, without validating.
func Parse(file string, data []byte, o Overrides) (*Config, error) {
	c := &Config{}
	doc, err := config.DecodeDocument(file, data, c)
	if err != nil {
		return nil, err
	}
	c.doc = doc
	if o.Region != "" {
		c.Region = o.Region
	}
	if o.Bucket != "" {
		c.Bucket = o.Bucket
	}
	c.applyDefaults()
	return c, nil
}

func (c *Config) applyDefaults() {
	if c.NamePrefix == "" {
		c.NamePrefix = DefaultNamePrefix
	}
	if c.Bucket == "" && c.AccountID != "" && c.Region != "" {
		c.Bucket = fmt.Sprintf("%s-pulumi-state-%s-%s", c.NamePrefix, c.AccountID, c.Region)
	}
	if c.ReplicaBucket == "" && c.AccountID != "" && c.ReplicaRegion != "" {
		c.ReplicaBucket = fmt.Sprintf("%s-pulumi-state-%s-%s", c.NamePrefix, c.AccountID, c.ReplicaRegion)
	}
	if c.SecretsKeyAlias == "" {
		c.SecretsKeyAlias = c.NamePrefix + "-pulumi-secrets"
	}
	if c.NoncurrentVersionDays == 0 {
		c.NoncurrentVersionDays = DefaultNoncurrentVersionDays
	}
	if c.Protect == nil {
		t := true
		c.Protect = &t
	}
	if c.GitHub.PreviewEnvironments == nil {
		c.GitHub.PreviewEnvironments = append([]string(nil), DefaultPreviewEnvironments...)
	}
	if c.GitHub.DriftEnvironment == "" {
		c.GitHub.DriftEnvironment = DefaultDriftEnvironment
	}
	if c.GitHub.DeployEnvironment == "" {
		c.GitHub.DeployEnvironment = DefaultDeployEnvironment
	}
	if c.GitHub.DeploySessionSeconds == 0 {
		c.GitHub.DeploySessionSeconds = DefaultDeploySessionSeconds
	}
}

var (
	accountRE     = regexp.MustCompile(`^[0-9]{12}$`)
	prefixRE      = regexp.MustCompile(`^[a-z][a-z0-9-]{0,19}$`)
	aliasRE       = regexp.MustCompile(`^[A-Za-z0-9/_-]{1,200}$`)
	repoRE        = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$`)
	environmentRE = regexp.MustCompile(`^[A-Za-z0-9._ -]{1,255}$`)
	bucketRE      = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)
)

// Validate returns every problem with the config.
func (c *Config) Validate() config.Problems {
	var ps config.Problems
	bad := func(path, format string, args ...any) {
		ps = append(ps, c.doc.Problem(path, format, args...))
	}
	switch {
	case c.AccountID == "":
		bad("accountId", "missing; the 12-digit id of the AWS account that holds the state and the CI roles (aws sts get-caller-identity)")
	case !accountRE.MatchString(c.AccountID):
		bad("accountId", "%q is not an AWS account id; want 12 digits, quoted", c.AccountID)
	}
	checkRegion := func(key, r string) bool {
		if r == "" {
			bad(key, "missing; an AWS region, e.g. eu-west-1")
			return false
		}
		if _, ok := regions.Lookup(r); !ok {
			bad(key, "%q is not a known AWS region; allowed: %s", r, strings.Join(regions.Names(), ", "))
			return false
		}
		return true
	}
	if checkRegion("region", c.Region) && checkRegion("replicaRegion", c.ReplicaRegion) && c.Region == c.ReplicaRegion {
		bad("replicaRegion", "%s is the state bucket's region; the replica must be in another region to survive the loss of %s", c.ReplicaRegion, c.Region)
	}
	if !prefixRE.MatchString(c.NamePrefix) {
		bad("namePrefix", "%q: want 1-20 lowercase letters, digits or hyphens, starting with a letter", c.NamePrefix)
	}
	if c.Bucket != "" {
		if msg := bucketProblem(c.Bucket); msg != "" {
			bad("bucket", "%q %s", c.Bucket, msg)
		}
	}
	if c.ReplicaBucket != "" {
		if msg := bucketProblem(c.ReplicaBucket); msg != "" {
			bad("replicaBucket", "%q %s", c.ReplicaBucket, msg)
		} else if c.ReplicaBucket == c.Bucket {
			bad("replicaBucket", "%q is the state bucket itself; bucket names are global, the replica needs its own", c.ReplicaBucket)
		}
	}
	switch {
	case strings.HasPrefix(c.SecretsKeyAlias, "alias/"):
		bad("secretsKeyAlias", "%q: write the alias without the alias/ prefix", c.SecretsKeyAlias)
	case strings.HasPrefix(strings.ToLower(c.SecretsKeyAlias), "aws"):
		bad("secretsKeyAlias", "%q: aliases starting with aws are reserved for AWS managed keys", c.SecretsKeyAlias)
	case !aliasRE.MatchString(c.SecretsKeyAlias):
		bad("secretsKeyAlias", "%q: want letters, digits, /, _ or -", c.SecretsKeyAlias)
	}
	if d := c.NoncurrentVersionDays; d < 1 || d > 3650 {
		bad("noncurrentVersionDays", "%d is out of range; allowed: 1-3650 days", d)
	}
	c.validateGitHub(bad)
	return ps
}

func (c *Config) validateGitHub(bad func(path, format string, args ...any)) {
	g := c.GitHub
	switch {
	case g.Repository == "":
		bad("github.repository", "missing; the repository whose workflows may assume the CI roles, as owner/name (e.g. acme/global-sovereign)")
	case strings.ContainsAny(g.Repository, "*?"):
		bad("github.repository", "%q: wildcards are refused; a pattern would let other repositories assume the roles", g.Repository)
	case !repoRE.MatchString(g.Repository):
		bad("github.repository", "%q is not owner/name", g.Repository)
	}
	if g.OIDCProviderArn != "" && c.AccountID != "" {
		want := OIDCProviderArn(c.AccountID)
		if g.OIDCProviderArn != want {
			bad("github.oidcProviderArn", "%q: want the account's provider for %s, %s (or leave it empty to create it)", g.OIDCProviderArn, GitHubOIDCHost, want)
		}
	}
	if len(g.PreviewEnvironments) == 0 {
		bad("github.previewEnvironments", "empty; at least the environment of pr.yml's preview job (preview)")
	}
	seen := map[string]bool{}
	for i, e := range g.PreviewEnvironments {
		path := fmt.Sprintf("github.previewEnvironments[%d]", i)
		switch {
		case !environmentRE.MatchString(e):
			bad(path, "%q is not a GitHub environment name (letters, digits, space, ., _ or -)", e)
		case seen[e]:
			bad(path, "%q appears twice", e)
		case e == g.DeployEnvironment:
			bad(path, "%q is the deploy environment; a job there would get the preview role too", e)
		case e == g.DriftEnvironment:
			bad(path, "%q is the drift environment; each role has environments of its own", e)
		}
		seen[e] = true
	}
	switch {
	case !environmentRE.MatchString(g.DriftEnvironment):
		bad("github.driftEnvironment", "%q is not a GitHub environment name (letters, digits, space, ., _ or -)", g.DriftEnvironment)
	case g.DriftEnvironment == g.DeployEnvironment:
		bad("github.driftEnvironment", "%q is the deploy environment; drift runs unattended and must never hold the deploy role", g.DriftEnvironment)
	}
	if !environmentRE.MatchString(g.DeployEnvironment) {
		bad("github.deployEnvironment", "%q is not a GitHub environment name (letters, digits, space, ., _ or -)", g.DeployEnvironment)
	}
	if s := g.DeploySessionSeconds; s < 3600 || s > 43200 {
		bad("github.deploySessionSeconds", "%d is out of range; IAM allows a MaxSessionDuration of 3600-43200 seconds", s)
	}
}

// bucketProblem says what is wrong with an S3 bucket name for the state, or "".
func bucketProblem(name string) string {
	switch {
	case len(name) < 3 || len(name) > 63:
		return "is not 3-63 characters long"
	case strings.Contains(name, "."):
		return "contains a dot; dotted names break HTTPS to the bucket's virtual host, use hyphens"
	case !bucketRE.MatchString(name):
		return "is not a valid bucket name: lowercase letters, digits and hyphens, starting and ending with a letter or digit"
	case strings.Contains(name, "--"):
		return "contains two hyphens in a row"
	case strings.HasPrefix(name, "xn--") || strings.HasPrefix(name, "sthree-") || strings.HasPrefix(name, "amzn-s3-demo-"):
		return "starts with a prefix S3 reserves"
	case strings.HasSuffix(name, "-s3alias") || strings.HasSuffix(name, "--ol-s3") || strings.HasSuffix(name, "--x-s3"):
		return "ends with a suffix S3 reserves"
	}
	return ""
}

// Protected reports whether the buckets and keys are pulumi.Protect-ed.
func (c *Config) Protected() bool { return c.Protect == nil || *c.Protect }

// BackendURL is what `pulumi login` takes for the state bucket.
func (c *Config) BackendURL() string {
	return fmt.Sprintf("s3://%s?region=%s&awssdk=v2", c.Bucket, c.Region)
}

// SecretsProvider is the --secrets-provider of every stack on that backend.
func (c *Config) SecretsProvider() string {
	return fmt.Sprintf("awskms://alias/%s?region=%s", c.SecretsKeyAlias, c.Region)
}

// RoleName names the CI roles: <prefix>-ci-preview, <prefix>-ci-drift, <prefix>-ci-deploy.
func (c *Config) RoleName(which string) string { return c.NamePrefix + "-ci-" + which }

// Subject is the sub claim of a GitHub Actions job of this repository in environment env,
// running the workflow file at ref, under the subject template SubjectClaimKeys. A ref may end
// in a wildcard (PullRequestRef): the role's trust then matches it with StringLike.
func (c *Config) Subject(env, workflow, ref string) string {
	repo := c.GitHub.Repository
	return "repo:" + repo + ":environment:" + env + ":job_workflow_ref:" + repo + "/.github/workflows/" + workflow + "@" + ref
}

// PreviewSubjects are the subjects the preview role trusts: pr.yml in a preview environment,
// on a pull request's merge ref.
func (c *Config) PreviewSubjects() []string {
	out := make([]string, len(c.GitHub.PreviewEnvironments))
	for i, e := range c.GitHub.PreviewEnvironments {
		out[i] = c.Subject(e, PreviewWorkflow, PullRequestRef)
	}
	return out
}

// DriftSubject is the only subject the drift role trusts: drift.yml on main in its environment.
func (c *Config) DriftSubject() string {
	return c.Subject(c.GitHub.DriftEnvironment, DriftWorkflow, MainRef)
}

// DeploySubject is the only subject the deploy role trusts: deploy.yml on main in production.
func (c *Config) DeploySubject() string {
	return c.Subject(c.GitHub.DeployEnvironment, DeployWorkflow, MainRef)
}

// SubjectsOf returns the subjects a role (preview, drift or deploy) trusts.
func (c *Config) SubjectsOf(role string) []string {
	switch role {
	case "preview":
		return c.PreviewSubjects()
	case "drift":
		return []string{c.DriftSubject()}
	case "deploy":
		return []string{c.DeploySubject()}
	}
	return nil
}

// Trusts reports whether the role trusts a token with subject sub, matching as IAM does:
// StringEquals, or StringLike for a subject with a wildcard (where * matches any characters).
func (c *Config) Trusts(role, sub string) bool {
	for _, want := range c.SubjectsOf(role) {
		if SubjectMatches(want, sub) {
			return true
		}
	}
	return false
}

// SubjectMatches is IAM's StringLike for a pattern whose only wildcard is * (StringEquals
// without one).
func SubjectMatches(pattern, sub string) bool {
	if !strings.Contains(pattern, "*") {
		return pattern == sub
	}
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(sub, parts[0]) {
		return false
	}
	rest := sub[len(parts[0]):]
	for i, p := range parts[1:] {
		last := i == len(parts)-2
		if last {
			return strings.HasSuffix(rest, p) && len(rest) >= len(p)
		}
		j := strings.Index(rest, p)
		if j < 0 {
			return false
		}
		rest = rest[j+len(p):]
	}
	return true
}

// OIDCProviderArn is the ARN IAM gives the GitHub provider in an account.
func OIDCProviderArn(account string) string {
	return "arn:aws:iam::" + account + ":oidc-provider/" + GitHubOIDCHost
}
