package program_test

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/components/cassandra"
	"github.com/global-sovereign/global-sovereign/components/cassandracluster"
	"github.com/global-sovereign/global-sovereign/internal/fleettest"
	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/program"
	"github.com/global-sovereign/global-sovereign/pkg/stackgraph"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

const (
	tJob    = "kubernetes:batch/v1:Job"
	tSecret = "kubernetes:core/v1:Secret"
	tBundle = "kubernetes:trust.cert-manager.io/v1alpha1:Bundle"
	tNS     = "kubernetes:core/v1:Namespace"
)

// ezraKeyspace gives the committed client iad-ezra (homed in iad, which has a datacenter) a
// keyspace: the committed fleet has none.
var ezraKeyspace = fleettest.Edit{File: "Pulumi.iad-ezra.yaml", Old: "    client: ezra\n",
	New: "    client: ezra\n  global-sovereign:client:\n    cassandra:\n      keyspace: ezra_data\n"}

// podOf is a Job's pod spec as the graph records it.
func podOf(job synth.Resource) map[string]any {
	return asMap(asMap(asMap(job.Inputs["spec"])["template"])["spec"])
}

// A client with a keyspace: its stack runs after global, and in its home's cluster a restricted
// Job in the Cassandra namespace creates the keyspace and role as the superuser from files that
// hold only the keys it needs, then a Secret in the client's namespace holds the credentials.
func TestCassandraClientRoleInTheGraphs(t *testing.T) {
	fleet, after := synthFleetEdited(t, ezraKeyspace)
	ezra := fleet.Stack("iad-ezra")
	g := after["iad-ezra"].Graph

	// Order: global (the cluster) and iad (the home) before the client.
	graph, err := stackgraph.FromFleet(fleet, fleet.Names())
	if err != nil {
		t.Fatal(err)
	}
	if deps := graph.Deps("iad-ezra"); !slices.Contains(deps, "global") || !slices.Contains(deps, "iad") {
		t.Errorf("iad-ezra depends on %v, want global and iad among them", deps)
	}
	order := graph.Order()
	if slices.Index(order, "global") > slices.Index(order, "iad-ezra") {
		t.Errorf("order %v deploys iad-ezra before global", order)
	}
	// The global stack exports what the client reads, and the client reads it through a reference.
	cc, _ := after["global"].Graph.Outputs[program.OutCassandraCluster].(map[string]any)
	if cc["superuserSecret"] != cassandracluster.SuperuserSecret("sovereign") || cc["name"] != "sovereign" {
		t.Errorf("global exports %s = %v", program.OutCassandraCluster, cc)
	}

	// The home cluster's provider: the one the client's namespace is declared with.
	var home string
	for _, ns := range g.ByType(tNS) {
		if asMap(ns.Inputs["metadata"])["name"] == ezra.Client.Namespace {
			home = ns.Provider
			if asMap(asMap(ns.Inputs["metadata"])["labels"])[cassandra.CABundleLabel] != "true" {
				t.Errorf("namespace %s lacks %s: trust-manager writes no CA there", ezra.Client.Namespace, cassandra.CABundleLabel)
			}
		}
	}
	if home == "" || !strings.Contains(home, "pulumi:providers:kubernetes") {
		t.Fatalf("no client namespace (provider %q)", home)
	}

	var jobs []synth.Resource
	for _, j := range g.ByType(tJob) {
		if asMap(j.Inputs["metadata"])["namespace"] == cassandra.Namespace {
			jobs = append(jobs, j)
		}
	}
	if len(jobs) != 1 {
		t.Fatalf("%d Jobs in the Cassandra namespace, want 1", len(jobs))
	}
	job := jobs[0]
	if job.Provider != home {
		t.Errorf("Job provider %s, want the home cluster's %s", job.Provider, home)
	}
	meta := asMap(job.Inputs["metadata"])
	name := asString(meta["name"])
	if !regexp.MustCompile(`^gs-iad-c-ezra-cql-[0-9a-f]{10}$`).MatchString(name) {
		t.Errorf("Job name %q", name)
	}
	ann := asMap(meta["annotations"])
	if ann["pulumi.com/replaceUnready"] != "true" || ann["pulumi.com/timeoutSeconds"] != strconv.Itoa(cassandracluster.KeyspaceTimeoutSeconds) {
		t.Errorf("Job annotations %v", ann)
	}
	// Every pulumi.com/* annotation of the client stack's objects parses as the provider reads it.
	for _, r := range g.Resources {
		pulumiAnnotations(r.Inputs, "", true, func(path, key, val string, top bool) {
			if err := parsePulumiAnnotation(key, val); err != nil || !top {
				t.Errorf("%s %s: %s%s=%q: %v (on the object's own metadata: %v)", r.Type, r.Name, path, key, val, err, top)
			}
		})
	}
	pod := podOf(job)
	for _, v := range restrictedViolations(pod) {
		t.Errorf("Job %s: %s", name, v)
	}
	if pod["automountServiceAccountToken"] != false {
		t.Errorf("Job %s mounts a service-account token", name)
	}
	if asMap(asMap(pod["metadata"])["labels"]) != nil {
		t.Errorf("labels on the pod spec")
	}
	if l := asMap(asMap(asMap(asMap(job.Inputs["spec"])["template"])["metadata"])["labels"]); l[cassandra.JobLabel] != "true" {
		t.Errorf("pod labels %v: the Cassandra namespace admits CQL only from %s=true", l, cassandra.JobLabel)
	}

	// Secret volumes: each names its keys, and only these.
	want := map[string][]string{
		cassandracluster.SuperuserSecret("sovereign"): {"password", "username"},
		"gs-iad-c-ezra-cql-role":                      {cassandracluster.RolePasswordKey},
		cassandra.NativeSecret:                        {"ca.crt"},
	}
	got := map[string][]string{}
	for _, v := range asList(pod["volumes"]) {
		sec := asMap(asMap(v)["secret"])
		if sec == nil {
			continue
		}
		items := asList(sec["items"])
		if len(items) == 0 {
			t.Errorf("volume %v mounts every key of Secret %v", asMap(v)["name"], sec["secretName"])
		}
		for _, it := range items {
			got[asString(sec["secretName"])] = append(got[asString(sec["secretName"])], asString(asMap(it)["key"]))
		}
	}
	for s := range got {
		slices.Sort(got[s])
	}
	if len(got) != len(want) {
		t.Errorf("Secret volumes %v, want %v", got, want)
	}
	for s, keys := range want {
		if !slices.Equal(got[s], keys) {
			t.Errorf("Secret %s: keys %v, want %v", s, got[s], keys)
		}
	}
	// No credential in the command, arguments or environment: no secretKeyRef, no password value.
	// The mocks answer every RandomPassword with a value starting with MockPasswordPrefix.
	pw := synth.MockPasswordPrefix
	var generated bool
	for _, r := range g.ByType("random:index/randomPassword:RandomPassword") {
		if strings.HasSuffix(r.Name, "-cql-password") {
			generated = true
			if r.Inputs["special"] != false {
				t.Errorf("the role's password may hold special characters: %v", r.Inputs)
			}
		}
	}
	if !generated {
		t.Fatal("no role password in the graph")
	}
	for _, c := range asList(pod["containers"]) {
		cm := asMap(c)
		text := strings.Join(append(strs(cm["command"]), strs(cm["args"])...), " ")
		for _, e := range asList(cm["env"]) {
			em := asMap(e)
			if em["valueFrom"] != nil {
				t.Errorf("env %v from %v: credentials come from files", em["name"], em["valueFrom"])
			}
			text += " " + asString(em["value"])
		}
		if strings.Contains(text, pw) || strings.Contains(text, synth.SecretMarker) || strings.Contains(name, pw) {
			t.Errorf("the password is on the command line or in the environment: %s", text)
		}
		if strings.Contains(text, "tls.key") {
			t.Errorf("the Job names tls.key: %s", text)
		}
	}

	// The role's Secret beside the Job; the client's Secret in its namespace, after the Job.
	secrets := map[string]synth.Resource{}
	for _, s := range g.ByType(tSecret) {
		m := asMap(s.Inputs["metadata"])
		secrets[asString(m["namespace"])+"/"+asString(m["name"])] = s
	}
	role, ok := secrets[cassandra.Namespace+"/gs-iad-c-ezra-cql-role"]
	if !ok {
		t.Fatalf("no role Secret in %s (have %v)", cassandra.Namespace, keysOf(secrets))
	}
	client, ok := secrets[ezra.Client.Namespace+"/"+cassandracluster.ClientSecretName]
	if !ok {
		t.Fatalf("no client Secret in %s (have %v)", ezra.Client.Namespace, keysOf(secrets))
	}
	for _, s := range []synth.Resource{role, client} {
		if s.Provider != home {
			t.Errorf("Secret %s in provider %s, want the home cluster's", s.Name, s.Provider)
		}
		// The SDK makes all of stringData secret: its keys and values are checked in
		// components/cassandracluster (TestClientRoleObjects).
		if sd := s.Inputs["stringData"]; sd != synth.SecretMarker {
			t.Errorf("Secret %s: stringData %v is not a secret in state", s.Name, sd)
		}
	}
	if !slices.Contains(client.DependsOn, job.URN) {
		t.Errorf("the client Secret does not wait for the Job: %v", client.DependsOn)
	}

	// The keyspace gets the replication the cluster's own Job sets on every keyspace, from a
	// ConfigMap beside the Job (the Job's spec holds no replication: a datacenter's change runs
	// no client Job), mounted by the Job, which waits for it.
	var cql string
	for _, c := range g.ByType("kubernetes:core/v1:ConfigMap") {
		m := asMap(c.Inputs["metadata"])
		if m["namespace"] != cassandra.Namespace || m["name"] != "gs-iad-c-ezra-cql-keyspace" {
			continue
		}
		cql = asString(asMap(c.Inputs["data"])[cassandracluster.KeyspaceCQLKey])
		if c.Provider != home || !slices.Contains(job.DependsOn, c.URN) {
			t.Errorf("keyspace ConfigMap in %s; the Job waits for %v", c.Provider, job.DependsOn)
		}
	}
	var mounted bool
	for _, v := range asList(pod["volumes"]) {
		mounted = mounted || asMap(asMap(v)["configMap"])["name"] == "gs-iad-c-ezra-cql-keyspace"
	}
	if !mounted || strings.Contains(fmt.Sprint(job.Inputs), "NetworkTopologyStrategy") {
		t.Errorf("the Job does not read the keyspace's CQL from its ConfigMap: %v", pod["volumes"])
	}
	v := viewCassandra(t, after["global"].Graph)
	rep := regexp.MustCompile(`CREATE KEYSPACE IF NOT EXISTS platform WITH replication = (\{[^}]*\});`).FindStringSubmatch(v.cql)
	if rep == nil || cql != "CREATE KEYSPACE IF NOT EXISTS ezra_data WITH replication = "+rep[1]+";\n" {
		t.Errorf("client CQL %q, the cluster's %q", cql, v.cql)
	}

	// The client's namespace may send CQL to the Cassandra pods.
	var cqlEgress bool
	for _, p := range g.ByType(tNetworkPolicy) {
		meta, spec := policyOf(p)
		if meta["namespace"] != ezra.Client.Namespace {
			continue
		}
		for _, rule := range asList(spec["egress"]) {
			for _, port := range asList(asMap(rule)["ports"]) {
				if asMap(port)["port"] == float64(cassandra.NativePort) {
					cqlEgress = true
				}
			}
		}
	}
	if !cqlEgress {
		t.Errorf("no egress policy of %s admits CQL", ezra.Client.Namespace)
	}
	if out, _ := after["iad-ezra"].Graph.Outputs[program.OutCassandra].(map[string]any); out["secret"] != cassandracluster.ClientSecretName || out["keyspace"] != "ezra_data" {
		t.Errorf("output %s = %v", program.OutCassandra, out)
	}
}

