package bootstrap

import (
	"encoding/json"
	"strings"
	"testing"
)

// An exported deployment as `pulumi stack export` writes it (apitype.UntypedDeployment, version
// 3): the cloud secrets manager's state is the key's URL and the data key it wrapped.
const exported = `{
    "version": 3,
    "deployment": {
        "manifest": {"time": "2026-03-02T10:00:00Z", "magic": "m", "version": "v3.250.0"},
        "secrets_providers": {"type": "cloud", "state": {"url": "awskms://alias/gs-pulumi-secrets?region=eu-west-1", "encryptedkey": "AQICAHh4"}},
        "resources": [{"urn": "urn:pulumi:iad::global-sovereign::pulumi:pulumi:Stack::global-sovereign-iad", "custom": false,
            "outputs": {"password": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:abc"}, "size": 10737418240}}]
    }
}`

// The switch changes the URL's region only: the wrapped data key, the ciphertexts and every
// number stay as they were.
func TestSwitchSecretsProvider(t *testing.T) {
	c := &Config{ReplicaBucket: "gs-pulumi-state-1-eu-central-1", ReplicaRegion: "eu-central-1", SecretsKeyAlias: "gs-pulumi-secrets", Region: "eu-west-1"}
	if c.ReplicaBackendURL() != "s3://gs-pulumi-state-1-eu-central-1?region=eu-central-1&awssdk=v2" ||
		c.ReplicaSecretsProvider() != "awskms://alias/gs-pulumi-secrets?region=eu-central-1" {
		t.Errorf("%s %s", c.ReplicaBackendURL(), c.ReplicaSecretsProvider())
	}
	from := c.SecretsProvider()
	out, err := SwitchSecretsProvider([]byte(exported), from, c.ReplicaSecretsProvider())
	if err != nil {
		t.Fatal(err)
	}
	var got, want map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(strings.Replace(exported, "region=eu-west-1", "region=eu-central-1", 1)), &want); err != nil {
		t.Fatal(err)
	}
	if g, w := mustJSON(got), mustJSON(want); g != w {
		t.Errorf("got  %s\nwant %s", g, w)
	}
	if !strings.Contains(string(out), "10737418240") {
		t.Errorf("a number was rewritten: %s", out)
	}
	// Idempotent; refuses another key and the passphrase.
	if again, err := SwitchSecretsProvider(out, from, c.ReplicaSecretsProvider()); err != nil || string(again) != string(out) {
		t.Errorf("second switch: %v", err)
	}
	if _, err := SwitchSecretsProvider([]byte(strings.Replace(exported, "gs-pulumi-secrets", "other", 1)), from, c.ReplicaSecretsProvider()); err == nil {
		t.Error("switched another key")
	}
	if _, err := SwitchSecretsProvider([]byte(`{"version":3,"deployment":{"secrets_providers":{"type":"passphrase","state":{"salt":"v1:x"}}}}`), from, c.ReplicaSecretsProvider()); err == nil {
		t.Error("switched a passphrase stack")
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
