package stackgraph

import (
	"fmt"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// The committed fleet's waves are derived, not listed: a stack file added later must not break
// this test. Every stack runs in a later wave than each stack it reads, wave 0 reads nothing, and
// every global stack comes after every region stack of its environment.
func TestWavesOfTheCommittedStacks(t *testing.T) {
	f, err := config.LoadDir("../..")
	if err != nil {
		t.Fatal(err)
	}
	g, err := FromFleet(f, f.Names())
	if err != nil {
		t.Fatal(err)
	}
	waves := g.Waves()
	wave := map[string]int{}
	count := 0
	for i, w := range waves {
		for _, s := range w {
			wave[s] = i
			count++
		}
	}
	if count != len(f.Names()) {
		t.Fatalf("waves hold %d stacks, the fleet has %d", count, len(f.Names()))
	}
	for _, s := range f.Stacks {
		refs := f.References(s)
		if wave[s.Name] == 0 && len(refs) > 0 {
			t.Errorf("%s reads %v but runs in wave 0", s.Name, refs)
		}
		for _, d := range refs {
			if wave[d] >= wave[s.Name] {
				t.Errorf("%s (wave %d) reads %s (wave %d)", s.Name, wave[s.Name], d, wave[d])
			}
		}
		if s.Settings.Kind != config.KindGlobal {
			continue
		}
		for _, r := range f.Stacks {
			if r.Settings.Kind == config.KindRegion && r.Settings.Environment == s.Settings.Environment && wave[r.Name] >= wave[s.Name] {
				t.Errorf("global stack %s (wave %d) not after region %s (wave %d)", s.Name, wave[s.Name], r.Name, wave[r.Name])
			}
		}
	}
	// Destroy runs the waves the other way round.
	rev := g.Reverse().Waves()
	if fmt.Sprint(rev[0]) != fmt.Sprint(waves[len(waves)-1]) || fmt.Sprint(rev[len(rev)-1]) != fmt.Sprint(waves[0]) {
		t.Errorf("destroy waves %v are not the waves %v reversed at the ends", rev, waves)
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

func TestOrderPutsEveryStackAfterItsDependencies(t *testing.T) {
	tests := []struct {
		deps map[string][]string
		want string
	}{
		{map[string][]string{"a": {}, "b": {"a"}, "c": {"a"}, "d": {"b", "c"}}, "a,b,c,d"},
		{map[string][]string{"z": {}, "a": {"z"}, "m": {}}, "z,a,m"},
		{map[string][]string{"g": {"r2", "r1"}, "r1": {"p"}, "r2": {"p"}, "p": {}}, "p,r1,r2,g"},
		{map[string][]string{}, ""},
	}
	for _, tt := range tests {
		g, err := New(tt.deps)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(g.Order(), ","); got != tt.want {
			t.Errorf("%v: order %s, want %s", tt.deps, got, tt.want)
		}
	}
}

func TestClosureAddsWhatTheNamedStacksRead(t *testing.T) {
	region := func(name string) *config.Stack {
		return &config.Stack{Name: name, Settings: config.Settings{Kind: config.KindRegion, Environment: "production"}}
	}
	global := &config.Stack{Name: "global", Settings: config.Settings{Kind: config.KindGlobal, Environment: "production"}}
	fleet := &config.Fleet{Stacks: []*config.Stack{region("ams"), global, region("iad"), region("syd")}}
	g, err := Closure(fleet, []string{"global"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(g.Order(), ","); got != "ams,iad,syd,global" {
		t.Errorf("closure order %s", got)
	}
	g, err = Closure(fleet, []string{"iad"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(g.Order(), ","); got != "iad" {
		t.Errorf("a region reads nothing here, closure %s", got)
	}
	if _, err := Closure(fleet, []string{"nope"}); err == nil || !strings.Contains(err.Error(), `no stack "nope"`) {
		t.Errorf("unknown stack: %v", err)
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
