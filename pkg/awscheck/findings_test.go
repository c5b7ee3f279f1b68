package awscheck_test

import (
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/pkg/awscheck"
)

// requireFindings fails unless the findings' first lines start, in order, with want (one prefix
// per finding, no more, no fewer).
func requireFindings(t *testing.T, fs []awscheck.Finding, want []string) {
	t.Helper()
	var got []string
	for _, f := range fs {
		got = append(got, strings.SplitN(f.String(), "\n", 2)[0])
	}
	if len(got) != len(want) {
		t.Fatalf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i := range got {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("finding %q\nwant prefix %q", got[i], want[i])
		}
	}
}
