package synth

import (
	"cmp"
	"fmt"
	"sort"
)

// Lookups for tests that follow one resource to another through the ids the mocks answered
// (a route's natGatewayId to the NAT gateway, an association's subnetId to the subnet). A
// golden diff shows a crossed reference only as one opaque id replaced by another; these let a
// test state the fact instead. Nothing here changes what synth produces.

// Index maps the id of every resource the program registers to the resource. Modelled
// resources are left out: nothing the program declares can hold their ids.
func (g *Graph) Index() map[string]Resource {
	out := map[string]Resource{}
	for _, r := range g.Resources {
		if r.ID != "" && !r.Modelled {
			out[r.ID] = r
		}
	}
	return out
}

// PodMakers returns the resources the deploy-order audit treats as starting pods: exactly the
// set its pods-need-nodes rule checks, in URN order.
func PodMakers(g *Graph) []Resource {
	var a auditor
	var out []Resource
	for _, r := range g.Resources {
		if a.isPodMaker(r) {
			out = append(out, r)
		}
	}
	return out
}

const (
	typeSubnet      = "aws:ec2/subnet:Subnet"
	typeRouteTable  = "aws:ec2/routeTable:RouteTable"
	typeRoute       = "aws:ec2/route:Route"
	typeAssociation = "aws:ec2/routeTableAssociation:RouteTableAssociation"
	typeNAT         = "aws:ec2/natGateway:NatGateway"
)

// SubnetRoutes is one subnet with the route table it is associated with and that table's
// routes, each resolved through the graph's ids.
type SubnetRoutes struct {
	Subnet Resource
	Tier   string // the subnet's "tier" tag: public, private or database
	AZ     string // the subnet's availabilityZone input
	Table  Resource
	Routes []Route // the aws:ec2/route:Route resources of Table, in URN order
}

// Route is a route and what it leads to, resolved through the graph's ids.
type Route struct {
	Resource
	// Target is the NAT gateway (natGatewayId) or gateway (gatewayId: internet or VPN gateway)
	// the route leads to; nil for other targets.
	Target *Resource
	// NATAZ and NATTier are, for a route through a NAT gateway, the AZ and tier of the subnet
	// the gateway sits in.
	NATAZ, NATTier string
}

// DefaultRoutes are the routes of the subnet's table to anywhere (0.0.0.0/0 or ::/0).
func (s SubnetRoutes) DefaultRoutes() []Route {
	var out []Route
	for _, r := range s.Routes {
		if d := r.Destination(); d == "0.0.0.0/0" || d == "::/0" {
			out = append(out, r)
		}
	}
	return out
}

// Destination is the route's IPv4 or IPv6 destination CIDR.
func (r Route) Destination() string {
	if d, _ := r.Inputs["destinationCidrBlock"].(string); d != "" {
		return d
	}
	d, _ := r.Inputs["destinationIpv6CidrBlock"].(string)
	return d
}

// Routing follows every subnet of the graph to its route table and routes. It fails instead of
// guessing when the graph does not say: a subnet with no association (AWS would give it the
// VPC's main table) or with several, a table with inline routes, or an id that names no
// resource of the expected type.
func Routing(g *Graph) ([]SubnetRoutes, error) {
	byID := g.Index()
	resolve := func(holder Resource, key, typ string) (Resource, error) {
		id, _ := holder.Inputs[key].(string)
		r, ok := byID[id]
		if !ok || (typ != "" && r.Type != typ) {
			return Resource{}, fmt.Errorf("%s: %s %q names no %s of the graph", holder.Name, key, id, cmp.Or(typ, "resource"))
		}
		return r, nil
	}
	tables := map[string]Resource{} // subnet id -> its route table
	for _, a := range g.ByType(typeAssociation) {
		s, err := resolve(a, "subnetId", typeSubnet)
		if err != nil {
			return nil, err
		}
		rt, err := resolve(a, "routeTableId", typeRouteTable)
		if err != nil {
			return nil, err
		}
		if prev, dup := tables[s.ID]; dup {
			return nil, fmt.Errorf("subnet %s is associated with both %s and %s", s.Name, prev.Name, rt.Name)
		}
		tables[s.ID] = rt
	}
	routes := map[string][]Route{} // route table id -> its routes
	for _, r := range g.ByType(typeRoute) {
		rt, err := resolve(r, "routeTableId", typeRouteTable)
		if err != nil {
			return nil, err
		}
		route := Route{Resource: r}
		for _, t := range []struct{ key, typ string }{{"natGatewayId", typeNAT}, {"gatewayId", ""}} {
			if _, set := r.Inputs[t.key]; !set {
				continue
			}
			target, err := resolve(r, t.key, t.typ)
			if err != nil {
				return nil, err
			}
			route.Target = &target
			if target.Type == typeNAT {
				natSubnet, err := resolve(target, "subnetId", typeSubnet)
				if err != nil {
					return nil, err
				}
				route.NATAZ, route.NATTier = azAndTier(natSubnet)
			}
		}
		routes[rt.ID] = append(routes[rt.ID], route)
	}
	var out []SubnetRoutes
	for _, s := range g.ByType(typeSubnet) {
		rt, ok := tables[s.ID]
		if !ok {
			return nil, fmt.Errorf("subnet %s has no route table association: it would use the VPC's main route table", s.Name)
		}
		if rt.Inputs["routes"] != nil {
			return nil, fmt.Errorf("route table %s has inline routes; the walk reads only aws:ec2/route:Route", rt.Name)
		}
		az, tier := azAndTier(s)
		rs := routes[rt.ID]
		sort.Slice(rs, func(i, j int) bool { return rs[i].URN < rs[j].URN })
		out = append(out, SubnetRoutes{Subnet: s, Tier: tier, AZ: az, Table: rt, Routes: rs})
	}
	return out, nil
}

