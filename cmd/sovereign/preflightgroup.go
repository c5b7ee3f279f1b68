package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// groupInherited writes the preflight problems one line each, except that a value written once
// in Pulumi.yaml and inherited by many stacks is one line listing them: it is one thing to set,
// not one per stack. The same problem in many stack files (a key none of them sets) is one line
// too, naming the others.
func groupInherited(ps config.Problems) error {
	if len(ps) == 0 {
		return nil
	}
	type key struct {
		file, path string
		line       int
	}
	var order []key
	groups := map[key][]config.Problem{}
	for _, p := range ps {
		k := key{p.File, p.Path, p.Line}
		if p.File != config.ProjectFileName {
			k = key{"\x00" + p.Msg, p.Path, 0} // the same key and message in any stack file
		}
		if _, seen := groups[k]; !seen {
			order = append(order, k)
		}
		groups[k] = append(groups[k], p)
	}
	lines := make([]string, 0, len(order))
	for _, k := range order {
		g := groups[k]
		line := g[0].String()
		if len(g) > 1 {
			var stacks []string
			for _, p := range g {
				if p.Stack != "" && !contains(stacks, p.Stack) {
					stacks = append(stacks, p.Stack)
				}
			}
			if g[0].File == config.ProjectFileName {
				line = fmt.Sprintf("%s (and the same for %d more stacks; inherited by %s)", line, len(g)-1, strings.Join(stacks, ", "))
			} else {
				line = fmt.Sprintf("%s (and the same in %d more stack files: %s)", line, len(g)-1, strings.Join(stacks[1:], ", "))
			}
		}
		lines = append(lines, line)
	}
	return errors.New(strings.Join(lines, "\n"))
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
