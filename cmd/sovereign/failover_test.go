package main

import (
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/global-sovereign/global-sovereign/internal/fleettest"
)

var updateRunbook = flag.Bool("update", false, "rewrite the generated help in docs/operations/aurora-global-failover.md")

const runbook = repo + "/docs/operations/aurora-global-failover.md"

var helpBlock = regexp.MustCompile("(?s)(<!-- failover help:[^\n]*-->\n```text\n)(.*?)(```\n<!-- end of generated help -->)")

// The runbook is the command's documentation: its help block is `sovereign failover --help`,
// regenerated with -update.
func TestRunbookHelp(t *testing.T) {
	code, help, errs := runCLI(t, "failover", "--help")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	data, err := os.ReadFile(runbook)
	if err != nil {
		t.Fatal(err)
	}
	m := helpBlock.FindSubmatchIndex(data)
	if m == nil {
		t.Fatalf("%s has no generated help block", runbook)
	}
	if *updateRunbook {
		out := string(data[:m[4]]) + help + string(data[m[5]:])
		if err := os.WriteFile(filepath.Clean(runbook), []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got := string(data[m[4]:m[5]]); got != help {
		t.Errorf("the runbook's help block is stale; run go test ./cmd/sovereign -run TestRunbookHelp -update\n--- runbook\n%s\n--- help\n%s", got, help)
	}
}

func TestFailoverUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"failover", "--to", "iad"}, "say exactly one of --planned and --unplanned"},
		{[]string{"failover", "--to", "iad", "--planned", "--unplanned"}, "say exactly one of --planned and --unplanned"},
		{[]string{"failover", "--to", "iad", "--unplanned"}, "add --allow-data-loss"},
		{[]string{"failover", "--to", "nowhere", "--planned"}, `--to "nowhere": not a member of a global database`},
		{[]string{"failover", "--planned"}, `required flag(s) "to" not set`},
	} {
		code, _, errs := runCLI(t, append(tt.args, "--dir", repo)...)
		if code != 2 || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, %s; want 2 and %q", tt.args, code, errs, tt.want)
		}
	}
}

// The command gives the failover its AWS readers: a dry run of a planned switchover reads the
// global cluster, the target's cluster and its replication lag, through the endpoint it is
// given, and changes nothing.
func TestFailoverDryRunReadsTheTarget(t *testing.T) {
	var mu sync.Mutex
	var calls []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		action := r.PostForm.Get("Action")
		mu.Lock()
		calls = append(calls, action)
		mu.Unlock()
		switch action {
		case "DescribeGlobalClusters":
			members := ""
			for _, m := range []struct{ region, code string }{{"eu-west-1", "ams"}, {"us-east-1", "iad"}} {
				members += fmt.Sprintf("<GlobalClusterMember><DBClusterArn>arn:aws:rds:%s:111122223333:cluster:gs-%s-aurora</DBClusterArn><IsWriter>%v</IsWriter><SynchronizationStatus>connected</SynchronizationStatus></GlobalClusterMember>",
					m.region, m.code, m.code == "ams")
			}
			fmt.Fprintf(w, "<DescribeGlobalClustersResponse><DescribeGlobalClustersResult><GlobalClusters><GlobalClusterMember><GlobalClusterIdentifier>global-sovereign-production</GlobalClusterIdentifier><Status>available</Status><GlobalClusterMembers>%s</GlobalClusterMembers></GlobalClusterMember></GlobalClusters></DescribeGlobalClustersResult></DescribeGlobalClustersResponse>", members)
		case "DescribeDBClusters":
			fmt.Fprint(w, "<DescribeDBClustersResponse><DescribeDBClustersResult><DBClusters><DBCluster><DBClusterIdentifier>gs-iad-aurora</DBClusterIdentifier><Status>available</Status></DBCluster></DBClusters></DescribeDBClustersResult></DescribeDBClustersResponse>")
		case "GetMetricData":
			fmt.Fprint(w, "<GetMetricDataResponse><GetMetricDataResult><MetricDataResults><member><Id>lag</Id><Timestamps><member>2026-12-07T05:00:00Z</member></Timestamps><Values><member>42</member></Values><StatusCode>Complete</StatusCode></member></MetricDataResults></GetMetricDataResult></GetMetricDataResponse>")
		default:
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, "<ErrorResponse><Error><Code>InvalidAction</Code><Message>%s</Message></Error></ErrorResponse>", action)
		}
	}))
	defer srv.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	dir := fleettest.Copy(t, repo)
	code, out, errs := runCLI(t, "failover", "--to", "iad", "--planned", "--dry-run", "--aws-endpoint", srv.URL, "--dir", dir)
	if code != 0 || !strings.Contains(out, "gs-iad-aurora: available, replication lag 42 ms (limit 5000 ms)") || !strings.Contains(out, "dry run: nothing changed") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(calls, ",") != "DescribeGlobalClusters,DescribeDBClusters,GetMetricData" {
		t.Errorf("calls %v", calls)
	}
}
