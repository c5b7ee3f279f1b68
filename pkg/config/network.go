package config

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/global-sovereign/global-sovereign/pkg/netplan"
)

// Network is the VPC of a region stack (global-sovereign:network).
type Network struct {
	// VPCCIDR is the VPC's IPv4 range: /16 to /20 inside 10.0.0.0/8, 172.16.0.0/12 or
	// 192.168.0.0/16, without host bits, disjoint from every other stack's VPC (peering needs
	// that) and from every office network.
	VPCCIDR string `json:"vpcCidr"`
	// AvailabilityZones are the AZs the subnets span: 2 to 6 distinct AZs of awsRegion, so that an
	// AZ outage leaves capacity. At deploy time each must be available to the account.
	AvailabilityZones []string `json:"availabilityZones"`
	// NATGateways is the NAT gateway layout: one per AZ, so that an AZ outage never cuts the
	// others' egress, or a single one for the VPC, cheaper and refused in production.
	// Default: [NATPerAZ].
	NATGateways NATGateways `json:"natGateways,omitempty"`
	// FlowLogs configures the VPC's flow logs to CloudWatch Logs.
	FlowLogs FlowLogs `json:"flowLogs,omitempty"`
	// Subnets replaces the planned subnet CIDRs of a tier (public, private, database).
	Subnets *SubnetOverride `json:"subnets,omitempty"`
}

// NATGateways is a NAT gateway layout.
type NATGateways string

// NAT gateway layouts.
const (
	NATPerAZ  NATGateways = "perAz"  // one NAT gateway per AZ: an AZ outage never cuts egress of the others
	NATSingle NATGateways = "single" // one NAT gateway for the VPC: cheaper, for non-production only
)

// FlowLogs configures VPC flow logs.
type FlowLogs struct {
	// RetentionDays is how long CloudWatch Logs keeps the flow logs.
	// Default: [DefaultFlowLogRetentionDays].
	// Allowed: [logRetentionDays] (the retention periods CloudWatch Logs accepts).
	RetentionDays int `json:"retentionDays,omitempty"`
	// TrafficType is the traffic the flow logs record: all of it, or only accepted or rejected
	// connections.
	// Default: [DefaultFlowLogTrafficType].
	TrafficType TrafficType `json:"trafficType,omitempty"`
}

// TrafficType is the traffic a flow log records, as EC2 names it.
type TrafficType string

// Flow log traffic types.
const (
	TrafficAll    TrafficType = "ALL"
	TrafficAccept TrafficType = "ACCEPT"
	TrafficReject TrafficType = "REJECT"
)

// SubnetOverride replaces the planned subnet CIDRs of a tier; each list has one CIDR per AZ.
type SubnetOverride struct {
	// Public are the public subnets' CIDRs, one per AZ in the order of availabilityZones: /28 or
	// larger, inside the VPC, overlapping no other subnet.
	// Default: the planned subnets (pkg/netplan).
	Public []string `json:"public,omitempty"`
	// Private are the private subnets' CIDRs, with the rules of public.
	// Default: the planned subnets (pkg/netplan).
	Private []string `json:"private,omitempty"`
	// Database are the database subnets' CIDRs, with the rules of public.
	// Default: the planned subnets (pkg/netplan).
	Database []string `json:"database,omitempty"`
}

// Defaults of the network.
const (
	DefaultFlowLogRetentionDays = 365
	DefaultFlowLogTrafficType   = TrafficAll
)

// The allowed values of the network's enums and tables, as validation checks them.
var (
	natLayouts   = []NATGateways{NATPerAZ, NATSingle}
	trafficTypes = []TrafficType{TrafficAll, TrafficAccept, TrafficReject}
	// CloudWatch Logs accepts only these retention periods.
	logRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
	rfc1918          = []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("172.16.0.0/12"),
		netip.MustParsePrefix("192.168.0.0/16"),
	}
)

func (n *Network) applyDefaults() {
	if n == nil {
		return
	}
	if n.NATGateways == "" {
		n.NATGateways = NATPerAZ
	}
	if n.FlowLogs.RetentionDays == 0 {
		n.FlowLogs.RetentionDays = DefaultFlowLogRetentionDays
	}
	if n.FlowLogs.TrafficType == "" {
		n.FlowLogs.TrafficType = DefaultFlowLogTrafficType
	}
}

