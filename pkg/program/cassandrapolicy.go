package program

import (
	"github.com/global-sovereign/global-sovereign/components/cassandra"
	"github.com/global-sovereign/global-sovereign/components/monitoring"
)

// prometheusName is the app.kubernetes.io/name the Prometheus Operator gives the pods of the
// Prometheus kube-prometheus-stack runs: the scraper of the Cassandra metrics port.
const prometheusName = "prometheus"

// cassandraPolicy names the callers the region's Cassandra namespace admits: the same peers
// and control plane as its security group, the region's VPC (where the EKS API server calls
// the operators' webhooks from), and the region's own Prometheus. No namespace is given CQL
// yet: the keyspace Job, in the namespace itself, is the only CQL client.
func cassandraPolicy(e *regionEnv) cassandra.PolicyArgs {
	s := e.stack
	p := cassandra.PolicyArgs{
		PeerCIDRs:           e.fleet.CassandraPeerCIDRs(s),
		VPCCIDR:             s.Network.VPCCIDR,
		MonitoringNamespace: monitoring.Namespace,
		ScraperName:         prometheusName,
	}
	if cp := e.fleet.CassandraControlPlane(s.Settings.Environment); cp != nil && cp.Name != s.Name {
		p.ControlPlaneCIDR = cp.Network.VPCCIDR
	}
	return p
}
