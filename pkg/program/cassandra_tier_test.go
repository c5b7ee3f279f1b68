package program_test

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/components/cassandra"
	"github.com/global-sovereign/global-sovereign/pkg/netplan"
)

// The Cassandra nodes sit in the Cassandra tier and nothing else does: a region with a datacenter
// has one Cassandra subnet per AZ (its planned CIDR, inside the tier), each rack's node group is
// in its AZ's, no other node group is in any of them, and a region without a datacenter has none.
// The control plane's k8ssandra-operator and Reaper run on those nodes too (their calls to the
// other datacenters then come from the tier the others admit), and the operator's release waits
// for the Cassandra groups; a data plane's operator stays on the general nodes.
func TestCassandraNodesInTheirOwnTier(t *testing.T) {
	fleet := committedFleet(t)
	checked := 0
	for name, r := range synthAll(t) {
		s := fleet.Stack(name)
		if !s.IsRegion() {
			continue
		}
		g := r.Graph
		tierOf := map[string]string{} // subnet id -> CIDR, Cassandra subnets only
		for _, sub := range g.ByType("aws:ec2/subnet:Subnet") {
			if asMap(sub.Inputs["tags"])["tier"] == "cassandra" {
				tierOf[sub.ID] = asString(sub.Inputs["cidrBlock"])
			}
		}
		if s.Cassandra == nil {
			if len(tierOf) != 0 {
				t.Errorf("%s: Cassandra subnets without a datacenter: %v", name, tierOf)
			}
			continue
		}
		checked++
		plan, err := netplan.Compute(netip.MustParsePrefix(s.Network.VPCCIDR), len(s.Network.AvailabilityZones))
		if err != nil {
			t.Fatal(err)
		}
		var want, got []string
		for _, p := range plan.Cassandra {
			want = append(want, p.String())
			if !netplan.Contains(plan.CassandraTier, p) {
				t.Errorf("%s: %s outside the tier %s", name, p, plan.CassandraTier)
			}
		}
		for _, c := range tierOf {
			got = append(got, c)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: Cassandra subnets %v, want %v", name, got, want)
		}
		for _, ng := range g.ByType(tNodeGroup) {
			subnets := asList(ng.Inputs["subnetIds"])
			inTier := 0
			for _, id := range subnets {
				if _, ok := tierOf[asString(id)]; ok {
					inTier++
				}
			}
			rack := strings.Contains(ng.Name, "-ng-cassandra-")
			if rack && (len(subnets) != 1 || inTier != 1) || !rack && inTier != 0 {
				t.Errorf("%s: node group %s in subnets %v (Cassandra rack %v)", name, ng.Name, subnets, rack)
			}
			// A rack updates one node at a time (cass-operator's budget), so EKS surges at most
			// two nodes into its subnet, what the config's capacity check keeps free.
			if u := asMap(ng.Inputs["updateConfig"]); rack && (u["maxUnavailable"] != float64(1) || u["maxUnavailablePercentage"] != nil) {
				t.Errorf("%s: rack %s updates with %v, want maxUnavailable 1", name, ng.Name, u)
			}
		}
		var operator map[string]any
		var operatorDeps []string
		for _, rel := range g.ByType(tRelease) {
			if rel.Inputs["chart"] == cassandra.OperatorChart {
				operator, operatorDeps = asMap(rel.Inputs["values"]), rel.DependsOn
			}
		}
		placed := asMap(operator["nodeSelector"])[cassandra.NodeLabel] == cassandra.NodeValue &&
			len(asList(operator["tolerations"])) == 1 && asMap(asList(operator["tolerations"])[0])["key"] == cassandra.NodeLabel
		if s.Cassandra.ControlPlane != placed {
			t.Errorf("%s: operator on the Cassandra nodes %v, want %v (control plane): %v", name, placed, s.Cassandra.ControlPlane, operator)
		}
		waits := 0
		for _, ng := range g.ByType(tNodeGroup) {
			if strings.Contains(ng.Name, "-ng-cassandra-") && slices.Contains(operatorDeps, ng.URN) {
				waits++
			}
		}
		if s.Cassandra.ControlPlane && waits != len(s.Network.AvailabilityZones) {
			t.Errorf("%s: the operator's release waits for %d Cassandra groups, want %d", name, waits, len(s.Network.AvailabilityZones))
		}
	}
	if checked == 0 {
		t.Fatal("no region with a datacenter")
	}
	spec := asMap(one(t, synthAll(t)["global"].Graph, "global", tK8ssandraCluster).Inputs["spec"])
	required := asMap(asMap(asMap(asMap(spec["reaper"])["affinity"])["nodeAffinity"])["requiredDuringSchedulingIgnoredDuringExecution"])
	terms := asList(required["nodeSelectorTerms"])
	if len(terms) != 1 || len(asList(asMap(terms[0])["matchExpressions"])) != 1 ||
		asMap(asList(asMap(terms[0])["matchExpressions"])[0])["key"] != cassandra.NodeLabel {
		t.Errorf("Reaper is not held to the Cassandra nodes: %v", spec["reaper"])
	}
}
