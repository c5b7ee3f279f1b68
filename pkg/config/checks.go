package config

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/global-sovereign/global-sovereign/pkg/netplan"
)

// The checks several blocks share.

// oneOf checks that v is one of the allowed values of its enum; the message lists them.
func oneOf[T ~string](is *issues, path string, v T, allowed []T) {
	if slices.Contains(allowed, v) {
		return
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	if v == "" {
		is.add(path, "missing; allowed: %s", strings.Join(names, ", "))
		return
	}
	is.add(path, "%q%s; allowed: %s", v, suggest(string(v), names), strings.Join(names, ", "))
}

func parseCIDR(is *issues, path, s string) (netip.Prefix, bool) {
	pr, err := netip.ParsePrefix(s)
	if err != nil || !pr.Addr().Is4() {
		is.add(path, "%q is not an IPv4 CIDR; want e.g. 10.1.0.0/16", s)
		return netip.Prefix{}, false
	}
	if pr.Masked() != pr {
		is.add(path, "%s has host bits set; did you mean %s?", pr, pr.Masked())
		return netip.Prefix{}, false
	}
	return pr, true
}

// nonPublicRanges are the IPv4 ranges that never appear as an address on the internet: this
// network, private (RFC 1918), shared (carrier-grade NAT), loopback, link-local, multicast and
// reserved.
var nonPublicRanges = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("169.254.0.0/16"), netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"), netip.MustParsePrefix("224.0.0.0/4"), netip.MustParsePrefix("240.0.0.0/4"),
}

// isPublicPrefix reports whether every address of p is a public unicast address.
func isPublicPrefix(p netip.Prefix) bool {
	for _, r := range nonPublicRanges {
		if r.Overlaps(p) {
			return false
		}
	}
	return true
}

func insideAny(p netip.Prefix, ranges []netip.Prefix) bool {
	for _, r := range ranges {
		if netplan.Contains(r, p) {
			return true
		}
	}
	return false
}
