package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/internal/fleettest"
	"github.com/global-sovereign/global-sovereign/pkg/bootstrap"
)

// fakeGitHub answers the REST API calls preflight --github makes, as GitHub does: the OIDC
// subject template, the environments (404 for one the repository lacks) and their deployment
// branch policies.
func fakeGitHub(t *testing.T, template bootstrap.SubjectTemplate, envs map[string]string, branches map[string][]string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer t0ken" || r.Method != http.MethodGet {
			t.Errorf("request %s %s %q", r.Method, r.URL, r.Header.Get("Authorization"))
		}
		const repo = "/repos/acme/global-sovereign"
		path := strings.TrimPrefix(r.URL.Path, repo)
		switch {
		case path == "/actions/oidc/customization/sub":
			_ = json.NewEncoder(w).Encode(template)
		case strings.HasSuffix(path, "/deployment-branch-policies"):
			env := strings.TrimSuffix(strings.TrimPrefix(path, "/environments/"), "/deployment-branch-policies")
			var ps []map[string]any
			for _, b := range branches[env] {
				ps = append(ps, map[string]any{"id": 1, "name": b, "type": "branch"})
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"total_count": len(ps), "branch_policies": ps})
		case strings.HasPrefix(path, "/environments/"):
			body, ok := envs[strings.TrimPrefix(path, "/environments/")]
			if !ok {
				w.WriteHeader(http.StatusNotFound)
				_, _ = w.Write([]byte(`{"message":"Not Found"}`))
				return
			}
			_, _ = w.Write([]byte(body))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
}

const (
	reviewers    = `{"type":"required_reviewers","reviewers":[{"type":"Team","reviewer":{"id":1}}]}`
	branchPolicy = `{"type":"branch_policy"}`
	mainOnly     = `"deployment_branch_policy":{"protected_branches":false,"custom_branch_policies":true}`
)

// preflight --github: with GitHub's default subject template, a missing drift environment and a
// production environment without reviewers, each is a problem with its fix; with everything
// protected, none.
func TestPreflightGitHub(t *testing.T) {
	dir := fleettest.Copy(t, repo)
	if err := os.WriteFile(filepath.Join(dir, bootstrap.FileName), []byte(bootstrapFile), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GITHUB_TOKEN", "t0ken")
	bad := fakeGitHub(t, bootstrap.SubjectTemplate{UseDefault: true}, map[string]string{
		"preview":    `{"name":"preview","protection_rules":[` + reviewers + `]}`,
		"production": `{"name":"production","protection_rules":[` + branchPolicy + `],` + mainOnly + `}`,
	}, map[string][]string{"production": {"main"}})
	defer bad.Close()
	t.Setenv("SOVEREIGN_GITHUB_API", bad.URL)
	_, out, errs := runCLI(t, "preflight", "--stack", "ams", "--github", "--dir", dir)
	for _, want := range []string{
		"problem github: the OIDC subject template of acme/global-sovereign is GitHub's default",
		"gh api --method PUT repos/acme/global-sovereign/actions/oidc/customization/sub",
		`problem github: environment "drift" (the drift role's) does not exist: GitHub creates it without protection`,
		`problem github: environment "production" (the deploy role's) has no required reviewers`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s%s", want, out, errs)
		}
	}
	if strings.Contains(out, `"preview"`) {
		t.Errorf("the protected preview environment is reported:\n%s", out)
	}

	good := fakeGitHub(t, bootstrap.SubjectTemplate{IncludeClaimKeys: bootstrap.SubjectClaimKeys}, map[string]string{
		"preview":    `{"name":"preview","protection_rules":[` + reviewers + `]}`,
		"drift":      `{"name":"drift","protection_rules":[` + branchPolicy + `],` + mainOnly + `}`,
		"production": `{"name":"production","protection_rules":[` + reviewers + `,` + branchPolicy + `],` + mainOnly + `}`,
	}, map[string][]string{"production": {"main"}, "drift": {"main"}})
	defer good.Close()
	t.Setenv("SOVEREIGN_GITHUB_API", good.URL)
	_, out, errs = runCLI(t, "preflight", "--stack", "ams", "--github", "--dir", dir)
	if strings.Contains(out, "problem github") || !strings.Contains(out, "info github: the subject template names the workflow") {
		t.Errorf("all protected:\n%s%s", out, errs)
	}
	// A drift environment open to every branch is a problem too.
	open := fakeGitHub(t, bootstrap.SubjectTemplate{IncludeClaimKeys: bootstrap.SubjectClaimKeys}, map[string]string{
		"preview":    `{"name":"preview","protection_rules":[` + reviewers + `]}`,
		"drift":      `{"name":"drift","protection_rules":[],"deployment_branch_policy":null}`,
		"production": `{"name":"production","protection_rules":[` + reviewers + `],` + mainOnly + `}`,
	}, map[string][]string{"production": {"main", "release/*"}})
	defer open.Close()
	t.Setenv("SOVEREIGN_GITHUB_API", open.URL)
	_, out, _ = runCLI(t, "preflight", "--stack", "ams", "--github", "--dir", dir)
	for _, want := range []string{`environment "drift" (the drift role's) is not limited to the branch main`,
		`environment "production" (the deploy role's) is not limited to the branch main`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Without a token, --github says how to give one.
	t.Setenv("GITHUB_TOKEN", "")
	t.Setenv("GH_TOKEN", "")
	if _, out, _ := runCLI(t, "preflight", "--stack", "ams", "--github", "--dir", dir); !strings.Contains(out, "--github needs a token") {
		t.Errorf("no token:\n%s", out)
	}
}
