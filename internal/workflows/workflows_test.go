package workflows

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/pkg/bootstrap"
)

const (
	prYML       = "../../.github/workflows/pr.yml"
	deployYML   = "../../.github/workflows/deploy.yml"
	driftYML    = "../../.github/workflows/drift.yml"
	securityDoc = "../../docs/security.md"
)

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ruleNames: the distinct rules broken, sorted.
func ruleNames(vs []Violation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Rule)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func checkerFor(path string) func([]byte) ([]Violation, error) {
	switch path {
	case deployYML:
		return CheckDeploy
	case driftYML:
		return CheckDrift
	}
	return CheckPR
}

// The committed workflows follow every rule; the pr.yml they replaced (testdata) breaks every
// pr rule: its preview job ran the PR's code with the passphrase and the AWS role, no
// environment, for every PR; no access token; no graph diff for forks.
func TestWorkflows(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		want       []string
	}{
		{"pr.yml", prYML, nil},
		{"deploy.yml", deployYML, nil},
		{"drift.yml", driftYML, nil},
		{"old pr.yml", "testdata/pr-old.yml", []string{
			RulePinnedActions, RulePRGraphDiff, RulePRPreviewEnvironment, RulePRUntrustedJobClean,
			RuleSecretsNeedEnvironment, RuleSovereignBackendEnv,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vs, err := checkerFor(tc.path)([]byte(read(t, tc.path)))
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vs {
				t.Log(v)
			}
			if got := ruleNames(vs); !slices.Equal(got, tc.want) {
				t.Errorf("broken rules %v, want %v", got, tc.want)
			}
		})
	}
}

