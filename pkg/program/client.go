package program

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/cassandracluster"
	"github.com/global-sovereign/global-sovereign/components/tenant"
	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// Stack outputs of a client stack.
const (
	OutNamespace      = "namespace"
	OutServiceAccount = "serviceAccount"
	OutRoleArn        = "roleArn"
	OutBucketName     = "bucketName"
	OutSecretArn      = "secretArn"
	OutDatabaseName   = "databaseName" // "" when the client has no database
	// OutDatabaseHosts are the hosts in the client's secret: {writer, reader}. The writer is the
	// environment's writer endpoint (a global database's follows a switchover), the reader the
	// home's.
	OutDatabaseHosts = "databaseHosts"
	// OutCassandra (a client with a keyspace) is {keyspace, user, secret}: the Secret of the
	// client's namespace with the role's credentials, set once the role exists.
	OutCassandra = "cassandra"
)

// upstream is a stack a client stack reads: its config and, through a StackReference, its
// outputs, with a Kubernetes provider for its cluster.
type upstream struct {
	client *config.Stack
	stack  *config.Stack
	ref    *pulumi.StackReference
}

func newUpstream(ctx *pulumi.Context, client, stack *config.Stack) (*upstream, error) {
	ref, err := pulumi.NewStackReference(ctx, "ref-"+stack.Name, &pulumi.StackReferenceArgs{
		Name: pulumi.String(StackReferenceName(ctx, stack.Name)),
	})
	if err != nil {
		return nil, err
	}
	return &upstream{client: client, stack: stack, ref: ref}, nil
}

// output is one output of the upstream stack. One it has not exported is unknown in a preview
// (as requireOutput makes it) and fails `up` with a message that names both stacks.
func (u *upstream) output(ctx *pulumi.Context, key string) pulumi.AnyOutput {
	return u.ref.GetOutput(pulumi.String(key)).ApplyT(func(v any) (any, error) {
		if v == nil {
			if ctx.DryRun() {
				return pulumi.UnsafeUnknownOutput([]pulumi.Resource{u.ref}), nil
			}
			return nil, fmt.Errorf("client stack %s reads output %q of stack %s, which has none; deploy %s first (sovereign up --stack %s)",
				u.client.Name, key, u.stack.Name, u.stack.Name, u.stack.Name)
		}
		return v, nil
	}).(pulumi.AnyOutput)
}

// str is a string output of the upstream stack.
func (u *upstream) str(ctx *pulumi.Context, key string) pulumi.StringOutput {
	return u.output(ctx, key).ApplyT(func(v any) (string, error) {
		s, ok := v.(string)
		if !ok || s == "" {
			return "", fmt.Errorf("client stack %s reads output %q of stack %s: got %T, want a string", u.client.Name, key, u.stack.Name, v)
		}
		return s, nil
	}).(pulumi.StringOutput)
}

// field is one string field of a map output of the upstream stack (eksCluster.name).
func (u *upstream) field(ctx *pulumi.Context, key, field string) pulumi.StringOutput {
	return u.output(ctx, key).ApplyT(func(v any) (string, error) {
		m, _ := v.(map[string]any)
		s, ok := m[field].(string)
		if !ok || s == "" {
			return "", fmt.Errorf("client stack %s reads %s.%s from stack %s, which has none (got %v); deploy %s with its %s first",
				u.client.Name, key, field, u.stack.Name, v, u.stack.Name, key)
		}
		return s, nil
	}).(pulumi.StringOutput)
}

// kubernetes is a provider for the upstream stack's cluster (see upstreamCluster).
func (u *upstream) kubernetes(ctx *pulumi.Context, fleet *config.Fleet, opts Options) (*kubernetes.Provider, error) {
	return upstreamCluster(ctx, "client stack "+u.client.Name, u.stack.Name, u.stack, fleet, opts,
		u.str(ctx, OutKubeconfig), u.field(ctx, OutEKSCluster, "endpoint"))
}

