// Package cassandracluster is the fleet's one Cassandra cluster as K8ssandra declares it, in the
// control-plane region's cluster: a ClientConfig per data-plane region (naming the kubeconfig
// Secret that region wrote there itself, see components/cassandra),
// the K8ssandraCluster with one datacenter per region (one rack per availability zone, encrypted
// gp3 claims, auth on, Prometheus telemetry), and a Job that creates the user keyspaces with
// each datacenter's replication once the cluster answers. The global stack declares it: it
// needs every region's cluster, and the regions already read the control plane's stack.
package cassandracluster

import (
	"encoding/json"
	"fmt"
	"slices"
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
	// ClientConfigSecret names the Secret, in the control plane's namespace, holding the
	// kubeconfig that reaches the region's cluster as its operator's service account (the
	// region's stack writes it); nil for the control-plane region, whose operator is local.
	ClientConfigSecret pulumi.StringInput
	// NoReplicas: the user keyspaces no longer replicate to the datacenter (the first step of
	// its removal; the operator refuses to decommission a datacenter a keyspace replicates to).
	NoReplicas bool
	// Decommissioned: the K8ssandraCluster no longer lists the datacenter (the second step), so
	// the operator decommissions it; its ClientConfig stays, since the operator reaches the
	// datacenter through it until it is gone.
	Decommissioned bool
	// ServiceAccount is the service account the datacenter's pods (and so Medusa) run as, made
	// by the region's stack with its Pod Identity association (cassandra.PodServiceAccount); nil
	// without backups.
	ServiceAccount pulumi.StringInput
}

// Args configures the cluster.
type Args struct {
	Name          string // the Cassandra cluster's name
	ServerVersion string
	Keyspaces     []string
	// Datacenters, the control plane's first: the operator creates them in this order and the
	// first is where a new cluster starts, so a datacenter added later, whatever its name,
	// never goes before it.
	Datacenters []Datacenter
	// Kubernetes deploys into the control-plane region's cluster.
	Kubernetes *kubernetes.Provider
	// After are what the datacenters need before they can form one cluster: the peering routes
	// between their VPCs.
	After []pulumi.Resource
	// Protect keeps `pulumi destroy` from deleting the K8ssandraCluster: the operator would
	// delete every datacenter with it.
	Protect bool
	// Backup is Medusa's storage and schedule (medusa.go); Repair is Reaper's (reaper.go); nil
	// leaves them out. ClientTLSSecret names the client certificate Medusa connects to CQL with
	// when the cluster has client encryption (MedusaSpec).
	Backup          *Backup
	Repair          *Repair
	ClientTLSSecret string
	// ClientKeyspaces are the client stacks' keyspaces (clientkeyspaces.go): named in
	// dc-replication and given the cluster's replication, never created here.
	ClientKeyspaces []string
}

// ClientConfigLoaded is a ClientConfig's pulumi.com/waitFor: the annotations the operator writes
// once it has loaded the ClientConfig (k8ssandra-operator v1.32.5 controllers/config:
// KubeSecretHashAnnotation, apis/k8ssandra/v1alpha1 ResourceHashAnnotation). The names hold dots:
// pulumi-kubernetes >= 4.24 parses the path with an RFC 9535 parser (github.com/theory/jsonpath),
// which has no kubectl "\." escape, so they are written as bracketed member names.
const ClientConfigLoaded = `["jsonpath={.metadata.annotations['k8ssandra.io/secret-hash']}","jsonpath={.metadata.annotations['k8ssandra.io/resource-hash']}"]`

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
		if dc.Decommissioned {
			continue
		}
		conds = append(conds, fmt.Sprintf("jsonpath={.status.datacenters.%s.cassandra.cassandraOperatorProgress}=Ready", dc.Code))
	}
	b, _ := json.Marshal(conds)
	return string(b)
}

