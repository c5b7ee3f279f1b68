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
		{"a version EKS no longer creates", `"1.33"`, `"1.27"`, "global-sovereign:cluster.kubernetesVersion", "want one of 1.33, 1.34, 1.35"},
		{"a version the table has no add-ons for", `"1.33"`, `"1.36"`, "global-sovereign:cluster.kubernetesVersion", "want one of 1.33, 1.34, 1.35"},
		{"creator is also an admin", "    nodeGroups:", "    creatorRoleArn: arn:aws:iam::123456789012:role/platform-admin\n    nodeGroups:",
			"global-sovereign:cluster.adminRoleArns[0]", "EKS gives the creator an admin access entry of its own"},
		{"creator is also a viewer", "    nodeGroups:", "    creatorRoleArn: arn:aws:iam::123456789012:role/deploy\n    viewerRoleArns: [arn:aws:iam::123456789012:role/deploy]\n    nodeGroups:",
			"global-sovereign:cluster.viewerRoleArns[0]", "ResourceInUseException"},
		{"creator is also an auditor", "    nodeGroups:", "    creatorRoleArn: arn:aws:iam::123456789012:role/deploy\n    auditorRoleArns: [arn:aws:iam::123456789012:role/deploy]\n    nodeGroups:",
			"global-sovereign:cluster.auditorRoleArns[0]", "ResourceInUseException"},
		// IAM role names are unique in an account whatever the path: the same role.
		{"creator is an admin under its path", "    nodeGroups:", "    creatorRoleArn: arn:aws:iam::123456789012:role/ci/platform-admin\n    nodeGroups:",
			"global-sovereign:cluster.adminRoleArns[0]", "ResourceInUseException"},
		{"creator not a role", "    nodeGroups:", "    creatorRoleArn: arn:aws:iam::123456789012:user/ci\n    nodeGroups:",
			"global-sovereign:cluster.creatorRoleArn", "not an IAM role ARN"},
		{"unknown add-on", "    nodeGroups:", "    addonVersions: {vpc-cnii: v1.20.1-eksbuild.3}\n    nodeGroups:",
			"global-sovereign:cluster.addonVersions.vpc-cnii", "unknown add-on"},
		{"add-on version without eksbuild", "    nodeGroups:", "    addonVersions: {coredns: latest}\n    nodeGroups:",
			"global-sovereign:cluster.addonVersions.coredns", "v<major>.<minor>.<patch>-eksbuild.<n>"},
		{"AMI release of another version", "    nodeGroups:", "    amiReleaseVersion: 1.34.2-20261120\n    nodeGroups:",
			"global-sovereign:cluster.amiReleaseVersion", "a release for Kubernetes 1.34, but kubernetesVersion is 1.33"},
		{"AMI release malformed", "    nodeGroups:", "    amiReleaseVersion: latest\n    nodeGroups:",
			"global-sovereign:cluster.amiReleaseVersion", "<kubernetes version>-<YYYYMMDD>"},
		{"log retention CloudWatch refuses", "    nodeGroups:", "    controlPlaneLogRetentionDays: 10\n    nodeGroups:",
			"global-sovereign:cluster.controlPlaneLogRetentionDays", "CloudWatch Logs allows"},
		{"alarm for an unknown kind", "    nodeGroups:", "    nodeCpuAlarmPercent: {gpu: 80}\n    nodeGroups:",
			"global-sovereign:cluster.nodeCpuAlarmPercent.gpu", "unknown node group kind"},
		{"alarm above 100", "    nodeGroups:", "    nodeCpuAlarmPercent: {general: 120}\n    nodeGroups:",
			"global-sovereign:cluster.nodeCpuAlarmPercent.general", "want 1 to 100"},
		{"no general group", "        instanceTypes: [m5.2xlarge]\n", "        instanceTypes: [m5.2xlarge]\n        taints: [{key: a, value: b, effect: NO_EXECUTE}]\n",
			"global-sovereign:cluster.nodeGroups", "no general group"},
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
		{"bad viewer role", "    nodeGroups:", "    viewerRoleArns: [arn:aws:iam::123456789012:user/bob]\n    nodeGroups:", "global-sovereign:cluster.viewerRoleArns[0]", "not an IAM role ARN"},
		{"viewer is also admin", "    nodeGroups:", "    viewerRoleArns: [arn:aws:iam::123456789012:role/preview, arn:aws:iam::123456789012:role/platform-admin]\n    nodeGroups:",
			"global-sovereign:cluster.viewerRoleArns[1]", "also global-sovereign:cluster.adminRoleArns[0]; EKS allows one access entry per principal"},
		{"one role under two paths", "    nodeGroups:", "    viewerRoleArns: [arn:aws:iam::123456789012:role/ops/platform-admin]\n    nodeGroups:",
			"global-sovereign:cluster.viewerRoleArns[0]", "a role is its account and name, whatever its path"},
		{"one role in another case", "    nodeGroups:", "    viewerRoleArns: [arn:aws:iam::123456789012:role/Platform-Admin]\n    nodeGroups:",
			"global-sovereign:cluster.viewerRoleArns[0]", "a role is its account and name, whatever its path"},
		{"admin listed twice", "adminRoleArns: [arn:aws:iam::123456789012:role/platform-admin]", "adminRoleArns: [arn:aws:iam::123456789012:role/platform-admin, arn:aws:iam::123456789012:role/platform-admin]",
			"global-sovereign:cluster.adminRoleArns[1]", "one access entry per principal"},
		{"every bad role is reported", "adminRoleArns: [arn:aws:iam::123456789012:role/platform-admin]", "adminRoleArns: [user/a, user/b]",
			"global-sovereign:cluster.adminRoleArns[1]", `"user/b" is not an IAM role ARN`},
		{"a bad role after a duplicate", "adminRoleArns: [arn:aws:iam::123456789012:role/platform-admin]",
			"adminRoleArns: [arn:aws:iam::123456789012:role/platform-admin, arn:aws:iam::123456789012:role/platform-admin, user/c]",
			"global-sovereign:cluster.adminRoleArns[2]", `"user/c" is not an IAM role ARN`},
		{"no instance types", "[m5.2xlarge]", "[]", "global-sovereign:cluster.nodeGroups[0].instanceTypes", "missing; list one type"},
		{"bad label key", "labels: {workload: batch}", "labels: {-workload: batch}", "global-sovereign:cluster.nodeGroups[1].labels.-workload", "not a Kubernetes label key"},
		{"bad taint key", "key: workload", "key: -workload", "global-sovereign:cluster.nodeGroups[1].taints[0].key", `"-workload" is not a Kubernetes taint key`},
		{"world-open endpoint", "    adminRoleArns:", "    endpointPublicCidrs: [0.0.0.0/0]\n    adminRoleArns:", "global-sovereign:cluster.endpointPublicCidrs[0]", "opens the Kubernetes API"},
		{"one API replica", "      image:", "      minReplicas: 1\n      image:", "global-sovereign:cluster.api.minReplicas", "at least 2"},
		{"unknown key", "    nodeGroups:", "    nodegroups: []\n    nodeGroups:", "global-sovereign:cluster.nodegroups", `did you mean "nodeGroups"`},
		{"autoscaler chart of another minor", "    nodeGroups:", "    clusterAutoscalerChart: 9.46.6\n    nodeGroups:",
			"global-sovereign:cluster.clusterAutoscalerChart", "built for Kubernetes 1.32, but kubernetesVersion is 1.33; the autoscaler supports only its own minor version; for 1.33: 9.47.0"},
		{"unknown autoscaler chart", "    nodeGroups:", "    clusterAutoscalerChart: 9.99.0\n    nodeGroups:",
			"global-sovereign:cluster.clusterAutoscalerChart", `unknown chart version "9.99.0"; known: 9.46.6`},
		{"no chart known for the version", `"1.33"`, `"1.36"`, "global-sovereign:cluster.clusterAutoscalerChart", "no cluster-autoscaler chart is known for Kubernetes \"1.36\""},
		{"deployer open to the world", "    nodeGroups:", "    deployer: {cidrs: [0.0.0.0/0]}\n    nodeGroups:", "global-sovereign:cluster.deployer.cidrs[0]", "opens the Kubernetes API"},
		{"deployer private range", "    nodeGroups:", "    deployer: {cidrs: [10.20.0.0/24]}\n    nodeGroups:", "global-sovereign:cluster.deployer.cidrs[0]", "not a public range"},
		{"deployer shared range", "    nodeGroups:", "    deployer: {cidrs: [100.64.1.0/24]}\n    nodeGroups:", "global-sovereign:cluster.deployer.cidrs[0]", "not a public range"},
		{"deployer both ways", "    nodeGroups:", "    deployer: {cidrs: [198.51.100.7/32], private: true}\n    nodeGroups:", "global-sovereign:cluster.deployer", "not both"},
		{"deployer empty", "    nodeGroups:", "    deployer: {}\n    nodeGroups:", "global-sovereign:cluster.deployer", "set cidrs"},
		{"deployer bad CIDR", "    nodeGroups:", "    deployer: {cidrs: [198.51.100.7/33]}\n    nodeGroups:", "global-sovereign:cluster.deployer.cidrs[0]", "not an IPv4 CIDR"},
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

