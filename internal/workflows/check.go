// Package workflows checks the GitHub Actions workflows in .github/workflows against the rules
// that keep secrets away from untrusted code and let either Pulumi backend work in CI.
// CheckPR and CheckDeploy return every broken rule; the tests run them on the committed
// workflows and on the old pr.yml they replace.
package workflows

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Rule names, as reported in Violation.Rule.
const (
	// A job that references a secret (other than GITHUB_TOKEN) or requests id-token: write
	// declares an environment: environment secrets and the role trust
	// (sub repo:<owner>/<repo>:environment:<name>) are what gate it.
	RuleSecretsNeedEnvironment = "secrets-need-environment"
	// pr.yml: such a job is in the `preview` environment and runs only for same-repo branches.
	RulePRPreviewEnvironment = "pr-preview-environment"
	// pr.yml: a job that runs for every PR, forks included, has no secret, no id-token, no environment.
	RulePRUntrustedJobClean = "pr-untrusted-job-clean"
	// A step running `sovereign preview|up|destroy|refresh|cancel` gets both backends' settings.
	RuleSovereignBackendEnv = "sovereign-backend-env"
	// deploy.yml: the deploying job is in `production`, deploys main only, is never cancelled,
	// and its AWS session lasts the whole job and no longer than AWS allows.
	RuleDeployProduction = "deploy-production"
	// pr.yml: the job every PR gets tests, lints, synthesizes, and diffs the graph against the base.
	RulePRGraphDiff = "pr-graph-diff"
	// drift.yml: on a schedule, one job refreshes every stack preview-only (never a refresh that
	// writes), with main's code, the preview role, in an environment other than production, and
	// may write issues; nothing deploys or destroys.
	RuleDrift = "drift"
	// Every action is pinned by a full commit SHA (a tag can be moved to other code), one this
	// package knows the release of (PinnedActions).
	RulePinnedActions = "pinned-actions"
	// deploy.yml: the deploy job runs on its own runner group (DeployRunnerGroup), which no
	// other job of any workflow uses.
	RuleDeployRunner = "deploy-runner"
	// deploy.yml: the deploy job deploys main's current head only (a re-run of an old run must
	// not deploy an old commit), runs the built binary with exec (the runner's signals reach
	// it) and a --timeout below the job's, and a cancelled/failed step lists the locks.
	RuleDeployOperations = "deploy-operations"
	// deploy.yml and drift.yml: the deploy job and the drift job share one concurrency group
	// that never cancels (StateConcurrencyGroup): a drift check never reads a half-done deploy.
	RuleSerializeDriftAndDeploy = "serialize-drift-and-deploy"
)

// DeployRunnerGroup is the runner group of the deploy job: ephemeral runners, limited to
// deploy.yml on main (docs/security.md, "CI workflows").
const DeployRunnerGroup = "sovereign-deploy"

// StateConcurrencyGroup is the concurrency group of the jobs that read or write the stacks'
// state on a schedule or on main: deploy and drift.
const StateConcurrencyGroup = "sovereign-state"

// PinnedActions are the actions the workflows may use, by commit SHA, with the release each SHA
// is (read from each action's repository tags: git rev-parse <tag>^{commit}). A new action or
// version is added here with its SHA checked the same way.
var PinnedActions = map[string]string{
	"actions/checkout@11d5960a326750d5838078e36cf38b85af677262":                      "v4.4.0",
	"actions/setup-go@40f1582b2485089dde7abd97c1529aa768e1baff":                      "v5.6.0",
	"actions/cache@0057852bfaa89a56745cba8c7296529d2fc39830":                         "v4.3.0",
	"aws-actions/configure-aws-credentials@7474bc4690e29a8392af63c5b98e7449536d5c3a": "v4.3.1",
	"actions/github-script@f28e40c7f34bde8b3046d885e986cb6290c5673b":                 "v7.1.0",
	"actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02":               "v4.6.2",
	"actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093":             "v4.3.0",
}

var shaRe = regexp.MustCompile(`^[^@\s]+@[0-9a-f]{40}$`)

