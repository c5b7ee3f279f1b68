// Package cassandra is a region's part of the fleet's multi-datacenter Cassandra cluster, as
// K8ssandra runs it: cert-manager, trust-manager (the CA certificate for client namespaces) and
// the k8ssandra-operator in the region's cluster (in
// control-plane mode in the one region that config names, in data-plane mode elsewhere), the
// security group of the Cassandra nodes, and for a data-plane region the service-account
// kubeconfig through which the control plane manages its datacenter, written by the region
// itself into the control plane's cluster as the Secret its ClientConfig names: the token never
// leaves the Kubernetes Secrets and the state of the stack that owns the account, and no stack
// output carries it (a role that may read stack outputs, such as the preview role, gets no
// cluster credentials from them). The datacenter itself is declared by the global stack's
// K8ssandraCluster (components/cassandracluster).
package cassandra

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	helmv3 "github.com/global-sovereign/global-sovereign/pkg/helmrelease"
)

// Type is the component's Pulumi type token.
const Type = "sovereign:cassandra:Datacenter"

// Charts, pinned: cert-manager (cert-manager/cert-manager deploy/charts/cert-manager, CRDs
// through crds.enabled; installCRDs is deprecated) and the k8ssandra-operator (chart version =
// operator version; it bundles cass-operator 0.64.4 and renders cert-manager Certificates for
// its webhooks, so cert-manager comes first).
const (
	CertManagerRepo    = "https://charts.jetstack.io"
	CertManagerChart   = "cert-manager"
	CertManagerVersion = "v1.21.1"
	OperatorRepo       = "https://helm.k8ssandra.io/stable"
	OperatorChart      = "k8ssandra-operator"
	OperatorVersion    = "1.32.5"
)

// ReleaseTimeoutSeconds bounds the wait for the cert-manager and k8ssandra-operator releases,
// above Helm's default of 300 s: on a fresh cluster their images are pulled on nodes still
// joining, cert-manager must issue the operator's webhook certificate before the operator is
// ready, and the operator's chart runs its CRD upgrade Job first.
const ReleaseTimeoutSeconds = 900

// Namespace holds the operator, the K8ssandraCluster (in the control-plane cluster), every
// datacenter's pods and volumes, and the ClientConfigs: the operator watches its own namespace.
const Namespace = "k8ssandra-operator"

// OperatorServiceAccount is the chart's service account: the control plane acts in a
// data-plane cluster with its token and so with exactly the operator's RBAC there (the
// k8ssandra documentation's create-clientconfig does the same).
const OperatorServiceAccount = "k8ssandra-operator"

// Cassandra's ports: CQL, what clients connect to; internode (plain and TLS); the management
// API the operators call on every pod (k8ssandra's management-api-for-apache-cassandra); JMX,
// which nothing outside the pod needs (nodetool runs through the management API).
const (
	NativePort       = 9042
	InternodePort    = 7000
	InternodeTLSPort = 7001
	ManagementPort   = 8080
	JMXPort          = 7199
)

// Ports are every port a Cassandra pod listens on, the sidecars' included (metrics, Medusa's
// gRPC: networkpolicy.go, opspolicy.go): what the port tests check nothing but the named callers
// reach.
var Ports = []int{InternodePort, InternodeTLSPort, JMXPort, NativePort, ManagementPort, MetricsPort, MedusaPort}

// RulesPerPeer is how many of the node security group's inbound rules each peer datacenter
// costs (internode and path MTU discovery; config.MaxCassandraSources bounds the peers).
const RulesPerPeer = 2

// Node placement: Cassandra nodes carry this taint and label, and the datacenter tolerates and
// selects them. The autoscaler never removes them: their groups have min = max, and the pods
// say they are not safe to evict.
const (
	NodeLabel     = "workload"
	NodeValue     = "cassandra"
	SafeToEvict   = "cluster-autoscaler.kubernetes.io/safe-to-evict"
	KubeconfigKey = "kubeconfig" // the key a ClientConfig's Secret holds the kubeconfig under
	// RackLabel names a Cassandra node's availability zone: its rack.
	RackLabel = "sovereign/cassandra-rack"
)

// ServiceHost is the in-cluster name of a datacenter's CQL Service: cass-operator names it
// <cluster>-<datacenter>-service, in the K8ssandraCluster's namespace.
func ServiceHost(clusterName, datacenter string) string {
	return fmt.Sprintf("%s-%s-service.%s.svc.cluster.local", clusterName, datacenter, Namespace)
}

