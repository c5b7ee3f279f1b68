package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// CassandraBackup is how the Cassandra cluster is backed up (global-sovereign:cassandraCluster.backup):
// Medusa, in every Cassandra pod, copies each datacenter's SSTables to one S3 bucket in the control
// plane's region (KMS-encrypted with a key of its own, versioned, public access blocked, TLS only).
// One bucket, not one per region: k8ssandra-operator v1.32.5 takes one Medusa storage for the whole
// K8ssandraCluster (K8ssandraClusterSpec.Medusa; a datacenter has no Medusa override), and every
// user keyspace replicates to every datacenter, so the bucket's region already holds all of the data.
// Omitted, the defaults below apply: a production cluster is always backed up.
type CassandraBackup struct {
	// Schedule is when every datacenter is backed up (a MedusaBackupSchedule per datacenter): a
	// five-field cron expression in UTC, as the operator's webhook parses it (robfig/cron
	// ParseStandard): minute hour day-of-month month day-of-week.
	// Default: [DefaultCassandraBackupSchedule].
	Schedule string `json:"schedule,omitempty"`
	// Type is the backup Medusa takes: "differential" (only the SSTables the bucket does not hold
	// yet) or "full" (every SSTable again).
	// Default: [DefaultCassandraBackupType]. Allowed: [cassandraBackupTypes].
	Type string `json:"type,omitempty"`
	// RetentionDays is how long backups are kept, 7 to 3650: Medusa's nightly purge deletes
	// backups older than this (maxBackupAge), and the bucket's lifecycle expires object versions
	// replaced or deleted this many days before (what a purge or an overwrite leaves behind).
	// Default: [DefaultCassandraBackupRetentionDays].
	RetentionDays int `json:"retentionDays,omitempty"`
}

// CassandraRepair is how Reaper repairs the cluster (global-sovereign:cassandraCluster.repair):
// one Reaper, in the control plane's datacenter, with auto-scheduling, which gives every user
// keyspace a repair schedule of its own (and drops it with the keyspace). Omitted, the defaults
// below apply: every keyspace is repaired within gc_grace_seconds (10 days by default), which
// Reaper's auto-scheduling does (a run per keyspace every 7 days).
type CassandraRepair struct {
	// RepairType is the repair Reaper runs: INCREMENTAL (Cassandra 4+, repairs only what is
	// unrepaired), REGULAR (full, non-incremental), ADAPTIVE (Cassandra 3) or AUTO (Reaper picks
	// by version: INCREMENTAL here).
	// Default: [DefaultCassandraRepairType]. Allowed: [cassandraRepairTypes].
	RepairType string `json:"repairType,omitempty"`
	// PercentUnrepairedThreshold starts an incremental repair once this share of a table's data
	// is unrepaired, 1 to 100 (INCREMENTAL and AUTO only).
	// Default: [DefaultCassandraPercentUnrepaired].
	PercentUnrepairedThreshold int `json:"percentUnrepairedThreshold,omitempty"`
	// ScheduleSpreadPeriod spaces the keyspaces' repair schedules apart, an ISO-8601 duration in
	// whole hours or minutes ("PT6H", "PT90M"), so that they do not all run at once.
	// Default: [DefaultCassandraScheduleSpread].
	ScheduleSpreadPeriod string `json:"scheduleSpreadPeriod,omitempty"`
	// ExcludedKeyspaces are user keyspaces Reaper does not schedule (their repairs are run by hand).
	ExcludedKeyspaces []string `json:"excludedKeyspaces,omitempty"`
}

// Defaults of the backup and repair blocks.
const (
	DefaultCassandraBackupSchedule      = "0 2 * * *"
	DefaultCassandraBackupType          = "differential"
	DefaultCassandraBackupRetentionDays = 30
	DefaultCassandraRepairType          = "INCREMENTAL"
	DefaultCassandraPercentUnrepaired   = 10
	DefaultCassandraScheduleSpread      = "PT6H"
)

var (
	cassandraBackupTypes = []string{"differential", "full"}
	cassandraRepairTypes = []string{"INCREMENTAL", "REGULAR", "ADAPTIVE", "AUTO"}
	// cronFieldRE is one field of a standard cron expression: *, numbers, ranges, lists and steps
	// (robfig/cron's ParseStandard also takes names and descriptors such as @daily; five plain
	// fields are what the runbooks show).
	cronFieldRE = regexp.MustCompile(`^(\*|[0-9]+(-[0-9]+)?)(/[0-9]+)?(,(\*|[0-9]+(-[0-9]+)?)(/[0-9]+)?)*$`)
	isoHoursRE  = regexp.MustCompile(`^PT[1-9][0-9]{0,3}[HM]$`)
)

