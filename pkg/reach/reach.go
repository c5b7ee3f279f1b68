// Package reach checks, before and while Pulumi applies objects inside a cluster, that this
// machine can reach the cluster's Kubernetes API. The public endpoint admits only listed CIDRs;
// a deployer outside them would otherwise wait for every object until Helm's and the
// provider's timeouts, with no word of why. It imports no Pulumi SDK.
package reach

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// CheckIPURL answers with the caller's public IPv4 address (an AWS service).
const CheckIPURL = "https://checkip.amazonaws.com"

// Guard knows who the cluster's public endpoint admits and where that is configured.
type Guard struct {
	File    string // the stack file, for messages
	Cluster string // the cluster's name, for messages
	// Allowed are the CIDRs the public endpoint admits; empty: the endpoint is private only.
	Allowed []string
	// Private: the deployer is configured to reach the private endpoint (inside the VPC or the VPN).
	Private bool

	CheckIPURL  string        // default CheckIPURL
	DialTimeout time.Duration // default 10 s
	HTTPTimeout time.Duration // default 5 s
}

// The config keys messages point at.
const (
	keyDeployerCIDRs   = "global-sovereign:cluster.deployer.cidrs"
	keyDeployerPrivate = "global-sovereign:cluster.deployer.private"
)

// ErrUnknownEgress means the public address of this machine could not be learned.
var ErrUnknownEgress = errors.New("public address unknown")

// Egress returns this machine's public IPv4 address as the check-ip service sees it.
func (g Guard) Egress(ctx context.Context) (netip.Addr, error) {
	u := g.CheckIPURL
	if u == "" {
		u = CheckIPURL
	}
	timeout := g.HTTPTimeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return netip.Addr{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%w: %v", ErrUnknownEgress, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256))
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%w: reading %s: %v", ErrUnknownEgress, u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return netip.Addr{}, fmt.Errorf("%w: %s answered %d", ErrUnknownEgress, u, resp.StatusCode)
	}
	a, err := netip.ParseAddr(strings.TrimSpace(string(body)))
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%w: %s answered %q", ErrUnknownEgress, u, strings.TrimSpace(string(body)))
	}
	return a, nil
}

// Admitted reports whether addr is inside one of the allowed CIDRs.
func (g Guard) Admitted(addr netip.Addr) bool {
	for _, c := range g.Allowed {
		if p, err := netip.ParsePrefix(c); err == nil && p.Contains(addr) {
			return true
		}
	}
	return false
}

// BeforeDeploy runs before any resource is declared. A deployer configured as private, or an
// endpoint that is private only, is not checked here (Probe checks it once the endpoint is
// known). Otherwise it fails when this machine's public address is outside the allowed CIDRs,
// and says which CIDR to add. When the address cannot be learned it returns nil: Probe still
// catches an unreachable endpoint.
func (g Guard) BeforeDeploy(ctx context.Context) error {
	if g.Private || len(g.Allowed) == 0 {
		return nil
	}
	addr, err := g.Egress(ctx)
	if err != nil || g.Admitted(addr) {
		return nil
	}
	return g.missing(addr)
}

func (g Guard) missing(addr netip.Addr) error {
	return fmt.Errorf("%s: %s: this machine's public address %s is not admitted by the public Kubernetes API endpoint of %s "+
		"(it admits %s), so every object inside the cluster would time out; add %s/32 to %s, "+
		"or run from inside the VPC or over the office VPN and set %s: true",
		g.File, keyDeployerCIDRs, addr, g.Cluster, strings.Join(g.Allowed, ", "), addr, keyDeployerCIDRs, keyDeployerPrivate)
}

// Probe opens a TCP connection to the API endpoint (https://host[:port]) and fails with what to
// configure when it cannot.
func (g Guard) Probe(ctx context.Context, endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%s: the Kubernetes API endpoint of %s is not a URL: %q", g.File, g.Cluster, endpoint)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "443")
	}
	timeout := g.DialTimeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	d := net.Dialer{Timeout: timeout}
	conn, dialErr := d.DialContext(ctx, "tcp", host)
	if dialErr == nil {
		return conn.Close()
	}
	if g.Private || len(g.Allowed) == 0 {
		return fmt.Errorf("%s: %s: cannot reach the private Kubernetes API endpoint of %s at %s (%v); "+
			"run Pulumi from inside the VPC, a peered network or the office VPN, or list this machine's public "+
			"address in %s (and set private: false)", g.File, keyDeployerPrivate, g.Cluster, host, dialErr, keyDeployerCIDRs)
	}
	if addr, err := g.Egress(ctx); err == nil && !g.Admitted(addr) {
		return fmt.Errorf("%w (connecting to %s: %v)", g.missing(addr), host, dialErr)
	}
	return fmt.Errorf("%s: %s: cannot reach the Kubernetes API endpoint of %s at %s (%v); the public endpoint admits %s: "+
		"make sure this machine's public address (curl %s) is one of them, or run from inside the VPC (%s: true)",
		g.File, keyDeployerCIDRs, g.Cluster, host, dialErr, strings.Join(g.Allowed, ", "), CheckIPURL, keyDeployerPrivate)
}
