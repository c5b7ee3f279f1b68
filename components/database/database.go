// Package database is a region's member of the Aurora PostgreSQL global database.
//
// Two things are separate: the role (the writer or a read-only secondary), which moves with
// every switchover and failover, and the home, which does not. The home stack declares the
// rds.GlobalCluster and the master credentials (a random password kept as a secret and stored
// in Secrets Manager, replicated to every other member's region under a key of that region);
// every other member reads the global cluster id and the secret from the home's stack. A role
// change is then a config change that replaces nothing: the fields a member gets only when it
// is created as the writer are ignored afterwards (memberIgnoreChanges).
package database

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/database/ids"
	"github.com/global-sovereign/global-sovereign/components/kmskey"
	"github.com/global-sovereign/global-sovereign/components/sgrules"
	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
	"github.com/global-sovereign/global-sovereign/pkg/scope"
)

// Type is the component's Pulumi type token.
const Type = "sovereign:database:Database"

// Engine is the Aurora engine of the global database.
const Engine = "aurora-postgresql"

// Port is PostgreSQL's port.
const Port = 5432

// Args configures the database. Exactly one of Primary and Secondary is set.
type Args struct {
	Scope scope.Scope // partition, account and region of the provider; whether to protect

	EngineVersion string // e.g. 16.6; the same on every member
	EngineMajor   string // e.g. 16, names the parameter group family
	InstanceClass string
	Instances     int
	// AvailabilityZones spreads the instances: instance i goes to AZ i mod len.
	AvailabilityZones []string

	VpcID             pulumi.StringInput
	DatabaseSubnetIDs pulumi.StringArrayInput
	// ClientCIDRs may connect on 5432: configured peers, and the private subnets when no cluster
	// runs the stack's applications.
	ClientCIDRs []string
	// ClientSecurityGroups may connect on 5432, by name: the members of each security group (the
	// stack's cluster's nodes and pods), not everything else in the subnets they share.
	ClientSecurityGroups map[string]pulumi.StringInput

	AlarmTopicArn         pulumi.StringInput
	ReplicationLagAlarmMs int
	// ApplyImmediately applies cluster and instance changes when Pulumi makes them; false defers
	// them to the maintenance window (and Pulumi shows the diff until then).
	ApplyImmediately bool
	// SecretRecoveryDays is the Secrets Manager recovery window of the credentials secret: 0
	// deletes it at once, 7-30 keep it (and its name) recoverable.
	SecretRecoveryDays int

	// The role: exactly one of Primary and Secondary is set. A role change (switchover,
	// failover) swaps them and must replace nothing: every field whose value depends on the role
	// at creation and that the provider replaces on change is in memberIgnoreChanges.
	Primary   *PrimaryArgs
	Secondary *SecondaryArgs

	// Where the global cluster and the credentials live: exactly one of Home and FromHome is
	// set. The home does not move with the writer (config: database.home), so a role change
	// neither moves state nor rotates the password.
	Home     *HomeArgs
	FromHome *FromHomeArgs
}

// PrimaryArgs are what only the writer sets: its backups.
type PrimaryArgs struct {
	// Standalone makes the writer a cluster of its own, in no global database (an environment
	// stack's database): no rds.GlobalCluster. It needs Home (without GlobalClusterIdentifier).
	Standalone          bool
	BackupRetentionDays int
}

// SecondaryArgs are what a read-only member sets.
type SecondaryArgs struct {
	// SourceRegion is the writer's AWS region when the cluster is created (config data). The
	// provider replaces the cluster when it changes and never reads it back, so it is ignored
	// afterwards: it changes on every member whenever the writer moves.
	SourceRegion string
}

// HomeArgs are what the home stack declares besides its cluster: the global cluster and the
// master credentials.
type HomeArgs struct {
	GlobalClusterIdentifier string // empty for a standalone cluster
	DatabaseName            string
	MasterUsername          string
	// ReplicaProviders are the aws providers of the regions the credentials secret is
	// replicated to (every other member's), by region: each replica gets a customer-managed
	// key of its region, declared here because the secret needs it before those stacks deploy.
	ReplicaProviders map[string]pulumi.ProviderResource
}

// FromHomeArgs are what a member that is not the home reads from the home's stack.
type FromHomeArgs struct {
	GlobalClusterID pulumi.StringInput // the home's rds.GlobalCluster id
	SecretArn       pulumi.StringInput // the home's credentials secret; replicated here
}

