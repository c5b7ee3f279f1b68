//go:build e2e

package autoengine

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pcfg "github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/orchestrate"
	"github.com/global-sovereign/global-sovereign/pkg/stackgraph"
)

// The loader that validate and synth use gives each stack the config the Pulumi engine gives the
// program: the project's Pulumi.yaml values for the keys a stack file does not set, the stack
// file's for the others, a null block as no block. An up of every committed stack (plus one
// that drops a default block) runs an inline program that records what the engine passed; the
// record must equal the loader's EngineConfig, and decode to the same stack.
func TestE2EProjectConfigAsTheEngineMergesIt(t *testing.T) {
	tmp := t.TempDir()
	work := filepath.Join(tmp, "project")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("../../../Pulumi*.yaml")
	if err != nil || len(files) < 3 {
		t.Fatalf("project files: %v %v", files, err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(work, filepath.Base(f)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A stack that drops a block its kind's defaults give it.
	staging, err := os.ReadFile(filepath.Join(work, "Pulumi.iad-staging.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	nocache := strings.Replace(string(staging), "environment: staging", "environment: development\n    namePrefix: gs-iad-nocache", 1) +
		"  global-sovereign:cache: null\n"
	if err := os.WriteFile(filepath.Join(work, "Pulumi.iad-nocache.yaml"), []byte(nocache), 0o644); err != nil {
		t.Fatal(err)
	}
	// The same null as the Pulumi CLI writes it back after a `pulumi config set`.
	rewritten := strings.NewReplacer("gs-iad-nocache", "gs-iad-rewritten", "environment: development", "environment: staging",
		"global-sovereign:cache: null", `global-sovereign:cache: ""`).Replace(nocache)
	if err := os.WriteFile(filepath.Join(work, "Pulumi.iad-rewritten.yaml"), []byte(rewritten), 0o644); err != nil {
		t.Fatal(err)
	}

	proj, err := config.ReadProject(work)
	if err != nil {
		t.Fatal(err)
	}
	stacks := map[string]*config.Stack{}
	deps := map[string][]string{}
	for _, f := range append(files, filepath.Join(work, "Pulumi.iad-nocache.yaml"), filepath.Join(work, "Pulumi.iad-rewritten.yaml")) {
		name, ok := config.StackNameFromFile(f)
		if !ok {
			continue
		}
		s, err := proj.ReadFile(filepath.Join(work, filepath.Base(f)))
		if err != nil {
			t.Fatal(err)
		}
		stacks[name], deps[name] = s, nil
	}

	var mu sync.Mutex
	seen := map[string]map[string]string{} // stack -> key -> raw value the engine passed
	program := func(ctx *pulumi.Context) error {
		got := map[string]string{}
		for _, k := range config.Keys {
			if v, err := pcfg.Try(ctx, config.Project+":"+k); err == nil {
				got[config.Project+":"+k] = v
			}
		}
		mu.Lock()
		seen[ctx.Stack()] = got
		mu.Unlock()
		return nil
	}
	state := filepath.Join(tmp, "state")
	if err := os.MkdirAll(state, 0o755); err != nil {
		t.Fatal(err)
	}
	eng, err := New(Options{
		Project: config.Project, WorkDir: work, Program: program, PulumiRoot: pulumiRoot(t), LogDir: filepath.Join(tmp, "logs"),
		Env: map[string]string{
			"PULUMI_BACKEND_URL": "file://" + state, "PULUMI_CONFIG_PASSPHRASE": "e2e-passphrase",
			"PULUMI_HOME": filepath.Join(tmp, "home"), "PULUMI_SKIP_UPDATE_CHECK": "true",
			"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	g, err := stackgraph.New(deps)
	if err != nil {
		t.Fatal(err)
	}
	sum := orchestrate.Run(context.Background(), g, orchestrate.Up, eng, orchestrate.Options{Parallel: 2, Observer: orchestrate.NewLines(testWriter{t})})
	logTable(t, sum)
	for name, st := range statuses(sum) {
		if st != orchestrate.Succeeded {
			t.Fatalf("up of %s: %s", name, st)
		}
	}

	names := make([]string, 0, len(stacks))
	for n := range stacks {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		s := stacks[name]
		engine := seen[name]
		if engine == nil {
			t.Errorf("%s: the program did not run", name)
			continue
		}
		want, err := s.EngineConfig()
		if err != nil {
			t.Fatal(err)
		}
		// The loader writes structured values as JSON; the engine as JSON too, maybe with other
		// spacing or key order: compare the values.
		for _, k := range sortedUnion(want, engine) {
			w, e := want[k], engine[k]
			if normalize(w) != normalize(e) {
				t.Errorf("%s %s:\n  loader: %s\n  engine: %s", name, k, w, e)
			}
		}
		// Decoded the way the program decodes it, the engine's config is the loader's stack.
		got, err := config.FromEngine(name, func(key string) (string, bool) {
			v, ok := engine[config.Project+":"+key]
			return v, ok
		}, s)
		if err != nil {
			t.Errorf("%s: the engine's config does not decode: %v", name, err)
			continue
		}
		if !reflect.DeepEqual(public(got), public(s)) {
			t.Errorf("%s: decoded from the engine %+v\nfrom the files %+v", name, public(got), public(s))
		}
	}
	for _, name := range []string{"iad-nocache", "iad-rewritten"} {
		if c := stacks[name]; c.Cache != nil {
			t.Errorf("%s has a cache from the defaults although its file sets it to null", name)
		}
	}
	if stacks["iad"].Cluster == nil || stacks["iad"].VPN == nil {
		t.Errorf("iad took no cluster or VPN from Pulumi.yaml's defaults")
	}
}

// normalize makes a JSON value comparable whatever its spacing and key order; a plain string
// stays as it is.
func normalize(s string) string {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func sortedUnion(a, b map[string]string) []string {
	seen := map[string]bool{}
	for k := range a {
		seen[k] = true
	}
	for k := range b {
		seen[k] = true
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// public is what a stack's config says, without the loader's bookkeeping (lines, origins).
func public(s *config.Stack) config.Stack {
	return config.Stack{
		Name: s.Name, File: s.File, DisableDefaultProviders: s.DisableDefaultProviders, Settings: s.Settings,
		Network: s.Network, VPN: s.VPN, Database: s.Database, Cache: s.Cache, Backup: s.Backup, Cluster: s.Cluster,
		Ingress: s.Ingress, DNS: s.DNS, Costs: s.Costs, Client: s.Client, Alerts: s.Alerts, Tags: s.Tags,
	}
}
