package cassandracluster

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/cassandra"
)

// The cluster's TLS, as k8ssandra-operator v1.32.5 takes it (apis/k8ssandra/v1alpha1
// k8ssandracluster_types.go): serverEncryptionStores and clientEncryptionStores on
// spec.cassandra, for every datacenter (pkg/encryption Stores: keystoreSecretRef,
// truststoreSecretRef, keystorePasswordSecretRef, truststorePasswordSecretRef, each a Secret
// name and key), and managementApiAuth (cass-operator v1.30.3 ManagementApiAuthConfig: manual
// with clientSecretName and serverSecretName). The operator turns the stores on only when the
// datacenter's cassandraYaml asks for encryption (pkg/cassandra/encryption.go:
// server_encryption_options.internode_encryption other than none,
// client_encryption_options.enabled), then mounts them and fills in the stores' paths and
// passwords. The Secrets are issued in each region by components/cassandra (certificates.go),
// under the same names, signed by one CA.

// stores are an encryption stores' references: the JKS keystore and truststore cert-manager
// writes into secret, both opened with the one keystore password.
func stores(secret string) pulumi.Map {
	ref := func(name, key string) pulumi.Map {
		return pulumi.Map{"name": pulumi.String(name), "key": pulumi.String(key)}
	}
	password := ref(cassandra.StorePasswordSecret, cassandra.StorePasswordKey)
	return pulumi.Map{
		"keystoreSecretRef":           ref(secret, cassandra.KeystoreKey),
		"truststoreSecretRef":         ref(secret, cassandra.TruststoreKey),
		"keystorePasswordSecretRef":   password,
		"truststorePasswordSecretRef": password,
	}
}

// securitySpec is what spec.cassandra carries for TLS: the stores and the management API's mTLS.
// With manual auth cass-operator mounts the server Secret into every pod (the API then serves
// HTTPS and verifies callers against its ca.crt), turns the probes into curl with the client
// certificate, and every operator builds its client from the client Secret in the
// datacenter's own namespace and cluster: the control plane's k8ssandra-operator through its
// remote client (v1.32.5 pkg/cassandra/management.go NewManagementApiFacade,
// controllers/k8ssandra/schemas.go), cass-operator locally (pkg/httphelper/security.go).
//
// skipSecretValidation: cass-operator v1.30.3 validates both Secrets in IsValid on every
// reconcile, and a failure is a reconcile.TerminalError (no requeue). The flag skips that
// validation (a Secret mid-renewal, or the server Secret not there yet, no longer stops the
// datacenter for good); what it checked is guaranteed otherwise: cert-manager writes
// kubernetes.io/tls Secrets with ca.crt and a PKCS#8 key, and the usages that pass cass-operator's
// chain check are tested (components/cassandra TestLeafCertificatesPassTheirVerifiers). It does
// not cover a client Secret that does not exist yet: cass-operator builds its HTTP client from it
// first (CreateReconciliationContext -> BuildHttpClient), gets NotFound, and drops the request as
// if the datacenter were deleted. What covers that is the Secrets' annotation naming the
// datacenter (components/cassandra DatacenterAnnotation): cert-manager writing them reconciles the
// datacenter again.
func securitySpec() pulumi.Map {
	return pulumi.Map{
		"serverEncryptionStores": stores(cassandra.InternodeSecret),
		"clientEncryptionStores": stores(cassandra.NativeSecret),
		"managementApiAuth": pulumi.Map{"manual": pulumi.Map{
			"clientSecretName":     pulumi.String(cassandra.ManagementClientSecret),
			"serverSecretName":     pulumi.String(cassandra.ManagementServerSecret),
			"skipSecretValidation": pulumi.Bool(true),
		}},
	}
}

// cassandraYaml turns encryption on in a datacenter (Cassandra 4.1/5.0 EncryptionOptions).
// Internode: every connection TLS, and both ends present a certificate of the cluster's CA
// (require_client_auth); the certificates name no address (pods change theirs), so no endpoint
// verification. Native transport: TLS required (not optional); clients authenticate with their
// role's password, so no client certificate. Port 7001 stays unused: TLS internode runs on 7000
// unless enable_legacy_ssl_storage_port is set.
func cassandraYaml() pulumi.Map {
	return pulumi.Map{
		"server_encryption_options": pulumi.Map{
			"internode_encryption":          pulumi.String("all"),
			"require_client_auth":           pulumi.Bool(true),
			"require_endpoint_verification": pulumi.Bool(false),
		},
		"client_encryption_options": pulumi.Map{
			"enabled":             pulumi.Bool(true),
			"optional":            pulumi.Bool(false),
			"require_client_auth": pulumi.Bool(false),
		},
	}
}

// The keyspace Job's view of the native transport's CA: the ca.crt of the datacenter's CQL
// certificate Secret, mounted read-only.
const (
	caMountPath = "/etc/cassandra-tls"
	caFile      = caMountPath + "/ca.crt"
)
