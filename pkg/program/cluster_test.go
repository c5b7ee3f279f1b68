package program_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

func one(t *testing.T, g *synth.Graph, stack, typ string) synth.Resource {
	t.Helper()
	rs := g.ByType(typ)
	if len(rs) != 1 {
		t.Fatalf("%s: %d %s, want 1", stack, len(rs), typ)
	}
	return rs[0]
}

// outside is one: the one resource of typ that is not in a component of type component.
func outside(t *testing.T, g *synth.Graph, stack, typ, component string) synth.Resource {
	t.Helper()
	var out []synth.Resource
	for _, r := range g.ByType(typ) {
		if !strings.Contains(r.URN, "::sovereign:cassandra:"+component+"$") {
			out = append(out, r)
		}
	}
	if len(out) != 1 {
		t.Fatalf("%s: %d %s outside %s, want 1", stack, len(out), typ, component)
	}
	return out[0]
}

func TestClusterControlPlane(t *testing.T) {
	fleet, _ := config.LoadDir(repo)
	graphs := regionGraphs(t)
	for name, g := range graphs {
		c := one(t, g, name, "eks:index:Cluster")
		in := c.Inputs
		if !c.Remote || in["version"] != config.DefaultKubernetesVersion || in["authenticationMode"] != "API" || in["skipDefaultNodeGroup"] != true ||
			in["corednsAddonOptions"].(map[string]any)["enabled"] != false {
			t.Errorf("%s: cluster %v remote=%v", name, in, c.Remote)
		}
		if in["endpointPrivateAccess"] != true || !strings.HasPrefix(in["encryptionConfigKeyArn"].(string), "arn:aws:kms:") {
			t.Errorf("%s: private endpoint %v, key %v", name, in["endpointPrivateAccess"], in["encryptionConfigKeyArn"])
		}
		if logs := in["enabledClusterLogTypes"].([]any); len(logs) != 5 {
			t.Errorf("%s: control-plane logs %v", name, logs)
		}
		var want []any
		for _, cidr := range fleet.Stack(name).PublicEndpointCIDRs() {
			want = append(want, cidr)
		}
		office := len(want)
		// A Cassandra data-plane region also admits the control plane's NAT gateways: its
		// operator manages the region's datacenter through this endpoint.
		if dc := fleet.Stack(name).Cassandra; dc != nil && !dc.ControlPlane {
			cp := fleet.CassandraControlPlane(fleet.Stack(name).Settings.Environment)
			for _, ip := range graphs[cp.Name].Outputs["natPublicIps"].([]any) {
				want = append(want, ip.(string)+"/32")
			}
		}
		if got, _ := json.Marshal(in["publicAccessCidrs"]); string(got) != mustJSON(want) || office != 2 {
			t.Errorf("%s: public endpoint open to %s, want the office and the Cassandra control plane %s", name, got, mustJSON(want))
		}
		if c.Providers["aws"] == "" {
			t.Errorf("%s: pulumi-eks does not get the regional aws provider: %v", name, c.Providers)
		}
		// Outputs: the cluster block for people, the kubeconfig as a secret.
		out := g.Outputs["eksCluster"].(map[string]any)
		if !strings.HasPrefix(out["endpoint"].(string), "https://") || out["name"] != fleet.Stack(name).Settings.NamePrefix ||
			out["region"] != fleet.Stack(name).Settings.AWSRegion || out["certificateAuthority"] == "" {
			t.Errorf("%s: eksCluster output %v", name, out)
		}
		if g.Outputs["kubeconfig"] != synth.SecretMarker {
			t.Errorf("%s: kubeconfig output is not secret", name)
		}
	}
}