// Without a keyspace (the committed fleet) a client declares no role, no CQL Job and no CQL
// egress, and reads no global stack.
func TestClientWithoutKeyspaceHasNoCassandra(t *testing.T) {
	g := synthAll(t)["iad-ezra"].Graph
	for _, j := range g.ByType(tJob) {
		if asMap(j.Inputs["metadata"])["namespace"] == cassandra.Namespace {
			t.Errorf("Job %s in the Cassandra namespace", j.Name)
		}
	}
	for _, r := range g.ByType("pulumi:pulumi:StackReference") {
		if strings.HasSuffix(asString(r.Inputs["name"]), "/global") {
			t.Errorf("iad-ezra reads the global stack without a keyspace")
		}
	}
	if _, ok := g.Outputs[program.OutCassandra]; ok {
		t.Errorf("output %s without a keyspace", program.OutCassandra)
	}
}

// trust-manager and its Bundle are in every region with a datacenter and nowhere else; the
// release is pinned and configured as its chart (v0.24.0 values.yaml) names the values; the
// Bundle takes only ca.crt of the CA Secret and is not waited for.
func TestTrustManagerInEveryDatacenterRegion(t *testing.T) {
	// The committed fleet has no client with a keyspace, so no trust-manager anywhere; with
	// iad-ezra asking for one, iad (its home, a datacenter region) gets it and no other region.
	committed := committedFleet(t)
	if len(committed.CassandraClientNamespaces(committed.Stack("iad"))) != 0 {
		t.Fatal("the committed fleet has a client keyspace in iad: the committed case no longer tests the gate")
	}
	edited, editedResults := synthFleetEdited(t, ezraKeyspace)
	seen := 0
	for _, fl := range []struct {
		fleet   *config.Fleet
		results map[string]*synth.Result
	}{{committed, synthAll(t)}, {edited, editedResults}} {
		seen += checkTrustManager(t, fl.fleet, fl.results)
	}
	if seen != 1 {
		t.Errorf("trust-manager in %d regions over both fleets, want 1 (iad with ezra's keyspace)", seen)
	}
}

