package cost

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// Fleet is the estimates of several stacks.
type Fleet struct {
	Prices    PriceSummary `json:"prices"`
	Estimates []*Estimate  `json:"stacks"`
	// NodeScaleRange is per environment the total with every node group at its minimum and at
	// its maximum size (the cluster autoscaler's range), other usage unchanged.
	NodeScaleRange map[string][2]float64 `json:"nodeScaleRange,omitempty"`
}

// PriceSummary says where the prices came from, for the report's header.
type PriceSummary struct {
	Date        string `json:"date"`
	Source      string `json:"source"`
	Count       int    `json:"count"`
	Unconfirmed int    `json:"unconfirmed"`
	Fetched     int    `json:"fetched"`
}

// Summarize describes a price table.
func Summarize(t *PriceTable) PriceSummary {
	s := PriceSummary{Date: t.Date, Source: t.Source, Count: len(t.Prices)}
	for _, p := range t.Prices {
		switch p.Status {
		case StatusUnconfirmed:
			s.Unconfirmed++
		case StatusFetched:
			s.Fetched++
		}
	}
	return s
}

// Totals are sums of estimates.
type Totals struct {
	MonthlyUSD     float64            `json:"monthlyUsd"`
	UsageUSD       float64            `json:"usageUsd"`
	UnconfirmedUSD float64            `json:"unconfirmedUsd"`
	ByRegion       map[string]float64 `json:"byRegion"`
	ByComponent    map[string]float64 `json:"byComponent"`
	ByStack        map[string]float64 `json:"byStack"`
}

// ByEnvironment sums the estimates per environment, split by the region each line is billed in
// and by component.
func (f *Fleet) ByEnvironment() map[string]*Totals {
	out := map[string]*Totals{}
	for _, e := range f.Estimates {
		t := out[e.Environment]
		if t == nil {
			t = &Totals{ByRegion: map[string]float64{}, ByComponent: map[string]float64{}, ByStack: map[string]float64{}}
			out[e.Environment] = t
		}
		t.MonthlyUSD += e.MonthlyUSD
		t.UsageUSD += e.UsageUSD
		t.UnconfirmedUSD += e.UnconfirmedUSD
		t.ByStack[e.Stack] += e.MonthlyUSD
		for _, l := range e.Lines {
			t.ByRegion[l.Region] += l.MonthlyUSD
			t.ByComponent[l.Component] += l.MonthlyUSD
		}
	}
	for _, t := range out {
		t.MonthlyUSD, t.UsageUSD, t.UnconfirmedUSD = cents(t.MonthlyUSD), cents(t.UsageUSD), cents(t.UnconfirmedUSD)
		for _, m := range []map[string]float64{t.ByRegion, t.ByComponent, t.ByStack} {
			for k, v := range m {
				m[k] = cents(v)
			}
		}
	}
	return out
}

// WriteJSON writes the estimates and the per-environment totals.
func (f *Fleet) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(struct {
		*Fleet
		Environments map[string]*Totals `json:"environments"`
	}{f, f.ByEnvironment()})
}

func usd(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac := s[:len(s)-3], s[len(s)-3:]
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-$" + b.String() + frac
	}
	return "$" + b.String() + frac
}

func pct(part, whole float64) string {
	if whole == 0 {
		return "0%"
	}
	return fmt.Sprintf("%.0f%%", 100*part/whole)
}

// WriteHeader says which prices and assumptions the numbers rest on.
func (f *Fleet) WriteHeader(w io.Writer) {
	p := f.Prices
	how := "transcribed from the AWS pricing pages, not fetched live"
	if p.Fetched == p.Count && p.Count > 0 {
		how = "fetched from the AWS Price List API"
	}
	fmt.Fprintf(w, "Prices: pinned table of %s (%s; %d of %d prices unconfirmed). Refresh: sovereign cost --refresh-prices\n", p.Date, how, p.Unconfirmed, p.Count)
	scales, spots := map[string]bool{}, map[string]bool{}
	for _, e := range f.Estimates {
		scales[e.Usage.NodeScale] = true
		spots[fmt.Sprintf("%g%%", e.Usage.SpotDiscount*100)] = true
	}
	fmt.Fprintf(w, "Node groups at their %s size; spot node groups at %s off on-demand. Monthly = %g hours. List prices, before credits, savings plans or taxes.\n\n",
		strings.Join(sortedKeys(scales), "/"), strings.Join(sortedKeys(spots), "/"), 730.0)
}

