package cost

import "sort"

// EstimateFleet prices every graph with its kind's usage (and the usage file's overrides), and
// says for each environment what it would cost with every node group at its minimum and at its
// maximum size, beside the estimate at the usage's size.
func EstimateFleet(graphs map[string]*Graph, prices *PriceTable, usage *UsageFile) *Fleet {
	f := &Fleet{Prices: Summarize(prices), NodeScaleRange: map[string][2]float64{}}
	for _, name := range sortedKeys(graphs) {
		g := graphs[name]
		u := usage.For(g.Stack, g.Kind())
		e := EstimateGraph(g, prices, u)
		f.Estimates = append(f.Estimates, e)
		r := f.NodeScaleRange[e.Environment]
		for i, scale := range []string{ScaleMin, ScaleMax} {
			at := u
			at.NodeScale = scale
			r[i] = cents(r[i] + EstimateGraph(g, prices, at).MonthlyUSD)
		}
		f.NodeScaleRange[e.Environment] = r
	}
	sort.Slice(f.Estimates, func(i, j int) bool { return f.Estimates[i].Stack < f.Estimates[j].Stack })
	return f
}
