// Package cassandracluster is the fleet's one Cassandra cluster as K8ssandra declares it, in the
// control-plane region's cluster: a ClientConfig and kubeconfig Secret per data-plane region,
// the K8ssandraCluster with one datacenter per region (one rack per availability zone, encrypted
// gp3 claims, auth on, Prometheus telemetry), and a Job that creates the user keyspaces with
// each datacenter's replication once the cluster answers. The global stack declares it: it
// needs every region's cluster, and the regions already read the control plane's stack.
package cassandracluster

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	batchv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/batch/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/cassandra"
	"github.com/global-sovereign/global-sovereign/components/cluster"
)

// Type is the component's Pulumi type token.
const Type = "sovereign:cassandra:Cluster"

// Datacenter is one region's datacenter.
type Datacenter struct {
	Code              string   // region code: the datacenter's name and its ClientConfig's context
	Zones             []string // availability zones, one rack each
	Size              int
	ReplicationFactor int
	StorageGiB        int
	HeapGiB           int
	CPU, Memory       string
	// Kubeconfig (secret) reaches the region's cluster as its operator's service account; nil
	// for the control-plane region, whose operator is local.
	Kubeconfig pulumi.StringInput
}

// Args configures the cluster.
type Args struct {
	Name          string // the Cassandra cluster's name
	ServerVersion string
	Keyspaces     []string
	Datacenters   []Datacenter
	// Kubernetes deploys into the control-plane region's cluster.
	Kubernetes *kubernetes.Provider
	// After are what the datacenters need before they can form one cluster: the peering routes
	// between their VPCs.
	After []pulumi.Resource
	// Protect keeps `pulumi destroy` from deleting the K8ssandraCluster: the operator would
	// delete every datacenter with it.
	Protect bool
}

// ClientConfigLoaded is a ClientConfig's pulumi.com/waitFor: the annotations the operator writes
// once it has loaded the ClientConfig (k8ssandra-operator controllers/config: InitClientConfigs).
const ClientConfigLoaded = `["jsonpath={.metadata.annotations.k8ssandra\\.io/secret-hash}","jsonpath={.metadata.annotations.k8ssandra\\.io/resource-hash}"]`

// readyTimeoutSeconds bounds the wait for every datacenter: the first deploy starts every
// node of every region, one at a time per datacenter.
const readyTimeoutSeconds = 7200

// WaitFor is the K8ssandraCluster's pulumi.com/waitFor annotation: a JSON list of conditions,
// all of which Pulumi waits for before what depends on the cluster (the keyspace Job) is applied:
// the cluster initialised and every datacenter Ready. A datacenter added later is not initialised
// by the first condition alone, and Cassandra refuses a replication naming a datacenter it does
// not know.
func WaitFor(dcs []Datacenter) string {
	conds := []string{"condition=CassandraInitialized"}
	for _, dc := range dcs {
		conds = append(conds, fmt.Sprintf("jsonpath={.status.datacenters.%s.cassandra.cassandraOperatorProgress}=Ready", dc.Code))
	}
	b, _ := json.Marshal(conds)
	return string(b)
}

// Cluster is the component.
type Cluster struct {
	pulumi.ResourceState

	Name pulumi.StringOutput `pulumi:"name"`
}

// New declares the cluster.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Cluster, error) {
	if err := args.Check(); err != nil {
		return nil, fmt.Errorf("cassandra cluster %s: %w", name, err)
	}
	c := &Cluster{}
	if err := ctx.RegisterComponentResource(Type, name, c, opts...); err != nil {
		return nil, err
	}
	inCluster := []pulumi.ResourceOption{pulumi.Parent(c), pulumi.Provider(args.Kubernetes)}

	var clientConfigs []pulumi.Resource
	for _, dc := range args.Datacenters {
		if dc.Kubeconfig == nil {
			continue
		}
		secret, err := corev1.NewSecret(ctx, fmt.Sprintf("%s-%s-kubeconfig", name, dc.Code), &corev1.SecretArgs{
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(dc.Code + "-kubeconfig"), Namespace: pulumi.String(cassandra.Namespace)},
			// The SDK makes stringData secret (input and output).
			StringData: pulumi.StringMap{cassandra.KubeconfigKey: dc.Kubeconfig},
		}, inCluster...)
		if err != nil {
			return nil, err
		}
		cc, err := apiextensions.NewCustomResource(ctx, fmt.Sprintf("%s-%s-clientconfig", name, dc.Code), &apiextensions.CustomResourceArgs{
			ApiVersion: pulumi.String("config.k8ssandra.io/v1beta1"),
			Kind:       pulumi.String("ClientConfig"),
			Metadata: &metav1.ObjectMetaArgs{
				Name: pulumi.String(dc.Code), Namespace: pulumi.String(cassandra.Namespace),
				// The operator loads ClientConfigs only when it starts: a new one makes it restart,
				// and it then stamps the ClientConfig with the hashes of what it loaded. Until then
				// its webhook refuses a K8ssandraCluster naming the context, so that waits for these.
				Annotations: pulumi.StringMap{"pulumi.com/waitFor": pulumi.String(ClientConfigLoaded)},
			},
			OtherFields: kubernetes.UntypedArgs{"spec": pulumi.Map{
				"contextName":      pulumi.String(dc.Code),
				"kubeConfigSecret": pulumi.Map{"name": secret.Metadata.Name().Elem()},
			}},
		}, inCluster...)
		if err != nil {
			return nil, err
		}
		clientConfigs = append(clientConfigs, cc)
	}

	k8c, err := apiextensions.NewCustomResource(ctx, name, &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("k8ssandra.io/v1alpha1"),
		Kind:       pulumi.String("K8ssandraCluster"),
		Metadata: &metav1.ObjectMetaArgs{
			Name:      pulumi.String(args.Name),
			Namespace: pulumi.String(cassandra.Namespace),
			Annotations: pulumi.StringMap{
				"pulumi.com/waitFor":        pulumi.String(WaitFor(args.Datacenters)),
				"pulumi.com/timeoutSeconds": pulumi.String(fmt.Sprint(readyTimeoutSeconds)),
			},
		},
		OtherFields: kubernetes.UntypedArgs{"spec": Spec(args)},
	}, append(inCluster, pulumi.DependsOn(append(clientConfigs, args.After...)), pulumi.Protect(args.Protect))...)
	if err != nil {
		return nil, err
	}
	if _, err := keyspaceJob(ctx, name, args, k8c, inCluster); err != nil {
		return nil, err
	}
	c.Name = pulumi.String(args.Name).ToStringOutput()
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"name": c.Name})
}

