// Package backup is AWS Backup for a region's Aurora cluster: a KMS-encrypted vault in the
// region, a daily plan that keeps recovery points for the configured days, and a copy of every
// recovery point to a vault in another region, so that losing a region does not lose its
// backups.
package backup

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/backup"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/kmskey"
	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
	"github.com/global-sovereign/global-sovereign/pkg/scope"
)

// Type is the component's Pulumi type token.
const Type = "sovereign:backup:Backup"

// Args configures the backups.
type Args struct {
	Scope scope.Scope // partition, account and region of the provider; whether to protect

	ResourceArns  pulumi.StringArrayInput // what the plan backs up (the Aurora cluster)
	RetentionDays int
	Schedule      string

	// CopyProvider is an aws provider for the copy region; the copy vault and its key are
	// declared through it.
	CopyProvider pulumi.ProviderResource

	// Standby declares the vaults only: a secondary of the Aurora global database holds the same
	// data as the writer, so only the writer's region runs the plan (six plans would keep six
	// copies of one dataset). The vaults stay in every region, so the recovery points of a
	// region that wrote before a switchover are kept, and the plan moves with the writer.
	Standby bool

	// NotificationTopicArn is the region's alerts topic; the vault reports its jobs there
	// (the topic must admit backup.amazonaws.com: alerts.Backup).
	NotificationTopicArn pulumi.StringInput
}

// vaultEvents are the vault's notifications: every finished backup job (its State says
// COMPLETED, FAILED, ABORTED or EXPIRED: AWS Backup has no event for failures alone), failed
// copy jobs (copies start from the source vault, so they are reported here) and finished
// restores. AWS Backup Developer Guide, "Notification options with AWS Backup"; the API's
// BackupVaultEvents enum.
var vaultEvents = []string{"BACKUP_JOB_COMPLETED", "COPY_JOB_FAILED", "RESTORE_JOB_COMPLETED"}

// Backup is the component.
type Backup struct {
	pulumi.ResourceState

	VaultArn     pulumi.StringOutput `pulumi:"vaultArn"`
	CopyVaultArn pulumi.StringOutput `pulumi:"copyVaultArn"`
	PlanID       pulumi.StringOutput `pulumi:"planId"`
}

// The AWS-managed policies that let AWS Backup snapshot, copy and restore supported resources.
var servicePolicies = []string{"AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"}

