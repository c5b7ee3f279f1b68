// Package ids names a stack's Aurora cluster and instances and says in which order a change
// reaches the instances. components/database declares them with these names and this order;
// `sovereign preflight --online` (pkg/awscheck writer.go) reads the running cluster by the same
// names. It has no Pulumi dependency so that the CLI's checks can use it without the provider SDK.
package ids

import "fmt"

// Cluster is the Aurora cluster's identifier in the stack whose name prefix is prefix.
func Cluster(prefix string) string { return prefix + "-aurora" }

// Instance is the identifier of instance i (1-based) of the cluster, the one with promotion
// tier i-1: instance 1 is the first an in-region failover promotes.
func Instance(prefix string, i int) string { return fmt.Sprintf("%s-%d", Cluster(prefix), i) }

// Roll is the cluster's instance identifiers in the order a change reaches them: each instance
// depends on the one before it in this list, so Pulumi updates them one at a time, instance n
// first and instance 1 (promotion tier 0) last. The writer should be the last one.
func Roll(prefix string, n int) []string {
	out := make([]string, 0, n)
	for i := n; i >= 1; i-- {
		out = append(out, Instance(prefix, i))
	}
	return out
}
