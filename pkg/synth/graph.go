// Package synth runs the real Pulumi program of a stack under Pulumi's mocks, offline, and
// records the resource graph it declares as JSON: what `cdk synth` is to the CDK. Tests,
// reviews and policy checks read that JSON; the mocks answer like AWS so that every apply and
// cross-stack read in the program runs as in a real deployment.
package synth

import (
	"bytes"
	"encoding/json"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/global-sovereign/global-sovereign/internal/sorted"
)

// SecretMarker replaces every secret value in a graph.
const SecretMarker = "[secret]"

// Graph is the synthesized resource graph of one stack.
type Graph struct {
	Project   string         `json:"project"`
	Stack     string         `json:"stack"`
	Resources []Resource     `json:"resources"`
	Outputs   map[string]any `json:"outputs"`
}

// Resource is one registered resource with its inputs and options.
type Resource struct {
	URN                 string            `json:"urn"`
	Type                string            `json:"type"`
	Name                string            `json:"name"`
	Parent              string            `json:"parent"`
	Provider            string            `json:"provider"`
	Providers           map[string]string `json:"providers"`
	Custom              bool              `json:"custom"`
	Remote              bool              `json:"remote"`
	Inputs              map[string]any    `json:"inputs"`
	DependsOn           []string          `json:"dependsOn"`
	Protect             bool              `json:"protect"`
	IgnoreChanges       []string          `json:"ignoreChanges"`
	DeleteBeforeReplace bool              `json:"deleteBeforeReplace"`
	// ReplaceOnChanges are the inputs whose change the engine turns into a replacement (absent
	// on most resources, so the goldens show it only where it is set).
	ReplaceOnChanges        []string `json:"replaceOnChanges,omitempty"`
	AdditionalSecretOutputs []string `json:"additionalSecretOutputs"`
	// Modelled marks a resource the program does not register but a remote component creates
	// at its pinned version (see eksmodel.go); absent on registered resources.
	Modelled bool `json:"modelled,omitempty"`

	// ID and State are what the mocks answered (AWS-shaped ids, ARNs, names); the audit reads
	// them. They stay out of the JSON, which records what the program declares.
	ID    string         `json:"-"`
	State map[string]any `json:"-"`
}

// Marshal renders the graph as indented JSON. Resources are sorted by URN and encoding/json
// sorts map keys, so the same program and config give byte-identical output.
func (g *Graph) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(g); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ByType returns the resources of a type token that the program registers, in URN order.
func (g *Graph) ByType(token string) []Resource {
	var out []Resource
	for _, r := range g.Resources {
		if r.Type == token && !r.Modelled {
			out = append(out, r)
		}
	}
	return out
}

// ModelledByType returns the resources of a type token that remote components create.
func (g *Graph) ModelledByType(token string) []Resource {
	var out []Resource
	for _, r := range g.Resources {
		if r.Type == token && r.Modelled {
			out = append(out, r)
		}
	}
	return out
}

func buildGraph(project, stack string, regs []registration, outputs map[string]any) *Graph {
	g := &Graph{Project: project, Stack: stack, Outputs: outputs, Resources: make([]Resource, 0, len(regs))}
	for _, reg := range regs {
		providers := map[string]string{}
		for pkg, ref := range reg.providers {
			providers[pkg] = providerURN(ref)
		}
		g.Resources = append(g.Resources, Resource{
			URN:                     reg.urn,
			Type:                    reg.typ,
			Name:                    reg.name,
			Parent:                  reg.parent,
			Provider:                providerURN(reg.provider),
			Providers:               providers,
			Custom:                  reg.custom,
			Remote:                  reg.remote,
			Inputs:                  plainMap(reg.inputs),
			DependsOn:               sorted.Unique(reg.dependencies),
			Protect:                 reg.protect,
			IgnoreChanges:           sorted.Unique(reg.ignoreChanges),
			DeleteBeforeReplace:     reg.deleteBeforeReplace,
			ReplaceOnChanges:        sorted.Unique(reg.replaceOnChanges),
			AdditionalSecretOutputs: sorted.Unique(reg.additionalSecretOutputs),
			Modelled:                reg.modelled,
			ID:                      reg.id,
			State:                   plainMap(reg.state),
		})
	}
	sort.Slice(g.Resources, func(i, j int) bool { return g.Resources[i].URN < g.Resources[j].URN })
	return g
}

func plainMap(m resource.PropertyMap) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[string(k)] = plain(v)
	}
	return out
}

// plain converts a property value to JSON-ready Go values: secrets become SecretMarker, a
// resource reference becomes {"urn": ...}.
func plain(v resource.PropertyValue) any {
	switch {
	case v.IsSecret():
		return SecretMarker
	case v.IsNull():
		return nil
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsString():
		return v.StringValue()
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]any, len(arr))
		for i, e := range arr {
			out[i] = plain(e)
		}
		return out
	case v.IsObject():
		return plainMap(v.ObjectValue())
	case v.IsResourceReference():
		return map[string]any{"urn": string(v.ResourceReferenceValue().URN)}
	case v.IsOutput():
		o := v.OutputValue()
		if o.Secret {
			return SecretMarker
		}
		if !o.Known {
			return "[unknown]"
		}
		return plain(o.Element)
	case v.IsComputed():
		return "[unknown]"
	case v.IsAsset():
		return map[string]any{"asset": v.AssetValue().Hash}
	case v.IsArchive():
		return map[string]any{"archive": v.ArchiveValue().Hash}
	}
	return nil
}
