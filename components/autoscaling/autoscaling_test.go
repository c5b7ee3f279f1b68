package autoscaling_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/autoscaling"
	"github.com/global-sovereign/global-sovereign/components/cluster"
	"github.com/global-sovereign/global-sovereign/pkg/scope"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

const (
	tAlarm       = "aws:cloudwatch/metricAlarm:MetricAlarm"
	tRole        = "aws:iam/role:Role"
	tRolePolicy  = "aws:iam/rolePolicy:RolePolicy"
	tAssociation = "aws:eks/podIdentityAssociation:PodIdentityAssociation"
	tRelease     = "kubernetes:helm.sh/v3:Release"
	tNamespace   = "kubernetes:core/v1:Namespace"
	tDeployment  = "kubernetes:apps/v1:Deployment"
	tService     = "kubernetes:core/v1:Service"
	tHPA         = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
	tPDB         = "kubernetes:policy/v1:PodDisruptionBudget"
	topic        = "arn:aws:sns:eu-west-1:111122223333:gs-test-alerts"
	k8sName      = "k8s" // the fixture Kubernetes provider
)

var ams = scope.Scope{Partition: "aws", AccountID: "111122223333", Region: "eu-west-1", Protect: true}

// fixture is the Args without what only the run can make: the cluster name output, the node
// groups' ASG names (by group) and the Kubernetes provider.
type fixture struct {
	scope                scope.Scope
	noClusterName, noK8s bool
	chart, tag           string
	groups               map[string]string // node group -> ASG name
	noTopic              bool
	noASG                string // a node group whose ASG name is left unset
	api                  *autoscaling.APIArgs
}

func valid(s scope.Scope) fixture {
	return fixture{scope: s, chart: "9.46.6", tag: "1.33.0",
		groups: map[string]string{"general": "eks-general-0a1b", "batch": "eks-batch-2c3d"},
		api:    &autoscaling.APIArgs{Image: "ghcr.io/example/api:1.2.3", Port: 8080, MinReplicas: 3, MaxReplicas: 30, TargetCPUPercent: 70}}
}

// alarmPercent is the config's default per node group kind: spot groups run hot, no alarm.
var alarmPercent = map[string]int{cluster.KindGeneral: 80, cluster.KindSpot: 0, cluster.KindDedicated: 0, cluster.KindCassandra: 85}

// kindOf is the fixture groups' kind: batch is the spot group.
func kindOf(group string) string {
	if group == "batch" {
		return cluster.KindSpot
	}
	return cluster.KindGeneral
}

func synthAutoscaling(f fixture) (*synth.Graph, error) {
	r, err := synth.RunComponent(f.scope.Region, func(ctx *pulumi.Context, p pulumi.ProviderResource) error {
		k8s, err := kubernetes.NewProvider(ctx, k8sName, &kubernetes.ProviderArgs{Kubeconfig: pulumi.String("{}")})
		if err != nil {
			return err
		}
		a := &autoscaling.Args{Scope: f.scope, ClusterName: pulumi.String("gs-test").ToStringOutput(),
			AutoscalerChart: f.chart, AutoscalerImageTag: f.tag, Kubernetes: k8s, AlarmTopicArn: pulumi.String(topic), API: f.api,
			NodeCPUAlarmPercent: alarmPercent}
		for _, name := range sortedKeys(f.groups) {
			g := cluster.NodeGroup{Name: name, Kind: kindOf(name), AsgName: pulumi.String(f.groups[name]).ToStringOutput()}
			if name == f.noASG {
				g.AsgName = pulumi.StringOutput{}
			}
			a.NodeGroups = append(a.NodeGroups, g)
		}
		if f.noClusterName {
			a.ClusterName = pulumi.StringOutput{}
		}
		if f.noK8s {
			a.Kubernetes = nil
		}
		if f.noTopic {
			a.AlarmTopicArn = nil
		}
		s, err := autoscaling.New(ctx, "gs-test", a, pulumi.Provider(p))
		if err != nil {
			return err
		}
		ctx.Export("autoscalerRoleArn", s.AutoscalerRoleArn)
		if s.APIService != nil {
			ctx.Export("apiService", s.APIService.Metadata.Name())
		}
		return nil
	})
	if r == nil {
		return nil, err
	}
	return r.Graph, err
}

func sortedKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func named(t *testing.T, g *synth.Graph, typ, name string) synth.Resource {
	t.Helper()
	r, ok := g.Named(typ, name)
	if !ok {
		t.Fatalf("no %s %s", typ, name)
	}
	return r
}

