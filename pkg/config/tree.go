package config

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// The configuration of a stack reaches the program in one of two forms: the YAML of its
// Pulumi.<stack>.yaml (validate, synth) or the JSON strings the Pulumi engine hands the program
// (pulumi up). Both are first turned into the same generic tree (map[string]any, []any, string,
// json.Number, bool, nil) so that one decoder and one validator serve both.

// secureValue marks an encrypted value (`secure: v1:...`) read from a stack file. Its plain text
// is only known to the engine.
type secureValue struct{}

// lineIndex maps a key path to the line of the stack file it came from.
type lineIndex map[string]int

// nearest is the line of a key path, or of its nearest ancestor the index has; 0 for none.
func (l lineIndex) nearest(path string) int {
	for p := path; p != ""; {
		if line, ok := l[p]; ok {
			return line
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 0
}

// yamlToTree converts a YAML node into the generic tree, recording the line of every key path.
func yamlToTree(n *yaml.Node, path string, lines lineIndex) (any, error) {
	if lines != nil {
		if _, seen := lines[path]; !seen {
			lines[path] = n.Line
		}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return yamlToTree(n.Content[0], path, lines)
	case yaml.AliasNode:
		return nil, fmt.Errorf("line %d: YAML aliases are not supported in stack config", n.Line)
	case yaml.MappingNode:
		if len(n.Content) == 2 && n.Content[0].Value == "secure" {
			return secureValue{}, nil
		}
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: map keys must be plain strings", k.Line)
			}
			if _, dup := m[k.Value]; dup {
				return nil, fmt.Errorf("line %d: key %q appears twice", k.Line, k.Value)
			}
			childPath := joinKey(path, k.Value)
			if lines != nil {
				lines[childPath] = k.Line
			}
			v, err := yamlToTree(n.Content[i+1], childPath, lines)
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, c := range n.Content {
			v, err := yamlToTree(c, fmt.Sprintf("%s[%d]", path, i), lines)
			if err != nil {
				return nil, err
			}
			s[i] = v
		}
		return s, nil
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return nil, fmt.Errorf("line %d: %v", n.Line, err)
			}
			return b, nil
		case "!!int":
			// An integer in any YAML form (0x1F, 0o17, +5, 1_000) reads as YAML's own decoder reads
			// it, exactly (never through a float). One beyond int64 stays as written for the
			// decoder to reject with the value in its message.
			var i int64
			if err := n.Decode(&i); err == nil {
				return json.Number(strconv.FormatInt(i, 10)), nil
			}
			return json.Number(n.Value), nil
		case "!!float":
			// No config field holds a fraction: keep the value as written for the decoder's
			// message.
			return json.Number(n.Value), nil
		default:
			return n.Value, nil
		}
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

// jsonToTree parses a config value as the engine passes it to the program: objects and arrays
// as JSON text, scalars as their string form.
func jsonToTree(s string) any {
	var v any
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	if err := d.Decode(&v); err != nil || d.More() {
		return s // a plain string value
	}
	return v
}

func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
