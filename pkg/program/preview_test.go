package program_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/global-sovereign/global-sovereign/internal/fleettest"
	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/program"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

// The first pull request of a new fleet previews stacks whose upstream stacks have never been
// deployed: their outputs are unknown in a preview, as the outputs of resources not yet created
// are, and the preview passes; `up` still stops and says what to deploy first.
func TestPreviewOfAnUndeployedUpstream(t *testing.T) {
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	prog := program.New(program.Options{Dir: repo})
	preview, up := synth.Options{DryRun: true}, synth.Options{}

	// What a StackReference sees of the primary: nothing at all (never deployed), or an output
	// that exists with no value.
	nullID := synthAll(t)["ams"].Outputs.Copy()
	nullID[program.OutAuroraGlobalClusterID] = resource.NewNullProperty()
	for _, tt := range []struct {
		name    string
		ams     synth.StackOutputs
		unknown []string // inputs of the secondary's cluster that must be unknown in the preview
	}{
		// sourceRegion is the writer's region from config, known either way.
		{"primary never deployed", synth.StackOutputs{}, []string{"globalClusterIdentifier"}},
		{"output without a value", nullID, []string{"globalClusterIdentifier"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			refs := map[string]synth.StackOutputs{"ams": tt.ams}
			r, err := synth.StackWithOptions(prog, fleet.Stack("syd"), refs, preview)
			if err != nil {
				t.Fatalf("preview of syd fails: %v", err)
			}
			// Unknown inputs never reach the mocks: the SDK's mock monitor drops them (sdk v3.263.0
			// go/pulumi/mocks.go, RegisterResource unmarshals without KeepUnknowns).
			c := one(t, r.Graph, "syd", tCluster)
			for _, k := range tt.unknown {
				if v, known := c.Inputs[k]; known {
					t.Errorf("preview: the secondary's %s is %v, want unknown until the primary is deployed", k, v)
				}
			}
			_, err = synth.StackWithOptions(prog, fleet.Stack("syd"), refs, up)
			// The first output of ams that syd's update needs stops it: the Aurora global
			// cluster, or the Cassandra control plane's NAT addresses (its cluster's endpoint).
			if err == nil || !strings.Contains(err.Error(), `stack ams has no output "`) || !strings.Contains(err.Error(), `"; deploy it first`) {
				t.Errorf("up: got %v, want the deploy-it-first error", err)
			}
		})
	}

	// The global stack reads every region: a preview before any region is deployed passes.
	refs := map[string]synth.StackOutputs{}
	for _, name := range fleet.References(fleet.Stack("global")) {
		refs[name] = synth.StackOutputs{}
	}
	if _, err := synth.StackWithOptions(prog, fleet.Stack("global"), refs, preview); err != nil {
		t.Errorf("preview of global before the regions are deployed: %v", err)
	}
	if _, err := synth.StackWithOptions(prog, fleet.Stack("global"), refs, up); err == nil || !strings.Contains(err.Error(), "deploy it first") {
		t.Errorf("up of global before the regions: got %v", err)
	}
}

// Read-only principals (the role pull-request previews run as) get an access entry with
// AmazonEKSViewPolicy at cluster scope, declared like the admin entries: one entry per
// principal and one association per list it is in.
func TestViewerAccessEntries(t *testing.T) {
	const admin, viewer = "arn:aws:iam::123456789012:role/platform-admin", "arn:aws:iam::123456789012:role/sovereign-preview"
	const auditor = "arn:aws:iam::123456789012:role/sovereign-drift"
	g, _ := synthEdited(t, "ams", nil, fleettest.Edit{File: "Pulumi.ams.yaml", Old: "    copyRegion: eu-central-1\n",
		New: "    copyRegion: eu-central-1\n  global-sovereign:cluster:\n    adminRoleArns: [" + admin + "]\n    viewerRoleArns: [" + viewer + "]\n" +
			"    auditorRoleArns: [" + auditor + "]\n"})
	entries := map[string]string{}
	for _, a := range g.ByType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation") {
		if scopeType(a.Inputs["accessScope"]) != "cluster" {
			t.Errorf("%v: access scope %v", a.Inputs["principalArn"], a.Inputs["accessScope"])
		}
		entries[a.Inputs["principalArn"].(string)] = a.Inputs["policyArn"].(string)
	}
	// The drift role's refresh reads Helm's release records, which are Secrets: it alone reads them.
	if entries[admin] != "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" ||
		entries[viewer] != "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy" ||
		entries[auditor] != "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy" || len(entries) != 3 {
		t.Errorf("access entries %v", entries)
	}
	if n := len(g.ByType("aws:eks/accessEntry:AccessEntry")); n != 3 {
		t.Errorf("%d access entries, want 3", n)
	}
	if vs := synth.Audit(g); len(vs) > 0 {
		t.Errorf("deploy-order audit: %v", vs)
	}
}

// scopeType is the type of an access policy association's accessScope input.
func scopeType(scope any) any {
	m, _ := scope.(map[string]any)
	return m["type"]
}
