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
	type want struct{ region, nodeType string }
	stacks := map[want][]string{}
	for _, n := range names {
		if s := fleet.Stack(n); s != nil && s.Cache != nil {
			w := want{s.Settings.AWSRegion, s.Cache.NodeType}
			stacks[w] = append(stacks[w], s.Name)
		}
	}
	keys := make([]want, 0, len(stacks))
	for w := range stacks {
		keys = append(keys, w)
	}
	slices.SortFunc(keys, func(a, b want) int {
		if a.region != b.region {
			return cmpString(a.region, b.region)
		}
		return cmpString(a.nodeType, b.nodeType)
	})
	var out []Finding
	for _, w := range keys {
		form := url.Values{"Action": {"DescribeReservedCacheNodesOfferings"}, "Version": {"2015-02-02"},
			"CacheNodeType": {w.nodeType}, "MaxRecords": {"20"}}
		var resp struct {
			Types []string `xml:"DescribeReservedCacheNodesOfferingsResult>ReservedCacheNodesOfferings>ReservedCacheNodesOffering>CacheNodeType"`
		}
		if err := Query(ctx, env, w.region, "elasticache", form, &resp); err != nil {
			return nil, fmt.Errorf("elasticache:DescribeReservedCacheNodesOfferings in %s: %w", w.region, err)
		}
		if !slices.Contains(resp.Types, w.nodeType) {
			out = append(out, Finding{Severity: Problem, Stacks: stacks[w],
				Message: fmt.Sprintf("ElastiCache node type %s is not offered in %s (no reserved-node offering lists it)", w.nodeType, w.region),
				Fix: fmt.Sprintf("set cache.nodeType to a type `aws elasticache describe-reserved-cache-nodes-offerings --region %s --query 'ReservedCacheNodesOfferings[].CacheNodeType'` lists",
					w.region)})
		}
	}
	return out, nil
}