// checkTrustManager checks each stack's trust-manager release and Bundle: exactly in the
// datacenter regions that home a client with a keyspace; it returns how many it found.
func checkTrustManager(t *testing.T, fleet *config.Fleet, results map[string]*synth.Result) int {
	found := 0
	for name, r := range results {
		s := fleet.Stack(name)
		wantOne := s.Settings.Kind == "region" && s.Cassandra != nil && len(fleet.CassandraClientNamespaces(s)) > 0
		var releases []synth.Resource
		var certManager, operator string
		for _, rel := range r.Graph.ByType(tRelease) {
			switch rel.Inputs["chart"] {
			case cassandra.TrustManagerChart:
				releases = append(releases, rel)
			case cassandra.CertManagerChart:
				certManager = rel.URN
			case cassandra.OperatorChart:
				operator = rel.URN
			}
		}
		bundles := r.Graph.ByType(tBundle)
		if wantOne != (len(releases) == 1) || wantOne != (len(bundles) == 1) || len(releases) > 1 || len(bundles) > 1 {
			t.Errorf("%s: %d trust-manager releases and %d Bundles, want %v", name, len(releases), len(bundles), wantOne)
			continue
		}
		if !wantOne {
			continue
		}
		found++
		rel, b := releases[0], bundles[0]
		if rel.Inputs["version"] != cassandra.TrustManagerVersion || rel.Inputs["namespace"] != cassandra.TrustManagerNamespace ||
			!slices.Contains(rel.DependsOn, certManager) || !slices.Contains(rel.DependsOn, operator) {
			t.Errorf("%s: release %v in %v after %v", name, rel.Inputs["version"], rel.Inputs["namespace"], rel.DependsOn)
		}
		vals := asMap(rel.Inputs["values"])
		if asMap(asMap(vals["app"])["trust"])["namespace"] != cassandra.Namespace || asMap(vals["secretTargets"])["enabled"] != false ||
			asMap(vals["defaultPackage"])["enabled"] != false || asMap(vals["resources"])["limits"] == nil {
			t.Errorf("%s: trust-manager values %v", name, vals)
		}
		// The chart writes the webhook's CA into its caBundle itself (v0.24.0 templates/webhook.yaml),
		// rather than leaving it to cainjector after the release: the Bundle declared right after
		// the release must not meet a webhook the API server does not trust yet. approverPolicy
		// with helmCert makes the chart fail.
		tls := asMap(asMap(asMap(vals["app"])["webhook"])["tls"])
		if asMap(tls["helmCert"])["enabled"] != true || asMap(tls["approverPolicy"])["enabled"] == true {
			t.Errorf("%s: trust-manager webhook TLS %v: want helmCert.enabled true (the caBundle in the release), approverPolicy off", name, tls)
		}
		if b.Provider != rel.Provider || !slices.Contains(b.DependsOn, rel.URN) {
			t.Errorf("%s: Bundle in %s after %v", name, b.Provider, b.DependsOn)
		}
		meta := asMap(b.Inputs["metadata"])
		if meta["name"] != cassandra.CABundle || meta["namespace"] != nil {
			t.Errorf("%s: Bundle metadata %v (cluster-scoped, named %s)", name, meta, cassandra.CABundle)
		}
		if ann := asMap(meta["annotations"]); ann["pulumi.com/skipAwait"] != "true" || ann["pulumi.com/waitFor"] != nil {
			t.Errorf("%s: Bundle annotations %v: a data plane's first up would wait for a CA that arrives after global", name, ann)
		}
		spec := asMap(b.Inputs["spec"])
		src := asList(spec["sources"])
		if len(src) != 1 || asMap(asMap(src[0])["secret"])["name"] != cassandra.CASecret || asMap(asMap(src[0])["secret"])["key"] != "ca.crt" {
			t.Errorf("%s: Bundle sources %v, want only ca.crt of %s", name, src, cassandra.CASecret)
		}
		target := asMap(spec["target"])
		if asMap(target["configMap"])["key"] != cassandra.CABundleKey || target["secret"] != nil ||
			asMap(asMap(target["namespaceSelector"])["matchLabels"])[cassandra.CABundleLabel] != "true" {
			t.Errorf("%s: Bundle target %v", name, target)
		}
	}
	return found
}

func strs(v any) []string {
	var out []string
	for _, x := range asList(v) {
		out = append(out, asString(x))
	}
	return out
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
