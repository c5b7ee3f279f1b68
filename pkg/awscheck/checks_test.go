package awscheck

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

const repo = "../.."

// fakeAWS answers STS GetCallerIdentity and EC2 DescribeInstanceTypeOfferings (both Query API
// over a form POST, XML answers) as AWS would, and records what it was asked.
type fakeAWS struct {
	caller   string
	offered  map[string][]string // AZ -> instance types offered there
	entries  map[string][]string // EKS cluster -> principals with an access entry (absent: no cluster)
	requests []url.Values
	paths    []string
	unsigned int
}

func (f *fakeAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.requests = append(f.requests, r.PostForm)
	f.paths = append(f.paths, r.URL.Path)
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") {
		f.unsigned++
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `<Response><Errors><Error><Code>AuthFailure</Code><Message>not signed</Message></Error></Errors></Response>`)
		return
	}
	// EKS REST-JSON: GET /clusters/{name}/access-entries, in pages of one to exercise nextToken.
	if cluster, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/clusters/"), "/access-entries"); ok && r.Method == http.MethodGet {
		if !strings.Contains(r.Header.Get("Authorization"), "/eks/aws4_request") {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		entries, exists := f.entries[cluster]
		if !exists {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"message":"No cluster found for name: %s."}`, cluster)
			return
		}
		i := 0
		if tok := r.URL.Query().Get("nextToken"); tok != "" {
			fmt.Sscanf(tok, "t%d", &i)
		}
		page := map[string]any{"accessEntries": []string{}}
		if i < len(entries) {
			page["accessEntries"] = entries[i : i+1]
			if i+1 < len(entries) {
				page["nextToken"] = fmt.Sprintf("t%d", i+1)
			}
		}
		_ = json.NewEncoder(w).Encode(page)
		return
	}
	switch r.PostForm.Get("Action") {
	case "GetCallerIdentity":
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>`+
			`<Arn>%s</Arn><UserId>AROAEXAMPLE:ci</UserId><Account>123456789012</Account></GetCallerIdentityResult>`+
			`<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`, f.caller)
	case "DescribeInstanceTypeOfferings":
		if r.PostForm.Get("LocationType") != "availability-zone" || r.PostForm.Get("Filter.1.Name") != "instance-type" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `<Response><Errors><Error><Code>InvalidParameterValue</Code><Message>filter</Message></Error></Errors></Response>`)
			return
		}
		want := map[string]bool{}
		for k, v := range r.PostForm {
			if strings.HasPrefix(k, "Filter.1.Value.") {
				want[v[0]] = true
			}
		}
		var b strings.Builder
		b.WriteString(`<DescribeInstanceTypeOfferingsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>1</requestId><instanceTypeOfferingSet>`)
		for az, types := range f.offered {
			for _, t := range types {
				if want[t] {
					fmt.Fprintf(&b, `<item><instanceType>%s</instanceType><locationType>availability-zone</locationType><location>%s</location></item>`, t, az)
				}
			}
		}
		b.WriteString(`</instanceTypeOfferingSet></DescribeInstanceTypeOfferingsResponse>`)
		fmt.Fprint(w, b.String())
	default:
		w.WriteHeader(http.StatusBadRequest)
	}
}

func testEnv(t *testing.T, f *fakeAWS) Env {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	creds := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret", Source: "test"}, nil
	})
	return Env{Config: aws.Config{Region: "us-east-1", Credentials: creds}, Endpoint: srv.URL}
}

// fleetWith is the committed fleet with the clusters' creator role and admins set as given.
func fleetWith(t *testing.T, creator string, admins ...string) *config.Fleet {
	t.Helper()
	f, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range f.Names() {
		if c := f.Stack(n).Cluster; c != nil {
			c.CreatorRoleArn, c.AdminRoleArns = creator, admins
		}
	}
	return f
}

const (
	deployRole = "arn:aws:iam::123456789012:role/ci/global-sovereign-deploy" // a role with a path
	adminRole  = "arn:aws:iam::123456789012:role/platform-admin"
)

