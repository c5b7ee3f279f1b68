// Package kmskey declares a customer-managed KMS key with rotation and an alias. Components use
// it for the keys they own (log encryption, SNS), so every key gets the same safe defaults.
package kmskey

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
	"github.com/global-sovereign/global-sovereign/pkg/scope"
)

// Args describes a key. Policy must keep the AccountAdmin statement or the key becomes
// unmanageable.
type Args struct {
	Description string
	Alias       string // without the alias/ prefix
	Policy      iampolicy.Document
	Protect     bool
	// MultiRegion makes a multi-Region primary key, whose replicas (kms.ReplicaKey) in other
	// regions share its key material and id: what it encrypted they decrypt, so a region's
	// loss does not take the data with it. AWS fixes it at creation (a change replaces the key).
	MultiRegion bool
}

// AccountAdmin is the statement every key policy starts with: the account root administers the
// key, which delegates its use to IAM policies. Without it the key becomes unmanageable.
func AccountAdmin(s scope.Scope) iampolicy.Statement {
	return iampolicy.Allow("AccountAdmin", []string{"kms:*"}, []string{"*"}).
		ForAWS(s.AccountRoot(s.AccountID))
}

// CloudWatchLogs lets CloudWatch Logs of one region use the key for this account's log groups.
func CloudWatchLogs(s scope.Scope) iampolicy.Statement {
	return iampolicy.Allow("CloudWatchLogs",
		[]string{"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"}, []string{"*"}).
		ForService(fmt.Sprintf("logs.%s.amazonaws.com", s.Region)).
		When("ArnLike", "kms:EncryptionContext:aws:logs:arn", s.ARN("logs", "log-group:*"))
}

// DeletionWindowDays is the longest window AWS allows: a key deleted by mistake can be
// recovered for 30 days.
const DeletionWindowDays = 30

// New declares the key and its alias with the given options (parent, provider).
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*kms.Key, error) {
	key, _, err := NewWithAlias(ctx, name, args, opts...)
	return key, err
}

// NewWithAlias is New, returning the alias too (for what must be ordered after it).
func NewWithAlias(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*kms.Key, *kms.Alias, error) {
	if err := args.check(); err != nil {
		return nil, nil, fmt.Errorf("kms key %s: %w", name, err)
	}
	keyOpts := append([]pulumi.ResourceOption{pulumi.Protect(args.Protect)}, opts...)
	var multiRegion pulumi.BoolPtrInput
	if args.MultiRegion {
		multiRegion = pulumi.Bool(true)
	}
	key, err := kms.NewKey(ctx, name, &kms.KeyArgs{
		MultiRegion:          multiRegion,
		Description:          pulumi.String(args.Description),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(DeletionWindowDays),
		Policy:               pulumi.String(args.Policy.JSON()),
	}, keyOpts...)
	if err != nil {
		return nil, nil, err
	}
	// An alias name is unique per region: delete the old one before creating a replacement.
	aliasOpts := append([]pulumi.ResourceOption{pulumi.DeleteBeforeReplace(true)}, opts...)
	alias, err := kms.NewAlias(ctx, name+"-alias", &kms.AliasArgs{
		Name:        pulumi.String("alias/" + args.Alias),
		TargetKeyId: key.KeyId,
	}, aliasOpts...)
	if err != nil {
		return nil, nil, err
	}
	return key, alias, nil
}

// check refuses a key no one could manage or find: without the AccountAdmin statement (kms:*
// for an account root), or without an alias.
func (a Args) check() error {
	switch {
	case a.Alias == "":
		return fmt.Errorf("an alias is required")
	case strings.HasPrefix(a.Alias, "alias/"):
		return fmt.Errorf("alias %q: give it without the alias/ prefix", a.Alias)
	}
	for _, s := range a.Policy.Statement {
		if s.Effect == "Allow" && slices.Contains(s.Action, "kms:*") &&
			slices.ContainsFunc(s.Principal["AWS"], func(p string) bool { return strings.HasSuffix(p, ":root") }) {
			return nil
		}
	}
	return fmt.Errorf("the key policy lacks the AccountAdmin statement (kmskey.AccountAdmin): the key would be unmanageable")
}
