// Package autoscaling is how a region's cluster scales: pods by a HorizontalPodAutoscaler at a
// CPU target (with metrics-server), nodes by the cluster-autoscaler inside each node group's
// min/max, and people by CloudWatch alarms on node CPU where sustained CPU means something: a
// threshold per kind of node group (general, spot, dedicated, cassandra), off for the kinds built
// to run hot. These alarms are the only node CPU signal: the workspace's Prometheus rules
// (components/monitoring) leave node CPU to them, so a hot group pages once, by group, even when
// the cluster's own monitoring is down.
package autoscaling

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/cluster"
	helmv3 "github.com/global-sovereign/global-sovereign/pkg/helmrelease"
	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
	"github.com/global-sovereign/global-sovereign/pkg/scope"
)

// Type is the component's Pulumi type token.
const Type = "sovereign:autoscaling:Autoscaling"

// Charts. The cluster-autoscaler's release comes from config (it must match the cluster's
// Kubernetes minor version); metrics-server is pinned here.
const (
	autoscalerRepo  = "https://kubernetes.github.io/autoscaler"
	autoscalerChart = "cluster-autoscaler"
	metricsRepo     = "https://kubernetes-sigs.github.io/metrics-server/"
	metricsChart    = "metrics-server"
	metricsVersion  = "3.12.2"
	autoscalerSA    = "cluster-autoscaler"
)

// Alarm periods: average CPU of a node group's instances above its kind's threshold for five
// periods of 120 s (ten minutes: a deploy or a compaction spike is not a page) notifies people;
// the autoscaler acts on pending pods, not CPU. The periods need the nodes' detailed
// (one-minute) monitoring, which the node launch templates enable; with basic monitoring EC2
// publishes every five minutes and a 120 s period is mostly empty.
const (
	nodeAlarmPeriod  = 120
	nodeAlarmPeriods = 5
)

// Args configures the autoscaling.
type Args struct {
	Scope scope.Scope // partition, account and region of the provider; whether to protect
	// ClusterName is the cluster's output (cluster.Cluster.Name): what names the cluster waits for it.
	ClusterName pulumi.StringOutput
	// AutoscalerChart is the cluster-autoscaler chart release and the image it runs (config
	// validates that it matches the cluster's Kubernetes minor version).
	AutoscalerChart, AutoscalerImageTag string
	NodeGroups                          []cluster.NodeGroup
	Kubernetes                          *kubernetes.Provider
	AlarmTopicArn                       pulumi.StringInput
	// NodeCPUAlarmPercent is the alarm threshold per node group kind (cluster.Kind*); a kind
	// missing or at 0 gets no alarm.
	NodeCPUAlarmPercent map[string]int
	API                 *APIArgs // nil: no API workload objects
}

// Autoscaling is the component.
type Autoscaling struct {
	pulumi.ResourceState

	AutoscalerRoleArn pulumi.StringOutput `pulumi:"autoscalerRoleArn"`
	// APIService is the API's Service when config names an image, else nil: bind to it by its
	// outputs so the binding waits for it and its namespace.
	APIService *corev1.Service
	// APINamespace is the API's namespace (labelled for the load balancer's readiness gates),
	// nil without an api block.
	APINamespace *corev1.Namespace
}

