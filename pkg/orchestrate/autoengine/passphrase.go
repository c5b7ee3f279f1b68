package autoengine

import (
	"fmt"
	"os"
	"strings"
)

// refuseEmptyPassphrase refuses to create stacks whose secrets would be encrypted with an
// empty passphrase: the passphrase provider (Pulumi's default on a self-managed backend, or
// named) with PULUMI_CONFIG_PASSPHRASE empty or unset and no PULUMI_CONFIG_PASSPHRASE_FILE.
// Pulumi accepts an empty passphrase and derives the key from it, so a CI job whose environment
// lacks the secret would silently create a stack whose secrets anyone can decrypt. Pulumi
// Cloud's default is its own secrets service; awskms:// and the like need no passphrase.
func refuseEmptyPassphrase(backendURL, provider string, env func(string) string, creating []string) error {
	if len(creating) == 0 {
		return nil
	}
	switch {
	case provider == "" && !strings.HasPrefix(backendURL, "file://") && !strings.HasPrefix(backendURL, "s3://") &&
		!strings.HasPrefix(backendURL, "gs://") && !strings.HasPrefix(backendURL, "azblob://"):
		return nil // Pulumi Cloud: the service's secrets provider
	case provider != "" && provider != "passphrase" && provider != "default":
		return nil
	}
	if env("PULUMI_CONFIG_PASSPHRASE") != "" || env("PULUMI_CONFIG_PASSPHRASE_FILE") != "" {
		return nil
	}
	return fmt.Errorf("refusing to create %s on %s with the passphrase secrets provider and an empty passphrase: its secrets would be "+
		"encrypted with a key anyone can derive. Set PULUMI_CONFIG_PASSPHRASE (in CI: the environment's secret), or give "+
		"--secrets-provider awskms://alias/<key>?region=<region> (on the bootstrap's bucket, bootstrap.yaml gives it)",
		strings.Join(creating, ", "), backendURL)
}

// envOf looks a variable up in the engine's environment, then in the process's.
func (e *Engine) envOf(key string) string {
	if v, ok := e.opts.Env[key]; ok {
		return v
	}
	return os.Getenv(key)
}
