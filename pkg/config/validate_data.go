package config

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/global-sovereign/global-sovereign/pkg/regions"
)

var (
	roles = []string{RolePrimary, RoleSecondary}
	// Aurora PostgreSQL versions this project supports: current majors only.
	auroraVersionRE = regexp.MustCompile(`^1[67]\.[0-9]{1,2}$`)
	// A global database needs memory-optimized instances (no burstable, no serverless).
	auroraClassRE = regexp.MustCompile(`^db\.(r5|r6g|r6i|r7g|r7i|r8g|x2g)\.(large|xlarge|2xlarge|4xlarge|8xlarge|12xlarge|16xlarge|24xlarge)$`)
	dbIdentRE     = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	globalIDRE    = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)

	cacheEngines  = []string{"valkey", "redis"}
	cacheVersions = map[string][]string{"redis": {"7.0", "7.1"}, "valkey": {"7.2", "8.0", "8.1"}}
	cacheNodeRE   = regexp.MustCompile(`^cache\.(t4g|m6g|m7g|r6g|r6gd|r7g)\.(micro|small|medium|large|xlarge|[0-9]{1,2}xlarge)$`)
	scheduleRE    = regexp.MustCompile(`^(cron|rate)\(.+\)$`)
)

const (
	auroraClassesAllowed = "memory-optimized classes db.{r5,r6g,r6i,r7g,r7i,r8g,x2g}.{large,xlarge,2xlarge,...,24xlarge}"
	maxAuroraInstances   = 16 // one writer and 15 readers
	maxSecondaryRegions  = 5  // Aurora global database limit
)

func (s *Stack) validateDatabase(is *issues) {
	p := func(k string) string { return Project + ":" + KeyDatabase + "." + k }
	d := s.Database
	oneOf(is, p("role"), d.Role, roles)
	if !auroraVersionRE.MatchString(d.EngineVersion) {
		is.add(p("engineVersion"), "%q: want a current Aurora PostgreSQL version, 16.x or 17.x (e.g. 16.6)", d.EngineVersion)
	}
	if !auroraClassRE.MatchString(d.InstanceClass) {
		is.add(p("instanceClass"), "%q: an Aurora global database needs %s", d.InstanceClass, auroraClassesAllowed)
	}
	if d.Instances < 1 || d.Instances > maxAuroraInstances {
		is.add(p("instances"), "%d: want 1 to %d", d.Instances, maxAuroraInstances)
	} else if d.Role == RolePrimary && s.Settings.Environment == EnvProduction && d.Instances < 2 {
		is.add(p("instances"), "%d: a production primary needs a writer and at least one reader in another AZ to fail over to", d.Instances)
	}
	for i, c := range d.AllowedCIDRs {
		parseCIDR(is, fmt.Sprintf("%s[%d]", p("allowedCidrs"), i), c)
	}
	if d.ReplicationLagAlarmMs < 100 || d.ReplicationLagAlarmMs > 600000 {
		is.add(p("replicationLagAlarmMs"), "%d: want 100 to 600000 milliseconds", d.ReplicationLagAlarmMs)
	}
	if d.Role == RoleSecondary {
		// A secondary is created empty and joined to the global cluster: AWS refuses master
		// credentials, a database name or its own backup settings on it.
		for key, set := range map[string]bool{
			"globalClusterIdentifier": d.GlobalClusterIdentifier != "", "databaseName": d.DatabaseName != "",
			"masterUsername": d.MasterUsername != "", "backupRetentionDays": d.BackupRetentionDays != 0,
		} {
			if set {
				is.add(p(key), "only the primary sets this; a secondary takes it from the primary's global cluster")
			}
		}
		return
	}
	if !globalIDRE.MatchString(d.GlobalClusterIdentifier) {
		is.add(p("globalClusterIdentifier"), "%q: want lowercase letters, digits and dashes, starting with a letter", d.GlobalClusterIdentifier)
	}
	if !dbIdentRE.MatchString(d.DatabaseName) {
		is.add(p("databaseName"), "%q: want lowercase letters, digits and underscores, starting with a letter", d.DatabaseName)
	}
	if !dbIdentRE.MatchString(d.MasterUsername) || d.MasterUsername == "rdsadmin" {
		is.add(p("masterUsername"), "%q: want lowercase letters, digits and underscores, starting with a letter (not rdsadmin)", d.MasterUsername)
	}
	if d.BackupRetentionDays < 1 || d.BackupRetentionDays > 35 {
		is.add(p("backupRetentionDays"), "%d: Aurora keeps automated backups 1 to 35 days", d.BackupRetentionDays)
	}
}

