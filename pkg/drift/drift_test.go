package drift

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/global-sovereign/global-sovereign/pkg/orchestrate"
)

var update = flag.Bool("update", false, "rewrite testdata/drift/issue.md")

var run = Run{At: time.Date(2026, 3, 2, 5, 23, 0, 0, time.UTC), URL: "https://github.com/acme/global-sovereign/actions/runs/42"}

func readSummary(t *testing.T) *orchestrate.Summary {
	t.Helper()
	f, err := os.Open("../../testdata/drift/summary.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := Read(f)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The issue body of a summary with drift, a clean stack, a stack not deployed and a failure is
// the golden file.
func TestGoldenIssueBody(t *testing.T) {
	got := IssueBody(readSummary(t), run)
	path := "../../testdata/drift/issue.md"
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("issue body differs from %s (go test ./pkg/drift -update after an intended change):\n%s", path, got)
	}
}

// What orchestrate writes with --json, drift included, is what Read takes back.
func TestRoundTripThroughTheSummaryJSON(t *testing.T) {
	in := &orchestrate.Summary{Op: orchestrate.RefreshPreview, Stacks: []orchestrate.StackReport{{
		Stack: "ams", Op: orchestrate.RefreshPreview, Status: orchestrate.Succeeded,
		Changes: orchestrate.Changes{Update: 1},
		Drift:   []orchestrate.Drift{{URN: "urn:x", Type: "aws:ec2/vpc:Vpc", Name: "vpc", Op: "update", Keys: []string{"tags"}}},
	}}}
	var buf bytes.Buffer
	if err := orchestrate.WriteJSON(&buf, in); err != nil {
		t.Fatal(err)
	}
	out, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if d := out.Stacks[0].Drift; len(d) != 1 || d[0].Name != "vpc" || d[0].Keys[0] != "tags" || Assess(out) != Drifted {
		t.Errorf("round trip: %+v", out.Stacks[0])
	}
	if _, err := Read(strings.NewReader(`{"operation": "preview", "stacks": []}`)); err == nil || !strings.Contains(err.Error(), `want "refresh-preview"`) {
		t.Errorf("a preview summary was accepted: %v", err)
	}
}

func TestAssess(t *testing.T) {
	ok := orchestrate.StackReport{Stack: "a", Status: orchestrate.Succeeded}
	drifted := orchestrate.StackReport{Stack: "b", Status: orchestrate.Succeeded, Drift: []orchestrate.Drift{{Name: "x", Op: "update"}}}
	countedOnly := orchestrate.StackReport{Stack: "c", Status: orchestrate.Succeeded, Changes: orchestrate.Changes{Delete: 1}}
	failed := orchestrate.StackReport{Stack: "d", Status: orchestrate.Failed, Error: "AccessDenied"}
	notDeployed := orchestrate.StackReport{Stack: "e", Status: orchestrate.New}
	for _, tc := range []struct {
		name   string
		stacks []orchestrate.StackReport
		interr bool
		want   State
	}{
		{"clean", []orchestrate.StackReport{ok, notDeployed}, false, Clean},
		{"drift", []orchestrate.StackReport{ok, drifted}, false, Drifted},
		{"changes without a list", []orchestrate.StackReport{countedOnly}, false, Drifted},
		{"drift wins over a failure", []orchestrate.StackReport{failed, drifted}, false, Drifted},
		{"failure", []orchestrate.StackReport{ok, failed}, false, Incomplete},
		{"interrupted", []orchestrate.StackReport{ok}, true, Incomplete},
		{"no stacks", nil, false, Clean},
	} {
		s := &orchestrate.Summary{Op: orchestrate.RefreshPreview, Stacks: tc.stacks, Interrupted: tc.interr}
		if got := Assess(s); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestCleanAndIncompleteBodies(t *testing.T) {
	clean := IssueBody(&orchestrate.Summary{Op: orchestrate.RefreshPreview, Stacks: []orchestrate.StackReport{
		{Stack: "ams", Status: orchestrate.Succeeded}}}, run)
	if !strings.HasPrefix(clean, Marker+"\n## No drift") || !strings.Contains(clean, "| `ams` | clean | 0 |") || strings.Contains(clean, "###") {
		t.Errorf("clean body:\n%s", clean)
	}
	incomplete := IssueBody(&orchestrate.Summary{Op: orchestrate.RefreshPreview, Stacks: []orchestrate.StackReport{
		{Stack: "ams", Status: orchestrate.Failed, Error: "a | b\nsecond line"}}}, run)
	if !strings.Contains(incomplete, "## Drift check incomplete") || !strings.Contains(incomplete, "- `ams` failed: a \\| b\n") {
		t.Errorf("incomplete body:\n%s", incomplete)
	}
}

// A fleet with thousands of drifted resources still fits in one issue.
func TestBodyFitsAnIssue(t *testing.T) {
	s := &orchestrate.Summary{Op: orchestrate.RefreshPreview}
	for i := 0; i < 40; i++ {
		r := orchestrate.StackReport{Stack: strings.Repeat("s", 1+i%5) + string(rune('a'+i%26)), Status: orchestrate.Succeeded}
		for j := 0; j < 100; j++ {
			r.Drift = append(r.Drift, orchestrate.Drift{URN: strings.Repeat("u", j+1), Type: "aws:ec2/securityGroup:SecurityGroup",
				Name: "a-rather-long-resource-name-for-the-table", Op: "update", Keys: []string{"tags", "ingress"}})
		}
		s.Stacks = append(s.Stacks, r)
	}
	body := IssueBody(s, run)
	if len(body) > 65536 || !strings.Contains(body, "more section(s) cut to fit") {
		t.Errorf("body of %d bytes, cut marker %v", len(body), strings.Contains(body, "more section(s) cut"))
	}
}
