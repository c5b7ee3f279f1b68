package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Database is the region's member of the Aurora PostgreSQL global database
// (global-sovereign:database).
type Database struct {
	// Role is the stack's part in the global database: the primary holds the global cluster and
	// the writer; a secondary is a read-only cluster joined to it. Each environment of region
	// stacks has exactly one primary and at most [maxSecondaryRegions] secondaries (Aurora's
	// limit). An environment stack's database is standalone: its own cluster, in no global
	// database.
	Role DatabaseRole `json:"role"`
	// EngineVersion is the Aurora PostgreSQL version, quoted, the same on every member of the
	// global database.
	// Allowed: a current major, 16.x or 17.x (e.g. "16.6").
	EngineVersion string `json:"engineVersion"`
	// InstanceClass is the class of every instance: a global database needs memory-optimized
	// instances (no burstable, no serverless).
	// Allowed: memory-optimized classes, [auroraClasses].
	InstanceClass string `json:"instanceClass"`
	// Instances is the number of instances, the writer included: 1 to [maxAuroraInstances]; a
	// production primary needs at least 2, a writer and a reader in another AZ to fail over to.
	Instances int `json:"instances"`
	// AllowedCIDRs may reach PostgreSQL (5432) besides the region's own private subnets, e.g.
	// peered VPCs.
	AllowedCIDRs []string `json:"allowedCidrs,omitempty"`
	// ReplicationLagAlarmMs is the AuroraGlobalDBReplicationLag, in milliseconds (100 to 600000),
	// above which a secondary alarms.
	// Default: [DefaultReplicationLagAlarmMs].
	ReplicationLagAlarmMs int `json:"replicationLagAlarmMs,omitempty"`
	// ApplyImmediately applies changes to the cluster and its instances when Pulumi makes them;
	// false defers what AWS lets wait to the maintenance window (the cache always applies at once).
	// Default: `true`.
	ApplyImmediately *bool `json:"applyImmediately,omitempty"`

	// Home marks the region stack that declares the rds.GlobalCluster and the master credentials
	// (password, Secrets Manager secret and its replicas). The home does not move when the
	// writer does: after a switchover the old primary keeps them with `home: true` and role
	// secondary, so a role change replaces nothing and rotates no password (`sovereign failover`
	// writes this key). At most one stack of an environment sets it.
	// Default: the environment's primary.
	Home *bool `json:"home,omitempty"`

	// Home only (globalClusterIdentifier, databaseName, masterUsername) or primary only
	// (backupRetentionDays): the other members take these from the global cluster.

	// GlobalClusterIdentifier names the global cluster (home only): lowercase letters, digits
	// and dashes, starting with a letter.
	// Default: `global-sovereign-<environment>`.
	GlobalClusterIdentifier string `json:"globalClusterIdentifier,omitempty"`
	// DatabaseName is the database created in the cluster (home only): lowercase letters,
	// digits and underscores, starting with a letter.
	// Default: [DefaultDatabaseName].
	DatabaseName string `json:"databaseName,omitempty"`
	// MasterUsername is the master user (home only), its password generated and kept in
	// Secrets Manager: lowercase letters, digits and underscores, starting with a letter, not
	// rdsadmin.
	// Default: [DefaultMasterUsername].
	MasterUsername string `json:"masterUsername,omitempty"`
	// BackupRetentionDays is how long Aurora keeps automated backups (primary only), 1 to 35 days.
	// Default: [DefaultBackupRetentionDays].
	BackupRetentionDays int `json:"backupRetentionDays,omitempty"`
}

// DatabaseRole is a stack's part in the Aurora global database.
type DatabaseRole string

// Database roles in the Aurora global database.
const (
	RolePrimary    DatabaseRole = "primary"    // holds the rds.GlobalCluster and the writer cluster
	RoleSecondary  DatabaseRole = "secondary"  // a read-only cluster joined to the primary's global cluster
	RoleStandalone DatabaseRole = "standalone" // an environment stack's own cluster, in no global database
)

// Defaults of the database.
const (
	DefaultDatabaseName   = "global_db"
	DefaultMasterUsername = "sovereign_admin"
	// DefaultBackupRetentionDays is Aurora's longest automated-backup retention; the backup plan
	// keeps its recovery points as long by default.
	DefaultBackupRetentionDays   = 35
	DefaultReplicationLagAlarmMs = 5000
)

// roles are the allowed database roles, as validation checks them.
var roles = []DatabaseRole{RolePrimary, RoleSecondary, RoleStandalone}

var (
	// Aurora PostgreSQL versions this project supports: current majors only.
	auroraVersionRE = regexp.MustCompile(`^1[67]\.[0-9]{1,2}$`)
	// A global database needs memory-optimized instances (no burstable, no serverless).
	auroraClassRE = regexp.MustCompile(`^db\.(r5|r6g|r6i|r7g|r7i|r8g|x2g)\.(large|xlarge|2xlarge|4xlarge|8xlarge|12xlarge|16xlarge|24xlarge)$`)
	dbIdentRE     = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	globalIDRE    = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)
)

