package program_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/internal/fleettest"
	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/program"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

// throwaway makes the named stacks throwaway ones (protect false) with the given secret recovery
// window, in a copy of the fleet.
func throwaway(t *testing.T, recoveryDays int, stacks ...string) (string, *config.Fleet) {
	t.Helper()
	var edits []fleettest.Edit
	for _, s := range stacks {
		edits = append(edits, fleettest.Edit{File: config.StackFileName(s), Old: "    code: " + s + "\n",
			New: fmt.Sprintf("    code: %s\n    protect: false\n    secretRecoveryDays: %d\n", s, recoveryDays)})
	}
	dir := fleettest.Copy(t, repo, edits...)
	fleet, err := config.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, fleet
}

// generations synthesizes two generations of the same stacks: the first creation, and the
// creation after a destroy of the first (every value drawn at random on creation is drawn again).
func generations(t *testing.T, dir string, fleet *config.Fleet, stacks ...string) (first, second map[string]*synth.Result) {
	t.Helper()
	prog := program.New(program.Options{Dir: dir})
	var err error
	if first, err = synth.FleetWithOptions(prog, fleet, stacks, synth.Options{Generation: 0}); err != nil {
		t.Fatal(err)
	}
	if second, err = synth.FleetWithOptions(prog, fleet, stacks, synth.Options{Generation: 1}); err != nil {
		t.Fatal(err)
	}
	return first, second
}

// The mock-tier stand-in for a create/destroy/create cycle of a throwaway stack with the same
// stack names (the real engine cannot run here: there is no AWS provider plugin). The primary
// (ams) and a secondary (syd) with protect false and a 0-day secret recovery window: nothing
// stops `destroy` (no Pulumi protection, no AWS deletion protection, buckets and vaults emptied
// on delete, final snapshots named), and the second generation creates no name that AWS still
// keeps from the first (final snapshot, secret, bucket).
func TestThrowawayStackDestroysAndRecreates(t *testing.T) {
	dir, fleet := throwaway(t, 0, "ams", "syd")
	first, second := generations(t, dir, fleet, "ams", "syd")
	for _, name := range []string{"ams", "syd"} {
		g1, g2 := first[name].Graph, second[name].Graph
		if vs := synth.DestroyAudit(g1); len(vs) > 0 {
			t.Errorf("%s: destroy would not finish:\n%s", name, synth.FormatViolations(vs))
		}
		// The audit is not vacuous: what it checks is there.
		for _, typ := range []string{tCluster, "aws:backup/vault:Vault", "aws:lb/loadBalancer:LoadBalancer", "aws:s3/bucketV2:BucketV2"} {
			if len(g1.ByType(typ)) == 0 {
				t.Errorf("%s: no %s in the graph", name, typ)
			}
		}
		for _, s := range mustFind(t, g1, name, "Secrets Manager secret", ofType("aws:secretsmanager/secret:Secret")) {
			if s.Inputs["recoveryWindowInDays"] != float64(0) {
				t.Errorf("%s: secret %s recovery window %v, want 0 from secretRecoveryDays", name, s.Name, s.Inputs["recoveryWindowInDays"])
			}
		}
		if c := synth.NameCollisions(g1, g2); len(c) > 0 {
			t.Errorf("%s: re-creating after destroy would fail on names AWS still keeps:\n%v", name, c)
		}
	}
	// The primary's final snapshot is named per generation, so a second destroy does not fail
	// on the first one's snapshot.
	snap := func(g *synth.Graph) string {
		return one(t, g, "ams", tCluster).Inputs["finalSnapshotIdentifier"].(string)
	}
	s1, s2 := snap(first["ams"].Graph), snap(second["ams"].Graph)
	if !strings.HasPrefix(s1, "gs-ams-aurora-final-") || s1 == s2 {
		t.Errorf("final snapshot identifiers %q and %q: want gs-ams-aurora-final-<random>, new per generation", s1, s2)
	}
	if len(synth.RetainedNames(first["ams"].Graph)) == 0 {
		t.Error("ams leaves no final snapshot behind: the retained-name check is vacuous")
	}
}

// A secret recovery window above 0 keeps a deleted secret's name for that window. The cache's
// secret is auto-named and never collides; the Aurora credentials keep their documented fixed
// name, so re-creating within the window collides on exactly that name (README, "Tearing down a
// stack": restore or force-delete the old secret, or tear down with 0 days).
func TestSecretRecoveryWindowKeepsTheFixedName(t *testing.T) {
	dir, fleet := throwaway(t, 7, "ams")
	first, second := generations(t, dir, fleet, "ams")
	if vs := synth.DestroyAudit(first["ams"].Graph); len(vs) > 0 {
		t.Errorf("destroy would not finish:\n%s", synth.FormatViolations(vs))
	}
	var names []string
	for _, c := range synth.NameCollisions(first["ams"].Graph, second["ams"].Graph) {
		names = append(names, c.Kind+" "+c.Name+" "+c.Scope)
	}
	if strings.Join(names, ";") != "Secrets Manager secret global-sovereign-production/master eu-west-1" {
		t.Errorf("collisions %v, want only the Aurora credentials secret", names)
	}
}

// A protected production stack refuses: the audit names every resource that guards its data.
func TestDestroyAuditRefusesAProtectedStack(t *testing.T) {
	vs := synth.DestroyAudit(synthAll(t)["ams"].Graph)
	found := map[string]bool{}
	for _, v := range vs {
		found[v.Rule+" "+v.Holder[strings.LastIndex(v.Holder, "::")+2:]] = true
	}
	for _, want := range []string{
		"protected gs-ams-global", "deletion-protection gs-ams-global",
		"protected gs-ams-aurora", "deletion-protection gs-ams-aurora",
		"protected gs-ams-aurora-key", "protected gs-ams-cache", "protected gs-ams-aurora-master",
		"protected gs-ams-backup", "force-destroy gs-ams-backup", "force-destroy gs-ams-backup-copy",
		"deletion-protection gs-ams-api", "force-destroy gs-ams-alb-logs",
	} {
		if !found[want] {
			t.Errorf("the audit of the protected ams stack misses %q; got:\n%s", want, synth.FormatViolations(vs))
		}
	}
}

// ElastiCache always applies at once (AWS rejects a deferred log-delivery change and the provider
// sends all changes in one call); Aurora clusters and instances follow database.applyImmediately.
func TestApplyImmediately(t *testing.T) {
	check := func(t *testing.T, name string, g *synth.Graph, aurora bool) {
		t.Helper()
		for _, r := range mustFind(t, g, name, "cache replication group", ofType(tReplication)) {
			if r.Inputs["applyImmediately"] != true {
				t.Errorf("%s: cache %s applyImmediately %v", name, r.Name, r.Inputs["applyImmediately"])
			}
		}
		rs := append(g.ByType(tCluster), g.ByType(tInstance)...)
		if len(rs) == 0 {
			t.Fatalf("%s: no Aurora members", name)
		}
		for _, r := range rs {
			if r.Inputs["applyImmediately"] != aurora {
				t.Errorf("%s: %s applyImmediately %v, want %v", name, r.Name, r.Inputs["applyImmediately"], aurora)
			}
		}
	}
	for name, g := range regionGraphs(t) {
		check(t, name, g, true)
	}
	deferred, _ := synthEdited(t, "ams", nil,
		fleettest.Edit{File: "Pulumi.ams.yaml", Old: "    role: primary\n", New: "    role: primary\n    applyImmediately: false\n"})
	check(t, "ams deferred", deferred, false)
}
