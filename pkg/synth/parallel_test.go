package synth

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// parallelFleet: ams holds the primary database, iad and syd read it, x1..x6 read nothing and
// global reads every region.
func parallelFleet() *config.Fleet {
	region := func(name string, role config.DatabaseRole) *config.Stack {
		s := &config.Stack{Name: name, Settings: config.Settings{Kind: config.KindRegion, Environment: config.EnvProduction}}
		if role != "" {
			s.Database = &config.Database{Role: role}
		}
		return s
	}
	f := &config.Fleet{Stacks: []*config.Stack{
		region("ams", config.RolePrimary),
		{Name: "global", Settings: config.Settings{Kind: config.KindGlobal, Environment: config.EnvProduction}},
		region("iad", config.RoleSecondary), region("syd", config.RoleSecondary),
	}}
	for i := 1; i <= 6; i++ {
		f.Stacks = append(f.Stacks, region(fmt.Sprintf("x%d", i), ""))
	}
	sort.Slice(f.Stacks, func(i, j int) bool { return f.Stacks[i].Name < f.Stacks[j].Name })
	return f
}

// Every stack starts after the stacks it reads have finished, and gets their outputs; stacks
// that do not read each other overlap, never more than Parallelism at once.
func TestFleetRunsStacksInParallelAfterTheirReferences(t *testing.T) {
	fleet := parallelFleet()
	var mu sync.Mutex
	finished := map[string]bool{}
	running, most := 0, 0
	var problems []string
	prog := func(ctx *pulumi.Context) error {
		name := ctx.Stack()
		mu.Lock()
		for _, dep := range fleet.References(fleet.Stack(name)) {
			if !finished[dep] {
				problems = append(problems, name+" started before "+dep+" finished")
			}
		}
		running++
		most = max(most, running)
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		for _, dep := range fleet.References(fleet.Stack(name)) {
			ref, err := pulumi.NewStackReference(ctx, dep, &pulumi.StackReferenceArgs{
				Name: pulumi.String(fmt.Sprintf("%s/%s/%s", Organization, config.Project, dep))})
			if err != nil {
				return err
			}
			ctx.Export("from-"+dep, ref.GetStringOutput(pulumi.String("name")))
		}
		ctx.Export("name", pulumi.String(name))
		mu.Lock()
		running--
		finished[name] = true
		mu.Unlock()
		return nil
	}
	for _, workers := range []int{1, 3} {
		finished, running, most, problems = map[string]bool{}, 0, 0, nil
		results, err := FleetWithOptions(prog, fleet, []string{"global"}, Options{Parallelism: workers})
		if err != nil {
			t.Fatal(err)
		}
		if len(problems) > 0 {
			t.Errorf("parallelism %d: %s", workers, strings.Join(problems, "; "))
		}
		if len(results) != len(fleet.Stacks) {
			t.Errorf("parallelism %d: %d results for %d stacks", workers, len(results), len(fleet.Stacks))
		}
		if most != workers {
			t.Errorf("parallelism %d: at most %d stacks ran at once", workers, most)
		}
		for name, r := range results {
			for _, dep := range fleet.References(fleet.Stack(name)) {
				if got := r.Outputs[resource.PropertyKey("from-"+dep)]; !got.IsString() || got.StringValue() != dep {
					t.Errorf("parallelism %d: %s read %v from %s", workers, name, got, dep)
				}
			}
		}
	}
}

// A failure is reported as a run one stack at a time in dependency order reports it: the first
// failing stack in that order, with the results of the stacks before it, even when a later
// stack fails first.
func TestFleetReportsTheFirstFailureInOrder(t *testing.T) {
	var stacks []*config.Stack
	for _, name := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		stacks = append(stacks, &config.Stack{Name: name, Settings: config.Settings{Kind: config.KindRegion, Environment: config.EnvStaging}})
	}
	fleet := &config.Fleet{Stacks: stacks}
	prog := func(ctx *pulumi.Context) error {
		switch ctx.Stack() {
		case "c":
			time.Sleep(50 * time.Millisecond)
			return errors.New("c is broken")
		case "d":
			return errors.New("d is broken")
		}
		ctx.Export("name", pulumi.String(ctx.Stack()))
		return nil
	}
	for _, workers := range []int{1, 2, 4, 8} {
		results, err := FleetWithOptions(prog, fleet, fleet.Names(), Options{Parallelism: workers})
		if err == nil || !strings.Contains(err.Error(), "stack c: c is broken") {
			t.Errorf("parallelism %d: error %v, want stack c's", workers, err)
		}
		var got []string
		for name := range results {
			got = append(got, name)
		}
		sort.Strings(got)
		if strings.Join(got, ",") != "a,b" {
			t.Errorf("parallelism %d: results of %v, want a and b (the stacks before c)", workers, got)
		}
	}
}
