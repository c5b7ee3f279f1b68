package backup_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/backup"
	"github.com/global-sovereign/global-sovereign/internal/graphtest"
	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
	"github.com/global-sovereign/global-sovereign/pkg/scope"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

const (
	tKey        = "aws:kms/key:Key"
	tAlias      = "aws:kms/alias:Alias"
	tVault      = "aws:backup/vault:Vault"
	tPlan       = "aws:backup/plan:Plan"
	tSelection  = "aws:backup/selection:Selection"
	tRole       = "aws:iam/role:Role"
	tAttachment = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	tNotify     = "aws:backup/vaultNotifications:VaultNotifications"
	alertsTopic = "arn:aws:sns:eu-west-1:111122223333:gs-test-alerts"
)

const clusterArn = "arn:aws:rds:eu-west-1:111122223333:cluster:gs-test-aurora"

// fixture is what the program passes, minus the providers: the copy provider is declared by
// synthBackup in copyRegion unless noCopy.
type fixture struct {
	scope      scope.Scope
	copyRegion string
	noCopy     bool
	resources  pulumi.StringArrayInput
	retention  int
	schedule   string
	standby    bool
}

func valid(s scope.Scope) fixture {
	return fixture{scope: s, copyRegion: "eu-central-1", resources: pulumi.StringArray{pulumi.String(clusterArn)},
		retention: 35, schedule: "cron(0 3 * * ? *)"}
}

func copyProviderName(region string) string { return "aws-" + region + "-backup-copy" }

func synthBackup(f fixture) (*synth.Graph, error) {
	r, err := synth.RunComponent(f.scope.Region, func(ctx *pulumi.Context, p pulumi.ProviderResource) error {
		a := &backup.Args{Scope: f.scope, ResourceArns: f.resources, RetentionDays: f.retention, Schedule: f.schedule, Standby: f.standby,
			NotificationTopicArn: pulumi.String(alertsTopic)}
		if !f.noCopy {
			cp, err := synth.NewAWSProvider(ctx, f.copyRegion, copyProviderName(f.copyRegion))
			if err != nil {
				return err
			}
			a.CopyProvider = cp
		}
		b, err := backup.New(ctx, "gs-test", a, pulumi.Provider(p))
		if err != nil {
			return err
		}
		ctx.Export("vaultArn", b.VaultArn)
		ctx.Export("copyVaultArn", b.CopyVaultArn)
		ctx.Export("planId", b.PlanID)
		return nil
	})
	if r == nil {
		return nil, err
	}
	return r.Graph, err
}

