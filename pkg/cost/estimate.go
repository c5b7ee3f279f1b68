package cost

import (
	"fmt"
	"math"
	"sort"
)

// Line is one priced quantity of one resource.
type Line struct {
	Component string `json:"component"`
	Type      string `json:"type"`
	Name      string `json:"name"`
	Region    string `json:"region"`
	// What is priced, e.g. "5 x m5.2xlarge on-demand (desired size)".
	Description string  `json:"description"`
	SKU         string  `json:"sku"`
	Quantity    float64 `json:"quantity"`
	Unit        string  `json:"unit"`
	UnitUSD     float64 `json:"unitUsd"`
	MonthlyUSD  float64 `json:"monthlyUsd"`
	// Usage: the quantity is a usage assumption (usage.go), not read from the graph.
	Usage bool `json:"usage,omitempty"`
	// PriceStatus is the unit price's status in the table (fetched, transcribed, unconfirmed).
	PriceStatus string `json:"priceStatus,omitempty"`
	// NoPrice: the table has no price for this SKU in this region; the line counts zero.
	NoPrice bool `json:"noPrice,omitempty"`
}

// Estimate is one stack's monthly estimate.
type Estimate struct {
	Stack       string `json:"stack"`
	Kind        string `json:"kind"`
	Environment string `json:"environment"`
	Region      string `json:"region"`
	Lines       []Line `json:"lines"`
	// Free counts the resources of each type that cost nothing by themselves, with why.
	Free map[string]Classified `json:"free"`
	// Unpriced counts the resources of each type whose cost this tool does not estimate, with why.
	Unpriced map[string]Classified `json:"unpriced"`
	// Unclassified lists types no rule knows: their cost is unknown, and TestEveryTypeClassified
	// fails until a rule says priced, free or unpriced.
	Unclassified map[string]int `json:"unclassified,omitempty"`

	MonthlyUSD float64 `json:"monthlyUsd"`
	// UsageUSD is the part of MonthlyUSD that rests on usage assumptions.
	UsageUSD float64 `json:"usageUsd"`
	// UnconfirmedUSD is the part of MonthlyUSD priced with unconfirmed unit prices.
	UnconfirmedUSD float64 `json:"unconfirmedUsd"`
	Usage          Usage   `json:"usage"`
	PriceDate      string  `json:"priceDate"`
}

// Classified is a count of resources of one type and the reason they are free or unpriced.
type Classified struct {
	Count  int    `json:"count"`
	Reason string `json:"reason"`
}

// UsageShare is the fraction of the estimate that rests on usage assumptions.
func (e *Estimate) UsageShare() float64 {
	if e.MonthlyUSD == 0 {
		return 0
	}
	return e.UsageUSD / e.MonthlyUSD
}

// estimator holds what rules need while pricing one graph.
type estimator struct {
	g      *Graph
	ix     *index
	prices *PriceTable
	usage  Usage
	lines  []Line
	cur    *Resource
}

// EstimateGraph prices one stack's graph with the given prices and usage. kind "" infers it.
func EstimateGraph(g *Graph, prices *PriceTable, usage Usage) *Estimate {
	e := &estimator{g: g, ix: newIndex(g), prices: prices, usage: usage}
	est := &Estimate{
		Stack: g.Stack, Kind: g.Kind(), Environment: g.Environment(), Region: e.ix.home,
		Free: map[string]Classified{}, Unpriced: map[string]Classified{}, Unclassified: map[string]int{},
		Usage: usage, PriceDate: prices.Date,
	}
	for i := range g.Resources {
		r := &g.Resources[i]
		rule, ok := RuleFor(r.Type)
		switch {
		case !ok:
			est.Unclassified[r.Type]++
		case rule.Free != "":
			c := est.Free[r.Type]
			est.Free[r.Type] = Classified{Count: c.Count + 1, Reason: rule.Free}
		case rule.Unpriced != "":
			c := est.Unpriced[r.Type]
			est.Unpriced[r.Type] = Classified{Count: c.Count + 1, Reason: rule.Unpriced}
		default:
			e.cur = r
			rule.Price(e, r)
		}
	}
	if len(est.Unclassified) == 0 {
		est.Unclassified = nil
	}
	est.Lines = e.lines
	sort.SliceStable(est.Lines, func(i, j int) bool {
		a, b := est.Lines[i], est.Lines[j]
		if a.Component != b.Component {
			return a.Component < b.Component
		}
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		return a.Name < b.Name
	})
	for _, l := range est.Lines {
		est.MonthlyUSD += l.MonthlyUSD
		if l.Usage {
			est.UsageUSD += l.MonthlyUSD
		}
		if l.PriceStatus == StatusUnconfirmed {
			est.UnconfirmedUSD += l.MonthlyUSD
		}
	}
	est.MonthlyUSD, est.UsageUSD, est.UnconfirmedUSD = cents(est.MonthlyUSD), cents(est.UsageUSD), cents(est.UnconfirmedUSD)
	return est
}

// monthly adds a line billed per hour, running the whole month.
func (e *estimator) hourly(sku, region string, count float64, desc string) {
	e.add(sku, region, count*e.prices.HoursPerMonth, desc, false)
}

// add prices quantity units of a SKU in a region for the current resource.
func (e *estimator) add(sku, region string, quantity float64, desc string, usage bool) {
	r := e.cur
	l := Line{
		Component: e.ix.component(r), Type: r.Type, Name: r.Name, Region: region,
		Description: desc, SKU: sku, Quantity: quantity, Usage: usage,
	}
	if p, ok := e.prices.Lookup(sku, region); ok {
		l.Unit, l.UnitUSD, l.PriceStatus = p.Unit, p.USD, p.Status
		l.MonthlyUSD = cents(quantity * p.USD)
	} else {
		l.NoPrice = true
		l.Description += fmt.Sprintf(" [no price for %s in %s]", sku, region)
	}
	e.lines = append(e.lines, l)
}

func cents(v float64) float64 { return math.Round(v*100) / 100 }
