package config

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"sort"
)

// Fleet is every stack of the project: the Pulumi.<stack>.yaml files of one directory.
type Fleet struct {
	Stacks []*Stack // sorted by name
}

// LoadDir reads every stack file in dir. Files that cannot be read are reported together; the
// fleet holds the ones that could.
func LoadDir(dir string) (*Fleet, error) {
	files, err := StackFiles(dir)
	if err != nil {
		return nil, Problems{{File: dir, Msg: err.Error()}}
	}
	if len(files) == 0 {
		abs, _ := filepath.Abs(dir)
		return nil, Problems{{File: abs, Msg: "no Pulumi.<stack>.yaml files here; run from the project root or pass --dir"}}
	}
	f := &Fleet{}
	var all Problems
	for _, file := range files {
		s, err := ReadFile(file)
		if err != nil {
			all = append(all, asProblems(err)...)
			continue
		}
		f.Stacks = append(f.Stacks, s)
	}
	return f, all.Err()
}

// Stack returns the stack with the given name, or nil.
func (f *Fleet) Stack(name string) *Stack {
	for _, s := range f.Stacks {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Names lists the stack names, sorted.
func (f *Fleet) Names() []string {
	out := make([]string, len(f.Stacks))
	for i, s := range f.Stacks {
		out[i] = s.Name
	}
	return out
}

// With returns a copy of the fleet in which s replaces the stack of the same name (or is added).
// The running program uses it to check the engine's view of its own stack against the files of
// all the others.
func (f *Fleet) With(s *Stack) *Fleet {
	out := &Fleet{}
	for _, x := range f.Stacks {
		if x.Name != s.Name {
			out.Stacks = append(out.Stacks, x)
		}
	}
	out.Stacks = append(out.Stacks, s)
	sort.Slice(out.Stacks, func(i, j int) bool { return out.Stacks[i].Name < out.Stacks[j].Name })
	return out
}

// Validate checks every stack on its own and the rules that span stacks: VPC CIDRs disjoint
// from each other and from every office network, one stack per region code and environment, one
// global stack per environment with at least one region to aggregate.
func (f *Fleet) Validate() Problems {
	var all Problems
	for _, s := range f.Stacks {
		all = append(all, s.Validate()...)
	}
	type vpc struct {
		stack  *Stack
		prefix netip.Prefix
	}
	var vpcs []vpc
	byCode := map[string]*Stack{}
	globals := map[string]*Stack{}
	for _, s := range f.Stacks {
		key := s.Settings.Code + "/" + s.Settings.Environment
		switch s.Settings.Kind {
		case KindRegion:
			if other, dup := byCode[key]; dup {
				all = append(all, s.problem(Project+":"+KeyStack+".code",
					"%s %q in environment %s is already stack %s (%s); each region code has one stack per environment",
					KindRegion, s.Settings.Code, s.Settings.Environment, other.Name, other.File))
			}
			byCode[key] = s
			if s.Network != nil {
				if p, err := netip.ParsePrefix(s.Network.VPCCIDR); err == nil {
					vpcs = append(vpcs, vpc{s, p.Masked()})
				}
			}
		case KindGlobal:
			if other, dup := globals[s.Settings.Environment]; dup {
				all = append(all, s.problem(Project+":"+KeyStack+".kind",
					"a second %s stack for environment %s; %s (%s) is the first", KindGlobal, s.Settings.Environment, other.Name, other.File))
			}
			globals[s.Settings.Environment] = s
		}
	}
	for i, a := range vpcs {
		for _, b := range vpcs[i+1:] {
			if a.prefix.Overlaps(b.prefix) {
				all = append(all, b.stack.problem(Project+":"+KeyNetwork+".vpcCidr",
					"%s overlaps %s's VPC %s (%s); VPC peering needs disjoint CIDRs", b.prefix, a.stack.Name, a.prefix, a.stack.File))
			}
		}
	}
	for _, s := range f.Stacks {
		if s.VPN == nil {
			continue
		}
		for gi, g := range s.VPN.CustomerGateways {
			for ci, c := range g.ClientCIDRs {
				cp, err := netip.ParsePrefix(c)
				if err != nil {
					continue
				}
				for _, v := range vpcs {
					if v.stack != s && cp.Overlaps(v.prefix) {
						all = append(all, s.problem(fmt.Sprintf("%s:%s.customerGateways[%d].clientCidrs[%d]", Project, KeyVPN, gi, ci),
							"%s overlaps %s's VPC %s (%s); office routes would shadow the peered VPC", cp, v.stack.Name, v.prefix, v.stack.File))
					}
				}
			}
		}
	}
	all = append(all, f.validateDatabaseFleet()...)
	for _, g := range globals {
		if len(f.References(g)) == 0 {
			all = append(all, g.problem(Project+":"+KeyStack+".environment",
				"no %s stack has environment %s; a %s stack needs regions to aggregate", KindRegion, g.Settings.Environment, KindGlobal))
		}
	}
	return all
}

// References lists the stacks that s reads through StackReferences, sorted: the deploy order
// and the program's cross-stack reads both come from here. A global stack reads every region
// stack of its environment; a secondary database region reads the primary's.
func (f *Fleet) References(s *Stack) []string {
	var out []string
	switch {
	case s.Settings.Kind == KindGlobal:
		for _, x := range f.Stacks {
			if x.Settings.Kind == KindRegion && x.Settings.Environment == s.Settings.Environment {
				out = append(out, x.Name)
			}
		}
	case s.Database != nil && s.Database.Role == RoleSecondary:
		if p := f.PrimaryDatabase(s.Settings.Environment); p != nil {
			out = append(out, p.Name)
		}
	}
	sort.Strings(out)
	return out
}

func sortedUnique(in []string) []string {
	sort.Strings(in)
	out := in[:0]
	for i, s := range in {
		if i == 0 || s != in[i-1] {
			out = append(out, s)
		}
	}
	return out
}

func (s *Stack) problem(path, format string, args ...any) Problem {
	return Problem{File: s.File, Line: s.lineOf(path), Path: path, Msg: fmt.Sprintf(format, args...)}
}

func asProblems(err error) Problems {
	if ps, ok := err.(Problems); ok {
		return ps
	}
	return Problems{{Msg: err.Error()}}
}
