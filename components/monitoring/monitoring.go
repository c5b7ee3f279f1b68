// Package monitoring is a region's metrics and alerting as one Pulumi component: an Amazon
// Managed Service for Prometheus workspace, kube-prometheus-stack in the region's cluster
// remote-writing every series to it with SigV4 (through an IRSA role that may write to that one
// workspace only), and alert rules evaluated in the workspace whose alerts its alert manager
// sends to the region's alerts topic.
package monitoring

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/amp"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/cluster"
	helmv3 "github.com/global-sovereign/global-sovereign/pkg/helmrelease"
	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
	"github.com/global-sovereign/global-sovereign/pkg/scope"
)

// Type is the component's Pulumi type token.
const Type = "sovereign:monitoring:Monitoring"

// The kube-prometheus-stack release (prometheus-community/helm-charts,
// charts/kube-prometheus-stack/Chart.yaml: 88.5.3, prometheus-operator v0.93.1). Each major
// version of the chart changes the prometheus-operator CRDs, which Helm installs but never
// upgrades: the chart's CRD upgrade Job applies them on every upgrade.
const (
	ChartRepo      = "https://prometheus-community.github.io/helm-charts"
	Chart          = "kube-prometheus-stack"
	ChartVersion   = "88.5.3"
	Namespace      = "monitoring"
	ServiceAccount = "prometheus"
)

// Args configures the monitoring.
type Args struct {
	Scope scope.Scope // partition, account and region of the provider; whether to protect
	// Code is the region code: the workspace's alias, the series' region label.
	Code string
	// Stack is the stack's name, the series' stack label: what tells the region's own cluster
	// from its staging and development clusters in the one workspace (Rules.Stacks).
	Stack string
	// ClusterName and OIDCProviderArn are the cluster's outputs: the IRSA role trusts the
	// provider, and the release waits for the cluster through its provider.
	ClusterName     pulumi.StringOutput
	OIDCProviderArn pulumi.StringOutput
	Kubernetes      *kubernetes.Provider
	// AlarmTopicArn receives the alerts; its policy must let aps.amazonaws.com publish
	// (alerts.ManagedPrometheus).
	AlarmTopicArn pulumi.StringInput
	// Rules are the alert rules evaluated in the workspace.
	Rules Rules
	// Workspace, when set, is the region's workspace that this cluster writes to (an environment
	// stack's cluster on its region's network): no workspace, rules or alert manager are declared,
	// and the region's rules see this cluster's series under its cluster label.
	Workspace *Workspace
}

// Workspace is an existing workspace: its ARN and endpoint.
type Workspace struct {
	Arn, Endpoint pulumi.StringOutput
}

// Monitoring is the component.
type Monitoring struct {
	pulumi.ResourceState

	WorkspaceID       pulumi.StringOutput `pulumi:"workspaceId"` // unset when Args.Workspace is given
	WorkspaceArn      pulumi.StringOutput `pulumi:"workspaceArn"`
	WorkspaceEndpoint pulumi.StringOutput `pulumi:"workspaceEndpoint"` // https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>/
	WriterRoleArn     pulumi.StringOutput `pulumi:"writerRoleArn"`
	// Release is kube-prometheus-stack: what installs the ServiceMonitor CRD that the Cassandra
	// operator's telemetry needs.
	Release *helmv3.Release
}

// New declares the monitoring. Pass the stack's regional aws provider with pulumi.Provider;
// Kubernetes objects use Args.Kubernetes.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Monitoring, error) {
	if err := args.check(); err != nil {
		return nil, fmt.Errorf("monitoring %s: %w", name, err)
	}
	m := &Monitoring{}
	if err := ctx.RegisterComponentResource(Type, name, m, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(m)

	ws := args.Workspace
	if ws == nil {
		w, err := amp.NewWorkspace(ctx, name, &amp.WorkspaceArgs{Alias: pulumi.String(name)}, parent, pulumi.Protect(args.Scope.Protect))
		if err != nil {
			return nil, err
		}
		if err := alerting(ctx, name, args, w, parent); err != nil {
			return nil, err
		}
		ws = &Workspace{Arn: w.Arn, Endpoint: w.PrometheusEndpoint}
		m.WorkspaceID = w.ID().ToStringOutput()
	}
	policy := ws.Arn.ApplyT(func(arn string) string { return WriterPolicy(arn).JSON() }).(pulumi.StringOutput)
	role, rolePolicy, err := cluster.IRSARole(ctx, name+"-prometheus", args.OIDCProviderArn, Namespace, ServiceAccount,
		"Prometheus of "+name+": remote write to its workspace", policy, parent)
	if err != nil {
		return nil, err
	}
	remoteWrite := ws.Endpoint.ApplyT(func(e string) string { return e + "api/v1/remote_write" }).(pulumi.StringOutput)
	m.Release, err = helmv3.NewRelease(ctx, name+"-kube-prometheus-stack", &helmv3.ReleaseArgs{
		Name:            pulumi.String(Chart),
		Namespace:       pulumi.String(Namespace),
		CreateNamespace: pulumi.Bool(true),
		Chart:           pulumi.String(Chart),
		Version:         pulumi.String(ChartVersion),
		RepositoryOpts:  &helmv3.RepositoryOptsArgs{Repo: pulumi.String(ChartRepo)},
		// Above Helm's 300 s: the CRD upgrade Job, the operator and the exporters on every node
		// of a fresh cluster.
		Timeout: pulumi.Int(900),
		Values:  releaseValues(args, remoteWrite, role.Arn),
	}, parent, pulumi.Provider(args.Kubernetes), pulumi.DependsOn([]pulumi.Resource{rolePolicy}))
	if err != nil {
		return nil, err
	}

	m.WorkspaceArn = ws.Arn
	m.WorkspaceEndpoint = ws.Endpoint
	m.WriterRoleArn = role.Arn
	outputs := pulumi.Map{
		"workspaceArn":      m.WorkspaceArn,
		"workspaceEndpoint": m.WorkspaceEndpoint,
		"writerRoleArn":     m.WriterRoleArn,
	}
	if args.Workspace == nil {
		outputs["workspaceId"] = m.WorkspaceID
	}
	return m, ctx.RegisterResourceOutputs(m, outputs)
}