const (
	auroraClasses        = "db.{r5,r6g,r6i,r7g,r7i,r8g,x2g}.{large,xlarge,2xlarge,...,24xlarge}"
	auroraClassesAllowed = "memory-optimized classes " + auroraClasses
	maxAuroraInstances   = 16 // one writer and 15 readers
	maxSecondaryRegions  = 10 // Aurora global database limit (it was 5; AWS raised it to 10)
)

func (d *Database) applyDefaults(environment Environment) {
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
	if d.Role == RolePrimary || d.Role == RoleStandalone {
		if d.BackupRetentionDays == 0 {
			d.BackupRetentionDays = DefaultBackupRetentionDays
		}
	}
	// The home's keys: explicitly on a home, and on a primary that does not say it is not one
	// (the fleet makes the primary the home when no stack claims it).
	if !d.holdsCredentials() {
		return
	}
	if d.Role != RoleStandalone && d.GlobalClusterIdentifier == "" && environment != "" {
		d.GlobalClusterIdentifier = Project + "-" + string(environment)
	}
	if d.DatabaseName == "" {
		d.DatabaseName = DefaultDatabaseName
	}
	if d.MasterUsername == "" {
		d.MasterUsername = DefaultMasterUsername
	}
}

// IsHome reports whether the stack says it holds the global cluster and the credentials.
func (d *Database) IsHome() bool { return d != nil && d.Home != nil && *d.Home }

func (s *Stack) validateDatabase(is *issues) {
	d := s.Database
	oneOf(is, keyPath(KeyDatabase, "role"), d.Role, roles)
	switch {
	case s.Settings.Kind == KindEnvironment && d.Role != RoleStandalone && slices.Contains(roles, d.Role):
		is.add(keyPath(KeyDatabase, "role"), "%q: an environment stack's database is %q (the global database spans the region stacks)", d.Role, RoleStandalone)
	case s.Settings.Kind == KindRegion && d.Role == RoleStandalone:
		is.add(keyPath(KeyDatabase, "role"), "%q: a region stack's database is the global database's %q or a %q", d.Role, RolePrimary, RoleSecondary)
	}
	if !auroraVersionRE.MatchString(d.EngineVersion) {
		is.add(keyPath(KeyDatabase, "engineVersion"), "%q: want a current Aurora PostgreSQL version, 16.x or 17.x (e.g. 16.6)", d.EngineVersion)
	}
	if !auroraClassRE.MatchString(d.InstanceClass) {
		is.add(keyPath(KeyDatabase, "instanceClass"), "%q: an Aurora global database needs %s", d.InstanceClass, auroraClassesAllowed)
	}
	if d.Instances < 1 || d.Instances > maxAuroraInstances {
		is.add(keyPath(KeyDatabase, "instances"), "%d: want 1 to %d", d.Instances, maxAuroraInstances)
	} else if d.Role == RolePrimary && s.Settings.Environment == EnvProduction && d.Instances < 2 {
		is.add(keyPath(KeyDatabase, "instances"), "%d: a production primary needs a writer and at least one reader in another AZ to fail over to", d.Instances)
	}
	for i, c := range d.AllowedCIDRs {
		parseCIDR(is, fmt.Sprintf("%s[%d]", keyPath(KeyDatabase, "allowedCidrs"), i), c)
	}
	if d.ReplicationLagAlarmMs < 100 || d.ReplicationLagAlarmMs > 600000 {
		is.add(keyPath(KeyDatabase, "replicationLagAlarmMs"), "%d: want 100 to 600000 milliseconds", d.ReplicationLagAlarmMs)
	}
	if d.Home != nil && d.Role == RoleStandalone {
		is.add(keyPath(KeyDatabase, "home"), "a standalone database is in no global cluster; remove it")
	}
	if d.Role == RoleSecondary {
		// A secondary is created empty and joined to the global cluster: AWS refuses master
		// credentials, a database name or its own backup settings on it. The home keeps the
		// names of the credentials it holds whatever its role.
		keys := map[string]bool{"backupRetentionDays": d.BackupRetentionDays != 0}
		if !d.IsHome() {
			keys["globalClusterIdentifier"] = d.GlobalClusterIdentifier != ""
			keys["databaseName"] = d.DatabaseName != ""
			keys["masterUsername"] = d.MasterUsername != ""
		}
		for key, set := range keys {
			if set {
				is.add(keyPath(KeyDatabase, key), "not on a secondary: only the home (globalClusterIdentifier, databaseName, masterUsername) or the primary (backupRetentionDays) sets this")
			}
		}
		if !d.IsHome() {
			return
		}
	}
	if d.Role != RoleSecondary && (d.BackupRetentionDays < 1 || d.BackupRetentionDays > 35) {
		is.add(keyPath(KeyDatabase, "backupRetentionDays"), "%d: Aurora keeps automated backups 1 to 35 days", d.BackupRetentionDays)
	}
	if !d.holdsCredentials() {
		return
	}
	if d.Role == RoleStandalone {
		if d.GlobalClusterIdentifier != "" {
			is.add(keyPath(KeyDatabase, "globalClusterIdentifier"), "a standalone database is in no global cluster; remove it")
		}
	} else if !globalIDRE.MatchString(d.GlobalClusterIdentifier) {
		is.add(keyPath(KeyDatabase, "globalClusterIdentifier"), "%q: want lowercase letters, digits and dashes, starting with a letter", d.GlobalClusterIdentifier)
	}
	if !dbIdentRE.MatchString(d.DatabaseName) {
		is.add(keyPath(KeyDatabase, "databaseName"), "%q: want lowercase letters, digits and underscores, starting with a letter", d.DatabaseName)
	}
	if !dbIdentRE.MatchString(d.MasterUsername) || d.MasterUsername == "rdsadmin" {
		is.add(keyPath(KeyDatabase, "masterUsername"), "%q: want lowercase letters, digits and underscores, starting with a letter (not rdsadmin)", d.MasterUsername)
	}
}

