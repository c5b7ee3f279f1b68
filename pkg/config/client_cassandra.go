package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// ClientCassandra is the client's own keyspace and role in its environment's Cassandra cluster
// (global-sovereign:client.cassandra). The client's home must be a region stack with a Cassandra
// datacenter: the client connects to CQL there, and its namespace is the one of its home
// cluster allowed to (the region's output cassandraClientNamespaces, derived from this key).
// The keyspace replicates to every datacenter like the cluster's own: the cluster keeps it on
// that replication and names it in the K8ssandraCluster's dc-replication, so that a datacenter
// added later streams it. The client stack creates the keyspace and the role (a Job in its home
// datacenter's namespace, as the cluster's superuser) and writes the role's credentials into a
// Secret of the client's namespace (docs/cassandra.md, "Client keyspaces").
type ClientCassandra struct {
	// Keyspace is the client's keyspace: lowercase letters, digits and underscores, starting with
	// a letter, at most 48, not system*; unique among the cluster's keyspaces and its other
	// clients'. Empty: the client has no keyspace (and its namespace no CQL access).
	Keyspace string `json:"keyspace,omitempty"`
	// User is the client's CQL role, meant to hold every permission on its keyspace and nothing
	// else: the same characters as keyspace, not cassandra, unique among the cluster's clients.
	// Default: `<keyspace>_app`.
	User string `json:"user,omitempty"`
}

var cassandraRoleRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,47}$`)

// Role is the client's CQL role.
func (c ClientCassandra) Role() string {
	if c.User != "" || c.Keyspace == "" {
		return c.User
	}
	return c.Keyspace + "_app"
}

func (s *Stack) validateClientCassandra(is *issues) {
	c := s.Client.Cassandra
	if c.Keyspace == "" {
		if c.User != "" {
			is.add(keyPath(KeyClient, "cassandra.user"), "%q without a keyspace: set cassandra.keyspace too, or remove the user", c.User)
		}
		return
	}
	if !keyspaceRE.MatchString(c.Keyspace) || strings.HasPrefix(c.Keyspace, "system") || c.Keyspace == "reaper_db" {
		is.add(keyPath(KeyClient, "cassandra.keyspace"), "%q: want lowercase letters, digits and underscores, starting with a letter, at most 48, not system* or reaper_db", c.Keyspace)
	}
	if r := c.Role(); !cassandraRoleRE.MatchString(r) || r == "cassandra" {
		is.add(keyPath(KeyClient, "cassandra.user"), "%q: want lowercase letters, digits and underscores, starting with a letter, at most 48, not cassandra", r)
	}
}

// CassandraClients are the client stacks of env with a keyspace, by name.
func (f *Fleet) CassandraClients(env Environment) []*Stack {
	var out []*Stack
	for _, x := range f.Stacks {
		if x.Settings.Kind == KindClient && x.Settings.Environment == env && x.Client != nil && x.Client.Cassandra.Keyspace != "" {
			out = append(out, x)
		}
	}
	slices.SortFunc(out, func(a, b *Stack) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// CassandraClientKeyspaces are the keyspaces of env's clients, sorted: the K8ssandraCluster's
// dc-replication must name them (the operator refuses a new datacenter otherwise), and a removal's
// first step drops a datacenter from them too.
func (f *Fleet) CassandraClientKeyspaces(env Environment) []string {
	var out []string
	for _, x := range f.CassandraClients(env) {
		out = append(out, x.Client.Cassandra.Keyspace)
	}
	slices.Sort(out)
	return out
}

// CassandraClientNamespaces are the namespaces that may reach CQL (9042) in region stack s's
// datacenter: those of the clients homed in s with a keyspace, sorted. No other client namespace
// needs CQL; the platform's own callers (the keyspace Job, Reaper, Medusa, the operators) are in
// the Cassandra namespace.
func (f *Fleet) CassandraClientNamespaces(s *Stack) []string {
	var out []string
	for _, x := range f.CassandraClients(s.Settings.Environment) {
		if h := f.HomeStack(x); h != nil && h.Name == s.Name {
			out = append(out, x.Client.Namespace)
		}
	}
	slices.Sort(out)
	return out
}

// validateClientCassandra checks what a client's keyspace needs across stacks: a home that is a
// region with a datacenter still in the cluster, an environment with a cluster, and a keyspace
// and role no other client (nor the cluster itself) has.
func (f *Fleet) validateClientCassandra() Problems {
	var out Problems
	taken := map[string]string{} // env/kind/name -> owner
	for _, g := range f.Stacks {
		if g.Settings.Kind == KindGlobal && g.CassandraCluster != nil {
			for _, k := range g.CassandraCluster.Keyspaces {
				taken[fmt.Sprintf("%s/keyspace/%s", g.Settings.Environment, k)] = "a keyspace of the cluster (" + g.Name + ")"
			}
		}
	}
	for _, s := range f.Stacks {
		if s.Settings.Kind != KindClient || s.Client == nil || s.Client.Cassandra.Keyspace == "" {
			continue
		}
		c := s.Client.Cassandra
		home := f.HomeStack(s)
		switch {
		case home == nil:
			continue // validateHomes reports it
		case home.Settings.Kind != KindRegion || home.Cassandra == nil:
			out = append(out, s.clientProblem(keyPath(KeyClient, "cassandra.keyspace"),
				"%q, but the home stack %s (%s) has no Cassandra datacenter; a client reaches CQL in its own region's datacenter: remove the keyspace or home the client in a region with %s:%s",
				c.Keyspace, home.Name, home.File, Project, KeyCassandra))
			continue
		case !home.Cassandra.Replicated():
			out = append(out, s.clientProblem(keyPath(KeyClient, "cassandra.keyspace"),
				"%q, but the home stack %s's datacenter is being removed (removal: %s); move the client first", c.Keyspace, home.Name, home.Cassandra.Removal))
			continue
		case f.CassandraClusterOf(s.Settings.Environment) == nil:
			continue // validateCassandraFleet reports the missing cluster
		}
		for _, k := range []struct{ kind, name, key string }{{"keyspace", c.Keyspace, "cassandra.keyspace"}, {"role", c.Role(), "cassandra.user"}} {
			id := fmt.Sprintf("%s/%s/%s", s.Settings.Environment, k.kind, k.name)
			if o, dup := taken[id]; dup {
				out = append(out, s.clientProblem(keyPath(KeyClient, k.key), "%q is already %s; each client of one Cassandra cluster has its own", k.name, o))
				continue
			}
			taken[id] = "client stack " + s.Name + "'s " + k.kind
		}
	}
	return out
}

// CassandraGlobal is the global stack a client stack with a keyspace reads (its environment's,
// which declares the K8ssandraCluster): the client's Job runs only once the cluster is up. nil
// for any other stack, and when the environment has no such global stack (validation says so).
func (f *Fleet) CassandraGlobal(s *Stack) *Stack {
	if s.Settings.Kind != KindClient || s.Client == nil || s.Client.Cassandra.Keyspace == "" {
		return nil
	}
	if g := f.globalOf(s.Settings.Environment); g != nil && g.CassandraCluster != nil {
		return g
	}
	return nil
}

// CassandraReplication is the replication of every user keyspace of env's cluster, client
// keyspaces included: datacenter -> replication factor, without the datacenters being removed
// (what the global stack's keyspace Job sets, cassandracluster.Args.Replication).
func (f *Fleet) CassandraReplication(env Environment) map[string]int {
	out := map[string]int{}
	for _, x := range f.CassandraDatacenters(env) {
		if x.Cassandra.Replicated() {
			out[x.Settings.Code] = x.Cassandra.ReplicationFactor
		}
	}
	return out
}