func (s *Stack) validateCache(is *issues) {
	p := func(k string) string { return Project + ":" + KeyCache + "." + k }
	c := s.Cache
	oneOf(is, p("engine"), c.Engine, cacheEngines)
	if versions, ok := cacheVersions[c.Engine]; ok && !contains(versions, c.EngineVersion) {
		is.add(p("engineVersion"), "%q for %s; allowed: %s", c.EngineVersion, c.Engine, strings.Join(versions, ", "))
	}
	if !cacheNodeRE.MatchString(c.NodeType) {
		is.add(p("nodeType"), "%q: want a current node type such as cache.r7g.large (families t4g, m6g, m7g, r6g, r6gd, r7g)", c.NodeType)
	} else if s.Settings.Environment == EnvProduction && strings.HasPrefix(c.NodeType, "cache.t") {
		is.add(p("nodeType"), "%q: burstable nodes run out of CPU credits under load; use m or r nodes in production", c.NodeType)
	}
	// Multi-AZ with automatic failover needs a replica to fail over to.
	if c.Replicas < 1 || c.Replicas > 5 {
		is.add(p("replicas"), "%d: want 1 to 5 replicas (automatic failover needs at least one)", c.Replicas)
	}
	if days := *c.SnapshotRetentionDays; days < 0 || days > 35 {
		is.add(p("snapshotRetentionDays"), "%d: want 0 to 35", days)
	} else if days == 0 && s.Settings.Environment == EnvProduction {
		is.add(p("snapshotRetentionDays"), "0 turns snapshots off; production keeps at least 1 day")
	}
}

func (s *Stack) validateBackup(is *issues) {
	p := func(k string) string { return Project + ":" + KeyBackup + "." + k }
	b := s.Backup
	if s.Database == nil {
		is.add(Project+":"+KeyBackup, "backs up the Aurora cluster, but this stack has no %s:%s", Project, KeyDatabase)
	}
	if _, ok := regions.Lookup(b.CopyRegion); !ok {
		is.add(p("copyRegion"), "unknown AWS region %q%s; allowed: %s", b.CopyRegion, suggest(b.CopyRegion, regions.Names()), strings.Join(regions.Names(), ", "))
	} else if b.CopyRegion == s.Settings.AWSRegion {
		is.add(p("copyRegion"), "%s is this stack's own region; a copy must survive the loss of the region", b.CopyRegion)
	}
	if b.RetentionDays < 1 || b.RetentionDays > 3650 {
		is.add(p("retentionDays"), "%d: want 1 to 3650", b.RetentionDays)
	}
	if !scheduleRE.MatchString(b.Schedule) {
		is.add(p("schedule"), "%q: want an AWS schedule expression such as cron(0 3 * * ? *)", b.Schedule)
	}
}

// validateDatabaseFleet checks the global database across stacks: per environment exactly one
// primary, and every member on the primary's engine version.
func (f *Fleet) validateDatabaseFleet() Problems {
	var all Problems
	byEnv := map[string][]*Stack{}
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
				all = append(all, s.problem(Project+":"+KeyDatabase+".role",
					"%q, but %s (%s) is already the primary of environment %s; a global database has exactly one", RolePrimary, primary.Name, primary.File, env))
				continue
			}
			primary = s
		}
		if primary == nil {
			for _, s := range members {
				all = append(all, s.problem(Project+":"+KeyDatabase+".role",
					"no stack of environment %s has role %q; exactly one region must hold the global database's writer", env, RolePrimary))
			}
			continue
		}
		secondaries := 0
		for _, s := range members {
			if s.Database.Role == RoleSecondary {
				secondaries++
				if secondaries > maxSecondaryRegions {
					all = append(all, s.problem(Project+":"+KeyDatabase+".role",
						"secondary number %d of environment %s; an Aurora global database has at most %d secondary regions", secondaries, env, maxSecondaryRegions))
				}
			}
			if s.Database.EngineVersion != primary.Database.EngineVersion {
				all = append(all, s.problem(Project+":"+KeyDatabase+".engineVersion",
					"%q, but the primary %s runs %q; every member of a global database runs the same version", s.Database.EngineVersion, primary.Name, primary.Database.EngineVersion))
			}
		}
	}
	return all
}

// PrimaryDatabase returns the stack holding the primary database of an environment, or nil.
func (f *Fleet) PrimaryDatabase(environment string) *Stack {
	for _, s := range f.Stacks {
		if s.IsRegion() && s.IsPrimary() && s.Settings.Environment == environment {
			return s
		}
	}
	return nil
}

// SecondaryRegions lists the AWS regions of an environment's secondary database stacks, sorted:
// the primary replicates its credentials secret there.
func (f *Fleet) SecondaryRegions(environment string) []string {
	var out []string
	for _, s := range f.Stacks {
		if s.IsRegion() && s.Database != nil && s.Database.Role == RoleSecondary && s.Settings.Environment == environment {
			out = append(out, s.Settings.AWSRegion)
		}
	}
	return sortedUnique(out)
}
