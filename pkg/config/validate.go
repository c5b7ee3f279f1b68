package config

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/global-sovereign/global-sovereign/pkg/netplan"
	"github.com/global-sovereign/global-sovereign/pkg/regions"
)

var (
	codeRE       = regexp.MustCompile(`^[a-z][a-z0-9]{1,9}$`)
	namePrefixRE = regexp.MustCompile(`^[a-z][a-z0-9-]{1,19}$`)
	gatewayRE    = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)
	accountRE    = regexp.MustCompile(`^[0-9]{12}$`)
	emailRE      = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

var (
	kinds        = []string{KindRegion, KindGlobal}
	environments = []string{EnvProduction, EnvStaging, EnvDevelopment}
	natLayouts   = []string{NATPerAZ, NATSingle}
	trafficTypes = []string{"ALL", "ACCEPT", "REJECT"}
	// CloudWatch Logs accepts only these retention periods.
	logRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
	// Tags the program sets on every resource through the provider's default tags.
	reservedTags = []string{"project", "stack", "region", "environment", "managed-by"}
	rfc1918      = []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("172.16.0.0/12"),
		netip.MustParsePrefix("192.168.0.0/16"),
	}
)

// The recovery windows Secrets Manager accepts besides 0 (RecoveryWindowInDays).
const (
	minSecretRecoveryDays = 7
	maxSecretRecoveryDays = 30
)

// Private BGP ASN ranges (RFC 6996), the only ones a VPN to a private office may use.
const (
	privateASN16Min = 64512
	privateASN16Max = 65534
	privateASN32Min = 4200000000
	privateASN32Max = 4294967294
)

// Validate checks one stack on its own. Rules that need the other stacks are in Fleet.Validate.
func (s *Stack) Validate() Problems {
	var is issues
	s.validateSettings(&is)
	switch s.Settings.Kind {
	case KindRegion:
		if s.Network == nil {
			is.add(Project+":"+KeyNetwork, "missing; a region stack needs vpcCidr and availabilityZones")
		} else {
			s.validateNetwork(&is)
		}
		// The optional blocks of a region stack, each checked when present.
		for _, block := range []struct {
			present  bool
			validate func(*issues)
		}{
			{s.VPN != nil, s.validateVPN}, {s.Database != nil, s.validateDatabase}, {s.Cache != nil, s.validateCache},
			{s.Backup != nil, s.validateBackup}, {s.Cluster != nil, s.validateCluster}, {s.Ingress != nil, s.validateIngress},
		} {
			if block.present {
				block.validate(&is)
			}
		}
	case KindGlobal:
		if s.Network != nil {
			is.add(Project+":"+KeyNetwork, "only region stacks have a network; remove it from a %s stack", KindGlobal)
		}
		for key, set := range map[string]bool{KeyVPN: s.VPN != nil, KeyDatabase: s.Database != nil, KeyCache: s.Cache != nil, KeyBackup: s.Backup != nil, KeyCluster: s.Cluster != nil, KeyIngress: s.Ingress != nil} {
			if set {
				is.add(Project+":"+key, "only region stacks have this; remove it from a %s stack", KindGlobal)
			}
		}
	}
	if s.IsRegion() && s.Settings.Environment == EnvProduction && len(s.Alerts.Emails) == 0 {
		is.add(Project+":"+KeyAlerts+".emails", "a production stack needs at least one subscriber: its alarms "+
			"(VPN tunnels, node CPU, database replication) would go to a topic nobody reads; "+
			"list the on-call address(es), e.g. [platform-oncall@yourcompany.com]")
	}
	for i, e := range s.Alerts.Emails {
		if !emailRE.MatchString(e) {
			is.add(fmt.Sprintf("%s:%s.emails[%d]", Project, KeyAlerts, i), "%q is not an email address", e)
		}
	}
	s.validateTags(&is)
	if !contains(s.DisableDefaultProviders, "aws") && !contains(s.DisableDefaultProviders, "*") {
		is.add("pulumi:disable-default-providers", "must list aws (got %v): a resource that forgets the stack's "+
			"explicit provider would otherwise deploy to whatever region the caller's environment names", s.DisableDefaultProviders)
	}
	if s.Cluster != nil && !contains(s.DisableDefaultProviders, "kubernetes") && !contains(s.DisableDefaultProviders, "*") {
		is.add("pulumi:disable-default-providers", "must list kubernetes in a stack with a cluster (got %v): an object that "+
			"forgets the cluster's provider would otherwise go to whatever cluster the caller's kubeconfig names", s.DisableDefaultProviders)
	}
	return s.report(is)
}

