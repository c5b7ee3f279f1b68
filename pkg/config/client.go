package config

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Client is a client stack's tenancy in the cluster and database of its home stack
// (global-sovereign:client): a namespace with quota, default limits and default-deny network
// policies, a service account with its own IAM role (Pod Identity), an S3 bucket, a secret, and
// a database and role in the environment's Aurora. Client stacks only, and every client stack
// has it (Pulumi.yaml's `client` defaults give most of it).
type Client struct {
	// Namespace is the client's Kubernetes namespace in the home cluster: a DNS label (lowercase
	// letters, digits and dashes, at most 63), not default, kube-* or one of the platform's.
	// Default: `client-<client>`.
	Namespace string `json:"namespace,omitempty"`
	// ServiceAccount is the service account the client's pods run as; Pod Identity hands it the
	// client's IAM role. A DNS label.
	// Default: [DefaultClientServiceAccount].
	ServiceAccount string `json:"serviceAccount,omitempty"`
	// Quota caps what the namespace may request and use in total (a ResourceQuota).
	Quota ClientQuota `json:"quota"`
	// LimitRange gives each container that sets none a default request and limit, and caps
	// every container at the quota's limits (a LimitRange).
	LimitRange ClientLimitRange `json:"limitRange"`
	// Database is the client's own database and role in the environment's Aurora.
	Database ClientDatabase `json:"database,omitempty"`
	// Bucket is the client's own S3 bucket.
	Bucket ClientBucket `json:"bucket,omitempty"`
	// Cassandra is the client's own keyspace and role in its environment's Cassandra cluster;
	// none by default.
	Cassandra ClientCassandra `json:"cassandra,omitempty"`
}

// ClientQuota is the namespace's ResourceQuota. CPU in Kubernetes quantities (`2`, `500m`),
// memory in bytes with a suffix (`512Mi`, `8Gi`, `1G`); requests at most the limits.
type ClientQuota struct {
	// RequestsCPU is the total CPU the namespace's pods may request.
	RequestsCPU string `json:"requestsCpu"`
	// RequestsMemory is the total memory the namespace's pods may request.
	RequestsMemory string `json:"requestsMemory"`
	// LimitsCPU is the total of the namespace's CPU limits.
	LimitsCPU string `json:"limitsCpu"`
	// LimitsMemory is the total of the namespace's memory limits.
	LimitsMemory string `json:"limitsMemory"`
	// Pods is the most pods the namespace may hold, 1 to [maxClientPods].
	Pods int `json:"pods"`
	// Storage is the total size of the namespace's volume claims, a memory-style quantity such
	// as 100Gi. Claims use the client's own StorageClass (`<namespace>-gp3`, volumes deleted with
	// their claim, so destroying the client leaves no volume that bills); the cluster's default
	// class, which retains volumes, is closed to the namespace.
	// Default: [DefaultClientStorage].
	Storage string `json:"storage,omitempty"`
}

// ClientLimitRange is the per-container default of the namespace's LimitRange: each default
// request at most its default limit, each default limit at most the quota's limit.
type ClientLimitRange struct {
	// DefaultRequestCPU is the CPU request of a container that sets none.
	DefaultRequestCPU string `json:"defaultRequestCpu"`
	// DefaultRequestMemory is the memory request of a container that sets none.
	DefaultRequestMemory string `json:"defaultRequestMemory"`
	// DefaultLimitCPU is the CPU limit of a container that sets none.
	DefaultLimitCPU string `json:"defaultLimitCpu"`
	// DefaultLimitMemory is the memory limit of a container that sets none.
	DefaultLimitMemory string `json:"defaultLimitMemory"`
}

