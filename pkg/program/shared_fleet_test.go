package program_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/program"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

// With Options.Fleet the program takes its stack from the fleet it is given and reads no stack
// file: here Dir is empty, and the graph is the one the program gives when it reads the files.
func TestSharedFleetIsNotReadAgain(t *testing.T) {
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	want := synthAll(t)
	for _, name := range []string{"ams", "iad"} {
		refs := map[string]synth.StackOutputs{}
		for _, dep := range fleet.References(fleet.Stack(name)) {
			refs[dep] = want[dep].Outputs
		}
		r, err := synth.Stack(program.New(program.Options{Dir: t.TempDir(), Fleet: fleet}), fleet.Stack(name), refs)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := r.Graph.Marshal()
		golden, _ := want[name].Graph.Marshal()
		if !bytes.Equal(got, golden) {
			t.Errorf("%s: the graph from the shared fleet differs from the one read from the files", name)
		}
	}
}

// When the engine's config differs from the stack's file (`pulumi config set`), the shared
// fleet does not vouch for it: the program validates it against the other stacks again.
func TestSharedFleetChecksConfigThatDiffersFromTheFile(t *testing.T) {
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := fleet.Stack("syd").EngineConfig()
	if err != nil {
		t.Fatal(err)
	}
	key := config.Project + ":" + config.KeyNetwork
	if !strings.Contains(cfg[key], `"10.3.0.0/16"`) {
		t.Fatalf("syd's network is not 10.3.0.0/16: %s", cfg[key])
	}
	cfg[key] = strings.Replace(cfg[key], `"10.3.0.0/16"`, `"10.2.0.0/16"`, 1)
	_, err = synth.Run(program.New(program.Options{Dir: repo, Fleet: fleet}), "syd", cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "Pulumi.syd.yaml:14: global-sovereign:network.vpcCidr: 10.2.0.0/16 overlaps iad's VPC") {
		t.Fatalf("want syd's VPC reported overlapping iad's, got %v", err)
	}
}