// Each rule catches the regression it exists for: one edit to a committed workflow each.
func TestRulesCatchRegressions(t *testing.T) {
	for _, tc := range []struct {
		name, path, old, new string
		want                 []string
	}{
		{"preview outside the environment", prYML,
			"    environment: preview\n", "",
			[]string{RulePRPreviewEnvironment, RuleSecretsNeedEnvironment}},
		{"preview for forks too", prYML,
			"    if: github.event.pull_request.head.repo.full_name == github.repository\n", "",
			[]string{RulePRPreviewEnvironment, RulePRUntrustedJobClean}},
		{"preview guard or-ed away", prYML,
			"== github.repository\n", "== github.repository || true\n",
			[]string{RulePRPreviewEnvironment, RulePRUntrustedJobClean}},
		{"a secret in the job every PR gets", prYML,
			"      - run: make test\n", "      - run: make test\n        env:\n          T: ${{ secrets.NPM_TOKEN }}\n",
			[]string{RulePRPreviewEnvironment, RulePRUntrustedJobClean, RuleSecretsNeedEnvironment}},
		{"GITHUB_TOKEN is not a secret here", prYML,
			"      - run: make test\n", "      - run: make test\n        env:\n          GH_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n",
			nil},
		{"id-token for every job", prYML,
			"permissions:\n  contents: read\n", "permissions:\n  contents: read\n  id-token: write\n",
			[]string{RulePRPreviewEnvironment, RulePRUntrustedJobClean, RuleSecretsNeedEnvironment}},
		{"secrets in the workflow env", prYML,
			"\njobs:\n", "\nenv:\n  X: ${{ secrets.PULUMI_CONFIG_PASSPHRASE }}\n\njobs:\n",
			[]string{RulePRPreviewEnvironment, RulePRUntrustedJobClean, RuleSecretsNeedEnvironment}},
		{"preview without the access token", prYML,
			"          PULUMI_ACCESS_TOKEN: ${{ secrets.PULUMI_ACCESS_TOKEN }}\n", "",
			[]string{RuleSovereignBackendEnv}},
		{"no graph diff", prYML,
			"git worktree add", "git checkout",
			[]string{RulePRGraphDiff}},
		{"shallow checkout", prYML,
			"fetch-depth: 2", "fetch-depth: 1",
			[]string{RulePRGraphDiff}},
		{"deploy without the passphrase", deployYML,
			"          PULUMI_CONFIG_PASSPHRASE: ${{ secrets.PULUMI_CONFIG_PASSPHRASE }}\n", "",
			[]string{RuleSovereignBackendEnv}},
		{"deploy outside an environment", deployYML,
			"    environment: production\n", "",
			[]string{RuleDeployProduction, RuleSecretsNeedEnvironment}},
		{"deploy in another environment", deployYML,
			"environment: production", "environment: staging",
			[]string{RuleDeployProduction}},
		{"deploy from any branch", deployYML,
			"    if: github.ref == 'refs/heads/main'\n", "",
			[]string{RuleDeployProduction}},
		{"deploy cancelled half-way", deployYML,
			"cancel-in-progress: false", "cancel-in-progress: true",
			[]string{RuleDeployProduction}},
		{"deploy job cancelled half-way", deployYML,
			"      group: sovereign-state\n      cancel-in-progress: false\n", "      group: sovereign-state\n      cancel-in-progress: true\n",
			[]string{RuleDeployProduction}},
		{"session beyond AWS's maximum", deployYML,
			"role-duration-seconds: 10800", "role-duration-seconds: 50000",
			[]string{RuleDeployProduction}},
		{"session shorter than the job", deployYML,
			"role-duration-seconds: 10800", "role-duration-seconds: 3600",
			[]string{RuleDeployProduction}},
		{"drift check that writes the state", driftYML,
			"refresh --all --preview-only --json", "refresh --all --json",
			[]string{RuleDrift}},
		{"drift check deploying", driftYML,
			"bin/sovereign refresh --all --preview-only", "bin/sovereign up --all --preview-only",
			[]string{RuleDrift}},
		{"drift check with the deploy role", driftYML,
			"vars.AWS_DRIFT_ROLE_ARN", "vars.AWS_DEPLOY_ROLE_ARN",
			[]string{RuleDrift}},
		{"drift check with the preview role", driftYML,
			"vars.AWS_DRIFT_ROLE_ARN", "vars.AWS_PREVIEW_ROLE_ARN",
			[]string{RuleDrift}},
		{"drift issue before its label", driftYML,
			"await github.rest.issues.createLabel(", "await github.rest.issues.getLabel(",
			[]string{RuleDrift}},
		{"drift check beside a deploy", driftYML,
			"      group: sovereign-state\n", "      group: drift-only\n",
			[]string{RuleSerializeDriftAndDeploy}},
		{"deploy beside a drift check", deployYML,
			"      group: sovereign-state\n", "      group: deploy-only\n",
			[]string{RuleSerializeDriftAndDeploy}},
		{"an action by tag", prYML,
			"actions/checkout@11d5960a326750d5838078e36cf38b85af677262 # v4.4.0", "actions/checkout@v4",
			[]string{RulePinnedActions}},
		{"an action by an unknown SHA", deployYML,
			"actions/setup-go@40f1582b2485089dde7abd97c1529aa768e1baff", "actions/setup-go@0123456789012345678901234567890123456789",
			[]string{RulePinnedActions}},
		{"deploy on a shared runner label", deployYML,
			"    runs-on:\n      group: sovereign-deploy\n", "    runs-on: ${{ vars.SOVEREIGN_PREVIEW_RUNNER }}\n",
			[]string{RuleDeployRunner}},
		{"a preview on the deploy runners", prYML,
			"    runs-on: ${{ vars.SOVEREIGN_PREVIEW_RUNNER || 'ubuntu-latest' }}\n", "    runs-on:\n      group: sovereign-deploy\n",
			[]string{RuleDeployRunner}},
		{"a drift check on the deploy runners", driftYML,
			"    runs-on: ${{ vars.SOVEREIGN_PREVIEW_RUNNER || 'ubuntu-latest' }}\n", "    runs-on:\n      group: sovereign-deploy\n",
			[]string{RuleDeployRunner}},
		{"deploy of an old commit", deployYML,
			"git ls-remote origin refs/heads/main", "git rev-parse HEAD",
			[]string{RuleDeployOperations}},
		{"deploy under go run", deployYML,
			"exec bin/sovereign up --all --yes --json", "go run ./cmd/sovereign up --all --yes --json",
			[]string{RuleDeployOperations}},
		{"deploy under a shell that keeps the signals", deployYML,
			"exec bin/sovereign up --all --yes --json", "bin/sovereign up --all --yes --json",
			[]string{RuleDeployOperations}},
		{"deploy without a timeout of its own", deployYML,
			"          --timeout 150m\n", "",
			[]string{RuleDeployOperations}},
		{"deploy timeout too close to the job's", deployYML,
			"--timeout 150m", "--timeout 175m",
			[]string{RuleDeployOperations}},
		{"no lock listing after a cancel", deployYML,
			"        if: cancelled() || failure()\n", "        if: failure()\n",
			[]string{RuleDeployOperations}},
		{"drift check in production", driftYML,
			"    environment: drift\n", "    environment: production\n",
			[]string{RuleDrift}},
		{"drift check outside an environment", driftYML,
			"    environment: drift\n", "",
			[]string{RuleDrift, RuleSecretsNeedEnvironment}},
		{"drift check on any branch", driftYML,
			"    if: github.ref == 'refs/heads/main' && needs.gate.outputs.deploying == 'false'\n", "    if: needs.gate.outputs.deploying == 'false'\n",
			[]string{RuleDrift}},
		{"drift check never scheduled", driftYML,
			"  schedule:\n    - cron: \"23 5 * * *\"\n", "",
			[]string{RuleDrift}},
		{"drift check that cannot write the issue", driftYML,
			"      issues: write    # the drift issue and its label\n", "",
			[]string{RuleDrift}},
		{"drift check without the passphrase", driftYML,
			"          PULUMI_CONFIG_PASSPHRASE: ${{ secrets.PULUMI_CONFIG_PASSPHRASE }}\n", "",
			[]string{RuleSovereignBackendEnv}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := read(t, tc.path)
			if !strings.Contains(text, tc.old) {
				t.Fatalf("%s no longer contains %q: update the test", tc.path, tc.old)
			}
			vs, err := checkerFor(tc.path)([]byte(strings.Replace(text, tc.old, tc.new, 1)))
			if err != nil {
				t.Fatal(err)
			}
			if got := ruleNames(vs); !slices.Equal(got, tc.want) {
				t.Errorf("broken rules %v, want %v:\n%v", got, tc.want, vs)
			}
		})
	}
}

