package awscheck_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/pkg/awscheck"
	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// fakeMembers answers DescribeDBClusters as the RDS query API does, with each cluster's
// instances in order, the first one the writer ("" for none: a global database's secondary);
// a cluster absent from clusters is not found.
func fakeMembers(t *testing.T, clusters map[string][]string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if a := r.PostForm.Get("Action"); a != "DescribeDBClusters" {
			t.Errorf("unexpected call %s", a)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		id := r.PostForm.Get("DBClusterIdentifier")
		instances, ok := clusters[id]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, "<ErrorResponse><Error><Type>Sender</Type><Code>DBClusterNotFoundFault</Code><Message>DBCluster %s not found.</Message></Error></ErrorResponse>", id)
			return
		}
		if len(instances) == 1 && instances[0] == "!denied" {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform: rds:DescribeDBClusters</Message></Error></ErrorResponse>")
			return
		}
		var members strings.Builder
		for i, in := range instances {
			if in == "" {
				continue
			}
			fmt.Fprintf(&members, "<DBClusterMember><DBInstanceIdentifier>%s</DBInstanceIdentifier><IsClusterWriter>%t</IsClusterWriter><PromotionTier>1</PromotionTier></DBClusterMember>", in, i == 0)
		}
		fmt.Fprintf(w, "<DescribeDBClustersResponse><DescribeDBClustersResult><DBClusters><DBCluster><DBClusterIdentifier>%s</DBClusterIdentifier><DBClusterMembers>%s</DBClusterMembers></DBCluster></DBClusters></DescribeDBClustersResult></DescribeDBClustersResponse>", id, members.String())
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestAuroraWriter(t *testing.T) {
	fleet, err := config.LoadDir("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		clusters map[string][]string
		want     []string
		fix      string
	}{
		{"no cluster created yet: skipped", map[string][]string{}, nil, ""},
		{"writer is the instance the roll reaches last", map[string][]string{
			"gs-ams-aurora": {"gs-ams-aurora-1", "gs-ams-aurora-2", "gs-ams-aurora-3"},
		}, []string{
			"info [ams] aurora-writer: cluster gs-ams-aurora in eu-west-1: the writer is gs-ams-aurora-1, the instance a change to the instances reaches last",
		}, ""},
		{"writer created first, the roll restarts it first", map[string][]string{
			"gs-ams-aurora": {"gs-ams-aurora-3", "gs-ams-aurora-1", "gs-ams-aurora-2"},
		}, []string{
			"warning [ams] aurora-writer: cluster gs-ams-aurora in eu-west-1: the writer is gs-ams-aurora-3, number 1 of 3 in the order a change reaches the instances (gs-ams-aurora-1 last)",
		}, "aws rds failover-db-cluster --region eu-west-1 --db-cluster-identifier gs-ams-aurora --target-db-instance-identifier gs-ams-aurora-1 "},
		{"a writer the program did not declare", map[string][]string{
			"gs-iad-staging-aurora": {"gs-iad-staging-aurora-manual", "gs-iad-staging-aurora-1"},
		}, []string{
			"warning [iad-staging] aurora-writer: cluster gs-iad-staging-aurora in us-east-1: the writer is gs-iad-staging-aurora-manual, not one of the program's instances",
		}, "--db-cluster-identifier gs-iad-staging-aurora --target-db-instance-identifier gs-iad-staging-aurora-1 "},
		{"a cluster that cannot be read is a warning, the others are still judged", map[string][]string{
			"gs-ams-aurora":         {"!denied"},
			"gs-iad-staging-aurora": {"gs-iad-staging-aurora-2", "gs-iad-staging-aurora-1"},
		}, []string{
			"warning [ams] aurora-writer: could not read which instance writes Aurora cluster gs-ams-aurora (eu-west-1)",
			"warning [iad-staging] aurora-writer: cluster gs-iad-staging-aurora in us-east-1: the writer is gs-iad-staging-aurora-2",
		}, "--db-cluster-identifier gs-"},
		{"a secondary has no writer: skipped", map[string][]string{
			"gs-iad-aurora": {"", "gs-iad-aurora-1", "gs-iad-aurora-2"},
		}, nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fs := awscheck.Run(context.Background(), fakeEnv(fakeMembers(t, tt.clusters)), fleet, fleet.Names(), []awscheck.Check{awscheck.AuroraWriter})
			requireFindings(t, fs, tt.want)
			for _, f := range fs {
				if f.Severity == awscheck.Problem {
					t.Errorf("a problem stops up: %s", f)
				}
				if (f.Severity == awscheck.Warning) != (tt.fix != "") || !strings.Contains(f.Fix, tt.fix) {
					t.Errorf("fix %q, want it to contain %q", f.Fix, tt.fix)
				}
			}
		})
	}
}