// databaseCIDRs are the database subnets of the VPC a stack's Aurora lives in, from the config of
// the region stack that owns the network.
func databaseCIDRs(fleet *config.Fleet, s *config.Stack) ([]string, error) {
	n := fleet.NetworkStack(s)
	if n == nil || n.Network == nil {
		return nil, fmt.Errorf("%s: no network stack for %s", s.File, s.Name) // validated: unreachable
	}
	plan, err := subnetPlan(n.Network)
	if err != nil {
		return nil, fmt.Errorf("%s: %s:%s: %w", n.File, config.Project, config.KeyNetwork, err)
	}
	out := make([]string, len(plan.Database))
	for i, p := range plan.Database {
		out[i] = p.String()
	}
	return out, nil
}

// deployClient declares a client stack: the tenant in its home stack's cluster, and its database
// in the Aurora writer of its environment. It declares no network and no cluster: it reads the
// home stack (and the writer's, when that is another stack) through StackReferences.
func deployClient(ctx *pulumi.Context, s *config.Stack, fleet *config.Fleet, opts Options) error {
	homeStack := fleet.HomeStack(s)
	if homeStack == nil { // validated: unreachable
		return fmt.Errorf("%s: client stack %s has no home stack", s.File, s.Name)
	}
	provider, sc, err := ownProvider(ctx, s)
	if err != nil {
		return err
	}
	useProvider := pulumi.Provider(provider)
	home, err := newUpstream(ctx, s, homeStack)
	if err != nil {
		return err
	}
	homeK8s, err := home.kubernetes(ctx, fleet, opts)
	if err != nil {
		return err
	}
	homeDB, err := databaseCIDRs(fleet, homeStack)
	if err != nil {
		return err
	}
	c := s.Client
	args := &tenant.Args{
		Scope:          sc,
		Client:         s.Settings.Client,
		ClusterName:    home.field(ctx, OutEKSCluster, "name"),
		Kubernetes:     homeK8s,
		Namespace:      c.Namespace,
		ServiceAccount: c.ServiceAccount,
		Quota: tenant.Quota{
			RequestsCPU: c.Quota.RequestsCPU, RequestsMemory: c.Quota.RequestsMemory,
			LimitsCPU: c.Quota.LimitsCPU, LimitsMemory: c.Quota.LimitsMemory, Pods: c.Quota.Pods, Storage: c.Quota.Storage,
		},
		Limits: tenant.Limits{
			DefaultRequestCPU: c.LimitRange.DefaultRequestCPU, DefaultRequestMemory: c.LimitRange.DefaultRequestMemory,
			DefaultLimitCPU: c.LimitRange.DefaultLimitCPU, DefaultLimitMemory: c.LimitRange.DefaultLimitMemory,
		},
		DatabaseCIDRs:         homeDB,
		CQL:                   c.Cassandra.Keyspace != "",
		Tags:                  stackTags(ctx, s),
		NoncurrentVersionDays: c.Bucket.NoncurrentVersionDays,
		AccessLogDays:         *c.Bucket.AccessLogDays,
		SecretRecoveryDays:    s.SecretRecoveryDays(),
	}
	if writerStack := fleet.DatabaseWriterStack(s); writerStack != nil {
		if args.Database, err = clientDatabase(ctx, s, fleet, home, writerStack, homeK8s, opts); err != nil {
			return err
		}
	}
	t, err := tenant.New(ctx, s.Settings.NamePrefix, args, useProvider)
	if err != nil {
		return err
	}

	if args.CQL {
		if err := clientCassandra(ctx, s, fleet, homeK8s, t.Namespace); err != nil {
			return err
		}
	}

	ctx.Export(OutAWSRegion, pulumi.String(s.Settings.AWSRegion))
	ctx.Export(OutRegionCode, pulumi.String(s.Settings.Code))
	ctx.Export(OutEnvironment, pulumi.String(s.Settings.Environment))
	ctx.Export(OutNamespace, t.Namespace)
	ctx.Export(OutServiceAccount, t.ServiceAccount)
	ctx.Export(OutRoleArn, t.RoleArn)
	ctx.Export(OutBucketName, t.BucketName)
	ctx.Export(OutSecretArn, t.SecretArn)
	ctx.Export(OutDatabaseName, t.DatabaseName)
	if d := args.Database; d != nil {
		ctx.Export(OutDatabaseHosts, pulumi.Map{"writer": d.Host, "reader": d.ReaderHost})
	}
	return nil
}

