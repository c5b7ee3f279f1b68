package bootstrap

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// GitHubAPI is the part of GitHub's REST API bootstrap and preflight use: the repository's OIDC
// subject template and its environments' protection rules. Base is https://api.github.com
// (tests: an httptest server answering as GitHub does).
type GitHubAPI struct {
	Base   string
	Token  string
	Client *http.Client
}

// DefaultGitHubAPI is GitHub.com's REST API.
const DefaultGitHubAPI = "https://api.github.com"

// ErrNotFound is a 404: a repository, environment or template GitHub does not have (or the
// token cannot see).
var ErrNotFound = errors.New("not found")

func (g GitHubAPI) do(ctx context.Context, method, path string, body, out any) error {
	var in io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		in = bytes.NewReader(b)
	}
	base := g.Base
	if base == "" {
		base = DefaultGitHubAPI
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(base, "/")+path, in)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	if g.Token != "" {
		req.Header.Set("Authorization", "Bearer "+g.Token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	client := g.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("GitHub API %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("GitHub API %s %s: %w", method, path, ErrNotFound)
	case resp.StatusCode >= 300:
		var e struct{ Message string }
		_ = json.Unmarshal(data, &e)
		return fmt.Errorf("GitHub API %s %s: %s: %s", method, path, resp.Status, e.Message)
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("GitHub API %s %s: %w", method, path, err)
		}
	}
	return nil
}

// SubjectTemplate is a repository's OIDC subject customization.
type SubjectTemplate struct {
	UseDefault       bool     `json:"use_default"`
	IncludeClaimKeys []string `json:"include_claim_keys,omitempty"`
}

// Matches reports whether the template makes the subjects the roles trust.
func (t SubjectTemplate) Matches() bool {
	return !t.UseDefault && slices.Equal(t.IncludeClaimKeys, SubjectClaimKeys)
}

func repoPath(repo string) string {
	owner, name, _ := strings.Cut(repo, "/")
	return "/repos/" + url.PathEscape(owner) + "/" + url.PathEscape(name)
}

// GetSubjectTemplate reads GET /repos/{owner}/{repo}/actions/oidc/customization/sub.
func (g GitHubAPI) GetSubjectTemplate(ctx context.Context, repo string) (SubjectTemplate, error) {
	var t SubjectTemplate
	err := g.do(ctx, http.MethodGet, repoPath(repo)+"/actions/oidc/customization/sub", nil, &t)
	return t, err
}

// SetSubjectTemplate sets the repository's template to SubjectClaimKeys
// (PUT /repos/{owner}/{repo}/actions/oidc/customization/sub; needs a token of a repository admin).
func (g GitHubAPI) SetSubjectTemplate(ctx context.Context, repo string) error {
	return g.do(ctx, http.MethodPut, repoPath(repo)+"/actions/oidc/customization/sub",
		SubjectTemplate{UseDefault: false, IncludeClaimKeys: SubjectClaimKeys}, nil)
}

// Environment is what GET /repos/{owner}/{repo}/environments/{name} says about protection.
type Environment struct {
	Name            string `json:"name"`
	ProtectionRules []struct {
		Type      string `json:"type"`
		Reviewers []struct {
			Type string `json:"type"`
		} `json:"reviewers"`
	} `json:"protection_rules"`
	DeploymentBranchPolicy *struct {
		ProtectedBranches    bool `json:"protected_branches"`
		CustomBranchPolicies bool `json:"custom_branch_policies"`
	} `json:"deployment_branch_policy"`
	CanAdminsBypass *bool `json:"can_admins_bypass"`
}

// Reviewers reports whether the environment holds a job until a required reviewer approves it.
func (e Environment) Reviewers() bool {
	for _, r := range e.ProtectionRules {
		if r.Type == "required_reviewers" && len(r.Reviewers) > 0 {
			return true
		}
	}
	return false
}

// GetEnvironment reads an environment; ErrNotFound when the repository has none of that name
// (GitHub would create it unprotected the first time a job names it).
func (g GitHubAPI) GetEnvironment(ctx context.Context, repo, name string) (Environment, error) {
	var e Environment
	err := g.do(ctx, http.MethodGet, repoPath(repo)+"/environments/"+url.PathEscape(name), nil, &e)
	return e, err
}

