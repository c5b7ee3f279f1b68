package program_test

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/global-sovereign/global-sovereign/components/tenant"
	"github.com/global-sovereign/global-sovereign/internal/fleettest"
	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/program"
	"github.com/global-sovereign/global-sovereign/pkg/stackgraph"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

// clientStack is the committed client stack the tests below look at.
const clientStack = "iad-ezra"

// A client stack declares no network and no cluster of its own: its namespace lives in its
// home's cluster, its database in its environment's Aurora writer, both read through
// StackReferences.
func TestClientDeclaresNoNetworkOrCluster(t *testing.T) {
	r, ok := synthAll(t)[clientStack]
	if !ok {
		t.Fatalf("%s was not synthesized", clientStack)
	}
	g := r.Graph
	for _, typ := range []string{"aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/natGateway:NatGateway", "eks:index:Cluster",
		"aws:eks/cluster:Cluster", "aws:eks/nodeGroup:NodeGroup", "aws:rds/cluster:Cluster", "aws:eks/addon:Addon"} {
		if n := len(g.ByType(typ)) + len(g.ModelledByType(typ)); n != 0 {
			t.Errorf("%s declares %d %s", clientStack, n, typ)
		}
	}
	if n := len(g.ByType(tenant.Type)); n != 1 {
		t.Errorf("%d tenants", n)
	}
	var refs []string
	for _, ref := range g.ByType("pulumi:pulumi:StackReference") {
		refs = append(refs, ref.Inputs["name"].(string))
	}
	sort.Strings(refs)
	// ezra's home iad holds a secondary of the global database: the writer is ams's.
	if want := []string{"organization/global-sovereign/ams", "organization/global-sovereign/iad"}; !slices.Equal(refs, want) {
		t.Errorf("references %v, want %v", refs, want)
	}
}

