package autoengine

import (
	"strings"
	"testing"
)

func TestRefuseEmptyPassphrase(t *testing.T) {
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }
	none := env(nil)
	for _, c := range []struct {
		name, backend, provider string
		env                     func(string) string
		creating                []string
		refuse                  bool
	}{
		{"s3, default provider, no passphrase", "s3://b?region=eu-west-1", "", none, []string{"iad"}, true},
		{"file, named passphrase, empty", "file:///tmp/s", "passphrase", env(map[string]string{"PULUMI_CONFIG_PASSPHRASE": ""}), []string{"iad"}, true},
		{"s3, passphrase set", "s3://b", "", env(map[string]string{"PULUMI_CONFIG_PASSPHRASE": "x"}), []string{"iad"}, false},
		{"s3, passphrase file", "s3://b", "passphrase", env(map[string]string{"PULUMI_CONFIG_PASSPHRASE_FILE": "/run/p"}), []string{"iad"}, false},
		{"s3, kms", "s3://b", "awskms://alias/gs-pulumi-secrets?region=eu-west-1", none, []string{"iad"}, false},
		{"pulumi cloud default", "https://api.pulumi.com", "", none, []string{"iad"}, false},
		{"pulumi cloud, passphrase named", "https://api.pulumi.com", "passphrase", none, []string{"iad"}, true},
		{"nothing created", "s3://b", "", none, nil, false},
	} {
		err := refuseEmptyPassphrase(c.backend, c.provider, c.env, c.creating)
		if (err != nil) != c.refuse {
			t.Errorf("%s: %v, want refused=%v", c.name, err, c.refuse)
		}
		if err != nil && (!strings.Contains(err.Error(), "iad") || !strings.Contains(err.Error(), "PULUMI_CONFIG_PASSPHRASE")) {
			t.Errorf("%s: the error names neither the stack nor the fix: %v", c.name, err)
		}
	}
}
