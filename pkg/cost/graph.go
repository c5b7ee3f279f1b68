// Package cost estimates the monthly AWS list-price cost of each stack from its synthesized
// resource graph (the JSON `sovereign synth` writes), the way Infracost does for Terraform plans:
// every resource type is priced by a rule, declared free, or declared unpriced (rules.go); unit
// prices come from a pinned table (prices.json, refreshed by `sovereign cost --refresh-prices`);
// what the graph cannot say (data volumes, log volume, samples, storage) comes from documented
// usage defaults per stack kind (usage.go), overridable by a usage file.
//
// The package reads the graph JSON itself and imports no SDK, so the rules' tests run instantly;
// only pkg/cost/pricelist talks to the AWS Price List API.
package cost

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Graph is the part of a synthesized stack graph (pkg/synth.Graph, docs/synth.md) that pricing
// reads. It decodes the files `sovereign synth` writes.
type Graph struct {
	Project   string     `json:"project"`
	Stack     string     `json:"stack"`
	Resources []Resource `json:"resources"`
}

// Resource is one resource of a graph.
type Resource struct {
	URN      string         `json:"urn"`
	Type     string         `json:"type"`
	Name     string         `json:"name"`
	Parent   string         `json:"parent"`
	Provider string         `json:"provider"`
	Remote   bool           `json:"remote"`
	Inputs   map[string]any `json:"inputs"`
	Modelled bool           `json:"modelled,omitempty"`
}

// ReadGraph decodes one graph file.
func ReadGraph(path string) (*Graph, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseGraph(data, path)
}

// ParseGraph decodes a graph; name is used in errors.
func ParseGraph(data []byte, name string) (*Graph, error) {
	var g Graph
	if err := json.Unmarshal(data, &g); err != nil {
		return nil, fmt.Errorf("%s: not a synth graph: %w", name, err)
	}
	if g.Stack == "" {
		return nil, fmt.Errorf("%s: not a synth graph: no \"stack\"", name)
	}
	return &g, nil
}

// ReadGraphs reads every <stack>.json of a directory (what `sovereign synth --out DIR` wrote),
// keyed by stack name.
func ReadGraphs(dir string) (map[string]*Graph, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%s: no <stack>.json graphs; run `sovereign synth --all --out %s`", dir, dir)
	}
	out := map[string]*Graph{}
	for _, p := range paths {
		g, err := ReadGraph(p)
		if err != nil {
			return nil, err
		}
		out[g.Stack] = g
	}
	return out, nil
}

// Stack kinds, as pkg/config names them; Kind infers them from a graph.
const (
	KindRegion      = "region"
	KindEnvironment = "environment"
	KindClient      = "client"
	KindGlobal      = "global"
)

// Kind infers the stack kind from the components the graph declares, so that base graphs of
// a pull request (whose config may differ from the head's) are priced with the right usage
// defaults: a tenant is a client stack, peering or latency DNS a global stack, its own network
// a region stack, and anything else (a cluster on another stack's network) an environment.
func (g *Graph) Kind() string {
	has := func(prefix string) bool {
		for _, r := range g.Resources {
			if strings.HasPrefix(r.Type, prefix) {
				return true
			}
		}
		return false
	}
	switch {
	case has("sovereign:tenant:Tenant"):
		return KindClient
	case has("sovereign:peering:"), has("sovereign:latencydns:"):
		return KindGlobal
	case has("sovereign:network:Network"):
		return KindRegion
	}
	return KindEnvironment
}

// providerTags returns the aws providers' default tags and regions by provider URN.
func (g *Graph) providers() map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, r := range g.Resources {
		if r.Type == "pulumi:providers:aws" {
			out[r.URN] = r.Inputs
		}
	}
	return out
}

// Environment is the `environment` default tag of the stack's aws providers (every stack tags
// its resources with it; budgets filter on it).
func (g *Graph) Environment() string {
	for _, in := range g.providers() {
		if tags, ok := dig(in, "defaultTags", "tags").(map[string]any); ok {
			if env, ok := tags["environment"].(string); ok {
				return env
			}
		}
	}
	return ""
}

// HomeRegion is the AWS region most of the stack's resources are declared in.
func (g *Graph) HomeRegion() string {
	provs := g.providers()
	count := map[string]int{}
	for _, r := range g.Resources {
		if in, ok := provs[providerURN(r.Provider)]; ok {
			if reg, ok := in["region"].(string); ok {
				count[reg]++
			}
		}
	}
	best := ""
	for reg, n := range count {
		if n > count[best] || (n == count[best] && reg < best) {
			best = reg
		}
	}
	return best
}

// providerURN strips the "::<id>" a provider reference carries.
func providerURN(ref string) string {
	if i := strings.LastIndex(ref, "::"); i > 0 && strings.HasPrefix(ref, "urn:") {
		// urn:pulumi:stack::project::type::name::id: the id follows the last "::" only when
		// there are five "::" separators.
		if strings.Count(ref, "::") >= 4 {
			return ref[:i]
		}
	}
	return ref
}

// index gives each resource's region and component.
type index struct {
	byURN   map[string]*Resource
	regions map[string]string // provider URN -> region
	home    string
}

func newIndex(g *Graph) *index {
	ix := &index{byURN: map[string]*Resource{}, regions: map[string]string{}, home: g.HomeRegion()}
	for i := range g.Resources {
		ix.byURN[g.Resources[i].URN] = &g.Resources[i]
	}
	for urn, in := range g.providers() {
		if reg, ok := in["region"].(string); ok {
			ix.regions[urn] = reg
		}
	}
	return ix
}

// region is the AWS region a resource is created in: its provider's, else its nearest
// ancestor's (a remote component's modelled children), else the stack's home region.
func (ix *index) region(r *Resource) string {
	for cur := r; cur != nil; cur = ix.byURN[cur.Parent] {
		if reg, ok := ix.regions[providerURN(cur.Provider)]; ok {
			return reg
		}
	}
	return ix.home
}

// component is the outermost sovereign component a resource belongs to ("cluster",
// "database", ...), or "stack" for resources declared at the top level.
func (ix *index) component(r *Resource) string {
	comp := "stack"
	for cur := r; cur != nil; cur = ix.byURN[cur.Parent] {
		if strings.HasPrefix(cur.Type, "sovereign:") {
			comp = strings.Split(cur.Type, ":")[1]
		}
	}
	return comp
}

// dig walks nested maps.
func dig(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func num(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func strs(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, x := range l {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
