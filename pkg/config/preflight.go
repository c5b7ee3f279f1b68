package config

import (
	"fmt"
	"strings"
)

// placeholderDomains are reserved for documentation and tests (RFC 2606, RFC 6761): a value in
// them was never meant to be deployed.
var placeholderDomains = []string{".example", ".test", ".invalid", ".localhost", "example.com", "example.net", "example.org"}

func isPlaceholderDomain(name string) bool {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	for _, d := range placeholderDomains {
		if strings.HasSuffix(name, d) && (d[0] == '.' || name == d || strings.HasSuffix(name, "."+d)) {
			return true
		}
	}
	return false
}

// Preflight lists what a person must set before the stack's first real deploy: values that
// validate (so synth and reviews work offline) but are placeholders or leave the stack without
// a safety net. `sovereign preflight` prints them and `sovereign up` refuses while any remain.
// Each problem names the file, the key and what to put there.
func (s *Stack) Preflight() Problems { return s.preflight(s.PublicEndpointCIDRs()) }

// preflight is Preflight with who the cluster's public endpoint admits (which, for a stack on
// another's network, comes from that stack's VPN).
func (s *Stack) preflight(endpointCIDRs []string) Problems {
	var is issues
	if len(s.Settings.AllowedAccountIDs) == 0 {
		is.add(keyPath(KeyStack, "allowedAccountIds"), "empty; list the 12-digit id of the AWS account this stack deploys into, "+
			"so credentials for any other account fail before a change is made (stacks that share an account: once, in "+
			"Pulumi.yaml's global-sovereign:defaults under all.stack.allowedAccountIds)")
	}
	for i, e := range s.Alerts.Emails {
		if s.Settings.Kind == KindClient {
			break // a client stack raises no alarms: its home's and the platform's do
		}
		if _, domain, _ := strings.Cut(e, "@"); isPlaceholderDomain(domain) {
			is.add(fmt.Sprintf("%s[%d]", keyPath(KeyAlerts, "emails"), i), "%q is a placeholder address in a reserved domain; "+
				"set the on-call address that receives this stack's alarms", e)
		}
	}
	if !s.HasCompute() {
		if d := s.DNS; d != nil && (strings.Contains(strings.ToUpper(d.ZoneID), "EXAMPLE") || isPlaceholderDomain(d.ZoneName)) {
			is.add(keyPath(KeyDNS, "zoneId"), "placeholder hosted zone (%s, %s); set zoneId and zoneName to the Route 53 public "+
				"hosted zone that will hold %s (aws route53 list-hosted-zones)", d.ZoneID, d.ZoneName, d.FQDN())
		}
		return s.report(is)
	}
	if len(s.Alerts.Emails) == 0 {
		is.add(keyPath(KeyAlerts, "emails"), "no subscriber; list the on-call address(es) that receive this stack's alarms "+
			"(each confirms the email AWS sends before alarms reach it)")
	}
	if g := s.Ingress; g != nil && (strings.Contains(strings.ToUpper(g.ZoneID), "EXAMPLE") || isPlaceholderDomain(g.ZoneName)) {
		is.add(keyPath(KeyIngress, "zoneId"), "placeholder hosted zone (%s, %s); set zoneId and zoneName to the Route 53 public "+
			"hosted zone that will hold %s (aws route53 list-hosted-zones)", g.ZoneID, g.ZoneName, g.Hostname)
	}
	if c := s.Cluster; c != nil {
		if len(c.AdminRoleArns) == 0 {
			is.add(keyPath(KeyCluster, "adminRoleArns"), "empty; list the IAM roles that get cluster-admin (your SSO administrator "+
				"role, a break-glass role), or only the identity that first created the cluster can administer it")
		}
		if c.CreatorRoleArn == "" {
			is.add(keyPath(KeyCluster, "creatorRoleArn"), "unset; name the role that creates the cluster (the CI deploy role, "+
				"`sovereign bootstrap` output deployRoleArn): EKS makes the cluster's creator an admin on its own, so the first "+
				"`up` must run as this role and it must not be in adminRoleArns (`sovereign preflight --online` checks the caller)")
		}
		if c.Deployer == nil {
			allowed := "none: the endpoint is private"
			if cidrs := endpointCIDRs; len(cidrs) > 0 {
				allowed = strings.Join(cidrs, ", ")
			}
			is.add(keyPath(KeyCluster, "deployer"), "unset; say where Pulumi runs: cidrs: [<public egress CIDRs of the deploying "+
				"machines>] (the public endpoint admits only %s), or private: true for a runner inside the VPC or over the VPN", allowed)
		}
	}
	return s.report(is)
}

// Preflight is the preflight of the named stacks, in file order.
func (f *Fleet) Preflight(names []string) Problems {
	var out Problems
	for _, n := range names {
		if s := f.Stack(n); s != nil {
			out = append(out, s.preflight(f.PublicEndpointCIDRs(s))...)
		}
	}
	return out.unique()
}
