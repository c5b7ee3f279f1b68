package cassandra

import (
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	helmv3 "github.com/global-sovereign/global-sovereign/pkg/helmrelease"
)

// trust-manager (cert-manager/trust-manager, chart deploy/charts/trust-manager, chart version =
// tag) copies the cluster CA's certificate, never its key, into the client namespaces of the
// region's cluster: a Bundle whose one source is the ca.crt key of the CA Secret and whose
// target is a ConfigMap key in every namespace carrying CABundleLabel (client stacks with a
// keyspace label theirs). Values and fields checked against v0.24.0: values.yaml
// (app.trust.namespace, secretTargets.enabled, defaultPackage.enabled, replicaCount,
// resources, podDisruptionBudget, crds.enabled) and pkg/apis/trust/v1alpha1/types_bundle.go
// (spec.sources[].secret.{name,key}, spec.target.configMap.key,
// spec.target.namespaceSelector); the target ConfigMap takes the Bundle's name
// (pkg/bundle/bundle.go).
const (
	TrustManagerRepo    = CertManagerRepo
	TrustManagerChart   = "trust-manager"
	TrustManagerVersion = "v0.24.0"
	// TrustManagerNamespace is where its pods run: cert-manager's namespace, which has no
	// NetworkPolicy, so the API server reaches its webhook (6443) there. Its trust namespace,
	// the only one it reads Secrets in, is the Cassandra namespace, where the CA Secret is.
	TrustManagerNamespace = "cert-manager"
	// CABundle names the Bundle and so the ConfigMap it writes in each labelled namespace;
	// CABundleKey is the ConfigMap's key (PEM, the CA certificate only).
	CABundle    = "cassandra-ca"
	CABundleKey = "ca.crt"
	// CABundleLabel, set to "true" on a namespace, has trust-manager write the ConfigMap there.
	CABundleLabel = "sovereign/cassandra-ca-bundle"
)

// TrustManagerValues are the chart's values: the Cassandra namespace as the trust namespace (the
// chart's Role there reads Secrets: the CA Secret is one), no Secret targets (no write access to
// any Secret), no default public CA package (the Bundle needs only the cluster's CA), two
// replicas behind a PodDisruptionBudget (its webhook, failurePolicy Fail, validates Bundles),
// bounded resources.
//
// The webhook's certificate comes from Helm (app.webhook.tls.helmCert.enabled), not from
// cert-manager. By default the chart's ValidatingWebhookConfiguration has no caBundle, only
// cert-manager.io/inject-ca-from, and cainjector fills it in some time after the release is
// installed; Helm's wait covers the Deployment, not that injection, so the Bundle created right
// after the release could be refused ("x509: certificate signed by unknown authority") on a
// region's first up. With helmCert the chart (v0.24.0 templates/webhook.yaml) generates a CA
// (genCA) and a serving certificate for trust-manager.cert-manager.svc, writes them to the Secret
// trust-manager-tls, and puts the CA in the webhook's caBundle in the same release, so the
// webhook is trusted as soon as its pods are ready. templates/certificate.yaml then renders
// nothing (no Issuer, no Certificate: cert-manager is not involved), and
// templates/deployment.yaml adds a random pod annotation so the pods restart onto the new
// certificate. The trade-offs, against the chart's own advice ("avoid using Helm-generated certs
// in production", values.yaml): the serving certificate is valid ten years (its generated CA
// longer) and is regenerated only by a Helm upgrade (every upgrade: a new CA, the Secret, the
// caBundle and a pod roll together, which Helm's wait covers), and the CA's key is discarded. The
// webhook validates Bundles only, and the first-install race the chart's cert-manager mode has
// would fail a region's first up. Switching an existing trust-manager install to helmCert fails
// its Helm upgrade (Helm will not adopt the trust-manager-tls Secret cert-manager made): delete
// that Secret first; no committed stack has ever run trust-manager. The provider diffs a release on its inputs,
// not its rendered manifest, so the random certificate is no perpetual diff. Conflicts checked:
// app.webhook.tls.approverPolicy.enabled must stay false (the chart fails on both), and no
// other value here touches the webhook.
func TrustManagerValues() pulumi.Map {
	return pulumi.Map{
		"crds":           pulumi.Map{"enabled": pulumi.Bool(true)},
		"replicaCount":   pulumi.Int(2),
		"secretTargets":  pulumi.Map{"enabled": pulumi.Bool(false)},
		"defaultPackage": pulumi.Map{"enabled": pulumi.Bool(false)},
		"app": pulumi.Map{
			"trust":   pulumi.Map{"namespace": pulumi.String(Namespace)},
			"webhook": pulumi.Map{"tls": pulumi.Map{"helmCert": pulumi.Map{"enabled": pulumi.Bool(true)}}},
		},
		"resources": pulumi.Map{
			"requests": pulumi.StringMap{"cpu": pulumi.String("25m"), "memory": pulumi.String("64Mi")},
			"limits":   pulumi.StringMap{"cpu": pulumi.String("200m"), "memory": pulumi.String("256Mi")},
		},
		"podDisruptionBudget": pulumi.Map{"enabled": pulumi.Bool(true), "minAvailable": pulumi.Int(1)},
	}
}

// BundleSpec is the Bundle's spec (trust.cert-manager.io/v1alpha1).
func BundleSpec() pulumi.Map {
	return pulumi.Map{
		"sources": pulumi.Array{pulumi.Map{"secret": pulumi.Map{"name": pulumi.String(CASecret), "key": pulumi.String("ca.crt")}}},
		"target": pulumi.Map{
			"configMap":         pulumi.Map{"key": pulumi.String(CABundleKey)},
			"namespaceSelector": pulumi.Map{"matchLabels": pulumi.StringMap{CABundleLabel: pulumi.String("true")}},
		},
	}
}

// newTrustManager installs trust-manager after cert-manager (not for its webhook's certificate,
// which Helm makes: see TrustManagerValues) and the operator (whose release creates the trust namespace, which must exist first), and declares
// the Bundle. The Bundle is not waited for (pulumi.com/skipAwait): in a data-plane region the CA
// Secret arrives only after the global stack has run, and the region's first update must not
// wait on it; trust-manager syncs the ConfigMaps once the Secret exists.
func newTrustManager(ctx *pulumi.Context, name string, after []pulumi.Resource, opts []pulumi.ResourceOption) error {
	release, err := helmv3.NewRelease(ctx, name+"-trust-manager", &helmv3.ReleaseArgs{
		Name:           pulumi.String(TrustManagerChart),
		Namespace:      pulumi.String(TrustManagerNamespace),
		Chart:          pulumi.String(TrustManagerChart),
		Version:        pulumi.String(TrustManagerVersion),
		RepositoryOpts: &helmv3.RepositoryOptsArgs{Repo: pulumi.String(TrustManagerRepo)},
		Values:         TrustManagerValues(),
		Timeout:        pulumi.Int(ReleaseTimeoutSeconds),
	}, with(opts, pulumi.DependsOn(after))...)
	if err != nil {
		return err
	}
	_, err = apiextensions.NewCustomResource(ctx, name+"-ca-bundle", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("trust.cert-manager.io/v1alpha1"),
		Kind:       pulumi.String("Bundle"),
		Metadata: &metav1.ObjectMetaArgs{
			Name:        pulumi.String(CABundle),
			Annotations: pulumi.StringMap{"pulumi.com/skipAwait": pulumi.String("true")},
		},
		OtherFields: kubernetes.UntypedArgs{"spec": BundleSpec()},
	}, with(opts, pulumi.DependsOn([]pulumi.Resource{release}))...)
	return err
}
