package config

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

const primaryData = `  global-sovereign:database:
    role: primary
    engineVersion: "16.6"
    instanceClass: db.r6i.2xlarge
    instances: 3
  global-sovereign:cache:
    engine: valkey
    engineVersion: "8.0"
    nodeType: cache.r7g.large
    replicas: 2
  global-sovereign:backup:
    copyRegion: us-west-2
`

func withData(data string) string { return validRegion + data }

func TestDataDefaults(t *testing.T) {
	s := parseValid(t, "Pulumi.iad.yaml", withData(primaryData))
	d := s.Database
	if d.GlobalClusterIdentifier != "global-sovereign-production" || d.DatabaseName != "global_db" ||
		d.MasterUsername != DefaultMasterUsername || d.BackupRetentionDays != 35 || d.EngineMajor() != "16" {
		t.Errorf("database defaults %+v", d)
	}
	if *s.Cache.SnapshotRetentionDays != 7 || s.Backup.RetentionDays != 35 || s.Backup.Schedule != DefaultBackupSchedule {
		t.Errorf("cache/backup defaults %+v %+v", s.Cache, s.Backup)
	}
	if !d.AppliesImmediately() {
		t.Error("database.applyImmediately defaults to true")
	}
	deferred := parseValid(t, "Pulumi.iad.yaml", withData(strings.Replace(primaryData, "    instances: 3\n", "    instances: 3\n    applyImmediately: false\n", 1)))
	if deferred.Database.AppliesImmediately() {
		t.Error("database.applyImmediately: false is not read")
	}
}

func TestDataRules(t *testing.T) {
	tests := []struct {
		name, old, new, wantPath, wantInMsg string
	}{
		{"burstable class", "db.r6i.2xlarge", "db.t4g.medium", "global-sovereign:database.instanceClass", "memory-optimized"},
		{"serverless class", "db.r6i.2xlarge", "db.serverless", "global-sovereign:database.instanceClass", "memory-optimized"},
		{"old engine", `engineVersion: "16.6"`, `engineVersion: "14.6"`, "global-sovereign:database.engineVersion", "16.x or 17.x"},
		{"engine as number", `engineVersion: "16.6"`, `engineVersion: 16.6`, "global-sovereign:database.engineVersion", "want a string"},
		{"bad role", "role: primary", "role: writer", "global-sovereign:database.role", "allowed: primary, secondary"},
		{"no instances", "instances: 3", "instances: 0", "global-sovereign:database.instances", "want 1 to 16"},
		{"single-instance production primary", "instances: 3", "instances: 1", "global-sovereign:database.instances", "fail over"},
		{"retention over 35", "    instances: 3\n", "    instances: 3\n    backupRetentionDays: 36\n", "global-sovereign:database.backupRetentionDays", "1 to 35"},
		{"secondary with credentials", "role: primary", "role: secondary\n    masterUsername: admin", "global-sovereign:database.masterUsername", "not on a secondary"},
		{"secondary with database name", "role: primary", "role: secondary\n    databaseName: app", "global-sovereign:database.databaseName", "not on a secondary"},
		{"bad peer CIDR", "    instances: 3\n", "    instances: 3\n    allowedCidrs: [10.9.0.0]\n", "global-sovereign:database.allowedCidrs[0]", "not an IPv4 CIDR"},
		{"cache engine", "engine: valkey", "engine: memcached", "global-sovereign:cache.engine", "allowed: valkey, redis"},
		{"cache version", `engineVersion: "8.0"`, `engineVersion: "6.2"`, "global-sovereign:cache.engineVersion", "allowed: 7.2, 8.0, 8.1"},
		{"redis 8", "engine: valkey", "engine: redis", "global-sovereign:cache.engineVersion", "allowed: 7.0, 7.1"},
		{"cache node", "cache.r7g.large", "cache.x9.huge", "global-sovereign:cache.nodeType", "cache.r7g.large"},
		{"burstable cache in production", "cache.r7g.large", "cache.t4g.medium", "global-sovereign:cache.nodeType", "burstable"},
		{"no replica", "replicas: 2", "replicas: 0", "global-sovereign:cache.replicas", "automatic failover"},
		{"copy to own region", "copyRegion: us-west-2", "copyRegion: us-east-1", "global-sovereign:backup.copyRegion", "own region"},
		{"copy region unknown", "copyRegion: us-west-2", "copyRegion: us-west-9", "global-sovereign:backup.copyRegion", "unknown AWS region"},
		{"apply immediately not a bool", "    instances: 3\n", "    instances: 3\n    applyImmediately: later\n", "global-sovereign:database.applyImmediately", "want true or false"},
		{"bad schedule", "copyRegion: us-west-2", "copyRegion: us-west-2\n    schedule: daily", "global-sovereign:backup.schedule", "cron("},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(primaryData, tt.old) {
				t.Fatalf("stale test: %q", tt.old)
			}
			text := withData(strings.Replace(primaryData, tt.old, tt.new, 1))
			requireProblem(t, problemsOf(t, text), tt.wantPath, tt.wantInMsg, 0)
		})
	}
	// A backup block without a database has nothing to back up.
	s, err := Parse("Pulumi.iad.yaml", []byte(validRegion+"  global-sovereign:backup:\n    copyRegion: us-west-2\n"))
	if err != nil {
		t.Fatal(err)
	}
	requireProblem(t, s.Validate(), "global-sovereign:backup", "no global-sovereign:database", 0)
}

