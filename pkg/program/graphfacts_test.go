package program_test

// Facts about the synthesized graphs that follow one resource to another through the ids the
// mocks answered. Without them a crossed reference (a private route through another AZ's NAT,
// every Aurora instance in one AZ) shows only in a golden diff of opaque ids, which `make
// golden` would accept as readily as any other change.

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/components/autoscaling"
	"github.com/global-sovereign/global-sovereign/components/cassandra"
	"github.com/global-sovereign/global-sovereign/components/monitoring"
	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

// mustFind returns the resources of g that match and fails the test when there are none. A
// check that runs over what a lookup by name or type finds goes through it: after a rename or a
// removal the lookup would find nothing and the check would pass by checking nothing.
func mustFind(t *testing.T, g *synth.Graph, stack, what string, match func(synth.Resource) bool) []synth.Resource {
	t.Helper()
	var out []synth.Resource
	for _, r := range g.Resources {
		if !r.Modelled && match(r) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no %s in the graph: the check over it would pass on nothing", stack, what)
	}
	return out
}

// ofType matches the resources of a type token.
func ofType(typ string) func(synth.Resource) bool {
	return func(r synth.Resource) bool { return r.Type == typ }
}

// named matches the resources of a type whose logical name contains part.
func named(typ, part string) func(synth.Resource) bool {
	return func(r synth.Resource) bool { return r.Type == typ && strings.Contains(r.Name, part) }
}

// withInput matches the resources of a type whose input key has the given value.
func withInput(typ, key string, value any) func(synth.Resource) bool {
	return func(r synth.Resource) bool { return r.Type == typ && r.Inputs[key] == value }
}

// Each private subnet leaves for the internet through the NAT gateway in its own AZ (through
// the one NAT with natGateways: single), public subnets through the internet gateway, and
// database subnets not at all; see synth.EgressProblems for the walk.
func TestSubnetsLeaveThroughTheirOwnAZ(t *testing.T) {
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	for name, g := range regionGraphs(t) {
		n := fleet.Stack(name).Network
		for _, p := range synth.EgressProblems(g, len(n.AvailabilityZones), n.NATGateways == config.NATSingle) {
			t.Errorf("%s: %s", name, p)
		}
	}
}

// The Aurora instances and the cache nodes of every region sit in at least two AZs, each in an
// AZ that its subnet group covers (AWS refuses a placement outside it), and the subnet groups
// span two AZs themselves: an AZ outage leaves a member to fail over to.
func TestDataSpansTwoAZs(t *testing.T) {
	const (
		tRDSSubnetGroup   = "aws:rds/subnetGroup:SubnetGroup"
		tCacheSubnetGroup = "aws:elasticache/subnetGroup:SubnetGroup"
	)
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		what string
		in   func(*config.Stack) bool
		// placement returns where the members go and the id of their subnet group.
		placement func(t *testing.T, stack string, g *synth.Graph) (azs []string, subnetGroup any)
		groupType string
	}{
		{
			what: "Aurora instances", groupType: tRDSSubnetGroup,
			in: func(s *config.Stack) bool { return s.Database != nil },
			placement: func(t *testing.T, stack string, g *synth.Graph) ([]string, any) {
				c := one(t, g, stack, tCluster)
				var azs []string
				for _, in := range mustFind(t, g, stack, "Aurora instance", ofType(tInstance)) {
					if in.Inputs["clusterIdentifier"] != c.ID {
						t.Errorf("%s: instance %s joins cluster %v, not %s", stack, in.Name, in.Inputs["clusterIdentifier"], c.ID)
					}
					az, _ := in.Inputs["availabilityZone"].(string)
					azs = append(azs, az)
				}
				return azs, c.Inputs["dbSubnetGroupName"]
			},
		},
		{
			what: "cache nodes", groupType: tCacheSubnetGroup,
			in: func(s *config.Stack) bool { return s.Cache != nil },
			placement: func(t *testing.T, stack string, g *synth.Graph) ([]string, any) {
				rg := one(t, g, stack, tReplication)
				var azs []string
				for _, az := range asList(rg.Inputs["preferredCacheClusterAzs"]) {
					azs = append(azs, az.(string))
				}
				// One preferred AZ per node, or AWS picks the rest itself.
				if float64(len(azs)) != rg.Inputs["numCacheClusters"] {
					t.Errorf("%s: %d preferred AZs for %v cache nodes", stack, len(azs), rg.Inputs["numCacheClusters"])
				}
				return azs, rg.Inputs["subnetGroupName"]
			},
		},
	}
	for name, g := range regionGraphs(t) {
		byID := g.Index()
		for _, tt := range tests {
			if !tt.in(fleet.Stack(name)) {
				continue
			}
			azs, groupID := tt.placement(t, name, g)
			group, ok := byID[asString(groupID)]
			if !ok || group.Type != tt.groupType {
				t.Errorf("%s: the %s' subnet group %v is no %s of the graph", name, tt.what, groupID, tt.groupType)
				continue
			}
			covered := map[string]bool{}
			for _, id := range asList(group.Inputs["subnetIds"]) {
				s, ok := byID[asString(id)]
				if !ok || s.Type != "aws:ec2/subnet:Subnet" {
					t.Errorf("%s: subnet group %s lists %v, no subnet of the graph", name, group.Name, id)
					continue
				}
				covered[asString(s.Inputs["availabilityZone"])] = true
			}
			if len(covered) < 2 {
				t.Errorf("%s: the %s' subnet group %s covers AZs %v; want at least two", name, tt.what, group.Name, sortedKeys(covered))
			}
			distinct := map[string]bool{}
			for _, az := range azs {
				distinct[az] = true
				if !covered[az] {
					t.Errorf("%s: one of the %s is placed in AZ %q, which subnet group %s does not cover (%v)", name, tt.what, az, group.Name, sortedKeys(covered))
				}
			}
			if len(distinct) < 2 {
				t.Errorf("%s: the %s are placed in %v: want at least two AZs", name, tt.what, azs)
			}
		}
	}
}

