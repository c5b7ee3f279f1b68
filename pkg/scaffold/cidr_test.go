package scaffold

import (
	"net/netip"
	"strings"
	"testing"
)

func vpcs(cidrs ...string) []Taken {
	var out []Taken
	for _, c := range cidrs {
		out = append(out, Taken{Prefix: netip.MustParsePrefix(c), VPC: true})
	}
	return out
}

func offices(cidrs ...string) []Taken {
	var out []Taken
	for _, c := range cidrs {
		out = append(out, Taken{Prefix: netip.MustParsePrefix(c)})
	}
	return out
}

func TestFreeVPC(t *testing.T) {
	committed := vpcs("10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16", "10.4.0.0/16", "10.5.0.0/16", "10.6.0.0/16")
	var firstToLast []Taken // 10.1 ... 10.255: only 10.0.0.0/16 is left
	for k := 1; k < 256; k++ {
		firstToLast = append(firstToLast, vpcs(netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(k), 0, 0}), 16).String())...)
	}
	tests := []struct {
		name  string
		taken []Taken
		want  string
	}{
		{"committed fleet: after the highest", committed, "10.7.0.0/16"},
		{"empty fleet: 10.0.0.0/16 comes last", nil, "10.1.0.0/16"},
		{"a gap is not reused while there is room above", vpcs("10.1.0.0/16", "10.3.0.0/16"), "10.4.0.0/16"},
		{"office network in the way", append(vpcs("10.1.0.0/16"), offices("10.2.128.0/24")...), "10.3.0.0/16"},
		{"office networks of the committed fleet are public /32s", append(committed, offices("178.162.141.130/32", "165.90.14.138/32")...), "10.7.0.0/16"},
		{"a /20 VPC takes its whole /16", vpcs("10.1.0.0/16", "10.2.16.0/20"), "10.3.0.0/16"},
		{"a /15 VPC takes two", vpcs("10.1.0.0/16", "10.2.0.0/15"), "10.4.0.0/16"},
		{"a /12 VPC takes sixteen", vpcs("10.16.0.0/12"), "10.32.0.0/16"},
		{"VPCs outside the pool do not count", vpcs("172.16.0.0/16", "192.168.0.0/16", "10.1.0.0/16"), "10.2.0.0/16"},
		{"the top is used: lowest free", vpcs("10.1.0.0/16", "10.2.0.0/16", "10.255.0.0/16"), "10.3.0.0/16"},
		{"an office /9 leaves the upper half", offices("10.0.0.0/9"), "10.128.0.0/16"},
		{"an office network does not move the start", append(vpcs("10.1.0.0/16"), offices("10.200.0.0/16")...), "10.2.0.0/16"},
		{"only 10.0.0.0/16 is left", firstToLast, "10.0.0.0/16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FreeVPC(tt.taken)
			if err != nil || got.String() != tt.want {
				t.Fatalf("FreeVPC = %v, %v; want %s", got, err, tt.want)
			}
			if overlapsAny(got, tt.taken) {
				t.Fatalf("%s overlaps something taken", got)
			}
		})
	}
}

func TestFreeVPCFull(t *testing.T) {
	for name, taken := range map[string][]Taken{
		"office network covers the pool": append(vpcs("10.1.0.0/16"), offices("10.0.0.0/8")...),
		"a VPC larger than the pool":     vpcs("10.0.0.0/7"),
		"every /16 used": func() []Taken {
			var out []Taken
			for k := range 256 {
				out = append(out, vpcs(netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(k), 0, 0}), 16).String())...)
			}
			return out
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			got, err := FreeVPC(taken)
			if err == nil {
				t.Fatalf("FreeVPC = %s, want an error", got)
			}
			if !strings.Contains(err.Error(), "no free /16 left in 10.0.0.0/8") || !strings.Contains(err.Error(), "172.16.0.0/12") {
				t.Errorf("message: %v", err)
			}
		})
	}
}
