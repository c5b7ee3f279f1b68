// Package drift turns the JSON summary of `sovereign refresh --all --preview-only --json` into
// the body of the one GitHub issue that tracks drift (.github/workflows/drift.yml): which
// resources of which stack differ from their state, and which stacks could not be checked.
// It imports no Pulumi SDK.
package drift

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/global-sovereign/global-sovereign/pkg/orchestrate"
)

// Marker starts the body of the drift issue; the workflow finds the issue by it.
const Marker = "<!-- sovereign:drift -->"

// Title is the drift issue's title.
const Title = "Infrastructure drift"

// State is what a drift check found.
type State string

// States.
const (
	Clean      State = "clean"      // every stack refreshed, nothing differs: the issue is closed
	Drifted    State = "drift"      // some resource differs from its state: the issue is open
	Incomplete State = "incomplete" // no drift seen, but some stack could not be refreshed: open
)

// Read parses the JSON summary of a refresh --preview-only run.
func Read(r io.Reader) (*orchestrate.Summary, error) {
	var s orchestrate.Summary
	dec := json.NewDecoder(r)
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("reading the refresh summary: %w", err)
	}
	if s.Op != orchestrate.RefreshPreview {
		return nil, fmt.Errorf("the summary is of %q, want %q (sovereign refresh --preview-only --json)", s.Op, orchestrate.RefreshPreview)
	}
	return &s, nil
}

// Assess says what the run found. A stack with changes but no resource listed (an engine
// that did not report which) still counts as drifted.
func Assess(s *orchestrate.Summary) State {
	failed := false
	for _, r := range s.Stacks {
		if len(r.Drift) > 0 || r.Changes.Changed() > 0 {
			return Drifted
		}
		if !r.Status.OK() {
			failed = true
		}
	}
	if failed || s.Interrupted {
		return Incomplete
	}
	return Clean
}

// Run identifies the check in the issue.
type Run struct {
	At  time.Time // when the check ran
	URL string    // the workflow run, where the logs are
}

// maxBody keeps the issue under GitHub's 65536-character limit.
const maxBody = 60000

// IssueBody renders the issue: a summary line, a table of every stack, the drifted resources
// of each drifted stack, and the stacks that could not be checked. Deterministic for a given
// summary and run.
func IssueBody(s *orchestrate.Summary, run Run) string {
	state := Assess(s)
	var b strings.Builder
	b.WriteString(Marker + "\n")
	drifted, resources := 0, 0
	for _, r := range s.Stacks {
		if n := driftCount(r); n > 0 {
			drifted++
			resources += n
		}
	}
	switch state {
	case Drifted:
		fmt.Fprintf(&b, "## Drift: %d resource(s) in %d stack(s) differ from their Pulumi state\n\n", resources, drifted)
	case Incomplete:
		b.WriteString("## Drift check incomplete: no drift found, but some stacks could not be refreshed\n\n")
	default:
		b.WriteString("## No drift: every stack matches its Pulumi state\n\n")
	}
	fmt.Fprintf(&b, "`sovereign refresh --all --preview-only` compared every stack's state with the cloud on %s", run.At.UTC().Format("2006-01-02 15:04 MST"))
	if run.URL != "" {
		fmt.Fprintf(&b, " ([run](%s))", run.URL)
	}
	b.WriteString(". Nothing was changed.")
	if state == Drifted {
		b.WriteString(" For each resource below, either put the cloud back as the program declares it " +
			"(`sovereign up --stack <stack>`: the program wins) or accept the change (`sovereign refresh --stack <stack>`, " +
			"then change the program to match, or the next `up` reverts it).")
	}
	b.WriteString(" This issue is updated by every check and closed by the first clean one.\n\n")

	b.WriteString("| stack | result | drifted resources |\n|---|---|--:|\n")
	for _, r := range sortedStacks(s) {
		count := "-"
		if r.Status == orchestrate.Succeeded {
			count = fmt.Sprint(driftCount(r))
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", r.Stack, result(r), count)
	}

	body := b.String()
	var sections []string
	for _, r := range sortedStacks(s) {
		if driftCount(r) > 0 {
			sections = append(sections, stackSection(r))
		}
	}
	var failures strings.Builder
	for _, r := range sortedStacks(s) {
		if !r.Status.OK() {
			fmt.Fprintf(&failures, "- `%s` %s: %s\n", r.Stack, r.Status, oneLine(r.Error))
		}
	}
	if failures.Len() > 0 {
		sections = append(sections, "\n### Not checked\n\n"+failures.String())
	}
	for i, sec := range sections {
		if len(body)+len(sec) > maxBody {
			body += fmt.Sprintf("\n... %d more section(s) cut to fit GitHub's issue size; the whole summary is the run's `drift` artifact.\n", len(sections)-i)
			break
		}
		body += sec
	}
	return body
}

func driftCount(r orchestrate.StackReport) int {
	if len(r.Drift) > 0 {
		return len(r.Drift)
	}
	return r.Changes.Changed()
}

func result(r orchestrate.StackReport) string {
	switch {
	case r.Status == orchestrate.New:
		return "not deployed"
	case r.Status != orchestrate.Succeeded:
		return "not checked (" + string(r.Status) + ")"
	case driftCount(r) > 0:
		return "**drifted**"
	}
	return "clean"
}

func stackSection(r orchestrate.StackReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n### `%s`\n\n", r.Stack)
	if len(r.Drift) == 0 {
		c := r.Changes
		fmt.Fprintf(&b, "%d update(s), %d deletion(s); the resources are in the run's logs.\n", c.Update+c.Replace, c.Delete)
		return b.String()
	}
	b.WriteString("| resource | type | found | properties |\n|---|---|---|---|\n")
	drift := append([]orchestrate.Drift(nil), r.Drift...)
	sort.Slice(drift, func(i, j int) bool { return drift[i].URN < drift[j].URN })
	for _, d := range drift {
		found := map[string]string{"update": "changed", "delete": "deleted outside Pulumi"}[d.Op]
		if found == "" {
			found = d.Op
		}
		keys := "-"
		if len(d.Keys) > 0 {
			ks := append([]string(nil), d.Keys...)
			sort.Strings(ks)
			keys = "`" + strings.Join(ks, "`, `") + "`"
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", d.Name, d.Type, found, keys)
	}
	return b.String()
}

func sortedStacks(s *orchestrate.Summary) []orchestrate.StackReport {
	out := append([]orchestrate.StackReport(nil), s.Stacks...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Stack < out[j].Stack })
	return out
}

func oneLine(s string) string {
	s = strings.TrimSpace(strings.SplitN(s, "\n", 2)[0])
	if s == "" {
		return "no reason given; see the run's logs"
	}
	return strings.ReplaceAll(s, "|", "\\|")
}
