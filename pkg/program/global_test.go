package program_test

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/internal/fleettest"
	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/netplan"
	"github.com/global-sovereign/global-sovereign/pkg/program"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

// providerRegions maps each aws provider URN of a graph to its region.
func providerRegions(g *synth.Graph) map[string]string {
	out := map[string]string{}
	for _, p := range g.ByType("pulumi:providers:aws") {
		out[p.URN] = asString(p.Inputs["region"])
	}
	return out
}

// globalOf is the global stack's config and graph, and the graphs of the region stacks it reads.
func globalOf(t *testing.T, fleet *config.Fleet, results map[string]*synth.Result) (*config.Stack, *synth.Graph, map[string]*synth.Graph) {
	t.Helper()
	for _, name := range fleet.Names() {
		s := fleet.Stack(name)
		if s.Settings.Kind != config.KindGlobal {
			continue
		}
		regions := map[string]*synth.Graph{}
		for _, r := range fleet.References(s) {
			regions[r] = results[r].Graph
		}
		return s, results[name].Graph, regions
	}
	t.Fatal("the fleet has no global stack")
	return nil, nil, nil
}

// The mesh: one peering per pair of regions, requested with the first region's provider toward
// the second's VPC and region, accepted with the second's provider, DNS resolution on each side
// from that side's region, and for every pair a route to the peer VPC's CIDR in every private
// and database route table of both sides. Every value compared comes from the region stacks'
// exports, so the routes follow what the regions really created.
func TestPeeringMesh(t *testing.T) {
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	_, g, regions := globalOf(t, fleet, synthAll(t))
	checkMesh(t, fleet, g, regions)
}

func checkMesh(t *testing.T, fleet *config.Fleet, g *synth.Graph, regions map[string]*synth.Graph) {
	t.Helper()
	n := len(regions)
	if n < 2 {
		t.Fatalf("%d region stacks: a mesh needs two", n)
	}
	conns := g.ByType("aws:ec2/vpcPeeringConnection:VpcPeeringConnection")
	accepters := g.ByType("aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter")
	if len(conns) != n*(n-1)/2 || len(accepters) != len(conns) {
		t.Fatalf("%d peerings and %d accepters for %d regions, want %d of each", len(conns), len(accepters), n, n*(n-1)/2)
	}
	region := providerRegions(g)
	byCode := map[string]string{} // region code -> stack name
	for name := range regions {
		byCode[fleet.Stack(name).Settings.Code] = name
	}
	routes := map[string]bool{} // provider region | route table | destination
	for _, r := range g.ByType("aws:ec2/route:Route") {
		routes[region[r.Provider]+"|"+asString(r.Inputs["routeTableId"])+"|"+asString(r.Inputs["destinationCidrBlock"])] = true
	}
	pairs := map[string]bool{}
	for _, c := range conns {
		pair := strings.TrimPrefix(c.Parent[strings.LastIndex(c.Parent, "::")+2:], fleet.Stack("global").Settings.NamePrefix+"-peer-")
		codes := strings.SplitN(pair, "-", 2)
		a, b := regions[byCode[codes[0]]], regions[byCode[codes[1]]]
		if a == nil || b == nil {
			t.Fatalf("peering %s names unknown regions", c.Name)
		}
		pairs[pair] = true
		if region[c.Provider] != asString(a.Outputs[program.OutAWSRegion]) || c.Inputs["peerRegion"] != b.Outputs[program.OutAWSRegion] ||
			c.Inputs["vpcId"] != a.Outputs[program.OutVpcID] || c.Inputs["peerVpcId"] != b.Outputs[program.OutVpcID] || c.Inputs["autoAccept"] != nil {
			t.Errorf("%s: requested in %s from %v to %v in %v (autoAccept %v)", c.Name, region[c.Provider], c.Inputs["vpcId"], c.Inputs["peerVpcId"], c.Inputs["peerRegion"], c.Inputs["autoAccept"])
		}
		acc := mustFind(t, g, "global", "accepter of "+pair, func(r synth.Resource) bool {
			return r.Type == "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter" && r.Parent == c.Parent
		})[0]
		if region[acc.Provider] != asString(b.Outputs[program.OutAWSRegion]) || acc.Inputs["autoAccept"] != true {
			t.Errorf("%s accepted in %s (autoAccept %v), want the peer region %v", pair, region[acc.Provider], acc.Inputs["autoAccept"], b.Outputs[program.OutAWSRegion])
		}
		for _, side := range []struct {
			self, peer *synth.Graph
			block      string
		}{{a, b, "requester"}, {b, a, "accepter"}} {
			opts := mustFind(t, g, "global", side.block+" DNS options of "+pair, func(r synth.Resource) bool {
				return r.Type == "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions" && r.Parent == c.Parent && r.Inputs[side.block] != nil
			})[0]
			if region[opts.Provider] != side.self.Outputs[program.OutAWSRegion] {
				t.Errorf("%s %s options set in %s", pair, side.block, region[opts.Provider])
			}
			tables := asList(side.self.Outputs[program.OutPrivateRouteTableIDs])
			if len(tables) < 2 {
				t.Fatalf("%s exports route tables %v", pair, tables)
			}
			for _, rt := range tables {
				key := asString(side.self.Outputs[program.OutAWSRegion]) + "|" + asString(rt) + "|" + asString(side.peer.Outputs[program.OutVpcCIDR])
				if !routes[key] {
					t.Errorf("%s: no route in %s to the peer VPC %v", pair, rt, side.peer.Outputs[program.OutVpcCIDR])
				}
			}
		}
	}
	if len(pairs) != len(conns) {
		t.Errorf("%d distinct pairs for %d peerings", len(pairs), len(conns))
	}
}

