package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds the loader arbitrary stack files: it must return a stack or Problems, never
// panic, and a stack it accepts must validate without panicking.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("../../Pulumi.*.yaml")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(validRegion))
	f.Add([]byte(validGlobal))
	f.Add([]byte("config:\n  global-sovereign:vpn:\n    bgpAsn: 1e400\n"))
	f.Add([]byte("config:\n  global-sovereign:stack: {kind: [1], code: {a: b}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("Pulumi.fuzz.yaml", data)
		if err != nil {
			if _, ok := err.(Problems); !ok {
				t.Fatalf("error of type %T, want Problems: %v", err, err)
			}
			return
		}
		_ = s.Validate()
		_ = (&Fleet{Stacks: []*Stack{s}}).Validate()
	})
}
