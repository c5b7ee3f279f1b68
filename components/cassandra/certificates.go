package cassandra

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The cluster's certificates. ONE certificate authority signs every datacenter's certificates,
// in every region: internode TLS verifies the peer against the truststore, so a CA per region
// would refuse every other datacenter's nodes. cert-manager in the control plane's cluster
// generates the CA (a self-signed root) into a Secret labelled CALabel; the control plane's
// k8ssandra-operator copies it into every data-plane cluster through its ClientConfigs, with a
// ReplicatedSecret the global stack declares (components/cassandracluster; k8ssandra-operator
// v1.32.5 controllers/replication/secret_controller.go: same name and namespace, type and data
// copied, updates followed by a hash of the data). In each cluster a CA Issuer signs that
// datacenter's leaf certificates, which its cert-manager renews without Pulumi. The CA key
// thus exists only in the clusters' Secrets: in no stack's state and in no stack output, so
// neither a role that reads outputs (preview) nor one that decrypts state ever sees it.
//
// The names are the same in every region: the K8ssandraCluster names its stores and the
// management API's Secrets once, for every datacenter, and each operator reads them in its own
// cluster (k8ssandra-operator v1.32.5 pkg/cassandra/encryption.go ReadEncryptionStorePassword
// through the datacenter's remote client; cass-operator v1.30.3 pkg/httphelper/security.go
// BuildHttpClient in the datacenter's namespace).
const (
	// CASecret holds the CA (tls.crt, tls.key, ca.crt) in every cluster; CAIssuer signs with it.
	CASecret = "cassandra-ca"
	CAIssuer = "cassandra-ca"
	// CALabel marks the CA Secret for the ReplicatedSecret that copies it to the data planes.
	CALabel = "sovereign/cassandra-ca"
	// InternodeSecret: the nodes' internode certificate, as JKS keystore.jks and truststore.jks
	// (cert-manager's keystores; the truststore holds the CA only).
	InternodeSecret = "cassandra-internode-tls"
	// NativeSecret: the CQL (native transport) server certificate, same form; its ca.crt is what
	// clients (the keyspace Job) verify the nodes against.
	NativeSecret = "cassandra-native-tls"
	// StorePasswordSecret holds the keystores' password under StorePasswordKey.
	StorePasswordSecret = "cassandra-keystore-password"
	StorePasswordKey    = "password"
	// The management API's server certificate (mounted into every Cassandra pod) and the client
	// certificate its callers present (the operators read it from the datacenter's namespace);
	// kubernetes.io/tls Secrets with ca.crt and a PKCS#8 key, as cass-operator validates them.
	ManagementServerSecret = "cassandra-mgmt-server-tls"
	ManagementClientSecret = "cassandra-mgmt-client-tls"
	// Keys cert-manager writes the JKS stores under (cert-manager pkg/apis/certmanager/v1 types.go).
	KeystoreKey   = "keystore.jks"
	TruststoreKey = "truststore.jks"
)

// Lifetimes: the CA ten years (its rotation is a runbook, docs/operations/cassandra-certificates.md);
// leaves 90 days, renewed by cert-manager a third before they expire (its default renewBefore).
const (
	caDuration   = "87600h"
	leafDuration = "2160h"
)

// certManagerAPI is the cert-manager API version of its Issuers and Certificates (v1.21.1).
const certManagerAPI = "cert-manager.io/v1"

// certificatesArgs are what the region's certificates need.
type certificatesArgs struct {
	controlPlane bool
	// datacenter is the region's datacenter (its CassandraDatacenter's name), which the
	// management API Secrets name so that cass-operator reconciles it when they are written.
	datacenter string
	// nativeHosts are the names clients reach the datacenter's CQL at (its Service).
	nativeHosts []string
	// after: cert-manager (its CRDs) and the operator release (the namespace).
	after   []pulumi.Resource
	protect bool
	// ops: what of Medusa and Reaper runs here (opscertificates.go).
	ops PolicyArgs
}

// readyWait is the pulumi.com/waitFor of an Issuer or Certificate: cert-manager sets Ready.
// In a data-plane region nothing is waited for (pulumi.com/skipAwait): the CA reaches its
// cluster only once the global stack, which runs after the regions, has declared the
// ClientConfig and the ReplicatedSecret; cert-manager issues then, and the datacenter's pods,
// which mount the Secrets, start when they exist.
const readyWait = "condition=Ready"