func TestIdentity(t *testing.T) {
	tests := []struct {
		name, caller string
		want         Severity
		inMsg        string
	}{
		{"the deploy role creates", "arn:aws:sts::123456789012:assumed-role/global-sovereign-deploy/gha-42", Info, "is creatorRoleArn"},
		{"an admin would collide on create", "arn:aws:sts::123456789012:assumed-role/platform-admin/alice", Problem, "ResourceInUseException"},
		{"a person without an entry", "arn:aws:sts::123456789012:assumed-role/developer/bob", Problem, "401"},
		{"an IAM user", "arn:aws:iam::123456789012:user/carol", Problem, "neither creatorRoleArn nor in adminRoleArns"},
		{"the same name in another account", "arn:aws:sts::999999999999:assumed-role/global-sovereign-deploy/x", Problem, "401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeAWS{caller: tt.caller}
			fleet := fleetWith(t, deployRole, adminRole)
			fs := Run(context.Background(), testEnv(t, fake), fleet, []string{"ams", "sfo", "global"}, []Check{Identity})
			if len(fs) != 1 || fs[0].Severity != tt.want || !strings.Contains(fs[0].Message, tt.inMsg) || fs[0].Check != "cluster-identity" {
				t.Fatalf("findings %v, want one %s mentioning %q", fs, tt.want, tt.inMsg)
			}
			if got := strings.Join(fs[0].Stacks, ","); got != "ams,sfo" { // global has no cluster
				t.Errorf("stacks %s", got)
			}
			if fake.unsigned > 0 || fake.requests[0].Get("Action") != "GetCallerIdentity" {
				t.Errorf("requests %v (unsigned %d)", fake.requests, fake.unsigned)
			}
		})
	}
	// An admin on clusters that exist: nothing to say here (the access check covers them).
	fake := &fakeAWS{caller: "arn:aws:sts::123456789012:assumed-role/platform-admin/alice",
		entries: map[string][]string{"gs-ams": {deployRole, adminRole}, "gs-sfo": {deployRole, adminRole}}}
	if fs := Run(context.Background(), testEnv(t, fake), fleetWith(t, deployRole, adminRole), []string{"ams", "sfo"}, []Check{Identity}); len(fs) != 0 {
		t.Errorf("an admin on existing clusters: %v", fs)
	}
	// No creator configured: the offline preflight asks for it; the online check says nothing.
	fake = &fakeAWS{caller: "arn:aws:sts::123456789012:assumed-role/developer/bob"}
	if fs := Run(context.Background(), testEnv(t, fake), fleetWith(t, ""), []string{"ams"}, []Check{Identity}); len(fs) != 0 {
		t.Errorf("findings without a creator role: %v", fs)
	}
}

func TestSameRole(t *testing.T) {
	tests := []struct {
		caller, role string
		want         bool
	}{
		{"arn:aws:sts::123456789012:assumed-role/deploy/s", "arn:aws:iam::123456789012:role/deploy", true},
		{"arn:aws:sts::123456789012:assumed-role/deploy/s", "arn:aws:iam::123456789012:role/path/deploy", true},
		{"arn:aws:iam::123456789012:role/deploy", "arn:aws:iam::123456789012:role/deploy", true},
		{"arn:aws:sts::123456789012:assumed-role/deploy/s", "arn:aws:iam::123456789012:role/deployer", false},
		{"arn:aws-us-gov:sts::123456789012:assumed-role/deploy/s", "arn:aws:iam::123456789012:role/deploy", false},
		{"arn:aws:iam::123456789012:user/deploy", "arn:aws:iam::123456789012:role/deploy", false},
		{"not an arn", "arn:aws:iam::123456789012:role/deploy", false},
	}
	for _, tt := range tests {
		if got := SameRole(tt.caller, tt.role); got != tt.want {
			t.Errorf("SameRole(%s, %s) = %v", tt.caller, tt.role, got)
		}
	}
}

// every offers each type in every AZ of the region.
func every(azs []string, types ...string) map[string][]string {
	out := map[string][]string{}
	for _, az := range azs {
		out[az] = types
	}
	return out
}

