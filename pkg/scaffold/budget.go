package scaffold

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

var costsKey = config.Project + ":" + config.KeyCosts

// InsertBudget adds `- environment: <env>` / `monthlyLimitUsd: <usd>` after the last entry of
// the block list global-sovereign:costs.budgets of a stack file, in that list's indentation, and
// changes no other byte of the file. It refuses (and the caller asks for the edit by hand) when
// the file does not hold the list itself, writes it in flow style ([...]), or when the result
// would read as anything but the same config with one more budget.
func InsertBudget(file string, data []byte, env config.Environment, usd int) ([]byte, error) {
	manual := fmt.Sprintf("add `- {environment: %s, monthlyLimitUsd: <USD>}` to %s.budgets in %s by hand", env, costsKey, file)
	if bytes.Contains(data, []byte("\r")) {
		return nil, fmt.Errorf("%s has CR line endings; %s", file, manual)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s does not parse as YAML; %s", file, manual)
	}
	budgets := lookup(doc.Content[0], "config", costsKey, "budgets")
	if budgets == nil {
		return nil, fmt.Errorf("%s does not set %s.budgets itself; %s", file, costsKey, manual)
	}
	if budgets.Kind != yaml.SequenceNode || budgets.Style&yaml.FlowStyle != 0 || len(budgets.Content) == 0 {
		return nil, fmt.Errorf("%s:%d: %s.budgets is not a block list (`- environment: ...` lines); %s", file, budgets.Line, costsKey, manual)
	}
	last := budgets.Content[len(budgets.Content)-1]
	if last.Kind != yaml.MappingNode || last.Style&yaml.FlowStyle != 0 {
		return nil, fmt.Errorf("%s:%d: the last budget is not a block map; %s", file, last.Line, manual)
	}
	lines := strings.SplitAfter(string(data), "\n")
	first := lines[last.Line-1]
	keyCol := last.Column - 1 // 0-based column of the entry's first key
	dash := strings.IndexByte(first, '-')
	if dash < 0 || dash >= keyCol || strings.TrimSpace(first[:dash]) != "" || strings.TrimSpace(first[dash+1:keyCol]) != "" {
		return nil, fmt.Errorf("%s:%d: cannot tell the list's indentation; %s", file, last.Line, manual)
	}
	end := lastLine(last)
	entry := fmt.Sprintf("%s- environment: %s\n%smonthlyLimitUsd: %d\n", first[:dash], env, strings.Repeat(" ", keyCol), usd)
	var out strings.Builder
	for i, l := range lines {
		out.WriteString(l)
		if i == end-1 {
			if !strings.HasSuffix(l, "\n") {
				out.WriteString("\n")
			}
			out.WriteString(entry)
		}
	}
	result := []byte(out.String())
	if err := sameButOneBudget(data, result, env, usd); err != nil {
		return nil, fmt.Errorf("%s: %v; %s", file, err, manual)
	}
	return result, nil
}

// lookup follows map keys from n; nil when one is missing.
func lookup(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
			}
		}
		n = next
	}
	return n
}

// lastLine is the last line a node's text is on (block scalars spanning lines are refused by the
// check that follows the insertion).
func lastLine(n *yaml.Node) int {
	line := n.Line
	for _, c := range n.Content {
		if l := lastLine(c); l > line {
			line = l
		}
	}
	return line
}

// sameButOneBudget checks that after reads exactly as before with the budget appended.
func sameButOneBudget(before, after []byte, env config.Environment, usd int) error {
	var b, a map[string]any
	if err := yaml.Unmarshal(before, &b); err != nil {
		return err
	}
	if err := yaml.Unmarshal(after, &a); err != nil {
		return fmt.Errorf("the edited file does not parse: %v", err)
	}
	cfg, _ := b["config"].(map[string]any)
	costs, _ := cfg[costsKey].(map[string]any)
	list, ok := costs["budgets"].([]any)
	if !ok {
		return fmt.Errorf("no budget list to add to")
	}
	costs["budgets"] = append(list, map[string]any{"environment": string(env), "monthlyLimitUsd": usd})
	if !reflect.DeepEqual(a, b) {
		return fmt.Errorf("inserting the budget would change more than the budget list")
	}
	return nil
}
