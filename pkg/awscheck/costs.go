package awscheck

import (
	"fmt"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// CostAccount says, for each selected global stack with cost alerts, what its first `up` does
// with the account's cost singletons:
//   - the AWS-services anomaly monitor (DIMENSIONAL, SERVICE): AWS allows one per account, so the
//     stack either adopts the configured costs.anomalyMonitorArn or creates the account's one;
//   - the environment cost allocation tag: AWS activates it only from the organization's
//     management account or a standalone account, and only once the tag has appeared in billing
//     data (up to 24 hours after the first tagged resource), so it is activated by a person
//     after the first `up` unless costs.activateTag says the stack may.
func CostAccount(fleet *config.Fleet, names []string) []Finding {
	var out []Finding
	for _, n := range names {
		s := fleet.Stack(n)
		if s == nil || s.Costs == nil {
			continue
		}
		c := s.Costs
		if c.AnomalyMonitorArn != "" {
			out = append(out, Finding{Severity: Info, Stacks: []string{n}, Check: "cost-anomaly-monitor",
				Message: fmt.Sprintf("adopts the account's AWS-services anomaly monitor %s", c.AnomalyMonitorArn)})
		} else {
			out = append(out, Finding{Severity: Info, Stacks: []string{n}, Check: "cost-anomaly-monitor",
				Message: "creates the account's AWS-services anomaly monitor; AWS allows one per account, so `up` fails if the account has one",
				Fix: "aws ce get-anomaly-monitors --query \"AnomalyMonitors[?MonitorType=='DIMENSIONAL']\"; if it lists one, set " +
					s.File + ": global-sovereign:costs.anomalyMonitorArn to its MonitorArn"})
		}
		tag := config.EnvironmentTag
		if c.ActivatesTag() {
			out = append(out, Finding{Severity: Warning, Stacks: []string{n}, Check: "cost-allocation-tag",
				Message: fmt.Sprintf("activates the cost allocation tag %q: AWS accepts it only from the management or a standalone account, "+
					"after the tag is in billing data (up to 24 h after the first tagged resource); a first `up` fails", tag),
				Fix: s.File + ": global-sovereign:costs.activateTag: false for the first up; set it true once the tag shows in Billing > Cost allocation tags"})
		} else {
			out = append(out, Finding{Severity: Info, Stacks: []string{n}, Check: "cost-allocation-tag",
				Message: fmt.Sprintf("budgets filter on the cost allocation tag %q, which is not activated by this stack: until it is, "+
					"budgets see no spend", tag),
				Fix: fmt.Sprintf("up to 24 h after the first `up`, in the organization's management account (or this account if standalone): "+
					"aws ce update-cost-allocation-tags-status --cost-allocation-tags-status TagKey=%s,Status=Active "+
					"(or set %s: global-sovereign:costs.activateTag: true in a standalone account)", tag, s.File)})
		}
	}
	return out
}