// azAndTier reads a subnet's availabilityZone input and "tier" tag.
func azAndTier(subnet Resource) (az, tier string) {
	az, _ = subnet.Inputs["availabilityZone"].(string)
	tags, _ := subnet.Inputs["tags"].(map[string]any)
	tier, _ = tags["tier"].(string)
	return az, tier
}

const (
	typeIGW       = "aws:ec2/internetGateway:InternetGateway"
	typeEgressIGW = "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway"
	tierPublic    = "public"
	tierPrivate   = "private"
	tierDatabase  = "database"
	// tierCassandra routes like the private tier (its AZ's private route table), in a region
	// with a datacenter only.
	tierCassandra = "cassandra"
)

// EgressProblems checks where each subnet of a network's graph reaches the internet, following
// the ids (subnet -> association -> route table -> route -> NAT gateway -> its subnet -> AZ):
//   - a public subnet has one default route, through the internet gateway;
//   - a private subnet has one default route, through a NAT gateway in a public subnet of the
//     private subnet's own AZ (an AZ outage then cuts only that AZ's egress), or with singleNAT
//     through the network's one NAT gateway;
//   - a database subnet has no route to the internet: no default route, nothing through a NAT
//     or internet gateway;
//   - a cassandra subnet (regions with a datacenter) leaves as a private one does;
//   - every tier has one subnet per AZ (azs), so the checks above cannot pass on nothing.
//
// It returns one line per problem; a test reports them.
func EgressProblems(g *Graph, azs int, singleNAT bool) []string {
	subnets, err := Routing(g)
	if err != nil {
		return []string{err.Error()}
	}
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	perTier := map[string]int{}
	nats := map[string]bool{} // URNs of the NAT gateways private subnets leave through
	for _, s := range subnets {
		perTier[s.Tier]++
		defaults := s.DefaultRoutes()
		via := func(typ string) bool {
			return len(defaults) == 1 && defaults[0].Target != nil && defaults[0].Target.Type == typ
		}
		switch s.Tier {
		case tierPublic:
			if !via(typeIGW) {
				add("public subnet %s (table %s): default routes %s, want one through the internet gateway", s.Subnet.Name, s.Table.Name, names(defaults))
			}
		case tierPrivate, tierCassandra:
			if !via(typeNAT) {
				add("%s subnet %s (table %s): default routes %s, want one through a NAT gateway", s.Tier, s.Subnet.Name, s.Table.Name, names(defaults))
				continue
			}
			d := defaults[0]
			nats[d.Target.URN] = true
			if d.NATTier != tierPublic {
				add("%s subnet %s leaves through NAT gateway %s, which sits in a %q subnet, not a public one", s.Tier, s.Subnet.Name, d.Target.Name, d.NATTier)
			}
			if !singleNAT && d.NATAZ != s.AZ {
				add("%s subnet %s in %s (table %s) leaves through NAT gateway %s in %s, not its own AZ's", s.Tier, s.Subnet.Name, s.AZ, s.Table.Name, d.Target.Name, d.NATAZ)
			}
		case tierDatabase:
			for _, r := range s.Routes {
				toInternet := r.Target != nil && (r.Target.Type == typeNAT || r.Target.Type == typeIGW || r.Target.Type == typeEgressIGW)
				if d := r.Destination(); toInternet || d == "0.0.0.0/0" || d == "::/0" {
					add("database subnet %s (table %s) has a route to the internet: %s to %s", s.Subnet.Name, s.Table.Name, r.Name, d)
				}
			}
		default:
			add("subnet %s has tier %q, want public, private, database or cassandra", s.Subnet.Name, s.Tier)
		}
	}
	if n := perTier[tierCassandra]; n != 0 && n != azs {
		add("%d cassandra subnets, want none or one in each of %d AZs", n, azs)
	}
	for _, tier := range []string{tierPublic, tierPrivate, tierDatabase} {
		if perTier[tier] != azs {
			add("%d %s subnets, want one in each of %d AZs", perTier[tier], tier, azs)
		}
	}
	want := azs
	if singleNAT {
		want = 1
	}
	if len(nats) != want {
		add("private subnets leave through %d NAT gateways, want %d", len(nats), want)
	}
	return out
}

func names(rs []Route) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}
