package cost

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// Threshold is when a pull request's cost change is called out: a stack whose monthly estimate
// moves by at least USD dollars or Percent per cent (either; zero disables that test).
type Threshold struct {
	USD     float64
	Percent float64
}

func (t Threshold) exceeded(before, after float64) bool {
	d := math.Abs(after - before)
	if t.USD > 0 && d >= t.USD {
		return true
	}
	if t.Percent > 0 {
		if before == 0 {
			return d > 0
		}
		return 100*d/before >= t.Percent
	}
	return false
}

// WriteDiff writes the pull request comment's cost section: per stack the monthly estimate
// before (base graphs) and after (head graphs) and the difference, the stacks over the
// threshold called out, the totals per environment, and what changed per component in the
// stacks that changed. Base and head are priced with the same table and usage.
func WriteDiff(w io.Writer, base, head *Fleet, th Threshold, title string) {
	b, h := byStack(base), byStack(head)
	names := map[string]bool{}
	for n := range b {
		names[n] = true
	}
	for n := range h {
		names[n] = true
	}
	fmt.Fprintf(w, "### Monthly cost estimate: %s\n\n", title)
	fmt.Fprintf(w, "From the synthesized graphs (`sovereign cost`, no cloud access), list prices of %s", head.Prices.Date)
	if head.Prices.Fetched < head.Prices.Count {
		fmt.Fprintf(w, " (transcribed, %d of %d unconfirmed)", head.Prices.Unconfirmed, head.Prices.Count)
	}
	fmt.Fprintf(w, ". Called out: a change of %s.\n\n", th.describe())
	var over []string
	envBefore, envAfter := map[string]float64{}, map[string]float64{}
	fmt.Fprintln(w, "| stack | environment | before | after | change | |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---|")
	for _, n := range sortedKeys(names) {
		var before, after float64
		env := ""
		if e := b[n]; e != nil {
			before, env = e.MonthlyUSD, e.Environment
		}
		if e := h[n]; e != nil {
			after, env = e.MonthlyUSD, e.Environment
		}
		envBefore[env] += before
		envAfter[env] += after
		note := ""
		switch {
		case b[n] == nil:
			note = "new stack"
		case h[n] == nil:
			note = "removed"
		}
		if th.exceeded(before, after) {
			over = append(over, n)
			note = strings.TrimPrefix(note+"; **over threshold**", "; ")
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", n, env, usd(before), usd(after), change(before, after), note)
	}
	for _, env := range sortedKeys(envAfter) {
		fmt.Fprintf(w, "| **%s total** | | **%s** | **%s** | **%s** | |\n", env, usd(cents(envBefore[env])), usd(cents(envAfter[env])), change(envBefore[env], envAfter[env]))
	}
	fmt.Fprintln(w)
	if len(over) > 0 {
		fmt.Fprintf(w, "> [!WARNING]\n> %d stack(s) change by %s: %s.\n\n", len(over), th.describe(), strings.Join(over, ", "))
	} else {
		fmt.Fprintln(w, "No stack's estimate changes beyond the threshold.")
		fmt.Fprintln(w)
	}
	unknown := map[string]bool{}
	for _, e := range head.Estimates {
		for t := range e.Unclassified {
			unknown[t] = true
		}
	}
	if len(unknown) > 0 {
		fmt.Fprintf(w, "> [!CAUTION]\n> Resource types without a pricing rule, not in the estimates (add them to pkg/cost/rules.go): %s.\n\n",
			strings.Join(sortedKeys(unknown), ", "))
	}
	var changed []string
	for _, n := range sortedKeys(names) {
		if componentDelta(b[n], h[n]) != nil {
			changed = append(changed, n)
		}
	}
	if len(changed) == 0 {
		return
	}
	fmt.Fprintln(w, "<details><summary>What changed, per stack and component</summary>")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| stack | component | before | after | change |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|")
	for _, n := range changed {
		d := componentDelta(b[n], h[n])
		for _, c := range sortedKeys(d) {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", n, c, usd(d[c][0]), usd(d[c][1]), change(d[c][0], d[c][1]))
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "</details>")
}

func (t Threshold) describe() string {
	var parts []string
	if t.USD > 0 {
		parts = append(parts, fmt.Sprintf("%s a month", usd(t.USD)))
	}
	if t.Percent > 0 {
		parts = append(parts, fmt.Sprintf("%g%%", t.Percent))
	}
	if len(parts) == 0 {
		return "any amount (no threshold)"
	}
	return "at least " + strings.Join(parts, " or ")
}

func change(before, after float64) string {
	d := cents(after - before)
	if d == 0 {
		return "0"
	}
	s := usd(d)
	if d > 0 {
		s = "+" + s
	}
	if before != 0 {
		s += fmt.Sprintf(" (%+.1f%%)", 100*d/before)
	}
	return s
}

func byStack(f *Fleet) map[string]*Estimate {
	out := map[string]*Estimate{}
	if f != nil {
		for _, e := range f.Estimates {
			out[e.Stack] = e
		}
	}
	return out
}

// componentDelta is {component: [before, after]} for the components whose cost differs, or nil.
func componentDelta(b, h *Estimate) map[string][2]float64 {
	sum := func(e *Estimate) map[string]float64 {
		m := map[string]float64{}
		if e != nil {
			for _, l := range e.Lines {
				m[l.Component] += l.MonthlyUSD
			}
		}
		return m
	}
	bs, hs := sum(b), sum(h)
	out := map[string][2]float64{}
	for c := range bs {
		out[c] = [2]float64{cents(bs[c]), cents(hs[c])}
	}
	for c := range hs {
		out[c] = [2]float64{cents(bs[c]), cents(hs[c])}
	}
	for c, v := range out {
		if v[0] == v[1] {
			delete(out, c)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