// The client's objects go to the home cluster (iad), the database Job's to the writer's (ams);
// every AWS resource uses the stack's own regional provider.
func TestClientProvidersAndCIDRs(t *testing.T) {
	results := synthAll(t)
	g := results[clientStack].Graph
	for _, r := range g.Resources {
		switch {
		case strings.HasPrefix(r.Type, "aws:") && !strings.HasSuffix(r.Provider, "::aws-us-east-1"):
			t.Errorf("%s %s uses provider %s", r.Type, r.Name, r.Provider)
		case strings.HasPrefix(r.Type, "kubernetes:"):
			md, _ := r.Inputs["metadata"].(map[string]any)
			ns, _ := md["namespace"].(string)
			if ns == "" && r.Type == "kubernetes:storage.k8s.io/v1:StorageClass" {
				ns = "client-ezra" // cluster-scoped, the client's own
			} else if ns == "" {
				ns, _ = md["name"].(string) // a namespace
			}
			want := "::k8s-iad"
			if ns == config.ProvisioningNamespace {
				want = "::k8s-ams"
			} else if ns != "client-ezra" {
				t.Errorf("%s %s in namespace %q", r.Type, r.Name, ns)
			}
			if !strings.HasSuffix(r.Provider, want) {
				t.Errorf("%s %s (namespace %s) uses provider %s, want %s", r.Type, r.Name, ns, r.Provider, want)
			}
		}
	}

	// The network policies open 5432 to the database subnets of the VPC each side's Aurora is in,
	// exactly as the region stacks declare them: the client's (iad), and the provisioning
	// namespace's, which the writer stack (ams) declares.
	dbSubnets := func(stack string) []string {
		var out []string
		for _, s := range results[stack].Graph.ByType("aws:ec2/subnet:Subnet") {
			if tags, _ := s.Inputs["tags"].(map[string]any); tags["tier"] == "database" {
				out = append(out, s.Inputs["cidrBlock"].(string))
			}
		}
		sort.Strings(out)
		return out
	}
	postgres := func(provider string) []string {
		var out []string
		pg := g
		if provider == "::k8s-ams" {
			pg = results["ams"].Graph
		}
		for _, p := range pg.ByType("kubernetes:networking.k8s.io/v1:NetworkPolicy") {
			if pg == g && !strings.HasSuffix(p.Provider, provider) {
				continue
			}
			spec := p.Inputs["spec"].(map[string]any)
			for _, rule := range asList(spec["egress"]) {
				rm := rule.(map[string]any)
				if asList(rm["ports"])[0].(map[string]any)["port"] != float64(tenant.PostgresPort) ||
					provider == "::k8s-ams" && p.Inputs["metadata"].(map[string]any)["namespace"] != config.ProvisioningNamespace {
					continue
				}
				for _, to := range asList(rm["to"]) {
					out = append(out, to.(map[string]any)["ipBlock"].(map[string]any)["cidr"].(string))
				}
			}
		}
		sort.Strings(out)
		return out
	}
	// The client's own pods reach iad's database subnets; the Jobs in the database home (ams)
	// reach every member's, since any member may be the writer (TestProvisioningReachesTheWriterAnywhere).
	var members []string
	for _, name := range []string{"ams", "iad", "jnb", "sfo", "sin", "syd"} {
		members = append(members, dbSubnets(name)...)
	}
	sort.Strings(members)
	for _, c := range []struct {
		provider, stack string
		want            []string
	}{{"::k8s-iad", "iad", dbSubnets("iad")}, {"::k8s-ams", "every member", members}} {
		if got := postgres(c.provider); len(c.want) == 0 || !slices.Equal(got, c.want) {
			t.Errorf("%s: 5432 open to %v, want %s's database subnets %v", c.provider, got, c.stack, c.want)
		}
	}

	// The Pod Identity association names iad's cluster; the Job connects to the environment's writer.
	eks := func(stack string) map[string]any {
		return results[stack].Graph.Outputs[program.OutEKSCluster].(map[string]any)
	}
	rds := func(stack string) map[string]any {
		return results[stack].Graph.Outputs[program.OutRDSEndpoints].(map[string]any)
	}
	assoc := one(t, g, clientStack, "aws:eks/podIdentityAssociation:PodIdentityAssociation")
	if assoc.Inputs["clusterName"] != eks("iad")["name"] {
		t.Errorf("association for cluster %v, want iad's %v", assoc.Inputs["clusterName"], eks("iad")["name"])
	}
	job := one(t, g, clientStack, "kubernetes:batch/v1:Job")
	env := job.Inputs["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)["env"].([]any)
	// ams holds the writer now, but the Job connects through the writer endpoint that follows a
	// switchover (ams's own cluster endpoint is read-only once another member writes).
	if host := env[0].(map[string]any); host["name"] != "PGHOST" || host["value"] != results["ams"].Graph.Outputs[program.OutClientWriterEndpoint] {
		t.Errorf("the Job connects to %v, want the writer endpoint %v", host, results["ams"].Graph.Outputs[program.OutClientWriterEndpoint])
	}
	// The client writes through the global database's writer endpoint, which Aurora moves to the
	// new primary on a switchover or failover, and reads from its home's reader: a client of a
	// secondary region never gets a read-only writer host.
	hosts := g.Outputs[program.OutDatabaseHosts].(map[string]any)
	if hosts["writer"] != results["ams"].Graph.Outputs[program.OutClientWriterEndpoint] || !strings.Contains(asString(hosts["writer"]), ".global-") ||
		hosts["reader"] != rds("iad")["reader"] {
		t.Errorf("client hosts %v; want ams's global writer endpoint %v and iad's reader %v", hosts,
			results["ams"].Graph.Outputs[program.OutClientWriterEndpoint], rds("iad")["reader"])
	}
	// The Job logs in as the provisioning role the writer stack created; nothing of the client
	// stack reads or holds the master credentials.
	prov := results["ams"].Graph.Outputs[program.OutDatabaseProvisioning].(map[string]any)
	for _, e := range env {
		e := e.(map[string]any)
		if e["name"] == "PGPASSWORD" && e["valueFrom"].(map[string]any)["secretKeyRef"].(map[string]any)["name"] != prov["secret"] {
			t.Errorf("the Job logs in with %v, want the provisioning role's secret %v", e, prov["secret"])
		}
	}
	for _, r := range g.Resources {
		md, _ := r.Inputs["metadata"].(map[string]any)
		if md["name"] == "master-credentials" || strings.Contains(mustJSON(r.Inputs), "auroraSecretArn") {
			t.Errorf("the client stack holds the master credentials: %s", r.URN)
		}
	}
	if n := len(g.ByType("pulumi:providers:aws")); n != 1 {
		t.Errorf("%d aws providers: the client stack needs none in the writer's region", n)
	}

	out := g.Outputs
	if out[program.OutNamespace] != "client-ezra" || out[program.OutServiceAccount] != "app" || out[program.OutDatabaseName] != "ezra" ||
		!strings.HasPrefix(out[program.OutRoleArn].(string), "arn:aws:iam::") || !strings.Contains(out[program.OutSecretArn].(string), ":us-east-1:") ||
		!strings.HasPrefix(out[program.OutBucketName].(string), "gs-iad-c-ezra-data-") {
		t.Errorf("outputs %v", out)
	}
}

// `sovereign plan` deploys the home region (and the writer, ams) before the client.
func TestClientDeploysAfterItsHome(t *testing.T) {
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	g, err := stackgraph.FromFleet(fleet, fleet.Names())
	if err != nil {
		t.Fatal(err)
	}
	wave := map[string]int{}
	for i, w := range g.Waves() {
		for _, s := range w {
			wave[s] = i
		}
	}
	if _, ok := wave[clientStack]; !ok {
		t.Fatalf("%s is in no wave: %v", clientStack, g.Waves())
	}
	for _, before := range []string{"iad", "ams"} {
		if wave[before] >= wave[clientStack] {
			t.Errorf("%s in wave %d, %s in wave %d", before, wave[before], clientStack, wave[clientStack])
		}
	}
	if deps := g.Deps(clientStack); !slices.Equal(deps, []string{"ams", "iad"}) {
		t.Errorf("%s depends on %v", clientStack, deps)
	}
}

// A home that has not exported what the client reads stops `up` with a message naming both
// stacks; a preview treats it as unknown.
func TestClientNeedsItsHomesOutputs(t *testing.T) {
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	results := synthAll(t)
	for _, missing := range []struct{ stack, key string }{
		{"iad", program.OutRDSEndpoints}, {"iad", program.OutKubeconfig}, {"iad", program.OutEKSCluster},
		{"ams", program.OutDatabaseProvisioning}, {"ams", program.OutClientWriterEndpoint},
	} {
		t.Run(missing.stack+"."+missing.key, func(t *testing.T) {
			refs := map[string]synth.StackOutputs{"iad": results["iad"].Outputs.Copy(), "ams": results["ams"].Outputs.Copy()}
			delete(refs[missing.stack], resource.PropertyKey(missing.key))
			_, err := synth.Stack(program.New(program.Options{Dir: repo}), fleet.Stack(clientStack), refs)
			want := `client stack iad-ezra reads output "` + missing.key + `" of stack ` + missing.stack + ", which has none; deploy " + missing.stack + " first"
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("got %v, want %q", err, want)
			}
			// The SDK's mock monitor refuses an unknown value inside a secret ("malformed RPC
			// secret"), which the engine accepts: only a missing plain output previews here.
			if missing.key != program.OutEKSCluster {
				return
			}
			if _, err := synth.StackWithOptions(program.New(program.Options{Dir: repo}), fleet.Stack(clientStack), refs, synth.Options{DryRun: true}); err != nil {
				t.Errorf("preview: %v", err)
			}
		})
	}
}

