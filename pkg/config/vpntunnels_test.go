package config

import (
	"net/netip"
	"strings"
	"testing"
)

func TestTunnelInsideBlock(t *testing.T) {
	for _, tt := range []struct{ block, want string }{
		{"169.254.8.32/27", ""},
		{"169.254.168.224/27", ""},
		{"", "missing; give the stack its own /27"},
		{"not-a-cidr", "want an IPv4 /27 inside 169.254.0.0/16"},
		{"169.254.8.32/28", "want a /27 on its own boundary"},
		{"169.254.8.40/27", "want a /27 on its own boundary (8 tunnels of 4 gateways), e.g. 169.254.8.32/27"},
		{"10.0.0.0/27", "tunnel inside addresses are in 169.254.0.0/16"},
		{"169.254.5.0/27", "overlaps 169.254.0.0/21 or 169.254.169.0/24, which hold the /30s AWS reserves"},
		{"169.254.169.224/27", "overlaps 169.254.0.0/21 or 169.254.169.0/24"},
	} {
		text := strings.Replace(validRegion, "169.254.8.32/27", tt.block, 1)
		if tt.block == "" {
			text = strings.Replace(validRegion, "    tunnelInsideBlock: 169.254.8.32/27\n", "", 1)
		}
		s, err := Parse("Pulumi.iad.yaml", []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		ps := s.Validate()
		switch {
		case tt.want == "" && len(ps) > 0:
			t.Errorf("%q rejected: %v", tt.block, ps.Err())
		case tt.want != "" && (len(ps) != 1 || ps[0].Path != "global-sovereign:vpn.tunnelInsideBlock" || !strings.Contains(ps[0].Msg, tt.want)):
			t.Errorf("%q: got %v, want one problem at vpn.tunnelInsideBlock containing %q", tt.block, ps, tt.want)
		}
	}
}

// Two stacks with one block: the second is refused, with the next free block to take.
func TestTunnelBlocksUniqueAcrossTheFleet(t *testing.T) {
	files := map[string]string{"Pulumi.global.yaml": validGlobal,
		"Pulumi.ams.yaml": regionFile("ams", "eu-west-1", "10.1.0.0/16", "[eu-west-1a, eu-west-1b]"),
		"Pulumi.iad.yaml": strings.Replace(regionFile("iad", "us-east-1", "10.2.0.0/16", "[us-east-1a, us-east-1b]"),
			testTunnelBlock("iad"), testTunnelBlock("ams"), 1)}
	f, err := LoadDir(writeFleet(t, files))
	if err != nil {
		t.Fatal(err)
	}
	ps := f.Validate()
	if len(ps) != 1 || ps[0].Path != "global-sovereign:vpn.tunnelInsideBlock" || !strings.HasSuffix(ps[0].File, "Pulumi.iad.yaml") ||
		!strings.Contains(ps[0].Msg, "is already the tunnel block of ams (Pulumi.ams.yaml)") || !strings.Contains(ps[0].Msg, "give this stack 169.254.8.0/27") {
		t.Errorf("got %v", ps)
	}
}

func TestTunnelInsideCIDRs(t *testing.T) {
	got := [][2]string{TunnelInsideCIDRs("169.254.8.32/27", 0), TunnelInsideCIDRs("169.254.8.32/27", 1), TunnelInsideCIDRs("169.254.8.32/27", 3)}
	want := [][2]string{{"169.254.8.32/30", "169.254.8.36/30"}, {"169.254.8.40/30", "169.254.8.44/30"}, {"169.254.8.56/30", "169.254.8.60/30"}}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("gateway %d: %v, want %v", i, got[i], want[i])
		}
	}
	// The committed fleet: every tunnel of every stack has its own /30, none reserved.
	f, err := LoadDir("../..")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, s := range f.Stacks {
		if s.VPN == nil {
			continue
		}
		for i := range s.VPN.CustomerGateways {
			for _, c := range TunnelInsideCIDRs(s.VPN.TunnelInsideBlock, i) {
				if other, dup := seen[c]; dup {
					t.Errorf("%s: %s already %s's", s.Name, c, other)
				}
				seen[c] = s.Name
			}
		}
	}
	if len(seen) != 24 {
		t.Errorf("%d tunnels, want 24 (6 regions, 2 gateways, 2 tunnels)", len(seen))
	}
}

func TestFirstFreeTunnelBlock(t *testing.T) {
	taken := map[netip.Prefix]bool{}
	for _, b := range []string{"169.254.8.0/27", "169.254.8.32/27", "169.254.8.96/27"} {
		taken[netip.MustParsePrefix(b)] = true
	}
	if got := FirstFreeTunnelBlock(taken); got.String() != "169.254.8.64/27" {
		t.Errorf("got %s", got)
	}
	// Below 169.254.169.0/24 all taken: the next is past it.
	all := map[netip.Prefix]bool{}
	for n := 8 * 8; n < 169*8; n++ {
		all[netip.PrefixFrom(netip.AddrFrom4([4]byte{169, 254, byte(n / 8), byte(n % 8 * 32)}), 27)] = true
	}
	if got := FirstFreeTunnelBlock(all); got.String() != "169.254.170.0/27" {
		t.Errorf("got %s", got)
	}
}
