package program_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/internal/fleettest"
	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/program"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

var update = flag.Bool("update", false, "rewrite the golden synth snapshots in testdata/synth")

const (
	repo      = "../.."
	goldenDir = "../../testdata/synth"
)

// synthEdited synthesizes one stack of a copy of the committed fleet with edits applied; upstream
// gives the outputs of the stacks it reads. It returns the graph and the stack's edited config.
func synthEdited(t *testing.T, stack string, upstream map[string]synth.StackOutputs, edits ...fleettest.Edit) (*synth.Graph, *config.Stack) {
	t.Helper()
	dir := fleettest.Copy(t, repo, edits...)
	fleet, err := config.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := synth.Stack(program.New(program.Options{Dir: dir}), fleet.Stack(stack), upstream)
	if err != nil {
		t.Fatal(err)
	}
	return r.Graph, fleet.Stack(stack)
}

// synthAll synthesizes every committed stack once per test binary, as `sovereign synth --all`
// does: one fleet, loaded and validated once and shared with every stack's run, stacks that do
// not read each other in parallel.
var synthAll = func() func(t *testing.T) map[string]*synth.Result {
	var results map[string]*synth.Result
	var err error
	return func(t *testing.T) map[string]*synth.Result {
		t.Helper()
		if results == nil && err == nil {
			var fleet *config.Fleet
			fleet, err = config.LoadDir(repo)
			if err == nil {
				results, err = synth.Fleet(program.New(program.Options{Dir: repo, Fleet: fleet}), fleet, fleet.Names())
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		return results
	}
}()

// Golden snapshots: any change to the resource graph of any stack shows up as a diff in
// testdata/synth/<stack>.json. Regenerate with `make golden` (go test ./pkg/program -update).
func TestGolden(t *testing.T) {
	results := synthAll(t)
	if *update {
		if err := os.MkdirAll(goldenDir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, r := range results {
		t.Run(name, func(t *testing.T) {
			got, err := r.Graph.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(goldenDir, name+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run `make golden` to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the synthesized graph; review the change and run `make golden`\n%s", path, firstDiff(want, got))
			}
		})
	}
	files, _ := filepath.Glob(filepath.Join(goldenDir, "*.json"))
	if !*update && len(files) != len(results) {
		t.Errorf("%d golden files for %d stacks: remove the stale ones", len(files), len(results))
	}
}

func firstDiff(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < len(w) && i < len(g); i++ {
		if w[i] != g[i] {
			return "line " + strconv.Itoa(i+1) + ":\n- " + w[i] + "\n+ " + g[i]
		}
	}
	return "lengths differ: " + strconv.Itoa(len(w)) + " vs " + strconv.Itoa(len(g)) + " lines"
}

// The same config gives byte-identical graphs, whether the stacks share one validated fleet
// and run in parallel (synth --all) or each run loads and validates the fleet itself, one
// stack at a time (as `pulumi up` runs the program).
func TestDeterministic(t *testing.T) {
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	first := synthAll(t)
	again, err := synth.FleetWithOptions(program.New(program.Options{Dir: repo}), fleet, fleet.Names(), synth.Options{Parallelism: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != len(first) {
		t.Fatalf("%d stacks, then %d", len(first), len(again))
	}
	for name := range first {
		a, _ := first[name].Graph.Marshal()
		b, _ := again[name].Graph.Marshal()
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two syntheses differ", name)
		}
	}
}
