package program

import (
	"testing"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// A gateway's tunnels keep their inside CIDRs when another gateway is removed or the list is
// reordered: EC2 refuses a connection whose inside CIDRs another connection on the same virtual
// private gateway still holds, and Pulumi deletes a removed connection only after the others are
// created, so a CIDR that moved to another gateway failed every retry of that `up`.
func TestVPNTunnelsFollowTheGatewayNotItsPosition(t *testing.T) {
	slot := func(n int) *int { return &n }
	primary := config.CustomerGateway{Name: "primary", IPAddress: "198.51.100.1", ClientCIDRs: []string{"198.51.100.1/32"}, TunnelSlot: slot(0)}
	secondary := config.CustomerGateway{Name: "secondary", IPAddress: "198.51.100.2", ClientCIDRs: []string{"198.51.100.2/32"}, TunnelSlot: slot(1)}
	asn := int64(config.DefaultAmazonSideASN)
	cidrs := func(gws ...config.CustomerGateway) map[string][2]string {
		out := map[string][2]string{}
		for _, g := range vpnArgs(&config.VPN{AmazonSideASN: &asn, TunnelInsideBlock: "169.254.8.32/27", CustomerGateways: gws}).Gateways {
			out[g.Name] = g.TunnelInsideCIDRs
		}
		return out
	}
	both := cidrs(primary, secondary)
	if both["secondary"] != [2]string{"169.254.8.40/30", "169.254.8.44/30"} || both["primary"] != [2]string{"169.254.8.32/30", "169.254.8.36/30"} {
		t.Fatalf("tunnel CIDRs %v", both)
	}
	for name, after := range map[string]map[string][2]string{
		"primary removed": cidrs(secondary),
		"reordered":       cidrs(secondary, primary),
	} {
		for gw, c := range after {
			if c != both[gw] {
				t.Errorf("%s: %s's tunnels moved from %v to %v", name, gw, both[gw], c)
			}
		}
	}
}
