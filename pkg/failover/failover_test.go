package failover_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/global-sovereign/global-sovereign/internal/fleettest"
	"github.com/global-sovereign/global-sovereign/pkg/awscheck"
	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/failover"
)

const (
	repo   = "../.."
	global = "global-sovereign-production"
)

func arn(region, code string) string {
	return "arn:aws:rds:" + region + ":111122223333:cluster:gs-" + code + "-aurora"
}

var (
	amsArn = arn("eu-west-1", "ams")
	iadArn = arn("us-east-1", "iad")
	others = []string{arn("ap-southeast-2", "syd"), arn("ap-southeast-1", "sin"), arn("us-west-1", "sfo"), arn("af-south-1", "jnb")}
)

// fixture is a copy of the committed stack files and a fake RDS whose writer is ams.
func fixture(t *testing.T) (string, *fakeRDS, func(region string) failover.API) {
	t.Helper()
	dir := fleettest.Copy(t, repo)
	f := newFake(global, amsArn, append([]string{iadArn}, others...)...)
	srv := f.serve(t)
	client := func(region string) failover.API {
		return rds.NewFromConfig(aws.Config{
			Region:       region,
			BaseEndpoint: aws.String(srv.URL),
			Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret"}, nil
			}),
			RetryMaxAttempts: 1,
		})
	}
	return dir, f, client
}

// lagFrom reads the replication lag from the fake through the real CloudWatch request.
func lagFrom(f *fakeRDS) failover.LagReader {
	env := awscheck.Env{Endpoint: f.url, Config: aws.Config{Region: "us-east-1", RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret"}, nil
		})}}
	return func(ctx context.Context, region, id string, window time.Duration) (awscheck.GlobalLag, error) {
		return awscheck.GlobalReplicationLag(ctx, env, region, id, window)
	}
}

// secretsFrom reads the master secret from the fake through the real Secrets Manager request.
func secretsFrom(f *fakeRDS) failover.SecretReader {
	env := awscheck.Env{Endpoint: f.url, Config: aws.Config{Region: "us-east-1", RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret"}, nil
		})}}
	return func(ctx context.Context, region, id string) (awscheck.Secret, error) {
		return awscheck.DescribeSecret(ctx, env, region, id)
	}
}

func options(t *testing.T, dir string, f *fakeRDS, client func(string) failover.API, mode failover.Mode) (failover.Options, *bytes.Buffer) {
	t.Helper()
	fleet, err := config.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	return failover.Options{Dir: dir, Fleet: fleet, To: "iad", Mode: mode, AllowDataLoss: mode == failover.Unplanned, Yes: true,
		Out: &out, Client: client, Lag: lagFrom(f), Secrets: secretsFrom(f), Poll: time.Millisecond, Timeout: 2 * time.Second}, &out
}

func read(t *testing.T, dir, file string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// snapshot is the content of every stack file, to show a failed run changed none.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "Pulumi*.yaml"))
	out := map[string]string{}
	for _, f := range files {
		out[filepath.Base(f)] = read(t, dir, filepath.Base(f))
	}
	return out
}

// afterSwitch checks the config says iad writes, ams keeps the global cluster and the
// credentials, DNS answers iad by default, and the fleet validates.
func afterSwitch(t *testing.T, dir string) {
	t.Helper()
	fleet, err := config.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ps := fleet.Validate(); len(ps) > 0 {
		t.Fatalf("edited config does not validate: %v", ps)
	}
	if p := fleet.PrimaryDatabase(config.EnvProduction); p == nil || p.Name != "iad" {
		t.Errorf("primary %v, want iad", p)
	}
	if h := fleet.DatabaseHome(config.EnvProduction); h == nil || h.Name != "ams" || h.Database.Role != config.RoleSecondary {
		t.Errorf("home %v, want ams as a secondary", h)
	}
	if d := fleet.Stack("global").DNS.DefaultRegion; d != "iad" {
		t.Errorf("DNS default region %s, want iad", d)
	}
	// The comments of the stack file survive the edit.
	if !strings.Contains(read(t, dir, "Pulumi.ams.yaml"), "# The K8ssandraCluster lives in this cluster") {
		t.Errorf("ams lost its comments:\n%s", read(t, dir, "Pulumi.ams.yaml"))
	}
}

