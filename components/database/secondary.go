package database

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/database/ids"
)

// secondary declares a read-only cluster joined to the primary's global cluster. It sets only
// what AWS lets a secondary have: the global cluster, engine and version, its own region's KMS
// key and network placement, and the writer's region. No master credentials, no database name,
// no backup retention: those come from the global database.
func (b *builder) secondary() (*rds.Cluster, error) {
	a := b.args
	id := ids.Cluster(b.name)
	return rds.NewCluster(b.ctx, id, &rds.ClusterArgs{
		ClusterIdentifier:            pulumi.String(id),
		GlobalClusterIdentifier:      b.globalID(),
		SourceRegion:                 pulumi.String(a.Secondary.SourceRegion),
		Engine:                       pulumi.String(Engine),
		EngineVersion:                pulumi.String(a.EngineVersion),
		StorageEncrypted:             pulumi.Bool(true),
		KmsKeyId:                     b.key.Arn,
		DbSubnetGroupName:            b.subnetGroup.Name,
		VpcSecurityGroupIds:          pulumi.StringArray{b.sg.ID()},
		DbClusterParameterGroupName:  b.parameterGroup.Name,
		EnabledCloudwatchLogsExports: pulumi.ToStringArray([]string{"postgresql"}),
		// As on the primary: a promoted secondary keeps IAM authentication working.
		IamDatabaseAuthenticationEnabled: pulumi.Bool(true),
		DeletionProtection:               pulumi.Bool(a.Scope.Protect),
		ApplyImmediately:                 pulumi.Bool(a.ApplyImmediately),
		// As on the writer, so that a role change does not flip it (the provider's default is false).
		CopyTagsToSnapshot: pulumi.Bool(true),
		// A secondary cannot take a final snapshot of its own; the primary's backups (and their
		// cross-region copies) hold the data.
		SkipFinalSnapshot: pulumi.Bool(true),
		Port:              pulumi.Int(Port),
		// As on the writer: the global cluster's major upgrade reaches every member.
		AllowMajorVersionUpgrade: pulumi.Bool(true),
	}, b.parent,
		pulumi.Protect(a.Scope.Protect),
		pulumi.IgnoreChanges(b.ignoreChanges()),
		pulumi.Timeouts(&pulumi.CustomTimeouts{Update: clusterUpdateTimeout}),
		// RDS writes to the log group from the start: it must exist, encrypted, first.
		pulumi.DependsOn([]pulumi.Resource{b.logs}),
		// The same as the writer's, so that a role change does not change the resource options.
		pulumi.AdditionalSecretOutputs([]string{"masterPassword"}))
}
