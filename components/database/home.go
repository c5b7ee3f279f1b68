package database

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/kmskey"
	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
)

// passwordSpecials are the punctuation characters Aurora accepts in a master password (it
// refuses /, @, " and space).
const passwordSpecials = "!#$%&*()-_=+[]{}<>:?"

// home declares what the home holds whatever its role: the global cluster (unless standalone)
// and the master password. The credentials secret follows once the cluster exists.
func (b *builder) home() error {
	a, h := b.args, b.args.Home
	if !a.standalone() {
		var err error
		b.global, err = rds.NewGlobalCluster(b.ctx, b.n("global"), &rds.GlobalClusterArgs{
			GlobalClusterIdentifier: pulumi.String(h.GlobalClusterIdentifier),
			Engine:                  pulumi.String(Engine),
			EngineVersion:           pulumi.String(a.EngineVersion),
			StorageEncrypted:        pulumi.Bool(true),
			// AWS's deletion protection follows the stack's protect setting, as pulumi.Protect
			// does: a production global cluster survives a stray delete, a throwaway stack can be
			// destroyed.
			DeletionProtection: pulumi.Bool(a.Scope.Protect),
		}, b.parent, pulumi.Protect(a.Scope.Protect),
			// The provider upgrades every member in turn when engineVersion changes.
			pulumi.Timeouts(&pulumi.CustomTimeouts{Update: globalUpdateTimeout}))
		if err != nil {
			return err
		}
	}
	var err error
	b.password, err = random.NewRandomPassword(b.ctx, b.n("aurora-master"), &random.RandomPasswordArgs{
		Length:          pulumi.Int(40),
		Special:         pulumi.Bool(true),
		OverrideSpecial: pulumi.String(passwordSpecials),
		MinLower:        pulumi.Int(4),
		MinUpper:        pulumi.Int(4),
		MinNumeric:      pulumi.Int(4),
	}, b.parent)
	if err != nil {
		return err
	}
	b.masterPassword = pulumi.ToSecret(b.password.Result).(pulumi.StringOutput)
	return nil
}

// credentials stores the master credentials in Secrets Manager in the standard RDS secret
// format, encrypted with the home region's key and replicated to every other member's region
// under a customer-managed key of that region, so that applications read them locally and a
// promoted secondary already has them. The host is the global cluster's writer endpoint, which
// AWS points at the writer after a switchover or failover, so the secret never goes stale.
func (b *builder) credentials(cluster *rds.Cluster) error {
	a, h := b.args, b.args.Home
	name := h.GlobalClusterIdentifier + "/master"
	description := fmt.Sprintf("Master credentials of the %s Aurora global database", h.GlobalClusterIdentifier)
	host := cluster.Endpoint
	defer func() { b.clientWriter = host }() // what clients write to: the host below, whichever it is
	if a.standalone() {
		name = b.n("aurora") + "/master"
		description = fmt.Sprintf("Master credentials of the %s Aurora cluster", b.n("aurora"))
	} else {
		// The global endpoint is empty until the global cluster has a writer (DescribeGlobalClusters
		// Endpoint); until a refresh reads it, the first writer's endpoint stands in.
		host = pulumi.All(b.global.Endpoint, cluster.Endpoint).ApplyT(func(v []any) string {
			if e, _ := v[0].(string); e != "" {
				return e
			}
			return v[1].(string)
		}).(pulumi.StringOutput)
	}
	regions := make([]string, 0, len(h.ReplicaProviders))
	for r := range h.ReplicaProviders {
		regions = append(regions, r)
	}
	slices.Sort(regions)
	replicas := secretsmanager.SecretReplicaArray{}
	for _, r := range regions {
		key, err := kmskey.New(b.ctx, b.n("aurora-master-%s", r), kmskey.Args{
			Description: fmt.Sprintf("%s master credentials replica in %s", b.name, r),
			// Unique per region already; the region in the name keeps the graph's names unique.
			Alias:   b.name + "-aurora-master-" + r,
			Protect: a.Scope.Protect,
			Policy:  iampolicy.New(kmskey.AccountAdmin(a.Scope)),
		}, b.parent, pulumi.Provider(h.ReplicaProviders[r]))
		if err != nil {
			return err
		}
		replicas = append(replicas, secretsmanager.SecretReplicaArgs{Region: pulumi.String(r), KmsKeyId: key.Arn})
	}
	secret, err := secretsmanager.NewSecret(b.ctx, b.n("aurora-master"), &secretsmanager.SecretArgs{
		// A fixed, documented name that applications and runbooks find in every region. AWS keeps
		// a deleted secret's name for its recovery window: a stack re-created within that window
		// fails on this name unless the window was 0 (global-sovereign:stack.secretRecoveryDays)
		// or the old secret is restored or force-deleted first (docs/operations/teardown.md).
		Name:                 pulumi.String(name),
		Description:          pulumi.String(description),
		KmsKeyId:             b.key.Arn,
		RecoveryWindowInDays: pulumi.Int(a.SecretRecoveryDays),
		Replicas:             replicas,
	}, b.parent, pulumi.Protect(a.Scope.Protect))
	if err != nil {
		return err
	}
	value := pulumi.All(host, b.password.Result).ApplyT(func(v []any) (string, error) {
		data, err := json.Marshal(map[string]any{
			"engine":   "postgres",
			"host":     v[0].(string),
			"port":     Port,
			"dbname":   h.DatabaseName,
			"username": h.MasterUsername,
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
