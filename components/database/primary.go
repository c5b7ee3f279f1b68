package database

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/database/ids"
)

// primary declares the writer cluster. Only a writer created in the home (the first writer of
// a global database, or a standalone cluster) carries the database name and the master
// credentials; a secondary promoted by a switchover already has them from the global
// database, and memberIgnoreChanges keeps Pulumi from setting or replacing them.
func (b *builder) primary() (*rds.Cluster, error) {
	a, p := b.args, b.args.Primary
	id := ids.Cluster(b.name)
	// A snapshot identifier is unique per region and account and the final snapshot outlives the
	// cluster: a fixed "<id>-final" would make the second deletion of a re-created stack fail.
	// The suffix is drawn once per generation of the stack (a new one after destroy and up); the
	// provider sends the identifier only on delete, so a change is an update of Pulumi's state.
	finalSnapshotSuffix, err := random.NewRandomId(b.ctx, b.n("aurora-final-snapshot"), &random.RandomIdArgs{
		ByteLength: pulumi.Int(4),
	}, b.parent)
	if err != nil {
		return nil, err
	}
	args := &rds.ClusterArgs{
		// A fixed identifier: runbooks and dashboards name it, and an accidental replacement
		// fails on the name instead of quietly building a second cluster.
		ClusterIdentifier:                pulumi.String(id),
		GlobalClusterIdentifier:          b.globalID(),
		Engine:                           pulumi.String(Engine),
		EngineVersion:                    pulumi.String(a.EngineVersion),
		StorageEncrypted:                 pulumi.Bool(true),
		KmsKeyId:                         b.key.Arn,
		BackupRetentionPeriod:            pulumi.Int(p.BackupRetentionDays),
		PreferredBackupWindow:            pulumi.String("02:00-03:00"),
		PreferredMaintenanceWindow:       pulumi.String("sun:04:00-sun:05:00"),
		CopyTagsToSnapshot:               pulumi.Bool(true),
		EnabledCloudwatchLogsExports:     pulumi.ToStringArray([]string{"postgresql"}),
		IamDatabaseAuthenticationEnabled: pulumi.Bool(true),
		DeletionProtection:               pulumi.Bool(a.Scope.Protect),
		ApplyImmediately:                 pulumi.Bool(a.ApplyImmediately),
		SkipFinalSnapshot:                pulumi.Bool(false),
		FinalSnapshotIdentifier:          pulumi.Sprintf("%s-final-%s", id, finalSnapshotSuffix.Hex),
		DbClusterParameterGroupName:      b.parameterGroup.Name,
		DbSubnetGroupName:                b.subnetGroup.Name,
		VpcSecurityGroupIds:              pulumi.StringArray{b.sg.ID()},
		Port:                             pulumi.Int(Port),
		// A major version in config goes through: on a standalone cluster the provider upgrades
		// it (with the parameter group of the new family, which replaces the old group first); a
		// global member is upgraded by the global cluster (pulumi-aws rds.GlobalCluster, "Upgrading
		// Engine Versions") and ignores engineVersion itself.
		AllowMajorVersionUpgrade: pulumi.Bool(true),
	}
	if h := a.Home; h != nil {
		args.DatabaseName = pulumi.String(h.DatabaseName)
		args.MasterUsername = pulumi.String(h.MasterUsername)
		args.MasterPassword = b.password.Result
	}
	return rds.NewCluster(b.ctx, id, args, b.parent,
		pulumi.Protect(a.Scope.Protect),
		pulumi.IgnoreChanges(b.ignoreChanges()),
		pulumi.Timeouts(&pulumi.CustomTimeouts{Update: clusterUpdateTimeout}),
		// RDS writes to the log group from the start: it must exist, encrypted, first.
		pulumi.DependsOn([]pulumi.Resource{b.logs}),
		pulumi.AdditionalSecretOutputs([]string{"masterPassword"}))
}