// BranchPolicies lists the names (patterns) of an environment's custom deployment branch
// policies (GET .../environments/{name}/deployment-branch-policies).
func (g GitHubAPI) BranchPolicies(ctx context.Context, repo, name string) ([]string, error) {
	var out struct {
		BranchPolicies []struct {
			Name string `json:"name"`
			Type string `json:"type"`
		} `json:"branch_policies"`
	}
	if err := g.do(ctx, http.MethodGet, repoPath(repo)+"/environments/"+url.PathEscape(name)+"/deployment-branch-policies?per_page=100", nil, &out); err != nil {
		return nil, err
	}
	var names []string
	for _, p := range out.BranchPolicies {
		if p.Type == "" || p.Type == "branch" {
			names = append(names, p.Name)
		}
	}
	return names, nil
}

// EnvironmentRule is what an environment must enforce.
type EnvironmentRule struct {
	Name      string
	Role      string // the role its jobs assume
	Reviewers bool   // required reviewers
	MainOnly  bool   // deployment branches: main only
}

// EnvironmentRules are the rules of the environments the roles trust: preview and production
// hold every job for a reviewer; production and drift deploy from main only.
func (c *Config) EnvironmentRules() []EnvironmentRule {
	var out []EnvironmentRule
	for _, e := range c.GitHub.PreviewEnvironments {
		out = append(out, EnvironmentRule{Name: e, Role: "preview", Reviewers: true})
	}
	out = append(out, EnvironmentRule{Name: c.GitHub.DriftEnvironment, Role: "drift", MainOnly: true},
		EnvironmentRule{Name: c.GitHub.DeployEnvironment, Role: "deploy", Reviewers: true, MainOnly: true})
	return out
}

// CheckGitHub reports, one line each, what the repository's settings lack for the roles'
// trust to mean what it says: the subject template, and each environment's protection.
func (c *Config) CheckGitHub(ctx context.Context, api GitHubAPI) ([]string, error) {
	repo := c.GitHub.Repository
	var problems []string
	t, err := api.GetSubjectTemplate(ctx, repo)
	switch {
	case err != nil && !errors.Is(err, ErrNotFound):
		return nil, err
	case err != nil || !t.Matches():
		problems = append(problems, fmt.Sprintf("the OIDC subject template of %s is %s, not %v: no job can assume the CI roles; run: %s",
			repo, describeTemplate(t, err), SubjectClaimKeys, SubjectTemplateCommand(repo)))
	}
	for _, r := range c.EnvironmentRules() {
		e, err := api.GetEnvironment(ctx, repo, r.Name)
		if errors.Is(err, ErrNotFound) {
			problems = append(problems, fmt.Sprintf("environment %q (the %s role's) does not exist: GitHub creates it without protection "+
				"the first time a job names it; create it in Settings > Environments", r.Name, r.Role))
			continue
		}
		if err != nil {
			return nil, err
		}
		if r.Reviewers && !e.Reviewers() {
			problems = append(problems, fmt.Sprintf("environment %q (the %s role's) has no required reviewers: every job there gets the role "+
				"unapproved (required reviewers need a public repository or a plan that offers them for private ones)", r.Name, r.Role))
		}
		if r.MainOnly {
			ok := false
			if p := e.DeploymentBranchPolicy; p != nil && p.CustomBranchPolicies {
				names, err := api.BranchPolicies(ctx, repo, r.Name)
				if err != nil {
					return nil, err
				}
				ok = slices.Equal(names, []string{"main"})
			}
			if !ok {
				problems = append(problems, fmt.Sprintf("environment %q (the %s role's) is not limited to the branch main: set Deployment branches "+
					"to Selected branches, main only", r.Name, r.Role))
			}
		}
	}
	return problems, nil
}

func describeTemplate(t SubjectTemplate, err error) string {
	switch {
	case err != nil:
		return "unset"
	case t.UseDefault:
		return "GitHub's default"
	}
	return fmt.Sprint(t.IncludeClaimKeys)
}
