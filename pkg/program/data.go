package program

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/backup"
	"github.com/global-sovereign/global-sovereign/components/cache"
	"github.com/global-sovereign/global-sovereign/components/cluster"
	"github.com/global-sovereign/global-sovereign/components/database"
	"github.com/global-sovereign/global-sovereign/components/network"
	"github.com/global-sovereign/global-sovereign/components/tenant"
	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/netplan"
	"github.com/global-sovereign/global-sovereign/pkg/reach"
	"github.com/global-sovereign/global-sovereign/pkg/scope"
)

// regionEnv is what the stack's foundation hands the data and compute layers built on it: a
// region stack's own network, or the network an environment stack shares with its region.
type regionEnv struct {
	stack      *config.Stack
	fleet      *config.Fleet
	provider   *aws.Provider
	scope      scope.Scope
	alarmTopic pulumi.StringOutput
	// cacheEvents is the unencrypted topic ElastiCache publishes its events to (alerts.CacheEvents).
	cacheEvents pulumi.StringOutput
	network     netView
	probe       cluster.APIProbe // nil under synth
	// clusterSG is the security group of the stack's cluster nodes (nil without a cluster): the
	// database and cache admit it rather than the whole private subnets, which an environment
	// stack's cluster shares with its region's.
	clusterSG pulumi.StringInput
	// kubernetes is the stack's cluster's provider (nil without a cluster).
	kubernetes *kubernetes.Provider
	// refs are the StackReferences the stack has declared, by stack name: the Aurora primary
	// and the Cassandra control plane may be one stack, read once.
	refs map[string]*pulumi.StackReference
	// opts are the program's options (a data-plane Cassandra region reaches the control plane's
	// cluster as upstreamCluster does).
	opts Options
}

// reference is the stack's StackReference to another stack of the project, declared once.
func (e *regionEnv) reference(ctx *pulumi.Context, stack string) (*pulumi.StackReference, error) {
	if ref, ok := e.refs[stack]; ok {
		return ref, nil
	}
	ref, err := pulumi.NewStackReference(ctx, "ref-"+stack, &pulumi.StackReferenceArgs{
		Name: pulumi.String(StackReferenceName(ctx, stack)),
	})
	if err != nil {
		return nil, err
	}
	if e.refs == nil {
		e.refs = map[string]*pulumi.StackReference{}
	}
	e.refs[stack] = ref
	return ref, nil
}

// dataClients are who may connect to the stack's database or cache besides extra CIDRs: the
// cluster's security group when the stack has a cluster, else the private subnets.
func (e *regionEnv) dataClients(extra []string) ([]string, map[string]pulumi.StringInput) {
	if e.clusterSG == nil {
		return append(e.privateCIDRs(), extra...), nil
	}
	return extra, map[string]pulumi.StringInput{"cluster": e.clusterSG}
}

// netView is the network the data and compute layers run in.
type netView struct {
	VpcID             pulumi.StringOutput
	VpcCIDR           string
	AvailabilityZones []string
	PublicSubnetIDs   pulumi.StringArrayOutput
	PrivateSubnetIDs  pulumi.StringArrayOutput
	DatabaseSubnetIDs pulumi.StringArrayOutput
	// CassandraSubnetIDs are the Cassandra nodes' subnets, one per AZ (a region stack with a
	// datacenter only; an environment never runs Cassandra).
	CassandraSubnetIDs pulumi.StringArrayOutput
	// OfficeSecurityGroup admits the office over the VPN (nil without one); the cluster's
	// control plane carries it.
	OfficeSecurityGroup *ec2.SecurityGroup
	Plan                netplan.Plan // the subnets' CIDRs
}

// ownNetwork is a region stack's view of the network it declares.
func ownNetwork(n *network.Network, cfg *config.Network, plan netplan.Plan) netView {
	return netView{
		VpcID: n.VpcID, VpcCIDR: cfg.VPCCIDR, AvailabilityZones: cfg.AvailabilityZones,
		PublicSubnetIDs: n.PublicSubnetIDs, PrivateSubnetIDs: n.PrivateSubnetIDs, DatabaseSubnetIDs: n.DatabaseSubnetIDs,
		CassandraSubnetIDs: n.CassandraSubnetIDs, OfficeSecurityGroup: n.OfficeSecurityGroup, Plan: plan,
	}
}

// privateCIDRs are the network's private subnets: where its applications run.
func (e *regionEnv) privateCIDRs() []string {
	out := make([]string, len(e.network.Plan.Private))
	for i, p := range e.network.Plan.Private {
		out[i] = p.String()
	}
	return out
}

