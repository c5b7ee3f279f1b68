package awscheck

import (
	"context"
	"fmt"
	"net/url"
	"slices"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// CacheAvailability checks that every selected stack's region offers the ElastiCache node type
// its config asks for. ElastiCache has no "orderable node types" call; the node types a region
// sells are the ones it offers reserved nodes for (elasticache:DescribeReservedCacheNodesOfferings
// filtered on CacheNodeType lists none for a type the region does not have). A missing type fails
// CreateReplicationGroup only at deploy time, after the network and cluster are up; newer
// families reach af-south-1 and us-west-1 last.
var CacheAvailability = Check{Name: "cache-availability", Run: cacheAvailability}

func cacheAvailability(ctx context.Context, env Env, fleet *config.Fleet, names []string) ([]Finding, error) {
	groups := byRegion(fleet, names, func(s *config.Stack) (string, bool) {
		if s.Cache == nil {
			return "", false
		}
		return s.Cache.NodeType, true
	})
	var out []Finding
	for _, w := range groups {
		form := url.Values{"Action": {"DescribeReservedCacheNodesOfferings"}, "Version": {"2015-02-02"},
			"CacheNodeType": {w.value}, "MaxRecords": {"20"}}
		var resp struct {
			Types []string `xml:"DescribeReservedCacheNodesOfferingsResult>ReservedCacheNodesOfferings>ReservedCacheNodesOffering>CacheNodeType"`
		}
		if err := Query(ctx, env, w.region, "elasticache", form, &resp); err != nil {
			return nil, fmt.Errorf("elasticache:DescribeReservedCacheNodesOfferings in %s: %w", w.region, err)
		}
		if !slices.Contains(resp.Types, w.value) {
			out = append(out, Finding{Severity: Problem, Stacks: w.stacks,
				Message: fmt.Sprintf("ElastiCache node type %s is not offered in %s (no reserved-node offering lists it)", w.value, w.region),
				Fix: fmt.Sprintf("set cache.nodeType to a type `aws elasticache describe-reserved-cache-nodes-offerings --region %s --query 'ReservedCacheNodesOfferings[].CacheNodeType'` lists",
					w.region)})
		}
	}
	return out, nil
}