// DNS: a latency record per region with an ingress, aliasing that region's load balancer as the
// region stack exported it, with that region's health check (HTTPS on its own hostname, from at
// least three checker regions) and, where the region serves the API, an alarm on it to the
// global topic; a failover pair on the
// public name whose secondary is the configured default region.
func TestLatencyDNSAndHealthChecks(t *testing.T) {
	// ams serves the API (a pipeline deploys it); the other regions have no workload bound yet.
	fleet, results := synthFleetEdited(t, fleettest.Edit{File: "Pulumi.ams.yaml", Old: "  global-sovereign:database:\n",
		New: "  global-sovereign:ingress:\n    serving: true\n  global-sovereign:database:\n"})
	s, g, regions := globalOf(t, fleet, results)
	if s.DNS == nil {
		t.Fatal("the global stack has no dns block")
	}
	checks := map[string]synth.Resource{}
	for _, hc := range g.ByType("aws:route53/healthCheck:HealthCheck") {
		checks[hc.ID] = hc
	}
	alarmed := map[string]bool{}
	topic := g.Outputs[program.OutAlertsTopicArn]
	for _, a := range alarmsOf(g, "AWS/Route53", "HealthCheckStatus") {
		if slices.Contains(asList(a.Inputs["alarmActions"]), topic) {
			alarmed[asString(a.Inputs["dimensions"].(map[string]any)["HealthCheckId"])] = true
		}
	}
	latency := map[string]synth.Resource{}
	for _, r := range g.ByType("aws:route53/record:Record") {
		if r.Inputs["latencyRoutingPolicies"] != nil {
			latency[asString(r.Inputs["setIdentifier"])] = r
		}
	}
	withIngress := 0
	for name, rg := range regions {
		rs := fleet.Stack(name)
		if rs.Ingress == nil {
			continue
		}
		withIngress++
		rec, ok := latency[rs.Settings.Code]
		if !ok {
			t.Errorf("no latency record for %s", name)
			continue
		}
		alias := asList(rec.Inputs["aliases"])[0].(map[string]any)
		policy := asList(rec.Inputs["latencyRoutingPolicies"])[0].(map[string]any)
		if alias["name"] != rg.Outputs[program.OutLoadBalancerDNSName] || alias["zoneId"] != rg.Outputs[program.OutLoadBalancerZoneID] ||
			alias["evaluateTargetHealth"] != true || policy["region"] != rs.Settings.AWSRegion {
			t.Errorf("%s latency record: alias %v, policy %v; want the region's load balancer %v/%v in %s",
				name, alias, policy, rg.Outputs[program.OutLoadBalancerDNSName], rg.Outputs[program.OutLoadBalancerZoneID], rs.Settings.AWSRegion)
		}
		hc, ok := checks[asString(rec.Inputs["healthCheckId"])]
		if !ok {
			t.Errorf("%s latency record carries no health check of this stack (%v)", name, rec.Inputs["healthCheckId"])
			continue
		}
		if hc.Inputs["fqdn"] != rs.Ingress.Hostname || hc.Inputs["type"] != "HTTPS" || hc.Inputs["resourcePath"] != s.DNS.HealthCheckPath ||
			len(asList(hc.Inputs["regions"])) < config.MinCheckerRegions {
			t.Errorf("%s health check: %v", name, hc.Inputs)
		}
		// Only a region that serves pages: one waiting for its API answers 503 from day one.
		if alarmed[hc.ID] != rs.ServesAPI() || rs.ServesAPI() != (name == "ams") {
			t.Errorf("%s health check %s: alarm to the global topic %v, serving %v (want only ams's)", name, hc.ID, alarmed[hc.ID], rs.ServesAPI())
		}
	}
	if withIngress == 0 || len(latency) != withIngress || len(checks) != withIngress {
		t.Errorf("%d latency records and %d health checks for %d regions with an ingress", len(latency), len(checks), withIngress)
	}
	var primary, secondary map[string]any
	for _, r := range g.ByType("aws:route53/record:Record") {
		if r.Inputs["name"] != s.DNS.FQDN() {
			continue
		}
		switch asList(r.Inputs["failoverRoutingPolicies"])[0].(map[string]any)["type"] {
		case "PRIMARY":
			primary = asList(r.Inputs["aliases"])[0].(map[string]any)
		case "SECONDARY":
			secondary = asList(r.Inputs["aliases"])[0].(map[string]any)
		}
	}
	def := regions[s.DNS.DefaultRegion]
	if primary == nil || secondary == nil || def == nil {
		t.Fatalf("%s: primary %v, secondary %v, default region %s", s.DNS.FQDN(), primary, secondary, s.DNS.DefaultRegion)
	}
	if primary["name"] != "latency."+s.DNS.FQDN() || primary["evaluateTargetHealth"] != true {
		t.Errorf("primary %v: want the latency set with target health", primary)
	}
	if secondary["name"] != def.Outputs[program.OutLoadBalancerDNSName] {
		t.Errorf("secondary %v: want the default region's load balancer %v", secondary, def.Outputs[program.OutLoadBalancerDNSName])
	}
	if g.Outputs[program.OutAPIEndpoint] != "https://"+s.DNS.FQDN() {
		t.Errorf("apiEndpoint = %v", g.Outputs[program.OutAPIEndpoint])
	}
}