// Cluster is the component.
type Cluster struct {
	pulumi.ResourceState

	Name pulumi.StringOutput `pulumi:"name"`
	// SuperuserSecret names the superuser's Secret; it resolves once the keyspace Job has
	// succeeded, so what reads it (a client's role Job) waits for the whole cluster.
	SuperuserSecret pulumi.StringOutput `pulumi:"superuserSecret"`
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
		if dc.ClientConfigSecret == nil {
			continue
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
				"kubeConfigSecret": pulumi.Map{"name": dc.ClientConfigSecret},
			}},
		}, inCluster...)
		if err != nil {
			return nil, err
		}
		clientConfigs = append(clientConfigs, cc)
	}

	// The CA reaches the data planes before their datacenters need it (replication.go).
	replication, err := caReplication(ctx, name, args, clientConfigs, inCluster)
	if err != nil {
		return nil, err
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
				DCReplicationAnnotation:     pulumi.String(args.DCReplication()),
			},
		},
		OtherFields: kubernetes.UntypedArgs{"spec": Spec(args)},
	}, append(inCluster, pulumi.DependsOn(append(append(clientConfigs, replication), args.After...)), pulumi.Protect(args.Protect))...)
	if err != nil {
		return nil, err
	}
	job, err := keyspaceJob(ctx, name, args, k8c, inCluster)
	if err != nil {
		return nil, err
	}
	c.Name = pulumi.String(args.Name).ToStringOutput()
	// Once the keyspace Job has succeeded: every datacenter is up and answers CQL.
	c.SuperuserSecret = job.Metadata.Name().ApplyT(func(*string) string { return SuperuserSecret(args.Name) }).(pulumi.StringOutput)
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"name": c.Name, "superuserSecret": c.SuperuserSecret})
}

// SuperuserSecret is the superuser's Secret (username, password) the operator creates in the
// K8ssandraCluster's namespace and replicates to every datacenter's, the same name and
// namespace in each cluster (k8ssandra-operator v1.32.5 pkg/secret/replicated.go
// DefaultSuperuserSecretName and ReconcileReplicatedSecret: one ReplicatedSecret per cluster,
// a target per datacenter with a k8sContext, the source's namespace when the target names none;
// controllers/k8ssandra/datacenters.go waits for it before creating a remote datacenter).
func SuperuserSecret(cluster string) string { return cluster + "-superuser" }

// Spec is the K8ssandraCluster's spec (k8ssandra.io/v1alpha1, k8ssandra-operator v1.32).
func Spec(args *Args) pulumi.Map {
	dcs := pulumi.Array{}
	for _, dc := range args.Datacenters {
		if dc.Decommissioned {
			continue
		}
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
			}, "cassandraYaml": cassandraYaml()},
			"tolerations": pulumi.Array{pulumi.Map{
				"key": pulumi.String(cassandra.NodeLabel), "operator": pulumi.String("Equal"),
				"value": pulumi.String(cassandra.NodeValue), "effect": pulumi.String("NoSchedule"),
			}},
		}
		if dc.ClientConfigSecret != nil {
			entry["k8sContext"] = pulumi.String(dc.Code)
		}
		if dc.ServiceAccount != nil {
			entry["serviceAccount"] = dc.ServiceAccount
		}
		dcs = append(dcs, entry)
	}
	spec := pulumi.Map{
		"serverVersion": pulumi.String(args.ServerVersion),
		"telemetry":     pulumi.Map{"prometheus": pulumi.Map{"enabled": pulumi.Bool(true)}},
		"datacenters":   dcs,
	}
	for k, v := range securitySpec() { // encryption.go
		spec[k] = v
	}
	out := pulumi.Map{"auth": pulumi.Bool(true), "cassandra": spec}
	if args.Backup != nil {
		out["medusa"] = MedusaSpec(args.Name, args.Backup, args.ClientTLSSecret)
	}
	if args.Repair != nil {
		out["reaper"] = ReaperSpec(args.Repair)
	}
	return out
}

// Replication is the replication map of every user keyspace: datacenter -> replication factor,
// without the datacenters being removed.
func (a *Args) Replication() map[string]int {
	out := map[string]int{}
	for _, dc := range a.Datacenters {
		if !dc.NoReplicas {
			out[dc.Code] = dc.ReplicationFactor
		}
	}
	return out
}

// DCReplicationAnnotation tells the operator the user keyspaces' replication in a datacenter it
// adds to a running cluster (k8ssandra-operator v1.32.5 apis/k8ssandra/v1alpha1/constants.go):
// it then sets that replication and rebuilds the new datacenter from the others, streaming the
// data, instead of a manual `nodetool rebuild`. It must name every user keyspace, or the
// operator refuses the new datacenter; existing datacenters are not changed by it.
const DCReplicationAnnotation = "k8ssandra.io/dc-replication"