// platformGroups leaves out the Cassandra datacenter's node groups and launch templates (see
// TestCassandraNodes): what remains is the cluster's own nodeGroups.
func platformGroups(rs []synth.Resource) []synth.Resource {
	var out []synth.Resource
	for _, r := range rs {
		if !strings.Contains(r.Name, "-ng-cassandra-") {
			out = append(out, r)
		}
	}
	return out
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestNodeGroups(t *testing.T) {
	for name, g := range regionGraphs(t) {
		groups := platformGroups(g.ByType("aws:eks/nodeGroup:NodeGroup"))
		if len(groups) != 3 {
			t.Fatalf("%s: %d node groups", name, len(groups))
		}
		var onDemand, spot int
		for _, ng := range groups {
			in := ng.Inputs
			sc := in["scalingConfig"].(map[string]any)
			if in["amiType"] != "AL2023_x86_64_STANDARD" || strings.Join(ng.IgnoreChanges, ",") != "scalingConfig.desiredSize" {
				t.Errorf("%s: %s ami %v ignoreChanges %v", name, ng.Name, in["amiType"], ng.IgnoreChanges)
			}
			switch in["capacityType"] {
			case "ON_DEMAND":
				onDemand++
				if sc["minSize"] != float64(3) || sc["desiredSize"] != float64(5) || sc["maxSize"] != float64(20) {
					t.Errorf("%s: %s sizes %v", name, ng.Name, sc)
				}
			case "SPOT":
				spot++
				taints, _ := in["taints"].([]any)
				if sc["minSize"] != float64(2) || sc["maxSize"] != float64(50) || len(taints) != 1 ||
					taints[0].(map[string]any)["effect"] != "NO_SCHEDULE" || len(in["instanceTypes"].([]any)) < 2 {
					t.Errorf("%s: spot group %v taints %v", name, sc, taints)
				}
			}
		}
		if onDemand != 2 || spot != 1 {
			t.Errorf("%s: %d on-demand and %d spot groups", name, onDemand, spot)
		}
		for _, lt := range platformGroups(g.ByType("aws:ec2/launchTemplate:LaunchTemplate")) {
			md := lt.Inputs["metadataOptions"].(map[string]any)
			ebs := lt.Inputs["blockDeviceMappings"].([]any)[0].(map[string]any)["ebs"].(map[string]any)
			if md["httpTokens"] != "required" || ebs["encrypted"] != "true" || ebs["volumeType"] != "gp3" || ebs["volumeSize"] != float64(100) {
				t.Errorf("%s: launch template %s: metadata %v, root %v", name, lt.Name, md, ebs)
			}
			// Hop limit 1: pods cannot reach the node role through IMDS.
			if md["httpPutResponseHopLimit"] != float64(1) {
				t.Errorf("%s: launch template %s: IMDS hop limit %v, want 1", name, lt.Name, md["httpPutResponseHopLimit"])
			}
			// One-minute metrics, which the node CPU alarms' 120 s periods need.
			if mon, _ := lt.Inputs["monitoring"].(map[string]any); mon["enabled"] != true {
				t.Errorf("%s: launch template %s without detailed monitoring: %v", name, lt.Name, lt.Inputs["monitoring"])
			}
		}
		if n := len(platformGroups(g.ByType("aws:ec2/launchTemplate:LaunchTemplate"))); n != 3 {
			t.Errorf("%s: %d launch templates", name, n)
		}
	}
}

func TestAddonsStorageAndScaling(t *testing.T) {
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	for name, g := range regionGraphs(t) {
		addons := map[string]synth.Resource{}
		for _, a := range g.ByType("aws:eks/addon:Addon") {
			addons[a.Inputs["addonName"].(string)] = a
		}
		for _, want := range []string{"coredns", "eks-pod-identity-agent", "aws-ebs-csi-driver"} {
			if _, ok := addons[want]; !ok {
				t.Errorf("%s: no %s add-on", name, want)
			}
		}
		// pulumi-eks owns vpc-cni and kube-proxy (created before any node group); the project
		// must not declare them again.
		modelled := map[string]bool{}
		for _, a := range g.ModelledByType("aws:eks/addon:Addon") {
			modelled[a.Inputs["addonName"].(string)] = true
		}
		for _, a := range []string{"vpc-cni", "kube-proxy"} {
			if _, declared := addons[a]; declared || !modelled[a] {
				t.Errorf("%s: %s declared by the project %v, by pulumi-eks %v", name, a, declared, modelled[a])
			}
		}
		// The CSI controller gets its credentials from the Pod Identity agent.
		if !slices.Contains(addons["aws-ebs-csi-driver"].DependsOn, addons["eks-pod-identity-agent"].URN) {
			t.Errorf("%s: EBS CSI driver does not wait for the Pod Identity agent: %v", name, addons["aws-ebs-csi-driver"].DependsOn)
		}
		if pia, _ := addons["aws-ebs-csi-driver"].Inputs["podIdentityAssociations"].([]any); len(pia) != 1 {
			t.Errorf("%s: EBS CSI driver without its role", name)
		}
		sc := one(t, g, name, "kubernetes:storage.k8s.io/v1:StorageClass")
		if sc.Inputs["volumeBindingMode"] != "WaitForFirstConsumer" || sc.Inputs["parameters"].(map[string]any)["encrypted"] != "true" ||
			sc.Inputs["metadata"].(map[string]any)["annotations"].(map[string]any)["storageclass.kubernetes.io/is-default-class"] != "true" {
			t.Errorf("%s: storage class %v", name, sc.Inputs)
		}
		for _, r := range mustFind(t, g, name, "cluster-autoscaler Helm release", withInput("kubernetes:helm.sh/v3:Release", "chart", "cluster-autoscaler")) {
			// The chart and image follow the cluster's Kubernetes minor version.
			k8sVersion := fleet.Stack(name).Cluster.KubernetesVersion
			chart, ok := config.LookupAutoscalerChart(r.Inputs["version"].(string))
			tag := r.Inputs["values"].(map[string]any)["image"].(map[string]any)["tag"].(string)
			if !ok || chart.Minor() != k8sVersion || !strings.HasPrefix(tag, "v"+k8sVersion+".") {
				t.Errorf("%s: autoscaler chart %v image %s for Kubernetes %s", name, r.Inputs["version"], tag, k8sVersion)
			}
			if r.Inputs["values"].(map[string]any)["autoDiscovery"].(map[string]any)["clusterName"] == "" {
				t.Errorf("%s: autoscaler without auto-discovery", name)
			}
		}
		// The autoscaler may resize only this cluster's groups.
		for _, p := range mustFind(t, g, name, "cluster-autoscaler role policy", named("aws:iam/rolePolicy:RolePolicy", "cluster-autoscaler")) {
			doc := p.Inputs["policy"].(string)
			if !strings.Contains(doc, `"aws:ResourceTag/k8s.io/cluster-autoscaler/gs-`+name+`":"owned"`) {
				t.Errorf("%s: autoscaler policy not scoped to the cluster: %s", name, doc)
			}
		}
		// A CPU alarm per node group where sustained CPU means something, at its kind's
		// threshold: general groups 80%, Cassandra groups 85%, none on the spot batch group.
		cpu := map[string]float64{}
		for _, a := range alarmsOf(g, "AWS/EC2", "CPUUtilization") {
			asg := a.Inputs["dimensions"].(map[string]any)["AutoScalingGroupName"].(string)
			cpu[strings.TrimPrefix(a.Name, "gs-"+name+"-ng-")] = a.Inputs["threshold"].(float64)
			if a.Inputs["period"] != float64(120) || a.Inputs["evaluationPeriods"] != float64(5) || !strings.HasPrefix(asg, "eks-") {
				t.Errorf("%s: node CPU alarm %v", name, a.Inputs)
			}
		}
		for _, ng := range g.ByType("aws:eks/nodeGroup:NodeGroup") {
			group := strings.TrimPrefix(ng.Name, "gs-"+name+"-ng-")
			want := 80.0
			switch {
			case strings.HasPrefix(group, "cassandra-"):
				want = 85
			case group == "batch":
				want = 0
			}
			if cpu[group+"-cpu"] != want {
				t.Errorf("%s: node group %s CPU alarm at %v, want %v (0: none)", name, group, cpu[group+"-cpu"], want)
			}
		}
		hpa := one(t, g, name, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
		target := hpa.Inputs["spec"].(map[string]any)["metrics"].([]any)[0].(map[string]any)["resource"].(map[string]any)["target"].(map[string]any)
		if target["averageUtilization"] != float64(70) {
			t.Errorf("%s: HPA target %v", name, target)
		}
		one(t, g, name, "kubernetes:policy/v1:PodDisruptionBudget")
		// Every Kubernetes object goes to this cluster through its provider.
		k8s := ownKubernetesProvider(t, g, name)
		for _, r := range g.Resources {
			if strings.HasPrefix(r.Type, "kubernetes:") && r.Provider != k8s.URN && !cassandraKubeconfigSecret(r) {
				t.Errorf("%s: %s uses provider %q", name, r.URN, r.Provider)
			}
		}
	}
}
