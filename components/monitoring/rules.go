package monitoring

import (
	"fmt"
	"strings"
)

// Rules are the alert rules a region's workspace evaluates. Aurora replication lag is not here:
// Aurora publishes it to CloudWatch (AuroraGlobalDBReplicationLag), where the database
// component's alarm watches it and notifies the same topic. Node CPU is not here either: the
// autoscaling component's CloudWatch alarms own it, one per node group at its kind's threshold
// (cluster.nodeCpuAlarmPercent). A per-node rule here would page twice for a hot general group
// and page for spot and batch nodes, which run hot by design, and for Cassandra's compactions.
type Rules struct {
	Code string // region code, a label on every alert
	// CassandraNamespace is where the region's Cassandra pods and volumes live; empty: the
	// region has no datacenter and no Cassandra rules.
	CassandraNamespace string
	DiskPercent        int // a Cassandra data volume fuller than this alerts
	// Stack is the region stack's name, its cluster's stack label. The rules name no other
	// stack: its environments' clusters write to the same workspace, but adding one must not
	// change the region's graph.
	Stack string
}

// OperatorContainer is the k8ssandra-operator chart's container (templates/deployment.yaml).
const OperatorContainer = "k8ssandra-operator"

// Rule is one alert rule.
type Rule struct {
	Alert, Expr, For, Severity, Summary string
}

// List is the rules in the order the file holds them.
func (r Rules) List() []Rule {
	var out []Rule
	if ns := r.CassandraNamespace; ns != "" {
		out = append(out,
			// kube-state-metrics: the cassandra container of a pod that is not ready is a node
			// the ring sees as down (or about to). A pod that is gone entirely shows as a
			// StatefulSet below its replicas.
			Rule{Alert: "CassandraNodeDown", For: "5m", Severity: "critical",
				Expr: fmt.Sprintf(`kube_pod_container_status_ready{namespace=%q, container="cassandra"} == 0 or on (namespace, statefulset) `+
					`(kube_statefulset_status_replicas_ready{namespace=%q} < kube_statefulset_replicas{namespace=%q})`, ns, ns, ns),
				Summary: "A Cassandra node in " + r.Code + " is down: {{ $labels.pod }}{{ $labels.statefulset }}"},
			// The kubelet's volume stats of the operator's data claims (server-data-<pod>).
			Rule{Alert: "CassandraDiskFull", For: "10m", Severity: "warning",
				Expr: fmt.Sprintf(`100 * kubelet_volume_stats_used_bytes{namespace=%q, persistentvolumeclaim=~"server-data-.*"} `+
					`/ kubelet_volume_stats_capacity_bytes{namespace=%q, persistentvolumeclaim=~"server-data-.*"} > %d`, ns, ns, r.DiskPercent),
				Summary: fmt.Sprintf("Cassandra volume {{ $labels.persistentvolumeclaim }} in %s is over %d%% full", r.Code, r.DiskPercent)},
			// The operator exits when a remote cluster's API is unreachable (control plane) and
			// its pod webhook refuses Cassandra pods while it is down: a restart is the first sign
			// of an unreachable region (docs/architecture-cassandra.md, "A region is unreachable").
			Rule{Alert: "CassandraOperatorRestarted", For: "1m", Severity: "warning",
				Expr:    fmt.Sprintf(`increase(kube_pod_container_status_restarts_total{namespace=%q, container=%q}[15m]) > 0`, ns, OperatorContainer),
				Summary: "The k8ssandra-operator in " + r.Code + " restarted: a remote cluster may be unreachable"},
		)
	}
	// Prometheus' up series: absent when a cluster's Prometheus stopped writing or the cluster
	// is gone; nothing else would say so. The region's own cluster by name; any other cluster
	// writing here (its environments') as one that wrote an hour ago and writes no more, which
	// fires for that hour.
	out = append(out,
		Rule{Alert: "ClusterMetricsAbsent", For: "10m", Severity: "critical",
			Expr:    fmt.Sprintf(`absent_over_time(up{stack=%q}[10m])`, r.Stack),
			Summary: fmt.Sprintf("No metrics from the cluster of stack %s in %s for 10 minutes", r.Stack, r.Code)},
		Rule{Alert: "ClusterMetricsStopped", For: "10m", Severity: "warning",
			Expr:    `count by (stack) (up offset 1h) unless count by (stack) (up)`,
			Summary: fmt.Sprintf("The cluster of stack {{ $labels.stack }} stopped sending metrics to %s's workspace", r.Code)},
	)
	return out
}

// YAML is the rules as a Prometheus rules file, the format Amazon Managed Service for
// Prometheus takes.
func (r Rules) YAML() string {
	var b strings.Builder
	b.WriteString("groups:\n  - name: sovereign\n    rules:\n")
	for _, rule := range r.List() {
		fmt.Fprintf(&b, "      - alert: %s\n        expr: %s\n        for: %s\n", rule.Alert, quote(rule.Expr), rule.For)
		fmt.Fprintf(&b, "        labels:\n          severity: %s\n          region: %s\n", rule.Severity, r.Code)
		fmt.Fprintf(&b, "        annotations:\n          summary: %s\n", quote(rule.Summary))
	}
	return b.String()
}

// quote writes s as a single-quoted YAML scalar.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func (r Rules) check() error {
	if r.Code == "" || r.Stack == "" || (r.CassandraNamespace != "" && (r.DiskPercent < 1 || r.DiskPercent > 100)) {
		return fmt.Errorf("rules: want a region code and thresholds of 1-100%%, got %+v", r)
	}
	return nil
}
