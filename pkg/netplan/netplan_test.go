package netplan

import (
	"net/netip"
	"testing"
)

func TestComputeSlash16(t *testing.T) {
	tests := []struct {
		vpc      string
		azs      int
		private  []string
		public   []string
		database []string
		cass     []string
		tier     string
	}{
		{
			vpc: "10.1.0.0/16", azs: 3,
			private:  []string{"10.1.0.0/19", "10.1.32.0/19", "10.1.64.0/19"},
			public:   []string{"10.1.192.0/22", "10.1.196.0/22", "10.1.200.0/22"},
			database: []string{"10.1.224.0/24", "10.1.225.0/24", "10.1.226.0/24"},
			cass:     []string{"10.1.240.0/23", "10.1.242.0/23", "10.1.244.0/23"}, tier: "10.1.240.0/20",
		},
		{
			vpc: "10.5.0.0/16", azs: 2,
			private:  []string{"10.5.0.0/19", "10.5.32.0/19"},
			public:   []string{"10.5.192.0/22", "10.5.196.0/22"},
			database: []string{"10.5.224.0/24", "10.5.225.0/24"},
			cass:     []string{"10.5.240.0/23", "10.5.242.0/23"}, tier: "10.5.240.0/20",
		},
		{
			vpc: "172.20.0.0/20", azs: 2,
			private:  []string{"172.20.0.0/23", "172.20.2.0/23"},
			public:   []string{"172.20.12.0/26", "172.20.12.64/26"},
			database: []string{"172.20.14.0/28", "172.20.14.16/28"},
			cass:     []string{"172.20.15.0/27", "172.20.15.32/27"}, tier: "172.20.15.0/24",
		},
	}
	for _, tt := range tests {
		t.Run(tt.vpc, func(t *testing.T) {
			p, err := Compute(netip.MustParsePrefix(tt.vpc), tt.azs)
			if err != nil {
				t.Fatal(err)
			}
			check := func(tier string, got []netip.Prefix, want []string) {
				if len(got) != len(want) {
					t.Fatalf("%s: got %d subnets, want %d", tier, len(got), len(want))
				}
				for i := range want {
					if got[i].String() != want[i] {
						t.Errorf("%s[%d] = %s, want %s", tier, i, got[i], want[i])
					}
				}
			}
			check("private", p.Private, tt.private)
			check("public", p.Public, tt.public)
			check("database", p.Database, tt.database)
			check("cassandra", p.Cassandra, tt.cass)
			if p.CassandraTier.String() != tt.tier || CassandraTier(netip.MustParsePrefix(tt.vpc)) != p.CassandraTier {
				t.Errorf("Cassandra tier %s, want %s", p.CassandraTier, tt.tier)
			}
		})
	}
}

// Every subnet of every supported VPC size and AZ count is inside the VPC and disjoint from all
// others, and adding an AZ never moves an existing subnet.
func TestComputeInvariants(t *testing.T) {
	for bits := MinPrefix; bits <= MaxPrefix; bits++ {
		vpc := netip.PrefixFrom(netip.MustParseAddr("10.0.0.0"), bits)
		var prev Plan
		for azs := 1; azs <= MaxAZs; azs++ {
			p, err := Compute(vpc, azs)
			if err != nil {
				t.Fatalf("%s/%d AZs: %v", vpc, azs, err)
			}
			all := append(append(append(append([]netip.Prefix{}, p.Private...), p.Public...), p.Database...), p.Cassandra...)
			// The Cassandra tier holds the Cassandra subnets and overlaps no other tier's.
			for _, c := range p.Cassandra {
				if !Contains(p.CassandraTier, c) {
					t.Errorf("%s/%d AZs: Cassandra subnet %s outside the tier %s", vpc, azs, c, p.CassandraTier)
				}
			}
			for _, o := range append(append(append([]netip.Prefix{}, p.Private...), p.Public...), p.Database...) {
				if o.Overlaps(p.CassandraTier) {
					t.Errorf("%s/%d AZs: %s overlaps the Cassandra tier %s", vpc, azs, o, p.CassandraTier)
				}
			}
			for i, a := range all {
				if !Contains(vpc, a) {
					t.Errorf("%s/%d AZs: %s outside VPC", vpc, azs, a)
				}
				for _, b := range all[i+1:] {
					if a.Overlaps(b) {
						t.Errorf("%s/%d AZs: %s overlaps %s", vpc, azs, a, b)
					}
				}
			}
			for i := range prev.Private {
				if prev.Private[i] != p.Private[i] || prev.Public[i] != p.Public[i] || prev.Database[i] != p.Database[i] || prev.Cassandra[i] != p.Cassandra[i] {
					t.Errorf("%s: AZ %d moved when going to %d AZs", vpc, i, azs)
				}
			}
			prev = p
		}
	}
}

func TestComputeRejects(t *testing.T) {
	tests := []struct {
		vpc string
		azs int
	}{
		{"10.0.0.0/8", 3},     // larger than AWS allows
		{"10.0.0.0/24", 3},    // too small for the layout
		{"10.0.1.0/16", 3},    // host bits
		{"10.0.0.0/16", 0},    // no AZ
		{"10.0.0.0/16", 7},    // more than any region has
		{"fd00::/56", 2},      // IPv6
		{"192.168.0.0/21", 2}, // /21 below MaxPrefix
	}
	for _, tt := range tests {
		if _, err := Compute(netip.MustParsePrefix(tt.vpc), tt.azs); err == nil {
			t.Errorf("Compute(%s, %d): want error", tt.vpc, tt.azs)
		}
	}
}

func TestContains(t *testing.T) {
	vpc := netip.MustParsePrefix("10.1.0.0/16")
	if !Contains(vpc, netip.MustParsePrefix("10.1.3.0/24")) {
		t.Error("10.1.3.0/24 should be inside 10.1.0.0/16")
	}
	// A prefix lies wholly inside itself: a subnet override may take the whole of its range.
	if !Contains(vpc, vpc) {
		t.Error("10.1.0.0/16 should be inside itself")
	}
	if !Contains(vpc, netip.MustParsePrefix("10.1.255.255/32")) {
		t.Error("the last address of 10.1.0.0/16 should be inside it")
	}
	if Contains(vpc, netip.MustParsePrefix("10.0.0.0/15")) {
		t.Error("a /15 holding the VPC cannot be inside it")
	}
	if Contains(vpc, netip.MustParsePrefix("10.0.0.0/8")) {
		t.Error("a larger prefix cannot be inside")
	}
	if Contains(vpc, netip.MustParsePrefix("10.2.0.0/24")) {
		t.Error("10.2.0.0/24 is outside")
	}
}
