package cassandra

import (
	"net"
	"sort"
	"strings"

	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/sgrules"
)

// Who may reach the pods of the Cassandra namespace, which holds the operators (k8ssandra-operator
// and its cass-operator) and the datacenter's pods alike. The security groups bound what
// reaches the nodes from other VPCs; these policies bound what reaches each pod, from inside
// the cluster too (any pod of any namespace would otherwise reach CQL and the management API).
// The VPC CNI enforces them with its network policy agent, which components/cluster turns on
// (enableNetworkPolicy); the agent admits the node's own address, so kubelet probes pass.
const (
	// CassandraPodLabel is on every pod cass-operator creates for a datacenter (cass-operator
	// v1.30.3 apis/cassandra/v1beta1 ClusterLabel).
	CassandraPodLabel = "cassandra.datastax.com/cluster"
	// OperatorNameLabel names each operator's pods (the k8ssandra-common chart's
	// app.kubernetes.io/name: k8ssandra-operator and cass-operator).
	OperatorNameLabel = "app.kubernetes.io/name"
	// WebhookPort is where both operators serve their admission webhooks (the k8ssandra-operator
	// chart's webhook-server containerPort; cass-operator's controller-runtime default).
	WebhookPort = 9443
	// MetricsPort is the management API's Prometheus endpoint, which the telemetry the
	// K8ssandraCluster turns on scrapes (k8ssandra-operator v1.32.5 pkg/telemetry
	// CassandraMetricsPortModern).
	MetricsPort = 9000
	// JobLabel marks the pods of the Jobs this program runs against CQL (the keyspace Job).
	JobLabel = "sovereign/cql-client"
	// NamespaceNameLabel is the label the API server sets on every namespace to its name.
	NamespaceNameLabel = "kubernetes.io/metadata.name"
)

// Operators are the operator pods' OperatorNameLabel values.
var Operators = []string{"k8ssandra-operator", "cass-operator"}

// PolicyArgs are the callers the namespace's policies admit.
type PolicyArgs struct {
	// PeerCIDRs: the other datacenters' Cassandra tiers (their pods keep their addresses over the
	// peering, and get them from their node's subnet in the tier): internode.
	PeerCIDRs []string
	// ControlPlaneCIDR: the control plane's Cassandra tier, whose operator (on those nodes) calls
	// this datacenter's management API ("" in the control plane's own region).
	ControlPlaneCIDR string
	// VPCCIDR: the region's VPC, where the EKS API server's network interfaces are; it calls the
	// operators' webhooks.
	VPCCIDR string
	// MonitoringNamespace and ScraperName: the Prometheus that scrapes the metrics port.
	MonitoringNamespace, ScraperName string
	// CQLNamespaces are the namespaces whose pods may connect to CQL, besides this namespace's
	// own Jobs that carry JobLabel.
	CQLNamespaces []string
	// Medusa: the datacenter's pods run the Medusa sidecar (the cluster has backups), which
	// the local k8ssandra-operator calls (opspolicy.go).
	Medusa bool
	// Reaper: Reaper runs in this datacenter (the cluster has repairs and this is the first
	// datacenter, the control plane's), calling its nodes and called by the local operator.
	Reaper bool
	// ReaperCIDR: the Cassandra tier Reaper runs in when it runs in another datacenter's region:
	// it reads the nodes' metrics endpoint (opspolicy.go).
	ReaperCIDR string
}

// PolicyRule is one port of one policy, in the form the port tests read.
type PolicyRule struct {
	Port int
	// From: pod selectors in this namespace ("label=value" or "label" for exists), namespaces
	// ("ns:<name>", with a pod selector "ns:<name>/label=value"), and CIDRs.
	From []string
}

// Policy is one NetworkPolicy: the pods it selects and the ports it admits.
type Policy struct {
	Name, Selects string
	Rules         []PolicyRule
}