// The autoscaler chart defaults to the newest known release of the cluster's minor version, and
// every row of the table names a chart of its own minor.
func TestAutoscalerChartTable(t *testing.T) {
	for minor, chart := range map[string]string{"1.32": "9.46.6", "1.33": "9.51.0", "1.34": "9.53.0", "1.35": "9.59.0", "1.36": ""} {
		if got := newestAutoscalerChart(minor); got != chart {
			t.Errorf("default for %s is %q, want %q", minor, got, chart)
		}
	}
	for i := 1; i < len(autoscalerCharts); i++ {
		prev, cur := autoscalerCharts[i-1], autoscalerCharts[i]
		if len(cur.Chart) == len(prev.Chart) && cur.Chart <= prev.Chart || cur.AppVersion < prev.AppVersion {
			t.Errorf("table out of release order at %s after %s", cur.Chart, prev.Chart)
		}
	}
	if got := supportedAutoscalerMinors(); got != "1.32, 1.33, 1.34, 1.35" {
		t.Errorf("supported minors %q", got)
	}
	s := parseValid(t, "Pulumi.iad.yaml", withCluster(clusterData))
	if got := s.Cluster.AutoscalerChart(); got.Chart != "9.51.0" || got.AppVersion != "1.33.0" {
		t.Errorf("default chart for 1.33: %+v", got)
	}
}

