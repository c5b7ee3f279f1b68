package config

import (
	"regexp"
	"strings"

	"github.com/global-sovereign/global-sovereign/pkg/regions"
)

// Backup is the AWS Backup plan for the region's Aurora cluster (global-sovereign:backup).
type Backup struct {
	// CopyRegion is the AWS region every recovery point is copied to: not the stack's own region,
	// so that the copy survives the loss of the region.
	// Allowed: a region known to pkg/regions.
	CopyRegion string `json:"copyRegion"`
	// RetentionDays is how long recovery points and their copies are kept, 1 to 3650 days.
	// Default: [DefaultBackupRetentionDays].
	RetentionDays int `json:"retentionDays,omitempty"`
	// Schedule is when the plan runs, as an AWS schedule expression (`cron(...)` or `rate(...)`).
	// Default: [DefaultBackupSchedule].
	Schedule string `json:"schedule,omitempty"`
}

// DefaultBackupSchedule runs the backup plan daily at 03:00 UTC.
const DefaultBackupSchedule = "cron(0 3 * * ? *)"

var scheduleRE = regexp.MustCompile(`^(cron|rate)\(.+\)$`)

func (b *Backup) applyDefaults() {
	if b == nil {
		return
	}
	if b.RetentionDays == 0 {
		b.RetentionDays = DefaultBackupRetentionDays
	}
	if b.Schedule == "" {
		b.Schedule = DefaultBackupSchedule
	}
}

func (s *Stack) validateBackup(is *issues) {
	b := s.Backup
	if s.Database == nil {
		is.add(keyPath(KeyBackup), "backs up the Aurora cluster, but this stack has no %s:%s", Project, KeyDatabase)
	}
	if _, ok := regions.Lookup(b.CopyRegion); !ok {
		is.add(keyPath(KeyBackup, "copyRegion"), "unknown AWS region %q%s; allowed: %s", b.CopyRegion, suggest(b.CopyRegion, regions.Names()), strings.Join(regions.Names(), ", "))
	} else if b.CopyRegion == s.Settings.AWSRegion {
		is.add(keyPath(KeyBackup, "copyRegion"), "%s is this stack's own region; a copy must survive the loss of the region", b.CopyRegion)
	}
	if b.RetentionDays < 1 || b.RetentionDays > 3650 {
		is.add(keyPath(KeyBackup, "retentionDays"), "%d: want 1 to 3650", b.RetentionDays)
	}
	if !scheduleRE.MatchString(b.Schedule) {
		is.add(keyPath(KeyBackup, "schedule"), "%q: want an AWS schedule expression such as cron(0 3 * * ? *)", b.Schedule)
	}
}
