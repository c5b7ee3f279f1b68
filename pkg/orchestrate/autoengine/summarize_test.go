package autoengine

import (
	"errors"
	"testing"
)

func TestSummarize(t *testing.T) {
	tests := map[string]string{
		"failed to run update: exit status 255\ncode: 255\nstdout:\nUpdating (broken):\n\nstderr:\n" +
			"error: an unhandled error occurred: 1 error occurred:\n    \t* stack broken is configured to fail\n\nerror: update failed\n": "stack broken is configured to fail",
		"failed to run preview\nstderr: error: update failed\nerror: creating EC2 VPC: UnauthorizedOperation: not allowed\n": "creating EC2 VPC: UnauthorizedOperation: not allowed",
		"stack not found: organization/x/y\nmore": "stack not found: organization/x/y",
		// The SDK labels the CLI's stderr on the same line as its first line.
		"failed to run update: exit status 255\ncode: 255\nstdout: \nstderr: error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n": "the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.",
	}
	for in, want := range tests {
		if got := summarize(errors.New(in)); got != want {
			t.Errorf("summarize(%q) = %q, want %q", in, got, want)
		}
	}
}
