package program

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// exportCassandraClients exports the namespaces that may reach CQL in the region's datacenter
// (config.Fleet.CassandraClientNamespaces): derived from the client stacks' config, so the
// region's NetworkPolicies need not read the client stacks (which read the region: a cycle).
// An empty list means no client namespace reaches 9042.
func exportCassandraClients(ctx *pulumi.Context, e *regionEnv) {
	ctx.Export(OutCassandraClientNamespaces, pulumi.ToStringArray(e.fleet.CassandraClientNamespaces(e.stack)))
}