func (s *Stack) validateSettings(is *issues) {
	p := func(k string) string { return Project + ":" + KeyStack + "." + k }
	st := s.Settings
	oneOf(is, p("kind"), st.Kind, kinds)
	if !codeRE.MatchString(st.Code) {
		is.add(p("code"), "%q: want 2-10 lowercase letters or digits starting with a letter, e.g. ams", st.Code)
	}
	if st.AWSRegion == "" {
		is.add(p("awsRegion"), "missing; allowed: %s", strings.Join(regions.Names(), ", "))
	} else if _, ok := regions.Lookup(st.AWSRegion); !ok {
		is.add(p("awsRegion"), "unknown AWS region %q%s; allowed: %s", st.AWSRegion,
			suggest(st.AWSRegion, regions.Names()), strings.Join(regions.Names(), ", "))
	}
	oneOf(is, p("environment"), st.Environment, environments)
	if !namePrefixRE.MatchString(st.NamePrefix) {
		is.add(p("namePrefix"), "%q: want 2-20 lowercase letters, digits or dashes starting with a letter", st.NamePrefix)
	}
	if d := st.SecretRecoveryDays; d != nil && *d != 0 && (*d < minSecretRecoveryDays || *d > maxSecretRecoveryDays) {
		is.add(p("secretRecoveryDays"), "%d: Secrets Manager allows 0 (delete at once, for throwaway stacks) or %d to %d days",
			*d, minSecretRecoveryDays, maxSecretRecoveryDays)
	}
	for i, a := range st.AllowedAccountIDs {
		if !accountRE.MatchString(a) {
			is.add(fmt.Sprintf("%s[%d]", p("allowedAccountIds"), i), "%q is not a 12-digit AWS account id", a)
		}
	}
}

func (s *Stack) validateNetwork(is *issues) {
	p := func(k string) string { return Project + ":" + KeyNetwork + "." + k }
	n := s.Network
	vpc, vpcOK := parseCIDR(is, p("vpcCidr"), n.VPCCIDR)
	if vpcOK {
		if vpc.Bits() < netplan.MinPrefix || vpc.Bits() > netplan.MaxPrefix {
			is.add(p("vpcCidr"), "%s: prefix must be /%d to /%d", vpc, netplan.MinPrefix, netplan.MaxPrefix)
			vpcOK = false
		} else if !insideAny(vpc, rfc1918) {
			is.add(p("vpcCidr"), "%s is not a private range; allowed: inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16", vpc)
		}
	}

	azs := n.AvailabilityZones
	if len(azs) < 2 || len(azs) > netplan.MaxAZs {
		is.add(p("availabilityZones"), "%d AZs listed; want 2 to %d so that an AZ outage leaves capacity", len(azs), netplan.MaxAZs)
	}
	seen := map[string]bool{}
	azRE := regexp.MustCompile("^" + regexp.QuoteMeta(s.Settings.AWSRegion) + "[a-z]$")
	for i, az := range azs {
		path := fmt.Sprintf("%s[%d]", p("availabilityZones"), i)
		if !azRE.MatchString(az) {
			is.add(path, "%q is not an AZ of %s; want %sa, %sb, ...", az, s.Settings.AWSRegion, s.Settings.AWSRegion, s.Settings.AWSRegion)
		}
		if seen[az] {
			is.add(path, "%q is listed twice", az)
		}
		seen[az] = true
	}

	oneOf(is, p("natGateways"), n.NATGateways, natLayouts)
	if s.Settings.Environment == EnvProduction && n.NATGateways == NATSingle {
		is.add(p("natGateways"), "%q in a production stack; use %q so an AZ outage does not cut egress of the others", NATSingle, NATPerAZ)
	}
	if !containsInt(logRetentionDays, n.FlowLogs.RetentionDays) {
		is.add(p("flowLogs.retentionDays"), "%d: CloudWatch Logs allows %v", n.FlowLogs.RetentionDays, logRetentionDays)
	}
	oneOf(is, p("flowLogs.trafficType"), n.FlowLogs.TrafficType, trafficTypes)

	if vpcOK && len(azs) >= 1 && len(azs) <= netplan.MaxAZs {
		s.validateSubnets(is, vpc, len(azs))
	}
}