// Database is the component.
type Database struct {
	pulumi.ResourceState

	ClusterIdentifier pulumi.StringOutput `pulumi:"clusterIdentifier"`
	ClusterArn        pulumi.StringOutput `pulumi:"clusterArn"`
	WriterEndpoint    pulumi.StringOutput `pulumi:"writerEndpoint"`
	ReaderEndpoint    pulumi.StringOutput `pulumi:"readerEndpoint"`
	// GlobalClusterID resolves only once the primary's instances exist, so a secondary that
	// reads it through a StackReference never joins a global cluster without a writer.
	GlobalClusterID pulumi.StringOutput `pulumi:"globalClusterId"`
	SecretArn       pulumi.StringOutput `pulumi:"secretArn"`
	KeyArn          pulumi.StringOutput `pulumi:"keyArn"`
	SecurityGroupID pulumi.StringOutput `pulumi:"securityGroupId"`
	// Of a primary or standalone cluster only (empty on a secondary):
	// ClientWriterEndpoint always reaches the environment's writer: the global database's
	// writer endpoint (Aurora moves it to the new primary on a switchover or failover), or the
	// standalone cluster's writer endpoint. MasterPassword is the master password, secret.
	ClientWriterEndpoint pulumi.StringOutput `pulumi:"clientWriterEndpoint"`
	MasterPassword       pulumi.StringOutput `pulumi:"masterPassword"`
}

// New declares the database. Pass the stack's regional provider with pulumi.Provider.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Database, error) {
	if err := args.check(); err != nil {
		return nil, fmt.Errorf("database %s: %w", name, err)
	}
	d := &Database{}
	if err := ctx.RegisterComponentResource(Type, name, d, opts...); err != nil {
		return nil, err
	}
	b := &builder{ctx: ctx, name: name, args: args, parent: pulumi.Parent(d)}
	if err := b.foundation(); err != nil {
		return nil, err
	}
	if args.Home != nil {
		if err := b.home(); err != nil {
			return nil, err
		}
	}
	var cluster *rds.Cluster
	var err error
	if args.Primary != nil {
		cluster, err = b.primary()
	} else {
		cluster, err = b.secondary()
	}
	if err != nil {
		return nil, err
	}
	if args.Home != nil {
		if err := b.credentials(cluster); err != nil {
			return nil, err
		}
	}
	instances, err := b.instances(cluster)
	if err != nil {
		return nil, err
	}
	if err := b.alarms(cluster); err != nil {
		return nil, err
	}

	d.ClusterIdentifier = cluster.ClusterIdentifier
	d.ClusterArn = cluster.Arn
	d.WriterEndpoint = cluster.Endpoint
	d.ReaderEndpoint = cluster.ReaderEndpoint
	d.KeyArn = b.key.Arn
	d.SecurityGroupID = b.sg.ID().ToStringOutput()
	deps := []any{cluster.GlobalClusterIdentifier}
	for _, in := range instances {
		deps = append(deps, in.ID())
	}
	d.GlobalClusterID = pulumi.All(deps...).ApplyT(func(v []any) string {
		if s, ok := v[0].(*string); ok && s != nil {
			return *s
		}
		return ""
	}).(pulumi.StringOutput)
	if args.Home != nil {
		d.SecretArn = b.secretArn
		d.ClientWriterEndpoint = b.clientWriter
		d.MasterPassword = b.masterPassword
	} else {
		d.SecretArn = replicaArn(args.FromHome.SecretArn, args.Scope.Region)
	}
	return d, ctx.RegisterResourceOutputs(d, pulumi.Map{
		"clusterIdentifier": d.ClusterIdentifier,
		"clusterArn":        d.ClusterArn,
		"writerEndpoint":    d.WriterEndpoint,
		"readerEndpoint":    d.ReaderEndpoint,
		"globalClusterId":   d.GlobalClusterID,
		"secretArn":         d.SecretArn,
		"keyArn":            d.KeyArn,
		"securityGroupId":   d.SecurityGroupID,
	})
}

func (a *Args) check() error {
	switch {
	case (a.Primary == nil) == (a.Secondary == nil):
		return fmt.Errorf("set exactly one of Primary and Secondary")
	case a.Instances < 1:
		return fmt.Errorf("no instances")
	case len(a.AvailabilityZones) == 0:
		return fmt.Errorf("no availability zones")
	case a.AlarmTopicArn == nil || a.VpcID == nil || a.DatabaseSubnetIDs == nil:
		return fmt.Errorf("alarm topic, VPC and subnets are required")
	case (a.Home == nil) == (a.FromHome == nil):
		return fmt.Errorf("set exactly one of Home and FromHome")
	case a.Home != nil && (a.Home.MasterUsername == "" || a.Home.DatabaseName == ""):
		return fmt.Errorf("the home needs a master username and a database name")
	case a.Home != nil && (a.Home.GlobalClusterIdentifier == "") != a.standalone():
		return fmt.Errorf("a global database's home needs a global cluster identifier, a standalone cluster none")
	case a.standalone() && a.Home == nil:
		return fmt.Errorf("a standalone cluster is its own home")
	case a.FromHome != nil && (a.FromHome.GlobalClusterID == nil || a.FromHome.SecretArn == nil):
		return fmt.Errorf("a member that is not the home needs the home's global cluster id and credentials secret")
	case a.Secondary != nil && a.Secondary.SourceRegion == "":
		return fmt.Errorf("a secondary needs the writer's region")
	}
	return nil
}

