package database

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// LogRetentionDays is how long the exported PostgreSQL log is kept (a value CloudWatch Logs
// accepts).
const LogRetentionDays = 90

// logGroup declares the group RDS exports the PostgreSQL log to, before the cluster: RDS
// otherwise creates `/aws/rds/cluster/<id>/postgresql` itself, unencrypted and kept forever. The
// name is the one RDS writes to (it is not an input RDS takes), so it is computed from the fixed
// cluster identifier; the cluster depends on the group explicitly.
//
// A stack deployed before this group existed already has the RDS-created group: import it first
// (`pulumi import aws:cloudwatch/logGroup:LogGroup <name> /aws/rds/cluster/<id>/postgresql`), or
// the create fails on the existing name.
func (b *builder) logGroup() error {
	var err error
	b.logs, err = cloudwatch.NewLogGroup(b.ctx, b.n("aurora-postgresql-log"), &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(fmt.Sprintf("/aws/rds/cluster/%s/postgresql", b.n("aurora"))),
		RetentionInDays: pulumi.Int(LogRetentionDays),
		KmsKeyId:        b.key.Arn,
	}, b.parent, pulumi.Protect(b.args.Scope.Protect))
	return err
}