// SameRepoGuard is the `if` that keeps a pr.yml job away from fork pull requests.
const SameRepoGuard = "github.event.pull_request.head.repo.full_name == github.repository"

// MainOnlyGuard is the `if` that keeps the deploy job on main (workflow_dispatch can name any ref).
const MainOnlyGuard = "github.ref == 'refs/heads/main'"

// MaxSessionSeconds is the longest role session AWS allows (IAM MaxSessionDuration: 1-12 h).
const MaxSessionSeconds = 43200

// backendEnv is what every sovereign step needs in its environment: key, and the text its value
// must contain.
var backendEnv = []struct{ key, want string }{
	{"PULUMI_BACKEND_URL", "vars.PULUMI_BACKEND_URL"},                // which backend: repository variable
	{"PULUMI_ACCESS_TOKEN", "secrets.PULUMI_ACCESS_TOKEN"},           // Pulumi Cloud, non-interactively
	{"PULUMI_CONFIG_PASSPHRASE", "secrets.PULUMI_CONFIG_PASSPHRASE"}, // passphrase secrets provider
	{"PULUMI_SKIP_UPDATE_CHECK", "true"},
}

// Violation is one broken rule.
type Violation struct{ Rule, Job, Msg string }

func (v Violation) String() string { return fmt.Sprintf("%s: job %q: %s", v.Rule, v.Job, v.Msg) }

type workflow struct {
	On          yaml.Node            `yaml:"on"`
	Permissions yaml.Node            `yaml:"permissions"`
	Env         map[string]string    `yaml:"env"`
	Concurrency yaml.Node            `yaml:"concurrency"`
	Jobs        map[string]yaml.Node `yaml:"jobs"`

	jobs []*job // sorted by name
}

type job struct {
	If             string            `yaml:"if"`
	RunsOn         yaml.Node         `yaml:"runs-on"`
	Environment    yaml.Node         `yaml:"environment"`
	Permissions    yaml.Node         `yaml:"permissions"`
	Concurrency    yaml.Node         `yaml:"concurrency"`
	Env            map[string]string `yaml:"env"`
	TimeoutMinutes string            `yaml:"timeout-minutes"`
	Steps          []step            `yaml:"steps"`

	name    string
	secrets []string // secrets it references, workflow env included
	idToken bool     // effective id-token: write
}

