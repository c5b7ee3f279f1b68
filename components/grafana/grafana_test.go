package grafana_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/grafana"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

func run(workspaces []grafana.Workspace) (*synth.Result, error) {
	return synth.RunComponent("eu-west-1", func(ctx *pulumi.Context, p pulumi.ProviderResource) error {
		k8s, err := kubernetes.NewProvider(ctx, "k8s", &kubernetes.ProviderArgs{Kubeconfig: pulumi.String("{}")})
		if err != nil {
			return err
		}
		_, err = grafana.New(ctx, "gs-grafana", &grafana.Args{
			OIDCProviderArn: pulumi.String("arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"),
			Kubernetes:      k8s, StorageClass: "gp3", StorageGiB: 10, Workspaces: workspaces,
		}, pulumi.Provider(p))
		return err
	})
}

// Grafana alone: one query-only policy and one data source per workspace, each naming exactly
// its workspace.
func TestGrafanaQueriesEachWorkspace(t *testing.T) {
	arn := func(r, id string) string { return "arn:aws:aps:" + r + ":123456789012:workspace/" + id }
	r, err := run([]grafana.Workspace{
		{Code: "ams", Region: "eu-west-1", Arn: pulumi.String(arn("eu-west-1", "ws-a")), Endpoint: pulumi.String("https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-a/")},
		{Code: "iad", Region: "us-east-1", Arn: pulumi.String(arn("us-east-1", "ws-b")), Endpoint: pulumi.String("https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-b/")},
	})
	if err != nil {
		t.Fatal(err)
	}
	g := r.Graph
	policies := g.ByType("aws:iam/rolePolicy:RolePolicy")
	if len(policies) != 2 {
		t.Fatalf("%d policies", len(policies))
	}
	for _, p := range policies {
		code := p.Name[strings.LastIndex(p.Name, "-")+1:]
		want := map[string]string{"ams": arn("eu-west-1", "ws-a"), "iad": arn("us-east-1", "ws-b")}[code]
		if p.Inputs["policy"] != grafana.QueryPolicy(want).JSON() {
			t.Errorf("%s: %v", p.Name, p.Inputs["policy"])
		}
	}
	sources := 0
	for _, cm := range g.ByType("kubernetes:core/v1:ConfigMap") {
		if strings.Contains(cm.Name, "-datasource-") {
			sources++
		}
	}
	if sources != 2 || len(g.ByType("kubernetes:helm.sh/v3:Release")) != 1 {
		t.Errorf("%d data sources, %d releases", sources, len(g.ByType("kubernetes:helm.sh/v3:Release")))
	}
}

func TestGrafanaRefusesNoWorkspace(t *testing.T) {
	if _, err := run(nil); err == nil || !strings.Contains(err.Error(), "workspaces are required") {
		t.Errorf("got %v", err)
	}
}
