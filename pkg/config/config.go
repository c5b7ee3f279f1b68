// Package config is the typed configuration of every stack of the global-sovereign project: the
// structs read from each Pulumi.<stack>.yaml, the strict decoder that fills them, and the
// validation that runs before any resource is declared, per stack and across all stack files.
//
// Each config block has one file holding its struct, its defaults, its validation and its doc
// comments (settings.go, network.go, vpn.go, database.go, cache.go, backup.go, cluster.go,
// ingress.go, alerts.go, tags.go, client.go); fleet.go holds the queries and rules that span stacks. The
// config reference in docs/configuration.md is generated from these files by internal/configdoc: a field's
// doc comment is its description, a "Default:" line its default and an "Allowed:" line its
// allowed values, and an enum type's table (the []T variable validation checks against) its
// allowed values. Run `make docs` after changing a config struct; `make lint` fails while
// docs/configuration.md is stale.
//
// It imports no Pulumi or AWS SDK so that its tests, the `sovereign validate` command and the
// deploy planner stay fast.
package config

//go:generate go run ../../internal/configdoc/cmd/configdoc -doc ../../docs/configuration.md

import (
	"reflect"
	"slices"
	"strings"
)

// Project is the Pulumi project name; stack config keys live in its namespace.
const Project = "global-sovereign"

// The config keys of the project namespace, as written in a stack file
// (`global-sovereign:network:`). Each holds one structured object.
const (
	KeyStack    = "stack"
	KeyNetwork  = "network"
	KeyVPN      = "vpn"
	KeyAlerts   = "alerts"
	KeyTags     = "tags"
	KeyDatabase = "database"
	KeyCache    = "cache"
	KeyBackup   = "backup"
	KeyCluster  = "cluster"
	KeyIngress  = "ingress"
	KeyDNS      = "dns"
	KeyCosts    = "costs"
	KeyClient   = "client"
	KeyDefaults = "defaults"

	KeyCassandra        = "cassandra"
	KeyCassandraCluster = "cassandraCluster"
	KeyMonitoring       = "monitoring"
	KeyGrafana          = "grafana"
)

// Keys lists the project config keys in the order they are documented: the `config` tags of
// Stack's fields in the project namespace.
var Keys = projectKeys()

