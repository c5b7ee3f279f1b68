package config

import (
	"fmt"
	"regexp"
	"slices"
)

// Costs watches the fleet's spend (global-sovereign:costs, global stacks only): a monthly AWS
// Budget per environment, filtered by the environment default tag (activated as a cost
// allocation tag) and notifying the alerts topic and emails at 80% and 100% of actual and 100%
// of forecast spend, and Cost Anomaly Detection over every service.
type Costs struct {
	// Budgets are the monthly limits, one per environment of the fleet; every environment with
	// region stacks needs one.
	Budgets []Budget `json:"budgets"`
	// AnomalyThresholdUSD is the total impact in US dollars from which a cost anomaly alerts,
	// at least 1.
	AnomalyThresholdUSD int `json:"anomalyThresholdUsd"`
	// ActivateTag activates the environment tag as a cost allocation tag, which budgets filter
	// on. AWS accepts the activation only from the organization's management account or a
	// standalone account, and only once the tag appears in billing data (up to 24 hours after
	// the first tagged resource), so a first `up` with it fails: leave it false, and once the tag
	// shows in the Billing console's cost allocation tags, activate it there (or from the
	// management account) or set true in a standalone account. `sovereign preflight` says which.
	// Default: false.
	ActivateTag *bool `json:"activateTag,omitempty"`
	// AnomalyMonitorArn adopts the account's existing AWS-services cost anomaly monitor
	// (DIMENSIONAL, SERVICE), of which AWS allows one per account, instead of creating one;
	// `aws ce get-anomaly-monitors` lists it and `sovereign preflight --online` finds it.
	// Format: arn:aws:ce::<account>:anomalymonitor/<id>. Default: create one.
	AnomalyMonitorArn string `json:"anomalyMonitorArn,omitempty"`
}

// Budget is one environment's monthly limit.
type Budget struct {
	// Environment is the environment the budget covers: the `environment` tag it filters on.
	Environment Environment `json:"environment"`
	// MonthlyLimitUSD is the monthly limit in US dollars, at least 1.
	MonthlyLimitUSD int `json:"monthlyLimitUsd"`
}

// EnvironmentTag is the default tag that names a resource's environment; budgets filter on it.
const EnvironmentTag = "environment"

// ActivatesTag says whether the environment tag is activated for cost allocation.
func (c *Costs) ActivatesTag() bool { return c.ActivateTag != nil && *c.ActivateTag }

// anomalyMonitorARN is the form of a Cost Explorer anomaly monitor's ARN.
var anomalyMonitorARN = regexp.MustCompile(`^arn:aws[a-z-]*:ce::\d{12}:anomalymonitor/[0-9a-f-]{1,64}$`)

func (s *Stack) validateCosts(is *issues) {
	c := s.Costs
	if len(c.Budgets) == 0 {
		is.add(keyPath(KeyCosts, "budgets"), "missing; list a monthly limit per environment, e.g. [{environment: %s, monthlyLimitUsd: 50000}]", s.Settings.Environment)
	}
	seen := map[Environment]bool{}
	for i, b := range c.Budgets {
		path := fmt.Sprintf("%s[%d]", keyPath(KeyCosts, "budgets"), i)
		oneOf(is, path+".environment", b.Environment, environments)
		if seen[b.Environment] {
			is.add(path+".environment", "%q has a budget already; one per environment", b.Environment)
		}
		seen[b.Environment] = true
		if b.MonthlyLimitUSD < 1 {
			is.add(path+".monthlyLimitUsd", "%d: want a limit of at least 1 (US dollars)", b.MonthlyLimitUSD)
		}
	}
	if c.AnomalyMonitorArn != "" && !anomalyMonitorARN.MatchString(c.AnomalyMonitorArn) {
		is.add(keyPath(KeyCosts, "anomalyMonitorArn"), "%q is not an anomaly monitor ARN; want arn:aws:ce::<account>:anomalymonitor/<id> "+
			"(aws ce get-anomaly-monitors), or leave it out to create one", c.AnomalyMonitorArn)
	}
	if c.AnomalyThresholdUSD < 1 {
		is.add(keyPath(KeyCosts, "anomalyThresholdUsd"), "%d: want at least 1 (US dollars of total impact)", c.AnomalyThresholdUSD)
	}
	s.requireGlobalServicesRegion(is, KeyCosts)
}

// validateCostsFleet: a global stack with costs budgets its own environment, no environment is
// budgeted twice across the fleet, and no budget names an environment without region stacks.
func (f *Fleet) validateCostsFleet() Problems {
	var out Problems
	// Every environment that has stacks other than global ones costs money and needs a budget.
	regions := map[Environment]bool{}
	for _, s := range f.Stacks {
		if s.Settings.Kind != KindGlobal {
			regions[s.Settings.Environment] = true
		}
	}
	covered := map[Environment]string{}
	for _, s := range f.Stacks {
		if s.Settings.Kind != KindGlobal || s.Costs == nil {
			continue
		}
		own := false
		for i, b := range s.Costs.Budgets {
			path := fmt.Sprintf("%s[%d].environment", keyPath(KeyCosts, "budgets"), i)
			own = own || b.Environment == s.Settings.Environment
			if other, dup := covered[b.Environment]; dup && other != s.Name {
				out = append(out, s.problem(path, "%q is budgeted in %s already; one budget per environment", b.Environment, other))
			}
			covered[b.Environment] = s.Name
			if !regions[b.Environment] && slices.Contains(environments, b.Environment) {
				out = append(out, s.problem(path, "%q has no stacks to budget", b.Environment))
			}
		}
		if !own && regions[s.Settings.Environment] {
			out = append(out, s.problem(keyPath(KeyCosts, "budgets"), "environment %s has region stacks but no budget; add {environment: %s, monthlyLimitUsd: ...}",
				s.Settings.Environment, s.Settings.Environment))
		}
	}
	// An environment stack's costs are budgeted by the global stack of its region's environment.
	if len(covered) > 0 {
		for _, s := range f.Stacks {
			if s.Settings.Kind == KindEnvironment {
				if _, ok := covered[s.Settings.Environment]; !ok {
					covered[s.Settings.Environment] = "" // reported once per environment
					if home := f.NetworkStack(s); home != nil {
						if g := f.globalOf(home.Settings.Environment); g != nil && g.Costs != nil {
							out = append(out, g.problem(keyPath(KeyCosts, "budgets"), "environment %s (stack %s) has no budget; add {environment: %s, monthlyLimitUsd: ...}",
								s.Settings.Environment, s.Name, s.Settings.Environment))
						}
					}
				}
			}
		}
	}
	return out
}

// globalOf is the global stack of an environment, or nil.
func (f *Fleet) globalOf(env Environment) *Stack {
	for _, s := range f.Stacks {
		if s.Settings.Kind == KindGlobal && s.Settings.Environment == env {
			return s
		}
	}
	return nil
}