// alerting declares the workspace's alert rules and the alert manager that sends them to the
// alarm topic.
func alerting(ctx *pulumi.Context, name string, args *Args, ws *amp.Workspace, parent pulumi.ResourceOption) error {
	if _, err := amp.NewRuleGroupNamespace(ctx, name+"-rules", &amp.RuleGroupNamespaceArgs{
		Name:        pulumi.String("sovereign"),
		WorkspaceId: ws.ID(),
		Data:        pulumi.String(args.Rules.YAML()),
	}, parent); err != nil {
		return err
	}
	definition := pulumi.All(args.AlarmTopicArn).ApplyT(func(v []any) string {
		return AlertManagerDefinition(v[0].(string), args.Scope.Region)
	}).(pulumi.StringOutput)
	_, err := amp.NewAlertManagerDefinition(ctx, name+"-alertmanager", &amp.AlertManagerDefinitionArgs{
		WorkspaceId: ws.ID(),
		Definition:  definition,
	}, parent)
	return err
}

// WriterPolicy lets Prometheus write series to one workspace and do nothing else.
func WriterPolicy(workspaceArn string) iampolicy.Document {
	return iampolicy.New(iampolicy.Allow("RemoteWrite", []string{"aps:RemoteWrite"}, []string{workspaceArn}))
}

// releaseValues configure kube-prometheus-stack: Prometheus keeps a short local window and
// remote-writes everything to the workspace with SigV4 as its IRSA role; it selects every
// ServiceMonitor and PodMonitor in the cluster (the Cassandra operator's included), not only the
// chart's own. Alerting happens in the workspace, so the chart's Alertmanager and Grafana are
// off (the fleet's one Grafana reads the workspaces).
func releaseValues(args *Args, remoteWrite, roleArn pulumi.StringOutput) pulumi.Map {
	return pulumi.Map{
		"crds":         pulumi.Map{"upgradeJob": pulumi.Map{"enabled": pulumi.Bool(true)}},
		"grafana":      pulumi.Map{"enabled": pulumi.Bool(false)},
		"alertmanager": pulumi.Map{"enabled": pulumi.Bool(false)},
		// EKS runs the control plane: the controller manager, scheduler and etcd have no
		// endpoints in the cluster to scrape, so their targets would only ever be down
		// (kube-prometheus-stack 88.5.3 values.yaml: kubeControllerManager, kubeScheduler,
		// kubeEtcd).
		"kubeControllerManager": pulumi.Map{"enabled": pulumi.Bool(false)},
		"kubeScheduler":         pulumi.Map{"enabled": pulumi.Bool(false)},
		"kubeEtcd":              pulumi.Map{"enabled": pulumi.Bool(false)},
		"prometheus": pulumi.Map{
			"serviceAccount": pulumi.Map{
				"create":      pulumi.Bool(true),
				"name":        pulumi.String(ServiceAccount),
				"annotations": pulumi.StringMap{"eks.amazonaws.com/role-arn": roleArn},
			},
			"prometheusSpec": pulumi.Map{
				"retention": pulumi.String("24h"),
				"serviceMonitorSelectorNilUsesHelmValues": pulumi.Bool(false),
				"podMonitorSelectorNilUsesHelmValues":     pulumi.Bool(false),
				"ruleSelectorNilUsesHelmValues":           pulumi.Bool(false),
				"externalLabels": pulumi.Map{
					"region":  pulumi.String(args.Code),
					"cluster": args.ClusterName,
					"stack":   pulumi.String(args.Stack),
				},
				"remoteWrite": pulumi.Array{pulumi.Map{
					"url":   remoteWrite,
					"sigv4": pulumi.Map{"region": pulumi.String(args.Scope.Region)},
				}},
			},
		},
	}
}

// AlertManagerDefinition sends every alert of the workspace to the SNS topic, grouped by alert
// and region.
func AlertManagerDefinition(topicArn, region string) string {
	return fmt.Sprintf(`alertmanager_config: |
  route:
    receiver: sns
    group_by: [alertname, region]
    group_wait: 30s
    group_interval: 5m
    repeat_interval: 4h
  receivers:
    - name: sns
      sns_configs:
        - topic_arn: %s
          sigv4:
            region: %s
          subject: '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} in {{ .CommonLabels.region }}'
`, topicArn, region)
}

func (a *Args) check() error {
	if a.Kubernetes == nil || a.Code == "" || a.Stack == "" || a.ClusterName.OutputState == nil || a.OIDCProviderArn.OutputState == nil || a.AlarmTopicArn == nil {
		return fmt.Errorf("the region code, the cluster's name, OIDC provider and Kubernetes provider, and an alarm topic are required")
	}
	return a.Rules.check()
}