const secondaryData = `  global-sovereign:database:
    role: secondary
    engineVersion: "16.6"
    instanceClass: db.r6i.xlarge
    instances: 1
`

// fleetOf builds a fleet dir of n region stacks r0..r(n-1), giving stack i the database block
// blocks[i], plus a global stack.
func fleetOf(t *testing.T, blocks ...string) *Fleet {
	t.Helper()
	files := map[string]string{"Pulumi.global.yaml": validGlobal}
	for i, b := range blocks {
		name := fmt.Sprintf("r%d", i)
		text := regionFile(name, "us-east-1", fmt.Sprintf("10.%d.0.0/16", 10+i), "[us-east-1a, us-east-1b]") + b
		files["Pulumi."+name+".yaml"] = text
	}
	f, err := LoadDir(writeFleet(t, files))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestDatabaseFleetRules(t *testing.T) {
	primary := strings.Split(primaryData, "  global-sovereign:cache:")[0]
	tests := []struct {
		name      string
		blocks    []string
		wantFile  string
		wantInMsg string
	}{
		{"two primaries", []string{primary, primary}, "Pulumi.r1.yaml", "r0 (Pulumi.r0.yaml) is already the primary"},
		{"no primary", []string{secondaryData, secondaryData}, "Pulumi.r0.yaml", "no stack of environment production has role \"primary\""},
		{"version mismatch", []string{primary, strings.Replace(secondaryData, `"16.6"`, `"16.8"`, 1)}, "Pulumi.r1.yaml", "the primary r0 runs \"16.6\""},
		{"eleven secondaries", append([]string{primary}, slices.Repeat([]string{secondaryData}, 11)...),
			"Pulumi.r9.yaml", "at most 10 secondary regions"}, // r9 sorts last: r0, r1, r10, r11, r2, ...,
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := fleetOf(t, tt.blocks...).Validate()
			for _, p := range ps {
				if p.File == tt.wantFile && strings.HasPrefix(p.Path, "global-sovereign:database.") && strings.Contains(p.Msg, tt.wantInMsg) {
					return
				}
			}
			t.Fatalf("want %s: %q; got:\n%v", tt.wantFile, tt.wantInMsg, ps.Error())
		})
	}
}

// Secondaries read the primary through a StackReference, so they deploy after it.
func TestReferencesFollowTheDatabase(t *testing.T) {
	primary := strings.Split(primaryData, "  global-sovereign:cache:")[0]
	f := fleetOf(t, primary, secondaryData, secondaryData, "")
	if ps := f.Validate(); len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	want := map[string]string{"r0": "", "r1": "r0", "r2": "r0", "r3": "", "global": "r0,r1,r2,r3"}
	for name, w := range want {
		if got := strings.Join(f.References(f.Stack(name)), ","); got != w {
			t.Errorf("%s references %q, want %q", name, got, w)
		}
	}
	if got := f.SecondaryRegions("production"); strings.Join(got, ",") != "us-east-1" {
		t.Errorf("secondary regions %v", got)
	}
}