// ClientDatabase is the client's database and role in the Aurora cluster of its environment,
// created from inside the cluster by a Job of the platform (nothing outside the VPC reaches the
// database). In an environment whose Aurora is a global database the writer is the primary
// region's: the Job runs there, and the database replicates to the home region.
type ClientDatabase struct {
	// Enabled creates the database, the role and the secret holding the role's password; the
	// home stack (or, for a secondary, its environment's primary) needs a database and a cluster.
	// Default: `true`.
	Enabled *bool `json:"enabled,omitempty"`
	// Name is the database's name: lowercase letters, digits and underscores, starting with a
	// letter, at most 63; not postgres, rdsadmin or template0/1, and unique among the clients of
	// one Aurora cluster (nor the cluster's own database).
	// Default: `<client>`.
	Name string `json:"name,omitempty"`
	// User is the role that owns the database, its password generated and kept in the client's
	// secret: the same characters as name, not starting with pg_ or rds_ nor postgres or rdsadmin,
	// and unique among the clients of one Aurora cluster (nor its master user).
	// Default: `<client>_app`.
	User string `json:"user,omitempty"`
	// ConnectionLimit caps the role's concurrent connections, 1 to 1000, so one client cannot
	// take the cluster's max_connections from the others.
	// Default: [DefaultClientConnectionLimit].
	ConnectionLimit int `json:"connectionLimit,omitempty"`
}

// ClientBucket is the client's S3 bucket: SSE-KMS with its own key, versioned, no public
// access, TLS only.
type ClientBucket struct {
	// NoncurrentVersionDays is how long an overwritten or deleted object's previous versions
	// are kept, 1 to 3650 days.
	// Default: [DefaultNoncurrentVersionDays].
	NoncurrentVersionDays int `json:"noncurrentVersionDays,omitempty"`
	// AccessLogDays keeps the bucket's S3 server access logs (every request: who, which object,
	// when) that long, 1 to 3650 days, in a log bucket of the client's; 0 turns access logging
	// off.
	// Default: [DefaultAccessLogDays].
	AccessLogDays *int `json:"accessLogDays,omitempty"`
}

// Defaults of the client block.
const (
	DefaultClientServiceAccount  = "app"
	DefaultNoncurrentVersionDays = 30
	DefaultClientConnectionLimit = 20
	DefaultClientStorage         = "100Gi"
	DefaultAccessLogDays         = 365
	maxClientPods                = 1000
	maxClientConnections         = 1000
)

var (
	// dnsLabelRE is a Kubernetes DNS label (RFC 1123): a namespace or service account name.
	dnsLabelRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
	// cpuRE is a CPU quantity: cores (`2`, `0.5`) or millicores (`500m`).
	cpuRE = regexp.MustCompile(`^([0-9]+)(\.[0-9]{1,3})?(m?)$`)
	// memoryRE is a memory quantity: bytes with an optional binary or decimal suffix.
	memoryRE = regexp.MustCompile(`^([0-9]+)(Ki|Mi|Gi|Ti|k|M|G|T)?$`)
	// reservedNamespaces are the cluster's and the platform's own namespaces.
	reservedNamespaces = []string{"default", "kube-system", "kube-public", "kube-node-lease", "platform"}
	// reservedRoles are roles every Aurora PostgreSQL cluster has (besides pg_* and rds_*).
	reservedRoles = []string{"postgres", "rdsadmin", "rdsrepladmin", "rdsproxyadmin"}
	// reservedDatabases are the databases every Aurora PostgreSQL cluster has.
	reservedDatabases = []string{"postgres", "rdsadmin", "template0", "template1"}
)

func (c *Client) applyDefaults(client string) {
	if c == nil {
		return
	}
	if c.Namespace == "" && client != "" {
		c.Namespace = "client-" + client
	}
	if c.ServiceAccount == "" {
		c.ServiceAccount = DefaultClientServiceAccount
	}
	if c.Database.Enabled == nil {
		on := true
		c.Database.Enabled = &on
	}
	if c.Database.Name == "" && client != "" {
		c.Database.Name = client
	}
	if c.Database.User == "" && client != "" {
		c.Database.User = client + "_app"
	}
	if c.Bucket.NoncurrentVersionDays == 0 {
		c.Bucket.NoncurrentVersionDays = DefaultNoncurrentVersionDays
	}
	if c.Bucket.AccessLogDays == nil {
		d := DefaultAccessLogDays
		c.Bucket.AccessLogDays = &d
	}
	if c.Quota.Storage == "" {
		c.Quota.Storage = DefaultClientStorage
	}
	if c.Database.ConnectionLimit == 0 {
		c.Database.ConnectionLimit = DefaultClientConnectionLimit
	}
}

// DatabaseEnabled reports whether the client has a database (default true).
func (d ClientDatabase) DatabaseEnabled() bool { return d.Enabled == nil || *d.Enabled }