// Spec is the K8ssandraCluster's spec (k8ssandra.io/v1alpha1, k8ssandra-operator v1.32).
func Spec(args *Args) pulumi.Map {
	dcs := pulumi.Array{}
	for _, dc := range args.Datacenters {
		racks := pulumi.Array{}
		for _, z := range dc.Zones {
			racks = append(racks, pulumi.Map{
				"name":               pulumi.String(z),
				"nodeAffinityLabels": pulumi.StringMap{cassandra.RackLabel: pulumi.String(z)},
			})
		}
		heap := pulumi.String(fmt.Sprintf("%dGi", dc.HeapGiB))
		quantity := pulumi.StringMap{"cpu": pulumi.String(dc.CPU), "memory": pulumi.String(dc.Memory)}
		entry := pulumi.Map{
			"metadata": pulumi.Map{
				"name": pulumi.String(dc.Code),
				// The cluster autoscaler never removes a node that runs a pod it may not evict.
				"pods": pulumi.Map{"annotations": pulumi.StringMap{cassandra.SafeToEvict: pulumi.String("false")}},
			},
			"size":  pulumi.Int(dc.Size),
			"racks": racks,
			"storageConfig": pulumi.Map{"cassandraDataVolumeClaimSpec": pulumi.Map{
				"storageClassName": pulumi.String(cluster.StorageClassName),
				"accessModes":      pulumi.StringArray{pulumi.String("ReadWriteOnce")},
				"resources":        pulumi.Map{"requests": pulumi.StringMap{"storage": pulumi.String(fmt.Sprintf("%dGi", dc.StorageGiB))}},
			}},
			"resources": pulumi.Map{"requests": quantity, "limits": quantity},
			"config": pulumi.Map{"jvmOptions": pulumi.Map{
				"heap_initial_size": heap,
				"heap_max_size":     heap,
			}},
			"tolerations": pulumi.Array{pulumi.Map{
				"key": pulumi.String(cassandra.NodeLabel), "operator": pulumi.String("Equal"),
				"value": pulumi.String(cassandra.NodeValue), "effect": pulumi.String("NoSchedule"),
			}},
		}
		if dc.Kubeconfig != nil {
			entry["k8sContext"] = pulumi.String(dc.Code)
		}
		dcs = append(dcs, entry)
	}
	return pulumi.Map{
		"auth": pulumi.Bool(true),
		"cassandra": pulumi.Map{
			"serverVersion": pulumi.String(args.ServerVersion),
			"telemetry":     pulumi.Map{"prometheus": pulumi.Map{"enabled": pulumi.Bool(true)}},
			"datacenters":   dcs,
		},
	}
}

// Replication is the replication map of every user keyspace: datacenter -> replication factor.
func (a *Args) Replication() map[string]int {
	out := map[string]int{}
	for _, dc := range a.Datacenters {
		out[dc.Code] = dc.ReplicationFactor
	}
	return out
}

// CQL creates each keyspace if it is missing and sets its replication either way: run twice it
// changes nothing; after a datacenter is added it gives the keyspaces their copies there (a
// `nodetool rebuild` in the new datacenter then streams the data, see README).
func CQL(keyspaces []string, replication map[string]int) string {
	dcs := make([]string, 0, len(replication))
	for dc := range replication {
		dcs = append(dcs, dc)
	}
	sort.Strings(dcs)
	parts := []string{"'class': 'NetworkTopologyStrategy'"}
	for _, dc := range dcs {
		parts = append(parts, fmt.Sprintf("'%s': %d", dc, replication[dc]))
	}
	rep := "{" + strings.Join(parts, ", ") + "}"
	var b strings.Builder
	for _, ks := range keyspaces {
		fmt.Fprintf(&b, "CREATE KEYSPACE IF NOT EXISTS %s WITH replication = %s;\n", ks, rep)
		fmt.Fprintf(&b, "ALTER KEYSPACE %s WITH replication = %s;\n", ks, rep)
	}
	return b.String()
}

