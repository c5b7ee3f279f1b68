package awscheck

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// Backup checks what AWS Backup needs beyond the program's resources, per stack with backups:
//
//   - Aurora is opted in to AWS Backup in the stack's region (backup:DescribeRegionSettings,
//     ResourceTypeOptInPreference). A plan whose selection names a cluster of a resource type
//     that is not opted in never backs it up (AWS Backup Developer Guide, "Getting started:
//     service opt-in"). The setting is per account and region, shared with whatever else the
//     account backs up, so the program does not own it: a person opts in.
//   - The copy vault's key in the copy region can take the copies: the vault exists
//     (backup:DescribeBackupVault), its key is in the copy region and Enabled (kms:DescribeKey),
//     and its policy lets the account's IAM policies grant its use (kms:GetKeyPolicy: the
//     account root with kms:*), since the AWS Backup role reaches the key through its IAM policy.
//     A disabled or pending-deletion key fails every copy job, reported only as COPY_JOB_FAILED.
//
// A stack not deployed yet (no vault) is skipped for the key.
var Backup = Check{Name: "backup", Run: backupCheck}

func backupCheck(ctx context.Context, env Env, fleet *config.Fleet, names []string) ([]Finding, error) {
	optIn := map[string]map[string]bool{} // region -> resource type -> opted in
	var out []Finding
	for _, n := range names {
		s := fleet.Stack(n)
		if s == nil || s.Backup == nil || s.Database == nil {
			continue
		}
		region := s.Settings.AWSRegion
		if optIn[region] == nil {
			var resp struct {
				ResourceTypeOptInPreference map[string]bool `json:"ResourceTypeOptInPreference"`
			}
			if err := RESTGet(ctx, env, region, "backup", "/account-settings", &resp); err != nil {
				return nil, fmt.Errorf("backup:DescribeRegionSettings in %s: %w", region, err)
			}
			optIn[region] = resp.ResourceTypeOptInPreference
			if optIn[region] == nil {
				optIn[region] = map[string]bool{}
			}
		}
		if !optIn[region]["Aurora"] {
			out = append(out, Finding{Severity: Problem, Stacks: []string{s.Name},
				Message: fmt.Sprintf("AWS Backup in %s is not opted in to Aurora: the plan would never back the cluster up", region),
				Fix:     fmt.Sprintf("aws backup update-region-settings --region %s --resource-type-opt-in-preference Aurora=true", region)})
		}
		f, err := copyKey(ctx, env, s)
		if err != nil {
			return nil, err
		}
		out = append(out, f...)
	}
	return out, nil
}

// copyKey checks the key of the stack's copy vault.
func copyKey(ctx context.Context, env Env, s *config.Stack) ([]Finding, error) {
	region, vault := s.Backup.CopyRegion, s.Settings.NamePrefix+"-backup-copy"
	var v struct {
		EncryptionKeyArn string `json:"EncryptionKeyArn"`
	}
	err := RESTGet(ctx, env, region, "backup", "/backup-vaults/"+url.PathEscape(vault), &v)
	var apiErr *APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.Code == "ResourceNotFoundException":
		return nil, nil // not deployed yet
	case err != nil:
		return nil, fmt.Errorf("backup:DescribeBackupVault %s in %s: %w", vault, region, err)
	}
	problem := func(msg, fix string) []Finding {
		return []Finding{{Severity: Problem, Stacks: []string{s.Name}, Message: fmt.Sprintf("copy vault %s in %s: %s", vault, region, msg), Fix: fix}}
	}
	if parts := strings.Split(v.EncryptionKeyArn, ":"); len(parts) < 6 || parts[3] != region {
		return problem(fmt.Sprintf("key %q is not a key of %s", v.EncryptionKeyArn, region),
			"recreate the copy vault with a key of its own region (sovereign up declares one)"), nil
	}
	var key struct {
		KeyMetadata struct {
			KeyState   string `json:"KeyState"`
			KeyManager string `json:"KeyManager"`
		} `json:"KeyMetadata"`
	}
	if err := JSON(ctx, env, region, "kms", "TrentService.DescribeKey", map[string]string{"KeyId": v.EncryptionKeyArn}, &key); err != nil {
		return nil, fmt.Errorf("kms:DescribeKey %s: %w", v.EncryptionKeyArn, err)
	}
	if st := key.KeyMetadata.KeyState; st != "Enabled" {
		return problem(fmt.Sprintf("key %s is %s: every copy job fails", v.EncryptionKeyArn, st),
			fmt.Sprintf("aws kms enable-key --key-id %s --region %s (or cancel-key-deletion first)", v.EncryptionKeyArn, region)), nil
	}
	var policy struct {
		Policy string `json:"Policy"`
	}
	if err := JSON(ctx, env, region, "kms", "TrentService.GetKeyPolicy", map[string]string{"KeyId": v.EncryptionKeyArn, "PolicyName": "default"}, &policy); err != nil {
		return nil, fmt.Errorf("kms:GetKeyPolicy %s: %w", v.EncryptionKeyArn, err)
	}
	if !delegatesToAccount(policy.Policy) {
		return problem(fmt.Sprintf("the policy of key %s does not let the account's IAM policies use it: the AWS Backup role cannot encrypt the copies", v.EncryptionKeyArn),
			"restore the key policy the program declares (sovereign up), whose AccountAdmin statement gives the account root kms:*"), nil
	}
	return nil, nil
}

// delegatesToAccount says whether a key policy allows an account root kms:* (the statement that
// lets IAM policies grant the key's use).
func delegatesToAccount(doc string) bool {
	var p struct {
		Statement []struct {
			Effect    string
			Principal struct{ AWS any }
			Action    any
		}
	}
	if err := jsonUnmarshal(doc, &p); err != nil {
		return false
	}
	list := func(v any) []string {
		switch x := v.(type) {
		case string:
			return []string{x}
		case []any:
			var out []string
			for _, e := range x {
				if s, ok := e.(string); ok {
					out = append(out, s)
				}
			}
			return out
		}
		return nil
	}
	for _, st := range p.Statement {
		if st.Effect != "Allow" || !slices.ContainsFunc(list(st.Principal.AWS), func(a string) bool { return strings.HasSuffix(a, ":root") }) {
			continue
		}
		if slices.Contains(list(st.Action), "kms:*") {
			return true
		}
	}
	return false
}
