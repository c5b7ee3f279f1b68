package cassandra

import (
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The certificates of the cluster's operations, from the same CA Issuer as the datacenter's own.
const (
	// MedusaClientSecret: Medusa's CQL client certificate, in every datacenter with backups
	// (Medusa runs as a sidecar of every node). A kubernetes.io/tls Secret with ca.crt, tls.crt
	// and tls.key in PEM: Medusa's Python driver reads PEM files, and the K8ssandraCluster's
	// spec.medusa.clientEncryptionStores names its three keys (components/cassandracluster
	// medusa.go). Without it the operator refuses every datacenter with client encryption
	// (k8ssandra-operator v1.32.5 controllers/k8ssandra/medusa_reconciler.go: "medusa encryption
	// certificates were not provided despite client encryption being enabled").
	MedusaClientSecret = "cassandra-medusa-client-tls"
	// ReaperManagementSecret: Reaper's client certificate for the management API's mTLS, as the
	// keystore.jks and truststore.jks Reaper reads from the Secret spec.reaper.httpManagement.keystores
	// names (v1.32.5 pkg/reaper/deployment.go mounts it at /etc/encryption/mgmt and sets
	// REAPER_HTTP_MANAGEMENT_{KEYSTORE,TRUSTSTORE}_PATH). Only where Reaper runs.
	ReaperManagementSecret = "cassandra-reaper-mgmt-tls"
	// ReaperStorePasswordSecret holds ReaperStorePassword, which cert-manager seals Reaper's
	// stores with: Reaper opens both with the fixed password "changeit" and takes no other
	// (thelastpickle/cassandra-reaper src/server/.../management/http/
	// HttpManagementConnectionFactory.java KEYSTORE_PASSWORD, in tags 3.8.0 to 4.2.3; the 5.0.0
	// image k8ssandra-operator v1.32.5 pins was not checked). It protects nothing the Secret's
	// RBAC does not already: the stores live in the same namespace's Secrets.
	ReaperStorePasswordSecret = "cassandra-reaper-keystore-password"
	ReaperStorePassword       = "changeit"
)

// OpsUsages are the usages of Medusa's and Reaper's certificates: each is only ever a client,
// verified by a server that checks the extended key usage (the management API requires a client
// certificate, and Java's validator wants clientAuth and, with a key usage present, a digital
// signature), with the key usages of cass-operator v1.30.3's mTLS fixtures
// (tests/testdata/mtls-certs-client.yaml) plus key encipherment for RSA key exchange.
var OpsUsages = []string{"digital signature", "key encipherment", "client auth"}

// opsCertificates are Medusa's and Reaper's leaves, as the PolicyArgs say they run here.
func opsCertificates(p PolicyArgs) []leafCertificate {
	var out []leafCertificate
	if p.Medusa {
		out = append(out, leafCertificate{secret: MedusaClientSecret, commonName: "cassandra-medusa", usages: OpsUsages})
	}
	if p.Reaper {
		out = append(out, leafCertificate{secret: ReaperManagementSecret, commonName: "cassandra-reaper", usages: OpsUsages, jks: true})
	}
	return out
}

// newOpsCertificates declares opsCertificates, signed by issuer, each Certificate named and
// annotated by meta; Reaper's JKS stores are sealed with ReaperStorePassword.
func newOpsCertificates(ctx *pulumi.Context, name string, p PolicyArgs, issuer pulumi.Resource,
	meta func(string) *metav1.ObjectMetaArgs, opts []pulumi.ResourceOption) ([]pulumi.Resource, error) {
	var out []pulumi.Resource
	for _, c := range opsCertificates(p) {
		after := []pulumi.Resource{issuer}
		spec := leafSpec(c.commonName, c.secret, c.usages)
		if c.jks {
			pw, err := corev1.NewSecret(ctx, name+"-reaper-keystore-password", &corev1.SecretArgs{
				Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(ReaperStorePasswordSecret), Namespace: pulumi.String(Namespace)},
				StringData: pulumi.StringMap{StorePasswordKey: pulumi.String(ReaperStorePassword)},
			}, opts...)
			if err != nil {
				return nil, err
			}
			spec["keystores"] = pulumi.Map{"jks": pulumi.Map{"create": pulumi.Bool(true),
				"passwordSecretRef": pulumi.Map{"name": pw.Metadata.Name().Elem(), "key": pulumi.String(StorePasswordKey)}}}
			after = append(after, pw)
		}
		cert, err := apiextensions.NewCustomResource(ctx, name+"-"+c.secret, &apiextensions.CustomResourceArgs{
			ApiVersion: pulumi.String(certManagerAPI), Kind: pulumi.String("Certificate"), Metadata: meta(c.secret),
			OtherFields: kubernetes.UntypedArgs{"spec": spec},
		}, with(opts, pulumi.DependsOn(after))...)
		if err != nil {
			return nil, err
		}
		out = append(out, cert)
	}
	return out, nil
}
