package awscheck

import (
	"context"
	"fmt"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
)

// Credentials reports whether the default credentials chain yields credentials, without calling
// any AWS API (an instance role may take the metadata service a moment: bounded by timeout).
func Credentials(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("the AWS config does not load: %w; fix ~/.aws/config or AWS_PROFILE", err)
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return fmt.Errorf("none found: sign in (aws sso login --profile P, then export AWS_PROFILE=P) or export the role's credentials (CI: the OIDC role step)")
	}
	return nil
}
