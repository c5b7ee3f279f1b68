package cost

import "fmt"

// BudgetWarnAt is the share of a budget from which an estimate is warned about.
const BudgetWarnAt = 0.8

// BudgetCheck is an environment's estimate against its monthly budget.
type BudgetCheck struct {
	Environment string
	EstimateUSD float64
	BudgetUSD   float64
	Stacks      []string
}

// Over says whether the estimate exceeds the budget, and Near whether it reaches 80% of it.
func (c BudgetCheck) Over() bool { return c.EstimateUSD > c.BudgetUSD }
func (c BudgetCheck) Near() bool { return c.EstimateUSD >= BudgetWarnAt*c.BudgetUSD }

// Message describes the check for preflight.
func (c BudgetCheck) Message() string {
	what := "exceeds"
	if !c.Over() {
		what = fmt.Sprintf("is %s of", pct(c.EstimateUSD, c.BudgetUSD))
	}
	return fmt.Sprintf("environment %s: estimated %s a month %s its budget of %s (list prices from the synthesized graphs of %d stack(s); `sovereign cost --env %s` for the detail)",
		c.Environment, usd(c.EstimateUSD), what, usd(c.BudgetUSD), len(c.Stacks), c.Environment)
}

// CheckBudgets compares each budgeted environment's estimate (the sum of its stacks') with
// its budget and returns the ones at or over 80% of it.
func CheckBudgets(f *Fleet, budgets map[string]float64) []BudgetCheck {
	totals := map[string]*BudgetCheck{}
	for _, e := range f.Estimates {
		if _, ok := budgets[e.Environment]; !ok {
			continue
		}
		c := totals[e.Environment]
		if c == nil {
			c = &BudgetCheck{Environment: e.Environment, BudgetUSD: budgets[e.Environment]}
			totals[e.Environment] = c
		}
		c.EstimateUSD = cents(c.EstimateUSD + e.MonthlyUSD)
		c.Stacks = append(c.Stacks, e.Stack)
	}
	var out []BudgetCheck
	for _, env := range sortedKeys(totals) {
		if c := totals[env]; c.Near() {
			out = append(out, *c)
		}
	}
	return out
}