// validateSubnets checks the override lists against the VPC and, together with the planned
// subnets of tiers that are not overridden, against each other.
func (s *Stack) validateSubnets(is *issues, vpc netip.Prefix, azCount int) {
	plan, err := netplan.Compute(vpc, azCount)
	if err != nil {
		is.add(Project+":"+KeyNetwork+".vpcCidr", "%v", err)
		return
	}
	type subnet struct {
		path   string
		prefix netip.Prefix
	}
	var all []subnet
	addTier := func(tier string, override []string, planned []netip.Prefix) {
		path := Project + ":" + KeyNetwork + ".subnets." + tier
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

func (s *Stack) validateVPN(is *issues) {
	p := func(k string) string { return Project + ":" + KeyVPN + "." + k }
	v := s.VPN
	if v.BGPASN != nil {
		checkPrivateASN(is, p("bgpAsn"), *v.BGPASN)
	}
	if v.AmazonSideASN != nil {
		checkPrivateASN(is, p("amazonSideAsn"), *v.AmazonSideASN)
		if v.BGPASN != nil && *v.AmazonSideASN == *v.BGPASN {
			is.add(p("amazonSideAsn"), "%d equals bgpAsn; the two sides of a BGP session need different ASNs", *v.AmazonSideASN)
		}
	}
	if len(v.CustomerGateways) < 1 || len(v.CustomerGateways) > 4 {
		is.add(p("customerGateways"), "%d gateways; want 1 to 4 (primary and secondary office endpoints)", len(v.CustomerGateways))
	}
	names, ips := map[string]bool{}, map[string]bool{}
	var vpc netip.Prefix
	if s.Network != nil {
		vpc, _ = netip.ParsePrefix(s.Network.VPCCIDR)
	}
	for i, g := range v.CustomerGateways {
		gp := fmt.Sprintf("%s[%d]", p("customerGateways"), i)
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
			is.add(fmt.Sprintf("%s[%d]", p("officeIngressPorts"), i), "%d is not a TCP port (1-65535)", port)
		}
	}
}

func (s *Stack) validateTags(is *issues) {
	for k, v := range s.Tags {
		path := Project + ":" + KeyTags + "." + k
		switch {
		case k == "" || len(k) > 128:
			is.add(path, "tag keys are 1 to 128 characters")
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			is.add(path, "the aws: prefix is reserved by AWS")
		case contains(reservedTags, k):
			is.add(path, "set by the program on every resource; reserved: %s", strings.Join(reservedTags, ", "))
		}
		if len(v) > 256 {
			is.add(path, "tag values are at most 256 characters")
		}
	}
}

func checkPrivateASN(is *issues, path string, asn int64) {
	if (asn >= privateASN16Min && asn <= privateASN16Max) || (asn >= privateASN32Min && asn <= privateASN32Max) {
		return
	}
	hint := ""
	if asn == 6500 {
		hint = " (the seed's value, likely a typo for 65000)"
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

func oneOf(is *issues, path, v string, allowed []string) {
	if !contains(allowed, v) {
		if v == "" {
			is.add(path, "missing; allowed: %s", strings.Join(allowed, ", "))
			return
		}
		is.add(path, "%q%s; allowed: %s", v, suggest(v, allowed), strings.Join(allowed, ", "))
	}
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func insideAny(p netip.Prefix, ranges []netip.Prefix) bool {
	for _, r := range ranges {
		if netplan.Contains(r, p) {
			return true
		}
	}
	return false
}
