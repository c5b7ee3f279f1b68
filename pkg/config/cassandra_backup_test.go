package config

import (
	"strings"
	"testing"
)

// The backup and repair blocks default when omitted (a cluster is always backed up and
// repaired) and keep what is written.
func TestCassandraOpsDefaults(t *testing.T) {
	g := parseValid(t, "Pulumi.global.yaml", globalWithDNSAndCosts)
	b, r := g.CassandraCluster.Backup, g.CassandraCluster.Repair
	if b == nil || r == nil {
		t.Fatalf("backup %v, repair %v: want both defaulted", b, r)
	}
	if *b != (CassandraBackup{Schedule: DefaultCassandraBackupSchedule, Type: DefaultCassandraBackupType, RetentionDays: DefaultCassandraBackupRetentionDays}) {
		t.Errorf("backup defaults %+v", *b)
	}
	if r.RepairType != DefaultCassandraRepairType || r.PercentUnrepairedThreshold != DefaultCassandraPercentUnrepaired || r.ScheduleSpreadPeriod != DefaultCassandraScheduleSpread {
		t.Errorf("repair defaults %+v", *r)
	}
	text := strings.Replace(globalWithDNSAndCosts, "    keyspaces: [platform]\n",
		"    keyspaces: [platform]\n    backup:\n      schedule: \"30 1 * * 0\"\n      type: full\n      retentionDays: 90\n    repair:\n      repairType: REGULAR\n      excludedKeyspaces: [platform]\n", 1)
	g = parseValid(t, "Pulumi.global.yaml", text)
	if b := g.CassandraCluster.Backup; b.Schedule != "30 1 * * 0" || b.Type != "full" || b.RetentionDays != 90 {
		t.Errorf("backup read as %+v", *b)
	}
	if r := g.CassandraCluster.Repair; r.RepairType != "REGULAR" || len(r.ExcludedKeyspaces) != 1 || r.PercentUnrepairedThreshold != DefaultCassandraPercentUnrepaired {
		t.Errorf("repair read as %+v", *r)
	}
}

func TestCassandraOpsRules(t *testing.T) {
	const cc = "global-sovereign:cassandraCluster."
	tests := []struct{ name, block, path, inMsg string }{
		{"four cron fields", "backup:\n      schedule: \"0 2 * *\"", cc + "backup.schedule", `"0 2 * *": 4 fields: want five`},
		{"AWS cron form", "backup:\n      schedule: \"cron(0 3 * * ? *)\"", cc + "backup.schedule", "want five"},
		{"hour 24", "backup:\n      schedule: \"0 24 * * *\"", cc + "backup.schedule", "hour 24: want 0 to 23"},
		{"minute range past 59", "backup:\n      schedule: \"10-60 1 * * *\"", cc + "backup.schedule", "minute 60: want 0 to 59"},
		{"question mark", "backup:\n      schedule: \"0 2 ? * *\"", cc + "backup.schedule", `day of month "?"`},
		{"incremental backup type", "backup:\n      type: incremental", cc + "backup.type", `"incremental": allowed: differential, full`},
		{"retention of a day", "backup:\n      retentionDays: 1", cc + "backup.retentionDays", "1: want 7 to 3650"},
		{"lowercase repair type", "repair:\n      repairType: incremental", cc + "repair.repairType", `"incremental": allowed: INCREMENTAL, REGULAR, ADAPTIVE, AUTO`},
		{"threshold 101", "repair:\n      percentUnrepairedThreshold: 101", cc + "repair.percentUnrepairedThreshold", "101: want 1 to 100"},
		{"spread in days", "repair:\n      scheduleSpreadPeriod: P1D", cc + "repair.scheduleSpreadPeriod", `"P1D": want an ISO-8601 duration in hours or minutes`},
		{"unknown excluded keyspace", "repair:\n      excludedKeyspaces: [audit]", cc + "repair.excludedKeyspaces[0]", `"audit" is not one of the cluster's keyspaces (platform)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := strings.Replace(globalWithDNSAndCosts, "    keyspaces: [platform]\n", "    keyspaces: [platform]\n    "+tt.block+"\n", 1)
			requireProblem(t, problemsOf(t, text), tt.path, tt.inMsg, 0)
		})
	}
	// Steps, lists and ranges within bounds are accepted.
	for _, expr := range []string{"*/15 * * * *", "0 1,13 * * 1-5", "0 0 1 1/3 *", "59 23 31 12 6"} {
		if msg := CheckCron(expr); msg != "" {
			t.Errorf("%q refused: %s", expr, msg)
		}
	}
}
