package cassandra_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/cassandra"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

// The datacenter's node security group, alone: internode from the peer datacenters only, the
// management API from the control plane's VPC only, path-MTU discovery (ICMP 3/4) from every
// peer, and no JMX or CQL rule by address.
func TestAccessAdmitsOnlyItsCallers(t *testing.T) {
	peers := []string{"10.1.0.0/16", "10.3.0.0/16"}
	r, err := synth.RunComponent("us-east-1", func(ctx *pulumi.Context, p pulumi.ProviderResource) error {
		_, err := cassandra.NewAccess(ctx, "gs-iad-cassandra", &cassandra.AccessArgs{
			VpcID: pulumi.String("vpc-0a"), PeerCIDRs: peers, ControlPlaneCIDR: "10.1.0.0/16", ReaperCIDR: "10.1.0.0/16",
		}, pulumi.Provider(p))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rules := r.Graph.ByType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
	icmp := map[string]bool{}
	metrics := 0
	for _, rule := range rules {
		in := rule.Inputs
		cidr, _ := in["cidrIpv4"].(string)
		if cidr != peers[0] && cidr != peers[1] {
			t.Errorf("%s admits %v", rule.Name, cidr)
		}
		switch {
		case in["ipProtocol"] == "icmp":
			if in["fromPort"] != float64(3) || in["toPort"] != float64(4) {
				t.Errorf("%s: ICMP %v/%v, want type 3 code 4", rule.Name, in["fromPort"], in["toPort"])
			}
			icmp[cidr] = true
		case in["fromPort"] == float64(cassandra.ManagementPort) && cidr != "10.1.0.0/16":
			t.Errorf("%s: the management API from %s, not the control plane", rule.Name, cidr)
		case in["fromPort"] == float64(cassandra.MetricsPort):
			// Reaper reads each replica's pending compactions there before a segment.
			if cidr != "10.1.0.0/16" || in["toPort"] != float64(cassandra.MetricsPort) {
				t.Errorf("%s: the metrics port from %s to %v, want only Reaper's region", rule.Name, cidr, in["toPort"])
			}
			metrics++
		case in["fromPort"] == float64(7199) || in["fromPort"] == float64(9042):
			t.Errorf("%s opens %v by address", rule.Name, in["fromPort"])
		}
	}
	if len(icmp) != len(peers) || len(rules) == 0 || metrics != 1 {
		t.Errorf("%d rules, ICMP from %v, %d metrics rules (want 1: Reaper's region)", len(rules), icmp, metrics)
	}
}

// A datacenter without its cluster's provider, or a data-plane one without the control
// plane's, is refused before anything is registered.
func TestDatacenterRefuses(t *testing.T) {
	for _, a := range []*cassandra.Args{{Code: "iad"}, {Code: ""}} {
		_, err := synth.RunComponent("us-east-1", func(ctx *pulumi.Context, p pulumi.ProviderResource) error {
			_, err := cassandra.New(ctx, "gs-iad-cassandra", a, pulumi.Provider(p))
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "are required") {
			t.Errorf("%+v: %v", a, err)
		}
	}
}
