package cassandra

// The callers the cluster's operations add to the namespace's policies: Medusa's gRPC sidecar,
// which the local k8ssandra-operator calls by pod IP, and Reaper, which calls every node's
// management API and CQL and whose REST API the local operator calls. k8ssandra-operator
// v1.32.5 runs the Medusa and Reaper controllers in every cluster, control plane or not
// (main.go), so the callers are always the datacenter's own operator.
const (
	// MedusaPort is the Medusa sidecar's gRPC port on every Cassandra pod (v1.32.5
	// pkg/medusa/reconcile.go DefaultMedusaPort; controllers/medusa/common.go newClient dials
	// pod.Status.PodIP on it). No medusa-standalone Deployment exists at v1.32.5 (no such name
	// in its tree): the sidecars are the only Medusa pods.
	MedusaPort = 50051
	// ReaperAPIPort is Reaper's REST API (pkg/reaper/deployment.go containerPort 8080;
	// pkg/reaper/manager.go dials the Reaper Service on it).
	ReaperAPIPort = 8080
	// ComponentLabel is the label the operator sets on Reaper's pods to ComponentReaper
	// (apis/k8ssandra/v1alpha1/constants.go, pkg/reaper/labels.go commonLabels).
	ComponentLabel  = "app.kubernetes.io/component"
	ComponentReaper = "reaper"
	// InstanceLabel is the chart's app.kubernetes.io/instance, the Helm release's name
	// (k8ssandra-common selectorLabels), which Reaper's pods do not carry.
	InstanceLabel = "app.kubernetes.io/instance"
)

// ReaperPods selects Reaper's pods: the operator labels them app.kubernetes.io/name
// k8ssandra-operator, like its own pod, and app.kubernetes.io/component reaper.
var ReaperPods = ComponentLabel + "=" + ComponentReaper + "," + OperatorNameLabel + "=" + Operators[0]

// K8ssandraOperatorPod selects the k8ssandra-operator's own pod and not Reaper's: the release's
// instance label, which the operator's pods carry and Reaper's do not.
var K8ssandraOperatorPod = InstanceLabel + "=" + OperatorChart + "," + OperatorNameLabel + "=" + Operators[0]

// opsPolicies are the policies of Medusa and Reaper, each only where it runs.
func opsPolicies(a PolicyArgs) []Policy {
	var out []Policy
	if a.Medusa {
		out = append(out, Policy{Name: "cassandra-medusa", Selects: CassandraPodLabel, Rules: []PolicyRule{
			{Port: MedusaPort, From: []string{K8ssandraOperatorPod}},
		}})
	}
	if a.Reaper {
		// Reaper repairs through the management API (httpManagement, on by default at v1.32.5:
		// apis/reaper/v1alpha1 HttpManagement, +kubebuilder:default=true; JMX stays local) and
		// keeps its state in CQL (storageType cassandra). Before each segment it reads every
		// replica's pending compactions from the metrics endpoint, plain http
		// (cassandra-reaper management/http/HttpMetricsProxy), and postpones the segment when it
		// cannot. Nodes of other datacenters admit it through the control plane's Cassandra tier
		// (it runs on those nodes) on 8080 (cassandra-nodes) and on the metrics port (below).
		out = append(out,
			Policy{Name: "cassandra-reaper", Selects: CassandraPodLabel, Rules: []PolicyRule{
				{Port: ManagementPort, From: []string{ReaperPods}},
				{Port: NativePort, From: []string{ReaperPods}},
				{Port: MetricsPort, From: []string{ReaperPods}},
			}},
			Policy{Name: "reaper-api", Selects: ReaperPods, Rules: []PolicyRule{
				{Port: ReaperAPIPort, From: []string{K8ssandraOperatorPod}},
			}},
		)
	}
	if a.ReaperCIDR != "" {
		out = append(out, Policy{Name: "cassandra-reaper-metrics", Selects: CassandraPodLabel, Rules: []PolicyRule{
			{Port: MetricsPort, From: []string{a.ReaperCIDR}},
		}})
	}
	return out
}