// newCertificates declares the CA (control plane only), the CA Issuer, the keystore password and the
// datacenter's four leaf certificates. It returns what the datacenter waits for.
func newCertificates(ctx *pulumi.Context, name string, args certificatesArgs, opts []pulumi.ResourceOption) ([]pulumi.Resource, error) {
	after := with(opts, pulumi.DependsOn(args.after))
	wait := pulumi.StringMap{"pulumi.com/skipAwait": pulumi.String("true")}
	if args.controlPlane {
		wait = pulumi.StringMap{"pulumi.com/waitFor": pulumi.String(readyWait)}
	}
	meta := func(n string) *metav1.ObjectMetaArgs {
		return &metav1.ObjectMetaArgs{Name: pulumi.String(n), Namespace: pulumi.String(Namespace), Annotations: wait}
	}
	var issuerAfter []pulumi.Resource
	if args.controlPlane {
		selfSigned, err := apiextensions.NewCustomResource(ctx, name+"-selfsigned", &apiextensions.CustomResourceArgs{
			ApiVersion: pulumi.String(certManagerAPI), Kind: pulumi.String("Issuer"), Metadata: meta("cassandra-selfsigned"),
			OtherFields: kubernetes.UntypedArgs{"spec": pulumi.Map{"selfSigned": pulumi.Map{}}},
		}, after...)
		if err != nil {
			return nil, err
		}
		// Protected: a new CA is a new trust root, which every datacenter must take in a rolling
		// rotation (the runbook), not a replacement Pulumi may make on its own.
		ca, err := apiextensions.NewCustomResource(ctx, name+"-ca", &apiextensions.CustomResourceArgs{
			ApiVersion: pulumi.String(certManagerAPI), Kind: pulumi.String("Certificate"), Metadata: meta(CASecret),
			OtherFields: kubernetes.UntypedArgs{"spec": pulumi.Map{
				"isCA":       pulumi.Bool(true),
				"commonName": pulumi.String("cassandra-ca"),
				"secretName": pulumi.String(CASecret),
				// The label the ReplicatedSecret selects.
				"secretTemplate": pulumi.Map{"labels": pulumi.StringMap{CALabel: pulumi.String("true")}},
				"duration":       pulumi.String(caDuration),
				"privateKey": pulumi.Map{"algorithm": pulumi.String("RSA"), "size": pulumi.Int(4096), "encoding": pulumi.String("PKCS8"),
					// A renewal keeps the key: certificates signed before it stay verifiable.
					"rotationPolicy": pulumi.String("Never")},
				"issuerRef": pulumi.Map{"name": pulumi.String("cassandra-selfsigned"), "kind": pulumi.String("Issuer")},
			}},
		}, with(after, pulumi.DependsOn([]pulumi.Resource{selfSigned}), pulumi.Protect(args.protect))...)
		if err != nil {
			return nil, err
		}
		issuerAfter = []pulumi.Resource{ca}
	}
	issuer, err := apiextensions.NewCustomResource(ctx, name+"-ca-issuer", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String(certManagerAPI), Kind: pulumi.String("Issuer"), Metadata: meta(CAIssuer),
		OtherFields: kubernetes.UntypedArgs{"spec": pulumi.Map{"ca": pulumi.Map{"secretName": pulumi.String(CASecret)}}},
	}, with(after, pulumi.DependsOn(issuerAfter))...)
	if err != nil {
		return nil, err
	}
	password, err := random.NewRandomPassword(ctx, name+"-keystore-password", &random.RandomPasswordArgs{
		Length: pulumi.Int(32), Special: pulumi.Bool(false),
	}, opts...)
	if err != nil {
		return nil, err
	}
	pw, err := corev1.NewSecret(ctx, name+"-keystore-password", &corev1.SecretArgs{
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(StorePasswordSecret), Namespace: pulumi.String(Namespace)},
		StringData: pulumi.StringMap{StorePasswordKey: password.Result},
	}, after...)
	if err != nil {
		return nil, err
	}
	out := []pulumi.Resource{issuer, pw}
	for _, c := range leafCertificates(args.nativeHosts) {
		spec := leafSpec(c.commonName, c.secret, c.usages)
		if len(c.dnsNames) > 0 {
			spec["dnsNames"] = pulumi.ToStringArray(c.dnsNames)
		}
		if c.watched && args.datacenter != "" {
			spec["secretTemplate"] = pulumi.Map{"annotations": pulumi.StringMap{DatacenterAnnotation: pulumi.String(args.datacenter)}}
		}
		if c.jks {
			spec["keystores"] = pulumi.Map{"jks": pulumi.Map{"create": pulumi.Bool(true),
				"passwordSecretRef": pulumi.Map{"name": pw.Metadata.Name().Elem(), "key": pulumi.String(StorePasswordKey)}}}
		}
		cert, err := apiextensions.NewCustomResource(ctx, fmt.Sprintf("%s-%s", name, c.secret), &apiextensions.CustomResourceArgs{
			ApiVersion: pulumi.String(certManagerAPI), Kind: pulumi.String("Certificate"), Metadata: meta(c.secret),
			OtherFields: kubernetes.UntypedArgs{"spec": spec},
		}, with(after, pulumi.DependsOn([]pulumi.Resource{issuer, pw}))...)
		if err != nil {
			return nil, err
		}
		out = append(out, cert)
	}
	ops, err := newOpsCertificates(ctx, name, args.ops, issuer, meta, after) // opscertificates.go
	return append(out, ops...), err
}

