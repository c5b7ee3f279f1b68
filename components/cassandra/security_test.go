package cassandra_test

import (
	"slices"
	"testing"

	"github.com/global-sovereign/global-sovereign/components/cassandra"
)

// The namespace's policies, alone: who calls the management API depends on where the control
// plane is, each peer gets its own internode policy, and the region's own VPC reaches only the
// webhooks.
func TestPoliciesNameOnlyTheCallers(t *testing.T) {
	base := cassandra.PolicyArgs{PeerCIDRs: []string{"10.3.0.0/16", "10.1.0.0/16"}, VPCCIDR: "10.2.0.0/16",
		MonitoringNamespace: "monitoring", ScraperName: "prometheus"}
	dataPlane := base
	dataPlane.ControlPlaneCIDR = "10.1.0.0/16"
	for _, tc := range []struct {
		name     string
		args     cassandra.PolicyArgs
		mgmtFrom int
	}{
		{"control plane", base, len(cassandra.Operators)},
		{"data plane", dataPlane, len(cassandra.Operators) + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := cassandra.Policies(tc.args)
			var names []string
			for _, p := range ps {
				names = append(names, p.Name)
				for _, r := range p.Rules {
					if r.Port == cassandra.ManagementPort && len(r.From) != tc.mgmtFrom {
						t.Errorf("%s: management API from %v", p.Name, r.From)
					}
					if slices.Contains(r.From, tc.args.VPCCIDR) && r.Port != cassandra.WebhookPort {
						t.Errorf("%s: the region's VPC reaches %d", p.Name, r.Port)
					}
					if r.Port == cassandra.NativePort && !slices.Equal(r.From, []string{cassandra.JobLabel + "=true"}) {
						t.Errorf("%s: CQL from %v", p.Name, r.From)
					}
				}
			}
			for _, want := range []string{"default-deny-ingress", "cassandra-internode-10-1-0-0-16", "cassandra-internode-10-3-0-0-16"} {
				if !slices.Contains(names, want) {
					t.Errorf("no policy %s in %v", want, names)
				}
			}
		})
	}
}

// A namespace given CQL is admitted by name, and only to CQL.
func TestPoliciesAdmitCQLNamespaces(t *testing.T) {
	ps := cassandra.Policies(cassandra.PolicyArgs{VPCCIDR: "10.2.0.0/16", CQLNamespaces: []string{"team-a"}})
	n := 0
	for _, p := range ps {
		for _, r := range p.Rules {
			if slices.Contains(r.From, "ns:team-a") {
				n++
				if r.Port != cassandra.NativePort {
					t.Errorf("%s: team-a reaches %d", p.Name, r.Port)
				}
			}
		}
	}
	if n != 1 {
		t.Errorf("team-a admitted by %d rules, want 1 (CQL)", n)
	}
}

// Reaper reads every replica's metrics endpoint before it repairs a segment: from its own pods in
// the datacenter it runs in, from its region's VPC everywhere else, and from nothing in a cluster
// without repairs. The management API admits the operators' own pods, never Reaper's by the
// name label they share with the k8ssandra-operator.
func TestPoliciesAdmitReaperToMetrics(t *testing.T) {
	base := cassandra.PolicyArgs{VPCCIDR: "10.2.0.0/16", MonitoringNamespace: "monitoring", ScraperName: "prometheus"}
	local, remote := base, base
	local.Reaper = true
	remote.ControlPlaneCIDR, remote.ReaperCIDR = "10.1.0.0/16", "10.1.0.0/16"
	prometheus := "ns:monitoring/" + cassandra.OperatorNameLabel + "=prometheus"
	for _, tc := range []struct {
		name string
		args cassandra.PolicyArgs
		want []string
	}{
		{"no repairs", base, []string{prometheus}},
		{"Reaper runs here", local, []string{prometheus, cassandra.ReaperPods}},
		{"Reaper in another region", remote, []string{prometheus, "10.1.0.0/16"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, p := range cassandra.Policies(tc.args) {
				for _, r := range p.Rules {
					if r.Port == cassandra.MetricsPort {
						got = append(got, r.From...)
					}
					if r.Port == cassandra.ManagementPort && p.Selects == cassandra.CassandraPodLabel && p.Name != "cassandra-reaper" &&
						slices.Contains(r.From, cassandra.OperatorNameLabel+"="+cassandra.Operators[0]) {
						t.Errorf("%s: the management API from every pod named %s (Reaper's too): %v", p.Name, cassandra.Operators[0], r.From)
					}
				}
			}
			slices.Sort(got)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("metrics port from %v, want %v", got, want)
			}
		})
	}
}