func TestPlannedSwitchover(t *testing.T) {
	dir, f, client := fixture(t)
	o, out := options(t, dir, f, client, failover.Planned)
	if err := failover.Run(context.Background(), o); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got := f.actions(); !slices.Equal(got, []string{"SwitchoverGlobalCluster"}) {
		t.Fatalf("calls %v", got)
	}
	c := f.calls[0].form
	if c["GlobalClusterIdentifier"] != global || c["TargetDbClusterIdentifier"] != iadArn || c["AllowDataLoss"] != "" {
		t.Errorf("switchover request %v", c)
	}
	// A switchover goes to the current writer's region.
	if !slices.Contains(f.regions, "SwitchoverGlobalCluster@eu-west-1") {
		t.Errorf("switchover called in %v, want eu-west-1", f.regions)
	}
	// The target's health is read in the target's region.
	for _, want := range []string{"DescribeDBClusters@us-east-1", "GetMetricData@us-east-1"} {
		if !slices.Contains(f.regions, want) {
			t.Errorf("calls %v lack %s", f.regions, want)
		}
	}
	if !strings.Contains(out.String(), "gs-iad-aurora: available, replication lag 20 ms (limit 5000 ms)") {
		t.Errorf("output does not show the target's health:\n%s", out)
	}
	// Step 5: the credentials' replica in every other member's region is read and in sync.
	for _, region := range []string{"af-south-1", "ap-southeast-1", "ap-southeast-2", "us-east-1", "us-west-1"} {
		if !strings.Contains(out.String(), "step 5: credentials replica in "+region+": InSync") {
			t.Errorf("output lacks the replica in %s:\n%s", region, out)
		}
	}
	afterSwitch(t, dir)
	// The home's state holds the global writer endpoint only once a refresh has read it; `up`
	// does not refresh, so the next steps refresh the home before deploying.
	if i, j := strings.Index(out.String(), "sovereign refresh --stack ams"), strings.Index(out.String(), "sovereign up --all"); i < 0 || j < 0 || i > j {
		t.Errorf("next steps do not refresh the home before up:\n%s", out)
	}
	for _, want := range []string{"Plan: move the writer", "rds:SwitchoverGlobalCluster in eu-west-1", "switching-over", "step 4: wrote Pulumi.ams.yaml", "no Pulumi state moves"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestUnplannedFailover(t *testing.T) {
	dir, f, client := fixture(t)
	f.homeDown = true // the home (ams) is the old writer's region
	// The writer's region is down: its member cannot be read as connected, nor can the others.
	for _, m := range f.members {
		if m.arn != iadArn && !m.writer {
			m.sync = "pending-resync"
		}
	}
	o, out := options(t, dir, f, client, failover.Unplanned)
	if err := failover.Run(context.Background(), o); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got := f.actions(); !slices.Equal(got, []string{"FailoverGlobalCluster"}) {
		t.Fatalf("calls %v", got)
	}
	c := f.calls[0].form
	if c["GlobalClusterIdentifier"] != global || c["TargetDbClusterIdentifier"] != iadArn || c["AllowDataLoss"] != "true" {
		t.Errorf("failover request %v", c)
	}
	// A failover goes to the target's region: the writer's may be unreachable.
	// (Only the credentials are looked for in the home's region, which may answer.)
	if !slices.Contains(f.regions, "FailoverGlobalCluster@us-east-1") || slices.ContainsFunc(f.regions, func(s string) bool {
		return strings.HasSuffix(s, "@eu-west-1") && s != "DescribeSecret@eu-west-1"
	}) {
		t.Errorf("calls in %v, want us-east-1 only", f.regions)
	}
	afterSwitch(t, dir)
	if !strings.Contains(out.String(), "replication lag 20 ms at the last datapoint: about that much") {
		t.Errorf("output does not say what is lost:\n%s", out)
	}
	// The home's secret cannot be read: the target's replica is, and promoting it is left to a person.
	if !strings.Contains(out.String(), "global-sovereign-production/master in us-east-1 is a replica of eu-west-1") ||
		!strings.Contains(out.String(), "aws secretsmanager stop-replication-to-replica --secret-id global-sovereign-production/master --region us-east-1") {
		t.Errorf("output does not give the promotion path:\n%s", out)
	}
	if !strings.Contains(out.String(), "without ams while eu-west-1 is down") {
		t.Errorf("output does not warn about the old region:\n%s", out)
	}
	if !strings.Contains(out.String(), "sovereign refresh --stack ams` once eu-west-1 is back") {
		t.Errorf("output does not say when to refresh the home:\n%s", out)
	}
}

// A failure in the middle: the wait times out while AWS still switches over. The config is
// unchanged; run again once AWS has finished and the command resumes at the config change
// without calling RDS again.
func TestFailureInTheMiddleResumes(t *testing.T) {
	dir, f, client := fixture(t)
	before := snapshot(t, dir)
	f.stuck = true
	o, out := options(t, dir, f, client, failover.Planned)
	o.Timeout = 50 * time.Millisecond
	err := failover.Run(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "step 3") || !strings.Contains(err.Error(), "run the same command again to resume") {
		t.Fatalf("got %v\n%s", err, out)
	}
	if got := snapshot(t, dir); !mapsEqual(got, before) {
		t.Errorf("a failed wait changed the config")
	}
	// Still running: a second run waits for the same operation instead of starting another.
	f.mu.Lock()
	f.stuck = false
	f.mu.Unlock()
	o2, out2 := options(t, dir, f, client, failover.Planned)
	if err := failover.Run(context.Background(), o2); err != nil {
		t.Fatalf("resume: %v\n%s", err, out2)
	}
	if got := f.actions(); !slices.Equal(got, []string{"SwitchoverGlobalCluster"}) {
		t.Errorf("calls %v, want one switchover", got)
	}
	if !strings.Contains(out2.String(), "resuming at step 3") {
		t.Errorf("output:\n%s", out2)
	}
	afterSwitch(t, dir)
}

// AWS has already moved the writer (the first run died before writing the config): the run
// only edits the config.
func TestAlreadyMovedOnlyEditsConfig(t *testing.T) {
	dir, f, client := fixture(t)
	for _, m := range f.members {
		m.writer = m.arn == iadArn
	}
	o, out := options(t, dir, f, client, failover.Planned)
	if err := failover.Run(context.Background(), o); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got := f.actions(); len(got) != 0 {
		t.Errorf("calls %v, want none", got)
	}
	if !strings.Contains(out.String(), "resuming at step 4") {
		t.Errorf("output:\n%s", out)
	}
	afterSwitch(t, dir)
}

func TestRefusesAndChangesNothing(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *fakeRDS, o *failover.Options)
		want  string
		calls []string
	}{
		{"a member is not connected", func(f *fakeRDS, _ *failover.Options) { f.members[3].sync = "pending-resync" },
			"not every member is connected", nil},
		{"AWS refuses the switchover", func(f *fakeRDS, _ *failover.Options) { f.failCall = "InvalidGlobalClusterStateFault" },
			"step 2: operation error RDS: SwitchoverGlobalCluster", []string{"SwitchoverGlobalCluster"}},
		{"AWS cancels the switchover", func(f *fakeRDS, _ *failover.Options) { f.cancel = true },
			"is not the writer (AWS cancelled it)", []string{"SwitchoverGlobalCluster"}},
		{"the global cluster is busy", func(f *fakeRDS, _ *failover.Options) { f.status = "modifying" },
			`is "modifying", not available`, nil},
		{"another operation runs", func(f *fakeRDS, _ *failover.Options) {
			f.opTarget, f.opSteps, f.stuck = others[0], []string{"switching-over"}, true
		}, "already running", nil},
		{"AWS and the config disagree on the writer", func(f *fakeRDS, _ *failover.Options) {
			f.members[0].writer, f.members[2].writer = false, true
		}, "make the config say what AWS says first", nil},
		{"the target cluster is not available", func(f *fakeRDS, _ *failover.Options) {
			f.clusterStatus = map[string]string{"gs-iad-aurora": "upgrading"}
		}, `gs-iad-aurora in us-east-1 is "upgrading", not available`, nil},
		{"the target lags over its alarm threshold", func(f *fakeRDS, _ *failover.Options) {
			f.lag = map[string][]float64{"gs-iad-aurora": {7500, 300}}
		}, "lags 7500 ms behind the writer, over 5000 ms", nil},
		{"the target lags over --max-lag-ms", func(f *fakeRDS, o *failover.Options) {
			f.lag, o.MaxLagMs = map[string][]float64{"gs-iad-aurora": {900}}, 500
		}, "lags 900 ms behind the writer, over 500 ms", nil},
		{"the target's lag is not reporting", func(f *fakeRDS, _ *failover.Options) {
			f.lag = map[string][]float64{"gs-iad-aurora": {}}
		}, "reports no AuroraGlobalDBReplicationLag", nil},
		{"target not in the global cluster", func(f *fakeRDS, _ *failover.Options) { f.members = slices.Delete(f.members, 1, 2) },
			"gs-iad-aurora in us-east-1 is not a member", nil},
		{"declined", func(_ *fakeRDS, o *failover.Options) { o.Yes, o.In = false, strings.NewReader("n\n") },
			failover.ErrDeclined.Error(), nil},
		{"dry run", func(_ *fakeRDS, o *failover.Options) { o.DryRun = true }, "", nil},
		{"unplanned without accepting data loss", func(_ *fakeRDS, o *failover.Options) { o.Mode = failover.Unplanned; o.AllowDataLoss = false },
			"add --allow-data-loss", nil},
		{"the primary itself", func(_ *fakeRDS, o *failover.Options) { o.To = "ams" }, "already the primary", nil},
		{"not a member", func(_ *fakeRDS, o *failover.Options) { o.To = "iad-staging" }, "not a member of a global database", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, f, client := fixture(t)
			before := snapshot(t, dir)
			o, out := options(t, dir, f, client, failover.Planned)
			tt.setup(f, &o)
			err := failover.Run(context.Background(), o)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("got %v\n%s", err, out)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("want %q, got %v\n%s", tt.want, err, out)
			}
			if tt.want == failover.ErrDeclined.Error() && !errors.Is(err, failover.ErrDeclined) {
				t.Errorf("declining is not ErrDeclined: %v", err)
			}
			if got := f.actions(); !slices.Equal(got, tt.calls) {
				t.Errorf("calls %v, want %v", got, tt.calls)
			}
			if got := snapshot(t, dir); !mapsEqual(got, before) {
				t.Errorf("the config changed")
			}
		})
	}
}