func TestOfferings(t *testing.T) {
	fleet := fleetWith(t, deployRole)
	sfo := fleet.Stack("sfo")
	var types []string
	for _, g := range sfo.Cluster.NodeGroups {
		types = append(types, g.InstanceTypes...)
	}
	types = append(types, sfo.Cassandra.InstanceType)
	azs := sfo.Network.AvailabilityZones // us-west-1a, us-west-1c

	fake := &fakeAWS{offered: every(azs, types...)}
	if fs := Run(context.Background(), testEnv(t, fake), fleet, []string{"sfo"}, []Check{Offerings}); len(fs) != 0 {
		t.Fatalf("every type offered everywhere, findings %v", fs)
	}
	if fake.unsigned > 0 || len(fake.requests) != 1 {
		t.Fatalf("one signed request per region, got %d (unsigned %d)", len(fake.requests), fake.unsigned)
	}

	// m5.4xlarge missing in us-west-1c: its single-type group cannot launch there (a problem);
	// one of the spot group's types missing there leaves the others (a warning); Cassandra's
	// r6i.2xlarge missing in us-west-1a fails that AZ's rack group only.
	offered := every(azs, types...)
	without := func(az string, gone ...string) {
		var keep []string
		for _, t := range offered[az] {
			if !strings.Contains(strings.Join(gone, " "), t) {
				keep = append(keep, t)
			}
		}
		offered[az] = keep
	}
	without("us-west-1c", "m5.4xlarge", "m6a.large")
	without("us-west-1a", "r6i.2xlarge")
	fake = &fakeAWS{offered: offered}
	fs := Run(context.Background(), testEnv(t, fake), fleet, []string{"sfo"}, []Check{Offerings})
	want := []struct {
		sev   Severity
		inMsg string
	}{
		{Problem, "node group general-4xlarge: m5.4xlarge not offered in us-west-1c (us-west-1)"},
		{Warning, "node group batch: m6a.large not offered in us-west-1c"},
		{Problem, "node group cassandra-us-west-1a: r6i.2xlarge not offered in us-west-1a"},
	}
	if len(fs) != len(want) {
		t.Fatalf("findings %v", fs)
	}
	for i, w := range want {
		if fs[i].Severity != w.sev || !strings.Contains(fs[i].Message, w.inMsg) || fs[i].Stacks[0] != "sfo" {
			t.Errorf("finding %d: %v, want %s %q", i, fs[i], w.sev, w.inMsg)
		}
	}
	if Problems(fs) != 2 {
		t.Errorf("problems %d", Problems(fs))
	}
}

// A refused call is a problem naming the check, not a crash or a silent pass.
func TestOfferingsAPIError(t *testing.T) {
	env := testEnv(t, &fakeAWS{})
	env.Config.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "AKIDOTHER", SecretAccessKey: "x"}, nil
	})
	fs := Run(context.Background(), env, fleetWith(t, deployRole), []string{"jnb"}, []Check{Offerings})
	if len(fs) != 1 || fs[0].Severity != Problem || !strings.Contains(fs[0].Message, "AuthFailure") || fs[0].Check != "instance-offerings" {
		t.Errorf("findings %v", fs)
	}
}

func TestKubernetesSupportNote(t *testing.T) {
	fleet := fleetWith(t, deployRole)
	for _, n := range fleet.Names() {
		if c := fleet.Stack(n).Cluster; c != nil && n == "syd" {
			c.KubernetesVersion = "1.34"
		}
	}
	day := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	fs := kubernetesSupportOn(fleet, fleet.Names(), day)
	if len(fs) != 1 || fs[0].Severity != Warning || fs[0].Stacks[0] != "syd" || !strings.Contains(fs[0].Message, "Kubernetes 1.34 is in EKS extended support (until 2027-12-02)") {
		t.Errorf("findings %v", fs)
	}
}

func TestAWSCLI(t *testing.T) {
	fleet := fleetWith(t, deployRole)
	defer func(orig func(string) (string, error)) { lookPath = orig }(lookPath)
	lookPath = func(string) (string, error) { return "", fmt.Errorf("not found") }
	fs := AWSCLI(fleet, []string{"ams", "global"})
	if len(fs) != 1 || fs[0].Severity != Problem || strings.Join(fs[0].Stacks, ",") != "ams,global" || !strings.Contains(fs[0].Message, "aws eks get-token") {
		t.Errorf("findings %v", fs)
	}
	lookPath = func(string) (string, error) { return "/usr/local/bin/aws", nil }
	if fs := AWSCLI(fleet, []string{"ams"}); len(fs) != 0 {
		t.Errorf("aws on PATH, findings %v", fs)
	}
}

// The reach probe only opens TCP; the caller also needs an access entry on each cluster that
// exists (the creator's implicit one counts), or every Kubernetes object fails with 401. A
// client stack applies into its home's cluster, the global stack into the datacenters'.
func TestAccess(t *testing.T) {
	const bob = "arn:aws:sts::123456789012:assumed-role/developer/bob"
	fake := &fakeAWS{caller: bob, entries: map[string][]string{
		// ams exists, bob's role among three entries (found on the third page); sfo and iad
		// exist without bob; the other clusters do not exist yet.
		"gs-ams": {deployRole, adminRole, "arn:aws:iam::123456789012:role/developer"},
		"gs-sfo": {deployRole, adminRole},
		"gs-iad": {deployRole},
	}}
	fleet := fleetWith(t, deployRole, adminRole, "arn:aws:iam::123456789012:role/developer")
	fs := Run(context.Background(), testEnv(t, fake), fleet, []string{"ams", "sfo", "jnb", "iad-ezra", "global"}, []Check{Access})
	var got []string
	for _, f := range fs {
		if f.Severity != Problem || !strings.Contains(f.Message, "no access entry on cluster") {
			t.Errorf("finding %v", f)
		}
		got = append(got, f.Stacks[0]+"@"+strings.Fields(strings.SplitN(f.Message, "cluster ", 2)[1])[0])
	}
	want := "sfo@gs-sfo iad-ezra@gs-iad global@gs-iad global@gs-sfo"
	if strings.Join(got, " ") != want {
		t.Errorf("findings on %s, want %s", strings.Join(got, " "), want)
	}
	if fake.unsigned > 0 {
		t.Errorf("%d unsigned requests", fake.unsigned)
	}
	if paths := strings.Join(fake.paths, " "); !strings.Contains(paths, "/clusters/gs-jnb/access-entries") {
		t.Errorf("requests %s", paths)
	}
}

