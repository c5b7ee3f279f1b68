package config

import (
	"strings"
	"testing"
)

const clusterData = `  global-sovereign:cluster:
    kubernetesVersion: "1.33"
    adminRoleArns: [arn:aws:iam::123456789012:role/platform-admin]
    nodeGroups:
      - name: general-2xlarge
        instanceTypes: [m5.2xlarge]
        minSize: 3
        desiredSize: 5
        maxSize: 20
      - name: batch
        instanceTypes: [m5.large, m5a.large, m6i.large]
        capacityType: SPOT
        minSize: 2
        desiredSize: 5
        maxSize: 50
        labels: {workload: batch}
        taints: [{key: workload, value: batch, effect: NO_SCHEDULE}]
    api:
      image: ghcr.io/global-sovereign/api:1.0.0
`

const k8sDisabled = `pulumi:disable-default-providers: ["aws", "kubernetes"]`

func withCluster(data string) string {
	return strings.Replace(validRegion, `pulumi:disable-default-providers: ["aws"]`, k8sDisabled, 1) + data
}

func TestClusterDefaults(t *testing.T) {
	s := parseValid(t, "Pulumi.iad.yaml", withCluster(clusterData))
	g := s.Cluster.NodeGroups
	if g[0].CapacityType != CapacityOnDemand || g[0].DiskSizeGiB != 100 || g[1].CapacityType != CapacitySpot {
		t.Errorf("node group defaults %+v", g)
	}
	if a := s.Cluster.API; a.Port != 4000 || a.MinReplicas != 3 || a.TargetCPUPercent != 70 {
		t.Errorf("api defaults %+v", a)
	}
	// The public endpoint defaults to the office networks.
	if got := strings.Join(s.PublicEndpointCIDRs(), ","); got != "178.162.141.130/32,165.90.14.138/32" {
		t.Errorf("public endpoint CIDRs %s", got)
	}
}

func TestIngressRules(t *testing.T) {
	const ingress = "  global-sovereign:ingress:\n    zoneId: Z0ABCDEF123456\n    zoneName: global-sovereign.example\n"
	s := parseValid(t, "Pulumi.iad.yaml", withCluster(clusterData+ingress))
	if s.Ingress.Hostname != "api-iad.global-sovereign.example" || s.Ingress.HealthCheckPath != "/health" {
		t.Errorf("ingress defaults %+v", s.Ingress)
	}
	tests := []struct{ old, new, path, msg string }{
		{"Z0ABCDEF123456", "zone-1", "global-sovereign:ingress.zoneId", "not a Route 53 hosted zone id"},
		{"zoneName: global-sovereign.example", "zoneName: global-sovereign.example\n    hostname: api.other.example", "global-sovereign:ingress.hostname", "inside the zone"},
		{"zoneName: global-sovereign.example", "zoneName: Not A Domain", "global-sovereign:ingress.zoneName", "not a domain name"},
	}
	for _, tt := range tests {
		s, err := Parse("Pulumi.iad.yaml", []byte(withCluster(clusterData+strings.Replace(ingress, tt.old, tt.new, 1))))
		if err != nil {
			t.Fatal(err)
		}
		requireProblem(t, s.Validate(), tt.path, tt.msg, 0)
	}
	s, err := Parse("Pulumi.iad.yaml", []byte(validRegion+ingress))
	if err != nil {
		t.Fatal(err)
	}
	requireProblem(t, s.Validate(), "global-sovereign:ingress", "no global-sovereign:cluster", 0)
}

func TestClusterNeedsKubernetesProviderDisabled(t *testing.T) {
	s, err := Parse("Pulumi.iad.yaml", []byte(validRegion+clusterData))
	if err != nil {
		t.Fatal(err)
	}
	s.DisableDefaultProviders = []string{"aws"}
	requireProblem(t, s.Validate(), "pulumi:disable-default-providers", "must list kubernetes", 0)
}

func TestClusterRules(t *testing.T) {
	tests := []struct {
		name, old, new, wantPath, wantInMsg string
	}{
		{"the seed's version", `"1.33"`, `"1.27"`, "global-sovereign:cluster.kubernetesVersion", "1.33 or newer"},
		{"version as number", `"1.33"`, `1.33`, "global-sovereign:cluster.kubernetesVersion", "want a string"},
		{"min above max", "        minSize: 3\n        desiredSize: 5\n        maxSize: 20", "        minSize: 30\n        desiredSize: 35\n        maxSize: 20",
			"global-sovereign:cluster.nodeGroups[0].desiredSize", "want min <= desired <= max"},
		{"desired above max", "desiredSize: 5\n        maxSize: 20", "desiredSize: 25\n        maxSize: 20", "global-sovereign:cluster.nodeGroups[0].desiredSize", "min 3, desired 25, max 20"},
		{"unknown instance type", "[m5.2xlarge]", "[m5.2xlargee]", "global-sovereign:cluster.nodeGroups[0].instanceTypes[0]", `unknown instance type "m5.2xlargee"`},
		{"arm in an x86 group", "[m5.2xlarge]", "[m7g.2xlarge]", "global-sovereign:cluster.nodeGroups[0].instanceTypes[0]", "unknown instance type"},
		{"burstable in production", "[m5.2xlarge]", "[t3.large]", "global-sovereign:cluster.nodeGroups[0].instanceTypes[0]", "burstable"},
		{"spot with one type", "[m5.large, m5a.large, m6i.large]", "[m5.large]", "global-sovereign:cluster.nodeGroups[1].instanceTypes", "several interchangeable types"},
		{"bad capacity type", "capacityType: SPOT", "capacityType: spot", "global-sovereign:cluster.nodeGroups[1].capacityType", "allowed: ON_DEMAND, SPOT"},
		{"bad taint effect", "effect: NO_SCHEDULE", "effect: NoSchedule", "global-sovereign:cluster.nodeGroups[1].taints[0].effect", "allowed: NO_SCHEDULE"},
		{"duplicate group", "name: batch", "name: general-2xlarge", "global-sovereign:cluster.nodeGroups[1].name", "unique"},
		{"bad admin role", "role/platform-admin", "user/alice", "global-sovereign:cluster.adminRoleArns[0]", "not an IAM role ARN"},
		{"world-open endpoint", "    adminRoleArns:", "    endpointPublicCidrs: [0.0.0.0/0]\n    adminRoleArns:", "global-sovereign:cluster.endpointPublicCidrs[0]", "opens the Kubernetes API"},
		{"one API replica", "      image:", "      minReplicas: 1\n      image:", "global-sovereign:cluster.api.minReplicas", "at least 2"},
		{"unknown key", "    nodeGroups:", "    nodegroups: []\n    nodeGroups:", "global-sovereign:cluster.nodegroups", `did you mean "nodeGroups"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(clusterData, tt.old) {
				t.Fatalf("stale test: %q", tt.old)
			}
			text := withCluster(strings.Replace(clusterData, tt.old, tt.new, 1))
			requireProblem(t, problemsOf(t, text), tt.wantPath, tt.wantInMsg, 0)
		})
	}
}