// The edit touches only the keys it names: every other line of the three files is kept.
func TestEditKeepsTheRest(t *testing.T) {
	dir, f, client := fixture(t)
	before := snapshot(t, dir)
	o, out := options(t, dir, f, client, failover.Planned)
	if err := failover.Run(context.Background(), o); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	after := snapshot(t, dir)
	for file, old := range before {
		removed, added := lineDiff(old, after[file])
		switch file {
		case "Pulumi.ams.yaml":
			if !slices.Equal(removed, []string{"    role: primary", "    backupRetentionDays: 35"}) || !slices.Equal(added, []string{"    role: secondary", "    home: true"}) {
				t.Errorf("%s: -%q +%q", file, removed, added)
			}
		case "Pulumi.iad.yaml":
			if len(removed) != 0 || !slices.Equal(added, []string{"  global-sovereign:database:", "    role: primary"}) {
				t.Errorf("%s: -%q +%q", file, removed, added)
			}
		case "Pulumi.global.yaml":
			if !slices.Equal(removed, []string{"    defaultRegion: ams"}) || !slices.Equal(added, []string{"    defaultRegion: iad"}) {
				t.Errorf("%s: -%q +%q", file, removed, added)
			}
		default:
			if len(removed)+len(added) != 0 {
				t.Errorf("%s changed: -%q +%q", file, removed, added)
			}
		}
	}
}

