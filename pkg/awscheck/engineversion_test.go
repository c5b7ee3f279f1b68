package awscheck_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/global-sovereign/global-sovereign/pkg/awscheck"
	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// fakeRunning answers DescribeGlobalClusters and DescribeDBClusters as the RDS query API does,
// with the engine version each global or regional cluster runs; an identifier absent from
// running is not found.
func fakeRunning(t *testing.T, running map[string]string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		action := r.PostForm.Get("Action")
		var id, fault, body string
		switch action {
		case "DescribeGlobalClusters":
			id, fault = r.PostForm.Get("GlobalClusterIdentifier"), "GlobalClusterNotFoundFault"
			body = "<GlobalClusters><GlobalClusterMember><GlobalClusterIdentifier>%s</GlobalClusterIdentifier><EngineVersion>%s</EngineVersion></GlobalClusterMember></GlobalClusters>"
		case "DescribeDBClusters":
			id, fault = r.PostForm.Get("DBClusterIdentifier"), "DBClusterNotFoundFault"
			body = "<DBClusters><DBCluster><DBClusterIdentifier>%s</DBClusterIdentifier><EngineVersion>%s</EngineVersion></DBCluster></DBClusters>"
		}
		v, ok := running[id]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, "<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s not found</Message></Error></ErrorResponse>", fault, id)
			return
		}
		fmt.Fprintf(w, "<%sResponse><%sResult>"+body+"</%sResult></%sResponse>", action, action, id, v, action, action)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestEngineVersions(t *testing.T) {
	fleet, err := config.LoadDir("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		running map[string]string
		want    []string
	}{
		{"nothing created yet", map[string]string{}, nil},
		{"as configured", map[string]string{"global-sovereign-production": "16.6", "gs-iad-staging-aurora": "16.6"}, nil},
		{"AWS upgraded the global database", map[string]string{"global-sovereign-production": "16.10"}, []string{
			`problem [ams, iad, jnb, sfo, sin, syd] global cluster global-sovereign-production in eu-west-1 runs Aurora PostgreSQL 16.10, newer than database.engineVersion 16.6`}},
		{"AWS upgraded a standalone cluster", map[string]string{"gs-iad-staging-aurora": "16.8"}, []string{
			`problem [iad-staging] cluster gs-iad-staging-aurora in us-east-1 runs Aurora PostgreSQL 16.8, newer than database.engineVersion 16.6`}},
		{"an upgrade from config is pending", map[string]string{"gs-iad-staging-aurora": "16.4"}, []string{
			`info [iad-staging] cluster gs-iad-staging-aurora in us-east-1 runs Aurora PostgreSQL 16.4: the next up upgrades it to database.engineVersion 16.6`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fs := awscheck.Run(context.Background(), fakeEnv(fakeRunning(t, tt.running)), fleet, fleet.Names(), []awscheck.Check{awscheck.EngineVersions})
			var got []string
			for _, f := range fs {
				line := strings.SplitN(f.String(), "\n", 2)[0]
				got = append(got, strings.Replace(line, " aurora-engine-version:", "", 1))
			}
			if len(got) != len(tt.want) {
				t.Fatalf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Errorf("finding %q\nwant prefix %q", got[i], tt.want[i])
				}
			}
			for _, f := range fs {
				if f.Severity == awscheck.Problem && !strings.Contains(f.Fix, `database.engineVersion: "`) {
					t.Errorf("fix %q", f.Fix)
				}
			}
		})
	}
}

// fakeEnv is an Env whose every call goes to url, with test credentials and no retries.
func fakeEnv(url string) awscheck.Env {
	return awscheck.Env{Endpoint: url, Config: aws.Config{Region: "us-east-1", RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret"}, nil
		})}}
}