// The CI section of docs/security.md states what the roles' trust policies must say and the session limit
// deploy.yml relies on.
func TestSecurityDocDocumentsTrust(t *testing.T) {
	text := read(t, securityDoc)
	start := strings.Index(text, "## CI workflows (`.github/workflows/`)")
	if start < 0 {
		t.Fatal("docs/security.md has no CI workflows section")
	}
	section := text[start:]
	if end := regexp.MustCompile(`\n##+ `).FindStringIndex(section); end != nil {
		section = section[:end[0]]
	}
	duration := regexp.MustCompile(`role-duration-seconds: (\d+)`).FindStringSubmatch(read(t, deployYML))
	if duration == nil {
		t.Fatal("deploy.yml sets no role-duration-seconds")
	}
	for _, want := range []string{
		"repo:<owner>/<repo>:environment:preview:job_workflow_ref:<owner>/<repo>/.github/workflows/pr.yml@refs/pull/*/merge",
		"repo:<owner>/<repo>:environment:production:job_workflow_ref:<owner>/<repo>/.github/workflows/deploy.yml@refs/heads/main",
		"repo:<owner>/<repo>:environment:drift:job_workflow_ref:<owner>/<repo>/.github/workflows/drift.yml@refs/heads/main",
		"sovereign-deploy",
		"--ephemeral",
		"sovereign locks",
		"sts.amazonaws.com",
		"MaxSessionDuration",
		duration[1],
		"PULUMI_BACKEND_URL",
		"PULUMI_ACCESS_TOKEN",
		"PULUMI_CONFIG_PASSPHRASE",
	} {
		if !strings.Contains(section, want) {
			t.Errorf("docs/security.md's CI workflows section does not mention %q", want)
		}
	}
}