// The deploy role without an entry of its own (another principal created the cluster) is not
// told to add itself to adminRoleArns, which validation refuses for the creator: the fix is the
// recovery runbook.
func TestAccessDeployRoleWithoutEntry(t *testing.T) {
	fake := &fakeAWS{caller: "arn:aws:sts::123456789012:assumed-role/global-sovereign-deploy/gha-1",
		entries: map[string][]string{"gs-ams": {"arn:aws:iam::123456789012:role/alice-admin"}}}
	fs := Run(context.Background(), testEnv(t, fake), fleetWith(t, deployRole), []string{"ams"}, []Check{Access})
	if len(fs) != 1 || fs[0].Severity != Problem || !strings.Contains(fs[0].Fix, "Recovery when a cluster was created by the wrong principal") ||
		strings.Contains(fs[0].Fix, "adminRoleArns") {
		t.Errorf("findings %v", fs)
	}
}

// An entry is not enough: a read-only role has one, passes, and then fails every write with 403;
// the deploy role's implicit entry and an admin's pass.
func TestAccessNeedsAnAdminEntry(t *testing.T) {
	const viewer = "arn:aws:iam::123456789012:role/sovereign-preview"
	for _, tt := range []struct{ name, caller, wantInMsg string }{
		{"a viewer", "arn:aws:sts::123456789012:assumed-role/sovereign-preview/pr-7", "neither its creatorRoleArn nor in its adminRoleArns"},
		{"an admin", "arn:aws:sts::123456789012:assumed-role/platform-admin/alice", ""},
		{"the deploy role", "arn:aws:sts::123456789012:assumed-role/global-sovereign-deploy/gha-1", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeAWS{caller: tt.caller, entries: map[string][]string{"gs-ams": {deployRole, adminRole, viewer}}}
			fs := Run(context.Background(), testEnv(t, fake), fleetWith(t, deployRole, adminRole), []string{"ams"}, []Check{Access})
			if tt.wantInMsg == "" && len(fs) > 0 || tt.wantInMsg != "" && (len(fs) != 1 || fs[0].Severity != Problem || !strings.Contains(fs[0].Message, tt.wantInMsg)) {
				t.Errorf("findings %v, want %q", fs, tt.wantInMsg)
			}
		})
	}
}

// The global stack's first up: preflight says whether it adopts or creates the account's one
// AWS-services anomaly monitor, and who activates the cost allocation tag and when.
func TestCostAccount(t *testing.T) {
	fleet, err := config.LoadDir("../..")
	if err != nil {
		t.Fatal(err)
	}
	fs := CostAccount(fleet, []string{"global", "iad"})
	var got []string
	for _, f := range fs {
		got = append(got, f.Check+" "+f.Severity.String())
		if len(f.Stacks) != 1 || f.Stacks[0] != "global" {
			t.Errorf("finding for %v", f.Stacks)
		}
	}
	if strings.Join(got, ",") != "cost-anomaly-monitor info,cost-allocation-tag info" {
		t.Errorf("findings %v", got)
	}
	if !strings.Contains(fs[0].Fix, "anomalyMonitorArn") || !strings.Contains(fs[1].Fix, "update-cost-allocation-tags-status") {
		t.Errorf("fixes: %q / %q", fs[0].Fix, fs[1].Fix)
	}
	g := fleet.Stack("global")
	on := true
	g.Costs.ActivateTag, g.Costs.AnomalyMonitorArn = &on, "arn:aws:ce::123456789012:anomalymonitor/abc"
	fs = CostAccount(fleet, []string{"global"})
	if fs[0].Severity != Info || !strings.Contains(fs[0].Message, "adopts") || fs[1].Severity != Warning {
		t.Errorf("adopting, activating: %v", fs)
	}
}