// The deployer's CIDRs join the public endpoint's allow-list; a private deployer adds none.
func TestDeployerJoinsThePublicEndpoint(t *testing.T) {
	s := parseValid(t, "Pulumi.iad.yaml", withCluster(strings.Replace(clusterData, "    nodeGroups:",
		"    deployer: {cidrs: [198.51.100.7/32, 178.162.141.130/32]}\n    nodeGroups:", 1)))
	got := strings.Join(s.PublicEndpointCIDRs(), " ")
	if got != "178.162.141.130/32 165.90.14.138/32 198.51.100.7/32" {
		t.Errorf("public endpoint CIDRs %s", got)
	}
	if ps := s.Validate(); len(ps) > 0 {
		t.Errorf("valid deployer rejected: %v", ps)
	}
}

func TestPreflight(t *testing.T) {
	const complete = `    deployer: {private: true}
    creatorRoleArn: arn:aws:iam::123456789012:role/deploy
    nodeGroups:`
	ready := withCluster(strings.Replace(clusterData, "    nodeGroups:", complete, 1)) +
		"  global-sovereign:ingress:\n    zoneId: Z04151873QH0YK4A1QZX1\n    zoneName: sovereign.corp.net\n"
	ready = strings.Replace(ready, "    environment: production\n", "    environment: production\n    allowedAccountIds: [\"111122223333\"]\n", 1)
	ready = strings.Replace(ready, "oncall@corp.example.org", "oncall@corp.net", 1)
	if ps := parseValid(t, "Pulumi.iad.yaml", ready).Preflight(); len(ps) > 0 {
		t.Fatalf("a ready stack has preflight items:\n%v", ps)
	}
	tests := []struct{ name, old, new, wantPath, wantInMsg string }{
		{"no account", "    allowedAccountIds: [\"111122223333\"]\n", "", "global-sovereign:stack.allowedAccountIds", "12-digit id"},
		{"placeholder zone id", "Z04151873QH0YK4A1QZX1", "Z0000000000EXAMPLE", "global-sovereign:ingress.zoneId", "placeholder hosted zone"},
		{"placeholder zone name", "sovereign.corp.net", "global-sovereign.example", "global-sovereign:ingress.zoneId", "placeholder hosted zone"},
		{"placeholder email", "oncall@corp.net", "oncall@global-sovereign.example", "global-sovereign:alerts.emails[0]", "placeholder address"},
		{"example.com email", "oncall@corp.net", "oncall@example.com", "global-sovereign:alerts.emails[0]", "placeholder address"},
		{"no admin roles", "    adminRoleArns: [arn:aws:iam::123456789012:role/platform-admin]\n", "", "global-sovereign:cluster.adminRoleArns", "cluster-admin"},
		{"no creator role", "    creatorRoleArn: arn:aws:iam::123456789012:role/deploy\n", "", "global-sovereign:cluster.creatorRoleArn",
			"EKS makes the cluster's creator an admin on its own"},
		{"no deployer", "    deployer: {private: true}\n", "", "global-sovereign:cluster.deployer", "public endpoint admits only 178.162.141.130/32, 165.90.14.138/32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(ready, tt.old) {
				t.Fatalf("stale test: %q", tt.old)
			}
			s := parseValid(t, "Pulumi.iad.yaml", strings.Replace(ready, tt.old, tt.new, 1))
			ps := s.Preflight()
			requireProblem(t, ps, tt.wantPath, tt.wantInMsg, 0)
			if len(ps) != 1 {
				t.Errorf("want exactly one item, got %v", ps)
			}
		})
	}
	// A look-alike is not a placeholder.
	if isPlaceholderDomain("notexample.com") || isPlaceholderDomain("corp.testing.net") || !isPlaceholderDomain("a.test") {
		t.Error("placeholder domain matching is off")
	}
}