// Policies are the namespace's ingress policies: a default deny, then one per kind of pod.
func Policies(a PolicyArgs) []Policy {
	internode := []string{CassandraPodLabel}
	// The operators' own pods, not every pod labelled with an operator's name: Reaper's pods
	// carry app.kubernetes.io/name k8ssandra-operator too (opspolicy.go) and are admitted only
	// where Reaper runs.
	management := []string{K8ssandraOperatorPod, OperatorNameLabel + "=" + Operators[1]}
	if a.ControlPlaneCIDR != "" {
		management = append(management, a.ControlPlaneCIDR)
	}
	cql := []string{JobLabel + "=true"}
	for _, ns := range sortedCopy(a.CQLNamespaces) {
		cql = append(cql, "ns:"+ns)
	}
	out := []Policy{
		{Name: "default-deny-ingress"},
		{Name: "cassandra-nodes", Selects: CassandraPodLabel, Rules: []PolicyRule{
			{Port: InternodePort, From: internode},
			{Port: InternodeTLSPort, From: internode},
			{Port: ManagementPort, From: management},
			{Port: NativePort, From: cql},
			{Port: MetricsPort, From: []string{"ns:" + a.MonitoringNamespace + "/" + OperatorNameLabel + "=" + a.ScraperName}},
		}},
		{Name: "operator-webhooks", Selects: OperatorNameLabel, Rules: []PolicyRule{
			{Port: WebhookPort, From: []string{a.VPCCIDR}},
		}},
	}
	// One policy per peer datacenter, named by its VPC like its security group rules: a
	// datacenter added or removed adds or removes its own policy and changes no other.
	for _, c := range sortedCopy(a.PeerCIDRs) {
		out = append(out, Policy{Name: "cassandra-internode-" + sgrules.CIDRName(c), Selects: CassandraPodLabel, Rules: []PolicyRule{
			{Port: InternodePort, From: []string{c}},
			{Port: InternodeTLSPort, From: []string{c}},
		}})
	}
	return append(out, opsPolicies(a)...)
}

func sortedCopy(in []string) []string {
	out := append([]string{}, in...)
	sort.Strings(out)
	return out
}

// newPolicies declares the namespace's policies.
func newPolicies(ctx *pulumi.Context, name string, a PolicyArgs, opts []pulumi.ResourceOption) error {
	for _, p := range Policies(a) {
		var ingress networkingv1.NetworkPolicyIngressRuleArray
		for _, r := range p.Rules {
			var peers networkingv1.NetworkPolicyPeerArray
			for _, f := range r.From {
				peers = append(peers, peer(f))
			}
			ingress = append(ingress, networkingv1.NetworkPolicyIngressRuleArgs{
				Ports: networkingv1.NetworkPolicyPortArray{networkingv1.NetworkPolicyPortArgs{
					Protocol: pulumi.String("TCP"), Port: pulumi.Int(r.Port)}},
				From: peers,
			})
		}
		if _, err := networkingv1.NewNetworkPolicy(ctx, name+"-"+p.Name, &networkingv1.NetworkPolicyArgs{
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(p.Name), Namespace: pulumi.String(Namespace)},
			Spec: networkingv1.NetworkPolicySpecArgs{
				PodSelector: selector(p.Selects),
				PolicyTypes: pulumi.StringArray{pulumi.String("Ingress")},
				Ingress:     ingress,
			},
		}, opts...); err != nil {
			return err
		}
	}
	return nil
}

// selector is a label selector from "label=value" (or several, comma-separated), "label" (exists, or for the operators'
// label, one of Operators) or "" (every pod).
func selector(s string) metav1.LabelSelectorArgs {
	switch {
	case s == "":
		return metav1.LabelSelectorArgs{}
	case s == OperatorNameLabel:
		return metav1.LabelSelectorArgs{MatchExpressions: metav1.LabelSelectorRequirementArray{metav1.LabelSelectorRequirementArgs{
			Key: pulumi.String(OperatorNameLabel), Operator: pulumi.String("In"), Values: pulumi.ToStringArray(Operators)}}}
	}
	if strings.Contains(s, "=") { // "k=v" or "k=v,k2=v2": all of them
		labels := pulumi.StringMap{}
		for _, kv := range strings.Split(s, ",") {
			k, v, _ := strings.Cut(kv, "=")
			labels[k] = pulumi.String(v)
		}
		return metav1.LabelSelectorArgs{MatchLabels: labels}
	}
	return metav1.LabelSelectorArgs{MatchExpressions: metav1.LabelSelectorRequirementArray{metav1.LabelSelectorRequirementArgs{
		Key: pulumi.String(s), Operator: pulumi.String("Exists")}}}
}

// peer is a policy peer from PolicyRule.From's forms.
func peer(f string) networkingv1.NetworkPolicyPeerArgs {
	if ns, ok := strings.CutPrefix(f, "ns:"); ok {
		name, pods, hasPods := strings.Cut(ns, "/")
		p := networkingv1.NetworkPolicyPeerArgs{NamespaceSelector: metav1.LabelSelectorArgs{
			MatchLabels: pulumi.StringMap{NamespaceNameLabel: pulumi.String(name)}}}
		if hasPods {
			p.PodSelector = selector(pods)
		}
		return p
	}
	if _, _, err := net.ParseCIDR(f); err == nil {
		return networkingv1.NetworkPolicyPeerArgs{IpBlock: networkingv1.IPBlockArgs{Cidr: pulumi.String(f)}}
	}
	return networkingv1.NetworkPolicyPeerArgs{PodSelector: selector(f)}
}
