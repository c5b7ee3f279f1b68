package database_test

import (
	"slices"
	"testing"

	"github.com/global-sovereign/global-sovereign/components/database"
)

// effectiveInput is what the engine diffs for one input after ignoreChanges: the old value when
// the input is ignored.
func effectiveInput(old, cur map[string]any, ignore []string, key string) any {
	if slices.Contains(ignore, key) {
		return old[key]
	}
	return cur[key]
}

// Upgrades are config changes: a global database's through its global cluster (the provider
// upgrades every member; members ignore their own engineVersion), a standalone cluster's
// directly; a major version also moves the parameter group to the new family, and every
// cluster allows the major upgrade.
func TestUpgradePaths(t *testing.T) {
	standalone := func() *database.Args {
		a := primary(ams, 1, "eu-west-1a")
		a.Primary.Standalone, a.Home.GlobalClusterIdentifier = true, ""
		return a
	}
	for _, tt := range []struct {
		name          string
		args          func() *database.Args
		version, next string
		global        bool
	}{
		{"global, minor", func() *database.Args { return primary(ams, 2, "eu-west-1a", "eu-west-1b") }, "16.6", "16.8", true},
		{"global, major", func() *database.Args { return primary(ams, 2, "eu-west-1a", "eu-west-1b") }, "16.6", "17.4", true},
		{"global secondary, major", func() *database.Args { return secondary(iad, 2, "us-east-1a", "us-east-1b") }, "16.6", "17.4", false},
		{"standalone, minor", standalone, "16.6", "16.8", false},
		{"standalone, major", standalone, "16.6", "17.4", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before, after := tt.args(), tt.args()
			before.EngineVersion, before.EngineMajor = tt.version, tt.version[:2]
			after.EngineVersion, after.EngineMajor = tt.next, tt.next[:2]
			gb, err := synthDatabase(before)
			if err != nil {
				t.Fatal(err)
			}
			ga, err := synthDatabase(after)
			if err != nil {
				t.Fatal(err)
			}
			cb, _ := gb.Named(tCluster, "gs-test-aurora")
			ca, _ := ga.Named(tCluster, "gs-test-aurora")
			if ca.Inputs["allowMajorVersionUpgrade"] != true {
				t.Errorf("cluster does not allow a major upgrade: %v", ca.Inputs)
			}
			got := effectiveInput(cb.Inputs, ca.Inputs, ca.IgnoreChanges, "engineVersion")
			isStandalone := before.Primary != nil && before.Primary.Standalone
			switch {
			case isStandalone && got != tt.next:
				t.Errorf("standalone cluster's engine version after the change: %v, want %s (not ignored)", got, tt.next)
			case !isStandalone && got != tt.version:
				t.Errorf("member's own engine version diff %v, want none (the global cluster upgrades it)", got)
			}
			if tt.global {
				if g := byName(t, ga, "gs-test-global"); g.Inputs["engineVersion"] != tt.next {
					t.Errorf("global cluster version %v, want %s", g.Inputs["engineVersion"], tt.next)
				}
			}
			if ca.Inputs["dbClusterParameterGroupName"] == nil {
				t.Errorf("no parameter group")
			}
			for _, r := range ga.ByType(tParams) {
				if r.Inputs["family"] != "aurora-postgresql"+tt.next[:2] {
					t.Errorf("parameter group family %v after %s", r.Inputs["family"], tt.next)
				}
			}
		})
	}
}
