package monitoring_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/monitoring"
	"github.com/global-sovereign/global-sovereign/pkg/scope"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

func run(edit func(*monitoring.Args)) (*synth.Result, error) {
	s := scope.Scope{Partition: "aws", AccountID: "123456789012", Region: "eu-west-1", Protect: true}
	return synth.RunComponent(s.Region, func(ctx *pulumi.Context, p pulumi.ProviderResource) error {
		k8s, err := kubernetes.NewProvider(ctx, "k8s", &kubernetes.ProviderArgs{Kubeconfig: pulumi.String("{}")})
		if err != nil {
			return err
		}
		a := &monitoring.Args{Scope: s, Code: "ams", Stack: "ams",
			ClusterName:     pulumi.String("gs-ams").ToStringOutput(),
			OIDCProviderArn: pulumi.String("arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC").ToStringOutput(),
			Kubernetes:      k8s, AlarmTopicArn: pulumi.String("arn:aws:sns:eu-west-1:123456789012:alerts"),
			Rules: monitoring.Rules{Code: "ams", Stack: "ams"}}
		if edit != nil {
			edit(a)
		}
		_, err = monitoring.New(ctx, "gs-ams-monitoring", a, pulumi.Provider(p))
		return err
	})
}

// Monitoring alone: a protected workspace of the region's, and Prometheus writing to it with a
// role that may only write to that workspace.
func TestMonitoringWritesToItsWorkspaceOnly(t *testing.T) {
	r, err := run(nil)
	if err != nil {
		t.Fatal(err)
	}
	g := r.Graph
	ws := g.ByType("aws:amp/workspace:Workspace")
	if len(ws) != 1 || !ws[0].Protect {
		t.Fatalf("workspaces %v", ws)
	}
	found := false
	for _, p := range g.ByType("aws:iam/rolePolicy:RolePolicy") {
		if p.Inputs["policy"] == monitoring.WriterPolicy(ws[0].State["arn"].(string)).JSON() {
			found = true
		}
	}
	if !found {
		t.Errorf("no role policy writes to exactly the workspace %v", ws[0].State["arn"])
	}
}

// An environment's monitoring writes to its region's workspace and declares none.
func TestMonitoringOfAnEnvironmentDeclaresNoWorkspace(t *testing.T) {
	r, err := run(func(a *monitoring.Args) {
		a.Workspace = &monitoring.Workspace{Arn: pulumi.String("arn:aws:aps:eu-west-1:123456789012:workspace/ws-a").ToStringOutput(),
			Endpoint: pulumi.String("https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-a/").ToStringOutput()}
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(r.Graph.ByType("aws:amp/workspace:Workspace")); n != 0 {
		t.Errorf("%d workspaces", n)
	}
}

func TestMonitoringRefuses(t *testing.T) {
	for _, edit := range []func(*monitoring.Args){
		func(a *monitoring.Args) { a.Kubernetes = nil },
		func(a *monitoring.Args) { a.Rules.Stack = "" },
	} {
		if _, err := run(edit); err == nil || !strings.Contains(err.Error(), "required") && !strings.Contains(err.Error(), "thresholds") {
			t.Errorf("got %v", err)
		}
	}
}
