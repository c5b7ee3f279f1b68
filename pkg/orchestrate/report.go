package orchestrate

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteTable prints the summary as a table, then the reason of every stack that did not
// succeed.
func WriteTable(w io.Writer, s *Summary) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STACK\tOPERATION\tRESULT\tCREATE\tUPDATE\tREPLACE\tDELETE\tSAME\tDURATION")
	for _, r := range s.Stacks {
		c := r.Changes
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", r.Stack, r.Op, r.Status,
			c.Create, c.Update, c.Replace, c.Delete, c.Same, roundDuration(r.Duration))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range s.Stacks {
		if r.Status != Succeeded {
			fmt.Fprintf(w, "%s: %s\n", r.Stack, r.Error)
			if r.LogFile != "" {
				fmt.Fprintf(w, "  log: %s\n", r.LogFile)
			}
		}
	}
	_, err := fmt.Fprintf(w, "%s of %d stack(s) in %s: %s\n", s.Op, len(s.Stacks), roundDuration(s.Duration), tally(s))
	return err
}

// WriteJSON writes the summary for machines.
func WriteJSON(w io.Writer, s *Summary) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

// maxCommentBytes keeps a pull-request comment under GitHub's 65536-character limit.
const maxCommentBytes = 60000

// WriteMarkdown writes the summary as a pull-request comment: a table of every stack and, per
// stack, the engine's diff in a collapsible section. The marker comment lets a workflow find and
// update its previous comment instead of adding a new one.
func WriteMarkdown(w io.Writer, s *Summary) error {
	var b strings.Builder
	b.WriteString("<!-- sovereign:" + string(s.Op) + " -->\n")
	changed := 0
	for _, r := range s.Stacks {
		if r.Changes.Changed() > 0 {
			changed++
		}
	}
	icon := "✅"
	if !s.OK() {
		icon = "❌"
	}
	fmt.Fprintf(&b, "### %s `sovereign %s`: %d stack(s), %d with changes, %s\n\n", icon, s.Op, len(s.Stacks), changed, tally(s))
	b.WriteString("| stack | result | create | update | replace | delete | same | duration |\n")
	b.WriteString("|---|---|--:|--:|--:|--:|--:|--:|\n")
	for _, r := range s.Stacks {
		c := r.Changes
		fmt.Fprintf(&b, "| `%s` | %s | %d | %d | %d | %d | %d | %s |\n", r.Stack, r.Status, c.Create, c.Update, c.Replace, c.Delete, c.Same, roundDuration(r.Duration))
	}
	budget := maxCommentBytes - b.Len()
	perStack := budget
	if n := len(s.Stacks); n > 0 {
		perStack = budget/n - 200
	}
	for _, r := range s.Stacks {
		c := r.Changes
		fmt.Fprintf(&b, "\n<details><summary><code>%s</code> %s: +%d ~%d ±%d -%d</summary>\n\n", r.Stack, r.Status, c.Create, c.Update, c.Replace, c.Delete)
		if r.Error != "" {
			fmt.Fprintf(&b, "> %s\n\n", r.Error)
		}
		out := strings.TrimSpace(r.Output)
		if out == "" {
			out = "(no output)"
		}
		if len(out) > perStack && perStack > 0 {
			out = out[:perStack] + "\n... (truncated; the full log is in the workflow's artifacts)"
		}
		// A fence inside the output would end the code block early.
		out = strings.ReplaceAll(out, "```", "`\u200b``")
		fmt.Fprintf(&b, "```\n%s\n```\n</details>\n", out)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func tally(s *Summary) string {
	var parts []string
	for _, st := range []Status{Succeeded, New, Waiting, Failed, Skipped, Interrupted, Cancelled} {
		if n := s.Count(st); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	return strings.Join(parts, ", ")
}

func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Minute:
		return d.Round(time.Second)
	case d >= time.Second:
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}
