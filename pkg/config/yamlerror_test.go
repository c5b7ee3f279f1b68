package config

import (
	"errors"
	"testing"
)

// A file that is not YAML is reported in file:line: form at the line of the bad construct.
func TestYAMLProblemLine(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string
	}{
		{"unclosed flow sequence", "config:\n  a: 1\n  b: [unclosed\n  c: 2\n", "Pulumi.x.yaml:3: not valid YAML: did not find expected ',' or ']'"},
		{"bad mapping", "config:\n  a: 1\n  b: c: d\n", "Pulumi.x.yaml:3: not valid YAML: mapping values are not allowed in this context"},
	}
	for _, tt := range tests {
		_, err := Parse("Pulumi.x.yaml", []byte(tt.data))
		var ps Problems
		if !errors.As(err, &ps) || len(ps) != 1 || ps[0].String() != tt.want {
			t.Errorf("%s: got %v, want %q", tt.name, err, tt.want)
		}
	}
}