// leafCertificate is one certificate a datacenter's cert-manager issues and renews.
type leafCertificate struct {
	secret, commonName string
	usages, dnsNames   []string
	jks                bool // JKS keystore and truststore for Cassandra
	// watched: the Secret carries DatacenterAnnotation (the management API's pair, below).
	watched bool
}

// DatacenterAnnotation on a Secret makes cass-operator reconcile the CassandraDatacenter it names
// (same namespace) whenever the Secret is created, updated or deleted (cass-operator v1.30.3
// internal/controllers/cassandra/cassandradatacenter_controller.go: configSecretMapFn and its
// predicate, apis/cassandra/v1beta1 DatacenterAnnotation). The management API's Secrets carry it:
// cass-operator builds its HTTP client from them before anything else (CreateReconciliationContext
// -> BuildHttpClient), and a Secret not written yet returns Kubernetes' NotFound, which the
// controller reads as "the datacenter was deleted" and drops without a requeue
// (reconcile.TerminalError); nothing else watches these Secrets. With the annotation the Secret's
// creation by cert-manager reconciles the datacenter again, so a datacenter added before its
// region has issued them does not wait for a manual nudge.
const DatacenterAnnotation = "cassandra.datastax.com/datacenter"

// The usages every leaf carries. Each is presented as a client somewhere as well as a server,
// and each client's verifier checks the extended key usage:
//   - internode: both ends of a connection present it (require_client_auth);
//   - native (CQL): also the JMX client certificate. With client encryption on, k8ssandra-operator
//     turns on JMX over TLS with need.client.auth and hands the native keystore to nodetool and
//     Reaper as javax.net.ssl.keyStore (k8ssandra-operator v1.32.5 pkg/cassandra/encryption.go
//     addJmxEncryptionOptions, pkg/reaper/deployment.go configureClientEncryption); the JDK's
//     validator refuses a client certificate without clientAuth;
//   - management server: cass-operator mounts only the server Secret into the pods, and the
//     probes and the preStop drain present its tls.crt as their client certificate to the
//     management API, which requires one (cass-operator v1.30.3 pkg/httphelper/security.go
//     AddServerSecurity; management-api Cli.createSSLContext ClientAuth.REQUIRE);
//   - management client: cass-operator validates both Secrets with x509 Verify and no
//     KeyUsages, which Go reads as serverAuth (cass-operator v1.30.3 pkg/httphelper/security.go
//     verifyPeerCertificateNoHostCheck): a clientAuth-only certificate fails with "incompatible
//     key usage" and the datacenter is never created.
//
// So all four carry both, with the key usages of cass-operator's own mTLS fixtures
// (tests/testdata/mtls-certs-{client,server}.yaml: Digital Signature; TLS Web Client and Server
// Authentication) plus key encipherment for RSA key exchange.
var leafUsages = []string{"digital signature", "key encipherment", "server auth", "client auth"}

// leafCertificates: internode, native transport (its dnsNames are what CQL clients reach), and
// the management API's server and client pair (mutual TLS).
func leafCertificates(nativeHosts []string) []leafCertificate {
	return []leafCertificate{
		{secret: InternodeSecret, commonName: "cassandra-internode", usages: leafUsages, jks: true},
		{secret: NativeSecret, commonName: "cassandra-native", usages: leafUsages, dnsNames: nativeHosts, jks: true},
		{secret: ManagementServerSecret, commonName: "cassandra-mgmt-server", usages: leafUsages, watched: true},
		{secret: ManagementClientSecret, commonName: "cassandra-mgmt-client", usages: leafUsages, watched: true},
	}
}

// with is opts and more, in a new slice (an append could write into the caller's array).
func with(opts []pulumi.ResourceOption, more ...pulumi.ResourceOption) []pulumi.ResourceOption {
	return append(append(make([]pulumi.ResourceOption, 0, len(opts)+len(more)), opts...), more...)
}

// leafSpec is the spec of a leaf Certificate signed by the cluster CA's Issuer: a fresh RSA key on
// every renewal, in PKCS#8 (cass-operator refuses another encoding for the management API's keys).
func leafSpec(commonName, secret string, usages []string) pulumi.Map {
	return pulumi.Map{
		"commonName": pulumi.String(commonName),
		"secretName": pulumi.String(secret),
		"duration":   pulumi.String(leafDuration),
		"usages":     pulumi.ToStringArray(usages),
		"privateKey": pulumi.Map{"algorithm": pulumi.String("RSA"), "size": pulumi.Int(2048), "encoding": pulumi.String("PKCS8"),
			"rotationPolicy": pulumi.String("Always")},
		"issuerRef": pulumi.Map{"name": pulumi.String(CAIssuer), "kind": pulumi.String("Issuer")},
	}
}
