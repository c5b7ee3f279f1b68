package program_test

// Cassandra's node groups through a resize: EKS refuses a minimum above the desired size, so a
// fixed-size group (min = desired = max) whose desired size Pulumi ignored could never grow; and
// cass-operator's PodDisruptionBudget allows one node of a datacenter down, so its racks' groups
// update one after another.

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/components/cassandra"
	"github.com/global-sovereign/global-sovereign/internal/fleettest"
	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/program"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

const tNodeGroup = "aws:eks/nodeGroup:NodeGroup"

// synthFleetEdited synthesizes every stack of a copy of the committed fleet with edits applied.
func synthFleetEdited(t *testing.T, edits ...fleettest.Edit) (*config.Fleet, map[string]*synth.Result) {
	t.Helper()
	dir := fleettest.Copy(t, repo, edits...)
	fleet, err := config.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	results, err := synth.Fleet(program.New(program.Options{Dir: dir, Fleet: fleet}), fleet, fleet.Names())
	if err != nil {
		t.Fatal(err)
	}
	return fleet, results
}

// scaling is a node group's min, desired and max.
func scaling(t *testing.T, stack string, r synth.Resource) (min, desired, max int) {
	t.Helper()
	sc, ok := r.Inputs["scalingConfig"].(map[string]any)
	if !ok {
		t.Fatalf("%s: %s has no scalingConfig", stack, r.Name)
	}
	n := func(k string) int { f, _ := sc[k].(float64); return int(f) }
	return n("minSize"), n("desiredSize"), n("maxSize")
}

// nodeGroupRule: a group the autoscaler may resize (min < max) leaves desiredSize to it; a group
// it may not (min = max) keeps desiredSize Pulumi's, or no resize could ever apply.
func nodeGroupRule(t *testing.T, stack string, g *synth.Graph) {
	t.Helper()
	for _, r := range g.ByType(tNodeGroup) {
		min, desired, max := scaling(t, stack, r)
		ignored := slices.Contains(r.IgnoreChanges, "scalingConfig.desiredSize")
		switch {
		case min == max && ignored:
			t.Errorf("%s: %s has min = desired = max = %d and ignores desiredSize: a resize fails (EKS: minimum capacity can't be greater than desired size)", stack, r.Name, desired)
		case min < max && !ignored:
			t.Errorf("%s: %s is autoscaled (%d-%d) but Pulumi owns desiredSize: every update resets the autoscaler's size", stack, r.Name, min, max)
		}
	}
}

// Every node group of every stack follows the rule.
func TestFixedSizeNodeGroupsOwnTheirDesiredSize(t *testing.T) {
	for name, r := range synthAll(t) {
		nodeGroupRule(t, name, r.Graph)
	}
}

// cassandraGroups are a region graph's Cassandra node groups in zone order.
func cassandraGroups(t *testing.T, s *config.Stack, g *synth.Graph) []synth.Resource {
	t.Helper()
	var out []synth.Resource
	for _, az := range s.Network.AvailabilityZones {
		suffix := "-ng-cassandra-" + az
		found := false
		for _, r := range g.ByType(tNodeGroup) {
			if strings.HasSuffix(r.Name, suffix) {
				out = append(out, r)
				found = true
			}
		}
		if !found {
			t.Fatalf("%s: no Cassandra node group for %s", s.Name, az)
		}
	}
	return out
}

// Each rack's group waits for the rack before it: one rack's nodes are replaced at a time.
func TestCassandraRacksUpdateOneAtATime(t *testing.T) {
	fleet := committedFleet(t)
	checked := 0
	for name, g := range regionGraphs(t) {
		s := fleet.Stack(name)
		if s.Cassandra == nil {
			continue
		}
		groups := cassandraGroups(t, s, g)
		for i := 1; i < len(groups); i++ {
			if !slices.Contains(groups[i].DependsOn, groups[i-1].URN) {
				t.Errorf("%s: %s does not wait for %s: racks would lose nodes together", name, groups[i].Name, groups[i-1].Name)
			}
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no region with Cassandra")
	}
}

// A resize of a datacenter (3 -> 6 nodes in iad) reaches every rack's group and the
// K8ssandraCluster, and leaves the groups Pulumi's.
func TestCassandraResizeGraph(t *testing.T) {
	fleet, after := synthFleetEdited(t, fleettest.Edit{File: "Pulumi.iad.yaml", Old: "    size: 3\n", New: "    size: 6\n"})
	s := fleet.Stack("iad")
	g := after["iad"].Graph
	nodeGroupRule(t, "iad", g)
	for _, r := range cassandraGroups(t, s, g) {
		if min, desired, max := scaling(t, "iad", r); min != 2 || desired != 2 || max != 2 {
			t.Errorf("iad: %s is %d/%d/%d after the resize, want 2/2/2", r.Name, min, desired, max)
		}
	}
	dc := datacenterSpecs(t, after["global"].Graph)["iad"]
	if got := fmt.Sprint(dc["size"]); got != "6" {
		t.Errorf("the K8ssandraCluster's iad size is %s, want 6", got)
	}
}

// The operator's pod (it serves a failurePolicy Fail pod webhook, and the control plane's exits
// when a remote API is unreachable) is never on a node the cluster autoscaler drains.
func TestCassandraOperatorNotEvictedByTheAutoscaler(t *testing.T) {
	checked := 0
	for name, g := range regionGraphs(t) {
		for _, r := range g.ByType(tRelease) {
			if r.Inputs["chart"] != cassandra.OperatorChart {
				continue
			}
			checked++
			ann, _ := r.Inputs["values"].(map[string]any)["podAnnotations"].(map[string]any)
			if ann[cassandra.SafeToEvict] != "false" {
				t.Errorf("%s: k8ssandra-operator pod annotations %v", name, ann)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no k8ssandra-operator release")
	}
}