// deployCompute declares what a region or environment stack runs on its network: the cluster
// first (the data layer admits its security group), then the data layer; and exports where the
// stack is.
func deployCompute(ctx *pulumi.Context, e *regionEnv, guard *reach.Guard) error {
	if guard != nil {
		e.probe = guard.Probe
	}
	if err := deployCluster(ctx, e); err != nil {
		return err
	}
	if err := deployData(ctx, e); err != nil {
		return err
	}
	s := e.stack.Settings
	ctx.Export(OutAWSRegion, pulumi.String(s.AWSRegion))
	ctx.Export(OutRegionCode, pulumi.String(s.Code))
	ctx.Export(OutEnvironment, pulumi.String(s.Environment))
	ctx.Export(OutAvailabilityZones, pulumi.ToStringArray(e.network.AvailabilityZones))
	return nil
}

// deployData declares the data layer the config asks for: the Aurora member, the cache and
// the backups of the database.
func deployData(ctx *pulumi.Context, e *regionEnv) error {
	s := e.stack
	prefix := s.Settings.NamePrefix
	opts := pulumi.Provider(e.provider)
	var db *database.Database
	if s.Database != nil {
		var err error
		db, err = deployDatabase(ctx, e)
		if err != nil {
			return err
		}
		ctx.Export(OutRDSEndpoints, pulumi.Map{"writer": db.WriterEndpoint, "reader": db.ReaderEndpoint})
		ctx.Export(OutAuroraClusterArn, db.ClusterArn)
		ctx.Export(OutAuroraSecretArn, db.SecretArn)
		if h := e.fleet.DatabaseHome(s.Settings.Environment); s.Database.Role != config.RoleStandalone && h != nil && h.Name == s.Name {
			ctx.Export(OutAuroraGlobalClusterID, db.GlobalClusterID)
		}
		if e.fleet.HoldsDatabaseWriter(s) {
			ctx.Export(OutClientWriterEndpoint, db.ClientWriterEndpoint)
			if err := deployProvisioning(ctx, e, db); err != nil {
				return err
			}
		}
	}
	if c := s.Cache; c != nil {
		cidrs, groups := e.dataClients(nil)
		ch, err := cache.New(ctx, prefix, &cache.Args{
			Scope:  e.scope,
			Engine: string(c.Engine), EngineVersion: c.EngineVersion, NodeType: c.NodeType,
			Replicas: c.Replicas, SnapshotRetentionDays: *c.SnapshotRetentionDays,
			AvailabilityZones:    e.network.AvailabilityZones,
			VpcID:                e.network.VpcID,
			SubnetIDs:            e.network.DatabaseSubnetIDs,
			ClientCIDRs:          cidrs,
			ClientSecurityGroups: groups,
			AlarmTopicArn:        e.alarmTopic,
			EventsTopicArn:       e.cacheEvents,
			SecretRecoveryDays:   s.SecretRecoveryDays(),
		}, opts)
		if err != nil {
			return err
		}
		ctx.Export(OutCacheEndpoints, pulumi.Map{"primary": ch.PrimaryEndpoint, "reader": ch.ReaderEndpoint, "port": pulumi.Int(cache.Port)})
		ctx.Export(OutCacheSecretArn, ch.SecretArn)
	}
	if b := s.Backup; b != nil && db != nil {
		copyProvider, err := newProvider(ctx, s, b.CopyRegion, "aws-"+b.CopyRegion+"-backup-copy")
		if err != nil {
			return err
		}
		bk, err := backup.New(ctx, prefix, &backup.Args{
			Scope:         e.scope,
			ResourceArns:  pulumi.StringArray{db.ClusterArn},
			RetentionDays: b.RetentionDays,
			Schedule:      b.Schedule,
			CopyProvider:  copyProvider,
			// Backup and copy job results go to the alerts topic (alerts.Backup admits the service).
			NotificationTopicArn: e.alarmTopic,
			// The writer's region backs up the global database; the plan follows a switchover.
			Standby: s.Database.Role == config.RoleSecondary,
		}, opts)
		if err != nil {
			return err
		}
		ctx.Export(OutBackupVaultArn, bk.VaultArn)
		ctx.Export(OutBackupCopyVaultArn, bk.CopyVaultArn)
	}
	return nil
}

