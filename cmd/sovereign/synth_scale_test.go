package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/internal/fleettest"
	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/program"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

// grownFleet is the committed fleet plus region stacks cloned from Pulumi.iad.yaml, n stacks
// in all: each clone has its own code (x001, ...), a free /16 VPC, its own block of VPN tunnel
// addresses, no backup and no Cassandra
// datacenter (staging has no Cassandra cluster), in staging
// (production allows one latency record per AWS region and a peering mesh within the VPC peering
// quota). The clones set their database block to null: Pulumi.yaml's region defaults would
// make each a secondary of a staging global database without a primary.
func grownFleet(t *testing.T, n int) string {
	t.Helper()
	dir := fleettest.Copy(t, repo)
	iad, err := os.ReadFile(filepath.Join(repo, "Pulumi.iad.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "Pulumi.*.yaml"))
	used := map[string]bool{}
	for _, f := range files {
		data, _ := os.ReadFile(f)
		for _, m := range regexp.MustCompile(`vpcCidr: 10\.([0-9]+)\.`).FindAllSubmatch(data, -1) {
			used[string(m[1])] = true
		}
	}
	block := regexp.MustCompile(`^  [a-z-]+:[a-zA-Z-]+:`)
	octet := 0
	for i := 1; len(files) < n; i++ {
		for used[fmt.Sprint(octet)] {
			octet++
		}
		used[fmt.Sprint(octet)] = true
		code := fmt.Sprintf("x%03d", i)
		var out []string
		skip := false
		for _, line := range strings.Split(string(iad), "\n") {
			if block.MatchString(line) {
				key := strings.TrimSpace(line)
				skip = key == "global-sovereign:database:" || key == "global-sovereign:backup:" || key == "global-sovereign:cassandra:"
			}
			switch {
			case skip:
				continue
			case line == "    code: iad":
				line = "    code: " + code
			case line == "    environment: production":
				line = "    environment: staging"
			case strings.HasPrefix(line, "    vpcCidr: "):
				line = fmt.Sprintf("    vpcCidr: 10.%d.0.0/16", octet)
			case strings.HasPrefix(line, "    tunnelInsideBlock: "): // each stack its own tunnel addresses
				line = fmt.Sprintf("    tunnelInsideBlock: 169.254.%d.%d/27", 16+i/8, i%8*32)
			}
			out = append(out, line)
		}
		// No database: the region defaults would make each clone a secondary of a staging
		// global database that has no primary.
		out = append(out, "  global-sovereign:database: null")
		path := filepath.Join(dir, config.StackFileName(code))
		if err := os.WriteFile(path, []byte(strings.Join(out, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
	}
	return dir
}

// synth --all on a grown fleet (one shared, validated fleet; stacks in parallel) writes the
// graphs that the program gives when each stack's run loads and validates the fleet itself, one
// stack at a time, byte for byte; the table lists the stacks in name order.
func TestSynthAllSharedAndParallelMatchesOneByOne(t *testing.T) {
	dir := grownFleet(t, 12)
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "synth", "--all", "--dir", dir, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	fleet, err := config.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ps := fleet.Validate(); len(ps) > 0 {
		t.Fatalf("the grown fleet is invalid: %v", ps.Err())
	}
	names := fleet.Names()
	if len(names) != 12 {
		t.Fatalf("%d stacks, want 12", len(names))
	}
	want, err := synth.FleetWithOptions(program.New(program.Options{Dir: dir}), fleet, names, synth.Options{Parallelism: 1})
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n")[1:] {
		rows = append(rows, strings.Fields(line)[0])
	}
	if sorted := slices.Sorted(slices.Values(names)); strings.Join(rows, ",") != strings.Join(sorted, ",") {
		t.Errorf("table rows %v, want the stacks in name order %v", rows, sorted)
	}
	for _, name := range names {
		got, err := os.ReadFile(filepath.Join(out, name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		w, err := want[name].Graph.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, w) {
			t.Errorf("%s.json differs from the one-by-one synthesis", name)
		}
	}
}