// clientDatabase is where the client's database goes: the client writes through the endpoint
// that always reaches its environment's writer (a global database's writer endpoint follows a
// switchover) and reads from its home's reader; the Job that creates the database runs in the
// writer's cluster, in the platform's provisioning namespace, as the provisioning role the writer
// stack created. When the home holds the writer (a primary or standalone database) that is all the
// home stack; when it holds a read-only secondary, the writer is the environment's primary stack,
// read through its own StackReference. No master credential is read here.
func clientDatabase(ctx *pulumi.Context, s *config.Stack, fleet *config.Fleet, home *upstream, writerStack *config.Stack,
	homeK8s *kubernetes.Provider, opts Options) (*tenant.DatabaseArgs, error) {
	writer, writerK8s := home, homeK8s
	var err error
	if writerStack != home.stack {
		if writer, err = newUpstream(ctx, s, writerStack); err != nil {
			return nil, err
		}
		if writerK8s, err = writer.kubernetes(ctx, fleet, opts); err != nil {
			return nil, err
		}
	}
	return &tenant.DatabaseArgs{
		Name:       s.Client.Database.Name,
		User:       s.Client.Database.User,
		Host:       writer.str(ctx, OutClientWriterEndpoint),
		ReaderHost: home.field(ctx, OutRDSEndpoints, "reader"),
		// The Job runs in the database home's cluster (the writer stack's) whatever region
		// writes: the writer endpoint that follows a switchover, never the home's own cluster
		// endpoint (read-only once another member writes).
		WriterHost:        writer.str(ctx, OutClientWriterEndpoint),
		Kubernetes:        writerK8s,
		Namespace:         writer.field(ctx, OutDatabaseProvisioning, "namespace"),
		ProvisionerSecret: writer.field(ctx, OutDatabaseProvisioning, "secret"),
		ConnectionLimit:   s.Client.Database.ConnectionLimit,
	}, nil
}

// clientCassandra creates the client's keyspace and role in its home datacenter once the
// cluster is up: it reads the superuser Secret's name from the global stack's cassandraCluster
// output (which resolves after the cluster's keyspace Job, and makes the plan deploy this stack
// after global: config.Fleet.CassandraGlobal), and runs the Job in the home cluster's Cassandra
// namespace with the cluster's replication from config (what the global stack's Job sets).
func clientCassandra(ctx *pulumi.Context, s *config.Stack, fleet *config.Fleet, homeK8s *kubernetes.Provider, namespace pulumi.StringOutput) error {
	env := s.Settings.Environment
	g, cc := fleet.CassandraGlobal(s), fleet.CassandraClusterOf(env)
	if g == nil || cc == nil { // validated: unreachable
		return fmt.Errorf("%s: client stack %s has a Cassandra keyspace but environment %s has no global stack with %s:%s",
			s.File, s.Name, env, config.Project, config.KeyCassandraCluster)
	}
	global, err := newUpstream(ctx, s, g)
	if err != nil {
		return err
	}
	c := s.Client.Cassandra
	role, err := cassandracluster.NewClientRole(ctx, s.Settings.NamePrefix, &cassandracluster.ClientRoleArgs{
		Kubernetes:      homeK8s,
		ClusterName:     cc.Name,
		ServerVersion:   cc.ServerVersion,
		Datacenter:      s.Settings.Code,
		Keyspace:        c.Keyspace,
		Role:            c.Role(),
		Replication:     fleet.CassandraReplication(env),
		SuperuserSecret: global.field(ctx, OutCassandraCluster, "superuserSecret"),
		ClientNamespace: namespace,
	})
	if err != nil {
		return err
	}
	ctx.Export(OutCassandra, pulumi.Map{
		"keyspace": pulumi.String(c.Keyspace), "user": pulumi.String(c.Role()), "secret": role.SecretName,
	})
	return nil
}
