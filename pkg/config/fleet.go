package config

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
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
// global stack per environment with at least one region to aggregate. Its cost grows linearly
// with the stacks (plus the overlaps it reports): no rule compares all pairs of stacks.
func (f *Fleet) Validate() Problems {
	var all Problems
	for _, s := range f.Stacks {
		all = append(all, s.Validate()...)
	}
	var vpcs []vpcPrefix
	byCode := map[string]*Stack{}
	globals := map[Environment]*Stack{}
	for _, s := range f.Stacks {
		key := s.Settings.Code + "/" + string(s.Settings.Environment)
		switch s.Settings.Kind {
		case KindRegion:
			if other, dup := byCode[key]; dup {
				all = append(all, s.problem(keyPath(KeyStack, "code"),
					"%s %q in environment %s is already stack %s (%s); each region code has one stack per environment",
					KindRegion, s.Settings.Code, s.Settings.Environment, other.Name, other.File))
			}
			byCode[key] = s
			if s.Network != nil {
				if p, err := netip.ParsePrefix(s.Network.VPCCIDR); err == nil {
					vpcs = append(vpcs, vpcPrefix{s, p.Masked()})
				}
			}
		case KindGlobal:
			if other, dup := globals[s.Settings.Environment]; dup {
				all = append(all, s.problem(keyPath(KeyStack, "kind"),
					"a second %s stack for environment %s; %s (%s) is the first", KindGlobal, s.Settings.Environment, other.Name, other.File))
			}
			globals[s.Settings.Environment] = s
		}
	}
	index := newPrefixIndex(vpcs)
	// Every overlapping pair once, reported on the later stack of the pair, in the order of the
	// first stack and then the second (as comparing all pairs in fleet order would).
	var pairs [][2]int
	for j, b := range vpcs {
		for _, i := range index.overlapping(b.prefix) {
			if i < j {
				pairs = append(pairs, [2]int{i, j})
			}
		}
	}
	sort.Slice(pairs, func(x, y int) bool {
		if pairs[x][0] != pairs[y][0] {
			return pairs[x][0] < pairs[y][0]
		}
		return pairs[x][1] < pairs[y][1]
	})
	for _, pair := range pairs {
		a, b := vpcs[pair[0]], vpcs[pair[1]]
		all = append(all, b.stack.problem(keyPath(KeyNetwork, "vpcCidr"),
			"%s overlaps %s's VPC %s (%s); VPC peering needs disjoint CIDRs", b.prefix, a.stack.Name, a.prefix, a.stack.File))
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
				for _, i := range index.overlapping(cp) {
					if v := vpcs[i]; v.stack != s {
						all = append(all, s.problem(fmt.Sprintf("%s[%d].clientCidrs[%d]", keyPath(KeyVPN, "customerGateways"), gi, ci),
							"%s overlaps %s's VPC %s (%s); office routes would shadow the peered VPC", cp, v.stack.Name, v.prefix, v.stack.File))
					}
				}
			}
		}
	}
	all = append(all, f.validateDatabaseFleet()...)
	for _, g := range globals {
		if len(f.References(g)) == 0 {
			all = append(all, g.problem(keyPath(KeyStack, "environment"),
				"no %s stack has environment %s; a %s stack needs regions to aggregate", KindRegion, g.Settings.Environment, KindGlobal))
		} else {
			if n := len(f.References(g)); n-1 > MaxPeeringsPerVPC {
				all = append(all, g.problem(keyPath(KeyStack, "environment"),
					"environment %s has %d region stacks: the global stack peers each VPC with %d others, over the %d active peerings AWS allows per VPC by default (raise the quota, up to 125, and this limit with it)",
					g.Settings.Environment, n, n-1, MaxPeeringsPerVPC))
			}
			if g.DNS != nil {
				all = append(all, f.validateDNSFleet(g)...)
			}
		}
	}
	all = append(all, f.validateCostsFleet()...)
	return all
}

// MaxPeeringsPerVPC is AWS's default quota of active VPC peering connections per VPC: the
// global stack's full mesh gives each region stack one peering per other region stack.
const MaxPeeringsPerVPC = 50

// vpcPrefix is the VPC CIDR of a region stack, masked.
type vpcPrefix struct {
	stack  *Stack
	prefix netip.Prefix
}

// prefixIndex finds the VPCs that overlap a prefix without comparing it with every VPC. Two CIDR
// prefixes overlap only when one contains the other: the VPCs that contain p are p's ancestors,
// one lookup per shorter or equal length; the VPCs inside p start within p, a range of the
// VPCs sorted by first address. A query costs O(address bits + log n + matches).
type prefixIndex struct {
	vpcs     []vpcPrefix
	byPrefix map[netip.Prefix][]int // indices into vpcs, ascending
	byAddr   []int                  // indices into vpcs, by first address
}

func newPrefixIndex(vpcs []vpcPrefix) *prefixIndex {
	x := &prefixIndex{vpcs: vpcs, byPrefix: make(map[netip.Prefix][]int, len(vpcs)), byAddr: make([]int, len(vpcs))}
	for i, v := range vpcs {
		x.byPrefix[v.prefix] = append(x.byPrefix[v.prefix], i)
		x.byAddr[i] = i
	}
	sort.SliceStable(x.byAddr, func(a, b int) bool {
		return vpcs[x.byAddr[a]].prefix.Addr().Less(vpcs[x.byAddr[b]].prefix.Addr())
	})
	return x
}

// overlapping lists the indices of the VPCs that overlap p, ascending.
func (x *prefixIndex) overlapping(p netip.Prefix) []int {
	p = p.Masked()
	var out []int
	for bits := 0; bits <= p.Bits(); bits++ {
		if a, err := p.Addr().Prefix(bits); err == nil {
			out = append(out, x.byPrefix[a]...)
		}
	}
	first := sort.Search(len(x.byAddr), func(i int) bool {
		return x.vpcs[x.byAddr[i]].prefix.Addr().Compare(p.Addr()) >= 0
	})
	for _, i := range x.byAddr[first:] {
		q := x.vpcs[i].prefix
		if !p.Contains(q.Addr()) {
			break
		}
		if q.Bits() > p.Bits() {
			out = append(out, i)
		}
	}
	sort.Ints(out)
	return out
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

// PrimaryDatabase returns the stack holding the primary database of an environment, or nil.
func (f *Fleet) PrimaryDatabase(environment Environment) *Stack {
	for _, s := range f.Stacks {
		if s.IsRegion() && s.IsPrimary() && s.Settings.Environment == environment {
			return s
		}
	}
	return nil
}

// SecondaryRegions lists the AWS regions of an environment's secondary database stacks, sorted
// and without repeats: the primary replicates its credentials secret there.
func (f *Fleet) SecondaryRegions(environment Environment) []string {
	var out []string
	for _, s := range f.Stacks {
		if s.IsRegion() && s.Database != nil && s.Database.Role == RoleSecondary && s.Settings.Environment == environment {
			out = append(out, s.Settings.AWSRegion)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
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
