package autoengine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/global-sovereign/global-sovereign/pkg/orchestrate"
)

func TestRetryBounded(t *testing.T) {
	notYet := errors.New("NotFoundException: Alias arn:aws:kms:eu-west-1:1:alias/gs-pulumi-secrets is not found")
	calls := 0
	err := retryBounded(context.Background(), 5, time.Millisecond, 4*time.Millisecond, kmsNotYetVisible, func() error {
		if calls++; calls < 3 {
			return notYet
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Errorf("visible on the third attempt: %v after %d calls", err, calls)
	}
	calls = 0
	err = retryBounded(context.Background(), 4, time.Millisecond, 2*time.Millisecond, kmsNotYetVisible, func() error { calls++; return notYet })
	if calls != 4 || err == nil || !strings.Contains(err.Error(), "after 4 attempts") || !errors.Is(err, notYet) {
		t.Errorf("bounded: %d calls, %v", calls, err)
	}
	calls = 0
	other := errors.New("AccessDeniedException: not authorized to perform kms:Encrypt")
	if err := retryBounded(context.Background(), 4, time.Millisecond, time.Millisecond, kmsNotYetVisible, func() error { calls++; return other }); err != other || calls != 1 {
		t.Errorf("a lasting error is retried: %d calls, %v", calls, err)
	}
}

func TestRequireNoChange(t *testing.T) {
	if err := requireNoChange("s3://b", orchestrate.Changes{Same: 30}); err != nil {
		t.Error(err)
	}
	err := requireNoChange("s3://b", orchestrate.Changes{Same: 29, Update: 1})
	if err == nil || !strings.Contains(err.Error(), "1 change(s)") || !strings.Contains(err.Error(), "s3://b") {
		t.Errorf("a change after the move: %v", err)
	}
}
