package kmskey_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/kmskey"
	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
	"github.com/global-sovereign/global-sovereign/pkg/scope"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

const (
	tKey   = "aws:kms/key:Key"
	tAlias = "aws:kms/alias:Alias"
	tBox   = "test:index:Box" // stands for the component that owns the key
)

// synthKey declares one key inside a component, as every caller does, and returns the graph.
func synthKey(region string, a kmskey.Args) (*synth.Graph, error) {
	r, err := synth.RunComponent(region, func(ctx *pulumi.Context, p pulumi.ProviderResource) error {
		var box pulumi.ResourceState
		if err := ctx.RegisterComponentResource(tBox, "owner", &box); err != nil {
			return err
		}
		key, err := kmskey.New(ctx, "gs-test-key", a, pulumi.Parent(&box), pulumi.Provider(p))
		if err != nil {
			return err
		}
		ctx.Export("keyArn", key.Arn)
		return nil
	})
	if r == nil {
		return nil, err
	}
	return r.Graph, err
}

var (
	commercial = scope.Scope{Partition: "aws", AccountID: "111122223333", Region: "eu-west-1", Protect: true}
	govCloud   = scope.Scope{Partition: "aws-us-gov", AccountID: "444455556666", Region: "us-gov-west-1", Protect: true}
)

func TestKey(t *testing.T) {
	tests := []struct {
		name    string
		scope   scope.Scope
		args    kmskey.Args
		protect bool
	}{
		{"protected, account admin only", commercial,
			kmskey.Args{Description: "d", Alias: "gs-test-aurora", Protect: true, Policy: iampolicy.New(kmskey.AccountAdmin(commercial))}, true},
		{"unprotected, with CloudWatch Logs", commercial,
			kmskey.Args{Description: "d", Alias: "gs-test-cache", Policy: iampolicy.New(kmskey.AccountAdmin(commercial), kmskey.CloudWatchLogs(commercial))}, false},
		{"GovCloud", govCloud,
			kmskey.Args{Description: "d", Alias: "gs-test-eks", Protect: true, Policy: iampolicy.New(kmskey.AccountAdmin(govCloud), kmskey.CloudWatchLogs(govCloud))}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := synthKey(tt.scope.Region, tt.args)
			if err != nil {
				t.Fatal(err)
			}
			// Both resources take the caller's options: its parent and its regional provider.
			provider := synth.ProviderName(tt.scope.Region)
			for _, p := range synth.ChildProblems(g, tBox, func(synth.Resource) string { return provider }) {
				t.Error(p)
			}
			if len(g.ByType(tKey)) != 1 || len(g.ByType(tAlias)) != 1 {
				t.Fatalf("%d keys, %d aliases", len(g.ByType(tKey)), len(g.ByType(tAlias)))
			}
			key, alias := g.ByType(tKey)[0], g.ByType(tAlias)[0]
			if key.Protect != tt.protect || key.Inputs["enableKeyRotation"] != true ||
				key.Inputs["deletionWindowInDays"] != float64(kmskey.DeletionWindowDays) || key.Inputs["description"] != tt.args.Description {
				t.Errorf("key protect %v inputs %v", key.Protect, key.Inputs)
			}
			if key.Inputs["policy"] != tt.args.Policy.JSON() {
				t.Errorf("key policy %v, want %s", key.Inputs["policy"], tt.args.Policy.JSON())
			}
			// The alias points at the key; a replacement alias must free its name first.
			if alias.Inputs["name"] != "alias/"+tt.args.Alias || alias.Inputs["targetKeyId"] != key.State["keyId"] || !alias.DeleteBeforeReplace {
				t.Errorf("alias %v deleteBeforeReplace %v", alias.Inputs, alias.DeleteBeforeReplace)
			}
			if g.Outputs["keyArn"] != key.State["arn"] {
				t.Errorf("returned key arn %v, want %v", g.Outputs["keyArn"], key.State["arn"])
			}
		})
	}
}

// The statements every key policy is built from name principals and ARNs of the scope's
// partition, account and region.
func TestStatementsFollowTheScope(t *testing.T) {
	tests := []struct {
		scope           scope.Scope
		root, logs, arn string
	}{
		{commercial, "arn:aws:iam::111122223333:root", "logs.eu-west-1.amazonaws.com", "arn:aws:logs:eu-west-1:111122223333:log-group:*"},
		{govCloud, "arn:aws-us-gov:iam::444455556666:root", "logs.us-gov-west-1.amazonaws.com", "arn:aws-us-gov:logs:us-gov-west-1:444455556666:log-group:*"},
	}
	for _, tt := range tests {
		t.Run(tt.scope.Partition, func(t *testing.T) {
			admin := kmskey.AccountAdmin(tt.scope)
			if admin.Effect != "Allow" || admin.Principal["AWS"][0] != tt.root || strings.Join(admin.Action, ",") != "kms:*" {
				t.Errorf("account admin %+v", admin)
			}
			logs := kmskey.CloudWatchLogs(tt.scope)
			if logs.Principal["Service"][0] != tt.logs || logs.Condition["ArnLike"]["kms:EncryptionContext:aws:logs:arn"] != tt.arn {
				t.Errorf("CloudWatch Logs %+v", logs)
			}
			// Round trip through JSON as the key sees it.
			var d iampolicy.Document
			if err := json.Unmarshal([]byte(iampolicy.New(admin, logs).JSON()), &d); err != nil || len(d.Statement) != 2 {
				t.Errorf("policy does not round-trip: %v %+v", err, d)
			}
		})
	}
}

func TestKeyRejects(t *testing.T) {
	valid := func() kmskey.Args {
		return kmskey.Args{Description: "d", Alias: "gs-test", Policy: iampolicy.New(kmskey.AccountAdmin(commercial))}
	}
	tests := []struct {
		name string
		edit func(*kmskey.Args)
		want string
	}{
		{"no alias", func(a *kmskey.Args) { a.Alias = "" }, "an alias is required"},
		{"alias with its prefix", func(a *kmskey.Args) { a.Alias = "alias/gs-test" }, "without the alias/ prefix"},
		{"no account admin", func(a *kmskey.Args) { a.Policy = iampolicy.New(kmskey.CloudWatchLogs(commercial)) }, "AccountAdmin"},
		{"kms:* for a role, not the account", func(a *kmskey.Args) {
			a.Policy = iampolicy.New(iampolicy.Allow("AccountAdmin", []string{"kms:*"}, []string{"*"}).
				ForAWS("arn:aws:iam::111122223333:role/admin"))
		}, "AccountAdmin"},
		{"account root may only decrypt", func(a *kmskey.Args) {
			st := kmskey.AccountAdmin(commercial)
			st.Action = []string{"kms:Decrypt"}
			a.Policy = iampolicy.New(st)
		}, "AccountAdmin"},
		{"account root denied", func(a *kmskey.Args) {
			st := kmskey.AccountAdmin(commercial)
			st.Effect = "Deny"
			a.Policy = iampolicy.New(st)
		}, "AccountAdmin"},
		{"empty policy", func(a *kmskey.Args) { a.Policy = iampolicy.Document{} }, "AccountAdmin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := valid()
			tt.edit(&a)
			g, err := synthKey("eu-west-1", a)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "gs-test-key") {
				t.Fatalf("want an error naming the key and %q, got %v", tt.want, err)
			}
			if g != nil && len(g.ByType(tKey)) != 0 {
				t.Errorf("a key was declared before the check")
			}
		})
	}
}
