// Package netplan computes the subnet layout of a VPC from its CIDR and the number of
// availability zones.
//
// Every tier has a fixed slot per AZ index, independent of how many AZs are in use, so adding a
// third AZ later never moves the subnets of the first two (a moved CIDR means a replaced subnet,
// and a replaced subnet means every ENI in it goes away). For a /16 the layout is:
//
//	private   /19 per AZ   slots 0-5  of the /19s  10.x.0.0   - 10.x.191.255  (EKS pods take VPC IPs)
//	public    /22 per AZ   slots 48-53 of the /22s 10.x.192.0 - 10.x.215.255  (load balancers, NAT)
//	database  /24 per AZ   slots 224-229 of /24s   10.x.224.0 - 10.x.229.255  (Aurora, ElastiCache)
//	cassandra /23 per AZ   slots 120-125 of /23s   10.x.240.0 - 10.x.251.255  (Cassandra nodes)
//
// The Cassandra subnets lie in the VPC's last /16th (10.x.240.0/20, CassandraTier), which holds
// nothing else: the other datacenters admit that one CIDR to Cassandra's ports, and no other
// workload of the VPC (the staging and development clusters share the private tier) can ever get
// an address in it. 10.x.232.0 - 10.x.239.255 and 10.x.252.0 - 10.x.255.255 are left free.
// Smaller VPCs (/17 to /20) scale every tier down alike.
package netplan

import (
	"fmt"
	"net/netip"
)

// MaxAZs is the largest number of AZs the layout has slots for (no AWS region has more).
const MaxAZs = 6

// MinPrefix and MaxPrefix bound the VPC sizes the layout supports: AWS allows /16 at most, and
// below /20 the database /28s would be too small for Aurora plus ElastiCache.
const (
	MinPrefix = 16
	MaxPrefix = 20
)

// tier places one subnet per AZ: newBits narrower than the VPC, starting at slot first.
type tier struct {
	newBits int
	first   int
}

var (
	privateTier  = tier{newBits: 3, first: 0}
	publicTier   = tier{newBits: 6, first: 48}
	databaseTier = tier{newBits: 8, first: 224}
	// cassandraTier's subnets fill the start of cassandraBlock, the VPC's last 1/16.
	cassandraTier  = tier{newBits: 7, first: 120}
	cassandraBlock = tier{newBits: 4, first: 15}
)

// Plan is the subnet CIDRs of a VPC, one per AZ in each tier, index i in AZ i.
type Plan struct {
	Public   []netip.Prefix
	Private  []netip.Prefix
	Database []netip.Prefix
	// Cassandra are the Cassandra node groups' subnets, created only in a region with a
	// datacenter; CassandraTier is the block that holds them and nothing else.
	Cassandra     []netip.Prefix
	CassandraTier netip.Prefix
}

// Compute lays out azCount AZs in vpc.
func Compute(vpc netip.Prefix, azCount int) (Plan, error) {
	if !vpc.Addr().Is4() {
		return Plan{}, fmt.Errorf("VPC CIDR %s is not IPv4", vpc)
	}
	if vpc.Masked() != vpc {
		return Plan{}, fmt.Errorf("VPC CIDR %s has host bits set; use %s", vpc, vpc.Masked())
	}
	if vpc.Bits() < MinPrefix || vpc.Bits() > MaxPrefix {
		return Plan{}, fmt.Errorf("VPC CIDR %s: prefix must be /%d to /%d", vpc, MinPrefix, MaxPrefix)
	}
	if azCount < 1 || azCount > MaxAZs {
		return Plan{}, fmt.Errorf("AZ count %d: must be 1 to %d", azCount, MaxAZs)
	}
	var p Plan
	for i := 0; i < azCount; i++ {
		p.Private = append(p.Private, Subnet(vpc, privateTier.newBits, privateTier.first+i))
		p.Public = append(p.Public, Subnet(vpc, publicTier.newBits, publicTier.first+i))
		p.Database = append(p.Database, Subnet(vpc, databaseTier.newBits, databaseTier.first+i))
		p.Cassandra = append(p.Cassandra, Subnet(vpc, cassandraTier.newBits, cassandraTier.first+i))
	}
	p.CassandraTier = CassandraTier(vpc)
	return p, nil
}

// Subnet is Terraform's cidrsubnet(prefix, newBits, num) for IPv4. The caller guarantees that
// num fits in newBits and the result fits in 32 bits.
func Subnet(prefix netip.Prefix, newBits, num int) netip.Prefix {
	base := prefix.Masked().Addr().As4()
	v := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	bits := prefix.Bits() + newBits
	v |= uint32(num) << (32 - bits)
	addr := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	return netip.PrefixFrom(addr, bits)
}

// Contains reports whether inner lies wholly inside outer.
func Contains(outer, inner netip.Prefix) bool {
	return outer.Bits() <= inner.Bits() && outer.Contains(inner.Masked().Addr())
}

// CassandraTier is the block of vpc that holds the Cassandra subnets and nothing else (the VPC's
// last 1/16: 10.x.240.0/20 of a /16).
func CassandraTier(vpc netip.Prefix) netip.Prefix {
	return Subnet(vpc, cassandraBlock.newBits, cassandraBlock.first)
}
