// Package database is a region's member of the Aurora PostgreSQL global database.
//
// The primary region declares the rds.GlobalCluster and the writer cluster with its
// credentials (a random password kept as a secret and stored in Secrets Manager, replicated to
// every secondary region). A secondary region declares a read-only cluster joined to the global
// cluster whose id it reads from the primary stack; it carries no credentials, no database name
// and no backup settings of its own, because AWS gives it all of those from the primary.
package database

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

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

	Primary   *PrimaryArgs
	Secondary *SecondaryArgs
}

// PrimaryArgs are what only the primary region sets: the writer cluster and its credentials.
type PrimaryArgs struct {
	// Standalone makes the writer a cluster of its own, in no global database (an environment
	// stack's database): no rds.GlobalCluster, and GlobalClusterIdentifier is unused.
	Standalone              bool
	GlobalClusterIdentifier string
	DatabaseName            string
	MasterUsername          string
	BackupRetentionDays     int
	// ReplicaRegions are the secondary regions the credentials secret is replicated to.
	ReplicaRegions []string
}

// SecondaryArgs are what a secondary reads from the primary stack.
type SecondaryArgs struct {
	GlobalClusterID pulumi.StringInput // the primary's rds.GlobalCluster id
	SourceRegion    pulumi.StringInput // the primary's AWS region
	SecretArn       pulumi.StringInput // the primary's credentials secret; replicated here
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
	if args.Primary != nil {
		d.SecretArn = b.secretArn
		d.ClientWriterEndpoint = b.clientWriter
		d.MasterPassword = b.masterPassword
	} else {
		d.SecretArn = replicaArn(args.Secondary.SecretArn, args.Scope.Region)
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
	case a.Primary != nil && ((a.Primary.GlobalClusterIdentifier == "") != a.Primary.Standalone || a.Primary.MasterUsername == ""):
		return fmt.Errorf("a primary needs a master username and a global cluster identifier, a standalone cluster a master username and none")
	case a.Secondary != nil && (a.Secondary.GlobalClusterID == nil || a.Secondary.SourceRegion == nil || a.Secondary.SecretArn == nil):
		return fmt.Errorf("a secondary needs the primary's global cluster id, region and credentials secret")
	}
	return nil
}

type builder struct {
	ctx    *pulumi.Context
	name   string
	args   *Args
	parent pulumi.ResourceOption

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
// driven through the global cluster (engine version).
var memberIgnoreChanges = []string{"replicationSourceIdentifier", "globalClusterIdentifier", "engineVersion"}

// foundation declares what both roles need: the region-local KMS key, the network placement and
// the parameter group that forces TLS.
func (b *builder) foundation() error {
	a := b.args
	var err error
	b.key, err = kmskey.New(b.ctx, b.n("aurora-key"), kmskey.Args{
		Description: fmt.Sprintf("%s Aurora storage, Performance Insights and credentials", b.name),
		Alias:       b.name + "-aurora",
		Protect:     a.Scope.Protect,
		Policy:      iampolicy.New(kmskey.AccountAdmin(a.Scope)),
	}, b.parent)
	if err != nil {
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
			rds.ClusterParameterGroupParameterArgs{Name: pulumi.String("log_min_duration_statement"), Value: pulumi.String("1000")},
		},
	}, b.parent)
	return err
}

// instances declares the cluster's instances spread over the AZs. Instance 1 is the writer of a
// primary (promotion tier 0); the rest are readers that fail over in tier order.
func (b *builder) instances(cluster *rds.Cluster) ([]*rds.ClusterInstance, error) {
	a := b.args
	var out []*rds.ClusterInstance
	for i := 0; i < a.Instances; i++ {
		id := b.n("aurora-%d", i+1)
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
		}, b.parent, pulumi.IgnoreChanges([]string{"engineVersion"}))
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, nil
}
