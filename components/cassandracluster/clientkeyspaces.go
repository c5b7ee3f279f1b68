package cassandracluster

import (
	"fmt"
	"strings"
)

// ClientCQL keeps the client stacks' keyspaces on the cluster's replication: ALTER KEYSPACE IF
// EXISTS (Cassandra 4.1+), never CREATE. Each client stack creates its own keyspace and role
// (NewClientRole, after this stack has run): a keyspace is created by the stack that owns it and
// only then exists. The superuser alters it here so that a datacenter's removal drops it from the
// client keyspaces too (the operator refuses to decommission a datacenter any keyspace still
// replicates to), and an added datacenter is in it.
func ClientCQL(keyspaces []string, replication map[string]int) string {
	if len(keyspaces) == 0 {
		return ""
	}
	var b strings.Builder
	for _, line := range strings.Split(CQL(keyspaces, replication), "\n") {
		if ks, ok := strings.CutPrefix(line, "ALTER KEYSPACE "); ok {
			fmt.Fprintf(&b, "ALTER KEYSPACE IF EXISTS %s\n", ks)
		}
	}
	return b.String()
}
