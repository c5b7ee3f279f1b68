package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"

	"github.com/global-sovereign/global-sovereign/pkg/bootstrap"
	"github.com/global-sovereign/global-sovereign/pkg/orchestrate"
	"github.com/global-sovereign/global-sovereign/pkg/orchestrate/autoengine"
)

const bootstrapFile = `accountId: "111122223333"
region: eu-west-1
replicaRegion: eu-central-1
github:
  repository: acme/global-sovereign
`

func projectWith(t *testing.T, bootstrapYAML string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, bootstrap.FileName), []byte(bootstrapYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

const placeholders = `accountId: ""
region: eu-west-1
replicaRegion: eu-central-1
github:
  repository: ""
`

// bootstrap.yaml as committed has no account and no repository yet: bootstrap stops before
// anything runs, naming file, line, key and what to set.
func TestBootstrapRefusesThePlaceholders(t *testing.T) {
	called := false
	defer swap(&runBootstrap, func(context.Context, autoengine.BootstrapOptions) (*autoengine.BootstrapResult, error) {
		called = true
		return nil, errors.New("must not run")
	})()
	code, _, errs := runCLI(t, "bootstrap", "--dir", projectWith(t, placeholders))
	if code != exitConfig || called {
		t.Fatalf("exit %d, engine called %v\n%s", code, called, errs)
	}
	for _, want := range []string{"bootstrap.yaml:1: accountId: missing", "bootstrap.yaml:5: github.repository: missing", "bootstrap creates nothing until bootstrap.yaml is valid"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
}

// What the command hands the engine: the program's local backend under .sovereign, an empty
// passphrase there, the bucket and the KMS secrets provider as the target, the aws plugin only,
// the default aws provider disabled; and what it prints afterwards.
func TestBootstrapRunsTheMove(t *testing.T) {
	dir := projectWith(t, bootstrapFile)
	t.Setenv("GITHUB_TOKEN", "")
	t.Setenv("GH_TOKEN", "")
	defer swap(&oidcProviderExists, func(context.Context, string) (bool, error) { return false, nil })()
	var got autoengine.BootstrapOptions
	defer swap(&runBootstrap, func(_ context.Context, o autoengine.BootstrapOptions) (*autoengine.BootstrapResult, error) {
		got = o
		return &autoengine.BootstrapResult{Path: autoengine.Moved, Resources: 31, Outputs: auto.OutputMap{
			bootstrap.OutputBackendURL:     {Value: "s3://acme-state?region=us-east-1&awssdk=v2"},
			bootstrap.OutputPreviewRoleArn: {Value: "arn:aws:iam::111122223333:role/gs-ci-preview"},
			bootstrap.OutputDeployRoleArn:  {Value: "arn:aws:iam::111122223333:role/gs-ci-deploy"},
		}}, nil
	})()
	code, out, errs := runCLI(t, "bootstrap", "--dir", dir, "--region", "us-east-1", "--bucket", "acme-state")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	for what, ok := range map[string]bool{
		"project":           got.Project == bootstrap.Project && got.Stack == bootstrap.Stack && got.Program != nil,
		"local backend":     got.Local.URL == "file://"+filepath.Join(dir, ".sovereign", "bootstrap", "state"),
		"local passphrase":  got.Local.SecretsProvider == "passphrase" && got.Local.Env["PULUMI_CONFIG_PASSPHRASE"] == "",
		"target":            got.Target.URL == "s3://acme-state?region=us-east-1&awssdk=v2",
		"target secrets":    got.Target.SecretsProvider == "awskms://alias/gs-pulumi-secrets?region=us-east-1",
		"default providers": strings.Join(got.DisableDefaultProviders, ",") == "aws",
		"work dir":          strings.HasPrefix(got.WorkDir, filepath.Join(dir, ".sovereign")),
	} {
		if !ok {
			t.Errorf("%s: %+v", what, got)
		}
	}
	for _, p := range got.Plugins {
		if p.Name != "aws" {
			t.Errorf("installs plugin %s; the bootstrap uses aws only", p.Name)
		}
	}
	for _, want := range []string{
		"Created the state backend and moved the bootstrap's own state into it; 31 resources, nothing left to change.",
		"pulumi login 's3://acme-state?region=us-east-1&awssdk=v2'",
		"gh variable set AWS_DEPLOY_ROLE_ARN --repo acme/global-sovereign --body 'arn:aws:iam::111122223333:role/gs-ci-deploy'",
		"gh variable set PULUMI_BACKEND_URL --repo acme/global-sovereign --body 's3://acme-state?region=us-east-1&awssdk=v2'",
		"Write region: us-east-1 and bucket: acme-state into bootstrap.yaml",
		"gh api --method PUT repos/acme/global-sovereign/actions/oidc/customization/sub -F use_default=false " +
			"-f 'include_claim_keys[]=repo' -f 'include_claim_keys[]=context' -f 'include_claim_keys[]=job_workflow_ref'",
		"No GITHUB_TOKEN: set the OIDC subject template yourself",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// An account that has GitHub's OIDC provider already: bootstrap adopts it (the program imports
// it) instead of failing on EntityAlreadyExists; one that IAM cannot be asked about stops first.
// With a token, the repository's subject template is set through GitHub's API.
func TestBootstrapAdoptsTheOIDCProviderAndSetsTheSubjectTemplate(t *testing.T) {
	var asked string
	defer swap(&oidcProviderExists, func(_ context.Context, arn string) (bool, error) { asked = arn; return true, nil })()
	var adopted bool
	defer swap(&runBootstrap, func(_ context.Context, o autoengine.BootstrapOptions) (*autoengine.BootstrapResult, error) {
		adopted = o.Program != nil
		return &autoengine.BootstrapResult{Path: autoengine.AlreadyThere, Resources: 40, Outputs: auto.OutputMap{}}, nil
	})()
	var put struct {
		UseDefault bool     `json:"use_default"`
		Keys       []string `json:"include_claim_keys"`
	}
	gh := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut || r.URL.Path != "/repos/acme/global-sovereign/actions/oidc/customization/sub" ||
			r.Header.Get("Authorization") != "Bearer admin-token" {
			t.Errorf("GitHub API: %s %s %s", r.Method, r.URL.Path, r.Header.Get("Authorization"))
		}
		_ = json.NewDecoder(r.Body).Decode(&put)
		w.WriteHeader(http.StatusCreated)
	}))
	defer gh.Close()
	t.Setenv("SOVEREIGN_GITHUB_API", gh.URL)
	t.Setenv("GITHUB_TOKEN", "admin-token")
	code, out, errs := runCLI(t, "bootstrap", "--dir", projectWith(t, bootstrapFile))
	if code != 0 || !adopted || asked != "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com" {
		t.Fatalf("exit %d, asked %q\n%s%s", code, asked, out, errs)
	}
	if !strings.Contains(errs, "adopting it (imported, never deleted)") || !strings.Contains(out, "Set the OIDC subject template") {
		t.Errorf("output:\n%s%s", out, errs)
	}
	if put.UseDefault || strings.Join(put.Keys, ",") != "repo,context,job_workflow_ref" {
		t.Errorf("template sent: %+v", put)
	}
	defer swap(&oidcProviderExists, func(context.Context, string) (bool, error) { return false, errors.New("AccessDenied") })()
	if code, _, errs := runCLI(t, "bootstrap", "--dir", projectWith(t, bootstrapFile)); code != exitFailed || !strings.Contains(errs, "AccessDenied") {
		t.Errorf("IAM unreachable: exit %d %s", code, errs)
	}
}

func TestBootstrapReportsAFailedMove(t *testing.T) {
	defer swap(&oidcProviderExists, func(context.Context, string) (bool, error) { return false, nil })()
	defer swap(&runBootstrap, func(context.Context, autoengine.BootstrapOptions) (*autoengine.BootstrapResult, error) {
		return nil, errors.New("importing the state into s3://x: AccessDenied")
	})()
	code, _, errs := runCLI(t, "bootstrap", "--dir", projectWith(t, bootstrapFile))
	if code != exitFailed || !strings.Contains(errs, "AccessDenied") {
		t.Errorf("exit %d: %s", code, errs)
	}
}

// New stacks on the bootstrap's S3 backend get its KMS key; other backends keep their default;
// an S3 backend bootstrap.yaml does not describe is refused rather than guessed.
func TestSecretsProviderFor(t *testing.T) {
	f := secretsProviderFor(projectWith(t, bootstrapFile))
	for url, want := range map[string]string{
		"s3://gs-pulumi-state-111122223333-eu-west-1?region=eu-west-1&awssdk=v2": "awskms://alias/gs-pulumi-secrets?region=eu-west-1",
		"file:///tmp/state":      "",
		"https://api.pulumi.com": "",
	} {
		if got, err := f(url); err != nil || got != want {
			t.Errorf("%s: %q %v, want %q", url, got, err, want)
		}
	}
	if _, err := f("s3://someone-elses-bucket?region=eu-west-1"); err == nil || !strings.Contains(err.Error(), "is not bootstrap.yaml's") {
		t.Errorf("got %v", err)
	}
	if _, err := secretsProviderFor(projectWith(t, placeholders))("s3://b?region=eu-west-1"); err == nil || !strings.Contains(err.Error(), "accountId: missing") {
		t.Errorf("with the committed placeholders: %v", err)
	}
}

type fakeUnlock struct {
	missing []string
	backend string
	pending []string
}

func (f *fakeUnlock) Prepare(context.Context, []string, bool) ([]string, error) {
	return f.missing, nil
}
func (f *fakeUnlock) BackendURL(context.Context) (string, error) { return f.backend, nil }
func (f *fakeUnlock) PendingOperations(context.Context, string) ([]string, error) {
	return f.pending, nil
}

// unlock removes each stale lock object on its own and keeps every other: a colleague's lock on
// a host named like ours, a CI runner's without --force, one whose process still runs here.
func TestUnlock(t *testing.T) {
	at := time.Now().Add(-time.Hour)
	mine := orchestrate.Lock{Key: "s3://gs-state/mine.json", Pid: 11, Username: "ana", Hostname: "laptop", Timestamp: at}
	ci := orchestrate.Lock{Key: "s3://gs-state/ci.json", Pid: 12, Username: "runner", Hostname: "fv-az42", Timestamp: at}
	colleague := orchestrate.Lock{Key: "s3://gs-state/bo.json", Pid: 11, Username: "bo", Hostname: "laptop", Timestamp: at}
	for _, tc := range []struct {
		name        string
		locks       []orchestrate.Lock
		alive       bool
		args        []string
		wantCode    int
		wantRemoved []string
		want        []string
	}{
		{"not locked", nil, false, nil, 0, nil, []string{"ams is not locked: nothing to do."}},
		{"our killed CLI", []orchestrate.Lock{mine}, false, nil, 0, []string{mine.Key},
			[]string{"stale, removed (s3://gs-state/mine.json): its Pulumi CLI (pid 11) on this machine has exited", "no other touched",
				"1 operation(s) were left pending", "--clear-pending-creates"}},
		{"our killed CLI beside a colleague's lock on a host of the same name", []orchestrate.Lock{mine, colleague}, false, nil, exitFailed,
			[]string{mine.Key}, []string{"by bo on laptop", "may be running, kept", "1 lock(s) may belong to a running operation and were kept; 1 stale"}},
		{"our running CLI", []orchestrate.Lock{mine}, true, []string{"--force"}, exitFailed, nil,
			[]string{"may be running, kept: its Pulumi CLI (pid 11) is still running on this machine"}},
		{"a CI runner's lock", []orchestrate.Lock{ci}, false, nil, exitFailed, nil,
			[]string{"taken 1h0m0s ago by runner on fv-az42", "then run again with --force", "were kept"}},
		{"a CI runner's lock, forced", []orchestrate.Lock{ci}, false, []string{"--force"}, 0, []string{ci.Key},
			[]string{"removed because of --force", "ams: unlocked"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eng := &fakeUnlock{backend: "s3://gs-state?region=eu-west-1", pending: []string{"creating urn:pulumi:ams::global-sovereign::aws:ec2/vpc:Vpc::v"}}
			var removed []string
			defer swap(&newUnlockEngine, func(autoengine.Options) (unlockEngine, error) { return eng, nil })()
			defer swap(&readLocks, func(_ context.Context, url, project, stack string, _ orchestrate.Runner) ([]orchestrate.Lock, error) {
				if url != eng.backend || project != "global-sovereign" || stack != "ams" {
					t.Errorf("read the locks of %s %s %s", url, project, stack)
				}
				return tc.locks, nil
			})()
			defer swap(&removeLock, func(_ context.Context, url string, l orchestrate.Lock, _ orchestrate.Runner) error {
				removed = append(removed, l.Key)
				return nil
			})()
			defer swap(&thisMachine, func() (orchestrate.Machine, error) {
				return orchestrate.Machine{Hostname: "laptop", Username: "ana", Alive: func(int) bool { return tc.alive }}, nil
			})()
			code, out, errs := runCLI(t, append([]string{"unlock", "--stack", "ams", "--dir", repo}, tc.args...)...)
			if code != tc.wantCode || fmt.Sprint(removed) != fmt.Sprint(tc.wantRemoved) {
				t.Errorf("exit %d, removed %v; want %d, %v\n%s%s", code, removed, tc.wantCode, tc.wantRemoved, out, errs)
			}
			for _, want := range tc.want {
				if !strings.Contains(out+errs, want) {
					t.Errorf("output lacks %q:\n%s%s", want, out, errs)
				}
			}
		})
	}
	if code, _, errs := runCLI(t, "unlock", "--stack", "nope", "--dir", repo); code != exitConfig || !strings.Contains(errs, `no stack "nope"`) {
		t.Errorf("unknown stack: %d %s", code, errs)
	}
}

func TestDriftReport(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "issue.md")
	code, stdout, errs := runCLI(t, "drift-report", "--summary", filepath.Join(repo, "testdata/drift/summary.json"), "--out", out,
		"--run-url", "https://github.com/acme/global-sovereign/actions/runs/42", "--checked-at", "2026-03-02T05:23:00Z")
	if code != 0 || stdout != "state=drift\n" {
		t.Fatalf("exit %d, stdout %q\n%s", code, stdout, errs)
	}
	got, _ := os.ReadFile(out)
	want, _ := os.ReadFile(filepath.Join(repo, "testdata/drift/issue.md"))
	if string(got) != string(want) {
		t.Errorf("the command's issue differs from the golden one:\n%s", got)
	}
	if code, _, errs := runCLI(t, "drift-report", "--summary", filepath.Join(dir, "missing.json"), "--out", out); code != exitConfig {
		t.Errorf("missing summary: exit %d %s", code, errs)
	}
}

// swap replaces *p with v and returns the function that restores it.
func swap[T any](p *T, v T) func() {
	old := *p
	*p = v
	return func() { *p = old }
}