// DCReplication is the annotation's value: {"<dc>": {"<keyspace>": <factor>, ...}, ...} for
// every datacenter the keyspaces replicate to (JSON, keys sorted).
func (a *Args) DCReplication() string {
	out := map[string]map[string]int{}
	for dc, rf := range a.Replication() {
		out[dc] = map[string]int{}
		for _, ks := range append(slices.Clone(a.Keyspaces), a.ClientKeyspaces...) {
			out[dc][ks] = rf
		}
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// CQL creates each keyspace if it is missing and sets its replication either way: run twice it
// changes nothing. After a datacenter is added the operator has already set its replication and
// rebuilt it (DCReplicationAnnotation); the Job confirms it. When a datacenter is being removed,
// its replication is dropped here first.
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

// The keyspace Job's bounds. Each attempt retries cqlsh until the datacenter answers
// (keyspaceTries x keyspaceTrySeconds); the deadline bounds every attempt together; Pulumi waits
// for the Job (pulumi.com/timeoutSeconds) as long as the Job may run and a margin for scheduling
// and the image pull, rather than its default of 10 minutes, which gave up on a Job still working.
const (
	keyspaceTries          = 30
	keyspaceTrySeconds     = 10
	keyspaceBackoffLimit   = 3
	keyspaceDeadlineSecs   = 1800
	KeyspaceTimeoutSeconds = keyspaceDeadlineSecs + 300
)

// cassandraUID is the cassandra user of the official image.
const cassandraUID = 999

// keyspaceScript logs in as the superuser (LoginScript: from the mounted files, never an
// environment variable or a command line), writes the CQL to a file and retries cqlsh until the
// datacenter answers, over TLS, verifying the nodes against the cluster's CA.
func keyspaceScript(host string, port int) string {
	return cqlScript("printf '%s' \"$CQL\" > /tmp/keyspaces.cql\n", "/tmp/keyspaces.cql", host, port)
}

// keyspaceJob runs the CQL against the control-plane region's datacenter as the superuser the
// operator created (its Secret never leaves the cluster; the Job mounts only its username and
// password). Its name carries a hash of everything its spec is made of (CQLJobName): a changed
// replication or script is a new Job, an unchanged one is left alone. The pod meets the
// restricted Pod Security profile (CQLJobSpec).
func keyspaceJob(ctx *pulumi.Context, name string, args *Args, k8c pulumi.Resource, inCluster []pulumi.ResourceOption) (*batchv1.Job, error) {
	cql := CQL(args.Keyspaces, args.Replication()) + ClientCQL(args.ClientKeyspaces, args.Replication())
	host := cassandra.ServiceHost(args.Name, args.Datacenters[0].Code)
	for _, dc := range args.Datacenters {
		if dc.ClientConfigSecret == nil {
			host = cassandra.ServiceHost(args.Name, dc.Code)
		}
	}
	superuser := SuperuserSecret(args.Name)
	script := keyspaceScript(host, cassandra.NativePort)
	return batchv1.NewJob(ctx, name+"-keyspaces", &batchv1.JobArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name:        pulumi.String(KeyspaceJobName(script, cql, args.ServerVersion, superuser)),
			Namespace:   pulumi.String(cassandra.Namespace),
			Annotations: CQLJobAnnotations(),
		},
		Spec: CQLJobSpec(CQLJob{
			ServerVersion: args.ServerVersion,
			Script:        script,
			Superuser:     pulumi.String(superuser),
			Env: corev1.EnvVarArray{
				corev1.EnvVarArgs{Name: pulumi.String("CQL"), Value: pulumi.String(cql)},
				// cqlsh keeps its history and settings under $HOME.
				corev1.EnvVarArgs{Name: pulumi.String("HOME"), Value: pulumi.String("/tmp")},
			},
		}),
	}, append(inCluster, pulumi.DependsOn([]pulumi.Resource{k8c}), pulumi.DeleteBeforeReplace(true))...)
}

// KeyspaceJobName is the cluster's keyspace Job's name: cassandra-keyspaces-<hash of its
// script, CQL, image version and superuser Secret>.
func KeyspaceJobName(script, cql, serverVersion, superuser string) string {
	return CQLJobName("cassandra-keyspaces", script, cql, serverVersion, superuser)
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
		if dc.ClientConfigSecret == nil {
			local++
			if dc.NoReplicas || dc.Decommissioned {
				return fmt.Errorf("datacenter %s: the control plane's datacenter is never removed", dc.Code)
			}
		}
		if dc.Decommissioned && !dc.NoReplicas {
			return fmt.Errorf("datacenter %s: the keyspaces must stop replicating to it before the cluster drops it (the operator refuses)", dc.Code)
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
	if a.Datacenters[0].ClientConfigSecret != nil {
		return fmt.Errorf("datacenter %s is first; the control plane's datacenter comes first", a.Datacenters[0].Code)
	}
	if a.Kubernetes == nil {
		return fmt.Errorf("the control plane's Kubernetes provider is required")
	}
	return a.checkOps()
}