func (s *Stack) validateNetwork(is *issues) {
	n := s.Network
	vpc, vpcOK := parseCIDR(is, keyPath(KeyNetwork, "vpcCidr"), n.VPCCIDR)
	if vpcOK {
		if vpc.Bits() < netplan.MinPrefix || vpc.Bits() > netplan.MaxPrefix {
			is.add(keyPath(KeyNetwork, "vpcCidr"), "%s: prefix must be /%d to /%d", vpc, netplan.MinPrefix, netplan.MaxPrefix)
			vpcOK = false
		} else if !insideAny(vpc, rfc1918) {
			is.add(keyPath(KeyNetwork, "vpcCidr"), "%s is not a private range; allowed: inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16", vpc)
		}
	}

	azs := n.AvailabilityZones
	if len(azs) < 2 || len(azs) > netplan.MaxAZs {
		is.add(keyPath(KeyNetwork, "availabilityZones"), "%d AZs listed; want 2 to %d so that an AZ outage leaves capacity", len(azs), netplan.MaxAZs)
	}
	seen := map[string]bool{}
	azRE := regexp.MustCompile("^" + regexp.QuoteMeta(s.Settings.AWSRegion) + "[a-z]$")
	for i, az := range azs {
		path := fmt.Sprintf("%s[%d]", keyPath(KeyNetwork, "availabilityZones"), i)
		if !azRE.MatchString(az) {
			is.add(path, "%q is not an AZ of %s; want %sa, %sb, ...", az, s.Settings.AWSRegion, s.Settings.AWSRegion, s.Settings.AWSRegion)
		}
		if seen[az] {
			is.add(path, "%q is listed twice", az)
		}
		seen[az] = true
	}

	oneOf(is, keyPath(KeyNetwork, "natGateways"), n.NATGateways, natLayouts)
	if s.Settings.Environment == EnvProduction && n.NATGateways == NATSingle {
		is.add(keyPath(KeyNetwork, "natGateways"), "%q in a production stack; use %q so an AZ outage does not cut egress of the others", NATSingle, NATPerAZ)
	}
	if !slices.Contains(logRetentionDays, n.FlowLogs.RetentionDays) {
		is.add(keyPath(KeyNetwork, "flowLogs", "retentionDays"), "%d: CloudWatch Logs allows %v", n.FlowLogs.RetentionDays, logRetentionDays)
	}
	oneOf(is, keyPath(KeyNetwork, "flowLogs", "trafficType"), n.FlowLogs.TrafficType, trafficTypes)

	if vpcOK && len(azs) >= 1 && len(azs) <= netplan.MaxAZs {
		s.validateSubnets(is, vpc, len(azs))
	}
}

// validateSubnets checks the override lists against the VPC and, together with the planned
// subnets of tiers that are not overridden, against each other.
func (s *Stack) validateSubnets(is *issues, vpc netip.Prefix, azCount int) {
	plan, err := netplan.Compute(vpc, azCount)
	if err != nil {
		is.add(keyPath(KeyNetwork, "vpcCidr"), "%v", err)
		return
	}
	type subnet struct {
		path   string
		prefix netip.Prefix
	}
	var all []subnet
	addTier := func(tier string, override []string, planned []netip.Prefix) {
		path := keyPath(KeyNetwork, "subnets", tier)
		if override == nil {
			for i, pr := range planned {
				all = append(all, subnet{fmt.Sprintf("%s (planned %s[%d])", pr, tier, i), pr})
			}
			return
		}
		if len(override) != azCount {
			is.add(path, "%d CIDRs for %d availability zones; want one per AZ", len(override), azCount)
		}
		for i, c := range override {
			ip := fmt.Sprintf("%s[%d]", path, i)
			pr, ok := parseCIDR(is, ip, c)
			if !ok {
				continue
			}
			if pr.Bits() > 28 {
				is.add(ip, "%s: AWS subnets are /28 or larger", pr)
				continue
			}
			if !netplan.Contains(vpc, pr) {
				is.add(ip, "%s is outside the VPC %s", pr, vpc)
				continue
			}
			all = append(all, subnet{ip, pr})
		}
	}
	var o SubnetOverride
	if s.Network.Subnets != nil {
		o = *s.Network.Subnets
	}
	addTier("public", o.Public, plan.Public)
	addTier("private", o.Private, plan.Private)
	addTier("database", o.Database, plan.Database)
	if s.Cassandra != nil {
		// The other datacenters admit the whole tier to Cassandra's ports: it must hold the
		// Cassandra subnets and nothing else.
		all = append(all, subnet{fmt.Sprintf("%s (the Cassandra tier, which holds only the Cassandra nodes' subnets)", plan.CassandraTier), plan.CassandraTier})
	}
	for i, a := range all {
		for _, b := range all[i+1:] {
			if a.prefix.Overlaps(b.prefix) {
				path := b.path
				if strings.Contains(path, " (planned") {
					path = a.path
				}
				is.add(path, "%s overlaps %s", a.prefix, b.path)
			}
		}
	}
}
