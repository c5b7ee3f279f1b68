// Package cassandra is a region's part of the fleet's multi-datacenter Cassandra cluster, as
// K8ssandra runs it: cert-manager and the k8ssandra-operator in the region's cluster (in
// control-plane mode in the one region that config names, in data-plane mode elsewhere), the
// security group of the Cassandra nodes, and for a data-plane region the service-account
// kubeconfig through which the control plane manages its datacenter. The datacenter itself is
// declared by the global stack's K8ssandraCluster (components/cassandracluster).
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

// Namespace holds the operator, the K8ssandraCluster (in the control-plane cluster), every
// datacenter's pods and volumes, and the ClientConfigs: the operator watches its own namespace.
const Namespace = "k8ssandra-operator"

// OperatorServiceAccount is the chart's service account: the control plane acts in a
// data-plane cluster with its token and so with exactly the operator's RBAC there (the
// k8ssandra documentation's create-clientconfig does the same).
const OperatorServiceAccount = "k8ssandra-operator"

// NativePort is CQL, what clients connect to.
const NativePort = 9042

// Ports are what Cassandra nodes need from each other and from the control plane: 7000
// internode, 7001 internode TLS, 7199 JMX (nodetool), 9042 CQL, 8080 the management API the
// operators call on every pod.
var Ports = []int{7000, 7001, 7199, NativePort, 8080}

// PortRange is a range of Ports admitted by one security-group rule per source.
type PortRange struct{ From, To int }

// PortRanges are Ports as the rules admit them: 7000-7001 in one, so that each source costs four
// of the security group's inbound rules (config.MaxCassandraSources bounds the sources).
var PortRanges = []PortRange{{7000, 7001}, {7199, 7199}, {8080, 8080}, {NativePort, NativePort}}

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
}

// Datacenter is the component.
type Datacenter struct {
	pulumi.ResourceState

	// Kubeconfig (a secret) reaches the region's cluster as the operator's service account;
	// the control-plane region has none (its operator is local).
	Kubeconfig pulumi.StringOutput `pulumi:"kubeconfig"`
	// Operator is the operator release: what the datacenter's objects wait for.
	Operator *helmv3.Release
}

// New declares the region's operators. Kubernetes objects use Args.Kubernetes.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Datacenter, error) {
	if args.Kubernetes == nil || args.Code == "" {
		return nil, fmt.Errorf("cassandra %s: the region code and the cluster's Kubernetes provider are required", name)
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
	}, inCluster...)
	if err != nil {
		return nil, err
	}
	d.Operator, err = helmv3.NewRelease(ctx, name+"-k8ssandra-operator", &helmv3.ReleaseArgs{
		Name:            pulumi.String(OperatorChart),
		Namespace:       pulumi.String(Namespace),
		CreateNamespace: pulumi.Bool(true),
		Chart:           pulumi.String(OperatorChart),
		Version:         pulumi.String(OperatorVersion),
		RepositoryOpts:  &helmv3.RepositoryOptsArgs{Repo: pulumi.String(OperatorRepo)},
		Values: pulumi.Map{
			"controlPlane": pulumi.Bool(args.ControlPlane),
			// The chart creates the account (its full name is the release name); the name is
			// pinned because the control plane's token is that account's.
			"serviceAccount": pulumi.Map{"name": pulumi.String(OperatorServiceAccount)},
		},
	}, append(inCluster, pulumi.DependsOn([]pulumi.Resource{certManager}))...)
	if err != nil {
		return nil, err
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
		d.Kubeconfig = pulumi.ToSecret(pulumi.All(args.Endpoint, args.CertificateAuthority, token.Data).ApplyT(func(v []any) (string, error) {
			data, _ := v[2].(map[string]string)
			return TokenKubeconfig(args.Code, v[0].(string), v[1].(string), data["token"])
		})).(pulumi.StringOutput)
		outputs["kubeconfig"] = d.Kubeconfig
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
