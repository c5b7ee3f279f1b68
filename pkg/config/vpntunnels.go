package config

import "net/netip"

// Tunnel inside CIDRs. Every region's VPN connections end on the same office devices (the
// customer gateways are shared by every region stack), and AWS picks each tunnel's inside /30
// at random from 169.254.0.0/16, unique only within one virtual private gateway: two of the
// office's tunnels from different regions can get the same /30, and the device cannot route
// both. So each stack owns one /27 (vpn.tunnelInsideBlock), unique across the fleet, and its
// tunnels take /30s from it by each gateway's own slot (customerGateways[].tunnelSlot, not its
// position in the list): slot n, tunnel t -> the (2n+t)th /30. A /27 holds the 8 /30s of the most
// gateways allowed (4, two tunnels each).
//
// The blocks avoid what AWS reserves (terraform-provider-aws validVPNConnectionTunnelInsideCIDR,
// AWS Site-to-Site VPN User Guide "Tunnel options": 169.254.0.0/30 to 169.254.5.0/30 and
// 169.254.169.252/30) by avoiding 169.254.0.0/21 and 169.254.169.0/24 as a whole.
const tunnelBlockBits = 27

var (
	linkLocal       = netip.MustParsePrefix("169.254.0.0/16")
	tunnelsReserved = []netip.Prefix{netip.MustParsePrefix("169.254.0.0/21"), netip.MustParsePrefix("169.254.169.0/24")}
)

// TunnelInsideCIDRs are the inside CIDRs of the two tunnels of the gateway in slot gateway of a
// stack's block.
func TunnelInsideCIDRs(block string, gateway int) [2]string {
	p, err := netip.ParsePrefix(block)
	if err != nil {
		return [2]string{}
	}
	base := p.Masked().Addr().As4()
	var out [2]string
	for t := range 2 {
		a := base
		a[3] += byte((2*gateway + t) * 4)
		out[t] = netip.PrefixFrom(netip.AddrFrom4(a), 30).String()
	}
	return out
}

// checkTunnelBlock validates a stack's vpn.tunnelInsideBlock on its own.
func checkTunnelBlock(is *issues, key, block string) (netip.Prefix, bool) {
	if block == "" {
		is.add(key, "missing; give the stack its own /27 of 169.254.0.0/16 for its tunnels' inside addresses (sovereign new region picks the next free one), e.g. %s",
			FirstFreeTunnelBlock(nil))
		return netip.Prefix{}, false
	}
	p, err := netip.ParsePrefix(block)
	switch {
	case err != nil || !p.Addr().Is4():
		is.add(key, "%q: want an IPv4 /27 inside 169.254.0.0/16, e.g. 169.254.8.0/27", block)
	case p.Bits() != tunnelBlockBits || p.Masked() != p:
		is.add(key, "%s: want a /27 on its own boundary (8 tunnels of 4 gateways), e.g. %s", block, netip.PrefixFrom(p.Masked().Addr(), tunnelBlockBits).Masked())
	case !linkLocal.Contains(p.Addr()):
		is.add(key, "%s: tunnel inside addresses are in 169.254.0.0/16", block)
	case p.Overlaps(tunnelsReserved[0]) || p.Overlaps(tunnelsReserved[1]):
		is.add(key, "%s overlaps %s or %s, which hold the /30s AWS reserves", block, tunnelsReserved[0], tunnelsReserved[1])
	default:
		return p, true
	}
	return netip.Prefix{}, false
}

// FirstFreeTunnelBlock is the lowest /27 of 169.254.0.0/16 outside the reserved ranges and
// not in taken: what `sovereign new region` gives a new stack.
func FirstFreeTunnelBlock(taken map[netip.Prefix]bool) netip.Prefix {
	for a := netip.MustParseAddr("169.254.8.0"); linkLocal.Contains(a); {
		p := netip.PrefixFrom(a, tunnelBlockBits)
		if !p.Overlaps(tunnelsReserved[1]) && !taken[p] {
			return p
		}
		b := a.As4()
		n := uint32(b[2])<<8 | uint32(b[3])
		n += 32
		if n > 0xffff {
			break
		}
		a = netip.AddrFrom4([4]byte{169, 254, byte(n >> 8), byte(n)})
	}
	return netip.Prefix{}
}

// TunnelBlocks are the blocks the fleet's stacks hold.
func (f *Fleet) TunnelBlocks() map[netip.Prefix]bool {
	out := map[netip.Prefix]bool{}
	for _, s := range f.Stacks {
		if s.VPN != nil {
			if p, err := netip.ParsePrefix(s.VPN.TunnelInsideBlock); err == nil {
				out[p.Masked()] = true
			}
		}
	}
	return out
}

// validateTunnelBlocks reports a block held by two stacks (one map: linear in the fleet).
func (f *Fleet) validateTunnelBlocks() Problems {
	var out Problems
	holder := map[netip.Prefix]*Stack{}
	for _, s := range f.Stacks {
		if s.VPN == nil {
			continue
		}
		p, err := netip.ParsePrefix(s.VPN.TunnelInsideBlock)
		if err != nil || p.Bits() != tunnelBlockBits {
			continue // reported by the stack's own validation
		}
		if other, dup := holder[p.Masked()]; dup {
			out = append(out, s.problem(keyPath(KeyVPN, "tunnelInsideBlock"),
				"%s is already the tunnel block of %s (%s): both stacks' tunnels end on the same office devices; give this stack %s",
				p, other.Name, other.File, FirstFreeTunnelBlock(f.TunnelBlocks())))
			continue
		}
		holder[p.Masked()] = s
	}
	return out
}