// Stack is the whole configuration of one stack. Each field with a `config` tag is one key of
// the stack file (a tag without a namespace is a key of the project namespace; `,required`: every
// stack sets it); the config reference documents them in this order, from the doc comments below.
type Stack struct {
	Name string // stack name, from the file name Pulumi.<name>.yaml
	File string // file the values came from, for messages

	// DisableDefaultProviders lists the Pulumi default providers the stack turns off. It must list
	// aws, and kubernetes in a stack with a cluster: a resource that forgets the stack's explicit
	// provider would otherwise deploy to whatever region (or cluster) the caller's environment
	// names. `*` turns them all off.
	DisableDefaultProviders []string `config:"pulumi:disable-default-providers,required"`
	// Settings describes the stack: its kind, region and environment, and how its resources are
	// named and protected.
	Settings Settings `config:"stack,required"`
	// Network is the stack's VPC: every region stack has one, a global stack none.
	Network *Network `config:"network"`
	// VPN is the site-to-site VPN to the office (region stacks, optional).
	VPN *VPN `config:"vpn"`
	// Database is the region's member of the Aurora PostgreSQL global database (region stacks,
	// optional). The stacks of one environment hold exactly one primary.
	Database *Database `config:"database"`
	// Cache is the region's ElastiCache replication group (region stacks, optional).
	Cache *Cache `config:"cache"`
	// Backup is the AWS Backup plan of the region's Aurora cluster, with a copy in another region
	// (region stacks with a database, optional).
	Backup *Backup `config:"backup"`
	// Cluster is the region's EKS cluster and its managed node groups (region stacks, optional).
	Cluster *Cluster `config:"cluster"`
	// Ingress is the region's public entry to the API: an Application Load Balancer with an ACM
	// certificate and a DNS name (region stacks with a cluster, optional).
	Ingress *Ingress `config:"ingress"`
	// Cassandra is the region's datacenter of its environment's Cassandra cluster: size,
	// replication, nodes and whether its cluster runs the operator's control plane (region
	// stacks with a cluster, optional).
	Cassandra *Cassandra `config:"cassandra"`
	// Monitoring is the region's Amazon Managed Service for Prometheus workspace,
	// kube-prometheus-stack and alert rules (region stacks with a cluster, optional); in an
	// environment stack, kube-prometheus-stack writing to its region's workspace.
	Monitoring *Monitoring `config:"monitoring"`
	// DNS is the fleet's public API name over the regions' load balancers, with health checks
	// (global stacks, optional).
	DNS *DNS `config:"dns"`
	// Costs is the fleet's budgets and cost anomaly detection (global stacks, optional).
	Costs *Costs `config:"costs"`
	// CassandraCluster names the environment's Cassandra cluster, its version and keyspaces
	// (global stacks, optional; required when a region of the environment has a datacenter).
	CassandraCluster *CassandraCluster `config:"cassandraCluster"`
	// Grafana is the fleet's one Grafana and the region whose cluster runs it (global stacks,
	// optional).
	Grafana *Grafana `config:"grafana"`
	// Client is the client's namespace, identity, bucket, secret and database in its home
	// stack's cluster (client stacks, required).
	Client *Client `config:"client"`
	// Alerts says where the stack's alarms go (any stack).
	Alerts Alerts `config:"alerts"`
	// Tags are added to the default tags every resource of the stack carries (any stack).
	// Keys are 1 to 128 characters, values at most 256; the aws: prefix is reserved by AWS, and
	// the keys the program sets itself ([reservedTags]) are refused.
	Tags map[string]string `config:"tags"`
	// Defaults are the values most stacks share, written once in Pulumi.yaml as project-level
	// config (`global-sovereign:defaults: {value: ...}`), which the engine gives every stack. Its
	// sections are `all` (every stack) and one per stack kind (`region`, `environment`, `client`,
	// `global`); each maps block keys (network, cluster, ...) to values. Of the stack block only
	// `allowedAccountIds` may be shared (`all: {stack: {allowedAccountIds: [...]}}`): the rest says
	// which stack a file is. A stack's own block is laid
	// over the section's block, then over `all`'s: maps merge key by key, a list or scalar the
	// stack sets replaces the default whole, and a block set to null (`global-sovereign:cache:
	// null`) is left out. A stack file that sets this key replaces the project's defaults entirely
	// (as the engine does with every key).
	Defaults map[string]map[string]any `config:"defaults"`

	lines     lineIndex
	raw       map[string]any    // the project keys as the engine would pass them, for EngineConfig
	project   *ProjectConfig    // the project-level config the stack was read with
	inherited map[string]string // key paths taken from Pulumi.yaml -> the path there
}

// projectKeys reads the project keys from Stack's `config` tags.
func projectKeys() []string {
	var out []string
	t := reflect.TypeFor[Stack]()
	for i := range t.NumField() {
		key, _, _ := strings.Cut(t.Field(i).Tag.Get("config"), ",")
		if key != "" && !strings.Contains(key, ":") {
			out = append(out, key)
		}
	}
	return out
}

// keyPath is the path of a key of the project namespace as problems name it:
// keyPath(KeyNetwork, "flowLogs", "retentionDays") is global-sovereign:network.flowLogs.retentionDays.
// Each field may itself be a dotted path ("api.port").
func keyPath(block string, fields ...string) string {
	if len(fields) == 0 {
		return Project + ":" + block
	}
	return Project + ":" + block + "." + strings.Join(fields, ".")
}

func (s *Stack) applyDefaults() {
	s.Settings.applyDefaults()
	s.Network.applyDefaults()
	s.VPN.applyDefaults()
	s.Database.applyDefaults(s.Settings.Environment)
	s.Cache.applyDefaults()
	s.Backup.applyDefaults()
	s.Cluster.applyDefaults()
	s.Ingress.applyDefaults(s.Settings.Code, s.Settings.Environment)
	s.DNS.applyDefaults()
	s.Cassandra.applyDefaults()
	s.Monitoring.applyDefaults()
	s.Grafana.applyDefaults()
	s.CassandraCluster.applyDefaults()
	s.Client.applyDefaults(s.Settings.Client)
}