// Every object that starts pods is one the tests expect, and every one they expect exists: the
// set is exact per region stack, derived from its config, with the names the components give
// them. The deploy-order audit (pods wait for nodes, CoreDNS and the Pod Identity agent) checks
// what synth.PodMakers returns, so this also says what the audit looked at.
func TestPodMakersAreTheExpectedSet(t *testing.T) {
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	for name, g := range regionGraphs(t) {
		if d := podMakerDiff(g, fleet, fleet.Stack(name)); d != "" {
			t.Errorf("%s: %s", name, d)
		}
	}
}

// podMakerDiff says how the objects that start pods in g differ from what s expects, or "".
func podMakerDiff(g *synth.Graph, fleet *config.Fleet, s *config.Stack) string {
	got, want := podMakerKeys(g), expectedPodMakers(fleet, s)
	if slices.Equal(got, want) {
		return ""
	}
	missing := slices.DeleteFunc(slices.Clone(want), func(k string) bool { return slices.Contains(got, k) })
	unexpected := slices.DeleteFunc(slices.Clone(got), func(k string) bool { return slices.Contains(want, k) })
	return fmt.Sprintf("objects that start pods: missing %v, unexpected %v (have %v)", missing, unexpected, got)
}

// expectedPodMakers is what starts pods in a region stack, as "kind name": the add-ons the
// cluster component declares (pulumi-eks owns vpc-cni and kube-proxy, which a node needs to
// join and the audit does not count), the charts of the autoscaling and ingress components,
// kube-prometheus-stack with monitoring, cert-manager and the k8ssandra-operator with a Cassandra
// datacenter, trust-manager where a client homed there has a keyspace, and the API Deployment
// when config names an image.
func expectedPodMakers(fleet *config.Fleet, s *config.Stack) []string {
	var out []string
	if c := s.Cluster; c != nil {
		out = append(out, "Addon coredns", "Addon eks-pod-identity-agent", "Addon aws-ebs-csi-driver",
			"Release cluster-autoscaler", "Release metrics-server")
		if c.API != nil && c.API.Image != "" {
			out = append(out, "Deployment "+autoscaling.APIName)
		}
		if s.Ingress != nil {
			out = append(out, "Release aws-load-balancer-controller")
		}
		if s.Monitoring != nil {
			out = append(out, "Release "+monitoring.Chart)
		}
		if s.Cassandra != nil {
			out = append(out, "Release "+cassandra.CertManagerChart, "Release "+cassandra.OperatorChart)
			if len(fleet.CassandraClientNamespaces(s)) > 0 {
				out = append(out, "Release "+cassandra.TrustManagerChart)
			}
		}
		if fleet.HoldsDatabaseWriter(s) {
			out = append(out, "Job provisioner") // the clients' database provisioning role
		}
	}
	sort.Strings(out)
	return out
}

// podMakerKeys names what synth.PodMakers finds in g the way expectedPodMakers does: a Helm
// release by its chart, an add-on by its addonName, any other object by its metadata.name.
func podMakerKeys(g *synth.Graph) []string {
	var out []string
	for _, r := range synth.PodMakers(g) {
		kind := r.Type[strings.LastIndex(r.Type, ":")+1:]
		var name any
		switch kind {
		case "Release", "Chart":
			name = r.Inputs["chart"]
		case "Addon":
			name = r.Inputs["addonName"]
		case "Job": // named by a hash of what it does
			meta, _ := r.Inputs["metadata"].(map[string]any)
			n := asString(meta["name"])
			name = n[:max(strings.LastIndex(n, "-"), 0)]
		default:
			meta, _ := r.Inputs["metadata"].(map[string]any)
			name = meta["name"]
		}
		out = append(out, kind+" "+asString(name))
	}
	sort.Strings(out)
	return out
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func asString(v any) string {
	s, _ := v.(string)
	return s
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