// New declares the vaults, plan and selection. Pass the stack's regional provider with
// pulumi.Provider; the copy vault uses Args.CopyProvider.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Backup, error) {
	if args.CopyProvider == nil || args.ResourceArns == nil || args.NotificationTopicArn == nil {
		return nil, fmt.Errorf("backup %s: a copy-region provider, the resources to back up and the notification topic are required", name)
	}
	if args.RetentionDays < 1 || args.Schedule == "" {
		return nil, fmt.Errorf("backup %s: a schedule and a retention of at least one day are required (retention %d, schedule %q)",
			name, args.RetentionDays, args.Schedule)
	}
	b := &Backup{}
	if err := ctx.RegisterComponentResource(Type, name, b, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(b)
	inCopyRegion := []pulumi.ResourceOption{parent, pulumi.Provider(args.CopyProvider)}
	n := func(s string) string { return name + "-" + s }
	keyPolicy := iampolicy.New(kmskey.AccountAdmin(args.Scope))

	vault, err := vaultWithKey(ctx, n("backup"), name+"-backup", keyPolicy, args.Scope.Protect, parent)
	if err != nil {
		return nil, err
	}
	copyVault, err := vaultWithKey(ctx, n("backup-copy"), name+"-backup-copy", keyPolicy, args.Scope.Protect, inCopyRegion...)
	if err != nil {
		return nil, err
	}

	b.VaultArn = vault.Arn
	b.CopyVaultArn = copyVault.Arn
	if _, err := backup.NewVaultNotifications(ctx, n("backup"), &backup.VaultNotificationsArgs{
		BackupVaultName:   vault.Name,
		SnsTopicArn:       args.NotificationTopicArn,
		BackupVaultEvents: pulumi.ToStringArray(vaultEvents),
	}, parent); err != nil {
		return nil, err
	}
	if args.Standby {
		b.PlanID = pulumi.String("").ToStringOutput()
		return b, ctx.RegisterResourceOutputs(b, pulumi.Map{"vaultArn": b.VaultArn, "copyVaultArn": b.CopyVaultArn, "planId": b.PlanID})
	}

	lifecycle := &backup.PlanRuleLifecycleArgs{DeleteAfter: pulumi.Int(args.RetentionDays)}
	plan, err := backup.NewPlan(ctx, n("backup"), &backup.PlanArgs{
		Rules: backup.PlanRuleArray{backup.PlanRuleArgs{
			RuleName:         pulumi.String("daily"),
			TargetVaultName:  vault.Name,
			Schedule:         pulumi.String(args.Schedule),
			StartWindow:      pulumi.Int(60),
			CompletionWindow: pulumi.Int(360),
			Lifecycle:        lifecycle,
			CopyActions: backup.PlanRuleCopyActionArray{backup.PlanRuleCopyActionArgs{
				DestinationVaultArn: copyVault.Arn,
				Lifecycle:           &backup.PlanRuleCopyActionLifecycleArgs{DeleteAfter: pulumi.Int(args.RetentionDays)},
			}},
		}},
	}, parent)
	if err != nil {
		return nil, err
	}

	// The trust AWS Backup documents for its service role names the service and nothing else
	// (docs.aws.amazon.com/aws-backup/latest/devguide/iam-service-roles.html); its confused-deputy
	// page asks for source conditions in resource policies, not in this trust.
	trust := iampolicy.New(iampolicy.Allow("Backup", []string{"sts:AssumeRole"}, nil).
		ForService("backup.amazonaws.com"))
	role, err := iam.NewRole(ctx, n("backup"), &iam.RoleArgs{
		Description:      pulumi.String("AWS Backup of " + name),
		AssumeRolePolicy: pulumi.String(trust.JSON()),
	}, parent)
	if err != nil {
		return nil, err
	}
	for _, policy := range servicePolicies {
		if _, err := iam.NewRolePolicyAttachment(ctx, n("backup-"+policy), &iam.RolePolicyAttachmentArgs{
			Role:      role.Name,
			PolicyArn: pulumi.String(args.Scope.ManagedPolicy("service-role/" + policy)),
		}, parent); err != nil {
			return nil, err
		}
	}
	if _, err := backup.NewSelection(ctx, n("backup"), &backup.SelectionArgs{
		PlanId:     plan.ID(),
		IamRoleArn: role.Arn,
		Resources:  args.ResourceArns,
	}, parent); err != nil {
		return nil, err
	}

	b.PlanID = plan.ID().ToStringOutput()
	return b, ctx.RegisterResourceOutputs(b, pulumi.Map{
		"vaultArn":     b.VaultArn,
		"copyVaultArn": b.CopyVaultArn,
		"planId":       b.PlanID,
	})
}

// vaultWithKey declares a backup vault encrypted with a key of its own, in the region of the
// provider in opts.
func vaultWithKey(ctx *pulumi.Context, resourceName, vaultName string, policy iampolicy.Document, protect bool,
	opts ...pulumi.ResourceOption) (*backup.Vault, error) {
	key, err := kmskey.New(ctx, resourceName+"-key", kmskey.Args{
		Description: "backup vault " + vaultName,
		Alias:       vaultName,
		Policy:      policy,
		Protect:     protect,
	}, opts...)
	if err != nil {
		return nil, err
	}
	return backup.NewVault(ctx, resourceName, &backup.VaultArgs{
		Name:      pulumi.String(vaultName),
		KmsKeyArn: key.Arn,
		// AWS refuses to delete a vault that holds recovery points; an unprotected (throwaway)
		// stack deletes them with the vault, a protected one keeps both.
		ForceDestroy: pulumi.Bool(!protect),
	}, append(opts, pulumi.Protect(protect))...)
}
