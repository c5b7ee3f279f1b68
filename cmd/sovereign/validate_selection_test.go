package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/internal/fleettest"
)

// validate with a selection fails exactly when synth of that selection does (both validate the
// whole fleet), and puts the cause first: a broken Pulumi.yaml default, then the selected stacks
// and the stacks they read, then the others under one line saying why they count.
func TestValidateAgreesWithSynth(t *testing.T) {
	defaultsTypo := fleettest.Edit{File: "Pulumi.yaml", Old: "      region:\n        network:", New: "      regoin:\n        network:"}
	for _, tt := range []struct {
		name     string
		edit     *fleettest.Edit
		args     []string
		code     int
		first    string // the first line of stderr starts with it
		contains []string
		absent   []string
	}{
		{"committed fleet, a client", nil, []string{"--stack", "iad-ezra"}, 0, "", nil, nil},
		{"broken defaults, --all", &defaultsTypo, []string{"--all"}, exitConfig,
			`Pulumi.yaml:19: global-sovereign:defaults.regoin: unknown section (did you mean "region"?)`,
			[]string{"the selection was not resolved: Pulumi.yaml did not load"}, []string{"no stack has", "no stack \""}},
		{"broken defaults, --stack", &defaultsTypo, []string{"--stack", "iad"}, exitConfig,
			`Pulumi.yaml:19: global-sovereign:defaults.regoin`, nil, []string{`no stack "iad"`}},
		{"broken defaults, --env", &defaultsTypo, []string{"--env", "staging"}, exitConfig,
			`Pulumi.yaml:19: global-sovereign:defaults.regoin`, nil, []string{"no stack has"}},
		{"a stack the client reads", &fleettest.Edit{File: "Pulumi.iad.yaml", Old: "vpcCidr: 10.2.0.0/16", New: "vpcCidr: 10.2.0.0/36"},
			[]string{"--stack", "iad-ezra"}, exitConfig, `Pulumi.iad.yaml:14: global-sovereign:network.vpcCidr: "10.2.0.0/36"`, nil, []string{"other stacks"}},
		{"a stack the client does not read", &fleettest.Edit{File: "Pulumi.jnb.yaml", Old: "vpcCidr: 10.6.0.0/16", New: "vpcCidr: 10.6.0.0/36"},
			[]string{"--stack", "iad-ezra"}, exitConfig, "other stacks: synth and up of iad-ezra stop on these too",
			[]string{`Pulumi.jnb.yaml:15: global-sovereign:network.vpcCidr: "10.6.0.0/36"`}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var dir string
			if tt.edit != nil {
				dir = fleettest.Copy(t, repo, *tt.edit)
			} else {
				dir = fleettest.Copy(t, repo)
			}
			code, out, errs := runCLI(t, append([]string{"validate", "--dir", dir}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("validate exit %d, want %d\n%s%s", code, tt.code, out, errs)
			}
			if first, _, _ := strings.Cut(errs, "\n"); !strings.HasPrefix(first, tt.first) {
				t.Errorf("first line %q, want it to start with %q\n%s", first, tt.first, errs)
			}
			for _, w := range tt.contains {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q\n%s", w, errs)
				}
			}
			for _, w := range tt.absent {
				if strings.Contains(errs, w) {
					t.Errorf("stderr says %q\n%s", w, errs)
				}
			}
			synthCode, _, synthErrs := runCLI(t, append([]string{"synth", "--dir", dir, "--out", filepath.Join(t.TempDir(), "out")}, tt.args...)...)
			if synthCode != code {
				t.Errorf("synth %v exits %d but validate %d: validate must check what synth needs\n%s", tt.args, synthCode, code, synthErrs)
			}
		})
	}
}
