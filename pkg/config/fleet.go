package config

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"sort"
	"strings"
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
	proj, err := ReadProject(dir)
	if err != nil {
		return nil, err
	}
	f := &Fleet{}
	var all Problems
	for _, file := range files {
		s, err := proj.ReadFile(file)
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
	clients := map[string]*Stack{}
	globals := map[Environment]*Stack{}
	prefixes := map[string]*Stack{}
	for _, s := range f.Stacks {
		if other, dup := prefixes[s.Settings.NamePrefix]; dup && s.Settings.Kind != KindGlobal {
			all = append(all, s.problem(keyPath(KeyStack, "namePrefix"),
				"%q is already the name prefix of %s (%s); two stacks with one prefix would give their roles, keys and clusters the same names",
				s.Settings.NamePrefix, other.Name, other.File))
		}
		if s.Settings.Kind != KindGlobal {
			prefixes[s.Settings.NamePrefix] = s
		}
		key := s.Settings.Code + "/" + string(s.Settings.Environment)
		switch s.Settings.Kind {
		case KindRegion, KindEnvironment:
			if other, dup := byCode[key]; dup {
				all = append(all, s.problem(keyPath(KeyStack, "code"),
					"%q in environment %s is already stack %s (%s); each region code has one region or environment stack per environment",
					s.Settings.Code, s.Settings.Environment, other.Name, other.File))
			}
			byCode[key] = s
			if s.Network != nil {
				if p, err := netip.ParsePrefix(s.Network.VPCCIDR); err == nil {
					vpcs = append(vpcs, vpcPrefix{s, p.Masked()})
				}
			}
		case KindClient:
			key += "/" + s.Settings.Client
			if other, dup := clients[key]; dup {
				all = append(all, s.problem(keyPath(KeyStack, "client"),
					"client %q of %s in environment %s is already stack %s (%s)", s.Settings.Client, s.Settings.Code, s.Settings.Environment, other.Name, other.File))
			}
			clients[key] = s
		case KindGlobal:
			if other, dup := globals[s.Settings.Environment]; dup {
				all = append(all, s.problem(keyPath(KeyStack, "kind"),
					"a second %s stack for environment %s; %s (%s) is the first", KindGlobal, s.Settings.Environment, other.Name, other.File))
			}
			globals[s.Settings.Environment] = s
		}
	}
	all = append(all, f.validateHomes()...)
	all = append(all, f.validateHostnames()...)
	all = append(all, f.validateClients()...)
	all = append(all, f.validateTunnelBlocks()...)
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
	all = append(all, f.validateCassandraFleet()...)
	all = append(all, f.validateClientCassandra()...)
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
// stack of its environment; a member of the global database reads the home's (DatabaseHome); an environment
// stack reads the region stack whose network it shares; a client stack reads the stack of the
// cluster and database it lives in, and the stack of its database's writer when that is another
// (DatabaseWriterStack).
func (f *Fleet) References(s *Stack) []string {
	out := f.baseReferences(s)
	// A data-plane region of the Cassandra cluster admits the control plane's NAT addresses on
	// its API endpoint: the control-plane operator manages the datacenter through it.
	if s.Settings.Kind == KindRegion && s.Cassandra != nil && !s.Cassandra.ControlPlane {
		if cp := f.CassandraControlPlane(s.Settings.Environment); cp != nil && !slices.Contains(out, cp.Name) {
			out = append(out, cp.Name)
			sort.Strings(out)
		}
	}
	// A client with a keyspace creates it, and its role, as the cluster's superuser once the
	// global stack's K8ssandraCluster is up: it reads the global stack (CassandraGlobal).
	if g := f.CassandraGlobal(s); g != nil && !slices.Contains(out, g.Name) {
		out = append(out, g.Name)
		sort.Strings(out)
	}
	return out
}

// baseReferences are the stacks s reads for its network, home, database writer or the global
// database's primary.
func (f *Fleet) baseReferences(s *Stack) []string {
	var out []string
	switch {
	case s.Settings.Kind == KindGlobal:
		for _, x := range f.Stacks {
			if x.Settings.Kind == KindRegion && x.Settings.Environment == s.Settings.Environment {
				out = append(out, x.Name)
			}
		}
	case s.Settings.Kind == KindEnvironment:
		if n := f.NetworkStack(s); n != nil {
			out = append(out, n.Name)
		}
	case s.Settings.Kind == KindClient:
		if h := f.HomeStack(s); h != nil {
			out = append(out, h.Name)
		}
		if w := f.DatabaseWriterStack(s); w != nil && w != f.HomeStack(s) {
			out = append(out, w.Name)
		}
	case s.Database != nil && s.Database.Role != RoleStandalone:
		// Every member but the home reads the global cluster and the credentials from the home.
		if h := f.DatabaseHome(s.Settings.Environment); h != nil && h.Name != s.Name {
			out = append(out, h.Name)
		}
	}
	sort.Strings(out)
	return out
}

// NetworkStack is the stack whose VPC s uses: s itself for a region stack, the region stack of
// the same code for an environment stack, its home's network for a client; nil when there is
// none (validation says so).
func (f *Fleet) NetworkStack(s *Stack) *Stack {
	switch s.Settings.Kind {
	case KindRegion:
		return s
	case KindEnvironment:
		var found *Stack
		for _, x := range f.Stacks {
			if x.Settings.Kind == KindRegion && x.Settings.Code == s.Settings.Code {
				if found != nil {
					return nil // ambiguous: validateHomes reports it
				}
				found = x
			}
		}
		return found
	case KindClient:
		if h := f.HomeStack(s); h != nil {
			return f.NetworkStack(h)
		}
	}
	return nil
}

// HomeStack is the stack a client lives in: the region or environment stack of the client's
// code and environment, which holds the cluster and the database; nil when there is none.
func (f *Fleet) HomeStack(s *Stack) *Stack {
	if s.Settings.Kind != KindClient {
		return nil
	}
	for _, x := range f.Stacks {
		if x.HasCompute() && x.Settings.Code == s.Settings.Code && x.Settings.Environment == s.Settings.Environment {
			return x
		}
	}
	return nil
}

// DatabaseWriterStack is the stack whose Aurora writer holds a client's database, whose
// cluster runs the Job that creates it: the home stack when its database is a primary or
// standalone; when the home's database is a secondary of a global database (read-only: neither
// DDL nor CREATE ROLE can be forwarded to the writer), the environment's primary, from which the
// database replicates to the home region. nil for a client without a database, or when there is
// no such stack (validation says so).
func (f *Fleet) DatabaseWriterStack(s *Stack) *Stack {
	home := f.HomeStack(s)
	if home == nil || home.Database == nil || s.Client == nil || !s.Client.Database.DatabaseEnabled() {
		return nil
	}
	if home.Database.Role == RoleStandalone {
		return home
	}
	// A global database: its home holds the master credentials, and with them the platform's
	// provisioning role (pkg/program deployProvisioning), whatever region writes today.
	if h := f.DatabaseHome(home.Settings.Environment); h != nil {
		return h
	}
	return f.PrimaryDatabase(home.Settings.Environment)
}

// validateClients checks what a client's database needs of the stacks it lives in: a home with
// a database, a writer with a cluster for the Job, and a database name and role no other client
// of the same writer (nor the writer's own database) has.
func (f *Fleet) validateClients() Problems {
	var all Problems
	type owner struct{ stack, what string }
	taken := map[string]owner{} // writer/kind/name -> who has it
	for _, w := range f.Stacks {
		if w.HasCompute() && w.Database != nil && w.Database.Role != RoleSecondary {
			taken[w.Name+"/database/"+w.Database.DatabaseName] = owner{w.Name, "its own database"}
			taken[w.Name+"/user/"+w.Database.MasterUsername] = owner{w.Name, "its master user"}
		}
	}
	for _, s := range f.Stacks {
		if s.Settings.Kind != KindClient || s.Client == nil || !s.Client.Database.DatabaseEnabled() {
			continue
		}
		home := f.HomeStack(s)
		if home == nil {
			continue // validateHomes reports it
		}
		if home.Database == nil {
			all = append(all, s.clientProblem(keyPath(KeyClient, "database.enabled"),
				"true, but the home stack %s (%s) has no %s:%s; give it one or set enabled: false", home.Name, home.File, Project, KeyDatabase))
			continue
		}
		w := f.DatabaseWriterStack(s)
		if w == nil {
			continue // the home's environment has no primary: validateDatabaseFleet reports it
		}
		if w.Cluster == nil {
			all = append(all, s.clientProblem(keyPath(KeyClient, "database.enabled"),
				"true, but %s (%s), whose Aurora writer holds the client's database, has no cluster to run the Job that creates it from inside the VPC",
				w.Name, w.File))
		}
		for _, k := range []struct{ kind, name, key string }{
			{"database", s.Client.Database.Name, "database.name"}, {"user", s.Client.Database.User, "database.user"},
		} {
			id := w.Name + "/" + k.kind + "/" + k.name
			if o, dup := taken[id]; dup {
				all = append(all, s.clientProblem(keyPath(KeyClient, k.key),
					"%q is already %s in %s's Aurora cluster; each client of one cluster has its own", k.name, o.what, o.stack))
				continue
			}
			taken[id] = owner{w.Name, "client stack " + s.Name + "'s " + k.kind}
		}
	}
	return all
}

// clientProblem is a problem of a client stack with the stacks it lives in: at the key when the
// stack file writes it; otherwise the value is a default (from Pulumi.yaml or from the client's
// name) that only this stack gets wrong, so the problem is on the stack file's client name.
func (s *Stack) clientProblem(path, format string, args ...any) Problem {
	if _, own := s.lines[path]; own {
		return s.problem(path, format, args...)
	}
	p := s.problem(keyPath(KeyStack, "client"), format, args...)
	p.Path = path
	return p
}

// validateHomes checks that every environment stack has one region stack to share the network
// of, and every client a home with a cluster, both in the same AWS region.
func (f *Fleet) validateHomes() Problems {
	var all Problems
	for _, s := range f.Stacks {
		var home *Stack
		switch s.Settings.Kind {
		case KindEnvironment:
			n := 0
			for _, x := range f.Stacks {
				if x.Settings.Kind == KindRegion && x.Settings.Code == s.Settings.Code {
					n++
				}
			}
			switch {
			case n == 0:
				all = append(all, s.problem(keyPath(KeyStack, "code"), "no %s stack has code %q; an %s stack shares its region's network (regions: %s)",
					KindRegion, s.Settings.Code, KindEnvironment, strings.Join(f.codes(KindRegion), ", ")))
				continue
			case n > 1:
				all = append(all, s.problem(keyPath(KeyStack, "code"), "%d %s stacks have code %q; an %s stack shares the network of exactly one",
					n, KindRegion, s.Settings.Code, KindEnvironment))
				continue
			}
			home = f.NetworkStack(s)
			if home.Settings.Environment == s.Settings.Environment {
				all = append(all, s.problem(keyPath(KeyStack, "environment"), "%s is the environment of region stack %s; an %s stack adds another one",
					s.Settings.Environment, home.Name, KindEnvironment))
			}
		case KindClient:
			home = f.HomeStack(s)
			if home == nil {
				all = append(all, s.problem(keyPath(KeyStack, "environment"), "no %s or %s stack has code %q and environment %s; a client lives in one",
					KindRegion, KindEnvironment, s.Settings.Code, s.Settings.Environment))
				continue
			}
			if home.Cluster == nil {
				all = append(all, s.problem(keyPath(KeyStack, "environment"), "%s (%s) has no cluster for the client's namespace", home.Name, home.File))
			}
		default:
			continue
		}
		if home.Settings.AWSRegion != s.Settings.AWSRegion {
			all = append(all, s.problem(keyPath(KeyStack, "awsRegion"), "%q, but %s is in %s; a stack on another's network is in the same AWS region",
				s.Settings.AWSRegion, home.Name, home.Settings.AWSRegion))
		}
	}
	return all
}

// validateHostnames checks that no two stacks serve the same API name: each creates the name's
// record and its certificate's validation record, and destroying one would delete the other's.
func (f *Fleet) validateHostnames() Problems {
	var all Problems
	owner := map[string]*Stack{}
	for _, s := range f.Stacks {
		if s.DNS != nil {
			owner[strings.ToLower(s.DNS.FQDN())] = s
		}
	}
	// Region stacks claim their names first: a conflict is reported on the environment stack
	// that took a region's name.
	ordered := slices.Clone(f.Stacks)
	slices.SortStableFunc(ordered, func(a, b *Stack) int {
		return cmpBool(a.Settings.Kind != KindRegion, b.Settings.Kind != KindRegion)
	})
	for _, s := range ordered {
		if s.Ingress == nil || s.Ingress.Hostname == "" {
			continue
		}
		name := strings.ToLower(s.Ingress.Hostname)
		if other, dup := owner[name]; dup && other != s {
			all = append(all, s.problem(keyPath(KeyIngress, "hostname"), "%q is already %s's API name (%s); each stack serves its own name",
				s.Ingress.Hostname, other.Name, other.File))
			continue
		}
		owner[name] = s
	}
	return all
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// codes lists the codes of the stacks of one kind, sorted.
func (f *Fleet) codes(kind Kind) []string {
	var out []string
	for _, s := range f.Stacks {
		if s.Settings.Kind == kind {
			out = append(out, s.Settings.Code)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
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
	file, line := s.locate(path)
	return Problem{File: file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...), Stack: s.Name}
}

func asProblems(err error) Problems {
	if ps, ok := err.(Problems); ok {
		return ps
	}
	return Problems{{Msg: err.Error()}}
}