func deployDatabase(ctx *pulumi.Context, e *regionEnv) (*database.Database, error) {
	s, d := e.stack, e.stack.Database
	jobs, err := e.homeJobCIDRs()
	if err != nil {
		return nil, err
	}
	cidrs, groups := e.dataClients(append(slices.Clone(d.AllowedCIDRs), jobs...))
	args := &database.Args{
		Scope:         e.scope,
		EngineVersion: d.EngineVersion, EngineMajor: d.EngineMajor(),
		InstanceClass: d.InstanceClass, Instances: d.Instances,
		AvailabilityZones:     e.network.AvailabilityZones,
		VpcID:                 e.network.VpcID,
		DatabaseSubnetIDs:     e.network.DatabaseSubnetIDs,
		ClientCIDRs:           cidrs,
		ClientSecurityGroups:  groups,
		AlarmTopicArn:         e.alarmTopic,
		ReplicationLagAlarmMs: d.ReplicationLagAlarmMs,
		ApplyImmediately:      d.AppliesImmediately(),
		SecretRecoveryDays:    s.SecretRecoveryDays(),
	}
	env := s.Settings.Environment
	switch d.Role {
	case config.RolePrimary, config.RoleStandalone:
		args.Primary = &database.PrimaryArgs{Standalone: d.Role == config.RoleStandalone, BackupRetentionDays: d.BackupRetentionDays}
	default:
		writer := e.fleet.PrimaryDatabase(env)
		if writer == nil { // the fleet validation guarantees one
			return nil, fmt.Errorf("%s: no primary database stack in environment %s", s.File, env)
		}
		args.Secondary = &database.SecondaryArgs{SourceRegion: writer.Settings.AWSRegion}
	}
	// The global cluster and the credentials stay in the home whichever member writes.
	home := s
	if d.Role != config.RoleStandalone {
		home = e.fleet.DatabaseHome(env)
	}
	switch {
	case home == nil: // the fleet validation guarantees one
		return nil, fmt.Errorf("%s: no stack of environment %s holds the global database (database.home)", s.File, env)
	case home.Name == s.Name:
		args.Home = &database.HomeArgs{
			DatabaseName:     d.DatabaseName,
			MasterUsername:   d.MasterUsername,
			ReplicaProviders: map[string]pulumi.ProviderResource{},
		}
		if d.Role != config.RoleStandalone {
			args.Home.GlobalClusterIdentifier = d.GlobalClusterIdentifier
			for _, r := range e.fleet.ReplicaRegions(env) {
				p, err := newProvider(ctx, s, r, "aws-"+r+"-secret-replica")
				if err != nil {
					return nil, err
				}
				args.Home.ReplicaProviders[r] = p
			}
		}
	default:
		ref, err := e.reference(ctx, home.Name)
		if err != nil {
			return nil, err
		}
		args.FromHome = &database.FromHomeArgs{
			GlobalClusterID: requireString(ctx, ref, home.Name, OutAuroraGlobalClusterID),
			SecretArn:       requireString(ctx, ref, home.Name, OutAuroraSecretArn),
		}
	}
	return database.New(ctx, s.Settings.NamePrefix, args, pulumi.Provider(e.provider))
}

// deployProvisioning runs the platform's database provisioning beside the writer: the role
// client stacks create their databases with (CREATEROLE, CREATEDB), in the platform's namespace
// of this stack's cluster, created with the master credentials this stack holds. Client stacks
// read where it is from OutDatabaseProvisioning and never read a master credential.
func deployProvisioning(ctx *pulumi.Context, e *regionEnv, db *database.Database) error {
	if e.kubernetes == nil {
		return nil // no cluster: validation allows no client database here
	}
	// Whichever member writes: its database subnets, through the global writer endpoint (the
	// home's own cluster endpoint is a read-only secondary's after a switchover).
	cidrs, err := e.writerCIDRs()
	if err != nil {
		return err
	}
	// The Job connects once the writer instance exists: the global cluster id resolves only
	// after the cluster's instances.
	writer := pulumi.All(db.ClientWriterEndpoint, db.GlobalClusterID).ApplyT(func(v []any) string { return v[0].(string) }).(pulumi.StringOutput)
	p, err := tenant.NewProvisioner(ctx, e.stack.Settings.NamePrefix+"-db-provisioning", &tenant.ProvisionerArgs{
		Kubernetes:     e.kubernetes,
		Namespace:      config.ProvisioningNamespace,
		AdminNamespace: config.ProvisioningNamespace + "-admin",
		WriterHost:     writer,
		MasterUsername: e.stack.Database.MasterUsername,
		MasterPassword: db.MasterPassword,
		WriterCIDRs:    cidrs,
	}, pulumi.Provider(e.provider))
	if err != nil {
		return err
	}
	ctx.Export(OutDatabaseProvisioning, pulumi.Map{"namespace": p.Namespace, "secret": p.SecretName})
	return nil
}