func TestAutoscaling(t *testing.T) {
	tests := []struct {
		name string
		f    fixture
	}{
		{"two node groups, API with an image", valid(ams)},
		{"one node group, API without an image", func() fixture {
			f := valid(scope.Scope{Partition: "aws", AccountID: "111122223333", Region: "us-west-1"})
			f.groups = map[string]string{"general": "eks-general-9f"}
			f.api.Image = ""
			return f
		}()},
		{"no API workload, GovCloud", func() fixture {
			f := valid(scope.Scope{Partition: "aws-us-gov", AccountID: "444455556666", Region: "us-gov-west-1"})
			f.api = nil
			return f
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.f
			g, err := synthAutoscaling(f)
			if err != nil {
				t.Fatal(err)
			}
			provider := synth.ProviderName(f.scope.Region)
			for _, p := range synth.ChildProblems(g, autoscaling.Type, func(r synth.Resource) string {
				if strings.HasPrefix(r.Type, "kubernetes:") {
					return k8sName
				}
				return provider
			}) {
				t.Error(p)
			}
			withAPI, withImage := 0, 0
			if f.api != nil {
				withAPI = 1
				if f.api.Image != "" {
					withImage = 1
				}
			}
			alarmed := 0
			for ng := range f.groups {
				if alarmPercent[kindOf(ng)] > 0 {
					alarmed++
				}
			}
			counts := map[string]int{tAlarm: alarmed, tRole: 1, tRolePolicy: 1, tAssociation: 1, tRelease: 2,
				tNamespace: withAPI, tHPA: withAPI, tPDB: withAPI, tDeployment: withImage, tService: withImage}
			for typ, want := range counts {
				if got := len(g.ByType(typ)); got != want {
					t.Errorf("%d %s, want %d", got, typ, want)
				}
			}

			// A CPU alarm on the Auto Scaling group of every node group whose kind has a
			// threshold (not the spot group: it is built to run hot), to the topic.
			for ng, asg := range f.groups {
				if alarmPercent[kindOf(ng)] == 0 {
					continue
				}
				al := named(t, g, tAlarm, "gs-test-ng-"+ng+"-cpu")
				in := al.Inputs
				if in["dimensions"].(map[string]any)["AutoScalingGroupName"] != asg || in["namespace"] != "AWS/EC2" ||
					in["metricName"] != "CPUUtilization" || in["threshold"] != float64(alarmPercent[kindOf(ng)]) ||
					in["comparisonOperator"] != "GreaterThanOrEqualToThreshold" || in["period"] != float64(120) || in["evaluationPeriods"] != float64(5) ||
					in["alarmActions"].([]any)[0] != topic || in["okActions"].([]any)[0] != topic {
					t.Errorf("alarm %s: %v", al.Name, in)
				}
			}

			// The autoscaler's identity: a Pod Identity role that may only resize this cluster's
			// groups, handed to its service account; the release waits for the association.
			role := named(t, g, tRole, "gs-test-cluster-autoscaler")
			policy := named(t, g, tRolePolicy, "gs-test-cluster-autoscaler")
			assoc := named(t, g, tAssociation, "gs-test-cluster-autoscaler")
			if role.Inputs["assumeRolePolicy"] != cluster.PodIdentityTrust(f.scope.AccountID, "gs-test", "kube-system", "cluster-autoscaler").JSON() || policy.Inputs["role"] != role.ID ||
				policy.Inputs["policy"] != autoscaling.AutoscalerPolicy(f.scope, "gs-test").JSON() {
				t.Errorf("autoscaler role %v policy %v", role.Inputs, policy.Inputs)
			}
			if assoc.Inputs["clusterName"] != "gs-test" || assoc.Inputs["namespace"] != "kube-system" ||
				assoc.Inputs["serviceAccount"] != "cluster-autoscaler" || assoc.Inputs["roleArn"] != role.State["arn"] {
				t.Errorf("association %v", assoc.Inputs)
			}
			ca := named(t, g, tRelease, "gs-test-cluster-autoscaler")
			values := ca.Inputs["values"].(map[string]any)
			sa := values["rbac"].(map[string]any)["serviceAccount"].(map[string]any)
			if ca.Inputs["chart"] != "cluster-autoscaler" || ca.Inputs["version"] != f.chart || ca.Inputs["namespace"] != "kube-system" ||
				values["awsRegion"] != f.scope.Region || values["autoDiscovery"].(map[string]any)["clusterName"] != "gs-test" ||
				values["image"].(map[string]any)["tag"] != "v"+f.tag || sa["name"] != assoc.Inputs["serviceAccount"] ||
				!slices.Contains(ca.DependsOn, assoc.URN) {
				t.Errorf("cluster-autoscaler release %v depends on %v", ca.Inputs, ca.DependsOn)
			}
			if ms := named(t, g, tRelease, "gs-test-metrics-server"); ms.Inputs["chart"] != "metrics-server" || ms.Inputs["version"] == "" {
				t.Errorf("metrics-server %v", ms.Inputs)
			}
			if g.Outputs["autoscalerRoleArn"] != role.State["arn"] {
				t.Errorf("output autoscalerRoleArn %v, want %v", g.Outputs["autoscalerRoleArn"], role.State["arn"])
			}

			if f.api == nil {
				return
			}
			// The API workload: HPA at the CPU target, a disruption budget, and with an image the
			// Deployment (the HPA owns its replicas) and its Service, all after the namespace.
			ns := named(t, g, tNamespace, "gs-test-api")
			for _, typ := range []string{tHPA, tPDB, tDeployment, tService} {
				for _, r := range g.ByType(typ) {
					md := r.Inputs["metadata"].(map[string]any)
					if !slices.Contains(r.DependsOn, ns.URN) || md["namespace"] != autoscaling.APINamespace || md["name"] != autoscaling.APIName {
						t.Errorf("%s %s: metadata %v, waits for the namespace %v", typ, r.Name, md, slices.Contains(r.DependsOn, ns.URN))
					}
				}
			}
			spec := named(t, g, tHPA, "gs-test-api").Inputs["spec"].(map[string]any)
			target := spec["metrics"].([]any)[0].(map[string]any)["resource"].(map[string]any)["target"].(map[string]any)
			if spec["minReplicas"] != float64(f.api.MinReplicas) || spec["maxReplicas"] != float64(f.api.MaxReplicas) ||
				target["averageUtilization"] != float64(f.api.TargetCPUPercent) ||
				spec["scaleTargetRef"].(map[string]any)["name"] != autoscaling.APIName {
				t.Errorf("HPA %v", spec)
			}
			if f.api.Image == "" {
				if g.Outputs["apiService"] != nil {
					t.Errorf("an API Service without an image: %v", g.Outputs["apiService"])
				}
				return
			}
			dep := named(t, g, tDeployment, "gs-test-api")
			container := dep.Inputs["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)
			if container["image"] != f.api.Image || container["ports"].([]any)[0].(map[string]any)["containerPort"] != float64(f.api.Port) ||
				!slices.Equal(dep.IgnoreChanges, []string{"spec.replicas"}) {
				t.Errorf("deployment %v ignores %v", container, dep.IgnoreChanges)
			}
			if g.Outputs["apiService"] != autoscaling.APIName {
				t.Errorf("output API Service %v", g.Outputs["apiService"])
			}
		})
	}
}

func TestAutoscalingRejects(t *testing.T) {
	const required = "the cluster's name and Kubernetes provider, the autoscaler chart and an alarm topic are required"
	tests := []struct {
		name string
		edit func(*fixture)
		want string
	}{
		{"no Kubernetes provider", func(f *fixture) { f.noK8s = true }, required},
		{"no chart", func(f *fixture) { f.chart = "" }, required},
		{"no image tag", func(f *fixture) { f.tag = "" }, required},
		{"no cluster name", func(f *fixture) { f.noClusterName = true }, required},
		{"no alarm topic", func(f *fixture) { f.noTopic = true }, required},
		{"node group without its ASG", func(f *fixture) { f.noASG = "batch" }, "node group batch has no Auto Scaling group name"},
		{"API port 0", func(f *fixture) { f.api.Port = 0 }, "API: want port 1-65535"},
		{"API port too high", func(f *fixture) { f.api.Port = 70000 }, "API: want port 1-65535"},
		{"API min replicas 0", func(f *fixture) { f.api.MinReplicas = 0 }, "API: want 1 <= min <= max replicas"},
		{"API min above max", func(f *fixture) { f.api.MinReplicas = 31 }, "API: want 1 <= min <= max replicas"},
		{"API CPU target 0", func(f *fixture) { f.api.TargetCPUPercent = 0 }, "API: want a CPU target of 1-100%"},
		{"API CPU target above 100", func(f *fixture) { f.api.TargetCPUPercent = 101 }, "API: want a CPU target of 1-100%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := valid(ams)
			api := *f.api
			f.api = &api
			tt.edit(&f)
			g, err := synthAutoscaling(f)
			if err == nil || !strings.Contains(err.Error(), "autoscaling gs-test: "+tt.want) {
				t.Fatalf("want %q, got %v", tt.want, err)
			}
			if len(g.ByType(autoscaling.Type)) != 0 {
				t.Errorf("the component was declared before its Args were checked")
			}
		})
	}
}

// The autoscaler describes only its own cluster's node groups.
func TestAutoscalerDescribesOwnNodegroupsOnly(t *testing.T) {
	s := scope.Scope{Partition: "aws", AccountID: "111122223333", Region: "eu-west-1"}
	for _, st := range autoscaling.AutoscalerPolicy(s, "gs-ams").Statement {
		for _, a := range st.Action {
			if strings.HasPrefix(a, "eks:") && !slices.Equal(st.Resource, []string{"arn:aws:eks:eu-west-1:111122223333:nodegroup/gs-ams/*/*"}) {
				t.Errorf("%s on %v", a, st.Resource)
			}
		}
	}
}