func (s *Stack) validateClient(is *issues) {
	c := s.Client
	s.validateClientCassandra(is)
	switch {
	case !dnsLabelRE.MatchString(c.Namespace):
		is.add(keyPath(KeyClient, "namespace"), "%q: want a DNS label: lowercase letters, digits and dashes, at most 63, starting and ending with a letter or digit", c.Namespace)
	case slices.Contains(reservedNamespaces, c.Namespace) || strings.HasPrefix(c.Namespace, "kube-") || strings.HasPrefix(c.Namespace, PlatformNamespacePrefix):
		is.add(keyPath(KeyClient, "namespace"), "%q belongs to the cluster or the platform (%s, kube-*, %s*); use e.g. client-%s",
			c.Namespace, strings.Join(reservedNamespaces, ", "), PlatformNamespacePrefix, s.Settings.Client)
	}
	if !dnsLabelRE.MatchString(c.ServiceAccount) {
		is.add(keyPath(KeyClient, "serviceAccount"), "%q: want a DNS label: lowercase letters, digits and dashes, at most 63", c.ServiceAccount)
	}

	q := c.Quota
	reqCPU := quantity(is, keyPath(KeyClient, "quota.requestsCpu"), q.RequestsCPU, parseCPU)
	limCPU := quantity(is, keyPath(KeyClient, "quota.limitsCpu"), q.LimitsCPU, parseCPU)
	reqMem := quantity(is, keyPath(KeyClient, "quota.requestsMemory"), q.RequestsMemory, parseMemory)
	limMem := quantity(is, keyPath(KeyClient, "quota.limitsMemory"), q.LimitsMemory, parseMemory)
	atMost(is, keyPath(KeyClient, "quota.requestsCpu"), q.RequestsCPU, reqCPU, "quota.limitsCpu", q.LimitsCPU, limCPU)
	atMost(is, keyPath(KeyClient, "quota.requestsMemory"), q.RequestsMemory, reqMem, "quota.limitsMemory", q.LimitsMemory, limMem)
	quantity(is, keyPath(KeyClient, "quota.storage"), q.Storage, parseMemory)
	if q.Pods < 1 || q.Pods > maxClientPods {
		is.add(keyPath(KeyClient, "quota.pods"), "%d: want 1 to %d", q.Pods, maxClientPods)
	}

	l := c.LimitRange
	dReqCPU := quantity(is, keyPath(KeyClient, "limitRange.defaultRequestCpu"), l.DefaultRequestCPU, parseCPU)
	dLimCPU := quantity(is, keyPath(KeyClient, "limitRange.defaultLimitCpu"), l.DefaultLimitCPU, parseCPU)
	dReqMem := quantity(is, keyPath(KeyClient, "limitRange.defaultRequestMemory"), l.DefaultRequestMemory, parseMemory)
	dLimMem := quantity(is, keyPath(KeyClient, "limitRange.defaultLimitMemory"), l.DefaultLimitMemory, parseMemory)
	atMost(is, keyPath(KeyClient, "limitRange.defaultRequestCpu"), l.DefaultRequestCPU, dReqCPU, "limitRange.defaultLimitCpu", l.DefaultLimitCPU, dLimCPU)
	atMost(is, keyPath(KeyClient, "limitRange.defaultRequestMemory"), l.DefaultRequestMemory, dReqMem, "limitRange.defaultLimitMemory", l.DefaultLimitMemory, dLimMem)
	atMost(is, keyPath(KeyClient, "limitRange.defaultLimitCpu"), l.DefaultLimitCPU, dLimCPU, "quota.limitsCpu", q.LimitsCPU, limCPU)
	atMost(is, keyPath(KeyClient, "limitRange.defaultLimitMemory"), l.DefaultLimitMemory, dLimMem, "quota.limitsMemory", q.LimitsMemory, limMem)

	d := c.Database
	if !dbIdentRE.MatchString(d.Name) {
		is.add(keyPath(KeyClient, "database.name"), "%q: want lowercase letters, digits and underscores, starting with a letter, at most 63", d.Name)
	} else if slices.Contains(reservedDatabases, d.Name) {
		is.add(keyPath(KeyClient, "database.name"), "%q is a database every Aurora cluster has (%s); name the client's own", d.Name, strings.Join(reservedDatabases, ", "))
	}
	switch {
	case !dbIdentRE.MatchString(d.User):
		is.add(keyPath(KeyClient, "database.user"), "%q: want lowercase letters, digits and underscores, starting with a letter, at most 63", d.User)
	case strings.HasPrefix(d.User, "pg_") || strings.HasPrefix(d.User, "rds_") || slices.Contains(reservedRoles, d.User):
		is.add(keyPath(KeyClient, "database.user"), "%q: pg_*, rds_*, %s are PostgreSQL's and Aurora's own roles", d.User, strings.Join(reservedRoles, ", "))
	}

	if n := d.ConnectionLimit; n < 1 || n > maxClientConnections {
		is.add(keyPath(KeyClient, "database.connectionLimit"), "%d: want 1 to %d connections", n, maxClientConnections)
	}
	if n := *c.Bucket.AccessLogDays; n < 0 || n > 3650 {
		is.add(keyPath(KeyClient, "bucket.accessLogDays"), "%d: want 0 (off) or 1 to 3650 days", n)
	}
	if n := c.Bucket.NoncurrentVersionDays; n < 1 || n > 3650 {
		is.add(keyPath(KeyClient, "bucket.noncurrentVersionDays"), "%d: want 1 to 3650 days", n)
	}
}