// Args configures the region's part.
type Args struct {
	Code         string // region code: the datacenter's name and the kubeconfig's context
	ControlPlane bool
	// Endpoint and CertificateAuthority are the cluster's API, for the exported kubeconfig.
	Endpoint, CertificateAuthority pulumi.StringOutput
	// Kubernetes deploys into the region's cluster; it waits for the node groups and add-ons.
	Kubernetes *kubernetes.Provider
	// ControlPlaneKubernetes (data-plane regions only) deploys into the control plane's
	// cluster: the Secret holding this region's kubeconfig, which the ClientConfig names.
	ControlPlaneKubernetes *kubernetes.Provider
	// CassandraNodes (control plane only) are the Cassandra node groups the operator is
	// scheduled onto: its release waits for them (the Kubernetes provider waits only for the
	// general groups).
	CassandraNodes []pulumi.Resource
	// NativeHosts are the names clients reach the datacenter's CQL Service at: its TLS
	// certificate's names (certificates.go).
	NativeHosts []string
	// Policy names the callers the namespace's NetworkPolicies admit (networkpolicy.go).
	Policy PolicyArgs
	// Protect keeps the control plane's CA from being deleted or replaced by an update.
	Protect bool
}

// Datacenter is the component.
type Datacenter struct {
	pulumi.ResourceState

	// ClientConfigSecret is the name of the Secret, in the control plane's cluster and
	// namespace, that holds the kubeconfig reaching this region's cluster as the operator's
	// service account; the control-plane region has none (its operator is local).
	ClientConfigSecret pulumi.StringOutput `pulumi:"clientConfigSecret"`
	// Operator is the operator release: what the datacenter's objects wait for.
	Operator *helmv3.Release
}

// New declares the region's operators. Kubernetes objects use Args.Kubernetes.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Datacenter, error) {
	if args.Kubernetes == nil || args.Code == "" {
		return nil, fmt.Errorf("cassandra %s: the region code and the cluster's Kubernetes provider are required", name)
	}
	if !args.ControlPlane && args.ControlPlaneKubernetes == nil {
		return nil, fmt.Errorf("cassandra %s: a data-plane region writes its kubeconfig into the control plane's cluster: its Kubernetes provider is required", name)
	}
	d := &Datacenter{}
	if err := ctx.RegisterComponentResource(Type, name, d, opts...); err != nil {
		return nil, err
	}
	inCluster := []pulumi.ResourceOption{pulumi.Parent(d), pulumi.Provider(args.Kubernetes)}

	certManager, err := helmv3.NewRelease(ctx, name+"-cert-manager", &helmv3.ReleaseArgs{
		Name:            pulumi.String(CertManagerChart),
		Namespace:       pulumi.String("cert-manager"),
		CreateNamespace: pulumi.Bool(true),
		Chart:           pulumi.String(CertManagerChart),
		Version:         pulumi.String(CertManagerVersion),
		RepositoryOpts:  &helmv3.RepositoryOptsArgs{Repo: pulumi.String(CertManagerRepo)},
		Values:          pulumi.Map{"crds": pulumi.Map{"enabled": pulumi.Bool(true)}},
		Timeout:         pulumi.Int(ReleaseTimeoutSeconds),
	}, inCluster...)
	if err != nil {
		return nil, err
	}
	operatorValues := pulumi.Map{
		"controlPlane": pulumi.Bool(args.ControlPlane),
		// The chart creates the account (its full name is the release name); the name is
		// pinned because the control plane's token is that account's.
		"serviceAccount": pulumi.Map{"name": pulumi.String(OperatorServiceAccount)},
		// The operator serves a pod webhook with failurePolicy Fail for the pods of its
		// namespace (the chart's mpod.kb.io): while it is down no Cassandra pod of the region
		// can be created. The cluster autoscaler never drains a node running a pod that is
		// not safe to evict, so scaling in never takes it down.
		"podAnnotations": pulumi.StringMap{SafeToEvict: pulumi.String("false")},
		"resources":      OperatorResources(),
	}
	if args.ControlPlane {
		// The control plane's operator calls every other datacenter's management API: on the
		// Cassandra nodes its calls come from the Cassandra tier, the only block of this VPC the
		// other datacenters admit (the k8ssandra-operator chart v1.32.5 values nodeSelector and
		// tolerations; the config keeps OperatorResources free on those nodes).
		operatorValues["nodeSelector"] = pulumi.StringMap{NodeLabel: pulumi.String(NodeValue)}
		operatorValues["tolerations"] = CassandraTolerations()
	}
	d.Operator, err = helmv3.NewRelease(ctx, name+"-k8ssandra-operator", &helmv3.ReleaseArgs{
		Name:            pulumi.String(OperatorChart),
		Namespace:       pulumi.String(Namespace),
		CreateNamespace: pulumi.Bool(true),
		Chart:           pulumi.String(OperatorChart),
		Version:         pulumi.String(OperatorVersion),
		RepositoryOpts:  &helmv3.RepositoryOptsArgs{Repo: pulumi.String(OperatorRepo)},
		Timeout:         pulumi.Int(ReleaseTimeoutSeconds),
		Values:          operatorValues,
	}, append(inCluster, pulumi.DependsOn(append([]pulumi.Resource{certManager}, args.CassandraNodes...)))...)
	if err != nil {
		return nil, err
	}

	// TLS for internode, CQL and the management API, under the cluster's one CA, and the
	// namespace's ingress policies.
	if _, err := newCertificates(ctx, name, certificatesArgs{controlPlane: args.ControlPlane, datacenter: args.Code, nativeHosts: args.NativeHosts,
		after: []pulumi.Resource{certManager, d.Operator}, protect: args.Protect, ops: args.Policy}, inCluster); err != nil {
		return nil, err
	}
	if err := newPolicies(ctx, name, args.Policy, with(inCluster, pulumi.DependsOn([]pulumi.Resource{d.Operator}))); err != nil {
		return nil, err
	}
	// The CA's certificate (never its key) into the client namespaces that ask for it, only in a
	// region where a client asked for a keyspace: trust-manager's Role reads every Secret of the
	// trust namespace (the CA's key and the superuser's included), a reader no region without
	// such a client needs.
	if len(args.Policy.CQLNamespaces) > 0 {
		if err := newTrustManager(ctx, name, []pulumi.Resource{certManager, d.Operator}, inCluster); err != nil {
			return nil, err
		}
	}

	outputs := pulumi.Map{}
	if !args.ControlPlane {
		// A token Secret of the operator's service account: the token controller fills it,
		// and it lives as long as the Secret (a projected token would expire).
		token, err := corev1.NewSecret(ctx, name+"-control-plane-token", &corev1.SecretArgs{
			Metadata: &metav1.ObjectMetaArgs{
				Name:        pulumi.String(OperatorServiceAccount + "-control-plane"),
				Namespace:   pulumi.String(Namespace),
				Annotations: pulumi.StringMap{"kubernetes.io/service-account.name": pulumi.String(OperatorServiceAccount)},
			},
			Type: pulumi.String("kubernetes.io/service-account-token"),
		}, append(inCluster, pulumi.DependsOn([]pulumi.Resource{d.Operator}))...)
		if err != nil {
			return nil, err
		}
		kubeconfig := pulumi.ToSecret(pulumi.All(args.Endpoint, args.CertificateAuthority, token.Data).ApplyT(func(v []any) (string, error) {
			data, _ := v[2].(map[string]string)
			return TokenKubeconfig(args.Code, v[0].(string), v[1].(string), data["token"])
		})).(pulumi.StringOutput)
		// In the control plane's cluster, where its operator reads it. The SDK makes stringData
		// secret (input and output).
		secret, err := corev1.NewSecret(ctx, name+"-clientconfig-kubeconfig", &corev1.SecretArgs{
			Metadata: &metav1.ObjectMetaArgs{
				Name:      pulumi.String(args.Code + "-kubeconfig"),
				Namespace: pulumi.String(Namespace),
			},
			StringData: pulumi.StringMap{KubeconfigKey: kubeconfig},
		}, pulumi.Parent(d), pulumi.Provider(args.ControlPlaneKubernetes))
		if err != nil {
			return nil, err
		}
		d.ClientConfigSecret = secret.Metadata.Name().Elem()
		outputs["clientConfigSecret"] = d.ClientConfigSecret
	}
	return d, ctx.RegisterResourceOutputs(d, outputs)
}

