package scaffold

import (
	"fmt"
	"net/netip"
)

// Pool is the range new VPCs are allocated from, a /16 at a time.
var Pool = netip.MustParsePrefix("10.0.0.0/8")

// Taken is an address range a new VPC must not overlap.
type Taken struct {
	Prefix netip.Prefix
	VPC    bool // a VPC (the allocator continues after the highest); false: an office network
}

// FreeVPC returns the /16 of Pool for a new VPC that overlaps nothing taken. It takes the first
// free /16 after the highest VPC already in Pool, so that numbering follows the order regions
// were added and a range just freed by a removed region (whose routes may linger in offices and
// peers) is not handed out again at once; when none is left above it, the lowest free one.
// 10.0.0.0/16 comes last of all: it is the range other networks (tutorials, tools' defaults,
// home routers) most often use already.
func FreeVPC(taken []Taken) (netip.Prefix, error) {
	base := Pool.Addr().As4()
	blocked := [256]bool{}
	highest := 0
	for _, t := range taken {
		p := t.Prefix.Masked()
		if !p.Overlaps(Pool) {
			continue
		}
		first, last := span(p)
		for k := first; k <= last; k++ {
			blocked[k] = true
		}
		if t.VPC && last > highest {
			highest = last
		}
	}
	order := make([]int, 0, 256)
	for k := highest + 1; k < 256; k++ {
		order = append(order, k)
	}
	for k := 1; k <= highest; k++ {
		order = append(order, k)
	}
	order = append(order, 0)
	for _, k := range order {
		if !blocked[k] {
			return netip.PrefixFrom(netip.AddrFrom4([4]byte{base[0], byte(k), 0, 0}), 16), nil
		}
	}
	vpcs, offices := 0, 0
	for _, t := range taken {
		if !t.Prefix.Overlaps(Pool) {
			continue
		}
		if t.VPC {
			vpcs++
		} else {
			offices++
		}
	}
	return netip.Prefix{}, fmt.Errorf("no free /16 left in %s (%d VPCs and %d office networks overlap it): "+
		"write the stack file by hand with a VPC in 172.16.0.0/12 or 192.168.0.0/16", Pool, vpcs, offices)
}

// span is the range of second octets of Pool's /16s that p overlaps (p overlaps Pool).
func span(p netip.Prefix) (first, last int) {
	if p.Bits() <= Pool.Bits() {
		return 0, 255 // p holds all of Pool
	}
	a := p.Addr().As4()
	first = int(a[1])
	if p.Bits() >= 16 {
		return first, first
	}
	return first, first + (1 << (16 - p.Bits())) - 1
}
