package scaffold

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// The global stack gains two lines after its last budget and nothing else changes.
func TestInsertBudgetGlobal(t *testing.T) {
	old, err := os.ReadFile(filepath.Join(fixture, "Pulumi.global.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := InsertBudget("Pulumi.global.yaml", old, config.EnvStaging, 20000)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "Pulumi.global.staging-budget.yaml", got)
	s, err := config.Parse("Pulumi.global.yaml", got)
	if err != nil {
		t.Fatal(err)
	}
	last := s.Costs.Budgets[len(s.Costs.Budgets)-1]
	if last != (config.Budget{Environment: config.EnvStaging, MonthlyLimitUSD: 20000}) {
		t.Errorf("last budget %+v", last)
	}
	// Only lines were added: the old text is the new one without them.
	if removed := strings.Replace(string(got), "      - environment: staging\n        monthlyLimitUsd: 20000\n", "", 1); removed != string(old) {
		t.Errorf("more than the budget lines changed:\n%s", got)
	}
}

func TestInsertBudget(t *testing.T) {
	head := "config:\n  global-sovereign:stack:\n    kind: global\n  global-sovereign:costs:\n"
	tests := []struct {
		name, in, want string
	}{
		{"other indentation, comment and key after the list",
			head + "    budgets:\n    - environment: production\n      monthlyLimitUsd: 5 # the limit\n    # anomalies\n    anomalyThresholdUsd: 1\n",
			head + "    budgets:\n    - environment: production\n      monthlyLimitUsd: 5 # the limit\n    - environment: development\n      monthlyLimitUsd: 7\n    # anomalies\n    anomalyThresholdUsd: 1\n"},
		{"no newline at the end",
			head + "    budgets:\n      - environment: production\n        monthlyLimitUsd: 5",
			head + "    budgets:\n      - environment: production\n        monthlyLimitUsd: 5\n      - environment: development\n        monthlyLimitUsd: 7\n"},
		{"keys in another order",
			head + "    budgets:\n      - monthlyLimitUsd: 5\n        environment: production\n    anomalyThresholdUsd: 1\n",
			head + "    budgets:\n      - monthlyLimitUsd: 5\n        environment: production\n      - environment: development\n        monthlyLimitUsd: 7\n    anomalyThresholdUsd: 1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := InsertBudget("Pulumi.global.yaml", []byte(tt.in), config.EnvDevelopment, 7)
			if err != nil || string(got) != tt.want {
				t.Fatalf("got %v\n%s\nwant\n%s", err, got, tt.want)
			}
		})
	}
}

// What cannot be edited without rewriting the file is left to a person, with what to add.
func TestInsertBudgetRefuses(t *testing.T) {
	head := "config:\n  global-sovereign:costs:\n"
	tests := []struct{ name, in, want string }{
		{"flow list", head + "    budgets: [{environment: production, monthlyLimitUsd: 5}]\n", "Pulumi.global.yaml:3: global-sovereign:costs.budgets is not a block list"},
		{"flow entry", head + "    budgets:\n      - {environment: production, monthlyLimitUsd: 5}\n", "Pulumi.global.yaml:4: the last budget is not a block map"},
		{"no list in the file", head + "    anomalyThresholdUsd: 1\n", "does not set global-sovereign:costs.budgets itself"},
		{"no costs", "config:\n  global-sovereign:stack: {kind: global}\n", "does not set global-sovereign:costs.budgets itself"},
		{"empty list", head + "    budgets: []\n", "is not a block list"},
		{"CR line endings", strings.ReplaceAll(head+"    budgets:\n      - environment: production\n        monthlyLimitUsd: 5\n", "\n", "\r\n"), "CR line endings"},
		{"not YAML", "config: [\n", "does not parse"},
		{"block scalar in the entry", head + "    budgets:\n      - environment: production\n        note: |\n          two\n          lines\n", "would change more than the budget list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := InsertBudget("Pulumi.global.yaml", []byte(tt.in), config.EnvStaging, 9)
			if err == nil {
				t.Fatalf("no error; got\n%s", got)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "add `- {environment: staging, monthlyLimitUsd: <USD>}`") {
				t.Errorf("error %q lacks %q or what to add", err, tt.want)
			}
		})
	}
}
