package program_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/internal/fleettest"
	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// An upgrade 1.33 -> 1.34 -> 1.35, one minor version per `up` as EKS requires, synthesized at
// each step: the control plane takes the version; every node group (the configured ones and the
// Cassandra ones) takes it from the control plane's output, so its update waits for the control
// plane's; every add-on moves to the table's version for that minor, after the control plane;
// and the cluster-autoscaler follows. Before this, node groups set no version: the second bump
// was refused because the groups were still two versions behind.
func TestUpgradeOrder(t *testing.T) {
	const def = `kubernetesVersion: "` + config.DefaultKubernetesVersion + `"`
	for _, v := range []string{"1.33", "1.34", "1.35"} {
		t.Run(v, func(t *testing.T) {
			g, s := synthEdited(t, "ams", nil, fleettest.Edit{File: "Pulumi.yaml", Old: def, New: `kubernetesVersion: "` + v + `"`})
			eks := one(t, g, "ams", "eks:index:Cluster")
			if eks.Inputs["version"] != v {
				t.Fatalf("control plane version %v", eks.Inputs["version"])
			}
			groups := g.ByType("aws:eks/nodeGroup:NodeGroup")
			if len(groups) < 3+len(s.Network.AvailabilityZones) {
				t.Fatalf("%d node groups", len(groups))
			}
			for _, ng := range groups {
				if ng.Inputs["version"] != v {
					t.Errorf("%s: version %v, want %s (the control plane's)", ng.Name, ng.Inputs["version"], v)
				}
				if !slices.Contains(ng.DependsOn, eks.URN) {
					t.Errorf("%s does not wait for the control plane: %v", ng.Name, ng.DependsOn)
				}
			}
			want := s.Cluster.AddonVersions()
			addons := append(g.ByType("aws:eks/addon:Addon"), g.ModelledByType("aws:eks/addon:Addon")...)
			seen := map[string]bool{}
			for _, a := range addons {
				name := a.Inputs["addonName"].(string)
				seen[name] = true
				if a.Inputs["addonVersion"] != want[name] || want[name] == "" {
					t.Errorf("%s: %s at %v, want %s", a.Name, name, a.Inputs["addonVersion"], want[name])
				}
				if !a.Modelled && !slices.Contains(a.DependsOn, eks.URN) {
					t.Errorf("%s does not wait for the control plane", a.Name)
				}
			}
			if len(seen) != 5 {
				t.Errorf("add-ons %v", seen)
			}
			if name := "kube-proxy"; !strings.HasPrefix(want[name], "v"+v+".") {
				t.Errorf("kube-proxy %s for %s", want[name], v)
			}
			for _, r := range g.ByType("kubernetes:helm.sh/v3:Release") {
				if r.Inputs["chart"] == "cluster-autoscaler" && s.Cluster.AutoscalerChart().Minor() != v {
					t.Errorf("autoscaler chart %v for %s", r.Inputs["version"], v)
				}
			}
		})
	}
}

// The VPC CNI pulumi-eks creates carries its pinned version and configuration in the graph, with
// the log levels at INFO (pulumi-eks's default is DEBUG).
func TestCNIConfiguration(t *testing.T) {
	for name, g := range regionGraphs(t) {
		for _, a := range g.ModelledByType("aws:eks/addon:Addon") {
			if a.Inputs["addonName"] != "vpc-cni" {
				continue
			}
			cfg, _ := a.Inputs["configurationValues"].(string)
			for _, want := range []string{`"AWS_VPC_K8S_CNI_LOGLEVEL":"INFO"`, `"AWS_VPC_K8S_PLUGIN_LOG_LEVEL":"INFO"`, `"enableNetworkPolicy":"true"`} {
				if !strings.Contains(cfg, want) {
					t.Errorf("%s: vpc-cni configuration %s lacks %s", name, cfg, want)
				}
			}
		}
	}
}

// Only the general node groups gate the platform: the Kubernetes provider and the add-ons wait
// for them, not for the spot group or the Cassandra groups, so a shortfall of spot or of one AZ's
// Cassandra capacity leaves every other in-cluster object deployable.
func TestCapacityGating(t *testing.T) {
	for name, g := range regionGraphs(t) {
		kind := map[string]string{}
		for _, ng := range g.ByType("aws:eks/nodeGroup:NodeGroup") {
			switch {
			case strings.Contains(ng.Name, "-ng-cassandra-"):
				kind[ng.URN] = "cassandra"
			case strings.Contains(ng.Name, "-ng-batch"):
				kind[ng.URN] = "spot"
			default:
				kind[ng.URN] = "general"
			}
		}
		gated := append(g.ByType("aws:eks/addon:Addon"), g.ByType("pulumi:providers:kubernetes")...)
		checked := 0
		for _, r := range gated {
			if r.Type == "pulumi:providers:kubernetes" && !strings.HasSuffix(r.Name, "-k8s") {
				continue // providers for other stacks' clusters
			}
			generals := 0
			for _, d := range r.DependsOn {
				switch kind[d] {
				case "general":
					generals++
				case "spot", "cassandra":
					t.Errorf("%s: %s waits for %s", name, r.Name, d)
				}
			}
			if generals == 0 {
				t.Errorf("%s: %s waits for no general node group", name, r.Name)
			}
			checked++
		}
		if checked < 4 {
			t.Errorf("%s: %d gated resources", name, checked)
		}
	}
}