// Costs: a budget per environment of the fleet, filtered on the environment tag with the user:
// prefix (the tag activated for cost allocation), notifying the topic and the emails at actual
// 80% and 100% and forecast 100%; anomaly detection with an SNS subscription at the threshold.
func TestBudgetsAndAnomalyDetection(t *testing.T) {
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	s, g, _ := globalOf(t, fleet, synthAll(t))
	topic := g.Outputs[program.OutAlertsTopicArn]
	// AWS accepts the activation only after the tag is in billing data, from a management or
	// standalone account: the committed fleet leaves it to a person (preflight says when).
	if tags := g.ByType("aws:costexplorer/costAllocationTag:CostAllocationTag"); len(tags) != 0 || s.Costs.ActivatesTag() {
		t.Errorf("cost allocation tag activated on the first up: %v", tags)
	}
	policyURN := mustFind(t, g, "global", "topic policy", ofType("aws:sns/topicPolicy:TopicPolicy"))[0].URN
	budgets := g.ByType("aws:budgets/budget:Budget")
	if len(budgets) != len(s.Costs.Budgets) {
		t.Fatalf("%d budgets for %d configured", len(budgets), len(s.Costs.Budgets))
	}
	for _, b := range budgets {
		filter := asList(b.Inputs["costFilters"])[0].(map[string]any)
		env := strings.TrimPrefix(asString(asList(filter["values"])[0]), "user:"+config.EnvironmentTag+"$")
		if filter["name"] != "TagKeyValue" || !slices.ContainsFunc(s.Costs.Budgets, func(c config.Budget) bool { return string(c.Environment) == env }) {
			t.Errorf("%s filters %v", b.Name, filter)
		}
		if !slices.Contains(b.DependsOn, policyURN) {
			t.Errorf("%s does not wait for the topic policy that lets Budgets publish", b.Name)
		}
		var got []string
		for _, n := range asList(b.Inputs["notifications"]) {
			n := n.(map[string]any)
			if !slices.Contains(asList(n["subscriberSnsTopicArns"]), topic) || len(asList(n["subscriberEmailAddresses"])) != len(s.Alerts.Emails) {
				t.Errorf("%s notification %v misses the topic or the emails", b.Name, n)
			}
			got = append(got, fmt.Sprintf("%v %v", n["notificationType"], n["threshold"]))
		}
		slices.Sort(got)
		if want := []string{"ACTUAL 100", "ACTUAL 80", "FORECASTED 100"}; !slices.Equal(got, want) {
			t.Errorf("%s notifications %v, want %v", b.Name, got, want)
		}
	}
	subs := g.ByType("aws:costexplorer/anomalySubscription:AnomalySubscription")
	if len(subs) != 1 || subs[0].Inputs["frequency"] != "IMMEDIATE" || asList(subs[0].Inputs["subscribers"])[0].(map[string]any)["address"] != topic {
		t.Fatalf("anomaly subscriptions: %v", subs)
	}
	if !slices.Contains(subs[0].DependsOn, policyURN) {
		t.Errorf("the anomaly subscription does not wait for the topic policy")
	}
	dim := subs[0].Inputs["thresholdExpression"].(map[string]any)["dimension"].(map[string]any)
	if asList(dim["values"])[0] != fmt.Sprint(s.Costs.AnomalyThresholdUSD) {
		t.Errorf("anomaly threshold %v, want %d", dim["values"], s.Costs.AnomalyThresholdUSD)
	}
	// Budgets and Cost Anomaly Detection may publish to the encrypted topic.
	policy := asString(mustFind(t, g, "global", "topic policy", ofType("aws:sns/topicPolicy:TopicPolicy"))[0].Inputs["policy"])
	key := asString(mustFind(t, g, "global", "alerts key", ofType("aws:kms/key:Key"))[0].Inputs["policy"])
	for _, svc := range []string{"budgets.amazonaws.com", "costalerts.amazonaws.com", "cloudwatch.amazonaws.com"} {
		if !strings.Contains(policy, svc) || !strings.Contains(key, svc) {
			t.Errorf("%s may not publish to the alerts topic or use its key", svc)
		}
	}
}