// A throwaway client stack (protect false, secrets deleted at once) destroys completely (its
// bucket emptied on delete) and is re-created under the same stack name without colliding with
// a name AWS keeps; a protected one refuses, naming the client's bucket, key and secret.
func TestClientTeardown(t *testing.T) {
	dir := fleettest.Copy(t, repo, fleettest.Edit{File: config.StackFileName(clientStack), Old: "    client: ezra\n",
		New: "    client: ezra\n    protect: false\n    secretRecoveryDays: 0\n"})
	fleet, err := config.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	first, second := generations(t, dir, fleet, clientStack)
	g1 := first[clientStack].Graph
	if vs := synth.DestroyAudit(g1); len(vs) > 0 {
		t.Errorf("destroy would not finish:\n%s", synth.FormatViolations(vs))
	}
	for _, b := range g1.ByType("aws:s3/bucketV2:BucketV2") { // the data and the access-log buckets
		if b.Inputs["forceDestroy"] != true || b.Protect {
			t.Errorf("throwaway bucket %s: forceDestroy %v protect %v", b.Name, b.Inputs["forceDestroy"], b.Protect)
		}
	}
	if c := synth.NameCollisions(g1, second[clientStack].Graph); len(c) > 0 {
		t.Errorf("re-creating after destroy would fail on names AWS still keeps:\n%v", c)
	}

	found := map[string]bool{}
	for _, v := range synth.DestroyAudit(synthAll(t)[clientStack].Graph) {
		found[v.Rule+" "+v.Holder[strings.LastIndex(v.Holder, "::")+2:]] = true
	}
	for _, want := range []string{"protected gs-iad-c-ezra-data", "protected gs-iad-c-ezra-key", "protected gs-iad-c-ezra-app"} {
		if !found[want] {
			t.Errorf("the audit of the protected client misses %q; got %v", want, found)
		}
	}
}

