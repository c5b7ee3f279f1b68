package program_test

import (
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/components/cassandra"
	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

// groupKind reads a node group's kind from its graph inputs, the way config.NodeGroup.Kind and
// the program's Cassandra groups decide it: spot capacity, then the datacenter's label, then any
// taint (a dedicated group), else general.
func groupKind(ng synth.Resource) string {
	in := ng.Inputs
	if in["capacityType"] == "SPOT" {
		return config.NodeKindSpot
	}
	if labels, _ := in["labels"].(map[string]any); labels[cassandra.NodeLabel] == cassandra.NodeValue {
		return config.NodeKindCassandra
	}
	if taints, _ := in["taints"].([]any); len(taints) > 0 {
		return config.NodeKindDedicated
	}
	return config.NodeKindGeneral
}

// Node CPU is alarmed once, by CloudWatch, per node group, at its kind's threshold from config:
// every stack's graph (regions, environments, clients, global) has exactly one CPUUtilization
// alarm per group whose kind has a threshold, on that group's Auto Scaling group, and none on
// spot or dedicated (batch) groups, which are built to run hot; Cassandra's groups alarm only at
// their own, higher threshold; and no Prometheus rule watches node CPU as well.
func TestNodeCPUAlarmedOncePerGroupKind(t *testing.T) {
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	results := synthAll(t)
	checked := map[string]int{}
	for _, name := range fleet.Names() {
		s, g := fleet.Stack(name), results[name].Graph
		alarms := map[string]synth.Resource{}
		for _, a := range g.ByType("aws:cloudwatch/metricAlarm:MetricAlarm") {
			if a.Inputs["metricName"] == "CPUUtilization" && a.Inputs["namespace"] == "AWS/EC2" {
				alarms[a.Name] = a
			}
		}
		for _, ng := range g.ByType("aws:eks/nodeGroup:NodeGroup") {
			kind := groupKind(ng)
			want := s.Cluster.NodeCPUAlarmPercent[kind]
			a, ok := alarms[ng.Name+"-cpu"]
			delete(alarms, ng.Name+"-cpu")
			checked[kind]++
			switch {
			case want == 0 && ok:
				t.Errorf("%s: %s group %s has a CPU alarm at %v%%: its kind runs hot by design", name, kind, ng.Name, a.Inputs["threshold"])
			case want == 0:
			case !ok:
				t.Errorf("%s: %s group %s has no CPU alarm (want %d%%)", name, kind, ng.Name, want)
			case a.Inputs["threshold"] != float64(want):
				t.Errorf("%s: %s group %s alarms at %v%%, want %d%% (cluster.nodeCpuAlarmPercent.%s)", name, kind, ng.Name, a.Inputs["threshold"], want, kind)
			default:
				asg, _ := a.Inputs["dimensions"].(map[string]any)["AutoScalingGroupName"].(string)
				short := strings.TrimPrefix(ng.Name, s.Settings.NamePrefix+"-ng-")
				if !strings.HasPrefix(asg, "eks-"+short+"-") {
					t.Errorf("%s: the alarm of %s watches Auto Scaling group %q, not the group's", name, ng.Name, asg)
				}
			}
		}
		for n := range alarms {
			t.Errorf("%s: CPU alarm %s watches no node group of the stack", name, n)
		}
		for _, rg := range g.ByType("aws:amp/ruleGroupNamespace:RuleGroupNamespace") {
			if data, _ := rg.Inputs["data"].(string); strings.Contains(data, "node_cpu_seconds_total") {
				t.Errorf("%s: Prometheus rules %s alert on node CPU too: CloudWatch's per-group alarms own that signal", name, rg.Name)
			}
		}
	}
	// The fleet as committed has every kind but dedicated: the checks above ran on something.
	for _, kind := range []string{config.NodeKindGeneral, config.NodeKindSpot, config.NodeKindCassandra} {
		if checked[kind] == 0 {
			t.Errorf("no %s node group in any stack: the check ran on nothing of that kind", kind)
		}
	}
	// Cassandra's groups run compaction and repair near full CPU as normal work: their default
	// threshold stays above the general groups'.
	def := fleet.Stack("ams").Cluster.NodeCPUAlarmPercent
	if def[config.NodeKindCassandra] != 0 && def[config.NodeKindCassandra] <= def[config.NodeKindGeneral] {
		t.Errorf("cassandra groups alarm at %d%%, general at %d%%: Cassandra's normal load would page", def[config.NodeKindCassandra], def[config.NodeKindGeneral])
	}
}
