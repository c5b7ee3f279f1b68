package config

import (
	"fmt"
	"slices"
	"strings"
)

// DNS is the fleet's public API name (global-sovereign:dns, global stacks only): `<name>.<zoneName>`
// answers with the healthy region closest to the caller (Route 53 latency records over every
// region stack with an ingress, each with a health check on the region's own hostname), and
// with defaultRegion when every check fails.
type DNS struct {
	// ZoneID is the Route 53 public hosted zone of the name: Z followed by letters and digits.
	ZoneID string `json:"zoneId"`
	// ZoneName is the domain name of the zone zoneId.
	ZoneName string `json:"zoneName"`
	// Name is the label of the public name under the zone.
	// Default: [DefaultDNSName].
	Name string `json:"name,omitempty"`
	// HealthCheckPath is the HTTPS path Route 53 requests on each region's hostname.
	// Default: [DefaultHealthCheckPath].
	HealthCheckPath string `json:"healthCheckPath,omitempty"`
	// CheckerRegions are the regions Route 53 checks from; at least [MinCheckerRegions].
	// Default: [DefaultCheckerRegions].
	// Allowed: [healthCheckerRegions].
	CheckerRegions []string `json:"checkerRegions,omitempty"`
	// DefaultRegion is the code of the region stack answered when every region fails its
	// health check; it must have an ingress.
	DefaultRegion string `json:"defaultRegion"`
}

// Defaults of the DNS block.
const (
	DefaultDNSName = "api"
	// MinCheckerRegions is the fewest health-checker regions Route 53 accepts.
	MinCheckerRegions = 3
	// GlobalServicesRegion is where Route 53 publishes health-check metrics (so where their
	// alarms must be) and where the Budgets and Cost Explorer APIs are served: a global stack
	// with dns or costs runs its own provider there.
	GlobalServicesRegion = "us-east-1"
)

// DefaultCheckerRegions check from three continents.
var DefaultCheckerRegions = []string{"us-east-1", "eu-west-1", "ap-southeast-1"}

// healthCheckerRegions are the regions Route 53 health checkers run in.
var healthCheckerRegions = []string{"us-east-1", "us-west-1", "us-west-2", "eu-west-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1"}

func (d *DNS) applyDefaults() {
	if d == nil {
		return
	}
	if d.Name == "" {
		d.Name = DefaultDNSName
	}
	if d.HealthCheckPath == "" {
		d.HealthCheckPath = DefaultHealthCheckPath
	}
	if d.CheckerRegions == nil {
		d.CheckerRegions = slices.Clone(DefaultCheckerRegions)
	}
}

// FQDN is the public API name.
func (d *DNS) FQDN() string { return d.Name + "." + d.ZoneName }

func (s *Stack) validateDNS(is *issues) {
	d := s.DNS
	if !zoneIDRE.MatchString(d.ZoneID) {
		is.add(keyPath(KeyDNS, "zoneId"), "%q is not a Route 53 hosted zone id (Z followed by letters and digits)", d.ZoneID)
	}
	if !domainRE.MatchString(d.ZoneName) {
		is.add(keyPath(KeyDNS, "zoneName"), "%q is not a domain name", d.ZoneName)
	}
	if !domainRE.MatchString(d.FQDN()) {
		is.add(keyPath(KeyDNS, "name"), "%q: want a DNS label such as %s", d.Name, DefaultDNSName)
	}
	if !httpPathRE.MatchString(d.HealthCheckPath) {
		is.add(keyPath(KeyDNS, "healthCheckPath"), "%q: want an absolute HTTP path such as /health", d.HealthCheckPath)
	}
	if len(d.CheckerRegions) < MinCheckerRegions {
		is.add(keyPath(KeyDNS, "checkerRegions"), "%d regions; Route 53 needs at least %d of: %s", len(d.CheckerRegions), MinCheckerRegions, strings.Join(healthCheckerRegions, ", "))
	}
	for i, r := range d.CheckerRegions {
		if !slices.Contains(healthCheckerRegions, r) || slices.Index(d.CheckerRegions, r) != i {
			is.add(fmt.Sprintf("%s[%d]", keyPath(KeyDNS, "checkerRegions"), i), "%q: want a distinct Route 53 health-checker region, one of %s", r, strings.Join(healthCheckerRegions, ", "))
		}
	}
	if d.DefaultRegion == "" {
		is.add(keyPath(KeyDNS, "defaultRegion"), "missing; name the region stack code answered when every region fails its health check")
	}
	s.requireGlobalServicesRegion(is, KeyDNS)
}

// requireGlobalServicesRegion: a block served from us-east-1 needs the stack's provider there.
func (s *Stack) requireGlobalServicesRegion(is *issues, block string) {
	if s.Settings.AWSRegion != GlobalServicesRegion {
		is.add(keyPath(KeyStack, "awsRegion"), "%q: a stack with %s:%s runs in %s (Route 53 health-check metrics, Budgets and Cost Explorer are there)",
			s.Settings.AWSRegion, Project, block, GlobalServicesRegion)
	}
}

// validateDNSFleet checks what the DNS block names in other stacks: the default region exists in
// the environment and has an ingress, and no two regions with an ingress share an AWS region (a
// latency set holds one record per AWS region).
func (f *Fleet) validateDNSFleet(g *Stack) Problems {
	d := g.DNS
	var out Problems
	var withIngress []string
	byRegion := map[string]string{}
	found := false
	for _, name := range f.References(g) {
		r := f.Stack(name)
		if r.Ingress == nil {
			continue
		}
		withIngress = append(withIngress, r.Settings.Code)
		found = found || r.Settings.Code == d.DefaultRegion
		if other, dup := byRegion[r.Settings.AWSRegion]; dup {
			out = append(out, g.problem(keyPath(KeyDNS),
				"region stacks %s and %s both have an ingress in %s; a latency record set holds one record per AWS region", other, name, r.Settings.AWSRegion))
		}
		byRegion[r.Settings.AWSRegion] = name
	}
	if len(withIngress) == 0 {
		out = append(out, g.problem(keyPath(KeyDNS), "no region stack of environment %s has an ingress to route to", g.Settings.Environment))
	} else if d.DefaultRegion != "" && !found {
		out = append(out, g.problem(keyPath(KeyDNS, "defaultRegion"), "%q is not a region stack with an ingress in environment %s; allowed: %s",
			d.DefaultRegion, g.Settings.Environment, strings.Join(withIngress, ", ")))
	}
	return out
}