// TokenKubeconfig is a kubeconfig (JSON) for the operator's service account token of a
// cluster: one context named code, the name the control plane's ClientConfig and the
// datacenter's k8sContext use. token is the Secret's data value (base64).
func TokenKubeconfig(code, endpoint, certificateAuthority, token string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil || len(raw) == 0 {
		return "", fmt.Errorf("the service-account token Secret of %s holds no token yet; run the update again once the token controller has filled it", code)
	}
	user := code + "-" + OperatorServiceAccount
	out, err := json.Marshal(map[string]any{
		"apiVersion": "v1", "kind": "Config", "current-context": code,
		"clusters": []any{map[string]any{"name": code, "cluster": map[string]any{
			"server": endpoint, "certificate-authority-data": certificateAuthority}}},
		"users": []any{map[string]any{"name": user, "user": map[string]any{"token": string(raw)}}},
		"contexts": []any{map[string]any{"name": code, "context": map[string]any{
			"cluster": code, "user": user, "namespace": Namespace}}},
	})
	return string(out), err
}

// OperatorResources are the k8ssandra-operator's requests and memory limit (the chart sets none):
// on the control plane's Cassandra nodes the config keeps them free beside the Cassandra pod
// (config.ControlPlaneOpsMemoryGiB, ControlPlaneOpsMilli).
func OperatorResources() pulumi.Map {
	return pulumi.Map{
		"requests": pulumi.StringMap{"cpu": pulumi.String("100m"), "memory": pulumi.String("256Mi")},
		"limits":   pulumi.StringMap{"memory": pulumi.String("1Gi")},
	}
}

// CassandraTolerations tolerate the Cassandra node groups' taint (NodeLabel=NodeValue:NoSchedule).
func CassandraTolerations() pulumi.Array {
	return pulumi.Array{pulumi.Map{
		"key": pulumi.String(NodeLabel), "operator": pulumi.String("Equal"),
		"value": pulumi.String(NodeValue), "effect": pulumi.String("NoSchedule"),
	}}
}
