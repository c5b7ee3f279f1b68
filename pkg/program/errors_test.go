package program_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/internal/fleettest"
	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/program"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

// The program validates before it declares anything: a bad value anywhere in the fleet stops
// it with the file, key and allowed values, and the graph it leaves is empty or holds only the
// provider (which creates nothing in AWS).
func TestProgramStopsBeforeDeclaring(t *testing.T) {
	tests := []struct {
		name, stack string
		edits       []fleettest.Edit
		want        []string
		allowTypes  []string
	}{
		{
			name: "overlapping VPC in another file", stack: "ams",
			edits: []fleettest.Edit{{File: "Pulumi.iad.yaml", Old: "vpcCidr: 10.2.0.0/16", New: "vpcCidr: 10.1.0.0/16"}},
			want:  []string{"Pulumi.iad.yaml:", "global-sovereign:network.vpcCidr", "overlaps ams's VPC"},
		},
		{
			name: "public ASN", stack: "syd",
			edits: []fleettest.Edit{{File: "Pulumi.syd.yaml", Old: "    tunnelInsideBlock: 169.254.8.64/27\n", New: "    tunnelInsideBlock: 169.254.8.64/27\n    bgpAsn: 6500\n"}},
			want:  []string{"Pulumi.syd.yaml:19", "global-sovereign:vpn.bgpAsn", "not a private ASN"},
		},
		{
			// A bad value in Pulumi.yaml's defaults stops every stack that inherits it, named at
			// its line there.
			name: "public ASN shared by every region", stack: "syd",
			edits: []fleettest.Edit{{File: "Pulumi.yaml", Old: "bgpAsn: 65000", New: "bgpAsn: 6500"}},
			want:  []string{"Pulumi.yaml:26: global-sovereign:vpn.bgpAsn", "not a private ASN"},
		},
		{
			name: "AZ the account does not have", stack: "sfo",
			edits: []fleettest.Edit{{File: "Pulumi.sfo.yaml", Old: "[us-west-1a, us-west-1c]", New: "[us-west-1a, us-west-1b, us-west-1c]"},
				// Three racks: the datacenter's size must divide.
				{File: "Pulumi.sfo.yaml", Old: "size: 4", New: "size: 3"}},
			want:       []string{"Pulumi.sfo.yaml", "global-sovereign:network.availabilityZones", "us-west-1b not available", "available: us-west-1a, us-west-1c"},
			allowTypes: []string{"pulumi:providers:aws"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := fleettest.Copy(t, repo, tt.edits...)
			s, err := config.ReadFile(filepath.Join(dir, config.StackFileName(tt.stack)))
			if err != nil {
				t.Fatal(err)
			}
			r, err := synth.Stack(program.New(program.Options{Dir: dir}), s, nil)
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
			for _, res := range r.Graph.Resources {
				allowed := false
				for _, a := range tt.allowTypes {
					allowed = allowed || res.Type == a
				}
				if !allowed {
					t.Errorf("declared %s before failing", res.URN)
				}
			}
		})
	}
}

func TestProgramWithoutStackFile(t *testing.T) {
	dir := fleettest.Copy(t, repo)
	s, err := config.ReadFile(filepath.Join(dir, "Pulumi.ams.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s.Name = "ams-copy" // a stack with no file of its own
	_, err = synth.Stack(program.New(program.Options{Dir: dir}), s, nil)
	if err == nil || !strings.Contains(err.Error(), "has no Pulumi.ams-copy.yaml") {
		t.Errorf("got %v", err)
	}
}