func policyOf(t *testing.T, s string) iampolicy.Document {
	t.Helper()
	var d iampolicy.Document
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestBackup(t *testing.T) {
	tests := []struct {
		name   string
		f      fixture
		root   string   // the key administrator the partition makes of the account
		policy []string // the managed policies the partition makes of the service policies
	}{
		{
			name: "protected, copy to eu-central-1",
			f:    valid(scope.Scope{Partition: "aws", AccountID: "111122223333", Region: "eu-west-1", Protect: true}),
			root: "arn:aws:iam::111122223333:root",
			policy: []string{"arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
				"arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"},
		},
		{
			name: "unprotected, 7 days, two resources",
			f: func() fixture {
				f := valid(scope.Scope{Partition: "aws", AccountID: "111122223333", Region: "us-east-1"})
				f.copyRegion, f.retention, f.schedule = "us-west-2", 7, "cron(0 5 * * ? *)"
				f.resources = pulumi.StringArray{pulumi.String(clusterArn), pulumi.String(clusterArn + "-2")}
				return f
			}(),
			root: "arn:aws:iam::111122223333:root",
			policy: []string{"arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
				"arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"},
		},
		{
			name: "GovCloud",
			f: func() fixture {
				f := valid(scope.Scope{Partition: "aws-us-gov", AccountID: "444455556666", Region: "us-gov-west-1", Protect: true})
				f.copyRegion = "us-gov-east-1"
				return f
			}(),
			root: "arn:aws-us-gov:iam::444455556666:root",
			policy: []string{"arn:aws-us-gov:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
				"arn:aws-us-gov:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.f
			g, err := synthBackup(f)
			if err != nil {
				t.Fatal(err)
			}
			protect := f.scope.Protect
			// The copy vault and its key live in the copy region; everything else in the stack's.
			home, away := synth.ProviderName(f.scope.Region), copyProviderName(f.copyRegion)
			for _, p := range synth.ChildProblems(g, backup.Type, func(r synth.Resource) string {
				if strings.HasPrefix(r.Name, "gs-test-backup-copy") {
					return away
				}
				return home
			}) {
				t.Error(p)
			}
			counts := map[string]int{tKey: 2, tAlias: 2, tVault: 2, tPlan: 1, tSelection: 1, tRole: 1, tAttachment: 2, tNotify: 1}
			for typ, want := range counts {
				if got := len(g.ByType(typ)); got != want {
					t.Errorf("%d %s, want %d", got, typ, want)
				}
			}

			// Each vault is encrypted with its own key, both protected as the scope says, both
			// administered by the account; an unprotected vault is emptied on destroy.
			vaults := map[string]synth.Resource{}
			for _, name := range []string{"gs-test-backup", "gs-test-backup-copy"} {
				v, ok := g.Named(tVault, name)
				key, okKey := g.Named(tKey, name+"-key")
				if !ok || !okKey {
					t.Fatalf("no vault %s with key %s-key", name, name)
				}
				vaults[name] = v
				if v.Inputs["name"] != name || v.Inputs["kmsKeyArn"] != key.State["arn"] ||
					v.Protect != protect || v.Inputs["forceDestroy"] != !protect {
					t.Errorf("vault %s: %v protect %v; key %v", name, v.Inputs, v.Protect, key.State["arn"])
				}
				if key.Protect != protect || key.Provider != v.Provider {
					t.Errorf("key of %s: protect %v provider %s, vault's %s", name, key.Protect, key.Provider, v.Provider)
				}
				if admin := policyOf(t, key.Inputs["policy"].(string)).Statement[0]; admin.Principal["AWS"][0] != tt.root {
					t.Errorf("key of %s administered by %v, want %s", name, admin.Principal, tt.root)
				}
			}

			// One daily rule into the home vault, every recovery point copied to the other
			// region's vault, both kept for the retention.
			plan := g.ByType(tPlan)[0]
			rules := plan.Inputs["rules"].([]any)
			if len(rules) != 1 {
				t.Fatalf("plan rules %v", rules)
			}
			rule := rules[0].(map[string]any)
			copies, _ := rule["copyActions"].([]any)
			if rule["schedule"] != f.schedule || rule["targetVaultName"] != "gs-test-backup" ||
				rule["lifecycle"].(map[string]any)["deleteAfter"] != float64(f.retention) || len(copies) != 1 {
				t.Fatalf("plan rule %v", rule)
			}
			cp := copies[0].(map[string]any)
			if cp["destinationVaultArn"] != vaults["gs-test-backup-copy"].State["arn"] ||
				cp["lifecycle"].(map[string]any)["deleteAfter"] != float64(f.retention) {
				t.Errorf("copy action %v, want the copy vault %v", cp, vaults["gs-test-backup-copy"].State["arn"])
			}
			if !strings.Contains(cp["destinationVaultArn"].(string), ":"+f.copyRegion+":") {
				t.Errorf("copy vault %v is not in %s", cp["destinationVaultArn"], f.copyRegion)
			}

			// The service role: trusted by AWS Backup only, with the partition's managed policies.
			role := g.ByType(tRole)[0]
			trust := policyOf(t, role.Inputs["assumeRolePolicy"].(string))
			if len(trust.Statement) != 1 || trust.Statement[0].Principal["Service"][0] != "backup.amazonaws.com" {
				t.Errorf("role trust %+v", trust)
			}
			var attached []string
			for _, a := range g.ByType(tAttachment) {
				if a.Inputs["role"] != role.ID {
					t.Errorf("%s attaches to %v, want %s", a.Name, a.Inputs["role"], role.ID)
				}
				attached = append(attached, a.Inputs["policyArn"].(string))
			}
			slices.Sort(attached)
			if !slices.Equal(attached, tt.policy) {
				t.Errorf("managed policies %v, want %v", attached, tt.policy)
			}

			// The selection puts the resources into the plan under the role.
			sel := g.ByType(tSelection)[0]
			var want []any
			for _, r := range resourcesOf(f.resources) {
				want = append(want, r)
			}
			if sel.Inputs["planId"] != plan.ID || sel.Inputs["iamRoleArn"] != role.State["arn"] ||
				!slices.Equal(sel.Inputs["resources"].([]any), want) {
				t.Errorf("selection %v, want plan %s, role %v, resources %v", sel.Inputs, plan.ID, role.State["arn"], want)
			}

			if g.Outputs["vaultArn"] != vaults["gs-test-backup"].State["arn"] ||
				g.Outputs["copyVaultArn"] != vaults["gs-test-backup-copy"].State["arn"] || g.Outputs["planId"] != plan.ID {
				t.Errorf("outputs %v", g.Outputs)
			}
		})
	}
}

func resourcesOf(in pulumi.StringArrayInput) []string {
	var out []string
	for _, s := range in.(pulumi.StringArray) {
		out = append(out, string(s.(pulumi.String)))
	}
	return out
}

func TestBackupRejects(t *testing.T) {
	s := scope.Scope{Partition: "aws", AccountID: "111122223333", Region: "eu-west-1", Protect: true}
	tests := []struct {
		name string
		edit func(*fixture)
		want string
	}{
		{"no copy provider", func(f *fixture) { f.noCopy = true }, "copy-region provider"},
		{"nothing to back up", func(f *fixture) { f.resources = nil }, "resources to back up"},
		{"zero retention", func(f *fixture) { f.retention = 0 }, "retention 0"},
		{"negative retention", func(f *fixture) { f.retention = -1 }, "retention -1"},
		{"no schedule", func(f *fixture) { f.schedule = "" }, "schedule"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := valid(s)
			tt.edit(&f)
			g, err := synthBackup(f)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "backup gs-test") {
				t.Fatalf("want an error naming the component and %q, got %v", tt.want, err)
			}
			if n := len(g.ByType(backup.Type)); n != 0 {
				t.Errorf("the component was declared before its Args were checked")
			}
		})
	}
}

