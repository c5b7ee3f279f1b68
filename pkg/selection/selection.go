// Package selection resolves the stack selection flags every command shares (--stack, --all,
// --env, --region) against a fleet, and orders stacks by kind for display. It imports no Pulumi
// SDK.
package selection

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// Selector is the flags as given.
type Selector struct {
	Stacks []string // --stack: these stacks
	All    bool     // --all: every stack
	Envs   []string // --env: the stacks of any of these environments
	Codes  []string // --region: the stacks of any of these region codes
}

// Filtered reports whether --env or --region was given.
func (s Selector) Filtered() bool { return len(s.Envs) > 0 || len(s.Codes) > 0 }

// Empty reports whether no selection flag was given.
func (s Selector) Empty() bool { return !s.All && len(s.Stacks) == 0 && !s.Filtered() }

// Resolve returns the selected stack names, sorted. --env and --region select the stacks that
// match both (each flag may list several values, any of which matches); --all with them is the
// same as without. Every name and value must exist in the fleet: an unknown one is refused with
// the ones there are.
func (s Selector) Resolve(fleet *config.Fleet) ([]string, error) {
	switch {
	case s.All && len(s.Stacks) > 0:
		return nil, fmt.Errorf("give --stack or --all, not both")
	case len(s.Stacks) > 0 && s.Filtered():
		return nil, fmt.Errorf("give --stack, or --env/--region, not both")
	case s.Empty():
		return nil, fmt.Errorf("give --stack <name>, --env <environment>, --region <code> or --all; stacks: %v", fleet.Names())
	case len(s.Stacks) > 0:
		for _, n := range s.Stacks {
			if fleet.Stack(n) == nil {
				return nil, fmt.Errorf("no stack %q (no %s)%s; stacks: %v", n, config.StackFileName(n), config.Suggest(n, fleet.Names()), fleet.Names())
			}
		}
		out := slices.Clone(s.Stacks)
		sort.Strings(out)
		return slices.Compact(out), nil
	}
	envs, codes := values(fleet)
	for _, e := range s.Envs {
		if !slices.Contains(envs, e) {
			return nil, fmt.Errorf("--env %q: no stack has this environment%s; environments: %s", e, config.Suggest(e, envs), strings.Join(envs, ", "))
		}
	}
	for _, c := range s.Codes {
		if !slices.Contains(codes, c) {
			return nil, fmt.Errorf("--region %q: no stack has this region code%s; region codes: %s", c, config.Suggest(c, codes), strings.Join(codes, ", "))
		}
	}
	var out []string
	for _, st := range fleet.Stacks {
		if (len(s.Envs) == 0 || slices.Contains(s.Envs, string(st.Settings.Environment))) &&
			(len(s.Codes) == 0 || slices.Contains(s.Codes, st.Settings.Code)) {
			out = append(out, st.Name)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no stack has environment %s and region code %s", strings.Join(s.Envs, " or "), strings.Join(s.Codes, " or "))
	}
	sort.Strings(out)
	return out, nil
}

// values lists the environments and region codes of the fleet's stacks, sorted.
func values(fleet *config.Fleet) (envs, codes []string) {
	for _, s := range fleet.Stacks {
		envs = append(envs, string(s.Settings.Environment))
		codes = append(codes, s.Settings.Code)
	}
	slices.Sort(envs)
	slices.Sort(codes)
	return slices.Compact(envs), slices.Compact(codes)
}

// kindRank orders kinds for display: production's shared stacks (regions, then the global stack
// over them), then environments, then clients.
var kindRank = map[config.Kind]int{config.KindRegion: 0, config.KindGlobal: 1, config.KindEnvironment: 2, config.KindClient: 3}

// ByKind sorts stack names by kind (region, global, environment, client), then name, in place.
// Within a wave of the deploy order it lists a region before the environments on its network and
// those before the clients in them.
func ByKind(fleet *config.Fleet, names []string) {
	rank := func(n string) int {
		if s := fleet.Stack(n); s != nil {
			if r, ok := kindRank[s.Settings.Kind]; ok {
				return r
			}
		}
		return len(kindRank)
	}
	sort.SliceStable(names, func(i, j int) bool {
		if ri, rj := rank(names[i]), rank(names[j]); ri != rj {
			return ri < rj
		}
		return names[i] < names[j]
	})
}
