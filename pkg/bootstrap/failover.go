package bootstrap

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// After the loss of the state bucket's region, the stacks move to the replica: the backend is
// the replica bucket, and each stack's secrets provider names the secrets key's replica. The
// secrets key is multi-Region, so the data key each stack's state holds (wrapped by the primary)
// is unwrapped by the replica as it is: only the URL in the state changes, no secret is
// re-encrypted, and nothing needs the lost region (docs/operations/recover-state-backend.md).

// ReplicaBackendURL is the backend URL of the replica bucket.
func (c *Config) ReplicaBackendURL() string {
	return fmt.Sprintf("s3://%s?region=%s&awssdk=v2", c.ReplicaBucket, c.ReplicaRegion)
}

// ReplicaSecretsProvider is the secrets provider URL through the key's replica.
func (c *Config) ReplicaSecretsProvider() string {
	return fmt.Sprintf("awskms://alias/%s?region=%s", c.SecretsKeyAlias, c.ReplicaRegion)
}

// SwitchSecretsProvider rewrites an exported deployment (`pulumi stack export`) so that its
// secrets manager's URL is to instead of from, keeping the wrapped data key and everything else
// as it was. It refuses a deployment whose secrets provider is neither (another key, or the
// passphrase): switching that one is not a region change.
func SwitchSecretsProvider(exported []byte, from, to string) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(exported))
	dec.UseNumber() // keep every number as written
	var top map[string]any
	if err := dec.Decode(&top); err != nil {
		return nil, fmt.Errorf("the exported deployment: %w", err)
	}
	dep, _ := top["deployment"].(map[string]any)
	sp, _ := dep["secrets_providers"].(map[string]any)
	state, _ := sp["state"].(map[string]any)
	url, _ := state["url"].(string)
	switch {
	case sp == nil:
		return nil, fmt.Errorf("the deployment has no secrets provider: nothing to switch")
	case sp["type"] != "cloud":
		return nil, fmt.Errorf("the deployment's secrets provider is %v, not a KMS key: switching regions does not apply", sp["type"])
	case url == to:
		return exported, nil // already switched
	case url != from:
		return nil, fmt.Errorf("the deployment's secrets provider is %s, not %s: it is not the bootstrap's key", url, from)
	}
	state["url"] = to
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "    ")
	if err := enc.Encode(top); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
