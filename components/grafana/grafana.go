// Package grafana is the fleet's one Grafana: the Grafana chart with a persistent volume in one
// region's cluster, every region's Amazon Managed Service for Prometheus workspace as a data
// source, and an IRSA role that may query exactly those workspaces. Each region adds its own
// data source ConfigMap (picked up by the chart's sidecar) and its own role policy, so a region
// added later adds resources and changes none.
package grafana

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/cluster"
	helmv3 "github.com/global-sovereign/global-sovereign/pkg/helmrelease"
	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
)

// Type is the component's Pulumi type token.
const Type = "sovereign:grafana:Grafana"

// The Grafana chart moved to the grafana-community repository (the grafana/helm-charts chart is
// deprecated; its last release was 10.5.15): charts/grafana/Chart.yaml 12.11.1, Grafana 13.2.0.
const (
	ChartRepo      = "https://grafana-community.github.io/helm-charts"
	Chart          = "grafana"
	ChartVersion   = "12.11.1"
	Namespace      = "grafana"
	ServiceAccount = "grafana"
	// DatasourceLabel marks the ConfigMaps the chart's sidecar provisions as data sources.
	DatasourceLabel = "grafana_datasource"
	// Plugin is the Amazon Managed Service for Prometheus data source: SigV4 with the pod's
	// role (the core Prometheus data source's SigV4 is deprecated in its favour).
	Plugin = "grafana-amazonprometheus-datasource"
)

// Workspace is one region's Prometheus workspace.
type Workspace struct {
	Code, Region  string
	Arn, Endpoint pulumi.StringInput
}

// Args configures Grafana.
type Args struct {
	// OIDCProviderArn is the host cluster's OIDC provider; Kubernetes deploys into it.
	OIDCProviderArn pulumi.StringInput
	Kubernetes      *kubernetes.Provider
	StorageClass    string
	StorageGiB      int
	Workspaces      []Workspace
}

// Grafana is the component.
type Grafana struct {
	pulumi.ResourceState

	RoleArn pulumi.StringOutput `pulumi:"roleArn"`
}

// QueryPolicy lets Grafana read one workspace.
func QueryPolicy(workspaceArn string) iampolicy.Document {
	return iampolicy.New(iampolicy.Allow("Query", []string{"aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels", "aps:GetMetricMetadata"},
		[]string{workspaceArn}))
}

// New declares Grafana. Pass the global stack's aws provider with pulumi.Provider (IAM);
// Kubernetes objects use Args.Kubernetes.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Grafana, error) {
	if args.Kubernetes == nil || args.OIDCProviderArn == nil || len(args.Workspaces) == 0 || args.StorageGiB < 1 {
		return nil, fmt.Errorf("grafana %s: the host cluster's OIDC provider and Kubernetes provider, a volume size and workspaces are required", name)
	}
	g := &Grafana{}
	if err := ctx.RegisterComponentResource(Type, name, g, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(g)
	inCluster := []pulumi.ResourceOption{parent, pulumi.Provider(args.Kubernetes)}

	trust := args.OIDCProviderArn.ToStringOutput().ApplyT(func(arn string) string {
		return cluster.IRSATrust(arn, Namespace, ServiceAccount).JSON()
	}).(pulumi.StringOutput)
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		Description:      pulumi.String("Grafana of the fleet: queries every region's Prometheus workspace"),
		AssumeRolePolicy: trust,
	}, parent)
	if err != nil {
		return nil, err
	}
	ns, err := corev1.NewNamespace(ctx, name, &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(Namespace)},
	}, inCluster...)
	if err != nil {
		return nil, err
	}
	// The release waits for none of the per-region ConfigMaps and policies: the sidecar
	// provisions a data source whenever its ConfigMap appears, so a region added later adds its
	// own and changes nothing else.
	for _, w := range args.Workspaces {
		policy := w.Arn.ToStringOutput().ApplyT(func(arn string) string { return QueryPolicy(arn).JSON() }).(pulumi.StringOutput)
		_, err := iam.NewRolePolicy(ctx, fmt.Sprintf("%s-query-%s", name, w.Code), &iam.RolePolicyArgs{Role: role.Name, Policy: policy}, parent)
		if err != nil {
			return nil, err
		}
		_, err = corev1.NewConfigMap(ctx, fmt.Sprintf("%s-datasource-%s", name, w.Code), &corev1.ConfigMapArgs{
			Metadata: &metav1.ObjectMetaArgs{
				Name:      pulumi.String("datasource-" + w.Code),
				Namespace: ns.Metadata.Name().Elem(),
				Labels:    pulumi.StringMap{DatasourceLabel: pulumi.String("1")},
			},
			Data: pulumi.StringMap{w.Code + ".yaml": w.Endpoint.ToStringOutput().ApplyT(func(e string) string {
				return Datasource(w.Code, w.Region, e)
			}).(pulumi.StringOutput)},
		}, inCluster...)
		if err != nil {
			return nil, err
		}
	}
	if _, err := helmv3.NewRelease(ctx, name, &helmv3.ReleaseArgs{
		Name:           pulumi.String(Chart),
		Namespace:      ns.Metadata.Name().Elem(),
		Chart:          pulumi.String(Chart),
		Version:        pulumi.String(ChartVersion),
		RepositoryOpts: &helmv3.RepositoryOptsArgs{Repo: pulumi.String(ChartRepo)},
		Values: pulumi.Map{
			"serviceAccount": pulumi.Map{
				"create": pulumi.Bool(true), "name": pulumi.String(ServiceAccount),
				"annotations": pulumi.StringMap{"eks.amazonaws.com/role-arn": role.Arn},
			},
			// The sidecar reads data sources from ConfigMaps in this namespace only.
			"rbac": pulumi.Map{"namespaced": pulumi.Bool(true)},
			"sidecar": pulumi.Map{"datasources": pulumi.Map{
				"enabled": pulumi.Bool(true), "label": pulumi.String(DatasourceLabel), "labelValue": pulumi.String("1"),
			}},
			"plugins": pulumi.StringArray{pulumi.String(Plugin)},
			"persistence": pulumi.Map{
				"enabled": pulumi.Bool(true), "type": pulumi.String("pvc"),
				"storageClassName": pulumi.String(args.StorageClass), "size": pulumi.String(fmt.Sprintf("%dGi", args.StorageGiB)),
			},
			// One ReadWriteOnce volume: the old pod must let go of it before the new one starts.
			"deploymentStrategy": pulumi.Map{"type": pulumi.String("Recreate")},
			"testFramework":      pulumi.Map{"enabled": pulumi.Bool(false)},
		},
	}, append(inCluster, pulumi.DependsOn([]pulumi.Resource{ns}))...); err != nil {
		return nil, err
	}
	g.RoleArn = role.Arn
	return g, ctx.RegisterResourceOutputs(g, pulumi.Map{"roleArn": role.Arn})
}

// Datasource is the provisioning file of one region's workspace: queried with SigV4 as the
// pod's IRSA role.
func Datasource(code, region, endpoint string) string {
	return fmt.Sprintf(`apiVersion: 1
datasources:
  - name: Prometheus %s
    uid: amp-%s
    type: %s
    access: proxy
    url: %s
    jsonData:
      sigV4Auth: true
      sigV4AuthType: default
      sigV4Region: %s
`, code, code, Plugin, endpoint, region)
}