// WriteSummary writes one line per stack and the totals per environment, by region and by
// component.
func (f *Fleet) WriteSummary(w io.Writer) error {
	f.WriteHeader(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STACK\tKIND\tENVIRONMENT\tREGION\tMONTHLY\tON USAGE\tUNCONFIRMED PRICES\tUNPRICED TYPES")
	for _, e := range f.Estimates {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", e.Stack, e.Kind, e.Environment, e.Region, usd(e.MonthlyUSD),
			pct(e.UsageUSD, e.MonthlyUSD), pct(e.UnconfirmedUSD, e.MonthlyUSD), len(e.Unpriced)+len(e.Unclassified))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	envs := f.ByEnvironment()
	for _, env := range sortedKeys(envs) {
		t := envs[env]
		fmt.Fprintf(w, "\n%s: %s a month (%s of it on usage assumptions, %s on unconfirmed prices)\n", env, usd(t.MonthlyUSD), pct(t.UsageUSD, t.MonthlyUSD), pct(t.UnconfirmedUSD, t.MonthlyUSD))
		if r, ok := f.NodeScaleRange[env]; ok {
			fmt.Fprintf(w, "  with every node group at its minimum size: %s; at its maximum: %s\n", usd(r[0]), usd(r[1]))
		}
		writeSplit(w, "by region", t.ByRegion, t.MonthlyUSD)
		writeSplit(w, "by component", t.ByComponent, t.MonthlyUSD)
	}
	return nil
}

func writeSplit(w io.Writer, title string, m map[string]float64, total float64) {
	keys := sortedKeys(m)
	sort.SliceStable(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] })
	fmt.Fprintf(w, "  %s:\n", title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, k := range keys {
		fmt.Fprintf(tw, "    %s\t%s\t%s\t\n", k, usd(m[k]), pct(m[k], total))
	}
	_ = tw.Flush()
}

// WriteDetail writes one stack's lines by component, then what is free, unpriced or unknown.
func WriteDetail(w io.Writer, e *Estimate) error {
	fmt.Fprintf(w, "%s (%s, %s, %s): %s a month, %s on usage assumptions\n", e.Stack, e.Kind, e.Environment, e.Region, usd(e.MonthlyUSD), pct(e.UsageUSD, e.MonthlyUSD))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  COMPONENT\tRESOURCE\tREGION\tWHAT\tQUANTITY\tUNIT PRICE\tMONTHLY")
	for _, l := range e.Lines {
		mark := ""
		if l.Usage {
			mark = " (usage)"
		}
		if l.PriceStatus == StatusUnconfirmed {
			mark += " *"
		}
		fmt.Fprintf(tw, "  %s\t%s %s\t%s\t%s%s\t%.6g %s\t%s\t%s\n", l.Component, shortType(l.Type), l.Name, l.Region, l.Description, mark,
			l.Quantity, l.Unit, usdUnit(l.UnitUSD), usd(l.MonthlyUSD))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "  * unconfirmed unit price (see pkg/cost/prices.json)")
	for _, kind := range []struct {
		title string
		m     map[string]Classified
	}{{"unpriced (not estimated)", e.Unpriced}, {"free", e.Free}} {
		if len(kind.m) == 0 {
			continue
		}
		fmt.Fprintf(w, "  %s:\n", kind.title)
		for _, t := range sortedKeys(kind.m) {
			fmt.Fprintf(w, "    %d x %s: %s\n", kind.m[t].Count, t, kind.m[t].Reason)
		}
	}
	for _, t := range sortedKeys(e.Unclassified) {
		fmt.Fprintf(w, "  UNKNOWN: %d x %s: no pricing rule (pkg/cost/rules.go); not in the total\n", e.Unclassified[t], t)
	}
	return nil
}

func usdUnit(v float64) string { return fmt.Sprintf("$%.4g", v) }

// shortType is the type token's last part: aws:eks/nodeGroup:NodeGroup -> NodeGroup.
func shortType(t string) string {
	if i := strings.LastIndex(t, ":"); i >= 0 {
		return t[i+1:]
	}
	return t
}
