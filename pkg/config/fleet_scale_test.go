package config

import (
	"fmt"
	"math/rand"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

// scaleRegion is a region stack with the given VPC CIDR and office client CIDRs (one gateway
// each), enough for the cross-stack CIDR rules.
func scaleRegion(name, vpc string, clients ...string) *Stack {
	s := &Stack{Name: name, File: StackFileName(name), Settings: Settings{Kind: KindRegion, Code: name, AWSRegion: "us-east-1", Environment: EnvStaging}}
	if vpc != "" {
		s.Network = &Network{VPCCIDR: vpc}
	}
	if len(clients) > 0 {
		s.VPN = &VPN{}
		for i, c := range clients {
			s.VPN.CustomerGateways = append(s.VPN.CustomerGateways, CustomerGateway{Name: fmt.Sprintf("gw%d", i), ClientCIDRs: []string{c}, TunnelSlot: &i})
		}
	}
	return s
}

// scaleCIDRProblems are the cross-stack CIDR problems of Fleet.Validate, in the order it reports
// them.
func scaleCIDRProblems(f *Fleet) []string {
	var out []string
	for _, p := range f.Validate() {
		if strings.Contains(p.Msg, "VPC peering needs disjoint CIDRs") || strings.Contains(p.Msg, "office routes would shadow") {
			out = append(out, p.String())
		}
	}
	return out
}

// The overlap messages of the sorted algorithm are those of the all-pairs one it replaced, in
// the same order: the pair (a, b) with a before b in the fleet is reported on b, naming a. The
// want lists were captured from the all-pairs algorithm.
func TestOverlapMessagesUnchanged(t *testing.T) {
	for _, tt := range []struct {
		name   string
		stacks []*Stack
		want   []string
	}{
		{"disjoint", []*Stack{scaleRegion("a", "10.1.0.0/16"), scaleRegion("b", "10.2.0.0/16")}, nil},
		{"same prefix thrice", []*Stack{scaleRegion("a", "10.1.0.0/16"), scaleRegion("b", "10.1.0.0/16"), scaleRegion("c", "10.1.0.0/16")}, []string{
			"Pulumi.b.yaml: global-sovereign:network.vpcCidr: 10.1.0.0/16 overlaps a's VPC 10.1.0.0/16 (Pulumi.a.yaml); VPC peering needs disjoint CIDRs",
			"Pulumi.c.yaml: global-sovereign:network.vpcCidr: 10.1.0.0/16 overlaps a's VPC 10.1.0.0/16 (Pulumi.a.yaml); VPC peering needs disjoint CIDRs",
			"Pulumi.c.yaml: global-sovereign:network.vpcCidr: 10.1.0.0/16 overlaps b's VPC 10.1.0.0/16 (Pulumi.b.yaml); VPC peering needs disjoint CIDRs",
		}},
		{"nested both ways", []*Stack{scaleRegion("a", "10.1.2.0/24"), scaleRegion("b", "10.0.0.0/8"), scaleRegion("c", "10.1.0.0/16"), scaleRegion("d", "10.3.0.0/16")}, []string{
			"Pulumi.b.yaml: global-sovereign:network.vpcCidr: 10.0.0.0/8 overlaps a's VPC 10.1.2.0/24 (Pulumi.a.yaml); VPC peering needs disjoint CIDRs",
			"Pulumi.c.yaml: global-sovereign:network.vpcCidr: 10.1.0.0/16 overlaps a's VPC 10.1.2.0/24 (Pulumi.a.yaml); VPC peering needs disjoint CIDRs",
			"Pulumi.c.yaml: global-sovereign:network.vpcCidr: 10.1.0.0/16 overlaps b's VPC 10.0.0.0/8 (Pulumi.b.yaml); VPC peering needs disjoint CIDRs",
			"Pulumi.d.yaml: global-sovereign:network.vpcCidr: 10.3.0.0/16 overlaps b's VPC 10.0.0.0/8 (Pulumi.b.yaml); VPC peering needs disjoint CIDRs",
		}},
		{"unmasked and unparsable", []*Stack{scaleRegion("a", "10.1.7.9/16"), scaleRegion("b", "10.1.0.0/24"), scaleRegion("c", "nonsense"), scaleRegion("d", "")}, []string{
			"Pulumi.b.yaml: global-sovereign:network.vpcCidr: 10.1.0.0/24 overlaps a's VPC 10.1.0.0/16 (Pulumi.a.yaml); VPC peering needs disjoint CIDRs",
		}},
		{"offices", []*Stack{
			scaleRegion("a", "10.1.0.0/16", "10.0.0.0/8", "10.1.0.0/16"),
			scaleRegion("b", "10.2.0.0/16", "10.1.5.5/32", "192.168.0.0/16", "10.2.0.0/20"),
			scaleRegion("c", "192.168.4.0/22", "172.16.0.0/12"),
			scaleRegion("d", "", "0.0.0.0/0"),
		}, []string{
			"Pulumi.a.yaml: global-sovereign:vpn.customerGateways[0].clientCidrs[0]: 10.0.0.0/8 overlaps b's VPC 10.2.0.0/16 (Pulumi.b.yaml); office routes would shadow the peered VPC",
			"Pulumi.b.yaml: global-sovereign:vpn.customerGateways[0].clientCidrs[0]: 10.1.5.5/32 overlaps a's VPC 10.1.0.0/16 (Pulumi.a.yaml); office routes would shadow the peered VPC",
			"Pulumi.b.yaml: global-sovereign:vpn.customerGateways[1].clientCidrs[0]: 192.168.0.0/16 overlaps c's VPC 192.168.4.0/22 (Pulumi.c.yaml); office routes would shadow the peered VPC",
			"Pulumi.d.yaml: global-sovereign:vpn.customerGateways[0].clientCidrs[0]: 0.0.0.0/0 overlaps a's VPC 10.1.0.0/16 (Pulumi.a.yaml); office routes would shadow the peered VPC",
			"Pulumi.d.yaml: global-sovereign:vpn.customerGateways[0].clientCidrs[0]: 0.0.0.0/0 overlaps b's VPC 10.2.0.0/16 (Pulumi.b.yaml); office routes would shadow the peered VPC",
			"Pulumi.d.yaml: global-sovereign:vpn.customerGateways[0].clientCidrs[0]: 0.0.0.0/0 overlaps c's VPC 192.168.4.0/22 (Pulumi.c.yaml); office routes would shadow the peered VPC",
		}},
		{"fleet not in name order, IPv6 beside IPv4", []*Stack{
			scaleRegion("z", "10.9.0.0/16"), scaleRegion("m", "::ffff:10.9.0.0/112", "::/0"), scaleRegion("a", "10.9.128.0/17", "10.9.1.1/32"),
		}, []string{
			"Pulumi.a.yaml: global-sovereign:network.vpcCidr: 10.9.128.0/17 overlaps z's VPC 10.9.0.0/16 (Pulumi.z.yaml); VPC peering needs disjoint CIDRs",
			"Pulumi.a.yaml: global-sovereign:vpn.customerGateways[0].clientCidrs[0]: 10.9.1.1/32 overlaps z's VPC 10.9.0.0/16 (Pulumi.z.yaml); office routes would shadow the peered VPC",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := scaleCIDRProblems(&Fleet{Stacks: tt.stacks})
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// legacyCIDRProblems is the all-pairs algorithm Fleet.Validate used before the sorted one, kept
// as the reference the new one must match message for message.
func legacyCIDRProblems(f *Fleet) []string {
	var all Problems
	type vpc struct {
		stack  *Stack
		prefix netip.Prefix
	}
	var vpcs []vpc
	for _, s := range f.Stacks {
		if s.Settings.Kind == KindRegion && s.Network != nil {
			if p, err := netip.ParsePrefix(s.Network.VPCCIDR); err == nil {
				vpcs = append(vpcs, vpc{s, p.Masked()})
			}
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
	var out []string
	for _, p := range all {
		out = append(out, p.String())
	}
	return out
}

// Random layouts, dense in overlaps (nested, equal, unmasked, IPv6, duplicates, a stack
// overlapping its own offices): the same messages in the same order as the all-pairs algorithm.
func TestOverlapMessagesMatchAllPairs(t *testing.T) {
	r := rand.New(rand.NewSource(15))
	prefix := func() string {
		if r.Intn(12) == 0 {
			return fmt.Sprintf("fd00:%x::/%d", r.Intn(4), 16+r.Intn(40))
		}
		if r.Intn(15) == 0 {
			return "not-a-cidr"
		}
		bits := 8 + r.Intn(25)
		return fmt.Sprintf("10.%d.%d.%d/%d", r.Intn(4), r.Intn(256), r.Intn(256), bits)
	}
	reported := 0
	for round := 0; round < 300; round++ {
		f := &Fleet{}
		for i, n := 0, 1+r.Intn(25); i < n; i++ {
			var clients []string
			for j, m := 0, r.Intn(3); j < m; j++ {
				clients = append(clients, prefix())
			}
			vpc := prefix()
			if r.Intn(10) == 0 {
				vpc = ""
			}
			s := scaleRegion(fmt.Sprintf("s%02d", r.Intn(30)), vpc, clients...)
			if r.Intn(10) == 0 {
				s.Settings.Kind = KindGlobal
			}
			f.Stacks = append(f.Stacks, s)
		}
		got, want := scaleCIDRProblems(f), legacyCIDRProblems(f)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: got:\n%s\nwant (all pairs):\n%s", round, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		reported += len(got)
	}
	if reported < 1000 {
		t.Errorf("only %d overlaps in all rounds; the layouts are too sparse to compare the algorithms", reported)
	}
	t.Logf("%d overlap messages, all as the all-pairs algorithm reports them", reported)
}

// scaleFleet is the committed fleet plus synthetic region stacks cloned from iad (own code, a
// free /20 VPC, no database, in staging), n stacks in all.
func scaleFleet(t testing.TB, n int) *Fleet {
	t.Helper()
	f, err := LoadDir("../..")
	if err != nil {
		t.Fatal(err)
	}
	iad := f.Stack("iad")
	for i := 0; len(f.Stacks) < n; i++ {
		c := *iad
		c.Name = fmt.Sprintf("x%04d", i)
		c.File = StackFileName(c.Name)
		c.Settings.Code = c.Name
		c.Settings.NamePrefix = "gs-" + c.Name
		network := *iad.Network
		network.VPCCIDR = fmt.Sprintf("10.%d.%d.0/20", 128+i/16, i%16*16)
		c.Network = &network
		if iad.VPN != nil { // each stack its own block of tunnel inside addresses
			vpn := *iad.VPN
			vpn.TunnelInsideBlock = fmt.Sprintf("169.254.%d.%d/27", 16+i/8, i%8*32)
			c.VPN = &vpn
		}
		c.Database, c.Backup, c.Cassandra = nil, nil, nil
		if iad.Ingress != nil {
			ingress := *iad.Ingress
			ingress.Hostname = "api-" + c.Name + "." + ingress.ZoneName
			c.Ingress = &ingress
		}
		// Staging: production's global stack would peer every clone with every region (a full
		// mesh, bounded by the peering quota) and route one latency record per AWS region.
		c.Settings.Environment = EnvStaging
		f.Stacks = append(f.Stacks, &c)
	}
	return f
}

// Fleet validation grows linearly: a fleet of 1000 stacks validates in well under a second.
func TestValidateThousandStacks(t *testing.T) {
	f := scaleFleet(t, 1000)
	start := time.Now()
	ps := f.Validate()
	took := time.Since(start)
	if len(ps) > 0 {
		t.Fatalf("the synthetic fleet is invalid:\n%v", ps.Err())
	}
	t.Logf("validated %d stacks in %s", len(f.Stacks), took)
	if took > 500*time.Millisecond {
		t.Errorf("validating %d stacks took %s; want well under a second", len(f.Stacks), took)
	}
}

func BenchmarkValidate(b *testing.B) {
	for _, n := range []int{7, 100, 1000} {
		f := scaleFleet(b, n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				f.Validate()
			}
		})
	}
}