// holdsCredentials says whether the stack's own config names the credentials: a standalone
// database, a stack with `home: true`, or a primary that does not say `home: false`.
func (d *Database) holdsCredentials() bool {
	return d.Role == RoleStandalone || d.IsHome() || (d.Home == nil && d.Role == RolePrimary)
}

// validateDatabaseFleet checks the global database across stacks: per environment exactly one
// primary, at most maxSecondaryRegions secondaries, and every member on the primary's engine
// version.
func (f *Fleet) validateDatabaseFleet() Problems {
	var all Problems
	byEnv := map[Environment][]*Stack{}
	for _, s := range f.Stacks {
		if s.IsRegion() && s.Database != nil {
			byEnv[s.Settings.Environment] = append(byEnv[s.Settings.Environment], s)
		}
	}
	for env, members := range byEnv {
		var primary *Stack
		for _, s := range members {
			if s.Database.Role != RolePrimary {
				continue
			}
			if primary != nil {
				all = append(all, s.problem(keyPath(KeyDatabase, "role"),
					"%q, but %s (%s) is already the primary of environment %s; a global database has exactly one", RolePrimary, primary.Name, primary.File, env))
				continue
			}
			primary = s
		}
		if primary == nil {
			for _, s := range members {
				all = append(all, s.problem(keyPath(KeyDatabase, "role"),
					"no stack of environment %s has role %q; exactly one region must hold the global database's writer", env, RolePrimary))
			}
			continue
		}
		var homes []*Stack
		for _, s := range members {
			if s.Database.IsHome() {
				homes = append(homes, s)
			}
		}
		for _, s := range homes[min(len(homes), 1):] {
			all = append(all, s.problem(keyPath(KeyDatabase, "home"),
				"true, but %s (%s) already holds the global cluster and credentials of environment %s; exactly one stack does", homes[0].Name, homes[0].File, env))
		}
		if len(homes) == 0 && primary.Database.Home != nil {
			all = append(all, primary.problem(keyPath(KeyDatabase, "home"),
				"false, but no other stack of environment %s says home: true; the stack that created the global cluster keeps it", env))
		}
		secondaries := 0
		for _, s := range members {
			if s.Database.Role == RoleSecondary {
				secondaries++
				if secondaries > maxSecondaryRegions {
					all = append(all, s.problem(keyPath(KeyDatabase, "role"),
						"secondary number %d of environment %s; an Aurora global database has at most %d secondary regions", secondaries, env, maxSecondaryRegions))
				}
			}
			if s.Database.EngineVersion != primary.Database.EngineVersion {
				all = append(all, s.problem(keyPath(KeyDatabase, "engineVersion"),
					"%q, but the primary %s runs %q; every member of a global database runs the same version", s.Database.EngineVersion, primary.Name, primary.Database.EngineVersion))
			}
		}
	}
	return all
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

// DatabaseHome returns the region stack of an environment that declares the global cluster and
// the master credentials: the one that says `home: true`, else the primary. nil when there is
// none (validation says so).
func (f *Fleet) DatabaseHome(environment Environment) *Stack {
	var primary *Stack
	for _, s := range f.Stacks {
		if !s.IsRegion() || s.Database == nil || s.Settings.Environment != environment {
			continue
		}
		if s.Database.IsHome() {
			return s
		}
		if s.IsPrimary() && s.Database.Home == nil {
			primary = s
		}
	}
	return primary
}

// ReplicaRegions lists the AWS regions of an environment's database members other than the
// home, sorted and without repeats: the home replicates the credentials secret there.
func (f *Fleet) ReplicaRegions(environment Environment) []string {
	home := f.DatabaseHome(environment)
	var out []string
	for _, s := range f.Stacks {
		if s.IsRegion() && s.Database != nil && s.Database.Role != RoleStandalone && s.Settings.Environment == environment &&
			(home == nil || s.Settings.AWSRegion != home.Settings.AWSRegion) {
			out = append(out, s.Settings.AWSRegion)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// IsPrimary reports whether the stack holds the primary of the global database.
func (s *Stack) IsPrimary() bool { return s.Database != nil && s.Database.Role == RolePrimary }