// The fleet's endpoints in one place, each the value its region stack exported.
func TestGlobalOutputs(t *testing.T) {
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	_, g, regions := globalOf(t, fleet, synthAll(t))
	for _, out := range []struct{ global, region string }{
		{program.OutEKSClusters, program.OutEKSCluster},
		{program.OutRDSEndpoints, program.OutRDSEndpoints},
		{program.OutLoadBalancerEndpoints, program.OutLoadBalancerEndpoint},
	} {
		got, _ := g.Outputs[out.global].(map[string]any)
		for name, rg := range regions {
			want, exported := rg.Outputs[out.region]
			code := fleet.Stack(name).Settings.Code
			if a, b := mustJSON(got[code]), mustJSON(want); exported && a != b {
				t.Errorf("%s.%s = %s, region exported %s", out.global, code, a, b)
			}
			if _, has := got[code]; has != exported {
				t.Errorf("%s.%s present %v, region exports it %v", out.global, code, has, exported)
			}
		}
	}
	if _, ok := g.Outputs[program.OutCassandraContactPoints].(map[string]any); !ok {
		t.Errorf("cassandraContactPoints missing")
	}
	if ids, _ := g.Outputs[program.OutPeeringConnectionIDs].(map[string]any); len(ids) != len(regions)*(len(regions)-1)/2 {
		t.Errorf("peeringConnectionIds %v", ids)
	}
}

// cassandraBlock is a stack file's Cassandra datacenter.
var cassandraBlock = regexp.MustCompile(`(?m)^  global-sovereign:cassandra:\n(    .*\n)+`)

// fraCIDR is the VPC of fra, the seventh region the tests add.
const fraCIDR = "10.77.0.0/16"