type step struct {
	Name string            `yaml:"name"`
	If   string            `yaml:"if"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	Env  map[string]string `yaml:"env"`
	With map[string]string `yaml:"with"`
}

func parse(data []byte) (*workflow, error) {
	var w workflow
	if err := yaml.Unmarshal(data, &w); err != nil {
		return nil, err
	}
	var wfSecrets []string // the workflow's env reaches every job
	for _, v := range w.Env {
		wfSecrets = append(wfSecrets, secretsIn(v)...)
	}
	for name, node := range w.Jobs {
		j := &job{name: name}
		if err := node.Decode(j); err != nil {
			return nil, fmt.Errorf("job %s: %w", name, err)
		}
		j.secrets = uniq(append(secretRefs(&node), wfSecrets...))
		perms := &j.Permissions
		if perms.Kind == 0 {
			perms = &w.Permissions
		}
		j.idToken = writesIDToken(perms)
		w.jobs = append(w.jobs, j)
	}
	sort.Slice(w.jobs, func(a, b int) bool { return w.jobs[a].name < w.jobs[b].name })
	return &w, nil
}

// CheckAny checks the rules every workflow must follow (secrets and id-token only in a job
// that names an environment).
func CheckAny(data []byte) ([]Violation, error) {
	w, err := parse(data)
	if err != nil {
		return nil, err
	}
	return commonRules(w), nil
}

// CheckPR checks pr.yml.
func CheckPR(data []byte) ([]Violation, error) {
	w, err := parse(data)
	if err != nil {
		return nil, err
	}
	vs := commonRules(w)
	var untrusted []*job
	for _, j := range w.jobs {
		guarded := hasGuard(j.If, SameRepoGuard)
		if j.privileged() && (j.environment() != "preview" || !guarded) {
			vs = append(vs, Violation{RulePRPreviewEnvironment, j.name, fmt.Sprintf(
				"has secrets or id-token, so needs `environment: preview` (has %q) and `if: %s` (has %q)",
				j.environment(), SameRepoGuard, j.If)})
		}
		if guarded {
			continue
		}
		untrusted = append(untrusted, j)
		if j.privileged() || j.environment() != "" {
			vs = append(vs, Violation{RulePRUntrustedJobClean, j.name, fmt.Sprintf(
				"runs for every PR, forks included, yet has secrets %v, id-token %v, environment %q",
				j.secrets, j.idToken, j.environment())})
		}
	}
	return append(vs, graphDiffRule(untrusted)...), nil
}

// CheckDeploy checks deploy.yml.
func CheckDeploy(data []byte) ([]Violation, error) {
	w, err := parse(data)
	if err != nil {
		return nil, err
	}
	vs := commonRules(w)
	deploys := false
	for _, j := range w.jobs {
		if !j.privileged() && len(j.sovereignSteps()) == 0 {
			continue
		}
		bad := func(format string, args ...any) {
			vs = append(vs, Violation{RuleDeployProduction, j.name, fmt.Sprintf(format, args...)})
		}
		for _, s := range j.sovereignSteps() {
			deploys = deploys || sovereignOp(s.Run) == "up"
		}
		if j.environment() != "production" {
			bad("needs `environment: production` (has %q)", j.environment())
		}
		if !hasGuard(j.If, MainOnlyGuard) {
			bad("needs `if: %s` (has %q)", MainOnlyGuard, j.If)
		}
		// Both the workflow's and the job's concurrency (either may hold the deploy) never cancel.
		wg, wcancel := concurrency(&w.Concurrency)
		jg, jcancel := concurrency(&j.Concurrency)
		if (wg == "" && jg == "") || wcancel || jcancel {
			bad("needs a concurrency group that never cancels a deploy (workflow group %q cancel %v, job group %q cancel %v)", wg, wcancel, jg, jcancel)
		}
		timeout, _ := strconv.Atoi(j.TimeoutMinutes)
		if group, _ := concurrency(&j.Concurrency); group != StateConcurrencyGroup {
			vs = append(vs, Violation{RuleSerializeDriftAndDeploy, j.name, fmt.Sprintf(
				"needs `concurrency: {group: %s, cancel-in-progress: false}`, shared with drift.yml's job (has %q)", StateConcurrencyGroup, group)})
		}
		if g := j.runnerGroup(); g != DeployRunnerGroup {
			vs = append(vs, Violation{RuleDeployRunner, j.name, fmt.Sprintf(
				"needs `runs-on: {group: %s}`, a runner group of its own (has group %q, labels %v)", DeployRunnerGroup, g, j.runnerLabels())})
		}
		vs = append(vs, deployOperations(j, timeout)...)
		for _, s := range j.Steps {
			if !strings.HasPrefix(s.Uses, "aws-actions/configure-aws-credentials") {
				continue
			}
			d, err := strconv.Atoi(s.With["role-duration-seconds"])
			switch {
			case err != nil:
				bad("role-duration-seconds %q is not a number of seconds", s.With["role-duration-seconds"])
			case d > MaxSessionSeconds:
				bad("role-duration-seconds %d exceeds AWS's maximum %d", d, MaxSessionSeconds)
			case d < timeout*60:
				bad("role-duration-seconds %d is shorter than the job's timeout of %d minutes: the credentials expire mid-deploy", d, timeout)
			}
		}
	}
	if !deploys {
		vs = append(vs, Violation{RuleDeployProduction, "", "no job runs `sovereign up`"})
	}
	return vs, nil
}

// CheckDrift checks drift.yml.
func CheckDrift(data []byte) ([]Violation, error) {
	w, err := parse(data)
	if err != nil {
		return nil, err
	}
	vs := commonRules(w)
	bad := func(job, format string, args ...any) {
		vs = append(vs, Violation{RuleDrift, job, fmt.Sprintf(format, args...)})
	}
	if !w.triggeredBy("schedule") {
		bad("", "runs on no schedule")
	}
	checks := 0
	for _, j := range w.jobs {
		for _, s := range j.sovereignSteps() {
			op := sovereignOp(s.Run)
			if op != "refresh" {
				bad(j.name, "step %q runs sovereign %s; a drift check only refreshes, preview-only", s.Name, op)
				continue
			}
			for _, flag := range []string{"--preview-only", "--all", "--json"} {
				if !strings.Contains(s.Run, flag) {
					bad(j.name, "step %q refreshes without %s", s.Name, flag)
				}
			}
			checks++
			if env := j.environment(); env == "" || env == "production" {
				bad(j.name, "refreshes in environment %q; it needs its own (drift), never production's", env)
			}
			if !hasGuard(j.If, MainOnlyGuard) {
				bad(j.name, "needs `if: %s` (has %q)", MainOnlyGuard, j.If)
			}
			if !writesIssues(j.effectivePermissions(w)) {
				bad(j.name, "cannot write the drift issue (permissions: issues: write)")
			}
			if group, cancel := concurrency(&j.Concurrency); group != StateConcurrencyGroup || cancel {
				vs = append(vs, Violation{RuleSerializeDriftAndDeploy, j.name, fmt.Sprintf(
					"needs `concurrency: {group: %s, cancel-in-progress: false}`, shared with the deploy job (has %q, cancel %v)", StateConcurrencyGroup, group, cancel)})
			}
			if !createsLabelFirst(j) {
				bad(j.name, "opens the drift issue without first creating its label")
			}
			for _, r := range j.roleVars() {
				if r != "AWS_DRIFT_ROLE_ARN" {
					bad(j.name, "assumes %s; a drift check reads only, with the drift role", r)
				}
			}
		}
	}
	if checks == 0 {
		bad("", "no job runs `sovereign refresh --all --preview-only --json`")
	}
	return vs, nil
}

// RoleUse is a job that assumes an AWS role through GitHub's OIDC provider.
type RoleUse struct {
	Job     string
	RoleVar string // the repository variable holding the role's ARN
	Subject string // the sub claim of the job's token
}

// RoleUses lists the roles a workflow's jobs assume, with the subject GitHub puts in each job's
// token under the repository's subject template bootstrap.SubjectClaimKeys (repo, context,
// job_workflow_ref; docs.github.com, "OpenID Connect reference", customizing the subject
// claims): repo:<owner>/<repo>:<context>:job_workflow_ref:<owner>/<repo>/.github/workflows/<file>@<ref>,
// where the context is environment:<name> for a job that names an environment, else
// pull_request or ref:<ref>; the ref of a pull_request run is the PR's merge ref
// (refs/pull/<number>/merge, with number 1 here), else main.
func RoleUses(data []byte, repo, file string) ([]RoleUse, error) {
	w, err := parse(data)
	if err != nil {
		return nil, err
	}
	ref := "refs/heads/main"
	if w.triggeredBy("pull_request") {
		ref = "refs/pull/1/merge"
	}
	var out []RoleUse
	for _, j := range w.jobs {
		var context string
		switch {
		case j.environment() != "":
			context = "environment:" + j.environment()
		case w.triggeredBy("pull_request"):
			context = "pull_request"
		default:
			context = "ref:" + ref
		}
		sub := "repo:" + repo + ":" + context + ":job_workflow_ref:" + repo + "/.github/workflows/" + file + "@" + ref
		for _, r := range j.roleVars() {
			out = append(out, RoleUse{Job: j.name, RoleVar: r, Subject: sub})
		}
	}
	return out, nil
}

var roleVarRe = regexp.MustCompile(`vars\.([A-Za-z0-9_]+)`)

// roleVars are the variables the job's configure-aws-credentials steps take the role from.
func (j *job) roleVars() []string {
	var out []string
	for _, s := range j.Steps {
		if strings.HasPrefix(s.Uses, "aws-actions/configure-aws-credentials") {
			for _, m := range roleVarRe.FindAllStringSubmatch(s.With["role-to-assume"], -1) {
				out = append(out, m[1])
			}
		}
	}
	return out
}

func (w *workflow) triggeredBy(event string) bool {
	switch w.On.Kind {
	case yaml.ScalarNode:
		return w.On.Value == event
	case yaml.SequenceNode:
		for _, e := range w.On.Content {
			if e.Value == event {
				return true
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(w.On.Content); i += 2 {
			if w.On.Content[i].Value == event {
				return true
			}
		}
	}
	return false
}

func (j *job) effectivePermissions(w *workflow) *yaml.Node {
	if j.Permissions.Kind != 0 {
		return &j.Permissions
	}
	return &w.Permissions
}

func writesIssues(perms *yaml.Node) bool {
	switch perms.Kind {
	case yaml.ScalarNode:
		return perms.Value == "write-all"
	case yaml.MappingNode:
		var m map[string]string
		_ = perms.Decode(&m)
		return m["issues"] == "write"
	}
	return false
}

// commonRules: secrets-need-environment, sovereign-backend-env and pinned-actions, for every
// workflow; and no job but the deploy job on the deploy runner group.
func commonRules(w *workflow) []Violation {
	var vs []Violation
	for _, j := range w.jobs {
		for _, s := range j.Steps {
			if s.Uses == "" || strings.HasPrefix(s.Uses, "./") || strings.HasPrefix(s.Uses, "docker://") {
				continue
			}
			switch {
			case !shaRe.MatchString(s.Uses):
				vs = append(vs, Violation{RulePinnedActions, j.name, fmt.Sprintf("uses %s: pin it by its full commit SHA", s.Uses)})
			case PinnedActions[s.Uses] == "":
				vs = append(vs, Violation{RulePinnedActions, j.name, fmt.Sprintf(
					"uses %s, a SHA this package does not know: check which release it is and add it to PinnedActions", s.Uses)})
			}
		}
		if j.runnerGroup() == DeployRunnerGroup && !j.deploys() {
			vs = append(vs, Violation{RuleDeployRunner, j.name, fmt.Sprintf(
				"runs on the deploy runner group %s, which only the deploy job may use", DeployRunnerGroup)})
		}
		if j.privileged() && j.environment() == "" {
			vs = append(vs, Violation{RuleSecretsNeedEnvironment, j.name, fmt.Sprintf(
				"references secrets %v / id-token %v without an environment", j.secrets, j.idToken)})
		}
		for _, s := range j.sovereignSteps() {
			env := merge(w.Env, j.Env, s.Env)
			for _, e := range backendEnv {
				if !strings.Contains(env[e.key], e.want) {
					vs = append(vs, Violation{RuleSovereignBackendEnv, j.name, fmt.Sprintf(
						"step %q runs sovereign %s without %s set from %q (has %q)",
						s.Name, sovereignOp(s.Run), e.key, e.want, env[e.key])})
				}
			}
		}
	}
	return vs
}

// graphDiffRule: one of the jobs every PR gets runs the checks and publishes the graph diff.
func graphDiffRule(untrusted []*job) []Violation {
	type need struct {
		what string
		ok   func(step) bool
	}
	runs := func(text string) func(step) bool {
		return func(s step) bool { return strings.Contains(s.Run, text) }
	}
	needs := []need{
		{"make test", runs("make test")},
		{"make lint", runs("make lint")},
		{"make synth", runs("make synth")},
		{"checkout deep enough to reach the base (fetch-depth 0 or >= 2)", func(s step) bool {
			d, err := strconv.Atoi(s.With["fetch-depth"])
			return strings.HasPrefix(s.Uses, "actions/checkout") && err == nil && (d == 0 || d >= 2)
		}},
		{"a worktree of the base commit", runs("git worktree add")},
		{"synth of the base into its own SYNTH_OUT", runs("SYNTH_OUT=")},
		{"git diff --no-index --stat of base vs head", func(s step) bool {
			return strings.Contains(s.Run, "git diff --no-index") && strings.Contains(s.Run, "--stat")
		}},
		{"the diff in $GITHUB_STEP_SUMMARY", runs("GITHUB_STEP_SUMMARY")},
		{"the diff uploaded as a graph-* artifact", func(s step) bool {
			return strings.HasPrefix(s.Uses, "actions/upload-artifact") && strings.Contains(s.With["name"], "graph")
		}},
	}
	var best []Violation
	for _, j := range untrusted {
		var missing []Violation
		for _, n := range needs {
			found := false
			for _, s := range j.Steps {
				found = found || n.ok(s)
			}
			if !found {
				missing = append(missing, Violation{RulePRGraphDiff, j.name, "the job every PR gets lacks " + n.what})
			}
		}
		if len(missing) == 0 {
			return nil
		}
		if best == nil || len(missing) < len(best) {
			best = missing
		}
	}
	if best == nil {
		return []Violation{{RulePRGraphDiff, "", "no job runs for every PR"}}
	}
	return best
}

func (j *job) privileged() bool { return len(j.secrets) > 0 || j.idToken }

func (j *job) environment() string {
	switch j.Environment.Kind {
	case yaml.ScalarNode:
		return j.Environment.Value
	case yaml.MappingNode:
		var e struct{ Name string }
		_ = j.Environment.Decode(&e)
		return e.Name
	}
	return ""
}

// sovereignRe: the command at the start of a line or as a path (bin/sovereign, ./cmd/sovereign).
var sovereignRe = regexp.MustCompile(`(?m)(?:^\s*|/)sovereign\s+(preview|up|destroy|refresh|cancel)\b`)

func sovereignOp(run string) string {
	if m := sovereignRe.FindStringSubmatch(run); m != nil {
		return m[1]
	}
	return ""
}

func (j *job) sovereignSteps() []step {
	var out []step
	for _, s := range j.Steps {
		if sovereignOp(s.Run) != "" {
			out = append(out, s)
		}
	}
	return out
}

// hasGuard: the expression is the guard, or the guard and-ed with more conditions.
func hasGuard(expr, guard string) bool {
	expr = strings.TrimSpace(expr)
	expr = strings.TrimSuffix(strings.TrimPrefix(expr, "${{"), "}}")
	if strings.Contains(expr, "||") {
		return false
	}
	for _, c := range strings.Split(expr, "&&") {
		if strings.Join(strings.Fields(c), " ") == guard {
			return true
		}
	}
	return false
}

func writesIDToken(perms *yaml.Node) bool {
	switch perms.Kind {
	case yaml.ScalarNode:
		return perms.Value == "write-all"
	case yaml.MappingNode:
		var m map[string]string
		_ = perms.Decode(&m)
		return m["id-token"] == "write"
	}
	return false
}

func concurrency(n *yaml.Node) (group string, cancel bool) {
	switch n.Kind {
	case yaml.ScalarNode:
		return n.Value, false
	case yaml.MappingNode:
		var c struct {
			Group  string `yaml:"group"`
			Cancel string `yaml:"cancel-in-progress"`
		}
		_ = n.Decode(&c)
		return c.Group, c.Cancel != "false" && c.Cancel != ""
	}
	return "", false
}

var (
	exprRe   = regexp.MustCompile(`(?s)\$\{\{(.*?)\}\}`)
	secretRe = regexp.MustCompile(`(?:^|[^.\w])secrets(?:\s*\.\s*([\w-]+)|\s*\[\s*'([^']+)'\s*\])?`)
)