// keyspaceJob runs the CQL against the control-plane region's datacenter as the superuser the
// operator created (its Secret never leaves the cluster). Its name carries a hash of the CQL:
// a changed replication is a new Job, an unchanged one is left alone.
func keyspaceJob(ctx *pulumi.Context, name string, args *Args, k8c pulumi.Resource, inCluster []pulumi.ResourceOption) (*batchv1.Job, error) {
	cql := CQL(args.Keyspaces, args.Replication())
	sum := sha256.Sum256([]byte(cql))
	host := cassandra.ServiceHost(args.Name, args.Datacenters[0].Code)
	for _, dc := range args.Datacenters {
		if dc.Kubeconfig == nil {
			host = cassandra.ServiceHost(args.Name, dc.Code)
		}
	}
	superuser := args.Name + "-superuser"
	env := func(name, key string) corev1.EnvVarInput {
		return corev1.EnvVarArgs{Name: pulumi.String(name), ValueFrom: corev1.EnvVarSourceArgs{
			SecretKeyRef: corev1.SecretKeySelectorArgs{Name: pulumi.String(superuser), Key: pulumi.String(key)},
		}}
	}
	// cqlsh retries until the datacenter answers; the Job's deadline bounds the wait.
	script := fmt.Sprintf(`set -eu
printf '%%s' "$CQL" > /tmp/keyspaces.cql
for i in $(seq 1 60); do
  if cqlsh %s %d -u "$CQL_USER" -p "$CQL_PASSWORD" -f /tmp/keyspaces.cql; then exit 0; fi
  sleep 10
done
exit 1
`, host, cassandra.NativePort)
	return batchv1.NewJob(ctx, name+"-keyspaces", &batchv1.JobArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name:      pulumi.String("cassandra-keyspaces-" + hex.EncodeToString(sum[:])[:10]),
			Namespace: pulumi.String(cassandra.Namespace),
			// A Job that failed (the cluster down past its deadline) is replaced on the next
			// update rather than left failed under the same name.
			Annotations: pulumi.StringMap{"pulumi.com/replaceUnready": pulumi.String("true")},
		},
		Spec: batchv1.JobSpecArgs{
			BackoffLimit:          pulumi.Int(3),
			ActiveDeadlineSeconds: pulumi.Int(1800),
			Template: corev1.PodTemplateSpecArgs{
				Spec: corev1.PodSpecArgs{
					RestartPolicy: pulumi.String("Never"),
					SecurityContext: corev1.PodSecurityContextArgs{
						RunAsNonRoot: pulumi.Bool(true), RunAsUser: pulumi.Int(999),
					},
					Containers: corev1.ContainerArray{corev1.ContainerArgs{
						Name:    pulumi.String("cqlsh"),
						Image:   pulumi.String("cassandra:" + args.ServerVersion),
						Command: pulumi.StringArray{pulumi.String("/bin/sh"), pulumi.String("-c"), pulumi.String(script)},
						Env: corev1.EnvVarArray{
							corev1.EnvVarArgs{Name: pulumi.String("CQL"), Value: pulumi.String(cql)},
							env("CQL_USER", "username"), env("CQL_PASSWORD", "password"),
						},
						SecurityContext: corev1.SecurityContextArgs{AllowPrivilegeEscalation: pulumi.Bool(false)},
					}},
				},
			},
		},
	}, append(inCluster, pulumi.DependsOn([]pulumi.Resource{k8c}), pulumi.DeleteBeforeReplace(true))...)
}

// Check refuses a cluster the operator or Cassandra would refuse later: no datacenter, a
// replication factor above a datacenter's size, racks that do not divide the size, more than one
// local (control-plane) datacenter.
func (a *Args) Check() error {
	if a.Name == "" || a.ServerVersion == "" || len(a.Keyspaces) == 0 || len(a.Datacenters) == 0 {
		return fmt.Errorf("a name, server version, keyspaces and datacenters are required")
	}
	local := 0
	for _, dc := range a.Datacenters {
		if dc.Kubeconfig == nil {
			local++
		}
		if len(dc.Zones) == 0 || dc.Size%len(dc.Zones) != 0 {
			return fmt.Errorf("datacenter %s: %d nodes do not divide into %d racks", dc.Code, dc.Size, len(dc.Zones))
		}
		if dc.ReplicationFactor < 1 || dc.ReplicationFactor > dc.Size {
			return fmt.Errorf("datacenter %s: replication factor %d, want 1 to its size %d", dc.Code, dc.ReplicationFactor, dc.Size)
		}
	}
	if local != 1 {
		return fmt.Errorf("%d datacenters without a kubeconfig; exactly one (the control plane's) is local", local)
	}
	if a.Kubernetes == nil {
		return fmt.Errorf("the control plane's Kubernetes provider is required")
	}
	return nil
}
