package config

import (
	"fmt"
	"net/netip"
	"regexp"
)

// VPN is the site-to-site VPN to the office (global-sovereign:vpn).
type VPN struct {
	// BGPASN is the office side's BGP ASN. Set: dynamic (BGP) routing; unset: static routes to
	// every customer gateway's client CIDRs.
	// Allowed: a private ASN, [privateASN16Min]-[privateASN16Max] or [privateASN32Min]-[privateASN32Max].
	BGPASN *int64 `json:"bgpAsn,omitempty"`
	// AmazonSideASN is the virtual private gateway's BGP ASN, different from bgpAsn. The default
	// is AWS's own.
	// Default: [DefaultAmazonSideASN].
	// Allowed: a private ASN, as for bgpAsn.
	AmazonSideASN *int64 `json:"amazonSideAsn,omitempty"`
	// CustomerGateways are the office's VPN endpoints (1 to 4, e.g. primary and secondary), each
	// a VPN connection with two tunnels.
	CustomerGateways []CustomerGateway `json:"customerGateways"`
	// TunnelInsideBlock is this stack's /27 of 169.254.0.0/16 for its tunnels' inside addresses,
	// unique across the fleet: every region's tunnels end on the same office devices, and the
	// /30s AWS would pick at random are unique only per region. The gateway in slot n
	// (customerGateways[].tunnelSlot) takes the (2n)th and (2n+1)th /30 of the block.
	// `sovereign new region` picks the next free block.
	// Changing it replaces the stack's VPN connections (new tunnel addresses and keys).
	// Allowed: a /27 inside 169.254.0.0/16, outside 169.254.0.0/21 and 169.254.169.0/24.
	TunnelInsideBlock string `json:"tunnelInsideBlock"`
	// OfficeIngressPorts are the TCP ports the office security group admits from the client
	// CIDRs: HTTPS only by default (the private Kubernetes API endpoint, internal load balancers).
	// Default: [DefaultOfficeIngressPorts].
	OfficeIngressPorts []int `json:"officeIngressPorts,omitempty"`
}

// CustomerGateway is one office VPN endpoint.
type CustomerGateway struct {
	// Name names the gateway in resource names: unique, lowercase letters, digits or dashes.
	Name string `json:"name"`
	// IPAddress is the office VPN device's public IPv4 address, unique: AWS allows one customer
	// gateway per address.
	IPAddress string `json:"ipAddress"`
	// ClientCIDRs are the office networks that reach the VPC through this gateway: IPv4 CIDRs
	// that overlap no stack's VPC (office routes would shadow the peered VPC).
	ClientCIDRs []string `json:"clientCidrs"`
	// TunnelSlot is which pair of /30s of the stack's tunnelInsideBlock this gateway's two
	// tunnels take: slot n is the (2n)th and (2n+1)th /30. Fixed for the gateway's life and
	// unique among the gateways, so removing or reordering another gateway moves no tunnel: EC2
	// refuses a connection whose inside CIDRs another connection on the same virtual private
	// gateway still holds, and Pulumi deletes a removed connection only after creating the rest.
	// Changing it replaces this gateway's connection (new tunnel addresses and keys). A slot
	// freed by a removed gateway is reused, or two gateways' slots swapped, only in a later up
	// than the removal (the old connection holds its addresses until the end of that update); a
	// gateway is renamed by removing it in one up and adding it in the next.
	// Allowed: 0, 1, 2 or 3.
	TunnelSlot *int `json:"tunnelSlot"`
}

// TunnelSlots is how many gateways a tunnelInsideBlock holds: a /27 has eight /30s, two per
// gateway.
const TunnelSlots = 4

// Defaults of the VPN.
const DefaultAmazonSideASN = 64512

// DefaultOfficeIngressPorts are what the office security group admits when config names none:
// HTTPS only (private Kubernetes API endpoint, internal load balancers).
var DefaultOfficeIngressPorts = []int{443}

// Private BGP ASN ranges (RFC 6996), the only ones a VPN to a private office may use.
const (
	privateASN16Min = 64512
	privateASN16Max = 65534
	privateASN32Min = 4200000000
	privateASN32Max = 4294967294
)

var gatewayRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

func (v *VPN) applyDefaults() {
	if v == nil {
		return
	}
	if v.AmazonSideASN == nil {
		asn := int64(DefaultAmazonSideASN)
		v.AmazonSideASN = &asn
	}
	if v.OfficeIngressPorts == nil {
		v.OfficeIngressPorts = append([]int(nil), DefaultOfficeIngressPorts...)
	}
}

