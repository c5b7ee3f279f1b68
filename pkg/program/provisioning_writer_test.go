package program_test

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/netplan"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

// The platform's database provisioning (and every client's database Job) runs in the home's
// cluster, whatever region writes: after a switchover the writer is another region's cluster.
// So the Jobs connect to the global writer endpoint (never the home's own cluster endpoint, which
// a switchover makes a read-only secondary's), may reach every member's database subnets, and
// every other member's Aurora admits the home's private subnets on 5432.
func TestProvisioningReachesTheWriterAnywhere(t *testing.T) {
	results := synthAll(t)
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	home := fleet.DatabaseHome(config.EnvProduction)
	if home == nil {
		t.Fatal("no database home in production")
	}
	plan := func(s *config.Stack) netplan.Plan {
		p, err := netplan.Compute(netip.MustParsePrefix(s.Network.VPCCIDR), len(s.Network.AvailabilityZones))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	g := results[home.Name].Graph

	jobs := 0
	for _, r := range g.ByType("kubernetes:batch/v1:Job") {
		if !strings.Contains(r.Name, "db-provisioning") {
			continue
		}
		jobs++
		host := envValue(r, "PGHOST")
		if !strings.HasSuffix(host, ".global.rds.amazonaws.com") {
			t.Errorf("%s connects to %q: want the global writer endpoint", r.Name, host)
		}
	}
	// Every client stack of the environment with a database: its Job runs in the home's cluster
	// too and writes there whatever region is the primary.
	for _, s := range fleet.Stacks {
		if s.Settings.Kind != config.KindClient || s.Client == nil || s.Settings.Environment != home.Settings.Environment {
			continue
		}
		for _, r := range results[s.Name].Graph.ByType("kubernetes:batch/v1:Job") {
			host := envValue(r, "PGHOST")
			if host == "" {
				continue
			}
			jobs++
			if !strings.HasSuffix(host, ".global.rds.amazonaws.com") {
				t.Errorf("%s: %s connects to %q: want the global writer endpoint", s.Name, r.Name, host)
			}
		}
	}
	if jobs < 2 {
		t.Errorf("%d database Jobs checked, want the home's provisioning and each client's", jobs)
	}

	var members []*config.Stack
	for _, s := range fleet.Stacks {
		if s.IsRegion() && s.Database != nil && s.Database.Role != config.RoleStandalone && s.Settings.Environment == home.Settings.Environment {
			members = append(members, s)
		}
	}
	if len(members) < 2 {
		t.Fatalf("%d members", len(members))
	}
	policies := 0
	for _, r := range g.ByType("kubernetes:networking.k8s.io/v1:NetworkPolicy") {
		if !strings.Contains(r.Name, "db-provisioning") || !strings.HasSuffix(r.Name, "-allow-postgres") {
			continue
		}
		policies++
		allowed := ipBlocks(r)
		for _, m := range members {
			for _, p := range plan(m).Database {
				if !slices.Contains(allowed, p.String()) {
					t.Errorf("%s does not let the Jobs reach %s's database subnet %s", r.Name, m.Name, p)
				}
			}
		}
	}
	if policies != 2 {
		t.Errorf("%d allow-postgres policies of the provisioning namespaces, want 2", policies)
	}

	for _, m := range members {
		if m.Name == home.Name {
			continue
		}
		var cidrs []string
		for _, r := range results[m.Name].Graph.ByType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
			if strings.Contains(r.Name, "-aurora-") && r.Inputs["fromPort"] == float64(5432) {
				if c, ok := r.Inputs["cidrIpv4"].(string); ok {
					cidrs = append(cidrs, c)
				}
			}
		}
		for _, p := range plan(home).Private {
			if !slices.Contains(cidrs, p.String()) {
				t.Errorf("%s's Aurora does not admit the home's private subnet %s (has %v)", m.Name, p, cidrs)
			}
		}
	}
}

// envValue is the value of a container env var of a Job.
func envValue(job synth.Resource, name string) string {
	spec, _ := job.Inputs["spec"].(map[string]any)
	tmpl, _ := spec["template"].(map[string]any)
	pod, _ := tmpl["spec"].(map[string]any)
	containers, _ := pod["containers"].([]any)
	for _, c := range containers {
		env, _ := c.(map[string]any)["env"].([]any)
		for _, e := range env {
			if m, _ := e.(map[string]any); m["name"] == name {
				v, _ := m["value"].(string)
				return v
			}
		}
	}
	return ""
}

// ipBlocks are the CIDRs a NetworkPolicy's egress rules allow.
func ipBlocks(np synth.Resource) []string {
	spec, _ := np.Inputs["spec"].(map[string]any)
	egress, _ := spec["egress"].([]any)
	var out []string
	for _, e := range egress {
		to, _ := e.(map[string]any)["to"].([]any)
		for _, x := range to {
			if b, ok := x.(map[string]any)["ipBlock"].(map[string]any); ok {
				if c, ok := b["cidr"].(string); ok {
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// provisioningReachesNewMember says whether a resource change is the database home's
// provisioning egress gaining exactly the new member's database subnets: the one change a new
// region makes to its NetworkPolicies.
func provisioningReachesNewMember(before, after synth.Resource, newSubnets []string) bool {
	if before.Type != "kubernetes:networking.k8s.io/v1:NetworkPolicy" || !strings.Contains(before.Name, "db-provisioning") ||
		!strings.HasSuffix(before.Name, "-allow-postgres") {
		return false
	}
	old, cur := ipBlocks(before), ipBlocks(after)
	if len(cur) != len(old)+len(newSubnets) {
		return false
	}
	for _, c := range append(slices.Clone(old), newSubnets...) {
		if !slices.Contains(cur, c) {
			return false
		}
	}
	return true
}
