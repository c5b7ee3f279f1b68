package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/pkg/orchestrate"
	"github.com/global-sovereign/global-sovereign/pkg/orchestrate/autoengine"
)

// checkedEngine is the fake engine with prerequisites, as the Automation API's: up then asks
// AWS who the caller is.
type checkedEngine struct{ *diffEngine }

func (checkedEngine) Check(context.Context) []string { return nil }

// fakeCallerAWS answers STS GetCallerIdentity with caller and EKS ListAccessEntries with the
// entries of the clusters that exist.
func fakeCallerAWS(t *testing.T, caller string, entries map[string][]string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		if cluster, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/clusters/"), "/access-entries"); ok {
			e, exists := entries[cluster]
			if !exists {
				w.WriteHeader(http.StatusNotFound)
				fmt.Fprintf(w, `{"message":"No cluster found for name: %s."}`, cluster)
				return
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"accessEntries": e})
			return
		}
		_ = r.ParseForm()
		if r.PostForm.Get("Action") != "GetCallerIdentity" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>%s</Arn><UserId>AROA:x</UserId><Account>111122223333</Account>`+
			`</GetCallerIdentityResult></GetCallerIdentityResponse>`, caller)
	}))
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	return srv.URL
}

// up compares the caller with the roles before it creates anything: a person's SSO admin role
// creating a cluster collides with its own entry, a role without one fails with 401, a
// read-only one with 403; the deploy role, or an admin on clusters that exist, goes ahead.
func TestUpRefusesTheWrongCreator(t *testing.T) {
	const deploy = "arn:aws:iam::111122223333:role/deploy"
	const admin = "arn:aws:iam::111122223333:role/platform-admin"
	dir := readyFleet(t)
	for _, tt := range []struct {
		name, caller string
		entries      map[string][]string
		wantCode     int
		wantRan      string
		wantErr      string
	}{
		{"an admin creating the cluster", "arn:aws:sts::111122223333:assumed-role/platform-admin/alice", nil, exitConfig, "", "ResourceInUseException"},
		{"a person without a role", "arn:aws:sts::111122223333:assumed-role/developer/bob", nil, exitConfig, "", "neither creatorRoleArn nor in adminRoleArns"},
		{"a preview role on a cluster that exists", "arn:aws:sts::111122223333:assumed-role/preview/pr-1",
			map[string][]string{"gs-ams": {deploy, admin, "arn:aws:iam::111122223333:role/preview"}}, exitConfig, "", "403"},
		{"the deploy role creating it", "arn:aws:sts::111122223333:assumed-role/deploy/gha-1", nil, exitOK, "up ams", ""},
		{"an admin on a cluster that exists", "arn:aws:sts::111122223333:assumed-role/platform-admin/alice",
			map[string][]string{"gs-ams": {deploy, admin}}, exitOK, "up ams", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			endpoint := fakeCallerAWS(t, tt.caller, tt.entries)
			eng := &diffEngine{}
			oldEngine, oldTerminal := newEngine, stdinIsTerminal
			defer func() { newEngine, stdinIsTerminal = oldEngine, oldTerminal }()
			newEngine = func(autoengine.Options) (orchestrate.Engine, error) { return checkedEngine{eng}, nil }
			stdinIsTerminal = func() bool { return false }
			var out, errb bytes.Buffer
			code := runWithInput([]string{"up", "--stack", "ams", "--yes", "--aws-endpoint", endpoint, "--dir", dir, "--log-dir", t.TempDir()},
				strings.NewReader(""), &out, &errb)
			if code != tt.wantCode || eng.ran() != tt.wantRan {
				t.Fatalf("exit %d ran %q, want %d %q\n%s%s", code, eng.ran(), tt.wantCode, tt.wantRan, out.String(), errb.String())
			}
			if tt.wantErr != "" && (!strings.Contains(errb.String(), tt.wantErr) || !strings.Contains(errb.String(), "up refuses to start")) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantErr, errb.String())
			}
		})
	}
}
