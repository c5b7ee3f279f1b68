package database

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// passwordSpecials are the punctuation characters Aurora accepts in a master password (it
// refuses /, @, " and space).
const passwordSpecials = "!#$%&*()-_=+[]{}<>:?"

// primary declares the global cluster (unless standalone), the writer cluster and its
// credentials.
func (b *builder) primary() (*rds.Cluster, error) {
	a, p := b.args, b.args.Primary
	var globalID pulumi.StringPtrInput
	if !p.Standalone {
		global, err := rds.NewGlobalCluster(b.ctx, b.n("global"), &rds.GlobalClusterArgs{
			GlobalClusterIdentifier: pulumi.String(p.GlobalClusterIdentifier),
			Engine:                  pulumi.String(Engine),
			EngineVersion:           pulumi.String(a.EngineVersion),
			StorageEncrypted:        pulumi.Bool(true),
			// AWS's deletion protection follows the stack's protect setting, as pulumi.Protect
			// does: a production global cluster survives a stray delete, a throwaway stack can be
			// destroyed.
			DeletionProtection: pulumi.Bool(a.Scope.Protect),
		}, b.parent, pulumi.Protect(a.Scope.Protect))
		if err != nil {
			return nil, err
		}
		globalID = global.ID()
		b.clientWriter = global.Endpoint
	}

	password, err := random.NewRandomPassword(b.ctx, b.n("aurora-master"), &random.RandomPasswordArgs{
		Length:          pulumi.Int(40),
		Special:         pulumi.Bool(true),
		OverrideSpecial: pulumi.String(passwordSpecials),
		MinLower:        pulumi.Int(4),
		MinUpper:        pulumi.Int(4),
		MinNumeric:      pulumi.Int(4),
	}, b.parent)
	if err != nil {
		return nil, err
	}

	id := b.n("aurora")
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
	cluster, err := rds.NewCluster(b.ctx, id, &rds.ClusterArgs{
		// A fixed identifier: runbooks and dashboards name it, and an accidental replacement
		// fails on the name instead of quietly building a second cluster.
		ClusterIdentifier:                pulumi.String(id),
		GlobalClusterIdentifier:          globalID,
		Engine:                           pulumi.String(Engine),
		EngineVersion:                    pulumi.String(a.EngineVersion),
		DatabaseName:                     pulumi.String(p.DatabaseName),
		MasterUsername:                   pulumi.String(p.MasterUsername),
		MasterPassword:                   password.Result,
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
	}, b.parent,
		pulumi.Protect(a.Scope.Protect),
		pulumi.IgnoreChanges(memberIgnoreChanges),
		pulumi.AdditionalSecretOutputs([]string{"masterPassword"}))
	if err != nil {
		return nil, err
	}
	if p.Standalone {
		b.clientWriter = cluster.Endpoint
	}
	b.masterPassword = pulumi.ToSecret(password.Result).(pulumi.StringOutput)
	return cluster, b.credentials(cluster, password)
}

// credentials stores the master credentials in Secrets Manager in the standard RDS secret
// format, encrypted with the region's key and replicated to every secondary region, so that
// applications read them locally and a promoted secondary already has them.
func (b *builder) credentials(cluster *rds.Cluster, password *random.RandomPassword) error {
	a, p := b.args, b.args.Primary
	name := p.GlobalClusterIdentifier + "/master"
	description := fmt.Sprintf("Master credentials of the %s Aurora global database", p.GlobalClusterIdentifier)
	if p.Standalone {
		name = b.n("aurora") + "/master"
		description = fmt.Sprintf("Master credentials of the %s Aurora cluster", b.n("aurora"))
	}
	replicas := secretsmanager.SecretReplicaArray{}
	for _, r := range p.ReplicaRegions {
		// The replica uses the AWS-managed key of its region: a customer key there would
		// belong to the secondary stack, which deploys after this one.
		replicas = append(replicas, secretsmanager.SecretReplicaArgs{Region: pulumi.String(r)})
	}
	secret, err := secretsmanager.NewSecret(b.ctx, b.n("aurora-master"), &secretsmanager.SecretArgs{
		// A fixed, documented name that applications and runbooks find in every region. AWS keeps
		// a deleted secret's name for its recovery window: a stack re-created within that window
		// fails on this name unless the window was 0 (global-sovereign:stack.secretRecoveryDays)
		// or the old secret is restored or force-deleted first (README, "Tearing down a stack").
		Name:                 pulumi.String(name),
		Description:          pulumi.String(description),
		KmsKeyId:             b.key.Arn,
		RecoveryWindowInDays: pulumi.Int(a.SecretRecoveryDays),
		Replicas:             replicas,
	}, b.parent, pulumi.Protect(a.Scope.Protect))
	if err != nil {
		return err
	}
	value := pulumi.All(cluster.Endpoint, password.Result).ApplyT(func(v []any) (string, error) {
		data, err := json.Marshal(map[string]any{
			"engine":   "postgres",
			"host":     v[0].(string),
			"port":     Port,
			"dbname":   p.DatabaseName,
			"username": p.MasterUsername,
			"password": v[1].(string),
		})
		return string(data), err
	}).(pulumi.StringOutput)
	if _, err := secretsmanager.NewSecretVersion(b.ctx, b.n("aurora-master"), &secretsmanager.SecretVersionArgs{
		SecretId:     secret.ID(),
		SecretString: pulumi.ToSecret(value).(pulumi.StringOutput),
	}, b.parent); err != nil {
		return err
	}
	b.secretArn = secret.Arn
	return nil
}

// replicaArn is the ARN of a Secrets Manager replica: the primary secret's ARN in another region.
func replicaArn(primaryArn pulumi.StringInput, region string) pulumi.StringOutput {
	return primaryArn.ToStringOutput().ApplyT(func(arn string) string {
		parts := strings.SplitN(arn, ":", 5)
		if len(parts) < 5 {
			return arn
		}
		parts[3] = region
		return strings.Join(parts, ":")
	}).(pulumi.StringOutput)
}