// A client of the region that holds the global database's writer (ams) creates its database
// there: it reads one stack, and the Job runs on its home's cluster through the home's provider.
func TestClientOfTheWriterRegion(t *testing.T) {
	dir := fleettest.Copy(t, repo)
	// Another client name: ezra of iad already has database ezra in ams's Aurora.
	amsClient := strings.NewReplacer("Stack iad-ezra", "Stack ams-ada", "code: iad", "code: ams", "awsRegion: us-east-1", "awsRegion: eu-west-1",
		"client: ezra", "client: ada").
		Replace(readFile(t, filepath.Join(repo, config.StackFileName(clientStack))))
	if err := os.WriteFile(filepath.Join(dir, config.StackFileName("ams-ada")), []byte(amsClient), 0o644); err != nil {
		t.Fatal(err)
	}
	fleet, err := config.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ps := fleet.Validate(); len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	r, err := synth.Stack(program.New(program.Options{Dir: dir}), fleet.Stack("ams-ada"),
		map[string]synth.StackOutputs{"ams": synthAll(t)["ams"].Outputs})
	if err != nil {
		t.Fatal(err)
	}
	g := r.Graph
	var providers []string
	for _, p := range append(g.ByType("pulumi:providers:aws"), g.ByType("pulumi:providers:kubernetes")...) {
		providers = append(providers, p.Name)
	}
	if want := []string{"aws-eu-west-1", "k8s-ams"}; !slices.Equal(providers, want) {
		t.Errorf("providers %v, want %v", providers, want)
	}
	if refs := g.ByType("pulumi:pulumi:StackReference"); len(refs) != 1 || refs[0].Inputs["name"] != "organization/global-sovereign/ams" {
		t.Errorf("references %v", refs)
	}
	job := one(t, g, "ams-ada", "kubernetes:batch/v1:Job")
	md := job.Inputs["metadata"].(map[string]any)
	if md["namespace"] != config.ProvisioningNamespace || !strings.HasSuffix(job.Provider, "::k8s-ams") {
		t.Errorf("job %v on %s", md, job.Provider)
	}
	for _, v := range synth.Audit(g) {
		t.Error(v)
	}
}

// Adding a client changes no other stack: without iad-ezra every other stack synthesizes to
// its golden graph byte for byte.
func TestAddingAClientChangesNoOtherStack(t *testing.T) {
	dir := fleettest.Copy(t, repo)
	if err := os.Remove(filepath.Join(dir, config.StackFileName(clientStack))); err != nil {
		t.Fatal(err)
	}
	fleet, err := config.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	results, err := synth.Fleet(program.New(program.Options{Dir: dir, Fleet: fleet}), fleet, fleet.Names())
	if err != nil {
		t.Fatal(err)
	}
	if len(results) == 0 {
		t.Fatal("no stacks")
	}
	for name, r := range results {
		got, err := r.Graph.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if want := readFile(t, filepath.Join(goldenDir, name+".json")); string(got) != want {
			t.Errorf("%s without the client differs from its golden graph", name)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// A pull request's preview of a client stack runs with the read-only preview role, which may
// not read secret values: the preview reads no master secret (the mocks refuse it as AWS would)
// and leaves the Secret holding it unknown.
func TestClientPreviewReadsNoSecretValue(t *testing.T) {
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	all := synthAll(t)
	refs := map[string]synth.StackOutputs{}
	for _, d := range fleet.References(fleet.Stack("iad-ezra")) {
		refs[d] = all[d].Outputs
	}
	r, err := synth.StackWithOptions(program.New(program.Options{Dir: repo}), fleet.Stack("iad-ezra"), refs, synth.Options{DryRun: true})
	if err != nil {
		t.Fatalf("preview of iad-ezra: %v", err)
	}
	if len(r.Graph.ByType("kubernetes:batch/v1:Job")) != 1 {
		t.Errorf("the preview has no database Job")
	}
}

// A preview of a deployed client stack with nothing changed shows nothing changed: the preview
// computes every input exactly as `up` does (no value that only `up` may read, shown as a
// stand-in that differs from the state).
func TestClientPreviewEqualsUp(t *testing.T) {
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	results := synthAll(t)
	refs := map[string]synth.StackOutputs{"iad": results["iad"].Outputs, "ams": results["ams"].Outputs}
	up, err := synth.Stack(program.New(program.Options{Dir: repo}), fleet.Stack(clientStack), refs)
	if err != nil {
		t.Fatal(err)
	}
	preview, err := synth.StackWithOptions(program.New(program.Options{Dir: repo}), fleet.Stack(clientStack), refs, synth.Options{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	inputs := func(g *synth.Graph) map[string]string {
		out := map[string]string{}
		for _, r := range g.Resources {
			out[r.URN] = mustJSON(r.Inputs)
		}
		return out
	}
	u, p := inputs(up.Graph), inputs(preview.Graph)
	if len(u) != len(p) {
		t.Errorf("%d resources on up, %d in the preview", len(u), len(p))
	}
	for urn, in := range u {
		if p[urn] != in {
			t.Errorf("%s: the preview shows\n%s\nwhere up has\n%s", urn, p[urn], in)
		}
	}
}