// A secondary of the global database keeps its vaults (recovery points from when it wrote) but
// runs no plan: the writer's region backs up the one dataset.
func TestStandbyKeepsVaultsOnly(t *testing.T) {
	f := valid(scope.Scope{Partition: "aws", AccountID: "111122223333", Region: "us-east-1", Protect: true})
	f.standby = true
	g, err := synthBackup(f)
	if err != nil {
		t.Fatal(err)
	}
	for typ, want := range map[string]int{tVault: 2, tPlan: 0, tSelection: 0, tRole: 0, tAttachment: 0, tNotify: 1} {
		if got := len(g.ByType(typ)); got != want {
			t.Errorf("%d %s, want %d", got, typ, want)
		}
	}
	if g.Outputs["vaultArn"] == nil || g.Outputs["copyVaultArn"] == nil {
		t.Errorf("outputs %v", g.Outputs)
	}
}

// Backup jobs that finish (their State says whether they failed) and copy jobs that fail are
// reported on the alerts topic, from the source vault, where copies start.
func TestVaultNotifiesAlerts(t *testing.T) {
	for _, standby := range []bool{false, true} {
		f := valid(scope.Scope{Partition: "aws", AccountID: "111122223333", Region: "eu-west-1", Protect: true})
		f.standby = standby
		g, err := synthBackup(f)
		if err != nil {
			t.Fatal(err)
		}
		n := graphtest.One(t, g, tNotify)
		vault, _ := g.Named(tVault, "gs-test-backup")
		events := fmt.Sprint(n.Inputs["backupVaultEvents"])
		if n.Inputs["backupVaultName"] != vault.State["name"] || n.Inputs["snsTopicArn"] != alertsTopic ||
			events != "[BACKUP_JOB_COMPLETED COPY_JOB_FAILED RESTORE_JOB_COMPLETED]" || n.Provider != vault.Provider {
			t.Errorf("standby %v: notifications %v provider %s, vault %v", standby, n.Inputs, n.Provider, vault.State["name"])
		}
	}
	f := valid(scope.Scope{Partition: "aws", AccountID: "111122223333", Region: "eu-west-1"})
	_, err := synth.RunComponent("eu-west-1", func(ctx *pulumi.Context, p pulumi.ProviderResource) error {
		cp, _ := synth.NewAWSProvider(ctx, "eu-central-1", copyProviderName("eu-central-1"))
		_, err := backup.New(ctx, "gs-test", &backup.Args{Scope: f.scope, ResourceArns: f.resources, RetentionDays: 7,
			Schedule: f.schedule, CopyProvider: cp}, pulumi.Provider(p))
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "notification topic") {
		t.Errorf("no topic: %v", err)
	}
}