// lineDiff returns the lines only in a and only in b (as multisets, in order).
func lineDiff(a, b string) (removed, added []string) {
	count := map[string]int{}
	for _, l := range strings.Split(b, "\n") {
		count[l]++
	}
	for _, l := range strings.Split(a, "\n") {
		if count[l] > 0 {
			count[l]--
			continue
		}
		removed = append(removed, l)
	}
	count = map[string]int{}
	for _, l := range strings.Split(a, "\n") {
		count[l]++
	}
	for _, l := range strings.Split(b, "\n") {
		if count[l] > 0 {
			count[l]--
			continue
		}
		added = append(added, l)
	}
	return removed, added
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// After the writer moved, a replica of the credentials that failed or is missing fails the
// command at step 5 with its fix; the config is written all the same (AWS has moved the writer).
func TestReplicaStatusAfterSwitchover(t *testing.T) {
	for _, tt := range []struct {
		name   string
		status map[string]string
		want   []string
	}{
		{"failed", map[string]string{"af-south-1": "Failed"}, []string{"af-south-1: Failed: fake Failed",
			"remove-regions-from-replication --secret-id global-sovereign-production/master --remove-replica-regions af-south-1 --region eu-west-1"}},
		{"absent", map[string]string{"us-west-1": "absent"}, []string{"us-west-1: no replica (sovereign up --stack ams adds it)"}},
		{"in progress", map[string]string{"ap-southeast-2": "InProgress"}, []string{"ap-southeast-2: InProgress"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir, f, client := fixture(t)
			f.secretStatus = tt.status
			o, out := options(t, dir, f, client, failover.Planned)
			err := failover.Run(context.Background(), o)
			if err == nil || !strings.Contains(err.Error(), "step 5") {
				t.Fatalf("got %v\n%s", err, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q: %v", w, err)
				}
			}
			afterSwitch(t, dir)
		})
	}
}
