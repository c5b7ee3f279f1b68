// Package graphtest holds the assertions the component tests share over a synthesized graph.
package graphtest

import (
	"testing"

	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

// One is the only resource of type typ in g; the test fails unless there is exactly one.
func One(t testing.TB, g *synth.Graph, typ string) synth.Resource {
	t.Helper()
	rs := g.ByType(typ)
	if len(rs) != 1 {
		t.Fatalf("%d %s, want 1", len(rs), typ)
	}
	return rs[0]
}

// Strings is a list input of strings as the graph records it ([]any of string).
func Strings(v any) []string {
	var out []string
	for _, e := range v.([]any) {
		out = append(out, e.(string))
	}
	return out
}
