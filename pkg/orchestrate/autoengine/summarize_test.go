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
	}
	for in, want := range tests {
		if got := summarize(errors.New(in)); got != want {
			t.Errorf("summarize(%q) = %q, want %q", in, got, want)
		}
	}
}