func (s *Stack) validateVPN(is *issues) {
	v := s.VPN
	if v.BGPASN != nil {
		checkPrivateASN(is, keyPath(KeyVPN, "bgpAsn"), *v.BGPASN)
	}
	if v.AmazonSideASN != nil {
		checkPrivateASN(is, keyPath(KeyVPN, "amazonSideAsn"), *v.AmazonSideASN)
		if v.BGPASN != nil && *v.AmazonSideASN == *v.BGPASN {
			is.add(keyPath(KeyVPN, "amazonSideAsn"), "%d equals bgpAsn; the two sides of a BGP session need different ASNs", *v.AmazonSideASN)
		}
	}
	checkTunnelBlock(is, keyPath(KeyVPN, "tunnelInsideBlock"), v.TunnelInsideBlock)
	if len(v.CustomerGateways) < 1 || len(v.CustomerGateways) > 4 {
		is.add(keyPath(KeyVPN, "customerGateways"), "%d gateways; want 1 to 4 (primary and secondary office endpoints)", len(v.CustomerGateways))
	}
	names, ips, slots := map[string]bool{}, map[string]bool{}, map[int]string{}
	var vpc netip.Prefix
	if s.Network != nil {
		vpc, _ = netip.ParsePrefix(s.Network.VPCCIDR)
	}
	for i, g := range v.CustomerGateways {
		gp := fmt.Sprintf("%s[%d]", keyPath(KeyVPN, "customerGateways"), i)
		if !gatewayRE.MatchString(g.Name) {
			is.add(gp+".name", "%q: want lowercase letters, digits or dashes, e.g. primary", g.Name)
		} else if names[g.Name] {
			is.add(gp+".name", "%q is used by another gateway", g.Name)
		}
		names[g.Name] = true
		checkPublicIPv4(is, gp+".ipAddress", g.IPAddress)
		if ips[g.IPAddress] && g.IPAddress != "" {
			is.add(gp+".ipAddress", "%s is used by another gateway; AWS allows one customer gateway per address", g.IPAddress)
		}
		ips[g.IPAddress] = true
		switch {
		case len(v.CustomerGateways) > TunnelSlots: // the count is the problem (above); slots cannot all fit
		case g.TunnelSlot == nil:
			is.add(gp+".tunnelSlot", "missing; allowed: 0-%d, unique among the gateways and never changed for a deployed gateway (e.g. primary 0, secondary 1)", TunnelSlots-1)
		case *g.TunnelSlot < 0 || *g.TunnelSlot >= TunnelSlots:
			is.add(gp+".tunnelSlot", "%d; allowed: 0-%d (a /27 holds %d gateways' tunnels)", *g.TunnelSlot, TunnelSlots-1, TunnelSlots)
		case slots[*g.TunnelSlot] != "":
			is.add(gp+".tunnelSlot", "%d is gateway %q's too; each gateway needs its own slot of the tunnelInsideBlock", *g.TunnelSlot, slots[*g.TunnelSlot])
		default:
			slots[*g.TunnelSlot] = g.Name
		}
		if len(g.ClientCIDRs) == 0 {
			is.add(gp+".clientCidrs", "missing; list the office networks that reach the VPC through this gateway")
		}
		for j, c := range g.ClientCIDRs {
			cp := fmt.Sprintf("%s.clientCidrs[%d]", gp, j)
			pr, ok := parseCIDR(is, cp, c)
			if ok && vpc.IsValid() && pr.Overlaps(vpc) {
				is.add(cp, "%s overlaps this stack's VPC %s", pr, vpc)
			}
		}
	}
	for i, port := range v.OfficeIngressPorts {
		if port < 1 || port > 65535 {
			is.add(fmt.Sprintf("%s[%d]", keyPath(KeyVPN, "officeIngressPorts"), i), "%d is not a TCP port (1-65535)", port)
		}
	}
}

func checkPrivateASN(is *issues, path string, asn int64) {
	if (asn >= privateASN16Min && asn <= privateASN16Max) || (asn >= privateASN32Min && asn <= privateASN32Max) {
		return
	}
	hint := ""
	if asn == 6500 {
		hint = " (a public ASN that belongs to another network; likely a typo for 65000)"
	}
	is.add(path, "%d is not a private ASN%s; allowed: %d-%d or %d-%d, e.g. 65000",
		asn, hint, privateASN16Min, privateASN16Max, privateASN32Min, privateASN32Max)
}

func checkPublicIPv4(is *issues, path, s string) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		is.add(path, "%q is not an IPv4 address; want the office VPN device's public address, e.g. 203.0.113.10", s)
		return
	}
	if !isPublicPrefix(netip.PrefixFrom(a, 32)) {
		is.add(path, "%s is not a public address; a customer gateway must be reachable from the internet", a)
	}
}
