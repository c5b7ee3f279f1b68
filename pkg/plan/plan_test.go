package plan

import (
	"fmt"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

func TestWavesOfTheCommittedStacks(t *testing.T) {
	f, err := config.LoadDir("../..")
	if err != nil {
		t.Fatal(err)
	}
	g, err := FromFleet(f, f.Names())
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(g.Waves())
	if want := "[[ams] [iad jnb sfo sin syd] [global]]"; got != want {
		t.Errorf("waves %s, want %s", got, want)
	}
	if got := fmt.Sprint(g.Reverse().Waves()); got != "[[global] [iad jnb sfo sin syd] [ams]]" {
		t.Errorf("destroy waves %s", got)
	}
	// A selection keeps only the edges inside it.
	sub, err := FromFleet(f, []string{"iad", "global"})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(sub.Waves()); got != "[[iad] [global]]" {
		t.Errorf("selection waves %s", got)
	}
	if _, err := FromFleet(f, []string{"lhr"}); err == nil {
		t.Error("unknown stack accepted")
	}
}

func TestGraphErrors(t *testing.T) {
	tests := []struct {
		name string
		deps map[string][]string
		want string
	}{
		{"cycle", map[string][]string{"a": {"b"}, "b": {"c"}, "c": {"a"}}, "cycle: a -> b -> c -> a"},
		{"self", map[string][]string{"a": {"a"}}, "cycle: a -> a"},
		{"missing", map[string][]string{"a": {"zz"}}, "stack a reads stack zz, which does not exist"},
	}
	for _, tt := range tests {
		if _, err := New(tt.deps); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestDownstreamAndCriticalPath(t *testing.T) {
	g, err := New(map[string][]string{"a": {}, "b": {"a"}, "c": {"a"}, "d": {"b", "c"}, "e": {}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(g.Downstream("a"), ","); got != "b,c,d" {
		t.Errorf("downstream of a: %s", got)
	}
	cost := map[string]float64{"a": 1, "b": 5, "c": 2, "d": 1, "e": 6}
	if got := g.CriticalPath(func(s string) float64 { return cost[s] }); got != 7 {
		t.Errorf("critical path %v, want 7 (a+b+d)", got)
	}
}
