package config

import "strings"

// Database roles in the Aurora global database.
const (
	RolePrimary   = "primary"   // holds the rds.GlobalCluster and the writer cluster
	RoleSecondary = "secondary" // a read-only cluster joined to the primary's global cluster
)

// Database is the region's member of the Aurora PostgreSQL global database.
type Database struct {
	Role          string `json:"role"`
	EngineVersion string `json:"engineVersion"`
	InstanceClass string `json:"instanceClass"`
	Instances     int    `json:"instances"`
	// AllowedCIDRs may reach PostgreSQL besides the region's own private subnets (peered VPCs).
	AllowedCIDRs []string `json:"allowedCidrs,omitempty"`
	// ReplicationLagAlarmMs is the AuroraGlobalDBReplicationLag a secondary alarms above.
	ReplicationLagAlarmMs int `json:"replicationLagAlarmMs,omitempty"`
	// ApplyImmediately applies changes to the cluster and its instances when Pulumi makes them
	// (default true); false defers what AWS lets wait to the maintenance window.
	ApplyImmediately *bool `json:"applyImmediately,omitempty"`

	// Primary only: a secondary takes all of these from the primary.
	GlobalClusterIdentifier string `json:"globalClusterIdentifier,omitempty"`
	DatabaseName            string `json:"databaseName,omitempty"`
	MasterUsername          string `json:"masterUsername,omitempty"`
	BackupRetentionDays     int    `json:"backupRetentionDays,omitempty"`
}

// Cache is the region's ElastiCache replication group.
type Cache struct {
	Engine                string `json:"engine"`
	EngineVersion         string `json:"engineVersion"`
	NodeType              string `json:"nodeType"`
	Replicas              int    `json:"replicas"`
	SnapshotRetentionDays *int   `json:"snapshotRetentionDays,omitempty"`
}

// Backup is the AWS Backup plan for the region's Aurora cluster.
type Backup struct {
	CopyRegion    string `json:"copyRegion"`
	RetentionDays int    `json:"retentionDays,omitempty"`
	Schedule      string `json:"schedule,omitempty"`
}

// Defaults of the data layer.
const (
	DefaultDatabaseName          = "global_db"
	DefaultMasterUsername        = "sovereign_admin"
	DefaultBackupRetentionDays   = 35
	DefaultReplicationLagAlarmMs = 5000
	DefaultCacheSnapshotDays     = 7
	DefaultBackupSchedule        = "cron(0 3 * * ? *)"
)

func (d *Database) applyDefaults(environment string) {
	if d == nil {
		return
	}
	if d.ReplicationLagAlarmMs == 0 {
		d.ReplicationLagAlarmMs = DefaultReplicationLagAlarmMs
	}
	if d.ApplyImmediately == nil {
		now := true
		d.ApplyImmediately = &now
	}
	if d.Role != RolePrimary {
		return
	}
	if d.GlobalClusterIdentifier == "" && environment != "" {
		d.GlobalClusterIdentifier = Project + "-" + environment
	}
	if d.DatabaseName == "" {
		d.DatabaseName = DefaultDatabaseName
	}
	if d.MasterUsername == "" {
		d.MasterUsername = DefaultMasterUsername
	}
	if d.BackupRetentionDays == 0 {
		d.BackupRetentionDays = DefaultBackupRetentionDays
	}
}

func (c *Cache) applyDefaults() {
	if c != nil && c.SnapshotRetentionDays == nil {
		days := DefaultCacheSnapshotDays
		c.SnapshotRetentionDays = &days
	}
}

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

// EngineMajor is the PostgreSQL major version ("16" of "16.6"), which names the parameter
// group family.
func (d *Database) EngineMajor() string {
	major, _, _ := strings.Cut(d.EngineVersion, ".")
	return major
}

// AppliesImmediately says whether changes to the Aurora cluster and instances are applied at once
// (default) rather than in the maintenance window.
func (d *Database) AppliesImmediately() bool {
	return d.ApplyImmediately == nil || *d.ApplyImmediately
}

// IsPrimary reports whether the stack holds the primary of the global database.
func (s *Stack) IsPrimary() bool { return s.Database != nil && s.Database.Role == RolePrimary }