func (a *Args) standalone() bool { return a.Primary != nil && a.Primary.Standalone }

type builder struct {
	ctx    *pulumi.Context
	name   string
	args   *Args
	parent pulumi.ResourceOption

	global   *rds.GlobalCluster // the home's
	logs     *cloudwatch.LogGroup
	password *random.RandomPassword

	key            *kms.Key
	sg             *ec2.SecurityGroup
	subnetGroup    *rds.SubnetGroup
	parameterGroup *rds.ClusterParameterGroup
	secretArn      pulumi.StringOutput
	// Of a primary or standalone cluster: the endpoint that always reaches the writer, and the
	// master password (secret).
	clientWriter   pulumi.StringOutput
	masterPassword pulumi.StringOutput
}

func (b *builder) n(format string, args ...any) string {
	return b.name + "-" + fmt.Sprintf(format, args...)
}

// memberIgnoreChanges are the fields of a global database member that AWS changes on its own:
// on switchover or failover (replication source, global cluster membership) and on upgrades
// driven through the global cluster (engine version); and the fields only a cluster created as
// the writer sets, which the provider replaces the cluster on (terraform-provider-aws
// internal/service/rds/cluster.go: source_region, database_name and master_username are
// ForceNew, source_region is never read back) or would rotate (master_password): a role change
// moves them from one member to another and must change neither.
var memberIgnoreChanges = []string{"replicationSourceIdentifier", "globalClusterIdentifier", "engineVersion",
	"sourceRegion", "databaseName", "masterUsername", "masterPassword"}

// standaloneIgnoreChanges are the fields a standalone (environment) cluster leaves to AWS: none
// but the password, which is set once and never rotated as a side effect. Its engineVersion is
// config, so staging and development upgrade when the config says so.
var standaloneIgnoreChanges = []string{"masterPassword"}

// Upgrades take longer than the provider's default timeouts: a global cluster's upgrade runs
// member after member across every region, and a major version upgrade of a cluster restarts it.
const (
	globalUpdateTimeout  = "6h"
	clusterUpdateTimeout = "4h"
)

// ignoreChanges is the cluster's list: a member's or a standalone cluster's.
func (b *builder) ignoreChanges() []string {
	if b.args.standalone() {
		return standaloneIgnoreChanges
	}
	return memberIgnoreChanges
}

// globalID is the global cluster a member joins: the home's own, or the one it read from the
// home's stack; nil for a standalone cluster.
func (b *builder) globalID() pulumi.StringPtrInput {
	switch {
	case b.global != nil:
		return b.global.ID()
	case b.args.FromHome != nil:
		return b.args.FromHome.GlobalClusterID
	}
	return nil
}