// New declares the autoscaling. Pass the stack's regional aws provider with pulumi.Provider;
// Kubernetes objects use Args.Kubernetes.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Autoscaling, error) {
	if err := args.check(); err != nil {
		return nil, fmt.Errorf("autoscaling %s: %w", name, err)
	}
	a := &Autoscaling{}
	if err := ctx.RegisterComponentResource(Type, name, a, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(a)
	inCluster := []pulumi.ResourceOption{parent, pulumi.Provider(args.Kubernetes)}

	for _, g := range args.NodeGroups {
		threshold := args.NodeCPUAlarmPercent[g.Kind]
		if threshold <= 0 {
			continue // spot and batch nodes are meant to run hot
		}
		if _, err := cloudwatch.NewMetricAlarm(ctx, fmt.Sprintf("%s-ng-%s-cpu", name, g.Name), &cloudwatch.MetricAlarmArgs{
			AlarmDescription: pulumi.String(fmt.Sprintf("%s node group %s (%s): average CPU above %d%% for %d periods of %d s",
				name, g.Name, g.Kind, threshold, nodeAlarmPeriods, nodeAlarmPeriod)),
			Namespace:          pulumi.String("AWS/EC2"),
			MetricName:         pulumi.String("CPUUtilization"),
			Dimensions:         pulumi.StringMap{"AutoScalingGroupName": g.AsgName},
			Statistic:          pulumi.String("Average"),
			Period:             pulumi.Int(nodeAlarmPeriod),
			EvaluationPeriods:  pulumi.Int(nodeAlarmPeriods),
			ComparisonOperator: pulumi.String("GreaterThanOrEqualToThreshold"),
			Threshold:          pulumi.Float64(threshold),
			TreatMissingData:   pulumi.String("notBreaching"),
			AlarmActions:       pulumi.Array{args.AlarmTopicArn},
			OkActions:          pulumi.Array{args.AlarmTopicArn},
		}, parent); err != nil {
			return nil, err
		}
	}

	policy := args.ClusterName.ApplyT(func(n string) string { return AutoscalerPolicy(args.Scope, n).JSON() }).(pulumi.StringOutput)
	role, assoc, err := cluster.PodIdentityRole(ctx, name+"-cluster-autoscaler", args.Scope.AccountID, args.ClusterName, "kube-system", autoscalerSA,
		"cluster-autoscaler of "+name, policy, parent)
	if err != nil {
		return nil, err
	}
	if _, err := helmv3.NewRelease(ctx, name+"-cluster-autoscaler", &helmv3.ReleaseArgs{
		Name:           pulumi.String("cluster-autoscaler"),
		Namespace:      pulumi.String("kube-system"),
		Chart:          pulumi.String(autoscalerChart),
		Version:        pulumi.String(args.AutoscalerChart),
		RepositoryOpts: &helmv3.RepositoryOptsArgs{Repo: pulumi.String(autoscalerRepo)},
		Values: pulumi.Map{
			"cloudProvider": pulumi.String("aws"),
			"awsRegion":     pulumi.String(args.Scope.Region),
			"autoDiscovery": pulumi.Map{"clusterName": args.ClusterName},
			"image":         pulumi.Map{"tag": pulumi.String("v" + args.AutoscalerImageTag)},
			"rbac": pulumi.Map{"serviceAccount": pulumi.Map{
				"create": pulumi.Bool(true), "name": pulumi.String(autoscalerSA),
			}},
			"extraArgs": pulumi.Map{
				"balance-similar-node-groups":      pulumi.Bool(true),
				"expander":                         pulumi.String("least-waste"),
				"skip-nodes-with-system-pods":      pulumi.Bool(false),
				"scale-down-utilization-threshold": pulumi.String("0.5"),
			},
		},
	}, append(inCluster, pulumi.DependsOn([]pulumi.Resource{assoc}))...); err != nil {
		return nil, err
	}
	if _, err := helmv3.NewRelease(ctx, name+"-metrics-server", &helmv3.ReleaseArgs{
		Name:           pulumi.String("metrics-server"),
		Namespace:      pulumi.String("kube-system"),
		Chart:          pulumi.String(metricsChart),
		Version:        pulumi.String(metricsVersion),
		RepositoryOpts: &helmv3.RepositoryOptsArgs{Repo: pulumi.String(metricsRepo)},
	}, inCluster...); err != nil {
		return nil, err
	}
	if args.API != nil {
		var err error
		if a.APINamespace, a.APIService, err = apiWorkload(ctx, name, args.API, inCluster); err != nil {
			return nil, err
		}
	}

	a.AutoscalerRoleArn = role.Arn
	return a, ctx.RegisterResourceOutputs(a, pulumi.Map{"autoscalerRoleArn": role.Arn})
}

// AutoscalerPolicy is the cluster-autoscaler's least privilege: it may read every group and
// template (those Describe calls take no resource), describe only this cluster's node groups
// (eks:DescribeNodegroup takes the node group ARN, arn:...:nodegroup/<cluster>/<group>/<id>),
// and resize and terminate only in Auto Scaling groups that EKS tagged as this cluster's
// (managed node groups carry k8s.io/cluster-autoscaler/<cluster> = owned).
func AutoscalerPolicy(s scope.Scope, clusterName string) iampolicy.Document {
	return iampolicy.New(
		iampolicy.Allow("Describe", []string{
			"autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances",
			"autoscaling:DescribeLaunchConfigurations", "autoscaling:DescribeScalingActivities",
			"autoscaling:DescribeTags", "ec2:DescribeImages", "ec2:DescribeInstanceTypes",
			"ec2:DescribeLaunchTemplateVersions", "ec2:GetInstanceTypesFromInstanceRequirements",
		}, []string{"*"}),
		iampolicy.Allow("DescribeOwnNodegroups", []string{"eks:DescribeNodegroup"},
			[]string{s.ARN("eks", "nodegroup/"+clusterName+"/*/*")}),
		iampolicy.Allow("ScaleOwnGroups", []string{
			"autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup",
		}, []string{"*"}).When("StringEquals", "aws:ResourceTag/k8s.io/cluster-autoscaler/"+clusterName, "owned"),
	)
}

// check refuses Args the program's config validation would have refused, or that would fail
// inside an apply (a zero output) rather than here with a message.
func (a *Args) check() error {
	if a.Kubernetes == nil || a.AutoscalerChart == "" || a.AutoscalerImageTag == "" || a.ClusterName.OutputState == nil || a.AlarmTopicArn == nil {
		return fmt.Errorf("the cluster's name and Kubernetes provider, the autoscaler chart and an alarm topic are required")
	}
	for _, g := range a.NodeGroups {
		if g.AsgName.OutputState == nil {
			return fmt.Errorf("node group %s has no Auto Scaling group name", g.Name)
		}
	}
	if api := a.API; api != nil {
		switch {
		case api.Port < 1 || api.Port > 65535:
			return fmt.Errorf("API: want port 1-65535, got %d", api.Port)
		case api.MinReplicas < 1 || api.MinReplicas > api.MaxReplicas:
			return fmt.Errorf("API: want 1 <= min <= max replicas, got %d and %d", api.MinReplicas, api.MaxReplicas)
		case api.TargetCPUPercent < 1 || api.TargetCPUPercent > 100:
			return fmt.Errorf("API: want a CPU target of 1-100%%, got %d", api.TargetCPUPercent)
		}
	}
	return nil
}