// cronBounds are the allowed values of the five fields, in order.
var cronBounds = [5][2]int{{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 6}}

// applyDefaults fills both blocks, present or not: backups and repairs are not optional.
func (c *CassandraCluster) applyDefaults() {
	if c == nil {
		return
	}
	if c.Backup == nil {
		c.Backup = &CassandraBackup{}
	}
	if c.Backup.Schedule == "" {
		c.Backup.Schedule = DefaultCassandraBackupSchedule
	}
	if c.Backup.Type == "" {
		c.Backup.Type = DefaultCassandraBackupType
	}
	if c.Backup.RetentionDays == 0 {
		c.Backup.RetentionDays = DefaultCassandraBackupRetentionDays
	}
	if c.Repair == nil {
		c.Repair = &CassandraRepair{}
	}
	if c.Repair.RepairType == "" {
		c.Repair.RepairType = DefaultCassandraRepairType
	}
	if c.Repair.PercentUnrepairedThreshold == 0 {
		c.Repair.PercentUnrepairedThreshold = DefaultCassandraPercentUnrepaired
	}
	if c.Repair.ScheduleSpreadPeriod == "" {
		c.Repair.ScheduleSpreadPeriod = DefaultCassandraScheduleSpread
	}
}

// CheckCron says what is wrong with a five-field cron expression, or "".
func CheckCron(expr string) string {
	fields := strings.Fields(expr)
	if len(fields) != 5 {
		return fmt.Sprintf("%d fields: want five (minute hour day-of-month month day-of-week), e.g. %q", len(fields), DefaultCassandraBackupSchedule)
	}
	names := [5]string{"minute", "hour", "day of month", "month", "day of week"}
	for i, f := range fields {
		if !cronFieldRE.MatchString(f) {
			return fmt.Sprintf("%s %q: want *, a number, a range a-b, a list or a step /n", names[i], f)
		}
		for _, part := range strings.Split(f, ",") {
			// A step's divisor (after /) is not a value of the field; the range before it is.
			values, _, _ := strings.Cut(part, "/")
			for _, n := range strings.Split(values, "-") {
				if n == "*" {
					continue
				}
				if v := atoi(n); v < cronBounds[i][0] || v > cronBounds[i][1] {
					return fmt.Sprintf("%s %d: want %d to %d", names[i], v, cronBounds[i][0], cronBounds[i][1])
				}
			}
		}
	}
	return ""
}

func (s *Stack) validateCassandraOps(is *issues) {
	c := s.CassandraCluster
	if b := c.Backup; b != nil {
		if msg := CheckCron(b.Schedule); msg != "" {
			is.add(keyPath(KeyCassandraCluster, "backup", "schedule"), "%q: %s", b.Schedule, msg)
		}
		if !slices.Contains(cassandraBackupTypes, b.Type) {
			is.add(keyPath(KeyCassandraCluster, "backup", "type"), "%q: allowed: %s", b.Type, strings.Join(cassandraBackupTypes, ", "))
		}
		if b.RetentionDays < 7 || b.RetentionDays > 3650 {
			is.add(keyPath(KeyCassandraCluster, "backup", "retentionDays"), "%d: want 7 to 3650", b.RetentionDays)
		}
	}
	if r := c.Repair; r != nil {
		if !slices.Contains(cassandraRepairTypes, r.RepairType) {
			is.add(keyPath(KeyCassandraCluster, "repair", "repairType"), "%q: allowed: %s", r.RepairType, strings.Join(cassandraRepairTypes, ", "))
		}
		if r.PercentUnrepairedThreshold < 1 || r.PercentUnrepairedThreshold > 100 {
			is.add(keyPath(KeyCassandraCluster, "repair", "percentUnrepairedThreshold"), "%d: want 1 to 100", r.PercentUnrepairedThreshold)
		}
		if !isoHoursRE.MatchString(r.ScheduleSpreadPeriod) {
			is.add(keyPath(KeyCassandraCluster, "repair", "scheduleSpreadPeriod"), "%q: want an ISO-8601 duration in hours or minutes such as PT6H or PT90M", r.ScheduleSpreadPeriod)
		}
		for i, k := range r.ExcludedKeyspaces {
			if !slices.Contains(c.Keyspaces, k) {
				is.add(fmt.Sprintf("%s[%d]", keyPath(KeyCassandraCluster, "repair", "excludedKeyspaces"), i), "%q is not one of the cluster's keyspaces (%s)", k, strings.Join(c.Keyspaces, ", "))
			}
		}
	}
}
