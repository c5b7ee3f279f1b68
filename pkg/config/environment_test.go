package config

import (
	"slices"
	"testing"

	"github.com/global-sovereign/global-sovereign/internal/fleettest"
)

// The committed environment stacks: iad's network, a standalone database, their own prefix and
// API name, and an order after their region.
func TestCommittedEnvironmentStacks(t *testing.T) {
	f, err := LoadDir("../..")
	if err != nil {
		t.Fatal(err)
	}
	if ps := f.Validate(); len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	for _, name := range []string{"iad-staging", "iad-development"} {
		s := f.Stack(name)
		if s == nil || s.Settings.Kind != KindEnvironment {
			t.Fatalf("%s: not an environment stack", name)
		}
		if n := f.NetworkStack(s); n == nil || n.Name != "iad" {
			t.Errorf("%s shares the network of %v, want iad", name, n)
		}
		if !slices.Equal(f.References(s), []string{"iad"}) {
			t.Errorf("%s reads %v, want [iad]", name, f.References(s))
		}
		if s.Network != nil || s.VPN != nil || s.Database == nil || s.Database.Role != RoleStandalone || s.Cluster == nil || s.Cache == nil {
			t.Errorf("%s: want no network or VPN, a standalone database, a cluster and a cache", name)
		}
		if s.Settings.NamePrefix != "gs-iad-"+string(s.Settings.Environment) {
			t.Errorf("%s: prefix %q", name, s.Settings.NamePrefix)
		}
	}
	dev := f.Stack("iad-development")
	if dev.Protected() || len(dev.Cluster.NodeGroups) != 1 || dev.Cluster.NodeGroups[0].InstanceTypes[0] != "m5.large" || dev.Cluster.API == nil {
		t.Errorf("iad-development: want unprotected, its own single node group and the default API settings: %+v", dev.Cluster)
	}
}

// What an environment or client stack must have around it, refused with the key and the fix.
func TestHomeRules(t *testing.T) {
	tests := []struct {
		name  string
		edits []fleettest.Edit
		stack string
		path  string
		inMsg string
	}{
		{"environment without a region", []fleettest.Edit{{File: "Pulumi.iad-staging.yaml", Old: "code: iad", New: "code: lhr"}},
			"iad-staging", "global-sovereign:stack.code", `no region stack has code "lhr"; an environment stack shares its region's network (regions: ams, iad, jnb, sfo, sin, syd)`},
		{"environment in another AWS region", []fleettest.Edit{{File: "Pulumi.iad-staging.yaml", Old: "awsRegion: us-east-1", New: "awsRegion: us-east-2"}},
			"iad-staging", "global-sovereign:stack.awsRegion", `"us-east-2", but iad is in us-east-1`},
		{"environment named like its region's", []fleettest.Edit{{File: "Pulumi.iad-staging.yaml", Old: "environment: staging", New: "environment: production"}},
			"iad-staging", "global-sovereign:stack.environment", "production is the environment of region stack iad; an environment stack adds another one"},
		{"environment with a network", []fleettest.Edit{{File: "Pulumi.iad-staging.yaml", Old: "environment: staging\n", New: "environment: staging\n  global-sovereign:network:\n    vpcCidr: 10.9.0.0/16\n    availabilityZones: [us-east-1a, us-east-1b]\n"}},
			"iad-staging", "global-sovereign:network", "only region stacks have this; remove it from an environment stack"},
		{"environment in the global database", []fleettest.Edit{{File: "Pulumi.iad-staging.yaml", Old: "environment: staging\n", New: "environment: staging\n  global-sovereign:database:\n    role: secondary\n"}},
			"iad-staging", "global-sovereign:database.role", `"secondary": an environment stack's database is "standalone"`},
		{"standalone region database", []fleettest.Edit{{File: "Pulumi.iad.yaml", Old: "    copyRegion: us-west-2\n", New: "    copyRegion: us-west-2\n  global-sovereign:database:\n    role: standalone\n"}},
			"iad", "global-sovereign:database.role", `"standalone": a region stack's database is the global database's "primary" or a "secondary"`},
		{"two stacks with one prefix", []fleettest.Edit{{File: "Pulumi.iad-staging.yaml", Old: "environment: staging\n", New: "environment: staging\n    namePrefix: gs-iad\n"}},
			"iad", "global-sovereign:stack.namePrefix", `"gs-iad" is already the name prefix of iad-staging`},
		{"an environment serving production's API name", []fleettest.Edit{{File: "Pulumi.iad-staging.yaml", Old: "environment: staging\n", New: "environment: staging\n  global-sovereign:ingress:\n    hostname: api-iad.global-sovereign.example\n"}},
			"iad-staging", "global-sovereign:ingress.hostname", `"api-iad.global-sovereign.example" is already iad's API name`},
		{"a region serving the global name", []fleettest.Edit{{File: "Pulumi.iad.yaml", Old: "    copyRegion: us-west-2\n", New: "    copyRegion: us-west-2\n  global-sovereign:ingress:\n    hostname: api.global-sovereign.example\n"}},
			"iad", "global-sovereign:ingress.hostname", `"api.global-sovereign.example" is already global's API name`},
		{"client name on a region", []fleettest.Edit{{File: "Pulumi.iad.yaml", Old: "environment: production\n", New: "environment: production\n    client: ezra\n"}},
			"iad", "global-sovereign:stack.client", "only client stacks name a client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := LoadDir(fleettest.Copy(t, "../..", tt.edits...))
			if err != nil {
				t.Fatal(err)
			}
			var mine Problems
			for _, p := range f.Validate() {
				if p.Stack == tt.stack {
					mine = append(mine, p)
				}
			}
			requireProblem(t, mine, tt.path, tt.inMsg, 0)
		})
	}
}
