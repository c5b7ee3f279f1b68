package autoscaling

import (
	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	autoscalingv2 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/autoscaling/v2"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	policyv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/policy/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// APINamespace and APIName name the API workload's objects.
const (
	APINamespace = "api"
	APIName      = "api"
)

// ReadinessGateLabel on a namespace makes the AWS Load Balancer Controller (v2.13.2,
// docs/deploy/pod_readiness_gate.md) inject a readiness gate into every pod created there that
// a TargetGroupBinding selects (target type ip): a new pod counts ready only once its target is
// healthy in the target group, so a rollout never leaves the group with only initial or
// draining targets.
const ReadinessGateLabel = "elbv2.k8s.aws/pod-readiness-gate-inject"

// Pod shutdown: on termination the pod is removed from the Service and the controller
// deregisters its target, but the load balancer keeps sending it requests until the
// deregistration has propagated. The pre-stop sleep keeps the container serving meanwhile; the
// grace period covers the sleep, the target group's 30 s deregistration delay and the API's own
// shutdown.
const (
	PreStopSleepSeconds     = 15
	TerminationGraceSeconds = 60
)

// APIArgs configure the API workload.
type APIArgs struct {
	Image                    string // empty: the Deployment is left to the application's own pipeline
	Port                     int
	MinReplicas, MaxReplicas int
	TargetCPUPercent         int
}

// apiWorkload declares the api namespace, the HPA scaling the API Deployment on CPU, a
// disruption budget that keeps all but one replica through node drains, and, when config names
// an image, the Deployment and its Service, which it returns (nil without an image).
func apiWorkload(ctx *pulumi.Context, name string, api *APIArgs, opts []pulumi.ResourceOption) (*corev1.Namespace, *corev1.Service, error) {
	labels := pulumi.StringMap{"app.kubernetes.io/name": pulumi.String(APIName)}
	var service *corev1.Service
	ns, err := corev1.NewNamespace(ctx, name+"-api", &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(APINamespace),
			Labels: pulumi.StringMap{ReadinessGateLabel: pulumi.String("enabled")}},
	}, opts...)
	if err != nil {
		return nil, nil, err
	}
	inNS := append(append([]pulumi.ResourceOption{}, opts...), pulumi.DependsOn([]pulumi.Resource{ns}))
	meta := &metav1.ObjectMetaArgs{Name: pulumi.String(APIName), Namespace: pulumi.String(APINamespace), Labels: labels}

	if api.Image != "" {
		if _, err := appsv1.NewDeployment(ctx, name+"-api", &appsv1.DeploymentArgs{
			Metadata: meta,
			Spec: &appsv1.DeploymentSpecArgs{
				Selector: &metav1.LabelSelectorArgs{MatchLabels: labels},
				Template: &corev1.PodTemplateSpecArgs{
					Metadata: &metav1.ObjectMetaArgs{Labels: labels},
					Spec: &corev1.PodSpecArgs{
						// Spread replicas over AZs so an AZ outage leaves most of them.
						TopologySpreadConstraints: corev1.TopologySpreadConstraintArray{corev1.TopologySpreadConstraintArgs{
							MaxSkew: pulumi.Int(1), TopologyKey: pulumi.String("topology.kubernetes.io/zone"),
							WhenUnsatisfiable: pulumi.String("ScheduleAnyway"), LabelSelector: &metav1.LabelSelectorArgs{MatchLabels: labels},
						}},
						SecurityContext:               &corev1.PodSecurityContextArgs{RunAsNonRoot: pulumi.Bool(true)},
						TerminationGracePeriodSeconds: pulumi.Int(TerminationGraceSeconds),
						Containers: corev1.ContainerArray{corev1.ContainerArgs{
							Name:  pulumi.String(APIName),
							Image: pulumi.String(api.Image),
							Ports: corev1.ContainerPortArray{corev1.ContainerPortArgs{ContainerPort: pulumi.Int(api.Port), Name: pulumi.String("http")}},
							// The HPA's CPU target is a share of this request.
							Resources: &corev1.ResourceRequirementsArgs{
								Requests: pulumi.StringMap{"cpu": pulumi.String("500m"), "memory": pulumi.String("512Mi")},
								Limits:   pulumi.StringMap{"memory": pulumi.String("1Gi")},
							},
							SecurityContext: &corev1.SecurityContextArgs{
								AllowPrivilegeEscalation: pulumi.Bool(false), ReadOnlyRootFilesystem: pulumi.Bool(true),
							},
							// The sleep action needs no shell in the image (Kubernetes 1.30+,
							// on by default).
							Lifecycle: &corev1.LifecycleArgs{PreStop: &corev1.LifecycleHandlerArgs{
								Sleep: &corev1.SleepActionArgs{Seconds: pulumi.Int(PreStopSleepSeconds)},
							}},
						}},
					},
				},
			},
		}, append(inNS,
			// The HPA owns the replica count.
			pulumi.IgnoreChanges([]string{"spec.replicas"}))...); err != nil {
			return nil, nil, err
		}
		service, err = corev1.NewService(ctx, name+"-api", &corev1.ServiceArgs{
			Metadata: meta,
			Spec: &corev1.ServiceSpecArgs{
				Selector: labels,
				Ports: corev1.ServicePortArray{corev1.ServicePortArgs{
					Name: pulumi.String("http"), Port: pulumi.Int(80), TargetPort: pulumi.String("http"),
				}},
			},
		}, inNS...)
		if err != nil {
			return nil, nil, err
		}
	}

	if _, err := autoscalingv2.NewHorizontalPodAutoscaler(ctx, name+"-api", &autoscalingv2.HorizontalPodAutoscalerArgs{
		Metadata: meta,
		Spec: &autoscalingv2.HorizontalPodAutoscalerSpecArgs{
			ScaleTargetRef: &autoscalingv2.CrossVersionObjectReferenceArgs{
				ApiVersion: pulumi.String("apps/v1"), Kind: pulumi.String("Deployment"), Name: pulumi.String(APIName),
			},
			MinReplicas: pulumi.Int(api.MinReplicas),
			MaxReplicas: pulumi.Int(api.MaxReplicas),
			Metrics: autoscalingv2.MetricSpecArray{autoscalingv2.MetricSpecArgs{
				Type: pulumi.String("Resource"),
				Resource: &autoscalingv2.ResourceMetricSourceArgs{
					Name:   pulumi.String("cpu"),
					Target: &autoscalingv2.MetricTargetArgs{Type: pulumi.String("Utilization"), AverageUtilization: pulumi.Int(api.TargetCPUPercent)},
				},
			}},
		},
	}, inNS...); err != nil {
		return nil, nil, err
	}
	_, err = policyv1.NewPodDisruptionBudget(ctx, name+"-api", &policyv1.PodDisruptionBudgetArgs{
		Metadata: meta,
		Spec: &policyv1.PodDisruptionBudgetSpecArgs{
			MaxUnavailable: pulumi.Int(1),
			Selector:       &metav1.LabelSelectorArgs{MatchLabels: labels},
		},
	}, inNS...)
	return ns, service, err
}