// PlatformNamespacePrefix starts the namespaces the platform owns in a cluster for a client
// (the database Job's): no client namespace may start with it.
const PlatformNamespacePrefix = "platform-"

// ProvisioningNamespace is the platform's namespace, in the cluster beside a database writer,
// where the provisioning role's credentials live and every client's database Job runs: never a
// client's namespace.
const ProvisioningNamespace = PlatformNamespacePrefix + "db"

// HoldsDatabaseWriter says whether the stack holds its environment's master credentials: a
// standalone cluster, or the home of a global database (the primary unless another region says
// `home: true`). With a cluster, it runs the platform's database provisioning for clients.
func (f *Fleet) HoldsDatabaseWriter(s *Stack) bool {
	if s.Database == nil {
		return false
	}
	if s.Database.Role == RoleStandalone {
		return true
	}
	h := f.DatabaseHome(s.Settings.Environment)
	return s.IsRegion() && h != nil && h.Name == s.Name // by name: the running stack may be a fresh copy of its file
}

// quantity parses v with parse; a bad one is a problem, and -1 is returned.
func quantity(is *issues, path, v string, parse func(string) (float64, error)) float64 {
	n, err := parse(v)
	if err != nil {
		is.add(path, "%q: %v", v, err)
		return -1
	}
	return n
}

// atMost adds a problem at path when a (written v) exceeds b (written w at key other); a
// value that did not parse (-1) is already reported.
func atMost(is *issues, path, v string, a float64, other, w string, b float64) {
	if a >= 0 && b >= 0 && a > b {
		is.add(path, "%s is more than %s's %s", v, keyPath(KeyClient, other), w)
	}
}

// parseCPU reads a CPU quantity in millicores: "2" is 2000, "500m" 500, "0.25" 250. Zero is
// refused (a zero quota admits no pod).
func parseCPU(v string) (float64, error) {
	m := cpuRE.FindStringSubmatch(v)
	if m == nil || (m[3] == "m" && m[2] != "") {
		return 0, fmt.Errorf("want a CPU quantity such as 2, 0.5 or 500m")
	}
	n, _ := strconv.ParseFloat(m[1]+m[2], 64)
	if m[3] == "" {
		n *= 1000
	}
	if n < 1 {
		return 0, fmt.Errorf("want more than zero CPU (at least 1m)")
	}
	return n, nil
}

// memoryUnits are the byte multipliers of the memory suffixes.
var memoryUnits = map[string]float64{
	"": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
	"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40,
}

// parseMemory reads a memory quantity in bytes: "512Mi", "8Gi", "1G". At least 1Mi: a
// container with less does not start.
func parseMemory(v string) (float64, error) {
	m := memoryRE.FindStringSubmatch(v)
	if m == nil {
		return 0, fmt.Errorf("want a memory quantity such as 512Mi, 8Gi or 1G (suffixes Ki, Mi, Gi, Ti, k, M, G, T)")
	}
	n, _ := strconv.ParseFloat(m[1], 64)
	n *= memoryUnits[m[2]]
	if n < 1<<20 {
		return 0, fmt.Errorf("want at least 1Mi")
	}
	return n, nil
}
