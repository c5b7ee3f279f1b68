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
// the operators' webhooks from), the region's own Prometheus, the client namespaces homed here
// that asked for a keyspace (the same list the stack exports as cassandraClientNamespaces),
// Medusa's sidecars when the cluster has backups, and Reaper in the datacenter it runs in (the
// first, the control plane's: k8ssandra-operator v1.32.5 controllers/k8ssandra/reaper.go
// getSingleReaperDcName for deploymentMode SINGLE).
func cassandraPolicy(e *regionEnv) cassandra.PolicyArgs {
	s := e.stack
	p := cassandra.PolicyArgs{
		PeerCIDRs:           e.fleet.CassandraPeerCIDRs(s),
		VPCCIDR:             s.Network.VPCCIDR,
		MonitoringNamespace: monitoring.Namespace,
		ScraperName:         prometheusName,
		CQLNamespaces:       e.fleet.CassandraClientNamespaces(s),
		ReaperCIDR:          e.fleet.CassandraReaperCIDR(s),
	}
	// Not gated on the datacenter's removal: its pods (and their Medusa sidecars) run until the
	// region's stack drops the datacenter, and a removal step changes nothing in the region.
	if cc := e.fleet.CassandraClusterOf(s.Settings.Environment); cc != nil {
		p.Medusa = cc.Backup != nil
		p.Reaper = cc.Repair != nil && s.Cassandra.ControlPlane
	}
	p.ControlPlaneCIDR = e.fleet.CassandraControlPlaneCIDR(s)
	return p
}