// withFra is the committed fleet plus region fra (eu-central-1), a copy of iad's stack file with
// its Cassandra datacenter or without, validated and synthesized.
func withFra(t *testing.T, datacenter bool) (*config.Fleet, map[string]*synth.Result) {
	t.Helper()
	iad, err := os.ReadFile(filepath.Join(repo, "Pulumi.iad.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(iad)
	if !datacenter {
		text = cassandraBlock.ReplaceAllString(text, "")
	}
	fra := strings.NewReplacer("code: iad", "code: fra", "us-east-1", "eu-central-1", "10.2.0.0/16", fraCIDR).Replace(text)
	dir := fleettest.Copy(t, repo)
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.fra.yaml"), []byte(fra), 0o644); err != nil {
		t.Fatal(err)
	}
	grown, err := config.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	after, err := synth.Fleet(program.New(program.Options{Dir: dir, Fleet: grown}), grown, grown.Names())
	if err != nil {
		t.Fatal(err)
	}
	return grown, after
}

// A seventh region is one new stack file: every other region stack's graph is unchanged except
// that the database home replicates its credentials to the new region (under a key there, through
// a provider of that region), and the global graph
// only grows, by exactly the new region's pairs (and its provider, DNS records and check).
func TestSeventhRegionOnlyAdds(t *testing.T) {
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	before := synthAll(t)
	// A region that does not join the Cassandra cluster (TestNewDatacenter covers one that does).
	grown, after := withFra(t, false)
	home := grown.DatabaseHome(config.EnvProduction)
	for _, name := range fleet.Names() {
		old, cur := byURN(before[name].Graph), byURN(after[name].Graph)
		for urn, r := range old {
			n, ok := cur[urn]
			switch {
			case !ok:
				t.Errorf("%s: %s disappeared", name, urn)
			case mustJSON(r) != mustJSON(n):
				if name == home.Name && strings.HasSuffix(urn, "-aurora-master") && r.Type == "aws:secretsmanager/secret:Secret" &&
					len(asList(n.Inputs["replicas"])) == len(asList(r.Inputs["replicas"]))+1 {
					continue // replicated to the new secondary region too: the one intended change
				}
				if name == home.Name && provisioningReachesNewMember(r, n, fraDatabaseSubnets(t, grown)) {
					continue // the home's provisioning Jobs may reach the new member, which may write one day
				}
				t.Errorf("%s: %s changed:\n%s\n%s", name, urn, mustJSON(r), mustJSON(n))
			}
		}
		// The home also gains the new region's provider and the replica's key and alias there.
		if want := len(old) + map[bool]int{true: 3}[name == home.Name]; fleet.Stack(name).IsRegion() && len(cur) != want {
			t.Errorf("%s: %d resources, had %d", name, len(cur), len(old))
		}
	}
	g, og := after["global"].Graph, before["global"].Graph
	n := len(grown.References(grown.Stack("global")))
	added := len(g.ByType("sovereign:peering:Peering")) - len(og.ByType("sovereign:peering:Peering"))
	if added != n-1 {
		t.Errorf("%d peerings added for a seventh region, want %d", added, n-1)
	}
	for urn, r := range byURN(g) {
		if _, existed := byURN(og)[urn]; !existed && r.Type == "sovereign:peering:Peering" && !strings.Contains(r.Name, "fra") {
			t.Errorf("new peering %s does not involve the new region", r.Name)
		}
	}
	regions := map[string]*synth.Graph{}
	for _, r := range grown.References(grown.Stack("global")) {
		regions[r] = after[r].Graph
	}
	checkMesh(t, grown, g, regions)
}

func byURN(g *synth.Graph) map[string]synth.Resource {
	out := map[string]synth.Resource{}
	for _, r := range g.Resources {
		out[r.URN] = r
	}
	return out
}

// fraDatabaseSubnets are the database subnets of the added fra stack.
func fraDatabaseSubnets(t *testing.T, fleet *config.Fleet) []string {
	t.Helper()
	fra := fleet.Stack("fra")
	plan, err := netplan.Compute(netip.MustParsePrefix(fra.Network.VPCCIDR), len(fra.Network.AvailabilityZones))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range plan.Database {
		out = append(out, p.String())
	}
	return out
}
