package program

import (
	"fmt"
	"net/netip"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// The platform's database provisioning runs in the home's cluster (config
// Fleet.HoldsDatabaseWriter), and so do the clients' database Jobs, whatever region writes: after
// a switchover or failover the writer is another member's cluster, across the peering mesh. These
// are the two sides of that path, both from config, so that a role change changes no rule.

// globalMembers are the region stacks of the stack's global database (its environment's
// non-standalone members), the stack included; nil for a standalone cluster.
func globalMembers(fleet *config.Fleet, s *config.Stack) []*config.Stack {
	if s.Database == nil || s.Database.Role == config.RoleStandalone {
		return nil
	}
	var out []*config.Stack
	for _, m := range fleet.Stacks {
		if m.IsRegion() && m.Database != nil && m.Database.Role != config.RoleStandalone &&
			m.Settings.Environment == s.Settings.Environment && m.Network != nil {
			out = append(out, m)
		}
	}
	return out
}

// writerCIDRs are the database subnets the provisioning Jobs may reach: every member's (any can
// become the writer), or the stack's own for a standalone cluster.
func (e *regionEnv) writerCIDRs() ([]string, error) {
	members := globalMembers(e.fleet, e.stack)
	if members == nil {
		return prefixes(e.network.Plan.Database), nil
	}
	var out []string
	for _, m := range members {
		plan, err := subnetPlan(m.Network)
		if err != nil {
			return nil, fmt.Errorf("%s: the database subnets of %s: %w", e.stack.File, m.Name, err)
		}
		out = append(out, prefixes(plan.Database)...)
	}
	return out, nil
}

// homeJobCIDRs are the home's private subnets, where its cluster runs the provisioning Jobs: a
// member that is not the home admits them on 5432, for the day it writes. Security groups cannot
// be referenced across regions, so these are CIDRs: every pod of those subnets, which today hold
// only the home's own cluster (an environment stack sharing the home's network would share them
// too). Nil for the home itself, a standalone cluster, or a home without a cluster.
func (e *regionEnv) homeJobCIDRs() ([]string, error) {
	if globalMembers(e.fleet, e.stack) == nil {
		return nil, nil
	}
	home := e.fleet.DatabaseHome(e.stack.Settings.Environment)
	if home == nil || home.Name == e.stack.Name || home.Network == nil || home.Cluster == nil {
		return nil, nil
	}
	plan, err := subnetPlan(home.Network)
	if err != nil {
		return nil, fmt.Errorf("%s: the private subnets of the database home %s: %w", e.stack.File, home.Name, err)
	}
	return prefixes(plan.Private), nil
}

// prefixes are the CIDRs as strings.
func prefixes(ps []netip.Prefix) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}
