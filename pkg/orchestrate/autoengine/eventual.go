package autoengine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/global-sovereign/global-sovereign/pkg/orchestrate"
)

// KMS is eventually consistent: an alias created a moment ago may not resolve yet in a call that
// follows (AWS KMS Developer Guide, "Eventual consistency": changes to keys and aliases take up
// to a few minutes to be visible everywhere). The bootstrap's first use of the new secrets key,
// by alias, is the change of the local stack's secrets provider right after the up that created
// it: it is retried while KMS answers NotFound, with a bound.
const (
	kmsAttempts   = 8
	kmsFirstDelay = 2 * time.Second
	kmsMaxDelay   = 30 * time.Second
)

// kmsNotYetVisible reports whether a CLI error is KMS not finding a key or alias. The error
// comes from a subprocess (the Pulumi CLI), so its text is all there is to go on.
func kmsNotYetVisible(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "NotFoundException") && (strings.Contains(msg, "KMS") || strings.Contains(msg, "kms") ||
		strings.Contains(msg, "alias/"))
}

// retryBounded runs f until it succeeds, fails with an error transient does not accept, or
// attempts are spent, waiting first, 2*first, ... (at most max) between attempts.
func retryBounded(ctx context.Context, attempts int, first, max time.Duration, transient func(error) bool, f func() error) error {
	delay := first
	var err error
	for i := 1; i <= attempts; i++ {
		if err = f(); err == nil || !transient(err) {
			return err
		}
		if i == attempts {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, max)
	}
	return fmt.Errorf("still failing after %d attempts: %w", attempts, err)
}

// requireNoChange is the check after the state moved into the bucket: a preview there must show
// nothing to change. A change means the moved state is not the state of what exists (a lost
// resource, an output that differs), and the first up from the bucket would act on it.
func requireNoChange(target string, c orchestrate.Changes) error {
	if n := c.Changed(); n > 0 {
		return fmt.Errorf("the preview of the stack moved into %s shows %d change(s) (create %d, update %d, replace %d, delete %d), "+
			"where the move must change nothing: inspect it with `pulumi preview --diff` on that backend before running bootstrap again",
			target, n, c.Create, c.Update, c.Replace, c.Delete)
	}
	return nil
}
