package config

import (
	"slices"
	"testing"

	"github.com/global-sovereign/global-sovereign/internal/fleettest"
)

// After a switchover the old primary keeps the global cluster and the credentials (home: true)
// while another stack writes; every member but the home reads them from the home.
func TestDatabaseHome(t *testing.T) {
	switched := []fleettest.Edit{
		{File: "Pulumi.ams.yaml", Old: "    role: primary\n", New: "    role: secondary\n    home: true\n"},
		{File: "Pulumi.ams.yaml", Old: "    backupRetentionDays: 35\n", New: ""},
		{File: "Pulumi.iad.yaml", Old: "  global-sovereign:backup:", New: "  global-sovereign:database:\n    role: primary\n  global-sovereign:backup:"},
	}
	f, err := LoadDir(fleettest.Copy(t, "../..", switched...))
	if err != nil {
		t.Fatal(err)
	}
	if ps := f.Validate(); len(ps) > 0 {
		t.Fatal(ps)
	}
	home, primary := f.DatabaseHome(EnvProduction), f.PrimaryDatabase(EnvProduction)
	if home.Name != "ams" || primary.Name != "iad" || home.Database.DatabaseName != "global_db" {
		t.Errorf("home %s primary %s", home.Name, primary.Name)
	}
	if got := f.ReplicaRegions(EnvProduction); slices.Contains(got, "eu-west-1") || !slices.Contains(got, "us-east-1") || len(got) != 5 {
		t.Errorf("replica regions %v: every member's region but the home's", got)
	}
	for _, name := range []string{"iad", "syd", "jnb"} {
		if refs := f.References(f.Stack(name)); !slices.Contains(refs, "ams") {
			t.Errorf("%s reads %v, want the home ams", name, refs)
		}
	}
	if refs := f.References(f.Stack("ams")); slices.Contains(refs, "iad") {
		t.Errorf("the home reads the writer %v: it needs nothing from it", refs)
	}

	// Committed fleet: the primary is the home by default.
	c, err := LoadDir("../..")
	if err != nil {
		t.Fatal(err)
	}
	if h := c.DatabaseHome(EnvProduction); h == nil || h.Name != "ams" {
		t.Errorf("default home %v, want the primary ams", h)
	}
}

func TestDatabaseHomeRules(t *testing.T) {
	for _, tt := range []struct {
		name  string
		edits []fleettest.Edit
		path  string
		inMsg string
	}{
		{"two homes", []fleettest.Edit{
			{File: "Pulumi.ams.yaml", Old: "    role: primary\n", New: "    role: primary\n    home: true\n"},
			{File: "Pulumi.iad.yaml", Old: "  global-sovereign:backup:", New: "  global-sovereign:database:\n    home: true\n  global-sovereign:backup:"},
		}, "global-sovereign:database.home", "already holds the global cluster and credentials"},
		{"no home", []fleettest.Edit{{File: "Pulumi.ams.yaml", Old: "    role: primary\n", New: "    role: primary\n    home: false\n"}},
			"global-sovereign:database.home", "no other stack of environment production says home: true"},
		{"secondary that is not the home with a database name", []fleettest.Edit{
			{File: "Pulumi.iad.yaml", Old: "  global-sovereign:backup:", New: "  global-sovereign:database:\n    databaseName: app\n  global-sovereign:backup:"},
		}, "global-sovereign:database.databaseName", "not on a secondary"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := fleettest.Copy(t, "../..", tt.edits...)
			f, err := LoadDir(dir)
			var ps Problems
			if err != nil {
				ps = asProblems(err)
			} else {
				ps = f.Validate()
			}
			requireProblem(t, ps, tt.path, tt.inMsg, 0)
		})
	}
}
