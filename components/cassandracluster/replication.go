package cassandracluster

import (
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/cassandra"
)

// CAReplication is the ReplicatedSecret's name: the control plane's operator copies the
// cluster's CA Secret (labelled cassandra.CALabel) into each data-plane datacenter's cluster
// and namespace, where that region's CA Issuer signs its certificates (components/cassandra
// certificates.go). k8ssandra-operator v1.32.5 apis/replication/v1alpha1: spec.selector and
// spec.replicationTargets[].k8sContextName, a ClientConfig's context; an empty namespace is
// the source's. It also follows the Secret when cert-manager renews the CA.
const CAReplication = "cassandra-ca"

// ReplicationTargets are the contexts the CA is copied to: every datacenter with a ClientConfig,
// as long as it has one (a datacenter being removed keeps both until it is gone).
func (a *Args) ReplicationTargets() []string {
	var out []string
	for _, dc := range a.Datacenters {
		if dc.ClientConfigSecret != nil {
			out = append(out, dc.Code)
		}
	}
	return out
}

// caReplication declares the ReplicatedSecret, after the ClientConfigs it names.
func caReplication(ctx *pulumi.Context, name string, args *Args, clientConfigs []pulumi.Resource, inCluster []pulumi.ResourceOption) (pulumi.Resource, error) {
	targets := pulumi.Array{}
	for _, code := range args.ReplicationTargets() {
		targets = append(targets, pulumi.Map{"k8sContextName": pulumi.String(code)})
	}
	opts := append(append([]pulumi.ResourceOption{}, inCluster...), pulumi.DependsOn(clientConfigs))
	return apiextensions.NewCustomResource(ctx, name+"-ca-replication", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("replication.k8ssandra.io/v1alpha1"),
		Kind:       pulumi.String("ReplicatedSecret"),
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(CAReplication), Namespace: pulumi.String(cassandra.Namespace)},
		OtherFields: kubernetes.UntypedArgs{"spec": pulumi.Map{
			"selector":           pulumi.Map{"matchLabels": pulumi.StringMap{cassandra.CALabel: pulumi.String("true")}},
			"replicationTargets": targets,
		}},
	}, opts...)
}
