package awscheck

import (
	"slices"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// regionValue is one value a check asks AWS about in one region, with the stacks that use it.
type regionValue struct {
	region, value string
	stacks        []string
}

// byRegion groups the named stacks by AWS region and the value pick returns for each (a stack
// for which pick returns false is left out), sorted by region and then value, so that a check
// asks each question once and reports it for every stack that shares it.
func byRegion(fleet *config.Fleet, names []string, pick func(*config.Stack) (string, bool)) []regionValue {
	index := map[[2]string]int{}
	var out []regionValue
	for _, n := range names {
		s := fleet.Stack(n)
		if s == nil {
			continue
		}
		v, ok := pick(s)
		if !ok {
			continue
		}
		k := [2]string{s.Settings.AWSRegion, v}
		i, seen := index[k]
		if !seen {
			i = len(out)
			index[k] = i
			out = append(out, regionValue{region: k[0], value: v})
		}
		out[i].stacks = append(out[i].stacks, s.Name)
	}
	slices.SortFunc(out, func(a, b regionValue) int {
		if c := cmpString(a.region, b.region); c != 0 {
			return c
		}
		return cmpString(a.value, b.value)
	})
	return out
}