// Validate checks one stack on its own. Rules that need the other stacks are in Fleet.Validate.
func (s *Stack) Validate() Problems {
	var is issues
	s.validateSettings(&is)
	if s.Settings.Kind == KindRegion && s.Network == nil {
		is.add(keyPath(KeyNetwork), "missing; a region stack needs vpcCidr and availabilityZones")
	}
	if s.Settings.Kind == KindClient && s.Client == nil {
		is.add(keyPath(KeyClient), "missing; a client stack needs its quota and limits (Pulumi.yaml's client defaults give them)")
	}
	for _, b := range s.blocks() {
		switch {
		case !b.present:
		case !slices.Contains(b.kinds, s.Settings.Kind):
			if slices.Contains(kinds, s.Settings.Kind) {
				is.add(keyPath(b.key), "only %s stacks have this; remove it from %s %s stack", kindList(b.kinds), article(string(s.Settings.Kind)), s.Settings.Kind)
			}
		default:
			b.validate(&is)
		}
	}
	s.validateAlerts(&is)
	s.validateTags(&is)
	s.validateDefaultProviders(&is)
	return s.report(is)
}

// block is one optional config block: which kinds of stack may have it, and its validation.
type block struct {
	key      string
	present  bool
	kinds    []Kind
	validate func(*issues)
}

// blocks are the optional blocks of a stack and the kinds of stack that may hold each: a region
// owns the network and the office VPN; an environment shares its region's network and brings
// its own data and compute; the global stack holds what spans regions.
func (s *Stack) blocks() []block {
	compute := []Kind{KindRegion, KindEnvironment}
	return []block{
		{KeyNetwork, s.Network != nil, []Kind{KindRegion}, s.validateNetwork},
		{KeyVPN, s.VPN != nil, []Kind{KindRegion}, s.validateVPN},
		{KeyDatabase, s.Database != nil, compute, s.validateDatabase},
		{KeyCache, s.Cache != nil, compute, s.validateCache},
		{KeyBackup, s.Backup != nil, compute, s.validateBackup},
		{KeyCluster, s.Cluster != nil, compute, s.validateCluster},
		{KeyIngress, s.Ingress != nil, compute, s.validateIngress},
		{KeyCassandra, s.Cassandra != nil, []Kind{KindRegion}, s.validateCassandra},
		{KeyMonitoring, s.Monitoring != nil, compute, s.validateMonitoring},
		{KeyDNS, s.DNS != nil, []Kind{KindGlobal}, s.validateDNS},
		{KeyCassandraCluster, s.CassandraCluster != nil, []Kind{KindGlobal}, s.validateCassandraCluster},
		{KeyGrafana, s.Grafana != nil, []Kind{KindGlobal}, s.validateGrafana},
		{KeyCosts, s.Costs != nil, []Kind{KindGlobal}, s.validateCosts},
		{KeyClient, s.Client != nil, []Kind{KindClient}, s.validateClient},
	}
}

// article is "an" before a vowel, else "a".
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

// kindList writes kinds for a message: "region and environment".
func kindList(ks []Kind) string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	if len(out) > 1 {
		return strings.Join(out[:len(out)-1], ", ") + " and " + out[len(out)-1]
	}
	return strings.Join(out, "")
}

func (s *Stack) validateDefaultProviders(is *issues) {
	off := func(provider string) bool {
		return slices.Contains(s.DisableDefaultProviders, provider) || slices.Contains(s.DisableDefaultProviders, "*")
	}
	if !off("aws") {
		is.add("pulumi:disable-default-providers", "must list aws (got %v): a resource that forgets the stack's "+
			"explicit provider would otherwise deploy to whatever region the caller's environment names", s.DisableDefaultProviders)
	}
	if (s.Cluster != nil || s.Settings.Kind == KindClient || s.CassandraCluster != nil || s.Grafana != nil) && !off("kubernetes") {
		is.add("pulumi:disable-default-providers", "must list kubernetes in a stack with a cluster or a client stack, or a global stack that deploys into region clusters (got %v): an object that "+
			"forgets the cluster's provider would otherwise go to whatever cluster the caller's kubeconfig names", s.DisableDefaultProviders)
	}
}