// secretRefs lists the secrets an expression anywhere under n references (`secrets` alone, as
// in toJSON(secrets) or `secrets: inherit`, is "*"), except the automatic GITHUB_TOKEN.
func secretRefs(n *yaml.Node) []string {
	var out []string
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == "secrets" { // a reusable workflow's `secrets:`
					out = append(out, "*")
				}
			}
		}
		if n.Kind == yaml.ScalarNode {
			out = append(out, secretsIn(n.Value)...)
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(n)
	return uniq(out)
}

// secretsIn lists the secrets the ${{ }} expressions in text reference.
func secretsIn(text string) []string {
	var out []string
	for _, e := range exprRe.FindAllStringSubmatch(text, -1) {
		for _, m := range secretRe.FindAllStringSubmatch(e[1], -1) {
			name := m[1] + m[2]
			if name == "" {
				name = "*"
			}
			if !strings.EqualFold(name, "GITHUB_TOKEN") {
				out = append(out, name)
			}
		}
	}
	return out
}

func merge(envs ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, e := range envs {
		for k, v := range e {
			out[k] = v
		}
	}
	return out
}

func uniq(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// runnerGroup is the runner group the job's runs-on names, or "".
func (j *job) runnerGroup() string {
	if j.RunsOn.Kind != yaml.MappingNode {
		return ""
	}
	var r struct {
		Group string `yaml:"group"`
	}
	_ = j.RunsOn.Decode(&r)
	return r.Group
}

// runnerLabels are the labels the job's runs-on names.
func (j *job) runnerLabels() []string {
	switch j.RunsOn.Kind {
	case yaml.ScalarNode:
		return []string{j.RunsOn.Value}
	case yaml.SequenceNode:
		var out []string
		_ = j.RunsOn.Decode(&out)
		return out
	case yaml.MappingNode:
		var r struct {
			Labels yaml.Node `yaml:"labels"`
		}
		_ = j.RunsOn.Decode(&r)
		var out []string
		if r.Labels.Kind == yaml.ScalarNode {
			return []string{r.Labels.Value}
		}
		_ = r.Labels.Decode(&out)
		return out
	}
	return nil
}

// deploys reports whether the job runs `sovereign up`.
func (j *job) deploys() bool {
	for _, s := range j.sovereignSteps() {
		if sovereignOp(s.Run) == "up" {
			return true
		}
	}
	return false
}

var (
	headCheckRe = regexp.MustCompile(`git ls-remote origin refs/heads/main`)
	timeoutRe   = regexp.MustCompile(`--timeout\s+(\d+)m\b`)
)

// deployOperations: main's current head only; exec of the built binary with a --timeout below
// the job's; a cancelled/failed step that lists the locks.
func deployOperations(j *job, timeoutMinutes int) []Violation {
	var vs []Violation
	bad := func(format string, args ...any) {
		vs = append(vs, Violation{RuleDeployOperations, j.name, fmt.Sprintf(format, args...)})
	}
	headChecked, listsLocks, up := false, false, -1
	for i, s := range j.Steps {
		if headCheckRe.MatchString(s.Run) && strings.Contains(s.Run, "GITHUB_SHA") && strings.Contains(s.Run, "exit 1") && s.If == "" {
			headChecked = headChecked || up < 0
		}
		if sovereignOp(s.Run) == "up" && up < 0 {
			up = i
			run := strings.TrimSpace(s.Run)
			if !strings.HasPrefix(run, "exec bin/sovereign ") {
				bad("step %q must run `exec bin/sovereign up ...` (the built binary, replacing the shell: `go run` under bash never passes the runner's signals on)", s.Name)
			}
			m := timeoutRe.FindStringSubmatch(run)
			if m == nil {
				bad("step %q runs sovereign up without --timeout <minutes>m below the job's timeout", s.Name)
			} else if t, _ := strconv.Atoi(m[1]); timeoutMinutes > 0 && t > timeoutMinutes-15 {
				bad("--timeout %dm leaves less than 15 of the job's %d minutes for the CLIs to stop and release their locks", t, timeoutMinutes)
			}
		}
		if strings.Contains(s.Run, "sovereign locks") && strings.Contains(s.If, "cancelled()") && strings.Contains(s.If, "failure()") {
			listsLocks = true
		}
	}
	if !headChecked {
		bad("no step before `sovereign up` refuses a commit that is not main's current head (git ls-remote origin refs/heads/main vs GITHUB_SHA)")
	}
	if !listsLocks {
		bad("no step `if: cancelled() || failure()` runs `sovereign locks`, which lists the locks and the unlock command")
	}
	return vs
}

// createsLabelFirst: the script that opens the drift issue creates the label before.
func createsLabelFirst(j *job) bool {
	for _, s := range j.Steps {
		script := s.With["script"]
		if c, o := strings.Index(script, "createLabel"), strings.Index(script, "issues.create("); o >= 0 {
			return c >= 0 && c < o
		}
	}
	return true
}
