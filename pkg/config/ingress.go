package config

import (
	"regexp"
	"slices"
	"strings"
)

// Ingress is the region's public entry (global-sovereign:ingress): an internet-facing Application
// Load Balancer for the API with an ACM certificate for Hostname, validated in the Route 53 zone
// ZoneID (named ZoneName).
type Ingress struct {
	// ZoneID is the Route 53 public hosted zone that holds hostname and validates its
	// certificate: Z followed by letters and digits. `sovereign preflight` refuses a placeholder.
	ZoneID string `json:"zoneId"`
	// ZoneName is the domain name of the zone zoneId.
	ZoneName string `json:"zoneName"`
	// Hostname is the API's DNS name in this region, inside the zone.
	// Default: `api-<code>.<zoneName>`.
	Hostname string `json:"hostname,omitempty"`
	// HealthCheckPath is the absolute HTTP path the load balancer checks the API's health on.
	// Default: [DefaultHealthCheckPath].
	HealthCheckPath string `json:"healthCheckPath,omitempty"`
	// AccessLogRetentionDays is how long the load balancer's access logs are kept, 1 to 3650 days.
	// Default: [DefaultAccessLogRetentionDays].
	AccessLogRetentionDays int `json:"accessLogRetentionDays,omitempty"`
	// WAFRateLimit is how many requests one client IP may send in 5 minutes before the AWS WAF
	// web ACL in front of the load balancer blocks it, 10 to 2000000000.
	// Default: [DefaultWAFRateLimit].
	WAFRateLimit int `json:"wafRateLimit,omitempty"`
	// WAFLogRetentionDays is how long the web ACL's request logs are kept: a CloudWatch Logs
	// retention (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
	// 2557, 2922, 3288 or 3653). Default: [DefaultWAFLogRetentionDays].
	WAFLogRetentionDays int `json:"wafLogRetentionDays,omitempty"`
	// Serving says whether a workload answers behind this region's load balancer. Until one is
	// bound to its target group the load balancer answers 503, the region's Route 53 health check
	// fails and latency DNS skips it (as it should); the global stack alarms on that health check
	// (paging the alerts topic) only for serving regions, so a region waiting for its API does
	// not page from its first deploy on. Set it to true when a pipeline deploys the API.
	// Default: true when cluster.api.image is set, false otherwise.
	Serving *bool `json:"serving,omitempty"`
}

// ServesAPI says whether the region's API answers behind its load balancer: ingress.serving, or
// by default whether the platform deploys the API itself (cluster.api.image).
func (s *Stack) ServesAPI() bool {
	switch {
	case s.Ingress == nil:
		return false
	case s.Ingress.Serving != nil:
		return *s.Ingress.Serving
	}
	return s.Cluster != nil && s.Cluster.API != nil && s.Cluster.API.Image != ""
}

// Defaults of the ingress.
const (
	DefaultHealthCheckPath        = "/health"
	DefaultAccessLogRetentionDays = 365
	DefaultWAFRateLimit           = 2000
	DefaultWAFLogRetentionDays    = 90
)

var (
	zoneIDRE   = regexp.MustCompile(`^Z[A-Z0-9]{5,31}$`)
	domainRE   = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	httpPathRE = regexp.MustCompile(`^/[A-Za-z0-9/._~-]*$`)
)

func (g *Ingress) applyDefaults(code string, env Environment) {
	if g == nil {
		return
	}
	if g.Hostname == "" && g.ZoneName != "" {
		g.Hostname = "api-" + code
		if env != EnvProduction && env != "" {
			g.Hostname += "-" + string(env) // an environment's API never takes production's name
		}
		g.Hostname += "." + g.ZoneName
	}
	if g.HealthCheckPath == "" {
		g.HealthCheckPath = DefaultHealthCheckPath
	}
	if g.AccessLogRetentionDays == 0 {
		g.AccessLogRetentionDays = DefaultAccessLogRetentionDays
	}
	if g.WAFRateLimit == 0 {
		g.WAFRateLimit = DefaultWAFRateLimit
	}
	if g.WAFLogRetentionDays == 0 {
		g.WAFLogRetentionDays = DefaultWAFLogRetentionDays
	}
}

func (s *Stack) validateIngress(is *issues) {
	g := s.Ingress
	if s.Cluster == nil {
		is.add(keyPath(KeyIngress), "routes to the API in the cluster, but this stack has no %s:%s", Project, KeyCluster)
	}
	if !zoneIDRE.MatchString(g.ZoneID) {
		is.add(keyPath(KeyIngress, "zoneId"), "%q is not a Route 53 hosted zone id (Z followed by letters and digits)", g.ZoneID)
	}
	if !domainRE.MatchString(g.ZoneName) {
		is.add(keyPath(KeyIngress, "zoneName"), "%q is not a domain name", g.ZoneName)
	}
	if !domainRE.MatchString(g.Hostname) || !strings.HasSuffix(g.Hostname, "."+g.ZoneName) {
		is.add(keyPath(KeyIngress, "hostname"), "%q: want a name inside the zone %s, e.g. api-%s.%s", g.Hostname, g.ZoneName, s.Settings.Code, g.ZoneName)
	}
	if !httpPathRE.MatchString(g.HealthCheckPath) {
		is.add(keyPath(KeyIngress, "healthCheckPath"), "%q: want an absolute HTTP path such as /health", g.HealthCheckPath)
	}
	if g.AccessLogRetentionDays < 1 || g.AccessLogRetentionDays > 3650 {
		is.add(keyPath(KeyIngress, "accessLogRetentionDays"), "%d: want 1 to 3650", g.AccessLogRetentionDays)
	}
	if g.WAFRateLimit < 10 || g.WAFRateLimit > 2000000000 {
		is.add(keyPath(KeyIngress, "wafRateLimit"), "%d: want 10 to 2000000000 requests per client IP in 5 minutes", g.WAFRateLimit)
	}
	if !slices.Contains(logRetentionDays, g.WAFLogRetentionDays) {
		is.add(keyPath(KeyIngress, "wafLogRetentionDays"), "%d: CloudWatch Logs allows %v", g.WAFLogRetentionDays, logRetentionDays)
	}
}
