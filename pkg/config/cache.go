package config

import (
	"regexp"
	"slices"
	"strings"
)

// Cache is the region's ElastiCache replication group (global-sovereign:cache): multi-AZ with
// automatic failover, encrypted at rest and in transit, with an auth token.
type Cache struct {
	// Engine is the cache engine.
	Engine CacheEngine `json:"engine"`
	// EngineVersion is the engine's version, quoted.
	// Allowed: per engine, [cacheVersions].
	EngineVersion string `json:"engineVersion"`
	// NodeType is the node type of every node, e.g. cache.r7g.large, of a current family (t4g,
	// m6g, m7g, r6g, r6gd, r7g); no burstable (t) nodes in production.
	NodeType string `json:"nodeType"`
	// Replicas is the number of replicas besides the primary node: 1 to 5 (automatic failover
	// needs one).
	Replicas int `json:"replicas"`
	// SnapshotRetentionDays is how long daily snapshots are kept, 0 to 35 days; 0 turns them off
	// and production keeps at least 1.
	// Default: [DefaultCacheSnapshotDays].
	SnapshotRetentionDays *int `json:"snapshotRetentionDays,omitempty"`
}

// CacheEngine is an ElastiCache engine.
type CacheEngine string

// Cache engines.
const (
	CacheValkey CacheEngine = "valkey"
	CacheRedis  CacheEngine = "redis" // Redis OSS
)

// DefaultCacheSnapshotDays is how long cache snapshots are kept unless config says otherwise.
const DefaultCacheSnapshotDays = 7

var (
	// cacheEngines are the allowed engines, as validation checks them.
	cacheEngines = []CacheEngine{CacheValkey, CacheRedis}
	// cacheVersions are the versions allowed for each engine.
	cacheVersions = map[CacheEngine][]string{CacheValkey: {"7.2", "8.0", "8.1"}, CacheRedis: {"7.0", "7.1"}}
	cacheNodeRE   = regexp.MustCompile(`^cache\.(t4g|m6g|m7g|r6g|r6gd|r7g)\.(micro|small|medium|large|xlarge|[0-9]{1,2}xlarge)$`)
)

func (c *Cache) applyDefaults() {
	if c != nil && c.SnapshotRetentionDays == nil {
		days := DefaultCacheSnapshotDays
		c.SnapshotRetentionDays = &days
	}
}

func (s *Stack) validateCache(is *issues) {
	c := s.Cache
	oneOf(is, keyPath(KeyCache, "engine"), c.Engine, cacheEngines)
	if versions, ok := cacheVersions[c.Engine]; ok && !slices.Contains(versions, c.EngineVersion) {
		is.add(keyPath(KeyCache, "engineVersion"), "%q for %s; allowed: %s", c.EngineVersion, c.Engine, strings.Join(versions, ", "))
	}
	if !cacheNodeRE.MatchString(c.NodeType) {
		is.add(keyPath(KeyCache, "nodeType"), "%q: want a current node type such as cache.r7g.large (families t4g, m6g, m7g, r6g, r6gd, r7g)", c.NodeType)
	} else if s.Settings.Environment == EnvProduction && strings.HasPrefix(c.NodeType, "cache.t") {
		is.add(keyPath(KeyCache, "nodeType"), "%q: burstable nodes run out of CPU credits under load; use m or r nodes in production", c.NodeType)
	}
	// Multi-AZ with automatic failover needs a replica to fail over to.
	if c.Replicas < 1 || c.Replicas > 5 {
		is.add(keyPath(KeyCache, "replicas"), "%d: want 1 to 5 replicas (automatic failover needs at least one)", c.Replicas)
	}
	if days := *c.SnapshotRetentionDays; days < 0 || days > 35 {
		is.add(keyPath(KeyCache, "snapshotRetentionDays"), "%d: want 0 to 35", days)
	} else if days == 0 && s.Settings.Environment == EnvProduction {
		is.add(keyPath(KeyCache, "snapshotRetentionDays"), "0 turns snapshots off; production keeps at least 1 day")
	}
}