// foundation declares what both roles need: the region-local KMS key, the network placement and
// the parameter group that forces TLS.
func (b *builder) foundation() error {
	a := b.args
	var err error
	b.key, err = kmskey.New(b.ctx, b.n("aurora-key"), kmskey.Args{
		Description: fmt.Sprintf("%s Aurora storage, Performance Insights and credentials", b.name),
		Alias:       b.name + "-aurora",
		Protect:     a.Scope.Protect,
		// CloudWatch Logs encrypts the exported PostgreSQL log with it too.
		Policy: iampolicy.New(kmskey.AccountAdmin(a.Scope), kmskey.CloudWatchLogs(a.Scope)),
	}, b.parent)
	if err != nil {
		return err
	}
	if err := b.logGroup(); err != nil {
		return err
	}
	b.subnetGroup, err = rds.NewSubnetGroup(b.ctx, b.n("aurora"), &rds.SubnetGroupArgs{
		Description: pulumi.String(fmt.Sprintf("%s Aurora: database subnets", b.name)),
		SubnetIds:   a.DatabaseSubnetIDs,
	}, b.parent)
	if err != nil {
		return err
	}
	b.sg, err = ec2.NewSecurityGroup(b.ctx, b.n("aurora"), &ec2.SecurityGroupArgs{
		VpcId:       a.VpcID,
		Description: pulumi.String("Aurora PostgreSQL: 5432 from the cluster nodes of this stack and the peer networks"),
		Tags:        pulumi.StringMap{"Name": pulumi.String(b.n("aurora"))},
	}, b.parent)
	if err != nil {
		return err
	}
	rules := append(sgrules.FromCIDRs(b.n("aurora-in"), a.ClientCIDRs, Port, "PostgreSQL"),
		sgrules.FromGroups(b.n("aurora-from"), a.ClientSecurityGroups, Port, "PostgreSQL")...)
	if err := sgrules.Ingress(b.ctx, b.sg.ID(), rules, b.parent); err != nil {
		return err
	}
	b.parameterGroup, err = rds.NewClusterParameterGroup(b.ctx, b.n("aurora"), &rds.ClusterParameterGroupArgs{
		Family:      pulumi.String("aurora-postgresql" + a.EngineMajor),
		Description: pulumi.String(fmt.Sprintf("%s Aurora PostgreSQL %s: TLS only", b.name, a.EngineMajor)),
		Parameters: rds.ClusterParameterGroupParameterArray{
			rds.ClusterParameterGroupParameterArgs{Name: pulumi.String("rds.force_ssl"), Value: pulumi.String("1")},
			// No statement text in the log: a slow statement would be written with its literal
			// values (PostgreSQL logs the text as sent). Slow statements are found in Performance
			// Insights (per instance, under the cluster's key) instead.
			rds.ClusterParameterGroupParameterArgs{Name: pulumi.String("log_min_duration_statement"), Value: pulumi.String("-1")},
		},
	}, b.parent)
	return err
}

// instances declares the cluster's instances spread over the AZs, promotion tier i for instance
// i+1: an in-region failover promotes instance 1 first.
//
// Pulumi changes independent resources in parallel, so an instance-class change would restart
// the writer and every reader at once. Each instance depends on the next one instead: a change
// rolls from instance N down to instance 1, one instance at a time, while the others serve. The
// price is that the instances are also created one after another, instance N first, and Aurora
// makes the first instance of an empty cluster its writer (RDS API CreateDBCluster: the writer
// is the instance created first). So a new primary's writer is instance N, the first one the roll
// restarts; after one in-region failover to instance 1 (docs/data-layer.md, Aurora) the writer is
// the last one restarted. A dependency order cannot make the instance created first the last
// one updated; `sovereign preflight --online` says which instance is the writer and the command
// that moves it (pkg/awscheck writer.go).
func (b *builder) instances(cluster *rds.Cluster) ([]*rds.ClusterInstance, error) {
	a := b.args
	out := make([]*rds.ClusterInstance, a.Instances)
	// ids.Roll is the order the chain follows; `sovereign preflight --online` reads the writer
	// against its last element (pkg/awscheck writer.go).
	var prev pulumi.Resource
	for k, id := range ids.Roll(b.name, a.Instances) {
		i := a.Instances - 1 - k // ids.Roll lists instance N first: id is ids.Instance(b.name, i+1)
		opts := []pulumi.ResourceOption{b.parent, pulumi.IgnoreChanges([]string{"engineVersion"})}
		if prev != nil {
			opts = append(opts, pulumi.DependsOn([]pulumi.Resource{prev}))
		}
		in, err := rds.NewClusterInstance(b.ctx, id, &rds.ClusterInstanceArgs{
			Identifier:                         pulumi.String(id),
			ClusterIdentifier:                  cluster.ID(),
			Engine:                             pulumi.String(Engine),
			InstanceClass:                      pulumi.String(a.InstanceClass),
			AvailabilityZone:                   pulumi.String(a.AvailabilityZones[i%len(a.AvailabilityZones)]),
			PromotionTier:                      pulumi.Int(i),
			PubliclyAccessible:                 pulumi.Bool(false),
			PerformanceInsightsEnabled:         pulumi.Bool(true),
			PerformanceInsightsKmsKeyId:        b.key.Arn,
			PerformanceInsightsRetentionPeriod: pulumi.Int(7),
			// Members of a global database upgrade together through the global cluster.
			AutoMinorVersionUpgrade: pulumi.Bool(false),
			CaCertIdentifier:        pulumi.String("rds-ca-rsa2048-g1"),
			ApplyImmediately:        pulumi.Bool(a.ApplyImmediately),
		}, opts...)
		if err != nil {
			return nil, err
		}
		out[i], prev = in, in
	}
	return out, nil
}