// Every workflow, present and future, keeps secrets and cloud credentials in protected
// environments.
func TestEveryWorkflowFollowsTheCommonRules(t *testing.T) {
	files, err := filepath.Glob("../../.github/workflows/*.yml")
	if err != nil || len(files) < 3 {
		t.Fatalf("workflows: %v %v", files, err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		vs, err := CheckAny(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, v := range vs {
			t.Errorf("%s: %v", filepath.Base(f), v)
		}
	}
}

// The roles bootstrap creates trust exactly the tokens the workflows' jobs present: every job
// that assumes the preview role is in an environment the preview role trusts, the deploy job in
// the one the deploy role trusts, and no job could assume the other role. A trust on
// repo:<owner>/<repo>:pull_request would admit no job here: the preview job names an
// environment, so its token's subject is the environment's.
func TestRolesTrustTheWorkflowsJobs(t *testing.T) {
	data, err := os.ReadFile("../../" + bootstrap.FileName)
	if err != nil {
		t.Fatal(err)
	}
	c, err := bootstrap.Parse(bootstrap.FileName, data, bootstrap.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	const repo = "acme/global-sovereign"
	c.GitHub.Repository = repo
	roleOf := map[string]string{"AWS_PREVIEW_ROLE_ARN": "preview", "AWS_DRIFT_ROLE_ARN": "drift", "AWS_DEPLOY_ROLE_ARN": "deploy"}
	roles := []string{"preview", "drift", "deploy"}
	seen := map[string]bool{}
	for _, f := range []string{prYML, deployYML, driftYML} {
		uses, err := RoleUses([]byte(read(t, f)), repo, filepath.Base(f))
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range uses {
			role, ok := roleOf[u.RoleVar]
			if !ok {
				t.Errorf("%s: job %s assumes %s, which bootstrap does not create", filepath.Base(f), u.Job, u.RoleVar)
				continue
			}
			seen[role] = true
			if !c.Trusts(role, u.Subject) {
				t.Errorf("%s: job %s presents %s, which the %s role does not trust (it trusts %v)",
					filepath.Base(f), u.Job, u.Subject, role, c.SubjectsOf(role))
			}
			for _, other := range roles {
				if other != role && c.Trusts(other, u.Subject) {
					t.Errorf("%s: job %s could also assume the %s role", filepath.Base(f), u.Job, other)
				}
			}
		}
	}
	if len(seen) != len(roles) {
		t.Errorf("roles used by the workflows: %v", seen)
	}
	// Without its environment, the preview job presents a subject no role trusts; the same job
	// in a workflow file of another name (one a branch adds) is trusted by none either.
	uses, _ := RoleUses([]byte(strings.Replace(read(t, prYML), "    environment: preview\n", "", 1)), repo, "pr.yml")
	for _, u := range uses {
		for _, role := range roles {
			if c.Trusts(role, u.Subject) {
				t.Errorf("without its environment, job %s presents %s, which the %s role trusts", u.Job, u.Subject, role)
			}
		}
	}
	uses, _ = RoleUses([]byte(read(t, deployYML)), repo, "deploy-copy.yml")
	for _, u := range uses {
		for _, role := range roles {
			if c.Trusts(role, u.Subject) {
				t.Errorf("a copy of deploy.yml under another name presents %s, which the %s role trusts", u.Subject, role)
			}
		}
	}
	// deploy.yml's session is what the deploy role allows.
	duration := regexp.MustCompile(`role-duration-seconds: (\d+)`).FindStringSubmatch(read(t, deployYML))
	if duration == nil || duration[1] != strconv.Itoa(c.GitHub.DeploySessionSeconds) {
		t.Errorf("deploy.yml asks for a %v s session; the deploy role's MaxSessionDuration is %d", duration, c.GitHub.DeploySessionSeconds)
	}
}
